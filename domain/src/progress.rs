//! Progress over time: the submitted evaluations of one subject (an institution or a
//! trajectory) in date order, with a correction taking the place of what it supersedes; per
//! step the change since the baseline (the first measurement) and since the previous one and
//! the gap to the target; per uitgangspunt a summary counted from its steps (never an average
//! of levels passed off as a level); and the school years without any evaluation.

use crate::comparison::{Change, Counts, level_change};
use crate::evaluation::Moment;
use crate::instrument::Instrument;
use crate::scale::Level;
use crate::school_year::SchoolYear;
use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use std::collections::HashSet;
use uuid::Uuid;

/// How many questions of an evaluation got each answer.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct AnswerCounts {
    pub yes: u32,
    pub partly: u32,
    pub no: u32,
    pub unknown: u32,
}

/// One submitted evaluation as the timeline needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Measurement {
    pub id: Uuid,
    pub reference_date: NaiveDate,
    pub submitted_at: Option<DateTime<Utc>>,
    pub moment: Moment,
    pub title: Option<String>,
    pub supersedes_id: Option<Uuid>,
    pub levels: Vec<(u8, Level)>,
    pub answers: AnswerCounts,
}

impl Measurement {
    pub fn level(&self, step: u8) -> Option<Level> {
        self.levels
            .iter()
            .find(|(s, _)| *s == step)
            .map(|(_, l)| *l)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StepProgress {
    pub step: u8,
    pub baseline: Option<Level>,
    pub previous: Option<Level>,
    pub latest: Option<Level>,
    pub change_since_baseline: Option<Change>,
    pub change_since_previous: Option<Change>,
    pub target: Option<Level>,
    /// Levels still to go to the target: 0 when reached or passed; absent without a target
    /// or a measurement.
    pub gap: Option<u8>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UitgangspuntProgress {
    pub uitgangspunt: u8,
    pub steps: Vec<u8>,
    /// How the levels of its steps moved since the baseline.
    pub since_baseline: Counts,
    /// How the levels of its steps moved since the previous measurement.
    pub since_previous: Counts,
    /// How many of its steps with a target have reached it.
    pub targets_reached: u32,
    pub targets_total: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SchoolYearEntry {
    pub school_year: SchoolYear,
    pub evaluation_ids: Vec<Uuid>,
    /// True when no evaluation was submitted in this school year.
    pub gap: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Progress {
    /// The measurements that count, oldest first.
    pub evaluations: Vec<Measurement>,
    pub steps: Vec<StepProgress>,
    pub uitgangspunten: Vec<UitgangspuntProgress>,
    pub school_years: Vec<SchoolYearEntry>,
}

/// Builds the progress of a subject from its submitted evaluations (in any order) and its
/// target levels, counting school years up to the one containing `today`.
pub fn progress(
    instrument: &Instrument,
    mut all: Vec<Measurement>,
    targets: &[(u8, Level)],
    today: NaiveDate,
) -> Progress {
    let superseded: HashSet<Uuid> = all.iter().filter_map(|m| m.supersedes_id).collect();
    all.retain(|m| !superseded.contains(&m.id));
    all.sort_by_key(|m| (m.reference_date, m.submitted_at, m.id));
    let first = all.first();
    let latest = all.last();
    let previous = all.len().checked_sub(2).and_then(|i| all.get(i));
    let target = |step: u8| targets.iter().find(|(s, _)| *s == step).map(|(_, l)| *l);
    let steps: Vec<StepProgress> = instrument
        .steps
        .iter()
        .map(|s| {
            let (baseline, previous, latest) = (
                first.and_then(|m| m.level(s.number)),
                previous.and_then(|m| m.level(s.number)),
                latest.and_then(|m| m.level(s.number)),
            );
            let target = target(s.number);
            StepProgress {
                step: s.number,
                baseline,
                previous,
                latest,
                change_since_baseline: (all.len() >= 2).then(|| level_change(baseline, latest)),
                change_since_previous: previous.is_some().then(|| level_change(previous, latest)),
                target,
                gap: match (target, latest) {
                    (Some(t), Some(l)) => Some((t as u8).saturating_sub(l as u8)),
                    _ => None,
                },
            }
        })
        .collect();
    let uitgangspunten = instrument
        .uitgangspunten
        .iter()
        .map(|u| {
            let serving: Vec<&StepProgress> = instrument
                .steps
                .iter()
                .filter(|s| s.uitgangspunten.contains(&u.number))
                .filter_map(|s| steps.iter().find(|p| p.step == s.number))
                .collect();
            let mut since_baseline = Counts::default();
            let mut since_previous = Counts::default();
            for p in &serving {
                if let Some(c) = p.change_since_baseline {
                    since_baseline.add(c);
                }
                if let Some(c) = p.change_since_previous {
                    since_previous.add(c);
                }
            }
            let with_target: Vec<_> = serving.iter().filter(|p| p.target.is_some()).collect();
            UitgangspuntProgress {
                uitgangspunt: u.number,
                steps: serving.iter().map(|p| p.step).collect(),
                since_baseline,
                since_previous,
                targets_reached: with_target.iter().filter(|p| p.gap == Some(0)).count() as u32,
                targets_total: with_target.len() as u32,
            }
        })
        .collect();
    let school_years = match first {
        None => Vec::new(),
        Some(first) => {
            let mut year = SchoolYear::containing(first.reference_date);
            let last = SchoolYear::containing(today)
                .max(latest.map_or(year, |m| SchoolYear::containing(m.reference_date)));
            let mut years = Vec::new();
            while year <= last {
                let ids: Vec<Uuid> = all
                    .iter()
                    .filter(|m| SchoolYear::containing(m.reference_date) == year)
                    .map(|m| m.id)
                    .collect();
                years.push(SchoolYearEntry {
                    school_year: year,
                    gap: ids.is_empty(),
                    evaluation_ids: ids,
                });
                year = year.next();
            }
            years
        }
    };
    Progress {
        evaluations: all,
        steps,
        uitgangspunten,
        school_years,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::instrument::catalogue;

    fn kader() -> &'static Instrument {
        catalogue().latest("kwaliteitskader-lob").unwrap()
    }

    fn m(n: u128, date: &str, levels: [Level; 5]) -> Measurement {
        Measurement {
            id: Uuid::from_u128(n),
            reference_date: date.parse().unwrap(),
            submitted_at: None,
            moment: Moment::Annual,
            title: None,
            supersedes_id: None,
            levels: (1..=5).zip(levels).collect(),
            answers: AnswerCounts::default(),
        }
    }

    use Level::{Basic as B, Integrated as I, Minimal as M};

    #[test]
    fn steps_change_since_the_first_and_the_previous_measurement() {
        let p = progress(
            kader(),
            vec![
                m(3, "2026-10-01", [I, B, M, M, B]),
                m(1, "2024-10-01", [M, M, M, B, B]),
                m(2, "2025-10-01", [B, B, M, I, B]),
            ],
            &[(1, I), (2, I), (4, B), (5, M)],
            "2026-11-01".parse().unwrap(),
        );
        assert_eq!(
            p.evaluations
                .iter()
                .map(|e| e.id.as_u128())
                .collect::<Vec<_>>(),
            [1, 2, 3]
        );
        let s1 = &p.steps[0];
        assert_eq!(
            (s1.baseline, s1.previous, s1.latest),
            (Some(M), Some(B), Some(I))
        );
        assert_eq!(
            (s1.change_since_baseline, s1.change_since_previous),
            (Some(Change::Improved), Some(Change::Improved))
        );
        assert_eq!((s1.target, s1.gap), (Some(I), Some(0)));
        assert_eq!(p.steps[1].gap, Some(1));
        assert_eq!(p.steps[3].change_since_previous, Some(Change::Regressed));
        assert_eq!(p.steps[3].change_since_baseline, Some(Change::Regressed));
        assert_eq!(p.steps[3].gap, Some(1));
        assert_eq!(p.steps[4].gap, Some(0), "passing the target is no gap");
        assert_eq!(p.steps[2].target, None);
        assert_eq!(p.steps[2].gap, None);
        let u5 = &p.uitgangspunten[4];
        assert_eq!(u5.steps, [4, 5]);
        assert_eq!(
            (u5.since_baseline.regressed, u5.since_baseline.unchanged),
            (1, 1)
        );
        assert_eq!((u5.targets_reached, u5.targets_total), (1, 2));
    }

    #[test]
    fn a_correction_replaces_the_evaluation_it_supersedes() {
        let mut fixed = m(4, "2025-10-01", [I, I, I, I, I]);
        fixed.supersedes_id = Some(Uuid::from_u128(2));
        let p = progress(
            kader(),
            vec![
                m(1, "2024-10-01", [M; 5]),
                m(2, "2025-10-01", [B; 5]),
                fixed,
            ],
            &[],
            "2025-11-01".parse().unwrap(),
        );
        assert_eq!(
            p.evaluations
                .iter()
                .map(|e| e.id.as_u128())
                .collect::<Vec<_>>(),
            [1, 4]
        );
        assert_eq!(p.steps[0].latest, Some(I));
    }

    #[test]
    fn school_years_without_an_evaluation_are_gaps_up_to_today() {
        let p = progress(
            kader(),
            vec![m(1, "2022-09-15", [M; 5]), m(2, "2024-06-01", [B; 5])],
            &[],
            "2025-09-01".parse().unwrap(),
        );
        let years: Vec<(String, bool)> = p
            .school_years
            .iter()
            .map(|y| (y.school_year.to_string(), y.gap))
            .collect();
        assert_eq!(
            years,
            [
                ("2022-2023".into(), false),
                ("2023-2024".into(), false),
                ("2024-2025".into(), true),
                ("2025-2026".into(), true)
            ]
        );
    }

    #[test]
    fn a_single_measurement_has_no_changes_yet() {
        let p = progress(
            kader(),
            vec![m(1, "2025-10-01", [B; 5])],
            &[(1, B)],
            "2025-11-01".parse().unwrap(),
        );
        assert_eq!(p.steps[0].change_since_baseline, None);
        assert_eq!(p.steps[0].change_since_previous, None);
        assert_eq!(p.steps[0].gap, Some(0));
        let empty = progress(kader(), vec![], &[(1, B)], "2025-11-01".parse().unwrap());
        assert!(empty.school_years.is_empty());
        assert_eq!(empty.steps[0].latest, None);
    }
}
