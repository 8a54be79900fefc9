//! A write as a list of statements, run in one transaction. On SQLite the whole transaction
//! goes to the connection's thread as one batch, from `BEGIN IMMEDIATE` to `COMMIT`, instead
//! of one round trip per statement: SQLite has a single writer, and on a loaded machine each
//! round trip to the driver's thread cost about as much as SQLite's own work. On PostgreSQL
//! the statements run one by one in a transaction.
//!
//! A batch may start with a *guard*, a statement that must change exactly one row (an update
//! guarded by the revision read): when it changes none, nothing of the batch is written.
//!
//! Several statements in one prepared query is something only sqlx's SQLite driver does, and
//! sqlx means to drop it (launchbadge/sqlx#3108); the tests below would then fail.

use super::{Db, query_count};
use futures_util::TryStreamExt;
use sea_orm::sea_query::{self, Values};
use sea_orm::sqlx::pool::PoolConnection;
use sea_orm::sqlx::{self, Either, Executor, Sqlite};
use sea_orm::{ConnectionTrait, DatabaseBackend, DbErr, RuntimeErr, Statement};
use sea_query_sqlx::SqlxValues;
use std::sync::Arc;
use tokio::sync::OwnedMutexGuard;

/// Statements to be written together, all or nothing.
#[derive(Debug)]
pub struct Batch {
    backend: DatabaseBackend,
    statements: Vec<Statement>,
    guarded: bool,
}

/// How a batch ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Written {
    /// Every statement ran and the transaction committed.
    All,
    /// The guard changed no row, so nothing was written.
    Nothing,
}

impl Batch {
    pub fn new(backend: DatabaseBackend) -> Batch {
        Batch {
            backend,
            statements: Vec::new(),
            guarded: false,
        }
    }

    pub fn backend(&self) -> DatabaseBackend {
        self.backend
    }

    /// Adds the guard: the batch is written only if this statement changes exactly one row.
    /// It must come first, before any other statement.
    pub fn guard(&mut self, statement: Statement) -> Result<(), DbErr> {
        if !self.statements.is_empty() {
            return Err(DbErr::Custom(
                "a batch's guard must be its first statement".to_owned(),
            ));
        }
        self.statements.push(statement);
        self.guarded = true;
        Ok(())
    }

    pub fn push(&mut self, statement: Statement) {
        self.statements.push(statement);
    }

    /// Runs the statements one by one on `db`, which is expected to be a transaction: on
    /// [`Written::Nothing`] some statements may have run, and the caller rolls back.
    pub async fn run_on(self, db: &impl ConnectionTrait) -> Result<Written, DbErr> {
        for (i, statement) in self.statements.into_iter().enumerate() {
            let changed = db.execute_raw(statement).await?.rows_affected();
            if i == 0 && self.guarded && changed != 1 {
                return Ok(Written::Nothing);
            }
        }
        Ok(Written::All)
    }
}

impl Db {
    /// A batch for this database.
    pub fn batch(&self) -> Batch {
        Batch::new(self.conn.get_database_backend())
    }

    /// Writes `batch` in one transaction.
    pub async fn write(&self, batch: Batch) -> Result<Written, DbErr> {
        match (&self.write_lock, self.conn.get_database_backend()) {
            (Some(lock), DatabaseBackend::Sqlite) => {
                let lock = lock.clone().lock_owned().await;
                let conn = self
                    .conn
                    .get_sqlite_connection_pool()
                    .acquire()
                    .await
                    .map_err(exec_err)?;
                SqliteWrite {
                    conn: Some(conn),
                    lock: Some(lock),
                }
                .run(batch)
                .await
            }
            _ => {
                // An error drops `tx`, which rolls it back.
                let tx = self.begin_write().await?;
                let written = batch.run_on(&*tx).await?;
                match written {
                    Written::All => tx.commit().await?,
                    Written::Nothing => tx.rollback().await?,
                }
                Ok(written)
            }
        }
    }
}

/// One batch on an SQLite connection, under the process's write lock. While it is held, the
/// connection may be inside a transaction that sqlx does not know of, so it never goes back
/// to the pool that way: if the batch does not end cleanly, the connection is closed, which
/// rolls the transaction back, and only then is the write lock released.
struct SqliteWrite {
    conn: Option<PoolConnection<Sqlite>>,
    lock: Option<OwnedMutexGuard<()>>,
}

/// Stops a batch with an error unless the statement before it (the guard) changed exactly one
/// row: `changes()` is that statement's count, and `json()` fails on text that is not JSON.
/// SQLite's `RAISE()` would say it plainly, but it exists only inside triggers.
const GUARD_CHECK: &str = "SELECT json(CASE changes() WHEN 1 THEN 'true' ELSE 'guard failed' END)";

impl SqliteWrite {
    async fn run(mut self, batch: Batch) -> Result<Written, DbErr> {
        let Batch {
            statements,
            guarded,
            ..
        } = batch;
        // BEGIN, the statements, the guard's check, COMMIT: one result each.
        let results = statements.len() + 2 + usize::from(guarded);
        let mut sql = String::from("BEGIN IMMEDIATE");
        let mut values = Vec::new();
        for (i, statement) in statements.into_iter().enumerate() {
            sql.push_str(";\n");
            sql.push_str(&statement.sql);
            if let Some(Values(v)) = statement.values {
                values.extend(v);
            }
            if i == 0 && guarded {
                sql.push_str(";\n");
                sql.push_str(GUARD_CHECK);
            }
            query_count::record();
        }
        sql.push_str(";\nCOMMIT");
        let conn = self.conn()?;
        let (changes, error) = run_batch(conn, sql, values).await;
        match error {
            None if changes.len() == results => {
                self.release();
                Ok(Written::All)
            }
            // The batch stopped inside the transaction: at the guard's check, or at a failing
            // statement.
            Some(_) if guarded && changes.len() == 2 && changes[1] != 1 => {
                self.abandon().await;
                Ok(Written::Nothing)
            }
            Some(e) => {
                self.abandon().await;
                Err(exec_err(e))
            }
            // Not seen: sqlx answers each statement of a batch, or an error.
            None => {
                self.abandon().await;
                Err(DbErr::Custom(format!(
                    "a write batch expecting {results} results answered {}",
                    changes.len()
                )))
            }
        }
    }

    fn conn(&mut self) -> Result<&mut PoolConnection<Sqlite>, DbErr> {
        self.conn
            .as_mut()
            .ok_or_else(|| DbErr::Custom("the write's connection is gone".to_owned()))
    }

    /// Rolls back after a batch stopped inside its transaction. Should that fail too,
    /// dropping `self` closes the connection, which rolls back as well.
    async fn abandon(&mut self) {
        let Ok(conn) = self.conn() else { return };
        if conn.execute("ROLLBACK").await.is_ok() {
            self.release();
        }
    }

    /// The transaction ended: the connection goes back to the pool, the next writer goes in.
    fn release(&mut self) {
        self.conn.take();
        self.lock.take();
    }
}

impl Drop for SqliteWrite {
    fn drop(&mut self) {
        let (Some(conn), lock) = (self.conn.take(), self.lock.take()) else {
            return;
        };
        // Ended some other way than `release`: an error, or the request was dropped mid-way.
        let close = async move {
            if let Err(e) = conn.close().await {
                tracing::warn!(error = %e, "closing the connection of an abandoned write failed");
            }
            drop(lock);
        };
        match tokio::runtime::Handle::try_current() {
            Ok(runtime) => {
                runtime.spawn(close);
            }
            Err(_) => drop(close),
        }
    }
}

/// Sends `sql` with `values` as one batch: the rows each statement changed, in order, up to
/// the first that failed, and its error.
async fn run_batch(
    conn: &mut PoolConnection<Sqlite>,
    sql: String,
    values: Vec<sea_query::Value>,
) -> (Vec<u64>, Option<sqlx::Error>) {
    let query = sqlx::query_with(sqlx::AssertSqlSafe(sql), SqlxValues(Values(values)));
    let mut changes = Vec::new();
    let mut results = conn.as_mut().fetch_many(query);
    loop {
        match results.try_next().await {
            Ok(Some(Either::Left(done))) => changes.push(done.rows_affected()),
            Ok(Some(Either::Right(_row))) => {}
            Ok(None) => return (changes, None),
            Err(e) => return (changes, Some(e)),
        }
    }
}

fn exec_err(e: sqlx::Error) -> DbErr {
    DbErr::Exec(RuntimeErr::SqlxError(Arc::new(e)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::is_unique_violation;
    use sea_orm::{ConnectOptions, Database, DatabaseConnection, Value};
    use std::time::Duration;

    async fn sqlite(name: &str) -> (tempfile::TempDir, Db, DatabaseConnection) {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}?mode=rwc", dir.path().join(name).display());
        let db = Db::connect(&url, 2).await.unwrap();
        db.conn()
            .execute_unprepared("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL UNIQUE)")
            .await
            .unwrap();
        // A connection that never waits for SQLite's write lock: it gets it only if no
        // transaction holds it.
        let mut impatient = ConnectOptions::new(url);
        impatient
            .max_connections(1)
            .map_sqlx_sqlite_opts(|o| o.busy_timeout(Duration::ZERO));
        let impatient = Database::connect(impatient).await.unwrap();
        (dir, db, impatient)
    }

    fn insert(id: i64, v: &str) -> Statement {
        Statement::from_sql_and_values(
            DatabaseBackend::Sqlite,
            "INSERT INTO t (id, v) VALUES (?, ?)",
            [Value::from(id), Value::from(v)],
        )
    }

    fn rename(id: i64, v: &str) -> Statement {
        Statement::from_sql_and_values(
            DatabaseBackend::Sqlite,
            "UPDATE t SET v = ? WHERE id = ?",
            [Value::from(v), Value::from(id)],
        )
    }

    async fn rows(db: &Db) -> Vec<(i64, String)> {
        let rows = db
            .conn()
            .query_all_raw(Statement::from_string(
                DatabaseBackend::Sqlite,
                "SELECT id, v FROM t ORDER BY id",
            ))
            .await
            .unwrap();
        rows.iter()
            .map(|r| {
                (
                    r.try_get_by_index(0).unwrap(),
                    r.try_get_by_index(1).unwrap(),
                )
            })
            .collect()
    }

    async fn lock_is_free(impatient: &DatabaseConnection) {
        impatient
            .execute_unprepared("BEGIN IMMEDIATE; ROLLBACK;")
            .await
            .unwrap_or_else(|e| panic!("a transaction still held the write lock: {e}"));
    }

    #[tokio::test]
    async fn a_batch_writes_all_its_statements_or_none() {
        let (_dir, db, impatient) = sqlite("all-or-none.db").await;
        let mut batch = db.batch();
        batch.push(insert(1, "one'; DROP TABLE t; --"));
        batch.push(insert(2, "two"));
        assert_eq!(db.write(batch).await.unwrap(), Written::All);
        lock_is_free(&impatient).await;
        // More rounds than pooled connections: a failed batch leaves none inside a transaction.
        for round in 0..6 {
            let mut batch = db.batch();
            batch.push(insert(10 + round, "new"));
            batch.push(insert(20 + round, "two"));
            batch.push(insert(30 + round, "never reached"));
            let err = db.write(batch).await.unwrap_err();
            assert!(is_unique_violation(&err), "round {round}: {err}");
            lock_is_free(&impatient).await;
        }
        assert_eq!(
            rows(&db).await,
            [
                (1, "one'; DROP TABLE t; --".to_owned()),
                (2, "two".to_owned())
            ]
        );
        let mut batch = db.batch();
        batch.push(insert(3, "three"));
        assert_eq!(db.write(batch).await.unwrap(), Written::All);
        assert_eq!(rows(&db).await.len(), 3);
    }

    #[tokio::test]
    async fn a_guard_that_changes_no_row_writes_nothing() {
        let (_dir, db, impatient) = sqlite("guard.db").await;
        let mut batch = db.batch();
        batch.push(insert(1, "one"));
        db.write(batch).await.unwrap();

        let mut batch = db.batch();
        batch.guard(rename(2, "no such row")).unwrap();
        batch.push(insert(3, "three"));
        assert_eq!(db.write(batch).await.unwrap(), Written::Nothing);
        lock_is_free(&impatient).await;
        assert_eq!(rows(&db).await, [(1, "one".to_owned())]);

        let mut batch = db.batch();
        batch.guard(rename(1, "uno")).unwrap();
        batch.push(insert(3, "three"));
        assert_eq!(db.write(batch).await.unwrap(), Written::All);
        assert_eq!(
            rows(&db).await,
            [(1, "uno".to_owned()), (3, "three".to_owned())]
        );

        let mut batch = db.batch();
        batch.push(insert(4, "four"));
        assert!(batch.guard(rename(1, "one")).is_err());
    }

    /// A write dropped part-way (the client went away) is written whole or not at all, and
    /// the next writer finds the write lock free.
    #[tokio::test]
    async fn a_batch_dropped_part_way_is_written_whole_or_not_at_all() {
        let (_dir, db, impatient) = sqlite("dropped.db").await;
        let mut written = 0;
        for round in 0..40_i64 {
            let mut batch = db.batch();
            for i in 0..50 {
                batch.push(insert(round * 100 + i, &format!("{round}-{i}")));
            }
            let wait = Duration::from_micros(u64::try_from(round).unwrap() * 40);
            if let Ok(result) = tokio::time::timeout(wait, db.write(batch)).await {
                result.unwrap();
            }
            // The next writer: let in only once the dropped write has ended.
            let _next = db.write_lock.as_ref().unwrap().lock().await;
            lock_is_free(&impatient).await;
            let count = rows(&db).await.len();
            assert!(
                count == written || count == written + 50,
                "round {round}: {count} rows after {written}"
            );
            written = count;
        }
    }
}
