//! The evaluation history of an institution.

use super::EvaluationSummary;
use crate::auth::AuthUser;
use crate::db::{evaluations, institutions};
use crate::error::{ApiError, ApiResult};
use crate::extract::{Page, ValidQuery};
use crate::routes::Paged;
use crate::schema;
use crate::startup::AppState;
use actix_web::{get, web};
use lobkader_domain::{SchoolYear, Status};
use serde::Deserialize;
use utoipa::IntoParams;
use uuid::Uuid;

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct HistoryQuery {
    /// Only drafts or only submitted evaluations.
    #[param(value_type = Option<schema::EvaluationStatus>)]
    pub status: Option<Status>,
    /// Only this school year, e.g. `2025-2026`.
    #[param(value_type = Option<String>, example = "2025-2026")]
    pub school_year: Option<SchoolYear>,
    /// Only evaluations about this unit.
    pub unit_id: Option<Uuid>,
    /// Only the measurement moments of this trajectory.
    pub trajectory_id: Option<Uuid>,
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u64>,
    #[param(minimum = 0, maximum = 1_000_000_000)]
    pub offset: Option<u64>,
}

/// The evaluations of an institution, newest reference date first.
#[utoipa::path(
    tag = "evaluations",
    params(("id" = Uuid, Path, description = "The institution"), HistoryQuery),
    responses((status = 200, description = "A page of evaluations", body = Paged<EvaluationSummary>))
)]
#[get("/institutions/{id}/evaluations")]
pub async fn list_evaluations(
    state: web::Data<AppState>,
    caller: AuthUser,
    id: web::Path<Uuid>,
    query: ValidQuery<HistoryQuery>,
) -> ApiResult<web::Json<Paged<EvaluationSummary>>> {
    let institution = id.into_inner();
    caller.access_to(&state.db, institution).await?;
    institutions::find(state.db.conn(), institution)
        .await?
        .ok_or_else(ApiError::not_found)?;
    let q = query.0;
    let (offset, limit) = Page {
        limit: q.limit,
        offset: q.offset,
    }
    .resolve()?;
    let filter = evaluations::ListFilter {
        status: q.status,
        school_year: q.school_year,
        unit_id: q.unit_id,
        trajectory_id: q.trajectory_id,
    };
    let (items, total) =
        evaluations::list(state.db.conn(), institution, &filter, offset, limit).await?;
    Ok(web::Json(Paged {
        items: items.into_iter().map(Into::into).collect(),
        total,
        limit,
        offset,
    }))
}
