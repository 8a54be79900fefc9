//! Institutions: admins register and edit them; members read their own.

use crate::auth::AuthUser;
use crate::db::audit::{self, Change};
use crate::db::institutions::{self, Institution, InstitutionFields};
use crate::error::{ApiError, ApiResult, FieldError};
use crate::extract::{Page, ValidJson, ValidQuery};
use crate::routes::Paged;
use crate::schema;
use crate::startup::AppState;
use actix_web::{HttpResponse, get, patch, post, web};
use chrono::{DateTime, Utc};
use lobkader_domain::institution::{Brin, SchoolType, Sector};
use serde::{Deserialize, Deserializer, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;
use validator::Validate;

#[derive(Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateInstitutionRequest {
    /// Surrounding white space is removed; at least one other character must remain.
    #[validate(length(min = 1, max = 200))]
    #[schema(
        min_length = 1,
        max_length = 200,
        pattern = "[^\\t\\n\\v\\f\\r \\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]",
        example = "Voorbeeldcollege"
    )]
    pub name: String,
    #[schema(value_type = schema::Sector)]
    pub sector: Sector,
    #[serde(default)]
    #[validate(length(max = 10))]
    #[schema(value_type = Vec<schema::SchoolType>, max_items = 10)]
    pub school_types: Vec<SchoolType>,
    /// BRIN number or instellingscode: two digits, then two characters of which at least one
    /// is a letter, optionally two more digits; stored in capitals.
    #[schema(value_type = Option<String>, example = "12AB", pattern = "^[0-9]{2}([A-Za-z][A-Za-z0-9]|[0-9][A-Za-z])([0-9]{2})?$")]
    pub brin: Option<String>,
    /// Surrounding white space is removed; at least one other character must remain.
    #[validate(length(min = 1, max = 100))]
    #[schema(
        min_length = 1,
        max_length = 100,
        pattern = "[^\\t\\n\\v\\f\\r \\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]",
        example = "Eemland"
    )]
    pub region: Option<String>,
    /// Surrounding white space is removed; at least one other character must remain.
    #[validate(length(min = 1, max = 100))]
    #[schema(
        min_length = 1,
        max_length = 100,
        pattern = "[^\\t\\n\\v\\f\\r \\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]",
        example = "Amersfoort"
    )]
    pub municipality: Option<String>,
}

/// A partial change: absent fields stay as they are, `null` clears an optional field.
#[derive(Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateInstitutionRequest {
    /// Surrounding white space is removed; at least one other character must remain.
    #[validate(length(min = 1, max = 200))]
    #[schema(
        min_length = 1,
        max_length = 200,
        pattern = "[^\\t\\n\\v\\f\\r \\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]"
    )]
    pub name: Option<String>,
    #[schema(value_type = Option<schema::Sector>)]
    pub sector: Option<Sector>,
    #[validate(length(max = 10))]
    #[schema(value_type = Option<Vec<schema::SchoolType>>, max_items = 10)]
    pub school_types: Option<Vec<SchoolType>>,
    /// As on registration; `null` clears it.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, example = "12AB", pattern = "^[0-9]{2}([A-Za-z][A-Za-z0-9]|[0-9][A-Za-z])([0-9]{2})?$")]
    pub brin: Option<Option<String>>,
    /// Surrounding white space is removed; at least one other character must remain.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, min_length = 1, max_length = 100, pattern = "[^\\t\\n\\v\\f\\r \\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]")]
    pub region: Option<Option<String>>,
    /// Surrounding white space is removed; at least one other character must remain.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, min_length = 1, max_length = 100, pattern = "[^\\t\\n\\v\\f\\r \\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]")]
    pub municipality: Option<Option<String>>,
}

/// Tells an absent field (`None`) from an explicit `null` (`Some(None)`).
pub fn double_option<'de, T: Deserialize<'de>, D: Deserializer<'de>>(
    d: D,
) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(d).map(Some)
}

#[derive(Serialize, ToSchema)]
pub struct InstitutionResponse {
    pub id: Uuid,
    pub name: String,
    #[schema(value_type = schema::Sector)]
    pub sector: Sector,
    #[schema(value_type = Vec<schema::SchoolType>)]
    pub school_types: Vec<SchoolType>,
    pub brin: Option<String>,
    pub region: Option<String>,
    pub municipality: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<Institution> for InstitutionResponse {
    fn from(i: Institution) -> Self {
        InstitutionResponse {
            id: i.id,
            name: i.name,
            sector: i.sector,
            school_types: i.school_types,
            brin: i.brin.map(String::from),
            region: i.region,
            municipality: i.municipality,
            created_at: i.created_at,
            updated_at: i.updated_at,
        }
    }
}

fn parse_brin(brin: Option<String>) -> ApiResult<Option<Brin>> {
    brin.map(|b| Brin::parse(&b).map_err(|e| ApiError::field("brin", e.to_string())))
        .transpose()
}

fn text_field(
    field: &str,
    value: Option<String>,
    max: usize,
    errors: &mut Vec<FieldError>,
) -> Option<String> {
    let value = value.map(|v| v.trim().to_owned());
    if let Some(v) = &value
        && (v.is_empty() || v.chars().count() > max)
    {
        errors.push(FieldError {
            field: field.to_owned(),
            message: format!(
                "must be between 1 and {max} characters long, not counting surrounding spaces"
            ),
        });
    }
    value
}

fn checked(fields: InstitutionFields) -> ApiResult<InstitutionFields> {
    let mut errors = Vec::new();
    let name = text_field("name", Some(fields.name), 200, &mut errors).unwrap_or_default();
    let region = text_field("region", fields.region, 100, &mut errors);
    let municipality = text_field("municipality", fields.municipality, 100, &mut errors);
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    let mut school_types = Vec::new();
    for t in fields.school_types {
        if !school_types.contains(&t) {
            school_types.push(t);
        }
    }
    Ok(InstitutionFields {
        name,
        region,
        municipality,
        school_types,
        ..fields
    })
}

/// Register an institution (admins only).
#[utoipa::path(
    tag = "institutions",
    request_body = CreateInstitutionRequest,
    responses(
        (status = 201, description = "The new institution", body = InstitutionResponse),
        (status = 409, description = "The BRIN code is already registered", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("")] // POST /api/v1/institutions
pub async fn create_institution(
    state: web::Data<AppState>,
    caller: AuthUser,
    body: ValidJson<CreateInstitutionRequest>,
) -> ApiResult<HttpResponse> {
    caller.require_admin()?;
    let b = body.0;
    let fields = checked(InstitutionFields {
        brin: parse_brin(b.brin)?,
        name: b.name,
        sector: b.sector,
        school_types: b.school_types,
        region: b.region,
        municipality: b.municipality,
    })?;
    let tx = state.db.begin_write().await?;
    let institution = institutions::create(&*tx, fields).await.map_err(|e| {
        ApiError::unique(
            e,
            "An institution with this BRIN code is already registered.",
        )
    })?;
    audit::record(
        &*tx,
        &caller,
        Change::new("institution.created", "institution", institution.id)
            .at(institution.id)
            .details(serde_json::json!({"name": institution.name})),
    )
    .await?;
    tx.commit().await?;
    Ok(HttpResponse::Created()
        .insert_header((
            "Location",
            format!("/api/v1/institutions/{}", institution.id),
        ))
        .json(InstitutionResponse::from(institution)))
}

/// The institutions the caller may see (all, for admins), by name.
#[utoipa::path(tag = "institutions", params(Page), responses((status = 200, description = "A page of institutions", body = Paged<InstitutionResponse>)))]
#[get("")] // GET /api/v1/institutions
pub async fn list_institutions(
    state: web::Data<AppState>,
    caller: AuthUser,
    page: ValidQuery<Page>,
) -> ApiResult<web::Json<Paged<InstitutionResponse>>> {
    let (offset, limit) = page.0.resolve()?;
    let member = (!caller.is_admin()).then_some(caller.id);
    let (items, total) = institutions::list(state.db.conn(), member, offset, limit).await?;
    Ok(Paged::of(items, total, limit, offset))
}

/// One institution.
#[utoipa::path(tag = "institutions", params(("id" = Uuid, Path, description = "The institution")), responses((status = 200, description = "The institution", body = InstitutionResponse)))]
#[get("")] // GET /api/v1/institutions/{id}
pub async fn get_institution(
    state: web::Data<AppState>,
    caller: AuthUser,
    id: web::Path<Uuid>,
) -> ApiResult<web::Json<InstitutionResponse>> {
    let id = id.into_inner();
    caller.access_to(&state.db, id).await?;
    let institution = institutions::find(state.db.conn(), id)
        .await?
        .ok_or_else(ApiError::not_found)?;
    Ok(web::Json(institution.into()))
}

/// Change an institution (admins only); absent fields stay as they are.
#[utoipa::path(
    tag = "institutions",
    params(("id" = Uuid, Path, description = "The institution")),
    request_body = UpdateInstitutionRequest,
    responses(
        (status = 200, description = "The changed institution", body = InstitutionResponse),
        (status = 409, description = "The BRIN code is already registered", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[patch("")] // PATCH /api/v1/institutions/{id}
pub async fn update_institution(
    state: web::Data<AppState>,
    caller: AuthUser,
    id: web::Path<Uuid>,
    body: ValidJson<UpdateInstitutionRequest>,
) -> ApiResult<web::Json<InstitutionResponse>> {
    let id = id.into_inner();
    caller.access_to(&state.db, id).await?;
    caller.require_admin()?;
    let b = body.0;
    let tx = state.db.begin_write().await?;
    let current = institutions::find(&*tx, id)
        .await?
        .ok_or_else(ApiError::not_found)?;
    let before = InstitutionResponse::from(current.clone());
    let fields = checked(InstitutionFields {
        brin: match b.brin {
            Some(brin) => parse_brin(brin)?,
            None => current.brin,
        },
        name: b.name.unwrap_or(current.name),
        sector: b.sector.unwrap_or(current.sector),
        school_types: b.school_types.unwrap_or(current.school_types),
        region: b.region.unwrap_or(current.region),
        municipality: b.municipality.unwrap_or(current.municipality),
    })?;
    let updated = institutions::update(&*tx, id, fields).await.map_err(|e| {
        ApiError::unique(
            e,
            "An institution with this BRIN code is already registered.",
        )
    })?;
    let updated = InstitutionResponse::from(updated);
    audit::record(
        &*tx,
        &caller,
        Change::new("institution.updated", "institution", id)
            .at(id)
            .details(audit::diff(&before, &updated).map_err(ApiError::internal)?),
    )
    .await?;
    tx.commit().await?;
    Ok(web::Json(updated))
}
