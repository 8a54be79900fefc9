//! One measurement: a goose load test of fixed duration against one endpoint (or the write
//! flow), with the users starting at once, and what it measured — throughput, latency
//! percentiles, errors, the median `X-Query-Count`, and the CPU the service (and a local
//! PostgreSQL) spent per request.

use crate::procs::{self, BoxError, Proc};
use goose::config::GooseConfiguration;
use goose::metrics::GooseRequestMetricTimingData;
use goose::prelude::*;
use goose::test_plan::TestPlanStepAction;
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, LazyLock, Mutex};

/// What one user does in one iteration.
pub type Work = Arc<dyn Fn(&mut GooseUser) -> WorkFuture<'_> + Send + Sync>;
pub type WorkFuture<'a> =
    std::pin::Pin<Box<dyn std::future::Future<Output = TransactionResult> + Send + 'a>>;

/// A run to make.
pub struct Run {
    /// The row in the results (and the request name in goose).
    pub name: String,
    pub host: String,
    pub users: usize,
    pub seconds: u64,
    pub work: Work,
    /// The request names whose counts make the run's throughput; the first is the headline.
    pub requests: Vec<String>,
    /// For a multi-request flow: count completed transactions instead of requests.
    pub count_transactions: bool,
}

/// What a run measured.
#[derive(Debug, Clone, Serialize)]
pub struct Measured {
    pub name: String,
    /// Successful requests (or complete flows) per second.
    pub rps: f64,
    pub successes: u64,
    pub errors: u64,
    pub seconds: f64,
    pub p50_ms: f64,
    pub p99_ms: f64,
    /// Median database queries per request, from `X-Query-Count`.
    pub queries: Option<u32>,
    /// Median size of a response body, in bytes.
    pub response_bytes: Option<u32>,
    /// CPU time the service (and a PostgreSQL on this machine) spent per success, in µs.
    pub server_cpu_us: f64,
    /// Share of the machine's CPU time the load generator itself used.
    pub generator_cpu_share: f64,
    pub status_codes: BTreeMap<u16, u64>,
    /// Per request of a flow.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub steps: Vec<Measured>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// Per request name: `X-Query-Count` values and response sizes seen, as value → how often.
type Seen = HashMap<String, (BTreeMap<u32, u64>, BTreeMap<u32, u64>)>;
static SEEN: LazyLock<Mutex<Seen>> = LazyLock::new(Default::default);
/// Why a run stopped early (a pool ran dry), if it did.
static STOPPED: LazyLock<Mutex<Option<String>>> = LazyLock::new(Default::default);

/// Records a response's `X-Query-Count` (if any) and body size under `name`.
pub fn record_response(name: &str, queries: Option<u32>, bytes: usize) {
    if let Ok(mut map) = SEEN.lock() {
        let (counts, sizes) = map.entry(name.to_owned()).or_default();
        if let Some(n) = queries {
            *counts.entry(n).or_default() += 1;
        }
        *sizes
            .entry(u32::try_from(bytes).unwrap_or(u32::MAX))
            .or_default() += 1;
    }
}

/// Ends the run now: some user has nothing left to do.
pub fn stop_run(reason: &str) {
    if let Ok(mut stopped) = STOPPED.lock()
        && stopped.is_none()
    {
        *stopped = Some(reason.to_owned());
    }
    goose::trigger_killswitch(reason);
}

fn median(counts: &BTreeMap<u32, u64>) -> Option<u32> {
    let total: u64 = counts.values().sum();
    let mut seen = 0;
    for (value, n) in counts {
        seen += n;
        if seen * 2 >= total {
            return Some(*value);
        }
    }
    None
}

/// Runs `run` against `server`; its CPU time is counted with that of the PostgreSQL server
/// whose postmaster is `postgres`, if any.
pub async fn measure(
    run: &Run,
    server: &Proc,
    postgres: Option<u32>,
) -> Result<Measured, BoxError> {
    SEEN.lock().map_err(|_| "poisoned")?.clear();
    *STOPPED.lock().map_err(|_| "poisoned")? = None;
    let work = run.work.clone();
    let transaction = Transaction::new(Arc::new(move |user| work(user))).set_name(&run.name);
    let scenario = Scenario::new(&run.name).register_transaction(transaction);
    let mut config = GooseConfiguration::default();
    config.host = Some(run.host.clone());
    config.users = Some(run.users);
    config.increase_rate = Some("100000".into());
    config.run_time = Some(run.seconds.to_string());
    config.no_print_metrics = true;
    config.no_error_summary = true;
    config.no_telnet = true;
    config.no_gzip = true;
    config.quiet = 1;
    let cpu = || server.cpu_seconds() + postgres.map_or(0.0, procs::postgres_cpu_seconds);
    let (server_before, own_before, wall) =
        (cpu(), procs::own_cpu_seconds(), std::time::Instant::now());
    let metrics = GooseAttack::initialize_with_config(config)?
        .register_scenario(scenario)
        .execute()
        .await?;
    let server_cpu = cpu() - server_before;
    let own_cpu = procs::own_cpu_seconds() - own_before;
    let wall = wall.elapsed().as_secs_f64();
    let seconds = held_seconds(&metrics).unwrap_or(run.seconds as f64);
    let seen = SEEN.lock().map_err(|_| "poisoned")?.clone();
    let note = STOPPED.lock().map_err(|_| "poisoned")?.clone();

    let mut steps = Vec::new();
    for name in &run.requests {
        let aggregate = metrics
            .requests
            .iter()
            .find(|(key, _)| key.split_once(' ').is_some_and(|(_, n)| n == name))
            .map(|(_, a)| a);
        let (ok, failed, timing, codes) = match aggregate {
            Some(a) => (
                a.success_count as u64,
                a.fail_count as u64,
                Some(&a.raw_data),
                a.status_code_counts
                    .iter()
                    .map(|(k, v)| (*k, *v as u64))
                    .collect(),
            ),
            None => (0, 0, None, BTreeMap::new()),
        };
        steps.push(Measured {
            name: name.clone(),
            rps: ok as f64 / seconds,
            successes: ok,
            errors: failed,
            seconds,
            p50_ms: timing.map_or(0.0, |t| ms(t, 0.50)),
            p99_ms: timing.map_or(0.0, |t| ms(t, 0.99)),
            queries: seen.get(name).and_then(|(q, _)| median(q)),
            response_bytes: seen.get(name).and_then(|(_, b)| median(b)),
            server_cpu_us: 0.0,
            generator_cpu_share: 0.0,
            status_codes: codes,
            steps: Vec::new(),
            note: None,
        });
    }
    let mut headline = steps.first().cloned().ok_or("a run names no request")?;
    if run.count_transactions {
        let (ok, failed, timing) = metrics
            .transactions
            .iter()
            .flatten()
            .find(|t| t.transaction_name.name_for_transaction() == run.name)
            .map_or((0, 0, None), |t| {
                (
                    t.success_count as u64,
                    t.fail_count as u64,
                    Some(&t.run_times),
                )
            });
        headline.successes = ok;
        headline.errors = failed + steps.iter().map(|s| s.errors).sum::<u64>();
        headline.rps = ok as f64 / seconds;
        headline.p50_ms = timing.map_or(0.0, |t| ms(t, 0.50));
        headline.p99_ms = timing.map_or(0.0, |t| ms(t, 0.99));
        headline.queries = None;
        headline.response_bytes = None;
        headline.status_codes = BTreeMap::new();
        headline.steps = steps;
    }
    headline.name = run.name.clone();
    headline.server_cpu_us = server_cpu * 1e6 / (headline.successes.max(1) as f64);
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get()) as f64;
    headline.generator_cpu_share = own_cpu / (wall * cores);
    headline.note = note;
    Ok(headline)
}

fn ms(t: &GooseRequestMetricTimingData, p: f32) -> f64 {
    t.percentile_us(p) as f64 / 1000.0
}

/// The seconds the run held all its users (goose resets its metrics when they have all
/// started, so this is the window the counts cover).
fn held_seconds(metrics: &GooseMetrics) -> Option<f64> {
    let history = &metrics.history;
    let start = history
        .iter()
        .position(|h| matches!(h.action, TestPlanStepAction::Maintaining))?;
    let end = history.get(start + 1)?;
    let seconds = (end.timestamp - history[start].timestamp).num_microseconds()? as f64 / 1e6;
    (seconds > 0.0).then_some(seconds)
}
