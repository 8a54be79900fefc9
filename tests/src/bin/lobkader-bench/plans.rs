//! The runs of the benchmark: which users call which endpoint with which token and
//! subjects. Readers are members of institutions spread over the whole dataset; coaches read
//! their own trajectories; writers each have an institution of their own.

use crate::dataset::{Institution, PASSWORD};
use crate::load::Run;
use crate::work::{self, Order, Target};
use chrono::{Months, Utc};
use goose::prelude::GooseMethod;
use lobkader_domain::catalogue;
use uuid::Uuid;

/// A member with a token, and their institution.
#[derive(Debug, Clone)]
pub struct Reader {
    pub token: String,
    pub institution: Institution,
}

/// A coach with a token, and their trajectories.
#[derive(Debug, Clone)]
pub struct CoachReader {
    pub token: String,
    pub trajectories: Vec<Uuid>,
}

/// How long and how many.
#[derive(Debug, Clone, Copy)]
pub struct Shape {
    pub users: usize,
    pub seconds: u64,
}

fn get(name: &str, host: &str, shape: Shape, targets: Vec<Target>) -> Run {
    Run {
        name: name.to_owned(),
        host: host.to_owned(),
        users: shape.users,
        seconds: shape.seconds,
        work: work::requests(name, GooseMethod::Get, targets, Order::Cycle, false),
        requests: vec![name.to_owned()],
        count_transactions: false,
    }
}

fn target(token: &str, paths: Vec<String>) -> Target {
    Target {
        token: Some(token.to_owned()),
        paths,
        body: None,
    }
}

pub fn healthz(host: &str, shape: Shape) -> Run {
    let t = Target {
        paths: vec!["/healthz".into()],
        ..Default::default()
    };
    get("healthz", host, shape, vec![t])
}

/// The bare read of the same evaluations the `get evaluation` run reads.
pub fn bare_read(host: &str, shape: Shape, readers: &[Reader]) -> Run {
    let targets = readers
        .iter()
        .map(|r| Target {
            paths: r
                .institution
                .evaluations
                .iter()
                .map(|e| format!("/evaluations/{e}"))
                .collect(),
            ..Default::default()
        })
        .collect();
    get("bare read (1 row)", host, shape, targets)
}

pub fn get_evaluation(name: &str, host: &str, shape: Shape, readers: &[Reader]) -> Run {
    let targets = readers
        .iter()
        .map(|r| {
            let paths = r.institution.evaluations.iter();
            target(
                &r.token,
                paths.map(|e| format!("/api/v1/evaluations/{e}")).collect(),
            )
        })
        .collect();
    get(name, host, shape, targets)
}

pub fn list_history(host: &str, shape: Shape, readers: &[Reader]) -> Run {
    let targets = readers
        .iter()
        .map(|r| {
            let path = format!("/api/v1/institutions/{}/evaluations", r.institution.id);
            target(&r.token, vec![path])
        })
        .collect();
    get("list history", host, shape, targets)
}

/// Each evaluation compared with the one before it.
pub fn comparison(name: &str, host: &str, shape: Shape, readers: &[Reader]) -> Run {
    let targets = readers
        .iter()
        .map(|r| {
            let e = &r.institution.evaluations;
            let paths = e
                .windows(2)
                .map(|w| format!("/api/v1/evaluations/{}/comparison?with={}", w[1], w[0]))
                .collect();
            target(&r.token, paths)
        })
        .collect();
    get(name, host, shape, targets)
}

pub fn institution_progress(name: &str, host: &str, shape: Shape, readers: &[Reader]) -> Run {
    let targets = readers
        .iter()
        .map(|r| {
            let path = format!("/api/v1/institutions/{}/progress", r.institution.id);
            target(&r.token, vec![path])
        })
        .collect();
    get(name, host, shape, targets)
}

pub fn trajectory_progress(name: &str, host: &str, shape: Shape, coaches: &[CoachReader]) -> Run {
    let targets = coaches
        .iter()
        .map(|c| {
            let paths = c.trajectories.iter();
            target(
                &c.token,
                paths
                    .map(|t| format!("/api/v1/trajectories/{t}/progress"))
                    .collect(),
            )
        })
        .collect();
    get(name, host, shape, targets)
}

pub fn coach_overview(name: &str, host: &str, shape: Shape, coaches: &[CoachReader]) -> Run {
    let targets = coaches
        .iter()
        .map(|c| target(&c.token, vec!["/api/v1/coach/overview".into()]))
        .collect();
    get(name, host, shape, targets)
}

/// Logging in: Argon2id by design, so expect it far below the reads.
pub fn token(host: &str, shape: Shape, readers: &[Reader]) -> Run {
    let name = "token (Argon2id)";
    let targets = readers
        .iter()
        .map(|r| Target {
            token: None,
            paths: vec!["/api/v1/auth/token".into()],
            body: Some(
                serde_json::json!({"email": r.institution.member_email, "password": PASSWORD})
                    .to_string(),
            ),
        })
        .collect();
    Run {
        name: name.into(),
        host: host.into(),
        users: shape.users,
        seconds: shape.seconds,
        work: work::requests(name, GooseMethod::Post, targets, Order::Cycle, false),
        requests: vec![name.into()],
        count_transactions: false,
    }
}

/// All twenty answers and five levels, as the PATCH of a complete evaluation sends them.
pub fn patch_body() -> String {
    let instrument = catalogue().latest("kwaliteitskader-lob");
    let steps = instrument.map(|i| i.steps.as_slice()).unwrap_or_default();
    let answers: Vec<_> = steps
        .iter()
        .flat_map(|s| &s.questions)
        .enumerate()
        .map(|(n, q)| {
            let answer = ["yes", "partly", "no"][n % 3];
            serde_json::json!({"question_id": q.id, "answer": answer})
        })
        .collect();
    let levels: Vec<_> = steps
        .iter()
        .map(|s| serde_json::json!({"step": s.number, "level": "basic"}))
        .collect();
    serde_json::json!({"answers": answers, "levels": levels}).to_string()
}

pub const PATCH: &str = "patch a draft (20 answers + 5 levels)";
pub const SUBMIT: &str = "submit";

/// PATCH of the user's own draft (all answers and levels) with `If-Match: *`.
pub fn patch_draft(host: &str, shape: Shape, writers: &[Reader], drafts: &[Vec<Uuid>]) -> Run {
    let name = PATCH;
    let body = patch_body();
    let targets = writers
        .iter()
        .zip(drafts)
        .map(|(w, d)| Target {
            token: Some(w.token.clone()),
            paths: d
                .iter()
                .map(|id| format!("/api/v1/evaluations/{id}"))
                .collect(),
            body: Some(body.clone()),
        })
        .collect();
    Run {
        name: name.into(),
        host: host.into(),
        users: shape.users,
        seconds: shape.seconds,
        work: work::requests(name, GooseMethod::Patch, targets, Order::Cycle, true),
        requests: vec![name.into()],
        count_transactions: false,
    }
}

/// Submitting complete drafts from a pool, each once.
pub fn submit(host: &str, shape: Shape, writers: &[Reader], pool: &[Vec<Uuid>]) -> Run {
    let name = SUBMIT;
    let targets = writers
        .iter()
        .zip(pool)
        .map(|(w, d)| {
            let paths = d
                .iter()
                .map(|id| format!("/api/v1/evaluations/{id}/submit"));
            target(&w.token, paths.collect())
        })
        .collect();
    Run {
        name: name.into(),
        host: host.into(),
        users: shape.users,
        seconds: shape.seconds,
        work: work::requests(name, GooseMethod::Post, targets, Order::Once, false),
        requests: vec![name.into()],
        count_transactions: false,
    }
}

/// The complete write flow; its throughput is complete evaluations per second.
pub fn write_flow(host: &str, shape: Shape, writers: &[Reader]) -> Run {
    let name = "write flow (create + patch + submit)";
    let date = Utc::now().date_naive() - Months::new(1);
    let create = serde_json::json!({
        "instrument_id": "kwaliteitskader-lob", "reference_date": date, "moment": "interim"
    })
    .to_string();
    let body = patch_body();
    let targets = writers
        .iter()
        .map(|w| Target {
            token: Some(w.token.clone()),
            paths: vec![format!(
                "/api/v1/institutions/{}/evaluations",
                w.institution.id
            )],
            body: Some(body.clone()),
        })
        .collect();
    Run {
        name: name.into(),
        host: host.into(),
        users: shape.users,
        seconds: shape.seconds,
        work: work::write_flow(name, targets, create),
        requests: work::flow_names(name).to_vec(),
        count_transactions: true,
    }
}
