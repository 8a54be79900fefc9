//! Counters of failed logins, keyed by what they limit: the address tried
//! (`email:decaan@school.example`, whether or not an account has it) or the client's network
//! address (`addr:192.0.2.1`, `addr:2001:db8:1:2::/64`).

use super::entities::login_throttles as throttles;
use chrono::{DateTime, Utc};
use sea_orm::sea_query::{LockBehavior, LockType, OnConflict};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    QueryTrait, Set,
};
use std::collections::HashMap;

/// What is recorded for one key. What `failures` and `updated_at` mean is up to the limit that
/// keeps the key: the login handler counts consecutive failures of an e-mail address, and the
/// fill level of a client address's bucket as of `updated_at`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Throttle {
    pub failures: i32,
    pub locked_until: Option<DateTime<Utc>>,
    pub updated_at: DateTime<Utc>,
}

impl From<throttles::Model> for Throttle {
    fn from(t: throttles::Model) -> Self {
        Throttle {
            failures: t.failures,
            locked_until: t.locked_until,
            updated_at: t.updated_at,
        }
    }
}

/// What is recorded for those of `keys` that have a record.
pub async fn get_many(
    db: &impl ConnectionTrait,
    keys: &[&str],
) -> Result<HashMap<String, Throttle>, DbErr> {
    Ok(throttles::Entity::find()
        .filter(throttles::Column::Key.is_in(keys.iter().copied()))
        .all(db)
        .await?
        .into_iter()
        .map(|t| (t.key.clone(), t.into()))
        .collect())
}

/// Like [`get_many`], inside a write transaction, with the records locked until it ends (on
/// PostgreSQL; SQLite's write transactions exclude each other anyway). Records are made for
/// keys without one, so that there is something to lock; keys are locked in one order, so
/// that two transactions cannot wait for each other.
pub async fn get_many_for_update(
    db: &impl ConnectionTrait,
    keys: &[&str],
    now: DateTime<Utc>,
) -> Result<HashMap<String, Throttle>, DbErr> {
    let mut sorted = keys.to_vec();
    sorted.sort_unstable();
    sorted.dedup();
    throttles::Entity::insert_many(sorted.iter().map(|key| throttles::ActiveModel {
        key: Set((*key).to_owned()),
        failures: Set(0),
        locked_until: Set(None),
        updated_at: Set(now),
    }))
    .on_conflict_do_nothing()
    .exec_without_returning(db)
    .await?;
    Ok(throttles::Entity::find()
        .filter(throttles::Column::Key.is_in(sorted.iter().copied()))
        .order_by_asc(throttles::Column::Key)
        .lock_exclusive()
        .all(db)
        .await?
        .into_iter()
        .map(|t| (t.key.clone(), t.into()))
        .collect())
}

/// Stores what is recorded for `key`.
pub async fn put(db: &impl ConnectionTrait, key: &str, throttle: Throttle) -> Result<(), DbErr> {
    throttles::Entity::insert(throttles::ActiveModel {
        key: Set(key.to_owned()),
        failures: Set(throttle.failures),
        locked_until: Set(throttle.locked_until),
        updated_at: Set(throttle.updated_at),
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

/// Forgets what is recorded for `key`, e.g. an address's failures after a successful login.
pub async fn clear(db: &impl ConnectionTrait, key: &str) -> Result<(), DbErr> {
    throttles::Entity::delete_by_id(key.to_owned())
        .exec(db)
        .await?;
    Ok(())
}

/// Removes the records last changed before `before`, except those a transaction has locked
/// (on PostgreSQL: an attempt is using them, and the purge neither waits for it nor makes it
/// wait); how many were removed.
pub async fn purge(db: &impl ConnectionTrait, before: DateTime<Utc>) -> Result<u64, DbErr> {
    let old = throttles::Entity::find()
        .select_only()
        .column(throttles::Column::Key)
        .filter(throttles::Column::UpdatedAt.lt(before))
        .lock_with_behavior(LockType::Update, LockBehavior::SkipLocked)
        .into_query();
    let removed = throttles::Entity::delete_many()
        .filter(throttles::Column::Key.in_subquery(old))
        .exec(db)
        .await?;
    Ok(removed.rows_affected)
}
