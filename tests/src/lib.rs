//! The harness of the black-box HTTP tests: each test starts its own service on a free port
//! over its own fresh database (an SQLite file in a temporary directory, or a new PostgreSQL
//! database on the server named by `TEST_DATABASE_URL`) and talks to it over HTTP only.
//!
//! [`backend_tests!`] turns each test function into one test per backend. Without
//! `TEST_DATABASE_URL` the PostgreSQL variants say so and pass, except under `CI`, where a
//! missing PostgreSQL fails the run.

pub mod fixtures;
pub mod redact;

use lobkader_api::config::Settings;
use lobkader_api::startup::Application;
use reqwest::Method;
use secrecy::SecretString;
use serde_json::Value;
use std::sync::atomic::{AtomicU32, Ordering};

pub use serde_json::json;

pub const ADMIN_EMAIL: &str = "admin@lobkader.test";
pub const ADMIN_PASSWORD: &str = "admin-password-for-tests";

/// Where a test's service keeps its data.
#[derive(Debug, Clone)]
pub enum Backend {
    Sqlite,
    Postgres { server_url: String },
}

impl Backend {
    /// The PostgreSQL backend if `TEST_DATABASE_URL` names a server; `None` (with a note)
    /// otherwise. Under `CI` a missing server is a failure, never a silent pass.
    pub fn postgres() -> Option<Backend> {
        match std::env::var("TEST_DATABASE_URL") {
            Ok(url) if !url.is_empty() => Some(Backend::Postgres { server_url: url }),
            _ if std::env::var_os("CI").is_some() => {
                panic!(
                    "CI is set but TEST_DATABASE_URL is not: the PostgreSQL variants must run in CI"
                )
            }
            _ => {
                eprintln!("TEST_DATABASE_URL is not set: skipping the PostgreSQL variant");
                None
            }
        }
    }
}

/// Generates `#[tokio::test]`s `name::sqlite` and `name::postgres` from `async fn name(backend: Backend)`.
#[macro_export]
macro_rules! backend_tests {
    ($($name:ident),* $(,)?) => {
        $(
            mod $name {
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn sqlite() {
                    super::$name($crate::Backend::Sqlite).await
                }

                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn postgres() {
                    if let Some(backend) = $crate::Backend::postgres() {
                        super::$name(backend).await
                    }
                }
            }
        )*
    };
}

/// A running service and an HTTP client for it.
pub struct TestApp {
    pub address: String,
    pub client: reqwest::Client,
    pub admin_token: String,
    pub database_url: String,
    _dir: tempfile::TempDir,
}

/// A response, read whole.
#[derive(Debug)]
pub struct Response {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub body: Value,
    pub text: String,
}

impl Response {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    pub fn etag(&self) -> String {
        self.header("etag")
            .unwrap_or_else(|| panic!("no ETag in {self:?}"))
            .to_owned()
    }

    pub fn id(&self) -> String {
        self.body["id"]
            .as_str()
            .unwrap_or_else(|| panic!("no id in {}", self.text))
            .to_owned()
    }

    /// Asserts the status, showing the body when it differs.
    #[track_caller]
    pub fn expect(self, status: u16) -> Self {
        assert_eq!(
            self.status, status,
            "unexpected status; body: {}",
            self.text
        );
        self
    }
}

static COUNTER: AtomicU32 = AtomicU32::new(0);

async fn database_for(backend: &Backend, dir: &tempfile::TempDir) -> String {
    match backend {
        Backend::Sqlite => format!(
            "sqlite://{}?mode=rwc",
            dir.path().join("lobkader.db").display()
        ),
        Backend::Postgres { server_url } => {
            use sea_orm::{ConnectionTrait, Database};
            let name = format!(
                "lobkader_test_{}_{}",
                std::process::id(),
                COUNTER.fetch_add(1, Ordering::Relaxed)
            );
            let server = Database::connect(server_url)
                .await
                .expect("connect to TEST_DATABASE_URL");
            server
                .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name}"))
                .await
                .expect("drop old test database");
            server
                .execute_unprepared(&format!("CREATE DATABASE {name}"))
                .await
                .expect("create test database");
            server.close().await.ok();
            let (base, _) = server_url
                .rsplit_once('/')
                .expect("TEST_DATABASE_URL ends in /<database>");
            format!("{base}/{name}")
        }
    }
}

/// The settings of a test service over `database_url`.
pub fn test_settings(database_url: &str) -> Settings {
    Settings {
        addr: "127.0.0.1:0".into(),
        database_url: database_url.to_owned(),
        db_max_connections: 4,
        sqlite_synchronous: lobkader_api::db::SqliteSync::Normal,
        sqlite_cache_kib: lobkader_api::db::SqliteTuning::DEFAULT_CACHE_KIB,
        workers: Some(2),
        jwt_secret: Some(SecretString::from(
            "a-test-signing-key-of-at-least-32-bytes",
        )),
        jwt_previous_secrets: Vec::new(),
        token_ttl_seconds: 600,
        admin_email: ADMIN_EMAIL.into(),
        admin_password: Some(SecretString::from(ADMIN_PASSWORD)),
        expose_query_count: true,
        hsts: false,
        metrics_public: false,
        trusted_proxies: Vec::new(),
        forwarded_header: Default::default(),
        login_address_limit: 20,
        // The tests log in from many at once.
        hashing_slots: std::thread::available_parallelism().unwrap_or(std::num::NonZeroUsize::MIN),
    }
}

/// Starts a service with `settings` and returns its base address.
pub async fn start(settings: Settings) -> String {
    let app = Application::build(settings)
        .await
        .expect("the service starts");
    let address = format!("http://127.0.0.1:{}", app.port());
    tokio::spawn(app.run_until_stopped());
    address
}

/// Starts a service on a free port over a fresh database, with an admin logged in.
pub async fn spawn_app(backend: Backend) -> TestApp {
    spawn_app_with(backend, |_| {}).await
}

/// Like [`spawn_app`], with the settings adjusted first.
pub async fn spawn_app_with(backend: Backend, adjust: impl FnOnce(&mut Settings)) -> TestApp {
    let dir = tempfile::tempdir().expect("temporary directory");
    let database_url = database_for(&backend, &dir).await;
    let mut settings = test_settings(&database_url);
    adjust(&mut settings);
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    TestApp::logged_in(start(settings).await, client, database_url, dir).await
}

impl TestApp {
    /// Starts a second service over this one's database (for what only a fresh process shows,
    /// such as the effect of migrations), with the admin logged in.
    pub async fn another_service(&self) -> TestApp {
        self.another_service_with(|_| {}).await
    }

    /// Like [`TestApp::another_service`], with the settings adjusted first.
    pub async fn another_service_with(&self, adjust: impl FnOnce(&mut Settings)) -> TestApp {
        let mut settings = test_settings(&self.database_url);
        adjust(&mut settings);
        let dir = tempfile::tempdir().expect("temporary directory");
        let address = start(settings).await;
        TestApp::logged_in(address, self.client.clone(), self.database_url.clone(), dir).await
    }

    /// The service at `address` over `database_url`, with the admin logged in.
    async fn logged_in(
        address: String,
        client: reqwest::Client,
        database_url: String,
        dir: tempfile::TempDir,
    ) -> TestApp {
        let mut app = TestApp {
            address,
            client,
            admin_token: String::new(),
            database_url,
            _dir: dir,
        };
        app.admin_token = app.login(ADMIN_EMAIL, ADMIN_PASSWORD).await;
        app
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    /// Sends a request; `token` as bearer, `body` as JSON, `headers` as given.
    pub async fn request(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
        headers: &[(&str, &str)],
    ) -> Response {
        let mut req = self.client.request(method, self.url(path));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        read(req.send().await.expect("request sent")).await
    }

    pub async fn get(&self, path: &str, token: &str) -> Response {
        self.request(Method::GET, path, Some(token), None, &[])
            .await
    }

    pub async fn post(&self, path: &str, token: &str, body: Value) -> Response {
        self.request(Method::POST, path, Some(token), Some(body), &[])
            .await
    }

    pub async fn patch(&self, path: &str, token: &str, etag: &str, body: Value) -> Response {
        self.request(
            Method::PATCH,
            path,
            Some(token),
            Some(body),
            &[("if-match", etag)],
        )
        .await
    }

    pub async fn delete(&self, path: &str, token: &str) -> Response {
        self.request(Method::DELETE, path, Some(token), None, &[])
            .await
    }

    /// Sends raw bytes with a content type, for malformed-input tests.
    pub async fn raw(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        content_type: &str,
        body: Vec<u8>,
    ) -> Response {
        let mut req = self
            .client
            .request(method, self.url(path))
            .header("content-type", content_type)
            .body(body);
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        read(req.send().await.expect("request sent")).await
    }

    pub async fn login(&self, email: &str, password: &str) -> String {
        let r = self
            .request(
                Method::POST,
                "/api/v1/auth/token",
                None,
                Some(json!({"email": email, "password": password})),
                &[],
            )
            .await
            .expect(200);
        r.body["access_token"]
            .as_str()
            .expect("access_token")
            .to_owned()
    }
}

async fn read(resp: reqwest::Response) -> Response {
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    let text = resp.text().await.expect("body read");
    let body = if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).unwrap_or(Value::Null)
    };
    Response {
        status,
        headers,
        body,
        text,
    }
}
