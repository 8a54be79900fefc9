//! Trajectories of the Traject Borging LOB with their coaches, kerngroep, targets and work
//! components, and their coaching sessions. Lists load their parts with one query per part
//! for the whole page, never one per trajectory.

use super::entities::{
    coaching_sessions as sessions, memberships, trajectories, trajectory_coaches as coaches,
    trajectory_components as components, trajectory_kerngroep as kerngroep,
    trajectory_targets as targets,
};
use super::evaluations::parse_step_levels;
use super::progress::{self, MeasurementJson};
use super::sql::{self, PerBackend};
use chrono::{DateTime, NaiveDate, Utc};
use lobkader_domain::institution::KerngroepFunction;
use lobkader_domain::progress::Measurement;
use lobkader_domain::trajectory::{ActionStatus, ComponentStatus, TrajectoryStatus, programme};
use lobkader_domain::{Level, Participant};
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DbBackend, DbErr, EntityTrait,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, QueryTrait, Set, Value,
};
use serde::Deserialize;
use std::collections::HashMap;
use uuid::Uuid;

/// The integraal LOB-plan a trajectory ends in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    pub title: String,
    pub adopted_on: Option<NaiveDate>,
    pub reference: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ComponentState {
    pub component_id: String,
    pub status: ComponentStatus,
    pub started_on: Option<NaiveDate>,
    pub completed_on: Option<NaiveDate>,
    pub notes: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Trajectory {
    pub id: Uuid,
    pub institution_id: Uuid,
    pub unit_id: Option<Uuid>,
    pub title: String,
    pub start_date: NaiveDate,
    pub planned_end_date: NaiveDate,
    pub status: TrajectoryStatus,
    pub plan: Option<Plan>,
    pub coaches: Vec<Uuid>,
    pub kerngroep: Vec<(Uuid, KerngroepFunction)>,
    pub targets: Vec<(u8, Level)>,
    pub components: Vec<ComponentState>,
    pub created_by: Uuid,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// The settable fields of a trajectory; on change, `None` leaves a field as it is and a set
/// list replaces the whole list.
#[derive(Debug, Clone, Default)]
pub struct TrajectoryChange {
    pub unit_id: Option<Option<Uuid>>,
    pub title: Option<String>,
    pub start_date: Option<NaiveDate>,
    pub planned_end_date: Option<NaiveDate>,
    pub status: Option<TrajectoryStatus>,
    pub plan: Option<Option<Plan>>,
    pub coaches: Option<Vec<Uuid>>,
    pub kerngroep: Option<Vec<(Uuid, KerngroepFunction)>>,
    pub targets: Option<Vec<(u8, Level)>>,
    /// Upserted by component id.
    pub components: Vec<ComponentState>,
}

#[derive(Debug, Clone)]
pub struct Session {
    pub id: Uuid,
    pub trajectory_id: Uuid,
    pub held_on: NaiveDate,
    pub participants: Vec<Participant>,
    pub summary: String,
    pub agreements: Option<String>,
    pub created_by: Uuid,
    pub created_at: DateTime<Utc>,
}

/// Which trajectories a list may show.
#[derive(Debug, Clone, Copy)]
pub enum Visible {
    All,
    /// Those the user coaches or whose institution the user is a member of.
    For(Uuid),
}

#[derive(Debug, Clone, Default)]
pub struct ListFilter {
    pub institution_id: Option<Uuid>,
    pub status: Option<TrajectoryStatus>,
    pub coach_id: Option<Uuid>,
}

fn corrupt(what: &str, value: &str) -> DbErr {
    DbErr::Type(format!("unknown {what} `{value}` stored"))
}

pub async fn create(
    db: &impl ConnectionTrait,
    institution_id: Uuid,
    created_by: Uuid,
    fields: TrajectoryChange,
    title: String,
    start_date: NaiveDate,
    planned_end_date: NaiveDate,
) -> Result<Uuid, DbErr> {
    let now = super::now();
    let id = Uuid::now_v7();
    let plan = fields.plan.clone().flatten();
    trajectories::ActiveModel {
        id: Set(id),
        institution_id: Set(institution_id),
        unit_id: Set(fields.unit_id.flatten()),
        title: Set(title),
        start_date: Set(start_date),
        planned_end_date: Set(planned_end_date),
        status: Set(fields
            .status
            .unwrap_or(TrajectoryStatus::Active)
            .id()
            .to_owned()),
        plan_title: Set(plan.as_ref().map(|p| p.title.clone())),
        plan_adopted_on: Set(plan.as_ref().and_then(|p| p.adopted_on)),
        plan_reference: Set(plan.and_then(|p| p.reference)),
        created_by: Set(created_by),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(db)
    .await?;
    let all_components: Vec<ComponentState> = programme()
        .components
        .iter()
        .map(|c| ComponentState {
            component_id: c.id.clone(),
            status: ComponentStatus::NotStarted,
            started_on: None,
            completed_on: None,
            notes: None,
        })
        .collect();
    upsert_components(db, id, &all_components).await?;
    replace_parts(db, id, &fields).await?;
    upsert_components(db, id, &fields.components).await?;
    Ok(id)
}

/// Applies a change; false when there is no such trajectory.
pub async fn update(
    db: &impl ConnectionTrait,
    id: Uuid,
    change: TrajectoryChange,
) -> Result<bool, DbErr> {
    let Some(current) = trajectories::Entity::find_by_id(id)
        .all(db)
        .await?
        .into_iter()
        .next()
    else {
        return Ok(false);
    };
    let mut row: trajectories::ActiveModel = current.into();
    if let Some(unit) = change.unit_id {
        row.unit_id = Set(unit);
    }
    if let Some(title) = &change.title {
        row.title = Set(title.clone());
    }
    if let Some(date) = change.start_date {
        row.start_date = Set(date);
    }
    if let Some(date) = change.planned_end_date {
        row.planned_end_date = Set(date);
    }
    if let Some(status) = change.status {
        row.status = Set(status.id().to_owned());
    }
    if let Some(plan) = &change.plan {
        row.plan_title = Set(plan.as_ref().map(|p| p.title.clone()));
        row.plan_adopted_on = Set(plan.as_ref().and_then(|p| p.adopted_on));
        row.plan_reference = Set(plan.as_ref().and_then(|p| p.reference.clone()));
    }
    row.updated_at = Set(super::now());
    row.update(db).await?;
    replace_parts(db, id, &change).await?;
    upsert_components(db, id, &change.components).await?;
    Ok(true)
}

async fn replace_parts(
    db: &impl ConnectionTrait,
    id: Uuid,
    change: &TrajectoryChange,
) -> Result<(), DbErr> {
    if let Some(list) = &change.coaches {
        coaches::Entity::delete_many()
            .filter(coaches::Column::TrajectoryId.eq(id))
            .exec(db)
            .await?;
        if !list.is_empty() {
            coaches::Entity::insert_many(list.iter().map(|u| coaches::ActiveModel {
                trajectory_id: Set(id),
                user_id: Set(*u),
            }))
            .exec_without_returning(db)
            .await?;
        }
    }
    if let Some(list) = &change.kerngroep {
        kerngroep::Entity::delete_many()
            .filter(kerngroep::Column::TrajectoryId.eq(id))
            .exec(db)
            .await?;
        if !list.is_empty() {
            kerngroep::Entity::insert_many(list.iter().map(|(u, f)| kerngroep::ActiveModel {
                trajectory_id: Set(id),
                user_id: Set(*u),
                function: Set(f.id().to_owned()),
            }))
            .exec_without_returning(db)
            .await?;
        }
    }
    if let Some(list) = &change.targets {
        targets::Entity::delete_many()
            .filter(targets::Column::TrajectoryId.eq(id))
            .exec(db)
            .await?;
        if !list.is_empty() {
            targets::Entity::insert_many(list.iter().map(|(s, l)| targets::ActiveModel {
                trajectory_id: Set(id),
                step: Set(i16::from(*s)),
                level: Set(l.id().to_owned()),
            }))
            .exec_without_returning(db)
            .await?;
        }
    }
    Ok(())
}

async fn upsert_components(
    db: &impl ConnectionTrait,
    id: Uuid,
    list: &[ComponentState],
) -> Result<(), DbErr> {
    if list.is_empty() {
        return Ok(());
    }
    let now = super::now();
    components::Entity::insert_many(list.iter().map(|c| components::ActiveModel {
        trajectory_id: Set(id),
        component_id: Set(c.component_id.clone()),
        status: Set(c.status.id().to_owned()),
        started_on: Set(c.started_on),
        completed_on: Set(c.completed_on),
        notes: Set(c.notes.clone()),
        updated_at: Set(now),
    }))
    .on_conflict(
        OnConflict::columns([
            components::Column::TrajectoryId,
            components::Column::ComponentId,
        ])
        .update_columns([
            components::Column::Status,
            components::Column::StartedOn,
            components::Column::CompletedOn,
            components::Column::Notes,
            components::Column::UpdatedAt,
        ])
        .to_owned(),
    )
    .exec_without_returning(db)
    .await?;
    Ok(())
}

pub async fn find(db: &impl ConnectionTrait, id: Uuid) -> Result<Option<Trajectory>, DbErr> {
    let rows = trajectories::Entity::find_by_id(id).all(db).await?;
    Ok(assemble(db, rows).await?.into_iter().next())
}

/// Trajectories the caller may see, by start date (newest first); with the total count.
pub async fn list(
    db: &impl ConnectionTrait,
    visible: Visible,
    filter: &ListFilter,
    offset: u64,
    limit: u64,
) -> Result<(Vec<Trajectory>, u64), DbErr> {
    let mut condition = Condition::all();
    if let Visible::For(user) = visible {
        let coached = coaches::Entity::find()
            .select_only()
            .column(coaches::Column::TrajectoryId)
            .filter(coaches::Column::UserId.eq(user))
            .into_query();
        let member_of = memberships::Entity::find()
            .select_only()
            .column(memberships::Column::InstitutionId)
            .filter(memberships::Column::UserId.eq(user))
            .into_query();
        condition = condition.add(
            Condition::any()
                .add(trajectories::Column::Id.in_subquery(coached))
                .add(trajectories::Column::InstitutionId.in_subquery(member_of)),
        );
    }
    if let Some(institution) = filter.institution_id {
        condition = condition.add(trajectories::Column::InstitutionId.eq(institution));
    }
    if let Some(status) = filter.status {
        condition = condition.add(trajectories::Column::Status.eq(status.id()));
    }
    if let Some(coach) = filter.coach_id {
        let theirs = coaches::Entity::find()
            .select_only()
            .column(coaches::Column::TrajectoryId)
            .filter(coaches::Column::UserId.eq(coach))
            .into_query();
        condition = condition.add(trajectories::Column::Id.in_subquery(theirs));
    }
    let query = trajectories::Entity::find().filter(condition);
    let total = query.clone().count(db).await?;
    let rows = query
        .order_by_desc(trajectories::Column::StartDate)
        .order_by_asc(trajectories::Column::Id)
        .offset(offset)
        .limit(limit)
        .all(db)
        .await?;
    Ok((assemble(db, rows).await?, total))
}

/// Loads the parts of `rows` with one query per part.
pub async fn assemble(
    db: &impl ConnectionTrait,
    rows: Vec<trajectories::Model>,
) -> Result<Vec<Trajectory>, DbErr> {
    let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut coach_map: HashMap<Uuid, Vec<Uuid>> = HashMap::new();
    for c in coaches::Entity::find()
        .filter(coaches::Column::TrajectoryId.is_in(ids.clone()))
        .order_by_asc(coaches::Column::UserId)
        .all(db)
        .await?
    {
        coach_map
            .entry(c.trajectory_id)
            .or_default()
            .push(c.user_id);
    }
    let mut kerngroep_map: HashMap<Uuid, Vec<(Uuid, KerngroepFunction)>> = HashMap::new();
    for k in kerngroep::Entity::find()
        .filter(kerngroep::Column::TrajectoryId.is_in(ids.clone()))
        .order_by_asc(kerngroep::Column::UserId)
        .all(db)
        .await?
    {
        let function = k
            .function
            .parse()
            .map_err(|_| corrupt("kerngroep function", &k.function))?;
        kerngroep_map
            .entry(k.trajectory_id)
            .or_default()
            .push((k.user_id, function));
    }
    let mut target_map: HashMap<Uuid, Vec<(u8, Level)>> = HashMap::new();
    for t in targets::Entity::find()
        .filter(targets::Column::TrajectoryId.is_in(ids.clone()))
        .order_by_asc(targets::Column::Step)
        .all(db)
        .await?
    {
        let step = u8::try_from(t.step).map_err(|_| corrupt("step", &t.step.to_string()))?;
        let level = t.level.parse().map_err(|_| corrupt("level", &t.level))?;
        target_map
            .entry(t.trajectory_id)
            .or_default()
            .push((step, level));
    }
    let order: HashMap<&str, usize> = programme()
        .components
        .iter()
        .enumerate()
        .map(|(i, c)| (c.id.as_str(), i))
        .collect();
    let mut component_map: HashMap<Uuid, Vec<ComponentState>> = HashMap::new();
    for c in components::Entity::find()
        .filter(components::Column::TrajectoryId.is_in(ids))
        .all(db)
        .await?
    {
        let status = c
            .status
            .parse()
            .map_err(|_| corrupt("component status", &c.status))?;
        component_map
            .entry(c.trajectory_id)
            .or_default()
            .push(ComponentState {
                component_id: c.component_id,
                status,
                started_on: c.started_on,
                completed_on: c.completed_on,
                notes: c.notes,
            });
    }
    for list in component_map.values_mut() {
        list.sort_by_key(|c| {
            order
                .get(c.component_id.as_str())
                .copied()
                .unwrap_or(usize::MAX)
        });
    }
    rows.into_iter()
        .map(|r| {
            Ok(Trajectory {
                status: r
                    .status
                    .parse()
                    .map_err(|_| corrupt("trajectory status", &r.status))?,
                plan: r.plan_title.map(|title| Plan {
                    title,
                    adopted_on: r.plan_adopted_on,
                    reference: r.plan_reference,
                }),
                coaches: coach_map.remove(&r.id).unwrap_or_default(),
                kerngroep: kerngroep_map.remove(&r.id).unwrap_or_default(),
                targets: target_map.remove(&r.id).unwrap_or_default(),
                components: component_map.remove(&r.id).unwrap_or_default(),
                id: r.id,
                institution_id: r.institution_id,
                unit_id: r.unit_id,
                title: r.title,
                start_date: r.start_date,
                planned_end_date: r.planned_end_date,
                created_by: r.created_by,
                created_at: r.created_at,
                updated_at: r.updated_at,
            })
        })
        .collect()
}

pub async fn create_session(
    db: &impl ConnectionTrait,
    trajectory_id: Uuid,
    held_on: NaiveDate,
    participants: &[Participant],
    summary: String,
    agreements: Option<String>,
    created_by: Uuid,
) -> Result<Session, DbErr> {
    let model = sessions::ActiveModel {
        id: Set(Uuid::now_v7()),
        trajectory_id: Set(trajectory_id),
        held_on: Set(held_on),
        participants: Set(
            serde_json::to_value(participants).map_err(|e| DbErr::Type(e.to_string()))?
        ),
        summary: Set(summary),
        agreements: Set(agreements),
        created_by: Set(created_by),
        created_at: Set(super::now()),
    }
    .insert(db)
    .await?;
    session_from(model)
}

fn session_from(m: sessions::Model) -> Result<Session, DbErr> {
    Ok(Session {
        participants: serde_json::from_value(m.participants.clone())
            .map_err(|_| corrupt("participants", &m.participants.to_string()))?,
        id: m.id,
        trajectory_id: m.trajectory_id,
        held_on: m.held_on,
        summary: m.summary,
        agreements: m.agreements,
        created_by: m.created_by,
        created_at: m.created_at,
    })
}

/// The coaching sessions of a trajectory, oldest first.
pub async fn sessions_of(
    db: &impl ConnectionTrait,
    trajectory_id: Uuid,
) -> Result<Vec<Session>, DbErr> {
    sessions::Entity::find()
        .filter(sessions::Column::TrajectoryId.eq(trajectory_id))
        .order_by_asc(sessions::Column::HeldOn)
        .order_by_asc(sessions::Column::CreatedAt)
        .all(db)
        .await?
        .into_iter()
        .map(session_from)
        .collect()
}

/// A trajectory as the coach's overview shows it: what it is, its targets, how far its
/// components are, its open action points and its measurements.
#[derive(Debug, Clone)]
pub struct OverviewEntry {
    pub id: Uuid,
    pub title: String,
    pub institution_id: Uuid,
    pub institution_name: String,
    pub status: TrajectoryStatus,
    pub start_date: NaiveDate,
    pub planned_end_date: NaiveDate,
    pub targets: Vec<(u8, Level)>,
    pub components_done: usize,
    pub components_total: usize,
    pub open_action_points: u32,
    /// Open action points due before `today`.
    pub overdue_action_points: u32,
    pub measurements: Vec<Measurement>,
}

/// One trajectory of the overview's first column, as [`overview_sql`] writes it: its own
/// columns, then its targets (`step=level` pairs), the statuses of its components, and for
/// each open action point whether it is overdue (`1`) or not (`0`), each joined by commas.
#[derive(Deserialize)]
struct EntryJson<'a>(
    Uuid,
    String,
    Uuid,
    String,
    &'a str,
    NaiveDate,
    NaiveDate,
    #[serde(borrow)] Option<&'a str>,
    #[serde(borrow)] Option<&'a str>,
    #[serde(borrow)] Option<&'a str>,
);

/// The overview's query: one row of two JSON columns, the coach's trajectories with their
/// parts and the measurements of all of them, whatever their number. (Each row crossing from
/// the database driver's thread costs more than the SQL, and SQLite parses a JSON value again
/// when one subquery's JSON goes into another's, so the parts of a trajectory come as joined
/// text and the measurements as one flat array beside it.) Placeholders in order: today and the
/// open statuses, the coach; the coach and the measurements' own.
fn overview_sql(backend: DbBackend) -> String {
    const COACHED: &str =
        "(SELECT tc.trajectory_id FROM trajectory_coaches tc WHERE tc.user_id = ?)";
    let trajectory = sql::json_array(
        backend,
        &format!(
            "{}, t.title, {}, i.name, t.status, t.start_date, t.planned_end_date, \
             (SELECT {} FROM trajectory_targets g WHERE g.trajectory_id = t.id), \
             (SELECT {} FROM trajectory_components k WHERE k.trajectory_id = t.id), \
             (SELECT {} FROM action_points p WHERE p.trajectory_id = t.id AND p.status IN (?, ?))",
            sql::uuid_json(backend, "t.id"),
            sql::uuid_json(backend, "t.institution_id"),
            sql::joined(backend, "g.step || '=' || g.level"),
            sql::joined(backend, "k.status"),
            sql::joined(backend, "CASE WHEN p.due_date < ? THEN '1' ELSE '0' END"),
        ),
    );
    let measurement = sql::json_array(
        backend,
        &format!(
            "{}, {}",
            sql::uuid_json(backend, "e.trajectory_id"),
            progress::element(backend)
        ),
    );
    format!(
        "SELECT {} AS trajectories, {} AS measurements",
        sql::as_text(
            backend,
            &format!(
                "(SELECT {} FROM trajectories t JOIN institutions i ON i.id = t.institution_id \
                 WHERE t.id IN {COACHED})",
                sql::json_agg(backend, &trajectory)
            )
        ),
        sql::as_text(
            backend,
            &format!(
                "(SELECT {} {})",
                sql::json_agg(backend, &measurement),
                progress::measured(&format!("e.trajectory_id IN {COACHED}"))
            )
        ),
    )
}

/// Every trajectory `coach` coaches, for the overview, with its submitted evaluations made
/// with `instrument_id`: one query and one row, whatever the number of trajectories.
pub async fn overview(
    db: &impl ConnectionTrait,
    coach: Uuid,
    instrument_id: &str,
    today: NaiveDate,
) -> Result<Vec<OverviewEntry>, DbErr> {
    static SQL: PerBackend = PerBackend::new(overview_sql);
    let mut values: Vec<Value> = vec![
        today.into(),
        ActionStatus::Open.id().into(),
        ActionStatus::InProgress.id().into(),
        coach.into(),
        coach.into(),
    ];
    values.extend(progress::json_values(instrument_id));
    let Some(row) = SQL.one(db, values).await? else {
        return Ok(Vec::new());
    };
    let trajectories: String = row.try_get("", "trajectories")?;
    let measurements: String = row.try_get("", "measurements")?;
    let entries: Vec<EntryJson> = serde_json::from_str(&trajectories)
        .map_err(|e| DbErr::Type(format!("unreadable overview: {e}")))?;
    let measured: Vec<(Option<Uuid>, MeasurementJson)> = serde_json::from_str(&measurements)
        .map_err(|e| DbErr::Type(format!("unreadable measurements: {e}")))?;
    let mut by_trajectory: HashMap<Uuid, Vec<Measurement>> = HashMap::new();
    for (trajectory, m) in measured {
        if let Some(t) = trajectory {
            by_trajectory
                .entry(t)
                .or_default()
                .push(m.into_measurement()?);
        }
    }
    fn split(list: Option<&str>) -> impl Iterator<Item = &str> {
        list.into_iter().flat_map(|l| l.split(','))
    }
    entries
        .into_iter()
        .map(|e| {
            let EntryJson(
                id,
                title,
                institution_id,
                institution_name,
                status,
                start_date,
                planned_end_date,
                targets,
                components,
                points,
            ) = e;
            let mut components_done = 0;
            let mut components_total = 0;
            for c in split(components) {
                let c: ComponentStatus = c.parse().map_err(|_| corrupt("component status", c))?;
                components_total += 1;
                if c == ComponentStatus::Done {
                    components_done += 1;
                }
            }
            let (mut open, mut overdue) = (0, 0);
            for p in split(points) {
                open += 1;
                if p == "1" {
                    overdue += 1;
                }
            }
            Ok(OverviewEntry {
                status: status
                    .parse()
                    .map_err(|_| corrupt("trajectory status", status))?,
                targets: parse_step_levels(targets.unwrap_or_default())?,
                measurements: by_trajectory.remove(&id).unwrap_or_default(),
                components_done,
                components_total,
                open_action_points: open,
                overdue_action_points: overdue,
                id,
                title,
                institution_id,
                institution_name,
                start_date,
                planned_end_date,
            })
        })
        .collect()
}
