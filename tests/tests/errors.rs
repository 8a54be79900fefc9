//! Every error class of the API, through the public API: each answer is an RFC 9457
//! `application/problem+json` body with exactly the standard members and a stable `code`, the
//! headers its status calls for, and a file snapshot shared by the SQLite and PostgreSQL
//! variants, so both backends must answer with identical bodies.

use lobkader_api::auth::Role;
use lobkader_api::auth::token::TokenKeys;
use lobkader_tests::fixtures::question_ids;
use lobkader_tests::{
    ADMIN_EMAIL, ADMIN_PASSWORD, Backend, Response, TestApp, backend_tests, json, redact, spawn_app,
};
use reqwest::Method;
use serde_json::Value;

backend_tests!(
    malformed_requests_answer_400_naming_what_is_wrong,
    requests_without_a_valid_token_answer_401_with_a_bearer_challenge,
    a_wrong_password_and_an_unknown_address_answer_the_same_401,
    members_calling_admin_endpoints_answer_403,
    unknown_routes_and_other_schools_objects_answer_404_alike,
    a_known_path_with_the_wrong_method_answers_405_with_allow,
    conflicts_and_preconditions_answer_409_412_and_428,
    oversized_and_non_json_bodies_answer_413_and_415,
    unacceptable_fields_answer_422_with_the_field_list,
    an_incomplete_evaluation_answers_422_with_what_is_missing,
    repeated_wrong_passwords_lock_the_account_with_429_and_leave_its_data_alone,
);

/// The signing key the harness configures, to forge tokens the service accepts as its own.
const SIGNING_KEY: &[u8] = b"a-test-signing-key-of-at-least-32-bytes";

/// Asserts that `r` is a problem with this status and code, with exactly the RFC 9457 members
/// plus `code` (and `extra`), and snapshots its body as `name`.
#[track_caller]
fn assert_problem(r: &Response, status: u16, code: &str, extra: &[&str], name: &str) {
    assert_eq!(
        r.status, status,
        "{name}: unexpected status; body: {}",
        r.text
    );
    assert_eq!(
        r.header("content-type"),
        Some("application/problem+json"),
        "{name}"
    );
    let object = r
        .body
        .as_object()
        .unwrap_or_else(|| panic!("{name}: not a JSON object: {}", r.text));
    let mut members: Vec<&str> = object.keys().map(String::as_str).collect();
    members.sort_unstable();
    let mut expected = vec!["code", "detail", "status", "title", "type"];
    expected.extend_from_slice(extra);
    expected.sort_unstable();
    assert_eq!(members, expected, "{name}: members of {}", r.text);
    assert_eq!(r.body["status"], status, "{name}");
    assert_eq!(r.body["code"], code, "{name}");
    assert_eq!(
        r.body["type"],
        format!("urn:lobkader:problem:{code}"),
        "{name}"
    );
    for text in ["title", "detail"] {
        assert!(
            r.body[text].as_str().is_some_and(|t| !t.trim().is_empty()),
            "{name}: empty {text}"
        );
    }
    for list in extra {
        assert!(
            r.body[list].as_array().is_some_and(|l| !l.is_empty()),
            "{name}: empty {list}"
        );
    }
    // A bearer challenge on every 401 (and only there); which `error` it names is checked in
    // the login tests.
    let challenge = r.header("www-authenticate");
    assert_eq!(
        challenge.is_some_and(|c| c.starts_with("Bearer realm=\"lobkader\"")),
        status == 401,
        "{name}: {challenge:?}"
    );
    insta::assert_json_snapshot!(name, r.body);
}

/// A checking redaction: the value must be `expected` before it is masked as `mask`.
fn equals(expected: &str, mask: &'static str) -> insta::internals::Redaction {
    let expected = expected.to_owned();
    insta::dynamic_redaction(move |value, path| {
        assert_eq!(value.as_str(), Some(expected.as_str()), "{path}");
        mask
    })
}

/// The `field`s named in a `validation_failed` body.
fn fields(r: &Response) -> Vec<&str> {
    r.body["errors"]
        .as_array()
        .map(|e| e.iter().filter_map(|e| e["field"].as_str()).collect())
        .unwrap_or_default()
}

async fn log_in(app: &TestApp, email: &str, password: &str) -> Response {
    app.request(
        Method::POST,
        "/api/v1/auth/token",
        None,
        Some(json!({"email": email, "password": password})),
        &[],
    )
    .await
}

async fn malformed_requests_answer_400_naming_what_is_wrong(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.admin_token.clone();
    let school = app.create_institution("Het Baken").await;
    let json_body = |text: &str| text.as_bytes().to_vec();

    let r = app
        .raw(
            Method::POST,
            "/api/v1/institutions",
            Some(&admin),
            "application/json",
            json_body(r#"{"name": "Nieuw", "sector": "#),
        )
        .await;
    assert_problem(&r, 400, "malformed_request", &[], "malformed_json");
    let r = app
        .raw(
            Method::POST,
            "/api/v1/institutions",
            Some(&admin),
            "application/json",
            json_body(r#"{"name": "Nieuw", "sector": "vo"} {}"#),
        )
        .await;
    assert_problem(
        &r,
        400,
        "malformed_request",
        &[],
        "trailing_data_after_json",
    );
    let listed = app.get("/api/v1/institutions", &admin).await.expect(200);
    assert_eq!(
        listed.body["total"], 1,
        "a body with trailing data must not be half-accepted"
    );

    let r = app.get("/api/v1/institutions/not-a-uuid", &admin).await;
    assert_problem(
        &r,
        400,
        "invalid_path_parameter",
        &[],
        "invalid_path_parameter",
    );

    let list = format!("/api/v1/institutions/{school}/evaluations");
    let r = app.get(&format!("{list}?status=lost"), &admin).await;
    assert_problem(
        &r,
        400,
        "invalid_query_parameter",
        &["errors"],
        "invalid_query_value",
    );
    // A school year not written as its documented pattern, `YYYY-YYYY`.
    let r = app
        .get(&format!("{list}?school_year=2025%2F2026"), &admin)
        .await;
    assert_problem(
        &r,
        400,
        "invalid_query_parameter",
        &["errors"],
        "school_year_not_a_pair_of_years",
    );
    assert_eq!(fields(&r), ["school_year"]);
    let r = app.get("/api/v1/institutions?limit=many", &admin).await;
    assert_problem(
        &r,
        400,
        "invalid_query_parameter",
        &["errors"],
        "invalid_query_number",
    );
    let r = app.get(&format!("{list}?colour=red"), &admin).await;
    assert_problem(
        &r,
        400,
        "invalid_query_parameter",
        &["errors"],
        "unknown_query_parameter",
    );
    // Every list rejects parameters it does not know, not only the evaluation history.
    let r = app.get("/api/v1/institutions?colour=red", &admin).await;
    assert_eq!(r.status, 400, "{}", r.text);
    assert_eq!(r.body["errors"][0]["field"], "colour");
    let r = app
        .get("/api/v1/institutions?offset=99999999999999999999", &admin)
        .await;
    assert_eq!(r.status, 400, "{}", r.text);
    assert_eq!(r.body["errors"][0]["field"], "offset");
    // An offset a database cannot bind is refused before it reaches one.
    let r = app
        .get("/api/v1/institutions?offset=9223372036854775808", &admin)
        .await;
    assert_problem(
        &r,
        422,
        "validation_failed",
        &["errors"],
        "offset_too_large",
    );
}

async fn requests_without_a_valid_token_answer_401_with_a_bearer_challenge(backend: Backend) {
    let app = spawn_app(backend).await;
    let me = app.get("/api/v1/me", &app.admin_token).await.expect(200);
    let admin_id: uuid::Uuid = me.body["id"]
        .as_str()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no id in {}", me.text));

    let r = app
        .request(Method::GET, "/api/v1/me", None, None, &[])
        .await;
    assert_problem(&r, 401, "unauthorized", &[], "missing_token");
    let r = app
        .request(
            Method::GET,
            "/api/v1/me",
            None,
            None,
            &[("authorization", "Basic YWRtaW46YWRtaW4=")],
        )
        .await;
    assert_problem(&r, 401, "unauthorized", &[], "not_a_bearer_token");
    let r = app.get("/api/v1/me", "not-a-token").await;
    assert_problem(&r, 401, "unauthorized", &[], "invalid_or_expired_token");

    // A token made exactly as the service makes them, only with its expiry an hour ago: the
    // same recipe with a future expiry is accepted, so expiry is the only reason for the 401.
    let forge = |ttl: i64| {
        TokenKeys::new(SIGNING_KEY, ttl)
            .issue(admin_id, Role::Admin)
            .unwrap_or_else(|e| panic!("forging a token: {e}"))
    };
    app.get("/api/v1/me", &forge(600)).await.expect(200);
    let r = app.get("/api/v1/me", &forge(-3600)).await;
    assert_problem(&r, 401, "unauthorized", &[], "invalid_or_expired_token");
}

async fn a_wrong_password_and_an_unknown_address_answer_the_same_401(backend: Backend) {
    let app = spawn_app(backend).await;
    let r = log_in(&app, ADMIN_EMAIL, "not-the-admin-password").await;
    assert_problem(&r, 401, "invalid_credentials", &[], "invalid_credentials");
    let r = log_in(&app, "nobody@lobkader.test", ADMIN_PASSWORD).await;
    assert_problem(&r, 401, "invalid_credentials", &[], "invalid_credentials");
    let r = log_in(&app, "not an address", ADMIN_PASSWORD).await;
    assert_problem(&r, 401, "invalid_credentials", &[], "invalid_credentials");
}

async fn members_calling_admin_endpoints_answer_403(backend: Backend) {
    let app = spawn_app(backend).await;
    let school = app.create_institution("Het Baken").await;
    let m = app.create_member(&school, "decaan@baken.test").await;
    let r = app.get("/api/v1/users", &m.token).await;
    assert_problem(&r, 403, "forbidden", &[], "forbidden");
    let r = app.post("/api/v1/users", &m.token, json!({"email": "nieuw@baken.test", "display_name": "Nieuw", "password": "a-long-enough-password"})).await;
    assert_problem(&r, 403, "forbidden", &[], "forbidden");
    assert_eq!(
        app.get("/api/v1/users", &app.admin_token)
            .await
            .expect(200)
            .body["total"],
        2,
        "nobody was added"
    );
}

async fn unknown_routes_and_other_schools_objects_answer_404_alike(backend: Backend) {
    let app = spawn_app(backend).await;
    let r = app.get("/api/v1/nothing-here", &app.admin_token).await;
    assert_problem(&r, 404, "not_found", &[], "unknown_route");

    let ours = app.create_institution("Het Baken").await;
    let theirs = app.create_institution("De Linde").await;
    let m = app.create_member(&ours, "decaan@baken.test").await;
    let other = app.create_member(&theirs, "decaan@linde.test").await;
    let evaluation = app
        .create_draft(&theirs, &other.token, "2026-03-15", "baseline")
        .await;
    let nonexistent = uuid::Uuid::new_v4();
    let r = app
        .get(&format!("/api/v1/evaluations/{nonexistent}"), &m.token)
        .await;
    assert_problem(&r, 404, "not_found", &[], "not_found");
    let absent = r.body;
    // Another school's objects answer exactly as objects that do not exist, whatever the action.
    let path = format!("/api/v1/evaluations/{}", evaluation.id());
    let attempts = [
        app.get(&path, &m.token).await,
        app.patch(
            &path,
            &m.token,
            &evaluation.etag(),
            json!({"answers": [{"question_id": "1.1", "answer": "no"}]}),
        )
        .await,
        app.delete(&path, &m.token).await,
        app.get(&format!("/api/v1/institutions/{theirs}"), &m.token)
            .await,
        app.get(
            &format!("/api/v1/institutions/{theirs}/evaluations"),
            &m.token,
        )
        .await,
    ];
    for r in &attempts {
        assert_problem(r, 404, "not_found", &[], "not_found");
        assert_eq!(r.body, absent);
    }
    assert_eq!(
        app.get(&path, &other.token).await.expect(200).body,
        evaluation.body,
        "their draft is untouched"
    );
}

async fn a_known_path_with_the_wrong_method_answers_405_with_allow(backend: Backend) {
    let app = spawn_app(backend).await;
    let r = app
        .request(
            Method::DELETE,
            "/api/v1/institutions",
            Some(&app.admin_token),
            None,
            &[],
        )
        .await;
    assert_problem(
        &r,
        405,
        "method_not_allowed",
        &[],
        "method_not_allowed_collection",
    );
    assert_eq!(r.header("allow"), Some("GET, POST, HEAD"));
    let path = format!("/api/v1/evaluations/{}", uuid::Uuid::new_v4());
    let r = app
        .request(
            Method::PUT,
            &path,
            Some(&app.admin_token),
            Some(json!({})),
            &[],
        )
        .await;
    assert_problem(
        &r,
        405,
        "method_not_allowed",
        &[],
        "method_not_allowed_item",
    );
    assert_eq!(r.header("allow"), Some("GET, PATCH, DELETE, HEAD"));
    let r = app
        .request(
            Method::POST,
            "/api/v1/openapi.json",
            None,
            Some(json!({})),
            &[],
        )
        .await;
    assert_eq!(r.status, 405, "{}", r.text);
    assert_eq!(r.header("allow"), Some("GET, HEAD"));
    // HEAD is answered wherever GET is, with the same status and no body.
    let r = app
        .request(
            Method::HEAD,
            "/api/v1/institutions",
            Some(&app.admin_token),
            None,
            &[],
        )
        .await;
    assert_eq!((r.status, r.text.as_str()), (200, ""));
    let r = app
        .request(Method::HEAD, "/api/v1/institutions", None, None, &[])
        .await;
    assert_eq!(r.status, 401);
}

async fn conflicts_and_preconditions_answer_409_412_and_428(backend: Backend) {
    let app = spawn_app(backend).await;
    let (_, _) = app.create_user("decaan@baken.test").await;
    let r = app.post("/api/v1/users", &app.admin_token, json!({"email": "Decaan@Baken.TEST", "display_name": "Tweede", "password": "another-long-password"})).await;
    assert_problem(&r, 409, "conflict", &[], "duplicate_email");

    let school = app.create_institution("Het Baken").await;
    let m = app.create_member(&school, "kerngroep@baken.test").await;
    let draft = app
        .create_draft(&school, &m.token, "2026-03-15", "baseline")
        .await;
    let path = format!("/api/v1/evaluations/{}", draft.id());
    let change = json!({"answers": [{"question_id": "1.1", "answer": "yes"}]});
    let r = app
        .request(
            Method::PATCH,
            &path,
            Some(&m.token),
            Some(change.clone()),
            &[],
        )
        .await;
    assert_problem(&r, 428, "precondition_required", &[], "if_match_missing");
    app.patch(&path, &m.token, &draft.etag(), change.clone())
        .await
        .expect(200);
    let r = app
        .patch(&path, &m.token, &draft.etag(), change.clone())
        .await;
    assert_problem(&r, 412, "precondition_failed", &[], "if_match_stale");

    let submitted = app
        .submitted_evaluation(&school, &m.token, "2025-10-01", |_| "partly", |_| "basic")
        .await;
    let path = format!(
        "/api/v1/evaluations/{}",
        submitted["id"].as_str().unwrap_or_default()
    );
    let current = app.get(&path, &m.token).await.expect(200);
    let r = app.patch(&path, &m.token, &current.etag(), change).await;
    assert_problem(&r, 409, "evaluation_submitted", &[], "evaluation_submitted");
    assert_eq!(
        app.get(&path, &m.token).await.expect(200).body,
        current.body
    );
}

async fn oversized_and_non_json_bodies_answer_413_and_415(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.admin_token.clone();
    let big = serde_json::to_vec(&json!({"name": "x".repeat(300 * 1024), "sector": "vo"}))
        .unwrap_or_default();
    let r = app
        .raw(
            Method::POST,
            "/api/v1/institutions",
            Some(&admin),
            "application/json",
            big,
        )
        .await;
    assert_problem(&r, 413, "payload_too_large", &[], "payload_too_large");

    let body = br#"{"name": "Nieuw", "sector": "vo"}"#.to_vec();
    let r = app
        .raw(
            Method::POST,
            "/api/v1/institutions",
            Some(&admin),
            "text/plain",
            body.clone(),
        )
        .await;
    assert_problem(
        &r,
        415,
        "unsupported_media_type",
        &[],
        "unsupported_media_type",
    );
    let r = app
        .raw(
            Method::POST,
            "/api/v1/institutions",
            Some(&admin),
            "application/x-www-form-urlencoded",
            body,
        )
        .await;
    assert_problem(
        &r,
        415,
        "unsupported_media_type",
        &[],
        "unsupported_media_type",
    );
    assert_eq!(
        app.get("/api/v1/institutions", &admin)
            .await
            .expect(200)
            .body["total"],
        0
    );
}

async fn unacceptable_fields_answer_422_with_the_field_list(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.admin_token.clone();
    let cases: [(&str, &str, Value, &[&str]); 10] = [
        (
            "wrong_type",
            "/api/v1/institutions",
            json!({"name": 5, "sector": "vo"}),
            &["name"],
        ),
        (
            "unknown_variant",
            "/api/v1/institutions",
            json!({"name": "Nieuw", "sector": "hbo-plus"}),
            &["sector"],
        ),
        (
            "unknown_field",
            "/api/v1/institutions",
            json!({"name": "Nieuw", "sector": "vo", "colour": "red"}),
            &["colour"],
        ),
        (
            "name_too_long",
            "/api/v1/institutions",
            json!({"name": "x".repeat(201), "sector": "vo"}),
            &["name"],
        ),
        (
            "several_fields",
            "/api/v1/institutions",
            json!({"name": "x".repeat(201), "sector": "vo", "region": ""}),
            &["name", "region"],
        ),
        (
            "invalid_brin",
            "/api/v1/institutions",
            json!({"name": "Nieuw", "sector": "vo", "brin": "AB12"}),
            &["brin"],
        ),
        (
            "missing_field",
            "/api/v1/institutions",
            json!({"name": "Nieuw"}),
            &["sector"],
        ),
        ("not_an_object", "/api/v1/institutions", json!(null), &[""]),
        (
            "string_instead_of_list",
            "/api/v1/institutions",
            json!({"name": "Nieuw", "sector": "vo", "school_types": "vmbo"}),
            &["school_types"],
        ),
        (
            "invalid_email",
            "/api/v1/users",
            json!({"email": "decaan.baken.test", "display_name": "Decaan", "password": "a-long-enough-password"}),
            &["email"],
        ),
    ];
    for (name, path, body, named) in cases {
        let r = app.post(path, &admin, body).await;
        assert_problem(&r, 422, "validation_failed", &["errors"], name);
        assert_eq!(fields(&r), named, "{name}");
    }
    for (name, query) in [("limit_zero", "limit=0"), ("limit_too_high", "limit=201")] {
        let r = app
            .get(&format!("/api/v1/institutions?{query}"), &admin)
            .await;
        assert_problem(&r, 422, "validation_failed", &["errors"], name);
        assert_eq!(fields(&r), ["limit"], "{name}");
    }
    assert_eq!(
        app.get("/api/v1/institutions", &admin)
            .await
            .expect(200)
            .body["total"],
        0
    );
    assert_eq!(
        app.get("/api/v1/users", &admin).await.expect(200).body["total"],
        1
    );

    // A rule broken inside a list names the item by its index.
    let school = app.create_institution("Het Baken").await;
    let r = app.post(&format!("/api/v1/institutions/{school}/evaluations"), &admin, json!({"instrument_id": "kwaliteitskader-lob", "reference_date": "2026-03-15", "moment": "baseline", "participants": [{"name": "A. Jansen"}, {"name": ""}]})).await;
    assert_problem(&r, 422, "validation_failed", &["errors"], "nested_field");
    assert_eq!(fields(&r), ["participants[1].name"]);
    let history = format!("/api/v1/institutions/{school}/evaluations");
    assert_eq!(app.get(&history, &admin).await.expect(200).body["total"], 0);

    // A school year written as its pattern says, of two years that do not follow each other.
    let r = app
        .get(&format!("{history}?school_year=2025-2027"), &admin)
        .await;
    assert_problem(
        &r,
        422,
        "validation_failed",
        &["errors"],
        "school_year_not_consecutive",
    );
    assert_eq!(fields(&r), ["school_year"]);
}

async fn an_incomplete_evaluation_answers_422_with_what_is_missing(backend: Backend) {
    let app = spawn_app(backend).await;
    let school = app.create_institution("Het Baken").await;
    let m = app.create_member(&school, "decaan@baken.test").await;
    let draft = app
        .create_draft(&school, &m.token, "2026-03-15", "baseline")
        .await;
    let path = format!("/api/v1/evaluations/{}", draft.id());
    let answers: Vec<Value> = question_ids()
        .iter()
        .filter(|q| *q != "2.4")
        .map(|q| json!({"question_id": q, "answer": "yes"}))
        .collect();
    let levels: Vec<Value> = [1, 2, 4, 5]
        .iter()
        .map(|s| json!({"step": s, "level": "basic"}))
        .collect();
    let partial = app
        .patch(
            &path,
            &m.token,
            &draft.etag(),
            json!({"answers": answers, "levels": levels}),
        )
        .await
        .expect(200);
    let r = app
        .request(
            Method::POST,
            &format!("{path}/submit"),
            Some(&m.token),
            None,
            &[("if-match", &partial.etag())],
        )
        .await;
    assert_problem(
        &r,
        422,
        "incomplete_evaluation",
        &["missing"],
        "incomplete_evaluation",
    );
    assert_eq!(
        app.get(&path, &m.token).await.expect(200).body,
        partial.body,
        "still the same draft"
    );
}

async fn repeated_wrong_passwords_lock_the_account_with_429_and_leave_its_data_alone(
    backend: Backend,
) {
    let app = spawn_app(backend).await;
    let school = app.create_institution("Het Baken").await;
    let m = app.create_member(&school, "decaan@baken.test").await;
    let me = app.get("/api/v1/me", &m.token).await.expect(200);
    let account = format!("/api/v1/users/{}", m.user_id);
    let listed = app.get(&account, &app.admin_token).await.expect(200);

    for _ in 0..5 {
        let r = log_in(&app, &m.email, "a-wrong-password").await;
        assert_problem(&r, 401, "invalid_credentials", &[], "invalid_credentials");
    }
    // Locked now: even the right password is refused until the lock ends.
    for password in ["a-long-enough-password", "a-wrong-password"] {
        let r = log_in(&app, &m.email, password).await;
        assert_problem(&r, 429, "too_many_requests", &[], "too_many_requests");
        let retry_after: u64 = r
            .header("retry-after")
            .and_then(|v| v.parse().ok())
            .unwrap_or_else(|| panic!("no Retry-After in {r:?}"));
        assert!(
            (1..=30).contains(&retry_after),
            "Retry-After {retry_after}: the first lock lasts 30 seconds"
        );
    }

    // The lock is about logging in, and only for this account: the data and tokens stay as they were.
    let after = app.get("/api/v1/me", &m.token).await.expect(200);
    assert_eq!(after.body, me.body);
    assert_eq!(
        app.get(&account, &app.admin_token).await.expect(200).body,
        listed.body
    );
    app.login(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    insta::assert_json_snapshot!("me_after_a_lock", after.body, {
        ".id" => equals(&m.user_id, "[member id]"),
        ".memberships[].user_id" => equals(&m.user_id, "[member id]"),
        ".memberships[].institution_id" => equals(&school, "[institution id]"),
        ".created_at" => insta::dynamic_redaction(redact::timestamp),
        ".memberships[].created_at" => insta::dynamic_redaction(redact::timestamp),
    });
}
