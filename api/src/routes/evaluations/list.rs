//! The evaluation history of an institution.

use super::EvaluationSummary;
use crate::auth::AuthUser;
use crate::db::evaluations;
use crate::error::{ApiError, ApiResult};
use crate::extract::{Page, ValidQuery};
use crate::routes::Paged;
use crate::schema;
use crate::startup::AppState;
use actix_web::{get, web};
use lobkader_domain::{SchoolYear, Status};
use serde::de::Error as _;
use serde::{Deserialize, Deserializer};
use utoipa::IntoParams;
use uuid::Uuid;

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct HistoryQuery {
    /// Only drafts or only submitted evaluations.
    #[param(value_type = Option<schema::EvaluationStatus>)]
    pub status: Option<Status>,
    /// Only this school year: two consecutive years, e.g. `2025-2026`. Written otherwise it is
    /// 400; two years that do not follow each other are 422.
    #[serde(default, deserialize_with = "year_pair")]
    #[param(pattern = r"^[0-9]{4}-[0-9]{4}$", example = "2025-2026")]
    pub school_year: Option<String>,
    /// Only evaluations about this unit.
    pub unit_id: Option<Uuid>,
    /// Only the measurement moments of this trajectory.
    pub trajectory_id: Option<Uuid>,
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u64>,
    #[param(minimum = 0, maximum = 1_000_000_000)]
    pub offset: Option<u64>,
}

/// The evaluations of an institution, newest reference date first.
#[utoipa::path(
    tag = "evaluations",
    params(("id" = Uuid, Path, description = "The institution"), HistoryQuery),
    responses((status = 200, description = "A page of evaluations", body = Paged<EvaluationSummary>))
)]
#[get("/evaluations")] // GET /api/v1/institutions/{id}/evaluations
pub async fn list_evaluations(
    state: web::Data<AppState>,
    caller: AuthUser,
    id: web::Path<Uuid>,
    query: ValidQuery<HistoryQuery>,
) -> ApiResult<web::Json<Paged<EvaluationSummary>>> {
    let institution = id.into_inner();
    caller.access_to(&state.db, institution).await?;
    let q = query.0;
    let (offset, limit) = Page {
        limit: q.limit,
        offset: q.offset,
    }
    .resolve()?;
    let filter = evaluations::ListFilter {
        status: q.status,
        school_year: q
            .school_year
            .map(|y| y.parse::<SchoolYear>())
            .transpose()
            .map_err(|e| ApiError::field("school_year", e.to_string()))?,
        unit_id: q.unit_id,
        trajectory_id: q.trajectory_id,
    };
    let (items, total) =
        evaluations::list(state.db.conn(), institution, &filter, offset, limit).await?;
    Ok(Paged::of(items, total, limit, offset))
}

/// Reads `school_year` as written by the documented pattern, `YYYY-YYYY`; whether the two years
/// follow each other is the domain's to say.
fn year_pair<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    let text = Option::<String>::deserialize(d)?;
    let shaped = |t: &str| {
        let b = t.as_bytes();
        b.len() == 9 && b[4] == b'-' && b[..4].iter().chain(&b[5..]).all(u8::is_ascii_digit)
    };
    match text {
        Some(t) if !shaped(&t) => Err(D::Error::custom(format_args!(
            "`{t}` is not written as YYYY-YYYY"
        ))),
        text => Ok(text),
    }
}
