//! Action points of an institution, linked to a step (and optionally a question, an
//! evaluation and a trajectory).

use super::entities::action_points as points;
use chrono::{DateTime, NaiveDate, Utc};
use lobkader_domain::trajectory::ActionStatus;
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect, Set,
};
use uuid::Uuid;

#[derive(Debug, Clone)]
pub struct ActionPoint {
    pub id: Uuid,
    pub institution_id: Uuid,
    pub step: u8,
    pub question_id: Option<String>,
    pub evaluation_id: Option<Uuid>,
    pub trajectory_id: Option<Uuid>,
    pub description: String,
    pub owner_id: Option<Uuid>,
    pub due_date: Option<NaiveDate>,
    pub status: ActionStatus,
    pub created_by: Uuid,
    pub created_at: DateTime<Utc>,
    pub updated_by: Uuid,
    pub updated_at: DateTime<Utc>,
}

/// The fields of an action point that can be set.
#[derive(Debug, Clone)]
pub struct Fields {
    pub step: u8,
    pub question_id: Option<String>,
    pub evaluation_id: Option<Uuid>,
    pub trajectory_id: Option<Uuid>,
    pub description: String,
    pub owner_id: Option<Uuid>,
    pub due_date: Option<NaiveDate>,
    pub status: ActionStatus,
}

#[derive(Debug, Clone, Default)]
pub struct ListFilter {
    pub status: Option<ActionStatus>,
    pub step: Option<u8>,
    pub trajectory_id: Option<Uuid>,
    /// Only open or in-progress points due before this date.
    pub overdue_on: Option<NaiveDate>,
}

fn from_model(m: points::Model) -> Result<ActionPoint, DbErr> {
    Ok(ActionPoint {
        status: m
            .status
            .parse()
            .map_err(|_| DbErr::Type(format!("unknown action status `{}` stored", m.status)))?,
        step: u8::try_from(m.step).map_err(|_| DbErr::Type(format!("step {} stored", m.step)))?,
        id: m.id,
        institution_id: m.institution_id,
        question_id: m.question_id,
        evaluation_id: m.evaluation_id,
        trajectory_id: m.trajectory_id,
        description: m.description,
        owner_id: m.owner_id,
        due_date: m.due_date,
        created_by: m.created_by,
        created_at: m.created_at,
        updated_by: m.updated_by,
        updated_at: m.updated_at,
    })
}

pub async fn create(
    db: &impl ConnectionTrait,
    institution_id: Uuid,
    by: Uuid,
    f: Fields,
) -> Result<ActionPoint, DbErr> {
    let now = super::now();
    let model = points::ActiveModel {
        id: Set(Uuid::now_v7()),
        institution_id: Set(institution_id),
        step: Set(i16::from(f.step)),
        question_id: Set(f.question_id),
        evaluation_id: Set(f.evaluation_id),
        trajectory_id: Set(f.trajectory_id),
        description: Set(f.description),
        owner_id: Set(f.owner_id),
        due_date: Set(f.due_date),
        status: Set(f.status.id().to_owned()),
        created_by: Set(by),
        created_at: Set(now),
        updated_by: Set(by),
        updated_at: Set(now),
    }
    .insert(db)
    .await?;
    from_model(model)
}

pub async fn update(
    db: &impl ConnectionTrait,
    id: Uuid,
    by: Uuid,
    f: Fields,
) -> Result<ActionPoint, DbErr> {
    let model = points::ActiveModel {
        id: Set(id),
        step: Set(i16::from(f.step)),
        question_id: Set(f.question_id),
        evaluation_id: Set(f.evaluation_id),
        trajectory_id: Set(f.trajectory_id),
        description: Set(f.description),
        owner_id: Set(f.owner_id),
        due_date: Set(f.due_date),
        status: Set(f.status.id().to_owned()),
        updated_by: Set(by),
        updated_at: Set(super::now()),
        ..Default::default()
    }
    .update(db)
    .await?;
    from_model(model)
}

pub async fn find(db: &impl ConnectionTrait, id: Uuid) -> Result<Option<ActionPoint>, DbErr> {
    points::Entity::find_by_id(id)
        .all(db)
        .await?
        .into_iter()
        .next()
        .map(from_model)
        .transpose()
}

pub async fn delete(db: &impl ConnectionTrait, id: Uuid) -> Result<bool, DbErr> {
    Ok(points::Entity::delete_by_id(id)
        .exec(db)
        .await?
        .rows_affected
        > 0)
}

fn open_statuses() -> [&'static str; 2] {
    [ActionStatus::Open.id(), ActionStatus::InProgress.id()]
}

/// The action points of an institution, earliest due first (those without a due date last).
pub async fn list(
    db: &impl ConnectionTrait,
    institution_id: Uuid,
    filter: &ListFilter,
    offset: u64,
    limit: u64,
) -> Result<(Vec<ActionPoint>, u64), DbErr> {
    let mut c = Condition::all().add(points::Column::InstitutionId.eq(institution_id));
    if let Some(status) = filter.status {
        c = c.add(points::Column::Status.eq(status.id()));
    }
    if let Some(step) = filter.step {
        c = c.add(points::Column::Step.eq(i16::from(step)));
    }
    if let Some(trajectory) = filter.trajectory_id {
        c = c.add(points::Column::TrajectoryId.eq(trajectory));
    }
    if let Some(today) = filter.overdue_on {
        c = c
            .add(points::Column::DueDate.lt(today))
            .add(points::Column::Status.is_in(open_statuses()));
    }
    let query = points::Entity::find().filter(c);
    let total = query.clone().count(db).await?;
    let rows = query
        .order_by(
            Expr::col(points::Column::DueDate).is_null(),
            sea_orm::Order::Asc,
        )
        .order_by_asc(points::Column::DueDate)
        .order_by_asc(points::Column::CreatedAt)
        .offset(offset)
        .limit(limit)
        .all(db)
        .await?;
    Ok((
        rows.into_iter().map(from_model).collect::<Result<_, _>>()?,
        total,
    ))
}
