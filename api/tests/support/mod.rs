//! What the durability tests share: the `lobkader` binary run as a child process that can be
//! killed and started again on the same database, a small HTTP client that tells an
//! acknowledged answer from a failed connection, and the setup every test starts from (an
//! institution with a member of its kerngroep).

#![allow(dead_code)]

use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
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

/// The service as an operator runs it: the real binary on one port and one database, started
/// again on the same port and database after every kill.
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

    /// The binary's path.
    pub fn binary() -> &'static str {
        env!("CARGO_BIN_EXE_lobkader")
    }

    /// Sets the environment, working directory and output of `cmd`, which runs the binary
    /// (directly or through a wrapper).
    pub fn configure(&self, cmd: &mut Command) {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.log_path())
            .unwrap();
        cmd.current_dir(&self.dir)
            .env("DATABASE_URL", &self.database_url)
            .env("LOBKADER_ADDR", format!("127.0.0.1:{}", self.port))
            .env("LOBKADER_ADMIN_EMAIL", ADMIN_EMAIL)
            .env("LOBKADER_ADMIN_PASSWORD", ADMIN_PASSWORD)
            .env("LOBKADER_TOKEN_TTL_SECONDS", "86400")
            .env("LOBKADER_WORKERS", "4")
            .env_remove("LOBKADER_JWT_SECRET")
            .env_remove("LOBKADER_SQLITE_SYNCHRONOUS")
            .env_remove("LOBKADER_DB_MAX_CONNECTIONS")
            .env("RUST_LOG", "warn")
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
        let mut cmd = Command::new(Self::binary());
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
            let sent = Command::new("kill")
                .arg("-TERM")
                .arg(child.id().to_string())
                .status()
                .unwrap();
            assert!(sent.success());
            let deadline = Instant::now() + Duration::from_secs(30);
            loop {
                if let Some(status) = child.try_wait().unwrap() {
                    assert!(status.success(), "unclean stop: {status}");
                    return;
                }
                assert!(Instant::now() < deadline, "the service ignored SIGTERM");
                std::thread::sleep(Duration::from_millis(50));
            }
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

/// A response read whole: an acknowledged answer.
#[derive(Debug, Clone)]
pub struct Answer {
    pub status: u16,
    pub etag: Option<String>,
    pub retry_after: Option<String>,
    pub content_type: Option<String>,
    pub body: Value,
}

/// An HTTP client for one service; a request that gets no complete answer is an `Err`.
#[derive(Clone)]
pub struct Client {
    base: String,
    http: reqwest::Client,
}

impl Client {
    pub fn new(base: &str) -> Client {
        Client {
            base: base.to_owned(),
            http: reqwest::Client::builder()
                .connect_timeout(Duration::from_secs(2))
                .timeout(Duration::from_secs(20))
                .build()
                .unwrap(),
        }
    }

    pub async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        token: Option<&str>,
        if_match: Option<&str>,
        body: Option<&Value>,
    ) -> Result<Answer, reqwest::Error> {
        let mut req = self.http.request(method, format!("{}{path}", self.base));
        if let Some(token) = token {
            req = req.bearer_auth(token);
        }
        if let Some(etag) = if_match {
            req = req.header("if-match", etag);
        }
        if let Some(body) = body {
            req = req.json(body);
        }
        let resp = req.send().await?;
        let header = |name: &str| {
            resp.headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        let (etag, retry_after, content_type) = (
            header("etag"),
            header("retry-after"),
            header("content-type"),
        );
        let status = resp.status().as_u16();
        let text = resp.text().await?;
        let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
        Ok(Answer {
            status,
            etag,
            retry_after,
            content_type,
            body,
        })
    }

    pub async fn get(&self, path: &str, token: Option<&str>) -> Result<Answer, reqwest::Error> {
        self.send(reqwest::Method::GET, path, token, None, None)
            .await
    }

    pub async fn post(
        &self,
        path: &str,
        token: Option<&str>,
        body: &Value,
    ) -> Result<Answer, reqwest::Error> {
        self.send(reqwest::Method::POST, path, token, None, Some(body))
            .await
    }

    /// Sends and insists on `status` (test setup, with the service known to be up).
    pub async fn must(
        &self,
        method: reqwest::Method,
        path: &str,
        token: Option<&str>,
        body: Option<&Value>,
        status: u16,
    ) -> Answer {
        let answer = self
            .send(method.clone(), path, token, None, body)
            .await
            .unwrap_or_else(|e| panic!("{method} {path}: {e}"));
        assert_eq!(answer.status, status, "{method} {path}: {}", answer.body);
        answer
    }

    pub async fn login(&self, email: &str, password: &str) -> String {
        let body = json!({"email": email, "password": password});
        let answer = self
            .must(
                reqwest::Method::POST,
                "/api/v1/auth/token",
                None,
                Some(&body),
                200,
            )
            .await;
        answer.body["access_token"].as_str().unwrap().to_owned()
    }
}

/// An institution and a member of its kerngroep, made through the API by the first admin.
pub struct School {
    pub institution: String,
    pub member_token: String,
}

pub async fn school(client: &Client) -> School {
    use reqwest::Method;
    let admin = client.login(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    let institution = client
        .must(
            Method::POST,
            "/api/v1/institutions",
            Some(&admin),
            Some(&json!({"name": "Durability College", "sector": "vo", "region": "Eemland"})),
            201,
        )
        .await
        .body["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let email = "kerngroep@durability.test";
    let user = client
        .must(
            Method::POST,
            "/api/v1/users",
            Some(&admin),
            Some(
                &json!({"email": email, "display_name": "Kerngroep", "password": MEMBER_PASSWORD}),
            ),
            201,
        )
        .await
        .body["id"]
        .as_str()
        .unwrap()
        .to_owned();
    client
        .must(
            Method::POST,
            &format!("/api/v1/institutions/{institution}/members"),
            Some(&admin),
            Some(&json!({"user_id": user, "function": "decaan"})),
            201,
        )
        .await;
    School {
        institution,
        member_token: client.login(email, MEMBER_PASSWORD).await,
    }
}

/// A fresh, empty database on the PostgreSQL server named by `TEST_DATABASE_URL`; `None`
/// (with a note) without one, except under `CI`, where a missing server is a failure.
pub async fn fresh_postgres_database(label: &str) -> Option<String> {
    use sea_orm::{ConnectionTrait, Database};
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
    let name = format!("lobkader_{label}_{}", std::process::id());
    let server = Database::connect(&server_url).await.unwrap();
    server
        .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name}"))
        .await
        .unwrap();
    server
        .execute_unprepared(&format!("CREATE DATABASE {name}"))
        .await
        .unwrap();
    server.close().await.ok();
    let (base, _) = server_url
        .rsplit_once('/')
        .expect("TEST_DATABASE_URL ends in /<database>");
    Some(format!("{base}/{name}"))
}
