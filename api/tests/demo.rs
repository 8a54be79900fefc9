//! `lobkader demo` as an operator meets it: on an empty database it fills a fictional region
//! and prints the accounts; a second run refuses and changes nothing; and the service started
//! on that database shows the coaches an overview in which every attention flag is raised.

// Test code: a panic is how a test fails.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use serde_json::{Value, json};
use std::collections::BTreeSet;
use std::io::{Read, Write};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const ADMIN_EMAIL: &str = "admin@lobkader.local";
const ADMIN_PASSWORD: &str = "an-admin-password-for-the-demo-test";
const COACHES: [&str; 2] = [
    "i.visser@regio-zuiderhaven.example",
    "r.bakker@regio-zuiderhaven.example",
];
const FLAGS: [&str; 4] = [
    "no_evaluation_12_months",
    "regressed_since_previous",
    "components_behind",
    "no_baseline",
];

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
        .env_remove("LOBKADER_JWT_SECRET")
        .env_remove("LOBKADER_DEMO_PASSWORD")
        .env("LOBKADER_ADMIN_EMAIL", ADMIN_EMAIL)
        .env("LOBKADER_ADMIN_PASSWORD", ADMIN_PASSWORD)
        .env("RUST_LOG", "warn");
    cmd
}

/// A minimal blocking HTTP/1.1 request over a plain TCP socket: the status and the JSON body
/// (`null` when there is none).
fn request(
    port: u16,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Option<&Value>,
) -> (u16, Value) {
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    let payload = body.map(Value::to_string).unwrap_or_default();
    let mut head = format!(
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\nAccept: application/json\r\nContent-Length: {}\r\n",
        payload.len()
    );
    if body.is_some() {
        head.push_str("Content-Type: application/json\r\n");
    }
    if let Some(token) = token {
        head.push_str(&format!("Authorization: Bearer {token}\r\n"));
    }
    stream
        .write_all(format!("{head}\r\n{payload}").as_bytes())
        .unwrap();
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).unwrap();
    let text = String::from_utf8(raw).unwrap();
    let (headers, rest) = text.split_once("\r\n\r\n").unwrap();
    let status = headers.split(' ').nth(1).unwrap().parse().unwrap();
    let chunked = headers
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked");
    let body = if chunked {
        dechunk(rest)
    } else {
        rest.to_owned()
    };
    let json = if body.trim().is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&body).unwrap_or_else(|e| panic!("{e}: {body}"))
    };
    (status, json)
}

fn dechunk(mut rest: &str) -> String {
    let mut out = String::new();
    loop {
        let (size, after) = rest.split_once("\r\n").unwrap();
        let size = usize::from_str_radix(size.trim(), 16).unwrap();
        if size == 0 {
            return out;
        }
        out.push_str(&after[..size]);
        rest = &after[size + 2..];
    }
}

fn wait_ready(port: u16) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while Instant::now() < deadline {
        let listening = std::net::TcpStream::connect(("127.0.0.1", port)).is_ok();
        if listening && request(port, "GET", "/readyz", None, None).0 == 200 {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("the service did not become ready");
}

/// The running service; stopped with SIGTERM when the test ends, passed or failed.
struct Service(Child);

impl Drop for Service {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .arg("-TERM")
            .arg(self.0.id().to_string())
            .status();
        let deadline = Instant::now() + Duration::from_secs(30);
        while matches!(self.0.try_wait(), Ok(None)) && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.0.kill();
    }
}

fn login(port: u16, email: &str, password: &str) -> String {
    let body = json!({ "email": email, "password": password });
    let (status, token) = request(port, "POST", "/api/v1/auth/token", None, Some(&body));
    assert_eq!(status, 200, "login as {email}: {token}");
    token["access_token"].as_str().unwrap().to_owned()
}

fn total(port: u16, token: &str, path: &str) -> u64 {
    let (status, page) = request(port, "GET", path, Some(token), None);
    assert_eq!(status, 200, "{path}: {page}");
    page["total"].as_u64().unwrap()
}

#[test]
fn demo_fills_an_empty_database_once_and_the_coaches_see_every_flag() {
    let dir = tempfile::tempdir().unwrap();
    let first = lobkader(dir.path()).arg("demo").output().unwrap();
    let stdout = String::from_utf8_lossy(&first.stdout).into_owned();
    assert!(
        first.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&first.stderr)
    );
    assert!(stdout.contains("12 institutions"), "{stdout}");
    let password = stdout
        .lines()
        .find_map(|l| l.strip_prefix("demo password: "))
        .expect("a demo password line")
        .trim()
        .to_owned();
    assert!(password.len() >= 12);
    let accounts: Vec<&str> = stdout
        .split_whitespace()
        .filter(|w| w.contains('@') && *w != ADMIN_EMAIL)
        .collect();
    for coach in COACHES {
        assert!(accounts.contains(&coach), "{coach} is printed: {stdout}");
    }
    assert!(accounts.len() >= 30, "{stdout}");
    assert!(
        accounts.iter().all(|a| a.ends_with(".example")),
        "only reserved addresses: {accounts:?}"
    );

    let second = lobkader(dir.path()).arg("demo").output().unwrap();
    assert!(!second.status.success(), "a second demo run is refused");
    let stderr = String::from_utf8_lossy(&second.stderr);
    assert!(stderr.contains("only fills an empty database"), "{stderr}");
    assert!(!String::from_utf8_lossy(&second.stdout).contains("demo password"));

    let port = free_port();
    let service = Service(
        lobkader(dir.path())
            .env("LOBKADER_ADDR", format!("127.0.0.1:{port}"))
            .stdout(Stdio::null())
            .spawn()
            .unwrap(),
    );
    wait_ready(port);

    // The refused second run added nothing: the counts are those of the first.
    let admin = login(port, ADMIN_EMAIL, ADMIN_PASSWORD);
    assert_eq!(total(port, &admin, "/api/v1/institutions?limit=1"), 12);
    let users = total(port, &admin, "/api/v1/users?limit=1");
    assert_eq!(
        users,
        accounts.len() as u64 + 1,
        "the demo accounts and the admin"
    );

    let mut flags = BTreeSet::new();
    for coach in COACHES {
        let token = login(port, coach, &password);
        let (status, overview) = request(port, "GET", "/api/v1/coach/overview", Some(&token), None);
        assert_eq!(status, 200, "{overview}");
        let trajectories = overview["trajectories"].as_array().unwrap();
        assert!(trajectories.len() >= 4, "{coach}: {overview}");
        let flagged = trajectories
            .iter()
            .filter(|t| !t["flags"].as_array().unwrap().is_empty())
            .count();
        assert!(
            flagged >= 1 && flagged < trajectories.len(),
            "{coach}: a mix"
        );
        for t in trajectories {
            for f in t["flags"].as_array().unwrap() {
                flags.insert(f.as_str().unwrap().to_owned());
            }
        }
    }
    drop(service);
    let expected: BTreeSet<String> = FLAGS.iter().map(|f| (*f).to_owned()).collect();
    assert_eq!(flags, expected, "every flag appears across the demo");
}
