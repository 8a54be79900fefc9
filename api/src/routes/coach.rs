//! The coach's overview: every trajectory they coach with where it stands and why it may need
//! attention, those needing it most first. A bounded number of queries, whatever the number
//! of trajectories or evaluations: one query, one row.

use crate::auth::{AuthUser, Role};
use crate::db::trajectories;
use crate::error::{ApiError, ApiResult};
use crate::extract::ValidQuery;
use crate::routes::progress::StepProgressDto;
use crate::routes::{INSTRUMENT, instrument};
use crate::schema;
use crate::startup::AppState;
use actix_web::{get, web};
use chrono::{NaiveDate, Utc};
use lobkader_domain::Moment;
use lobkader_domain::comparison::Change;
use lobkader_domain::progress::progress;
use lobkader_domain::trajectory::{Flag, FlagInput, TrajectoryStatus, flags, months_between};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct OverviewQuery {
    /// Admins only: whose overview; a coach always gets their own.
    pub coach_id: Option<Uuid>,
}

#[derive(Serialize, ToSchema)]
pub struct OverviewTrajectory {
    pub id: Uuid,
    pub title: String,
    pub institution_id: Uuid,
    pub institution_name: String,
    #[schema(value_type = schema::TrajectoryStatus)]
    pub status: TrajectoryStatus,
    pub start_date: NaiveDate,
    pub planned_end_date: NaiveDate,
    pub months_since_start: i32,
    /// Negative once the planned end has passed.
    pub months_until_planned_end: i32,
    /// Submitted measurement moments (corrections counted once).
    pub evaluations: usize,
    pub last_evaluation_date: Option<NaiveDate>,
    pub months_since_last_evaluation: Option<i32>,
    /// Per step: baseline, latest, change since the baseline, target and gap.
    pub steps: Vec<StepProgressDto>,
    pub components_done: usize,
    pub components_total: usize,
    pub open_action_points: u32,
    pub overdue_action_points: u32,
    /// Why this trajectory needs attention; only active and paused trajectories have flags.
    #[schema(value_type = Vec<schema::Flag>)]
    pub flags: Vec<Flag>,
}

#[derive(Serialize, ToSchema)]
pub struct OverviewResponse {
    pub coach_id: Uuid,
    pub trajectories: Vec<OverviewTrajectory>,
}

/// The coach's trajectories, those needing attention first.
#[utoipa::path(
    tag = "coach",
    params(OverviewQuery),
    responses((status = 200, description = "The overview", body = OverviewResponse))
)]
#[get("/coach/overview")] // GET /api/v1/coach/overview
pub async fn coach_overview(
    state: web::Data<AppState>,
    caller: AuthUser,
    query: ValidQuery<OverviewQuery>,
) -> ApiResult<web::Json<OverviewResponse>> {
    let coach = match (caller.role, query.0.coach_id) {
        (Role::Admin, Some(id)) => id,
        (Role::Coach, None) => caller.id,
        (Role::Coach, Some(id)) if id == caller.id => caller.id,
        (Role::Admin, None) => {
            return Err(ApiError::field(
                "coach_id",
                "admins name the coach whose overview they want",
            ));
        }
        _ => return Err(ApiError::forbidden()),
    };
    let instrument = instrument()?;
    let today = Utc::now().date_naive();
    let list = trajectories::overview(state.db.conn(), coach, INSTRUMENT, today).await?;
    let mut out: Vec<OverviewTrajectory> = list
        .into_iter()
        .map(|t| {
            let p = progress(instrument, t.measurements, &t.targets, today);
            let last = p.evaluations.last().map(|m| m.reference_date);
            let live = matches!(
                t.status,
                TrajectoryStatus::Active | TrajectoryStatus::Paused
            );
            let raised = if live {
                flags(&FlagInput {
                    today,
                    start_date: t.start_date,
                    planned_end_date: t.planned_end_date,
                    last_evaluation: last,
                    has_baseline: p.evaluations.iter().any(|m| m.moment == Moment::Baseline),
                    regressed_since_previous: p
                        .steps
                        .iter()
                        .any(|s| s.change_since_previous == Some(Change::Regressed)),
                    components_done: t.components_done,
                    components_total: t.components_total,
                })
            } else {
                Vec::new()
            };
            OverviewTrajectory {
                months_since_start: months_between(t.start_date, today),
                months_until_planned_end: months_between(today, t.planned_end_date),
                evaluations: p.evaluations.len(),
                last_evaluation_date: last,
                months_since_last_evaluation: last.map(|d| months_between(d, today)),
                steps: p.steps.into_iter().map(StepProgressDto::from).collect(),
                components_done: t.components_done,
                components_total: t.components_total,
                open_action_points: t.open_action_points,
                overdue_action_points: t.overdue_action_points,
                flags: raised,
                id: t.id,
                title: t.title,
                institution_id: t.institution_id,
                institution_name: t.institution_name,
                status: t.status,
                start_date: t.start_date,
                planned_end_date: t.planned_end_date,
            }
        })
        .collect();
    // Most flags first; among equals the longest without an evaluation, then by name.
    out.sort_by(|a, b| {
        b.flags
            .len()
            .cmp(&a.flags.len())
            .then_with(|| {
                b.months_since_last_evaluation
                    .unwrap_or(i32::MAX)
                    .cmp(&a.months_since_last_evaluation.unwrap_or(i32::MAX))
            })
            .then_with(|| a.institution_name.cmp(&b.institution_name))
            .then_with(|| a.id.cmp(&b.id))
    });
    Ok(web::Json(OverviewResponse {
        coach_id: coach,
        trajectories: out,
    }))
}
