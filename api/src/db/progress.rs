//! Loading the submitted evaluations of a subject as measurements for the progress timeline:
//! three queries whatever the number of evaluations (headers, levels, answer counts).

use super::entities::{evaluation_answers as answers, evaluation_levels as levels, evaluations};
use lobkader_domain::Status;
use lobkader_domain::progress::{AnswerCounts, Measurement};
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Query};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QuerySelect,
};
use std::collections::HashMap;
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

/// The submitted evaluations of `subject` made with `instrument_id`, each with the trajectory
/// it belongs to.
pub async fn measurements(
    db: &impl ConnectionTrait,
    subject: &Subject,
    instrument_id: &str,
    with_answers: bool,
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
    let headers = evaluations::Entity::find()
        .filter(scope)
        .filter(Expr::exists(corrected).not())
        .filter(evaluations::Column::Status.eq(Status::Submitted.id()))
        .filter(evaluations::Column::InstrumentId.eq(instrument_id))
        .all(db)
        .await?;
    if headers.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<Uuid> = headers.iter().map(|h| h.id).collect();
    let mut level_map: HashMap<Uuid, Vec<(u8, lobkader_domain::Level)>> = HashMap::new();
    for l in levels::Entity::find()
        .filter(levels::Column::EvaluationId.is_in(ids.clone()))
        .all(db)
        .await?
    {
        let Some(level) = l.level.as_deref() else {
            continue;
        };
        let level = level.parse().map_err(|_| corrupt("level", level))?;
        let step = u8::try_from(l.step).map_err(|_| corrupt("step", &l.step.to_string()))?;
        level_map
            .entry(l.evaluation_id)
            .or_default()
            .push((step, level));
    }
    let mut count_map: HashMap<Uuid, AnswerCounts> = HashMap::new();
    if with_answers {
        let rows: Vec<(Uuid, String, i64)> = answers::Entity::find()
            .select_only()
            .column(answers::Column::EvaluationId)
            .column(answers::Column::Answer)
            .column_as(answers::Column::QuestionId.count(), "n")
            .filter(answers::Column::EvaluationId.is_in(ids))
            .group_by(answers::Column::EvaluationId)
            .group_by(answers::Column::Answer)
            .into_tuple()
            .all(db)
            .await?;
        for (id, answer, n) in rows {
            let counts = count_map.entry(id).or_default();
            let n = u32::try_from(n).unwrap_or(u32::MAX);
            match answer.as_str() {
                "yes" => counts.yes = n,
                "partly" => counts.partly = n,
                "no" => counts.no = n,
                "unknown" => counts.unknown = n,
                other => return Err(corrupt("answer", other)),
            }
        }
    }
    headers
        .into_iter()
        .map(|h| {
            let mut levels = level_map.remove(&h.id).unwrap_or_default();
            levels.sort_by_key(|(s, _)| *s);
            Ok((
                h.trajectory_id,
                Measurement {
                    moment: h.moment.parse().map_err(|_| corrupt("moment", &h.moment))?,
                    answers: count_map.remove(&h.id).unwrap_or_default(),
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
