use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "evaluation_answers")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub evaluation_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub question_id: String,
    pub answer: String,
    pub explanation: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
