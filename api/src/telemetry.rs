//! Structured logs: JSON lines (or readable text on a terminal), filtered by `RUST_LOG`, with
//! one line per answered request.
//!
//! Secrets never reach a log line. Settings hold them in `SecretString`; request bodies
//! (passwords, remarks) and headers (`Authorization`) are never logged; a request is logged by
//! its method, route template (never the raw path or query), status, error code, duration,
//! request id and client address. Error details are left out too, since some repeat what the
//! client sent; the cause of a 5xx is logged where it arises, without the request's content.

use crate::error::ApiError;
use crate::middleware::client_addr::ClientAddr;
use crate::middleware::metrics::Route;
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::StatusCode;
use actix_web::{Error, HttpMessage};
use std::io::IsTerminal;
use std::time::Instant;
use tracing::Span;
use tracing_actix_web::{RequestId, RootSpanBuilder};
use tracing_subscriber::EnvFilter;

pub fn init() {
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,sea_orm=warn"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let _ = if std::io::stderr().is_terminal() {
        builder.try_init()
    } else {
        builder.json().try_init()
    };
}

/// The span of one request, and its log line when the answer is ready.
pub struct RequestSpan;

/// When a request arrived, to log its duration.
#[derive(Clone, Copy)]
struct Arrived(Instant);

impl RootSpanBuilder for RequestSpan {
    fn on_request_start(request: &ServiceRequest) -> Span {
        request.extensions_mut().insert(Arrived(Instant::now()));
        let request_id = request
            .extensions()
            .get::<RequestId>()
            .map(ToString::to_string)
            .unwrap_or_default();
        let route = Route::of(request);
        tracing::info_span!(
            "request",
            method = %request.method(),
            route = %route.0,
            client = %ClientAddr::of(request.request()).0,
            request_id = %request_id,
        )
    }

    fn on_request_end<B: MessageBody>(_: Span, outcome: &Result<ServiceResponse<B>, Error>) {
        let (status, error, elapsed) = match outcome {
            Ok(res) => (
                res.status(),
                res.response().error(),
                res.request()
                    .extensions()
                    .get::<Arrived>()
                    .map(|a| a.0.elapsed()),
            ),
            Err(e) => (e.as_response_error().status_code(), Some(e), None),
        };
        // Only the stable code of an error: its detail may quote what the client sent.
        let code = error.map(|e| {
            e.as_error::<ApiError>()
                .map_or("other", |e| e.code.as_str())
        });
        // Milliseconds to the microsecond.
        let ms = elapsed.map(|d| d.as_micros() as f64 / 1000.0);
        // A 503 says the service cannot answer now (its database is away, say); an error is a
        // fault of the service.
        if status.is_server_error() && status != StatusCode::SERVICE_UNAVAILABLE {
            tracing::error!(status = status.as_u16(), code, ms, "request answered");
        } else if status.is_client_error() || status.is_server_error() {
            tracing::warn!(status = status.as_u16(), code, ms, "request answered");
        } else {
            tracing::info!(status = status.as_u16(), ms, "request answered");
        }
    }
}
