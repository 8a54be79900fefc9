//! Trajectories of the Traject Borging LOB: admins start them and assign coaches; the
//! assigned coaches keep them up to date (status, components, targets, plan, sessions);
//! members of the institution read them. Anyone else finds nothing: 404.

mod create;
mod dto;
mod get;
mod list;
mod sessions;
mod update;
mod validate;

pub use dto::*;

use crate::auth::AuthUser;
use crate::db::{trajectories, users};
use crate::error::{ApiError, ApiResult};
use crate::startup::AppState;
use trajectories::Trajectory;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

/// The routes of the trajectories as a whole, in the scope `/trajectories`.
pub fn configure_collection(cfg: &mut ServiceConfig) {
    cfg.service(create::create_trajectory)
        .service(list::list_trajectories);
}

/// The routes of one trajectory, in the scope `/trajectories/{id}`.
pub fn configure_item(cfg: &mut ServiceConfig) {
    cfg.service(get::get_trajectory)
        .service(update::update_trajectory)
        .service(sessions::create_session)
        .service(sessions::list_sessions);
}

/// How the caller relates to a trajectory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Admin,
    /// One of its assigned coaches.
    Coach,
    /// A member of its institution.
    Member,
}

impl Role {
    /// Admins and assigned coaches keep a trajectory up to date; members read it (403).
    pub fn require_editor(self) -> ApiResult<()> {
        match self {
            Role::Admin | Role::Coach => Ok(()),
            Role::Member => Err(ApiError::new(
                crate::error::ErrorCode::Forbidden,
                "Only the trajectory's coaches and admins change it.",
            )),
        }
    }
}

/// The trajectory and how the caller may see it; 404 when the caller may not.
pub async fn visible(
    state: &AppState,
    caller: &AuthUser,
    id: Uuid,
) -> ApiResult<(Trajectory, Role)> {
    let trajectory = trajectories::find(state.db.conn(), id)
        .await?
        .ok_or_else(ApiError::not_found)?;
    let role = if caller.is_admin() {
        Role::Admin
    } else if trajectory.coaches.contains(&caller.id) {
        Role::Coach
    } else if users::is_member(state.db.conn(), caller.id, trajectory.institution_id).await? {
        Role::Member
    } else {
        return Err(ApiError::not_found());
    };
    Ok((trajectory, role))
}
