//! The caller changes their own password.

use crate::auth::{AuthUser, password};
use crate::db::audit::{self, Change};
use crate::db::users::{self, UserChange};
use crate::error::{ApiError, ApiResult};
use crate::extract::ValidJson;
use crate::middleware::client_addr::ClientAddr;
use crate::routes::auth::{Attempt, LoginLimits};
use crate::startup::AppState;
use actix_web::{HttpResponse, put, web};
use secrecy::SecretString;
use serde::Deserialize;
use serde_json::json;
use utoipa::ToSchema;
use validator::Validate;

#[derive(Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChangePasswordRequest {
    #[validate(length(min = 1, max = 1024))]
    #[schema(min_length = 1, max_length = 1024, format = Password)]
    pub current_password: String,
    /// At least 12 characters.
    #[validate(length(min = 12, max = 1024))]
    #[schema(min_length = 12, max_length = 1024, format = Password)]
    pub new_password: String,
}

/// Change your own password. Every token issued before — this request's too — stops working
/// at once: log in again with the new password.
///
/// A wrong current password answers 422 naming `current_password`, and counts as a failed
/// login of the account's e-mail address and from the client's address: the same limits
/// apply, and while one is reached this answers 429 with `Retry-After`.
#[utoipa::path(
    tag = "auth",
    request_body = ChangePasswordRequest,
    responses(
        (status = 204, description = "The password is changed; log in again"),
        (status = 422, description = "The current password is wrong, or the new one too short", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many failed logins; retry later", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[put("/password")] // PUT /api/v1/me/password
pub async fn change_password(
    state: web::Data<AppState>,
    caller: AuthUser,
    limits: web::Data<LoginLimits>,
    client: ClientAddr,
    body: ValidJson<ChangePasswordRequest>,
) -> ApiResult<HttpResponse> {
    let body = body.0;
    let account = users::credentials_of(state.db.conn(), caller.id)
        .await?
        .ok_or_else(|| ApiError::unauthorized("The account of this token no longer exists."))?;
    let attempt = Attempt::new(&limits, &account.user.email, client);
    let current = SecretString::from(body.current_password);
    if !attempt
        .verify(&state.db, current, Some(account.password_hash))
        .await?
    {
        return Err(ApiError::field(
            "current_password",
            "is not the account's current password",
        ));
    }
    let hash = password::hash(SecretString::from(body.new_password)).await?;
    let change = UserChange {
        password_hash: Some(hash),
        ..UserChange::default()
    };
    let tx = state.db.begin_write().await?;
    let changed = users::update(&*tx, caller.id, change)
        .await?
        .ok_or_else(|| ApiError::unauthorized("The account of this token no longer exists."))?;
    let details = json!({"fields": changed.fields, "tokens_revoked": changed.tokens_revoked});
    audit::record(
        &*tx,
        &caller,
        Change::new("user.password_changed", "user", caller.id).details(details),
    )
    .await?;
    tx.commit().await?;
    state.accounts.forget(caller.id);
    Ok(HttpResponse::NoContent().finish())
}
