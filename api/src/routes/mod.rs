//! The HTTP routes of `/api/v1`, one module per resource. Every handler is registered with
//! `.service(...)` here, which is also what puts it into the OpenAPI document.

pub mod action_points;
pub mod audit;
pub mod auth;
pub mod coach;
pub mod evaluations;
pub mod health;
pub mod institutions;
pub mod instruments;
pub mod members;
pub mod metrics;
pub mod progress;
pub mod trajectories;
pub mod units;
pub mod users;

use crate::error::{ApiError, ApiResult};
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(auth::create_token)
        .service(auth::get_me)
        .service(users::create_user)
        .service(users::list_users)
        .service(users::get_user)
        .service(users::update_user)
        .service(users::remove_user)
        .service(users::change_password)
        .service(instruments::list_instruments)
        .service(instruments::get_instrument)
        .service(institutions::create_institution)
        .service(institutions::list_institutions)
        .service(institutions::get_institution)
        .service(institutions::update_institution)
        .service(units::create_unit)
        .service(units::list_units)
        .service(members::add_member)
        .service(members::list_members)
        .service(members::remove_member)
        .configure(evaluations::configure)
        .configure(trajectories::configure)
        .service(progress::institution_progress)
        .service(progress::trajectory_progress)
        .service(action_points::create_action_point)
        .service(action_points::list_action_points)
        .service(action_points::get_action_point)
        .service(action_points::update_action_point)
        .service(action_points::delete_action_point)
        .service(coach::coach_overview)
        .service(audit::list_audit)
        .service(audit::list_institution_audit);
}

/// One page of a list.
#[derive(Debug, Serialize, ToSchema)]
pub struct Paged<T> {
    pub items: Vec<T>,
    /// How many items there are in all.
    pub total: u64,
    pub limit: u64,
    pub offset: u64,
}

impl<T> Paged<T> {
    /// The page of `items` (as their response type) out of `total`, for a JSON answer.
    pub fn of<U: Into<T>>(
        items: Vec<U>,
        total: u64,
        limit: u64,
        offset: u64,
    ) -> actix_web::web::Json<Self> {
        actix_web::web::Json(Paged {
            items: items.into_iter().map(Into::into).collect(),
            total,
            limit,
            offset,
        })
    }
}

/// The instrument that progress, targets and action points are about.
pub(crate) const INSTRUMENT: &str = "kwaliteitskader-lob";

/// [`INSTRUMENT`] as the catalogue has it, in its latest version.
pub(crate) fn instrument() -> ApiResult<&'static lobkader_domain::Instrument> {
    lobkader_domain::catalogue()
        .latest(INSTRUMENT)
        .ok_or_else(|| ApiError::internal("instrument missing"))
}
