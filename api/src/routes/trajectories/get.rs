//! Reading one trajectory.

use super::{TrajectoryResponse, visible};
use crate::auth::AuthUser;
use crate::error::ApiResult;
use crate::startup::AppState;
use actix_web::{get, web};
use uuid::Uuid;

/// One trajectory with its coaches, kerngroep, targets, work components and plan.
#[utoipa::path(
    tag = "trajectories",
    params(("id" = Uuid, Path, description = "The trajectory")),
    responses((status = 200, description = "The trajectory", body = TrajectoryResponse))
)]
#[get("")] // GET /api/v1/trajectories/{id}
pub async fn get_trajectory(
    state: web::Data<AppState>,
    caller: AuthUser,
    id: web::Path<Uuid>,
) -> ApiResult<web::Json<TrajectoryResponse>> {
    let (trajectory, _) = visible(&state, &caller, id.into_inner()).await?;
    Ok(web::Json(trajectory.into()))
}
