//! A backend's runs as they happen: who takes part (members and coaches with their tokens),
//! each run measured and printed, the service's peak RSS per run (its `VmHWM` reset before
//! each), and the rows of the results table — medians over repeats, against the bare read.

use crate::dataset::{self, Dataset, Institution};
use crate::load::{self, Measured, Run};
use crate::plans::{CoachReader, Reader};
use crate::procs::{BoxError, Proc};
use crate::setup;
use serde::Serialize;

/// An endpoint's figures: the median of its runs, and its throughput against the bare read.
#[derive(Debug, Clone, Serialize)]
pub struct Row {
    #[serde(flatten)]
    pub median: Measured,
    pub ratio_to_bare_read: f64,
    /// Requests per second of every repeat.
    pub rps_runs: Vec<f64>,
    /// The service's peak resident memory during the run(s), in KiB.
    pub peak_rss_kib: u64,
}

/// Median of runs by throughput, with every throughput.
pub fn median(runs: &[Measured]) -> (Measured, Vec<f64>) {
    let mut sorted: Vec<Measured> = runs.to_vec();
    sorted.sort_by(|a, b| a.rps.total_cmp(&b.rps));
    let rps = runs.iter().map(|r| r.rps).collect();
    (sorted[sorted.len() / 2].clone(), rps)
}

/// Picks `n` items spread evenly over `all` (cycling when there are fewer).
fn spread<T: Clone>(all: &[T], n: usize) -> Vec<T> {
    (0..n)
        .map(|k| all[(k * all.len() / n.max(1) + k / all.len().max(1)) % all.len()].clone())
        .collect()
}

/// Members of `of`, logged in at `base`.
pub async fn readers(base: &str, of: Vec<Institution>) -> Result<Vec<Reader>, BoxError> {
    let emails = of.iter().map(|i| i.member_email.clone()).collect();
    let tokens = setup::tokens(base, emails).await?;
    Ok(tokens
        .into_iter()
        .zip(of)
        .map(|(token, institution)| Reader { token, institution })
        .collect())
}

/// A coach, logged in at `base`.
pub async fn coach(base: &str, c: &dataset::Coach) -> Result<CoachReader, BoxError> {
    let token = setup::tokens(base, vec![c.email.clone()]).await?.remove(0);
    Ok(CoachReader {
        token,
        trajectories: c.trajectories.clone(),
    })
}

/// Everyone taking part in the runs, with tokens fetched before any run starts.
pub struct People {
    /// Members of institutions spread over the national dataset, one per read user.
    pub reading: Vec<Reader>,
    /// Members of as many institutions as there are writers, each writing to their own.
    pub writing: Vec<Reader>,
    pub coaches: Vec<CoachReader>,
    /// Members in the small dataset, logged in at its own service.
    pub small: Vec<Reader>,
    pub logins: usize,
}

impl People {
    pub async fn log_in(
        service: &Proc,
        small_service: &Proc,
        national: &Dataset,
        small: &Dataset,
        users: usize,
        writers: usize,
    ) -> Result<People, BoxError> {
        let base = service.base_url();
        let members = readers(&base, spread(&national.institutions, users.max(writers))).await?;
        let mut coaches = Vec::new();
        for c in spread(&national.coaches, users.min(national.coaches.len())) {
            coaches.push(coach(&base, &c).await?);
        }
        let small = readers(
            &small_service.base_url(),
            spread(&small.institutions, users),
        )
        .await?;
        Ok(People {
            logins: members.len() + coaches.len() + small.len(),
            reading: members.iter().take(users).cloned().collect(),
            writing: members.iter().take(writers).cloned().collect(),
            coaches,
            small,
        })
    }
}

pub struct Session<'a> {
    pub service: &'a Proc,
    /// The local PostgreSQL server's postmaster, whose CPU counts as the service's.
    pub postgres: Option<u32>,
    pub only: &'a [String],
    /// Every run: its name, what it measured, the service's peak RSS meanwhile.
    pub log: Vec<(String, Measured, u64)>,
}

impl Session<'_> {
    /// Whether `--only` lets the run named `name` happen.
    pub fn wanted(&self, name: &str) -> bool {
        self.only.is_empty() || self.only.iter().any(|o| name.contains(o.as_str()))
    }

    /// Runs `run` against `server` (the national service unless said otherwise); `None` when
    /// `--only` leaves it out.
    pub async fn run(
        &mut self,
        run: Run,
        server: Option<&Proc>,
    ) -> Result<Option<Measured>, BoxError> {
        if !self.wanted(&run.name) {
            return Ok(None);
        }
        let target = server.unwrap_or(self.service);
        self.service.reset_peak_rss();
        let m = load::measure(&run, target, self.postgres).await?;
        let rss = self.service.peak_rss_kib().unwrap_or(0);
        println!(
            "  {:<44} {:>9.0}/s  p50 {:>7.2} ms  p99 {:>7.2} ms  errors {:>4}  queries {:>2}  cpu {:>6.0} µs{}",
            m.name,
            m.rps,
            m.p50_ms,
            m.p99_ms,
            m.errors,
            m.queries.map_or("-".into(), |q| q.to_string()),
            m.server_cpu_us,
            m.note
                .as_deref()
                .map_or(String::new(), |n| format!("  ({n})")),
        );
        self.log.push((run.name.clone(), m.clone(), rss));
        Ok(Some(m))
    }

    /// The results table: one row per endpoint (growth runs apart), medians over repeats,
    /// throughput against the median bare read.
    pub fn rows(&self) -> Vec<Row> {
        let bare: Vec<Measured> = self
            .log
            .iter()
            .filter(|(n, _, _)| n.starts_with("bare read"))
            .map(|(_, m, _)| m.clone())
            .collect();
        let bare = if bare.is_empty() {
            0.0
        } else {
            median(&bare).0.rps
        };
        let mut names: Vec<&str> = Vec::new();
        for (name, _, _) in &self.log {
            if !name.starts_with("growth: ") && !names.contains(&name.as_str()) {
                names.push(name);
            }
        }
        names
            .into_iter()
            .map(|name| {
                let runs: Vec<&(String, Measured, u64)> =
                    self.log.iter().filter(|(n, _, _)| n == name).collect();
                let measured: Vec<Measured> = runs.iter().map(|(_, m, _)| m.clone()).collect();
                let (median, rps_runs) = median(&measured);
                Row {
                    ratio_to_bare_read: if bare > 0.0 { median.rps / bare } else { 0.0 },
                    median,
                    rps_runs,
                    peak_rss_kib: runs.iter().map(|(_, _, r)| *r).max().unwrap_or(0),
                }
            })
            .collect()
    }

    /// The service's peak RSS over every run.
    pub fn peak_rss_kib(&self) -> u64 {
        self.log.iter().map(|(_, _, r)| *r).max().unwrap_or(0)
    }
}
