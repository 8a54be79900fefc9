//! The coach's overview (`GET /api/v1/coach/overview`): every trajectory the coach coaches,
//! where it stands, and the flags that ask for attention, each raised by the data that should
//! raise it and cleared by the data that should clear it. Dates are relative to today, as the
//! flags are.

use chrono::{Days, Months, NaiveDate, Utc};
use lobkader_domain::trajectory::months_between;
use lobkader_tests::fixtures::{Member, complete_content};
use lobkader_tests::{Backend, Response, TestApp, backend_tests, json, spawn_app};
use reqwest::Method;
use serde_json::Value;
use std::collections::BTreeSet;

backend_tests!(
    no_baseline_is_raised_until_a_submitted_baseline_is_linked,
    regressed_since_previous_is_raised_by_a_lower_level_and_cleared_by_a_better_one,
    components_behind_is_raised_past_halfway_with_less_than_half_done_and_cleared_by_enough_done,
    no_evaluation_12_months_is_raised_by_a_year_old_last_evaluation_and_cleared_by_a_recent_one,
    the_trajectories_needing_most_attention_come_first_and_finished_ones_carry_no_flags,
    the_overview_shows_where_each_trajectory_stands,
    admins_name_the_coach_whose_overview_they_want_and_members_are_refused,
);

async fn no_baseline_is_raised_until_a_submitted_baseline_is_linked(backend: Backend) {
    let s = setup(backend).await;
    let t = s.trajectory(months_ago(1), months_ahead(23)).await;
    assert_eq!(s.flags(&t).await, ["no_baseline"]);

    // An interim measurement is no baseline.
    s.measure(Some(&t), days_ago(10), "interim", |_| "basic")
        .await;
    assert_eq!(s.flags(&t).await, ["no_baseline"]);
    // Nor is a baseline of the institution that is not one of the trajectory's moments.
    s.measure(None, days_ago(20), "baseline", |_| "basic").await;
    assert_eq!(s.flags(&t).await, ["no_baseline"]);
    // Nor a baseline still in draft.
    let draft = s.draft(Some(&t), days_ago(25), "baseline").await;
    assert_eq!(s.flags(&t).await, ["no_baseline"]);

    s.submit(draft, |_| "basic").await;
    assert_eq!(s.flags(&t).await, none());
}

async fn regressed_since_previous_is_raised_by_a_lower_level_and_cleared_by_a_better_one(
    backend: Backend,
) {
    let s = setup(backend).await;
    let t = s.trajectory(months_ago(6), months_ahead(18)).await;
    s.measure(Some(&t), months_ago(5), "baseline", |_| "basic")
        .await;
    assert_eq!(s.flags(&t).await, none());

    let worse = s
        .measure(Some(&t), months_ago(3), "interim", |step| {
            if step == 4 { "minimal" } else { "basic" }
        })
        .await;
    assert_eq!(s.flags(&t).await, ["regressed_since_previous"]);
    let step4 = &s.entry(&t).await["steps"][3];
    assert_eq!(
        (
            &step4["previous"],
            &step4["latest"],
            &step4["change_since_previous"]
        ),
        (&json!("basic"), &json!("minimal"), &json!("regressed"))
    );

    // A correction takes the place of what it corrects: the regression was a mistake.
    let correction = format!("/api/v1/evaluations/{}/corrections", id_of(&worse));
    let correction = s.app.post(&correction, &s.member.token, json!(null));
    s.submit(correction.await.expect(201), |_| "basic").await;
    assert_eq!(s.flags(&t).await, none());

    s.measure(Some(&t), months_ago(2), "interim", |step| {
        if step == 2 { "minimal" } else { "basic" }
    })
    .await;
    assert_eq!(s.flags(&t).await, ["regressed_since_previous"]);
    // A later, better measurement compares with the lower one: no longer a regression.
    s.measure(Some(&t), months_ago(1), "interim", |_| "basic")
        .await;
    assert_eq!(s.flags(&t).await, none());
    let step2 = &s.entry(&t).await["steps"][1];
    assert_eq!(step2["change_since_previous"], "improved");
}

async fn components_behind_is_raised_past_halfway_with_less_than_half_done_and_cleared_by_enough_done(
    backend: Backend,
) {
    let s = setup(backend).await;
    // Halfway was two months ago.
    let late = s.trajectory(months_ago(8), months_ahead(4)).await;
    s.measure(Some(&late), months_ago(7), "baseline", |_| "basic")
        .await;
    // Halfway is ten months ahead.
    let early = s.trajectory(months_ago(2), months_ahead(22)).await;
    s.measure(Some(&early), months_ago(1), "baseline", |_| "basic")
        .await;
    assert_eq!(s.flags(&late).await, ["components_behind"]);
    assert_eq!(
        s.flags(&early).await,
        none(),
        "before halfway nothing is behind"
    );

    let three = ["lob_visie", "doorlopende_leerlijn", "lob_curriculumplanner"];
    s.set_components(&late, &three, "done").await;
    s.set_components(&late, &["teamontwikkelplan"], "in_progress")
        .await;
    assert_eq!(s.flags(&late).await, ["components_behind"], "3 of 7 done");
    let entry = s.entry(&late).await;
    assert_eq!(
        (&entry["components_done"], &entry["components_total"]),
        (&json!(3), &json!(7))
    );

    s.set_components(&late, &["teamontwikkelplan"], "done")
        .await;
    assert_eq!(s.flags(&late).await, none(), "4 of 7 done");
    // Undone again, it is behind again.
    s.set_components(&late, &["lob_visie"], "in_progress").await;
    assert_eq!(s.flags(&late).await, ["components_behind"]);
}

async fn no_evaluation_12_months_is_raised_by_a_year_old_last_evaluation_and_cleared_by_a_recent_one(
    backend: Backend,
) {
    let s = setup(backend).await;
    let year_ago = today().checked_sub_months(Months::new(12)).unwrap();
    let stale = s.trajectory(months_ago(20), months_ahead(28)).await;
    s.measure(Some(&stale), year_ago, "baseline", |_| "basic")
        .await;
    let fresh = s.trajectory(months_ago(20), months_ahead(28)).await;
    let day_later = year_ago.checked_add_days(Days::new(1)).unwrap();
    s.measure(Some(&fresh), day_later, "baseline", |_| "basic")
        .await;
    assert_eq!(s.flags(&stale).await, ["no_evaluation_12_months"]);
    assert_eq!(s.entry(&stale).await["months_since_last_evaluation"], 12);
    assert_eq!(s.flags(&fresh).await, none());
    assert_eq!(s.entry(&fresh).await["months_since_last_evaluation"], 11);

    // Neither an evaluation that is not the trajectory's nor a draft counts.
    s.measure(None, days_ago(10), "annual", |_| "basic").await;
    let draft = s.draft(Some(&stale), days_ago(5), "interim").await;
    assert_eq!(s.flags(&stale).await, ["no_evaluation_12_months"]);
    s.submit(draft, |_| "basic").await;
    assert_eq!(s.flags(&stale).await, none());
    let entry = s.entry(&stale).await;
    assert_eq!(
        (
            &entry["months_since_last_evaluation"],
            &entry["last_evaluation_date"]
        ),
        (&json!(0), &json!(days_ago(5)))
    );

    // Without any evaluation, the start counts.
    let never = s.trajectory(months_ago(13), months_ahead(28)).await;
    assert_eq!(
        s.flags(&never).await,
        ["no_evaluation_12_months", "no_baseline"]
    );
    let recent = s.trajectory(months_ago(11), months_ahead(28)).await;
    assert_eq!(s.flags(&recent).await, ["no_baseline"]);
}

async fn the_trajectories_needing_most_attention_come_first_and_finished_ones_carry_no_flags(
    backend: Backend,
) {
    let s = setup(backend).await;
    let calm = s.trajectory(months_ago(2), months_ahead(22)).await;
    s.measure(Some(&calm), months_ago(1), "baseline", |_| "basic")
        .await;
    let one = s.trajectory(months_ago(1), months_ahead(23)).await;
    let two = s.trajectory(months_ago(6), months_ahead(4)).await;
    let three = s.trajectory(months_ago(25), months_ahead(1)).await;
    let paused = s.trajectory(months_ago(25), months_ahead(1)).await;
    let completed = s.trajectory(months_ago(25), months_ahead(1)).await;
    let stopped = s.trajectory(months_ago(25), months_ago(1)).await;
    for (t, status) in [
        (&paused, "paused"),
        (&completed, "completed"),
        (&stopped, "stopped"),
    ] {
        let path = format!("/api/v1/trajectories/{t}");
        s.change(&path, json!({"status": status})).await.expect(200);
    }

    let all = [
        "no_evaluation_12_months",
        "components_behind",
        "no_baseline",
    ];
    assert_eq!(s.flags(&three).await, all);
    assert_eq!(
        s.flags(&paused).await,
        all,
        "a paused trajectory still needs attention"
    );
    assert_eq!(s.flags(&completed).await, none());
    assert_eq!(s.flags(&stopped).await, none());
    assert_eq!(s.flags(&two).await, ["components_behind", "no_baseline"]);
    assert_eq!(s.flags(&one).await, ["no_baseline"]);
    assert_eq!(s.flags(&calm).await, none());

    let overview = s.overview().await;
    let order: Vec<(&str, usize)> = overview["trajectories"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                t["id"].as_str().unwrap(),
                t["flags"].as_array().unwrap().len(),
            )
        })
        .collect();
    let ids: Vec<&str> = order.iter().map(|(id, _)| *id).collect();
    let counts: Vec<usize> = order.iter().map(|(_, n)| *n).collect();
    assert_eq!(counts, [3, 3, 2, 1, 0, 0, 0], "{order:?}");
    let set = |ids: &[&str]| ids.iter().map(|s| s.to_string()).collect::<BTreeSet<_>>();
    assert_eq!(set(&ids[..2]), set(&[three.as_str(), paused.as_str()]));
    assert_eq!(ids[2..4], [two.as_str(), one.as_str()]);
    assert_eq!(
        set(&ids[4..]),
        set(&[calm.as_str(), completed.as_str(), stopped.as_str()])
    );
}

async fn the_overview_shows_where_each_trajectory_stands(backend: Backend) {
    let s = setup(backend).await;
    let (start, end) = (months_ago(6), months_ahead(18));
    let t = s.trajectory(start, end).await;
    s.measure(Some(&t), months_ago(5), "baseline", |_| "minimal")
        .await;
    s.measure(Some(&t), months_ago(2), "interim", |step| {
        if step == 1 { "basic" } else { "minimal" }
    })
    .await;
    s.set_components(&t, &["lob_visie", "lob_beleid"], "done")
        .await;
    let points = format!("/api/v1/institutions/{}/action-points", s.school);
    for (linked, status, due) in [
        (true, "open", days_ago(1)),
        (true, "in_progress", days_ahead(30)),
        (true, "done", days_ago(30)),
        (true, "dropped", days_ago(30)),
        (false, "open", days_ago(3)),
    ] {
        let body = json!({"step": 1, "description": "Actiepunt", "status": status, "due_date": due,
                          "trajectory_id": linked.then_some(&t)});
        s.app.post(&points, &s.member.token, body).await.expect(201);
    }

    let e = s.entry(&t).await;
    assert_eq!(
        (&e["institution_id"], &e["institution_name"], &e["status"]),
        (&json!(s.school), &json!("Het Baken"), &json!("active"))
    );
    assert_eq!(
        (&e["months_since_start"], &e["months_until_planned_end"]),
        (&json!(6), &json!(months_between(today(), end)))
    );
    assert_eq!(
        (
            &e["evaluations"],
            &e["last_evaluation_date"],
            &e["months_since_last_evaluation"]
        ),
        (&json!(2), &json!(months_ago(2)), &json!(2))
    );
    assert_eq!(
        (&e["components_done"], &e["components_total"]),
        (&json!(2), &json!(7))
    );
    assert_eq!(
        (&e["open_action_points"], &e["overdue_action_points"]),
        (&json!(2), &json!(1))
    );
    let step = |n: usize| {
        let s = &e["steps"][n];
        (
            s["step"].clone(),
            s["baseline"].clone(),
            s["latest"].clone(),
            s["change_since_baseline"].clone(),
            s["target"].clone(),
            s["gap"].clone(),
        )
    };
    assert_eq!(
        step(0),
        (
            json!(1),
            json!("minimal"),
            json!("basic"),
            json!("improved"),
            json!("basic"),
            json!(0)
        )
    );
    assert_eq!(
        step(1),
        (
            json!(2),
            json!("minimal"),
            json!("minimal"),
            json!("unchanged"),
            json!("integrated"),
            json!(2)
        )
    );
    assert_eq!(step(2).4, json!(null), "no target for step 3");
    assert_eq!(e["flags"], json!([]));
}

async fn admins_name_the_coach_whose_overview_they_want_and_members_are_refused(backend: Backend) {
    let s = setup(backend).await;
    let mine = s.trajectory(months_ago(1), months_ahead(23)).await;
    let colleague = new_coach(&s.app, "collega@regio.test").await;
    let theirs = start(
        &s.app,
        &s.school,
        &colleague.user_id,
        months_ago(1),
        months_ahead(23),
    )
    .await;

    let own = s.overview().await;
    assert_eq!(own["coach_id"], json!(s.coach.user_id));
    assert_eq!(ids(&own["trajectories"]), [mine.as_str()]);
    let path = "/api/v1/coach/overview";
    let named = format!("{path}?coach_id={}", s.coach.user_id);
    let again = s.app.get(&named, &s.coach.token).await.expect(200);
    assert_eq!(again.body, own);

    let r = s.app.get(path, &s.app.admin_token).await.expect(422);
    assert_eq!(
        (&r.body["code"], &r.body["errors"][0]["field"]),
        (&json!("validation_failed"), &json!("coach_id"))
    );
    let as_admin = s.app.get(&named, &s.app.admin_token).await.expect(200);
    assert_eq!(as_admin.body, own);
    let other = format!("{path}?coach_id={}", colleague.user_id);
    let as_admin = s.app.get(&other, &s.app.admin_token).await.expect(200);
    assert_eq!(ids(&as_admin.body["trajectories"]), [theirs.as_str()]);

    // A coach sees only their own overview; a member has none.
    let r = s.app.get(&other, &s.coach.token).await.expect(403);
    assert_eq!(r.body["code"], "forbidden");
    for path in [path, named.as_str()] {
        let r = s.app.get(path, &s.member.token).await.expect(403);
        assert_eq!(r.body["code"], "forbidden");
    }
    let idle = new_coach(&s.app, "nog-zonder-traject@regio.test").await;
    let empty = s.app.get(path, &idle.token).await.expect(200);
    assert_eq!(empty.body["trajectories"], json!([]));
}

// Helpers ----------------------------------------------------------------------------------------

/// A school with a member (its kerngroep) and a coach.
struct Setup {
    app: TestApp,
    school: String,
    member: Member,
    coach: Member,
}

async fn setup(backend: Backend) -> Setup {
    let app = spawn_app(backend).await;
    let school = app.create_institution("Het Baken").await;
    let member = app.create_member(&school, "decaan@baken.test").await;
    let coach = new_coach(&app, "coach@regio.test").await;
    Setup {
        app,
        school,
        member,
        coach,
    }
}

impl Setup {
    /// A trajectory of the school from `start` to `end`, coached by the coach.
    async fn trajectory(&self, start_date: NaiveDate, end: NaiveDate) -> String {
        start(
            &self.app,
            &self.school,
            &self.coach.user_id,
            start_date,
            end,
        )
        .await
    }

    async fn overview(&self) -> Value {
        let r = self.app.get("/api/v1/coach/overview", &self.coach.token);
        r.await.expect(200).body
    }

    /// The coach's overview of one trajectory.
    async fn entry(&self, trajectory: &str) -> Value {
        let overview = self.overview().await;
        let list = overview["trajectories"].as_array().unwrap();
        let entry = list.iter().find(|t| t["id"] == trajectory);
        entry
            .unwrap_or_else(|| panic!("{trajectory} not in {overview}"))
            .clone()
    }

    async fn flags(&self, trajectory: &str) -> Vec<String> {
        let entry = self.entry(trajectory).await;
        let flags = entry["flags"].as_array().unwrap();
        flags
            .iter()
            .map(|f| f.as_str().unwrap().to_owned())
            .collect()
    }

    /// A PATCH as the coach.
    async fn change(&self, path: &str, body: Value) -> Response {
        let token = Some(self.coach.token.as_str());
        self.app
            .request(Method::PATCH, path, token, Some(body), &[])
            .await
    }

    async fn set_components(&self, trajectory: &str, ids: &[&str], status: &str) {
        let components: Vec<Value> = ids
            .iter()
            .map(|id| json!({"component_id": id, "status": status}))
            .collect();
        let path = format!("/api/v1/trajectories/{trajectory}");
        let body = json!({ "components": components });
        self.change(&path, body).await.expect(200);
    }

    /// A draft evaluation of the school, a measurement moment of `trajectory` if given.
    async fn draft(&self, trajectory: Option<&str>, date: NaiveDate, moment: &str) -> Response {
        let body = json!({"instrument_id": "kwaliteitskader-lob", "reference_date": date,
                          "moment": moment, "trajectory_id": trajectory});
        let path = format!("/api/v1/institutions/{}/evaluations", self.school);
        let r = self.app.post(&path, &self.member.token, body).await;
        r.expect(201)
    }

    /// Answers every question `yes`, rates each step `level(step)` and submits the draft.
    async fn submit(&self, draft: Response, level: impl Fn(u8) -> &'static str) -> Value {
        let content = complete_content(|_| "yes", level);
        self.app
            .fill_and_submit(&self.member.token, &draft, content)
            .await
    }

    /// A submitted evaluation of the school.
    async fn measure(
        &self,
        trajectory: Option<&str>,
        date: NaiveDate,
        moment: &str,
        level: impl Fn(u8) -> &'static str,
    ) -> Value {
        let draft = self.draft(trajectory, date, moment).await;
        self.submit(draft, level).await
    }
}

/// A trajectory of `institution` (started by an admin) coached by `coach`; its id.
async fn start(
    app: &TestApp,
    institution: &str,
    coach: &str,
    start_date: NaiveDate,
    end: NaiveDate,
) -> String {
    let body = json!({"institution_id": institution, "title": "Traject Borging LOB",
                      "start_date": start_date, "planned_end_date": end, "coach_ids": [coach],
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

fn today() -> NaiveDate {
    Utc::now().date_naive()
}

fn months_ago(n: u32) -> NaiveDate {
    today().checked_sub_months(Months::new(n)).unwrap()
}

fn months_ahead(n: u32) -> NaiveDate {
    today().checked_add_months(Months::new(n)).unwrap()
}

fn days_ago(n: u64) -> NaiveDate {
    today().checked_sub_days(Days::new(n)).unwrap()
}

fn days_ahead(n: u64) -> NaiveDate {
    today().checked_add_days(Days::new(n)).unwrap()
}

/// No flags.
fn none() -> Vec<String> {
    Vec::new()
}

fn id_of(object: &Value) -> String {
    let id = object["id"].as_str();
    id.unwrap_or_else(|| panic!("no id: {object}")).to_owned()
}

fn ids(list: &Value) -> Vec<&str> {
    let items = list
        .as_array()
        .unwrap_or_else(|| panic!("not a list: {list}"));
    items.iter().map(|i| i["id"].as_str().unwrap()).collect()
}
