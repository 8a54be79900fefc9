//! Counters of failed logins, keyed by what was tried (e.g. `email:decaan@school.example`),
//! whether or not an account exists for it.

use super::entities::login_throttles as throttles;
use chrono::{DateTime, Utc};
use sea_orm::sea_query::OnConflict;
use sea_orm::{ConnectionTrait, DbErr, EntityTrait, Set};

/// The failures counted for `key` and the lock in force, if any.
pub async fn get(
    db: &impl ConnectionTrait,
    key: &str,
) -> Result<(i32, Option<DateTime<Utc>>), DbErr> {
    Ok(throttles::Entity::find_by_id(key.to_owned())
        .all(db)
        .await?
        .into_iter()
        .next()
        .map_or((0, None), |t| (t.failures, t.locked_until)))
}

/// Stores the failure count and lock of `key`.
pub async fn set(
    db: &impl ConnectionTrait,
    key: &str,
    failures: i32,
    locked_until: Option<DateTime<Utc>>,
) -> Result<(), DbErr> {
    throttles::Entity::insert(throttles::ActiveModel {
        key: Set(key.to_owned()),
        failures: Set(failures),
        locked_until: Set(locked_until),
        updated_at: Set(Utc::now()),
    })
    .on_conflict(
        OnConflict::column(throttles::Column::Key)
            .update_columns([
                throttles::Column::Failures,
                throttles::Column::LockedUntil,
                throttles::Column::UpdatedAt,
            ])
            .to_owned(),
    )
    .exec_without_returning(db)
    .await?;
    Ok(())
}

/// Forgets the failures of `key` after a successful login.
pub async fn clear(db: &impl ConnectionTrait, key: &str) -> Result<(), DbErr> {
    throttles::Entity::delete_by_id(key.to_owned())
        .exec(db)
        .await?;
    Ok(())
}
