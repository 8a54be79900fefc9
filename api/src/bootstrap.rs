//! What a first start on an empty database needs: an admin account and a signing key.
//! Every start reads the signing keys.

use crate::auth::token::TokenKeys;
use crate::auth::{Role, keys, password};
use crate::config::Settings;
use crate::db::audit::Actor;
use crate::db::{Db, users};
use crate::startup::StartupError;
use lobkader_domain::institution::Email;
use secrecy::{ExposeSecret, SecretString};

/// Creates the first admin when there are no accounts at all. Without a configured password
/// one is generated and printed once on standard output; it is stored only as a hash.
pub async fn first_admin(db: &Db, settings: &Settings) -> Result<(), StartupError> {
    if users::count(db.conn()).await? > 0 {
        return Ok(());
    }
    let email = Email::parse(&settings.admin_email)
        .map_err(|_| "LOBKADER_ADMIN_EMAIL is not a valid e-mail address")?;
    let (password, generated) = match &settings.admin_password {
        Some(p) if p.expose_secret().len() >= 12 => (p.clone(), false),
        Some(_) => return Err("LOBKADER_ADMIN_PASSWORD must be at least 12 characters".into()),
        None => (SecretString::from(password::random_text(20)), true),
    };
    let hash = password::hash(password.clone())
        .await
        .map_err(|e| e.to_string())?;
    let tx = db.begin_write().await?;
    // Another replica may have made the admin meanwhile; the write lock makes this check exact.
    if users::count(&*tx).await? > 0 {
        return Ok(());
    }
    let admin = users::create(&*tx, &email, "Administrator", hash, Role::Admin).await?;
    users::record_created(&*tx, Actor::System, &admin, Some("first start")).await?;
    tx.commit().await?;
    if generated {
        println!(
            "lobkader: created the first admin account\n  e-mail:   {}\n  password: {}\nStore this password now; it is not shown again.",
            email,
            password.expose_secret()
        );
    } else {
        println!("lobkader: created the first admin account {email}");
    }
    Ok(())
}

/// The token-signing keys: the configured ones, or the stored ones (a key is generated and
/// stored on the first start).
pub async fn signing_keys(db: &Db, settings: &Settings) -> Result<TokenKeys, StartupError> {
    if let Some(keys) = keys::configured(settings)? {
        return Ok(keys);
    }
    let (current, previous) = keys::stored(db.conn()).await?;
    Ok(TokenKeys::with_previous(&current, &previous, settings.token_ttl_seconds).stored())
}
