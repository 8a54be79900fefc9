//! Request and response bodies of the evaluation endpoints.

use crate::db::evaluations::Evaluation;
use crate::schema;
use chrono::{DateTime, NaiveDate, Utc};
use lobkader_domain::institution::KerngroepFunction;
use lobkader_domain::{
    Answer, AnswerEntry, Instrument, Level, LevelEntry, Moment, Participant, Status,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;
use validator::Validate;

#[derive(Debug, Clone, Deserialize, Serialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ParticipantDto {
    #[validate(length(min = 1, max = 200))]
    #[schema(min_length = 1, max_length = 200, example = "A. Jansen")]
    pub name: String,
    #[schema(value_type = Option<schema::KerngroepFunction>)]
    pub function: Option<KerngroepFunction>,
    /// The person's account, if they have one.
    pub user_id: Option<Uuid>,
}

impl From<ParticipantDto> for Participant {
    fn from(p: ParticipantDto) -> Self {
        Participant {
            name: p.name.trim().to_owned(),
            function: p.function,
            user_id: p.user_id,
        }
    }
}

impl From<Participant> for ParticipantDto {
    fn from(p: Participant) -> Self {
        ParticipantDto {
            name: p.name,
            function: p.function,
            user_id: p.user_id,
        }
    }
}

#[derive(Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateEvaluationRequest {
    #[validate(length(min = 1, max = 100))]
    #[schema(min_length = 1, max_length = 100, example = "kwaliteitskader-lob")]
    pub instrument_id: String,
    /// The instrument version; the latest when absent.
    #[validate(length(min = 1, max = 20))]
    #[schema(min_length = 1, max_length = 20, example = "2026-04")]
    pub instrument_version: Option<String>,
    /// The date the evaluation is about; the school year (1 August – 31 July) follows from it.
    #[serde(deserialize_with = "crate::extract::date")]
    pub reference_date: NaiveDate,
    #[schema(value_type = schema::Moment)]
    pub moment: Moment,
    /// A location, department or team of the institution, if the evaluation is about one.
    pub unit_id: Option<Uuid>,
    /// The trajectory (Traject Borging LOB) this evaluation is a measurement moment of; it
    /// must be a trajectory of the same institution.
    pub trajectory_id: Option<Uuid>,
    #[validate(length(min = 1, max = 200))]
    #[schema(min_length = 1, max_length = 200)]
    pub title: Option<String>,
    #[serde(default)]
    #[validate(length(max = 50), nested)]
    #[schema(max_items = 50)]
    pub participants: Vec<ParticipantDto>,
}

#[derive(Debug, Clone, Deserialize, Serialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AnswerDto {
    #[validate(length(min = 1, max = 20))]
    #[schema(min_length = 1, max_length = 20, example = "1.1")]
    pub question_id: String,
    #[schema(value_type = schema::Answer)]
    pub answer: Answer,
    #[validate(length(max = 4000))]
    #[schema(max_length = 4000)]
    pub explanation: Option<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LevelDto {
    #[validate(range(min = 1, max = 99))]
    #[schema(minimum = 1, maximum = 99, example = 1)]
    pub step: u8,
    /// The level; absent or `null` while the step is not yet rated.
    #[schema(value_type = Option<schema::Level>)]
    pub level: Option<Level>,
    /// The Opmerkingen column.
    #[validate(length(max = 4000))]
    #[schema(max_length = 4000)]
    pub remarks: Option<String>,
}

/// A change to a draft. Answers and levels are upserted by question id and step number: each
/// entry replaces what was recorded for that question or step. Absent fields stay as they are;
/// `null` clears `unit_id` and `title`.
#[derive(Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateEvaluationRequest {
    #[serde(default)]
    #[validate(length(max = 200), nested)]
    #[schema(max_items = 200)]
    pub answers: Vec<AnswerDto>,
    #[serde(default)]
    #[validate(length(max = 50), nested)]
    #[schema(max_items = 50)]
    pub levels: Vec<LevelDto>,
    #[serde(default, deserialize_with = "crate::extract::optional_date")]
    pub reference_date: Option<NaiveDate>,
    #[schema(value_type = Option<schema::Moment>)]
    pub moment: Option<Moment>,
    #[serde(
        default,
        deserialize_with = "crate::routes::institutions::double_option"
    )]
    #[schema(value_type = Option<Uuid>)]
    pub unit_id: Option<Option<Uuid>>,
    #[serde(
        default,
        deserialize_with = "crate::routes::institutions::double_option"
    )]
    #[validate(length(min = 1, max = 200))]
    #[schema(value_type = Option<String>, min_length = 1, max_length = 200)]
    pub title: Option<Option<String>>,
    #[validate(length(max = 50), nested)]
    #[schema(max_items = 50)]
    pub participants: Option<Vec<ParticipantDto>>,
    /// Links the evaluation to a trajectory of its institution; `null` unlinks it.
    #[serde(
        default,
        deserialize_with = "crate::routes::institutions::double_option"
    )]
    #[schema(value_type = Option<Uuid>)]
    pub trajectory_id: Option<Option<Uuid>>,
}

impl From<AnswerDto> for AnswerEntry {
    fn from(a: AnswerDto) -> Self {
        AnswerEntry {
            question_id: a.question_id,
            answer: a.answer,
            explanation: a.explanation.filter(|e| !e.trim().is_empty()),
        }
    }
}

impl From<LevelDto> for LevelEntry {
    fn from(l: LevelDto) -> Self {
        LevelEntry {
            step: l.step,
            level: l.level,
            remarks: l.remarks.filter(|r| !r.trim().is_empty()),
        }
    }
}

/// A remark on the consistency of the ratings: information, never a rejection.
#[derive(Serialize, ToSchema)]
pub struct HintDto {
    /// `integrated_with_mostly_no`, `minimal_with_all_yes` or `mostly_unknown`.
    pub code: String,
    pub step: u8,
    pub message: String,
}

/// An evaluation without its answers and levels, as lists show it.
#[derive(Serialize, ToSchema)]
pub struct EvaluationSummary {
    pub id: Uuid,
    pub institution_id: Uuid,
    pub unit_id: Option<Uuid>,
    pub instrument_id: String,
    pub instrument_version: String,
    pub reference_date: NaiveDate,
    /// The school year, 1 August – 31 July, e.g. `2025-2026`.
    #[schema(example = "2025-2026")]
    pub school_year: String,
    #[schema(value_type = schema::Moment)]
    pub moment: Moment,
    #[schema(value_type = schema::EvaluationStatus)]
    pub status: Status,
    /// Increases with every change; the `ETag` is derived from it.
    pub revision: i32,
    pub title: Option<String>,
    pub participants: Vec<ParticipantDto>,
    /// The submitted evaluation this one corrects.
    pub supersedes_id: Option<Uuid>,
    /// The correction that replaces this evaluation, if any.
    pub superseded_by: Option<Uuid>,
    /// The trajectory this evaluation is a measurement moment of, if any.
    pub trajectory_id: Option<Uuid>,
    pub created_by: Uuid,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub submitted_at: Option<DateTime<Utc>>,
    pub submitted_by: Option<Uuid>,
}

impl From<Evaluation> for EvaluationSummary {
    fn from(e: Evaluation) -> Self {
        EvaluationSummary {
            school_year: e.school_year().to_string(),
            id: e.id,
            institution_id: e.institution_id,
            unit_id: e.unit_id,
            instrument_id: e.instrument_id,
            instrument_version: e.instrument_version,
            reference_date: e.reference_date,
            moment: e.moment,
            status: e.status,
            revision: e.revision,
            title: e.title,
            participants: e.participants.into_iter().map(Into::into).collect(),
            supersedes_id: e.supersedes_id,
            superseded_by: e.superseded_by,
            trajectory_id: e.trajectory_id,
            created_by: e.created_by,
            created_at: e.created_at,
            updated_at: e.updated_at,
            submitted_at: e.submitted_at,
            submitted_by: e.submitted_by,
        }
    }
}

/// An evaluation in full: answers and levels in instrument order, consistency hints, and what
/// is still missing before it can be submitted.
#[derive(Serialize, ToSchema)]
pub struct EvaluationResponse {
    #[serde(flatten)]
    pub summary: EvaluationSummary,
    pub answers: Vec<AnswerDto>,
    pub levels: Vec<LevelDto>,
    pub hints: Vec<HintDto>,
    pub missing: Vec<crate::error::MissingItem>,
}

impl EvaluationResponse {
    pub fn new(mut e: Evaluation, instrument: &Instrument) -> Self {
        let mut content = std::mem::take(&mut e.content);
        content.sort_for(instrument);
        EvaluationResponse {
            hints: content
                .hints(instrument)
                .into_iter()
                .map(|h| HintDto {
                    code: h.code.to_owned(),
                    step: h.step,
                    message: h.message,
                })
                .collect(),
            missing: content
                .missing(instrument)
                .into_iter()
                .map(Into::into)
                .collect(),
            answers: content
                .answers
                .into_iter()
                .map(|a| AnswerDto {
                    question_id: a.question_id,
                    answer: a.answer,
                    explanation: a.explanation,
                })
                .collect(),
            levels: content
                .levels
                .into_iter()
                .map(|l| LevelDto {
                    step: l.step,
                    level: l.level,
                    remarks: l.remarks,
                })
                .collect(),
            summary: e.into(),
        }
    }
}
