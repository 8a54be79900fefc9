//! The growth checks: one endpoint for a big and a small subject — progress and comparison
//! with 40 evaluations against 2, the coach's overview with 40 trajectories against 4, one
//! evaluation read from the national database against the small one. Big and small run in
//! turn, `repeats` times; the medians give the cost ratio.

use crate::dataset::Dataset;
use crate::load::{Measured, Run};
use crate::plans::{self, CoachReader, Reader, Shape};
use crate::procs::{BoxError, Proc};
use crate::report::NOISE;
use crate::session::{People, Session, coach, median, readers};
use serde::Serialize;

/// A growth check: the same endpoint for a big and a small subject.
#[derive(Debug, Clone, Serialize)]
pub struct Growth {
    pub check: String,
    pub big: String,
    pub small: String,
    pub big_run: Measured,
    pub small_run: Measured,
    /// How many times as much a request for the big subject costs, by throughput.
    pub cost_ratio: f64,
    /// The same by server CPU time per request.
    pub cpu_ratio: f64,
    pub limit: f64,
    /// Whether the issue sets this as a target (otherwise it is shown for information).
    pub target: bool,
}

type Make<'a> = Box<dyn Fn(&dyn Fn(&str) -> String) -> (Run, Run) + 'a>;

/// A check to run: its runs for the big and the small subject, named by `make`'s argument.
struct Check<'a> {
    name: &'static str,
    big: &'a str,
    small: &'static str,
    limit: f64,
    target: bool,
    /// The small run goes to the service over the small database.
    small_database: bool,
    make: Make<'a>,
}

impl<'a> Check<'a> {
    fn new(
        name: &'static str,
        big: &'a str,
        small: &'static str,
        limit: f64,
        make: impl Fn(&dyn Fn(&str) -> String) -> (Run, Run) + 'a,
    ) -> Self {
        Check {
            name,
            big,
            small,
            limit,
            target: true,
            small_database: false,
            make: Box::new(make),
        }
    }

    fn on_small_database(mut self) -> Self {
        self.small_database = true;
        self
    }

    fn informative(mut self) -> Self {
        self.target = false;
        self
    }
}

/// The subjects, logged in before any run (every login is an Argon2id hash).
pub struct Subjects {
    many: Vec<Reader>,
    few: Vec<Reader>,
    /// The coach of the two subjects' trajectories, once per trajectory.
    trajectory_many: CoachReader,
    trajectory_few: CoachReader,
    coach_many: CoachReader,
    coach_few: CoachReader,
}

impl Subjects {
    pub async fn log_in(service: &Proc, national: &Dataset) -> Result<Option<Subjects>, BoxError> {
        let Some(g) = &national.growth else {
            return Ok(None);
        };
        let base = service.base_url();
        let subject_coach = coach(&base, &g.subject_coach).await?;
        let on = |t| CoachReader {
            token: subject_coach.token.clone(),
            trajectories: vec![t],
        };
        Ok(Some(Subjects {
            many: last_two(readers(&base, vec![g.many.clone()]).await?),
            few: last_two(readers(&base, vec![g.few.clone()]).await?),
            trajectory_many: on(g.many.trajectories[0]),
            trajectory_few: on(g.few.trajectories[0]),
            coach_many: coach(&base, &g.coach_many).await?,
            coach_few: coach(&base, &g.coach_few).await?,
        }))
    }
}

/// The members with only their two latest evaluations: progress does not look at them, and
/// the comparison is then always of the latest pair.
fn last_two(readers: Vec<Reader>) -> Vec<Reader> {
    readers
        .into_iter()
        .map(|mut r| {
            let e = &mut r.institution.evaluations;
            e.drain(..e.len().saturating_sub(2));
            r
        })
        .collect()
}

/// Runs every check; `people` read evaluations of the national database and, at
/// `small_service`, of the small one.
pub async fn runs(
    s: &mut Session<'_>,
    subjects: &Subjects,
    shape: Shape,
    repeats: usize,
    people: &People,
    small_service: &Proc,
    national_evaluations: u64,
) -> Result<Vec<Growth>, BoxError> {
    let (reading, small_readers) = (&people.reading, &people.small);
    let national = format!("{national_evaluations} evaluations in the database");
    let host = s.service.base_url();
    let small_host = small_service.base_url();
    let (h, x) = (host.as_str(), subjects);
    let one = std::slice::from_ref;
    let checks = [
        Check::new("institution progress", "40 evaluations", "2", 2.0, |n| {
            let run = plans::institution_progress;
            (
                run(&n("40"), h, shape, &x.many),
                run(&n("2"), h, shape, &x.few),
            )
        }),
        Check::new("trajectory progress", "40 evaluations", "2", 2.0, |n| {
            let run = plans::trajectory_progress;
            let many = run(&n("40"), h, shape, one(&x.trajectory_many));
            (many, run(&n("2"), h, shape, one(&x.trajectory_few)))
        }),
        Check::new("comparison", "institution with 40", "with 2", 2.0, |n| {
            let run = plans::comparison;
            (
                run(&n("40"), h, shape, &x.many),
                run(&n("2"), h, shape, &x.few),
            )
        }),
        Check::new("coach overview", "40 trajectories", "4", 2.0, |n| {
            let run = plans::coach_overview;
            let many = run(&n("40"), h, shape, one(&x.coach_many));
            (many, run(&n("4"), h, shape, one(&x.coach_few)))
        }),
        Check::new("get evaluation", &national, "300", NOISE, |n| {
            let run = plans::get_evaluation;
            let big = run(&n("national"), h, shape, reading);
            (big, run(&n("small"), &small_host, shape, small_readers))
        })
        .on_small_database(),
        // Not a target of the issue: shows what grows with the database, not the subject.
        Check::new(
            "institution progress (database size)",
            &national,
            "300",
            NOISE,
            |n| {
                let run = plans::institution_progress;
                let big = run(&n("national"), h, shape, reading);
                (big, run(&n("small"), &small_host, shape, small_readers))
            },
        )
        .on_small_database()
        .informative(),
    ];
    let mut out = Vec::new();
    for check in checks {
        let small_server = check.small_database.then_some(small_service);
        let name = |size: &str| format!("growth: {}, {size}", check.name);
        let (mut big, mut small) = (Vec::new(), Vec::new());
        for _ in 0..repeats {
            let (b, l) = (check.make)(&name);
            if let (Some(b), Some(l)) = (s.run(b, None).await?, s.run(l, small_server).await?) {
                big.push(b);
                small.push(l);
            }
        }
        if big.is_empty() {
            continue;
        }
        let (big_run, _) = median(&big);
        let (small_run, _) = median(&small);
        out.push(Growth {
            check: check.name.into(),
            big: check.big.into(),
            small: check.small.into(),
            cost_ratio: small_run.rps / big_run.rps.max(f64::MIN_POSITIVE),
            cpu_ratio: big_run.server_cpu_us / small_run.server_cpu_us.max(f64::MIN_POSITIVE),
            big_run,
            small_run,
            limit: check.limit,
            target: check.target,
        });
    }
    Ok(out)
}
