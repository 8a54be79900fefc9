//! Evaluations with their answers and step levels: creating drafts, reading them whole,
//! listing a history, applying changes under optimistic concurrency, submitting, deleting
//! drafts. Status and revision checks are part of each UPDATE, so a lost race changes nothing.

use super::entities::{evaluation_answers as answers, evaluation_levels as levels, evaluations};
use chrono::{DateTime, NaiveDate, Utc};
use lobkader_domain::{AnswerEntry, Content, LevelEntry, Moment, Participant, SchoolYear, Status};
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect, Set,
};
use uuid::Uuid;

/// An evaluation as stored, with its content in instrument order.
#[derive(Debug, Clone)]
pub struct Evaluation {
    pub id: Uuid,
    pub institution_id: Uuid,
    pub unit_id: Option<Uuid>,
    pub instrument_id: String,
    pub instrument_version: String,
    pub reference_date: NaiveDate,
    pub moment: Moment,
    pub status: Status,
    pub revision: i32,
    pub title: Option<String>,
    pub participants: Vec<Participant>,
    pub supersedes_id: Option<Uuid>,
    pub superseded_by: Option<Uuid>,
    pub created_by: Uuid,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub submitted_at: Option<DateTime<Utc>>,
    pub submitted_by: Option<Uuid>,
    pub trajectory_id: Option<Uuid>,
    pub content: Content,
}

impl Evaluation {
    pub fn school_year(&self) -> SchoolYear {
        SchoolYear::containing(self.reference_date)
    }
}

/// Everything needed to start a draft.
pub struct NewEvaluation {
    pub institution_id: Uuid,
    pub unit_id: Option<Uuid>,
    pub instrument_id: String,
    pub instrument_version: String,
    pub reference_date: NaiveDate,
    pub moment: Moment,
    pub title: Option<String>,
    pub participants: Vec<Participant>,
    pub supersedes_id: Option<Uuid>,
    pub trajectory_id: Option<Uuid>,
    pub created_by: Uuid,
    pub content: Content,
}

/// Metadata a draft change may set; `None` leaves a field as it is.
#[derive(Default)]
pub struct MetadataChange {
    pub reference_date: Option<NaiveDate>,
    pub moment: Option<Moment>,
    pub unit_id: Option<Option<Uuid>>,
    pub title: Option<Option<String>>,
    pub participants: Option<Vec<Participant>>,
    pub trajectory_id: Option<Option<Uuid>>,
}

#[derive(Default)]
pub struct ListFilter {
    pub status: Option<Status>,
    pub school_year: Option<SchoolYear>,
    pub unit_id: Option<Uuid>,
    pub trajectory_id: Option<Uuid>,
}

fn corrupt(what: &str, value: &str) -> DbErr {
    DbErr::Type(format!("unknown {what} `{value}` stored"))
}

fn header_from(
    m: evaluations::Model,
    superseded_by: Option<Uuid>,
    content: Content,
) -> Result<Evaluation, DbErr> {
    Ok(Evaluation {
        moment: m.moment.parse().map_err(|_| corrupt("moment", &m.moment))?,
        status: m.status.parse().map_err(|_| corrupt("status", &m.status))?,
        participants: serde_json::from_value(m.participants.clone())
            .map_err(|_| corrupt("participants", &m.participants.to_string()))?,
        id: m.id,
        institution_id: m.institution_id,
        unit_id: m.unit_id,
        instrument_id: m.instrument_id,
        instrument_version: m.instrument_version,
        reference_date: m.reference_date,
        revision: m.revision,
        title: m.title,
        supersedes_id: m.supersedes_id,
        superseded_by,
        created_by: m.created_by,
        created_at: m.created_at,
        updated_at: m.updated_at,
        submitted_at: m.submitted_at,
        submitted_by: m.submitted_by,
        trajectory_id: m.trajectory_id,
        content,
    })
}

fn participants_json(participants: &[Participant]) -> Result<serde_json::Value, DbErr> {
    serde_json::to_value(participants).map_err(|e| DbErr::Type(e.to_string()))
}

pub async fn create(db: &impl ConnectionTrait, new: NewEvaluation) -> Result<Uuid, DbErr> {
    let now = Utc::now();
    let id = Uuid::now_v7();
    evaluations::ActiveModel {
        id: Set(id),
        institution_id: Set(new.institution_id),
        unit_id: Set(new.unit_id),
        instrument_id: Set(new.instrument_id),
        instrument_version: Set(new.instrument_version),
        reference_date: Set(new.reference_date),
        school_year: Set(SchoolYear::containing(new.reference_date).start_year()),
        moment: Set(new.moment.id().to_owned()),
        status: Set(Status::Draft.id().to_owned()),
        revision: Set(1),
        title: Set(new.title),
        participants: Set(participants_json(&new.participants)?),
        supersedes_id: Set(new.supersedes_id),
        created_by: Set(new.created_by),
        created_at: Set(now),
        updated_at: Set(now),
        submitted_at: Set(None),
        submitted_by: Set(None),
        trajectory_id: Set(new.trajectory_id),
    }
    .insert(db)
    .await?;
    upsert_content(db, id, &new.content.answers, &new.content.levels).await?;
    Ok(id)
}

/// The evaluation with its content and the correction that supersedes it, if any.
pub async fn find(db: &impl ConnectionTrait, id: Uuid) -> Result<Option<Evaluation>, DbErr> {
    let Some(header) = evaluations::Entity::find_by_id(id)
        .all(db)
        .await?
        .into_iter()
        .next()
    else {
        return Ok(None);
    };
    let superseded_by = evaluations::Entity::find()
        .select_only()
        .column(evaluations::Column::Id)
        .filter(evaluations::Column::SupersedesId.eq(id))
        .into_tuple::<Uuid>()
        .all(db)
        .await?
        .into_iter()
        .next();
    let content = Content {
        answers: answers::Entity::find()
            .filter(answers::Column::EvaluationId.eq(id))
            .all(db)
            .await?
            .into_iter()
            .map(|a| {
                Ok(AnswerEntry {
                    answer: a.answer.parse().map_err(|_| corrupt("answer", &a.answer))?,
                    question_id: a.question_id,
                    explanation: a.explanation,
                })
            })
            .collect::<Result<_, DbErr>>()?,
        levels: levels::Entity::find()
            .filter(levels::Column::EvaluationId.eq(id))
            .order_by_asc(levels::Column::Step)
            .all(db)
            .await?
            .into_iter()
            .map(|l| {
                Ok(LevelEntry {
                    step: u8::try_from(l.step).map_err(|_| corrupt("step", &l.step.to_string()))?,
                    level: l
                        .level
                        .as_deref()
                        .map(|v| v.parse().map_err(|_| corrupt("level", v)))
                        .transpose()?,
                    remarks: l.remarks,
                })
            })
            .collect::<Result<_, DbErr>>()?,
    };
    header_from(header, superseded_by, content).map(Some)
}

/// The evaluations of an institution, newest reference date first, without their content.
pub async fn list(
    db: &impl ConnectionTrait,
    institution_id: Uuid,
    filter: &ListFilter,
    offset: u64,
    limit: u64,
) -> Result<(Vec<Evaluation>, u64), DbErr> {
    let mut condition = Condition::all().add(evaluations::Column::InstitutionId.eq(institution_id));
    if let Some(status) = filter.status {
        condition = condition.add(evaluations::Column::Status.eq(status.id()));
    }
    if let Some(year) = filter.school_year {
        condition = condition.add(evaluations::Column::SchoolYear.eq(year.start_year()));
    }
    if let Some(unit) = filter.unit_id {
        condition = condition.add(evaluations::Column::UnitId.eq(unit));
    }
    if let Some(trajectory) = filter.trajectory_id {
        condition = condition.add(evaluations::Column::TrajectoryId.eq(trajectory));
    }
    let query = evaluations::Entity::find().filter(condition);
    let total = query.clone().count(db).await?;
    let rows = query
        .order_by_desc(evaluations::Column::ReferenceDate)
        .order_by_desc(evaluations::Column::CreatedAt)
        .offset(offset)
        .limit(limit)
        .all(db)
        .await?;
    let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
    let corrections: Vec<(Uuid, Option<Uuid>)> = evaluations::Entity::find()
        .select_only()
        .column(evaluations::Column::Id)
        .column(evaluations::Column::SupersedesId)
        .filter(evaluations::Column::SupersedesId.is_in(ids))
        .into_tuple()
        .all(db)
        .await?;
    let evaluations = rows
        .into_iter()
        .map(|r| {
            let by = corrections
                .iter()
                .find(|(_, s)| *s == Some(r.id))
                .map(|(c, _)| *c);
            header_from(r, by, Content::default())
        })
        .collect::<Result<_, _>>()?;
    Ok((evaluations, total))
}

/// Applies a change to a draft whose revision is still `revision`, bumping the revision.
/// Returns false, having changed nothing, when the evaluation is no longer that draft.
pub async fn apply_change(
    db: &impl ConnectionTrait,
    id: Uuid,
    revision: i32,
    meta: MetadataChange,
    new_answers: &[AnswerEntry],
    new_levels: &[LevelEntry],
) -> Result<bool, DbErr> {
    let mut update = evaluations::Entity::update_many()
        .col_expr(evaluations::Column::Revision, Expr::value(revision + 1))
        .col_expr(evaluations::Column::UpdatedAt, Expr::value(Utc::now()));
    if let Some(date) = meta.reference_date {
        update = update
            .col_expr(evaluations::Column::ReferenceDate, Expr::value(date))
            .col_expr(
                evaluations::Column::SchoolYear,
                Expr::value(SchoolYear::containing(date).start_year()),
            );
    }
    if let Some(moment) = meta.moment {
        update = update.col_expr(evaluations::Column::Moment, Expr::value(moment.id()));
    }
    if let Some(unit) = meta.unit_id {
        update = update.col_expr(evaluations::Column::UnitId, Expr::value(unit));
    }
    if let Some(title) = meta.title {
        update = update.col_expr(evaluations::Column::Title, Expr::value(title));
    }
    if let Some(trajectory) = meta.trajectory_id {
        update = update.col_expr(evaluations::Column::TrajectoryId, Expr::value(trajectory));
    }
    if let Some(participants) = meta.participants {
        update = update.col_expr(
            evaluations::Column::Participants,
            Expr::value(participants_json(&participants)?),
        );
    }
    let result = update
        .filter(evaluations::Column::Id.eq(id))
        .filter(evaluations::Column::Revision.eq(revision))
        .filter(evaluations::Column::Status.eq(Status::Draft.id()))
        .exec(db)
        .await?;
    if result.rows_affected == 0 {
        return Ok(false);
    }
    upsert_content(db, id, new_answers, new_levels).await?;
    Ok(true)
}

async fn upsert_content(
    db: &impl ConnectionTrait,
    id: Uuid,
    new_answers: &[AnswerEntry],
    new_levels: &[LevelEntry],
) -> Result<(), DbErr> {
    if !new_answers.is_empty() {
        answers::Entity::insert_many(new_answers.iter().map(|a| answers::ActiveModel {
            evaluation_id: Set(id),
            question_id: Set(a.question_id.clone()),
            answer: Set(a.answer.id().to_owned()),
            explanation: Set(a.explanation.clone()),
        }))
        .on_conflict(
            OnConflict::columns([answers::Column::EvaluationId, answers::Column::QuestionId])
                .update_columns([answers::Column::Answer, answers::Column::Explanation])
                .to_owned(),
        )
        .exec_without_returning(db)
        .await?;
    }
    if !new_levels.is_empty() {
        levels::Entity::insert_many(new_levels.iter().map(|l| levels::ActiveModel {
            evaluation_id: Set(id),
            step: Set(i16::from(l.step)),
            level: Set(l.level.map(|v| v.id().to_owned())),
            remarks: Set(l.remarks.clone()),
        }))
        .on_conflict(
            OnConflict::columns([levels::Column::EvaluationId, levels::Column::Step])
                .update_columns([levels::Column::Level, levels::Column::Remarks])
                .to_owned(),
        )
        .exec_without_returning(db)
        .await?;
    }
    Ok(())
}

/// Marks a draft at `revision` submitted; false, changing nothing, if it is no longer that draft.
pub async fn submit(
    db: &impl ConnectionTrait,
    id: Uuid,
    revision: i32,
    by: Uuid,
) -> Result<bool, DbErr> {
    let now = Utc::now();
    let result = evaluations::Entity::update_many()
        .col_expr(
            evaluations::Column::Status,
            Expr::value(Status::Submitted.id()),
        )
        .col_expr(evaluations::Column::Revision, Expr::value(revision + 1))
        .col_expr(evaluations::Column::SubmittedAt, Expr::value(now))
        .col_expr(evaluations::Column::SubmittedBy, Expr::value(by))
        .col_expr(evaluations::Column::UpdatedAt, Expr::value(now))
        .filter(evaluations::Column::Id.eq(id))
        .filter(evaluations::Column::Revision.eq(revision))
        .filter(evaluations::Column::Status.eq(Status::Draft.id()))
        .exec(db)
        .await?;
    Ok(result.rows_affected == 1)
}

/// Deletes a draft and its content; false, deleting nothing, if it is not a draft.
pub async fn delete_draft(db: &impl ConnectionTrait, id: Uuid) -> Result<bool, DbErr> {
    let is_draft = evaluations::Entity::find()
        .filter(evaluations::Column::Id.eq(id))
        .filter(evaluations::Column::Status.eq(Status::Draft.id()))
        .count(db)
        .await?
        == 1;
    if !is_draft {
        return Ok(false);
    }
    answers::Entity::delete_many()
        .filter(answers::Column::EvaluationId.eq(id))
        .exec(db)
        .await?;
    levels::Entity::delete_many()
        .filter(levels::Column::EvaluationId.eq(id))
        .exec(db)
        .await?;
    let result = evaluations::Entity::delete_many()
        .filter(evaluations::Column::Id.eq(id))
        .filter(evaluations::Column::Status.eq(Status::Draft.id()))
        .exec(db)
        .await?;
    Ok(result.rows_affected == 1)
}
