use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "action_points")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub institution_id: Uuid,
    pub step: i16,
    pub question_id: Option<String>,
    pub evaluation_id: Option<Uuid>,
    pub trajectory_id: Option<Uuid>,
    pub description: String,
    pub owner_id: Option<Uuid>,
    pub due_date: Option<Date>,
    pub status: String,
    pub created_by: Uuid,
    pub created_at: DateTimeUtc,
    pub updated_by: Uuid,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
