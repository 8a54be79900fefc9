//! Progress over time, per institution and per trajectory: every submitted evaluation in date
//! order (a correction in the place of what it supersedes), per step the change since the
//! baseline and since the previous measurement and the gap to the target, per uitgangspunt a
//! count of its steps' changes, and the school years without an evaluation. As JSON, or as CSV
//! with `Accept: text/csv` or `?format=csv`.

pub mod csv;

use crate::auth::AuthUser;
use crate::db::progress::{of_institution_for, of_trajectory};
use crate::error::{ApiError, ApiResult};
use crate::extract::ValidQuery;
use crate::routes::{INSTRUMENT, instrument, trajectories};
use crate::schema;
use crate::startup::AppState;
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, web};
use chrono::{NaiveDate, Utc};
use csv::Delimiter;
use lobkader_domain::comparison::{Change, Counts};
use lobkader_domain::progress::{AnswerCounts, Measurement, Progress, progress};
use lobkader_domain::{Level, Moment};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

/// The instrument progress is measured with.

#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Format {
    Json,
    Csv,
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ProgressQuery {
    /// `csv` for a spreadsheet; otherwise the `Accept` header decides (default JSON).
    #[param(inline)]
    pub format: Option<Format>,
    /// The CSV separator: `comma` (default) or `semicolon` (Excel with a Dutch locale).
    #[param(inline)]
    pub delimiter: Option<Delimiter>,
}

#[derive(Serialize, ToSchema)]
pub struct StepLevel {
    pub step: u8,
    #[schema(value_type = schema::Level)]
    pub level: Level,
}

#[derive(Serialize, ToSchema)]
pub struct AnswerCountsDto {
    pub yes: u32,
    pub partly: u32,
    pub no: u32,
    pub unknown: u32,
}

#[derive(Serialize, ToSchema)]
pub struct TimelineEvaluation {
    pub id: Uuid,
    pub reference_date: NaiveDate,
    #[schema(example = "2025-2026")]
    pub school_year: String,
    #[schema(value_type = schema::Moment)]
    pub moment: Moment,
    pub title: Option<String>,
    /// The evaluation this one corrects (and replaces in the timeline).
    pub supersedes_id: Option<Uuid>,
    pub levels: Vec<StepLevel>,
    pub answers: AnswerCountsDto,
}

#[derive(Serialize, ToSchema)]
pub struct StepProgressDto {
    pub step: u8,
    #[schema(value_type = Option<schema::Level>)]
    pub baseline: Option<Level>,
    #[schema(value_type = Option<schema::Level>)]
    pub previous: Option<Level>,
    #[schema(value_type = Option<schema::Level>)]
    pub latest: Option<Level>,
    /// From the first measurement to the latest; absent with fewer than two.
    #[schema(value_type = Option<schema::Change>)]
    pub change_since_baseline: Option<Change>,
    #[schema(value_type = Option<schema::Change>)]
    pub change_since_previous: Option<Change>,
    #[schema(value_type = Option<schema::Level>)]
    pub target: Option<Level>,
    /// Levels still to go to the target (0 when reached or passed).
    pub gap: Option<u8>,
}

#[derive(Serialize, ToSchema)]
pub struct LevelCounts {
    pub improved: u32,
    pub regressed: u32,
    pub unchanged: u32,
    pub not_comparable: u32,
}

/// An uitgangspunt, summarised from the steps that serve it: counts, never an averaged level.
#[derive(Serialize, ToSchema)]
pub struct UitgangspuntProgressDto {
    pub uitgangspunt: u8,
    pub steps: Vec<u8>,
    pub since_baseline: LevelCounts,
    pub since_previous: LevelCounts,
    pub targets_reached: u32,
    pub targets_total: u32,
}

#[derive(Serialize, ToSchema)]
pub struct SchoolYearDto {
    #[schema(example = "2025-2026")]
    pub school_year: String,
    pub evaluation_ids: Vec<Uuid>,
    /// No evaluation was submitted in this school year.
    pub gap: bool,
}

#[derive(Serialize, ToSchema)]
pub struct ProgressResponse {
    /// `institution` or `trajectory`.
    pub subject: String,
    pub subject_id: Uuid,
    pub instrument_id: String,
    pub evaluations: Vec<TimelineEvaluation>,
    pub steps: Vec<StepProgressDto>,
    pub uitgangspunten: Vec<UitgangspuntProgressDto>,
    pub school_years: Vec<SchoolYearDto>,
}

impl From<lobkader_domain::progress::StepProgress> for StepProgressDto {
    fn from(s: lobkader_domain::progress::StepProgress) -> Self {
        StepProgressDto {
            step: s.step,
            baseline: s.baseline,
            previous: s.previous,
            latest: s.latest,
            change_since_baseline: s.change_since_baseline,
            change_since_previous: s.change_since_previous,
            target: s.target,
            gap: s.gap,
        }
    }
}

fn counts(c: Counts) -> LevelCounts {
    LevelCounts {
        improved: c.improved,
        regressed: c.regressed,
        unchanged: c.unchanged,
        not_comparable: c.not_comparable,
    }
}

fn answers(a: AnswerCounts) -> AnswerCountsDto {
    AnswerCountsDto {
        yes: a.yes,
        partly: a.partly,
        no: a.no,
        unknown: a.unknown,
    }
}

fn response(subject: &str, subject_id: Uuid, p: Progress) -> ProgressResponse {
    ProgressResponse {
        subject: subject.to_owned(),
        subject_id,
        instrument_id: INSTRUMENT.to_owned(),
        evaluations: p
            .evaluations
            .into_iter()
            .map(|m| TimelineEvaluation {
                school_year: lobkader_domain::SchoolYear::containing(m.reference_date).to_string(),
                id: m.id,
                reference_date: m.reference_date,
                moment: m.moment,
                title: m.title,
                supersedes_id: m.supersedes_id,
                levels: m
                    .levels
                    .into_iter()
                    .map(|(step, level)| StepLevel { step, level })
                    .collect(),
                answers: answers(m.answers),
            })
            .collect(),
        steps: p.steps.into_iter().map(StepProgressDto::from).collect(),
        uitgangspunten: p
            .uitgangspunten
            .into_iter()
            .map(|u| UitgangspuntProgressDto {
                uitgangspunt: u.uitgangspunt,
                steps: u.steps,
                since_baseline: counts(u.since_baseline),
                since_previous: counts(u.since_previous),
                targets_reached: u.targets_reached,
                targets_total: u.targets_total,
            })
            .collect(),
        school_years: p
            .school_years
            .into_iter()
            .map(|y| SchoolYearDto {
                school_year: y.school_year.to_string(),
                evaluation_ids: y.evaluation_ids,
                gap: y.gap,
            })
            .collect(),
    }
}

fn wants_csv(req: &HttpRequest, query: &ProgressQuery) -> bool {
    match query.format {
        Some(Format::Csv) => true,
        Some(Format::Json) => false,
        None => req
            .headers()
            .get(header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|accept| {
                quality(accept, "text", "csv") > quality(accept, "application", "json")
            }),
    }
}

/// The quality (`q`, 0 to 1000) an `Accept` header gives a media type: from the most specific
/// range that matches it, 0 when none does. Case-insensitive, as media types are.
fn quality(accept: &str, kind: &str, subtype: &str) -> u16 {
    let mut best: Option<(u8, u16)> = None;
    for range in accept.split(',') {
        let mut parts = range.split(';');
        let media = parts.next().unwrap_or_default().trim().to_ascii_lowercase();
        let Some((k, s)) = media.split_once('/') else {
            continue;
        };
        let specificity = match (k, s) {
            (k, s) if k == kind && s == subtype => 2,
            (k, "*") if k == kind => 1,
            ("*", "*") => 0,
            _ => continue,
        };
        let q = parts
            .filter_map(|p| {
                let p = p.trim();
                p.strip_prefix("q=").or_else(|| p.strip_prefix("Q="))
            })
            .find_map(|v| v.trim().parse::<f32>().ok())
            .map_or(1000, |q| (q.clamp(0.0, 1.0) * 1000.0).round() as u16);
        if best.is_none_or(|(s, _)| specificity > s) {
            best = Some((specificity, q));
        }
    }
    best.map_or(0, |(_, q)| q)
}

#[cfg(test)]
mod tests {
    use super::quality;

    #[test]
    fn accept_headers_are_weighed_by_quality_and_specificity() {
        assert_eq!(quality("text/csv", "text", "csv"), 1000);
        assert_eq!(quality("TEXT/CSV", "text", "csv"), 1000);
        assert_eq!(quality("text/csv;q=0, application/json", "text", "csv"), 0);
        assert_eq!(
            quality("application/json;q=0.5, text/csv", "application", "json"),
            500
        );
        assert_eq!(quality("text/*;q=0.3, */*;q=0.1", "text", "csv"), 300);
        assert_eq!(quality("*/*", "application", "json"), 1000);
        assert_eq!(quality("text/html", "text", "csv"), 0);
    }
}

/// The progress of the subject `kind` `id` from its measurements, as JSON or CSV.
fn answer(
    req: &HttpRequest,
    query: ProgressQuery,
    (kind, id): (&str, Uuid),
    instrument: &lobkader_domain::Instrument,
    measurements: Vec<Measurement>,
    targets: &[(u8, Level)],
) -> HttpResponse {
    let p = progress(instrument, measurements, targets, Utc::now().date_naive());
    if wants_csv(req, &query) {
        let steps: Vec<u8> = instrument.steps.iter().map(|s| s.number).collect();
        let body = csv::render(&p, &steps, query.delimiter.unwrap_or_default());
        return HttpResponse::Ok()
            .content_type("text/csv; charset=utf-8")
            .insert_header((
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"progress-{kind}-{id}.csv\""),
            ))
            .body(body);
    }
    HttpResponse::Ok().json(response(kind, id, p))
}

/// The progress of an institution over all its submitted evaluations.
#[utoipa::path(
    tag = "progress",
    params(("id" = Uuid, Path, description = "The institution"), ProgressQuery),
    responses((status = 200, description = "The timeline", content(
        (ProgressResponse = "application/json"),
        (String = "text/csv", example = "\u{feff}evaluation_id,reference_date,school_year,moment,title,step_1,…"),
    )))
)]
#[get("/progress")] // GET /api/v1/institutions/{id}/progress
pub async fn institution_progress(
    state: web::Data<AppState>,
    caller: AuthUser,
    req: HttpRequest,
    id: web::Path<Uuid>,
    query: ValidQuery<ProgressQuery>,
) -> ApiResult<HttpResponse> {
    let institution = id.into_inner();
    let instrument = instrument()?;
    // Whether the caller may see it, whether it exists, and its measurements: one query.
    let (sight, measurements) =
        of_institution_for(state.db.conn(), institution, caller.id, INSTRUMENT)
            .await?
            .ok_or_else(ApiError::not_found)?;
    caller.access_from(sight)?;
    Ok(answer(
        &req,
        query.0,
        ("institution", institution),
        instrument,
        measurements,
        &[],
    ))
}

/// The progress of a trajectory over its measurement moments, with the gap to its targets.
#[utoipa::path(
    tag = "progress",
    params(("id" = Uuid, Path, description = "The trajectory"), ProgressQuery),
    responses((status = 200, description = "The timeline", content(
        (ProgressResponse = "application/json"),
        (String = "text/csv"),
    )))
)]
#[get("/progress")] // GET /api/v1/trajectories/{id}/progress
pub async fn trajectory_progress(
    state: web::Data<AppState>,
    caller: AuthUser,
    req: HttpRequest,
    id: web::Path<Uuid>,
    query: ValidQuery<ProgressQuery>,
) -> ApiResult<HttpResponse> {
    let (trajectory, _) = trajectories::visible(&state, &caller, id.into_inner()).await?;
    let instrument = instrument()?;
    let measurements = of_trajectory(state.db.conn(), trajectory.id, INSTRUMENT).await?;
    Ok(answer(
        &req,
        query.0,
        ("trajectory", trajectory.id),
        instrument,
        measurements,
        &trajectory.targets,
    ))
}
