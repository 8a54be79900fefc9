//! `/metrics` in the Prometheus text format: requests counted under their route template and
//! status class, never under a raw path; the database pool; an admin token needed unless the
//! service is configured to serve it publicly.

use lobkader_tests::{Backend, Response, TestApp, backend_tests, spawn_app, spawn_app_with};
use reqwest::Method;

backend_tests!(
    requests_are_counted_by_route_template_and_status_class,
    the_database_pool_and_the_process_are_described,
    metrics_need_an_admin_token_by_default,
    metrics_are_public_when_configured,
);

async fn scrape(app: &TestApp) -> String {
    let r = app.get("/metrics", &app.admin_token).await.expect(200);
    assert_eq!(
        r.header("content-type"),
        Some("text/plain; version=0.0.4; charset=utf-8")
    );
    // An admin's view: no cache keeps it.
    assert_eq!(r.header("cache-control"), Some("no-store"));
    r.text
}

/// The value of the sample `name{labels}` in `text`.
fn sample(text: &str, series: &str) -> Option<f64> {
    text.lines()
        .find_map(|l| l.strip_prefix(series)?.strip_prefix(' '))
        .map(|v| v.parse().unwrap())
}

fn requests(method: &str, route: &str, class: &str) -> String {
    format!(
        "lobkader_http_requests_total{{method=\"{method}\",route=\"{route}\",status_class=\"{class}\"}}"
    )
}

async fn requests_are_counted_by_route_template_and_status_class(backend: Backend) {
    let app = spawn_app(backend).await;
    let institution = app.create_institution("Het Baken").await;
    for _ in 0..3 {
        app.get(
            &format!("/api/v1/institutions/{institution}"),
            &app.admin_token,
        )
        .await
        .expect(200);
    }
    let missing = "/api/v1/institutions/00000000-0000-0000-0000-000000000000";
    app.get(missing, &app.admin_token).await.expect(404);
    // The last lies inside a scope of routes (`/institutions/{id}`) but matches none of them.
    let inside = format!("/api/v1/institutions/{institution}/place-7f3a");
    for unknown in ["/no/such/place-7f3a", "/api/v1/place-7f3a", &inside] {
        app.request(Method::GET, unknown, None, None, &[])
            .await
            .expect(404);
    }
    let text = scrape(&app).await;
    let item = "/api/v1/institutions/{id}";
    assert_eq!(
        sample(&text, &requests("GET", item, "2xx")),
        Some(3.0),
        "{text}"
    );
    assert_eq!(
        sample(&text, &requests("GET", item, "4xx")),
        Some(1.0),
        "{text}"
    );
    assert_eq!(
        sample(&text, &requests("POST", "/api/v1/auth/token", "2xx")),
        Some(1.0),
        "the admin's login; {text}"
    );
    assert_eq!(
        sample(&text, &requests("GET", "unmatched", "4xx")),
        Some(3.0),
        "{text}"
    );
    // Raw paths never become labels: no ids, no made-up paths.
    assert!(!text.contains(&institution), "{text}");
    assert!(
        !text.contains("place-7f3a") && !text.contains("0000-0000"),
        "{text}"
    );
    // The histogram agrees with the counter.
    let histogram = format!(
        "lobkader_http_request_duration_seconds_bucket{{method=\"GET\",route=\"{item}\",status_class=\"2xx\",le=\"+Inf\"}}"
    );
    assert_eq!(sample(&text, &histogram), Some(3.0), "{text}");
    assert!(text.contains("# TYPE lobkader_http_request_duration_seconds histogram"));
    // A scrape counts itself once it is answered.
    let again = scrape(&app).await;
    assert_eq!(
        sample(&again, &requests("GET", "/metrics", "2xx")),
        Some(1.0),
        "{again}"
    );
}

async fn the_database_pool_and_the_process_are_described(backend: Backend) {
    let app = spawn_app(backend).await;
    let text = scrape(&app).await;
    // The harness configures a pool of 4.
    assert_eq!(
        sample(&text, "lobkader_db_pool_max_connections"),
        Some(4.0),
        "{text}"
    );
    let in_use = sample(&text, "lobkader_db_pool_connections{state=\"in_use\"}").unwrap();
    let idle = sample(&text, "lobkader_db_pool_connections{state=\"idle\"}").unwrap();
    assert!(in_use + idle >= 1.0 && in_use + idle <= 4.0, "{text}");
    let rss = sample(&text, "process_resident_memory_bytes").unwrap();
    assert!(rss > 1_000_000.0, "{text}");
}

async fn metrics_need_an_admin_token_by_default(backend: Backend) {
    let app = spawn_app(backend).await;
    let r: Response = app
        .request(Method::GET, "/metrics", None, None, &[])
        .await
        .expect(401);
    assert_eq!(r.body["code"], "unauthorized");
    let institution = app.create_institution("Het Baken").await;
    let member = app.create_member(&institution, "decaan@baken.test").await;
    let r = app.get("/metrics", &member.token).await.expect(403);
    assert_eq!(r.body["code"], "forbidden");
}

async fn metrics_are_public_when_configured(backend: Backend) {
    let app = spawn_app_with(backend, |s| s.metrics_public = true).await;
    let r = app
        .request(Method::GET, "/metrics", None, None, &[])
        .await
        .expect(200);
    assert!(
        r.text.contains("lobkader_http_requests_total{"),
        "{}",
        r.text
    );
}
