//! Starting a draft evaluation for an institution.

use super::{CreateEvaluationRequest, EvaluationResponse, respond};
use crate::auth::AuthUser;
use crate::db::audit::{self, Change};
use crate::db::{evaluations, institutions, trajectories};
use crate::error::{ApiError, ApiResult};
use crate::extract::ValidJson;
use crate::startup::AppState;
use actix_web::{HttpResponse, post, web};
use lobkader_domain::{Content, catalogue};
use uuid::Uuid;

/// Start a draft evaluation (admins and members of the institution).
#[utoipa::path(
    tag = "evaluations",
    params(("id" = Uuid, Path, description = "The institution")),
    request_body = CreateEvaluationRequest,
    responses(
        (status = 201, description = "The new draft, with its `ETag`", body = EvaluationResponse,
         headers(("ETag" = String, description = "The revision, for `If-Match` on later changes"))),
    )
)]
#[post("/evaluations")] // POST /api/v1/institutions/{id}/evaluations
pub async fn create_evaluation(
    state: web::Data<AppState>,
    caller: AuthUser,
    id: web::Path<Uuid>,
    body: ValidJson<CreateEvaluationRequest>,
) -> ApiResult<HttpResponse> {
    let institution = id.into_inner();
    caller.kerngroep_of(&state.db, institution).await?;
    let b = body.0;
    lobkader_domain::evaluation::check_reference_date(b.reference_date)?;
    let instrument = match &b.instrument_version {
        Some(v) => catalogue().get(&b.instrument_id, v),
        None => catalogue().latest(&b.instrument_id),
    }
    .ok_or_else(|| ApiError::field("instrument_id", "no instrument with this id and version"))?;
    if let Some(unit) = b.unit_id {
        check_unit(&state, institution, unit, "unit_id").await?;
    }
    if let Some(trajectory) = b.trajectory_id {
        check_trajectory(&state, institution, trajectory).await?;
    }
    let mut batch = state.db.batch();
    let created = evaluations::create(
        &mut batch,
        evaluations::NewEvaluation {
            institution_id: institution,
            unit_id: b.unit_id,
            instrument_id: instrument.id.clone(),
            instrument_version: instrument.version.clone(),
            reference_date: b.reference_date,
            moment: b.moment,
            title: b
                .title
                .map(|t| t.trim().to_owned())
                .filter(|t| !t.is_empty()),
            participants: b.participants.into_iter().map(Into::into).collect(),
            supersedes_id: None,
            trajectory_id: b.trajectory_id,
            created_by: caller.id,
            content: Content::default(),
        },
    )?;
    audit::push(
        &mut batch,
        &caller,
        Change::new("evaluation.created", "evaluation", created.id)
            .at(institution)
            .details(serde_json::json!({
                "reference_date": created.reference_date,
                "moment": created.moment.id(),
                "trajectory_id": created.trajectory_id,
            })),
    );
    state.db.write(batch).await?;
    let id = created.id;
    respond(
        HttpResponse::Created()
            .insert_header(("Location", format!("/api/v1/evaluations/{id}")))
            .take(),
        created,
    )
}

/// 422 unless `trajectory` is a trajectory of `institution`.
pub async fn check_trajectory(
    state: &AppState,
    institution: Uuid,
    trajectory: Uuid,
) -> ApiResult<()> {
    match trajectories::find(state.db.conn(), trajectory).await? {
        Some(t) if t.institution_id == institution => Ok(()),
        _ => Err(ApiError::field(
            "trajectory_id",
            "not a trajectory of this institution",
        )),
    }
}

/// 422 unless `unit` is a unit of `institution`.
pub async fn check_unit(
    state: &AppState,
    institution: Uuid,
    unit: Uuid,
    field: &str,
) -> ApiResult<()> {
    match institutions::find_unit(state.db.conn(), unit).await? {
        Some(u) if u.institution_id == institution => Ok(()),
        _ => Err(ApiError::field(field, "not a unit of this institution")),
    }
}
