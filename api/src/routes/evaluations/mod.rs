//! Evaluations: a kerngroep's self-evaluation against an instrument, from draft to submitted,
//! its corrections, and comparisons between two of them. The request and response types live
//! here; each action has a file of its own.

mod compare;
mod corrections;
mod create;
mod delete;
mod dto;
mod get;
mod list;
mod submit;
mod update;

pub use dto::*;

use crate::auth::{Access, AuthUser};
use crate::db::evaluations::{self, Evaluation};
use crate::error::{ApiError, ApiResult};
use crate::startup::AppState;
use actix_web::HttpResponse;
use actix_web::http::header;
use lobkader_domain::{Instrument, catalogue};
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

/// The routes of one evaluation, in the scope `/evaluations/{id}`.
pub fn configure_item(cfg: &mut ServiceConfig) {
    cfg.service(get::get_evaluation)
        .service(update::update_evaluation)
        .service(delete::delete_evaluation)
        .service(submit::submit_evaluation)
        .service(corrections::create_correction)
        .service(compare::compare_evaluations);
}

/// The routes of an institution's evaluations, in the scope `/institutions/{id}`.
pub fn configure_institution(cfg: &mut ServiceConfig) {
    cfg.service(create::create_evaluation)
        .service(list::list_evaluations);
}

/// The evaluation and how the caller sees it; if the caller may not see it, as if it did not
/// exist, 404. The sight of its institution is read in the query that reads the evaluation.
async fn visible_with(
    state: &AppState,
    caller: &AuthUser,
    id: Uuid,
) -> ApiResult<(Evaluation, Access)> {
    let (evaluation, sight) = evaluations::find_for(state.db.conn(), id, caller.id)
        .await?
        .ok_or_else(ApiError::not_found)?;
    Ok((evaluation, caller.access_from(sight)?))
}

/// The evaluation, if the caller may see it; otherwise, as if it did not exist, 404.
async fn visible(state: &AppState, caller: &AuthUser, id: Uuid) -> ApiResult<Evaluation> {
    Ok(visible_with(state, caller, id).await?.0)
}

/// The evaluation, if the caller may change it: visible, and the caller is of its kerngroep.
async fn editable(state: &AppState, caller: &AuthUser, id: Uuid) -> ApiResult<Evaluation> {
    let (evaluation, access) = visible_with(state, caller, id).await?;
    access.require_kerngroep()?;
    Ok(evaluation)
}

/// The instrument version an evaluation was made with.
fn instrument_of(evaluation: &Evaluation) -> ApiResult<&'static Instrument> {
    catalogue()
        .get(&evaluation.instrument_id, &evaluation.instrument_version)
        .ok_or_else(|| {
            ApiError::internal(format!(
                "evaluation {} names unknown instrument {} {}",
                evaluation.id, evaluation.instrument_id, evaluation.instrument_version
            ))
        })
}

/// The entity tag of an evaluation's current revision.
pub fn etag(evaluation: &Evaluation) -> String {
    format!("\"r{}\"", evaluation.revision)
}

/// An evaluation as a response with its `ETag`.
fn respond(
    mut builder: actix_web::HttpResponseBuilder,
    evaluation: Evaluation,
) -> ApiResult<HttpResponse> {
    let instrument = instrument_of(&evaluation)?;
    Ok(builder
        .insert_header((header::ETAG, etag(&evaluation)))
        .json(EvaluationResponse::new(evaluation, instrument)))
}
