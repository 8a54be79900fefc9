//! A minimal blocking HTTP/1.1 client over a plain TCP socket, for the tests that drive the
//! binary from synchronous `#[test]`s: one request per connection, the answer read whole.

use serde_json::{Value, json};
use std::io::{Read, Write};
use std::process::Child;
use std::time::{Duration, Instant};

/// An answer read whole.
pub struct Reply {
    pub status: u16,
    /// The status line and the headers, as received.
    pub head: String,
    /// The body as JSON; a body that is not JSON as a string, and none as `null`.
    pub body: Value,
}

impl Reply {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.head.lines().find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.eq_ignore_ascii_case(name).then(|| v.trim())
        })
    }
}

/// Sends one request to the service on `port`; panics when it gets no complete answer.
#[track_caller]
pub fn request(
    port: u16,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: Option<&Value>,
) -> Reply {
    try_request(port, method, path, headers, body)
        .unwrap_or_else(|e| panic!("{method} {path}: {e}"))
}

/// GET `path` with a bearer token.
#[track_caller]
pub fn get(port: u16, path: &str, token: &str) -> Reply {
    let bearer = format!("Bearer {token}");
    request(port, "GET", path, &[("Authorization", &bearer)], None)
}

/// Logs in and returns the access token.
#[track_caller]
pub fn login(port: u16, email: &str, password: &str) -> String {
    let body = json!({ "email": email, "password": password });
    let r = request(port, "POST", "/api/v1/auth/token", &[], Some(&body));
    assert_eq!(r.status, 200, "login as {email}: {}", r.body);
    r.body["access_token"].as_str().unwrap().to_owned()
}

/// Waits until `/readyz` answers 200; panics if `child` (the service) exits first, or after
/// 20 seconds.
pub fn wait_ready(port: u16, child: &mut Child) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while Instant::now() < deadline {
        if let Some(status) = child.try_wait().unwrap() {
            panic!("the service exited with {status}");
        }
        if try_request(port, "GET", "/readyz", &[], None).is_ok_and(|r| r.status == 200) {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("the service did not become ready");
}

fn try_request(
    port: u16,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: Option<&Value>,
) -> std::io::Result<Reply> {
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port))?;
    stream.set_read_timeout(Some(Duration::from_secs(30)))?;
    let payload = body.map(Value::to_string).unwrap_or_default();
    let mut head = format!(
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\nAccept: application/json\r\nContent-Length: {}\r\n",
        payload.len()
    );
    if body.is_some() {
        head.push_str("Content-Type: application/json\r\n");
    }
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    stream.write_all(format!("{head}\r\n{payload}").as_bytes())?;
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw)?;
    let text = String::from_utf8(raw).map_err(std::io::Error::other)?;
    let invalid = || std::io::Error::new(std::io::ErrorKind::InvalidData, "not an HTTP answer");
    let (head, rest) = text.split_once("\r\n\r\n").ok_or_else(invalid)?;
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(invalid)?;
    let chunked = head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked");
    let body = if chunked {
        dechunk(rest).ok_or_else(invalid)?
    } else {
        rest.to_owned()
    };
    let body = if body.trim().is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&body).unwrap_or(Value::String(body))
    };
    Ok(Reply {
        status,
        head: head.to_owned(),
        body,
    })
}

fn dechunk(mut rest: &str) -> Option<String> {
    let mut out = String::new();
    loop {
        let (size, after) = rest.split_once("\r\n")?;
        let size = usize::from_str_radix(size.trim(), 16).ok()?;
        if size == 0 {
            return Some(out);
        }
        out.push_str(after.get(..size)?);
        rest = after.get(size + 2..)?;
    }
}
