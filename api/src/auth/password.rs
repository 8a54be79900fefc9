//! Argon2id password hashing, run on the blocking pool so a hash never stalls the reactor.

use crate::error::{ApiError, ApiResult};
use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use secrecy::{ExposeSecret, SecretString};

/// Hashes a password to a PHC string (`$argon2id$v=19$…`).
pub async fn hash(password: SecretString) -> ApiResult<String> {
    tokio::task::spawn_blocking(move || {
        Argon2::default()
            .hash_password(password.expose_secret().as_bytes())
            .map(|h| h.to_string())
            .map_err(ApiError::internal)
    })
    .await
    .map_err(ApiError::internal)?
}

/// Whether `password` matches the stored hash. A malformed stored hash never matches.
pub async fn verify(password: SecretString, stored: String) -> ApiResult<bool> {
    tokio::task::spawn_blocking(move || {
        let Ok(parsed) = PasswordHash::new(&stored) else {
            return false;
        };
        Argon2::default()
            .verify_password(password.expose_secret().as_bytes(), &parsed)
            .is_ok()
    })
    .await
    .map_err(ApiError::internal)
}

/// A hash of a random password, verified against when the account does not exist, so that a
/// failed login takes as long whether or not the e-mail address is known.
pub fn dummy_hash() -> String {
    "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$W5m1cE4tAW0bOmTUpPoNCyZnO1Q+k6PUuzYQn9Pv2kc".to_owned()
}
