//! The processes the benchmark starts — the service and the bare-read server, each on a free
//! loopback port with CPUs of its own — and what `/proc` says about them: CPU time used and
//! peak resident memory. A [`Proc`] is killed when dropped, so an error or a panic never
//! leaves one running.

use crate::dataset::{ADMIN_EMAIL, PASSWORD};
use std::fs::File;
use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// The key the service signs its tokens with during the benchmark.
pub const JWT_SECRET: &str = "a-benchmark-signing-key-of-at-least-32-bytes";
/// The service's default pool size, given explicitly to the service and the bare read alike.
pub const POOL_SIZE: u32 = 8;

/// A running child process.
pub struct Proc {
    pub name: String,
    pub pid: u32,
    pub port: u16,
    child: Child,
    /// Held open: the bare-read server exits when it reads end-of-file.
    _stdin: Option<ChildStdin>,
}

impl Proc {
    pub fn base_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Asks the process to stop (SIGTERM) and waits up to `patience` before killing it.
    pub fn stop(mut self, patience: Duration) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.pid.to_string()])
            .status();
        let until = Instant::now() + patience;
        while Instant::now() < until {
            if matches!(self.child.try_wait(), Ok(Some(_))) {
                return;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// Peak resident set size so far, in KiB (`VmHWM`).
    pub fn peak_rss_kib(&self) -> Option<u64> {
        status_field(self.pid, "VmHWM:")
    }

    /// Resets the peak to the current size, so the next reading is the peak of what follows.
    pub fn reset_peak_rss(&self) {
        let _ = std::fs::write(format!("/proc/{}/clear_refs", self.pid), "5");
    }

    pub fn cpu_seconds(&self) -> f64 {
        cpu_seconds(self.pid).unwrap_or(0.0)
    }

    fn check_alive(&mut self) -> Result<(), BoxError> {
        match self.child.try_wait()? {
            Some(status) => Err(format!("{} exited early: {status}", self.name).into()),
            None => Ok(()),
        }
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn free_port() -> std::io::Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

/// Starts the service over `database_url` and waits for `/readyz` to answer 200. Returns it
/// with the time from spawning to ready.
pub async fn start_service(
    bin: &Path,
    database_url: &str,
    log: &Path,
    extra_env: &[(String, String)],
) -> Result<(Proc, Duration), BoxError> {
    let port = free_port()?;
    let out = File::create(log)?;
    let started = Instant::now();
    let child = Command::new(bin)
        .arg("serve")
        .env("DATABASE_URL", database_url)
        .env("LOBKADER_ADDR", format!("127.0.0.1:{port}"))
        .env("LOBKADER_EXPOSE_QUERY_COUNT", "true")
        .env("LOBKADER_JWT_SECRET", JWT_SECRET)
        .env("LOBKADER_ADMIN_EMAIL", ADMIN_EMAIL)
        .env("LOBKADER_ADMIN_PASSWORD", PASSWORD)
        .env("LOBKADER_DB_MAX_CONNECTIONS", POOL_SIZE.to_string())
        .env("LOBKADER_TOKEN_TTL_SECONDS", "7200")
        .env("RUST_LOG", "warn")
        .env_remove("LOBKADER_WORKERS")
        .envs(extra_env.iter().map(|(k, v)| (k, v)))
        .stdin(Stdio::null())
        .stdout(out.try_clone()?)
        .stderr(out)
        .spawn()
        .map_err(|e| format!("cannot start {}: {e}", bin.display()))?;
    let mut proc = Proc {
        name: format!("service ({})", log.display()),
        pid: child.id(),
        port,
        child,
        _stdin: None,
    };
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(2))
        .build()?;
    let url = format!("{}/readyz", proc.base_url());
    loop {
        if let Ok(r) = client.get(&url).send().await
            && r.status().is_success()
        {
            return Ok((proc, started.elapsed()));
        }
        proc.check_alive()?;
        if started.elapsed() > Duration::from_secs(60) {
            return Err(format!("{} not ready after 60 s", proc.name).into());
        }
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
}

/// Starts this executable's `bare-read` server over `database_url`; it prints its port.
pub fn start_bare_read(database_url: &str, log: &Path) -> Result<Proc, BoxError> {
    let err = File::create(log)?;
    let mut child = Command::new(std::env::current_exe()?)
        .args(["bare-read", "--database-url", database_url])
        .args(["--max-connections", &POOL_SIZE.to_string()])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(err)
        .spawn()?;
    let stdin = child.stdin.take();
    let stdout = child.stdout.take().ok_or("no stdout")?;
    let mut proc = Proc {
        name: "bare read".into(),
        pid: child.id(),
        port: 0,
        child,
        _stdin: stdin,
    };
    let mut line = String::new();
    BufReader::new(stdout).read_line(&mut line)?;
    proc.port = line
        .trim()
        .strip_prefix("port ")
        .and_then(|p| p.parse().ok())
        .ok_or_else(|| {
            format!(
                "bare-read server did not start: {line:?} (see {})",
                log.display()
            )
        })?;
    proc.check_alive()?;
    Ok(proc)
}

fn status_field(pid: u32, field: &str) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix(field))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
}

fn clock_ticks() -> f64 {
    static TICKS: OnceLock<f64> = OnceLock::new();
    *TICKS.get_or_init(|| {
        Command::new("getconf")
            .arg("CLK_TCK")
            .output()
            .ok()
            .and_then(|o| String::from_utf8(o.stdout).ok())
            .and_then(|s| s.trim().parse().ok())
            .unwrap_or(100.0)
    })
}

/// User plus system CPU time of a process (all its threads), in seconds.
pub fn cpu_seconds(pid: u32) -> Option<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let rest = stat.rsplit_once(") ")?.1;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let utime: f64 = fields.get(11)?.parse().ok()?;
    let stime: f64 = fields.get(12)?.parse().ok()?;
    Some((utime + stime) / clock_ticks())
}

fn parent_of(pid: u32) -> Option<u32> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    stat.rsplit_once(") ")?
        .1
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

fn is_postgres(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/comm")).is_ok_and(|c| c.trim() == "postgres")
}

/// The PostgreSQL server process (postmaster) whose backend `backend_pid` is, when that server
/// runs on this machine.
pub fn postmaster_of(backend_pid: u32) -> Option<u32> {
    let parent = parent_of(backend_pid)?;
    (is_postgres(backend_pid) && is_postgres(parent)).then_some(parent)
}

/// CPU seconds used so far by a PostgreSQL server: the postmaster and its live children
/// (backends, writers, autovacuum).
pub fn postgres_cpu_seconds(postmaster: u32) -> f64 {
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return 0.0;
    };
    dir.filter_map(Result::ok)
        .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| *pid == postmaster || parent_of(*pid) == Some(postmaster))
        .filter_map(cpu_seconds)
        .sum()
}

/// The CPU time of this process (the load generator).
pub fn own_cpu_seconds() -> f64 {
    cpu_seconds(std::process::id()).unwrap_or(0.0)
}

/// Where the benchmark writes its databases and logs.
pub fn work_dir(out: &Path, backend: &str) -> PathBuf {
    out.join("work").join(backend)
}
