//! Before the runs: fresh databases (an SQLite file, or a new database on the PostgreSQL
//! server) and bearer tokens fetched from the running service.

use crate::dataset::PASSWORD;
use crate::procs::BoxError;
use futures_util::{StreamExt, TryStreamExt};
use sea_orm::{ConnectionTrait, Database, Statement};
use std::path::Path;

/// Where a benchmark's data lives.
#[derive(Debug, Clone)]
pub enum Backend {
    Sqlite,
    Postgres { server_url: String },
}

impl Backend {
    pub fn name(&self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres { .. } => "postgres",
        }
    }

    pub fn title(&self) -> &'static str {
        match self {
            Backend::Sqlite => "SQLite",
            Backend::Postgres { .. } => "PostgreSQL",
        }
    }
}

/// An empty database named `name`: a new SQLite file in `dir`, or a new PostgreSQL database.
pub async fn fresh_database(backend: &Backend, dir: &Path, name: &str) -> Result<String, BoxError> {
    match backend {
        Backend::Sqlite => {
            let file = dir.join(format!("{name}.db"));
            for suffix in ["", "-wal", "-shm"] {
                let _ = std::fs::remove_file(format!("{}{suffix}", file.display()));
            }
            Ok(format!("sqlite://{}?mode=rwc", file.display()))
        }
        Backend::Postgres { server_url } => {
            let db = format!("lobkader_bench_{name}");
            let server = Database::connect(server_url).await?;
            server
                .execute_unprepared(&format!("DROP DATABASE IF EXISTS {db} WITH (FORCE)"))
                .await?;
            server
                .execute_unprepared(&format!("CREATE DATABASE {db}"))
                .await?;
            server.close().await?;
            let (base, _) = server_url
                .rsplit_once('/')
                .ok_or("the PostgreSQL URL ends in /<database>")?;
            Ok(format!("{base}/{db}"))
        }
    }
}

/// Removes what [`fresh_database`] made.
pub async fn drop_database(backend: &Backend, dir: &Path, name: &str) {
    match backend {
        Backend::Sqlite => {
            let file = dir.join(format!("{name}.db"));
            for suffix in ["", "-wal", "-shm"] {
                let _ = std::fs::remove_file(format!("{}{suffix}", file.display()));
            }
        }
        Backend::Postgres { server_url } => {
            if let Ok(server) = Database::connect(server_url).await {
                let sql = format!("DROP DATABASE IF EXISTS lobkader_bench_{name} WITH (FORCE)");
                let _ = server.execute_unprepared(&sql).await;
                let _ = server.close().await;
            }
        }
    }
}

/// The local PostgreSQL server behind `url` (its postmaster's pid), so its CPU time can be
/// counted; `None` for SQLite or a server on another machine.
pub async fn local_postmaster(url: &str) -> Option<u32> {
    if !url.starts_with("postgres") {
        return None;
    }
    let conn = Database::connect(url).await.ok()?;
    let stmt = Statement::from_string(conn.get_database_backend(), "SELECT pg_backend_pid()");
    let row = conn.query_one_raw(stmt).await.ok()??;
    let pid: i32 = row.try_get_by_index(0).ok()?;
    let postmaster = crate::procs::postmaster_of(u32::try_from(pid).ok()?);
    let _ = conn.close().await;
    postmaster
}

/// The database server, its version and (PostgreSQL) its durability settings.
pub async fn version(url: &str) -> String {
    let query = async {
        let conn = Database::connect(url).await.ok()?;
        let backend = conn.get_database_backend();
        let one = |sql: &str| {
            let stmt = Statement::from_string(backend, sql);
            let conn = &conn;
            async move {
                let row = conn.query_one_raw(stmt).await.ok()??;
                row.try_get_by_index::<String>(0).ok()
            }
        };
        let text = match backend {
            sea_orm::DatabaseBackend::Sqlite => {
                format!("SQLite {}", one("SELECT sqlite_version()").await?)
            }
            _ => format!(
                "PostgreSQL {} (fsync {}, synchronous_commit {})",
                one("SHOW server_version").await?,
                one("SHOW fsync").await?,
                one("SHOW synchronous_commit").await?
            ),
        };
        let _ = conn.close().await;
        Some(text)
    };
    query.await.unwrap_or_else(|| "unknown".into())
}

/// Logs each account in (a few at a time: every login is an Argon2id verification).
pub async fn tokens(base: &str, emails: Vec<String>) -> Result<Vec<String>, BoxError> {
    let client = reqwest::Client::new();
    let url = format!("{base}/api/v1/auth/token");
    futures_util::stream::iter(emails)
        .map(|email| {
            let (client, url) = (client.clone(), url.clone());
            async move {
                let body = serde_json::json!({"email": email, "password": PASSWORD});
                let r = client.post(&url).json(&body).send().await?;
                if !r.status().is_success() {
                    let status = r.status();
                    let text = r.text().await.unwrap_or_default();
                    return Err(format!("login of {email} answered {status}: {text}").into());
                }
                let v: serde_json::Value = r.json().await?;
                let token = v["access_token"].as_str().ok_or("no access_token")?;
                Ok::<String, BoxError>(token.to_owned())
            }
        })
        .buffered(4)
        .try_collect()
        .await
}
