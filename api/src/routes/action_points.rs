//! Action points: what the kerngroep (or its coach) decided to do about a step or question,
//! with an owner, a due date and a status.

use crate::auth::AuthUser;
use crate::db::action_points::{self, ActionPoint, Fields, ListFilter};
use crate::db::audit::{self, Change};
use crate::db::{evaluations, trajectories, users};
use crate::error::{ApiError, ApiResult, FieldError};
use crate::extract::{Page, ValidJson, ValidQuery};
use crate::routes::Paged;
use crate::routes::institutions::double_option;
use crate::schema;
use crate::startup::AppState;
use actix_web::{HttpResponse, delete, get, patch, post, web};
use chrono::{DateTime, Datelike, NaiveDate, Utc};
use lobkader_domain::trajectory::ActionStatus;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use validator::Validate;

#[derive(Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateActionPointRequest {
    #[validate(range(min = 1, max = 99))]
    #[schema(minimum = 1, maximum = 99, example = 2)]
    pub step: u8,
    /// A checklist question of that step, e.g. `2.3`.
    #[validate(length(min = 1, max = 20))]
    #[schema(min_length = 1, max_length = 20, example = "2.3")]
    pub question_id: Option<String>,
    pub evaluation_id: Option<Uuid>,
    pub trajectory_id: Option<Uuid>,
    #[validate(length(min = 1, max = 4000))]
    #[schema(
        min_length = 1,
        max_length = 4000,
        example = "Loopbaangesprekken in leerjaar 2 inroosteren"
    )]
    pub description: String,
    /// A member of the institution.
    pub owner_id: Option<Uuid>,
    #[serde(default, deserialize_with = "crate::extract::optional_date")]
    pub due_date: Option<NaiveDate>,
    /// `open` when absent.
    #[schema(value_type = Option<schema::ActionStatus>)]
    pub status: Option<ActionStatus>,
}

/// A partial change; `null` clears an optional field.
#[derive(Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateActionPointRequest {
    #[validate(range(min = 1, max = 99))]
    #[schema(minimum = 1, maximum = 99)]
    pub step: Option<u8>,
    #[serde(default, deserialize_with = "double_option")]
    #[validate(length(min = 1, max = 20))]
    #[schema(value_type = Option<String>, min_length = 1, max_length = 20)]
    pub question_id: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<Uuid>)]
    pub evaluation_id: Option<Option<Uuid>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<Uuid>)]
    pub trajectory_id: Option<Option<Uuid>>,
    #[validate(length(min = 1, max = 4000))]
    #[schema(min_length = 1, max_length = 4000)]
    pub description: Option<String>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<Uuid>)]
    pub owner_id: Option<Option<Uuid>>,
    #[serde(default, deserialize_with = "crate::extract::changed_date")]
    #[schema(value_type = Option<NaiveDate>)]
    pub due_date: Option<Option<NaiveDate>>,
    #[schema(value_type = Option<schema::ActionStatus>)]
    pub status: Option<ActionStatus>,
}

#[derive(Serialize, ToSchema)]
pub struct ActionPointResponse {
    pub id: Uuid,
    pub institution_id: Uuid,
    pub step: u8,
    pub question_id: Option<String>,
    pub evaluation_id: Option<Uuid>,
    pub trajectory_id: Option<Uuid>,
    pub description: String,
    pub owner_id: Option<Uuid>,
    pub due_date: Option<NaiveDate>,
    #[schema(value_type = schema::ActionStatus)]
    pub status: ActionStatus,
    /// Open or in progress and past its due date.
    pub overdue: bool,
    pub created_by: Uuid,
    pub created_at: DateTime<Utc>,
    pub updated_by: Uuid,
    pub updated_at: DateTime<Utc>,
}

impl From<ActionPoint> for ActionPointResponse {
    fn from(a: ActionPoint) -> Self {
        let today = Utc::now().date_naive();
        ActionPointResponse {
            overdue: a.status.is_open() && a.due_date.is_some_and(|d| d < today),
            id: a.id,
            institution_id: a.institution_id,
            step: a.step,
            question_id: a.question_id,
            evaluation_id: a.evaluation_id,
            trajectory_id: a.trajectory_id,
            description: a.description,
            owner_id: a.owner_id,
            due_date: a.due_date,
            status: a.status,
            created_by: a.created_by,
            created_at: a.created_at,
            updated_by: a.updated_by,
            updated_at: a.updated_at,
        }
    }
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ActionPointQuery {
    #[param(value_type = Option<schema::ActionStatus>)]
    pub status: Option<ActionStatus>,
    /// Only points about this step.
    #[param(minimum = 1, maximum = 99)]
    pub step: Option<u8>,
    pub trajectory_id: Option<Uuid>,
    /// Only open or in-progress points past their due date.
    pub overdue: Option<bool>,
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u64>,
    #[param(minimum = 0, maximum = 1_000_000_000)]
    pub offset: Option<u64>,
}

/// Checks the links and the owner of an action point of `institution`; every problem at once.
async fn checked(state: &AppState, institution: Uuid, f: Fields) -> ApiResult<Fields> {
    let mut errors = Vec::new();
    let mut reject = |field: &str, message: &str| {
        errors.push(FieldError {
            field: field.into(),
            message: message.into(),
        })
    };
    let instrument = super::instrument()?;
    if instrument.step(f.step).is_none() {
        reject("step", "not a step of the Kwaliteitskader LOB");
    }
    if let Some(q) = &f.question_id
        && instrument
            .question(q)
            .is_none_or(|(s, _)| s.number != f.step)
    {
        reject("question_id", "not a question of this step");
    }
    if f.description.trim().is_empty() {
        reject("description", "must not be blank");
    }
    if f.due_date
        .is_some_and(|d| !(2000..=2099).contains(&d.year()))
    {
        reject(
            "due_date",
            "must be a date between 2000-01-01 and 2099-12-31",
        );
    }
    if let Some(e) = f.evaluation_id
        && evaluations::find(state.db.conn(), e)
            .await?
            .is_none_or(|e| e.institution_id != institution)
    {
        reject("evaluation_id", "not an evaluation of this institution");
    }
    if let Some(t) = f.trajectory_id
        && trajectories::find(state.db.conn(), t)
            .await?
            .is_none_or(|t| t.institution_id != institution)
    {
        reject("trajectory_id", "not a trajectory of this institution");
    }
    if let Some(owner) = f.owner_id
        && !users::is_member(state.db.conn(), owner, institution).await?
    {
        reject("owner_id", "not a member of this institution");
    }
    if errors.is_empty() {
        Ok(Fields {
            description: f.description.trim().to_owned(),
            ..f
        })
    } else {
        Err(ApiError::validation(errors))
    }
}

/// Add an action point (admins, members and the institution's coaches).
#[utoipa::path(
    tag = "action-points",
    params(("id" = Uuid, Path, description = "The institution")),
    request_body = CreateActionPointRequest,
    responses((status = 201, description = "The new action point", body = ActionPointResponse))
)]
#[post("/action-points")] // POST /api/v1/institutions/{id}/action-points
pub async fn create_action_point(
    state: web::Data<AppState>,
    caller: AuthUser,
    id: web::Path<Uuid>,
    body: ValidJson<CreateActionPointRequest>,
) -> ApiResult<HttpResponse> {
    let institution = id.into_inner();
    caller.access_to(&state.db, institution).await?;
    let b = body.0;
    let fields = checked(
        &state,
        institution,
        Fields {
            step: b.step,
            question_id: b.question_id,
            evaluation_id: b.evaluation_id,
            trajectory_id: b.trajectory_id,
            description: b.description,
            owner_id: b.owner_id,
            due_date: b.due_date,
            status: b.status.unwrap_or(ActionStatus::Open),
        },
    )
    .await?;
    let tx = state.db.begin_write().await?;
    let point = action_points::create(&*tx, institution, caller.id, fields).await?;
    audit::record(
        &*tx,
        &caller,
        Change::new("action_point.created", "action_point", point.id)
            .at(institution)
            .details(serde_json::json!({"step": point.step, "status": point.status.id()})),
    )
    .await?;
    tx.commit().await?;
    Ok(HttpResponse::Created()
        .insert_header(("Location", format!("/api/v1/action-points/{}", point.id)))
        .json(ActionPointResponse::from(point)))
}

/// The action points of an institution, earliest due first.
#[utoipa::path(
    tag = "action-points",
    params(("id" = Uuid, Path, description = "The institution"), ActionPointQuery),
    responses((status = 200, description = "A page of action points", body = Paged<ActionPointResponse>))
)]
#[get("/action-points")] // GET /api/v1/institutions/{id}/action-points
pub async fn list_action_points(
    state: web::Data<AppState>,
    caller: AuthUser,
    id: web::Path<Uuid>,
    query: ValidQuery<ActionPointQuery>,
) -> ApiResult<web::Json<Paged<ActionPointResponse>>> {
    let institution = id.into_inner();
    caller.access_to(&state.db, institution).await?;
    let q = query.0;
    if q.step.is_some_and(|s| !(1..=99).contains(&s)) {
        return Err(ApiError::field("step", "must be between 1 and 99"));
    }
    let (offset, limit) = Page {
        limit: q.limit,
        offset: q.offset,
    }
    .resolve()?;
    let filter = ListFilter {
        status: q.status,
        step: q.step,
        trajectory_id: q.trajectory_id,
        overdue_on: q.overdue.filter(|o| *o).map(|_| Utc::now().date_naive()),
    };
    let (items, total) =
        action_points::list(state.db.conn(), institution, &filter, offset, limit).await?;
    Ok(Paged::of(items, total, limit, offset))
}

async fn visible(state: &AppState, caller: &AuthUser, id: Uuid) -> ApiResult<ActionPoint> {
    let point = action_points::find(state.db.conn(), id)
        .await?
        .ok_or_else(ApiError::not_found)?;
    caller.access_to(&state.db, point.institution_id).await?;
    Ok(point)
}

/// One action point.
#[utoipa::path(
    tag = "action-points",
    params(("id" = Uuid, Path, description = "The action point")),
    responses((status = 200, description = "The action point", body = ActionPointResponse))
)]
#[get("")] // GET /api/v1/action-points/{id}
pub async fn get_action_point(
    state: web::Data<AppState>,
    caller: AuthUser,
    id: web::Path<Uuid>,
) -> ApiResult<web::Json<ActionPointResponse>> {
    Ok(web::Json(
        visible(&state, &caller, id.into_inner()).await?.into(),
    ))
}

/// Change an action point; absent fields stay as they are.
#[utoipa::path(
    tag = "action-points",
    params(("id" = Uuid, Path, description = "The action point")),
    request_body = UpdateActionPointRequest,
    responses((status = 200, description = "The changed action point", body = ActionPointResponse))
)]
#[patch("")] // PATCH /api/v1/action-points/{id}
pub async fn update_action_point(
    state: web::Data<AppState>,
    caller: AuthUser,
    id: web::Path<Uuid>,
    body: ValidJson<UpdateActionPointRequest>,
) -> ApiResult<web::Json<ActionPointResponse>> {
    let current = visible(&state, &caller, id.into_inner()).await?;
    let before = ActionPointResponse::from(current.clone());
    let b = body.0;
    let fields = checked(
        &state,
        current.institution_id,
        Fields {
            step: b.step.unwrap_or(current.step),
            question_id: b.question_id.unwrap_or(current.question_id),
            evaluation_id: b.evaluation_id.unwrap_or(current.evaluation_id),
            trajectory_id: b.trajectory_id.unwrap_or(current.trajectory_id),
            description: b.description.unwrap_or(current.description),
            owner_id: b.owner_id.unwrap_or(current.owner_id),
            due_date: b.due_date.unwrap_or(current.due_date),
            status: b.status.unwrap_or(current.status),
        },
    )
    .await?;
    let tx = state.db.begin_write().await?;
    let point = ActionPointResponse::from(
        action_points::update(&*tx, current.id, caller.id, fields).await?,
    );
    audit::record(
        &*tx,
        &caller,
        Change::new("action_point.updated", "action_point", current.id)
            .at(current.institution_id)
            .details(audit::diff(&before, &point).map_err(ApiError::internal)?),
    )
    .await?;
    tx.commit().await?;
    Ok(web::Json(point))
}

/// Remove an action point (use status `dropped` to keep it on record instead).
#[utoipa::path(
    tag = "action-points",
    params(("id" = Uuid, Path, description = "The action point")),
    responses((status = 204, description = "The action point is removed"))
)]
#[delete("")] // DELETE /api/v1/action-points/{id}
pub async fn delete_action_point(
    state: web::Data<AppState>,
    caller: AuthUser,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let point = visible(&state, &caller, id.into_inner()).await?;
    let tx = state.db.begin_write().await?;
    action_points::delete(&*tx, point.id).await?;
    audit::record(
        &*tx,
        &caller,
        Change::new("action_point.deleted", "action_point", point.id).at(point.institution_id),
    )
    .await?;
    tx.commit().await?;
    Ok(HttpResponse::NoContent().finish())
}
