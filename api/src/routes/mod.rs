//! The HTTP routes of `/api/v1`, one module per resource. Every handler is registered in the
//! tree of scopes of [`configure`] (those of evaluations and trajectories through their
//! modules' `configure_*`), which is also what puts it into the OpenAPI document. A handler's
//! own path is relative to its scope; the comment beside it gives the whole one.

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
use utoipa_actix_web::scope;
use utoipa_actix_web::service_config::ServiceConfig;

/// The routes of `/api/v1`, as a tree of scopes by their leading segments. A request is
/// matched only against the routes of the scopes whose prefix it has, and a static prefix costs
/// a comparison where a pattern with a parameter costs a regular expression: as a flat list,
/// `/institutions/{id}/progress` was tried against some twenty-five patterns with parameters
/// before its own, twice per request (once for its route label in logs and metrics, once to
/// route it). Each `/{id}` scope holds the routes of one item, so the item's id is matched once.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(auth::create_token)
        .service(
            scope("/me")
                .service(auth::get_me)
                .service(users::change_password),
        )
        .service(
            scope("/users")
                .service(users::create_user)
                .service(users::list_users)
                .service(
                    scope("/{id}")
                        .service(users::get_user)
                        .service(users::update_user)
                        .service(users::remove_user),
                ),
        )
        .service(
            scope("/instruments")
                .service(instruments::list_instruments)
                .service(instruments::get_instrument),
        )
        .service(
            scope("/institutions")
                .service(institutions::create_institution)
                .service(institutions::list_institutions)
                .service(
                    scope("/{id}")
                        .service(institutions::get_institution)
                        .service(institutions::update_institution)
                        .service(units::create_unit)
                        .service(units::list_units)
                        .service(members::add_member)
                        .service(members::list_members)
                        .service(members::remove_member)
                        .configure(evaluations::configure_institution)
                        .service(progress::institution_progress)
                        .service(action_points::create_action_point)
                        .service(action_points::list_action_points)
                        .service(audit::list_institution_audit),
                ),
        )
        .service(
            scope("/evaluations").service(scope("/{id}").configure(evaluations::configure_item)),
        )
        .service(
            scope("/trajectories")
                .configure(trajectories::configure_collection)
                .service(
                    scope("/{id}")
                        .configure(trajectories::configure_item)
                        .service(progress::trajectory_progress),
                ),
        )
        .service(
            scope("/action-points").service(
                scope("/{id}")
                    .service(action_points::get_action_point)
                    .service(action_points::update_action_point)
                    .service(action_points::delete_action_point),
            ),
        )
        .service(coach::coach_overview)
        .service(audit::list_audit);
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
