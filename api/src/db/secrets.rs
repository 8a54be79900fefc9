//! Service secrets kept in the database, such as the generated token-signing key and the
//! previous keys that still verify, so that every replica and every restart uses the same ones.

use super::entities::service_secrets;
use chrono::{DateTime, Utc};
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};

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
        created_at: Set(super::now()),
    })
    .on_conflict_do_nothing_on([service_secrets::Column::Name])
    .exec(db)
    .await?;
    get(db, name)
        .await?
        .ok_or_else(|| DbErr::RecordNotFound(format!("service secret {name}")))
}

/// The secret stored under `name`, if there is one.
pub async fn get(db: &impl ConnectionTrait, name: &str) -> Result<Option<String>, DbErr> {
    Ok(service_secrets::Entity::find_by_id(name.to_owned())
        .all(db)
        .await?
        .into_iter()
        .next()
        .map(|s| s.value))
}

/// The secrets whose names start with `prefix`, with the moment each was stored, by name.
pub async fn with_prefix(
    db: &impl ConnectionTrait,
    prefix: &str,
) -> Result<Vec<(String, String, DateTime<Utc>)>, DbErr> {
    Ok(service_secrets::Entity::find()
        .filter(service_secrets::Column::Name.starts_with(prefix))
        .order_by_asc(service_secrets::Column::Name)
        .all(db)
        .await?
        .into_iter()
        .map(|s| (s.name, s.value, s.created_at))
        .collect())
}

/// The secret stored under `name`, locked until the transaction ends (on PostgreSQL; SQLite's
/// write transactions exclude each other anyway).
pub async fn get_for_update(
    db: &impl ConnectionTrait,
    name: &str,
) -> Result<Option<String>, DbErr> {
    Ok(service_secrets::Entity::find_by_id(name.to_owned())
        .lock_exclusive()
        .all(db)
        .await?
        .into_iter()
        .next()
        .map(|s| s.value))
}

/// Stores `value` under `name`, replacing what was there; `at` becomes its creation time.
pub async fn put(
    db: &impl ConnectionTrait,
    name: &str,
    value: String,
    at: DateTime<Utc>,
) -> Result<(), DbErr> {
    service_secrets::Entity::insert(service_secrets::ActiveModel {
        name: Set(name.to_owned()),
        value: Set(value),
        created_at: Set(at),
    })
    .on_conflict(
        OnConflict::column(service_secrets::Column::Name)
            .update_columns([
                service_secrets::Column::Value,
                service_secrets::Column::CreatedAt,
            ])
            .to_owned(),
    )
    .exec_without_returning(db)
    .await?;
    Ok(())
}

/// Removes the secret stored under `name`.
pub async fn delete(db: &impl ConnectionTrait, name: &str) -> Result<(), DbErr> {
    service_secrets::Entity::delete_by_id(name.to_owned())
        .exec(db)
        .await?;
    Ok(())
}
