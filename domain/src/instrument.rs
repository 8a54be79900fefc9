//! The instruments the service rates against, as data. Each instrument is a JSON file under
//! `domain/data/`, compiled into the binary and parsed once; the text in it is copied verbatim
//! from the published source and carries that source's publisher, version and reuse terms.

use crate::scale::{Answer, Level};
use serde::{Deserialize, Serialize};
use std::sync::LazyLock;

/// One version of an instrument: the framework's principles, competences, steps with their
/// checklist questions, and the scales used to rate them.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Instrument {
    pub id: String,
    pub version: String,
    pub title: String,
    pub version_label: String,
    pub publisher: String,
    pub initiators: Vec<String>,
    pub authors: Vec<String>,
    pub copyright: String,
    pub reuse_terms: String,
    pub source_url: String,
    pub checklist_intro: Option<String>,
    pub self_evaluation_intro: Option<String>,
    pub remarks_label: String,
    pub uitgangspunten: Vec<Uitgangspunt>,
    pub competences: Vec<Competence>,
    pub steps: Vec<Step>,
    pub levels: Vec<ScaleLabel<Level>>,
    pub answers: Vec<ScaleLabel<Answer>>,
}

/// One of the five principles (uitgangspunten) of the sector-wide vision on LOB.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Uitgangspunt {
    pub number: u8,
    pub statement: String,
    pub key_elements: Vec<String>,
}

/// One of the five career competences (loopbaancompetenties).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Competence {
    pub id: String,
    pub name: String,
    pub question: Option<String>,
    pub description: Option<String>,
}

/// A step of the 5-stappenplan with the uitgangspunten it serves and its checklist questions.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Step {
    pub number: u8,
    pub title: String,
    pub description: Option<String>,
    pub uitgangspunten: Vec<u8>,
    pub questions: Vec<Question>,
}

/// A checklist question, identified `step.position` (`1.1` … `5.3`) in source order.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Question {
    pub id: String,
    pub text: String,
}

/// A value of a scale with its label in the source language.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScaleLabel<T> {
    pub id: T,
    pub label: String,
}

impl Instrument {
    pub fn step(&self, number: u8) -> Option<&Step> {
        self.steps.iter().find(|s| s.number == number)
    }

    /// The question with this id and the number of the step it belongs to.
    pub fn question(&self, id: &str) -> Option<(&Step, &Question)> {
        self.steps
            .iter()
            .find_map(|s| s.questions.iter().find(|q| q.id == id).map(|q| (s, q)))
    }

    pub fn questions(&self) -> impl Iterator<Item = (&Step, &Question)> {
        self.steps
            .iter()
            .flat_map(|s| s.questions.iter().map(move |q| (s, q)))
    }

    pub fn question_count(&self) -> usize {
        self.steps.iter().map(|s| s.questions.len()).sum()
    }
}

/// Every instrument the service knows, each version once.
pub struct Catalogue {
    instruments: Vec<Instrument>,
}

impl Catalogue {
    pub fn all(&self) -> &[Instrument] {
        &self.instruments
    }

    pub fn get(&self, id: &str, version: &str) -> Option<&Instrument> {
        self.instruments
            .iter()
            .find(|i| i.id == id && i.version == version)
    }

    /// The newest version of an instrument (versions are `YYYY-MM`, so they sort as text).
    pub fn latest(&self, id: &str) -> Option<&Instrument> {
        self.instruments
            .iter()
            .filter(|i| i.id == id)
            .max_by(|a, b| a.version.cmp(&b.version))
    }

    pub fn versions<'a>(&'a self, id: &'a str) -> impl Iterator<Item = &'a Instrument> + 'a {
        self.instruments.iter().filter(move |i| i.id == id)
    }
}

const SOURCES: &[&str] = &[include_str!("../data/kwaliteitskader-lob-2026-04.json")];

static CATALOGUE: LazyLock<Catalogue> = LazyLock::new(|| Catalogue {
    instruments: SOURCES
        .iter()
        .map(|text| {
            // The files are compiled in and parsed by the unit tests below, so a failure here
            // can only be a build made without running them.
            #[allow(clippy::expect_used)]
            serde_json::from_str(text).expect("instrument data compiled into the binary parses")
        })
        .collect(),
});

/// The catalogue of instruments compiled into this build.
pub fn catalogue() -> &'static Catalogue {
    &CATALOGUE
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kader() -> &'static Instrument {
        catalogue().get("kwaliteitskader-lob", "2026-04").unwrap()
    }

    #[test]
    fn the_kwaliteitskader_has_five_uitgangspunten_competences_and_steps() {
        let k = kader();
        assert_eq!(k.version_label, "Versie 1, april 2026");
        assert_eq!(
            k.uitgangspunten
                .iter()
                .map(|u| u.number)
                .collect::<Vec<_>>(),
            [1, 2, 3, 4, 5]
        );
        assert!(
            k.uitgangspunten
                .iter()
                .all(|u| !u.statement.is_empty() && !u.key_elements.is_empty())
        );
        let competences: Vec<_> = k.competences.iter().map(|c| c.id.as_str()).collect();
        assert_eq!(
            competences,
            [
                "kwaliteitsreflectie",
                "motievenreflectie",
                "werkexploratie",
                "loopbaansturing",
                "netwerken"
            ]
        );
        assert_eq!(
            k.steps.iter().map(|s| s.number).collect::<Vec<_>>(),
            [1, 2, 3, 4, 5]
        );
    }

    #[test]
    fn steps_serve_the_uitgangspunten_named_in_the_source() {
        let map: Vec<Vec<u8>> = kader()
            .steps
            .iter()
            .map(|s| s.uitgangspunten.clone())
            .collect();
        assert_eq!(map, vec![vec![1, 2], vec![3], vec![4], vec![5], vec![5]]);
    }

    #[test]
    fn the_checklist_has_twenty_questions_numbered_in_source_order() {
        let k = kader();
        let counts: Vec<usize> = k.steps.iter().map(|s| s.questions.len()).collect();
        assert_eq!(counts, [4, 7, 3, 3, 3]);
        assert_eq!(k.question_count(), 20);
        for s in &k.steps {
            for (i, q) in s.questions.iter().enumerate() {
                assert_eq!(q.id, format!("{}.{}", s.number, i + 1));
                assert!(q.text.ends_with('?'), "{} is a question: {}", q.id, q.text);
            }
        }
    }

    #[test]
    fn checklist_text_is_verbatim_from_the_source() {
        let k = kader();
        assert_eq!(
            k.question("1.1").unwrap().1.text,
            "Is er een gedeelde LOB-visie en ambitie, gebaseerd op de sector-overstijgende visie, die wordt gedragen door management, medewerkers en leerlingen/studenten?"
        );
        assert_eq!(
            k.question("5.3").unwrap().1.text,
            "Is er een cultuur waarin teamleden samen leren en ontwikkelen rondom LOB?"
        );
        assert_eq!(
            k.step(2).unwrap().title,
            "Creeër een krachtige LOB-leeromgeving"
        );
    }

    #[test]
    fn levels_and_answers_carry_the_source_labels_in_scale_order() {
        let k = kader();
        let levels: Vec<_> = k.levels.iter().map(|l| (l.id, l.label.as_str())).collect();
        assert_eq!(
            levels,
            [
                (Level::Minimal, "Minimaal"),
                (Level::Basic, "Basis"),
                (Level::Integrated, "Geïntegreerd")
            ]
        );
        let answers: Vec<_> = k.answers.iter().map(|a| (a.id, a.label.as_str())).collect();
        assert_eq!(
            answers,
            [
                (Answer::Yes, "ja"),
                (Answer::Partly, "gedeeltelijk"),
                (Answer::No, "nee"),
                (Answer::Unknown, "weet niet")
            ]
        );
        assert_eq!(k.remarks_label, "Opmerkingen");
    }

    #[test]
    fn the_instrument_names_its_source_and_reuse_terms() {
        let k = kader();
        assert_eq!(k.publisher, "Expertisepunt LOB");
        assert!(k.reuse_terms.contains("bronvermelding"));
        assert_eq!(
            catalogue().latest("kwaliteitskader-lob").unwrap().version,
            "2026-04"
        );
        assert!(catalogue().latest("no-such-instrument").is_none());
    }
}
