//! Changing a draft under optimistic concurrency: the caller names the revision they saw in
//! `If-Match`, and a change made meanwhile by someone else answers 412 instead of being lost.

use super::create::{check_trajectory, check_unit};
use super::delete::submitted;
use super::{EvaluationResponse, UpdateEvaluationRequest, editable, etag, instrument_of, respond};
use crate::auth::AuthUser;
use crate::db::audit::{self, Change};
use crate::db::batch::Written;
use crate::db::evaluations::{self, Evaluation, MetadataChange};
use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::extract::ValidJson;
use crate::startup::AppState;
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, patch, web};
use lobkader_domain::evaluation::{check_patch, check_reference_date};
use lobkader_domain::{AnswerEntry, LevelEntry, Status};
use uuid::Uuid;

/// Change a draft: answers, step levels and metadata. Needs `If-Match` with the current `ETag`.
#[utoipa::path(
    tag = "evaluations",
    params(
        ("id" = Uuid, Path, description = "The evaluation"),
        ("If-Match" = String, Header, description = "The `ETag` of the revision the change is based on"),
    ),
    request_body = UpdateEvaluationRequest,
    responses(
        (status = 200, description = "The changed evaluation, with its new `ETag`", body = EvaluationResponse,
         headers(("ETag" = String, description = "The new revision"))),
        (status = 409, description = "The evaluation is submitted", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 412, description = "The evaluation changed since the given `ETag`", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 428, description = "`If-Match` is missing", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[patch("")] // PATCH /api/v1/evaluations/{id}
pub async fn update_evaluation(
    state: web::Data<AppState>,
    caller: AuthUser,
    req: HttpRequest,
    id: web::Path<Uuid>,
    body: ValidJson<UpdateEvaluationRequest>,
) -> ApiResult<HttpResponse> {
    let current = editable(&state, &caller, id.into_inner()).await?;
    if current.status == Status::Submitted {
        return Err(submitted());
    }
    require_if_match(&req, &current)?;
    let b = body.0;
    let instrument = instrument_of(&current)?;
    let answers: Vec<AnswerEntry> = b.answers.into_iter().map(Into::into).collect();
    let levels: Vec<LevelEntry> = b.levels.into_iter().map(Into::into).collect();
    check_patch(instrument, &answers, &levels)
        .map_err(|errors| ApiError::validation(errors.into_iter().map(Into::into).collect()))?;
    if let Some(date) = b.reference_date {
        check_reference_date(date)?;
    }
    if let Some(Some(trajectory)) = b.trajectory_id {
        check_trajectory(&state, current.institution_id, trajectory).await?;
    }
    if let Some(Some(unit)) = b.unit_id {
        check_unit(&state, current.institution_id, unit, "unit_id").await?;
    }
    let meta = MetadataChange {
        reference_date: b.reference_date,
        moment: b.moment,
        unit_id: b.unit_id,
        title: b
            .title
            .map(|t| t.map(|t| t.trim().to_owned()).filter(|t| !t.is_empty())),
        participants: b
            .participants
            .map(|p| p.into_iter().map(Into::into).collect()),
        trajectory_id: b.trajectory_id,
    };
    let fields = meta.names();
    let mut batch = state.db.batch();
    let updated = evaluations::apply_change(&mut batch, &current, meta, &answers, &levels)?;
    audit::push(
        &mut batch,
        &caller,
        Change::new("evaluation.updated", "evaluation", updated.id)
            .at(updated.institution_id)
            .details(serde_json::json!({
                "revision": updated.revision,
                "fields": fields,
                "answers": answers.iter().map(|a| &a.question_id).collect::<Vec<_>>(),
                "levels": levels.iter().map(|l| l.step).collect::<Vec<_>>(),
            })),
    );
    if state.db.write(batch).await? == Written::Nothing {
        return Err(lost_race(&state, current.id).await);
    }
    respond(HttpResponse::Ok(), updated)
}

/// Checks that `If-Match` names the current revision: 428 when the header is missing, 412 when
/// it names another revision. `*` accepts whatever revision is current. The write that follows
/// is guarded by the revision read, so a change made meanwhile still answers 412.
pub fn require_if_match(req: &HttpRequest, current: &Evaluation) -> ApiResult<()> {
    let value = req.headers().get(header::IF_MATCH).ok_or_else(|| {
        ApiError::new(
            ErrorCode::PreconditionRequired,
            "Changing an evaluation needs an `If-Match` header with the `ETag` you last read.",
        )
    })?;
    check_if_match(Some(value), current)
}

/// Like [`require_if_match`], but without the header the current revision is taken.
pub fn check_if_match(value: Option<&header::HeaderValue>, current: &Evaluation) -> ApiResult<()> {
    let Some(value) = value else {
        return Ok(());
    };
    let stale = || {
        ApiError::new(
            ErrorCode::PreconditionFailed,
            "The evaluation was changed since you read it; read it again and reapply your change.",
        )
    };
    let text = value.to_str().map_err(|_| stale())?;
    let ours = etag(current);
    let matches = text
        .split(',')
        .map(str::trim)
        .any(|tag| tag == "*" || tag == ours);
    if matches { Ok(()) } else { Err(stale()) }
}

/// Why a guarded update changed nothing: the evaluation was submitted, deleted or changed meanwhile.
pub async fn lost_race(state: &AppState, id: Uuid) -> ApiError {
    match evaluations::find(state.db.conn(), id).await {
        Ok(Some(e)) if e.status == Status::Submitted => submitted(),
        Ok(Some(_)) => ApiError::new(
            ErrorCode::PreconditionFailed,
            "The evaluation was changed since you read it; read it again and reapply your change.",
        ),
        Ok(None) => ApiError::not_found(),
        Err(e) => e.into(),
    }
}
