//! Indexes for the audit trail's filters: by action, newest first, and by time. Without them
//! counting and paging the records of one action, or of a period, reads the whole trail, which
//! grows with every change.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
enum AuditEvents {
    Table,
    Id,
    Action,
    At,
}

const INDEXES: [(&str, &[AuditEvents]); 2] = [
    (
        "audit_events_action_idx",
        &[AuditEvents::Action, AuditEvents::Id],
    ),
    ("audit_events_at_idx", &[AuditEvents::At]),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (name, columns) in INDEXES {
            let mut index = Index::create();
            index.name(name).table(AuditEvents::Table);
            for c in columns {
                index.col(*c);
            }
            manager.create_index(index.to_owned()).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (name, _) in INDEXES {
            manager
                .drop_index(
                    Index::drop()
                        .name(name)
                        .table(AuditEvents::Table)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}
