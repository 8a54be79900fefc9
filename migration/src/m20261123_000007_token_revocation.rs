//! Revoking tokens and removing accounts. Every token carries the generation of its account's
//! tokens at the time it was issued; a password change, a password reset or a role change
//! counts the generation up, and every token of an earlier one stops working. A removed
//! account keeps its row (evaluations and the audit trail keep naming it), marked with the
//! moment it was removed.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Users {
    Table,
    TokenGeneration,
    RemovedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite adds a single column per ALTER.
        for column in [
            integer(Users::TokenGeneration).default(0).to_owned(),
            timestamp_with_time_zone_null(Users::RemovedAt),
        ] {
            let mut column = column;
            manager
                .alter_table(
                    Table::alter()
                        .table(Users::Table)
                        .add_column(&mut column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in [Users::TokenGeneration, Users::RemovedAt] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Users::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}
