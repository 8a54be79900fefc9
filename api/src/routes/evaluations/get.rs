//! Reading one evaluation in full.

use super::{EvaluationResponse, respond, visible};
use crate::auth::AuthUser;
use crate::error::ApiResult;
use crate::startup::AppState;
use actix_web::{HttpResponse, get, web};
use uuid::Uuid;

/// One evaluation with its answers, levels, hints and what is missing; the `ETag` header
/// carries its revision for `If-Match`.
#[utoipa::path(
    tag = "evaluations",
    params(("id" = Uuid, Path, description = "The evaluation")),
    responses((status = 200, description = "The evaluation", body = EvaluationResponse,
               headers(("ETag" = String, description = "The revision, for `If-Match`"))))
)]
#[get("")] // GET /api/v1/evaluations/{id}
pub async fn get_evaluation(
    state: web::Data<AppState>,
    caller: AuthUser,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let evaluation = visible(&state, &caller, id.into_inner()).await?;
    respond(HttpResponse::Ok(), evaluation)
}
