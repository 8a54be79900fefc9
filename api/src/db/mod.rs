//! Persistence: the connection pool for SQLite or PostgreSQL, write transactions that cannot
//! dead-lock on SQLite, and one repository module per aggregate. Repository functions take
//! `&impl ConnectionTrait`, so they run alike on the pool or inside a transaction, and return
//! domain or response types, never entities.

pub mod action_points;
pub mod audit;
pub mod batch;
pub mod checkpoint;
pub mod entities;
pub mod evaluations;
pub mod institutions;
pub mod progress;
pub mod query_count;
pub mod secrets;
pub mod sight;
pub mod sql;
pub mod throttles;
pub mod trajectories;
pub mod users;

use chrono::{DateTime, SubsecRound, Utc};
use lobkader_migration::{Migrator, MigratorTrait};
use sea_orm::sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqliteSynchronous};
use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseBackend, DatabaseConnection,
    DatabaseTransaction, DbErr, SqliteTransactionMode, TransactionOptions, TransactionTrait,
};
use std::ops::Deref;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{Mutex, OwnedMutexGuard};

/// The database of one service process.
#[derive(Clone)]
pub struct Db {
    conn: DatabaseConnection,
    /// SQLite has one writer; queueing our own writers here is fairer and cheaper than letting
    /// them poll the busy handler. PostgreSQL needs no such lock.
    write_lock: Option<Arc<Mutex<()>>>,
    /// SQLite's log checkpoints, when they run in the background.
    checkpoints: Option<Arc<checkpoint::Checkpoints>>,
    /// On SQLite, the task that writes every [`batch::Batch`].
    writer: Option<batch::Writer>,
}

/// A write transaction. On SQLite it began `IMMEDIATE` under the process's write lock, so it
/// holds the write lock from its first statement and can never fail half-way with "database
/// is locked". Ended without [`WriteTx::commit`] (an error, a refusal, a client that went
/// away), it rolls back, and only then lets the next writer in: dropping a transaction merely
/// queues its rollback, and a writer let in before it ran would wait in SQLite's busy handler.
pub struct WriteTx {
    /// `None` only once the transaction has ended.
    tx: Option<DatabaseTransaction>,
    guard: Option<OwnedMutexGuard<()>>,
}

impl Deref for WriteTx {
    type Target = DatabaseTransaction;
    fn deref(&self) -> &DatabaseTransaction {
        match &self.tx {
            Some(tx) => tx,
            None => unreachable!("a write transaction is not used after it ended"),
        }
    }
}

impl WriteTx {
    pub async fn commit(mut self) -> Result<(), DbErr> {
        match self.tx.take() {
            Some(tx) => tx.commit().await,
            None => Ok(()),
        }
    }

    /// Rolls back, and only then lets the next writer in.
    pub async fn rollback(mut self) -> Result<(), DbErr> {
        match self.tx.take() {
            Some(tx) => tx.rollback().await,
            None => Ok(()),
        }
    }
}

impl Drop for WriteTx {
    fn drop(&mut self) {
        let (Some(tx), Some(guard)) = (self.tx.take(), self.guard.take()) else {
            // Ended, or on PostgreSQL, whose own locks are released with the rollback that
            // dropping the transaction starts.
            return;
        };
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            runtime.spawn(async move {
                if let Err(e) = tx.rollback().await {
                    tracing::warn!(error = %e, "rolling back an abandoned write failed");
                }
                drop(guard);
            });
        }
    }
}

impl Db {
    /// Connects to `url` (`sqlite:…` or `postgres:…`) and applies pending migrations.
    pub async fn connect(url: &str, max_connections: u32) -> Result<Db, DbErr> {
        Self::connect_with(url, max_connections, SqliteTuning::default()).await
    }

    /// Like [`Db::connect`], choosing how SQLite connections are set up.
    pub async fn connect_with(
        url: &str,
        max_connections: u32,
        sqlite: SqliteTuning,
    ) -> Result<Db, DbErr> {
        let db = Self::open(url, max_connections, sqlite).await?;
        Migrator::up(&db.conn, None).await?;
        Ok(db)
    }

    /// Connects to a database that must already be at exactly the schema this build knows,
    /// changing nothing: for reading a database another process may be serving (an export
    /// must not upgrade the schema under an older service still running on it).
    pub async fn connect_current(url: &str, max_connections: u32) -> Result<Db, DbErr> {
        let db = Self::open(url, max_connections, SqliteTuning::default()).await?;
        let applied: Vec<String> = Migrator::get_applied_migrations_read_only(&db.conn)
            .await
            .unwrap_or_default()
            .iter()
            .map(|m| m.name().to_owned())
            .collect();
        let known: Vec<String> = Migrator::migrations()
            .iter()
            .map(|m| m.name().to_owned())
            .collect();
        if applied != known {
            let at = applied.last().map_or("no schema at all", String::as_str);
            let latest = known.last().map_or("", String::as_str);
            db.close().await?;
            return Err(DbErr::Custom(format!(
                "the database is at {at}, and this lobkader reads {latest}: \
                 run `lobkader migrate` first, or use the lobkader that serves it"
            )));
        }
        Ok(db)
    }

    async fn open(url: &str, max_connections: u32, sqlite: SqliteTuning) -> Result<Db, DbErr> {
        let mut options = ConnectOptions::new(url.to_owned());
        options
            .max_connections(max_connections)
            .min_connections(1)
            // A request waits at most this long for a connection; when the database is down
            // it answers 503 after this rather than hanging, and the pool keeps trying to
            // reconnect on later requests, so service resumes when the database returns.
            .acquire_timeout(Duration::from_secs(3))
            .sqlx_logging(false)
            .map_sqlx_sqlite_opts(move |o| tune_sqlite(o, sqlite));
        if url.starts_with("sqlite:") {
            // sqlx pings a pooled connection before handing it out, a round trip to the
            // connection's thread on every query; an SQLite file does not hang up.
            options.test_before_acquire(false);
        }
        let mut conn = Database::connect(options).await?;
        conn.set_metric_callback(|_| query_count::record());
        let sqlite_db = conn.get_database_backend() == DatabaseBackend::Sqlite;
        let write_lock = sqlite_db.then(|| Arc::new(Mutex::new(())));
        let checkpoints = match sqlite_db && sqlite.background_checkpoints {
            true => Some(Arc::new(checkpoint::start(url, sqlite).await?)),
            false => None,
        };
        // The writer has a connection of its own, made as the pool's are, to the same file; an
        // in-memory database would be another one, so there each batch takes its turn through
        // the pool.
        let in_memory = url.contains(":memory:") || url.contains("mode=memory");
        let writer = match &write_lock {
            Some(lock) if !in_memory => {
                let options = conn.get_sqlite_connection_pool().connect_options();
                Some(batch::Writer::start((*options).clone(), lock.clone()))
            }
            _ => None,
        };
        Ok(Db {
            conn,
            write_lock,
            checkpoints,
            writer,
        })
    }

    pub fn conn(&self) -> &DatabaseConnection {
        &self.conn
    }

    pub async fn begin_write(&self) -> Result<WriteTx, DbErr> {
        let guard = match &self.write_lock {
            Some(lock) => Some(lock.clone().lock_owned().await),
            None => None,
        };
        let tx = self
            .conn
            .begin_with_options(TransactionOptions {
                sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
                ..Default::default()
            })
            .await?;
        Ok(WriteTx {
            tx: Some(tx),
            guard,
        })
    }

    /// Whether the database answers a trivial query (and, on SQLite, the writer runs).
    pub async fn ping(&self) -> bool {
        let writing = self.writer.as_ref().is_none_or(batch::Writer::is_running);
        writing && self.conn.execute_unprepared("SELECT 1").await.is_ok()
    }

    pub async fn close(self) -> Result<(), DbErr> {
        drop(self.checkpoints);
        // The writer finishes what was sent to it, then closes its connection.
        drop(self.writer);
        self.conn.close().await
    }
}

/// How an SQLite commit reaches the disk.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum SqliteSync {
    /// A committed write is in the write-ahead log before it is acknowledged: it survives a
    /// crash of the process; a power cut may lose the last commits (fsync at checkpoints).
    #[default]
    Normal,
    /// Every commit is fsynced before it is acknowledged: it survives a power cut too.
    Full,
}

/// WAL for concurrent readers, the chosen durability, foreign keys on, and a busy timeout for
/// writers from other processes.
/// How SQLite connections are set up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SqliteTuning {
    pub synchronous: SqliteSync,
    /// The page cache of each connection, pooled or the writer's, in KiB.
    pub cache_kib: u32,
    /// Whether the write-ahead log is checkpointed in the background (see [`checkpoint`])
    /// rather than by the commits that fill it: for the service, not for one-off commands.
    pub background_checkpoints: bool,
}

impl SqliteTuning {
    /// The page cache per connection by default: a quarter of SQLite's own 2 MiB. Eight
    /// pooled connections then hold 4 MiB of pages rather than 16; what they miss the
    /// operating system's file cache still has.
    pub const DEFAULT_CACHE_KIB: u32 = 512;
}

impl Default for SqliteTuning {
    fn default() -> Self {
        SqliteTuning {
            synchronous: SqliteSync::Normal,
            cache_kib: Self::DEFAULT_CACHE_KIB,
            background_checkpoints: false,
        }
    }
}

fn tune_sqlite(options: SqliteConnectOptions, tuning: SqliteTuning) -> SqliteConnectOptions {
    let options = match tuning.background_checkpoints {
        true => options.pragma(
            "wal_autocheckpoint",
            checkpoint::COMMIT_CHECKPOINT_PAGES.to_string(),
        ),
        false => options,
    };
    options
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        // A negative size is in KiB rather than in pages.
        .pragma("cache_size", format!("-{}", tuning.cache_kib))
        .synchronous(match tuning.synchronous {
            SqliteSync::Normal => SqliteSynchronous::Normal,
            SqliteSync::Full => SqliteSynchronous::Full,
        })
        .foreign_keys(true)
        // Each batch the writer writes is a savepoint, and a savepoint keeps the pages it
        // changes in a sub-journal. On file, as SQLite keeps temporary data by default, that
        // is a write to a temporary file for every page of every batch, on the single
        // writer's thread. What else SQLite keeps there stays small: the service's queries
        // sort or group one subject's rows or a page of a list, and a dump reads each table
        // page by page in key order.
        .pragma("temp_store", "memory")
        .busy_timeout(Duration::from_secs(10))
}

/// The current time as both databases keep it: to the microsecond. Every timestamp the service
/// stores is made here, so that what a write answers from memory equals what is read back
/// later, and a row reads the same from SQLite (which would keep nanoseconds) as from
/// PostgreSQL.
pub fn now() -> DateTime<Utc> {
    stored(Utc::now())
}

/// `at` as both databases keep it: cut to the microsecond.
pub fn stored(at: DateTime<Utc>) -> DateTime<Utc> {
    at.trunc_subsecs(6)
}

/// A driver error as sea-orm reports it, for what this crate asks of sqlx directly.
fn sqlx_err(e: sea_orm::sqlx::Error) -> DbErr {
    DbErr::Exec(sea_orm::RuntimeErr::SqlxError(Arc::new(e)))
}

/// Whether a database error is the violation of a unique constraint.
pub fn is_unique_violation(err: &DbErr) -> bool {
    matches!(
        err.sql_err(),
        Some(sea_orm::SqlErr::UniqueConstraintViolation(_))
    )
}

/// The URL of a test's SQLite file at `path`, created if missing.
#[cfg(test)]
pub(crate) fn sqlite_url(path: &std::path::Path) -> String {
    format!("sqlite://{}?mode=rwc", path.display())
}

#[cfg(test)]
mod tests {
    use super::*;
    use sea_orm::{ConnectionTrait, Statement};

    #[tokio::test]
    async fn every_sqlite_connection_has_the_configured_tuning() {
        let dir = tempfile::tempdir().unwrap();
        let url = sqlite_url(&dir.path().join("cache.db"));
        let tuning = SqliteTuning {
            synchronous: SqliteSync::Full,
            cache_kib: 777,
            background_checkpoints: true,
        };
        let db = Db::connect_with(&url, 2, tuning).await.unwrap();
        let pragma = |name: &'static str| {
            let db = &db;
            async move {
                let row = db
                    .conn()
                    .query_one_raw(Statement::from_string(
                        DatabaseBackend::Sqlite,
                        format!("PRAGMA {name}"),
                    ))
                    .await
                    .unwrap()
                    .unwrap();
                row.try_get_by_index::<i64>(0).unwrap()
            }
        };
        // A negative cache size is in KiB; synchronous FULL is 2.
        assert_eq!(pragma("cache_size").await, -777);
        assert_eq!(pragma("synchronous").await, 2);
        // Temporary data (the writer's sub-journals among it) in memory is 2.
        assert_eq!(pragma("temp_store").await, 2);
        // Commits checkpoint only if the background checkpoints fall far behind.
        assert_eq!(
            pragma("wal_autocheckpoint").await,
            i64::from(checkpoint::COMMIT_CHECKPOINT_PAGES)
        );
        // Within a write transaction too, on whichever pooled connection it gets.
        let tx = db.begin_write().await.unwrap();
        let row = tx
            .query_one_raw(Statement::from_string(
                DatabaseBackend::Sqlite,
                "PRAGMA cache_size",
            ))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(row.try_get_by_index::<i64>(0).unwrap(), -777);
        tx.rollback().await.unwrap();
    }

    /// The bundled SQLite is built as `.cargo/config.toml` asks: without the process-wide
    /// locks that counting its memory and sharing one page cache among connections take on
    /// every allocation and every page read.
    #[tokio::test]
    async fn sqlite_is_built_without_process_wide_locks() {
        let db = Db::connect("sqlite::memory:", 1).await.unwrap();
        let options: Vec<String> = db
            .conn()
            .query_all_raw(Statement::from_string(
                DatabaseBackend::Sqlite,
                "PRAGMA compile_options",
            ))
            .await
            .unwrap()
            .iter()
            .map(|row| row.try_get_by_index::<String>(0).unwrap())
            .collect();
        assert!(options.iter().any(|o| o == "THREADSAFE=1"), "{options:?}");
        assert!(
            options.iter().any(|o| o == "DEFAULT_MEMSTATUS=0"),
            "{options:?}"
        );
        assert!(
            !options.iter().any(|o| o == "ENABLE_MEMORY_MANAGEMENT"),
            "{options:?}"
        );
    }

    /// An abandoned write transaction has rolled back by the time the next writer is let in:
    /// another connection that will not wait at all can take SQLite's write lock then.
    #[tokio::test]
    async fn an_abandoned_write_rolls_back_before_the_next_writer_goes_in() {
        let dir = tempfile::tempdir().unwrap();
        let url = sqlite_url(&dir.path().join("abandoned.db"));
        let db = Db::connect(&url, 2).await.unwrap();
        let mut impatient = ConnectOptions::new(url.clone());
        impatient
            .max_connections(1)
            .map_sqlx_sqlite_opts(|o| o.busy_timeout(Duration::ZERO));
        let impatient = Database::connect(impatient).await.unwrap();
        for i in 0..20 {
            let tx = db.begin_write().await.unwrap();
            secrets::get_or_create(&*tx, &format!("abandoned-{i}"), || "x".into())
                .await
                .unwrap();
            drop(tx);
            let _next_writer = db.write_lock.as_ref().unwrap().lock().await;
            impatient
                .execute_unprepared("BEGIN IMMEDIATE; ROLLBACK;")
                .await
                .unwrap_or_else(|e| panic!("round {i}: the write lock was still held: {e}"));
            let kept = secrets::get(db.conn(), &format!("abandoned-{i}"))
                .await
                .unwrap();
            assert_eq!(kept, None, "round {i}: the abandoned write was rolled back");
        }
    }
}
