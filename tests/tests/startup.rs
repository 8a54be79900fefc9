//! Starting the service: the first admin, the signing key that survives restarts, tokens,
//! and the health probes.

use lobkader_tests::{
    ADMIN_EMAIL, ADMIN_PASSWORD, Backend, backend_tests, json, spawn_app, spawn_app_with, start,
    test_settings,
};

backend_tests!(
    a_generated_signing_key_is_kept_so_tokens_survive_a_restart,
    the_first_admin_is_made_once_and_only_on_an_empty_database,
    a_token_is_a_short_lived_bearer_token,
    the_probes_answer_without_a_token,
);

async fn a_generated_signing_key_is_kept_so_tokens_survive_a_restart(backend: Backend) {
    let app = spawn_app_with(backend, |s| s.jwt_secret = None).await;
    let me = app.get("/api/v1/me", &app.admin_token).await.expect(200);
    let mut settings = test_settings(&app.database_url);
    settings.jwt_secret = None;
    let restarted = start(settings).await;
    let again = app
        .client
        .get(format!("{restarted}/api/v1/me"))
        .bearer_auth(&app.admin_token)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 200);
    assert_eq!(again.json::<serde_json::Value>().await.unwrap(), me.body);
}

async fn the_first_admin_is_made_once_and_only_on_an_empty_database(backend: Backend) {
    let app = spawn_app(backend).await;
    let mut settings = test_settings(&app.database_url);
    settings.admin_email = "someone-else@lobkader.test".into();
    let second = start(settings).await;
    let users = app
        .client
        .get(format!("{second}/api/v1/users"))
        .bearer_auth(&app.admin_token)
        .send()
        .await
        .unwrap();
    let users: serde_json::Value = users.json().await.unwrap();
    assert_eq!(users["total"], 1);
    assert_eq!(users["items"][0]["email"], ADMIN_EMAIL);
    assert_eq!(users["items"][0]["role"], "admin");
}

async fn a_token_is_a_short_lived_bearer_token(backend: Backend) {
    let app = spawn_app(backend).await;
    let r = app
        .request(
            reqwest::Method::POST,
            "/api/v1/auth/token",
            None,
            Some(json!({"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD})),
            &[],
        )
        .await
        .expect(200);
    assert_eq!(r.body["token_type"], "Bearer");
    assert_eq!(r.body["expires_in"], 600);
    let token = r.body["access_token"].as_str().unwrap();
    assert_eq!(token.split('.').count(), 3);
    // Any change to the token invalidates it.
    let mut tampered = token.to_owned();
    tampered.pop();
    tampered.push(if token.ends_with('A') { 'B' } else { 'A' });
    let refused = app.get("/api/v1/me", &tampered).await.expect(401);
    assert_eq!(refused.body["code"], "unauthorized");
}

async fn the_probes_answer_without_a_token(backend: Backend) {
    let app = spawn_app(backend).await;
    let health = app.client.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(health.status(), 200);
    let ready = app.client.get(app.url("/readyz")).send().await.unwrap();
    assert_eq!(ready.status(), 200);
    assert_eq!(
        ready.json::<serde_json::Value>().await.unwrap(),
        json!({"status": "ready"})
    );
}
