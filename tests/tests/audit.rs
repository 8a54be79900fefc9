//! The audit trail: every change through the API is recorded with who, what, which object,
//! when and in which request; admins read all of it and an institution's kerngroep its own;
//! a refused change leaves no record; and nothing can rewrite a record.

use lobkader_tests::{Backend, backend_tests, fixtures::complete_content, json, spawn_app};
use sea_orm::{ConnectionTrait, Database, Statement};
use serde_json::Value;

backend_tests!(
    each_change_is_recorded_with_its_actor_object_and_request,
    the_trail_is_filtered_and_each_kerngroep_reads_only_its_own,
    a_refused_change_leaves_no_record,
    the_database_refuses_to_change_or_remove_a_record,
);

fn actions(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|e| e["action"].as_str().expect("action").to_owned())
        .collect()
}

async fn each_change_is_recorded_with_its_actor_object_and_request(backend: Backend) {
    let app = spawn_app(backend).await;
    let school = app.create_institution("Het Baken").await;
    let member = app.create_member(&school, "decaan@baken.test").await;
    let draft = app
        .create_draft(&school, &member.token, "2026-03-01", "baseline")
        .await;
    let id = draft.id();
    let remark = "Een opmerking die alleen in de evaluatie thuishoort";
    let mut change = complete_content(|_| "yes", |_| "basic");
    change["levels"][0]["remarks"] = json!(remark);
    change["title"] = json!("Nulmeting");
    let patched = app
        .patch(
            &format!("/api/v1/evaluations/{id}"),
            &member.token,
            &draft.etag(),
            change,
        )
        .await
        .expect(200);
    let submitted = app
        .request(
            reqwest::Method::POST,
            &format!("/api/v1/evaluations/{id}/submit"),
            Some(&member.token),
            None,
            &[("if-match", &patched.etag())],
        )
        .await
        .expect(200);

    let trail = app
        .get(
            &format!("/api/v1/institutions/{school}/audit"),
            &member.token,
        )
        .await
        .expect(200)
        .body;
    assert_eq!(
        actions(&trail),
        [
            "evaluation.submitted",
            "evaluation.updated",
            "evaluation.created",
            "member.added",
            "institution.created"
        ],
        "newest first"
    );
    let items = trail["items"].as_array().unwrap();
    let submit = &items[0];
    assert_eq!(submit["actor_id"], json!(member.user_id));
    assert_eq!(submit["actor_role"], "user");
    assert_eq!(submit["object_type"], "evaluation");
    assert_eq!(submit["object_id"], json!(id));
    assert_eq!(submit["institution_id"], json!(school));
    assert_eq!(submit["details"], json!({"revision": 3}));
    let request_id = submitted.header("x-request-id").expect("X-Request-Id");
    assert_eq!(submit["request_id"], json!(request_id));
    assert_ne!(items[1]["request_id"], submit["request_id"]);

    let update = &items[1];
    assert_eq!(update["details"]["fields"], json!(["title"]));
    assert_eq!(update["details"]["levels"], json!([1, 2, 3, 4, 5]));
    assert_eq!(
        update["details"]["answers"].as_array().map(Vec::len),
        Some(20)
    );
    assert!(
        !trail.to_string().contains(remark),
        "remarks stay out of the trail"
    );
    // The admin who added the member is the actor there.
    assert_eq!(items[3]["actor_role"], "admin");
    assert_eq!(items[3]["object_id"], json!(member.user_id));

    // Account changes are not about an institution: they are in the admin's trail only.
    let all = app
        .get("/api/v1/audit", &app.admin_token)
        .await
        .expect(200)
        .body;
    let users: Vec<&Value> = all["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "user.created")
        .collect();
    assert_eq!(users.len(), 2, "the first admin and the member: {all}");
    assert_eq!(
        users[1]["actor_role"], "system",
        "the first admin, made at start-up"
    );
    assert_eq!(users[0]["object_id"], json!(member.user_id));
    assert!(users[0]["details"].get("password").is_none());
}

async fn the_trail_is_filtered_and_each_kerngroep_reads_only_its_own(backend: Backend) {
    let app = spawn_app(backend).await;
    let a = app.create_institution("School A").await;
    let b = app.create_institution("School B").await;
    let member_a = app.create_member(&a, "lid@a.test").await;
    let member_b = app.create_member(&b, "lid@b.test").await;
    let started = app
        .get("/api/v1/audit", &app.admin_token)
        .await
        .expect(200)
        .body["items"][0]["at"]
        .as_str()
        .unwrap()
        .to_owned();
    app.create_draft(&a, &member_a.token, "2026-03-01", "baseline")
        .await;
    app.create_draft(&b, &member_b.token, "2026-03-01", "baseline")
        .await;

    // A's kerngroep reads A's trail, and B's does not exist for them.
    let own = app
        .get(&format!("/api/v1/institutions/{a}/audit"), &member_a.token)
        .await
        .expect(200)
        .body;
    assert!(
        own["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["institution_id"] == json!(a))
    );
    assert_eq!(
        actions(&own),
        ["evaluation.created", "member.added", "institution.created"]
    );
    app.get(&format!("/api/v1/institutions/{b}/audit"), &member_a.token)
        .await
        .expect(404);
    app.get("/api/v1/audit", &member_a.token).await.expect(403);

    // Admin filters: by institution, by actor, by action, by period.
    let by_institution = app
        .get(
            &format!("/api/v1/audit?institution_id={b}"),
            &app.admin_token,
        )
        .await
        .expect(200)
        .body;
    assert_eq!(
        actions(&by_institution),
        ["evaluation.created", "member.added", "institution.created"]
    );
    let by_actor = app
        .get(
            &format!("/api/v1/audit?actor_id={}", member_a.user_id),
            &app.admin_token,
        )
        .await
        .expect(200)
        .body;
    assert_eq!(actions(&by_actor), ["evaluation.created"]);
    assert_eq!(by_actor["total"], 1);
    let by_action = app
        .get(
            "/api/v1/audit?action=member.added&limit=1",
            &app.admin_token,
        )
        .await
        .expect(200)
        .body;
    assert_eq!(by_action["total"], 2);
    assert_eq!(by_action["items"].as_array().map(Vec::len), Some(1));
    let since = app
        .get(
            &format!("/api/v1/audit?from={}", started.replace('+', "%2B")),
            &app.admin_token,
        )
        .await
        .expect(200)
        .body;
    assert!(
        actions(&since)
            .iter()
            .filter(|a| *a == "evaluation.created")
            .count()
            == 2
    );
    // `from` includes its own moment: B's member.added, at exactly `started`, is in.
    assert_eq!(
        actions(&since),
        ["evaluation.created", "evaluation.created", "member.added"]
    );
    let before_anything = app
        .get("/api/v1/audit?until=2000-01-01T00:00:00Z", &app.admin_token)
        .await
        .expect(200)
        .body;
    assert_eq!(before_anything["total"], 0);
    let backwards = app
        .get(
            "/api/v1/audit?from=2026-02-01T00:00:00Z&until=2026-01-01T00:00:00Z",
            &app.admin_token,
        )
        .await
        .expect(422);
    assert_eq!(backwards.body["errors"][0]["field"], "until");
    app.get("/api/v1/audit?from=yesterday", &app.admin_token)
        .await
        .expect(400);
    // A moment RFC 3339 does not write (no database compares a year before 4713 BC) is
    // malformed; an action no record can have is refused naming it, on both lists.
    for (query, status, field) in [
        ("from=-5000-01-01T00:00:00Z", 400, "from"),
        ("until=2026-01-01", 400, "until"),
        ("action=", 422, "action"),
        ("action=%00", 422, "action"),
        ("action=member.added%00", 422, "action"),
    ] {
        for list in [
            "/api/v1/audit".to_owned(),
            format!("/api/v1/institutions/{a}/audit"),
        ] {
            let path = format!("{list}?{query}");
            let r = app.get(&path, &app.admin_token).await.expect(status);
            assert_eq!(r.body["errors"][0]["field"], field, "{path}: {}", r.text);
        }
    }
}

async fn a_refused_change_leaves_no_record(backend: Backend) {
    let app = spawn_app(backend).await;
    let school = app.create_institution("De Horizon").await;
    let member = app.create_member(&school, "lid@horizon.test").await;
    let draft = app
        .create_draft(&school, &member.token, "2026-03-01", "baseline")
        .await;
    let path = format!("/api/v1/institutions/{school}/audit");
    let before = app.get(&path, &member.token).await.expect(200).body;
    let id = draft.id();
    // Incomplete: submission is refused.
    app.request(
        reqwest::Method::POST,
        &format!("/api/v1/evaluations/{id}/submit"),
        Some(&member.token),
        None,
        &[],
    )
    .await
    .expect(422);
    // A stale revision: the change is refused.
    app.patch(
        &format!("/api/v1/evaluations/{id}"),
        &member.token,
        "\"r9\"",
        json!({"title": "Te laat"}),
    )
    .await
    .expect(412);
    // A unit name that is taken.
    app.post(
        &format!("/api/v1/institutions/{school}/units"),
        &member.token,
        json!({"name": "Noord", "kind": "location"}),
    )
    .await
    .expect(201);
    app.post(
        &format!("/api/v1/institutions/{school}/units"),
        &member.token,
        json!({"name": "Noord", "kind": "location"}),
    )
    .await
    .expect(409);
    let after = app.get(&path, &member.token).await.expect(200).body;
    assert_eq!(after["total"], before["total"].as_u64().unwrap() + 1);
    assert_eq!(actions(&after)[0], "unit.created");
}

async fn the_database_refuses_to_change_or_remove_a_record(backend: Backend) {
    let app = spawn_app(backend).await;
    app.create_institution("Het Anker").await;
    let db = Database::connect(&app.database_url).await.unwrap();
    let backend = db.get_database_backend();
    for sql in [
        "UPDATE audit_events SET action = 'institution.deleted'",
        "DELETE FROM audit_events",
    ] {
        let refused = db.execute_raw(Statement::from_string(backend, sql)).await;
        let err = refused.expect_err(sql).to_string();
        assert!(err.contains("append-only"), "{sql}: {err}");
    }
    db.close().await.unwrap();
    let trail = app
        .get("/api/v1/audit", &app.admin_token)
        .await
        .expect(200)
        .body;
    assert_eq!(
        actions(&trail),
        ["institution.created", "user.created"],
        "the records are as they were"
    );
}
