//! The `lobkader` binary as an operator meets it: first start on an empty SQLite file prints
//! the generated admin password once, `migrate` and `user add` work, and SIGTERM stops the
//! service cleanly.

// Test code: a panic is how a test fails.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader, Read};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn lobkader(dir: &std::path::Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_lobkader"));
    cmd.current_dir(dir)
        .env_remove("DATABASE_URL")
        .env_remove("LOBKADER_ADMIN_PASSWORD")
        .env_remove("LOBKADER_JWT_SECRET")
        .env("RUST_LOG", "warn");
    cmd
}

fn wait_ready(base: &str) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while Instant::now() < deadline {
        if get_status(&format!("{base}/readyz")).is_ok_and(|s| s == 200) {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("the service did not become ready");
}

/// A minimal blocking GET over a plain TCP socket, returning the status code.
fn get_status(url: &str) -> std::io::Result<u16> {
    use std::io::Write;
    let rest = url.trim_start_matches("http://");
    let (host, path) = rest.split_once('/').unwrap_or((rest, ""));
    let mut stream = std::net::TcpStream::connect(host)?;
    write!(
        stream,
        "GET /{path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
    )?;
    let mut response = String::new();
    stream.read_to_string(&mut response)?;
    Ok(response
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0))
}

fn stop(child: &mut Child) -> std::process::ExitStatus {
    let status = Command::new("kill")
        .arg("-TERM")
        .arg(child.id().to_string())
        .status()
        .unwrap();
    assert!(status.success());
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        assert!(
            Instant::now() < deadline,
            "the service did not stop on SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn a_first_start_prints_the_admin_password_once_and_sigterm_stops_the_service() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let mut child = lobkader(dir.path())
        .env("LOBKADER_ADDR", format!("127.0.0.1:{port}"))
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut first = String::new();
    for _ in 0..4 {
        stdout.read_line(&mut first).unwrap();
    }
    assert!(first.contains("created the first admin account"), "{first}");
    let password = first
        .lines()
        .find_map(|l| l.trim().strip_prefix("password: "))
        .expect("a password line")
        .to_owned();
    assert!(password.len() >= 20);
    wait_ready(&base);
    assert!(
        dir.path().join("lobkader.db").exists(),
        "the default database is ./lobkader.db"
    );
    assert!(stop(&mut child).success(), "SIGTERM is a clean stop");

    // A second start on the same database makes no new admin and prints no password.
    let mut again = lobkader(dir.path())
        .env("LOBKADER_ADDR", format!("127.0.0.1:{port}"))
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    wait_ready(&base);
    assert!(stop(&mut again).success());
    let mut rest = String::new();
    again
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut rest)
        .unwrap();
    assert!(!rest.contains("password"), "{rest}");
}

#[test]
fn migrate_and_user_add_work_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let out = lobkader(dir.path()).arg("migrate").output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("migrations applied"));
    let add = |email: &str| {
        lobkader(dir.path())
            .args(["user", "add", "--email", email, "--name", "Coördinator"])
            .env("LOBKADER_NEW_USER_PASSWORD", "a-long-enough-password")
            .output()
            .unwrap()
    };
    let out = add("Coordinator@School.example");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        String::from_utf8_lossy(&out.stdout)
            .contains("created user account coordinator@school.example")
    );
    let again = add("coordinator@school.example");
    assert!(!again.status.success(), "the e-mail address is taken");
    let bad = lobkader(dir.path())
        .args(["user", "add", "--email", "nope", "--name", "X"])
        .env("LOBKADER_NEW_USER_PASSWORD", "a-long-enough-password")
        .output()
        .unwrap();
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("not a valid e-mail address"));
}
