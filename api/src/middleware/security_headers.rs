//! Security headers on every response: the API's JSON, its problems, the fallback 404 and 405,
//! the probes and the documentation page.
//!
//! JSON is never a document a browser should render, so its Content-Security-Policy allows
//! nothing at all. The Swagger UI at `/docs/` loads its own scripts, styles and images from this
//! service (nothing from elsewhere, so it works offline) and styles elements inline, and it
//! fetches the OpenAPI document and sends "try it out" requests to this service. API responses
//! are never stored by caches: they are one caller's view. `Strict-Transport-Security` is sent
//! only when configured, because the service usually learns of TLS only from a proxy.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::middleware::Next;

const STRICT_CSP: &str = "default-src 'none'; frame-ancestors 'none'";
const DOCS_CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
     img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; \
     frame-ancestors 'none'";
/// A year, as browsers' preload lists expect.
const HSTS: &str = "max-age=31536000";

/// The headers' settings.
#[derive(Debug, Clone, Copy, Default)]
pub struct SecurityHeaders {
    /// Whether to send `Strict-Transport-Security`.
    pub hsts: bool,
}

impl SecurityHeaders {
    /// The middleware, for `App::wrap`.
    pub async fn apply(
        self,
        req: ServiceRequest,
        next: Next<impl MessageBody + 'static>,
    ) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
        let path = req.path();
        let docs = path == "/docs" || path.starts_with("/docs/");
        let api = path.starts_with("/api/")
            || path == "/metrics"
            || req.headers().contains_key(header::AUTHORIZATION);
        let mut res = next.call(req).await?;
        let headers = res.headers_mut();
        let csp = if docs { DOCS_CSP } else { STRICT_CSP };
        for (name, value) in [
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
            (header::REFERRER_POLICY, "no-referrer"),
            (header::X_FRAME_OPTIONS, "DENY"),
            (header::CONTENT_SECURITY_POLICY, csp),
            (
                HeaderName::from_static("cross-origin-opener-policy"),
                "same-origin",
            ),
        ] {
            headers.insert(name, HeaderValue::from_static(value));
        }
        if api && !headers.contains_key(header::CACHE_CONTROL) {
            headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        }
        if self.hsts {
            headers.insert(
                header::STRICT_TRANSPORT_SECURITY,
                HeaderValue::from_static(HSTS),
            );
        }
        Ok(res)
    }
}
