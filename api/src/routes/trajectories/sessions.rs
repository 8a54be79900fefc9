//! Coaching sessions (bijeenkomsten) of a trajectory.

use super::validate::{self, Errors};
use super::{CreateSessionRequest, SessionResponse, visible};
use crate::auth::AuthUser;
use crate::db::audit::{self, Change};
use crate::db::trajectories;
use crate::error::ApiResult;
use crate::extract::ValidJson;
use crate::startup::AppState;
use actix_web::{HttpResponse, get, post, web};
use lobkader_domain::Participant;
use uuid::Uuid;

/// Record a coaching session (admins and the trajectory's coaches).
#[utoipa::path(
    tag = "trajectories",
    params(("id" = Uuid, Path, description = "The trajectory")),
    request_body = CreateSessionRequest,
    responses((status = 201, description = "The recorded session", body = SessionResponse))
)]
#[post("/sessions")] // POST /api/v1/trajectories/{id}/sessions
pub async fn create_session(
    state: web::Data<AppState>,
    caller: AuthUser,
    id: web::Path<Uuid>,
    body: ValidJson<CreateSessionRequest>,
) -> ApiResult<HttpResponse> {
    let (trajectory, role) = visible(&state, &caller, id.into_inner()).await?;
    role.require_editor()?;
    let b = body.0;
    let mut errors = Errors::default();
    validate::date(&mut errors, "held_on", Some(b.held_on));
    let summary = validate::text(&mut errors, "summary", &b.summary);
    errors.finish()?;
    let participants: Vec<Participant> = b.participants.into_iter().map(Into::into).collect();
    let agreements = b
        .agreements
        .map(|a| a.trim().to_owned())
        .filter(|a| !a.is_empty());
    let tx = state.db.begin_write().await?;
    let session = trajectories::create_session(
        &*tx,
        trajectory.id,
        b.held_on,
        &participants,
        summary,
        agreements,
        caller.id,
    )
    .await?;
    audit::record(
        &*tx,
        &caller,
        Change::new("trajectory.session_added", "trajectory", trajectory.id)
            .at(trajectory.institution_id)
            .details(serde_json::json!({"session_id": session.id, "held_on": session.held_on})),
    )
    .await?;
    tx.commit().await?;
    Ok(HttpResponse::Created().json(SessionResponse::from(session)))
}

/// The coaching sessions of a trajectory, oldest first.
#[utoipa::path(
    tag = "trajectories",
    params(("id" = Uuid, Path, description = "The trajectory")),
    responses((status = 200, description = "The sessions", body = Vec<SessionResponse>))
)]
#[get("/sessions")] // GET /api/v1/trajectories/{id}/sessions
pub async fn list_sessions(
    state: web::Data<AppState>,
    caller: AuthUser,
    id: web::Path<Uuid>,
) -> ApiResult<web::Json<Vec<SessionResponse>>> {
    let (trajectory, _) = visible(&state, &caller, id.into_inner()).await?;
    let sessions = trajectories::sessions_of(state.db.conn(), trajectory.id).await?;
    Ok(web::Json(sessions.into_iter().map(Into::into).collect()))
}
