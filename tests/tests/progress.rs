//! Progress over time, per institution and per trajectory: the timeline of submitted
//! evaluations, per step the change since the baseline and the previous measurement and the
//! gap to the target, per uitgangspunt counts, school years without an evaluation, corrections
//! in the place of what they supersede, the CSV download for Excel, and a number of database
//! queries that does not grow with the number of evaluations or trajectories.

use lobkader_tests::fixtures::question_ids;
use lobkader_tests::{Backend, Response, TestApp, backend_tests, json, spawn_app};
use reqwest::Method;
use serde_json::Value;

backend_tests!(
    the_institution_timeline_lists_submitted_evaluations_in_date_order_with_gaps_between_school_years,
    a_trajectory_counts_only_its_own_evaluations_and_measures_the_gap_to_its_targets,
    a_correction_replaces_what_it_supersedes_once_it_is_submitted,
    a_superseded_evaluation_leaves_the_trajectory_even_when_its_correction_moves_elsewhere,
    progress_downloads_as_csv_that_opens_cleanly_in_excel,
    progress_costs_the_same_number_of_queries_however_many_evaluations_there_are,
    the_coach_overview_costs_the_same_number_of_queries_for_one_trajectory_as_for_five,
);

const M: &str = "minimal";
const B: &str = "basic";
const I: &str = "integrated";

/// An evaluation to record. Every question is answered after its step's level (minimal → no,
/// basic → partly, integrated → yes), except 5.3, which is always `unknown`.
struct Eval<'a> {
    school: &'a str,
    date: &'a str,
    moment: &'a str,
    levels: [&'a str; 5],
    trajectory: Option<&'a str>,
    title: Option<&'a str>,
}

fn ev<'a>(school: &'a str, date: &'a str, moment: &'a str, levels: [&'a str; 5]) -> Eval<'a> {
    let (trajectory, title) = (None, None);
    Eval {
        school,
        date,
        moment,
        levels,
        trajectory,
        title,
    }
}

impl<'a> Eval<'a> {
    fn of(mut self, trajectory: &'a str) -> Self {
        self.trajectory = Some(trajectory);
        self
    }
}

/// The answers and levels of a whole evaluation, as a PATCH body.
fn content(levels: [&str; 5]) -> Value {
    let answer = |q: &str| match (q, levels[usize::from(q.as_bytes()[0] - b'1')]) {
        ("5.3", _) => "unknown",
        (_, "integrated") => "yes",
        (_, "basic") => "partly",
        _ => "no",
    };
    let answers: Vec<Value> = question_ids()
        .iter()
        .map(|q| json!({"question_id": q, "answer": answer(q)}))
        .collect();
    let levels: Vec<Value> = (1..=5)
        .map(|s| json!({"step": s, "level": levels[s - 1]}))
        .collect();
    json!({"answers": answers, "levels": levels})
}

/// Creates a draft as admin and fills it in (title included); returns its id and `ETag`.
async fn draft(app: &TestApp, e: &Eval<'_>) -> (String, String) {
    let body = json!({"instrument_id": "kwaliteitskader-lob", "reference_date": e.date,
                      "moment": e.moment, "trajectory_id": e.trajectory});
    let path = format!("/api/v1/institutions/{}/evaluations", e.school);
    let created = app.post(&path, &app.admin_token, body).await.expect(201);
    let mut change = content(e.levels);
    change["title"] = json!(e.title);
    let path = format!("/api/v1/evaluations/{}", created.id());
    let filled = app
        .patch(&path, &app.admin_token, &created.etag(), change)
        .await
        .expect(200);
    (created.id(), filled.etag())
}

async fn submit(app: &TestApp, id: &str, etag: &str) {
    let path = format!("/api/v1/evaluations/{id}/submit");
    let headers = [("if-match", etag)];
    app.request(Method::POST, &path, Some(&app.admin_token), None, &headers)
        .await
        .expect(200);
}

/// Creates, fills in and submits an evaluation; returns its id.
async fn submitted(app: &TestApp, e: Eval<'_>) -> String {
    let (id, etag) = draft(app, &e).await;
    submit(app, &id, &etag).await;
    id
}

/// Starts a correction of `id` and changes its levels; returns its id and `ETag` (a draft).
async fn correction(app: &TestApp, id: &str, levels: [&str; 5]) -> (String, String) {
    let path = format!("/api/v1/evaluations/{id}/corrections");
    let c = app
        .post(&path, &app.admin_token, json!(null))
        .await
        .expect(201);
    let path = format!("/api/v1/evaluations/{}", c.id());
    let changed = app
        .patch(&path, &app.admin_token, &c.etag(), content(levels))
        .await
        .expect(200);
    (c.id(), changed.etag())
}

async fn trajectory(app: &TestApp, school: &str, coaches: &[&str], targets: Value) -> String {
    let body = json!({"institution_id": school, "title": "Traject Borging LOB",
                      "start_date": "2024-09-01", "planned_end_date": "2027-07-31",
                      "coach_ids": coaches, "targets": targets});
    app.post("/api/v1/trajectories", &app.admin_token, body)
        .await
        .expect(201)
        .id()
}

fn of_institution(id: &str) -> String {
    format!("/api/v1/institutions/{id}/progress")
}

fn of_trajectory(id: &str) -> String {
    format!("/api/v1/trajectories/{id}/progress")
}

/// The progress at `path` as admin, checked against the wire contract.
async fn progress(app: &TestApp, path: &str) -> Value {
    let p = app.get(path, &app.admin_token).await.expect(200).body;
    let has = |x: &Value, keys: &str| keys.split(' ').all(|k| x.get(k).is_some());
    for e in p["evaluations"].as_array().expect("evaluations") {
        assert!(has(e, "id reference_date moment levels"), "{e}");
        for l in e["levels"].as_array().unwrap() {
            assert!(l["step"].is_u64() && l["level"].is_string(), "{l}");
        }
    }
    assert_eq!(p["steps"].as_array().map(Vec::len), Some(5));
    for s in p["steps"].as_array().unwrap() {
        assert!(
            has(s, "step baseline latest change_since_baseline target gap"),
            "{s}"
        );
    }
    p
}

/// The `key` of every element of the array `list`.
fn each(list: &Value, key: &str) -> Value {
    let items = list.as_array().unwrap();
    items.iter().map(|x| x[key].clone()).collect()
}

fn ids(p: &Value) -> Value {
    each(&p["evaluations"], "id")
}

/// Per step in order: [baseline, previous, latest, since baseline, since previous, target, gap].
fn steps(p: &Value) -> Value {
    let keys = "baseline previous latest change_since_baseline change_since_previous target gap";
    let row = |s: &Value| keys.split(' ').map(|k| s[k].clone()).collect::<Value>();
    assert_eq!(each(&p["steps"], "step"), json!([1, 2, 3, 4, 5]));
    p["steps"].as_array().unwrap().iter().map(row).collect()
}

fn moved(improved: u32, regressed: u32, unchanged: u32) -> Value {
    json!({"improved": improved, "regressed": regressed, "unchanged": unchanged, "not_comparable": 0})
}

/// The start year of the current school year (from 1 August), read off the `Date` header.
async fn current_school_year(app: &TestApp) -> u32 {
    let r = app.get("/healthz", &app.admin_token).await;
    let date: Vec<&str> = r.header("date").unwrap().split_whitespace().collect();
    let months = "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec";
    let month = months.split(' ').position(|m| m == date[2]).unwrap() + 1;
    let year: u32 = date[3].parse().unwrap();
    if month >= 8 { year } else { year - 1 }
}

fn queries(r: &Response) -> u32 {
    let count = r.header("x-query-count").expect("X-Query-Count");
    count.parse().unwrap()
}

/// The queries of a request in the steady state: the first request of a token also reads the
/// account's state, which the service then keeps for a moment.
async fn counted(app: &TestApp, path: &str, token: &str) -> u32 {
    app.get(path, token).await.expect(200);
    queries(&app.get(path, token).await.expect(200))
}

async fn the_institution_timeline_lists_submitted_evaluations_in_date_order_with_gaps_between_school_years(
    backend: Backend,
) {
    let app = spawn_app(backend).await;
    let s = &app.create_institution("Het Baken").await;
    // Submitted out of date order, with a filled-in draft in 2023-2024 that does not count.
    let c = submitted(&app, ev(s, "2025-03-01", "annual", [I, B, M, M, B])).await;
    let a = submitted(&app, ev(s, "2022-10-01", "baseline", [M, M, M, B, B])).await;
    draft(&app, &ev(s, "2023-11-01", "interim", [I; 5])).await;
    let b = submitted(&app, ev(s, "2024-10-01", "interim", [B, B, M, I, B])).await;

    let p = progress(&app, &of_institution(s)).await;
    assert_eq!(
        (p["subject"].as_str(), p["subject_id"].as_str()),
        (Some("institution"), Some(s.as_str()))
    );
    assert_eq!(ids(&p), json!([a, b, c]));
    let e = &p["evaluations"];
    assert_eq!(
        each(e, "reference_date"),
        json!(["2022-10-01", "2024-10-01", "2025-03-01"])
    );
    assert_eq!(
        each(e, "school_year"),
        json!(["2022-2023", "2024-2025", "2024-2025"])
    );
    assert_eq!(each(e, "moment"), json!(["baseline", "interim", "annual"]));
    assert_eq!(
        e[0]["levels"],
        json!([{"step": 1, "level": M}, {"step": 2, "level": M}, {"step": 3, "level": M},
               {"step": 4, "level": B}, {"step": 5, "level": B}])
    );
    assert_eq!(
        each(e, "answers"),
        json!([{"yes": 0, "partly": 5, "no": 14, "unknown": 1},
               {"yes": 3, "partly": 13, "no": 3, "unknown": 1},
               {"yes": 4, "partly": 9, "no": 6, "unknown": 1}])
    );
    // Without a trajectory there are no targets, so no gaps to them.
    assert_eq!(
        steps(&p),
        json!([
            [M, B, I, "improved", "improved", null, null],
            [M, B, B, "improved", "unchanged", null, null],
            [M, M, M, "unchanged", "unchanged", null, null],
            [B, I, M, "regressed", "regressed", null, null],
            [B, B, B, "unchanged", "unchanged", null, null]
        ])
    );

    // Uitgangspunten 1 and 2 are both served by step 1, 5 by steps 4 and 5: counts, no level.
    let u = &p["uitgangspunten"];
    assert_eq!(each(u, "steps"), json!([[1], [1], [2], [3], [4, 5]]));
    assert_eq!(u[0]["since_baseline"], moved(1, 0, 0));
    assert_eq!(u[2]["since_previous"], moved(0, 0, 1));
    assert_eq!(u[4]["since_baseline"], moved(0, 1, 1));
    assert_eq!(u[4]["since_previous"], moved(0, 1, 1));
    assert_eq!(each(u, "targets_total"), json!([0, 0, 0, 0, 0]));
    for summary in u.as_array().unwrap() {
        let mut keys = summary.as_object().unwrap().keys();
        assert!(keys.all(|k| !k.contains("level")), "{summary}");
    }

    // 2023-2024 had only a draft: a gap, as is every year after 2024-2025 up to the current one.
    let mut expected = vec![
        json!({"school_year": "2022-2023", "evaluation_ids": [a], "gap": false}),
        json!({"school_year": "2023-2024", "evaluation_ids": [], "gap": true}),
        json!({"school_year": "2024-2025", "evaluation_ids": [b, c], "gap": false}),
    ];
    let gap =
        |y| json!({"school_year": format!("{y}-{}", y + 1), "evaluation_ids": [], "gap": true});
    expected.extend((2025..=current_school_year(&app).await).map(gap));
    assert_eq!(p["school_years"], json!(expected));
}

async fn a_trajectory_counts_only_its_own_evaluations_and_measures_the_gap_to_its_targets(
    backend: Backend,
) {
    let app = spawn_app(backend).await;
    let s = &app.create_institution("Het Baken").await;
    let targets = json!([{"step": 1, "level": I}, {"step": 2, "level": I}, {"step": 3, "level": I},
                         {"step": 4, "level": B}, {"step": 5, "level": M}]);
    let t = &trajectory(&app, s, &[], targets).await;
    let t1 = submitted(&app, ev(s, "2024-10-01", "baseline", [M, M, M, B, B]).of(t)).await;

    // A single measurement is the baseline: nothing to compare with yet, but already a gap.
    let p = progress(&app, &of_trajectory(t)).await;
    assert_eq!(
        (p["subject"].as_str(), p["subject_id"].as_str()),
        (Some("trajectory"), Some(t.as_str()))
    );
    assert_eq!(ids(&p), json!([t1]));
    assert_eq!(steps(&p)[0], json!([M, null, M, null, null, I, 2]));

    let x = submitted(&app, ev(s, "2025-01-15", "annual", [I; 5])).await;
    draft(&app, &ev(s, "2025-06-01", "interim", [I; 5]).of(t)).await;
    let t2 = submitted(&app, ev(s, "2025-10-01", "interim", [I, B, M, M, B]).of(t)).await;
    let elsewhere = app.create_institution("De Linde").await;
    submitted(&app, ev(&elsewhere, "2025-05-01", "annual", [M; 5])).await;

    let p = progress(&app, &of_trajectory(t)).await;
    assert_eq!(ids(&p), json!([t1, t2]), "only the trajectory's own");
    // The gap is how many levels are still to go: 0 once the target is reached or passed.
    assert_eq!(
        steps(&p),
        json!([
            [M, M, I, "improved", "improved", I, 0],
            [M, M, B, "improved", "improved", I, 1],
            [M, M, M, "unchanged", "unchanged", I, 2],
            [B, B, M, "regressed", "regressed", B, 1],
            [B, B, B, "unchanged", "unchanged", M, 0]
        ])
    );
    let u = &p["uitgangspunten"];
    assert_eq!(each(u, "targets_reached"), json!([1, 1, 0, 0, 1]));
    assert_eq!(each(u, "targets_total"), json!([1, 1, 1, 1, 2]));
    assert_eq!(u[4]["since_baseline"], moved(0, 1, 1));
    let years = each(&p["school_years"], "evaluation_ids");
    assert_eq!((&years[0], &years[1]), (&json!([t1]), &json!([t2])));

    // The institution counts all its evaluations, linked or not, and has no targets.
    let p = progress(&app, &of_institution(s)).await;
    assert_eq!(ids(&p), json!([t1, x, t2]));
    let rows = steps(&p);
    assert_eq!(
        rows[0],
        json!([M, I, I, "improved", "unchanged", null, null])
    );
    assert_eq!(
        rows[3],
        json!([B, I, M, "regressed", "regressed", null, null])
    );
    assert_eq!(p["school_years"][0]["evaluation_ids"], json!([t1, x]));
}

async fn a_correction_replaces_what_it_supersedes_once_it_is_submitted(backend: Backend) {
    let app = spawn_app(backend).await;
    let s = &app.create_institution("Het Baken").await;
    let t = &trajectory(&app, s, &[], json!([{"step": 1, "level": I}])).await;
    let e1 = submitted(&app, ev(s, "2024-10-01", "baseline", [M; 5]).of(t)).await;
    let e2 = submitted(&app, ev(s, "2025-10-01", "interim", [B; 5]).of(t)).await;
    let paths = [of_institution(s), of_trajectory(t)];

    // A correction still in draft changes nothing yet.
    let (fix, etag) = correction(&app, &e2, [I; 5]).await;
    for path in &paths {
        let p = progress(&app, path).await;
        assert_eq!(ids(&p), json!([e1, e2]), "{path}");
        assert_eq!(p["steps"][0]["latest"], B, "{path}");
    }

    submit(&app, &fix, &etag).await;
    for path in &paths {
        let p = progress(&app, path).await;
        assert_eq!(ids(&p), json!([e1, fix]), "{path}");
        assert_eq!(p["evaluations"][1]["supersedes_id"], json!(e2), "{path}");
        let step = &p["steps"][0];
        assert_eq!(
            (&step["latest"], &step["change_since_baseline"]),
            (&json!(I), &json!("improved"))
        );
        assert_eq!(p["school_years"][1]["evaluation_ids"], json!([fix]));
    }
    assert_eq!(progress(&app, &paths[1]).await["steps"][0]["gap"], 0);

    // A correction of the correction takes its place in turn.
    let (again, etag) = correction(&app, &fix, [B; 5]).await;
    submit(&app, &again, &etag).await;
    for path in &paths {
        let p = progress(&app, path).await;
        assert_eq!(ids(&p), json!([e1, again]), "{path}");
        assert_eq!(p["steps"][0]["latest"], B, "{path}");
    }
}

async fn a_superseded_evaluation_leaves_the_trajectory_even_when_its_correction_moves_elsewhere(
    backend: Backend,
) {
    let app = spawn_app(backend).await;
    let s = &app.create_institution("Het Baken").await;
    let a = &trajectory(&app, s, &[], json!([])).await;
    let b = &trajectory(&app, s, &[], json!([])).await;
    let e1 = submitted(&app, ev(s, "2024-10-01", "baseline", [M; 5]).of(a)).await;
    let e2 = submitted(&app, ev(s, "2025-10-01", "interim", [B; 5]).of(a)).await;
    let e3 = submitted(&app, ev(s, "2025-11-01", "interim", [B; 5]).of(a)).await;
    // One correction is taken out of any trajectory, another moved to trajectory B. Refusing
    // the move would do as well; what must not happen is that A keeps what was superseded.
    for (original, to) in [(&e2, json!(null)), (&e3, json!(b))] {
        let (fix, etag) = correction(&app, original, [I; 5]).await;
        let path = format!("/api/v1/evaluations/{fix}");
        let change = json!({"trajectory_id": to});
        let moved = app.patch(&path, &app.admin_token, &etag, change).await;
        let etag = if moved.status == 200 {
            moved.etag()
        } else {
            moved.expect(422).etag()
        };
        submit(&app, &fix, &etag).await;
    }
    let p = progress(&app, &of_trajectory(a)).await;
    assert_eq!(ids(&p), json!([e1]), "superseded evaluations remain");
}

/// A download as raw bytes (the harness's text would drop the byte-order mark).
async fn download(app: &TestApp, path: &str, accept: &str) -> (u16, String, Vec<u8>) {
    let req = app.client.get(app.url(path)).bearer_auth(&app.admin_token);
    let r = req.header("accept", accept).send().await.unwrap();
    let content_type = r.headers()["content-type"].to_str().unwrap().to_owned();
    (
        r.status().as_u16(),
        content_type,
        r.bytes().await.unwrap().to_vec(),
    )
}

/// The lines of a CSV that starts with the byte-order mark and ends every line with CRLF.
fn csv_lines(body: &[u8]) -> Vec<String> {
    let text = std::str::from_utf8(body).expect("UTF-8");
    let text = text.strip_prefix('\u{feff}').expect("a byte-order mark");
    let text = text.strip_suffix("\r\n").expect("a last CRLF");
    text.split("\r\n").map(str::to_owned).collect()
}

/// Evaluations with risky titles: date|moment|level|title|its cell with `,`|its cell with `;`.
const TITLED: &str = r#"2021-10-01|baseline|minimal|=HYPERLINK("http://x","klik")|"'=HYPERLINK(""http://x"",""klik"")"|"'=HYPERLINK(""http://x"",""klik"")"
2022-10-01|interim|basic|+31 6 12345678|'+31 6 12345678|'+31 6 12345678
2023-10-01|interim|integrated|-1 tegenvaller|'-1 tegenvaller|'-1 tegenvaller
2024-10-01|annual|minimal|@SUM(A1); team B|'@SUM(A1); team B|"'@SUM(A1); team B"
2025-10-01|final|basic|Nulmeting, team A|"Nulmeting, team A"|Nulmeting, team A"#;

async fn progress_downloads_as_csv_that_opens_cleanly_in_excel(backend: Backend) {
    let app = spawn_app(backend).await;
    let s = &app.create_institution("Het Baken").await;
    let t = &trajectory(&app, s, &[], json!([])).await;
    let rows: Vec<Vec<&str>> = TITLED.lines().map(|l| l.split('|').collect()).collect();
    let mut ids = Vec::new();
    for (i, r) in rows.iter().enumerate() {
        let mut e = ev(s, r[0], r[1], [r[2]; 5]);
        e.title = Some(r[3]);
        ids.push(submitted(&app, if i < 2 { e.of(t) } else { e }).await);
    }
    let expected = |sep: &str| {
        let header = "evaluation_id,reference_date,school_year,moment,title,\
                      step_1,step_2,step_3,step_4,step_5,yes,partly,no,unknown";
        let mut lines = vec![header.replace(',', sep)];
        for (id, r) in ids.iter().zip(&rows) {
            let year: u32 = r[0][..4].parse().unwrap();
            let school_year = format!("{year}-{}", year + 1);
            let title = if sep == "," { r[4] } else { r[5] };
            let counts = match r[2] {
                M => "0 0 19 1",
                B => "0 19 0 1",
                _ => "19 0 0 1",
            };
            let mut row = vec![id, r[0], &school_year, r[1], title];
            row.extend([r[2]; 5]);
            row.extend(counts.split(' '));
            lines.push(row.join(sep));
        }
        lines
    };

    let path = &of_institution(s);
    let csv = (200, "text/csv; charset=utf-8".to_owned());
    let (status, content_type, by_accept) = download(&app, path, "text/csv").await;
    assert_eq!((status, content_type), csv);
    assert_eq!(csv_lines(&by_accept), expected(","));
    let (status, content_type, by_query) = download(&app, &format!("{path}?format=csv"), "").await;
    assert_eq!((status, content_type), csv);
    assert_eq!(by_query, by_accept, "?format=csv as Accept: text/csv");
    let semicolon = download(&app, &format!("{path}?format=csv&delimiter=semicolon"), "").await;
    assert_eq!(csv_lines(&semicolon.2), expected(";"));
    let of_t = download(&app, &of_trajectory(t), "text/csv").await;
    assert_eq!(csv_lines(&of_t.2), expected(",")[..3], "the trajectory's");

    // JSON when asked for; unknown formats and separators are refused.
    let json = download(&app, &format!("{path}?format=json"), "text/csv").await;
    assert_eq!((json.0, json.1.as_str()), (200, "application/json"));
    let refused = "format=xml:format format=csv&delimiter=tab:delimiter delimiter=tab:delimiter";
    for (query, field) in refused.split(' ').filter_map(|q| q.split_once(':')) {
        let r = app.get(&format!("{path}?{query}"), &app.admin_token).await;
        let r = r.expect(400);
        assert_eq!(r.header("content-type"), Some("application/problem+json"));
        assert_eq!(r.body["code"], "invalid_query_parameter", "{query}");
        assert_eq!(r.body["errors"][0]["field"], field, "{query}");
    }
}

async fn progress_costs_the_same_number_of_queries_however_many_evaluations_there_are(
    backend: Backend,
) {
    let app = spawn_app(backend).await;
    let s = &app.create_institution("Het Baken").await;
    let t = &trajectory(&app, s, &[], json!([{"step": 2, "level": I}])).await;
    let paths = [of_institution(s), of_trajectory(t)];
    let paths = [paths.clone(), paths.map(|p| p + "?format=csv")].concat();
    let levels = [[M; 5], [B, M, B, I, M], [I, B, M, B, I]];
    let record = async |years: std::ops::Range<usize>| {
        for year in years {
            let date = &format!("{year}-10-01");
            submitted(&app, ev(s, date, "annual", levels[year % 3]).of(t)).await;
        }
    };
    record(2014..2016).await;
    let mut with_two = Vec::new();
    for path in &paths {
        with_two.push(counted(&app, path, &app.admin_token).await);
    }
    record(2016..2026).await;
    let p = progress(&app, &paths[1]).await;
    assert_eq!(p["evaluations"].as_array().map(Vec::len), Some(12));
    for (path, two) in paths.iter().zip(with_two) {
        let twelve = counted(&app, path, &app.admin_token).await;
        eprintln!("GET {path}: {two} queries with 2 evaluations, {twelve} with 12");
        assert_eq!(two, twelve, "{path}: no query per evaluation");
        assert!(twelve <= 8, "{path}: {twelve} queries");
        if path.starts_with(&of_institution(s)) {
            // Sight, existence and measurements are read together.
            assert_eq!(twelve, 1, "{path}: one query");
        }
    }
}

async fn the_coach_overview_costs_the_same_number_of_queries_for_one_trajectory_as_for_five(
    backend: Backend,
) {
    let app = spawn_app(backend).await;
    let (email, password) = ("coach@regio.test", "a-long-enough-password");
    let body =
        json!({"email": email, "display_name": "Coach", "password": password, "role": "coach"});
    let coach = app.post("/api/v1/users", &app.admin_token, body).await;
    let coach = coach.expect(201).id();
    let token = &app.login(email, password).await;
    let mut coached = Vec::new();
    let mut add = async |n: usize| {
        let s = &app.create_institution(&format!("School {n}")).await;
        let targets = json!([{"step": 1, "level": I}, {"step": 4, "level": B}]);
        let t = trajectory(&app, s, &[&coach], targets).await;
        submitted(
            &app,
            ev(s, "2024-10-01", "baseline", [M, M, M, B, M]).of(&t),
        )
        .await;
        submitted(&app, ev(s, "2025-10-01", "interim", [B, B, M, M, I]).of(&t)).await;
        coached.push((s.clone(), t));
    };
    add(1).await;
    let one = counted(&app, "/api/v1/coach/overview", token).await;
    for n in 2..=5 {
        add(n).await;
    }
    app.get("/api/v1/coach/overview", token).await.expect(200);
    let r = app.get("/api/v1/coach/overview", token).await.expect(200);
    let five = queries(&r);
    eprintln!("GET /api/v1/coach/overview: {one} queries with 1 trajectory, {five} with 5");
    assert_eq!(one, five, "no query per trajectory or evaluation");
    assert_eq!(
        five, 1,
        "the trajectories, their parts and measurements in one query"
    );
    let overview = r.body["trajectories"].as_array().unwrap();
    assert_eq!(overview.len(), 5);
    for t in overview {
        let rows = steps(t);
        assert_eq!(rows[0], json!([M, M, B, "improved", "improved", I, 1]));
        assert_eq!(rows[3], json!([B, B, M, "regressed", "regressed", B, 1]));
    }

    // The coach follows the progress of their trajectories, and nothing else.
    let (s, t) = &coached[0];
    let p = app.get(&of_trajectory(t), token).await.expect(200);
    assert_eq!(p.body["evaluations"].as_array().map(Vec::len), Some(2));
    app.get(&of_institution(s), token).await.expect(200);
    let stranger = app.create_institution("Elders").await;
    let theirs = trajectory(&app, &stranger, &[], json!([])).await;
    app.get(&of_trajectory(&theirs), token).await.expect(404);
    app.get(&of_institution(&stranger), token).await.expect(404);
}
