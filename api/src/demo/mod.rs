//! `lobkader demo`: fills an empty database with a fictional region (the data is in
//! [`region`]) so that a new user sees comparisons, progress timelines and a coach's overview
//! with every flag at once. It all goes into one write transaction: the demo is there
//! completely or not at all.

mod content;
pub mod region;
mod report;

use crate::auth::{Role, password};
use crate::bootstrap;
use crate::config::Settings;
use crate::db::batch::{Batch, Written};
use crate::db::evaluations::{Evaluation, MetadataChange, NewEvaluation};
use crate::db::institutions::InstitutionFields;
use crate::db::trajectories::{ComponentState, Plan, TrajectoryChange};
use crate::db::{self, Db, action_points, evaluations, institutions, trajectories, users};
use crate::startup::StartupError;
use chrono::{NaiveDate, Utc};
use lobkader_domain::institution::{Brin, Email, KerngroepFunction};
use lobkader_domain::trajectory::TrajectoryStatus;
use lobkader_domain::{Content, Instrument, Participant, SchoolYear, catalogue};
use rand::Rng;
use rand::distr::Alphanumeric;
use region::{COACHES, Comp, Eval, EvalKind, REGION, SCHOOLS, School, Traject};
use report::{Person, Tally};
use sea_orm::ConnectionTrait;
use secrecy::{ExposeSecret, SecretString};
use uuid::Uuid;

/// The institution being filled: its id, its kerngroep (the first member leads) and the
/// offset that varies its answers from those of other schools.
struct Site<'a> {
    institution: Uuid,
    members: &'a [Person],
    variation: usize,
}

impl Site<'_> {
    fn lead(&self) -> Result<Uuid, StartupError> {
        Ok(self
            .members
            .first()
            .ok_or("a demo school without members")?
            .id)
    }
}

/// Fills the database at `settings.database_url`, refusing unless it holds no institutions.
pub async fn run(settings: &Settings, given: Option<SecretString>) -> Result<(), StartupError> {
    let password = demo_password(given)?;
    let db = Db::connect(&settings.database_url, 1).await?;
    refuse_unless_empty(db.conn()).await?;
    bootstrap::first_admin(&db, settings).await?;
    let hash = password::hash(password.clone())
        .await
        .map_err(|e| e.to_string())?;
    let tx = db.begin_write().await?;
    // Checked again under the write lock, so two demo runs cannot both fill the database.
    refuse_unless_empty(&*tx).await?;
    let mut seeder = Seeder {
        db: &*tx,
        hash,
        today: Utc::now().date_naive(),
        kader: catalogue()
            .latest("kwaliteitskader-lob")
            .ok_or("the Kwaliteitskader LOB is missing from this build")?,
        tally: Tally::default(),
    };
    let (coaches, schools) = seeder.region().await?;
    let tally = seeder.tally;
    tx.commit().await?;
    report::print(&tally, &coaches, &schools, &password);
    db.close().await?;
    Ok(())
}

fn demo_password(given: Option<SecretString>) -> Result<SecretString, StartupError> {
    match given {
        Some(p) if p.expose_secret().chars().count() >= 12 => Ok(p),
        Some(_) => Err("LOBKADER_DEMO_PASSWORD must be at least 12 characters".into()),
        None => Ok(rand::rng()
            .sample_iter(&Alphanumeric)
            .take(16)
            .map(char::from)
            .collect::<String>()
            .into()),
    }
}

async fn refuse_unless_empty(db: &impl ConnectionTrait) -> Result<(), StartupError> {
    let (_, total) = institutions::list(db, None, 0, 1).await?;
    if total > 0 {
        return Err(format!(
            "the database already holds {total} institution(s); `lobkader demo` only fills an empty database, and changed nothing"
        )
        .into());
    }
    Ok(())
}

struct Seeder<'a, C> {
    db: &'a C,
    hash: String,
    today: NaiveDate,
    kader: &'static Instrument,
    tally: Tally,
}

impl<C: ConnectionTrait> Seeder<'_, C> {
    async fn region(&mut self) -> Result<(Vec<Person>, Vec<Vec<Person>>), StartupError> {
        let mut coaches = Vec::new();
        for c in COACHES {
            coaches.push(self.account(c.email, c.name, Role::Coach, None).await?);
        }
        let mut schools = Vec::new();
        for (variation, school) in SCHOOLS.iter().enumerate() {
            schools.push(self.school(variation, school, &coaches).await?);
        }
        Ok((coaches, schools))
    }

    async fn account(
        &self,
        email: &str,
        name: &'static str,
        role: Role,
        function: Option<KerngroepFunction>,
    ) -> Result<Person, StartupError> {
        let parsed = Email::parse(email).map_err(|_| format!("bad demo address {email}"))?;
        let user = users::create(self.db, &parsed, name, self.hash.clone(), role)
            .await
            .map_err(|e| -> StartupError {
                if db::is_unique_violation(&e) {
                    format!("an account {email} already exists; the demo needs its addresses")
                        .into()
                } else {
                    e.into()
                }
            })?;
        Ok(Person {
            id: user.id,
            email: user.email,
            name,
            function,
        })
    }

    async fn school(
        &mut self,
        variation: usize,
        s: &School,
        coaches: &[Person],
    ) -> Result<Vec<Person>, StartupError> {
        let fields = InstitutionFields {
            name: s.name.to_owned(),
            sector: s.sector,
            school_types: s.types.to_vec(),
            brin: Some(Brin::parse(s.brin).map_err(|e| e.to_string())?),
            region: Some(REGION.to_owned()),
            municipality: Some(s.municipality.to_owned()),
        };
        let institution = institutions::create(self.db, fields).await?.id;
        self.tally.institutions += 1;
        let mut units = Vec::new();
        for (name, kind) in s.units {
            units.push(
                institutions::create_unit(self.db, institution, (*name).into(), *kind)
                    .await?
                    .id,
            );
            self.tally.units += 1;
        }
        let mut members = Vec::new();
        for m in s.members {
            let email = format!("{}@{}.example", m.local, s.slug);
            let person = self
                .account(&email, m.name, Role::User, Some(m.function))
                .await?;
            users::add_membership(self.db, person.id, institution, m.function).await?;
            members.push(person);
            self.tally.members += 1;
        }
        let site = Site {
            institution,
            members: &members,
            variation,
        };
        let participants = participants(&members, &[]);
        for e in s.evaluations {
            self.evaluation(&site, None, None, &participants, e).await?;
        }
        if let Some(t) = &s.trajectory {
            let mine: Vec<&Person> = t.coaches.iter().filter_map(|&i| coaches.get(i)).collect();
            let unit = t.unit.and_then(|u| units.get(u).copied());
            self.trajectory(&site, unit, &mine, t).await?;
        }
        Ok(members)
    }

    async fn trajectory(
        &mut self,
        site: &Site<'_>,
        unit: Option<Uuid>,
        coaches: &[&Person],
        t: &Traject,
    ) -> Result<(), StartupError> {
        let creator = coaches
            .first()
            .ok_or("a demo trajectory without a coach")?
            .id;
        let change = TrajectoryChange {
            unit_id: Some(unit),
            coaches: Some(coaches.iter().map(|c| c.id).collect()),
            kerngroep: Some(
                site.members
                    .iter()
                    .filter_map(|m| m.function.map(|f| (m.id, f)))
                    .collect(),
            ),
            targets: Some((1..=5).zip(t.targets).collect()),
            components: t.components.iter().map(|c| self.component(c)).collect(),
            ..Default::default()
        };
        let (start, end) = (t.start.on(self.today), t.end.on(self.today));
        let id = trajectories::create(
            self.db,
            site.institution,
            creator,
            change,
            t.title.into(),
            start,
            end,
        )
        .await?;
        self.tally.trajectories += 1;
        let participants = participants(site.members, coaches);
        let mut latest = None;
        for e in t.evaluations {
            latest = self
                .evaluation(site, Some(id), unit, &participants, e)
                .await?
                .or(latest);
        }
        self.sessions(id, creator, &participants, t).await?;
        self.actions(site, id, latest, t).await?;
        self.conclude(id, t).await
    }

    async fn sessions(
        &mut self,
        id: Uuid,
        creator: Uuid,
        participants: &[Participant],
        t: &Traject,
    ) -> Result<(), StartupError> {
        for s in t.sessions {
            let (summary, agreements) = (s.summary.to_owned(), s.agreements.map(str::to_owned));
            let on = s.on.on(self.today);
            trajectories::create_session(
                self.db,
                id,
                on,
                participants,
                summary,
                agreements,
                creator,
            )
            .await?;
            self.tally.sessions += 1;
        }
        Ok(())
    }

    /// The trajectory's action points, entered by the kerngroep lead and linked to the
    /// latest measurement.
    async fn actions(
        &mut self,
        site: &Site<'_>,
        id: Uuid,
        latest: Option<Uuid>,
        t: &Traject,
    ) -> Result<(), StartupError> {
        for a in t.actions {
            let due = a.due.on(self.today);
            let fields = action_points::Fields {
                step: a.step,
                question_id: a.question.map(str::to_owned),
                evaluation_id: latest,
                trajectory_id: Some(id),
                description: a.text.to_owned(),
                owner_id: site.members.get(a.owner).map(|m| m.id),
                due_date: Some(due),
                status: a.status,
            };
            action_points::create(self.db, site.institution, site.lead()?, fields).await?;
            self.tally.action_points += 1;
            self.tally.overdue += usize::from(a.status.is_open() && due < self.today);
        }
        Ok(())
    }

    /// Trajectories start out active; a paused or completed one is changed afterwards.
    async fn conclude(&self, id: Uuid, t: &Traject) -> Result<(), StartupError> {
        if t.status == TrajectoryStatus::Active {
            return Ok(());
        }
        let plan = t.plan.as_ref().map(|p| Plan {
            title: p.title.to_owned(),
            adopted_on: Some(p.adopted.on(self.today)),
            reference: Some(p.reference.to_owned()),
        });
        let change = TrajectoryChange {
            status: Some(t.status),
            plan: Some(plan),
            ..Default::default()
        };
        if !trajectories::update(self.db, id, change).await? {
            return Err("a demo trajectory vanished".into());
        }
        Ok(())
    }

    fn component(&self, c: &Comp) -> ComponentState {
        ComponentState {
            component_id: c.id.to_owned(),
            status: c.status,
            started_on: c.started.map(|w| w.on(self.today)),
            completed_on: c.completed.map(|w| w.on(self.today)),
            notes: c.notes.map(str::to_owned),
        }
    }

    /// Writes one evaluation the way a kerngroep would; returns the submitted evaluation that
    /// counts (the correction, when there is one), or none for a draft.
    async fn evaluation(
        &mut self,
        site: &Site<'_>,
        trajectory: Option<Uuid>,
        unit: Option<Uuid>,
        participants: &[Participant],
        e: &Eval,
    ) -> Result<Option<Uuid>, StartupError> {
        let author = site.lead()?;
        let full = content::complete(self.kader, &e.levels, e.moment, e.note, site.variation);
        let date = e.on.on(self.today);
        let new = |content: Content, supersedes_id: Option<Uuid>| NewEvaluation {
            institution_id: site.institution,
            unit_id: unit,
            instrument_id: self.kader.id.clone(),
            instrument_version: self.kader.version.clone(),
            reference_date: date,
            moment: e.moment,
            title: Some(format!(
                "{} {}",
                content::label(e.moment),
                SchoolYear::containing(date)
            )),
            participants: participants.to_vec(),
            supersedes_id,
            trajectory_id: trajectory,
            created_by: author,
            content,
        };
        match e.kind {
            EvalKind::Submitted => {
                let draft = self.create(new(full, None)).await?;
                self.submit(&draft, author).await.map(|e| Some(e.id))
            }
            EvalKind::Draft { steps } => {
                let draft = self.create(new(Content::default(), None)).await?;
                self.change(&draft, content::draft(self.kader, full, steps))
                    .await?;
                self.tally.drafts += 1;
                Ok(None)
            }
            EvalKind::Corrected { levels, reason } => {
                let original = self.create(new(full.clone(), None)).await?;
                let original = self.submit(&original, author).await?;
                let draft = self.create(new(full, Some(original.id))).await?;
                let fix = content::correction(
                    self.kader,
                    &e.levels,
                    &levels,
                    e.moment,
                    reason,
                    site.variation,
                );
                let draft = self.change(&draft, fix).await?;
                self.tally.corrections += 1;
                self.submit(&draft, author).await.map(|e| Some(e.id))
            }
        }
    }

    /// Starts a draft the way the API does.
    async fn create(&self, new: NewEvaluation) -> Result<Evaluation, StartupError> {
        let mut batch = Batch::new(self.db.get_database_backend());
        let draft = evaluations::create(&mut batch, new)?;
        batch.run_on(self.db).await?;
        Ok(draft)
    }

    /// Edits a draft the way the API does.
    async fn change(
        &self,
        draft: &Evaluation,
        change: Content,
    ) -> Result<Evaluation, StartupError> {
        let meta = MetadataChange::default();
        let mut batch = Batch::new(self.db.get_database_backend());
        let changed =
            evaluations::apply_change(&mut batch, draft, meta, &change.answers, &change.levels)?;
        match batch.run_on(self.db).await? {
            Written::All => Ok(changed),
            Written::Nothing => Err("a demo draft could not be changed".into()),
        }
    }

    async fn submit(&mut self, draft: &Evaluation, by: Uuid) -> Result<Evaluation, StartupError> {
        let mut batch = Batch::new(self.db.get_database_backend());
        let done = evaluations::submit(&mut batch, draft, by);
        if batch.run_on(self.db).await? == Written::Nothing {
            return Err("a demo evaluation could not be submitted".into());
        }
        self.tally.evaluations += 1;
        Ok(done)
    }
}

fn participants(members: &[Person], coaches: &[&Person]) -> Vec<Participant> {
    let people = members.iter().chain(coaches.iter().copied());
    people
        .map(|p| Participant {
            name: p.name.to_owned(),
            function: p.function,
            user_id: Some(p.id),
        })
        .collect()
}
