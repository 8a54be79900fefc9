//! Loading a dump's rows into an empty database in one transaction: committed only when the
//! schema fits, the target held nothing, every row went in and the counts of header, trailer
//! and rows agree.

use super::tables::{TABLES, Table};
use super::{Counts, DumpError, Header, TrailerLine, schema_of};
use crate::db::Db;
use sea_orm::DatabaseTransaction;
use serde_json::Value;

/// A dump line with its number in the file, for messages.
type Numbered = (usize, Value);

pub(super) async fn load(
    db: &Db,
    header: &Header,
    lines: impl Iterator<Item = std::io::Result<String>>,
) -> Result<Counts, DumpError> {
    let ours = schema_of(db.conn()).await?;
    if header.schema != ours {
        return Err(DumpError::Refused(format!(
            "the dump has schema {}, this lobkader has {ours}: import it with the lobkader version \
             that exported it (a later version upgrades the database when it starts); nothing was imported",
            header.schema
        )));
    }
    if let Some(unknown) = header.tables.keys().find(|n| table(n).is_none()) {
        return Err(DumpError::Invalid(format!(
            "the dump's header names a table {unknown} that this schema does not have"
        )));
    }
    let tx = db.begin_write().await?;
    refuse_unless_empty(&tx).await?;
    let mut batch = Batch::default();
    let mut rows: Counts = TABLES.iter().map(|t| (t.name().to_owned(), 0)).collect();
    let mut trailer = None;
    for (index, line) in lines.enumerate() {
        let number = index + 2;
        let line = line?;
        if trailer.is_some() {
            return Err(DumpError::Invalid(format!(
                "line {number} follows the trailer"
            )));
        }
        let mut value: Value = serde_json::from_str(&line).map_err(|e| {
            DumpError::Invalid(format!(
                "line {number} is not JSON ({e}): the dump is damaged or cut short"
            ))
        })?;
        if value.get("trailer").is_some() {
            let end: TrailerLine = serde_json::from_value(value).map_err(|e| {
                DumpError::Invalid(format!("line {number}: a damaged trailer: {e}"))
            })?;
            trailer = Some(end.trailer.tables);
            continue;
        }
        let name = value
            .get("table")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let Some(table) = table(name) else {
            return Err(DumpError::Invalid(format!(
                "line {number} is not a row of a known table"
            )));
        };
        let row = value.get_mut("row").map(Value::take).unwrap_or_default();
        batch.push(&tx, table, (number, row)).await?;
        *rows.entry(table.name().to_owned()).or_default() += 1;
    }
    batch.finish(&tx).await?;
    let trailer = trailer.ok_or_else(|| {
        DumpError::Invalid("the dump ends without its trailer: it was cut short".into())
    })?;
    for table in TABLES {
        let name = table.name();
        let [rows, header, trailer] = [&rows, &header.tables, &trailer]
            .map(|counts| counts.get(name).copied().unwrap_or_default());
        if rows != header || rows != trailer {
            return Err(DumpError::Invalid(format!(
                "the dump holds {rows} rows of {name}, its header says {header} and its trailer {trailer}"
            )));
        }
    }
    tx.commit().await?;
    Ok(rows)
}

fn table(name: &str) -> Option<&'static dyn Table> {
    TABLES.iter().copied().find(|t| t.name() == name)
}

async fn refuse_unless_empty(tx: &DatabaseTransaction) -> Result<(), DumpError> {
    let mut held = Vec::new();
    for table in TABLES {
        let rows = table.count(tx).await?;
        if rows > 0 {
            held.push(format!("{} {}", rows, table.name()));
        }
    }
    if held.is_empty() {
        return Ok(());
    }
    Err(DumpError::Refused(format!(
        "the target database is not empty (it holds {}): `lobkader import` only fills an empty \
         database, and changed nothing. Import into a new database (a service started on one \
         has already made its first admin and signing key)",
        held.join(", ")
    )))
}

/// Rows waiting to be inserted together, all of one table, and the rows whose references
/// within their own table are restored at the end.
#[derive(Default)]
struct Batch {
    table: Option<&'static dyn Table>,
    rows: Vec<Numbered>,
    to_link: Vec<(&'static dyn Table, Vec<Numbered>)>,
}

impl Batch {
    async fn push(
        &mut self,
        tx: &DatabaseTransaction,
        table: &'static dyn Table,
        row: Numbered,
    ) -> Result<(), DumpError> {
        if self.table.is_some_and(|t| t.name() != table.name()) {
            self.flush(tx).await?;
        }
        self.table = Some(table);
        self.rows.push(row);
        if self.rows.len() >= table.batch() {
            self.flush(tx).await?;
        }
        Ok(())
    }

    async fn flush(&mut self, tx: &DatabaseTransaction) -> Result<(), DumpError> {
        let (Some(table), false) = (self.table, self.rows.is_empty()) else {
            return Ok(());
        };
        let rows = std::mem::take(&mut self.rows);
        let lines = match (rows.first(), rows.last()) {
            (Some((first, _)), Some((last, _))) if first != last => {
                format!("lines {first}–{last}")
            }
            (Some((line, _)), _) => format!("line {line}"),
            _ => String::new(),
        };
        let later = table.insert(tx, rows).await.map_err(|e| match e {
            DumpError::Database(e) => DumpError::Invalid(format!(
                "the rows of {} on {lines} were refused: {e}",
                table.name()
            )),
            other => other,
        })?;
        if !later.is_empty() {
            self.to_link.push((table, later));
        }
        Ok(())
    }

    async fn finish(mut self, tx: &DatabaseTransaction) -> Result<(), DumpError> {
        self.flush(tx).await?;
        for (table, rows) in self.to_link {
            table.link(tx, rows).await?;
        }
        Ok(())
    }
}
