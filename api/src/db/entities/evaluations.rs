use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "evaluations")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub institution_id: Uuid,
    pub unit_id: Option<Uuid>,
    pub instrument_id: String,
    pub instrument_version: String,
    pub reference_date: Date,
    pub school_year: i32,
    pub moment: String,
    pub status: String,
    pub revision: i32,
    pub title: Option<String>,
    pub participants: Json,
    pub supersedes_id: Option<Uuid>,
    pub created_by: Uuid,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub submitted_at: Option<DateTimeUtc>,
    pub submitted_by: Option<Uuid>,
    pub trajectory_id: Option<Uuid>,
    /// Set at submission: how many questions got each answer.
    pub answers_yes: Option<i32>,
    pub answers_partly: Option<i32>,
    pub answers_no: Option<i32>,
    pub answers_unknown: Option<i32>,
    /// Set at submission: the step levels as `step=level` pairs joined by commas.
    pub step_levels: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
