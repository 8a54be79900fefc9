//! The audit trail: one row per change anyone made, appended in the transaction of the change.
//! Rows are never changed or removed: triggers refuse UPDATE and DELETE on the table in both
//! databases, so not even a bug in the service can rewrite history.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum AuditEvents {
    Table,
    Id,
    At,
    ActorId,
    ActorRole,
    Action,
    ObjectType,
    ObjectId,
    InstitutionId,
    RequestId,
    Details,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(AuditEvents::Table)
                    .col(uuid(AuditEvents::Id).primary_key())
                    .col(timestamp_with_time_zone(AuditEvents::At))
                    .col(uuid_null(AuditEvents::ActorId))
                    .col(string(AuditEvents::ActorRole))
                    .col(string(AuditEvents::Action))
                    .col(string(AuditEvents::ObjectType))
                    .col(uuid_null(AuditEvents::ObjectId))
                    .col(uuid_null(AuditEvents::InstitutionId))
                    .col(string_null(AuditEvents::RequestId))
                    .col(json_null(AuditEvents::Details))
                    .to_owned(),
            )
            .await?;
        for (name, columns) in [
            (
                "audit_events_institution_idx",
                [AuditEvents::InstitutionId, AuditEvents::Id],
            ),
            (
                "audit_events_actor_idx",
                [AuditEvents::ActorId, AuditEvents::Id],
            ),
        ] {
            let mut index = Index::create();
            index.name(name).table(AuditEvents::Table);
            for c in columns {
                index.col(c);
            }
            manager.create_index(index.to_owned()).await?;
        }
        let db = manager.get_connection();
        match manager.get_database_backend() {
            sea_orm::DatabaseBackend::Postgres => {
                db.execute_unprepared(
                    "CREATE FUNCTION audit_events_append_only() RETURNS trigger \
                     LANGUAGE plpgsql AS $$ BEGIN \
                     RAISE EXCEPTION 'the audit trail is append-only'; END $$",
                )
                .await?;
                db.execute_unprepared(
                    "CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE \
                     ON audit_events FOR EACH ROW EXECUTE FUNCTION audit_events_append_only()",
                )
                .await?;
            }
            _ => {
                for (name, event) in [
                    ("audit_events_no_update", "UPDATE"),
                    ("audit_events_no_delete", "DELETE"),
                ] {
                    db.execute_unprepared(&format!(
                        "CREATE TRIGGER {name} BEFORE {event} ON audit_events \
                         BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END"
                    ))
                    .await?;
                }
            }
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(AuditEvents::Table).to_owned())
            .await?;
        if manager.get_database_backend() == sea_orm::DatabaseBackend::Postgres {
            manager
                .get_connection()
                .execute_unprepared("DROP FUNCTION audit_events_append_only()")
                .await?;
        }
        Ok(())
    }
}
