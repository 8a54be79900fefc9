//! Security headers on every kind of response: API JSON, a problem, the fallback 404 and 405,
//! the documentation page and its assets, the probes. JSON may load and frame nothing; the
//! documentation page may load only its own scripts, styles and images.

use lobkader_tests::{Backend, Response, TestApp, backend_tests, spawn_app, spawn_app_with};
use reqwest::Method;

backend_tests!(
    every_kind_of_response_carries_the_security_headers,
    the_documentation_page_may_load_only_its_own_assets,
    api_responses_are_never_stored_by_caches,
    strict_transport_security_is_sent_only_when_configured,
);

const STRICT_CSP: &str = "default-src 'none'; frame-ancestors 'none'";

#[track_caller]
fn assert_common(r: &Response, what: &str) {
    for (name, value) in [
        ("x-content-type-options", "nosniff"),
        ("referrer-policy", "no-referrer"),
        ("x-frame-options", "DENY"),
        ("cross-origin-opener-policy", "same-origin"),
    ] {
        assert_eq!(r.header(name), Some(value), "{name} on {what}");
    }
}

async fn anonymous(app: &TestApp, method: Method, path: &str) -> Response {
    app.request(method, path, None, None, &[]).await
}

async fn every_kind_of_response_carries_the_security_headers(backend: Backend) {
    let app = spawn_app(backend).await;
    let responses = [
        (
            "JSON 200",
            app.get("/api/v1/me", &app.admin_token).await.expect(200),
        ),
        (
            "problem 404",
            app.get(
                "/api/v1/evaluations/00000000-0000-0000-0000-000000000000",
                &app.admin_token,
            )
            .await
            .expect(404),
        ),
        (
            "problem 401",
            anonymous(&app, Method::GET, "/api/v1/me").await.expect(401),
        ),
        (
            "fallback 404",
            anonymous(&app, Method::GET, "/no/such/thing")
                .await
                .expect(404),
        ),
        (
            "fallback 405",
            anonymous(&app, Method::PUT, "/api/v1/me").await.expect(405),
        ),
        (
            "/healthz",
            anonymous(&app, Method::GET, "/healthz").await.expect(200),
        ),
        (
            "HEAD",
            anonymous(&app, Method::HEAD, "/healthz").await.expect(200),
        ),
    ];
    for (what, r) in &responses {
        assert_common(r, what);
        assert_eq!(
            r.header("content-security-policy"),
            Some(STRICT_CSP),
            "{what}"
        );
        assert_eq!(r.header("strict-transport-security"), None, "{what}");
    }
}

async fn the_documentation_page_may_load_only_its_own_assets(backend: Backend) {
    let app = spawn_app(backend).await;
    let page = anonymous(&app, Method::GET, "/docs/").await.expect(200);
    assert!(page.text.contains("swagger-ui-bundle.js"), "{}", page.text);
    assert_common(&page, "/docs/");
    let csp = page
        .header("content-security-policy")
        .unwrap_or_default()
        .to_owned();
    let directives: Vec<&str> = csp.split(';').map(str::trim).collect();
    for expected in [
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "frame-ancestors 'none'",
    ] {
        assert!(
            directives.contains(&expected),
            "{expected} missing from {csp}"
        );
    }
    // Scripts only from the service itself: nothing inline, nothing from elsewhere.
    assert!(
        !csp.contains("unsafe-eval") && !csp.contains("http"),
        "{csp}"
    );
    // The page's scripts and styles are served here, under the same policy.
    for asset in [
        "/docs/swagger-ui-bundle.js",
        "/docs/swagger-initializer.js",
        "/docs/swagger-ui.css",
    ] {
        let r = anonymous(&app, Method::GET, asset).await.expect(200);
        assert_eq!(
            r.header("content-security-policy"),
            Some(csp.as_str()),
            "{asset}"
        );
        assert_common(&r, asset);
    }
    // The initializer points the page at the document on this service.
    let init = anonymous(&app, Method::GET, "/docs/swagger-initializer.js").await;
    assert!(init.text.contains("/api/v1/openapi.json"), "{}", init.text);
    assert!(
        !page.text.contains("<script>") && !page.text.contains("src=\"http"),
        "{}",
        page.text
    );
}

async fn api_responses_are_never_stored_by_caches(backend: Backend) {
    let app = spawn_app(backend).await;
    let token = app
        .request(
            Method::POST,
            "/api/v1/auth/token",
            None,
            Some(lobkader_tests::json!({"email": lobkader_tests::ADMIN_EMAIL, "password": lobkader_tests::ADMIN_PASSWORD})),
            &[],
        )
        .await
        .expect(200);
    assert_eq!(
        token.header("cache-control"),
        Some("no-store"),
        "the token response"
    );
    let me = app.get("/api/v1/me", &app.admin_token).await.expect(200);
    assert_eq!(me.header("cache-control"), Some("no-store"));
    let list = app
        .get("/api/v1/institutions", &app.admin_token)
        .await
        .expect(200);
    assert_eq!(list.header("cache-control"), Some("no-store"));
    let refused = anonymous(&app, Method::GET, "/api/v1/me").await.expect(401);
    assert_eq!(refused.header("cache-control"), Some("no-store"));
}

async fn strict_transport_security_is_sent_only_when_configured(backend: Backend) {
    let app = spawn_app_with(backend, |s| s.hsts = true).await;
    for path in ["/healthz", "/docs/", "/no/such/thing"] {
        let r = anonymous(&app, Method::GET, path).await;
        assert_eq!(
            r.header("strict-transport-security"),
            Some("max-age=31536000"),
            "{path}"
        );
    }
    let me = app.get("/api/v1/me", &app.admin_token).await.expect(200);
    assert_eq!(
        me.header("strict-transport-security"),
        Some("max-age=31536000")
    );
}
