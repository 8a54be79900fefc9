//! Evaluations with their answers and step levels: creating drafts, reading them whole,
//! listing a history, applying changes under optimistic concurrency, submitting, deleting
//! drafts. Status and revision checks are part of each UPDATE, so a lost race changes nothing.

use super::batch::Batch;
use super::entities::{evaluation_answers as answers, evaluation_levels as levels, evaluations};
use super::sight::{self, Sight};
use super::sql::{self, PerBackend};
use chrono::{DateTime, NaiveDate, Utc};
use lobkader_domain::{AnswerEntry, Content, LevelEntry, Moment, Participant, SchoolYear, Status};
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DbBackend, DbErr, EntityTrait, FromQueryResult,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, QueryTrait, Set, UpdateMany,
};
use uuid::Uuid;

/// An evaluation as stored, with its content in no particular order (responses sort it into
/// instrument order with [`Content::sort_for`]).
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

impl MetadataChange {
    /// The names of the fields the change sets.
    pub fn names(&self) -> Vec<&'static str> {
        [
            ("reference_date", self.reference_date.is_some()),
            ("moment", self.moment.is_some()),
            ("unit_id", self.unit_id.is_some()),
            ("title", self.title.is_some()),
            ("participants", self.participants.is_some()),
            ("trajectory_id", self.trajectory_id.is_some()),
        ]
        .into_iter()
        .filter_map(|(name, set)| set.then_some(name))
        .collect()
    }
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

/// Starts a draft: adds its statements to `batch` and returns the draft as they store it.
pub fn create(batch: &mut Batch, new: NewEvaluation) -> Result<Evaluation, DbErr> {
    let now = super::now();
    let id = Uuid::now_v7();
    let insert = evaluations::Entity::insert(evaluations::ActiveModel {
        id: Set(id),
        institution_id: Set(new.institution_id),
        unit_id: Set(new.unit_id),
        instrument_id: Set(new.instrument_id.clone()),
        instrument_version: Set(new.instrument_version.clone()),
        reference_date: Set(new.reference_date),
        school_year: Set(SchoolYear::containing(new.reference_date).start_year()),
        moment: Set(new.moment.id().to_owned()),
        status: Set(Status::Draft.id().to_owned()),
        revision: Set(1),
        title: Set(new.title.clone()),
        participants: Set(participants_json(&new.participants)?),
        supersedes_id: Set(new.supersedes_id),
        created_by: Set(new.created_by),
        created_at: Set(now),
        updated_at: Set(now),
        submitted_at: Set(None),
        submitted_by: Set(None),
        trajectory_id: Set(new.trajectory_id),
        answers_yes: Set(None),
        answers_partly: Set(None),
        answers_no: Set(None),
        answers_unknown: Set(None),
        step_levels: Set(None),
    })
    .build(batch.backend());
    batch.push(insert);
    upsert_content(batch, id, &new.content.answers, &new.content.levels);
    Ok(Evaluation {
        id,
        institution_id: new.institution_id,
        unit_id: new.unit_id,
        instrument_id: new.instrument_id,
        instrument_version: new.instrument_version,
        reference_date: new.reference_date,
        moment: new.moment,
        status: Status::Draft,
        revision: 1,
        title: new.title,
        participants: new.participants,
        supersedes_id: new.supersedes_id,
        superseded_by: None,
        created_by: new.created_by,
        created_at: now,
        updated_at: now,
        submitted_at: None,
        submitted_by: None,
        trajectory_id: new.trajectory_id,
        content: new.content,
    })
}

/// The evaluation row, the correction that supersedes it, whether `caller` is a member of its
/// institution or coaches there, and its answers and step levels as JSON arrays: one query and
/// one row. (Each row crosses from the database driver's thread to the request's, so one row
/// instead of twenty-six is most of the cost of reading an evaluation.)
fn header_sql(backend: DbBackend) -> String {
    // The rows of `table` (alias `t`) of the evaluation, `columns` of each, as a JSON array.
    let rows = |columns: &str, table: &str| {
        let each = sql::json_agg(backend, &sql::json_array(backend, columns));
        sql::as_text(
            backend,
            &format!("(SELECT {each} FROM {table} t WHERE t.evaluation_id = e.id)"),
        )
    };
    format!(
        "SELECT e.*, (SELECT c.id FROM evaluations c WHERE c.supersedes_id = e.id) AS superseded_by, \
         {}, {} AS answers_json, {} AS levels_json FROM evaluations e WHERE e.id = ?",
        sight::columns("e.institution_id"),
        rows(
            "t.question_id, t.answer, t.explanation",
            "evaluation_answers"
        ),
        rows("t.step, t.level, t.remarks", "evaluation_levels"),
    )
}

/// The evaluation with its content and the correction that supersedes it, if any, and how
/// `caller` may see it: one query.
pub async fn find_for(
    db: &impl ConnectionTrait,
    id: Uuid,
    caller: Uuid,
) -> Result<Option<(Evaluation, Sight)>, DbErr> {
    static HEADER: PerBackend = PerBackend::new(header_sql);
    let header = HEADER
        .one(db, vec![caller.into(), caller.into(), id.into()])
        .await?;
    let Some(row) = header else {
        return Ok(None);
    };
    let model = evaluations::Model::from_query_result(&row, "")?;
    let superseded_by: Option<Uuid> = row.try_get("", "superseded_by")?;
    let sight = sight::from_row(&row)?;
    let answers_json: String = row.try_get("", "answers_json")?;
    let levels_json: String = row.try_get("", "levels_json")?;
    let answers: Vec<(String, String, Option<String>)> =
        serde_json::from_str(&answers_json).map_err(|_| corrupt("answers", &answers_json))?;
    let levels: Vec<(i64, Option<String>, Option<String>)> =
        serde_json::from_str(&levels_json).map_err(|_| corrupt("levels", &levels_json))?;
    let content = Content {
        answers: answers
            .into_iter()
            .map(|(question_id, answer, explanation)| {
                Ok(AnswerEntry {
                    answer: answer.parse().map_err(|_| corrupt("answer", &answer))?,
                    question_id,
                    explanation,
                })
            })
            .collect::<Result<_, DbErr>>()?,
        levels: levels
            .into_iter()
            .map(|(step, level, remarks)| {
                Ok(LevelEntry {
                    step: u8::try_from(step).map_err(|_| corrupt("step", &step.to_string()))?,
                    level: level
                        .as_deref()
                        .map(|v| v.parse().map_err(|_| corrupt("level", v)))
                        .transpose()?,
                    remarks,
                })
            })
            .collect::<Result<_, DbErr>>()?,
    };
    Ok(Some((header_from(model, superseded_by, content)?, sight)))
}

/// The evaluation with its content and the correction that supersedes it, if any.
pub async fn find(db: &impl ConnectionTrait, id: Uuid) -> Result<Option<Evaluation>, DbErr> {
    Ok(find_for(db, id, Uuid::nil()).await?.map(|(e, _)| e))
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

/// Changes `current`, a draft, bumping its revision: adds the statements to `batch`, guarded
/// by the revision read (the batch writes nothing if the evaluation is no longer that draft),
/// and returns the evaluation as they change it.
pub fn apply_change(
    batch: &mut Batch,
    current: &Evaluation,
    meta: MetadataChange,
    new_answers: &[AnswerEntry],
    new_levels: &[LevelEntry],
) -> Result<Evaluation, DbErr> {
    let now = super::now();
    let mut next = current.clone();
    next.revision = current.revision + 1;
    next.updated_at = now;
    let mut update = evaluations::Entity::update_many()
        .col_expr(evaluations::Column::Revision, Expr::value(next.revision))
        .col_expr(evaluations::Column::UpdatedAt, Expr::value(now));
    if let Some(date) = meta.reference_date {
        next.reference_date = date;
        update = update
            .col_expr(evaluations::Column::ReferenceDate, Expr::value(date))
            .col_expr(
                evaluations::Column::SchoolYear,
                Expr::value(SchoolYear::containing(date).start_year()),
            );
    }
    if let Some(moment) = meta.moment {
        next.moment = moment;
        update = update.col_expr(evaluations::Column::Moment, Expr::value(moment.id()));
    }
    if let Some(unit) = meta.unit_id {
        next.unit_id = unit;
        update = update.col_expr(evaluations::Column::UnitId, Expr::value(unit));
    }
    if let Some(title) = meta.title {
        next.title.clone_from(&title);
        update = update.col_expr(evaluations::Column::Title, Expr::value(title));
    }
    if let Some(trajectory) = meta.trajectory_id {
        next.trajectory_id = trajectory;
        update = update.col_expr(evaluations::Column::TrajectoryId, Expr::value(trajectory));
    }
    if let Some(participants) = meta.participants {
        update = update.col_expr(
            evaluations::Column::Participants,
            Expr::value(participants_json(&participants)?),
        );
        next.participants = participants;
    }
    guard_draft(batch, update, current);
    upsert_content(batch, current.id, new_answers, new_levels);
    next.content.apply(new_answers, new_levels);
    Ok(next)
}

/// Makes `update` of `current` the guard of `batch`: it changes the row only while the
/// evaluation is still the draft at the revision read.
fn guard_draft(batch: &mut Batch, update: UpdateMany<evaluations::Entity>, current: &Evaluation) {
    let guarded = update
        .filter(evaluations::Column::Id.eq(current.id))
        .filter(evaluations::Column::Revision.eq(current.revision))
        .filter(evaluations::Column::Status.eq(Status::Draft.id()))
        .build(batch.backend());
    batch.guard(guarded);
}

fn upsert_content(
    batch: &mut Batch,
    id: Uuid,
    new_answers: &[AnswerEntry],
    new_levels: &[LevelEntry],
) {
    if !new_answers.is_empty() {
        let upsert =
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
            .build(batch.backend());
        batch.push(upsert);
    }
    if !new_levels.is_empty() {
        let upsert = levels::Entity::insert_many(new_levels.iter().map(|l| levels::ActiveModel {
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
        .build(batch.backend());
        batch.push(upsert);
    }
}

/// Marks `current`, a draft, submitted by `by`, and stores the summary that progress reads:
/// adds the statement to `batch`, guarded by the revision read (the batch writes nothing if
/// the evaluation is no longer that draft), and returns the evaluation as submitted.
pub fn submit(batch: &mut Batch, current: &Evaluation, by: Uuid) -> Evaluation {
    let now = super::now();
    let counts = current.content.answer_counts();
    let count = |n: u32| Expr::value(i32::try_from(n).unwrap_or(i32::MAX));
    let update = evaluations::Entity::update_many()
        .col_expr(
            evaluations::Column::Status,
            Expr::value(Status::Submitted.id()),
        )
        .col_expr(
            evaluations::Column::Revision,
            Expr::value(current.revision + 1),
        )
        .col_expr(evaluations::Column::SubmittedAt, Expr::value(now))
        .col_expr(evaluations::Column::SubmittedBy, Expr::value(by))
        .col_expr(evaluations::Column::UpdatedAt, Expr::value(now))
        .col_expr(evaluations::Column::AnswersYes, count(counts.yes))
        .col_expr(evaluations::Column::AnswersPartly, count(counts.partly))
        .col_expr(evaluations::Column::AnswersNo, count(counts.no))
        .col_expr(evaluations::Column::AnswersUnknown, count(counts.unknown))
        .col_expr(
            evaluations::Column::StepLevels,
            Expr::value(step_levels_text(&current.content.levels)),
        );
    guard_draft(batch, update, current);
    let mut done = current.clone();
    done.status = Status::Submitted;
    done.revision = current.revision + 1;
    done.submitted_at = Some(now);
    done.submitted_by = Some(by);
    done.updated_at = now;
    done
}

/// The stored form of the step levels: `step=level` pairs in step order, joined by commas.
pub fn step_levels_text(levels: &[LevelEntry]) -> String {
    let mut rated: Vec<(u8, lobkader_domain::Level)> = levels
        .iter()
        .filter_map(|l| l.level.map(|v| (l.step, v)))
        .collect();
    rated.sort_by_key(|(s, _)| *s);
    rated
        .iter()
        .map(|(s, l)| format!("{s}={}", l.id()))
        .collect::<Vec<_>>()
        .join(",")
}

/// Reads the stored form of the step levels back.
pub fn parse_step_levels(text: &str) -> Result<Vec<(u8, lobkader_domain::Level)>, DbErr> {
    text.split(',')
        .filter(|p| !p.is_empty())
        .map(|pair| {
            let (step, level) = pair
                .split_once('=')
                .ok_or_else(|| corrupt("step level", pair))?;
            Ok((
                step.parse().map_err(|_| corrupt("step", step))?,
                level.parse().map_err(|_| corrupt("level", level))?,
            ))
        })
        .collect()
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
