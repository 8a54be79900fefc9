//! Authentication and authorisation: password hashing, bearer tokens, the [`AuthUser`]
//! extractor, and the explicit checks handlers call (`require_admin`, `require_member_of`).
//! An object outside the caller's scope answers 404, never 403, so its existence stays hidden.
//!
//! A request that presents a token is authenticated by [`authenticate_first`], a middleware,
//! before its handler's extractors run: those run side by side, and one that fails at once
//! (a malformed path, query or body) would otherwise answer before an authentication that
//! waits for the database. So a caller without a valid token always hears 401 first.

pub mod accounts;
pub mod keys;
pub mod password;
pub mod token;

use crate::db::Db;
use crate::db::sight::{self, Sight};
use crate::error::{ApiError, ApiResult};
use crate::startup::AppState;
use actix_web::body::MessageBody;
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::header;
use actix_web::middleware::Next;
use actix_web::{FromRequest, HttpMessage, HttpRequest, web};
use serde::{Deserialize, Serialize};
use std::future::Future;
use std::pin::Pin;
use token::VerifyError;
use utoipa::ToSchema;
use uuid::Uuid;

/// What an account may do across the service. Access to one institution's data comes from a
/// membership of that institution.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Programme office: registers institutions and people, reads everything.
    Admin,
    /// A person whose access comes from memberships of institutions.
    User,
    /// A coach of Traject Borging LOB: sees the trajectories assigned to them and, for those,
    /// the institution's evaluations, progress and action points.
    Coach,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::User => "user",
            Role::Coach => "coach",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        match s {
            "admin" => Some(Role::Admin),
            "user" => Some(Role::User),
            "coach" => Some(Role::Coach),
            _ => None,
        }
    }
}

/// The authenticated caller, read from a valid bearer token whose account still exists and
/// has not revoked it, with the account's current role.
#[derive(Debug, Clone, Copy)]
pub struct AuthUser {
    pub id: Uuid,
    pub role: Role,
}

impl AuthUser {
    pub fn is_admin(&self) -> bool {
        self.role == Role::Admin
    }

    /// Admins only; anyone else gets 403.
    pub fn require_admin(&self) -> ApiResult<()> {
        if self.is_admin() {
            Ok(())
        } else {
            Err(ApiError::forbidden())
        }
    }

    /// How the caller may see an institution: as admin, as member, or as coach of one of its
    /// trajectories. 404 when it is outside their sight or there is no such institution. One
    /// query: a membership or a coaching implies the institution, so it is looked up only for
    /// an admin, whose request may name one that does not exist.
    pub async fn access_to(&self, db: &Db, institution_id: Uuid) -> ApiResult<Access> {
        if self.is_admin() {
            crate::db::institutions::find(db.conn(), institution_id)
                .await?
                .ok_or_else(ApiError::not_found)?;
            return Ok(Access::Admin);
        }
        self.access_from(sight::of(db.conn(), self.id, institution_id).await?)
    }

    /// [`AuthUser::access_to`] for the kerngroep's own work: an admin or a member
    /// (403 for its coach).
    pub async fn kerngroep_of(&self, db: &Db, institution_id: Uuid) -> ApiResult<Access> {
        let access = self.access_to(db, institution_id).await?;
        access.require_kerngroep()?;
        Ok(access)
    }

    /// The one decision of how the caller may see an institution, from what [`Sight`] was
    /// read of it (on its own by [`AuthUser::access_to`], or with the object being read).
    pub fn access_from(&self, sight: Sight) -> ApiResult<Access> {
        if self.is_admin() {
            Ok(Access::Admin)
        } else if sight.member {
            Ok(Access::Member)
        } else if self.role == Role::Coach && sight.coach {
            Ok(Access::Coach)
        } else {
            Err(ApiError::not_found())
        }
    }
}

/// What gives a caller sight of an institution.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    Admin,
    Member,
    Coach,
}

impl Access {
    /// The kerngroep's own work (evaluations, units): admins and members, not coaches (403).
    pub fn require_kerngroep(self) -> ApiResult<()> {
        match self {
            Access::Admin | Access::Member => Ok(()),
            Access::Coach => Err(ApiError::new(
                crate::error::ErrorCode::Forbidden,
                "Coaches read a school's evaluations; its kerngroep fills them in.",
            )),
        }
    }
}

impl FromRequest for AuthUser {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        if let Some(Authenticated(outcome)) = req.extensions_mut().remove() {
            return Box::pin(std::future::ready(outcome));
        }
        let presented = state_and_token(req);
        Box::pin(async move {
            let (state, token) = presented?;
            authenticate(&state, &token).await
        })
    }
}

/// The outcome of [`authenticate_first`], for the [`AuthUser`] extractor to take.
struct Authenticated(ApiResult<AuthUser>);

/// Middleware: authenticates a request that presents an `Authorization` header before its
/// handler runs, and leaves the outcome for the [`AuthUser`] extractor, which then answers at
/// once. A request without the header is left alone (the extractor refuses it at once anyway),
/// and so is the outcome when the handler needs no caller.
pub async fn authenticate_first(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    if req.headers().contains_key(header::AUTHORIZATION) {
        let outcome = match state_and_token(req.request()) {
            Ok((state, token)) => authenticate(&state, &token).await,
            Err(e) => Err(e),
        };
        req.extensions_mut().insert(Authenticated(outcome));
    }
    next.call(req).await
}

fn state_and_token(req: &HttpRequest) -> ApiResult<(web::Data<AppState>, String)> {
    let state = req
        .app_data::<web::Data<AppState>>()
        .ok_or_else(|| ApiError::internal("application state missing"))?
        .clone();
    let value = req
        .headers()
        .get(header::AUTHORIZATION)
        .ok_or_else(|| ApiError::unauthorized("This endpoint needs a bearer token."))?;
    let token = value
        .to_str()
        .ok()
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        })
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .ok_or_else(|| {
            ApiError::unauthorized("The Authorization header must be `Bearer <token>`.")
        })?;
    Ok((state, token.to_owned()))
}

/// Checks the token's signature and claims, then that its account still exists and has not
/// revoked it; the caller's role is the account's current one.
async fn authenticate(state: &AppState, token: &str) -> ApiResult<AuthUser> {
    let invalid =
        || ApiError::unauthorized("The bearer token is invalid or has expired.").invalid_token();
    keys::refresh(&state.tokens, state.db.conn(), false).await;
    let claims = match state.tokens.verify(token) {
        Err(VerifyError::UnknownKey) => {
            // Perhaps signed with a key another process rotated to.
            keys::refresh(&state.tokens, state.db.conn(), true).await;
            state.tokens.verify(token)
        }
        verified => verified,
    }
    .map_err(|_| invalid())?;
    match state.accounts.get(state.db.conn(), claims.sub).await? {
        Some(account) if account.token_generation == claims.r#gen => Ok(AuthUser {
            id: claims.sub,
            role: account.role,
        }),
        _ => Err(ApiError::unauthorized(
            "The bearer token is no longer valid: the account's password or role changed, or the account was removed. Log in again.",
        )
        .invalid_token()),
    }
}
