//! Checkpoints of SQLite's write-ahead log, run beside the writers instead of inside commits.
//!
//! By default SQLite checkpoints in whichever commit takes the log past 1,000 pages: that
//! commit copies the pages into the database file and syncs both files while it holds the
//! single write lock, so every other writer waits. On the benchmark machine such a commit took
//! 20–35 ms, and averaged over all commits the checkpoints were more than half of a commit's
//! cost. The service instead checkpoints from a connection of its own, a few times a second,
//! `PASSIVE`: that copies what no reader still needs without taking the write lock. Commits
//! still checkpoint once the log passes [`COMMIT_CHECKPOINT_PAGES`], should this fall behind.

use super::SqliteTuning;
use super::sqlx_err;
use sea_orm::DbErr;
use sea_orm::sqlx::sqlite::SqliteConnectOptions;
use sea_orm::sqlx::{self, ConnectOptions, Executor, SqliteConnection};
use std::str::FromStr;
use std::time::Duration;
use tokio::task::JoinHandle;

/// The log size, in pages, at which a commit checkpoints anyway.
pub const COMMIT_CHECKPOINT_PAGES: u32 = 10_000;

/// How often the background checkpoints.
const EVERY: Duration = Duration::from_millis(200);

/// The background checkpoints of one database; they stop when this is dropped.
#[derive(Debug)]
pub struct Checkpoints {
    task: JoinHandle<()>,
}

impl Drop for Checkpoints {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Starts checkpointing the SQLite database at `url` in the background.
pub async fn start(url: &str, tuning: SqliteTuning) -> Result<Checkpoints, DbErr> {
    let options = SqliteConnectOptions::from_str(url).map_err(sqlx_err)?;
    let mut conn = super::tune_sqlite(options, tuning)
        .connect()
        .await
        .map_err(sqlx_err)?;
    let task = tokio::spawn(async move {
        let mut tick = tokio::time::interval(EVERY);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut failing = false;
        loop {
            tick.tick().await;
            // Once per outage (a full disk, say), not five times a second.
            match checkpoint(&mut conn).await {
                Err(e) if !failing => {
                    tracing::warn!(error = %e, "checkpointing the write-ahead log failed");
                    failing = true;
                }
                Ok(()) if failing => {
                    tracing::info!("checkpointing the write-ahead log works again");
                    failing = false;
                }
                _ => {}
            }
        }
    });
    Ok(Checkpoints { task })
}

/// One `PASSIVE` checkpoint: copies the log's pages that no reader still needs into the
/// database file.
async fn checkpoint(conn: &mut SqliteConnection) -> Result<(), sqlx::Error> {
    conn.execute("PRAGMA wal_checkpoint(PASSIVE)").await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::Db;
    use sea_orm::{ConnectionTrait, DatabaseBackend, Statement};
    use std::path::Path;
    use std::time::Instant;

    /// Writes ~1 MiB in small commits, far below SQLite's own 1,000-page checkpoint, and
    /// returns how long until the database file itself held it (`None`: not within 3 s).
    async fn written_through(path: &Path, background: bool) -> Option<Duration> {
        let url = crate::db::sqlite_url(path);
        let tuning = SqliteTuning {
            background_checkpoints: background,
            ..SqliteTuning::default()
        };
        let db = Db::connect_with(&url, 2, tuning).await.unwrap();
        db.conn()
            .execute_unprepared("CREATE TABLE filler (id INTEGER PRIMARY KEY, v TEXT NOT NULL)")
            .await
            .unwrap();
        let before = std::fs::metadata(path).unwrap().len();
        for i in 0..64_i64 {
            let mut batch = db.batch();
            batch.push(Statement::from_sql_and_values(
                DatabaseBackend::Sqlite,
                "INSERT INTO filler (id, v) VALUES (?, ?)",
                [i.into(), "x".repeat(16 * 1024).into()],
            ));
            db.write(batch).await.unwrap();
        }
        let started = Instant::now();
        while started.elapsed() < Duration::from_secs(3) {
            if std::fs::metadata(path).unwrap().len() > before + 1024 * 1024 {
                return Some(started.elapsed());
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        None
    }

    #[tokio::test]
    async fn the_log_reaches_the_database_file_without_a_commit_checkpointing() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(
            written_through(&dir.path().join("commits.db"), false).await,
            None,
            "without background checkpoints the commits stay in the log"
        );
        let took = written_through(&dir.path().join("background.db"), true).await;
        // It runs every 200 ms; the 3 s window leaves room for a loaded machine.
        assert!(took.is_some(), "checkpointed in the background");
    }
}
