//! Logging in: failures are throttled by the address tried, so that the answers never tell
//! whether an address has an account, and by the client's network address, read from the
//! forwarding header of trusted proxies only; bad tokens get an RFC 6750 challenge.

use lobkader_tests::{
    ADMIN_EMAIL, ADMIN_PASSWORD, Backend, Response, TestApp, backend_tests, json, spawn_app,
    spawn_app_with,
};

backend_tests!(
    known_and_unknown_addresses_are_answered_and_throttled_alike,
    a_successful_login_clears_the_failures_before_the_lock,
    a_presented_but_invalid_token_is_challenged_as_invalid_token,
    twenty_failures_from_one_client_address_stop_its_logins_and_no_other,
    a_forwarded_address_counts_only_from_a_trusted_proxy,
    failures_sent_at_once_get_no_more_answers_than_the_address_limit,
    successful_logins_never_fill_an_address_limit,
    a_day_after_the_last_failure_the_records_of_an_address_are_removed,
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

/// A login attempt forwarded by a proxy with `X-Forwarded-For: forwarded`.
async fn attempt_via(app: &TestApp, forwarded: &str, email: &str, password: &str) -> Response {
    app.request(
        reqwest::Method::POST,
        "/api/v1/auth/token",
        None,
        Some(json!({"email": email, "password": password})),
        &[("x-forwarded-for", forwarded)],
    )
    .await
}

/// A service behind a proxy on the loopback address, where the tests connect from.
async fn behind_proxy(backend: Backend) -> TestApp {
    spawn_app_with(backend, |s| {
        s.trusted_proxies = vec!["127.0.0.1".parse().unwrap(), "::1".parse().unwrap()]
    })
    .await
}

#[track_caller]
fn assert_address_refusal(r: &Response) {
    assert_eq!(r.status, 429, "{}", r.text);
    assert_eq!(r.body["code"], "too_many_requests");
    assert_eq!(
        r.body["detail"],
        "Too many failed logins from your network address; try again later."
    );
    let retry: u64 = r.header("retry-after").unwrap().parse().unwrap();
    assert!(
        (1..=45).contains(&retry),
        "Retry-After {retry}: one failure drains in 45 s"
    );
}

async fn twenty_failures_from_one_client_address_stop_its_logins_and_no_other(backend: Backend) {
    let app = behind_proxy(backend).await;
    // Twenty addresses tried once each: no account is locked, the client address is.
    for i in 0..20 {
        let email = format!("gok{i}@baken.test");
        attempt_via(&app, "203.0.113.5", &email, "guess")
            .await
            .expect(401);
    }
    // Every login from that address is refused now, the right password too, and known and
    // unknown accounts alike.
    let right = attempt_via(&app, "203.0.113.5", ADMIN_EMAIL, ADMIN_PASSWORD).await;
    assert_address_refusal(&right);
    let unknown = attempt_via(&app, "203.0.113.5", "niemand@baken.test", "guess").await;
    assert_address_refusal(&unknown);
    // Another client behind the same proxy logs in as usual.
    attempt_via(&app, "203.0.113.6", ADMIN_EMAIL, ADMIN_PASSWORD)
        .await
        .expect(200);
    // So does a neighbour in another IPv6 /64, while the /64 of a refused address is refused.
    for i in 0..20 {
        let email = format!("v6-{i}@baken.test");
        let from = format!("2001:db8:1:2::{i:x}");
        attempt_via(&app, &from, &email, "guess").await.expect(401);
    }
    let same_network = attempt_via(&app, "2001:db8:1:2:ffff::1", ADMIN_EMAIL, ADMIN_PASSWORD).await;
    assert_address_refusal(&same_network);
    attempt_via(&app, "2001:db8:1:3::1", ADMIN_EMAIL, ADMIN_PASSWORD)
        .await
        .expect(200);
}

async fn a_forwarded_address_counts_only_from_a_trusted_proxy(backend: Backend) {
    // No trusted proxy: the header is the client's own word and is ignored, so changing it
    // gives no fresh counter.
    let direct = spawn_app(backend.clone()).await;
    for i in 0..20 {
        let email = format!("gok{i}@baken.test");
        attempt_via(&direct, &format!("198.51.100.{i}"), &email, "guess")
            .await
            .expect(401);
    }
    let r = attempt_via(&direct, "198.51.100.200", ADMIN_EMAIL, ADMIN_PASSWORD).await;
    assert_address_refusal(&r);

    // Behind a trusted proxy, the client can still prepend what it likes: only the address the
    // proxy appended counts.
    let proxied = behind_proxy(backend).await;
    for i in 0..20 {
        let email = format!("gok{i}@baken.test");
        let forged = format!("198.51.100.{i}, 203.0.113.5");
        attempt_via(&proxied, &forged, &email, "guess")
            .await
            .expect(401);
    }
    let r = attempt_via(
        &proxied,
        "198.51.100.99, 203.0.113.5",
        ADMIN_EMAIL,
        ADMIN_PASSWORD,
    )
    .await;
    assert_address_refusal(&r);
    attempt_via(
        &proxied,
        "203.0.113.5, 203.0.113.7",
        ADMIN_EMAIL,
        ADMIN_PASSWORD,
    )
    .await
    .expect(200);
}

async fn failures_sent_at_once_get_no_more_answers_than_the_address_limit(backend: Backend) {
    let app = spawn_app_with(backend, |s| s.login_address_limit = 4).await;
    let attempts = (0..12).map(|i| {
        let app = &app;
        async move {
            attempt(app, &format!("gok{i}@baken.test"), "guess")
                .await
                .status
        }
    });
    let mut statuses = futures_util::future::join_all(attempts).await;
    statuses.sort_unstable();
    let wrong = statuses.iter().filter(|s| **s == 401).count();
    assert_eq!(wrong, 4, "{statuses:?}");
    assert!(statuses[4..].iter().all(|s| *s == 429), "{statuses:?}");
}

async fn successful_logins_never_fill_an_address_limit(backend: Backend) {
    let app = spawn_app_with(backend, |s| s.login_address_limit = 2).await;
    attempt(&app, "gok@baken.test", "guess").await.expect(401);
    for _ in 0..5 {
        attempt(&app, ADMIN_EMAIL, ADMIN_PASSWORD).await.expect(200);
    }
    attempt(&app, "gok@baken.test", "guess").await.expect(401);
    assert_eq!(attempt(&app, ADMIN_EMAIL, ADMIN_PASSWORD).await.status, 429);
}

async fn a_day_after_the_last_failure_the_records_of_an_address_are_removed(backend: Backend) {
    use lobkader_api::db::entities::login_throttles as throttles;
    use sea_orm::{EntityTrait, QueryOrder, Set};
    let app = spawn_app(backend).await;
    let db = sea_orm::Database::connect(&app.database_url).await.unwrap();
    let now = chrono::Utc::now();
    let record = |key: &str, failures: i32, hours_ago: i64| {
        let at = now - chrono::Duration::hours(hours_ago);
        throttles::ActiveModel {
            key: Set(key.to_owned()),
            failures: Set(failures),
            locked_until: Set(Some(at + chrono::Duration::minutes(15))),
            updated_at: Set(at),
        }
    };
    throttles::Entity::insert_many([
        record("email:oud@baken.test", 9, 25),
        record("addr:192.0.2.99", 20, 25),
        record("email:recent@baken.test", 2, 23),
    ])
    .exec(&db)
    .await
    .unwrap();

    // Nine failures a day ago no longer count: the tenth would have locked the address.
    attempt(&app, "oud@baken.test", "guess").await.expect(401);
    attempt(&app, "oud@baken.test", "guess").await.expect(401);

    let keys: Vec<String> = throttles::Entity::find()
        .order_by_asc(throttles::Column::Key)
        .all(&db)
        .await
        .unwrap()
        .into_iter()
        .map(|t| t.key)
        .filter(|k| k.starts_with("email:"))
        .collect();
    assert_eq!(keys, ["email:oud@baken.test", "email:recent@baken.test"]);
    let oud = throttles::Entity::find_by_id("email:oud@baken.test".to_owned())
        .one(&db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(oud.failures, 2);
    let old_address = throttles::Entity::find_by_id("addr:192.0.2.99".to_owned())
        .one(&db)
        .await
        .unwrap();
    assert_eq!(old_address, None);
    db.close().await.unwrap();
}
