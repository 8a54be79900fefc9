//! The framework served as data: the Kwaliteitskader LOB, verbatim from its source.

use insta::assert_json_snapshot;
use lobkader_tests::{Backend, backend_tests, spawn_app};

backend_tests!(the_kwaliteitskader_is_served_with_its_steps_questions_and_levels);

async fn the_kwaliteitskader_is_served_with_its_steps_questions_and_levels(backend: Backend) {
    let app = spawn_app(backend).await;
    let list = app
        .get("/api/v1/instruments", &app.admin_token)
        .await
        .expect(200);
    assert_eq!(list.body[0]["id"], "kwaliteitskader-lob");
    assert_eq!(list.body[0]["version"], "2026-04");

    let k = app
        .get("/api/v1/instruments/kwaliteitskader-lob", &app.admin_token)
        .await
        .expect(200)
        .body;
    let steps = k["steps"].as_array().unwrap();
    let map: Vec<_> = steps
        .iter()
        .map(|s| (s["number"].as_u64().unwrap(), s["uitgangspunten"].clone()))
        .collect();
    assert_eq!(
        format!("{map:?}"),
        "[(1, Array [Number(1), Number(2)]), (2, Array [Number(3)]), (3, Array [Number(4)]), (4, Array [Number(5)]), (5, Array [Number(5)])]"
    );
    let counts: Vec<usize> = steps
        .iter()
        .map(|s| s["questions"].as_array().unwrap().len())
        .collect();
    assert_eq!(counts, [4, 7, 3, 3, 3]);
    assert_eq!(
        k["levels"],
        serde_json::json!([{"id": "minimal", "label": "Minimaal"}, {"id": "basic", "label": "Basis"}, {"id": "integrated", "label": "Geïntegreerd"}])
    );
    // The whole instrument is pinned: any change to the served framework text shows up in review.
    assert_json_snapshot!("kwaliteitskader_lob_2026_04", k);

    let same = app
        .get(
            "/api/v1/instruments/kwaliteitskader-lob?version=2026-04",
            &app.admin_token,
        )
        .await
        .expect(200);
    assert_eq!(same.body, k);
    app.get(
        "/api/v1/instruments/kwaliteitskader-lob?version=1999-01",
        &app.admin_token,
    )
    .await
    .expect(404);
    app.get("/api/v1/instruments/onbekend", &app.admin_token)
        .await
        .expect(404);
}
