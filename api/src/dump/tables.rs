//! The tables of a dump, in foreign-key order, and how the rows of one table are read in
//! primary-key order and written back in batches. Everything here goes through the sea-orm
//! entities, so a column that a later migration adds to an entity comes along without a change;
//! a new table needs its line in [`TABLES`] (a test fails until it has one).

use super::DumpError;
use crate::db::entities::{
    action_points, audit_events, coaching_sessions, evaluation_answers, evaluation_levels,
    evaluations, institutions, memberships, service_secrets, trajectories, trajectory_coaches,
    trajectory_components, trajectory_kerngroep, trajectory_targets, units, users,
};
use futures_util::future::BoxFuture;
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ColumnType, ConnectionTrait, DatabaseBackend,
    DatabaseTransaction, DbErr, EntityTrait, IdenStatic, IntoActiveModel, Iterable, ModelTrait,
    Order, PaginatorTrait, PrimaryKeyToColumn, QueryFilter, QueryOrder, QuerySelect, Value,
};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use std::io::Write;
use std::marker::PhantomData;

/// Every table of a dump, parents before children, so that rows can be inserted in file order.
pub static TABLES: &[&dyn Table] = &[
    &Rows::<users::Entity>::new(),
    &Rows::<service_secrets::Entity>::new(),
    &Rows::<institutions::Entity>::new(),
    &Rows::<units::Entity>::new(),
    &Rows::<memberships::Entity>::new(),
    &Rows::<trajectories::Entity>::new(),
    &Rows::<trajectory_coaches::Entity>::new(),
    &Rows::<trajectory_kerngroep::Entity>::new(),
    &Rows::<trajectory_targets::Entity>::new(),
    &Rows::<trajectory_components::Entity>::new(),
    &Rows::<coaching_sessions::Entity>::new(),
    // A correction refers to the evaluation it supersedes, in the same table.
    &Rows::<evaluations::Entity>::with_self_reference(evaluations::Column::SupersedesId),
    &Rows::<evaluation_answers::Entity>::new(),
    &Rows::<evaluation_levels::Entity>::new(),
    &Rows::<action_points::Entity>::new(),
    &Rows::<audit_events::Entity>::new(),
];

/// Rows read per query when exporting.
const PAGE: u64 = 500;
/// Bound parameters per INSERT; both backends allow at least 32 766.
const PARAMETERS_PER_INSERT: usize = 30_000;

/// One table, with its row type erased, so that the list above can hold them all.
pub trait Table: Sync {
    fn name(&self) -> &'static str;
    /// How many rows to insert with one statement.
    fn batch(&self) -> usize;
    fn count<'a>(&'a self, db: &'a DatabaseTransaction) -> BoxFuture<'a, Result<u64, DbErr>>;
    /// Writes every row as a dump line, in primary-key order; returns how many.
    fn export<'a>(
        &'a self,
        db: &'a DatabaseTransaction,
        out: &'a mut (dyn Write + Send),
    ) -> BoxFuture<'a, Result<u64, DumpError>>;
    /// Inserts rows (each with its line number, for messages). Rows that refer to another
    /// row of the same table go in with that reference empty and are returned, to be linked
    /// by [`Table::link`] once the whole table is in.
    fn insert<'a>(
        &'a self,
        db: &'a DatabaseTransaction,
        rows: Vec<(usize, serde_json::Value)>,
    ) -> BoxFuture<'a, Result<Vec<(usize, serde_json::Value)>, DumpError>>;
    /// Restores the references that [`Table::insert`] left empty.
    fn link<'a>(
        &'a self,
        db: &'a DatabaseTransaction,
        rows: Vec<(usize, serde_json::Value)>,
    ) -> BoxFuture<'a, Result<(), DumpError>>;
}

/// The rows of entity `E`.
pub struct Rows<E: EntityTrait> {
    self_reference: Option<E::Column>,
    entity: PhantomData<fn() -> E>,
}

impl<E: EntityTrait> Rows<E> {
    const fn new() -> Self {
        Rows {
            self_reference: None,
            entity: PhantomData,
        }
    }

    const fn with_self_reference(column: E::Column) -> Self {
        Rows {
            self_reference: Some(column),
            entity: PhantomData,
        }
    }
}

#[derive(Serialize)]
struct RowLine<'a, M> {
    table: &'a str,
    row: &'a M,
}

impl<E> Table for Rows<E>
where
    E: EntityTrait,
    E::Column: Sync,
    E::Model: Serialize + DeserializeOwned + IntoActiveModel<E::ActiveModel> + Sync,
    E::ActiveModel: Send,
{
    fn name(&self) -> &'static str {
        E::default().table_name()
    }

    fn batch(&self) -> usize {
        (PARAMETERS_PER_INSERT / E::Column::iter().count().max(1)).max(1)
    }

    fn count<'a>(&'a self, db: &'a DatabaseTransaction) -> BoxFuture<'a, Result<u64, DbErr>> {
        Box::pin(E::find().count(db))
    }

    fn export<'a>(
        &'a self,
        db: &'a DatabaseTransaction,
        out: &'a mut (dyn Write + Send),
    ) -> BoxFuture<'a, Result<u64, DumpError>> {
        Box::pin(async move {
            let keys: Vec<E::Column> = E::PrimaryKey::iter().map(|k| k.into_column()).collect();
            let order = key_order::<E>(db.get_database_backend(), &keys);
            let timestamps = timestamp_columns::<E>();
            let mut after: Option<Vec<Value>> = None;
            let mut written = 0;
            loop {
                let mut select = E::find();
                if let Some(last) = &after {
                    let values = last.iter().cloned().map(Expr::val);
                    select = select.filter(Expr::tuple(order.clone()).gt(Expr::tuple(values)));
                    // Lets PostgreSQL seek with the index even where the comparison of a text
                    // key uses another collation than the index.
                    if let (Some(first), Some(value)) = (keys.first(), last.first()) {
                        select = select.filter(first.gte(value.clone()));
                    }
                }
                for expr in &order {
                    select = select.order_by(expr.clone(), Order::Asc);
                }
                let page = select.limit(PAGE).all(db).await?;
                let full = page.len() as u64 == PAGE;
                after = page
                    .last()
                    .map(|m| keys.iter().map(|k| m.get(*k)).collect());
                for model in page {
                    let row = RowLine {
                        table: self.name(),
                        row: &to_microseconds::<E>(model, &timestamps)?,
                    };
                    serde_json::to_writer(&mut *out, &row).map_err(std::io::Error::from)?;
                    out.write_all(b"\n")?;
                    written += 1;
                }
                if !full {
                    return Ok(written);
                }
            }
        })
    }

    fn insert<'a>(
        &'a self,
        db: &'a DatabaseTransaction,
        rows: Vec<(usize, serde_json::Value)>,
    ) -> BoxFuture<'a, Result<Vec<(usize, serde_json::Value)>, DumpError>> {
        Box::pin(async move {
            let expected = rows.len() as u64;
            let mut models = Vec::with_capacity(rows.len());
            let mut linked_later = Vec::new();
            for (line, value) in rows {
                let mut model = model_of::<E>(self.name(), line, &value)?;
                if let Some(column) = self.self_reference {
                    let reference = model.get(column);
                    if reference.is_some() {
                        model.try_set(column, reference.as_null())?;
                        linked_later.push((line, value));
                    }
                }
                models.push(model.into_active_model());
            }
            let inserted = E::insert_many(models).exec_without_returning(db).await?;
            if inserted != expected {
                return Err(DumpError::Database(DbErr::Custom(format!(
                    "{} of {expected} rows of {} were inserted",
                    inserted,
                    self.name()
                ))));
            }
            Ok(linked_later)
        })
    }

    fn link<'a>(
        &'a self,
        db: &'a DatabaseTransaction,
        rows: Vec<(usize, serde_json::Value)>,
    ) -> BoxFuture<'a, Result<(), DumpError>> {
        Box::pin(async move {
            let Some(column) = self.self_reference else {
                return Ok(());
            };
            for (line, value) in rows {
                let model = model_of::<E>(self.name(), line, &value)?;
                let reference = model.get(column);
                let mut active = model.into_active_model();
                active.set(column, reference);
                active.update(db).await?;
            }
            Ok(())
        })
    }
}

/// The primary key as ORDER BY expressions. Text keys are compared bytewise on PostgreSQL too
/// (SQLite's default), so a database gives the same file on either backend whatever the
/// server's locale.
fn key_order<E: EntityTrait>(backend: DatabaseBackend, keys: &[E::Column]) -> Vec<Expr> {
    keys.iter()
        .map(|key| {
            let text = matches!(
                key.def().get_column_type(),
                ColumnType::String(_) | ColumnType::Text | ColumnType::Char(_)
            );
            if text && backend == DatabaseBackend::Postgres {
                Expr::cust(format!("\"{}\" COLLATE \"C\"", key.as_str()))
            } else {
                (*key).into_expr()
            }
        })
        .collect()
}

/// The columns of `E` that hold a timestamp.
fn timestamp_columns<E: EntityTrait>() -> Vec<E::Column> {
    E::Column::iter()
        .filter(|c| {
            matches!(
                c.def().get_column_type(),
                ColumnType::TimestampWithTimeZone | ColumnType::Timestamp | ColumnType::DateTime
            )
        })
        .collect()
}

/// Timestamps cut to microseconds, the precision PostgreSQL keeps: the service stores them so
/// ([`crate::db::now`]), but an SQLite database may hold nanoseconds written before it did,
/// and a dump should not depend on where it came from.
fn to_microseconds<E: EntityTrait>(
    mut model: E::Model,
    timestamps: &[E::Column],
) -> Result<E::Model, DbErr> {
    for column in timestamps {
        if let Value::ChronoDateTimeUtc(Some(at)) = model.get(*column) {
            model.try_set(
                *column,
                Value::ChronoDateTimeUtc(Some(crate::db::stored(at))),
            )?;
        }
    }
    Ok(model)
}

fn model_of<E: EntityTrait>(
    table: &str,
    line: usize,
    value: &serde_json::Value,
) -> Result<E::Model, DumpError>
where
    E::Model: DeserializeOwned,
{
    E::Model::deserialize(value).map_err(|e| {
        DumpError::Invalid(format!(
            "line {line}: not a row of {table} of this schema: {e}"
        ))
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::TABLES;
    use crate::db::Db;
    use sea_orm::{ConnectionTrait, Statement};
    use std::collections::BTreeSet;

    /// Tables a dump leaves out on purpose: failed-login records, kept a day at most, and
    /// sea-orm's record of applied migrations (the header names the schema instead).
    const SKIPPED: &[&str] = &["login_throttles", "seaql_migrations"];

    #[test]
    fn timestamps_are_cut_to_the_microsecond_that_postgresql_keeps() {
        use crate::db::entities::users::{Column, Entity, Model};
        use chrono::{TimeZone, Utc};
        use sea_orm::{IdenStatic, ModelTrait, Value};
        let columns = super::timestamp_columns::<Entity>();
        let names: Vec<&str> = columns.iter().map(|c| c.as_str()).collect();
        assert_eq!(names, ["created_at", "removed_at"]);
        let at = |nanos| Utc.timestamp_opt(1_790_000_000, nanos).unwrap();
        let model = Model {
            id: uuid::Uuid::nil(),
            email: "a@school.example".into(),
            display_name: "A".into(),
            password_hash: "x".into(),
            role: "user".into(),
            created_at: at(123_456_789),
            token_generation: 0,
            removed_at: Some(at(999_999_999)),
        };
        let cut = super::to_microseconds::<Entity>(model, &columns).unwrap();
        for (column, expected) in [
            (Column::CreatedAt, at(123_456_000)),
            (Column::RemovedAt, at(999_999_000)),
        ] {
            assert_eq!(cut.get(column), Value::ChronoDateTimeUtc(Some(expected)));
        }
    }

    #[tokio::test]
    async fn every_table_of_the_schema_is_dumped_or_deliberately_left_out() {
        let db = Db::connect("sqlite::memory:", 1).await.unwrap();
        let rows = db
            .conn()
            .query_all_raw(Statement::from_string(
                db.conn().get_database_backend(),
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'",
            ))
            .await
            .unwrap();
        let schema: BTreeSet<String> = rows
            .iter()
            .map(|r| r.try_get::<String>("", "name").unwrap())
            .collect();
        let covered: BTreeSet<String> = TABLES
            .iter()
            .map(|t| t.name())
            .chain(SKIPPED.iter().copied())
            .map(str::to_owned)
            .collect();
        assert_eq!(
            schema, covered,
            "a new table needs a place in the dump's TABLES"
        );
    }
}
