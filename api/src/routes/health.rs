//! Liveness and readiness probes for load balancers and orchestrators.

use crate::error::{ApiError, ApiResult};
use crate::startup::AppState;
use actix_web::{HttpResponse, get, web};
use serde_json::json;
use std::time::Duration;

/// Liveness: the process answers.
#[utoipa::path(tag = "health", responses((status = 200, description = "The service is running")), security(()))]
#[get("/healthz")]
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(json!({"status": "ok"}))
}

/// Readiness: the database answers (and, on SQLite, the service's writer runs).
#[utoipa::path(
    tag = "health",
    responses(
        (status = 200, description = "The service can serve requests"),
        (status = 503, description = "The database does not answer, or on SQLite the service's writer has stopped", body = crate::error::Problem, content_type = "application/problem+json"),
    ),
    security(())
)]
#[get("/readyz")]
pub async fn readyz(state: web::Data<AppState>) -> ApiResult<HttpResponse> {
    // Probes time out after a second or two: answer before they do.
    let answered = tokio::time::timeout(Duration::from_secs(2), state.db.ping()).await;
    if answered == Ok(true) {
        Ok(HttpResponse::Ok().json(json!({"status": "ready"})))
    } else {
        // No cause to log: the request's own line (a warning) says readiness failed, once per
        // probe, however long the database is away.
        Err(ApiError::database_unavailable())
    }
}
