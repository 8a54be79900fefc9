//! Comparing two submitted evaluations: from the earlier to the later whichever way round
//! they are named, per step, per question and per uitgangspunt.

use lobkader_tests::{Backend, backend_tests, json, spawn_app};

backend_tests!(
    a_comparison_reads_from_the_earlier_to_the_later_evaluation,
    only_two_submitted_evaluations_of_one_institution_and_version_compare,
);

async fn a_comparison_reads_from_the_earlier_to_the_later_evaluation(backend: Backend) {
    let app = spawn_app(backend).await;
    let school = app.create_institution("Het Baken").await;
    let m = app.create_member(&school, "decaan@baken.test").await;
    // Submitted later but about an earlier date: the reference date decides the direction.
    let later = app
        .submitted_evaluation(
            &school,
            &m.token,
            "2026-05-01",
            |q| match q {
                "1.1" => "yes",
                "1.2" => "no",
                "5.1" => "unknown",
                _ => "partly",
            },
            |s| match s {
                1 => "integrated",
                4 => "minimal",
                _ => "basic",
            },
        )
        .await;
    let earlier = app
        .submitted_evaluation(
            &school,
            &m.token,
            "2025-05-01",
            |q| match q {
                "1.1" => "no",
                "1.2" => "yes",
                "5.1" => "yes",
                _ => "partly",
            },
            |s| match s {
                1 => "minimal",
                4 => "basic",
                _ => "basic",
            },
        )
        .await;
    let (e, l) = (
        earlier["id"].as_str().unwrap(),
        later["id"].as_str().unwrap(),
    );

    let forward = app
        .get(
            &format!("/api/v1/evaluations/{e}/comparison?with={l}"),
            &m.token,
        )
        .await
        .expect(200);
    let backward = app
        .get(
            &format!("/api/v1/evaluations/{l}/comparison?with={e}"),
            &m.token,
        )
        .await
        .expect(200);
    assert_eq!(
        forward.body, backward.body,
        "the order of naming does not matter"
    );
    let c = forward.body;
    assert_eq!(
        (c["from"]["id"].as_str(), c["to"]["id"].as_str()),
        (Some(e), Some(l))
    );
    assert_eq!(c["from"]["school_year"], "2024-2025");
    assert_eq!(
        c["steps"][0],
        json!({"step": 1, "from": "minimal", "to": "integrated", "change": "improved"})
    );
    assert_eq!(
        c["steps"][1],
        json!({"step": 2, "from": "basic", "to": "basic", "change": "unchanged"})
    );
    assert_eq!(
        c["steps"][3],
        json!({"step": 4, "from": "basic", "to": "minimal", "change": "regressed"})
    );
    let q = |id: &str| {
        c["questions"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["question_id"] == id)
            .unwrap()
            .clone()
    };
    assert_eq!(
        q("1.1"),
        json!({"question_id": "1.1", "step": 1, "from": "no", "to": "yes", "change": "improved"})
    );
    assert_eq!(q("1.2")["change"], "regressed");
    assert_eq!(q("1.3")["change"], "unchanged");
    assert_eq!(
        q("5.1"),
        json!({"question_id": "5.1", "step": 5, "from": "yes", "to": "unknown", "change": "not_comparable"})
    );
    assert_eq!(c["questions"].as_array().unwrap().len(), 20);
    assert_eq!(
        c["step_summaries"][0],
        json!({"step": 1, "level_change": "improved", "questions": {"improved": 1, "regressed": 1, "unchanged": 2, "not_comparable": 0}})
    );
    // Uitgangspunt 5 is served by steps 4 and 5: one level regressed, one unchanged.
    let u5 = &c["uitgangspunt_summaries"][4];
    assert_eq!(u5["steps"], json!([4, 5]));
    assert_eq!(
        u5["levels"],
        json!({"improved": 0, "regressed": 1, "unchanged": 1, "not_comparable": 0})
    );
    assert_eq!(
        u5["questions"],
        json!({"improved": 0, "regressed": 0, "unchanged": 5, "not_comparable": 1})
    );
}

async fn only_two_submitted_evaluations_of_one_institution_and_version_compare(backend: Backend) {
    let app = spawn_app(backend).await;
    let school = app.create_institution("Het Baken").await;
    let other = app.create_institution("De Linde").await;
    let m = app.create_member(&school, "decaan@baken.test").await;
    let a = app
        .submitted_evaluation(&school, &m.token, "2025-05-01", |_| "no", |_| "minimal")
        .await;
    let a = a["id"].as_str().unwrap();
    let draft = app
        .create_draft(&school, &m.token, "2026-05-01", "interim")
        .await
        .id();
    let elsewhere = app
        .submitted_evaluation(
            &other,
            &app.admin_token,
            "2026-05-01",
            |_| "yes",
            |_| "basic",
        )
        .await;
    let elsewhere = elsewhere["id"].as_str().unwrap();

    let with_draft = app
        .get(
            &format!("/api/v1/evaluations/{a}/comparison?with={draft}"),
            &m.token,
        )
        .await
        .expect(422);
    assert_eq!(with_draft.body["errors"][0]["field"], "with");
    app.get(
        &format!("/api/v1/evaluations/{a}/comparison?with={a}"),
        &m.token,
    )
    .await
    .expect(422);
    // The admin sees both institutions, so learns why they cannot be compared...
    let across = app
        .get(
            &format!("/api/v1/evaluations/{a}/comparison?with={elsewhere}"),
            &app.admin_token,
        )
        .await
        .expect(422);
    assert!(across.text.contains("different institutions"));
    // ...a member of one of them does not learn that the other evaluation exists.
    app.get(
        &format!("/api/v1/evaluations/{a}/comparison?with={elsewhere}"),
        &m.token,
    )
    .await
    .expect(404);
    app.get(&format!("/api/v1/evaluations/{a}/comparison"), &m.token)
        .await
        .expect(400);
    app.get(
        &format!("/api/v1/evaluations/{a}/comparison?with=not-a-uuid"),
        &m.token,
    )
    .await
    .expect(400);
}
