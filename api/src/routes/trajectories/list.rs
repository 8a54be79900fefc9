//! Listing the trajectories the caller may see.

use super::TrajectoryResponse;
use crate::auth::AuthUser;
use crate::db::trajectories::{self, ListFilter, Visible};
use crate::error::ApiResult;
use crate::extract::{Page, ValidQuery};
use crate::routes::Paged;
use crate::schema;
use crate::startup::AppState;
use actix_web::{get, web};
use lobkader_domain::trajectory::TrajectoryStatus;
use serde::Deserialize;
use utoipa::IntoParams;
use uuid::Uuid;

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct TrajectoryQuery {
    pub institution_id: Option<Uuid>,
    #[param(value_type = Option<schema::TrajectoryStatus>)]
    pub status: Option<TrajectoryStatus>,
    pub coach_id: Option<Uuid>,
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u64>,
    #[param(minimum = 0, maximum = 1_000_000_000)]
    pub offset: Option<u64>,
}

/// The trajectories the caller may see (admins: all; coaches: their own; members: their
/// institution's), newest start first.
#[utoipa::path(
    tag = "trajectories",
    params(TrajectoryQuery),
    responses((status = 200, description = "A page of trajectories", body = Paged<TrajectoryResponse>))
)]
#[get("")] // GET /api/v1/trajectories
pub async fn list_trajectories(
    state: web::Data<AppState>,
    caller: AuthUser,
    query: ValidQuery<TrajectoryQuery>,
) -> ApiResult<web::Json<Paged<TrajectoryResponse>>> {
    let q = query.0;
    let (offset, limit) = Page {
        limit: q.limit,
        offset: q.offset,
    }
    .resolve()?;
    let visible = if caller.is_admin() {
        Visible::All
    } else {
        Visible::For(caller.id)
    };
    let filter = ListFilter {
        institution_id: q.institution_id,
        status: q.status,
        coach_id: q.coach_id,
    };
    let (items, total) =
        trajectories::list(state.db.conn(), visible, &filter, offset, limit).await?;
    Ok(Paged::of(items, total, limit, offset))
}
