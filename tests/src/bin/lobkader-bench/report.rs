//! The results: the machine they came from, every backend's table and growth checks, and
//! each target of issue 4 judged — written as JSON and as Markdown, and printed.

use crate::bench::BackendReport;
use crate::session::Row;
use serde::Serialize;
use std::fmt::Write as _;
use std::process::Command;

/// "Costs the same within noise": at most this ratio.
pub const NOISE: f64 = 1.2;
const RSS_LIMIT_KIB: u64 = 64 * 1024;

#[derive(Debug, Serialize)]
pub struct Machine {
    pub nproc: usize,
    pub cpu_model: String,
    pub memory_mib: u64,
    pub kernel: String,
    pub date: String,
    pub git_commit: String,
}

#[derive(Debug, Serialize)]
pub struct Settings {
    pub seconds_per_run: u64,
    pub seconds_per_growth_run: u64,
    pub users: usize,
    pub writers: usize,
    pub repeats: usize,
    pub load_generator: String,
    /// Extra environment the service ran with (empty in a normal run).
    pub service_env: Vec<String>,
}

/// A target, judged on one backend.
#[derive(Debug, Serialize)]
pub struct Check {
    pub backend: String,
    pub target: String,
    pub measured: String,
    pub holds: bool,
}

#[derive(Debug, Serialize)]
pub struct Results {
    pub command: String,
    pub machine: Machine,
    pub settings: Settings,
    pub backends: Vec<BackendReport>,
    pub checks: Vec<Check>,
}

fn run(cmd: &str, args: &[&str]) -> String {
    Command::new(cmd)
        .args(args)
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .map(|s| s.trim().to_owned())
        .unwrap_or_default()
}

pub fn machine() -> Machine {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
    let field = |text: &str, key: &str| {
        text.lines()
            .find(|l| l.starts_with(key))
            .and_then(|l| l.split_once(':'))
            .map(|(_, v)| v.trim().to_owned())
            .unwrap_or_default()
    };
    let memory_kib: u64 = field(&meminfo, "MemTotal")
        .split_whitespace()
        .next()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let mut commit = run("git", &["rev-parse", "--short=12", "HEAD"]);
    if !run("git", &["status", "--porcelain", "--untracked-files=no"]).is_empty() {
        commit.push_str(" (with uncommitted changes)");
    }
    Machine {
        nproc: std::thread::available_parallelism().map_or(1, |n| n.get()),
        cpu_model: field(&cpuinfo, "model name"),
        memory_mib: memory_kib / 1024,
        kernel: run("uname", &["-r"]),
        date: chrono::Utc::now().format("%Y-%m-%d %H:%M UTC").to_string(),
        git_commit: commit,
    }
}

fn row<'a>(b: &'a BackendReport, name: &str) -> Option<&'a Row> {
    b.rows.iter().find(|r| r.median.name.starts_with(name))
}

/// Every target of the issue, judged per backend.
pub fn checks(backends: &[BackendReport]) -> Vec<Check> {
    let mut out = Vec::new();
    for b in backends {
        let mut check = |target: &str, measured: String, holds: bool| {
            out.push(Check {
                backend: b.title.clone(),
                target: target.into(),
                measured,
                holds,
            })
        };
        if let Some(r) = row(b, "get evaluation") {
            check(
                "reading one full evaluation ≥ 0.5× the bare read",
                format!("{:.2}×", r.ratio_to_bare_read),
                r.ratio_to_bare_read >= 0.5,
            );
        }
        if let Some(r) = row(b, "write flow") {
            let errors = r.median.errors;
            let locked = b.database_locked_lines;
            let text = format!(
                "{:.0} complete evaluations/s, {errors} errors, {locked} \"database is locked\"",
                r.median.rps
            );
            let holds = r.median.rps >= 1000.0 && errors == 0 && locked == 0;
            if b.backend == "sqlite" {
                check(
                    "≥ 1,000 complete evaluations/s on SQLite, no errors, not locked (64 writers)",
                    text,
                    holds,
                );
            } else {
                check(
                    "write flow (the 1,000/s target is for SQLite; shown for comparison)",
                    text,
                    holds,
                );
            }
        }
        for g in b.growth.iter().filter(|g| g.target) {
            check(
                &format!("{}: {} costs ≤ {}× {}", g.check, g.big, g.limit, g.small),
                format!(
                    "{:.2}× by throughput ({:.2}× by server CPU)",
                    g.cost_ratio, g.cpu_ratio
                ),
                g.cost_ratio <= g.limit,
            );
            check(
                &format!("{}: queries per request bounded", g.check),
                format!("{} vs {}", q(g.big_run.queries), q(g.small_run.queries)),
                g.big_run.queries == g.small_run.queries,
            );
        }
        check(
            "peak RSS of the service over the full benchmark ≤ 64 MiB",
            format!("{:.1} MiB", b.peak_rss_kib as f64 / 1024.0),
            b.peak_rss_kib <= RSS_LIMIT_KIB,
        );
        check(
            "ready (/readyz 200) on the national database within 1 s",
            format!(
                "{:.0} ms (median of {})",
                b.startup_median_ms,
                b.startup_ms.len()
            ),
            b.startup_median_ms <= 1000.0,
        );
    }
    out
}

fn q(v: Option<u32>) -> String {
    v.map_or("-".into(), |v| v.to_string())
}

fn thousands(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

pub fn markdown(r: &Results) -> String {
    let m = &r.machine;
    let s = &r.settings;
    let mut md = String::new();
    let _ = writeln!(
        md,
        "Measured with `{}` on {} — {} ({} CPUs), {} MiB RAM, Linux {}, commit {}. \
         Load generator: {} on the same machine. Each run {} s with {} users ({} for writes), \
         growth runs {} s; healthz, bare read and get evaluation are medians of {} runs.\n",
        r.command,
        m.date,
        m.cpu_model,
        m.nproc,
        m.memory_mib,
        m.kernel,
        m.git_commit,
        s.load_generator,
        s.seconds_per_run,
        s.users,
        s.writers,
        s.seconds_per_growth_run,
        s.repeats
    );
    if !s.service_env.is_empty() {
        let _ = writeln!(
            md,
            "The service ran with extra environment `{}` (a diagnostic run).\n",
            s.service_env.join(" ")
        );
    }
    let sqlite_sync = match s
        .service_env
        .iter()
        .find_map(|e| e.strip_prefix("LOBKADER_SQLITE_SYNCHRONOUS="))
    {
        Some(v) => format!(" with `LOBKADER_SQLITE_SYNCHRONOUS={v}`"),
        None => " with the service's default `LOBKADER_SQLITE_SYNCHRONOUS=normal`".to_owned(),
    };
    for b in &r.backends {
        let d = &b.dataset;
        let _ = writeln!(
            md,
            "### {}\n\n{}{}. Dataset: {} institutions, {} accounts, {} trajectories, {} evaluations, {} answers, \
             {} levels, {} action points — generated in {:.1} s. Ready in {:.0} ms (spawn to `/readyz` 200, \
             median of {}). Service RSS {:.1} MiB after start-up, {:.1} MiB after the logins that fetch \
             the tokens, peak {:.1} MiB.\n",
            b.title,
            b.database,
            if b.backend == "sqlite" {
                &sqlite_sync
            } else {
                ""
            },
            thousands(d.institutions),
            thousands(d.users),
            thousands(d.trajectories),
            thousands(d.evaluations),
            thousands(d.answers),
            thousands(d.levels),
            thousands(d.action_points),
            b.generation_seconds,
            b.startup_median_ms,
            b.startup_ms.len(),
            b.rss_after_start_kib as f64 / 1024.0,
            b.rss_after_logins_kib as f64 / 1024.0,
            b.peak_rss_kib as f64 / 1024.0
        );
        md.push_str("| endpoint | req/s | × bare read | p50 ms | p99 ms | errors | queries/req | response bytes | server CPU µs/req | peak RSS MiB | goose CPU |\n");
        md.push_str("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        for row in &b.rows {
            let x = &row.median;
            let _ = writeln!(
                md,
                "| {} | {} | {:.2} | {:.2} | {:.2} | {} | {} | {} | {:.0} | {:.0} | {:.0} % |",
                x.name,
                thousands(x.rps.round() as u64),
                row.ratio_to_bare_read,
                x.p50_ms,
                x.p99_ms,
                x.errors,
                q(x.queries),
                q(x.response_bytes),
                x.server_cpu_us,
                row.peak_rss_kib as f64 / 1024.0,
                x.generator_cpu_share * 100.0
            );
            for step in &x.steps {
                let _ = writeln!(
                    md,
                    "| &nbsp;&nbsp;↳ {} | {} | | {:.2} | {:.2} | {} | {} | {} | | | |",
                    step.name.rsplit(": ").next().unwrap_or(&step.name),
                    thousands(step.rps.round() as u64),
                    step.p50_ms,
                    step.p99_ms,
                    step.errors,
                    q(step.queries),
                    q(step.response_bytes)
                );
            }
        }
        md.push_str("\n| growth check | big | small | target | req/s big / small | cost ratio | CPU ratio | queries | response bytes |\n");
        md.push_str("|---|---|---|---|---:|---:|---:|---:|---:|\n");
        for g in &b.growth {
            let target = if g.target {
                format!("≤ {}×", g.limit)
            } else {
                "(shown only)".into()
            };
            let _ = writeln!(
                md,
                "| {} | {} | {} | {} | {:.0} / {:.0} | {:.2}× | {:.2}× | {} / {} | {} / {} |",
                g.check,
                g.big,
                g.small,
                target,
                g.big_run.rps,
                g.small_run.rps,
                g.cost_ratio,
                g.cpu_ratio,
                q(g.big_run.queries),
                q(g.small_run.queries),
                q(g.big_run.response_bytes),
                q(g.small_run.response_bytes)
            );
        }
        md.push('\n');
    }
    md.push_str(
        "*req/s*: successful requests per second (the write flow: complete evaluations per \
         second); *× bare read*: against the bare single-row read of the same run; *queries/req*: \
         median `X-Query-Count`; *server CPU*: CPU time of the service process (with a local \
         PostgreSQL server's) per success; *goose CPU*: the load generator's share of the \
         machine. A growth check's *cost ratio* is the small subject's throughput over the big \
         one's (medians of the repeats).\n\n",
    );
    md.push_str("### Targets\n\n| backend | target | measured | holds |\n|---|---|---|---|\n");
    for c in &r.checks {
        let _ = writeln!(
            md,
            "| {} | {} | {} | {} |",
            c.backend,
            c.target,
            c.measured,
            if c.holds { "yes" } else { "**no**" }
        );
    }
    md
}
