//! Deleting a draft. Submitted evaluations are history and are never deleted.

use super::editable;
use crate::auth::AuthUser;
use crate::db::audit::{self, Change};
use crate::db::evaluations;
use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::startup::AppState;
use actix_web::{HttpResponse, delete, web};
use uuid::Uuid;

/// Delete a draft evaluation.
#[utoipa::path(
    tag = "evaluations",
    params(("id" = Uuid, Path, description = "The evaluation")),
    responses(
        (status = 204, description = "The draft is deleted"),
        (status = 409, description = "The evaluation is submitted and cannot be deleted", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[delete("")] // DELETE /api/v1/evaluations/{id}
pub async fn delete_evaluation(
    state: web::Data<AppState>,
    caller: AuthUser,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let evaluation = editable(&state, &caller, id.into_inner()).await?;
    let tx = state.db.begin_write().await?;
    if !evaluations::delete_draft(&*tx, evaluation.id).await? {
        return Err(submitted());
    }
    audit::record(
        &*tx,
        &caller,
        Change::new("evaluation.deleted", "evaluation", evaluation.id)
            .at(evaluation.institution_id)
            .details(serde_json::json!({"revision": evaluation.revision})),
    )
    .await?;
    tx.commit().await?;
    Ok(HttpResponse::NoContent().finish())
}

pub fn submitted() -> ApiError {
    ApiError::new(
        ErrorCode::EvaluationSubmitted,
        "The evaluation is submitted and can no longer change; start a correction instead.",
    )
}
