//! Submitting: a complete draft becomes an immutable record of where the school stood.

use super::delete::submitted;
use super::update::{check_if_match, lost_race};
use super::{EvaluationResponse, editable, instrument_of, respond};
use crate::auth::AuthUser;
use crate::db::audit::{self, Change};
use crate::db::batch::Written;
use crate::db::evaluations;
use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::startup::AppState;
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, post, web};
use lobkader_domain::Status;
use uuid::Uuid;

/// Submit a draft. Every question must be answered and every step rated; afterwards the
/// evaluation never changes. An `If-Match` header, when given, must name the current revision.
#[utoipa::path(
    tag = "evaluations",
    params(
        ("id" = Uuid, Path, description = "The evaluation"),
        ("If-Match" = Option<String>, Header, description = "Submit only if this is still the current revision"),
    ),
    responses(
        (status = 200, description = "The submitted evaluation", body = EvaluationResponse),
        (status = 409, description = "The evaluation is already submitted", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 412, description = "The evaluation changed since the given `ETag`", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "Questions or steps are missing; `missing` lists them", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/submit")] // POST /api/v1/evaluations/{id}/submit
pub async fn submit_evaluation(
    state: web::Data<AppState>,
    caller: AuthUser,
    req: HttpRequest,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let current = editable(&state, &caller, id.into_inner()).await?;
    if current.status == Status::Submitted {
        return Err(submitted());
    }
    check_if_match(req.headers().get(header::IF_MATCH), &current)?;
    let missing = current.content.missing(instrument_of(&current)?);
    if !missing.is_empty() {
        let count = missing.len();
        return Err(ApiError::new(
            ErrorCode::IncompleteEvaluation,
            format!("The evaluation cannot be submitted yet: {count} item(s) are missing."),
        )
        .with_missing(missing));
    }
    let mut batch = state.db.batch();
    let done = evaluations::submit(&mut batch, &current, caller.id);
    audit::push(
        &mut batch,
        &caller,
        Change::new("evaluation.submitted", "evaluation", done.id)
            .at(done.institution_id)
            .details(serde_json::json!({"revision": done.revision})),
    );
    if state.db.write(batch).await? == Written::Nothing {
        return Err(lost_race(&state, current.id).await);
    }
    respond(HttpResponse::Ok(), done)
}
