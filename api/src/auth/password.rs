//! Argon2id password hashing. Each hash needs its memory at once, so hashes run on the
//! blocking pool at most one per core at a time: a burst of logins queues instead of
//! multiplying the memory the process needs.

use crate::error::{ApiError, ApiResult};
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use argon2::{Algorithm, Argon2, Params, Version};
use secrecy::{ExposeSecret, SecretString};
use std::sync::LazyLock;
use tokio::sync::Semaphore;

/// OWASP's Argon2id setting of 12 MiB, 3 passes, 1 lane: as strong as 19 MiB with 2 passes,
/// with less memory per hash.
const M_COST_KIB: u32 = 12 * 1024;
const T_COST: u32 = 3;

static HASHING: LazyLock<Semaphore> =
    LazyLock::new(|| Semaphore::new(std::thread::available_parallelism().map_or(1, |n| n.get())));

fn argon2() -> ApiResult<Argon2<'static>> {
    let params = Params::new(M_COST_KIB, T_COST, 1, None).map_err(ApiError::internal)?;
    Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
}

/// Runs `work` on the blocking pool once a hashing slot is free.
async fn bounded<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> ApiResult<T> {
    let _slot = HASHING.acquire().await.map_err(ApiError::internal)?;
    tokio::task::spawn_blocking(work)
        .await
        .map_err(ApiError::internal)
}

/// Hashes a password to a PHC string (`$argon2id$v=19$…`).
pub async fn hash(password: SecretString) -> ApiResult<String> {
    let hasher = argon2()?;
    bounded(move || {
        hasher
            .hash_password(password.expose_secret().as_bytes())
            .map(|h| h.to_string())
            .map_err(ApiError::internal)
    })
    .await?
}

/// Whether `password` matches the stored hash (with the parameters stored in it). A malformed
/// stored hash never matches.
pub async fn verify(password: SecretString, stored: String) -> ApiResult<bool> {
    let verifier = argon2()?;
    bounded(move || {
        let Ok(parsed) = PasswordHash::new(&stored) else {
            return false;
        };
        verifier
            .verify_password(password.expose_secret().as_bytes(), &parsed)
            .is_ok()
    })
    .await
}

/// A hash of a random password with the current parameters, verified against when the account
/// does not exist, so that a failed login takes as long whether or not the address is known.
pub fn dummy_hash() -> String {
    "$argon2id$v=19$m=12288,t=3,p=1$c29tZXNhbHRzb21lc2FsdA$W5m1cE4tAW0bOmTUpPoNCyZnO1Q+k6PUuzYQn9Pv2kc".to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_hash_verifies_its_password_only() {
        let hashed = hash(SecretString::from("een-lang-wachtwoord"))
            .await
            .unwrap();
        assert!(hashed.starts_with("$argon2id$v=19$m=12288,t=3,p=1$"));
        assert!(
            verify(SecretString::from("een-lang-wachtwoord"), hashed.clone())
                .await
                .unwrap()
        );
        assert!(
            !verify(SecretString::from("een-ander-wachtwoord"), hashed)
                .await
                .unwrap()
        );
        assert!(!verify(SecretString::from("x"), dummy_hash()).await.unwrap());
        assert!(
            !verify(SecretString::from("x"), "not a hash".into())
                .await
                .unwrap()
        );
    }
}
