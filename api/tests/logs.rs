//! The binary's logs hold no secrets. With verbose logging on, a failed and a successful
//! login, authenticated requests, a PATCH with a remark and a PATCH that quotes the remark in
//! its error are logged by route template and status, and none of the passwords, the token,
//! the Authorization header or the remark's text appears in the output.

// Test code: a panic is how a test fails.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use serde_json::{Value, json};
use std::io::{Read, Write};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const ADMIN_EMAIL: &str = "admin@logs.test";
const ADMIN_PASSWORD: &str = "Correct-Horse-4d1f9b-Battery";
const WRONG_PASSWORD: &str = "Wrong-Guess-83e2c5-Staple";
const REMARK: &str = "Vertrouwelijk: de decaan vertrekt in maart 5b7e";
const QUOTED: &str = "Citaat-in-een-fout-91a6";

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

struct Answer {
    status: u16,
    head: String,
    body: Value,
}

impl Answer {
    fn header(&self, name: &str) -> Option<&str> {
        self.head.lines().find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.eq_ignore_ascii_case(name).then(|| v.trim())
        })
    }
}

/// A minimal blocking HTTP/1.1 request over a plain TCP socket.
fn request(
    port: u16,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: Option<&Value>,
) -> Answer {
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    let payload = body.map(Value::to_string).unwrap_or_default();
    let mut head = format!(
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\nContent-Length: {}\r\n",
        payload.len()
    );
    if body.is_some() {
        head.push_str("Content-Type: application/json\r\n");
    }
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    stream
        .write_all(format!("{head}\r\n{payload}").as_bytes())
        .unwrap();
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).unwrap();
    let text = String::from_utf8(raw).unwrap();
    let (head, rest) = text.split_once("\r\n\r\n").unwrap();
    let status = head.split(' ').nth(1).unwrap().parse().unwrap();
    let body = if head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked")
    {
        dechunk(rest)
    } else {
        rest.to_owned()
    };
    Answer {
        status,
        head: head.to_owned(),
        body: serde_json::from_str(&body).unwrap_or(Value::Null),
    }
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

fn wait_ready(port: u16, child: &mut Child) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while Instant::now() < deadline {
        assert!(child.try_wait().unwrap().is_none(), "the service exited");
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok()
            && request(port, "GET", "/readyz", &[], None).status == 200
        {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("the service did not become ready");
}

/// Stops the service with SIGTERM and waits for it to exit.
fn stop(mut child: Child) {
    let status = Command::new("kill")
        .arg("-TERM")
        .arg(child.id().to_string())
        .status()
        .unwrap();
    assert!(status.success());
    child.wait().unwrap();
}

#[test]
fn passwords_tokens_and_remarks_never_reach_the_log() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let mut child = Command::new(env!("CARGO_BIN_EXE_lobkader"))
        .current_dir(dir.path())
        .env_remove("DATABASE_URL")
        .env_remove("LOBKADER_JWT_SECRET")
        .env("LOBKADER_ADDR", format!("127.0.0.1:{port}"))
        .env("LOBKADER_ADMIN_EMAIL", ADMIN_EMAIL)
        .env("LOBKADER_ADMIN_PASSWORD", ADMIN_PASSWORD)
        // As verbose as it gets, as an operator might set it to chase a problem.
        .env("RUST_LOG", "trace")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // The log is read only after the service stops; a pipe this busy must not fill up first,
    // so the output is drained on a thread meanwhile.
    let stderr = child.stderr.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut log = String::new();
        let mut stderr = stderr;
        stderr.read_to_string(&mut log).unwrap();
        log
    });
    wait_ready(port, &mut child);

    let login = |password: &str| {
        request(
            port,
            "POST",
            "/api/v1/auth/token",
            &[],
            Some(&json!({"email": ADMIN_EMAIL, "password": password})),
        )
    };
    assert_eq!(login(WRONG_PASSWORD).status, 401);
    let ok = login(ADMIN_PASSWORD);
    assert_eq!(ok.status, 200);
    let token = ok.body["access_token"].as_str().unwrap().to_owned();
    let bearer = format!("Bearer {token}");
    let auth = [("Authorization", bearer.as_str())];

    assert_eq!(request(port, "GET", "/api/v1/me", &auth, None).status, 200);
    let institution = request(
        port,
        "POST",
        "/api/v1/institutions",
        &auth,
        Some(&json!({"name": "Het Baken", "sector": "vo", "region": "Eemland"})),
    );
    assert_eq!(institution.status, 201, "{}", institution.body);
    let draft = request(
        port,
        "POST",
        &format!(
            "/api/v1/institutions/{}/evaluations",
            institution.body["id"].as_str().unwrap()
        ),
        &auth,
        Some(
            &json!({"instrument_id": "kwaliteitskader-lob", "reference_date": "2026-10-01", "moment": "baseline"}),
        ),
    );
    assert_eq!(draft.status, 201, "{}", draft.body);
    let path = format!("/api/v1/evaluations/{}", draft.body["id"].as_str().unwrap());
    let etag = draft.header("etag").unwrap().to_owned();
    let patched = request(
        port,
        "PATCH",
        &path,
        &[auth[0], ("If-Match", &etag)],
        Some(&json!({"levels": [{"step": 1, "level": "basic", "remarks": REMARK}]})),
    );
    assert_eq!(patched.status, 200, "{}", patched.body);
    assert_eq!(patched.body["levels"][0]["remarks"], REMARK);
    // A malformed change whose error quotes what was sent: the client sees the quote, the log
    // does not.
    let etag = patched.header("etag").unwrap().to_owned();
    let refused = request(
        port,
        "PATCH",
        &path,
        &[auth[0], ("If-Match", &etag)],
        Some(&json!({"levels": [{"step": QUOTED, "remarks": REMARK}]})),
    );
    assert_eq!(refused.status, 422, "{}", refused.body);
    assert!(
        refused.body.to_string().contains(QUOTED),
        "{}",
        refused.body
    );
    // A forged token is refused; it is not logged either.
    let forged = format!("Bearer {token}x");
    let r = request(
        port,
        "GET",
        "/api/v1/me",
        &[("Authorization", forged.as_str())],
        None,
    );
    assert_eq!(r.status, 401);

    stop(child);
    let log = reader.join().unwrap();
    // The requests were logged, so the absence below is about what the lines hold.
    for expected in [
        "\"route\":\"/api/v1/auth/token\"",
        "\"route\":\"/api/v1/evaluations/{id}\"",
        "\"code\":\"invalid_credentials\"",
        "\"code\":\"validation_failed\"",
        "\"status\":200",
    ] {
        assert!(log.contains(expected), "{expected} not in the log:\n{log}");
    }
    let signature = token.rsplit('.').next().unwrap();
    for secret in [
        ADMIN_PASSWORD,
        WRONG_PASSWORD,
        &token,
        signature,
        REMARK,
        "Vertrouwelijk",
        QUOTED,
        "Bearer",
    ] {
        assert!(!log.contains(secret), "{secret:?} is in the log:\n{log}");
    }
}
