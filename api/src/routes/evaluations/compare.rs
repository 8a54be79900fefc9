//! Comparing two submitted evaluations of the same institution and instrument version,
//! always from the earlier to the later.

use super::visible;
use crate::auth::AuthUser;
use crate::db::evaluations::Evaluation;
use crate::error::{ApiError, ApiResult, FieldError};
use crate::extract::ValidQuery;
use crate::schema;
use crate::startup::AppState;
use actix_web::{get, web};
use chrono::NaiveDate;
use lobkader_domain::comparison::{
    Counts, QuestionChange, StepChange, StepSummary, UitgangspuntSummary,
};
use lobkader_domain::{Answer, Change, Level, Moment, Status, compare};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct CompareQuery {
    /// The other evaluation.
    pub with: Uuid,
}

/// Which evaluation a side of the comparison is.
#[derive(Serialize, ToSchema)]
pub struct ComparedEvaluation {
    pub id: Uuid,
    pub reference_date: NaiveDate,
    #[schema(example = "2025-2026")]
    pub school_year: String,
    #[schema(value_type = schema::Moment)]
    pub moment: Moment,
}

#[derive(Serialize, ToSchema)]
pub struct StepChangeDto {
    pub step: u8,
    #[schema(value_type = Option<schema::Level>)]
    pub from: Option<Level>,
    #[schema(value_type = Option<schema::Level>)]
    pub to: Option<Level>,
    #[schema(value_type = schema::Change)]
    pub change: Change,
}

#[derive(Serialize, ToSchema)]
pub struct QuestionChangeDto {
    pub question_id: String,
    pub step: u8,
    #[schema(value_type = Option<schema::Answer>)]
    pub from: Option<Answer>,
    #[schema(value_type = Option<schema::Answer>)]
    pub to: Option<Answer>,
    #[schema(value_type = schema::Change)]
    pub change: Change,
}

/// How many items moved each way.
#[derive(Serialize, ToSchema)]
pub struct CountsDto {
    pub improved: u32,
    pub regressed: u32,
    pub unchanged: u32,
    pub not_comparable: u32,
}

#[derive(Serialize, ToSchema)]
pub struct StepSummaryDto {
    pub step: u8,
    #[schema(value_type = schema::Change)]
    pub level_change: Change,
    pub questions: CountsDto,
}

/// The steps serving one uitgangspunt: how their levels and questions moved (counted, never averaged).
#[derive(Serialize, ToSchema)]
pub struct UitgangspuntSummaryDto {
    pub uitgangspunt: u8,
    pub steps: Vec<u8>,
    pub levels: CountsDto,
    pub questions: CountsDto,
}

#[derive(Serialize, ToSchema)]
pub struct ComparisonResponse {
    pub instrument_id: String,
    pub instrument_version: String,
    /// The earlier evaluation (by reference date).
    pub from: ComparedEvaluation,
    /// The later evaluation.
    pub to: ComparedEvaluation,
    pub steps: Vec<StepChangeDto>,
    pub questions: Vec<QuestionChangeDto>,
    pub step_summaries: Vec<StepSummaryDto>,
    pub uitgangspunt_summaries: Vec<UitgangspuntSummaryDto>,
}

impl From<Counts> for CountsDto {
    fn from(c: Counts) -> Self {
        CountsDto {
            improved: c.improved,
            regressed: c.regressed,
            unchanged: c.unchanged,
            not_comparable: c.not_comparable,
        }
    }
}

fn side(e: &Evaluation) -> ComparedEvaluation {
    ComparedEvaluation {
        id: e.id,
        reference_date: e.reference_date,
        school_year: e.school_year().to_string(),
        moment: e.moment,
    }
}

/// Compare this evaluation with another (`with`): per step and per question what changed, read
/// from the earlier evaluation to the later whichever way round they are named.
#[utoipa::path(
    tag = "evaluations",
    params(("id" = Uuid, Path, description = "One evaluation"), CompareQuery),
    responses(
        (status = 200, description = "The comparison", body = ComparisonResponse),
        (status = 422, description = "The two cannot be compared: not both submitted, another institution or instrument version, or the same evaluation", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/comparison")] // GET /api/v1/evaluations/{id}/comparison
pub async fn compare_evaluations(
    state: web::Data<AppState>,
    caller: AuthUser,
    id: web::Path<Uuid>,
    query: ValidQuery<CompareQuery>,
) -> ApiResult<web::Json<ComparisonResponse>> {
    let a = visible(&state, &caller, id.into_inner()).await?;
    let b = visible(&state, &caller, query.0.with).await?;
    let mut errors = Vec::new();
    let mut reject = |field: &str, message: &str| {
        errors.push(FieldError {
            field: field.into(),
            message: message.into(),
        })
    };
    if a.id == b.id {
        reject("with", "an evaluation cannot be compared with itself");
    }
    if a.status != Status::Submitted {
        reject(
            "id",
            "only submitted evaluations can be compared; this one is a draft",
        );
    }
    if b.status != Status::Submitted {
        reject(
            "with",
            "only submitted evaluations can be compared; this one is a draft",
        );
    }
    if a.institution_id != b.institution_id {
        reject("with", "the evaluations belong to different institutions");
    }
    if (&a.instrument_id, &a.instrument_version) != (&b.instrument_id, &b.instrument_version) {
        reject(
            "with",
            "the evaluations use different instruments or instrument versions",
        );
    }
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    let (earlier, later) = if (a.reference_date, a.created_at) <= (b.reference_date, b.created_at) {
        (a, b)
    } else {
        (b, a)
    };
    let instrument = super::instrument_of(&earlier)?;
    let c = compare(instrument, &earlier.content, &later.content);
    Ok(web::Json(ComparisonResponse {
        instrument_id: instrument.id.clone(),
        instrument_version: instrument.version.clone(),
        from: side(&earlier),
        to: side(&later),
        steps: c
            .steps
            .into_iter()
            .map(|s: StepChange| StepChangeDto {
                step: s.step,
                from: s.from,
                to: s.to,
                change: s.change,
            })
            .collect(),
        questions: c
            .questions
            .into_iter()
            .map(|q: QuestionChange| QuestionChangeDto {
                question_id: q.question_id,
                step: q.step,
                from: q.from,
                to: q.to,
                change: q.change,
            })
            .collect(),
        step_summaries: c
            .step_summaries
            .into_iter()
            .map(|s: StepSummary| StepSummaryDto {
                step: s.step,
                level_change: s.level_change,
                questions: s.questions.into(),
            })
            .collect(),
        uitgangspunt_summaries: c
            .uitgangspunt_summaries
            .into_iter()
            .map(|u: UitgangspuntSummary| UitgangspuntSummaryDto {
                uitgangspunt: u.uitgangspunt,
                steps: u.steps,
                levels: u.levels.into(),
                questions: u.questions.into(),
            })
            .collect(),
    }))
}
