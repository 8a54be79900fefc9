//! Reading the audit trail: admins read all of it, an institution's kerngroep reads what was
//! done to its own data. Nothing in the API changes or removes a record.

use crate::auth::AuthUser;
use crate::db::audit::{self, Filter};
use crate::db::entities::audit_events;
use crate::error::{ApiError, ApiResult};
use crate::extract::{NUL_REFUSED, Page, ValidQuery};
use crate::routes::Paged;
use crate::startup::AppState;
use actix_web::{get, web};
use chrono::{DateTime, Utc};
use serde::de::{Deserializer, Error as _};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

/// One change: who made it, what it was, to which object, when, in which request.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditEventResponse {
    pub id: Uuid,
    pub at: DateTime<Utc>,
    /// The account that made the change; absent for the service itself (command line, first start).
    pub actor_id: Option<Uuid>,
    /// `admin`, `user`, `coach`, or `system`.
    pub actor_role: String,
    /// What happened, as `object.verb`, e.g. `evaluation.submitted`.
    #[schema(example = "evaluation.submitted")]
    pub action: String,
    #[schema(example = "evaluation")]
    pub object_type: String,
    pub object_id: Option<Uuid>,
    /// The institution whose data changed, if any.
    pub institution_id: Option<Uuid>,
    /// The `X-Request-Id`-style id of the request in the service's logs.
    pub request_id: Option<String>,
    /// A small description of the change: changed field names, before and after of short values.
    /// Never passwords, tokens or remarks.
    #[schema(value_type = Option<Object>)]
    pub details: Option<serde_json::Value>,
}

impl From<audit_events::Model> for AuditEventResponse {
    fn from(m: audit_events::Model) -> Self {
        AuditEventResponse {
            id: m.id,
            at: m.at,
            actor_id: m.actor_id,
            actor_role: m.actor_role,
            action: m.action,
            object_type: m.object_type,
            object_id: m.object_id,
            institution_id: m.institution_id,
            request_id: m.request_id,
            details: m.details,
        }
    }
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// Only changes to this institution's data.
    pub institution_id: Option<Uuid>,
    /// Only changes made by this account.
    pub actor_id: Option<Uuid>,
    /// Only this kind of change, e.g. `evaluation.submitted`.
    #[param(min_length = 1, max_length = 100)]
    pub action: Option<String>,
    /// Only changes at or after this moment (RFC 3339, e.g. `2026-09-01T00:00:00Z`).
    #[serde(default, deserialize_with = "moment")]
    pub from: Option<DateTime<Utc>>,
    /// Only changes before this moment (RFC 3339).
    #[serde(default, deserialize_with = "moment")]
    pub until: Option<DateTime<Utc>>,
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u64>,
    #[param(minimum = 0, maximum = 1_000_000_000)]
    pub offset: Option<u64>,
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct InstitutionAuditQuery {
    /// Only changes made by this account.
    pub actor_id: Option<Uuid>,
    /// Only this kind of change, e.g. `evaluation.submitted`.
    #[param(min_length = 1, max_length = 100)]
    pub action: Option<String>,
    /// Only changes at or after this moment (RFC 3339, e.g. `2026-09-01T00:00:00Z`).
    #[serde(default, deserialize_with = "moment")]
    pub from: Option<DateTime<Utc>>,
    /// Only changes before this moment (RFC 3339).
    #[serde(default, deserialize_with = "moment")]
    pub until: Option<DateTime<Utc>>,
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u64>,
    #[param(minimum = 0, maximum = 1_000_000_000)]
    pub offset: Option<u64>,
}

/// A moment written as RFC 3339 says (`format: date-time`), with a year of four digits: chrono
/// alone also reads `-5000-01-01T00:00:00Z`, which PostgreSQL cannot compare with.
fn moment<'de, D: Deserializer<'de>>(d: D) -> Result<Option<DateTime<Utc>>, D::Error> {
    let Some(text) = Option::<String>::deserialize(d)? else {
        return Ok(None);
    };
    DateTime::parse_from_rfc3339(&text)
        .map(|at| Some(at.to_utc()))
        .map_err(|_| {
            D::Error::custom(format_args!(
                "`{text}` is not a moment written as RFC 3339, e.g. 2026-09-01T00:00:00Z"
            ))
        })
}

/// One page of the records `q` asks for: 422 for a period that ends before it starts, or an
/// action that is empty, longer than 100 characters or holds a NUL (PostgreSQL refuses it).
async fn page_of(
    state: &AppState,
    q: AuditQuery,
) -> ApiResult<web::Json<Paged<AuditEventResponse>>> {
    if let (Some(from), Some(until)) = (q.from, q.until)
        && until < from
    {
        return Err(ApiError::field("until", "must not be before `from`"));
    }
    if let Some(action) = &q.action {
        if action.is_empty() || action.chars().count() > 100 {
            return Err(ApiError::field("action", "must be 1 to 100 characters"));
        }
        if action.contains('\0') {
            return Err(ApiError::field("action", NUL_REFUSED));
        }
    }
    let (offset, limit) = Page {
        limit: q.limit,
        offset: q.offset,
    }
    .resolve()?;
    let filter = Filter {
        institution_id: q.institution_id,
        actor_id: q.actor_id,
        action: q.action,
        from: q.from,
        until: q.until,
    };
    let (rows, total) = audit::list(state.db.conn(), &filter, offset, limit).await?;
    Ok(Paged::of(rows, total, limit, offset))
}

/// The whole audit trail, newest first (admins).
#[utoipa::path(
    tag = "audit",
    params(AuditQuery),
    responses((status = 200, description = "A page of changes, newest first", body = Paged<AuditEventResponse>))
)]
#[get("/audit")] // GET /api/v1/audit
pub async fn list_audit(
    state: web::Data<AppState>,
    caller: AuthUser,
    query: ValidQuery<AuditQuery>,
) -> ApiResult<web::Json<Paged<AuditEventResponse>>> {
    caller.require_admin()?;
    page_of(&state, query.0).await
}

/// The changes to one institution's data, newest first (admins and the institution's members).
#[utoipa::path(
    tag = "audit",
    params(("id" = Uuid, Path, description = "The institution"), InstitutionAuditQuery),
    responses((status = 200, description = "A page of changes, newest first", body = Paged<AuditEventResponse>))
)]
#[get("/audit")] // GET /api/v1/institutions/{id}/audit
pub async fn list_institution_audit(
    state: web::Data<AppState>,
    caller: AuthUser,
    id: web::Path<Uuid>,
    query: ValidQuery<InstitutionAuditQuery>,
) -> ApiResult<web::Json<Paged<AuditEventResponse>>> {
    let institution = id.into_inner();
    caller.kerngroep_of(&state.db, institution).await?;
    let q = query.0;
    let q = AuditQuery {
        institution_id: Some(institution),
        actor_id: q.actor_id,
        action: q.action,
        from: q.from,
        until: q.until,
        limit: q.limit,
        offset: q.offset,
    };
    page_of(&state, q).await
}
