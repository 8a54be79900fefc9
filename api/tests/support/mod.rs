//! What the tests of the `lobkader` binary share: the binary run as a child process with an
//! environment of the test's own, started on a free port and stopped with SIGTERM (or killed
//! and started again on the same database), a blocking HTTP client for synchronous tests
//! ([`http`]), an asynchronous one that tells an answer from a failed connection ([`client`]),
//! and a fresh PostgreSQL database per test.

#![allow(dead_code)]

pub mod client;
pub mod http;

use client::Client;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

pub const ADMIN_EMAIL: &str = "admin@durability.test";
pub const ADMIN_PASSWORD: &str = "an-admin-password-for-durability-tests";
pub const MEMBER_PASSWORD: &str = "a-member-password-for-durability-tests";

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// The binary's path.
pub fn binary() -> &'static str {
    env!("CARGO_BIN_EXE_lobkader")
}

/// The binary, run in `dir`, with none of the test process's settings (see [`isolate`]).
pub fn lobkader(dir: &Path) -> Command {
    let mut cmd = Command::new(binary());
    isolate(&mut cmd).current_dir(dir);
    cmd
}

/// Keeps the settings of whoever runs the tests (`DATABASE_URL`, any `LOBKADER_*`) away from
/// the service, and logs only warnings; a test sets what it needs after this.
pub fn isolate(cmd: &mut Command) -> &mut Command {
    cmd.env_remove("DATABASE_URL");
    for (name, _) in std::env::vars_os() {
        if name.to_string_lossy().starts_with("LOBKADER_") {
            cmd.env_remove(name);
        }
    }
    cmd.env("RUST_LOG", "warn")
}

/// SIGTERM, and the exit status once the process has ended; panics after 30 seconds.
pub fn stop(child: &mut Child) -> ExitStatus {
    terminate(child).expect("the service stops on SIGTERM within 30 seconds")
}

/// SIGTERM, then up to 30 seconds for the process to end: its exit status, or `None` when the
/// signal could not be sent or the process is still running.
fn terminate(child: &mut Child) -> Option<ExitStatus> {
    let sent = Command::new("kill")
        .arg("-TERM")
        .arg(child.id().to_string())
        .status();
    if !sent.is_ok_and(|s| s.success()) {
        return None;
    }
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        if let Some(status) = child.try_wait().ok()? {
            return Some(status);
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    None
}

/// `lobkader serve` on a free port, for synchronous tests; stopped with SIGTERM when dropped,
/// passed or failed.
pub struct Running {
    pub child: Child,
    pub port: u16,
}

impl Running {
    /// Spawns `cmd` (the binary, configured by the test) listening on a free port, without
    /// waiting for it; see [`Running::wait_ready`].
    pub fn spawn(mut cmd: Command) -> Running {
        let port = free_port();
        let child = cmd
            .env("LOBKADER_ADDR", format!("127.0.0.1:{port}"))
            .spawn()
            .unwrap();
        Running { child, port }
    }

    /// Spawns `cmd` with its standard output discarded, and waits until it is ready.
    pub fn start(mut cmd: Command) -> Running {
        cmd.stdout(Stdio::null());
        let mut running = Running::spawn(cmd);
        running.wait_ready();
        running
    }

    pub fn wait_ready(&mut self) {
        http::wait_ready(self.port, &mut self.child);
    }

    /// SIGTERM; the exit status.
    pub fn stop(mut self) -> ExitStatus {
        stop(&mut self.child)
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        if matches!(self.child.try_wait(), Ok(None)) && terminate(&mut self.child).is_none() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// The service as an operator runs it, for the asynchronous durability tests: the real binary
/// on one port and one database, started again on the same port and database after every kill.
pub struct Service {
    pub base: String,
    pub port: u16,
    pub database_url: String,
    dir: PathBuf,
    child: Option<Child>,
}

impl Service {
    /// A service (not yet started) over `database_url`; `dir` is its working directory and
    /// holds its log, `service.log`.
    pub fn new(dir: &Path, database_url: &str) -> Service {
        let port = free_port();
        Service {
            base: format!("http://127.0.0.1:{port}"),
            port,
            database_url: database_url.to_owned(),
            dir: dir.to_owned(),
            child: None,
        }
    }

    /// Sets the environment, working directory and output of `cmd`, which runs the binary
    /// (directly or through a wrapper).
    pub fn configure(&self, cmd: &mut Command) {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.log_path())
            .unwrap();
        isolate(cmd)
            .current_dir(&self.dir)
            .env("DATABASE_URL", &self.database_url)
            .env("LOBKADER_ADDR", format!("127.0.0.1:{}", self.port))
            .env("LOBKADER_ADMIN_EMAIL", ADMIN_EMAIL)
            .env("LOBKADER_ADMIN_PASSWORD", ADMIN_PASSWORD)
            .env("LOBKADER_TOKEN_TTL_SECONDS", "86400")
            .env("LOBKADER_WORKERS", "4")
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log);
    }

    pub fn log_path(&self) -> PathBuf {
        self.dir.join("service.log")
    }

    /// The last lines the service logged, for failure messages.
    pub fn log_tail(&self) -> String {
        let log = std::fs::read_to_string(self.log_path()).unwrap_or_default();
        let lines: Vec<&str> = log.lines().collect();
        lines[lines.len().saturating_sub(40)..].join("\n")
    }

    /// Starts the binary (`lobkader serve`).
    pub fn start(&mut self) {
        let mut cmd = Command::new(binary());
        cmd.arg("serve");
        self.start_with(cmd);
    }

    /// Starts `cmd`, configured as [`Service::configure`] does.
    pub fn start_with(&mut self, mut cmd: Command) {
        assert!(self.child.is_none(), "the service is already running");
        self.configure(&mut cmd);
        self.child = Some(cmd.spawn().unwrap());
    }

    pub fn pid(&self) -> u32 {
        self.child.as_ref().expect("the service runs").id()
    }

    /// SIGKILL: the process ends at once, wherever it was.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            // `Child::kill` is SIGKILL on Unix.
            child.kill().unwrap();
            child.wait().unwrap();
        }
    }

    /// SIGTERM, and waits for a clean exit.
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let status = stop(&mut child);
            assert!(status.success(), "unclean stop: {status}");
        }
    }

    /// Waits until `/readyz` answers 200; panics with the log after `limit`.
    pub async fn wait_ready(&mut self, client: &Client, limit: Duration) {
        let deadline = Instant::now() + limit;
        while Instant::now() < deadline {
            if let Ok(r) = client.get("/readyz", None).await
                && r.status == 200
            {
                return;
            }
            if let Some(child) = self.child.as_mut()
                && let Ok(Some(status)) = child.try_wait()
            {
                panic!("the service exited with {status}:\n{}", self.log_tail());
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        panic!("the service did not become ready:\n{}", self.log_tail());
    }
}

impl Drop for Service {
    fn drop(&mut self) {
        if let Some(child) = self.child.as_mut() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// A fresh, empty database on the PostgreSQL server named by `TEST_DATABASE_URL`, named after
/// `label`, the process and a counter (so tests running side by side each have their own);
/// `None` (with a note) without a server, except under `CI`, where a missing server is a
/// failure.
pub async fn fresh_postgres_database(label: &str) -> Option<String> {
    use sea_orm::{ConnectionTrait, Database};
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let server_url = match std::env::var("TEST_DATABASE_URL") {
        Ok(url) if !url.is_empty() => url,
        _ if std::env::var_os("CI").is_some() => {
            panic!("CI is set but TEST_DATABASE_URL is not: the PostgreSQL variant must run in CI")
        }
        _ => {
            eprintln!("TEST_DATABASE_URL is not set: skipping the PostgreSQL variant");
            return None;
        }
    };
    let name = format!(
        "lobkader_{label}_{}_{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    );
    let server = Database::connect(&server_url).await.unwrap();
    for sql in [
        format!("DROP DATABASE IF EXISTS {name}"),
        format!("CREATE DATABASE {name}"),
    ] {
        server.execute_unprepared(&sql).await.unwrap();
    }
    server.close().await.ok();
    let (base, _) = server_url
        .rsplit_once('/')
        .expect("TEST_DATABASE_URL ends in /<database>");
    Some(format!("{base}/{name}"))
}

/// [`fresh_postgres_database`] for synchronous tests.
pub fn fresh_postgres_database_blocking(label: &str) -> Option<String> {
    tokio::runtime::Runtime::new()
        .unwrap()
        .block_on(fresh_postgres_database(label))
}
