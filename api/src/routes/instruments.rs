//! The framework itself, served as data: every instrument and version the service knows.

use crate::auth::AuthUser;
use crate::error::{ApiError, ApiResult};
use crate::extract::ValidQuery;
use actix_web::{get, web};
use lobkader_domain::catalogue;
use lobkader_domain::instrument::Instrument;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// A short description of one instrument version.
#[derive(Serialize, ToSchema)]
pub struct InstrumentSummary {
    pub id: String,
    pub version: String,
    pub title: String,
    pub version_label: String,
    pub publisher: String,
}

/// An instrument version in full: its source and reuse terms, uitgangspunten, loopbaancompetenties,
/// steps with their checklist questions, and the scales. Text is verbatim from the source.
#[derive(ToSchema)]
#[allow(dead_code)]
#[schema(as = Instrument)]
pub struct InstrumentSchema {
    #[schema(example = "kwaliteitskader-lob")]
    id: String,
    #[schema(example = "2026-04")]
    version: String,
    title: String,
    version_label: String,
    publisher: String,
    initiators: Vec<String>,
    authors: Vec<String>,
    copyright: String,
    reuse_terms: String,
    source_url: String,
    checklist_intro: Option<String>,
    self_evaluation_intro: Option<String>,
    /// The label of the remarks column of the self-evaluation table.
    remarks_label: String,
    uitgangspunten: Vec<UitgangspuntSchema>,
    competences: Vec<CompetenceSchema>,
    steps: Vec<StepSchema>,
    levels: Vec<ScaleLabelSchema>,
    answers: Vec<ScaleLabelSchema>,
}

#[derive(ToSchema)]
#[allow(dead_code)]
#[schema(as = Uitgangspunt)]
struct UitgangspuntSchema {
    number: u8,
    statement: String,
    key_elements: Vec<String>,
}

#[derive(ToSchema)]
#[allow(dead_code)]
#[schema(as = Competence)]
struct CompetenceSchema {
    id: String,
    name: String,
    question: Option<String>,
    description: Option<String>,
}

#[derive(ToSchema)]
#[allow(dead_code)]
#[schema(as = Step)]
struct StepSchema {
    number: u8,
    title: String,
    description: Option<String>,
    /// The numbers of the uitgangspunten this step serves.
    uitgangspunten: Vec<u8>,
    questions: Vec<QuestionSchema>,
}

#[derive(ToSchema)]
#[allow(dead_code)]
#[schema(as = Question)]
struct QuestionSchema {
    #[schema(example = "1.1")]
    id: String,
    text: String,
}

#[derive(ToSchema)]
#[allow(dead_code)]
#[schema(as = ScaleLabel)]
struct ScaleLabelSchema {
    #[schema(example = "minimal")]
    id: String,
    #[schema(example = "Minimaal")]
    label: String,
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct InstrumentQuery {
    /// A version such as `2026-04`; the latest when absent.
    pub version: Option<String>,
}

/// Every instrument version the service knows.
#[utoipa::path(tag = "instruments", responses((status = 200, description = "The instruments", body = Vec<InstrumentSummary>)))]
#[get("")] // GET /api/v1/instruments
pub async fn list_instruments(_caller: AuthUser) -> web::Json<Vec<InstrumentSummary>> {
    web::Json(
        catalogue()
            .all()
            .iter()
            .map(|i| InstrumentSummary {
                id: i.id.clone(),
                version: i.version.clone(),
                title: i.title.clone(),
                version_label: i.version_label.clone(),
                publisher: i.publisher.clone(),
            })
            .collect(),
    )
}

/// One instrument in full, the latest version unless `version` names another.
#[utoipa::path(
    tag = "instruments",
    params(("id" = String, Path, description = "The instrument, e.g. `kwaliteitskader-lob`"), InstrumentQuery),
    responses((status = 200, description = "The instrument", body = InstrumentSchema))
)]
#[get("/{id}")] // GET /api/v1/instruments/{id}
pub async fn get_instrument(
    _caller: AuthUser,
    id: web::Path<String>,
    query: ValidQuery<InstrumentQuery>,
) -> ApiResult<web::Json<&'static Instrument>> {
    let found = match &query.0.version {
        Some(v) => catalogue().get(&id, v),
        None => catalogue().latest(&id),
    };
    found.map(web::Json).ok_or_else(ApiError::not_found)
}
