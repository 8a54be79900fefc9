//! Hostile input through the public API — what fuzzers rarely reach. Text full of SQL and HTML
//! meta-characters, bidirectional marks, emoji and control characters is stored and returned
//! exactly in every text field, never interpreted; the NUL character is refused in every one
//! (no database stores it in text). Text beyond its documented length, impossible dates,
//! invalid UTF-8, deep nesting, oversized bodies, tampered pagination, ids of the wrong kind and
//! forged, unsigned, expired, not-yet-valid or misdirected tokens are each answered with a 4xx
//! problem that the OpenAPI document lists for the operation — and everything the admin can
//! read is compared before and after, to show that none of them changed anything.
//!
//! The lists have no cursors: they page with `limit` and `offset`, so those are what is
//! tampered with here. The problem bodies of every error class are in `errors.rs`.

use jsonwebtoken::{Algorithm, EncodingKey, Header, encode};
use lobkader_tests::fixtures::Member;
use lobkader_tests::{Backend, Response, TestApp, backend_tests, json, spawn_app};
use reqwest::Method;
use serde_json::Value;

backend_tests!(
    hostile_text_is_stored_and_returned_exactly_in_every_text_field,
    the_nul_character_is_refused_in_every_text_field_and_changes_nothing,
    text_beyond_its_documented_length_is_refused_and_text_of_that_length_is_kept,
    impossible_and_out_of_range_dates_are_refused_naming_the_field,
    unreadable_and_oversized_bodies_are_refused_before_they_change_anything,
    tampered_pagination_and_ids_of_the_wrong_kind_are_refused,
    forged_unsigned_expired_and_misdirected_tokens_answer_401_and_change_nothing,
);

/// Strings that break programs which build SQL, HTML or format strings from input, or which
/// mishandle Unicode. None starts or ends with white space, which text fields remove.
const HOSTILE: &[&str] = &[
    "'; DROP TABLE evaluations; --",
    "Robert'); DROP TABLE institutions;--",
    "\" OR \"1\"=\"1\" -- /* */ # ` \\",
    "%_\\%' ESCAPE '\\' $$; SELECT pg_sleep(10); $$",
    "<script>alert(1)</script>",
    "<img src=x onerror=\"alert('x')\"> &amp; &lt;b&gt; ]]> <!--",
    "{{7*7}} ${7*7} #{7*7} %s %n %x \\u0041 \\n",
    "\u{202E}gnp.exe \u{200F}שלום\u{200E} مرحبا \u{2067}isolate\u{2069}",
    "👩‍👩‍👧‍👦 🏳️‍🌈 👍🏽 🇳🇱 🧑🏿‍🦯",
    "e\u{301} é ﬁ Ａ İ ß ǅ \u{feff}zero\u{200b}width",
    "tab\there\nnew line\r\nbell\u{7} esc\u{1b}[31m del\u{7f} nel\u{85} sep\u{2028}end",
];

/// The key the test harness signs tokens with.
const SIGNING_KEY: &[u8] = b"a-test-signing-key-of-at-least-32-bytes";
const PASSWORD: &str = "a-long-enough-password";
const NUL_REFUSED: &str = "must not contain the NUL character (U+0000)";

/// One institution with a member, a coach with a trajectory, a unit, a draft and an action point.
struct World {
    school: String,
    member: Member,
    coach: String,
    unit: String,
    trajectory: String,
    draft: String,
    action_point: String,
}

async fn world(app: &TestApp) -> World {
    let admin = app.admin_token.clone();
    let school = app.create_institution("Het Baken").await;
    let member = app.create_member(&school, "decaan@baken.test").await;
    let body = json!({"email": "coach@regio.test", "display_name": "Coach",
                      "password": PASSWORD, "role": "coach"});
    let coach = app
        .post("/api/v1/users", &admin, body)
        .await
        .expect(201)
        .id();
    let units = format!("/api/v1/institutions/{school}/units");
    let body = json!({"name": "Locatie Noord", "kind": "location"});
    let unit = app.post(&units, &admin, body).await.expect(201).id();
    let body = json!({"institution_id": school, "title": "Traject", "start_date": "2025-09-01",
                      "planned_end_date": "2027-07-31", "coach_ids": [coach]});
    let trajectory = app.post("/api/v1/trajectories", &admin, body).await;
    let trajectory = trajectory.expect(201).id();
    let draft = app
        .create_draft(&school, &member.token, "2026-03-15", "baseline")
        .await
        .id();
    let points = format!("/api/v1/institutions/{school}/action-points");
    let body = json!({"step": 2, "description": "Gesprekken inroosteren"});
    let action_point = app
        .post(&points, &member.token, body)
        .await
        .expect(201)
        .id();
    World {
        school,
        member,
        coach,
        unit,
        trajectory,
        draft,
        action_point,
    }
}

/// Everything the admin can read about the world, to show that a refused request changed nothing.
async fn state(app: &TestApp, w: &World) -> Value {
    let school = &w.school;
    let paths = [
        "/api/v1/institutions?limit=200".to_owned(),
        "/api/v1/users?limit=200".to_owned(),
        "/api/v1/trajectories?limit=200".to_owned(),
        format!("/api/v1/institutions/{school}"),
        format!("/api/v1/institutions/{school}/units"),
        format!("/api/v1/institutions/{school}/members"),
        format!("/api/v1/institutions/{school}/evaluations?limit=200"),
        format!("/api/v1/institutions/{school}/action-points?limit=200"),
        format!("/api/v1/evaluations/{}", w.draft),
        format!("/api/v1/trajectories/{}", w.trajectory),
        format!("/api/v1/trajectories/{}/sessions", w.trajectory),
        format!("/api/v1/action-points/{}", w.action_point),
    ];
    let mut all = serde_json::Map::new();
    for path in paths {
        let body = app.get(&path, &app.admin_token).await.expect(200).body;
        all.insert(path, body);
    }
    Value::Object(all)
}

/// The service with its OpenAPI document, to check that every refusal is one it documents.
struct Hostile {
    app: TestApp,
    doc: Value,
}

impl Hostile {
    async fn new(backend: Backend) -> Hostile {
        let app = spawn_app(backend).await;
        let doc = app
            .request(Method::GET, "/api/v1/openapi.json", None, None, &[])
            .await
            .expect(200)
            .body;
        Hostile { app, doc }
    }

    /// Asserts that `r`, the answer to `method path`, is a problem with this status and code,
    /// and that the document lists the status for the operation.
    #[track_caller]
    fn assert_refused(&self, r: &Response, method: &Method, path: &str, status: u16, code: &str) {
        let what = format!("{method} {path}");
        assert_eq!(r.status, status, "{what}: {}", r.text);
        assert_eq!(
            r.header("content-type"),
            Some("application/problem+json"),
            "{what}"
        );
        assert_eq!(r.body["code"], code, "{what}: {}", r.text);
        assert_eq!(r.body["status"], status, "{what}");
        assert!(
            self.documents(method, path, status),
            "{what}: {status} is not documented for the operation, with its X-Request-Id"
        );
        let id = r.header("x-request-id").unwrap_or_default();
        assert!(
            uuid::Uuid::parse_str(id).is_ok(),
            "{what}: X-Request-Id {id:?}"
        );
    }

    /// Whether the document lists `status` for the operation that serves `method path`.
    fn documents(&self, method: &Method, path: &str, status: u16) -> bool {
        let path = path.split('?').next().unwrap_or(path);
        let segments: Vec<&str> = path.split('/').collect();
        let method = method.as_str().to_ascii_lowercase();
        let paths = self.doc["paths"].as_object().expect("paths");
        paths.iter().any(|(template, item)| {
            let parts: Vec<&str> = template.split('/').collect();
            parts.len() == segments.len()
                && parts
                    .iter()
                    .zip(&segments)
                    .all(|(t, s)| t.starts_with('{') || t == s)
                && item[&method]["responses"][status.to_string()]["headers"]["X-Request-Id"]["$ref"]
                    == "#/components/headers/X-Request-Id"
        })
    }

    /// Sends a JSON request as `token` and asserts that it is refused with `status` and `code`.
    async fn refuse(
        &self,
        (method, path): (Method, &str),
        token: &str,
        body: Option<Value>,
        headers: &[(&str, &str)],
        (status, code): (u16, &str),
    ) -> Response {
        let r = self
            .app
            .request(method.clone(), path, Some(token), body, headers)
            .await;
        self.assert_refused(&r, &method, path, status, code);
        r
    }

    /// Like [`Hostile::refuse`] for a body refused with 422 `validation_failed`.
    async fn refuse_invalid(
        &self,
        (method, path): (Method, &str),
        token: &str,
        body: Value,
        headers: &[(&str, &str)],
    ) -> Response {
        let invalid = (422, "validation_failed");
        self.refuse((method, path), token, Some(body), headers, invalid)
            .await
    }

    /// Like [`Hostile::refuse_invalid`] for a 422 that names exactly `fields`.
    async fn refuse_fields(
        &self,
        (method, path): (Method, &str),
        token: &str,
        body: Value,
        headers: &[(&str, &str)],
        fields: &[&str],
    ) -> Response {
        let r = self
            .refuse_invalid((method, path), token, body, headers)
            .await;
        assert_eq!(named(&r), fields, "{path}: {}", r.text);
        r
    }

    /// Sends raw bytes as JSON, as the admin, and asserts the refusal.
    async fn refuse_raw(
        &self,
        path: &str,
        method: Method,
        bytes: Vec<u8>,
        expected: (u16, &str),
    ) -> Response {
        let token = self.app.admin_token.clone();
        let r = self
            .app
            .raw(
                method.clone(),
                path,
                Some(&token),
                "application/json",
                bytes,
            )
            .await;
        self.assert_refused(&r, &method, path, expected.0, expected.1);
        r
    }

    async fn etag(&self, path: &str) -> String {
        self.app
            .get(path, &self.app.admin_token)
            .await
            .expect(200)
            .etag()
    }
}

/// Asserts that `text` is at each of `pointers` in `r`, and notes where to read it back.
fn kept(
    written: &mut Vec<(String, &'static str)>,
    text: &str,
    r: Response,
    read: String,
    pointers: &[&'static str],
) {
    for pointer in pointers {
        assert_eq!(text_at(&r.body, pointer), text, "{read} {pointer}");
        written.push((read.clone(), pointer));
    }
}

/// The fields a `validation_failed` problem names, in order.
fn named(r: &Response) -> Vec<&str> {
    r.body["errors"]
        .as_array()
        .map(|e| e.iter().filter_map(|e| e["field"].as_str()).collect())
        .unwrap_or_default()
}

/// The text at `pointer` in `r`'s body.
#[track_caller]
fn text_at<'a>(r: &'a Value, pointer: &str) -> &'a str {
    r.pointer(pointer)
        .and_then(Value::as_str)
        .unwrap_or_else(|| panic!("no text at {pointer} in {r}"))
}

async fn hostile_text_is_stored_and_returned_exactly_in_every_text_field(backend: Backend) {
    let h = Hostile::new(backend).await;
    let app = &h.app;
    let admin = app.admin_token.clone();
    for (i, text) in HOSTILE.iter().copied().enumerate() {
        // Where the text went: the path that reads it back, and where it sits in the body.
        let mut written: Vec<(String, &'static str)> = Vec::new();

        let body = json!({"name": text, "sector": "mbo", "region": text, "municipality": text});
        let r = app
            .post("/api/v1/institutions", &admin, body)
            .await
            .expect(201);
        let school = r.id();
        let at = format!("/api/v1/institutions/{school}");
        kept(
            &mut written,
            text,
            r,
            at.clone(),
            &["/name", "/region", "/municipality"],
        );
        let r = app.patch(&at, &admin, "", json!({"name": text})).await;
        kept(&mut written, text, r.expect(200), at.clone(), &["/name"]);

        let body = json!({"name": text, "kind": "team"});
        let r = app.post(&format!("{at}/units"), &admin, body).await;
        assert_eq!(text_at(&r.expect(201).body, "/name"), text);
        written.push((format!("{at}/units"), "/0/name"));

        let body = json!({"email": format!("hostile{i}@lobkader.test"), "display_name": text,
                          "password": PASSWORD});
        let r = app.post("/api/v1/users", &admin, body).await.expect(201);
        let user = format!("/api/v1/users/{}", r.id());
        kept(&mut written, text, r, user, &["/display_name"]);

        let body = json!({"institution_id": school, "title": text, "start_date": "2025-09-01",
                          "planned_end_date": "2027-07-31",
                          "plan": {"title": text, "reference": text}});
        let r = app
            .post("/api/v1/trajectories", &admin, body)
            .await
            .expect(201);
        let trajectory = format!("/api/v1/trajectories/{}", r.id());
        kept(
            &mut written,
            text,
            r,
            trajectory.clone(),
            &["/title", "/plan/title", "/plan/reference"],
        );
        let change = json!({"components": [{"component_id": "lob_visie",
                                             "status": "in_progress", "notes": text}]});
        let r = app.patch(&trajectory, &admin, "", change).await.expect(200);
        assert_eq!(r.body["components"][0]["component_id"], "lob_visie");
        kept(
            &mut written,
            text,
            r,
            trajectory.clone(),
            &["/components/0/notes"],
        );

        let body = json!({"held_on": "2026-01-15", "summary": text, "agreements": text,
                          "participants": [{"name": text}]});
        let sessions = format!("{trajectory}/sessions");
        let r = app.post(&sessions, &admin, body).await.expect(201);
        for pointer in ["/summary", "/agreements", "/participants/0/name"] {
            assert_eq!(text_at(&r.body, pointer), text, "{sessions} {pointer}");
        }
        for pointer in ["/0/summary", "/0/agreements", "/0/participants/0/name"] {
            written.push((sessions.clone(), pointer));
        }

        let body = json!({"step": 1, "description": text});
        let r = app.post(&format!("{at}/action-points"), &admin, body).await;
        let point = format!("/api/v1/action-points/{}", r.id());
        kept(
            &mut written,
            text,
            r.expect(201),
            point.clone(),
            &["/description"],
        );
        let r = app
            .patch(&point, &admin, "", json!({"description": text}))
            .await;
        kept(&mut written, text, r.expect(200), point, &["/description"]);

        let body = json!({"instrument_id": "kwaliteitskader-lob", "reference_date": "2026-03-15",
                          "moment": "other", "title": text, "participants": [{"name": text}]});
        let r = app.post(&format!("{at}/evaluations"), &admin, body).await;
        let evaluation = format!("/api/v1/evaluations/{}", r.id());
        let etag = r.etag();
        kept(
            &mut written,
            text,
            r.expect(201),
            evaluation.clone(),
            &["/title", "/participants/0/name"],
        );
        let change = json!({
            "answers": [{"question_id": "1.1", "answer": "yes", "explanation": text}],
            "levels": [{"step": 1, "level": "basic", "remarks": text}],
        });
        let r = app
            .patch(&evaluation, &admin, &etag, change)
            .await
            .expect(200);
        assert_eq!(
            (
                &r.body["answers"][0]["question_id"],
                &r.body["levels"][0]["step"]
            ),
            (&json!("1.1"), &json!(1))
        );
        kept(
            &mut written,
            text,
            r,
            evaluation,
            &["/answers/0/explanation", "/levels/0/remarks"],
        );

        // Read back: stored exactly as sent.
        for (path, pointer) in written {
            let r = app.get(&path, &admin).await.expect(200);
            assert_eq!(
                text_at(&r.body, pointer),
                text,
                "read back {path} {pointer}"
            );
        }
    }
    // Nothing was interpreted: every institution and the tables the text names are still there.
    let listed = app.get("/api/v1/institutions", &admin).await.expect(200);
    assert_eq!(listed.body["total"], HOSTILE.len());
    let first = listed.body["items"][0]["id"].as_str().unwrap_or_default();
    let history = format!("/api/v1/institutions/{first}/evaluations");
    assert_eq!(app.get(&history, &admin).await.expect(200).body["total"], 1);
}

async fn the_nul_character_is_refused_in_every_text_field_and_changes_nothing(backend: Backend) {
    let h = Hostile::new(backend).await;
    let app = &h.app;
    let w = world(app).await;
    let admin = app.admin_token.clone();
    let member = w.member.token.clone();
    let nul = "Het\u{0}Baken";
    let before = state(app, &w).await;

    let school = format!("/api/v1/institutions/{}", w.school);
    let trajectory = format!("/api/v1/trajectories/{}", w.trajectory);
    let sessions = format!("{trajectory}/sessions");
    let point = format!("/api/v1/action-points/{}", w.action_point);
    let draft = format!("/api/v1/evaluations/{}", w.draft);
    let draft_etag = h.etag(&draft).await;
    let post = Method::POST;
    let patch = Method::PATCH;
    let evaluation = json!({"instrument_id": "kwaliteitskader-lob",
                            "reference_date": "2026-03-15", "moment": "annual"});
    let with = |base: &Value, field: &str, value: Value| {
        let mut body = base.clone();
        body[field] = value;
        body
    };
    let new_trajectory = json!({"institution_id": w.school, "title": "Traject",
                                "start_date": "2025-09-01", "planned_end_date": "2027-07-31"});
    let session = json!({"held_on": "2026-01-15", "summary": "Start"});
    let cases: Vec<(Method, String, &str, Value, &str)> = vec![
        (
            post.clone(),
            "/api/v1/institutions".into(),
            &admin,
            json!({"name": nul, "sector": "vo"}),
            "name",
        ),
        (
            post.clone(),
            "/api/v1/institutions".into(),
            &admin,
            json!({"name": "Nieuw", "sector": "vo", "region": nul}),
            "region",
        ),
        (
            post.clone(),
            "/api/v1/institutions".into(),
            &admin,
            json!({"name": "Nieuw", "sector": "vo", "municipality": nul}),
            "municipality",
        ),
        (
            post.clone(),
            "/api/v1/institutions".into(),
            &admin,
            json!({"name": "Nieuw", "sector": "vo", "brin": "12\u{0}B"}),
            "brin",
        ),
        (
            patch.clone(),
            school.clone(),
            &admin,
            json!({"name": nul}),
            "name",
        ),
        (
            post.clone(),
            format!("{school}/units"),
            &admin,
            json!({"name": nul, "kind": "team"}),
            "name",
        ),
        (
            post.clone(),
            "/api/v1/users".into(),
            &admin,
            json!({"email": "nieuw@baken.test", "display_name": nul, "password": PASSWORD}),
            "display_name",
        ),
        (
            post.clone(),
            "/api/v1/users".into(),
            &admin,
            json!({"email": "nieuw\u{0}@baken.test", "display_name": "N", "password": PASSWORD}),
            "email",
        ),
        (
            post.clone(),
            "/api/v1/users".into(),
            &admin,
            json!({"email": "nieuw@baken.test", "display_name": "N", "password": "a-long-\u{0}-password"}),
            "password",
        ),
        (
            post.clone(),
            "/api/v1/auth/token".into(),
            &admin,
            json!({"email": "decaan@baken.test\u{0}", "password": PASSWORD}),
            "email",
        ),
        (
            post.clone(),
            "/api/v1/trajectories".into(),
            &admin,
            with(&new_trajectory, "title", json!(nul)),
            "title",
        ),
        (
            post.clone(),
            "/api/v1/trajectories".into(),
            &admin,
            with(&new_trajectory, "plan", json!({"title": nul})),
            "plan.title",
        ),
        (
            post.clone(),
            "/api/v1/trajectories".into(),
            &admin,
            with(
                &new_trajectory,
                "plan",
                json!({"title": "Plan", "reference": nul}),
            ),
            "plan.reference",
        ),
        (
            patch.clone(),
            trajectory.clone(),
            &admin,
            json!({"title": nul}),
            "title",
        ),
        (
            patch.clone(),
            trajectory.clone(),
            &admin,
            json!({"components": [{"component_id": "lob_visie", "status": "done", "notes": nul}]}),
            "components[0].notes",
        ),
        (
            patch.clone(),
            trajectory.clone(),
            &admin,
            json!({"components": [{"component_id": "lob\u{0}visie", "status": "done"}]}),
            "components[0].component_id",
        ),
        (
            post.clone(),
            sessions.clone(),
            &admin,
            with(&session, "summary", json!(nul)),
            "summary",
        ),
        (
            post.clone(),
            sessions.clone(),
            &admin,
            with(&session, "agreements", json!(nul)),
            "agreements",
        ),
        (
            post.clone(),
            sessions.clone(),
            &admin,
            with(
                &session,
                "participants",
                json!([{"name": "A"}, {"name": nul}]),
            ),
            "participants[1].name",
        ),
        (
            post.clone(),
            format!("{school}/action-points"),
            &member,
            json!({"step": 2, "description": nul}),
            "description",
        ),
        (
            post.clone(),
            format!("{school}/action-points"),
            &member,
            json!({"step": 2, "description": "Plan", "question_id": "2.\u{0}"}),
            "question_id",
        ),
        (
            patch.clone(),
            point.clone(),
            &member,
            json!({"description": nul}),
            "description",
        ),
        (
            post.clone(),
            format!("{school}/evaluations"),
            &member,
            with(&evaluation, "title", json!(nul)),
            "title",
        ),
        (
            post.clone(),
            format!("{school}/evaluations"),
            &member,
            with(
                &evaluation,
                "instrument_id",
                json!("kwaliteitskader-lob\u{0}"),
            ),
            "instrument_id",
        ),
        (
            post.clone(),
            format!("{school}/evaluations"),
            &member,
            with(&evaluation, "participants", json!([{"name": nul}])),
            "participants[0].name",
        ),
        (
            patch.clone(),
            draft.clone(),
            &member,
            json!({"levels": [{"step": 1, "level": "basic"}, {"step": 2, "remarks": nul}]}),
            "levels[1].remarks",
        ),
        (
            patch.clone(),
            draft.clone(),
            &member,
            json!({"answers": [{"question_id": "1.1", "answer": "no", "explanation": nul}]}),
            "answers[0].explanation",
        ),
        (
            patch.clone(),
            draft.clone(),
            &member,
            json!({"answers": [{"question_id": "1.\u{0}1", "answer": "no"}]}),
            "answers[0].question_id",
        ),
        // A key with a NUL in it is named too, with the character escaped.
        (
            post.clone(),
            "/api/v1/institutions".into(),
            &admin,
            json!({"name": "Nieuw", "sector": "vo", "na\u{0}me": "x"}),
            "na\\u0000me",
        ),
    ];
    let if_match = [("if-match", draft_etag.as_str())];
    for (method, path, token, body, field) in cases {
        let r = h
            .refuse_invalid((method, &path), token, body, &if_match)
            .await;
        assert_eq!(
            r.body["errors"],
            json!([{"field": field, "message": NUL_REFUSED}]),
            "{path}"
        );
        if field == "levels[1].remarks" {
            insta::assert_json_snapshot!("nul_in_remarks", r.body);
        }
    }
    assert_eq!(state(app, &w).await, before);
    // The draft's revision did not move either: its ETag still applies.
    let change = json!({"levels": [{"step": 2, "remarks": "Zonder NUL"}]});
    app.patch(&draft, &member, &draft_etag, change)
        .await
        .expect(200);
}

async fn text_beyond_its_documented_length_is_refused_and_text_of_that_length_is_kept(
    backend: Backend,
) {
    let h = Hostile::new(backend).await;
    let app = &h.app;
    let w = world(app).await;
    let admin = app.admin_token.clone();
    let member = w.member.token.clone();
    let schemas = &h.doc["components"]["schemas"];
    let max = |schema: &str, field: &str| {
        schemas[schema]["properties"][field]["maxLength"]
            .as_u64()
            .unwrap_or_else(|| panic!("{schema}.{field} documents no maxLength")) as usize
    };
    let remarks_max = max("LevelDto", "remarks");
    assert_eq!(
        remarks_max, 4000,
        "the Opmerkingen column holds 4,000 characters"
    );

    let draft = format!("/api/v1/evaluations/{}", w.draft);
    let etag = h.etag(&draft).await;
    let point = format!("/api/v1/action-points/{}", w.action_point);
    let sessions = format!("/api/v1/trajectories/{}/sessions", w.trajectory);
    let trajectory = format!("/api/v1/trajectories/{}", w.trajectory);
    // Counted in characters, as JSON Schema counts: an emoji is one, though four bytes long.
    let emoji = |n: usize| "🙂".repeat(n);
    let remarks = |text: String| json!({"levels": [{"step": 1, "remarks": text}]});
    let explanation = |text: String| json!({"answers": [{"question_id": "1.1", "answer": "no", "explanation": text}]});
    let summary = |text: String| json!({"held_on": "2026-01-15", "summary": text});
    let notes = |text: String| json!({"components": [{"component_id": "lob_visie", "status": "done", "notes": text}]});
    let description = |text: String| json!({"description": text});
    let name = |text: String| json!({"name": text, "sector": "vo"});
    type Body = Box<dyn Fn(String) -> Value>;
    let fields: Vec<(Method, String, &str, usize, Body, &str, &str)> = vec![
        (
            Method::PATCH,
            draft.clone(),
            &member,
            remarks_max,
            Box::new(remarks),
            "levels[0].remarks",
            "/levels/0/remarks",
        ),
        (
            Method::PATCH,
            draft.clone(),
            &member,
            max("AnswerDto", "explanation"),
            Box::new(explanation),
            "answers[0].explanation",
            "/answers/0/explanation",
        ),
        (
            Method::POST,
            sessions,
            &admin,
            max("CreateSessionRequest", "summary"),
            Box::new(summary),
            "summary",
            "/summary",
        ),
        (
            Method::PATCH,
            trajectory,
            &admin,
            max("ComponentInput", "notes"),
            Box::new(notes),
            "components[0].notes",
            "/components/0/notes",
        ),
        (
            Method::PATCH,
            point,
            &member,
            max("UpdateActionPointRequest", "description"),
            Box::new(description),
            "description",
            "/description",
        ),
        (
            Method::POST,
            "/api/v1/institutions".into(),
            &admin,
            max("CreateInstitutionRequest", "name"),
            Box::new(name),
            "name",
            "/name",
        ),
    ];
    let before = state(app, &w).await;
    for (method, path, token, limit, body, field, _) in &fields {
        for text in ["x".repeat(100_000), emoji(limit + 1)] {
            h.refuse_fields(
                (method.clone(), path),
                token,
                body(text),
                &[("if-match", &etag)],
                &[field],
            )
            .await;
        }
    }
    assert_eq!(state(app, &w).await, before);

    // Exactly the documented length is accepted and kept, character for character.
    for (method, path, token, limit, body, _, pointer) in &fields {
        let etag = h.etag(&draft).await;
        let text = emoji(*limit);
        let r = app
            .request(
                method.clone(),
                path,
                Some(token),
                Some(body(text.clone())),
                &[("if-match", &etag)],
            )
            .await;
        assert!(matches!(r.status, 200 | 201), "{path}: {}", r.text);
        assert_eq!(text_at(&r.body, pointer), text, "{path}");
    }
}

async fn impossible_and_out_of_range_dates_are_refused_naming_the_field(backend: Backend) {
    let h = Hostile::new(backend).await;
    let app = &h.app;
    let w = world(app).await;
    let admin = app.admin_token.clone();
    let member = w.member.token.clone();
    let school = format!("/api/v1/institutions/{}", w.school);
    let draft = format!("/api/v1/evaluations/{}", w.draft);
    let etag = h.etag(&draft).await;
    let trajectory = format!("/api/v1/trajectories/{}", w.trajectory);
    let point = format!("/api/v1/action-points/{}", w.action_point);
    let before = state(app, &w).await;

    let bad = [
        "0000-00-00",
        "2026-02-31",
        "2025-02-29",
        "2026-13-01",
        "2026-04-00",
        "0000-01-01",
        "1999-12-31",
        "2100-01-01",
        "-2026-01-01",
        "+12026-01-01",
        "2026-01-01T00:00:00Z",
        "20260101",
        "01-02-2026",
        "",
    ];
    // Written loosely: every date field reads strictly YYYY-MM-DD, as `format: date` says.
    let loose = [" 2026-01-01", "2026-01-01 ", "2026-1-1", "+2026-01-01"];
    for date in bad.into_iter().chain(loose) {
        let d = json!(date);
        let new_trajectory = |field: &str| {
            let mut body = json!({"institution_id": w.school, "title": "Traject",
                                  "start_date": "2025-09-01", "planned_end_date": "2027-07-31"});
            body[field] = d.clone();
            body
        };
        let cases: Vec<(Method, String, &str, Value, &str)> = vec![
            (
                Method::POST,
                format!("{school}/evaluations"),
                &member,
                json!({"instrument_id": "kwaliteitskader-lob", "reference_date": d,
                    "moment": "annual"}),
                "reference_date",
            ),
            (
                Method::PATCH,
                draft.clone(),
                &member,
                json!({"reference_date": d}),
                "reference_date",
            ),
            (
                Method::POST,
                "/api/v1/trajectories".into(),
                &admin,
                new_trajectory("start_date"),
                "start_date",
            ),
            (
                Method::POST,
                "/api/v1/trajectories".into(),
                &admin,
                new_trajectory("planned_end_date"),
                "planned_end_date",
            ),
            (
                Method::PATCH,
                trajectory.clone(),
                &admin,
                json!({"plan": {"title": "Plan", "adopted_on": d}}),
                "plan.adopted_on",
            ),
            (
                Method::PATCH,
                trajectory.clone(),
                &admin,
                json!({"components": [{"component_id": "lob_visie", "status": "done",
                                    "started_on": d}]}),
                "components[0].started_on",
            ),
            (
                Method::POST,
                format!("{trajectory}/sessions"),
                &admin,
                json!({"held_on": d, "summary": "Start"}),
                "held_on",
            ),
            (
                Method::POST,
                format!("{school}/action-points"),
                &member,
                json!({"step": 1, "description": "Plan", "due_date": d}),
                "due_date",
            ),
            (
                Method::PATCH,
                point.clone(),
                &member,
                json!({"due_date": d}),
                "due_date",
            ),
        ];
        let if_match = [("if-match", etag.as_str())];
        for (method, path, token, body, field) in cases {
            let r = h
                .refuse_invalid((method, &path), token, body, &if_match)
                .await;
            // A start after 2099 is also after the end: that may be named as well.
            assert_eq!(named(&r).first(), Some(&field), "{date}: {}", r.text);
        }
    }
    // An end before the start is refused too; a leap day that exists is not.
    let r = h
        .refuse_fields(
            (Method::PATCH, &trajectory),
            &admin,
            json!({"planned_end_date": "2025-08-31"}),
            &[],
            &["planned_end_date"],
        )
        .await;
    assert_eq!(
        r.body["errors"][0]["message"],
        "must not be before start_date"
    );
    assert_eq!(state(app, &w).await, before);
    let r = app
        .patch(&point, &member, "", json!({"due_date": "2028-02-29"}))
        .await;
    assert_eq!(r.expect(200).body["due_date"], "2028-02-29");
}

async fn unreadable_and_oversized_bodies_are_refused_before_they_change_anything(backend: Backend) {
    let h = Hostile::new(backend).await;
    let app = &h.app;
    let w = world(app).await;
    let before = state(app, &w).await;
    let institutions = "/api/v1/institutions";
    let malformed = (400, "malformed_request");
    let with_name = |name: &[u8]| {
        let mut body = br#"{"sector": "vo", "name": "#.to_vec();
        body.extend_from_slice(name);
        body.push(b'}');
        body
    };

    // Invalid UTF-8: a stray continuation byte, an overlong encoding, a lone surrogate (raw and
    // escaped), bytes past U+10FFFF; and text that is not UTF-8 at all.
    for bad in [
        &b"\"Het \xff\xfe Baken\""[..],
        b"\"\xc0\xaf\"",
        b"\"\xed\xa0\x80\"",
        br#""\ud800""#,
        br#""\udc00 and \ud83d""#,
        b"\"\xf4\x90\x80\x80\"",
    ] {
        h.refuse_raw(institutions, Method::POST, with_name(bad), malformed)
            .await;
    }
    let utf16: Vec<u8> = "\u{feff}{\"name\": \"Nieuw\", \"sector\": \"vo\"}"
        .encode_utf16()
        .flat_map(u16::to_le_bytes)
        .collect();
    h.refuse_raw(institutions, Method::POST, utf16, malformed)
        .await;
    let r = h
        .refuse_raw(
            institutions,
            Method::POST,
            with_name(b"\"\xff\""),
            malformed,
        )
        .await;
    insta::assert_json_snapshot!("invalid_utf8", r.body);

    // Deep nesting is refused at 128 levels, however deep it goes (up to the size limit),
    // without exhausting the stack.
    let draft = format!("/api/v1/evaluations/{}", w.draft);
    for depth in [129, 10_000, 100_000] {
        let nested = format!("{}{}", "[".repeat(depth), "]".repeat(depth));
        let r = h
            .refuse_raw(
                institutions,
                Method::POST,
                with_name(nested.as_bytes()),
                malformed,
            )
            .await;
        if depth == 100_000 {
            insta::assert_json_snapshot!("too_deeply_nested", r.body);
        }
    }
    for depth in [129, 10_000, 40_000] {
        let objects = format!("{}1{}", r#"{"a":"#.repeat(depth), "}".repeat(depth));
        h.refuse_raw(&draft, Method::PATCH, objects.into_bytes(), malformed)
            .await;
    }
    // Just below the limit the JSON is read, and the nested value is refused as the wrong type.
    let nested = format!("{}{}", "[".repeat(100), "]".repeat(100));
    let wrong_type = (422, "validation_failed");
    let r = h
        .refuse_raw(
            institutions,
            Method::POST,
            with_name(nested.as_bytes()),
            wrong_type,
        )
        .await;
    assert_eq!(named(&r), ["name"]);

    // No body, an empty one, JSON that is not an object, a number out of every range.
    for bytes in [
        &b""[..],
        b"   ",
        b"null",
        b"\"name\"",
        b"[]",
        b"1e400",
        b"{\"name\": 1e400}",
    ] {
        let expected = if bytes == b"null" || bytes == b"\"name\"" || bytes == b"[]" {
            wrong_type
        } else {
            malformed
        };
        h.refuse_raw(institutions, Method::POST, bytes.to_vec(), expected)
            .await;
    }
    // A key given twice is refused, not silently resolved to one of its values.
    let twice = br#"{"name": "Een", "name": "Twee", "sector": "vo"}"#.to_vec();
    h.refuse_raw(institutions, Method::POST, twice, malformed)
        .await;

    // Beyond 256 KiB: 413, for a new object and for a change to a draft alike.
    let etag = h.etag(&draft).await;
    let huge = json!({"levels": [{"step": 1, "remarks": "x".repeat(256 * 1024)}]});
    h.refuse(
        (Method::PATCH, &draft),
        &w.member.token,
        Some(huge),
        &[("if-match", &etag)],
        (413, "payload_too_large"),
    )
    .await;
    let huge = with_name(format!("\"{}\"", "x".repeat(256 * 1024)).as_bytes());
    h.refuse_raw(institutions, Method::POST, huge, (413, "payload_too_large"))
        .await;
    assert_eq!(state(app, &w).await, before);

    // A whole number written with a fraction is a whole number, as JSON Schema counts it.
    let points = format!("/api/v1/institutions/{}/action-points", w.school);
    let body = json!({"step": 3.0, "description": "Stap drie"});
    let r = app.post(&points, &w.member.token, body).await.expect(201);
    assert_eq!(r.body["step"], 3);
    let body = json!({"step": 3.5, "description": "Stap drie en een half"});
    h.refuse_fields(
        (Method::POST, &points),
        &w.member.token,
        body,
        &[],
        &["step"],
    )
    .await;
}

async fn tampered_pagination_and_ids_of_the_wrong_kind_are_refused(backend: Backend) {
    let h = Hostile::new(backend).await;
    let app = &h.app;
    let w = world(app).await;
    let admin = app.admin_token.clone();
    let before = state(app, &w).await;

    let lists = [
        "/api/v1/institutions".to_owned(),
        "/api/v1/users".to_owned(),
        "/api/v1/trajectories".to_owned(),
        format!("/api/v1/institutions/{}/evaluations", w.school),
        format!("/api/v1/institutions/{}/action-points", w.school),
    ];
    let tampered = [
        ("limit=-1", 400, "limit"),
        ("limit=1.5", 400, "limit"),
        ("limit=0x10", 400, "limit"),
        ("limit=1e2", 400, "limit"),
        ("limit=", 400, "limit"),
        ("limit=%20%31", 400, "limit"),
        ("limit=%00", 400, "limit"),
        ("limit=1;DROP%20TABLE%20users", 400, "limit"),
        ("limit=10&limit=20", 400, "limit"),
        ("offset=-5", 400, "offset"),
        ("offset=1&offset=2", 400, "offset"),
        ("offset=18446744073709551616", 400, "offset"),
        ("offset=1000000001", 422, "offset"),
        ("limit=201", 422, "limit"),
        ("limit=0", 422, "limit"),
        ("cursor=eyJpZCI6MX0", 400, "cursor"),
    ];
    for list in &lists {
        for (query, status, field) in tampered {
            let path = format!("{list}?{query}");
            let code = if status == 400 {
                "invalid_query_parameter"
            } else {
                "validation_failed"
            };
            let r = h
                .refuse((Method::GET, &path), &admin, None, &[], (status, code))
                .await;
            assert_eq!(named(&r), [field], "{path}: {}", r.text);
        }
    }

    // A path id that is not a UUID is malformed; a UUID of another kind of object does not exist.
    for bad in [
        "1",
        "%27%20OR%20%271%27=%271",
        "..%2F..%2Fusers",
        "null",
        "00000000-0000-0000-0000-00000000000g",
        "%F0%9F%99%82",
        "%FF",
    ] {
        for kind in [
            "institutions",
            "evaluations",
            "trajectories",
            "action-points",
            "users",
        ] {
            let path = format!("/api/v1/{kind}/{bad}");
            h.refuse(
                (Method::GET, &path),
                &admin,
                None,
                &[],
                (400, "invalid_path_parameter"),
            )
            .await;
        }
    }
    let nil = uuid::Uuid::nil().to_string();
    let wrong_kind = [
        ("evaluations", &w.school),
        ("institutions", &w.draft),
        ("trajectories", &w.unit),
        ("action-points", &w.trajectory),
        ("users", &w.school),
        ("evaluations", &nil),
    ];
    for (kind, id) in wrong_kind {
        let path = format!("/api/v1/{kind}/{id}");
        h.refuse((Method::GET, &path), &admin, None, &[], (404, "not_found"))
            .await;
        if kind == "evaluations" || kind == "action-points" {
            h.refuse(
                (Method::DELETE, &path),
                &admin,
                None,
                &[],
                (404, "not_found"),
            )
            .await;
        }
    }

    // Ids of the wrong kind in a body are refused naming the field.
    let school = format!("/api/v1/institutions/{}", w.school);
    let member = w.member.token.clone();
    let cases: Vec<(String, &str, Value, Vec<&str>)> = vec![
        (
            format!("{school}/members"),
            &admin,
            json!({"user_id": w.school, "function": "decaan"}),
            vec!["user_id"],
        ),
        (
            "/api/v1/trajectories".into(),
            &admin,
            json!({"institution_id": w.member.user_id, "title": "T", "start_date": "2025-09-01",
                "planned_end_date": "2027-07-31"}),
            vec!["institution_id"],
        ),
        (
            "/api/v1/trajectories".into(),
            &admin,
            json!({"institution_id": w.school, "title": "T", "start_date": "2025-09-01",
                "planned_end_date": "2027-07-31", "unit_id": w.draft,
                "coach_ids": [w.member.user_id, w.coach, w.coach]}),
            vec!["unit_id", "coach_ids[0]", "coach_ids[2]"],
        ),
        (
            format!("{school}/action-points"),
            &member,
            json!({"step": 1, "description": "Plan", "evaluation_id": w.trajectory,
                "trajectory_id": w.draft, "owner_id": w.school}),
            vec!["evaluation_id", "trajectory_id", "owner_id"],
        ),
        (
            format!("{school}/evaluations"),
            &member,
            json!({"instrument_id": "kwaliteitskader-lob", "reference_date": "2026-03-15",
                "moment": "annual", "unit_id": w.trajectory}),
            vec!["unit_id"],
        ),
        (
            format!("{school}/evaluations"),
            &member,
            json!({"instrument_id": "kwaliteitskader-lob", "reference_date": "2026-03-15",
                "moment": "annual", "trajectory_id": w.unit}),
            vec!["trajectory_id"],
        ),
        (
            format!("{school}/members"),
            &admin,
            json!({"user_id": "not-a-uuid", "function": "decaan"}),
            vec!["user_id"],
        ),
    ];
    for (path, token, body, fields) in cases {
        let r = h
            .refuse_fields((Method::POST, &path), token, body, &[], &fields)
            .await;
        assert_eq!(named(&r), fields);
    }
    assert_eq!(state(app, &w).await, before);
}

/// Claims as the service issues them, for `sub` with `role`, valid now.
fn claims(sub: &str, role: &str) -> Value {
    let now = chrono::Utc::now().timestamp();
    json!({"sub": sub, "role": role, "iss": "lobkader", "aud": "lobkader-api",
           "iat": now, "nbf": now, "exp": now + 600})
}

fn sign(claims: &Value, key: &[u8], alg: Algorithm) -> String {
    encode(&Header::new(alg), claims, &EncodingKey::from_secret(key))
        .unwrap_or_else(|e| panic!("signing {claims}: {e}"))
}

/// The three dot-separated parts of a token.
fn parts(token: &str) -> Vec<&str> {
    token.split('.').collect()
}

async fn forged_unsigned_expired_and_misdirected_tokens_answer_401_and_change_nothing(
    backend: Backend,
) {
    let h = Hostile::new(backend).await;
    let app = &h.app;
    let w = world(app).await;
    let me = app.get("/api/v1/me", &app.admin_token).await.expect(200);
    let admin_id = me.body["id"].as_str().unwrap_or_default().to_owned();
    let valid = claims(&admin_id, "admin");
    let now = chrono::Utc::now().timestamp();

    // The recipe works with the service's own key, so each variant below fails for its one change.
    let good = sign(&valid, SIGNING_KEY, Algorithm::HS256);
    app.get("/api/v1/me", &good).await.expect(200);

    let changed = |field: &str, value: Value| {
        let mut c = valid.clone();
        c[field] = value;
        sign(&c, SIGNING_KEY, Algorithm::HS256)
    };
    let without = |field: &str| {
        let mut c = valid.clone();
        c.as_object_mut().map(|o| o.remove(field));
        sign(&c, SIGNING_KEY, Algorithm::HS256)
    };
    let [header, payload, signature] = parts(&good)[..] else {
        panic!("a token has three parts: {good}")
    };
    // A member's token with its payload swapped for the admin's, the member's signature kept.
    let member_token = sign(
        &claims(&w.member.user_id, "user"),
        SIGNING_KEY,
        Algorithm::HS256,
    );
    let member_parts = parts(&member_token);
    let unsigned = "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0"; // {"alg":"none","typ":"JWT"}
    let unsigned_capital = "eyJhbGciOiJOb25lIiwidHlwIjoiSldUIn0"; // {"alg":"None","typ":"JWT"}
    let rs256 = "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9"; // {"alg":"RS256","typ":"JWT"}
    let forged: Vec<(&str, String)> = vec![
        (
            "signed with another key",
            sign(
                &valid,
                b"another-key-of-at-least-32-bytes!!",
                Algorithm::HS256,
            ),
        ),
        ("alg none, no signature", format!("{unsigned}.{payload}.")),
        (
            "alg none, signature kept",
            format!("{unsigned}.{payload}.{signature}"),
        ),
        ("alg None", format!("{unsigned_capital}.{payload}.")),
        (
            "alg RS256 over an HMAC",
            format!("{rs256}.{payload}.{signature}"),
        ),
        (
            "HS512 with the right key",
            sign(&valid, SIGNING_KEY, Algorithm::HS512),
        ),
        (
            "payload swapped",
            format!("{}.{payload}.{}", member_parts[0], member_parts[2]),
        ),
        ("signature dropped", format!("{header}.{payload}.")),
        ("two parts", format!("{header}.{payload}")),
        ("four parts", format!("{good}.{signature}")),
        ("not base64", format!("{header}.{payload}!.{signature}")),
        ("expired", changed("exp", json!(now - 3600))),
        ("not yet valid", changed("nbf", json!(now + 3600))),
        ("wrong audience", changed("aud", json!("another-api"))),
        (
            "audience list without ours",
            changed("aud", json!(["another-api"])),
        ),
        ("wrong issuer", changed("iss", json!("someone-else"))),
        ("no sub", without("sub")),
        ("no exp", without("exp")),
        ("no nbf", without("nbf")),
        ("no aud", without("aud")),
        ("no iss", without("iss")),
        ("sub not a UUID", changed("sub", json!("admin"))),
        ("unknown role", changed("role", json!("superadmin"))),
        (
            "exp as text",
            changed("exp", json!((now + 600).to_string())),
        ),
        ("empty", String::new()),
        ("a space", " ".into()),
    ];
    let before = state(app, &w).await;
    let attempts: [(Method, &str, Option<Value>); 3] = [
        (Method::GET, "/api/v1/me", None),
        (Method::GET, "/api/v1/users", None),
        (
            Method::POST,
            "/api/v1/institutions",
            Some(json!({"name": "Vals", "sector": "vo"})),
        ),
    ];
    for (what, token) in &forged {
        for (method, path, body) in &attempts {
            let r = app
                .request(
                    method.clone(),
                    path,
                    None,
                    body.clone(),
                    &[("authorization", &format!("Bearer {token}"))],
                )
                .await;
            h.assert_refused(&r, method, path, 401, "unauthorized");
            let challenge = r.header("www-authenticate").unwrap_or_default();
            assert!(
                challenge.starts_with("Bearer realm=\"lobkader\""),
                "{what}: {challenge}"
            );
            if what == &"signed with another key" && path == &"/api/v1/me" {
                insta::assert_json_snapshot!("token_signed_with_another_key", r.body);
            }
        }
    }
    assert_eq!(state(app, &w).await, before);
}
