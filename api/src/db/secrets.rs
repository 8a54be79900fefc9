//! Service secrets kept in the database, such as the generated token-signing key, so that
//! every replica and every restart uses the same one.

use super::entities::service_secrets;
use chrono::Utc;
use sea_orm::{ConnectionTrait, DbErr, EntityTrait, Set};

/// The secret stored under `name`, storing `generate()` first if there is none. When two
/// processes start at once, the first insert wins and both read the same value.
pub async fn get_or_create(
    db: &impl ConnectionTrait,
    name: &str,
    generate: impl FnOnce() -> String,
) -> Result<String, DbErr> {
    service_secrets::Entity::insert(service_secrets::ActiveModel {
        name: Set(name.to_owned()),
        value: Set(generate()),
        created_at: Set(Utc::now()),
    })
    .on_conflict_do_nothing_on([service_secrets::Column::Name])
    .exec(db)
    .await?;
    service_secrets::Entity::find_by_id(name.to_owned())
        .one(db)
        .await?
        .map(|s| s.value)
        .ok_or_else(|| DbErr::RecordNotFound(format!("service secret {name}")))
}
