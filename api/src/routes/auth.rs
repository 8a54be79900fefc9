//! Logging in for a bearer token, and who the caller is.

mod limits;

pub use limits::{Attempt, LoginLimits};

use crate::auth::AuthUser;
use crate::db::users;
use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::extract::ValidJson;
use crate::middleware::client_addr::ClientAddr;
use crate::routes::members::MembershipResponse;
use crate::routes::users::UserResponse;
use crate::startup::AppState;
use actix_web::{HttpResponse, get, post, web};
use lobkader_domain::institution::Email;
use secrecy::SecretString;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

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

/// Log in: exchange e-mail and password for a short-lived bearer token.
///
/// Repeated failures for one e-mail address lock it for a growing while, and too many
/// failures from one client address (20 per quarter of an hour by default) stop logins from
/// it for a while; meanwhile every attempt, right or wrong, answers 429 with `Retry-After`.
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
#[post("/auth/token")] // POST /api/v1/auth/token
pub async fn create_token(
    state: web::Data<AppState>,
    limits: web::Data<LoginLimits>,
    client: ClientAddr,
    body: ValidJson<TokenRequest>,
) -> ApiResult<HttpResponse> {
    let body = body.0;
    let attempt = Attempt::new(&limits, &body.email, client);
    let known = match Email::parse(&body.email) {
        Ok(email) => users::credentials(state.db.conn(), &email).await?,
        Err(_) => None,
    };
    let (stored, user) = known.map(|c| (c.password_hash, c.user)).unzip();
    let supplied = SecretString::from(body.password);
    let right = attempt.verify(&state.db, supplied, stored).await?;
    let Some(user) = user.filter(|_| right) else {
        return Err(ApiError::new(
            ErrorCode::InvalidCredentials,
            "The e-mail address or password is wrong.",
        ));
    };
    let token = state
        .tokens
        .issue_at_generation(user.id, user.role, user.token_generation)
        .map_err(ApiError::internal)?;
    Ok(HttpResponse::Ok().json(TokenResponse {
        access_token: token,
        token_type: "Bearer".to_owned(),
        expires_in: state.tokens.ttl_seconds,
    }))
}

/// The caller's account and memberships.
#[utoipa::path(tag = "auth", responses((status = 200, description = "The caller", body = MeResponse)))]
#[get("")] // GET /api/v1/me
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
