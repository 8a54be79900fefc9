//! `lobkader-bench`: the national-scale benchmark of issue 4. It generates a dataset of
//! national size straight into a fresh database, starts the real service (`lobkader`, built
//! beside this executable) and a bare single-row read server on loopback, drives both with
//! goose, and writes `results.json` and `results.md` — on SQLite and on PostgreSQL.
//! `.ci/bench` builds it and runs it; see the README's Performance section.

mod bare;
mod bench;
mod dataset;
mod growth;
mod load;
mod plans;
mod pools;
mod procs;
mod report;
mod rows;
mod session;
mod setup;
mod work;

use clap::{Args, Parser, Subcommand};
use dataset::Spec;
use procs::BoxError;
use secrecy::SecretString;
use setup::Backend;
use std::path::PathBuf;

#[derive(Parser)]
#[command(
    name = "lobkader-bench",
    about = "National-scale benchmark of the lobkader service"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Generate the datasets, start the service and the bare read, drive them, report.
    Run(RunArgs),
    /// The bare single-row read server (started by `run`; prints `port N`).
    #[command(hide = true)]
    BareRead(bare::BareArgs),
    /// Prints a free loopback port (for the PostgreSQL that `.ci/bench` starts).
    #[command(hide = true)]
    FreePort,
}

#[derive(Args)]
struct RunArgs {
    /// The backends to measure, in order.
    #[arg(long, value_delimiter = ',', default_value = "sqlite,postgres")]
    backends: Vec<String>,
    /// A PostgreSQL server URL (`postgres://user@host:port/postgres`) on which the benchmark
    /// may create and drop databases named `lobkader_bench_*`.
    #[arg(long, env = "BENCH_DATABASE_URL")]
    postgres_url: Option<String>,
    /// Seconds per run.
    #[arg(long, default_value_t = 10)]
    seconds: u64,
    /// Seconds per run of the growth checks.
    #[arg(long, default_value_t = 4)]
    growth_seconds: u64,
    /// Concurrent users of the read runs and the token run.
    #[arg(long, default_value_t = 32)]
    users: usize,
    /// Concurrent users of the write runs.
    #[arg(long, default_value_t = 64)]
    writers: usize,
    /// How often the key reads and the growth pairs are repeated (medians are reported).
    #[arg(long, default_value_t = 3)]
    repeats: usize,
    /// Institutions in the national dataset (each with a member and 20 evaluations).
    #[arg(long, default_value_t = 1500)]
    institutions: usize,
    /// Coaches in the national dataset.
    #[arg(long, default_value_t = 40)]
    coaches: usize,
    /// Trajectories per coach.
    #[arg(long, default_value_t = 40)]
    trajectories_per_coach: usize,
    /// Where results (and, while running, the databases and service logs) go.
    #[arg(long, default_value = "target/bench")]
    out: PathBuf,
    /// The service binary; by default `lobkader` beside this executable.
    #[arg(long)]
    service: Option<PathBuf>,
    /// Keep the databases afterwards.
    #[arg(long)]
    keep: bool,
    /// Extra environment for the service, `KEY=VALUE` (repeatable): for diagnosis only,
    /// e.g. `MALLOC_ARENA_MAX=2`.
    #[arg(long, value_parser = key_value)]
    service_env: Vec<(String, String)>,
    /// Only the runs whose names contain this (repeatable), e.g. `--only "get evaluation"`:
    /// for profiling one endpoint.
    #[arg(long)]
    only: Vec<String>,
}

fn key_value(s: &str) -> Result<(String, String), String> {
    s.split_once('=')
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .ok_or_else(|| format!("expected KEY=VALUE, got {s}"))
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Run(args) => run(args).await,
        Command::BareRead(args) => bare::serve(args).await,
        Command::FreePort => procs::free_port()
            .map(|port| println!("{port}"))
            .map_err(Into::into),
    };
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("lobkader-bench: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn run(args: RunArgs) -> Result<(), BoxError> {
    let service = match args.service {
        Some(s) => s,
        None => std::env::current_exe()?
            .parent()
            .ok_or("no directory")?
            .join("lobkader"),
    };
    if !service.exists() {
        return Err(format!("no service binary at {}", service.display()).into());
    }
    let mut backends = Vec::new();
    for name in &args.backends {
        backends.push(match name.as_str() {
            "sqlite" => Backend::Sqlite,
            "postgres" => Backend::Postgres {
                server_url: args
                    .postgres_url
                    .clone()
                    .ok_or("the postgres backend needs --postgres-url or BENCH_DATABASE_URL")?,
            },
            other => return Err(format!("unknown backend {other}").into()),
        });
    }
    std::fs::create_dir_all(&args.out)?;
    let opts = bench::Options {
        service,
        out: args.out.clone(),
        seconds: args.seconds,
        growth_seconds: args.growth_seconds,
        users: args.users,
        writers: args.writers,
        repeats: args.repeats.max(1),
        national: Spec {
            institutions: args.institutions,
            coaches: args.coaches,
            trajectories_per_coach: args.trajectories_per_coach,
            evaluations_per_institution: 20,
            growth: true,
        },
        small: Spec {
            institutions: 15,
            coaches: 1,
            trajectories_per_coach: 15,
            evaluations_per_institution: 20,
            growth: false,
        },
        keep: args.keep,
        service_env: args.service_env.clone(),
        only: args.only.clone(),
    };
    // One Argon2id hash for every account: hashing 1,600 passwords would take minutes.
    let hash = lobkader_api::auth::password::hash(SecretString::from(dataset::PASSWORD))
        .await
        .map_err(|e| format!("hashing the password: {e:?}"))?;
    let mut reports = Vec::new();
    for backend in &backends {
        reports.push(bench::run_backend(backend, &opts, &hash).await?);
    }
    let results = report::Results {
        command: ".ci/bench".into(),
        machine: report::machine(),
        settings: report::Settings {
            seconds_per_run: opts.seconds,
            seconds_per_growth_run: opts.growth_seconds,
            users: opts.users,
            writers: opts.writers,
            repeats: opts.repeats,
            load_generator: "goose 0.19".into(),
            service_env: args
                .service_env
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect(),
        },
        checks: report::checks(&reports),
        backends: reports,
    };
    let md = report::markdown(&results);
    std::fs::write(
        args.out.join("results.json"),
        serde_json::to_string_pretty(&results)?,
    )?;
    std::fs::write(args.out.join("results.md"), &md)?;
    println!("\n{md}");
    println!(
        "written: {} and {}",
        args.out.join("results.json").display(),
        args.out.join("results.md").display()
    );
    Ok(())
}
