//! On SQLite, an evaluation's answers and step levels are kept in tables without a rowid,
//! ordered by their primary key (evaluation, question or step). A table with a rowid keeps its
//! rows in one b-tree and its primary key in a second one, so each answer written went into
//! two b-trees and each answer read took a look-up in both; without a rowid it is one b-tree
//! either way, and the rows of one evaluation lie side by side. Answers and levels are most of
//! what a complete evaluation writes. PostgreSQL keeps every table apart from its indexes
//! anyway; there nothing changes.
//!
//! SQLite cannot alter a table into one without a rowid, so each table is made anew and its
//! rows copied, in one transaction.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// The two tables as the first migration made them: name, definition, columns, primary key.
const TABLES: [(&str, &str, &str, &str); 2] = [
    (
        "evaluation_answers",
        r#""evaluation_id" uuid_text NOT NULL, "question_id" varchar NOT NULL, "answer" varchar NOT NULL, "explanation" text NULL, PRIMARY KEY ("evaluation_id", "question_id"), FOREIGN KEY ("evaluation_id") REFERENCES "evaluations" ("id") ON DELETE CASCADE"#,
        r#""evaluation_id", "question_id", "answer", "explanation""#,
        r#""evaluation_id", "question_id""#,
    ),
    (
        "evaluation_levels",
        r#""evaluation_id" uuid_text NOT NULL, "step" smallint NOT NULL, "level" varchar NULL, "remarks" text NULL, PRIMARY KEY ("evaluation_id", "step"), FOREIGN KEY ("evaluation_id") REFERENCES "evaluations" ("id") ON DELETE CASCADE"#,
        r#""evaluation_id", "step", "level", "remarks""#,
        r#""evaluation_id", "step""#,
    ),
];

/// Makes each table anew, with or without a rowid, and copies its rows.
async fn rebuild(manager: &SchemaManager<'_>, without_rowid: bool) -> Result<(), DbErr> {
    if manager.get_database_backend() != DbBackend::Sqlite {
        return Ok(());
    }
    let options = if without_rowid { " WITHOUT ROWID" } else { "" };
    let db = manager.get_connection();
    for (table, definition, columns, key) in TABLES {
        db.execute_unprepared(&format!(
            r#"CREATE TABLE "{table}_rebuilt" ( {definition} ){options};
               INSERT INTO "{table}_rebuilt" ({columns}) SELECT {columns} FROM "{table}" ORDER BY {key};
               DROP TABLE "{table}";
               ALTER TABLE "{table}_rebuilt" RENAME TO "{table}";"#
        ))
        .await?;
    }
    Ok(())
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    /// All or nothing, on SQLite too: a copy cut short must not be left behind.
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        rebuild(manager, true).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        rebuild(manager, false).await
    }
}
