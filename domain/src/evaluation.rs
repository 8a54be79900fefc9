//! Evaluations: what a kerngroep records against an instrument (an answer per checklist
//! question, a level per step), the rules for submitting one, and the consistency hints that
//! point out — never reject — ratings that sit oddly with the answers.

use crate::instrument::Instrument;
use crate::scale::{Answer, Level, id_enum_text};
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, HashSet};
use std::fmt;
use std::str::FromStr;

/// The kind of measurement moment an evaluation is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Moment {
    /// Nulmeting.
    Baseline,
    /// Tussenmeting.
    Interim,
    /// Eindmeting.
    Final,
    Annual,
    Other,
}

impl Moment {
    pub const ALL: [Moment; 5] = [
        Moment::Baseline,
        Moment::Interim,
        Moment::Final,
        Moment::Annual,
        Moment::Other,
    ];

    pub fn id(self) -> &'static str {
        match self {
            Moment::Baseline => "baseline",
            Moment::Interim => "interim",
            Moment::Final => "final",
            Moment::Annual => "annual",
            Moment::Other => "other",
        }
    }
}

/// A draft can be edited; a submitted evaluation never changes again.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Draft,
    Submitted,
}

impl Status {
    pub const ALL: [Status; 2] = [Status::Draft, Status::Submitted];

    pub fn id(self) -> &'static str {
        match self {
            Status::Draft => "draft",
            Status::Submitted => "submitted",
        }
    }
}

id_enum_text!(Moment);
id_enum_text!(Status);

/// The answer to one checklist question.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AnswerEntry {
    pub question_id: String,
    pub answer: Answer,
    pub explanation: Option<String>,
}

/// The rating of one step; remarks may be written before a level is chosen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LevelEntry {
    pub step: u8,
    pub level: Option<Level>,
    pub remarks: Option<String>,
}

/// Someone who took part in an evaluation: a kerngroep member or anyone else at the table
/// (a leerling, a parent, a coach), with or without an account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Participant {
    pub name: String,
    pub function: Option<crate::institution::KerngroepFunction>,
    pub user_id: Option<uuid::Uuid>,
}

/// What an evaluation holds: its answers and step levels.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Content {
    pub answers: Vec<AnswerEntry>,
    pub levels: Vec<LevelEntry>,
}

/// Something an evaluation lacks before it can be submitted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Missing {
    Answer { question_id: String },
    Level { step: u8 },
}

/// Why a proposed change to an evaluation is not acceptable for its instrument.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PatchError {
    /// Where in the request, e.g. `answers[2].question_id`.
    pub field: String,
    pub message: String,
}

/// A remark on the consistency of an evaluation: information for the kerngroep, never a rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Hint {
    /// A stable identifier of the kind of hint.
    pub code: &'static str,
    pub step: u8,
    pub message: String,
}

impl Content {
    pub fn answer(&self, question_id: &str) -> Option<&AnswerEntry> {
        self.answers.iter().find(|a| a.question_id == question_id)
    }

    pub fn level(&self, step: u8) -> Option<Level> {
        self.levels
            .iter()
            .find(|l| l.step == step)
            .and_then(|l| l.level)
    }

    /// Everything still to fill in before submitting, in instrument order: each unanswered
    /// question, then each step without a level.
    pub fn missing(&self, instrument: &Instrument) -> Vec<Missing> {
        let answered: HashSet<&str> = self
            .answers
            .iter()
            .map(|a| a.question_id.as_str())
            .collect();
        let questions = instrument
            .questions()
            .filter(|(_, q)| !answered.contains(q.id.as_str()))
            .map(|(_, q)| Missing::Answer {
                question_id: q.id.clone(),
            });
        let steps = instrument
            .steps
            .iter()
            .filter(|s| self.level(s.number).is_none())
            .map(|s| Missing::Level { step: s.number });
        questions.chain(steps).collect()
    }

    /// Applies a change: each given answer and level replaces the one for its question or
    /// step, or is added. What the change does not name stays as it was.
    pub fn apply(&mut self, answers: &[AnswerEntry], levels: &[LevelEntry]) {
        for a in answers {
            match self
                .answers
                .iter_mut()
                .find(|x| x.question_id == a.question_id)
            {
                Some(x) => *x = a.clone(),
                None => self.answers.push(a.clone()),
            }
        }
        for l in levels {
            match self.levels.iter_mut().find(|x| x.step == l.step) {
                Some(x) => *x = l.clone(),
                None => self.levels.push(l.clone()),
            }
        }
    }

    /// How many questions got each answer.
    pub fn answer_counts(&self) -> crate::progress::AnswerCounts {
        let mut counts = crate::progress::AnswerCounts::default();
        for a in &self.answers {
            match a.answer {
                Answer::Yes => counts.yes += 1,
                Answer::Partly => counts.partly += 1,
                Answer::No => counts.no += 1,
                Answer::Unknown => counts.unknown += 1,
            }
        }
        counts
    }

    /// Sorts answers and levels into instrument order, so every reader sees the same order.
    pub fn sort_for(&mut self, instrument: &Instrument) {
        let position: HashMap<&str, usize> = instrument
            .questions()
            .enumerate()
            .map(|(i, (_, q))| (q.id.as_str(), i))
            .collect();
        self.answers.sort_by_key(|a| {
            position
                .get(a.question_id.as_str())
                .copied()
                .unwrap_or(usize::MAX)
        });
        self.levels.sort_by_key(|l| l.step);
    }

    /// The consistency hints for this content.
    pub fn hints(&self, instrument: &Instrument) -> Vec<Hint> {
        let mut hints = Vec::new();
        for step in &instrument.steps {
            let Some(level) = self.level(step.number) else {
                continue;
            };
            let total = step.questions.len();
            // One look-up per question: every response that shows an evaluation has its hints.
            let (mut no, mut yes, mut unknown) = (0, 0, 0);
            for question in &step.questions {
                match self.answer(&question.id).map(|a| a.answer) {
                    Some(Answer::No) => no += 1,
                    Some(Answer::Yes) => yes += 1,
                    Some(Answer::Unknown) => unknown += 1,
                    Some(Answer::Partly) | None => {}
                }
            }
            if level == Level::Integrated && no * 2 > total {
                hints.push(Hint {
                    code: "integrated_with_mostly_no",
                    step: step.number,
                    message: format!(
                        "Step {} is rated integrated while {no} of its {total} questions are answered no.",
                        step.number
                    ),
                });
            }
            if level == Level::Minimal && yes == total {
                hints.push(Hint {
                    code: "minimal_with_all_yes",
                    step: step.number,
                    message: format!(
                        "Step {} is rated minimal while all {total} of its questions are answered yes.",
                        step.number
                    ),
                });
            }
            if unknown * 2 > total {
                hints.push(Hint {
                    code: "mostly_unknown",
                    step: step.number,
                    message: format!(
                        "Step {} is rated while {unknown} of its {total} questions are answered unknown.",
                        step.number
                    ),
                });
            }
        }
        hints
    }
}

/// The reference dates an evaluation may have: from 2000 to 2099. Anything else is a typo.
pub fn check_reference_date(date: chrono::NaiveDate) -> Result<(), PatchError> {
    use chrono::Datelike;
    if (2000..=2099).contains(&date.year()) {
        Ok(())
    } else {
        Err(PatchError {
            field: "reference_date".into(),
            message: "must be a date between 2000-01-01 and 2099-12-31".into(),
        })
    }
}

/// Checks that a change names only questions and steps of this instrument, each at most once.
pub fn check_patch(
    instrument: &Instrument,
    answers: &[AnswerEntry],
    levels: &[LevelEntry],
) -> Result<(), Vec<PatchError>> {
    let mut errors = Vec::new();
    let mut seen_questions = HashSet::new();
    for (i, a) in answers.iter().enumerate() {
        if instrument.question(&a.question_id).is_none() {
            errors.push(PatchError {
                field: format!("answers[{i}].question_id"),
                message: format!("`{}` is not a question of this instrument", a.question_id),
            });
        } else if !seen_questions.insert(a.question_id.as_str()) {
            errors.push(PatchError {
                field: format!("answers[{i}].question_id"),
                message: format!("question `{}` is answered twice", a.question_id),
            });
        }
    }
    let mut seen_steps = HashSet::new();
    for (i, l) in levels.iter().enumerate() {
        if instrument.step(l.step).is_none() {
            errors.push(PatchError {
                field: format!("levels[{i}].step"),
                message: format!("{} is not a step of this instrument", l.step),
            });
        } else if !seen_steps.insert(l.step) {
            errors.push(PatchError {
                field: format!("levels[{i}].step"),
                message: format!("step {} is rated twice", l.step),
            });
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

impl fmt::Display for Missing {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Missing::Answer { question_id } => write!(f, "question {question_id} is not answered"),
            Missing::Level { step } => write!(f, "step {step} has no level"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::instrument::catalogue;

    fn kader() -> &'static Instrument {
        catalogue().latest("kwaliteitskader-lob").unwrap()
    }

    fn answer(q: &str, a: Answer) -> AnswerEntry {
        AnswerEntry {
            question_id: q.into(),
            answer: a,
            explanation: None,
        }
    }

    #[test]
    fn a_change_replaces_what_it_names_and_keeps_the_rest() {
        let mut content = Content {
            answers: vec![answer("1.1", Answer::No), answer("1.2", Answer::Yes)],
            levels: vec![LevelEntry {
                step: 1,
                level: None,
                remarks: Some("first thoughts".into()),
            }],
        };
        content.apply(
            &[
                answer("1.1", Answer::Partly),
                answer("2.1", Answer::Unknown),
            ],
            &[
                LevelEntry {
                    step: 1,
                    level: Some(Level::Basic),
                    remarks: None,
                },
                LevelEntry {
                    step: 3,
                    level: Some(Level::Minimal),
                    remarks: None,
                },
            ],
        );
        assert_eq!(
            content.answers,
            vec![
                answer("1.1", Answer::Partly),
                answer("1.2", Answer::Yes),
                answer("2.1", Answer::Unknown)
            ]
        );
        assert_eq!(content.level(1), Some(Level::Basic));
        assert_eq!(
            content.levels[0].remarks, None,
            "the whole entry is replaced"
        );
        assert_eq!(content.level(3), Some(Level::Minimal));
        let counts = content.answer_counts();
        assert_eq!(
            (counts.yes, counts.partly, counts.no, counts.unknown),
            (1, 1, 0, 1)
        );
    }

    fn all_answered(answer: Answer, level: Level) -> Content {
        let k = kader();
        Content {
            answers: k
                .questions()
                .map(|(_, q)| AnswerEntry {
                    question_id: q.id.clone(),
                    answer,
                    explanation: None,
                })
                .collect(),
            levels: k
                .steps
                .iter()
                .map(|s| LevelEntry {
                    step: s.number,
                    level: Some(level),
                    remarks: None,
                })
                .collect(),
        }
    }

    #[test]
    fn an_empty_evaluation_misses_every_question_and_every_step() {
        let missing = Content::default().missing(kader());
        assert_eq!(missing.len(), 25);
        assert_eq!(
            missing[0],
            Missing::Answer {
                question_id: "1.1".into()
            }
        );
        assert_eq!(missing[24], Missing::Level { step: 5 });
    }

    #[test]
    fn a_step_with_remarks_but_no_level_is_still_missing() {
        let mut c = all_answered(Answer::Yes, Level::Basic);
        c.levels[2].level = None;
        c.levels[2].remarks = Some("nog bespreken".into());
        assert_eq!(c.missing(kader()), vec![Missing::Level { step: 3 }]);
    }

    #[test]
    fn a_complete_evaluation_misses_nothing() {
        assert!(
            all_answered(Answer::Partly, Level::Basic)
                .missing(kader())
                .is_empty()
        );
    }

    #[test]
    fn integrated_with_mostly_no_answers_is_hinted_per_step() {
        let hints = all_answered(Answer::No, Level::Integrated).hints(kader());
        let codes: Vec<_> = hints.iter().map(|h| (h.code, h.step)).collect();
        assert_eq!(codes.len(), 5);
        assert!(codes.iter().all(|(c, _)| *c == "integrated_with_mostly_no"));
    }

    #[test]
    fn exactly_half_no_is_not_mostly_no() {
        let mut c = all_answered(Answer::Yes, Level::Integrated);
        // step 1 has four questions: two no is half, not most
        c.answers[0].answer = Answer::No;
        c.answers[1].answer = Answer::No;
        assert!(c.hints(kader()).is_empty());
        c.answers[2].answer = Answer::No;
        assert_eq!(c.hints(kader())[0].step, 1);
    }

    #[test]
    fn minimal_with_all_yes_and_mostly_unknown_are_hinted() {
        let codes: Vec<_> = all_answered(Answer::Yes, Level::Minimal)
            .hints(kader())
            .into_iter()
            .map(|h| h.code)
            .collect();
        assert_eq!(codes, ["minimal_with_all_yes"; 5]);
        let codes: Vec<_> = all_answered(Answer::Unknown, Level::Basic)
            .hints(kader())
            .into_iter()
            .map(|h| h.code)
            .collect();
        assert_eq!(codes, ["mostly_unknown"; 5]);
    }

    #[test]
    fn reference_dates_outside_this_century_are_rejected() {
        let d = |y| chrono::NaiveDate::from_ymd_opt(y, 1, 1).unwrap();
        assert!(check_reference_date(d(2000)).is_ok());
        assert!(check_reference_date(d(2099)).is_ok());
        assert!(check_reference_date(d(1999)).is_err());
        assert!(check_reference_date(d(2100)).is_err());
    }

    #[test]
    fn patches_naming_unknown_or_repeated_questions_and_steps_are_rejected() {
        let a = |id: &str| AnswerEntry {
            question_id: id.into(),
            answer: Answer::Yes,
            explanation: None,
        };
        let l = |step| LevelEntry {
            step,
            level: Some(Level::Basic),
            remarks: None,
        };
        assert!(check_patch(kader(), &[a("1.1"), a("5.3")], &[l(1), l(5)]).is_ok());
        let errors = check_patch(
            kader(),
            &[a("1.5"), a("2.1"), a("2.1")],
            &[l(0), l(6), l(2), l(2)],
        )
        .unwrap_err();
        let fields: Vec<_> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "answers[0].question_id",
                "answers[2].question_id",
                "levels[0].step",
                "levels[1].step",
                "levels[3].step"
            ]
        );
    }
}
