//! Nothing acknowledged is lost: many clients create, fill in and submit evaluations while the
//! service is killed with SIGKILL at random moments and started again on the same database.
//! Afterwards every write that was answered with a 2xx is there, intact, and no evaluation is
//! half-written — checked through the API and directly in the database, on SQLite (with the
//! default `LOBKADER_SQLITE_SYNCHRONOUS=normal`) and on PostgreSQL.
//!
//! Short by default; `LOBKADER_CRASH_SECONDS=600` runs longer, `LOBKADER_CRASH_SEED=<n>`
//! repeats the kill schedule of an earlier run. The report line is written straight to stderr,
//! so it shows without `--nocapture`.

// Test code: a panic is how a test fails.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use reqwest::Method;
use sea_orm::{ConnectionTrait, Database, Statement};
use serde_json::{Value, json};
use std::collections::{BTreeMap, HashMap};
use std::io::Write;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};
use support::Service;
use support::client::{Answer, Client, School, school};

/// How many clients write at the same time.
const CLIENTS: usize = 16;
/// The revision a submitted evaluation ends at: created (1), three changes, submitted.
const SUBMITTED_REVISION: i64 = 5;
/// The questions per step of the Kwaliteitskader LOB.
const STEPS: [(u8, u8); 5] = [(1, 4), (2, 7), (3, 3), (4, 3), (5, 3)];

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn on_sqlite_every_acknowledged_write_survives_sigkill() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!(
        "sqlite://{}?mode=rwc",
        dir.path().join("lobkader.db").display()
    );
    crash_test("sqlite", dir.path(), &url).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn on_postgresql_every_acknowledged_write_survives_sigkill() {
    let Some(url) = support::fresh_postgres_database("crash").await else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    crash_test("postgresql", dir.path(), &url).await;
}

async fn crash_test(backend: &str, dir: &Path, database_url: &str) {
    let seconds: u64 = std::env::var("LOBKADER_CRASH_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(20);
    let seed: u64 = std::env::var("LOBKADER_CRASH_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(rand::random);
    let _ = writeln!(
        std::io::stderr(),
        "crash test ({backend}): {seconds} s, {CLIENTS} clients, seed {seed}"
    );

    let mut service = Service::new(dir, database_url);
    service.start();
    let client = Client::new(&service.base);
    service.wait_ready(&client, Duration::from_secs(60)).await;
    let school = school(&client).await;

    let stop = Arc::new(AtomicBool::new(false));
    let clients: Vec<_> = (0..CLIENTS)
        .map(|c| {
            let writer = Writer {
                number: c,
                client: client.clone(),
                institution: school.institution.clone(),
                token: school.member_token.clone(),
                stop: stop.clone(),
                report: Report::default(),
            };
            tokio::spawn(writer.run())
        })
        .collect();

    // The killer: SIGKILL at random moments, a random pause, the same binary on the same
    // database again.
    let mut rng = StdRng::seed_from_u64(seed);
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let mut kills = 0u64;
    while Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(rng.random_range(100..1500))).await;
        service.kill();
        kills += 1;
        tokio::time::sleep(Duration::from_millis(rng.random_range(0..300))).await;
        service.start();
        service.wait_ready(&client, Duration::from_secs(60)).await;
    }
    // A last stretch without kills, then the clients finish what they are doing.
    tokio::time::sleep(Duration::from_millis(500)).await;
    stop.store(true, Ordering::Relaxed);
    let mut report = Report::default();
    for handle in clients {
        report.merge(handle.await.unwrap());
    }

    let check = verify(&client, &school, &report).await;
    let mut problems = report.failures.clone();
    problems.extend(check.problems.iter().cloned());
    problems.extend(database_problems(database_url, &check.listed).await);
    service.stop();

    let _ = writeln!(
        std::io::stderr(),
        "crash test ({backend}): {} writes acknowledged, {kills} kills survived, {} writes lost \
         ({} evaluations, {} submitted; {} requests unanswered, {} answered 503, {} answered \
         409/412 after a lost answer; seed {seed})",
        report.acks.len(),
        check.lost,
        check.listed.len(),
        check
            .listed
            .values()
            .filter(|e| e.revision == SUBMITTED_REVISION)
            .count(),
        report.unanswered,
        report.unavailable,
        report.stale,
    );
    assert!(kills > 0, "the service was never killed");
    assert!(
        report.acks.iter().any(|a| a.submitted),
        "no evaluation was submitted: the test proves little"
    );
    assert_eq!(check.lost, 0, "writes lost (seed {seed}):\n{problems:#?}");
    assert!(
        problems.is_empty(),
        "inconsistencies (seed {seed}):\n{problems:#?}"
    );
}

/// One write answered with a 2xx: the state the service said it had stored.
#[derive(Debug, Clone)]
struct Ack {
    id: String,
    title: String,
    revision: i64,
    submitted: bool,
    content: Content,
}

#[derive(Default)]
struct Report {
    acks: Vec<Ack>,
    /// Requests that got no complete answer (the service was killed): unacknowledged.
    unanswered: u64,
    /// 503 answers: unacknowledged, and allowed.
    unavailable: u64,
    /// 409/412 after a change whose answer was lost had been applied: allowed.
    stale: u64,
    /// Answers that must never happen (5xx other than 503, a 2xx with the wrong content, …).
    failures: Vec<String>,
}

impl Report {
    fn merge(&mut self, other: Report) {
        self.acks.extend(other.acks);
        self.unanswered += other.unanswered;
        self.unavailable += other.unavailable;
        self.stale += other.stale;
        self.failures.extend(other.failures);
    }
}

/// The evaluation a client is working on, as last acknowledged or read.
struct Current {
    id: String,
    title: String,
    revision: i64,
    etag: String,
    submitted: bool,
    /// A request about it went unanswered: read it again before changing it.
    stale: bool,
}

/// A client of the kerngroep: creates an evaluation, changes it in three steps, submits it,
/// and starts the next, until told to stop.
struct Writer {
    number: usize,
    client: Client,
    institution: String,
    token: String,
    stop: Arc<AtomicBool>,
    report: Report,
}

impl Writer {
    async fn run(mut self) -> Report {
        let mut created = 0;
        let mut current: Option<Current> = None;
        while !self.stop.load(Ordering::Relaxed) {
            match current.as_mut() {
                None => {
                    let title = format!("crash c{:02} #{created}", self.number);
                    created += 1;
                    current = self.create(title).await;
                }
                Some(e) if e.stale => self.reread(e).await,
                Some(e) if e.submitted => current = None,
                Some(e) => self.advance(e).await,
            }
        }
        self.report
    }

    async fn create(&mut self, title: String) -> Option<Current> {
        let body = json!({
            "instrument_id": "kwaliteitskader-lob",
            "reference_date": "2025-10-01",
            "moment": "annual",
            "title": title,
        });
        let path = format!("/api/v1/institutions/{}/evaluations", self.institution);
        let answer = self.client.post(&path, Some(&self.token), &body).await;
        let answer = self.acknowledged(answer, 201, &title, 1).await?;
        Some(Current {
            id: answer.body["id"].as_str()?.to_owned(),
            title,
            revision: 1,
            etag: answer.etag?,
            submitted: false,
            stale: false,
        })
    }

    /// The next change (revisions 2 to 4) or, when complete, the submission.
    async fn advance(&mut self, e: &mut Current) {
        let next = e.revision + 1;
        let path = format!("/api/v1/evaluations/{}", e.id);
        let answer = if e.revision < 4 {
            let body = change(&e.title, next);
            self.client
                .send(
                    Method::PATCH,
                    &path,
                    Some(&self.token),
                    Some(&e.etag),
                    Some(&body),
                )
                .await
        } else {
            self.client
                .send(
                    Method::POST,
                    &format!("{path}/submit"),
                    Some(&self.token),
                    Some(&e.etag),
                    None,
                )
                .await
        };
        match self.acknowledged(answer, 200, &e.title, next).await {
            Some(answer) => {
                e.revision = next;
                e.submitted = next == SUBMITTED_REVISION;
                e.etag = answer.etag.unwrap_or_default();
            }
            None => e.stale = true,
        }
    }

    /// Reads the evaluation after an unanswered request: the change may or may not be in.
    async fn reread(&mut self, e: &mut Current) {
        let path = format!("/api/v1/evaluations/{}", e.id);
        match self.client.get(&path, Some(&self.token)).await {
            Ok(a) if a.status == 200 => {
                e.revision = a.body["revision"].as_i64().unwrap_or(0);
                e.submitted = a.body["status"] == "submitted";
                e.etag = a.etag.unwrap_or_default();
                e.stale = false;
            }
            Ok(a) if a.status == 503 => pause().await,
            Ok(a) => {
                self.report.failures.push(format!(
                    "GET {path} after an unanswered change: {} {}",
                    a.status, a.body
                ));
                e.stale = false;
                e.submitted = true; // give up on it; the final check reports it
            }
            Err(_) => pause().await,
        }
    }

    /// Records a 2xx as acknowledged (after checking that it shows what was written); anything
    /// else leaves the write unacknowledged, and is recorded as allowed or as a failure.
    async fn acknowledged(
        &mut self,
        answer: Result<Answer, reqwest::Error>,
        status: u16,
        title: &str,
        revision: i64,
    ) -> Option<Answer> {
        let answer = match answer {
            Ok(answer) => answer,
            Err(_) => {
                self.report.unanswered += 1;
                pause().await;
                return None;
            }
        };
        match answer.status {
            s if s == status => {}
            503 => {
                self.report.unavailable += 1;
                pause().await;
                return None;
            }
            409 | 412 => {
                self.report.stale += 1;
                return None;
            }
            s => {
                self.report.failures.push(format!(
                    "{title} r{revision}: answered {s}: {}",
                    answer.body
                ));
                pause().await;
                return None;
            }
        }
        let ack = Ack {
            id: answer.body["id"].as_str().unwrap_or_default().to_owned(),
            title: title.to_owned(),
            revision: answer.body["revision"].as_i64().unwrap_or(0),
            submitted: answer.body["status"] == "submitted",
            content: Content::of(&answer.body),
        };
        if ack.revision != revision
            || ack.submitted != (revision == SUBMITTED_REVISION)
            || ack.content != Content::expected(title, revision)
            || answer.etag.as_deref() != Some(&format!("\"r{revision}\""))
        {
            self.report.failures.push(format!(
                "{title} r{revision}: acknowledged with other content: {}",
                answer.body
            ));
        }
        self.report.acks.push(ack);
        Some(answer)
    }
}

async fn pause() {
    tokio::time::sleep(Duration::from_millis(20)).await;
}

/// What an evaluation holds, as comparable values.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
struct Content {
    title: Option<String>,
    participants: Vec<String>,
    /// question → (answer, explanation)
    answers: BTreeMap<String, (String, Option<String>)>,
    /// step → (level, remarks)
    levels: BTreeMap<u8, (Option<String>, Option<String>)>,
}

impl Content {
    fn of(body: &Value) -> Content {
        let text = |v: &Value| v.as_str().map(str::to_owned);
        let list = |key: &str| body[key].as_array().cloned().unwrap_or_default();
        Content {
            title: text(&body["title"]),
            participants: list("participants")
                .iter()
                .filter_map(|p| text(&p["name"]))
                .collect(),
            answers: list("answers")
                .iter()
                .map(|a| {
                    let answer = text(&a["answer"]).unwrap_or_default();
                    (
                        text(&a["question_id"]).unwrap_or_default(),
                        (answer, text(&a["explanation"])),
                    )
                })
                .collect(),
            levels: list("levels")
                .iter()
                .map(|l| {
                    let step = l["step"].as_u64().unwrap_or(0) as u8;
                    (step, (text(&l["level"]), text(&l["remarks"])))
                })
                .collect(),
        }
    }

    /// What an evaluation titled `title` holds at `revision`, from the changes of [`change`].
    fn expected(title: &str, revision: i64) -> Content {
        let mut content = Content {
            title: Some(title.to_owned()),
            ..Content::default()
        };
        for r in 2..=revision.min(4) {
            let body = change(title, r);
            let mut more = Content::of(&body);
            if !more.participants.is_empty() {
                content.participants = std::mem::take(&mut more.participants);
            }
            content.answers.append(&mut more.answers);
            content.levels.append(&mut more.levels);
        }
        content
    }

    /// (answers, levels) rows stored at `revision`.
    fn rows(revision: i64) -> (i64, i64) {
        let content = Content::expected("", revision);
        (content.answers.len() as i64, content.levels.len() as i64)
    }
}

fn questions(step: u8) -> Vec<String> {
    let (_, n) = STEPS[usize::from(step) - 1];
    (1..=n).map(|i| format!("{step}.{i}")).collect()
}

/// A choice that differs per evaluation, question and revision, the same every time.
fn pick<'a>(options: &[&'a str], key: &str) -> &'a str {
    let hash = key.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    });
    options[(hash % options.len() as u64) as usize]
}

/// The change that takes an evaluation titled `title` to `revision` (2 to 4): the first
/// steps, then the rest with some answers revised and a level withdrawn, then every level
/// rated with some explanations cleared.
fn change(title: &str, revision: i64) -> Value {
    const ANSWERS: [&str; 4] = ["yes", "partly", "no", "unknown"];
    const LEVELS: [&str; 3] = ["minimal", "basic", "integrated"];
    let answer = |q: &str, explained: bool| {
        let explanation = explained.then(|| format!("{title}: toelichting {q} (r{revision})"));
        json!({
            "question_id": q,
            "answer": pick(&ANSWERS, &format!("{title} {q} {revision}")),
            "explanation": explanation,
        })
    };
    let level = |step: u8, rated: bool| {
        let level = rated.then(|| pick(&LEVELS, &format!("{title} {step} {revision}")));
        json!({
            "step": step,
            "level": level,
            "remarks": format!("{title}: opmerking stap {step} (r{revision})"),
        })
    };
    let of_steps =
        |steps: &[u8]| -> Vec<String> { steps.iter().flat_map(|&s| questions(s)).collect() };
    match revision {
        2 => {
            let answers: Vec<Value> = of_steps(&[1, 2])
                .iter()
                .enumerate()
                .map(|(i, q)| answer(q, i % 2 == 0))
                .collect();
            json!({
                "participants": [{"name": title}],
                "answers": answers,
                "levels": [level(1, true), level(2, true)],
            })
        }
        3 => {
            let answers: Vec<Value> = of_steps(&[1, 3, 4, 5])
                .iter()
                .map(|q| answer(q, true))
                .collect();
            json!({
                "answers": answers,
                "levels": [level(1, false), level(3, true), level(4, true), level(5, true)],
            })
        }
        4 => {
            let answers: Vec<Value> = of_steps(&[2]).iter().map(|q| answer(q, false)).collect();
            let levels: Vec<Value> = (1..=5).map(|s| level(s, true)).collect();
            json!({"answers": answers, "levels": levels})
        }
        _ => unreachable!("no change leads to revision {revision}"),
    }
}

struct Check {
    /// Acknowledged writes not found with at least their acknowledged state.
    lost: usize,
    /// Every evaluation the API lists, by id, as read back whole.
    listed: HashMap<String, Ack>,
    problems: Vec<String>,
}

/// Reads back every evaluation of the institution and compares it with what was acknowledged.
async fn verify(client: &Client, school: &School, report: &Report) -> Check {
    let token = Some(school.member_token.as_str());
    let mut listed = HashMap::new();
    let mut problems = Vec::new();
    let mut offset = 0;
    loop {
        let path = format!(
            "/api/v1/institutions/{}/evaluations?limit=200&offset={offset}",
            school.institution
        );
        let page = client.get(&path, token).await.unwrap();
        assert_eq!(page.status, 200, "{}", page.body);
        let items = page.body["items"].as_array().unwrap().clone();
        for item in &items {
            let id = item["id"].as_str().unwrap().to_owned();
            let path = format!("/api/v1/evaluations/{id}");
            let full = client.get(&path, token).await.unwrap();
            assert_eq!(full.status, 200, "{path}: {}", full.body);
            let read = Ack {
                id: id.clone(),
                title: full.body["title"].as_str().unwrap_or_default().to_owned(),
                revision: full.body["revision"].as_i64().unwrap_or(0),
                submitted: full.body["status"] == "submitted",
                content: Content::of(&full.body),
            };
            // Whole, whatever its revision: the content of exactly one revision, never part
            // of a change, and submitted exactly when it went through every step.
            if read.content != Content::expected(&read.title, read.revision)
                || read.submitted != (read.revision == SUBMITTED_REVISION)
                || !(1..=SUBMITTED_REVISION).contains(&read.revision)
            {
                problems.push(format!("half-written: {}", full.body));
            }
            listed.insert(id, read);
        }
        offset += items.len();
        if items.is_empty() || offset as u64 >= page.body["total"].as_u64().unwrap() {
            break;
        }
    }

    let mut lost = 0;
    for ack in &report.acks {
        let kept = match listed.get(&ack.id) {
            None => false,
            Some(read) if ack.submitted => {
                read.submitted && read.revision == ack.revision && read.content == ack.content
            }
            Some(read) => read.revision >= ack.revision && read.title == ack.title,
        };
        if !kept {
            lost += 1;
            problems.push(format!(
                "lost: {} r{} ({}), read back as {:?}",
                ack.title,
                ack.revision,
                ack.id,
                listed.get(&ack.id).map(|r| (r.revision, r.submitted))
            ));
        }
    }
    Check {
        lost,
        listed,
        problems,
    }
}

/// The same in the database itself: no answers or levels without their evaluation, as many
/// rows per evaluation as its revision has, and on SQLite a file that passes its checks.
async fn database_problems(database_url: &str, listed: &HashMap<String, Ack>) -> Vec<String> {
    let db = Database::connect(database_url).await.unwrap();
    let backend = db.get_database_backend();
    let query = |sql: &str| db.query_all_raw(Statement::from_string(backend, sql.to_owned()));
    let mut problems = Vec::new();

    let orphans = query(
        "SELECT \
           (SELECT COUNT(*) FROM evaluation_answers a \
             WHERE NOT EXISTS (SELECT 1 FROM evaluations e WHERE e.id = a.evaluation_id)) \
         + (SELECT COUNT(*) FROM evaluation_levels l \
             WHERE NOT EXISTS (SELECT 1 FROM evaluations e WHERE e.id = l.evaluation_id)) \
         AS orphans",
    )
    .await
    .unwrap();
    let orphans: i64 = orphans[0].try_get("", "orphans").unwrap();
    if orphans != 0 {
        problems.push(format!(
            "{orphans} answer or level rows without an evaluation"
        ));
    }

    let rows = query(
        "SELECT e.title, e.revision, e.status, \
           (SELECT COUNT(*) FROM evaluation_answers a WHERE a.evaluation_id = e.id) AS answers, \
           (SELECT COUNT(*) FROM evaluation_levels l WHERE l.evaluation_id = e.id) AS levels \
         FROM evaluations e",
    )
    .await
    .unwrap();
    if rows.len() != listed.len() {
        problems.push(format!(
            "{} evaluations in the database, {} listed by the API",
            rows.len(),
            listed.len()
        ));
    }
    for row in &rows {
        let title: Option<String> = row.try_get("", "title").unwrap();
        let revision: i32 = row.try_get("", "revision").unwrap();
        let status: String = row.try_get("", "status").unwrap();
        let counts: (i64, i64) = (
            row.try_get("", "answers").unwrap(),
            row.try_get("", "levels").unwrap(),
        );
        let revision = i64::from(revision);
        if counts != Content::rows(revision)
            || (status == "submitted") != (revision == SUBMITTED_REVISION)
        {
            problems.push(format!(
                "half-written in the database: {title:?} r{revision} {status} with \
                 {counts:?} answer and level rows"
            ));
        }
    }

    if backend == sea_orm::DatabaseBackend::Sqlite {
        let integrity = query("PRAGMA integrity_check").await.unwrap();
        let verdict: String = integrity[0].try_get_by_index(0).unwrap();
        if verdict != "ok" {
            problems.push(format!("integrity_check: {verdict}"));
        }
        let foreign = query("PRAGMA foreign_key_check").await.unwrap();
        if !foreign.is_empty() {
            problems.push(format!("{} foreign key violations", foreign.len()));
        }
    }
    db.close().await.ok();
    problems
}
