//! The checks a trajectory's fields must pass against the database and the programme: coaches
//! have the coach role, the kerngroep are members of the institution, steps and components
//! exist, dates make sense. Every problem is reported at once, naming its field.

use super::{ComponentInput, KerngroepMemberDto, PlanDto, TargetDto};
use crate::auth::Role;
use crate::db::trajectories::{ComponentState, Plan};
use crate::db::{institutions, users};
use crate::error::{ApiError, ApiResult, FieldError};
use crate::startup::AppState;
use chrono::{Datelike, NaiveDate};
use lobkader_domain::Level;
use lobkader_domain::trajectory::programme;
use std::collections::HashSet;
use uuid::Uuid;

#[derive(Default)]
pub struct Errors(Vec<FieldError>);

impl Errors {
    pub fn add(&mut self, field: impl Into<String>, message: impl Into<String>) {
        self.0.push(FieldError {
            field: field.into(),
            message: message.into(),
        });
    }

    pub fn finish(self) -> ApiResult<()> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(ApiError::validation(self.0))
        }
    }
}

pub fn date(errors: &mut Errors, field: &str, date: Option<NaiveDate>) {
    if date.is_some_and(|d| !(2000..=2099).contains(&d.year())) {
        errors.add(field, "must be a date between 2000-01-01 and 2099-12-31");
    }
}

pub fn period(errors: &mut Errors, start: NaiveDate, end: NaiveDate) {
    if end < start {
        errors.add("planned_end_date", "must not be before start_date");
    }
}

pub fn text(errors: &mut Errors, field: &str, value: &str) -> String {
    let trimmed = value.trim();
    if trimmed.is_empty() {
        errors.add(field, "must not be blank");
    }
    trimmed.to_owned()
}

pub async fn coaches(state: &AppState, errors: &mut Errors, ids: &[Uuid]) -> ApiResult<()> {
    let mut seen = HashSet::new();
    for (i, id) in ids.iter().enumerate() {
        if !seen.insert(id) {
            errors.add(format!("coach_ids[{i}]"), "is listed twice");
            continue;
        }
        match users::find(state.db.conn(), *id).await? {
            Some(u) if u.role == Role::Coach => {}
            Some(_) => errors.add(
                format!("coach_ids[{i}]"),
                "this account does not have the coach role",
            ),
            None => errors.add(format!("coach_ids[{i}]"), "no account has this id"),
        }
    }
    Ok(())
}

pub async fn kerngroep(
    state: &AppState,
    errors: &mut Errors,
    institution: Uuid,
    members: &[KerngroepMemberDto],
) -> ApiResult<()> {
    let mut seen = HashSet::new();
    for (i, m) in members.iter().enumerate() {
        if !seen.insert(m.user_id) {
            errors.add(format!("kerngroep[{i}].user_id"), "is listed twice");
        } else if !users::is_member(state.db.conn(), m.user_id, institution).await? {
            errors.add(
                format!("kerngroep[{i}].user_id"),
                "not a member of the trajectory's institution",
            );
        }
    }
    Ok(())
}

pub fn targets(errors: &mut Errors, targets: &[TargetDto]) -> Vec<(u8, Level)> {
    let steps: HashSet<u8> = crate::routes::instrument()
        .map(|k| k.steps.iter().map(|s| s.number).collect())
        .unwrap_or_default();
    let mut seen = HashSet::new();
    for (i, t) in targets.iter().enumerate() {
        if !steps.contains(&t.step) {
            errors.add(
                format!("targets[{i}].step"),
                format!("{} is not a step of the Kwaliteitskader LOB", t.step),
            );
        } else if !seen.insert(t.step) {
            errors.add(
                format!("targets[{i}].step"),
                format!("step {} has two targets", t.step),
            );
        }
    }
    targets.iter().map(|t| (t.step, t.level)).collect()
}

pub fn components(errors: &mut Errors, list: &[ComponentInput]) -> Vec<ComponentState> {
    let mut seen = HashSet::new();
    for (i, c) in list.iter().enumerate() {
        if programme().component(&c.component_id).is_none() {
            errors.add(
                format!("components[{i}].component_id"),
                format!(
                    "`{}` is not a component of the Traject Borging LOB",
                    c.component_id
                ),
            );
        } else if !seen.insert(c.component_id.as_str()) {
            errors.add(format!("components[{i}].component_id"), "is listed twice");
        }
        date(errors, &format!("components[{i}].started_on"), c.started_on);
        date(
            errors,
            &format!("components[{i}].completed_on"),
            c.completed_on,
        );
        if let (Some(s), Some(e)) = (c.started_on, c.completed_on)
            && e < s
        {
            errors.add(
                format!("components[{i}].completed_on"),
                "must not be before started_on",
            );
        }
    }
    list.iter()
        .map(|c| ComponentState {
            component_id: c.component_id.clone(),
            status: c.status,
            started_on: c.started_on,
            completed_on: c.completed_on,
            notes: c
                .notes
                .as_ref()
                .map(|n| n.trim().to_owned())
                .filter(|n| !n.is_empty()),
        })
        .collect()
}

pub fn plan(errors: &mut Errors, plan: PlanDto) -> Plan {
    date(errors, "plan.adopted_on", plan.adopted_on);
    Plan {
        title: text(errors, "plan.title", &plan.title),
        adopted_on: plan.adopted_on,
        reference: plan
            .reference
            .map(|r| r.trim().to_owned())
            .filter(|r| !r.is_empty()),
    }
}

pub async fn unit(
    state: &AppState,
    errors: &mut Errors,
    institution: Uuid,
    unit: Option<Uuid>,
) -> ApiResult<()> {
    if let Some(unit) = unit {
        match institutions::find_unit(state.db.conn(), unit).await? {
            Some(u) if u.institution_id == institution => {}
            _ => errors.add("unit_id", "not a unit of this institution"),
        }
    }
    Ok(())
}
