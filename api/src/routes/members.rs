//! Memberships: who belongs to an institution's kerngroep LOB, with which function.

use crate::auth::AuthUser;
use crate::db::audit::{self, Change};
use crate::db::users;
use crate::error::{ApiError, ApiResult};
use crate::extract::ValidJson;
use crate::routes::users::UserResponse;
use crate::schema;
use crate::startup::AppState;
use actix_web::{HttpResponse, delete, get, post, web};
use chrono::{DateTime, Utc};
use lobkader_domain::institution::KerngroepFunction;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;
use validator::Validate;

#[derive(Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AddMemberRequest {
    pub user_id: Uuid,
    #[schema(value_type = schema::KerngroepFunction)]
    pub function: KerngroepFunction,
}

#[derive(Serialize, ToSchema)]
pub struct MembershipResponse {
    pub institution_id: Uuid,
    pub user_id: Uuid,
    #[schema(value_type = schema::KerngroepFunction)]
    pub function: KerngroepFunction,
    pub created_at: DateTime<Utc>,
}

impl From<users::Membership> for MembershipResponse {
    fn from(m: users::Membership) -> Self {
        MembershipResponse {
            institution_id: m.institution_id,
            user_id: m.user_id,
            function: m.function,
            created_at: m.created_at,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct MemberResponse {
    #[serde(flatten)]
    pub membership: MembershipResponse,
    pub user: UserResponse,
}

/// Make a person a member of an institution's kerngroep (admins only).
#[utoipa::path(
    tag = "institutions",
    params(("id" = Uuid, Path, description = "The institution")),
    request_body = AddMemberRequest,
    responses(
        (status = 201, description = "The new membership", body = MembershipResponse),
        (status = 409, description = "The person is already a member", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/members")] // POST /api/v1/institutions/{id}/members
pub async fn add_member(
    state: web::Data<AppState>,
    caller: AuthUser,
    id: web::Path<Uuid>,
    body: ValidJson<AddMemberRequest>,
) -> ApiResult<HttpResponse> {
    let institution = id.into_inner();
    caller.access_to(&state.db, institution).await?;
    caller.require_admin()?;
    if users::find(state.db.conn(), body.0.user_id)
        .await?
        .is_none()
    {
        return Err(ApiError::field("user_id", "no account has this id"));
    }
    let tx = state.db.begin_write().await?;
    let membership = users::add_membership(&*tx, body.0.user_id, institution, body.0.function)
        .await
        .map_err(|e| ApiError::unique(e, "This person is already a member of the institution."))?;
    audit::record(
        &*tx,
        &caller,
        Change::new("member.added", "user", body.0.user_id)
            .at(institution)
            .details(serde_json::json!({"function": body.0.function.id()})),
    )
    .await?;
    tx.commit().await?;
    Ok(HttpResponse::Created().json(MembershipResponse::from(membership)))
}

/// The members of an institution's kerngroep, by name.
#[utoipa::path(tag = "institutions", params(("id" = Uuid, Path, description = "The institution")), responses((status = 200, description = "The members", body = Vec<MemberResponse>)))]
#[get("/members")] // GET /api/v1/institutions/{id}/members
pub async fn list_members(
    state: web::Data<AppState>,
    caller: AuthUser,
    id: web::Path<Uuid>,
) -> ApiResult<web::Json<Vec<MemberResponse>>> {
    let institution = id.into_inner();
    caller.access_to(&state.db, institution).await?;
    let members = users::members_of(state.db.conn(), institution).await?;
    Ok(web::Json(
        members
            .into_iter()
            .map(|(m, u)| MemberResponse {
                membership: m.into(),
                user: u.into(),
            })
            .collect(),
    ))
}

/// End a membership (admins only). The person's earlier work stays recorded.
#[utoipa::path(
    tag = "institutions",
    params(("id" = Uuid, Path, description = "The institution"), ("user_id" = Uuid, Path, description = "The member")),
    responses((status = 204, description = "The membership ended"))
)]
#[delete("/members/{user_id}")] // DELETE /api/v1/institutions/{id}/members/{user_id}
pub async fn remove_member(
    state: web::Data<AppState>,
    caller: AuthUser,
    path: web::Path<(Uuid, Uuid)>,
) -> ApiResult<HttpResponse> {
    let (institution, user) = path.into_inner();
    caller.access_to(&state.db, institution).await?;
    caller.require_admin()?;
    let tx = state.db.begin_write().await?;
    if !users::remove_membership(&*tx, user, institution).await? {
        return Err(ApiError::not_found());
    }
    audit::record(
        &*tx,
        &caller,
        Change::new("member.removed", "user", user).at(institution),
    )
    .await?;
    tx.commit().await?;
    Ok(HttpResponse::NoContent().finish())
}
