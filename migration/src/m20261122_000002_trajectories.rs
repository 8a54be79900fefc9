//! Traject Borging LOB: trajectories with their coaches, kerngroep, targets and work
//! components, coaching sessions, action points, and evaluations as measurement moments.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Institutions {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Evaluations {
    Table,
    TrajectoryId,
}

#[derive(DeriveIden)]
enum Trajectories {
    Table,
    Id,
    InstitutionId,
    UnitId,
    Title,
    StartDate,
    PlannedEndDate,
    Status,
    PlanTitle,
    PlanAdoptedOn,
    PlanReference,
    CreatedBy,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum TrajectoryCoaches {
    Table,
    TrajectoryId,
    UserId,
}

#[derive(DeriveIden)]
enum TrajectoryKerngroep {
    Table,
    TrajectoryId,
    UserId,
    Function,
}

#[derive(DeriveIden)]
enum TrajectoryTargets {
    Table,
    TrajectoryId,
    Step,
    Level,
}

#[derive(DeriveIden)]
enum TrajectoryComponents {
    Table,
    TrajectoryId,
    ComponentId,
    Status,
    StartedOn,
    CompletedOn,
    Notes,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum CoachingSessions {
    Table,
    Id,
    TrajectoryId,
    HeldOn,
    Participants,
    Summary,
    Agreements,
    CreatedBy,
    CreatedAt,
}

#[derive(DeriveIden)]
enum ActionPoints {
    Table,
    Id,
    InstitutionId,
    Step,
    QuestionId,
    EvaluationId,
    TrajectoryId,
    Description,
    OwnerId,
    DueDate,
    Status,
    CreatedBy,
    CreatedAt,
    UpdatedBy,
    UpdatedAt,
}

fn belongs_to_trajectory<T: IntoIden + 'static>(table: T, column: T) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .from(table, column)
        .to(Trajectories::Table, Trajectories::Id)
        .on_delete(ForeignKeyAction::Cascade)
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Trajectories::Table)
                    .col(pk_uuid(Trajectories::Id))
                    .col(uuid(Trajectories::InstitutionId))
                    .col(uuid_null(Trajectories::UnitId))
                    .col(string(Trajectories::Title))
                    .col(date(Trajectories::StartDate))
                    .col(date(Trajectories::PlannedEndDate))
                    .col(string(Trajectories::Status))
                    .col(string_null(Trajectories::PlanTitle))
                    .col(date_null(Trajectories::PlanAdoptedOn))
                    .col(string_null(Trajectories::PlanReference))
                    .col(uuid(Trajectories::CreatedBy))
                    .col(timestamp_with_time_zone(Trajectories::CreatedAt))
                    .col(timestamp_with_time_zone(Trajectories::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Trajectories::Table, Trajectories::InstitutionId)
                            .to(Institutions::Table, Institutions::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("trajectories_institution_idx")
                    .table(Trajectories::Table)
                    .col(Trajectories::InstitutionId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(TrajectoryCoaches::Table)
                    .col(uuid(TrajectoryCoaches::TrajectoryId))
                    .col(uuid(TrajectoryCoaches::UserId))
                    .primary_key(
                        Index::create()
                            .col(TrajectoryCoaches::TrajectoryId)
                            .col(TrajectoryCoaches::UserId),
                    )
                    .foreign_key(&mut belongs_to_trajectory(
                        TrajectoryCoaches::Table,
                        TrajectoryCoaches::TrajectoryId,
                    ))
                    .foreign_key(
                        ForeignKey::create()
                            .from(TrajectoryCoaches::Table, TrajectoryCoaches::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("trajectory_coaches_user_idx")
                    .table(TrajectoryCoaches::Table)
                    .col(TrajectoryCoaches::UserId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(TrajectoryKerngroep::Table)
                    .col(uuid(TrajectoryKerngroep::TrajectoryId))
                    .col(uuid(TrajectoryKerngroep::UserId))
                    .col(string(TrajectoryKerngroep::Function))
                    .primary_key(
                        Index::create()
                            .col(TrajectoryKerngroep::TrajectoryId)
                            .col(TrajectoryKerngroep::UserId),
                    )
                    .foreign_key(&mut belongs_to_trajectory(
                        TrajectoryKerngroep::Table,
                        TrajectoryKerngroep::TrajectoryId,
                    ))
                    .foreign_key(
                        ForeignKey::create()
                            .from(TrajectoryKerngroep::Table, TrajectoryKerngroep::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(TrajectoryTargets::Table)
                    .col(uuid(TrajectoryTargets::TrajectoryId))
                    .col(small_integer(TrajectoryTargets::Step))
                    .col(string(TrajectoryTargets::Level))
                    .primary_key(
                        Index::create()
                            .col(TrajectoryTargets::TrajectoryId)
                            .col(TrajectoryTargets::Step),
                    )
                    .foreign_key(&mut belongs_to_trajectory(
                        TrajectoryTargets::Table,
                        TrajectoryTargets::TrajectoryId,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(TrajectoryComponents::Table)
                    .col(uuid(TrajectoryComponents::TrajectoryId))
                    .col(string(TrajectoryComponents::ComponentId))
                    .col(string(TrajectoryComponents::Status))
                    .col(date_null(TrajectoryComponents::StartedOn))
                    .col(date_null(TrajectoryComponents::CompletedOn))
                    .col(text_null(TrajectoryComponents::Notes))
                    .col(timestamp_with_time_zone(TrajectoryComponents::UpdatedAt))
                    .primary_key(
                        Index::create()
                            .col(TrajectoryComponents::TrajectoryId)
                            .col(TrajectoryComponents::ComponentId),
                    )
                    .foreign_key(&mut belongs_to_trajectory(
                        TrajectoryComponents::Table,
                        TrajectoryComponents::TrajectoryId,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(CoachingSessions::Table)
                    .col(pk_uuid(CoachingSessions::Id))
                    .col(uuid(CoachingSessions::TrajectoryId))
                    .col(date(CoachingSessions::HeldOn))
                    .col(json(CoachingSessions::Participants))
                    .col(text(CoachingSessions::Summary))
                    .col(text_null(CoachingSessions::Agreements))
                    .col(uuid(CoachingSessions::CreatedBy))
                    .col(timestamp_with_time_zone(CoachingSessions::CreatedAt))
                    .foreign_key(&mut belongs_to_trajectory(
                        CoachingSessions::Table,
                        CoachingSessions::TrajectoryId,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("coaching_sessions_trajectory_idx")
                    .table(CoachingSessions::Table)
                    .col(CoachingSessions::TrajectoryId)
                    .col(CoachingSessions::HeldOn)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ActionPoints::Table)
                    .col(pk_uuid(ActionPoints::Id))
                    .col(uuid(ActionPoints::InstitutionId))
                    .col(small_integer(ActionPoints::Step))
                    .col(string_null(ActionPoints::QuestionId))
                    .col(uuid_null(ActionPoints::EvaluationId))
                    .col(uuid_null(ActionPoints::TrajectoryId))
                    .col(text(ActionPoints::Description))
                    .col(uuid_null(ActionPoints::OwnerId))
                    .col(date_null(ActionPoints::DueDate))
                    .col(string(ActionPoints::Status))
                    .col(uuid(ActionPoints::CreatedBy))
                    .col(timestamp_with_time_zone(ActionPoints::CreatedAt))
                    .col(uuid(ActionPoints::UpdatedBy))
                    .col(timestamp_with_time_zone(ActionPoints::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(ActionPoints::Table, ActionPoints::InstitutionId)
                            .to(Institutions::Table, Institutions::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(ActionPoints::Table, ActionPoints::TrajectoryId)
                            .to(Trajectories::Table, Trajectories::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("action_points_institution_idx")
                    .table(ActionPoints::Table)
                    .col(ActionPoints::InstitutionId)
                    .col(ActionPoints::Status)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("action_points_trajectory_idx")
                    .table(ActionPoints::Table)
                    .col(ActionPoints::TrajectoryId)
                    .to_owned(),
            )
            .await?;
        // Additive, so SQLite can follow: the link is checked by the service (SQLite cannot add
        // a foreign key to an existing table).
        manager
            .alter_table(
                Table::alter()
                    .table(Evaluations::Table)
                    .add_column(uuid_null(Evaluations::TrajectoryId))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("evaluations_trajectory_idx")
                    .table(Evaluations::Table)
                    .col(Evaluations::TrajectoryId)
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("evaluations_trajectory_idx")
                    .table(Evaluations::Table)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Evaluations::Table)
                    .drop_column(Evaluations::TrajectoryId)
                    .to_owned(),
            )
            .await?;
        for table in [
            ActionPoints::Table.into_iden(),
            CoachingSessions::Table.into_iden(),
            TrajectoryComponents::Table.into_iden(),
            TrajectoryTargets::Table.into_iden(),
            TrajectoryKerngroep::Table.into_iden(),
            TrajectoryCoaches::Table.into_iden(),
            Trajectories::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
