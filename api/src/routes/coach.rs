//! The coach's overview: every trajectory they coach with where it stands and why it may need
//! attention, those needing it most first. A bounded number of queries, whatever the number
//! of trajectories or evaluations.

use crate::auth::{AuthUser, Role};
use crate::db::progress::{Subject, measurements};
use crate::db::trajectories::{self, ListFilter, Visible};
use crate::db::{action_points, institutions};
use crate::error::{ApiError, ApiResult};
use crate::extract::ValidQuery;
use crate::routes::progress::StepProgressDto;
use crate::schema;
use crate::startup::AppState;
use actix_web::{get, web};
use chrono::{NaiveDate, Utc};
use lobkader_domain::comparison::Change;
use lobkader_domain::progress::{Measurement, progress};
use lobkader_domain::trajectory::{
    ComponentStatus, Flag, FlagInput, TrajectoryStatus, flags, months_between,
};
use lobkader_domain::{Moment, catalogue};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
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
#[get("/coach/overview")]
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
    let filter = ListFilter {
        coach_id: Some(coach),
        ..Default::default()
    };
    let (list, _) = trajectories::list(state.db.conn(), Visible::All, &filter, 0, 10_000).await?;
    let ids: Vec<Uuid> = list.iter().map(|t| t.id).collect();
    let today = Utc::now().date_naive();
    let mut by_trajectory: HashMap<Uuid, Vec<Measurement>> = HashMap::new();
    if !ids.is_empty() {
        for (t, m) in measurements(
            state.db.conn(),
            &Subject::Trajectories(ids.clone()),
            "kwaliteitskader-lob",
        )
        .await?
        {
            if let Some(t) = t {
                by_trajectory.entry(t).or_default().push(m);
            }
        }
    }
    let points = action_points::open_counts(state.db.conn(), &ids, today).await?;
    let names = institutions::names(
        state.db.conn(),
        list.iter().map(|t| t.institution_id).collect(),
    )
    .await?;
    let instrument = catalogue()
        .latest("kwaliteitskader-lob")
        .ok_or_else(|| ApiError::internal("instrument missing"))?;
    let mut out: Vec<OverviewTrajectory> = list
        .into_iter()
        .map(|t| {
            let p = progress(
                instrument,
                by_trajectory.remove(&t.id).unwrap_or_default(),
                &t.targets,
                today,
            );
            let last = p.evaluations.last().map(|m| m.reference_date);
            let done = t
                .components
                .iter()
                .filter(|c| c.status == ComponentStatus::Done)
                .count();
            let (open, overdue) = points.get(&t.id).copied().unwrap_or_default();
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
                    components_done: done,
                    components_total: t.components.len(),
                })
            } else {
                Vec::new()
            };
            OverviewTrajectory {
                institution_name: names.get(&t.institution_id).cloned().unwrap_or_default(),
                months_since_start: months_between(t.start_date, today),
                months_until_planned_end: months_between(today, t.planned_end_date),
                evaluations: p.evaluations.len(),
                last_evaluation_date: last,
                months_since_last_evaluation: last.map(|d| months_between(d, today)),
                steps: p.steps.into_iter().map(StepProgressDto::from).collect(),
                components_done: done,
                components_total: t.components.len(),
                open_action_points: open,
                overdue_action_points: overdue,
                flags: raised,
                id: t.id,
                title: t.title,
                institution_id: t.institution_id,
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
