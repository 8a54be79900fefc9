//! A write as a list of statements, all or nothing.
//!
//! On SQLite every batch of the process goes to one writer task (group commit), on a
//! connection of its own: the batches waiting when it begins share one transaction, each inside
//! a savepoint of its own, so that one that fails undoes only itself. Those of the same kind
//! (the same text) go to the driver's thread together, as one query. SQLite has a single
//! writer, and on a loaded machine each round trip to the driver's thread costs more than
//! SQLite's own work for a batch. On PostgreSQL a batch runs statement by statement in a
//! transaction of its own.
//!
//! A batch may have a *guard*, a statement that runs first and must change exactly one row
//! (an update guarded by the revision read): when it changes none, nothing of the batch is
//! written.
//!
//! Several statements in one prepared query is something only sqlx's SQLite driver does, and
//! sqlx means to drop it (launchbadge/sqlx#3108); the tests below would then fail.

use super::{Db, query_count, sqlx_err};
use futures_util::TryStreamExt;
use sea_orm::sea_query::Values;
use sea_orm::sqlx::sqlite::{SqliteArguments, SqliteConnectOptions, SqliteConnection};
use sea_orm::sqlx::{self, ConnectOptions, Connection, Either, Executor, IntoArguments, Sqlite};
use sea_orm::{ConnAcquireErr, ConnectionTrait, DatabaseBackend, DbErr, Statement, Value};
use sea_query_sqlx::SqlxValues;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use tokio::sync::{Mutex, mpsc, oneshot};

/// Statements to be written together, all or nothing.
#[derive(Debug)]
pub struct Batch {
    backend: DatabaseBackend,
    guard: Option<Statement>,
    statements: Vec<Statement>,
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
            guard: None,
            statements: Vec::new(),
        }
    }

    pub fn backend(&self) -> DatabaseBackend {
        self.backend
    }

    /// Sets the guard: it runs before the other statements, and the batch is written only if
    /// it changes exactly one row.
    pub fn guard(&mut self, statement: Statement) {
        self.guard = Some(statement);
    }

    pub fn push(&mut self, statement: Statement) {
        self.statements.push(statement);
    }

    /// The statements in the order they run, the guard first.
    fn into_statements(self) -> (bool, impl Iterator<Item = Statement>) {
        (
            self.guard.is_some(),
            self.guard.into_iter().chain(self.statements),
        )
    }

    /// Runs the statements one by one on `db`, which is expected to be a transaction: on
    /// [`Written::Nothing`] the guard may have run, and the caller rolls back.
    pub async fn run_on(self, db: &impl ConnectionTrait) -> Result<Written, DbErr> {
        let (guarded, statements) = self.into_statements();
        for (i, statement) in statements.enumerate() {
            let changed = db.execute_raw(statement).await?.rows_affected();
            if i == 0 && guarded && changed != 1 {
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

    /// Writes `batch` in one transaction. On SQLite it is handed to the process's writer,
    /// which writes the batches waiting at the time together; an answer comes once the
    /// transaction holding `batch` has committed (or `batch` failed). Not to be called while
    /// holding a [`super::WriteTx`]: the writer would wait for its lock.
    ///
    /// On SQLite the batch is sent as one query, so its statements must use anonymous `?`
    /// parameters (as sea-query writes them), each taking the next value in order.
    pub async fn write(&self, batch: Batch) -> Result<Written, DbErr> {
        match &self.writer {
            Some(writer) => writer.write(batch).await,
            None => {
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

/// At most this many batches go in one transaction.
const GROUP_LIMIT: usize = 32;

/// At most this many batches go in one query. Each text the writer sends is prepared once and
/// kept, with a copy of its statements for each batch in it, so a query holds a power of two
/// of batches: a few texts of each kind, in few round trips.
const RUN_LIMIT: usize = 8;

/// Prepared texts the writer's connection keeps: a kind of batch needs at most four (one, two,
/// four and eight batches), and `BEGIN`, `COMMIT` and the undoing of a batch take a few more.
const KEPT_TEXTS: usize = 32;

/// How many of `same` batches of one text go in the next query: the largest power of two
/// that is at most `same` and [`RUN_LIMIT`].
fn run_length(same: usize) -> usize {
    match same.min(RUN_LIMIT).checked_ilog2() {
        Some(log) => 1 << log,
        None => 0,
    }
}

/// The SQLite writer: a task that writes every batch of the process (group commit). Whatever
/// waits when a transaction starts goes in it, each batch within a savepoint of its own, and
/// one `COMMIT` ends them all. SQLite has one writer at a time; a commit writes each changed
/// page once, and pages that batches share (the ends of indexes, the audit trail's last page)
/// are then written once for many.
#[derive(Clone)]
pub struct Writer {
    jobs: mpsc::UnboundedSender<Job>,
}

struct Job {
    batch: Prepared,
    answer: oneshot::Sender<Result<Written, DbErr>>,
}

/// A batch as the writer sends it: its text, `SAVEPOINT` to `RELEASE`, and its values.
struct Prepared {
    sql: String,
    values: Vec<Value>,
    /// The results the batch answers when every statement runs.
    results: usize,
    guarded: bool,
}

impl Prepared {
    fn new(batch: Batch) -> Prepared {
        let (guarded, statements) = batch.into_statements();
        let mut results = 0;
        let mut sql = String::from("SAVEPOINT batch");
        let mut values = Vec::new();
        for (i, statement) in statements.enumerate() {
            results += 1;
            sql.push_str(";\n");
            sql.push_str(&statement.sql);
            if let Some(Values(v)) = statement.values {
                values.extend(v);
            }
            if i == 0 && guarded {
                sql.push_str(";\n");
                sql.push_str(GUARD_CHECK);
            }
        }
        sql.push_str(";\nRELEASE batch");
        // The savepoint, the statements, the guard's check, the release: one result each.
        results += 2 + usize::from(guarded);
        Prepared {
            sql,
            values,
            results,
            guarded,
        }
    }
}

impl Writer {
    /// Starts the writer, on a connection of its own made with `options`. It takes `lock`, the
    /// process's SQLite write lock, for each transaction, so that transactions begun elsewhere
    /// ([`Db::begin_write`]) take turns with it. It stops when the last `Writer` is dropped,
    /// after writing what was sent to it.
    pub fn start(options: SqliteConnectOptions, lock: Arc<Mutex<()>>) -> Writer {
        let (jobs, queue) = mpsc::unbounded_channel();
        tokio::spawn(write_all(queue, Link::new(options), lock));
        Writer { jobs }
    }

    async fn write(&self, batch: Batch) -> Result<Written, DbErr> {
        for _ in batch.guard.iter().chain(&batch.statements) {
            query_count::record();
        }
        let batch = Prepared::new(batch);
        let (answer, answered) = oneshot::channel();
        // Only if the writer ended: the service is shutting down. Unavailable, as when the
        // database is gone; a retry with `If-Match` settles whether a change was made.
        let stopped = || DbErr::ConnectionAcquire(ConnAcquireErr::ConnectionClosed);
        self.jobs
            .send(Job { batch, answer })
            .map_err(|_| stopped())?;
        answered.await.map_err(|_| stopped())?
    }

    /// Whether the writer still takes batches.
    pub fn is_running(&self) -> bool {
        !self.jobs.is_closed()
    }
}

/// The writer's own connection: made when first needed, and again after one was closed.
/// Its own, so that it never waits for a pooled one behind the readers, and so that its cache
/// of prepared statements holds the writer's.
struct Link {
    options: SqliteConnectOptions,
    conn: Option<SqliteConnection>,
}

impl Link {
    fn new(options: SqliteConnectOptions) -> Link {
        Link {
            // As the pool's: statements are not logged.
            options: options
                .statement_cache_capacity(KEPT_TEXTS)
                .disable_statement_logging(),
            conn: None,
        }
    }

    async fn conn(&mut self) -> Result<&mut SqliteConnection, DbErr> {
        if self.conn.is_none() {
            self.conn = Some(self.options.connect().await.map_err(sqlx_err)?);
        }
        self.conn
            .as_mut()
            .ok_or_else(|| DbErr::Custom("the writer's connection is gone".to_owned()))
    }
}

async fn write_all(mut queue: mpsc::UnboundedReceiver<Job>, mut link: Link, lock: Arc<Mutex<()>>) {
    while let Some(first) = queue.recv().await {
        let mut group = vec![first];
        while group.len() < GROUP_LIMIT {
            match queue.try_recv() {
                Ok(job) => group.push(job),
                Err(_) => break,
            }
        }
        let (batches, answers): (Vec<Prepared>, Vec<_>) =
            group.into_iter().map(|j| (j.batch, j.answer)).unzip();
        let outcomes = write_group(&mut link, &lock, batches).await;
        for (answer, outcome) in answers.into_iter().zip(outcomes) {
            // The request may have gone away meanwhile; what was committed stays.
            let _ = answer.send(outcome);
        }
    }
}

/// Writes `batches` in one transaction on the writer's connection, holding `lock`.
async fn write_group(
    link: &mut Link,
    lock: &Mutex<()>,
    batches: Vec<Prepared>,
) -> Vec<Result<Written, DbErr>> {
    let _turn = lock.lock().await;
    if let Err(e) = link.conn().await {
        return batches.iter().map(|_| Err(e.clone())).collect();
    }
    Group { link }.write(batches).await
}

/// One transaction of the writer.
struct Group<'a> {
    link: &'a mut Link,
}

/// Stops a batch with an error unless the statement before it (the guard) changed exactly one
/// row: `changes()` is that statement's count, and `json()` fails on text that is not JSON.
/// SQLite's `RAISE()` would say it plainly, but it exists only inside triggers.
const GUARD_CHECK: &str = "SELECT json(CASE changes() WHEN 1 THEN 'true' ELSE 'guard failed' END)";

/// How a query of several batches ended: all written (pending the commit); the one at this
/// place among them stopped with an outcome of its own and was undone; or not sent, because
/// a value of theirs has no SQLite type.
enum Run {
    Written,
    Stopped(usize, Result<Written, DbErr>),
    Unsendable,
}

impl Group<'_> {
    /// Writes `batches` in one transaction; the outcome of each, in order.
    ///
    /// Batches of the same text (those of the same kind of change) go to the driver's thread
    /// together, as one query: each round trip to that thread costs more than SQLite's own work
    /// for a batch on a loaded machine, and a query of a text sent before is not prepared
    /// again. The batches of one transaction were all waiting at once, so the order in which
    /// they are written is theirs to lose: each waits for its answer before it sends another.
    async fn write(mut self, batches: Vec<Prepared>) -> Vec<Result<Written, DbErr>> {
        let count = batches.len();
        let mut outcomes: Vec<Option<Result<Written, DbErr>>> = vec![None; count];
        if let Err(e) = self.execute("BEGIN IMMEDIATE").await {
            return batches.iter().map(|_| Err(e.clone())).collect();
        }
        let mut order: Vec<usize> = (0..count).collect();
        order.sort_by(|a, b| batches[*a].sql.cmp(&batches[*b].sql));
        let mut next = 0;
        // After a run that could not be sent, each batch goes alone, to find the one at fault.
        let mut alone = false;
        while next < count {
            let text = &batches[order[next]].sql;
            let same = order[next..]
                .iter()
                .take_while(|i| batches[**i].sql == *text)
                .count();
            let run = &order[next..next + if alone { 1 } else { run_length(same) }];
            match self.run(&batches, run).await {
                Ok(Run::Written) => next += run.len(),
                Ok(Run::Stopped(at, outcome)) => {
                    outcomes[run[at]] = Some(outcome);
                    next += at + 1;
                }
                Ok(Run::Unsendable) if run.len() > 1 => alone = true,
                Ok(Run::Unsendable) => {
                    outcomes[run[0]] = Some(Err(DbErr::Custom(
                        "a value of the write has no SQLite type".to_owned(),
                    )));
                    next += 1;
                }
                // Not undone: the whole transaction goes.
                Err(e) => {
                    self.abandon().await;
                    return finish(outcomes, Err(e));
                }
            }
        }
        let committed = self.execute("COMMIT").await;
        if committed.is_err() {
            self.abandon().await;
        }
        finish(outcomes, committed)
    }

    /// Writes the batches `run` (places in `batches`, all of one text) as one query. When one
    /// stops, it is undone within the transaction and those after it are not sent. An error:
    /// the stopped batch could not be undone (the error that stopped it, if it had one: a full
    /// disk, say, which ends SQLite's transaction itself and with it the savepoint), and the
    /// whole transaction must go.
    async fn run(&mut self, batches: &[Prepared], run: &[usize]) -> Result<Run, DbErr> {
        let Some(first) = run.first().map(|i| &batches[*i]) else {
            return Ok(Run::Written);
        };
        let mut sql = String::with_capacity(run.len() * (first.sql.len() + 2));
        let mut values = Vec::with_capacity(run.len() * first.values.len());
        for (n, i) in run.iter().enumerate() {
            if n > 0 {
                sql.push_str(";\n");
            }
            sql.push_str(&first.sql);
            values.extend(batches[*i].values.iter().cloned());
        }
        // sea-query's conversion panics on a value SQLite has no type for (a bug of the caller):
        // such a query is not sent, and the writer goes on.
        let Ok(arguments) = std::panic::catch_unwind(AssertUnwindSafe(|| arguments(values))) else {
            return Ok(Run::Unsendable);
        };
        let (changes, error) = run_batch(self.link.conn().await?, sql, arguments).await;
        let (at, seen) = (changes.len() / first.results, changes.len() % first.results);
        if error.is_some() && at >= run.len() {
            // Not seen: more results than the batches have statements.
            return Err(DbErr::Custom(format!(
                "a write of {} batches of {} results each failed after {} results",
                run.len(),
                first.results,
                changes.len()
            )));
        }
        let outcome = match error {
            None if at == run.len() && seen == 0 => return Ok(Run::Written),
            // Stopped at the guard's check: the guard changed no row.
            Some(_) if first.guarded && seen == 2 && changes.last() != Some(&1) => {
                Ok(Written::Nothing)
            }
            Some(e) => Err(sqlx_err(e)),
            // Not seen: sqlx answers each statement of a query, or an error.
            None => Err(DbErr::Custom(format!(
                "a write of {} batches of {} results each answered {}",
                run.len(),
                first.results,
                changes.len()
            ))),
        };
        if let Err(undo) = self.execute("ROLLBACK TO batch; RELEASE batch").await {
            return Err(outcome.err().unwrap_or(undo));
        }
        Ok(Run::Stopped(at, outcome))
    }

    async fn execute(&mut self, sql: &'static str) -> Result<(), DbErr> {
        self.link
            .conn()
            .await?
            .execute(sql)
            .await
            .map_err(sqlx_err)?;
        Ok(())
    }

    /// Rolls the transaction back; should that fail too, closes the connection, which rolls
    /// back as well (the next transaction connects again). Either way before the next
    /// transaction may begin.
    async fn abandon(&mut self) {
        if self.execute("ROLLBACK").await.is_ok() {
            return;
        }
        if let Some(conn) = self.link.conn.take()
            && let Err(e) = conn.close().await
        {
            tracing::warn!(error = %e, "closing the connection of a failed write failed");
        }
    }
}

/// Each batch's outcome: that of the commit, unless the batch was undone on its own. If the
/// commit failed, every batch answers its error: an outcome decided inside the transaction
/// (a unique value taken, a race lost) may have been decided by a batch now not written.
fn finish(
    outcomes: Vec<Option<Result<Written, DbErr>>>,
    committed: Result<(), DbErr>,
) -> Vec<Result<Written, DbErr>> {
    outcomes
        .into_iter()
        .map(|o| match (o, &committed) {
            (_, Err(e)) => Err(e.clone()),
            (Some(outcome), Ok(())) => outcome,
            (None, Ok(())) => Ok(Written::All),
        })
        .collect()
}

/// `values` as the driver takes them.
fn arguments(values: Vec<Value>) -> SqliteArguments {
    <SqlxValues as IntoArguments<Sqlite>>::into_arguments(SqlxValues(Values(values)))
}

/// Sends `sql` with its `arguments` as one query: the rows each statement changed, in order,
/// up to the first that failed, and its error.
async fn run_batch(
    conn: &mut SqliteConnection,
    sql: String,
    arguments: SqliteArguments,
) -> (Vec<u64>, Option<sqlx::Error>) {
    let query = sqlx::query_with(sqlx::AssertSqlSafe(sql), arguments);
    let mut changes = Vec::new();
    let mut results = conn.fetch_many(query);
    loop {
        match results.try_next().await {
            Ok(Some(Either::Left(done))) => changes.push(done.rows_affected()),
            Ok(Some(Either::Right(_row))) => {}
            Ok(None) => return (changes, None),
            Err(e) => return (changes, Some(e)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::is_unique_violation;
    use sea_orm::{ConnectOptions, Database, DatabaseConnection, Value};
    use std::time::Duration;

    async fn sqlite(name: &str) -> (tempfile::TempDir, Db, DatabaseConnection) {
        let dir = tempfile::tempdir().unwrap();
        let url = crate::db::sqlite_url(&dir.path().join(name));
        let db = Db::connect(&url, 2).await.unwrap();
        exec(
            &db,
            "CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL UNIQUE)",
        )
        .await;
        // A connection that never waits for SQLite's write lock: it gets it only if no
        // transaction holds it.
        let mut impatient = ConnectOptions::new(url);
        impatient
            .max_connections(1)
            .map_sqlx_sqlite_opts(|o| o.busy_timeout(Duration::ZERO));
        let impatient = Database::connect(impatient).await.unwrap();
        (dir, db, impatient)
    }

    /// Writes `batches` in one transaction, as the writer does with those it finds waiting.
    async fn write_together(
        db: &Db,
        batches: impl IntoIterator<Item = Batch>,
    ) -> Vec<Result<Written, DbErr>> {
        let options = db.conn().get_sqlite_connection_pool().connect_options();
        let mut link = Link::new((*options).clone());
        let lock = db.write_lock.as_ref().unwrap();
        write_group(
            &mut link,
            lock,
            batches.into_iter().map(Prepared::new).collect(),
        )
        .await
    }

    async fn exec(db: &Db, sql: &str) {
        db.conn().execute_unprepared(sql).await.unwrap();
    }

    fn insert(id: i64, v: &str) -> Statement {
        Statement::from_sql_and_values(
            DatabaseBackend::Sqlite,
            "INSERT INTO t (id, v) VALUES (?, ?)",
            [Value::from(id), Value::from(v)],
        )
    }

    /// A batch of one insert.
    fn inserting(db: &Db, id: i64, v: &str) -> Batch {
        let mut batch = db.batch();
        batch.push(insert(id, v));
        batch
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
        // Round after round: a failed batch leaves the writer's connection in no transaction.
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
        batch.guard(rename(2, "no such row"));
        batch.push(insert(3, "three"));
        assert_eq!(db.write(batch).await.unwrap(), Written::Nothing);
        lock_is_free(&impatient).await;
        assert_eq!(rows(&db).await, [(1, "one".to_owned())]);

        let mut batch = db.batch();
        batch.guard(rename(1, "uno"));
        batch.push(insert(3, "three"));
        assert_eq!(db.write(batch).await.unwrap(), Written::All);
        assert_eq!(
            rows(&db).await,
            [(1, "uno".to_owned()), (3, "three".to_owned())]
        );

        // A guard given after the other statements still runs first.
        let mut batch = db.batch();
        batch.push(insert(4, "four"));
        batch.guard(rename(9, "no such row"));
        assert_eq!(db.write(batch).await.unwrap(), Written::Nothing);
        assert_eq!(rows(&db).await.len(), 2);
    }

    /// Batches written together fail alone: each in its savepoint, the others committed.
    #[tokio::test]
    async fn batches_in_one_transaction_fail_alone() {
        let (_dir, db, impatient) = sqlite("group.db").await;
        exec(&db, "INSERT INTO t (id, v) VALUES (0, 'zero')").await;
        let mut first = db.batch();
        first.push(insert(1, "one"));
        let mut duplicate = db.batch();
        duplicate.push(insert(2, "two"));
        duplicate.push(insert(3, "zero"));
        let mut lost_race = db.batch();
        lost_race.guard(rename(9, "no such row"));
        lost_race.push(insert(4, "four"));
        let mut guarded = db.batch();
        guarded.guard(rename(0, "nul"));
        guarded.push(insert(5, "five"));
        let outcomes = write_together(&db, [first, duplicate, lost_race, guarded]).await;
        assert!(matches!(outcomes[0], Ok(Written::All)));
        assert!(matches!(&outcomes[1], Err(e) if is_unique_violation(e)));
        assert!(matches!(outcomes[2], Ok(Written::Nothing)));
        assert!(matches!(outcomes[3], Ok(Written::All)));
        assert_eq!(
            rows(&db).await,
            [
                (0, "nul".to_owned()),
                (1, "one".to_owned()),
                (5, "five".to_owned())
            ]
        );
        lock_is_free(&impatient).await;
    }

    /// Batches of the same kind are written in the order they came, and when the last of them
    /// fails, the ones before it are still committed.
    #[tokio::test]
    async fn batches_of_a_kind_keep_their_order_and_fail_alone() {
        let (_dir, db, impatient) = sqlite("order.db").await;
        let batch = |id: i64, v: &str| inserting(&db, id, v);
        let outcomes =
            write_together(&db, [batch(1, "one"), batch(2, "two"), batch(3, "one")]).await;
        assert!(matches!(outcomes[0], Ok(Written::All)));
        assert!(matches!(outcomes[1], Ok(Written::All)));
        assert!(matches!(&outcomes[2], Err(e) if is_unique_violation(e)));
        // The first of its kind failing, the others of its kind and one of another kind after it.
        let mut other = db.batch();
        other.guard(rename(1, "uno"));
        let outcomes = write_together(
            &db,
            [batch(4, "two"), other, batch(5, "five"), batch(6, "six")],
        )
        .await;
        assert!(matches!(&outcomes[0], Err(e) if is_unique_violation(e)));
        assert!(outcomes[1..].iter().all(|o| matches!(o, Ok(Written::All))));
        assert_eq!(
            rows(&db).await,
            [
                (1, "uno".to_owned()),
                (2, "two".to_owned()),
                (5, "five".to_owned()),
                (6, "six".to_owned())
            ]
        );
        lock_is_free(&impatient).await;
    }

    #[test]
    fn a_query_holds_a_power_of_two_of_batches_up_to_the_limit() {
        let lengths: Vec<usize> = [0, 1, 2, 3, 5, 7, 8, 9, 31].map(run_length).into();
        assert_eq!(lengths, [0, 1, 2, 2, 4, 4, 8, 8, 8]);
    }

    /// More batches of one kind than go in one query, failing at several places among them:
    /// each that fails is undone alone, wherever it is.
    #[tokio::test]
    async fn many_batches_of_a_kind_fail_alone_wherever_they_are() {
        let (_dir, db, impatient) = sqlite("many.db").await;
        exec(&db, "INSERT INTO t (id, v) VALUES (0, 'zero')").await;
        let taken = [2, 9, 10];
        let inserts = (1..=12_i64).map(|id| {
            let mut batch = db.batch();
            let v = if taken.contains(&id) {
                "zero".to_owned()
            } else {
                id.to_string()
            };
            batch.push(insert(id, &v));
            batch
        });
        // Guarded renames of rows 1 and 3, of one that does not exist, and of row 4.
        let renames = [1, 3, 99, 4].map(|id| {
            let mut batch = db.batch();
            batch.guard(rename(id, &format!("renamed {id}")));
            batch
        });
        let outcomes = write_together(&db, inserts.chain(renames)).await;
        for (place, outcome) in outcomes[..12].iter().enumerate() {
            let id = i64::try_from(place).unwrap() + 1;
            match taken.contains(&id) {
                true => assert!(matches!(outcome, Err(e) if is_unique_violation(e)), "{id}"),
                false => assert!(matches!(outcome, Ok(Written::All)), "{id}: {outcome:?}"),
            }
        }
        assert!(matches!(outcomes[12], Ok(Written::All)));
        assert!(matches!(outcomes[13], Ok(Written::All)));
        assert!(matches!(outcomes[14], Ok(Written::Nothing)));
        assert!(matches!(outcomes[15], Ok(Written::All)));
        let stored = rows(&db).await;
        let ids: Vec<i64> = stored.iter().map(|(id, _)| *id).collect();
        assert_eq!(ids, [0, 1, 3, 4, 5, 6, 7, 8, 11, 12]);
        assert_eq!(stored[1].1, "renamed 1");
        assert_eq!(stored[3].1, "renamed 4");
        lock_is_free(&impatient).await;
    }

    /// A value SQLite has no type for (sea-query's conversion panics on it) fails its own
    /// batch only, wherever it is among batches of its kind, and the writer goes on.
    #[tokio::test]
    async fn a_value_sqlite_cannot_take_fails_its_batch_not_the_writer() {
        let (_dir, db, impatient) = sqlite("untyped.db").await;
        let untyped = || {
            let mut batch = db.batch();
            batch.push(Statement::from_sql_and_values(
                DatabaseBackend::Sqlite,
                "INSERT INTO t (id, v) VALUES (?, ?)",
                [Value::BigUnsigned(Some(u64::MAX)), Value::from("too big")],
            ));
            batch
        };
        let outcomes = write_together(
            &db,
            [
                inserting(&db, 1, "one"),
                untyped(),
                inserting(&db, 3, "three"),
            ],
        )
        .await;
        assert!(matches!(outcomes[0], Ok(Written::All)));
        let err = outcomes[1].as_ref().unwrap_err().to_string();
        assert!(err.contains("no SQLite type"), "{err}");
        assert!(matches!(outcomes[2], Ok(Written::All)));
        lock_is_free(&impatient).await;
        // Through the service's writer too: it answers, and takes the next write.
        assert!(db.write(untyped()).await.is_err());
        assert_eq!(
            db.write(inserting(&db, 4, "four")).await.unwrap(),
            Written::All
        );
        assert_eq!(
            rows(&db).await,
            [
                (1, "one".to_owned()),
                (3, "three".to_owned()),
                (4, "four".to_owned())
            ]
        );
    }

    /// Concurrent writers all get their answer, and every acknowledged write is there.
    #[tokio::test]
    async fn concurrent_writes_are_each_answered() {
        let (_dir, db, _impatient) = sqlite("concurrent.db").await;
        let writes = (0..200_i64).map(|i| {
            let db = db.clone();
            tokio::spawn(async move {
                let mut batch = db.batch();
                // Every tenth collides with the one before it.
                let value = if i % 10 == 9 { i - 1 } else { i };
                batch.push(insert(i, &value.to_string()));
                db.write(batch).await
            })
        });
        let outcomes = futures_util::future::join_all(writes).await;
        let acknowledged: Vec<i64> = (0..200)
            .filter(|i| matches!(outcomes[*i as usize], Ok(Ok(Written::All))))
            .collect();
        let refused = outcomes
            .iter()
            .filter(|o| matches!(o, Ok(Err(e)) if is_unique_violation(e)))
            .count();
        assert_eq!(acknowledged.len() + refused, 200);
        assert_eq!(refused, 20);
        let stored: Vec<i64> = rows(&db).await.into_iter().map(|(id, _)| id).collect();
        assert_eq!(stored, acknowledged);
    }

    /// A batch that ends SQLite's whole transaction (as a full disk does) fails every batch of
    /// its group with its own error; the writer then connects again for the next.
    #[tokio::test]
    async fn a_batch_that_ends_the_transaction_fails_its_group_with_its_own_error() {
        let (_dir, db, impatient) = sqlite("ended.db").await;
        exec(
            &db,
            "CREATE TRIGGER boom BEFORE INSERT ON t WHEN new.v = 'boom' \
             BEGIN SELECT RAISE(ROLLBACK, 'the transaction ended'); END",
        )
        .await;
        let batch = |id: i64, v: &str| inserting(&db, id, v);
        let outcomes =
            write_together(&db, [batch(1, "one"), batch(2, "boom"), batch(3, "three")]).await;
        for outcome in &outcomes {
            let err = outcome.as_ref().unwrap_err().to_string();
            assert!(err.contains("the transaction ended"), "{err}");
        }
        lock_is_free(&impatient).await;
        assert_eq!(rows(&db).await, []);
        // The same through the service's writer, which closes its connection when the
        // transaction cannot be rolled back, and connects again for the next writes.
        let err = db.write(batch(4, "boom")).await.unwrap_err().to_string();
        assert!(err.contains("the transaction ended"), "{err}");
        lock_is_free(&impatient).await;
        for id in 10..16 {
            let mut batch = db.batch();
            batch.push(insert(id, &id.to_string()));
            assert_eq!(db.write(batch).await.unwrap(), Written::All);
        }
        assert_eq!(rows(&db).await.len(), 6);
    }

    /// When the commit fails, every batch of the group answers its error, also one whose own
    /// outcome was decided inside the transaction.
    #[tokio::test]
    async fn a_failed_commit_fails_every_batch_of_its_group() {
        let (_dir, db, impatient) = sqlite("commit.db").await;
        // Checked only at the commit.
        exec(
            &db,
            "CREATE TABLE c (id INTEGER PRIMARY KEY, \
             t_id INTEGER REFERENCES t (id) DEFERRABLE INITIALLY DEFERRED)",
        )
        .await;
        let mut first = db.batch();
        first.push(insert(1, "one"));
        let mut lost_race = db.batch();
        lost_race.guard(rename(9, "no such row"));
        let mut dangling = db.batch();
        dangling.push(Statement::from_string(
            DatabaseBackend::Sqlite,
            "INSERT INTO c (id, t_id) VALUES (1, 404)",
        ));
        let outcomes = write_together(&db, [first, lost_race, dangling]).await;
        for outcome in &outcomes {
            let err = outcome.as_ref().unwrap_err().to_string();
            assert!(err.contains("FOREIGN KEY"), "{err}");
        }
        lock_is_free(&impatient).await;
        assert_eq!(rows(&db).await, []);
    }

    /// A write whose caller went away (the client hung up) is still written whole, and the
    /// next writer finds the write lock free.
    #[tokio::test]
    async fn a_write_whose_caller_went_away_is_written_whole() {
        let (_dir, db, impatient) = sqlite("dropped.db").await;
        for round in 0..20_i64 {
            let mut batch = db.batch();
            for i in 0..50 {
                batch.push(insert(round * 100 + i, &format!("{round}-{i}")));
            }
            let wait = Duration::from_micros(u64::try_from(round).unwrap() * 40);
            if let Ok(result) = tokio::time::timeout(wait, db.write(batch)).await {
                result.unwrap();
            }
            // The writer may not have reached it yet: wait for it, up to a few seconds.
            let expected = usize::try_from(round + 1).unwrap() * 50;
            let mut count = 0;
            for _ in 0..500 {
                count = rows(&db).await.len();
                if count >= expected {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
            assert_eq!(count, expected, "round {round}");
            // The next writer, let in now, finds SQLite's write lock free.
            let _next = db.write_lock.as_ref().unwrap().lock().await;
            lock_is_free(&impatient).await;
        }
    }
}
