//! The Traject Borging LOB through the public API: admins start trajectories and assign
//! coaches, the coaches keep them up to date and record sessions, the kerngroep reads them;
//! a coach sees their own trajectories' institutions and nothing else; evaluations join a
//! trajectory as its measurement moments; action points are kept, filtered and flagged overdue.
//! The coach's overview and its flags are in `coach_overview.rs`.

use chrono::{Days, Utc};
use lobkader_tests::fixtures::{Member, complete_content};
use lobkader_tests::{Backend, Response, TestApp, backend_tests, json, spawn_app};
use reqwest::Method;
use serde_json::Value;
use std::collections::BTreeSet;

backend_tests!(
    an_admin_starts_a_trajectory_with_a_coach_and_every_work_component_not_started,
    invalid_trajectories_are_refused_naming_the_field_and_change_nothing,
    the_coach_keeps_the_trajectory_up_to_date_and_the_kerngroep_reads_it,
    only_admins_change_who_coaches_a_trajectory,
    a_coach_is_denied_everything_outside_their_trajectories,
    a_coach_reads_the_institution_of_their_trajectory_but_does_not_fill_in_its_evaluations,
    evaluations_join_a_trajectory_of_their_own_institution_as_its_measurement_moments,
    action_points_are_kept_filtered_and_flagged_overdue,
    action_points_need_a_member_as_owner_and_a_question_of_their_step,
);

const COMPONENTS: [&str; 7] = [
    "lob_visie",
    "doorlopende_leerlijn",
    "lob_curriculumplanner",
    "teamontwikkelplan",
    "lob_beleid",
    "monitoring",
    "evaluatie",
];

async fn an_admin_starts_a_trajectory_with_a_coach_and_every_work_component_not_started(
    backend: Backend,
) {
    let app = spawn_app(backend).await;
    let school = app.create_institution("Het Baken").await;
    let member = app.create_member(&school, "decaan@baken.test").await;
    let body = json!({"email": "coach@regio.test", "display_name": "Regiocoach",
                      "password": "a-long-enough-password", "role": "coach"});
    let coach = app.post("/api/v1/users", &app.admin_token, body).await;
    let coach = coach.expect(201).body;
    assert_eq!(coach["role"], "coach");
    let coach_id = coach["id"].as_str().unwrap();

    let kerngroep = json!([{"user_id": member.user_id, "function": "lob_coordinator"}]);
    let targets = json!([{"step": 1, "level": "basic"}, {"step": 3, "level": "integrated"}]);
    let body = json!({"institution_id": school, "title": "Traject Borging LOB 2025-2027",
                      "start_date": "2025-09-01", "planned_end_date": "2027-07-31",
                      "coach_ids": [coach_id], "kerngroep": kerngroep, "targets": targets});
    let created = app.post("/api/v1/trajectories", &app.admin_token, body);
    let created = created.await.expect(201);
    let location = format!("/api/v1/trajectories/{}", created.id());
    assert_eq!(created.header("location"), Some(location.as_str()));
    let t = &created.body;
    #[rustfmt::skip]
    let keys = ["institution_id", "title", "status", "start_date", "planned_end_date",
                "coach_ids", "kerngroep", "targets", "components_done", "plan"];
    assert_eq!(
        pick(t, &keys),
        json!({"institution_id": school, "title": "Traject Borging LOB 2025-2027",
               "status": "active", "start_date": "2025-09-01", "planned_end_date": "2027-07-31",
               "coach_ids": [coach_id], "kerngroep": kerngroep, "targets": targets,
               "components_done": 0, "plan": null})
    );
    let components = t["components"].as_array().unwrap().iter();
    let components: Vec<Value> = components
        .map(|c| pick(c, &["component_id", "status"]))
        .collect();
    let expected: Vec<Value> = COMPONENTS
        .iter()
        .map(|c| json!({"component_id": c, "status": "not_started"}))
        .collect();
    assert_eq!(components, expected);
    assert_eq!(t["components"][4]["name"], "LOB-beleid");

    let coach_token = app.login("coach@regio.test", "a-long-enough-password");
    let coach_token = coach_token.await;
    for token in [&coach_token, &member.token] {
        let read = app.get(&location, token).await.expect(200);
        assert_eq!(read.body, created.body);
    }

    // Only admins start trajectories.
    let again = json!({"institution_id": school, "title": "Nog een", "start_date": "2025-09-01",
                       "planned_end_date": "2027-07-31", "coach_ids": [coach_id]});
    for token in [&coach_token, &member.token] {
        let r = app.post("/api/v1/trajectories", token, again.clone()).await;
        assert_eq!(r.expect(403).body["code"], "forbidden");
    }
    let all = app.get("/api/v1/trajectories", &app.admin_token).await;
    assert_eq!(all.expect(200).body["total"], 1);
}

async fn invalid_trajectories_are_refused_naming_the_field_and_change_nothing(backend: Backend) {
    let app = spawn_app(backend).await;
    let school = app.create_institution("Het Baken").await;
    let member = app.create_member(&school, "decaan@baken.test").await;
    let elsewhere = app.create_institution("Elders College").await;
    let stranger = app.create_member(&elsewhere, "decaan@elders.test").await;
    let coach = new_coach(&app, "coach@regio.test").await;
    let valid = json!({"institution_id": school, "title": "Traject Borging LOB",
                       "start_date": "2025-09-01", "planned_end_date": "2027-07-31",
                       "coach_ids": [coach.user_id],
                       "kerngroep": [{"user_id": member.user_id, "function": "decaan"}],
                       "targets": [{"step": 1, "level": "basic"}]});
    let nobody = uuid::Uuid::new_v4().to_string();
    let not_a_member = json!([{"user_id": stranger.user_id, "function": "decaan"}]);
    let twice = json!([{"step": 2, "level": "basic"}, {"step": 2, "level": "integrated"}]);
    #[rustfmt::skip]
    let bad = [
        (json!({"coach_ids": [member.user_id]}), vec!["coach_ids[0]"]),
        (json!({"coach_ids": [nobody]}), vec!["coach_ids[0]"]),
        (json!({"kerngroep": not_a_member}), vec!["kerngroep[0].user_id"]),
        (json!({"planned_end_date": "2025-08-31"}), vec!["planned_end_date"]),
        (json!({"targets": twice}), vec!["targets[1].step"]),
        (json!({"targets": [{"step": 6, "level": "basic"}]}), vec!["targets[0].step"]),
        (json!({"institution_id": nobody}), vec!["institution_id"]),
        (json!({"status": "finished"}), vec!["status"]),
        // Every problem at once.
        (json!({"coach_ids": [member.user_id], "planned_end_date": "2024-01-01"}), vec!["coach_ids[0]", "planned_end_date"]),
    ];
    for (change, fields) in bad {
        let body = merged(&valid, &change);
        let r = app.post("/api/v1/trajectories", &app.admin_token, body);
        assert_eq!(fields_of(&r.await.expect(422)), fields, "{change}");
    }
    let none = app.get("/api/v1/trajectories", &app.admin_token).await;
    let none = none.expect(200).body;
    assert_eq!(none["total"], 0, "a refused trajectory was kept");

    let created = app.post("/api/v1/trajectories", &app.admin_token, valid);
    let path = format!("/api/v1/trajectories/{}", created.await.expect(201).id());
    let before = app.get(&path, &app.admin_token).await.expect(200).body;
    let component = |id: &str, status: &str| json!({"component_id": id, "status": status});
    let backwards = json!({"component_id": "monitoring", "status": "done",
                           "started_on": "2026-03-01", "completed_on": "2026-02-01"});
    let not_a_member = json!([{"user_id": coach.user_id, "function": "mentor"}]);
    let twice = json!([{"step": 4, "level": "basic"}, {"step": 4, "level": "basic"}]);
    #[rustfmt::skip]
    let bad_changes = [
        (json!({"components": [component("lob_visum", "done")]}), "components[0].component_id"),
        (json!({"components": [component("lob_visie", "done"), component("lob_visie", "done")]}), "components[1].component_id"),
        (json!({"components": [backwards]}), "components[0].completed_on"),
        (json!({"planned_end_date": "2025-06-30"}), "planned_end_date"),
        (json!({"start_date": "2027-09-01"}), "planned_end_date"),
        (json!({"coach_ids": [member.user_id]}), "coach_ids[0]"),
        (json!({"kerngroep": not_a_member}), "kerngroep[0].user_id"),
        (json!({"targets": twice}), "targets[1].step"),
        (json!({"plan": {"title": " "}}), "plan.title"),
        (json!({"title": "Nieuw", "institution_id": elsewhere}), "institution_id"),
    ];
    for (body, field) in bad_changes {
        let r = change(&app, &path, &app.admin_token, body.clone()).await;
        assert_eq!(fields_of(&r.expect(422)), [field], "{body}");
    }
    let after = app.get(&path, &app.admin_token).await.expect(200).body;
    assert_eq!(after, before, "a refused change was kept");
}

async fn the_coach_keeps_the_trajectory_up_to_date_and_the_kerngroep_reads_it(backend: Backend) {
    let app = spawn_app(backend).await;
    let school = app.create_institution("Het Baken").await;
    let member = app.create_member(&school, "decaan@baken.test").await;
    let coach = new_coach(&app, "coach@regio.test").await;
    let id = start(&app, &school, &[&coach.user_id], "2025-09-01", "2027-07-31").await;
    let path = format!("/api/v1/trajectories/{id}");

    let visie = json!({"component_id": "lob_visie", "status": "done", "started_on": "2025-09-15",
                       "completed_on": "2026-01-20", "notes": "Visie vastgesteld door de MR"});
    let leerlijn = json!({"component_id": "doorlopende_leerlijn", "status": "in_progress",
                          "started_on": "2026-02-01"});
    let targets = json!([{"step": 2, "level": "integrated"}, {"step": 5, "level": "basic"}]);
    let plan = json!({"title": "Integraal LOB-plan 2026-2029", "adopted_on": "2026-06-30",
                      "reference": "https://intranet.example/lob-plan.pdf"});
    let body = json!({"status": "paused", "components": [visie, leerlijn],
                      "targets": targets, "plan": plan});
    let changed = change(&app, &path, &coach.token, body).await.expect(200);
    let t = &changed.body;
    let keys = ["status", "components_done", "targets", "plan", "coach_ids"];
    assert_eq!(
        pick(t, &keys),
        json!({"status": "paused", "components_done": 1, "targets": targets, "plan": plan,
               "coach_ids": [coach.user_id]})
    );
    assert_eq!(
        t["components"][0],
        merged(&visie, &json!({"name": "LOB-visie"}))
    );
    let second = pick(
        &t["components"][1],
        &["status", "started_on", "completed_on"],
    );
    assert_eq!(
        second,
        json!({"status": "in_progress", "started_on": "2026-02-01", "completed_on": null})
    );
    let rest: Vec<&Value> = t["components"].as_array().unwrap()[2..].iter().collect();
    let rest: Vec<&Value> = rest.iter().map(|c| &c["status"]).collect();
    assert_eq!(rest, [&json!("not_started"); 5]);

    // Absent fields stay as they are; so does a component not named.
    let monitoring = json!({"component_id": "monitoring", "status": "in_progress"});
    let body = json!({"status": "active", "components": [monitoring]});
    let resumed = change(&app, &path, &coach.token, body).await.expect(200);
    let t = &resumed.body;
    assert_eq!(
        pick(t, &["status", "components_done", "targets", "plan"]),
        json!({"status": "active", "components_done": 1, "targets": targets, "plan": plan})
    );
    assert_eq!(t["components"][0], changed.body["components"][0]);
    assert_eq!(t["components"][5]["status"], "in_progress");

    // Coaching sessions: the coach records them, the kerngroep reads them.
    let sessions = format!("{path}/sessions");
    let participants = json!([{"name": "Decaan", "function": "decaan", "user_id": member.user_id},
                              {"name": "Regiocoach", "function": null, "user_id": null}]);
    let body = json!({"held_on": "2026-02-10", "summary": "Doorlopende leerlijn geschetst",
                      "agreements": "Mentoren leveren voorbeelden aan",
                      "participants": participants});
    let session = app.post(&sessions, &coach.token, body.clone()).await;
    let session = session.expect(201).body;
    assert_eq!(
        pick(
            &session,
            &["held_on", "summary", "agreements", "participants"]
        ),
        body
    );
    assert_eq!(
        pick(&session, &["trajectory_id", "created_by"]),
        json!({"trajectory_id": id, "created_by": coach.user_id})
    );
    let first = json!({"held_on": "2025-10-01", "summary": "Startbijeenkomst"});
    let first = app.post(&sessions, &app.admin_token, first).await;
    let first = first.expect(201).body;
    let listed = app.get(&sessions, &member.token).await.expect(200).body;
    assert_eq!(listed, json!([first, session]), "oldest first");

    // The kerngroep reads the trajectory but does not change it.
    let current = app.get(&path, &coach.token).await.expect(200).body;
    assert_eq!(
        app.get(&path, &member.token).await.expect(200).body,
        current
    );
    let refused = change(&app, &path, &member.token, json!({"status": "completed"}));
    assert_eq!(refused.await.expect(403).body["code"], "forbidden");
    let note = json!({"held_on": "2026-03-01", "summary": "Zelf genoteerd"});
    app.post(&sessions, &member.token, note).await.expect(403);
    assert_eq!(
        app.get(&path, &member.token).await.expect(200).body,
        current
    );
    let listed = app.get(&sessions, &member.token).await.expect(200).body;
    assert_eq!(listed.as_array().map(Vec::len), Some(2));
}

async fn only_admins_change_who_coaches_a_trajectory(backend: Backend) {
    let app = spawn_app(backend).await;
    let school = app.create_institution("Het Baken").await;
    let coach = new_coach(&app, "coach@regio.test").await;
    let successor = new_coach(&app, "opvolger@regio.test").await;
    let id = start(&app, &school, &[&coach.user_id], "2025-09-01", "2027-07-31").await;
    let path = format!("/api/v1/trajectories/{id}");
    let before = app.get(&path, &coach.token).await.expect(200).body;

    let (mine, theirs) = (&coach.user_id, &successor.user_id);
    for coaches in [json!([theirs]), json!([mine, theirs])] {
        let r = change(&app, &path, &coach.token, json!({"coach_ids": coaches}));
        assert_eq!(r.await.expect(403).body["code"], "forbidden");
    }
    assert_eq!(app.get(&path, &coach.token).await.expect(200).body, before);
    app.get(&path, &successor.token).await.expect(404);

    let handed_over = change(
        &app,
        &path,
        &app.admin_token,
        json!({"coach_ids": [theirs]}),
    );
    let handed_over = handed_over.await.expect(200);
    assert_eq!(handed_over.body["coach_ids"], json!([theirs]));
    app.get(&path, &successor.token).await.expect(200);
    let paused = change(&app, &path, &successor.token, json!({"status": "paused"}));
    paused.await.expect(200);
    // The former coach's access ended with the assignment, with the token they still hold.
    app.get(&path, &coach.token).await.expect(404);
    let resumed = change(&app, &path, &coach.token, json!({"status": "active"}));
    resumed.await.expect(404);
    let school = format!("/api/v1/institutions/{school}");
    app.get(&school, &coach.token).await.expect(404);
}

async fn a_coach_is_denied_everything_outside_their_trajectories(backend: Backend) {
    let app = spawn_app(backend).await;
    let w = world(&app).await;
    let token = &w.coach.token;
    let (a, b) = (&w.a, &w.b);

    // The other trajectory of their trajectory's institution, and anything of B.
    let reads = [
        format!("/api/v1/trajectories/{}", w.other_at_a),
        format!("/api/v1/trajectories/{}/sessions", w.other_at_a),
        format!("/api/v1/trajectories/{}/progress", w.other_at_a),
        format!("/api/v1/trajectories/{}", w.at_b),
        format!("/api/v1/trajectories/{}/sessions", w.at_b),
        format!("/api/v1/trajectories/{}/progress", w.at_b),
        format!("/api/v1/institutions/{b}"),
        format!("/api/v1/institutions/{b}/units"),
        format!("/api/v1/institutions/{b}/members"),
        format!("/api/v1/institutions/{b}/evaluations"),
        format!("/api/v1/institutions/{b}/progress"),
        format!("/api/v1/institutions/{b}/action-points"),
        format!("/api/v1/evaluations/{}", w.b_evaluation),
        format!("/api/v1/action-points/{}", w.b_action_point),
        format!("/api/v1/users/{}", w.member.user_id),
    ];
    for path in &reads {
        let r = app.get(path, token).await;
        let outcome = (r.status, r.body["code"].as_str());
        assert_eq!(outcome, (404, Some("not_found")), "GET {path}");
    }
    let stop = json!({"status": "stopped"});
    let session = json!({"held_on": "2026-03-01", "summary": "Ongevraagd"});
    let point = format!("/api/v1/action-points/{}", w.b_action_point);
    #[rustfmt::skip]
    let writes = [
        (Method::PATCH, format!("/api/v1/trajectories/{}", w.other_at_a), stop.clone()),
        (Method::PATCH, format!("/api/v1/trajectories/{}", w.at_b), stop),
        (Method::POST, format!("/api/v1/trajectories/{}/sessions", w.other_at_a), session),
        (Method::POST, format!("/api/v1/institutions/{b}/action-points"), json!({"step": 1, "description": "Ongevraagd"})),
        (Method::PATCH, point.clone(), json!({"status": "dropped"})),
        (Method::DELETE, point, json!(null)),
    ];
    let before = snapshot(&app, &w).await;
    for (method, path, body) in writes {
        let r = app.request(method.clone(), &path, Some(token), Some(body), &[]);
        let r = r.await;
        let outcome = (r.status, r.body["code"].as_str());
        assert_eq!(outcome, (404, Some("not_found")), "{method} {path}");
    }
    let after = snapshot(&app, &w).await;
    assert_eq!(after, before, "the coach changed what is not theirs");

    // Their lists show exactly their own.
    let list = |path: &'static str| app.get(path, token);
    let institutions = list("/api/v1/institutions").await.expect(200).body;
    let seen = (ids(&institutions["items"]), &institutions["total"]);
    assert_eq!(seen, (vec![a.as_str()], &json!(1)));
    let trajectories = list("/api/v1/trajectories").await.expect(200).body;
    let seen = (ids(&trajectories["items"]), &trajectories["total"]);
    assert_eq!(seen, (vec![w.coached.as_str()], &json!(1)));
    let at_a = format!("/api/v1/trajectories?institution_id={a}");
    let at_a = app.get(&at_a, token).await.expect(200).body;
    assert_eq!(ids(&at_a["items"]), [w.coached.as_str()]);

    // What is for admins stays for admins.
    let body = json!({"institution_id": a, "title": "Eigen traject", "start_date": "2026-01-01",
                      "planned_end_date": "2027-01-01", "coach_ids": [w.coach.user_id]});
    app.post("/api/v1/trajectories", token, body)
        .await
        .expect(403);
    app.get("/api/v1/users", token).await.expect(403);
    let body = json!({"name": "Eigen school", "sector": "vo", "region": "Eemland"});
    app.post("/api/v1/institutions", token, body)
        .await
        .expect(403);
}

async fn a_coach_reads_the_institution_of_their_trajectory_but_does_not_fill_in_its_evaluations(
    backend: Backend,
) {
    let app = spawn_app(backend).await;
    let w = world(&app).await;
    let (a, token) = (&w.a, &w.coach.token);
    let draft = draft(
        &app,
        a,
        &w.member.token,
        Some(&w.coached),
        "2026-05-01",
        "interim",
    );
    let draft = draft.await;
    let as_admin = |path: String| {
        let app = &app;
        async move { app.get(&path, &app.admin_token).await.expect(200).body }
    };
    for path in [
        format!("/api/v1/institutions/{a}"),
        format!("/api/v1/institutions/{a}/units"),
        format!("/api/v1/institutions/{a}/evaluations"),
        format!(
            "/api/v1/institutions/{a}/evaluations?trajectory_id={}",
            w.coached
        ),
        format!("/api/v1/institutions/{a}/progress"),
        format!("/api/v1/institutions/{a}/action-points"),
        format!("/api/v1/evaluations/{}", w.a_evaluation),
        format!("/api/v1/evaluations/{}", draft.id()),
        format!("/api/v1/action-points/{}", w.a_action_point),
        format!("/api/v1/trajectories/{}", w.coached),
        format!("/api/v1/trajectories/{}/progress", w.coached),
    ] {
        let seen = app.get(&path, token).await.expect(200).body;
        assert_eq!(
            seen,
            as_admin(path.clone()).await,
            "GET {path} as the coach"
        );
    }

    // The kerngroep fills in its evaluations, not the coach.
    let evaluations = format!("/api/v1/institutions/{a}/evaluations");
    let before = as_admin(evaluations.clone()).await;
    assert_eq!(before["total"], 2);
    let body = json!({"instrument_id": "kwaliteitskader-lob", "reference_date": "2026-05-01",
                      "moment": "interim", "trajectory_id": w.coached});
    let r = app.post(&evaluations, token, body).await.expect(403);
    assert_eq!(r.body["code"], "forbidden");
    let path = format!("/api/v1/evaluations/{}", draft.id());
    let etag = draft.etag();
    let title = json!({"title": "Door de coach"});
    app.patch(&path, token, &etag, title).await.expect(403);
    let submit = format!("{path}/submit");
    let if_match = [("if-match", etag.as_str())];
    let r = app.request(Method::POST, &submit, Some(token), None, &if_match);
    r.await.expect(403);
    app.delete(&path, token).await.expect(403);
    let correction = format!("/api/v1/evaluations/{}/corrections", w.a_evaluation);
    app.post(&correction, token, json!(null)).await.expect(403);
    let unit = json!({"name": "Locatie Zuid", "kind": "location"});
    let units = format!("/api/v1/institutions/{a}/units");
    app.post(&units, token, unit).await.expect(403);
    // Members stay for admins to add.
    let join = json!({"user_id": w.coach.user_id, "function": "other"});
    let members = format!("/api/v1/institutions/{a}/members");
    app.post(&members, token, join).await.expect(403);
    assert_eq!(as_admin(evaluations).await, before);
    assert_eq!(app.get(&path, token).await.etag(), etag);
}

async fn evaluations_join_a_trajectory_of_their_own_institution_as_its_measurement_moments(
    backend: Backend,
) {
    let app = spawn_app(backend).await;
    let w = world(&app).await;
    let (a, token) = (&w.a, &w.member.token);
    let history = format!("/api/v1/institutions/{a}/evaluations");
    let before = app.get(&history, token).await.expect(200).body;

    let nobody = uuid::Uuid::new_v4().to_string();
    for trajectory in [&w.at_b, &nobody] {
        let body = json!({"instrument_id": "kwaliteitskader-lob", "reference_date": "2025-10-01",
                          "moment": "baseline", "trajectory_id": trajectory});
        let r = app.post(&history, token, body).await.expect(422);
        assert_eq!(fields_of(&r), ["trajectory_id"]);
    }
    assert_eq!(app.get(&history, token).await.expect(200).body, before);

    let coached = Some(w.coached.as_str());
    let first = draft(&app, a, token, coached, "2025-10-01", "baseline").await;
    assert_eq!(first.body["trajectory_id"], json!(w.coached));
    // A draft moves only to a trajectory of its own institution.
    let path = format!("/api/v1/evaluations/{}", first.id());
    let moved = json!({"trajectory_id": w.at_b});
    let r = app.patch(&path, token, &first.etag(), moved).await;
    assert_eq!(fields_of(&r.expect(422)), ["trajectory_id"]);
    let baseline = submit(&app, token, first, |_| "minimal").await;
    assert_eq!(baseline["trajectory_id"], json!(w.coached));

    // A correction stays a measurement moment of the trajectory and replaces the original.
    let correction = format!("/api/v1/evaluations/{}/corrections", id_of(&baseline));
    let correction = app.post(&correction, token, json!(null)).await.expect(201);
    assert_eq!(correction.body["trajectory_id"], json!(w.coached));
    let level = |s: u8| if s == 2 { "basic" } else { "minimal" };
    let corrected = submit(&app, token, correction, level).await;
    let interim = draft(&app, a, token, coached, "2026-05-01", "interim").await;
    let interim = submit(&app, token, interim, |_| "basic").await;
    let other = Some(w.other_at_a.as_str());
    let other = draft(&app, a, token, other, "2026-04-01", "baseline").await;
    let other = submit(&app, token, other, |_| "integrated").await;
    let (baseline, corrected) = (id_of(&baseline), id_of(&corrected));
    let (interim, other) = (id_of(&interim), id_of(&other));

    let linked = format!("{history}?trajectory_id={}", w.coached);
    let linked = app.get(&linked, token).await.expect(200).body;
    let expected = BTreeSet::from([baseline.as_str(), corrected.as_str(), interim.as_str()]);
    let seen: BTreeSet<&str> = ids(&linked["items"]).into_iter().collect();
    assert_eq!((seen, &linked["total"]), (expected, &json!(3)));
    let of_other = format!("{history}?trajectory_id={}", w.other_at_a);
    let of_other = app.get(&of_other, token).await.expect(200).body;
    assert_eq!(ids(&of_other["items"]), [other.as_str()]);

    // The trajectory's timeline: its own measurement moments, the correction in the original's
    // place; the institution's has the other trajectory's and the unlinked one too.
    let progress = format!("/api/v1/trajectories/{}/progress", w.coached);
    let p = app.get(&progress, token).await.expect(200).body;
    let timeline = p["evaluations"].as_array().unwrap().iter();
    let timeline: Vec<Value> = timeline
        .map(|e| pick(e, &["id", "reference_date", "moment"]))
        .collect();
    assert_eq!(
        timeline,
        [
            json!({"id": corrected, "reference_date": "2025-10-01", "moment": "baseline"}),
            json!({"id": interim, "reference_date": "2026-05-01", "moment": "interim"}),
        ]
    );
    #[rustfmt::skip]
    let keys = ["step", "baseline", "latest", "change_since_baseline", "target", "gap"];
    assert_eq!(
        [pick(&p["steps"][0], &keys), pick(&p["steps"][1], &keys)],
        [
            json!({"step": 1, "baseline": "minimal", "latest": "basic",
                   "change_since_baseline": "improved", "target": "basic", "gap": 0}),
            json!({"step": 2, "baseline": "basic", "latest": "basic",
                   "change_since_baseline": "unchanged", "target": "integrated", "gap": 1}),
        ]
    );
    let institution = format!("/api/v1/institutions/{a}/progress");
    let p = app.get(&institution, token).await.expect(200).body;
    let all: BTreeSet<&str> = ids(&p["evaluations"]).into_iter().collect();
    let expected = [&w.a_evaluation, &corrected, &interim, &other];
    assert_eq!(all, expected.iter().map(|s| s.as_str()).collect());
}

async fn action_points_are_kept_filtered_and_flagged_overdue(backend: Backend) {
    let app = spawn_app(backend).await;
    let w = world(&app).await;
    let (a, token) = (&w.a, &w.member.token);
    let colleague = app.create_member(a, "mentor@baken.test").await;
    let points = format!("/api/v1/institutions/{a}/action-points");

    let body = json!({"step": 2, "question_id": "2.3", "trajectory_id": w.coached,
                      "evaluation_id": w.a_evaluation, "owner_id": w.member.user_id,
                      "description": "  Loopbaangesprekken in leerjaar 2 inroosteren  ",
                      "due_date": days_from_today(-1)});
    let late = app.post(&points, token, body).await.expect(201);
    let location = format!("/api/v1/action-points/{}", late.id());
    assert_eq!(late.header("location"), Some(location.as_str()));
    #[rustfmt::skip]
    let keys = ["institution_id", "status", "overdue", "description", "created_by", "updated_by"];
    assert_eq!(
        pick(&late.body, &keys),
        json!({"institution_id": a, "status": "open", "overdue": true,
               "description": "Loopbaangesprekken in leerjaar 2 inroosteren",
               "created_by": w.member.user_id, "updated_by": w.member.user_id})
    );
    let mut made = Vec::new();
    for (who, body, overdue) in [
        (
            token,
            json!({"step": 2, "trajectory_id": w.coached, "description": "Leerlijn uitschrijven",
                   "status": "in_progress", "due_date": days_from_today(-10)}),
            true,
        ),
        (
            token,
            json!({"step": 2, "description": "Mentoren informeren", "status": "done",
                   "due_date": days_from_today(-30)}),
            false,
        ),
        (
            token,
            json!({"step": 1, "description": "Visie delen", "due_date": days_from_today(0)}),
            false,
        ),
        (
            &w.coach.token,
            json!({"step": 4, "trajectory_id": w.coached, "description": "Monitor kiezen",
                   "owner_id": colleague.user_id}),
            false,
        ),
    ] {
        let made_by = if who == token { &w.member } else { &w.coach };
        let r = app.post(&points, who, body).await.expect(201).body;
        let seen = pick(&r, &["overdue", "created_by"]);
        assert_eq!(
            seen,
            json!({"overdue": overdue, "created_by": made_by.user_id})
        );
        made.push(id_of(&r));
    }
    let late = late.id();
    let (late, world_point) = (late.as_str(), w.a_action_point.as_str());
    let [busy_late, done_late, due_today, by_coach] = [0, 1, 2, 3].map(|i| made[i].as_str());

    let list = |query: &str| listed(&app, format!("{points}{query}"), token);
    // Earliest due first, those without a due date last.
    let everything = [done_late, busy_late, late, due_today, world_point, by_coach];
    assert_eq!(list("").await, everything);
    assert_eq!(
        list("?status=open").await,
        [late, due_today, world_point, by_coach]
    );
    assert_eq!(list("?status=in_progress").await, [busy_late]);
    assert_eq!(list("?step=2").await, [done_late, busy_late, late]);
    let of_trajectory = format!("?trajectory_id={}", w.coached);
    assert_eq!(
        list(&of_trajectory).await,
        [busy_late, late, world_point, by_coach]
    );
    assert_eq!(list("?overdue=true").await, [busy_late, late]);
    assert_eq!(list("?overdue=true&status=open").await, [late]);
    assert_eq!(list("?step=2&status=done").await, [done_late]);
    assert_eq!(list("?overdue=false").await, everything);
    let bad = app.get(&format!("{points}?status=finished"), token).await;
    let bad = bad.expect(400).body;
    let seen = (&bad["code"], &bad["errors"][0]["field"]);
    assert_eq!(seen, (&json!("invalid_query_parameter"), &json!("status")));

    // Read alike by member and coach; done by a colleague, it is no longer overdue.
    let path = format!("/api/v1/action-points/{late}");
    let read = app.get(&path, &w.coach.token).await.expect(200).body;
    assert_eq!(app.get(&path, token).await.expect(200).body, read);
    let body = json!({"status": "done", "owner_id": colleague.user_id});
    let done = change(&app, &path, &colleague.token, body)
        .await
        .expect(200)
        .body;
    let keys = ["status", "overdue", "owner_id", "created_by", "updated_by"];
    assert_eq!(
        pick(&done, &keys),
        json!({"status": "done", "overdue": false, "owner_id": colleague.user_id,
               "created_by": w.member.user_id, "updated_by": colleague.user_id})
    );
    let kept = [
        "step",
        "question_id",
        "evaluation_id",
        "trajectory_id",
        "due_date",
    ];
    assert_eq!(pick(&done, &kept), pick(&read, &kept));
    assert_eq!(list("?overdue=true").await, [busy_late]);
    // `null` clears an optional link.
    let body = json!({"question_id": null, "trajectory_id": null, "due_date": null});
    let cleared = change(&app, &path, &w.coach.token, body)
        .await
        .expect(200)
        .body;
    assert_eq!(
        pick(
            &cleared,
            &["question_id", "trajectory_id", "due_date", "updated_by"]
        ),
        json!({"question_id": null, "trajectory_id": null, "due_date": null,
               "updated_by": w.coach.user_id})
    );

    // Deleted for good (status `dropped` keeps it on record instead); `late` has no due date
    // now, so it comes after those that have one.
    let gone = format!("/api/v1/action-points/{due_today}");
    app.delete(&gone, token).await.expect(204);
    app.get(&gone, token).await.expect(404);
    app.delete(&gone, token).await.expect(404);
    let left = [done_late, busy_late, world_point, late, by_coach];
    assert_eq!(list("").await, left);
}

async fn action_points_need_a_member_as_owner_and_a_question_of_their_step(backend: Backend) {
    let app = spawn_app(backend).await;
    let w = world(&app).await;
    let (a, token) = (&w.a, &w.member.token);
    let points = format!("/api/v1/institutions/{a}/action-points");
    let before = app.get(&points, token).await.expect(200).body;
    let valid = json!({"step": 2, "question_id": "2.3", "description": "Gesprekken plannen"});
    #[rustfmt::skip]
    let bad = [
        (json!({"owner_id": w.coach.user_id}), vec!["owner_id"]),
        (json!({"owner_id": w.b_member.user_id}), vec!["owner_id"]),
        (json!({"owner_id": uuid::Uuid::new_v4()}), vec!["owner_id"]),
        (json!({"question_id": "1.1"}), vec!["question_id"]),
        (json!({"question_id": "2.8"}), vec!["question_id"]),
        (json!({"step": 6}), vec!["question_id", "step"]),
        (json!({"trajectory_id": w.at_b}), vec!["trajectory_id"]),
        (json!({"evaluation_id": w.b_evaluation}), vec!["evaluation_id"]),
        (json!({"description": "   "}), vec!["description"]),
        (json!({"due_date": "1999-12-31"}), vec!["due_date"]),
        (json!({"status": "later"}), vec!["status"]),
    ];
    for (change, fields) in bad {
        let r = app.post(&points, token, merged(&valid, &change)).await;
        assert_eq!(fields_of(&r.expect(422)), fields, "{change}");
    }
    assert_eq!(app.get(&points, token).await.expect(200).body, before);

    // A change is checked against the point as it would become.
    let path = format!("/api/v1/action-points/{}", w.a_action_point);
    let current = app.get(&path, token).await.expect(200).body;
    assert_eq!(current["step"], 1);
    for (body, field) in [
        (json!({"question_id": "2.1"}), "question_id"),
        (json!({"owner_id": w.coach.user_id}), "owner_id"),
        (json!({"trajectory_id": w.at_b}), "trajectory_id"),
    ] {
        let r = change(&app, &path, token, body.clone()).await;
        assert_eq!(fields_of(&r.expect(422)), [field], "{body}");
    }
    assert_eq!(app.get(&path, token).await.expect(200).body, current);
    let moved = json!({"step": 2, "question_id": "2.1"});
    let moved = change(&app, &path, token, moved).await.expect(200).body;
    assert_eq!(
        pick(&moved, &["step", "question_id"]),
        json!({"step": 2, "question_id": "2.1"})
    );
}

// Helpers ----------------------------------------------------------------------------------------

/// Two schools. A has a member, a submitted evaluation, a trajectory `coach` coaches with an
/// action point, and another trajectory coached by a colleague; B has a member, a submitted
/// evaluation, an action point and a trajectory coached by the colleague.
struct World {
    a: String,
    b: String,
    member: Member,
    b_member: Member,
    coach: Member,
    /// A's trajectory `coach` coaches.
    coached: String,
    other_at_a: String,
    at_b: String,
    a_evaluation: String,
    b_evaluation: String,
    a_action_point: String,
    b_action_point: String,
}

async fn world(app: &TestApp) -> World {
    let a = app.create_institution("Het Baken").await;
    let b = app.create_institution("Elders College").await;
    let member = app.create_member(&a, "decaan@baken.test").await;
    let b_member = app.create_member(&b, "decaan@elders.test").await;
    let coach = new_coach(app, "coach@regio.test").await;
    let colleague = new_coach(app, "collega@regio.test").await;
    let coached = start(app, &a, &[&coach.user_id], "2025-09-01", "2027-07-31").await;
    let other_at_a = start(app, &a, &[&colleague.user_id], "2026-01-01", "2027-12-31").await;
    let at_b = start(app, &b, &[&colleague.user_id], "2025-09-01", "2027-07-31").await;
    let mut evaluations = Vec::new();
    let mut points = Vec::new();
    for (school, token, trajectory) in [(&a, &member.token, &coached), (&b, &b_member.token, &at_b)]
    {
        let e = app.submitted_evaluation(school, token, "2025-03-15", |_| "partly", |_| "basic");
        evaluations.push(id_of(&e.await));
        let path = format!("/api/v1/institutions/{school}/action-points");
        let body = json!({"step": 1, "description": "Visie bespreken", "trajectory_id": trajectory,
                          "due_date": days_from_today(60)});
        points.push(app.post(&path, token, body).await.expect(201).id());
    }
    let [a_evaluation, b_evaluation] = [0, 1].map(|i| evaluations[i].clone());
    let [a_action_point, b_action_point] = [0, 1].map(|i| points[i].clone());
    World {
        a,
        b,
        member,
        b_member,
        coach,
        coached,
        other_at_a,
        at_b,
        a_evaluation,
        b_evaluation,
        a_action_point,
        b_action_point,
    }
}

/// What the admin sees of the objects the coach must not touch, to compare before and after.
async fn snapshot(app: &TestApp, w: &World) -> Vec<Value> {
    let mut seen = Vec::new();
    for path in [
        format!("/api/v1/trajectories/{}", w.other_at_a),
        format!("/api/v1/trajectories/{}/sessions", w.other_at_a),
        format!("/api/v1/trajectories/{}", w.at_b),
        format!("/api/v1/institutions/{}/action-points", w.b),
    ] {
        seen.push(app.get(&path, &app.admin_token).await.expect(200).body);
    }
    seen
}

/// The ids on a page of action points, checking that the total counts them all.
async fn listed(app: &TestApp, path: String, token: &str) -> Vec<String> {
    let page = app.get(&path, token).await.expect(200).body;
    let listed: Vec<String> = ids(&page["items"]).into_iter().map(String::from).collect();
    assert_eq!(page["total"], json!(listed.len()), "{path}");
    listed
}

/// A PATCH of a trajectory or an action point (neither takes `If-Match`).
async fn change(app: &TestApp, path: &str, token: &str, body: Value) -> Response {
    app.request(Method::PATCH, path, Some(token), Some(body), &[])
        .await
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

/// Starts a trajectory of `institution` (as admin) with `coaches`; returns its id.
async fn start(app: &TestApp, institution: &str, coaches: &[&str], from: &str, to: &str) -> String {
    let body = json!({"institution_id": institution, "title": "Traject Borging LOB",
                      "start_date": from, "planned_end_date": to, "coach_ids": coaches,
                      "targets": [{"step": 1, "level": "basic"}, {"step": 2, "level": "integrated"}]});
    let r = app.post("/api/v1/trajectories", &app.admin_token, body);
    r.await.expect(201).id()
}

/// A draft evaluation of `institution` at `date`, a measurement moment of `trajectory` if given.
async fn draft(
    app: &TestApp,
    institution: &str,
    token: &str,
    trajectory: Option<&str>,
    date: &str,
    moment: &str,
) -> Response {
    let body = json!({"instrument_id": "kwaliteitskader-lob", "reference_date": date,
                      "moment": moment, "trajectory_id": trajectory});
    let path = format!("/api/v1/institutions/{institution}/evaluations");
    app.post(&path, token, body).await.expect(201)
}

/// Answers every question `yes`, rates each step `level(step)` and submits the draft.
async fn submit(
    app: &TestApp,
    token: &str,
    draft: Response,
    level: fn(u8) -> &'static str,
) -> Value {
    app.fill_and_submit(token, &draft, complete_content(|_| "yes", level))
        .await
}

/// A date `days` from today (negative: in the past), as the API writes it.
fn days_from_today(days: i64) -> String {
    let today = Utc::now().date_naive();
    let date = match days {
        ..0 => today.checked_sub_days(Days::new(days.unsigned_abs())),
        _ => today.checked_add_days(Days::new(days.unsigned_abs())),
    };
    date.unwrap().to_string()
}

/// `body` with the fields of `change` set.
fn merged(body: &Value, change: &Value) -> Value {
    let mut body = body.clone();
    for (k, v) in change.as_object().unwrap() {
        body[k] = v.clone();
    }
    body
}

/// The fields `keys` of `object` (null when absent), to compare several at once.
fn pick(object: &Value, keys: &[&str]) -> Value {
    let fields = keys.iter().map(|k| (k.to_string(), object[*k].clone()));
    Value::Object(fields.collect())
}

/// The fields a 422 `validation_failed` problem names, sorted.
fn fields_of(r: &Response) -> Vec<&str> {
    assert_eq!(r.body["code"], "validation_failed", "{}", r.text);
    let errors = r.body["errors"].as_array();
    let errors = errors.unwrap_or_else(|| panic!("no errors: {}", r.text));
    let mut fields: Vec<&str> = errors
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    fields.sort();
    fields
}

fn id_of(object: &Value) -> String {
    let id = object["id"].as_str();
    id.unwrap_or_else(|| panic!("no id: {object}")).to_owned()
}

/// The ids of the objects in a JSON array.
fn ids(list: &Value) -> Vec<&str> {
    let items = list.as_array();
    let items = items.unwrap_or_else(|| panic!("not a list: {list}"));
    items.iter().map(|i| i["id"].as_str().unwrap()).collect()
}
