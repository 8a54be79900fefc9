//! Starting a trajectory (admins).

use super::validate::{self, Errors};
use super::{CreateTrajectoryRequest, TrajectoryResponse};
use crate::auth::AuthUser;
use crate::db::audit::{self, Change};
use crate::db::institutions;
use crate::db::trajectories::{self, TrajectoryChange};
use crate::error::{ApiError, ApiResult};
use crate::extract::ValidJson;
use crate::startup::AppState;
use actix_web::{HttpResponse, post, web};

/// Start a Traject Borging LOB for an institution (admins only). Every work component of the
/// programme starts `not_started`.
#[utoipa::path(
    tag = "trajectories",
    request_body = CreateTrajectoryRequest,
    responses((status = 201, description = "The new trajectory", body = TrajectoryResponse))
)]
#[post("")] // POST /api/v1/trajectories
pub async fn create_trajectory(
    state: web::Data<AppState>,
    caller: AuthUser,
    body: ValidJson<CreateTrajectoryRequest>,
) -> ApiResult<HttpResponse> {
    caller.require_admin()?;
    let b = body.0;
    if institutions::find(state.db.conn(), b.institution_id)
        .await?
        .is_none()
    {
        return Err(ApiError::field(
            "institution_id",
            "no institution has this id",
        ));
    }
    let mut errors = Errors::default();
    let title = validate::text(&mut errors, "title", &b.title);
    validate::date(&mut errors, "start_date", Some(b.start_date));
    validate::date(&mut errors, "planned_end_date", Some(b.planned_end_date));
    validate::period(&mut errors, b.start_date, b.planned_end_date);
    validate::unit(&state, &mut errors, b.institution_id, b.unit_id).await?;
    validate::coaches(&state, &mut errors, &b.coach_ids).await?;
    validate::kerngroep(&state, &mut errors, b.institution_id, &b.kerngroep).await?;
    let targets = validate::targets(&mut errors, &b.targets);
    let plan = b.plan.map(|p| validate::plan(&mut errors, p));
    errors.finish()?;
    let change = TrajectoryChange {
        unit_id: Some(b.unit_id),
        status: b.status,
        plan: Some(plan),
        coaches: Some(b.coach_ids),
        kerngroep: Some(
            b.kerngroep
                .into_iter()
                .map(|k| (k.user_id, k.function))
                .collect(),
        ),
        targets: Some(targets),
        ..Default::default()
    };
    let tx = state.db.begin_write().await?;
    let id = trajectories::create(
        &*tx,
        b.institution_id,
        caller.id,
        change,
        title,
        b.start_date,
        b.planned_end_date,
    )
    .await?;
    let created = trajectories::find(&*tx, id)
        .await?
        .ok_or_else(|| ApiError::internal("created trajectory vanished"))?;
    audit::record(
        &*tx,
        &caller,
        Change::new("trajectory.created", "trajectory", id)
            .at(created.institution_id)
            .details(serde_json::json!({"title": created.title})),
    )
    .await?;
    tx.commit().await?;
    Ok(HttpResponse::Created()
        .insert_header(("Location", format!("/api/v1/trajectories/{id}")))
        .json(TrajectoryResponse::from(created)))
}
