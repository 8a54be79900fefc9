//! Logging in: failures are throttled by the address tried, so that the answers never tell
//! whether an address has an account; bad tokens get an RFC 6750 challenge.

use lobkader_tests::{Backend, Response, TestApp, backend_tests, json, spawn_app};

backend_tests!(
    known_and_unknown_addresses_are_answered_and_throttled_alike,
    a_successful_login_clears_the_failures_before_the_lock,
    a_presented_but_invalid_token_is_challenged_as_invalid_token,
);

async fn attempt(app: &TestApp, email: &str, password: &str) -> Response {
    app.request(
        reqwest::Method::POST,
        "/api/v1/auth/token",
        None,
        Some(json!({"email": email, "password": password})),
        &[],
    )
    .await
}

async fn known_and_unknown_addresses_are_answered_and_throttled_alike(backend: Backend) {
    let app = spawn_app(backend).await;
    app.create_user("decaan@baken.test").await;
    for email in ["decaan@baken.test", "niemand@baken.test"] {
        let mut answers = Vec::new();
        for _ in 0..6 {
            let r = attempt(&app, email, "wrong-password-guess").await;
            answers.push((
                r.status,
                r.body["code"].as_str().unwrap_or_default().to_owned(),
                r.body["detail"].clone(),
            ));
        }
        let statuses: Vec<u16> = answers.iter().map(|a| a.0).collect();
        assert_eq!(statuses, [401, 401, 401, 401, 401, 429], "{email}");
        assert_eq!(answers[5].1, "too_many_requests");
    }
    // The same detail for both: nothing tells the registered address apart.
    let known = attempt(&app, "decaan@baken.test", "x").await;
    let unknown = attempt(&app, "niemand@baken.test", "x").await;
    assert_eq!(
        (known.status, &known.body["detail"]),
        (unknown.status, &unknown.body["detail"])
    );
    // Capitalisation does not give an attacker a fresh counter.
    assert_eq!(attempt(&app, "DECAAN@Baken.test", "x").await.status, 429);
    // Another address is not affected.
    app.create_user("mentor@baken.test").await;
}

async fn a_successful_login_clears_the_failures_before_the_lock(backend: Backend) {
    let app = spawn_app(backend).await;
    app.create_user("decaan@baken.test").await;
    for _ in 0..4 {
        attempt(&app, "decaan@baken.test", "wrong")
            .await
            .expect(401);
    }
    attempt(&app, "decaan@baken.test", "a-long-enough-password")
        .await
        .expect(200);
    for _ in 0..4 {
        attempt(&app, "decaan@baken.test", "wrong")
            .await
            .expect(401);
    }
    attempt(&app, "decaan@baken.test", "a-long-enough-password")
        .await
        .expect(200);
}

async fn a_presented_but_invalid_token_is_challenged_as_invalid_token(backend: Backend) {
    let app = spawn_app(backend).await;
    let missing = app
        .request(reqwest::Method::GET, "/api/v1/me", None, None, &[])
        .await
        .expect(401);
    assert_eq!(
        missing.header("www-authenticate"),
        Some("Bearer realm=\"lobkader\"")
    );
    let invalid = app.get("/api/v1/me", "not.a.token").await.expect(401);
    assert_eq!(
        invalid.header("www-authenticate"),
        Some("Bearer realm=\"lobkader\", error=\"invalid_token\"")
    );
}
