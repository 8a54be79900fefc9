//! What a first start on an empty database needs: an admin account and a signing key.

use crate::auth::{Role, password};
use crate::config::Settings;
use crate::db::{Db, secrets, users};
use crate::startup::StartupError;
use lobkader_domain::institution::Email;
use rand::Rng;
use rand::distr::Alphanumeric;
use secrecy::{ExposeSecret, SecretString};

fn random_text(len: usize) -> String {
    rand::rng()
        .sample_iter(&Alphanumeric)
        .take(len)
        .map(char::from)
        .collect()
}

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
        None => (SecretString::from(random_text(20)), true),
    };
    let hash = password::hash(password.clone())
        .await
        .map_err(|e| e.to_string())?;
    let tx = db.begin_write().await?;
    // Another replica may have made the admin meanwhile; the write lock makes this check exact.
    if users::count(&*tx).await? > 0 {
        return Ok(());
    }
    users::create(&*tx, &email, "Administrator", hash, Role::Admin).await?;
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

/// The token-signing key: the configured one, or the one generated on the first start.
pub async fn signing_key(db: &Db, settings: &Settings) -> Result<Vec<u8>, StartupError> {
    if let Some(secret) = &settings.jwt_secret {
        let bytes = secret.expose_secret().as_bytes();
        if bytes.len() < 32 {
            return Err("LOBKADER_JWT_SECRET must be at least 32 bytes".into());
        }
        return Ok(bytes.to_vec());
    }
    let key = secrets::get_or_create(db.conn(), "jwt_signing_key", || random_text(64)).await?;
    Ok(key.into_bytes())
}
