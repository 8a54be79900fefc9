//! The Traject Borging LOB: a coach guides a school's kerngroep through a fixed set of work
//! components (data, not code) towards an integraal LOB-plan, with target levels per step.
//! Here live its value sets, its component list and the attention flags a coach sees.

use crate::scale::id_enum_text;
use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;
use std::sync::LazyLock;

/// Where a trajectory stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TrajectoryStatus {
    Active,
    Paused,
    Completed,
    Stopped,
}

impl TrajectoryStatus {
    pub const ALL: [TrajectoryStatus; 4] =
        [Self::Active, Self::Paused, Self::Completed, Self::Stopped];

    pub fn id(self) -> &'static str {
        match self {
            Self::Active => "active",
            Self::Paused => "paused",
            Self::Completed => "completed",
            Self::Stopped => "stopped",
        }
    }
}

/// Where a work component of a trajectory stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ComponentStatus {
    NotStarted,
    InProgress,
    Done,
}

impl ComponentStatus {
    pub const ALL: [ComponentStatus; 3] = [Self::NotStarted, Self::InProgress, Self::Done];

    pub fn id(self) -> &'static str {
        match self {
            Self::NotStarted => "not_started",
            Self::InProgress => "in_progress",
            Self::Done => "done",
        }
    }
}

/// Where an action point stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ActionStatus {
    Open,
    InProgress,
    Done,
    Dropped,
}

impl ActionStatus {
    pub const ALL: [ActionStatus; 4] = [Self::Open, Self::InProgress, Self::Done, Self::Dropped];

    pub fn id(self) -> &'static str {
        match self {
            Self::Open => "open",
            Self::InProgress => "in_progress",
            Self::Done => "done",
            Self::Dropped => "dropped",
        }
    }

    /// Open or in progress: still work to do.
    pub fn is_open(self) -> bool {
        matches!(self, Self::Open | Self::InProgress)
    }
}

id_enum_text!(TrajectoryStatus);
id_enum_text!(ComponentStatus);
id_enum_text!(ActionStatus);

/// The programme a trajectory follows: its work components, in order.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Programme {
    pub id: String,
    pub title: String,
    pub description: String,
    pub source: String,
    pub components: Vec<Component>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Component {
    pub id: String,
    pub name: String,
}

static PROGRAMME: LazyLock<Programme> = LazyLock::new(|| {
    // Compiled in and parsed by the unit tests below.
    #[allow(clippy::expect_used)]
    serde_json::from_str(include_str!("../data/traject-borging-lob.json"))
        .expect("programme data parses")
});

/// The Traject Borging LOB programme compiled into this build.
pub fn programme() -> &'static Programme {
    &PROGRAMME
}

impl Programme {
    pub fn component(&self, id: &str) -> Option<&Component> {
        self.components.iter().find(|c| c.id == id)
    }
}

/// Whole calendar months from `from` to `to` (negative when `to` is earlier).
pub fn months_between(from: NaiveDate, to: NaiveDate) -> i32 {
    let months = (to.year() - from.year()) * 12 + to.month() as i32 - from.month() as i32;
    if to >= from && to.day() < from.day() {
        months - 1
    } else if to < from && to.day() > from.day() {
        months + 1
    } else {
        months
    }
}

/// A reason a trajectory needs a coach's attention.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Flag {
    /// The checklist asks for a yearly evaluation; the last one is more than 12 months old
    /// (or there is none and the trajectory started more than 12 months ago).
    #[serde(rename = "no_evaluation_12_months")]
    NoEvaluation12Months,
    /// A step's level went down from the previous measurement to the latest.
    RegressedSincePrevious,
    /// Past the halfway date with less than half of the work components done.
    ComponentsBehind,
    /// No submitted baseline measurement (nulmeting) is linked.
    NoBaseline,
}

impl Flag {
    pub const ALL: [Flag; 4] = [
        Flag::NoEvaluation12Months,
        Flag::RegressedSincePrevious,
        Flag::ComponentsBehind,
        Flag::NoBaseline,
    ];

    pub fn id(self) -> &'static str {
        match self {
            Flag::NoEvaluation12Months => "no_evaluation_12_months",
            Flag::RegressedSincePrevious => "regressed_since_previous",
            Flag::ComponentsBehind => "components_behind",
            Flag::NoBaseline => "no_baseline",
        }
    }
}

/// What the flags are computed from.
pub struct FlagInput {
    pub today: NaiveDate,
    pub start_date: NaiveDate,
    pub planned_end_date: NaiveDate,
    pub last_evaluation: Option<NaiveDate>,
    pub has_baseline: bool,
    pub regressed_since_previous: bool,
    pub components_done: usize,
    pub components_total: usize,
}

/// The attention flags of a trajectory, in a fixed order.
pub fn flags(input: &FlagInput) -> Vec<Flag> {
    let mut flags = Vec::new();
    let stale = match input.last_evaluation {
        Some(last) => months_between(last, input.today) >= 12,
        None => months_between(input.start_date, input.today) >= 12,
    };
    if stale {
        flags.push(Flag::NoEvaluation12Months);
    }
    if input.regressed_since_previous {
        flags.push(Flag::RegressedSincePrevious);
    }
    let span = (input.planned_end_date - input.start_date)
        .num_days()
        .max(0);
    let halfway = input.start_date + chrono::Duration::days(span / 2);
    if input.today > halfway && input.components_done * 2 < input.components_total {
        flags.push(Flag::ComponentsBehind);
    }
    if !input.has_baseline {
        flags.push(Flag::NoBaseline);
    }
    flags
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn the_programme_lists_the_seven_work_components() {
        let ids: Vec<_> = programme()
            .components
            .iter()
            .map(|c| c.id.as_str())
            .collect();
        assert_eq!(
            ids,
            [
                "lob_visie",
                "doorlopende_leerlijn",
                "lob_curriculumplanner",
                "teamontwikkelplan",
                "lob_beleid",
                "monitoring",
                "evaluatie"
            ]
        );
        assert_eq!(
            programme().component("lob_beleid").unwrap().name,
            "LOB-beleid"
        );
    }

    #[test]
    fn every_value_serialises_as_its_id() {
        fn check<T: Serialize + Copy>(all: &[T], id: impl Fn(T) -> &'static str) {
            for v in all {
                assert_eq!(serde_json::to_value(v).unwrap(), id(*v));
            }
        }
        check(&Flag::ALL, Flag::id);
        check(&TrajectoryStatus::ALL, TrajectoryStatus::id);
        check(&ComponentStatus::ALL, ComponentStatus::id);
        check(&ActionStatus::ALL, ActionStatus::id);
        check(&crate::Level::ALL, crate::Level::id);
        check(&crate::Answer::ALL, crate::Answer::id);
        check(&crate::Moment::ALL, crate::Moment::id);
        check(&crate::Status::ALL, crate::Status::id);
        check(&crate::Change::ALL, crate::Change::id);
        check(
            crate::institution::Sector::ALL,
            crate::institution::Sector::id,
        );
        check(
            crate::institution::SchoolType::ALL,
            crate::institution::SchoolType::id,
        );
        check(
            crate::institution::UnitKind::ALL,
            crate::institution::UnitKind::id,
        );
        check(
            crate::institution::KerngroepFunction::ALL,
            crate::institution::KerngroepFunction::id,
        );
    }

    #[test]
    fn months_count_whole_calendar_months() {
        assert_eq!(months_between(d("2025-01-31"), d("2025-02-28")), 0);
        assert_eq!(months_between(d("2025-01-15"), d("2025-02-15")), 1);
        assert_eq!(months_between(d("2024-09-01"), d("2025-08-31")), 11);
        assert_eq!(months_between(d("2024-09-01"), d("2025-09-01")), 12);
        assert_eq!(months_between(d("2025-09-01"), d("2025-07-01")), -2);
    }

    fn input() -> FlagInput {
        FlagInput {
            today: d("2026-06-01"),
            start_date: d("2025-09-01"),
            planned_end_date: d("2027-07-31"),
            last_evaluation: Some(d("2025-10-01")),
            has_baseline: true,
            regressed_since_previous: false,
            components_done: 1,
            components_total: 7,
        }
    }

    #[test]
    fn a_healthy_trajectory_has_no_flags() {
        assert!(flags(&input()).is_empty());
    }

    #[test]
    fn each_flag_is_raised_by_its_own_condition() {
        let stale = FlagInput {
            last_evaluation: Some(d("2025-06-01")),
            ..input()
        };
        assert_eq!(flags(&stale), [Flag::NoEvaluation12Months]);
        let never = FlagInput {
            last_evaluation: None,
            start_date: d("2025-05-31"),
            has_baseline: true,
            ..input()
        };
        assert_eq!(flags(&never), [Flag::NoEvaluation12Months]);
        let regressed = FlagInput {
            regressed_since_previous: true,
            ..input()
        };
        assert_eq!(flags(&regressed), [Flag::RegressedSincePrevious]);
        let late = FlagInput {
            today: d("2026-09-01"),
            last_evaluation: Some(d("2026-06-01")),
            ..input()
        };
        assert_eq!(flags(&late), [Flag::ComponentsBehind]);
        let half_done = FlagInput {
            components_done: 4,
            ..late
        };
        assert!(flags(&half_done).is_empty());
        let no_baseline = FlagInput {
            has_baseline: false,
            ..input()
        };
        assert_eq!(flags(&no_baseline), [Flag::NoBaseline]);
    }
}
