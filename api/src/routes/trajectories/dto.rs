//! Request and response bodies of the trajectory endpoints.

use crate::db::trajectories::{ComponentState, Plan, Session, Trajectory};
use crate::routes::evaluations::ParticipantDto;
use crate::schema;
use chrono::{DateTime, NaiveDate, Utc};
use lobkader_domain::Level;
use lobkader_domain::institution::KerngroepFunction;
use lobkader_domain::trajectory::{ComponentStatus, TrajectoryStatus, programme};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;
use validator::Validate;

#[derive(Debug, Clone, Deserialize, Serialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct KerngroepMemberDto {
    /// A member of the trajectory's institution.
    pub user_id: Uuid,
    #[schema(value_type = schema::KerngroepFunction)]
    pub function: KerngroepFunction,
}

/// The ambition for one step.
#[derive(Debug, Clone, Deserialize, Serialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TargetDto {
    #[validate(range(min = 1, max = 99))]
    #[schema(minimum = 1, maximum = 99, example = 1)]
    pub step: u8,
    #[schema(value_type = schema::Level)]
    pub level: Level,
}

/// The integraal LOB-plan the trajectory ends in.
#[derive(Debug, Clone, Deserialize, Serialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PlanDto {
    #[validate(length(min = 1, max = 200))]
    #[schema(
        min_length = 1,
        max_length = 200,
        example = "Integraal LOB-plan 2026-2029"
    )]
    pub title: String,
    /// When the school adopted the plan.
    #[serde(default, deserialize_with = "crate::extract::optional_date")]
    pub adopted_on: Option<NaiveDate>,
    /// A link or document reference.
    #[validate(length(min = 1, max = 500))]
    #[schema(min_length = 1, max_length = 500)]
    pub reference: Option<String>,
}

/// The state of one work component; sent to change it, upserted by `component_id`.
#[derive(Debug, Clone, Deserialize, Serialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ComponentInput {
    /// One of the programme's components, e.g. `lob_visie`.
    #[validate(length(min = 1, max = 50))]
    #[schema(min_length = 1, max_length = 50, example = "lob_visie")]
    pub component_id: String,
    #[schema(value_type = schema::ComponentStatus)]
    pub status: ComponentStatus,
    #[serde(default, deserialize_with = "crate::extract::optional_date")]
    pub started_on: Option<NaiveDate>,
    #[serde(default, deserialize_with = "crate::extract::optional_date")]
    pub completed_on: Option<NaiveDate>,
    #[validate(length(max = 4000))]
    #[schema(max_length = 4000)]
    pub notes: Option<String>,
}

#[derive(Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateTrajectoryRequest {
    pub institution_id: Uuid,
    pub unit_id: Option<Uuid>,
    #[validate(length(min = 1, max = 200))]
    #[schema(
        min_length = 1,
        max_length = 200,
        example = "Traject Borging LOB 2025-2027"
    )]
    pub title: String,
    #[serde(deserialize_with = "crate::extract::date")]
    pub start_date: NaiveDate,
    #[serde(deserialize_with = "crate::extract::date")]
    pub planned_end_date: NaiveDate,
    /// `active` when absent.
    #[schema(value_type = Option<schema::TrajectoryStatus>)]
    pub status: Option<TrajectoryStatus>,
    /// Accounts with the coach role.
    #[serde(default)]
    #[validate(length(max = 10))]
    #[schema(max_items = 10)]
    pub coach_ids: Vec<Uuid>,
    #[serde(default)]
    #[validate(length(max = 50), nested)]
    #[schema(max_items = 50)]
    pub kerngroep: Vec<KerngroepMemberDto>,
    #[serde(default)]
    #[validate(length(max = 20), nested)]
    #[schema(max_items = 20)]
    pub targets: Vec<TargetDto>,
    #[validate(nested)]
    pub plan: Option<PlanDto>,
}

/// A change to a trajectory: absent fields stay as they are, a given list replaces the list
/// (components are upserted one by one), `null` clears `unit_id` and `plan`.
#[derive(Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateTrajectoryRequest {
    #[serde(
        default,
        deserialize_with = "crate::routes::institutions::double_option"
    )]
    #[schema(value_type = Option<Uuid>)]
    pub unit_id: Option<Option<Uuid>>,
    #[validate(length(min = 1, max = 200))]
    #[schema(min_length = 1, max_length = 200)]
    pub title: Option<String>,
    #[serde(default, deserialize_with = "crate::extract::optional_date")]
    pub start_date: Option<NaiveDate>,
    #[serde(default, deserialize_with = "crate::extract::optional_date")]
    pub planned_end_date: Option<NaiveDate>,
    #[schema(value_type = Option<schema::TrajectoryStatus>)]
    pub status: Option<TrajectoryStatus>,
    /// Admins only.
    #[validate(length(max = 10))]
    #[schema(max_items = 10)]
    pub coach_ids: Option<Vec<Uuid>>,
    #[validate(length(max = 50), nested)]
    #[schema(max_items = 50)]
    pub kerngroep: Option<Vec<KerngroepMemberDto>>,
    #[validate(length(max = 20), nested)]
    #[schema(max_items = 20)]
    pub targets: Option<Vec<TargetDto>>,
    #[serde(
        default,
        deserialize_with = "crate::routes::institutions::double_option"
    )]
    #[schema(value_type = Option<PlanDto>)]
    pub plan: Option<Option<PlanDto>>,
    #[serde(default)]
    #[validate(length(max = 20), nested)]
    #[schema(max_items = 20)]
    pub components: Vec<ComponentInput>,
}

#[derive(Serialize, ToSchema)]
pub struct ComponentResponse {
    pub component_id: String,
    /// The component's name in the programme, e.g. `LOB-visie`.
    pub name: String,
    #[schema(value_type = schema::ComponentStatus)]
    pub status: ComponentStatus,
    pub started_on: Option<NaiveDate>,
    pub completed_on: Option<NaiveDate>,
    pub notes: Option<String>,
}

impl From<ComponentState> for ComponentResponse {
    fn from(c: ComponentState) -> Self {
        ComponentResponse {
            name: programme()
                .component(&c.component_id)
                .map_or_else(|| c.component_id.clone(), |p| p.name.clone()),
            component_id: c.component_id,
            status: c.status,
            started_on: c.started_on,
            completed_on: c.completed_on,
            notes: c.notes,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct TrajectoryResponse {
    pub id: Uuid,
    pub institution_id: Uuid,
    pub unit_id: Option<Uuid>,
    pub title: String,
    pub start_date: NaiveDate,
    pub planned_end_date: NaiveDate,
    #[schema(value_type = schema::TrajectoryStatus)]
    pub status: TrajectoryStatus,
    pub coach_ids: Vec<Uuid>,
    pub kerngroep: Vec<KerngroepMemberDto>,
    pub targets: Vec<TargetDto>,
    pub components: Vec<ComponentResponse>,
    pub components_done: usize,
    pub plan: Option<PlanDto>,
    pub created_by: Uuid,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<Plan> for PlanDto {
    fn from(p: Plan) -> Self {
        PlanDto {
            title: p.title,
            adopted_on: p.adopted_on,
            reference: p.reference,
        }
    }
}

impl From<Trajectory> for TrajectoryResponse {
    fn from(t: Trajectory) -> Self {
        TrajectoryResponse {
            components_done: t
                .components
                .iter()
                .filter(|c| c.status == ComponentStatus::Done)
                .count(),
            id: t.id,
            institution_id: t.institution_id,
            unit_id: t.unit_id,
            title: t.title,
            start_date: t.start_date,
            planned_end_date: t.planned_end_date,
            status: t.status,
            coach_ids: t.coaches,
            kerngroep: t
                .kerngroep
                .into_iter()
                .map(|(user_id, function)| KerngroepMemberDto { user_id, function })
                .collect(),
            targets: t
                .targets
                .into_iter()
                .map(|(step, level)| TargetDto { step, level })
                .collect(),
            components: t.components.into_iter().map(Into::into).collect(),
            plan: t.plan.map(Into::into),
            created_by: t.created_by,
            created_at: t.created_at,
            updated_at: t.updated_at,
        }
    }
}

/// A coaching session (bijeenkomst) of a trajectory.
#[derive(Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateSessionRequest {
    #[serde(deserialize_with = "crate::extract::date")]
    pub held_on: NaiveDate,
    #[serde(default)]
    #[validate(length(max = 50), nested)]
    #[schema(max_items = 50)]
    pub participants: Vec<ParticipantDto>,
    #[validate(length(min = 1, max = 20000))]
    #[schema(min_length = 1, max_length = 20000)]
    pub summary: String,
    /// What was agreed (afspraken).
    #[validate(length(min = 1, max = 20000))]
    #[schema(min_length = 1, max_length = 20000)]
    pub agreements: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct SessionResponse {
    pub id: Uuid,
    pub trajectory_id: Uuid,
    pub held_on: NaiveDate,
    pub participants: Vec<ParticipantDto>,
    pub summary: String,
    pub agreements: Option<String>,
    pub created_by: Uuid,
    pub created_at: DateTime<Utc>,
}

impl From<Session> for SessionResponse {
    fn from(s: Session) -> Self {
        SessionResponse {
            id: s.id,
            trajectory_id: s.trajectory_id,
            held_on: s.held_on,
            participants: s.participants.into_iter().map(Into::into).collect(),
            summary: s.summary,
            agreements: s.agreements,
            created_by: s.created_by,
            created_at: s.created_at,
        }
    }
}
