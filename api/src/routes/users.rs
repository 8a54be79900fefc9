//! Accounts: admins register, list, change and remove them; everyone reads their own and
//! changes their own password.

mod change;
mod own_password;

pub use change::{UpdateUserRequest, remove_user, update_user};
pub use own_password::{ChangePasswordRequest, change_password};

use crate::auth::{AuthUser, Role, password};
use crate::db::users::{self, User};
use crate::error::{ApiError, ApiResult};
use crate::extract::{Page, ValidJson, ValidQuery};
use crate::routes::Paged;
use crate::startup::AppState;
use actix_web::{HttpResponse, get, post, web};
use chrono::{DateTime, Utc};
use lobkader_domain::institution::Email;
use secrecy::SecretString;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;
use validator::Validate;

#[derive(Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateUserRequest {
    #[validate(length(min = 3, max = 254))]
    #[schema(min_length = 3, max_length = 254, format = Email, example = "decaan@school.example")]
    pub email: String,
    /// Surrounding white space is removed; at least one other character must remain.
    #[validate(length(min = 1, max = 200))]
    #[schema(
        min_length = 1,
        max_length = 200,
        pattern = "[^\\t\\n\\v\\f\\r \\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]",
        example = "J. de Vries"
    )]
    pub display_name: String,
    /// At least 12 characters.
    #[validate(length(min = 12, max = 1024))]
    #[schema(min_length = 12, max_length = 1024, format = Password)]
    pub password: String,
    /// `user` (default) or `admin`.
    #[serde(default)]
    pub role: Option<Role>,
}

#[derive(Serialize, ToSchema)]
pub struct UserResponse {
    pub id: Uuid,
    pub email: String,
    pub display_name: String,
    pub role: Role,
    pub created_at: DateTime<Utc>,
    /// When the account was removed; absent while it exists. Only admins see removed accounts,
    /// and only one at a time (`GET /users/{id}`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub removed_at: Option<DateTime<Utc>>,
}

impl From<User> for UserResponse {
    fn from(u: User) -> Self {
        UserResponse {
            id: u.id,
            email: u.email,
            display_name: u.display_name,
            role: u.role,
            created_at: u.created_at,
            removed_at: u.removed_at,
        }
    }
}

/// Register a person (admins only). The e-mail address is the login name, unique regardless of case.
#[utoipa::path(
    tag = "users",
    request_body = CreateUserRequest,
    responses(
        (status = 201, description = "The new account", body = UserResponse),
        (status = 409, description = "The e-mail address is taken", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("")] // POST /api/v1/users
pub async fn create_user(
    state: web::Data<AppState>,
    caller: AuthUser,
    body: ValidJson<CreateUserRequest>,
) -> ApiResult<HttpResponse> {
    caller.require_admin()?;
    let body = body.0;
    let email = Email::parse(&body.email).map_err(|e| ApiError::field("email", e.to_string()))?;
    let display_name = display_name(&body.display_name)?;
    let hash = password::hash(SecretString::from(body.password)).await?;
    let role = body.role.unwrap_or(Role::User);
    let tx = state.db.begin_write().await?;
    let user = users::create(&*tx, &email, &display_name, hash, role)
        .await
        .map_err(|e| ApiError::unique(e, "An account with this e-mail address already exists."))?;
    users::record_created(&*tx, &caller, &user, None).await?;
    tx.commit().await?;
    Ok(HttpResponse::Created()
        .insert_header(("Location", format!("/api/v1/users/{}", user.id)))
        .json(UserResponse::from(user)))
}

/// A display name without its surrounding white space; 422 when nothing else remains.
fn display_name(given: &str) -> ApiResult<String> {
    let name = given.trim();
    if name.is_empty() {
        return Err(ApiError::field("display_name", "must not be blank"));
    }
    Ok(name.to_owned())
}

/// All accounts, by e-mail address (admins only); removed accounts are left out.
#[utoipa::path(tag = "users", params(Page), responses((status = 200, description = "A page of accounts", body = Paged<UserResponse>)))]
#[get("")] // GET /api/v1/users
pub async fn list_users(
    state: web::Data<AppState>,
    caller: AuthUser,
    page: ValidQuery<Page>,
) -> ApiResult<web::Json<Paged<UserResponse>>> {
    caller.require_admin()?;
    let (offset, limit) = page.0.resolve()?;
    let (items, total) = users::list(state.db.conn(), offset, limit).await?;
    Ok(Paged::of(items, total, limit, offset))
}

/// One account: admins see every account, removed ones too (with `removed_at`); anyone else
/// only their own.
#[utoipa::path(tag = "users", params(("id" = Uuid, Path, description = "The account")), responses((status = 200, description = "The account", body = UserResponse)))]
#[get("")] // GET /api/v1/users/{id}
pub async fn get_user(
    state: web::Data<AppState>,
    caller: AuthUser,
    id: web::Path<Uuid>,
) -> ApiResult<web::Json<UserResponse>> {
    let id = id.into_inner();
    if !caller.is_admin() && caller.id != id {
        return Err(ApiError::not_found());
    }
    let user = users::find_including_removed(state.db.conn(), id)
        .await?
        .ok_or_else(ApiError::not_found)?;
    Ok(web::Json(user.into()))
}
