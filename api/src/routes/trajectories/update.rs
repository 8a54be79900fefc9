//! Keeping a trajectory up to date (admins and its coaches).

use super::validate::{self, Errors};
use super::{TrajectoryResponse, UpdateTrajectoryRequest, visible};
use crate::auth::AuthUser;
use crate::db::audit::{self, Change};
use crate::db::trajectories::{self, TrajectoryChange};
use crate::error::{ApiError, ApiResult};
use crate::extract::ValidJson;
use crate::startup::AppState;
use actix_web::{patch, web};
use uuid::Uuid;

/// Change a trajectory: status, dates, targets, kerngroep, plan and work components (admins
/// and the trajectory's coaches; only admins change the coaches).
#[utoipa::path(
    tag = "trajectories",
    params(("id" = Uuid, Path, description = "The trajectory")),
    request_body = UpdateTrajectoryRequest,
    responses((status = 200, description = "The changed trajectory", body = TrajectoryResponse))
)]
#[patch("")] // PATCH /api/v1/trajectories/{id}
pub async fn update_trajectory(
    state: web::Data<AppState>,
    caller: AuthUser,
    id: web::Path<Uuid>,
    body: ValidJson<UpdateTrajectoryRequest>,
) -> ApiResult<web::Json<TrajectoryResponse>> {
    let (current, role) = visible(&state, &caller, id.into_inner()).await?;
    role.require_editor()?;
    let before = TrajectoryResponse::from(current.clone());
    let b = body.0;
    if b.coach_ids.is_some() {
        caller.require_admin()?;
    }
    let mut errors = Errors::default();
    let title = b
        .title
        .as_deref()
        .map(|t| validate::text(&mut errors, "title", t));
    validate::date(&mut errors, "start_date", b.start_date);
    validate::date(&mut errors, "planned_end_date", b.planned_end_date);
    validate::period(
        &mut errors,
        b.start_date.unwrap_or(current.start_date),
        b.planned_end_date.unwrap_or(current.planned_end_date),
    );
    if let Some(unit) = b.unit_id {
        validate::unit(&state, &mut errors, current.institution_id, unit).await?;
    }
    if let Some(coaches) = &b.coach_ids {
        validate::coaches(&state, &mut errors, coaches).await?;
    }
    if let Some(kerngroep) = &b.kerngroep {
        validate::kerngroep(&state, &mut errors, current.institution_id, kerngroep).await?;
    }
    let targets = b
        .targets
        .as_deref()
        .map(|t| validate::targets(&mut errors, t));
    let plan = b.plan.map(|p| p.map(|p| validate::plan(&mut errors, p)));
    let components = validate::components(&mut errors, &b.components);
    errors.finish()?;
    let change = TrajectoryChange {
        unit_id: b.unit_id,
        title,
        start_date: b.start_date,
        planned_end_date: b.planned_end_date,
        status: b.status,
        plan,
        coaches: b.coach_ids,
        kerngroep: b
            .kerngroep
            .map(|k| k.into_iter().map(|m| (m.user_id, m.function)).collect()),
        targets,
        components,
    };
    let tx = state.db.begin_write().await?;
    if !trajectories::update(&*tx, current.id, change).await? {
        return Err(ApiError::not_found());
    }
    let updated = TrajectoryResponse::from(
        trajectories::find(&*tx, current.id)
            .await?
            .ok_or_else(ApiError::not_found)?,
    );
    audit::record(
        &*tx,
        &caller,
        Change::new("trajectory.updated", "trajectory", current.id)
            .at(current.institution_id)
            .details(audit::diff(&before, &updated).map_err(ApiError::internal)?),
    )
    .await?;
    tx.commit().await?;
    Ok(web::Json(updated))
}
