//! The first schema: accounts and the signing-key store, institutions with their units and
//! members, and evaluations with their answers and step levels.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
    Email,
    DisplayName,
    PasswordHash,
    Role,
    FailedLogins,
    LockedUntil,
    CreatedAt,
}

#[derive(DeriveIden)]
enum ServiceSecrets {
    Table,
    Name,
    Value,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Institutions {
    Table,
    Id,
    Name,
    Sector,
    SchoolTypes,
    Brin,
    Region,
    Municipality,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Units {
    Table,
    Id,
    InstitutionId,
    Name,
    Kind,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Memberships {
    Table,
    UserId,
    InstitutionId,
    Function,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Evaluations {
    Table,
    Id,
    InstitutionId,
    UnitId,
    InstrumentId,
    InstrumentVersion,
    ReferenceDate,
    SchoolYear,
    Moment,
    Status,
    Revision,
    Title,
    Participants,
    SupersedesId,
    CreatedBy,
    CreatedAt,
    UpdatedAt,
    SubmittedAt,
    SubmittedBy,
}

#[derive(DeriveIden)]
enum EvaluationAnswers {
    Table,
    EvaluationId,
    QuestionId,
    Answer,
    Explanation,
}

#[derive(DeriveIden)]
enum EvaluationLevels {
    Table,
    EvaluationId,
    Step,
    Level,
    Remarks,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Users::Table)
                    .col(pk_uuid(Users::Id))
                    .col(string_uniq(Users::Email))
                    .col(string(Users::DisplayName))
                    .col(string(Users::PasswordHash))
                    .col(string(Users::Role))
                    .col(integer(Users::FailedLogins).default(0))
                    .col(timestamp_with_time_zone_null(Users::LockedUntil))
                    .col(timestamp_with_time_zone(Users::CreatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ServiceSecrets::Table)
                    .col(string(ServiceSecrets::Name).primary_key())
                    .col(text(ServiceSecrets::Value))
                    .col(timestamp_with_time_zone(ServiceSecrets::CreatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Institutions::Table)
                    .col(pk_uuid(Institutions::Id))
                    .col(string(Institutions::Name))
                    .col(string(Institutions::Sector))
                    .col(json(Institutions::SchoolTypes))
                    .col(string_null(Institutions::Brin).unique_key())
                    .col(string_null(Institutions::Region))
                    .col(string_null(Institutions::Municipality))
                    .col(timestamp_with_time_zone(Institutions::CreatedAt))
                    .col(timestamp_with_time_zone(Institutions::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Units::Table)
                    .col(pk_uuid(Units::Id))
                    .col(uuid(Units::InstitutionId))
                    .col(string(Units::Name))
                    .col(string(Units::Kind))
                    .col(timestamp_with_time_zone(Units::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Units::Table, Units::InstitutionId)
                            .to(Institutions::Table, Institutions::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .index(
                        Index::create()
                            .name("units_institution_name_key")
                            .col(Units::InstitutionId)
                            .col(Units::Name)
                            .unique(),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Memberships::Table)
                    .col(uuid(Memberships::UserId))
                    .col(uuid(Memberships::InstitutionId))
                    .col(string(Memberships::Function))
                    .col(timestamp_with_time_zone(Memberships::CreatedAt))
                    .primary_key(
                        Index::create()
                            .col(Memberships::UserId)
                            .col(Memberships::InstitutionId),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Memberships::Table, Memberships::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Memberships::Table, Memberships::InstitutionId)
                            .to(Institutions::Table, Institutions::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("memberships_institution_idx")
                    .table(Memberships::Table)
                    .col(Memberships::InstitutionId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Evaluations::Table)
                    .col(pk_uuid(Evaluations::Id))
                    .col(uuid(Evaluations::InstitutionId))
                    .col(uuid_null(Evaluations::UnitId))
                    .col(string(Evaluations::InstrumentId))
                    .col(string(Evaluations::InstrumentVersion))
                    .col(date(Evaluations::ReferenceDate))
                    .col(integer(Evaluations::SchoolYear))
                    .col(string(Evaluations::Moment))
                    .col(string(Evaluations::Status))
                    .col(integer(Evaluations::Revision))
                    .col(string_null(Evaluations::Title))
                    .col(json(Evaluations::Participants))
                    .col(uuid_null(Evaluations::SupersedesId))
                    .col(uuid(Evaluations::CreatedBy))
                    .col(timestamp_with_time_zone(Evaluations::CreatedAt))
                    .col(timestamp_with_time_zone(Evaluations::UpdatedAt))
                    .col(timestamp_with_time_zone_null(Evaluations::SubmittedAt))
                    .col(uuid_null(Evaluations::SubmittedBy))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Evaluations::Table, Evaluations::InstitutionId)
                            .to(Institutions::Table, Institutions::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Evaluations::Table, Evaluations::UnitId)
                            .to(Units::Table, Units::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Evaluations::Table, Evaluations::SupersedesId)
                            .to(Evaluations::Table, Evaluations::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Evaluations::Table, Evaluations::CreatedBy)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("evaluations_institution_date_idx")
                    .table(Evaluations::Table)
                    .col(Evaluations::InstitutionId)
                    .col(Evaluations::ReferenceDate)
                    .to_owned(),
            )
            .await?;
        // A submitted evaluation is superseded by at most one correction.
        manager
            .create_index(
                Index::create()
                    .name("evaluations_supersedes_key")
                    .table(Evaluations::Table)
                    .col(Evaluations::SupersedesId)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(EvaluationAnswers::Table)
                    .col(uuid(EvaluationAnswers::EvaluationId))
                    .col(string(EvaluationAnswers::QuestionId))
                    .col(string(EvaluationAnswers::Answer))
                    .col(text_null(EvaluationAnswers::Explanation))
                    .primary_key(
                        Index::create()
                            .col(EvaluationAnswers::EvaluationId)
                            .col(EvaluationAnswers::QuestionId),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(EvaluationAnswers::Table, EvaluationAnswers::EvaluationId)
                            .to(Evaluations::Table, Evaluations::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(EvaluationLevels::Table)
                    .col(uuid(EvaluationLevels::EvaluationId))
                    .col(small_integer(EvaluationLevels::Step))
                    .col(string_null(EvaluationLevels::Level))
                    .col(text_null(EvaluationLevels::Remarks))
                    .primary_key(
                        Index::create()
                            .col(EvaluationLevels::EvaluationId)
                            .col(EvaluationLevels::Step),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(EvaluationLevels::Table, EvaluationLevels::EvaluationId)
                            .to(Evaluations::Table, Evaluations::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            EvaluationLevels::Table.into_iden(),
            EvaluationAnswers::Table.into_iden(),
            Evaluations::Table.into_iden(),
            Memberships::Table.into_iden(),
            Units::Table.into_iden(),
            Institutions::Table.into_iden(),
            ServiceSecrets::Table.into_iden(),
            Users::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
