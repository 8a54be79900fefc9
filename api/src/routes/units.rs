//! Units of an institution: locations, departments and teams an evaluation can be about.

use crate::auth::AuthUser;
use crate::db::audit::{self, Change};
use crate::db::institutions::{self, Unit};
use crate::error::{ApiError, ApiResult};
use crate::extract::ValidJson;
use crate::schema;
use crate::startup::AppState;
use actix_web::{HttpResponse, get, post, web};
use chrono::{DateTime, Utc};
use lobkader_domain::institution::UnitKind;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;
use validator::Validate;

#[derive(Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateUnitRequest {
    /// Surrounding white space is removed; at least one other character must remain.
    #[validate(length(min = 1, max = 200))]
    #[schema(
        min_length = 1,
        max_length = 200,
        pattern = "[^\\t\\n\\v\\f\\r \\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]",
        example = "Locatie Noord"
    )]
    pub name: String,
    #[schema(value_type = schema::UnitKind)]
    pub kind: UnitKind,
}

#[derive(Serialize, ToSchema)]
pub struct UnitResponse {
    pub id: Uuid,
    pub institution_id: Uuid,
    pub name: String,
    #[schema(value_type = schema::UnitKind)]
    pub kind: UnitKind,
    pub created_at: DateTime<Utc>,
}

impl From<Unit> for UnitResponse {
    fn from(u: Unit) -> Self {
        UnitResponse {
            id: u.id,
            institution_id: u.institution_id,
            name: u.name,
            kind: u.kind,
            created_at: u.created_at,
        }
    }
}

/// Add a unit to an institution (admins and members of the institution).
#[utoipa::path(
    tag = "institutions",
    params(("id" = Uuid, Path, description = "The institution")),
    request_body = CreateUnitRequest,
    responses(
        (status = 201, description = "The new unit", body = UnitResponse),
        (status = 409, description = "The institution already has a unit with this name", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/units")] // POST /api/v1/institutions/{id}/units
pub async fn create_unit(
    state: web::Data<AppState>,
    caller: AuthUser,
    id: web::Path<Uuid>,
    body: ValidJson<CreateUnitRequest>,
) -> ApiResult<HttpResponse> {
    let institution = id.into_inner();
    caller.kerngroep_of(&state.db, institution).await?;
    let name = body.0.name.trim().to_owned();
    if name.is_empty() {
        return Err(ApiError::field("name", "must not be blank"));
    }
    let tx = state.db.begin_write().await?;
    let unit = institutions::create_unit(&*tx, institution, name, body.0.kind)
        .await
        .map_err(|e| ApiError::unique(e, "The institution already has a unit with this name."))?;
    audit::record(
        &*tx,
        &caller,
        Change::new("unit.created", "unit", unit.id)
            .at(institution)
            .details(serde_json::json!({"name": unit.name, "kind": unit.kind.id()})),
    )
    .await?;
    tx.commit().await?;
    Ok(HttpResponse::Created().json(UnitResponse::from(unit)))
}

/// The units of an institution, by name.
#[utoipa::path(tag = "institutions", params(("id" = Uuid, Path, description = "The institution")), responses((status = 200, description = "The units", body = Vec<UnitResponse>)))]
#[get("/units")] // GET /api/v1/institutions/{id}/units
pub async fn list_units(
    state: web::Data<AppState>,
    caller: AuthUser,
    id: web::Path<Uuid>,
) -> ApiResult<web::Json<Vec<UnitResponse>>> {
    let institution = id.into_inner();
    caller.access_to(&state.db, institution).await?;
    let units = institutions::units_of(state.db.conn(), institution).await?;
    Ok(web::Json(units.into_iter().map(Into::into).collect()))
}
