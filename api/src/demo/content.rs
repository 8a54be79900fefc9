//! What the demo kerngroepen fill in: answers that sit with the step levels they chose, the
//! usual remark per step (or the story of this measurement), partial drafts and corrections.

use super::region;
use lobkader_domain::{Answer, AnswerEntry, Content, Instrument, Level, LevelEntry, Moment};

/// The level of `step` (1 to 5) in a row of five.
fn level_of(levels: &[Level; 5], step: u8) -> Level {
    levels
        .get(usize::from(step.saturating_sub(1)))
        .copied()
        .unwrap_or(Level::Minimal)
}

/// An answer that sits with the step's level: mostly no at minimal (now and then unknown at a
/// baseline), a mix of partly and yes at basic, mostly yes at integrated. The same level gives
/// the same answer, so a comparison shows changed answers only where the level moved.
pub fn answer(level: Level, moment: Moment, n: usize) -> Answer {
    match level {
        Level::Minimal if moment == Moment::Baseline && n % 7 == 3 => Answer::Unknown,
        Level::Minimal if n.is_multiple_of(3) => Answer::Partly,
        Level::Minimal => Answer::No,
        Level::Basic if n % 3 == 1 || n % 4 == 3 => Answer::Partly,
        Level::Basic => Answer::Yes,
        Level::Integrated if n % 4 == 3 => Answer::Partly,
        Level::Integrated => Answer::Yes,
    }
}

/// A complete evaluation: every question answered in line with its step's level, every step
/// rated with its usual remark or, for the step of `note`, the note. `variation` shifts the
/// answer pattern so that schools differ.
pub fn complete(
    kader: &Instrument,
    levels: &[Level; 5],
    moment: Moment,
    note: Option<(u8, &str)>,
    variation: usize,
) -> Content {
    let answers = (kader.questions().enumerate())
        .map(|(i, (step, q))| {
            let answer = answer(level_of(levels, step.number), moment, i + variation);
            AnswerEntry {
                question_id: q.id.clone(),
                answer,
                explanation: (answer == Answer::Unknown).then(|| {
                    "Weet de kerngroep nog niet; wordt uitgezocht vóór de volgende meting."
                        .to_owned()
                }),
            }
        })
        .collect();
    let levels = (kader.steps.iter())
        .map(|s| {
            let level = level_of(levels, s.number);
            let remark = match note {
                Some((step, text)) if step == s.number => text,
                _ => region::remark(s.number, level),
            };
            LevelEntry {
                step: s.number,
                level: Some(level),
                remarks: Some(remark.to_owned()),
            }
        })
        .collect();
    Content { answers, levels }
}

/// A draft half-way: the answers of the first `steps` steps and the level of the first.
pub fn draft(kader: &Instrument, full: Content, steps: u8) -> Content {
    let answers = (full.answers.into_iter())
        .filter(|a| {
            kader
                .question(&a.question_id)
                .is_some_and(|(s, _)| s.number <= steps)
        })
        .collect();
    let levels = full.levels.into_iter().take(1).collect();
    Content { answers, levels }
}

/// What a correction changes: the answers and levels of the steps whose level moved from
/// `before` to `after`, with the reason as their remark.
pub fn correction(
    kader: &Instrument,
    before: &[Level; 5],
    after: &[Level; 5],
    moment: Moment,
    reason: &str,
    variation: usize,
) -> Content {
    let changed = |step: u8| level_of(before, step) != level_of(after, step);
    let mut content = complete(kader, after, moment, None, variation);
    content.answers.retain(|a| {
        kader
            .question(&a.question_id)
            .is_some_and(|(s, _)| changed(s.number))
    });
    content.levels.retain(|l| changed(l.step));
    for l in &mut content.levels {
        l.remarks = Some(reason.to_owned());
    }
    content
}

/// The title of an evaluation: its kind of moment and school year.
pub fn label(moment: Moment) -> &'static str {
    match moment {
        Moment::Baseline => "Nulmeting",
        Moment::Interim => "Tussenmeting",
        Moment::Final => "Eindmeting",
        Moment::Annual => "Jaarlijkse zelfevaluatie",
        Moment::Other => "Zelfevaluatie",
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use crate::demo::region::{EvalKind, SCHOOLS};
    use lobkader_domain::catalogue;

    fn kader() -> &'static Instrument {
        catalogue().latest("kwaliteitskader-lob").unwrap()
    }

    #[test]
    fn every_demo_evaluation_is_complete_and_raises_no_consistency_hint() {
        let mut seen = 0;
        for (variation, school) in SCHOOLS.iter().enumerate() {
            let own = school.trajectory.iter().flat_map(|t| t.evaluations);
            for e in school.evaluations.iter().chain(own) {
                let mut rows = vec![e.levels];
                if let EvalKind::Corrected { levels, .. } = e.kind {
                    rows.push(levels);
                }
                for levels in rows {
                    let c = complete(kader(), &levels, e.moment, e.note, variation);
                    assert!(c.missing(kader()).is_empty(), "{}", school.name);
                    assert!(
                        c.hints(kader()).is_empty(),
                        "{}: {:?}",
                        school.name,
                        c.hints(kader())
                    );
                    seen += 1;
                }
            }
        }
        assert!(seen > 20);
    }

    #[test]
    fn a_correction_touches_only_the_steps_that_moved() {
        use Level::{Basic as B, Minimal as M};
        let fix = correction(
            kader(),
            &[B, B, M, B, M],
            &[B, B, M, M, M],
            Moment::Interim,
            "x",
            0,
        );
        assert_eq!(fix.levels.len(), 1);
        assert_eq!(fix.levels[0].step, 4);
        assert_eq!(fix.levels[0].level, Some(M));
        assert!(fix.answers.iter().all(|a| a.question_id.starts_with("4.")));
        assert_eq!(fix.answers.len(), 3);
    }

    #[test]
    fn a_draft_holds_the_first_steps_only() {
        let full = complete(kader(), &[Level::Basic; 5], Moment::Baseline, None, 0);
        let d = draft(kader(), full, 2);
        assert_eq!(d.answers.len(), 11, "4 questions of step 1 and 7 of step 2");
        assert_eq!(d.levels.len(), 1);
        assert!(!d.missing(kader()).is_empty());
    }
}
