//! Comparing two evaluations of the same subject and instrument version: per step the level
//! before and after, per question the answer before and after, and counts per step and per
//! uitgangspunt. Always read from the earlier evaluation to the later one.

use crate::evaluation::Content;
use crate::instrument::Instrument;
use crate::scale::{Answer, Level};
use serde::Serialize;
use std::cmp::Ordering;

/// The direction of a change between two measurements.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Change {
    Improved,
    Regressed,
    Unchanged,
    /// One side is missing or answered `unknown` (and the two differ), so there is no direction.
    NotComparable,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StepChange {
    pub step: u8,
    pub from: Option<Level>,
    pub to: Option<Level>,
    pub change: Change,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct QuestionChange {
    pub question_id: String,
    pub step: u8,
    pub from: Option<Answer>,
    pub to: Option<Answer>,
    pub change: Change,
}

/// How many of a group of items moved each way.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    pub improved: u32,
    pub regressed: u32,
    pub unchanged: u32,
    pub not_comparable: u32,
}

impl Counts {
    pub fn add(&mut self, change: Change) {
        match change {
            Change::Improved => self.improved += 1,
            Change::Regressed => self.regressed += 1,
            Change::Unchanged => self.unchanged += 1,
            Change::NotComparable => self.not_comparable += 1,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StepSummary {
    pub step: u8,
    pub level_change: Change,
    pub questions: Counts,
}

/// The steps serving one uitgangspunt, summarised: how their levels moved and how their
/// questions moved. Levels are counted, never averaged into a new level.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UitgangspuntSummary {
    pub uitgangspunt: u8,
    pub steps: Vec<u8>,
    pub levels: Counts,
    pub questions: Counts,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Comparison {
    pub steps: Vec<StepChange>,
    pub questions: Vec<QuestionChange>,
    pub step_summaries: Vec<StepSummary>,
    pub uitgangspunt_summaries: Vec<UitgangspuntSummary>,
}

impl Change {
    pub const ALL: [Change; 4] = [
        Change::Improved,
        Change::Regressed,
        Change::Unchanged,
        Change::NotComparable,
    ];

    pub fn id(self) -> &'static str {
        match self {
            Change::Improved => "improved",
            Change::Regressed => "regressed",
            Change::Unchanged => "unchanged",
            Change::NotComparable => "not_comparable",
        }
    }
}

fn direction(ord: Ordering) -> Change {
    match ord {
        Ordering::Less => Change::Improved,
        Ordering::Greater => Change::Regressed,
        Ordering::Equal => Change::Unchanged,
    }
}

/// The change from one level to the next.
pub fn level_change(from: Option<Level>, to: Option<Level>) -> Change {
    match (from, to) {
        (Some(a), Some(b)) => direction(a.cmp(&b)),
        _ => Change::NotComparable,
    }
}

/// The change from one answer to the next; the same answer twice is unchanged even when it is
/// `unknown`, any other change involving `unknown` has no direction.
pub fn answer_change(from: Option<Answer>, to: Option<Answer>) -> Change {
    match (from, to) {
        (Some(a), Some(b)) if a == b => Change::Unchanged,
        (Some(a), Some(b)) => match (a.rank(), b.rank()) {
            (Some(x), Some(y)) => direction(x.cmp(&y)),
            _ => Change::NotComparable,
        },
        _ => Change::NotComparable,
    }
}

/// Compares `earlier` with `later`, both rated against `instrument`.
pub fn compare(instrument: &Instrument, earlier: &Content, later: &Content) -> Comparison {
    let steps: Vec<StepChange> = instrument
        .steps
        .iter()
        .map(|s| {
            let (from, to) = (earlier.level(s.number), later.level(s.number));
            StepChange {
                step: s.number,
                from,
                to,
                change: level_change(from, to),
            }
        })
        .collect();
    let questions: Vec<QuestionChange> = instrument
        .questions()
        .map(|(s, q)| {
            let from = earlier.answer(&q.id).map(|a| a.answer);
            let to = later.answer(&q.id).map(|a| a.answer);
            QuestionChange {
                question_id: q.id.clone(),
                step: s.number,
                from,
                to,
                change: answer_change(from, to),
            }
        })
        .collect();
    let question_counts = |step_numbers: &[u8]| {
        let mut counts = Counts::default();
        questions
            .iter()
            .filter(|q| step_numbers.contains(&q.step))
            .for_each(|q| counts.add(q.change));
        counts
    };
    let step_summaries = steps
        .iter()
        .map(|s| StepSummary {
            step: s.step,
            level_change: s.change,
            questions: question_counts(&[s.step]),
        })
        .collect();
    let uitgangspunt_summaries = instrument
        .uitgangspunten
        .iter()
        .map(|u| {
            let serving: Vec<u8> = instrument
                .steps
                .iter()
                .filter(|s| s.uitgangspunten.contains(&u.number))
                .map(|s| s.number)
                .collect();
            let mut levels = Counts::default();
            steps
                .iter()
                .filter(|s| serving.contains(&s.step))
                .for_each(|s| levels.add(s.change));
            UitgangspuntSummary {
                uitgangspunt: u.number,
                questions: question_counts(&serving),
                steps: serving,
                levels,
            }
        })
        .collect();
    Comparison {
        steps,
        questions,
        step_summaries,
        uitgangspunt_summaries,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::evaluation::{AnswerEntry, LevelEntry};
    use crate::instrument::catalogue;

    fn content(answer: impl Fn(&str) -> Answer, level: impl Fn(u8) -> Level) -> Content {
        let k = catalogue().latest("kwaliteitskader-lob").unwrap();
        Content {
            answers: k
                .questions()
                .map(|(_, q)| AnswerEntry {
                    question_id: q.id.clone(),
                    answer: answer(&q.id),
                    explanation: None,
                })
                .collect(),
            levels: k
                .steps
                .iter()
                .map(|s| LevelEntry {
                    step: s.number,
                    level: Some(level(s.number)),
                    remarks: None,
                })
                .collect(),
        }
    }

    #[test]
    fn answer_changes_follow_no_partly_yes_and_unknown_has_no_direction() {
        use Answer::*;
        assert_eq!(answer_change(Some(No), Some(Partly)), Change::Improved);
        assert_eq!(answer_change(Some(Yes), Some(No)), Change::Regressed);
        assert_eq!(answer_change(Some(Partly), Some(Partly)), Change::Unchanged);
        assert_eq!(
            answer_change(Some(Unknown), Some(Unknown)),
            Change::Unchanged
        );
        assert_eq!(
            answer_change(Some(Unknown), Some(Yes)),
            Change::NotComparable
        );
        assert_eq!(
            answer_change(Some(No), Some(Unknown)),
            Change::NotComparable
        );
        assert_eq!(answer_change(None, Some(Yes)), Change::NotComparable);
    }

    #[test]
    fn level_changes_follow_the_level_order() {
        use Level::*;
        assert_eq!(
            level_change(Some(Minimal), Some(Integrated)),
            Change::Improved
        );
        assert_eq!(level_change(Some(Basic), Some(Minimal)), Change::Regressed);
        assert_eq!(level_change(Some(Basic), Some(Basic)), Change::Unchanged);
    }

    #[test]
    fn summaries_count_per_step_and_per_uitgangspunt() {
        let k = catalogue().latest("kwaliteitskader-lob").unwrap();
        let before = content(|_| Answer::No, |_| Level::Minimal);
        let after = content(
            |id| {
                if id.starts_with("2.") {
                    Answer::Yes
                } else if id == "5.1" {
                    Answer::Unknown
                } else {
                    Answer::No
                }
            },
            |s| if s == 2 { Level::Basic } else { Level::Minimal },
        );
        let c = compare(k, &before, &after);
        assert_eq!(c.steps[1].change, Change::Improved);
        assert_eq!(c.step_summaries[1].questions.improved, 7);
        assert_eq!(c.step_summaries[4].questions.not_comparable, 1);
        assert_eq!(c.step_summaries[4].questions.unchanged, 2);
        let u3 = &c.uitgangspunt_summaries[2];
        assert_eq!((u3.uitgangspunt, u3.steps.clone()), (3, vec![2]));
        assert_eq!(u3.levels.improved, 1);
        let u5 = &c.uitgangspunt_summaries[4];
        assert_eq!(u5.steps, vec![4, 5]);
        assert_eq!(u5.levels.unchanged, 2);
        assert_eq!(u5.questions.unchanged + u5.questions.not_comparable, 6);
        let u1 = &c.uitgangspunt_summaries[0];
        assert_eq!(u1.steps, vec![1]);
    }
}
