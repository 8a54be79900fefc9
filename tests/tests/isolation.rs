//! Institutions are isolated from each other. Every protected operation in the served OpenAPI
//! document has a case in one table saying how to call it on school A's objects and what each
//! caller gets: a member of school B gets 404 for anything of A (403 for the operations of
//! another role that are not about one institution), so does the coach of B's trajectory, a
//! caller without a valid token gets 401, and a caller who may do it (A's member, A's coach or
//! an admin) succeeds, so the refusals are about access and nothing else. An operation without
//! a case fails the run. Lists show only the caller's own institutions, B's attempts change
//! nothing of A, and access ends with the membership, not the token.

use lobkader_api::auth::Role;
use lobkader_api::auth::token::TokenKeys;
use lobkader_tests::fixtures::{Member, complete_content};
use lobkader_tests::{Backend, Response, TestApp, backend_tests, json, spawn_app};
use reqwest::Method;
use serde_json::Value;
use std::collections::BTreeSet;

backend_tests!(
    the_table_has_a_case_for_every_protected_operation_in_the_openapi_document,
    a_member_of_another_institution_is_refused_everywhere_and_changes_nothing,
    every_protected_operation_answers_401_without_a_valid_token,
    the_coach_of_another_institution_finds_nothing_of_it_and_changes_nothing,
    every_case_in_the_table_succeeds_for_a_caller_who_may_do_it,
    an_admin_naming_objects_that_do_not_exist_gets_404_and_changes_nothing,
    institution_lists_show_only_the_institutions_the_caller_belongs_to,
    a_member_can_start_read_and_list_evaluations_of_their_own_institution,
    a_removed_member_loses_access_with_the_token_they_already_hold,
);

/// The operations anyone may call without a token; any other operation must be in the table.
const PUBLIC: [&str; 3] = ["GET /healthz", "GET /readyz", "POST /api/v1/auth/token"];

/// The signing key `spawn_app` configures. A test first checks that a token signed with it is
/// accepted, so the expired token made with it is refused for its expiry, not for its key.
const HARNESS_KEY: &[u8] = b"a-test-signing-key-of-at-least-32-bytes";

const INSTRUMENT: &str = "kwaliteitskader-lob";

// The table ------------------------------------------------------------------------------------

/// Who may do an operation on school A, and the status they get.
#[derive(Clone, Copy, Debug)]
enum Who {
    Member(u16),
    /// The coach of A's trajectory.
    Coach(u16),
    Admin(u16),
}

/// What a member of school B gets.
#[derive(Clone, Copy)]
enum AsB {
    /// 404 `not_found`, exactly as for an object that does not exist: it is school A's.
    Hidden,
    /// 403 `forbidden`: for another role (admins, coaches), and not about any one institution.
    Forbidden,
    /// 200: not about any one institution; the check asserts B sees only what is B's own.
    Allowed(fn(&Value, &Intruder)),
    /// This status: about the caller's own account alone, which B changes (B's own). It ends
    /// the caller's tokens, so it runs after every other case.
    Own(u16),
}

struct Case {
    /// "METHOD /path", exactly as the OpenAPI document names the operation.
    operation: &'static str,
    as_b: AsB,
    allowed: Who,
    /// The request on school A's objects, valid in every respect but who sends it.
    request: fn(&School) -> Parts,
}

fn case(operation: &'static str, as_b: AsB, allowed: Who, request: fn(&School) -> Parts) -> Case {
    Case {
        operation,
        as_b,
        allowed,
        request,
    }
}

// A table reads best one operation a line, which rustfmt would break up.
#[rustfmt::skip]
fn cases() -> Vec<Case> {
    use AsB::{Allowed, Forbidden, Hidden, Own};
    use Who::{Admin, Coach, Member};
    vec![
        // Not about any one institution: B may call them, and sees only B's own.
        case("GET /api/v1/me", Allowed(own_memberships), Member(200), |_| at(&[])),
        case("GET /api/v1/instruments", Allowed(instruments), Member(200), |_| at(&[])),
        case("GET /api/v1/instruments/{id}", Allowed(instrument), Member(200), |_| at(&[INSTRUMENT])),
        case("GET /api/v1/institutions", Allowed(own_institution), Member(200), |_| at(&[])),
        // Admin-only and not about any one institution: B's role does not allow them.
        case("POST /api/v1/institutions", Forbidden, Admin(201), |_| at(&[]).body(new_institution())),
        case("GET /api/v1/users", Forbidden, Admin(200), |_| at(&[])),
        case("POST /api/v1/users", Forbidden, Admin(201), |_| at(&[]).body(new_admin())),
        case("PATCH /api/v1/users/{id}", Forbidden, Admin(200), |a| at(&[&a.member]).body(user_change())),
        // Removes the stranger, whom no later case needs.
        case("DELETE /api/v1/users/{id}", Forbidden, Admin(204), |a| at(&[&a.stranger])),
        // The caller's own password: B changes B's.
        case("PUT /api/v1/me/password", Own(204), Member(204), |_| at(&[]).body(password_change())),
        // School A and its people: for B they do not exist.
        case("GET /api/v1/users/{id}", Hidden, Admin(200), |a| at(&[&a.member])),
        case("GET /api/v1/institutions/{id}", Hidden, Member(200), |a| at(&[&a.id])),
        case("PATCH /api/v1/institutions/{id}", Hidden, Admin(200), |a| at(&[&a.id]).body(institution_change())),
        case("GET /api/v1/institutions/{id}/units", Hidden, Member(200), |a| at(&[&a.id])),
        case("POST /api/v1/institutions/{id}/units", Hidden, Member(201), |a| at(&[&a.id]).body(new_unit())),
        case("GET /api/v1/institutions/{id}/members", Hidden, Member(200), |a| at(&[&a.id])),
        // B tries to make B a member of A.
        case("POST /api/v1/institutions/{id}/members", Hidden, Admin(201), |a| at(&[&a.id]).body(membership(a))),
        case("DELETE /api/v1/institutions/{id}/members/{user_id}", Hidden, Admin(204), |a| at(&[&a.id, &a.member])),
        case("GET /api/v1/institutions/{id}/evaluations", Hidden, Member(200), |a| at(&[&a.id]).query("unit_id", &a.unit)),
        case("POST /api/v1/institutions/{id}/evaluations", Hidden, Member(201), |a| at(&[&a.id]).body(new_evaluation(a))),
        case("GET /api/v1/evaluations/{id}", Hidden, Member(200), |a| at(&[&a.draft])),
        case("PATCH /api/v1/evaluations/{id}", Hidden, Member(200), |a| at(&[&a.draft]).if_match(a).body(evaluation_change())),
        case("DELETE /api/v1/evaluations/{id}", Hidden, Member(204), |a| at(&[&a.draft])),
        case("POST /api/v1/evaluations/{id}/submit", Hidden, Member(200), |a| at(&[&a.draft]).if_match(a)),
        case("POST /api/v1/evaluations/{id}/corrections", Hidden, Member(201), |a| at(&[&a.later])),
        case("GET /api/v1/evaluations/{id}/comparison", Hidden, Member(200), |a| at(&[&a.later]).query("with", &a.earlier)),
        case("GET /api/v1/institutions/{id}/progress", Hidden, Member(200), |a| at(&[&a.id])),
        // A's trajectory: admins start one, its coach keeps it up to date, A's members read it.
        case("POST /api/v1/trajectories", Forbidden, Admin(201), |a| at(&[]).body(new_trajectory(a))),
        case("GET /api/v1/trajectories", Allowed(own_trajectory), Member(200), |_| at(&[])),
        case("GET /api/v1/trajectories/{id}", Hidden, Member(200), |a| at(&[&a.trajectory])),
        case("PATCH /api/v1/trajectories/{id}", Hidden, Coach(200), |a| at(&[&a.trajectory]).body(trajectory_change())),
        case("GET /api/v1/trajectories/{id}/sessions", Hidden, Member(200), |a| at(&[&a.trajectory])),
        case("POST /api/v1/trajectories/{id}/sessions", Hidden, Coach(201), |a| at(&[&a.trajectory]).body(new_session(a))),
        case("GET /api/v1/trajectories/{id}/progress", Hidden, Member(200), |a| at(&[&a.trajectory])),
        case("GET /api/v1/institutions/{id}/action-points", Hidden, Member(200), |a| at(&[&a.id]).query("trajectory_id", &a.trajectory)),
        case("POST /api/v1/institutions/{id}/action-points", Hidden, Member(201), |a| at(&[&a.id]).body(new_action_point(a))),
        case("GET /api/v1/action-points/{id}", Hidden, Member(200), |a| at(&[&a.action_point])),
        case("PATCH /api/v1/action-points/{id}", Hidden, Member(200), |a| at(&[&a.action_point]).body(action_point_change())),
        case("DELETE /api/v1/action-points/{id}", Hidden, Member(204), |a| at(&[&a.action_point])),
        // The calling coach's own overview: B, a member, has none.
        case("GET /api/v1/coach/overview", Forbidden, Coach(200), |_| at(&[])),
        // Operations: the service's metrics are for admins (unless configured public).
        case("GET /metrics", Forbidden, Admin(200), |_| at(&[])),
        // The audit trail: all of it for admins, an institution's own for its kerngroep.
        case("GET /api/v1/audit", Forbidden, Admin(200), |_| at(&[])),
        case("GET /api/v1/institutions/{id}/audit", Hidden, Member(200), |a| at(&[&a.id])),
    ]
}

fn new_institution() -> Value {
    json!({"name": "Schaduwcollege", "sector": "mbo", "region": "Eemland"})
}

fn institution_change() -> Value {
    json!({"name": "Overgenomen College", "region": null})
}

fn new_unit() -> Value {
    json!({"name": "Locatie Zuid", "kind": "location"})
}

/// Makes the stranger (B, where B is about) a member of the school.
fn membership(a: &School) -> Value {
    json!({"user_id": a.stranger, "function": "decaan"})
}

fn new_admin() -> Value {
    json!({"email": "nieuw@lobkader.test", "display_name": "Nieuw",
           "password": "a-long-enough-password", "role": "admin"})
}

/// A new name only: a new role or password would end the member's tokens, which later cases use.
fn user_change() -> Value {
    json!({"display_name": "M. de Boer"})
}

fn password_change() -> Value {
    json!({"current_password": "a-long-enough-password", "new_password": "another-long-password"})
}

fn new_evaluation(a: &School) -> Value {
    json!({"instrument_id": INSTRUMENT, "reference_date": "2026-05-01", "moment": "interim",
           "unit_id": a.unit, "title": "Tussenmeting"})
}

fn evaluation_change() -> Value {
    json!({"answers": [{"question_id": "1.1", "answer": "no", "explanation": "Toch niet"}],
           "title": "Herzien"})
}

fn new_trajectory(a: &School) -> Value {
    json!({"institution_id": a.id, "title": "Tweede traject", "start_date": "2026-08-01",
           "planned_end_date": "2028-07-31", "coach_ids": [a.coach],
           "targets": [{"step": 1, "level": "integrated"}]})
}

fn trajectory_change() -> Value {
    json!({"status": "paused", "targets": [{"step": 2, "level": "basic"}],
           "components": [{"component_id": "lob_visie", "status": "done", "completed_on": "2026-04-01"}]})
}

fn new_session(a: &School) -> Value {
    json!({"held_on": "2026-05-12", "summary": "Curriculumplanner doorgenomen",
           "participants": [{"name": "Decaan", "function": "decaan", "user_id": a.member}]})
}

fn new_action_point(a: &School) -> Value {
    json!({"step": 2, "question_id": "2.3", "trajectory_id": a.trajectory, "owner_id": a.member,
           "description": "Loopbaangesprekken inroosteren", "due_date": "2026-10-01"})
}

fn action_point_change() -> Value {
    json!({"status": "done", "due_date": null})
}

/// B's own account, with B's membership and no other.
fn own_memberships(me: &Value, b: &Intruder) {
    let memberships = strings(&me["memberships"], "institution_id");
    let seen = (me["id"].as_str(), memberships);
    assert_eq!(
        seen,
        (
            Some(b.member.user_id.as_str()),
            vec![b.institution.as_str()]
        ),
        "B's /me"
    );
}

fn instruments(list: &Value, _: &Intruder) {
    assert!(strings(list, "id").contains(&INSTRUMENT), "{list}");
}

fn instrument(instrument: &Value, _: &Intruder) {
    assert_eq!(instrument["id"], INSTRUMENT);
}

/// B's trajectory and no other.
fn own_trajectory(page: &Value, b: &Intruder) {
    let seen = (strings(&page["items"], "id"), page["total"].as_u64());
    assert_eq!(
        seen,
        (vec![b.trajectory.as_str()], Some(1)),
        "B's trajectory list"
    );
}

/// B's institution and no other.
fn own_institution(page: &Value, b: &Intruder) {
    let seen = (strings(&page["items"], "id"), page["total"].as_u64());
    assert_eq!(
        seen,
        (vec![b.institution.as_str()], Some(1)),
        "B's institution list"
    );
}

// The tests ------------------------------------------------------------------------------------

async fn the_table_has_a_case_for_every_protected_operation_in_the_openapi_document(
    backend: Backend,
) {
    let app = spawn_app(backend).await;
    let (protected, public) = documented_operations(&app).await;
    assert_table_covers(&protected);
    // An operation documented as public by mistake would escape the table.
    assert_eq!(
        public.iter().map(String::as_str).collect::<BTreeSet<_>>(),
        PUBLIC.into()
    );
}

async fn a_member_of_another_institution_is_refused_everywhere_and_changes_nothing(
    backend: Backend,
) {
    let app = spawn_app(backend).await;
    let (a, b) = two_schools(&app).await;
    let before = state_of(&app, &a).await;
    let as_b = bearer(&b.member.token);
    for case in documented_cases(&app).await {
        let op = case.operation;
        let r = (case.request)(&a).send(&app, op, Some(&as_b)).await;
        let outcome = (r.status, r.body["code"].as_str());
        match case.as_b {
            AsB::Hidden => assert_hidden(&app, &case, &a, &r, &as_b, "B").await,
            AsB::Forbidden => {
                assert_eq!(outcome, (403, Some("forbidden")), "{op} as B: {}", r.text)
            }
            AsB::Allowed(check) => {
                assert_eq!(r.status, 200, "{op} as B: {}", r.text);
                check(&r.body, &b);
            }
            AsB::Own(status) => assert_eq!(r.status, status, "{op} as B: {}", r.text),
        }
    }
    assert_eq!(
        state_of(&app, &a).await,
        before,
        "B's attempts changed school A"
    );
}

async fn the_coach_of_another_institution_finds_nothing_of_it_and_changes_nothing(
    backend: Backend,
) {
    let app = spawn_app(backend).await;
    let (a, b) = two_schools(&app).await;
    // The coach does see their own trajectory, so the refusals below are about A.
    let own = format!("/api/v1/trajectories/{}", b.trajectory);
    app.get(&own, &b.coach.token).await.expect(200);
    let before = state_of(&app, &a).await;
    let as_coach = bearer(&b.coach.token);
    // The other cases are not about one institution; trajectories.rs checks what a coach's
    // lists show and that a coach may not do what is for admins.
    let hidden = documented_cases(&app).await.into_iter();
    for case in hidden.filter(|c| matches!(c.as_b, AsB::Hidden)) {
        let r = (case.request)(&a)
            .send(&app, case.operation, Some(&as_coach))
            .await;
        assert_hidden(&app, &case, &a, &r, &as_coach, "B's coach").await;
    }
    assert_eq!(
        state_of(&app, &a).await,
        before,
        "the attempts of B's coach changed school A"
    );
}

/// `r`, the answer to `case` on A's objects, is 404 `not_found` and the very answer the same
/// caller gets about objects that do not exist: A's object looks like none at all.
async fn assert_hidden(
    app: &TestApp,
    case: &Case,
    a: &School,
    r: &Response,
    authorization: &str,
    who: &str,
) {
    let op = case.operation;
    let outcome = (r.status, r.body["code"].as_str());
    assert_eq!(
        outcome,
        (404, Some("not_found")),
        "{op} as {who}: {}",
        r.text
    );
    let nowhere = (case.request)(a)
        .elsewhere()
        .send(app, op, Some(authorization))
        .await;
    assert_eq!(
        r.text, nowhere.text,
        "{op} as {who}: A's object must look like none at all"
    );
}

async fn every_protected_operation_answers_401_without_a_valid_token(backend: Backend) {
    let app = spawn_app(backend).await;
    let (a, b) = two_schools(&app).await;
    let genuine = token(HARNESS_KEY, 600, &b.member.user_id, Role::User);
    app.get("/api/v1/me", &genuine).await.expect(200);

    let before = state_of(&app, &a).await;
    let credentials = bad_credentials(&b.member);
    for case in documented_cases(&app).await {
        let op = case.operation;
        for (what, authorization) in &credentials {
            let r = (case.request)(&a)
                .send(&app, op, authorization.as_deref())
                .await;
            let outcome = (r.status, r.body["code"].as_str());
            assert_eq!(
                outcome,
                (401, Some("unauthorized")),
                "{op} with {what}: {}",
                r.text
            );
            let challenge = r.header("www-authenticate").unwrap_or_default();
            assert!(
                challenge.starts_with("Bearer "),
                "{op} with {what}: {challenge:?}"
            );
        }
    }
    assert_eq!(
        state_of(&app, &a).await,
        before,
        "requests without a valid token changed A"
    );
}

async fn every_case_in_the_table_succeeds_for_a_caller_who_may_do_it(backend: Backend) {
    let app = spawn_app(backend).await;
    let member = new_account(&app, "decaan@baken.test").await;
    let coach = new_coach(&app, "coach@regio.test").await;
    let stranger = new_account(&app, "decaan@elders.test").await;
    let me = app.get("/api/v1/me", &app.admin_token).await.expect(200);
    let admin = me.body["id"].clone();
    assert!(admin.is_string(), "/me names the admin: {}", me.text);
    // A school per case, as deleting or submitting the draft uses it up.
    for (n, case) in documented_cases(&app).await.into_iter().enumerate() {
        let name = format!("School {n}");
        let a = school(&app, &name, &member, &coach, &stranger.user_id).await;
        let (token, status, actor) = match case.allowed {
            Who::Member(status) => (&a.member_token, status, json!(a.member)),
            Who::Coach(status) => (&a.coach_token, status, json!(a.coach)),
            Who::Admin(status) => (&app.admin_token, status, admin.clone()),
        };
        let r = (case.request)(&a)
            .send(&app, case.operation, Some(&bearer(token)))
            .await;
        assert_eq!(
            r.status, status,
            "{} as {:?}: {}",
            case.operation, case.allowed, r.text
        );
        // Every change is in the audit trail, made by the caller in this very request.
        if !case.operation.starts_with("GET ") {
            let trail = app.get("/api/v1/audit?limit=1", &app.admin_token).await;
            let newest = &trail.expect(200).body["items"][0];
            let request = r.header("x-request-id").expect("X-Request-Id");
            assert_eq!(
                (&newest["request_id"], &newest["actor_id"]),
                (&json!(request), &actor),
                "{} is recorded: {newest}",
                case.operation
            );
        }
    }
}

/// An admin may see everything, so nothing is hidden from them: a path naming something that
/// does not exist answers 404 all the same, never a database error, and writes nothing.
async fn an_admin_naming_objects_that_do_not_exist_gets_404_and_changes_nothing(backend: Backend) {
    let app = spawn_app(backend).await;
    let member = new_account(&app, "decaan@baken.test").await;
    let coach = new_coach(&app, "coach@regio.test").await;
    let stranger = new_account(&app, "decaan@elders.test").await;
    let a = school(&app, "Het Baken", &member, &coach, &stranger.user_id).await;
    let trail = || app.get("/api/v1/audit?limit=1", &app.admin_token);
    let before = trail().await.expect(200).body["total"].clone();
    for case in documented_cases(&app).await {
        let parts = (case.request)(&a);
        if parts.params.is_empty() || matches!(case.as_b, AsB::Own(_)) {
            continue;
        }
        let r = parts
            .elsewhere()
            .send(&app, case.operation, Some(&bearer(&app.admin_token)))
            .await;
        assert_eq!(
            r.status, 404,
            "{} elsewhere as admin: {}",
            case.operation, r.text
        );
    }
    assert_eq!(
        trail().await.expect(200).body["total"],
        before,
        "nothing was written"
    );
}

async fn institution_lists_show_only_the_institutions_the_caller_belongs_to(backend: Backend) {
    let app = spawn_app(backend).await;
    let (a, b) = two_schools(&app).await;
    let list = "/api/v1/institutions";
    let listed = |r: Response| {
        let ids: BTreeSet<String> = strings(&r.body["items"], "id")
            .into_iter()
            .map(String::from)
            .collect();
        (ids, r.body["total"].as_u64())
    };

    let as_b = listed(app.get(list, &b.member.token).await.expect(200));
    assert_eq!(as_b, (BTreeSet::from([b.institution.clone()]), Some(1)));
    let as_a = listed(app.get(list, &a.member_token).await.expect(200));
    assert_eq!(as_a, (BTreeSet::from([a.id.clone()]), Some(1)));

    let nobody = new_account(&app, "nog-zonder-school@lobkader.test").await;
    let as_nobody = listed(app.get(list, &nobody.token).await.expect(200));
    assert_eq!(as_nobody, (BTreeSet::new(), Some(0)));
    app.get(&format!("{list}/{}", a.id), &nobody.token)
        .await
        .expect(404);
    app.get(&format!("{list}/{}", b.institution), &nobody.token)
        .await
        .expect(404);

    let as_admin = listed(app.get(list, &app.admin_token).await.expect(200));
    assert_eq!(
        as_admin,
        (
            BTreeSet::from([a.id.clone(), b.institution.clone()]),
            Some(2)
        )
    );
}

async fn a_member_can_start_read_and_list_evaluations_of_their_own_institution(backend: Backend) {
    let app = spawn_app(backend).await;
    let (a, _) = two_schools(&app).await;
    let token = &a.member_token;

    let draft = app
        .create_draft(&a.id, token, "2026-05-01", "interim")
        .await;
    assert_eq!(draft.body["institution_id"], json!(a.id));
    let read = app
        .get(&format!("/api/v1/evaluations/{}", draft.id()), token)
        .await
        .expect(200);
    assert_eq!((&read.body, read.etag()), (&draft.body, draft.etag()));

    let list = app
        .get(&format!("/api/v1/institutions/{}/evaluations", a.id), token)
        .await;
    let list = list.expect(200).body;
    let listed: BTreeSet<&str> = strings(&list["items"], "id").into_iter().collect();
    let created = draft.id();
    let own = BTreeSet::from([
        created.as_str(),
        a.draft.as_str(),
        a.earlier.as_str(),
        a.later.as_str(),
    ]);
    assert_eq!(listed, own, "A's evaluations, and none of B's");

    let school = app
        .get(&format!("/api/v1/institutions/{}", a.id), token)
        .await
        .expect(200);
    assert_eq!(school.body["name"], "Het Baken");
    let units = app
        .get(&format!("/api/v1/institutions/{}/units", a.id), token)
        .await
        .expect(200);
    assert_eq!(strings(&units.body, "id"), [a.unit.as_str()]);
    let members = app
        .get(&format!("/api/v1/institutions/{}/members", a.id), token)
        .await;
    assert_eq!(
        strings(&members.expect(200).body, "user_id"),
        [a.member.as_str()]
    );
}

async fn a_removed_member_loses_access_with_the_token_they_already_hold(backend: Backend) {
    let app = spawn_app(backend).await;
    let (a, _) = two_schools(&app).await;
    let token = &a.member_token;
    let evaluation = format!("/api/v1/evaluations/{}", a.draft);
    let held = app.get(&evaluation, token).await.expect(200);

    let membership = format!("/api/v1/institutions/{}/members/{}", a.id, a.member);
    app.delete(&membership, &app.admin_token).await.expect(204);

    let gone = app.get(&evaluation, token).await.expect(404);
    assert_eq!(gone.body["code"], "not_found");
    app.patch(
        &evaluation,
        token,
        &a.draft_etag,
        json!({"title": "Nog snel"}),
    )
    .await
    .expect(404);
    app.get(&format!("/api/v1/institutions/{}", a.id), token)
        .await
        .expect(404);
    app.get(&format!("/api/v1/institutions/{}/evaluations", a.id), token)
        .await
        .expect(404);
    // The account and its token still work; only the membership ended.
    let me = app.get("/api/v1/me", token).await.expect(200);
    assert_eq!(
        (&me.body["id"], &me.body["memberships"]),
        (&json!(a.member), &json!([]))
    );
    // The work done as a member stays, untouched.
    let kept = app.get(&evaluation, &app.admin_token).await.expect(200);
    assert_eq!((&kept.body, kept.etag()), (&held.body, held.etag()));
}

// The document and requests --------------------------------------------------------------------

/// The protected and the public operations of the served document, as "METHOD /path". An
/// operation is protected when its security (or the document's) names requirements and none of
/// them is the empty, anonymous one.
async fn documented_operations(app: &TestApp) -> (Vec<String>, Vec<String>) {
    let doc = app
        .request(Method::GET, "/api/v1/openapi.json", None, None, &[])
        .await;
    let doc = doc.expect(200).body;
    let methods = [
        "get", "put", "post", "delete", "options", "head", "patch", "trace",
    ];
    let (mut protected, mut public) = (Vec::new(), Vec::new());
    for (path, item) in doc["paths"].as_object().unwrap_or_else(|| panic!("{doc}")) {
        for (method, op) in item.as_object().unwrap_or_else(|| panic!("{item}")) {
            if !methods.contains(&method.as_str()) {
                continue;
            }
            let security = op
                .get("security")
                .or(doc.get("security"))
                .and_then(Value::as_array);
            let requirements = security.cloned().unwrap_or_default();
            let anonymous = requirements
                .iter()
                .any(|r| r.as_object().is_none_or(|o| o.is_empty()));
            let operation = format!("{} {path}", method.to_uppercase());
            match requirements.is_empty() || anonymous {
                true => public.push(operation),
                false => protected.push(operation),
            }
        }
    }
    (protected, public)
}

/// Fails unless the table has exactly one case per protected operation.
fn assert_table_covers(protected: &[String]) {
    let table = cases();
    let covered: BTreeSet<&str> = table.iter().map(|c| c.operation).collect();
    assert_eq!(
        covered.len(),
        table.len(),
        "the table has an operation twice"
    );
    let documented: BTreeSet<&str> = protected.iter().map(String::as_str).collect();
    let uncovered: Vec<_> = documented.difference(&covered).collect();
    let undocumented: Vec<_> = covered.difference(&documented).collect();
    assert!(
        uncovered.is_empty() && undocumented.is_empty(),
        "protected operations without a case in the table: {uncovered:?}; \
         cases for operations the document does not have: {undocumented:?}"
    );
}

/// The table's cases in the document's order, once the table is known to cover the document.
async fn documented_cases(app: &TestApp) -> Vec<Case> {
    let (protected, _) = documented_operations(app).await;
    assert_table_covers(&protected);
    let mut table = cases();
    table.sort_by_key(|c| {
        let own = matches!(c.as_b, AsB::Own(_));
        (own, protected.iter().position(|p| p == c.operation))
    });
    table
}

/// A request to one operation, before the operation's path template is filled in.
#[derive(Default)]
struct Parts {
    /// The path parameters, in the order the template names them.
    params: Vec<String>,
    query: Option<String>,
    if_match: Option<String>,
    body: Option<Value>,
}

fn at(params: &[&str]) -> Parts {
    Parts {
        params: params.iter().map(|p| p.to_string()).collect(),
        ..Parts::default()
    }
}

impl Parts {
    fn query(self, name: &str, value: &str) -> Self {
        Parts {
            query: Some(format!("{name}={value}")),
            ..self
        }
    }

    /// `If-Match` with the draft's current `ETag`.
    fn if_match(self, a: &School) -> Self {
        Parts {
            if_match: Some(a.draft_etag.clone()),
            ..self
        }
    }

    fn body(self, body: Value) -> Self {
        Parts {
            body: Some(body),
            ..self
        }
    }

    /// The same request about objects that do not exist: every path parameter a fresh UUID.
    fn elsewhere(self) -> Self {
        let params = self
            .params
            .iter()
            .map(|_| uuid::Uuid::new_v4().to_string())
            .collect();
        Parts { params, ..self }
    }

    /// Sends the request to `operation` ("METHOD /path/{param}"), with `authorization` as the
    /// whole `Authorization` header if given.
    async fn send(&self, app: &TestApp, operation: &str, authorization: Option<&str>) -> Response {
        let (method, template) = operation
            .split_once(' ')
            .unwrap_or_else(|| panic!("{operation}"));
        let mut segments: Vec<String> = template.split('/').map(String::from).collect();
        let mut params = self.params.iter();
        for segment in segments.iter_mut().filter(|s| s.starts_with('{')) {
            *segment = params
                .next()
                .unwrap_or_else(|| panic!("{operation}: {segment}?"))
                .clone();
        }
        assert!(
            params.next().is_none(),
            "{operation}: more parameters than the path has"
        );
        let mut path = segments.join("/");
        if let Some(query) = &self.query {
            path = format!("{path}?{query}");
        }
        let headers: Vec<(&str, &str)> = [
            ("authorization", authorization),
            ("if-match", self.if_match.as_deref()),
        ]
        .into_iter()
        .filter_map(|(name, value)| Some((name, value?)))
        .collect();
        let method =
            Method::from_bytes(method.as_bytes()).unwrap_or_else(|e| panic!("{operation}: {e}"));
        app.request(method, &path, None, self.body.clone(), &headers)
            .await
    }
}

// Schools and credentials ----------------------------------------------------------------------

/// School A's objects: everything the table's requests point at.
struct School {
    id: String,
    unit: String,
    /// The user id and token of the one member.
    member: String,
    member_token: String,
    /// Complete but not submitted, so submitting it would succeed.
    draft: String,
    draft_etag: String,
    /// Two submitted evaluations, so comparing them would succeed.
    earlier: String,
    later: String,
    /// An account that is no member of this school (B's, where B is about).
    stranger: String,
    /// A trajectory coached by `coach`, with `member` in its kerngroep and one session.
    trajectory: String,
    coach: String,
    coach_token: String,
    /// An open action point of the trajectory, owned by `member`.
    action_point: String,
}

/// Member B: a member of school B and of nothing else; and the coach of B's trajectory.
struct Intruder {
    institution: String,
    member: Member,
    trajectory: String,
    coach: Member,
}

/// School A, and member B, whose own school has an evaluation and a coached trajectory too.
async fn two_schools(app: &TestApp) -> (School, Intruder) {
    let b = new_account(app, "decaan@elders.test").await;
    let b_school = app.create_institution("Elders College").await;
    join(app, &b_school, &b.user_id).await;
    app.create_draft(&b_school, &b.token, "2026-02-01", "baseline")
        .await;
    let b_coach = new_coach(app, "coach@elders.test").await;
    let b_trajectory = trajectory(app, &b_school, &b_coach, &b.user_id).await;
    let a_member = new_account(app, "decaan@baken.test").await;
    let a_coach = new_coach(app, "coach@baken.test").await;
    let a = school(app, "Het Baken", &a_member, &a_coach, &b.user_id).await;
    (
        a,
        Intruder {
            institution: b_school,
            member: b,
            trajectory: b_trajectory,
            coach: b_coach,
        },
    )
}

/// A school with `member` in its kerngroep, a unit, two submitted evaluations, a draft linked
/// to a trajectory `coach` coaches, a coaching session and an action point.
async fn school(
    app: &TestApp,
    name: &str,
    member: &Member,
    coach: &Member,
    stranger: &str,
) -> School {
    let id = app.create_institution(name).await;
    join(app, &id, &member.user_id).await;
    let token = &member.token;
    let unit = json!({"name": "Locatie Noord", "kind": "location"});
    let unit = app
        .post(&format!("/api/v1/institutions/{id}/units"), token, unit)
        .await;
    let trajectory = trajectory(app, &id, coach, &member.user_id).await;
    let session = json!({"held_on": "2026-01-20", "summary": "Kennismaking met de kerngroep"});
    let sessions = format!("/api/v1/trajectories/{trajectory}/sessions");
    app.post(&sessions, &coach.token, session).await.expect(201);
    let point = json!({"step": 1, "trajectory_id": trajectory, "owner_id": member.user_id,
                       "description": "LOB-visie bespreken in het team", "due_date": "2026-09-01"});
    let points = format!("/api/v1/institutions/{id}/action-points");
    let point = app.post(&points, token, point).await.expect(201).id();
    let earlier = app
        .submitted_evaluation(&id, token, "2025-03-15", |_| "no", |_| "minimal")
        .await;
    let later = app
        .submitted_evaluation(&id, token, "2026-03-15", |_| "yes", |_| "basic")
        .await;
    let draft = app.create_draft(&id, token, "2026-06-01", "interim").await;
    let mut complete = complete_content(|_| "yes", |_| "basic");
    complete["trajectory_id"] = json!(trajectory);
    let path = format!("/api/v1/evaluations/{}", draft.id());
    let draft = app
        .patch(&path, token, &draft.etag(), complete)
        .await
        .expect(200);
    School {
        unit: unit.expect(201).id(),
        member: member.user_id.clone(),
        member_token: member.token.clone(),
        draft: draft.id(),
        draft_etag: draft.etag(),
        earlier: id_of(&earlier),
        later: id_of(&later),
        stranger: stranger.to_owned(),
        trajectory,
        coach: coach.user_id.clone(),
        coach_token: coach.token.clone(),
        action_point: point,
        id,
    }
}

/// A trajectory of `institution` (started by an admin) coached by `coach`, with `member` in
/// its kerngroep.
async fn trajectory(app: &TestApp, institution: &str, coach: &Member, member: &str) -> String {
    let body = json!({"institution_id": institution, "title": "Traject Borging LOB",
                      "start_date": "2025-09-01", "planned_end_date": "2027-07-31",
                      "coach_ids": [coach.user_id], "kerngroep": [{"user_id": member, "function": "decaan"}],
                      "targets": [{"step": 1, "level": "basic"}, {"step": 2, "level": "integrated"}]});
    let r = app.post("/api/v1/trajectories", &app.admin_token, body);
    r.await.expect(201).id()
}

/// An account with the coach role, logged in.
async fn new_coach(app: &TestApp, email: &str) -> Member {
    let password = "a-long-enough-password";
    let body =
        json!({"email": email, "display_name": "Coach", "password": password, "role": "coach"});
    let r = app.post("/api/v1/users", &app.admin_token, body).await;
    Member {
        user_id: r.expect(201).id(),
        email: email.into(),
        token: app.login(email, password).await,
    }
}

async fn new_account(app: &TestApp, email: &str) -> Member {
    let (user_id, token) = app.create_user(email).await;
    Member {
        user_id,
        email: email.into(),
        token,
    }
}

async fn join(app: &TestApp, institution: &str, user: &str) {
    let path = format!("/api/v1/institutions/{institution}/members");
    let body = json!({"user_id": user, "function": "decaan"});
    app.post(&path, &app.admin_token, body).await.expect(201);
}

/// Everything about school A an admin can read, and every institution and account, to
/// compare before and after.
async fn state_of(app: &TestApp, a: &School) -> Value {
    let mut state = serde_json::Map::new();
    let reads = [
        format!("/api/v1/institutions/{}", a.id),
        format!("/api/v1/institutions/{}/units", a.id),
        format!("/api/v1/institutions/{}/members", a.id),
        format!("/api/v1/institutions/{}/evaluations?limit=200", a.id),
        format!("/api/v1/users/{}", a.member),
        format!("/api/v1/institutions/{}/progress", a.id),
        format!("/api/v1/institutions/{}/action-points?limit=200", a.id),
        // A refused change leaves no record in the school's audit trail either.
        format!("/api/v1/institutions/{}/audit?limit=200", a.id),
        format!("/api/v1/action-points/{}", a.action_point),
        format!("/api/v1/trajectories/{}", a.trajectory),
        format!("/api/v1/trajectories/{}/sessions", a.trajectory),
        format!("/api/v1/trajectories/{}/progress", a.trajectory),
        "/api/v1/trajectories?limit=200".to_owned(),
        "/api/v1/institutions?limit=200".to_owned(),
        "/api/v1/users?limit=200".to_owned(),
    ];
    for path in reads {
        let body = app.get(&path, &app.admin_token).await.expect(200).body;
        state.insert(path, body);
    }
    for id in [&a.draft, &a.earlier, &a.later] {
        let path = format!("/api/v1/evaluations/{id}");
        let r = app.get(&path, &app.admin_token).await.expect(200);
        state.insert(path, json!({"etag": r.etag(), "body": r.body}));
    }
    Value::Object(state)
}

/// `Authorization` headers that let no one in, each with what is wrong with it.
fn bad_credentials(b: &Member) -> Vec<(&'static str, Option<String>)> {
    let other_key = b"another-signing-key-of-at-least-32-bytes";
    let forged = token(other_key, 600, &b.user_id, Role::Admin);
    let admin_claims = forged.split('.').nth(1).unwrap_or_default();
    let unsigned = format!(
        "{}.{admin_claims}.",
        base64url(br#"{"alg":"none","typ":"JWT"}"#)
    );
    let own: Vec<&str> = b.token.split('.').collect();
    let swapped = format!("{}.{admin_claims}.{}", own[0], own[2]);
    let expired = token(HARNESS_KEY, -3600, &b.user_id, Role::User);
    let basic = base64url(format!("{}:a-long-enough-password", b.email).as_bytes());
    vec![
        ("no Authorization header", None),
        (
            "B's id as admin, signed with another key",
            Some(bearer(&forged)),
        ),
        (
            "B's id as admin, unsigned (alg none)",
            Some(bearer(&unsigned)),
        ),
        (
            "B's own signature under admin claims",
            Some(bearer(&swapped)),
        ),
        (
            "an expired token signed with the right key",
            Some(bearer(&expired)),
        ),
        ("a bearer token that is no JWT", Some(bearer("not-a-jwt"))),
        (
            "B's password as Basic credentials",
            Some(format!("Basic {basic}")),
        ),
    ]
}

fn bearer(token: &str) -> String {
    format!("Bearer {token}")
}

/// A token for `user` signed with `key`, valid for `ttl` seconds from now.
fn token(key: &[u8], ttl: i64, user: &str, role: Role) -> String {
    let user = uuid::Uuid::parse_str(user).unwrap_or_else(|e| panic!("{user}: {e}"));
    let keys = TokenKeys::new(key, ttl);
    keys.issue(user, role)
        .unwrap_or_else(|e| panic!("a token: {e}"))
}

fn id_of(object: &Value) -> String {
    let id = object["id"].as_str();
    id.unwrap_or_else(|| panic!("no id: {object}")).to_owned()
}

/// Unpadded base64url, as JWTs use it.
fn base64url(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, b)| n | u32::from(*b) << (16 - 8 * i));
        for i in 0..=chunk.len() {
            out.push(char::from(ALPHABET[(n >> (18 - 6 * i) & 63) as usize]));
        }
    }
    out
}

/// The `key` strings of the objects in a JSON array.
fn strings<'a>(list: &'a Value, key: &str) -> Vec<&'a str> {
    let items = list
        .as_array()
        .unwrap_or_else(|| panic!("not a list: {list}"));
    items
        .iter()
        .map(|i| i[key].as_str().unwrap_or_else(|| panic!("no {key}: {i}")))
        .collect()
}
