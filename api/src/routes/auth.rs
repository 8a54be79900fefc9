//! Logging in for a bearer token, and who the caller is.

use crate::auth::{AuthUser, password};
use crate::db::{throttles, users};
use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::extract::ValidJson;
use crate::routes::members::MembershipResponse;
use crate::routes::users::UserResponse;
use crate::startup::AppState;
use actix_web::{HttpResponse, get, post, web};
use chrono::{Duration, Utc};
use lobkader_domain::institution::Email;
use secrecy::SecretString;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

/// Failed logins allowed before the account is locked for a while.
const FREE_ATTEMPTS: i32 = 5;
/// The longest lock after repeated failures.
const MAX_LOCK_SECONDS: i64 = 15 * 60;

#[derive(Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TokenRequest {
    #[validate(length(min = 1, max = 254))]
    #[schema(min_length = 1, max_length = 254, example = "decaan@school.example")]
    pub email: String,
    #[validate(length(min = 1, max = 1024))]
    #[schema(min_length = 1, max_length = 1024, format = Password)]
    pub password: String,
}

#[derive(Serialize, ToSchema)]
pub struct TokenResponse {
    pub access_token: String,
    /// Always `Bearer`.
    pub token_type: String,
    /// Seconds until the token expires.
    pub expires_in: i64,
}

#[derive(Serialize, ToSchema)]
pub struct MeResponse {
    #[serde(flatten)]
    pub user: UserResponse,
    /// The institutions the caller is a member of, with the kerngroep function.
    pub memberships: Vec<MembershipResponse>,
}

/// The lock after `failures` consecutive failed logins: none for the first few, then doubling
/// from 30 seconds up to a quarter of an hour.
fn lock_seconds(failures: i32) -> Option<i64> {
    let over = failures - FREE_ATTEMPTS;
    (over >= 0).then(|| (30i64 << over.min(10)).min(MAX_LOCK_SECONDS))
}

/// Log in: exchange e-mail and password for a short-lived bearer token.
///
/// Repeated failures lock the account for a growing while; during a lock every attempt,
/// right or wrong, answers 429 with `Retry-After`.
#[utoipa::path(
    tag = "auth",
    request_body = TokenRequest,
    responses(
        (status = 200, description = "A bearer token", body = TokenResponse),
        (status = 401, description = "Unknown e-mail address or wrong password", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many failed logins; retry later", body = crate::error::Problem, content_type = "application/problem+json"),
    ),
    security(())
)]
#[post("/auth/token")]
pub async fn create_token(
    state: web::Data<AppState>,
    body: ValidJson<TokenRequest>,
) -> ApiResult<HttpResponse> {
    let body = body.0;
    let invalid = || {
        ApiError::new(
            ErrorCode::InvalidCredentials,
            "The e-mail address or password is wrong.",
        )
    };
    // Throttled by the address tried, known or not, so that answers never tell which
    // addresses have an account.
    let key = format!("email:{}", body.email.trim().to_lowercase());
    let now = Utc::now();
    let (failures, locked_until) = throttles::get(state.db.conn(), &key).await?;
    if let Some(until) = locked_until.filter(|u| *u > now) {
        let seconds = u64::try_from((until - now).num_seconds().max(1)).unwrap_or(1);
        return Err(ApiError::new(
            ErrorCode::TooManyRequests,
            "Too many failed logins for this address; try again later.",
        )
        .with_retry_after(seconds));
    }
    let known = match Email::parse(&body.email) {
        Ok(email) => users::credentials(state.db.conn(), &email).await?,
        Err(_) => None,
    };
    let supplied = SecretString::from(body.password);
    // An unknown address costs the same hash as a known one.
    let (stored, user) = match known {
        Some(c) => (c.password_hash, Some(c.user)),
        None => (password::dummy_hash(), None),
    };
    let matches = password::verify(supplied, stored).await?;
    let Some(user) = user.filter(|_| matches) else {
        let failures = failures + 1;
        let until = lock_seconds(failures).map(|s| now + Duration::seconds(s));
        throttles::set(state.db.conn(), &key, failures, until).await?;
        return Err(invalid());
    };
    if failures > 0 {
        throttles::clear(state.db.conn(), &key).await?;
    }
    let token = state
        .tokens
        .issue(user.id, user.role)
        .map_err(ApiError::internal)?;
    Ok(HttpResponse::Ok().json(TokenResponse {
        access_token: token,
        token_type: "Bearer".to_owned(),
        expires_in: state.tokens.ttl_seconds,
    }))
}

/// The caller's account and memberships.
#[utoipa::path(tag = "auth", responses((status = 200, description = "The caller", body = MeResponse)))]
#[get("/me")]
pub async fn get_me(
    state: web::Data<AppState>,
    user: AuthUser,
) -> ApiResult<web::Json<MeResponse>> {
    let account = users::find(state.db.conn(), user.id)
        .await?
        .ok_or_else(|| ApiError::unauthorized("The account of this token no longer exists."))?;
    let memberships = users::memberships_of(state.db.conn(), user.id).await?;
    Ok(web::Json(MeResponse {
        user: account.into(),
        memberships: memberships.into_iter().map(Into::into).collect(),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_lock_grows_from_thirty_seconds_to_a_quarter_hour() {
        assert_eq!(lock_seconds(4), None);
        assert_eq!(lock_seconds(5), Some(30));
        assert_eq!(lock_seconds(6), Some(60));
        assert_eq!(lock_seconds(9), Some(480));
        assert_eq!(lock_seconds(10), Some(900));
        assert_eq!(lock_seconds(50), Some(900));
    }
}
