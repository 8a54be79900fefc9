//! Where the token-signing keys come from, and rotating the stored ones.
//!
//! Either the settings name them (`LOBKADER_JWT_SECRET` signs, `LOBKADER_JWT_PREVIOUS_SECRETS`
//! only verify), or the service generates a key on its first start and keeps it in the
//! database. `lobkader keys rotate` replaces a stored key with a new one and keeps the old one
//! as a previous key until every token it signed has expired. Running processes re-read the
//! stored keys every [`RELOAD_EVERY`](super::token::RELOAD_EVERY), and at once (at most every
//! [`RELOAD_UNKNOWN_EVERY`](super::token::RELOAD_UNKNOWN_EVERY)) when they meet a token signed
//! with a key they do not know yet.

use super::password;
use super::token::{TokenKeys, key_id};
use crate::config::Settings;
use crate::db::audit::{self, Actor, Change};
use crate::db::{Db, secrets};
use chrono::{DateTime, Duration as Span, Utc};
use sea_orm::{ConnectionTrait, DbErr};
use secrecy::ExposeSecret;

/// The stored key that signs.
const CURRENT: &str = "jwt_signing_key";
/// The stored keys that only verify, each named by this prefix and its key id.
const PREVIOUS: &str = "jwt_previous_key:";
/// How long after its rotation a previous key is kept beyond the token lifetime: processes
/// that have not re-read the keys yet may have signed with it a little longer.
const PRUNE_MARGIN_SECONDS: i64 = 5 * 60;
/// The shortest key accepted.
const MIN_KEY_BYTES: usize = 32;

/// A new random key: 64 alphanumeric characters (about 380 bits).
pub fn generate() -> String {
    password::random_text(64)
}

/// The keys the settings name, or `None` when they name none (the stored keys are used then).
pub fn configured(settings: &Settings) -> Result<Option<TokenKeys>, String> {
    let Some(current) = &settings.jwt_secret else {
        if !settings.jwt_previous_secrets.is_empty() {
            return Err("LOBKADER_JWT_PREVIOUS_SECRETS needs LOBKADER_JWT_SECRET".into());
        }
        return Ok(None);
    };
    let current = current.expose_secret().as_bytes();
    if current.len() < MIN_KEY_BYTES {
        return Err("LOBKADER_JWT_SECRET must be at least 32 bytes".into());
    }
    let mut previous = Vec::new();
    for p in &settings.jwt_previous_secrets {
        let p = p.expose_secret().trim().as_bytes();
        if p.len() < MIN_KEY_BYTES {
            return Err("each of LOBKADER_JWT_PREVIOUS_SECRETS must be at least 32 bytes".into());
        }
        previous.push(p.to_vec());
    }
    Ok(Some(TokenKeys::with_previous(
        current,
        &previous,
        settings.token_ttl_seconds,
    )))
}

/// The stored keys: the current one (generated and stored first if there is none) and the
/// previous ones.
pub async fn stored(db: &impl ConnectionTrait) -> Result<(Vec<u8>, Vec<Vec<u8>>), DbErr> {
    let current = secrets::get_or_create(db, CURRENT, generate).await?;
    Ok((current.into_bytes(), stored_previous(db).await?))
}

/// The stored keys as they are, without storing any: `None` when there is no current key yet.
pub async fn read(db: &impl ConnectionTrait) -> Result<Option<(Vec<u8>, Vec<Vec<u8>>)>, DbErr> {
    let Some(current) = secrets::get(db, CURRENT).await? else {
        return Ok(None);
    };
    Ok(Some((current.into_bytes(), stored_previous(db).await?)))
}

async fn stored_previous(db: &impl ConnectionTrait) -> Result<Vec<Vec<u8>>, DbErr> {
    Ok(secrets::with_prefix(db, PREVIOUS)
        .await?
        .into_iter()
        .map(|(_, value, _)| value.into_bytes())
        .collect())
}

/// Re-reads the stored keys when they are due (see the module documentation); a failure is
/// logged, and the keys in memory stay in use.
pub async fn refresh(tokens: &TokenKeys, db: &impl ConnectionTrait, unknown_key: bool) {
    if !tokens.reload_due(unknown_key) {
        return;
    }
    match read(db).await {
        Ok(Some((current, previous))) => tokens.replace(&current, &previous),
        Ok(None) => tracing::warn!("the stored signing key is missing; the one in memory stays"),
        Err(e) => tracing::warn!(error = %e, "re-reading the stored signing keys failed"),
    }
}

/// What a rotation did, by key id.
#[derive(Debug)]
pub struct Rotation {
    pub current: String,
    pub retired: Option<String>,
    pub pruned: Vec<String>,
}

/// Replaces the stored signing key with a new one, keeps the old one as a previous key, and
/// drops previous keys no token can need any more.
pub async fn rotate(db: &Db, token_ttl_seconds: i64) -> Result<Rotation, DbErr> {
    let now = crate::db::now();
    let tx = db.begin_write().await?;
    let old = secrets::get_for_update(&*tx, CURRENT).await?;
    let new = generate();
    let retired = match old {
        Some(old) => {
            let id = key_id(old.as_bytes());
            secrets::put(&*tx, &format!("{PREVIOUS}{id}"), old, now).await?;
            Some(id)
        }
        None => None,
    };
    let current = key_id(new.as_bytes());
    secrets::put(&*tx, CURRENT, new, now).await?;
    let pruned = prune_in(&*tx, token_ttl_seconds, now).await?;
    let details = serde_json::json!({"key_id": current, "retired": retired, "pruned": pruned});
    record(&*tx, "signing_key.rotated", details).await?;
    tx.commit().await?;
    Ok(Rotation {
        current,
        retired,
        pruned,
    })
}

/// Drops the previous keys retired longer ago than the token lifetime (and a margin); their
/// ids.
pub async fn prune(db: &Db, token_ttl_seconds: i64) -> Result<Vec<String>, DbErr> {
    let tx = db.begin_write().await?;
    let pruned = prune_in(&*tx, token_ttl_seconds, crate::db::now()).await?;
    if !pruned.is_empty() {
        let details = serde_json::json!({"pruned": pruned});
        record(&*tx, "signing_key.pruned", details).await?;
    }
    tx.commit().await?;
    Ok(pruned)
}

/// The ids of the stored previous keys, with when each was retired.
pub async fn previous(db: &impl ConnectionTrait) -> Result<Vec<(String, DateTime<Utc>)>, DbErr> {
    Ok(secrets::with_prefix(db, PREVIOUS)
        .await?
        .into_iter()
        .map(|(_, value, at)| (key_id(value.as_bytes()), at))
        .collect())
}

async fn prune_in(
    db: &impl ConnectionTrait,
    token_ttl_seconds: i64,
    now: DateTime<Utc>,
) -> Result<Vec<String>, DbErr> {
    let before = now - Span::seconds(token_ttl_seconds.saturating_add(PRUNE_MARGIN_SECONDS));
    let mut pruned = Vec::new();
    for (name, value, retired) in secrets::with_prefix(db, PREVIOUS).await? {
        if retired < before {
            secrets::delete(db, &name).await?;
            pruned.push(key_id(value.as_bytes()));
        }
    }
    Ok(pruned)
}

async fn record(
    db: &impl ConnectionTrait,
    action: &'static str,
    details: serde_json::Value,
) -> Result<(), DbErr> {
    let change = Change {
        action,
        object_type: "signing_key",
        object_id: None,
        institution_id: None,
        details: Some(details),
    };
    audit::record(db, Actor::System, change).await
}
