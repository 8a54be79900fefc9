//! Rows for the bulk load, and [`Bulk`], which buffers them and writes them with multi-row
//! `INSERT`s that stay under SQLite's limit of bound parameters per statement.

use crate::dataset::Counts;
use chrono::{Days, NaiveDate, NaiveTime, Utc};
use lobkader_api::db::entities::{
    action_points, evaluation_answers, evaluation_levels, evaluations, institutions, memberships,
    trajectories, trajectory_coaches, trajectory_components, trajectory_kerngroep,
    trajectory_targets, users,
};
use lobkader_api::db::evaluations::step_levels_text;
use lobkader_domain::trajectory::programme;
use lobkader_domain::{Answer, AnswerEntry, Content, Instrument, Level, LevelEntry, SchoolYear};
use rand::Rng;
use rand::rngs::StdRng;
use sea_orm::{ActiveModelTrait, ConnectionTrait, DbErr, EntityTrait, Iterable, Set};
use uuid::Uuid;

/// SQLite allows 32,766 bound parameters per statement, PostgreSQL 65,535.
const MAX_PARAMS: usize = 32_000;
/// Evaluations buffered before they, their answers and their levels are written.
const EVALUATION_BATCH: usize = 2_000;

/// Writes `rows` in statements of as many rows as the parameter limit allows.
pub async fn insert_all<A>(db: &impl ConnectionTrait, rows: Vec<A>) -> Result<u64, DbErr>
where
    A: ActiveModelTrait + Send,
{
    let columns = <A::Entity as EntityTrait>::Column::iter().count().max(1);
    let per = (MAX_PARAMS / columns).max(1);
    let mut written = 0;
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let chunk: Vec<A> = rows.by_ref().take(per).collect();
        written += chunk.len() as u64;
        A::Entity::insert_many(chunk)
            .exec_without_returning(db)
            .await?;
    }
    Ok(written)
}

/// An account; every account shares one Argon2 hash, made once.
pub fn user(id: Uuid, email: &str, name: &str, hash: &str, role: &str) -> users::ActiveModel {
    users::ActiveModel {
        id: Set(id),
        email: Set(email.to_owned()),
        display_name: Set(name.to_owned()),
        password_hash: Set(hash.to_owned()),
        role: Set(role.to_owned()),
        created_at: Set(Utc::now()),
        token_generation: Set(0),
        removed_at: Set(None),
    }
}

pub fn institution(id: Uuid, name: &str, sector: &str, region: &str) -> institutions::ActiveModel {
    let types = match sector {
        "vo" => serde_json::json!(["vmbo", "havo", "vwo"]),
        other => serde_json::json!([other]),
    };
    institutions::ActiveModel {
        id: Set(id),
        name: Set(name.to_owned()),
        sector: Set(sector.to_owned()),
        school_types: Set(types),
        brin: Set(None),
        region: Set(Some(region.to_owned())),
        municipality: Set(None),
        created_at: Set(Utc::now()),
        updated_at: Set(Utc::now()),
    }
}

pub fn membership(user: Uuid, institution: Uuid) -> memberships::ActiveModel {
    memberships::ActiveModel {
        user_id: Set(user),
        institution_id: Set(institution),
        function: Set("decaan".to_owned()),
        created_at: Set(Utc::now()),
    }
}

/// A trajectory as the generator plans it.
pub struct Trajectory {
    pub id: Uuid,
    pub institution_id: Uuid,
    pub member_id: Uuid,
    pub start: NaiveDate,
    pub planned_end: NaiveDate,
    pub status: &'static str,
    pub done_components: usize,
}

const LEVELS: [&str; 3] = ["minimal", "basic", "integrated"];

/// Rows waiting to be written, and how many of each were written.
#[derive(Default)]
pub struct Bulk {
    evaluations: Vec<evaluations::ActiveModel>,
    answers: Vec<evaluation_answers::ActiveModel>,
    levels: Vec<evaluation_levels::ActiveModel>,
    pub counts: Counts,
}

impl Bulk {
    pub async fn users(
        &mut self,
        db: &impl ConnectionTrait,
        rows: impl IntoIterator<Item = users::ActiveModel>,
    ) -> Result<(), DbErr> {
        self.counts.users += insert_all(db, rows.into_iter().collect()).await?;
        Ok(())
    }

    pub async fn institutions(
        &mut self,
        db: &impl ConnectionTrait,
        rows: impl IntoIterator<Item = institutions::ActiveModel>,
    ) -> Result<(), DbErr> {
        self.counts.institutions += insert_all(db, rows.into_iter().collect()).await?;
        Ok(())
    }

    pub async fn memberships(
        &mut self,
        db: &impl ConnectionTrait,
        rows: impl IntoIterator<Item = memberships::ActiveModel>,
    ) -> Result<(), DbErr> {
        insert_all(db, rows.into_iter().collect()).await?;
        Ok(())
    }

    /// Trajectories with their coaches, kerngroep, five targets, seven components and three
    /// action points (one overdue, one in progress, one done).
    pub async fn trajectories(
        &mut self,
        db: &impl ConnectionTrait,
        plan: &[Trajectory],
        coaches: &[(Uuid, Uuid)],
    ) -> Result<(), DbErr> {
        let now = Utc::now();
        let today = now.date_naive();
        let programme = programme();
        let mut heads = Vec::new();
        let mut targets = Vec::new();
        let mut components = Vec::new();
        let mut kerngroep = Vec::new();
        let mut points = Vec::new();
        for (n, t) in plan.iter().enumerate() {
            heads.push(trajectories::ActiveModel {
                id: Set(t.id),
                institution_id: Set(t.institution_id),
                unit_id: Set(None),
                title: Set("Traject Borging LOB".to_owned()),
                start_date: Set(t.start),
                planned_end_date: Set(t.planned_end),
                status: Set(t.status.to_owned()),
                plan_title: Set(None),
                plan_adopted_on: Set(None),
                plan_reference: Set(None),
                created_by: Set(t.member_id),
                created_at: Set(now),
                updated_at: Set(now),
            });
            for step in 1..=5i16 {
                targets.push(trajectory_targets::ActiveModel {
                    trajectory_id: Set(t.id),
                    step: Set(step),
                    level: Set(LEVELS[1 + (n + step as usize) % 2].to_owned()),
                });
            }
            for (k, c) in programme.components.iter().enumerate() {
                let (status, started, completed) = if k < t.done_components {
                    ("done", Some(t.start), Some(t.start + Days::new(60)))
                } else if k == t.done_components {
                    ("in_progress", Some(t.start + Days::new(90)), None)
                } else {
                    ("not_started", None, None)
                };
                components.push(trajectory_components::ActiveModel {
                    trajectory_id: Set(t.id),
                    component_id: Set(c.id.clone()),
                    status: Set(status.to_owned()),
                    started_on: Set(started),
                    completed_on: Set(completed),
                    notes: Set(None),
                    updated_at: Set(now),
                });
            }
            kerngroep.push(trajectory_kerngroep::ActiveModel {
                trajectory_id: Set(t.id),
                user_id: Set(t.member_id),
                function: Set("decaan".to_owned()),
            });
            for (k, (status, due)) in [
                ("open", Some(today - Days::new(30))),
                ("in_progress", Some(today + Days::new(60))),
                ("done", None),
            ]
            .into_iter()
            .enumerate()
            {
                points.push(action_points::ActiveModel {
                    id: Set(Uuid::now_v7()),
                    institution_id: Set(t.institution_id),
                    step: Set(1 + ((n + k) % 5) as i16),
                    question_id: Set(None),
                    evaluation_id: Set(None),
                    trajectory_id: Set(Some(t.id)),
                    description: Set(format!("Actiepunt {} van het traject", k + 1)),
                    owner_id: Set(Some(t.member_id)),
                    due_date: Set(due),
                    status: Set(status.to_owned()),
                    created_by: Set(t.member_id),
                    created_at: Set(now),
                    updated_by: Set(t.member_id),
                    updated_at: Set(now),
                });
            }
        }
        self.counts.trajectories += insert_all(db, heads).await?;
        insert_all(
            db,
            coaches
                .iter()
                .map(|(t, u)| trajectory_coaches::ActiveModel {
                    trajectory_id: Set(*t),
                    user_id: Set(*u),
                })
                .collect(),
        )
        .await?;
        insert_all(db, targets).await?;
        insert_all(db, components).await?;
        insert_all(db, kerngroep).await?;
        self.counts.action_points += insert_all(db, points).await?;
        Ok(())
    }

    /// Submitted evaluations on `dates` (oldest first, answers improving over time), each
    /// linked as `links` says; returns their ids.
    #[allow(clippy::too_many_arguments)]
    pub async fn evaluations(
        &mut self,
        db: &impl ConnectionTrait,
        instrument: &Instrument,
        institution: Uuid,
        member: Uuid,
        dates: &[NaiveDate],
        links: &[Option<Uuid>],
        rng: &mut StdRng,
    ) -> Result<Vec<Uuid>, DbErr> {
        let mut ids = Vec::with_capacity(dates.len());
        let span = dates.len().saturating_sub(1).max(1) as f64;
        for (k, (date, link)) in dates.iter().zip(links).enumerate() {
            let id = Uuid::now_v7();
            ids.push(id);
            let at = date.and_time(NaiveTime::MIN).and_utc();
            let moment = if k == 0 { "baseline" } else { "interim" };
            let progress = k as f64 / span;
            let content = self.content(instrument, id, progress, rng);
            let counts = content.answer_counts();
            let count = |n: u32| Set(Some(i32::try_from(n).unwrap_or(i32::MAX)));
            self.evaluations.push(evaluations::ActiveModel {
                id: Set(id),
                institution_id: Set(institution),
                unit_id: Set(None),
                instrument_id: Set(instrument.id.clone()),
                instrument_version: Set(instrument.version.clone()),
                reference_date: Set(*date),
                school_year: Set(SchoolYear::containing(*date).start_year()),
                moment: Set(moment.to_owned()),
                status: Set("submitted".to_owned()),
                revision: Set(3),
                title: Set(None),
                participants: Set(serde_json::json!([])),
                supersedes_id: Set(None),
                created_by: Set(member),
                created_at: Set(at),
                updated_at: Set(at),
                submitted_at: Set(Some(at)),
                submitted_by: Set(Some(member)),
                trajectory_id: Set(*link),
                // The summary the service stores when an evaluation is submitted.
                answers_yes: count(counts.yes),
                answers_partly: count(counts.partly),
                answers_no: count(counts.no),
                answers_unknown: count(counts.unknown),
                step_levels: Set(Some(step_levels_text(&content.levels))),
            });
        }
        if self.evaluations.len() >= EVALUATION_BATCH {
            self.flush(db).await?;
        }
        Ok(ids)
    }

    /// Twenty answers and five levels for evaluation `id`; `progress` from 0 to 1 moves
    /// them from mostly `no` to mostly `yes`. Returns them, to summarise as the service does.
    pub fn content(
        &mut self,
        instrument: &Instrument,
        id: Uuid,
        progress: f64,
        rng: &mut StdRng,
    ) -> Content {
        let mut content = Content::default();
        for step in &instrument.steps {
            let mut sum = 0.0;
            for q in &step.questions {
                let score: f64 = progress * 2.0 + rng.random_range(-0.7..0.7);
                sum += score;
                let answer = if rng.random_range(0..40) == 0 {
                    Answer::Unknown
                } else if score < 0.6 {
                    Answer::No
                } else if score < 1.4 {
                    Answer::Partly
                } else {
                    Answer::Yes
                };
                content.answers.push(AnswerEntry {
                    question_id: q.id.clone(),
                    answer,
                    explanation: None,
                });
            }
            let mean = sum / step.questions.len().max(1) as f64;
            content.levels.push(LevelEntry {
                step: step.number,
                level: Some(Level::ALL[(mean.round().clamp(0.0, 2.0)) as usize]),
                remarks: None,
            });
        }
        self.answers.extend(
            content
                .answers
                .iter()
                .map(|a| evaluation_answers::ActiveModel {
                    evaluation_id: Set(id),
                    question_id: Set(a.question_id.clone()),
                    answer: Set(a.answer.id().to_owned()),
                    explanation: Set(None),
                }),
        );
        self.levels.extend(
            content
                .levels
                .iter()
                .map(|l| evaluation_levels::ActiveModel {
                    evaluation_id: Set(id),
                    step: Set(i16::from(l.step)),
                    level: Set(l.level.map(|v| v.id().to_owned())),
                    remarks: Set(None),
                }),
        );
        content
    }

    /// How many evaluations wait to be written.
    pub fn pending(&self) -> usize {
        self.evaluations.len()
    }

    /// Buffers an evaluation row whose content is added with [`Bulk::content`].
    pub fn push_evaluation(&mut self, row: evaluations::ActiveModel) {
        self.evaluations.push(row);
    }

    /// Writes what is buffered: evaluations before the rows that refer to them.
    pub async fn flush(&mut self, db: &impl ConnectionTrait) -> Result<(), DbErr> {
        self.counts.evaluations += insert_all(db, std::mem::take(&mut self.evaluations)).await?;
        self.counts.answers += insert_all(db, std::mem::take(&mut self.answers)).await?;
        self.counts.levels += insert_all(db, std::mem::take(&mut self.levels)).await?;
        Ok(())
    }
}
