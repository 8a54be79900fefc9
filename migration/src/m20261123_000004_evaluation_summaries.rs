//! What progress and the coach's overview read of a submitted evaluation, stored with it: how
//! many questions got each answer, and the level of each step. A submitted evaluation never
//! changes, so the summary is written once, at submission, in the same transaction. Existing
//! submitted evaluations are summarised here from their answers and levels.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Evaluations {
    Table,
    AnswersYes,
    AnswersPartly,
    AnswersNo,
    AnswersUnknown,
    StepLevels,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite adds a single column per ALTER.
        for column in [
            integer_null(Evaluations::AnswersYes),
            integer_null(Evaluations::AnswersPartly),
            integer_null(Evaluations::AnswersNo),
            integer_null(Evaluations::AnswersUnknown),
            string_null(Evaluations::StepLevels),
        ] {
            let mut column = column;
            manager
                .alter_table(
                    Table::alter()
                        .table(Evaluations::Table)
                        .add_column(&mut column)
                        .to_owned(),
                )
                .await?;
        }
        let db = manager.get_connection();
        let count = |answer: &str| {
            format!(
                "(SELECT COUNT(*) FROM evaluation_answers a \
                 WHERE a.evaluation_id = evaluations.id AND a.answer = '{answer}')"
            )
        };
        // The step levels as `step=level` pairs in step order, joined by commas.
        let levels = match manager.get_database_backend() {
            sea_orm::DatabaseBackend::Postgres => {
                "(SELECT string_agg(l.step::text || '=' || l.level, ',' ORDER BY l.step) \
                 FROM evaluation_levels l \
                 WHERE l.evaluation_id = evaluations.id AND l.level IS NOT NULL)"
            }
            _ => {
                "(SELECT group_concat(x.pair, ',') FROM \
                 (SELECT l.step || '=' || l.level AS pair FROM evaluation_levels l \
                  WHERE l.evaluation_id = evaluations.id AND l.level IS NOT NULL \
                  ORDER BY l.step) x)"
            }
        };
        db.execute_unprepared(&format!(
            "UPDATE evaluations SET answers_yes = {}, answers_partly = {}, answers_no = {}, \
             answers_unknown = {}, step_levels = COALESCE({levels}, '') \
             WHERE status = 'submitted'",
            count("yes"),
            count("partly"),
            count("no"),
            count("unknown"),
        ))
        .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in [
            Evaluations::AnswersYes,
            Evaluations::AnswersPartly,
            Evaluations::AnswersNo,
            Evaluations::AnswersUnknown,
            Evaluations::StepLevels,
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Evaluations::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}
