//! `lobkader export` and `lobkader import`: the whole database as one versioned file, to back it
//! up, to restore it, or to move a service between SQLite and PostgreSQL.
//!
//! # The dump format, version 1
//!
//! JSON Lines (UTF-8, one JSON object per line):
//!
//! 1. A header: `{"format":"lobkader-dump","version":1,"schema":"<last applied migration>",
//!    "exported_at":"<RFC 3339>","tables":{"<table>":<rows>,…}}`.
//! 2. One line per row, `{"table":"<table>","row":{"<column>":<value>,…}}`: the tables in
//!    foreign-key order ([`tables::TABLES`]), each table's rows in primary-key order (text keys
//!    bytewise), so the same data gives the same file from SQLite and from PostgreSQL. Values:
//!    UUIDs hyphenated, dates `YYYY-MM-DD`, timestamps RFC 3339 in UTC cut to microseconds (what
//!    PostgreSQL keeps), JSON columns inline, absent values `null`.
//! 3. A trailer with the same counts, `{"trailer":{"tables":{…}}}`: a file without it, or with
//!    other counts, was cut short and is refused.
//!
//! A row holds every column of its table at the named schema, read through the sea-orm
//! entities. Left out: `login_throttles` (failed-login records, kept a day at most, so a
//! restored service starts with no login limited) and `seaql_migrations` (the header names the
//! schema). A dump holds the password hashes and the stored token-signing key: keep it as safe
//! as the database itself.
//!
//! Export reads only a database at exactly this build's schema and never migrates it (an older
//! service may still be serving it), from one consistent snapshot (a read-only
//! repeatable-read transaction on PostgreSQL, one read transaction on SQLite) page by page,
//! never the whole database at once.
//! Import applies the migrations, refuses a database that holds any row, checks the header's
//! version and schema, and inserts in batches inside one transaction that is committed only
//! when the trailer's counts match; on any failure the target keeps nothing but its (empty,
//! migrated) schema.

mod load;
mod tables;

use crate::db::Db;
use chrono::{DateTime, Utc};
use load::load;
use lobkader_migration::{Migrator, MigratorTrait};
use sea_orm::{
    AccessMode, ConnectionTrait, DatabaseBackend, DatabaseTransaction, DbErr, IsolationLevel,
    TransactionTrait,
};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};
use tables::TABLES;

/// The `format` of a dump's header.
pub const FORMAT: &str = "lobkader-dump";
/// The version of the dump format this build writes and reads.
pub const VERSION: u32 = 1;

/// Rows per table.
pub type Counts = BTreeMap<String, u64>;

/// The first line of a dump.
#[derive(Debug, Serialize, Deserialize)]
pub struct Header {
    pub format: String,
    pub version: u32,
    /// The name of the last migration applied to the exported database.
    pub schema: String,
    pub exported_at: DateTime<Utc>,
    pub tables: Counts,
}

/// The last line of a dump.
#[derive(Debug, Serialize, Deserialize)]
struct TrailerLine {
    trailer: Trailer,
}

#[derive(Debug, Serialize, Deserialize)]
struct Trailer {
    tables: Counts,
}

/// Why an export or import failed.
#[derive(Debug, thiserror::Error)]
pub enum DumpError {
    #[error("{0}")]
    Io(#[from] std::io::Error),
    #[error("database error: {0}")]
    Database(#[from] DbErr),
    /// The dump cannot be read as a whole, valid dump.
    #[error("{0}")]
    Invalid(String),
    /// The dump or the target database does not fit the import.
    #[error("{0}")]
    Refused(String),
}

/// Writes the database at `database_url` to `output` (`-` for standard output). A file is
/// written beside its place and renamed when complete, so it is whole or absent.
pub async fn export(database_url: &str, output: &Path) -> Result<Counts, DumpError> {
    let db = Db::connect_current(database_url, 1).await?;
    let written = if output.as_os_str() == "-" {
        let mut out = BufWriter::new(std::io::stdout());
        write_dump(&db, &mut out).await
    } else {
        let partial = partial_path(output);
        let result = write_file(&db, &partial, output).await;
        if result.is_err() {
            let _ = std::fs::remove_file(&partial);
        }
        result
    };
    db.close().await?;
    let counts = written?;
    eprintln!(
        "lobkader: exported {} rows of {} tables",
        counts.values().sum::<u64>(),
        counts.len()
    );
    Ok(counts)
}

fn partial_path(output: &Path) -> PathBuf {
    let mut name = output.as_os_str().to_owned();
    name.push(".partial");
    PathBuf::from(name)
}

async fn write_file(db: &Db, partial: &Path, output: &Path) -> Result<Counts, DumpError> {
    let file = File::create(partial)
        .map_err(|e| DumpError::Refused(format!("cannot write {}: {e}", partial.display())))?;
    let mut out = BufWriter::new(file);
    let counts = write_dump(db, &mut out).await?;
    out.into_inner().map_err(|e| e.into_error())?.sync_all()?;
    std::fs::rename(partial, output)?;
    Ok(counts)
}

async fn write_dump(db: &Db, out: &mut (dyn Write + Send)) -> Result<Counts, DumpError> {
    let tx = snapshot(db).await?;
    let schema = schema_of(&tx).await?;
    let mut counts = Counts::new();
    for table in TABLES {
        counts.insert(table.name().to_owned(), table.count(&tx).await?);
    }
    let header = Header {
        format: FORMAT.to_owned(),
        version: VERSION,
        schema,
        exported_at: crate::db::now(),
        tables: counts.clone(),
    };
    write_line(out, &header)?;
    for table in TABLES {
        let written = table.export(&tx, out).await?;
        if Some(&written) != counts.get(table.name()) {
            return Err(DumpError::Invalid(format!(
                "{} changed while it was read; nothing consistent was written",
                table.name()
            )));
        }
    }
    write_line(
        out,
        &TrailerLine {
            trailer: Trailer {
                tables: counts.clone(),
            },
        },
    )?;
    out.flush()?;
    tx.rollback().await?;
    Ok(counts)
}

fn write_line(out: &mut (dyn Write + Send), line: &impl Serialize) -> Result<(), DumpError> {
    serde_json::to_writer(&mut *out, line).map_err(std::io::Error::from)?;
    out.write_all(b"\n")?;
    Ok(())
}

/// One read transaction, so every table is read as of the same moment.
async fn snapshot(db: &Db) -> Result<DatabaseTransaction, DbErr> {
    match db.conn().get_database_backend() {
        DatabaseBackend::Postgres => {
            db.conn()
                .begin_with_config(
                    Some(IsolationLevel::RepeatableRead),
                    Some(AccessMode::ReadOnly),
                )
                .await
        }
        // SQLite in WAL mode: the snapshot is taken by the first read and kept until the end.
        _ => db.conn().begin().await,
    }
}

/// The name of the last migration applied to the database.
async fn schema_of(db: &impl ConnectionTrait) -> Result<String, DbErr> {
    Migrator::get_applied_migrations_read_only(db)
        .await?
        .last()
        .map(|m| m.name().to_owned())
        .ok_or_else(|| DbErr::Custom("the database has no migrations applied".into()))
}

/// Loads the dump at `input` (`-` for standard input) into the empty database at `database_url`.
pub async fn import(database_url: &str, input: &Path) -> Result<Counts, DumpError> {
    let reader: Box<dyn BufRead + Send> = if input.as_os_str() == "-" {
        Box::new(BufReader::new(std::io::stdin()))
    } else {
        let file = File::open(input)
            .map_err(|e| DumpError::Refused(format!("cannot read {}: {e}", input.display())))?;
        Box::new(BufReader::new(file))
    };
    let mut lines = reader.lines();
    let header = read_header(lines.next().transpose()?)?;
    let db = Db::connect(database_url, 1).await?;
    let loaded = load(&db, &header, lines).await;
    db.close().await?;
    let counts = loaded.map_err(|e| match e {
        DumpError::Refused(m) => DumpError::Refused(m),
        other => DumpError::Invalid(format!("{other}; nothing was imported")),
    })?;
    println!(
        "lobkader: imported {} rows of {} tables (schema {})",
        counts.values().sum::<u64>(),
        counts.len(),
        header.schema
    );
    Ok(counts)
}

fn read_header(line: Option<String>) -> Result<Header, DumpError> {
    let line = line.ok_or_else(|| DumpError::Invalid("the dump is empty".into()))?;
    let value: serde_json::Value = serde_json::from_str(&line)
        .map_err(|_| DumpError::Invalid("this is not a lobkader dump".into()))?;
    if value.get("format").and_then(|f| f.as_str()) != Some(FORMAT) {
        return Err(DumpError::Invalid("this is not a lobkader dump".into()));
    }
    match value.get("version").and_then(|v| v.as_u64()) {
        Some(v) if v == u64::from(VERSION) => {}
        Some(v) => {
            return Err(DumpError::Refused(format!(
                "this is a version {v} dump; this lobkader reads version {VERSION} only and imported nothing"
            )));
        }
        None => {
            return Err(DumpError::Invalid(
                "the dump's header has no version".into(),
            ));
        }
    }
    serde_json::from_value(value)
        .map_err(|e| DumpError::Invalid(format!("the dump's header is damaged: {e}")))
}
