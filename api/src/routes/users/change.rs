//! Admins change accounts — name, role, a password reset — and remove them.

use super::UserResponse;
use crate::auth::{AuthUser, Role, password};
use crate::db::audit::{self, Change};
use crate::db::users::{self, UserChange};
use crate::error::{ApiError, ApiResult};
use crate::extract::ValidJson;
use crate::startup::AppState;
use actix_web::{HttpResponse, delete, patch, web};
use secrecy::SecretString;
use serde::Deserialize;
use serde_json::json;
use utoipa::ToSchema;
use uuid::Uuid;
use validator::Validate;

#[derive(Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateUserRequest {
    /// Surrounding white space is removed; at least one other character must remain.
    #[validate(length(min = 1, max = 200))]
    #[schema(
        min_length = 1,
        max_length = 200,
        pattern = "[^\\t\\n\\v\\f\\r \\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]",
        example = "J. de Vries"
    )]
    pub display_name: Option<String>,
    /// Another role ends every token the account holds.
    pub role: Option<Role>,
    /// A new password (a reset), at least 12 characters; ends every token the account holds.
    #[validate(length(min = 12, max = 1024))]
    #[schema(min_length = 12, max_length = 1024, format = Password)]
    pub password: Option<String>,
}

/// The answer about an account that is not there to change: 409 if it has been removed, else 404.
async fn missing(state: &AppState, id: Uuid) -> ApiError {
    match users::find_including_removed(state.db.conn(), id).await {
        Ok(Some(u)) if u.removed_at.is_some() => {
            ApiError::conflict("The account has been removed; it can no longer be changed.")
        }
        Ok(_) => ApiError::not_found(),
        Err(e) => e.into(),
    }
}

/// Change an account (admins only); absent fields stay as they are. A new role or password
/// ends every token the account holds at once: its owner logs in again. An admin cannot change
/// their own role (409), so there is always an admin.
#[utoipa::path(
    tag = "users",
    params(("id" = Uuid, Path, description = "The account")),
    request_body = UpdateUserRequest,
    responses(
        (status = 200, description = "The changed account", body = UserResponse),
        (status = 409, description = "The account has been removed, or it is the caller's own and the role would change", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[patch("")] // PATCH /api/v1/users/{id}
pub async fn update_user(
    state: web::Data<AppState>,
    caller: AuthUser,
    id: web::Path<Uuid>,
    body: ValidJson<UpdateUserRequest>,
) -> ApiResult<web::Json<UserResponse>> {
    caller.require_admin()?;
    let id = id.into_inner();
    let body = body.0;
    let display_name = body
        .display_name
        .as_deref()
        .map(super::display_name)
        .transpose()?;
    if id == caller.id && body.role.is_some_and(|r| r != Role::Admin) {
        return Err(ApiError::conflict(
            "You cannot change your own role; another admin can.",
        ));
    }
    let password_hash = match body.password {
        Some(p) => Some(password::hash(SecretString::from(p)).await?),
        None => None,
    };
    let change = UserChange {
        display_name,
        role: body.role,
        password_hash,
    };
    let tx = state.db.begin_write().await?;
    let Some(changed) = users::update(&*tx, id, change).await? else {
        tx.rollback().await?;
        return Err(missing(&state, id).await);
    };
    if !changed.fields.is_empty() {
        let mut details =
            json!({"fields": changed.fields, "tokens_revoked": changed.tokens_revoked});
        for field in &changed.fields {
            let (before, after) = (&changed.before, &changed.user);
            let (was, is) = match *field {
                "display_name" => (json!(before.display_name), json!(after.display_name)),
                "role" => (json!(before.role), json!(after.role)),
                // Never a password, not even its hash.
                _ => continue,
            };
            details[*field] = json!({"before": was, "after": is});
        }
        audit::record(
            &*tx,
            &caller,
            Change::new("user.updated", "user", id).details(details),
        )
        .await?;
    }
    tx.commit().await?;
    state.accounts.forget(id);
    Ok(web::Json(changed.user.into()))
}

/// Remove an account (admins only). It can no longer log in, every token it holds stops
/// working at once, its memberships and coaching assignments end, and it no longer appears in
/// the list of accounts. What it did stays: evaluations and the audit trail keep naming it,
/// and `GET /users/{id}` shows it with `removed_at`. Its e-mail address stays taken. An admin
/// cannot remove themselves (409).
#[utoipa::path(
    tag = "users",
    params(("id" = Uuid, Path, description = "The account")),
    responses(
        (status = 204, description = "The account is removed"),
        (status = 409, description = "The account is the caller's own, or was removed already", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[delete("")] // DELETE /api/v1/users/{id}
pub async fn remove_user(
    state: web::Data<AppState>,
    caller: AuthUser,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    caller.require_admin()?;
    let id = id.into_inner();
    if id == caller.id {
        return Err(ApiError::conflict(
            "You cannot remove your own account; another admin can.",
        ));
    }
    let tx = state.db.begin_write().await?;
    let Some(removal) = users::remove(&*tx, id, crate::db::now()).await? else {
        tx.rollback().await?;
        return Err(missing(&state, id).await);
    };
    let details =
        json!({"memberships_ended": removal.memberships, "coaching_ended": removal.coached});
    audit::record(
        &*tx,
        &caller,
        Change::new("user.removed", "user", id).details(details),
    )
    .await?;
    // Each institution's own trail shows that its member left.
    for institution in &removal.memberships {
        let change = Change::new("member.removed", "user", id)
            .at(*institution)
            .details(json!({"reason": "account removed"}));
        audit::record(&*tx, &caller, change).await?;
    }
    tx.commit().await?;
    state.accounts.forget(id);
    Ok(HttpResponse::NoContent().finish())
}
