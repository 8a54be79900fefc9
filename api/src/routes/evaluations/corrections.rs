//! Corrections: history is never rewritten, so a mistake in a submitted evaluation is fixed by
//! a new draft that copies it and records which evaluation it supersedes.

use super::{EvaluationResponse, editable, respond};
use crate::auth::AuthUser;
use crate::db::audit::{self, Change};
use crate::db::evaluations;
use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::startup::AppState;
use actix_web::{HttpResponse, post, web};
use lobkader_domain::Status;
use uuid::Uuid;

/// Start a correction of a submitted evaluation: a new draft with the same content and
/// metadata that, once submitted, replaces the original in timelines.
#[utoipa::path(
    tag = "evaluations",
    params(("id" = Uuid, Path, description = "The submitted evaluation to correct")),
    responses(
        (status = 201, description = "The correction draft", body = EvaluationResponse,
         headers(("ETag" = String, description = "The revision, for `If-Match`"))),
        (status = 409, description = "The evaluation is a draft, or already has a correction", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/corrections")] // POST /api/v1/evaluations/{id}/corrections
pub async fn create_correction(
    state: web::Data<AppState>,
    caller: AuthUser,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let original = editable(&state, &caller, id.into_inner()).await?;
    if original.status != Status::Submitted {
        return Err(ApiError::new(
            ErrorCode::Conflict,
            "Only a submitted evaluation can be corrected; a draft can simply be changed.",
        ));
    }
    if let Some(existing) = original.superseded_by {
        return Err(already_corrected(existing));
    }
    let mut batch = state.db.batch();
    let created = evaluations::create(
        &mut batch,
        evaluations::NewEvaluation {
            institution_id: original.institution_id,
            unit_id: original.unit_id,
            instrument_id: original.instrument_id.clone(),
            instrument_version: original.instrument_version.clone(),
            reference_date: original.reference_date,
            moment: original.moment,
            title: original.title.clone(),
            participants: original.participants.clone(),
            supersedes_id: Some(original.id),
            trajectory_id: original.trajectory_id,
            created_by: caller.id,
            content: original.content.clone(),
        },
    )?;
    audit::push(
        &mut batch,
        &caller,
        Change::new("evaluation.correction_started", "evaluation", created.id)
            .at(created.institution_id)
            .details(serde_json::json!({"supersedes_id": original.id})),
    );
    state
        .db
        .write(batch)
        .await
        .map_err(|e| ApiError::unique(e, "This evaluation already has a correction."))?;
    let id = created.id;
    respond(
        HttpResponse::Created()
            .insert_header(("Location", format!("/api/v1/evaluations/{id}")))
            .take(),
        created,
    )
}

fn already_corrected(existing: Uuid) -> ApiError {
    ApiError::new(
        ErrorCode::Conflict,
        format!("This evaluation already has a correction: {existing}."),
    )
}
