//! The life of an evaluation through the public API: draft, changes under If-Match, submit,
//! immutability, corrections, history, and deleting drafts.

use lobkader_tests::fixtures::question_ids;
use lobkader_tests::{Backend, backend_tests, json, spawn_app};
use reqwest::Method;

backend_tests!(
    a_draft_starts_empty_with_everything_missing,
    changes_need_the_current_etag,
    submitting_requires_every_question_and_step_then_freezes_the_evaluation,
    unknown_questions_steps_levels_and_answers_are_rejected_and_change_nothing,
    consistency_hints_inform_without_rejecting,
    a_correction_copies_a_submitted_evaluation_and_records_what_it_supersedes,
    only_drafts_can_be_deleted,
    the_history_lists_newest_first_and_filters,
);

async fn a_draft_starts_empty_with_everything_missing(backend: Backend) {
    let app = spawn_app(backend).await;
    let school = app.create_institution("Het Baken").await;
    let member = app.create_member(&school, "decaan@baken.test").await;
    let draft = app
        .create_draft(&school, &member.token, "2026-03-15", "baseline")
        .await;
    assert_eq!(draft.header("etag"), Some("\"r1\""));
    let b = &draft.body;
    assert_eq!(b["status"], "draft");
    assert_eq!(b["school_year"], "2025-2026");
    assert_eq!(b["instrument_version"], "2026-04");
    assert_eq!(b["answers"], json!([]));
    assert_eq!(b["missing"].as_array().map(Vec::len), Some(25));
    let read = app
        .get(
            &format!("/api/v1/evaluations/{}", draft.id()),
            &member.token,
        )
        .await
        .expect(200);
    assert_eq!(read.body, draft.body);
    assert_eq!(read.etag(), draft.etag());
}

async fn changes_need_the_current_etag(backend: Backend) {
    let app = spawn_app(backend).await;
    let school = app.create_institution("Het Baken").await;
    let m = app.create_member(&school, "decaan@baken.test").await;
    let draft = app
        .create_draft(&school, &m.token, "2026-03-15", "baseline")
        .await;
    let path = format!("/api/v1/evaluations/{}", draft.id());
    let change = json!({"answers": [{"question_id": "1.1", "answer": "yes", "explanation": "Visie vastgesteld"}]});

    let without = app
        .request(
            Method::PATCH,
            &path,
            Some(&m.token),
            Some(change.clone()),
            &[],
        )
        .await
        .expect(428);
    assert_eq!(without.body["code"], "precondition_required");

    let first = app
        .patch(&path, &m.token, &draft.etag(), change)
        .await
        .expect(200);
    assert_eq!(first.etag(), "\"r2\"");
    assert_eq!(
        first.body["answers"],
        json!([{"question_id": "1.1", "answer": "yes", "explanation": "Visie vastgesteld"}])
    );

    // A second kerngroep member still holding the first ETag does not overwrite the change.
    let stale = app
        .patch(
            &path,
            &m.token,
            &draft.etag(),
            json!({"answers": [{"question_id": "1.1", "answer": "no"}]}),
        )
        .await
        .expect(412);
    assert_eq!(stale.body["code"], "precondition_failed");
    let now = app.get(&path, &m.token).await.expect(200);
    assert_eq!(now.body["answers"][0]["answer"], "yes");
    assert_eq!(now.etag(), "\"r2\"");

    // Upserting replaces the answer for the same question; levels and metadata change too.
    let second = app
        .patch(
            &path,
            &m.token,
            &now.etag(),
            json!({"answers": [{"question_id": "1.1", "answer": "partly"}, {"question_id": "2.7", "answer": "no"}],
                   "levels": [{"step": 2, "level": "basic", "remarks": "Loopt in onderbouw"}],
                   "reference_date": "2026-09-01", "moment": "interim", "title": "Tussenmeting"}),
        )
        .await
        .expect(200);
    let b = &second.body;
    assert_eq!(
        b["answers"],
        json!([{"question_id": "1.1", "answer": "partly", "explanation": null}, {"question_id": "2.7", "answer": "no", "explanation": null}])
    );
    assert_eq!(
        b["levels"],
        json!([{"step": 2, "level": "basic", "remarks": "Loopt in onderbouw"}])
    );
    assert_eq!(
        (
            b["school_year"].as_str(),
            b["moment"].as_str(),
            b["title"].as_str()
        ),
        (Some("2026-2027"), Some("interim"), Some("Tussenmeting"))
    );
    assert_eq!(b["missing"].as_array().map(Vec::len), Some(22));
}

async fn submitting_requires_every_question_and_step_then_freezes_the_evaluation(backend: Backend) {
    let app = spawn_app(backend).await;
    let school = app.create_institution("Het Baken").await;
    let m = app.create_member(&school, "decaan@baken.test").await;
    let draft = app
        .create_draft(&school, &m.token, "2026-03-15", "baseline")
        .await;
    let path = format!("/api/v1/evaluations/{}", draft.id());
    let submit = format!("{path}/submit");
    let answers: Vec<_> = question_ids()
        .iter()
        .filter(|q| *q != "3.2")
        .map(|q| json!({"question_id": q, "answer": "partly"}))
        .collect();
    let levels: Vec<_> = [1, 2, 3, 5]
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

    let refused = app
        .request(Method::POST, &submit, Some(&m.token), None, &[])
        .await
        .expect(422);
    assert_eq!(refused.body["code"], "incomplete_evaluation");
    assert_eq!(
        refused.body["missing"],
        json!([{"kind": "answer", "question_id": "3.2"}, {"kind": "level", "step": 4}])
    );
    assert_eq!(app.get(&path, &m.token).await.body["status"], "draft");

    let complete = app
        .patch(&path, &m.token, &partial.etag(), json!({"answers": [{"question_id": "3.2", "answer": "yes"}], "levels": [{"step": 4, "level": "minimal"}]}))
        .await
        .expect(200);
    let stale = app
        .request(
            Method::POST,
            &submit,
            Some(&m.token),
            None,
            &[("if-match", &partial.etag())],
        )
        .await
        .expect(412);
    assert_eq!(stale.body["code"], "precondition_failed");
    let done = app
        .request(
            Method::POST,
            &submit,
            Some(&m.token),
            None,
            &[("if-match", &complete.etag())],
        )
        .await
        .expect(200);
    assert_eq!(done.body["status"], "submitted");
    assert_eq!(done.body["submitted_by"], json!(m.user_id));
    assert_eq!(done.body["missing"], json!([]));

    let frozen = app
        .patch(
            &path,
            &m.token,
            &done.etag(),
            json!({"answers": [{"question_id": "1.1", "answer": "no"}]}),
        )
        .await
        .expect(409);
    assert_eq!(frozen.body["code"], "evaluation_submitted");
    app.request(Method::POST, &submit, Some(&m.token), None, &[])
        .await
        .expect(409);
    app.delete(&path, &m.token).await.expect(409);
    let after = app.get(&path, &m.token).await.expect(200);
    assert_eq!(after.body, done.body);
}

async fn unknown_questions_steps_levels_and_answers_are_rejected_and_change_nothing(
    backend: Backend,
) {
    let app = spawn_app(backend).await;
    let school = app.create_institution("Het Baken").await;
    let m = app.create_member(&school, "decaan@baken.test").await;
    let draft = app
        .create_draft(&school, &m.token, "2026-03-15", "baseline")
        .await;
    let path = format!("/api/v1/evaluations/{}", draft.id());
    let bad_bodies = [
        (
            json!({"answers": [{"question_id": "1.1", "answer": "yes"}, {"question_id": "1.5", "answer": "yes"}]}),
            "answers[1].question_id",
        ),
        (
            json!({"answers": [{"question_id": "1.1", "answer": "maybe"}]}),
            "answers[0].answer",
        ),
        (
            json!({"levels": [{"step": 6, "level": "basic"}]}),
            "levels[0].step",
        ),
        (
            json!({"levels": [{"step": 1, "level": "excellent"}]}),
            "levels[0].level",
        ),
        (
            json!({"levels": [{"step": 1, "level": "basic"}, {"step": 1, "level": "minimal"}]}),
            "levels[1].step",
        ),
        (json!({"answers": [], "colour": "red"}), "colour"),
        (json!({"reference_date": "1899-12-31"}), "reference_date"),
        (json!({"reference_date": "31-12-2025"}), "reference_date"),
        (json!({"title": ""}), "title"),
        (
            json!({"participants": [{"name": ""}]}),
            "participants[0].name",
        ),
    ];
    for (body, field) in bad_bodies {
        let r = app
            .patch(&path, &m.token, &draft.etag(), body.clone())
            .await
            .expect(422);
        assert_eq!(r.body["code"], "validation_failed", "{body}");
        let fields: Vec<&str> = r.body["errors"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|e| e["field"].as_str())
            .collect();
        assert!(
            fields.contains(&field),
            "{body} should name {field:?}, named {fields:?}"
        );
    }
    let unchanged = app.get(&path, &m.token).await.expect(200);
    assert_eq!(unchanged.etag(), "\"r1\"");
    assert_eq!(unchanged.body["answers"], json!([]));
    assert_eq!(unchanged.body["levels"], json!([]));
}

async fn consistency_hints_inform_without_rejecting(backend: Backend) {
    let app = spawn_app(backend).await;
    let school = app.create_institution("Het Baken").await;
    let m = app.create_member(&school, "decaan@baken.test").await;
    let submitted = app
        .submitted_evaluation(
            &school,
            &m.token,
            "2026-03-15",
            |q| if q.starts_with("1.") { "no" } else { "yes" },
            |s| if s == 1 { "integrated" } else { "basic" },
        )
        .await;
    assert_eq!(submitted["status"], "submitted");
    assert_eq!(submitted["hints"].as_array().map(Vec::len), Some(1));
    assert_eq!(submitted["hints"][0]["code"], "integrated_with_mostly_no");
    assert_eq!(submitted["hints"][0]["step"], 1);
}

async fn a_correction_copies_a_submitted_evaluation_and_records_what_it_supersedes(
    backend: Backend,
) {
    let app = spawn_app(backend).await;
    let school = app.create_institution("Het Baken").await;
    let m = app.create_member(&school, "decaan@baken.test").await;
    let original = app
        .submitted_evaluation(&school, &m.token, "2026-03-15", |_| "partly", |_| "basic")
        .await;
    let id = original["id"].as_str().unwrap();
    let correction = app
        .post(
            &format!("/api/v1/evaluations/{id}/corrections"),
            &m.token,
            json!(null),
        )
        .await
        .expect(201);
    let c = &correction.body;
    assert_eq!(c["status"], "draft");
    assert_eq!(c["supersedes_id"], json!(id));
    assert_eq!(
        (&c["answers"], &c["levels"], &c["reference_date"]),
        (
            &original["answers"],
            &original["levels"],
            &original["reference_date"]
        )
    );
    assert_ne!(c["id"], original["id"]);

    let again = app
        .post(
            &format!("/api/v1/evaluations/{id}/corrections"),
            &m.token,
            json!(null),
        )
        .await
        .expect(409);
    assert_eq!(again.body["code"], "conflict");
    let draft_correction = app
        .post(
            &format!("/api/v1/evaluations/{}/corrections", correction.id()),
            &m.token,
            json!(null),
        )
        .await
        .expect(409);
    assert_eq!(draft_correction.body["code"], "conflict");

    let read = app
        .get(&format!("/api/v1/evaluations/{id}"), &m.token)
        .await
        .expect(200);
    assert_eq!(read.body["superseded_by"], json!(correction.id()));
    assert_eq!(
        read.body["answers"], original["answers"],
        "the original is never rewritten"
    );
}

async fn only_drafts_can_be_deleted(backend: Backend) {
    let app = spawn_app(backend).await;
    let school = app.create_institution("Het Baken").await;
    let m = app.create_member(&school, "decaan@baken.test").await;
    let draft = app
        .create_draft(&school, &m.token, "2026-03-15", "baseline")
        .await;
    let path = format!("/api/v1/evaluations/{}", draft.id());
    app.patch(
        &path,
        &m.token,
        &draft.etag(),
        json!({"answers": [{"question_id": "1.1", "answer": "yes"}]}),
    )
    .await
    .expect(200);
    app.delete(&path, &m.token).await.expect(204);
    app.get(&path, &m.token).await.expect(404);
    app.delete(&path, &m.token).await.expect(404);
}

async fn the_history_lists_newest_first_and_filters(backend: Backend) {
    let app = spawn_app(backend).await;
    let school = app.create_institution("Het Baken").await;
    let m = app.create_member(&school, "decaan@baken.test").await;
    let old = app
        .submitted_evaluation(&school, &m.token, "2024-10-01", |_| "no", |_| "minimal")
        .await;
    let mid = app
        .submitted_evaluation(&school, &m.token, "2025-10-01", |_| "partly", |_| "basic")
        .await;
    let draft = app
        .create_draft(&school, &m.token, "2026-10-01", "annual")
        .await;
    let list = format!("/api/v1/institutions/{school}/evaluations");
    let all = app.get(&list, &m.token).await.expect(200);
    let ids: Vec<&str> = all.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        ids,
        [
            draft.id().as_str(),
            mid["id"].as_str().unwrap(),
            old["id"].as_str().unwrap()
        ]
    );
    assert_eq!(all.body["total"], 3);

    let submitted = app
        .get(&format!("{list}?status=submitted"), &m.token)
        .await
        .expect(200);
    assert_eq!(submitted.body["total"], 2);
    let year = app
        .get(&format!("{list}?school_year=2025-2026"), &m.token)
        .await
        .expect(200);
    assert_eq!(year.body["items"][0]["id"], mid["id"]);
    assert_eq!(year.body["total"], 1);
    let page = app
        .get(&format!("{list}?limit=1&offset=1"), &m.token)
        .await
        .expect(200);
    assert_eq!(
        (
            page.body["items"][0]["id"].clone(),
            page.body["total"].clone()
        ),
        (mid["id"].clone(), json!(3))
    );
    let bad_year = app
        .get(&format!("{list}?school_year=2025-2027"), &m.token)
        .await
        .expect(422);
    assert_eq!(bad_year.body["code"], "validation_failed");
    assert_eq!(bad_year.body["errors"][0]["field"], "school_year");
    let bad_status = app
        .get(&format!("{list}?status=lost"), &m.token)
        .await
        .expect(400);
    assert_eq!(bad_status.body["code"], "invalid_query_parameter");
}
