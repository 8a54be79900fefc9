//! Loading the submitted evaluations of a subject as measurements for the progress timeline:
//! one query and one row whatever the number of evaluations, reading the summary each
//! evaluation got when it was submitted (answer counts and step levels) rather than its
//! answers. The measurements come as one JSON array (each row crossing from the database
//! driver's thread to the request's costs more than the SQL, so forty rows cost far more than
//! one); [`json`] is that array as an SQL expression, and [`element`] and [`measured`] its
//! parts, for other queries to use.

use super::evaluations::parse_step_levels;
use super::sight::{self, Sight};
use super::sql::{PerBackend, as_text, json_agg, json_array, uuid_json};
use chrono::{DateTime, NaiveDate, Utc};
use lobkader_domain::Status;
use lobkader_domain::progress::{AnswerCounts, Measurement};
use sea_orm::{ConnectionTrait, DbBackend, DbErr, Value};
use serde::Deserialize;
use uuid::Uuid;

fn corrupt(what: &str, value: &str) -> DbErr {
    DbErr::Type(format!("unknown {what} `{value}` stored"))
}

/// The SQL expression of one evaluation `e` as a JSON array, read back by [`MeasurementJson`].
pub(crate) fn element(backend: DbBackend) -> String {
    json_array(
        backend,
        &format!(
            "{}, e.reference_date, e.submitted_at, e.moment, e.title, {}, \
             e.answers_yes, e.answers_partly, e.answers_no, e.answers_unknown, e.step_levels",
            uuid_json(backend, "e.id"),
            uuid_json(backend, "e.supersedes_id"),
        ),
    )
}

/// `FROM` and `WHERE` of the measurements among the evaluations `e` for which `scope` holds:
/// the submitted evaluations made with the instrument, without those replaced by a submitted
/// correction (wherever the correction went; NOT EXISTS lets each candidate use the index on
/// `supersedes_id`). Its placeholders follow those of `scope` and take [`json_values`].
pub(crate) fn measured(scope: &str) -> String {
    format!(
        "FROM evaluations e WHERE {scope} AND e.status = ? AND e.instrument_id = ? \
         AND NOT EXISTS (SELECT 1 FROM evaluations c WHERE c.supersedes_id = e.id AND c.status = ?)"
    )
}

/// The measurements of [`measured`] as a JSON text column (one column of one row, however
/// many there are).
pub(crate) fn json(backend: DbBackend, scope: &str) -> String {
    as_text(
        backend,
        &format!(
            "(SELECT {} {})",
            json_agg(backend, &element(backend)),
            measured(scope)
        ),
    )
}

/// The values of the placeholders of [`measured`] after those of its scope.
pub(crate) fn json_values(instrument_id: &str) -> [Value; 3] {
    [
        Status::Submitted.id().into(),
        instrument_id.into(),
        Status::Submitted.id().into(),
    ]
}

/// One element of [`json`], as [`element`] writes it: an evaluation's header and summary.
#[derive(Deserialize)]
pub(crate) struct MeasurementJson<'a>(
    Uuid,
    NaiveDate,
    Option<DateTime<Utc>>,
    &'a str,
    Option<String>,
    Option<Uuid>,
    Option<i64>,
    Option<i64>,
    Option<i64>,
    Option<i64>,
    #[serde(borrow)] Option<&'a str>,
);

impl MeasurementJson<'_> {
    pub(crate) fn into_measurement(self) -> Result<Measurement, DbErr> {
        let MeasurementJson(
            id,
            reference_date,
            submitted_at,
            moment,
            title,
            supersedes_id,
            yes,
            partly,
            no,
            unknown,
            step_levels,
        ) = self;
        let summary = || corrupt("summary of submitted evaluation", &id.to_string());
        let count = |n: Option<i64>| n.and_then(|n| u32::try_from(n).ok()).ok_or_else(summary);
        Ok(Measurement {
            moment: moment.parse().map_err(|_| corrupt("moment", moment))?,
            answers: AnswerCounts {
                yes: count(yes)?,
                partly: count(partly)?,
                no: count(no)?,
                unknown: count(unknown)?,
            },
            levels: parse_step_levels(step_levels.ok_or_else(summary)?)?,
            id,
            reference_date,
            submitted_at,
            supersedes_id,
            title,
        })
    }
}

/// Reads the text of [`json`] back.
pub(crate) fn parse(text: &str) -> Result<Vec<Measurement>, DbErr> {
    let list: Vec<MeasurementJson> = serde_json::from_str(text)
        .map_err(|e| DbErr::Type(format!("unreadable measurements: {e}")))?;
    list.into_iter()
        .map(MeasurementJson::into_measurement)
        .collect()
}

/// The submitted evaluations of a trajectory made with `instrument_id`: one query.
pub async fn of_trajectory(
    db: &impl ConnectionTrait,
    trajectory: Uuid,
    instrument_id: &str,
) -> Result<Vec<Measurement>, DbErr> {
    static SQL: PerBackend = PerBackend::new(|backend| {
        format!(
            "SELECT {} AS measurements",
            json(backend, "e.trajectory_id = ?")
        )
    });
    let mut values = vec![trajectory.into()];
    values.extend(json_values(instrument_id));
    match SQL.one(db, values).await? {
        Some(row) => parse(&row.try_get::<String>("", "measurements")?),
        None => Ok(Vec::new()),
    }
}

/// The submitted evaluations of an institution made with `instrument_id`, and how `caller` may
/// see the institution: one query. `None` when there is no such institution.
pub async fn of_institution_for(
    db: &impl ConnectionTrait,
    institution: Uuid,
    caller: Uuid,
    instrument_id: &str,
) -> Result<Option<(Sight, Vec<Measurement>)>, DbErr> {
    static SQL: PerBackend = PerBackend::new(|backend| {
        format!(
            "SELECT {}, {} AS measurements FROM institutions i WHERE i.id = ?",
            sight::columns("i.id"),
            json(backend, "e.institution_id = i.id")
        )
    });
    // The placeholders in order: the caller twice (sight), the measurements' own, the id.
    let mut values: Vec<Value> = vec![caller.into(), caller.into()];
    values.extend(json_values(instrument_id));
    values.push(institution.into());
    let Some(row) = SQL.one(db, values).await? else {
        return Ok(None);
    };
    let measurements = parse(&row.try_get::<String>("", "measurements")?)?;
    Ok(Some((sight::from_row(&row)?, measurements)))
}
