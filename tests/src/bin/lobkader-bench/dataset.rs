//! The benchmark's data, written straight into a fresh, migrated database with bulk
//! `insert_many` in one transaction: institutions with one member each, coaches with their
//! trajectories (targets, components, kerngroep, action points), and twenty submitted
//! evaluations per institution over ten school years, linked to the institution's trajectory.
//! With growth subjects, it adds an institution + trajectory with 40 evaluations and one with
//! 2, and a coach of 4 trajectories beside the coaches of 40.

use crate::rows::{self, Bulk};
use chrono::{Days, Months, NaiveDate, Utc};
use lobkader_api::db::Db;
use lobkader_domain::catalogue;
use rand::SeedableRng;
use rand::rngs::StdRng;
use sea_orm::{ConnectionTrait, DbErr, TransactionTrait};
use serde::Serialize;
use std::time::Instant;
use uuid::Uuid;

/// The password of every account in the benchmark databases.
pub const PASSWORD: &str = "benchmark-password-1234";
pub const ADMIN_EMAIL: &str = "admin@bench.example";

/// How big a dataset to make.
#[derive(Debug, Clone, Copy)]
pub struct Spec {
    pub institutions: usize,
    pub coaches: usize,
    pub trajectories_per_coach: usize,
    pub evaluations_per_institution: usize,
    pub growth: bool,
}

/// An institution and its one member.
#[derive(Debug, Clone)]
pub struct Institution {
    pub id: Uuid,
    pub member_id: Uuid,
    pub member_email: String,
    /// Submitted evaluations, oldest first.
    pub evaluations: Vec<Uuid>,
    pub trajectories: Vec<Uuid>,
}

#[derive(Debug, Clone)]
pub struct Coach {
    pub email: String,
    pub trajectories: Vec<Uuid>,
}

/// The subjects of the growth checks.
#[derive(Debug, Clone)]
pub struct Growth {
    /// An institution with 40 submitted evaluations, all in its one trajectory.
    pub many: Institution,
    /// An institution with 2, both in its one trajectory.
    pub few: Institution,
    /// The coach of those two trajectories.
    pub subject_coach: Coach,
    /// A coach of 40 trajectories (one of the regular coaches) and one of 4 of the same kind.
    pub coach_many: Coach,
    pub coach_few: Coach,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Counts {
    pub institutions: u64,
    pub users: u64,
    pub trajectories: u64,
    pub evaluations: u64,
    pub answers: u64,
    pub levels: u64,
    pub action_points: u64,
}

#[derive(Debug, Clone)]
pub struct Dataset {
    pub institutions: Vec<Institution>,
    pub coaches: Vec<Coach>,
    pub growth: Option<Growth>,
    pub counts: Counts,
    pub seconds: f64,
}

const SECTORS: [&str; 3] = ["vo", "mbo", "hbo"];
const REGIONS: [&str; 8] = [
    "Westerkwartier",
    "Eemland",
    "Kop van Noord",
    "Rivierenland",
    "Zuidoost-Brabant",
    "Achterhoek",
    "Drechtsteden",
    "Noordelijke Maasvallei",
];
const PLACES: [&str; 10] = [
    "Dijkhoven",
    "Veldwijk",
    "Bergzicht",
    "Lindeburg",
    "Havenstad",
    "Eikendaal",
    "Molenkamp",
    "Zandvoorde",
    "Weidebroek",
    "Kerkeveld",
];
const KINDS: [&str; 5] = [
    "College",
    "Lyceum",
    "Scholengemeenschap",
    "Campus",
    "Academie",
];

/// Fills the (fresh) database at `url` and says what it holds.
pub async fn generate(url: &str, spec: Spec, hash: &str) -> Result<Dataset, DbErr> {
    let started = Instant::now();
    let db = Db::connect(url, 2).await?;
    let tx = db.conn().begin().await?;
    let mut rng = StdRng::seed_from_u64(20_261_122);
    let mut bulk = Bulk::default();
    let today = Utc::now().date_naive();

    bulk.users(
        &tx,
        [rows::user(
            Uuid::now_v7(),
            ADMIN_EMAIL,
            "Programmabureau",
            hash,
            "admin",
        )],
    )
    .await?;
    let mut institutions = Vec::with_capacity(spec.institutions);
    for i in 0..spec.institutions {
        institutions.push(new_institution(&format!("member{i}@bench.example")));
    }
    let mut coaches: Vec<(Uuid, Coach)> = (0..spec.coaches)
        .map(|c| {
            let coach = Coach {
                email: format!("coach{c}@bench.example"),
                trajectories: Vec::new(),
            };
            (Uuid::now_v7(), coach)
        })
        .collect();
    // Trajectory t belongs to institution t mod n and to coach t / per_coach.
    let total = spec.coaches * spec.trajectories_per_coach;
    for t in 0..total {
        let id = Uuid::now_v7();
        institutions[t % spec.institutions.max(1)]
            .trajectories
            .push(id);
        coaches[t / spec.trajectories_per_coach]
            .1
            .trajectories
            .push(id);
    }
    let mut everyone: Vec<&Institution> = institutions.iter().collect();
    let mut growth_parts = None;
    if spec.growth {
        let mut many = new_institution("member-growth40@bench.example");
        many.trajectories.push(Uuid::now_v7());
        let mut few = new_institution("member-growth2@bench.example");
        few.trajectories.push(Uuid::now_v7());
        growth_parts = Some((many, few, Uuid::now_v7(), Uuid::now_v7()));
    }
    if let Some((many, few, _, _)) = &growth_parts {
        everyone.push(many);
        everyone.push(few);
    }
    bulk.users(
        &tx,
        everyone
            .iter()
            .map(|i| rows::user(i.member_id, &i.member_email, "Decaan", hash, "user")),
    )
    .await?;
    let mut coach_rows: Vec<_> = coaches
        .iter()
        .map(|(id, c)| rows::user(*id, &c.email, "Coach", hash, "coach"))
        .collect();
    if let Some((_, _, subject_coach, few_coach)) = &growth_parts {
        coach_rows.push(rows::user(
            *subject_coach,
            "coach-growth@bench.example",
            "Coach",
            hash,
            "coach",
        ));
        coach_rows.push(rows::user(
            *few_coach,
            "coach-few@bench.example",
            "Coach",
            hash,
            "coach",
        ));
    }
    bulk.users(&tx, coach_rows).await?;
    bulk.institutions(
        &tx,
        everyone.iter().enumerate().map(|(n, i)| {
            let name = format!(
                "{} {} {}",
                KINDS[n % KINDS.len()],
                PLACES[(n / KINDS.len()) % PLACES.len()],
                n + 1
            );
            rows::institution(i.id, &name, SECTORS[n % 3], REGIONS[n % REGIONS.len()])
        }),
    )
    .await?;
    bulk.memberships(
        &tx,
        everyone.iter().map(|i| rows::membership(i.member_id, i.id)),
    )
    .await?;

    // Trajectories, with their coaches, each starting before the evaluations linked to it.
    let mut trajectories = Vec::new();
    for (n, inst) in everyone.iter().enumerate() {
        for (k, t) in inst.trajectories.iter().enumerate() {
            let start = if n >= spec.institutions {
                today - Months::new(125)
            } else {
                today - Months::new(if k == 0 { 72 } else { 32 })
            };
            trajectories.push(rows::Trajectory {
                id: *t,
                institution_id: inst.id,
                member_id: inst.member_id,
                start,
                planned_end: start + Months::new(if n % 5 == 0 { 24 } else { 72 }),
                status: if n % 10 == 9 { "completed" } else { "active" },
                done_components: (n + k) % 8,
            });
        }
    }
    let mut links = Vec::new();
    for (id, c) in &coaches {
        links.extend(c.trajectories.iter().map(|t| (*t, *id)));
    }
    let mut growth = None;
    if let Some((many, few, subject_coach, few_coach)) = growth_parts {
        links.push((many.trajectories[0], subject_coach));
        links.push((few.trajectories[0], subject_coach));
        // The coach of 4 shares the first 4 trajectories of the second regular coach, so
        // both overviews are made of the same kind of trajectory.
        let pick = coaches.len().min(2).saturating_sub(1);
        let shared: Vec<Uuid> = coaches[pick]
            .1
            .trajectories
            .iter()
            .take(4)
            .copied()
            .collect();
        links.extend(shared.iter().map(|t| (*t, few_coach)));
        growth = Some(Growth {
            subject_coach: Coach {
                email: "coach-growth@bench.example".into(),
                trajectories: vec![many.trajectories[0], few.trajectories[0]],
            },
            coach_many: coaches[pick].1.clone(),
            coach_few: Coach {
                email: "coach-few@bench.example".into(),
                trajectories: shared,
            },
            many,
            few,
        });
    }
    bulk.trajectories(&tx, &trajectories, &links).await?;

    // Evaluations, in batches of institutions so that memory stays small.
    let instrument = catalogue()
        .latest("kwaliteitskader-lob")
        .ok_or_else(|| DbErr::Custom("instrument missing".into()))?;
    for (n, inst) in institutions.iter_mut().enumerate() {
        let offset = (n % 11) as u32;
        let dates: Vec<NaiveDate> = (0..spec.evaluations_per_institution)
            .map(|k| {
                let back = 6 * (spec.evaluations_per_institution - 1 - k) as u32 + offset + 1;
                today - Months::new(back)
            })
            .collect();
        let links = link_plan(&inst.trajectories, dates.len());
        inst.evaluations = bulk
            .evaluations(
                &tx,
                instrument,
                inst.id,
                inst.member_id,
                &dates,
                &links,
                &mut rng,
            )
            .await?;
    }
    if let Some(g) = &mut growth {
        for (inst, count, months) in [(&mut g.many, 40u32, 3u32), (&mut g.few, 2, 12)] {
            let dates: Vec<NaiveDate> = (0..count)
                .map(|k| today - Months::new(months * (count - 1 - k) + 1) - Days::new(3))
                .collect();
            let links = vec![Some(inst.trajectories[0]); dates.len()];
            inst.evaluations = bulk
                .evaluations(
                    &tx,
                    instrument,
                    inst.id,
                    inst.member_id,
                    &dates,
                    &links,
                    &mut rng,
                )
                .await?;
        }
    }
    bulk.flush(&tx).await?;
    let counts = bulk.counts.clone();
    tx.commit().await?;
    analyze(&db).await?;
    db.close().await?;
    let coaches = coaches.into_iter().map(|(_, c)| c).collect();
    Ok(Dataset {
        institutions,
        coaches,
        growth,
        counts,
        seconds: started.elapsed().as_secs_f64(),
    })
}

fn new_institution(email: &str) -> Institution {
    Institution {
        id: Uuid::now_v7(),
        member_id: Uuid::now_v7(),
        member_email: email.to_owned(),
        evaluations: Vec::new(),
        trajectories: Vec::new(),
    }
}

/// Which trajectory each of `count` evaluations (oldest first) is a measurement of: the
/// second half of them belong to the first trajectory, the last fifth to a second one.
fn link_plan(trajectories: &[Uuid], count: usize) -> Vec<Option<Uuid>> {
    (0..count)
        .map(|k| match trajectories {
            [] => None,
            [one] => (k >= count / 2).then_some(*one),
            [first, second, ..] => {
                if k >= count - count / 5 {
                    Some(*second)
                } else {
                    (k >= count / 2).then_some(*first)
                }
            }
        })
        .collect()
}

/// PostgreSQL gathers statistics by autovacuum soon after a bulk load; do it now, so every
/// run sees the steady state. (SQLite keeps none unless asked, and the service never asks.)
async fn analyze(db: &Db) -> Result<(), DbErr> {
    if db.conn().get_database_backend() == sea_orm::DatabaseBackend::Postgres {
        db.conn().execute_unprepared("VACUUM ANALYZE").await?;
    }
    Ok(())
}
