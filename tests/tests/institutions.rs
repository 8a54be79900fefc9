//! Institutions, units, members and accounts through the public API.

use lobkader_tests::{Backend, backend_tests, json, spawn_app};

backend_tests!(
    admins_register_institutions_and_members_read_their_own,
    brin_codes_are_validated_normalised_and_unique,
    units_belong_to_one_institution_and_evaluations_can_name_them,
    members_are_listed_added_once_and_removed,
    email_addresses_are_unique_regardless_of_case,
    me_shows_the_account_and_its_memberships,
);

async fn admins_register_institutions_and_members_read_their_own(backend: Backend) {
    let app = spawn_app(backend).await;
    let created = app
        .post("/api/v1/institutions", &app.admin_token, json!({"name": " Het Baken ", "sector": "vo", "school_types": ["vmbo", "havo", "vmbo"], "brin": "12ab", "region": "Eemland", "municipality": "Amersfoort"}))
        .await
        .expect(201);
    let id = created.id();
    assert_eq!(
        created.header("location"),
        Some(format!("/api/v1/institutions/{id}").as_str())
    );
    assert_eq!(created.body["name"], "Het Baken");
    assert_eq!(created.body["school_types"], json!(["vmbo", "havo"]));
    assert_eq!(created.body["brin"], "12AB");
    let m = app.create_member(&id, "decaan@baken.test").await;
    assert_eq!(
        app.get(&format!("/api/v1/institutions/{id}"), &m.token)
            .await
            .expect(200)
            .body,
        created.body
    );
    let forbidden = app
        .post(
            "/api/v1/institutions",
            &m.token,
            json!({"name": "Nieuw", "sector": "mbo"}),
        )
        .await
        .expect(403);
    assert_eq!(forbidden.body["code"], "forbidden");
    app.request(
        reqwest::Method::PATCH,
        &format!("/api/v1/institutions/{id}"),
        Some(&m.token),
        Some(json!({"name": "X"})),
        &[],
    )
    .await
    .expect(403);

    let changed = app
        .request(
            reqwest::Method::PATCH,
            &format!("/api/v1/institutions/{id}"),
            Some(&app.admin_token),
            Some(json!({"sector": "mbo", "region": null})),
            &[],
        )
        .await
        .expect(200);
    assert_eq!(
        (
            changed.body["sector"].clone(),
            changed.body["region"].clone(),
            changed.body["municipality"].clone()
        ),
        (json!("mbo"), json!(null), json!("Amersfoort"))
    );
    assert_eq!(changed.body["name"], "Het Baken");
}

async fn brin_codes_are_validated_normalised_and_unique(backend: Backend) {
    let app = spawn_app(backend).await;
    app.post(
        "/api/v1/institutions",
        &app.admin_token,
        json!({"name": "A", "sector": "vo", "brin": "12AB"}),
    )
    .await
    .expect(201);
    let dup = app
        .post(
            "/api/v1/institutions",
            &app.admin_token,
            json!({"name": "B", "sector": "vo", "brin": "12ab"}),
        )
        .await
        .expect(409);
    assert_eq!(dup.body["code"], "conflict");
    let bad = app
        .post(
            "/api/v1/institutions",
            &app.admin_token,
            json!({"name": "C", "sector": "vo", "brin": "ABCD"}),
        )
        .await
        .expect(422);
    assert_eq!(bad.body["errors"][0]["field"], "brin");
    let sector = app
        .post(
            "/api/v1/institutions",
            &app.admin_token,
            json!({"name": "D", "sector": "po"}),
        )
        .await
        .expect(422);
    assert_eq!(sector.body["errors"][0]["field"], "sector");
    let list = app
        .get("/api/v1/institutions", &app.admin_token)
        .await
        .expect(200);
    assert_eq!(
        list.body["total"], 1,
        "nothing was stored by the rejected requests"
    );
}

async fn units_belong_to_one_institution_and_evaluations_can_name_them(backend: Backend) {
    let app = spawn_app(backend).await;
    let school = app.create_institution("Het Baken").await;
    let other = app.create_institution("De Linde").await;
    let m = app.create_member(&school, "decaan@baken.test").await;
    let unit = app
        .post(
            &format!("/api/v1/institutions/{school}/units"),
            &m.token,
            json!({"name": "Locatie Noord", "kind": "location"}),
        )
        .await
        .expect(201);
    app.post(
        &format!("/api/v1/institutions/{school}/units"),
        &m.token,
        json!({"name": "Locatie Noord", "kind": "team"}),
    )
    .await
    .expect(409);
    let foreign = app
        .post(
            &format!("/api/v1/institutions/{other}/units"),
            &app.admin_token,
            json!({"name": "Elders", "kind": "team"}),
        )
        .await
        .expect(201);
    let units = app
        .get(&format!("/api/v1/institutions/{school}/units"), &m.token)
        .await
        .expect(200);
    assert_eq!(units.body.as_array().unwrap().len(), 1);

    let path = format!("/api/v1/institutions/{school}/evaluations");
    let body = |unit: &str| json!({"instrument_id": "kwaliteitskader-lob", "reference_date": "2026-01-10", "moment": "baseline", "unit_id": unit});
    let draft = app
        .post(&path, &m.token, body(&unit.id()))
        .await
        .expect(201);
    assert_eq!(draft.body["unit_id"], json!(unit.id()));
    let wrong = app
        .post(&path, &m.token, body(&foreign.id()))
        .await
        .expect(422);
    assert_eq!(wrong.body["errors"][0]["field"], "unit_id");
    let filtered = app
        .get(&format!("{path}?unit_id={}", unit.id()), &m.token)
        .await
        .expect(200);
    assert_eq!(filtered.body["total"], 1);
}

async fn members_are_listed_added_once_and_removed(backend: Backend) {
    let app = spawn_app(backend).await;
    let school = app.create_institution("Het Baken").await;
    let m = app.create_member(&school, "decaan@baken.test").await;
    let (mentor, _) = app.create_user("mentor@baken.test").await;
    let path = format!("/api/v1/institutions/{school}/members");
    app.post(
        &path,
        &app.admin_token,
        json!({"user_id": mentor, "function": "mentor"}),
    )
    .await
    .expect(201);
    app.post(
        &path,
        &app.admin_token,
        json!({"user_id": mentor, "function": "docent"}),
    )
    .await
    .expect(409);
    let bad = app
        .post(
            &path,
            &app.admin_token,
            json!({"user_id": mentor, "function": "rector"}),
        )
        .await
        .expect(422);
    assert_eq!(bad.body["errors"][0]["field"], "function");
    let nobody = app
        .post(
            &path,
            &app.admin_token,
            json!({"user_id": uuid::Uuid::new_v4(), "function": "mentor"}),
        )
        .await
        .expect(422);
    assert_eq!(nobody.body["errors"][0]["field"], "user_id");
    let list = app.get(&path, &m.token).await.expect(200);
    let functions: Vec<_> = list
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|x| (x["user"]["email"].clone(), x["function"].clone()))
        .collect();
    assert_eq!(
        functions,
        [
            (json!("decaan@baken.test"), json!("decaan")),
            (json!("mentor@baken.test"), json!("mentor"))
        ]
    );
    app.delete(&format!("{path}/{mentor}"), &m.token)
        .await
        .expect(403);
    app.delete(&format!("{path}/{mentor}"), &app.admin_token)
        .await
        .expect(204);
    app.delete(&format!("{path}/{mentor}"), &app.admin_token)
        .await
        .expect(404);
    assert_eq!(
        app.get(&path, &m.token)
            .await
            .body
            .as_array()
            .unwrap()
            .len(),
        1
    );
}

async fn email_addresses_are_unique_regardless_of_case(backend: Backend) {
    let app = spawn_app(backend).await;
    let (id, _) = app.create_user("Decaan@Baken.test").await;
    let user = app
        .get(&format!("/api/v1/users/{id}"), &app.admin_token)
        .await
        .expect(200);
    assert_eq!(user.body["email"], "decaan@baken.test");
    let dup = app.post("/api/v1/users", &app.admin_token, json!({"email": "DECAAN@baken.test", "display_name": "X", "password": "another-long-password"})).await.expect(409);
    assert_eq!(dup.body["code"], "conflict");
    let short = app
        .post(
            "/api/v1/users",
            &app.admin_token,
            json!({"email": "x@baken.test", "display_name": "X", "password": "short"}),
        )
        .await
        .expect(422);
    assert_eq!(short.body["errors"][0]["field"], "password");
    // Logging in works with any capitalisation of the address.
    app.login("DECAAN@BAKEN.TEST", "a-long-enough-password")
        .await;
    let users = app.get("/api/v1/users", &app.admin_token).await.expect(200);
    assert_eq!(users.body["total"], 2);
}

async fn me_shows_the_account_and_its_memberships(backend: Backend) {
    let app = spawn_app(backend).await;
    let school = app.create_institution("Het Baken").await;
    let m = app.create_member(&school, "decaan@baken.test").await;
    let me = app.get("/api/v1/me", &m.token).await.expect(200);
    assert_eq!(me.body["id"], json!(m.user_id));
    assert_eq!(me.body["role"], "user");
    assert_eq!(me.body["memberships"][0]["institution_id"], json!(school));
    assert_eq!(me.body["memberships"][0]["function"], "decaan");
    assert!(me.body.get("password_hash").is_none());
}
