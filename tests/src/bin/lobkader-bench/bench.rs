//! One backend's benchmark, start to end: generate the national and the small dataset,
//! time the service's start-up, start the bare read beside it, log everyone in, then the
//! read runs (key reads repeated), the growth pairs, and the write runs last, since they add
//! to the data.

use crate::dataset::{self, Dataset, Spec};
use crate::growth::{self, Growth, Subjects};
use crate::plans::{self, Shape};
use crate::pools;
use crate::procs::{self, BoxError, Proc};
use crate::session::{People, Row, Session};
use crate::setup::{self, Backend};
use serde::Serialize;
use std::path::{Path, PathBuf};
use std::time::Duration;

#[derive(Debug, Clone)]
pub struct Options {
    pub service: PathBuf,
    pub out: PathBuf,
    pub seconds: u64,
    pub growth_seconds: u64,
    pub users: usize,
    pub writers: usize,
    pub repeats: usize,
    pub national: Spec,
    pub small: Spec,
    pub keep: bool,
    /// Extra environment for the service (diagnostics, e.g. glibc malloc tunables).
    pub service_env: Vec<(String, String)>,
    /// Only the runs whose names contain one of these (all when empty).
    pub only: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct BackendReport {
    pub backend: String,
    pub title: String,
    /// The database server and version.
    pub database: String,
    pub dataset: dataset::Counts,
    pub generation_seconds: f64,
    pub small_dataset: dataset::Counts,
    pub small_generation_seconds: f64,
    /// Spawn to `/readyz` 200 on the national database, three starts.
    pub startup_ms: Vec<f64>,
    pub startup_median_ms: f64,
    pub rows: Vec<Row>,
    pub growth: Vec<Growth>,
    /// The service's peak resident memory over every run, in KiB.
    pub peak_rss_kib: u64,
    /// Resident memory right after start-up, and after the logins that fetch the tokens.
    pub rss_after_start_kib: u64,
    pub rss_after_logins_kib: u64,
    pub logins: usize,
    /// Lines of the service's log that say "database is locked", and error lines.
    pub database_locked_lines: usize,
    pub error_lines: usize,
    pub submit_pool_per_writer: usize,
    /// Whether the server CPU per request includes a (local) PostgreSQL server's.
    pub database_cpu_counted: bool,
}

async fn generate(title: &str, url: &str, spec: Spec, hash: &str) -> Result<Dataset, BoxError> {
    let d = dataset::generate(url, spec, hash).await?;
    let c = &d.counts;
    println!(
        "[{title}] {} institutions, {} users, {} trajectories, {} evaluations, {} answers, {} levels, {} action points in {:.1} s",
        c.institutions,
        c.users,
        c.trajectories,
        c.evaluations,
        c.answers,
        c.levels,
        c.action_points,
        d.seconds
    );
    Ok(d)
}

/// Starts the service three times on `url` (timing each to ready) and keeps the third.
async fn start_up(
    opts: &Options,
    url: &str,
    dir: &Path,
) -> Result<(Proc, PathBuf, Vec<f64>), BoxError> {
    let mut startup = Vec::new();
    for attempt in 0..3 {
        let log = dir.join(format!("service-{attempt}.log"));
        let (service, ready) =
            procs::start_service(&opts.service, url, &log, &opts.service_env).await?;
        startup.push(ready.as_secs_f64() * 1000.0);
        if attempt == 2 {
            return Ok((service, log, startup));
        }
        service.stop(Duration::from_secs(20));
    }
    Err("unreachable".into())
}

pub async fn run_backend(
    backend: &Backend,
    opts: &Options,
    hash: &str,
) -> Result<BackendReport, BoxError> {
    let title = backend.title();
    let dir = procs::work_dir(&opts.out, backend.name());
    std::fs::create_dir_all(&dir)?;
    let national_url = setup::fresh_database(backend, &dir, "national").await?;
    let small_url = setup::fresh_database(backend, &dir, "small").await?;
    println!("[{title}] generating the national and the small dataset …");
    let national = generate(title, &national_url, opts.national, hash).await?;
    let small = generate(title, &small_url, opts.small, hash).await?;

    let (service, service_log, startup_ms) = start_up(opts, &national_url, &dir).await?;
    let mut sorted = startup_ms.clone();
    sorted.sort_by(f64::total_cmp);
    let startup_median_ms = sorted[sorted.len() / 2];
    println!("[{title}] ready in {startup_ms:.0?} ms (spawn to /readyz 200)");
    let rss_after_start_kib = service.peak_rss_kib().unwrap_or(0);
    let bare = procs::start_bare_read(&national_url, &dir.join("bare.log"))?;
    let small_log = dir.join("service-small.log");
    let (small_service, _) =
        procs::start_service(&opts.service, &small_url, &small_log, &opts.service_env).await?;

    let people = People::log_in(
        &service,
        &small_service,
        &national,
        &small,
        opts.users,
        opts.writers,
    )
    .await?;
    let subjects = Subjects::log_in(&service, &national).await?;
    service.reset_peak_rss();
    let rss_after_logins_kib = service.peak_rss_kib().unwrap_or(0);
    println!(
        "[{title}] service RSS {:.1} MiB after start-up, {:.1} MiB after {} logins",
        rss_after_start_kib as f64 / 1024.0,
        rss_after_logins_kib as f64 / 1024.0,
        people.logins
    );
    let postgres = setup::local_postmaster(&national_url).await;
    if let Some(pid) = postgres {
        println!(
            "[{title}] the PostgreSQL server's CPU (postmaster {pid}) counts as the service's"
        );
    }
    let mut s = Session {
        service: &service,
        postgres,
        only: &opts.only,
        log: Vec::new(),
    };
    read_runs(&mut s, opts, &people, &bare).await?;
    let growth = match &subjects {
        Some(subjects) => {
            let shape = Shape {
                users: opts.users,
                seconds: opts.growth_seconds,
            };
            let n = national.counts.evaluations;
            growth::runs(
                &mut s,
                subjects,
                shape,
                opts.repeats,
                &people,
                &small_service,
                n,
            )
            .await?
        }
        None => Vec::new(),
    };
    let submit_pool_per_writer = write_runs(&mut s, opts, &people, &national_url).await?;
    // Last: the memory of 32 concurrent Argon2id hashes stays with the process afterwards.
    let reads = Shape {
        users: opts.users,
        seconds: opts.seconds,
    };
    let token = plans::token(&service.base_url(), reads, &people.reading);
    s.run(token, None).await?;

    let logged = std::fs::read_to_string(&service_log).unwrap_or_default();
    let report = BackendReport {
        backend: backend.name().into(),
        title: title.into(),
        database: setup::version(&national_url).await,
        dataset: national.counts.clone(),
        generation_seconds: national.seconds,
        small_dataset: small.counts.clone(),
        small_generation_seconds: small.seconds,
        startup_ms,
        startup_median_ms,
        rows: s.rows(),
        growth,
        peak_rss_kib: s.peak_rss_kib(),
        rss_after_start_kib,
        rss_after_logins_kib,
        logins: people.logins,
        database_locked_lines: logged.matches("database is locked").count(),
        error_lines: logged.lines().filter(|l| l.contains("ERROR")).count(),
        submit_pool_per_writer,
        database_cpu_counted: postgres.is_some(),
    };
    drop(small_service);
    drop(bare);
    service.stop(Duration::from_secs(20));
    if !opts.keep {
        setup::drop_database(backend, &dir, "national").await;
        setup::drop_database(backend, &dir, "small").await;
    }
    Ok(report)
}

/// The read runs; healthz, the bare read and get evaluation `repeats` times, in turn.
async fn read_runs(
    s: &mut Session<'_>,
    opts: &Options,
    people: &People,
    bare: &Proc,
) -> Result<(), BoxError> {
    let reads = Shape {
        users: opts.users,
        seconds: opts.seconds,
    };
    let base = s.service.base_url();
    let host = base.as_str();
    let (reading, coaches) = (&people.reading, &people.coaches);
    for _ in 0..opts.repeats {
        s.run(plans::healthz(host, reads), None).await?;
        let bare_read = plans::bare_read(&bare.base_url(), reads, reading);
        s.run(bare_read, Some(bare)).await?;
        let get = plans::get_evaluation("get evaluation", host, reads, reading);
        s.run(get, None).await?;
    }
    s.run(plans::list_history(host, reads, reading), None)
        .await?;
    let runs = [
        plans::comparison("comparison", host, reads, reading),
        plans::institution_progress("institution progress", host, reads, reading),
        plans::trajectory_progress("trajectory progress", host, reads, coaches),
        plans::coach_overview("coach overview", host, reads, coaches),
    ];
    for run in runs {
        s.run(run, None).await?;
    }
    Ok(())
}

/// The write runs, each writer in an institution of its own: PATCH of a draft, submit from
/// a pool of complete drafts (sized from the PATCH pace), the complete write flow. Returns
/// the pool size per writer.
async fn write_runs(
    s: &mut Session<'_>,
    opts: &Options,
    people: &People,
    url: &str,
) -> Result<usize, BoxError> {
    let writes = Shape {
        users: opts.writers,
        seconds: opts.seconds,
    };
    let base = s.service.base_url();
    let host = base.as_str();
    let writing = &people.writing;
    let owners: Vec<_> = writing
        .iter()
        .map(|w| (w.institution.id, w.institution.member_id))
        .collect();
    let mut per_writer = 0;
    if s.wanted(plans::PATCH) {
        let drafts = pools::insert_drafts(url, &owners, 1, false).await?;
        let patch = s.run(plans::patch_draft(host, writes, writing, &drafts), None);
        let patch_rps = patch.await?.map_or(0.0, |m| m.rps);
        // Enough for the submit run at the PATCH run's pace, and half again.
        let need = patch_rps * opts.seconds as f64 * 1.5 / opts.writers as f64;
        per_writer = need.ceil() as usize;
    }
    if s.wanted(plans::SUBMIT) {
        per_writer = per_writer.clamp(8, 2_000);
        let pool = pools::insert_drafts(url, &owners, per_writer, true).await?;
        s.run(plans::submit(host, writes, writing, &pool), None)
            .await?;
    }
    s.run(plans::write_flow(host, writes, writing), None)
        .await?;
    Ok(per_writer)
}
