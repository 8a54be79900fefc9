//! `/metrics` for Prometheus: request counts and latencies per route template and status
//! class, the database pool and the process's memory. An admin token is needed, unless
//! `LOBKADER_METRICS_PUBLIC=true` opens it to a scraper on a private network.

use crate::auth::AuthUser;
use crate::error::ApiResult;
use crate::middleware::metrics::{Metrics, PoolStats};
use crate::startup::AppState;
use actix_web::{FromRequest, HttpRequest, HttpResponse, get, web};
use sea_orm::{DatabaseBackend, DatabaseConnection};

/// Metrics in the Prometheus text format (admins; anyone when the service is configured so).
///
/// `lobkader_http_requests_total` and `lobkader_http_request_duration_seconds` are labelled
/// with `method`, `route` (the path template, or `unmatched`) and `status_class` (`2xx`, `4xx`,
/// …); `lobkader_db_pool_connections` (`state` = `in_use` or `idle`) and
/// `lobkader_db_pool_max_connections` describe the database pool;
/// `process_resident_memory_bytes` the process.
#[utoipa::path(
    tag = "health",
    responses(
        (status = 200, description = "The metrics", body = String, content_type = "text/plain"),
    )
)]
#[get("/metrics")]
pub async fn metrics(
    req: HttpRequest,
    state: web::Data<AppState>,
    metrics: web::Data<Metrics>,
) -> ApiResult<HttpResponse> {
    if !metrics.public {
        AuthUser::extract(&req).await?.require_admin()?;
    }
    let text = metrics.render(&pool_stats(state.db.conn()));
    Ok(HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(text))
}

fn pool_stats(conn: &DatabaseConnection) -> PoolStats {
    let (size, idle, max) = match conn.get_database_backend() {
        DatabaseBackend::Sqlite => {
            let pool = conn.get_sqlite_connection_pool();
            (
                pool.size(),
                pool.num_idle(),
                pool.options().get_max_connections(),
            )
        }
        DatabaseBackend::Postgres => {
            let pool = conn.get_postgres_connection_pool();
            (
                pool.size(),
                pool.num_idle(),
                pool.options().get_max_connections(),
            )
        }
        _ => (0, 0, 0),
    };
    let idle = u64::try_from(idle).unwrap_or(u64::MAX);
    PoolStats {
        in_use: u64::from(size).saturating_sub(idle),
        idle,
        max: u64::from(max),
    }
}
