//! Loading the submitted evaluations of a subject as measurements for the progress timeline:
//! one query whatever the number of evaluations, reading the summary each evaluation got when
//! it was submitted (answer counts and step levels) rather than its answers.

use super::entities::evaluations;
use super::evaluations::parse_step_levels;
use lobkader_domain::Status;
use lobkader_domain::progress::{AnswerCounts, Measurement};
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Query};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, FromQueryResult, QueryFilter,
    QuerySelect,
};
use uuid::Uuid;

/// Whose evaluations.
#[derive(Debug, Clone)]
pub enum Subject {
    Institution(Uuid),
    Trajectory(Uuid),
    /// Several trajectories at once (the coach's overview).
    Trajectories(Vec<Uuid>),
}

fn corrupt(what: &str, value: &str) -> DbErr {
    DbErr::Type(format!("unknown {what} `{value}` stored"))
}

/// What the timeline reads of a submitted evaluation: its header and its summary, no more.
#[derive(FromQueryResult)]
struct Row {
    id: Uuid,
    trajectory_id: Option<Uuid>,
    reference_date: chrono::NaiveDate,
    submitted_at: Option<chrono::DateTime<chrono::Utc>>,
    moment: String,
    title: Option<String>,
    supersedes_id: Option<Uuid>,
    answers_yes: Option<i32>,
    answers_partly: Option<i32>,
    answers_no: Option<i32>,
    answers_unknown: Option<i32>,
    step_levels: Option<String>,
}

/// The submitted evaluations of `subject` made with `instrument_id`, each with the trajectory
/// it belongs to.
pub async fn measurements(
    db: &impl ConnectionTrait,
    subject: &Subject,
    instrument_id: &str,
) -> Result<Vec<(Option<Uuid>, Measurement)>, DbErr> {
    let scope = match subject {
        Subject::Institution(id) => {
            Condition::all().add(evaluations::Column::InstitutionId.eq(*id))
        }
        Subject::Trajectory(id) => Condition::all().add(evaluations::Column::TrajectoryId.eq(*id)),
        Subject::Trajectories(ids) => {
            Condition::all().add(evaluations::Column::TrajectoryId.is_in(ids.clone()))
        }
    };
    // An evaluation replaced by a submitted correction never counts, wherever the correction
    // went. NOT EXISTS lets each candidate use the index on `supersedes_id`.
    let correction = Alias::new("correction");
    let corrected = Query::select()
        .expr(Expr::val(1))
        .from_as(evaluations::Entity, correction.clone())
        .and_where(
            Expr::col((correction.clone(), evaluations::Column::SupersedesId))
                .equals((evaluations::Entity, evaluations::Column::Id)),
        )
        .and_where(Expr::col((correction, evaluations::Column::Status)).eq(Status::Submitted.id()))
        .to_owned();
    use evaluations::Column as C;
    let headers = evaluations::Entity::find()
        .select_only()
        .columns([
            C::Id,
            C::TrajectoryId,
            C::ReferenceDate,
            C::SubmittedAt,
            C::Moment,
            C::Title,
            C::SupersedesId,
            C::AnswersYes,
            C::AnswersPartly,
            C::AnswersNo,
            C::AnswersUnknown,
            C::StepLevels,
        ])
        .filter(scope)
        .filter(Expr::exists(corrected).not())
        .filter(C::Status.eq(Status::Submitted.id()))
        .filter(C::InstrumentId.eq(instrument_id))
        .into_model::<Row>()
        .all(db)
        .await?;
    headers
        .into_iter()
        .map(|h| {
            let summary = || corrupt("summary of submitted evaluation", &h.id.to_string());
            let count = |n: Option<i32>| n.and_then(|n| u32::try_from(n).ok()).ok_or_else(summary);
            let levels = parse_step_levels(h.step_levels.as_deref().ok_or_else(summary)?)?;
            let answers = AnswerCounts {
                yes: count(h.answers_yes)?,
                partly: count(h.answers_partly)?,
                no: count(h.answers_no)?,
                unknown: count(h.answers_unknown)?,
            };
            Ok((
                h.trajectory_id,
                Measurement {
                    moment: h.moment.parse().map_err(|_| corrupt("moment", &h.moment))?,
                    answers,
                    id: h.id,
                    reference_date: h.reference_date,
                    submitted_at: h.submitted_at,
                    supersedes_id: h.supersedes_id,
                    title: h.title,
                    levels,
                },
            ))
        })
        .collect()
}
