//! Argon2id password hashing. Each hash needs its memory at once, so hashes run on the
//! blocking pool a set number at a time (one unless [`set_slots`] says otherwise), each in a
//! block of memory kept for the next hash: a burst of logins queues instead of multiplying the
//! memory the process needs or taking every core, and the memory is not handed back and forth
//! to the allocator (which would keep a copy per thread).

use crate::error::{ApiError, ApiResult};
use argon2::password_hash::phc::{Output, ParamsString, PasswordHash, Salt};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use rand::Rng;
use rand::distr::Alphanumeric;
use secrecy::{ExposeSecret, SecretString};
use std::num::NonZeroUsize;
use std::sync::{LazyLock, Mutex, OnceLock};
use tokio::sync::Semaphore;

/// OWASP's Argon2id setting of 7 MiB, 5 passes, 1 lane: one of its equally strong choices
/// (19 MiB with 2 passes, 12 MiB with 3, 9 MiB with 4), and the one that needs the least memory
/// per hash for as much work. Hashes made with other parameters (earlier versions used 12 MiB
/// and 3 passes) verify with those stored in them.
const M_COST_KIB: u32 = 7 * 1024;
const T_COST: u32 = 5;
const OUTPUT_LEN: usize = 32;

static HASHING: LazyLock<Semaphore> = LazyLock::new(|| Semaphore::new(slots()));

/// The memory blocks of finished hashes, for the next ones: at most one per hashing slot.
static MEMORY: Mutex<Vec<Vec<Block>>> = Mutex::new(Vec::new());

/// How many hashes may run at once; see [`set_slots`].
static SLOTS: OnceLock<usize> = OnceLock::new();

/// Sets how many hashes may run at once (each holds 7 MiB while it runs, and keeps it for the
/// next), before the first hash. `false` when it was already set, or a hash already ran: the
/// number then stays as it was.
pub fn set_slots(slots: NonZeroUsize) -> bool {
    SLOTS.set(slots.get()).is_ok()
}

pub(crate) fn slots() -> usize {
    *SLOTS.get_or_init(|| 1)
}

fn params() -> ApiResult<Params> {
    Params::new(M_COST_KIB, T_COST, 1, Some(OUTPUT_LEN)).map_err(ApiError::internal)
}

/// Runs `work` on the blocking pool once a hashing slot is free, with memory for `blocks`
/// Argon2 blocks.
async fn bounded<T: Send + 'static>(
    blocks: usize,
    work: impl FnOnce(&mut [Block]) -> T + Send + 'static,
) -> ApiResult<T> {
    let _slot = HASHING.acquire().await.map_err(ApiError::internal)?;
    tokio::task::spawn_blocking(move || {
        let kept = MEMORY.lock().ok().and_then(|mut m| m.pop());
        let mut memory = kept.unwrap_or_default();
        memory.resize(blocks, Block::new());
        let result = work(&mut memory[..blocks]);
        // Only memory of the usual size is kept; an old hash with other parameters is rare.
        if memory.len() == params_blocks()
            && let Ok(mut kept) = MEMORY.lock()
            && kept.len() < slots()
        {
            kept.push(memory);
        }
        result
    })
    .await
    .map_err(ApiError::internal)
}

fn params_blocks() -> usize {
    params().map_or(0, |p| p.block_count())
}

/// Hashes a password to a PHC string (`$argon2id$v=19$…`).
pub async fn hash(password: SecretString) -> ApiResult<String> {
    let params = params()?;
    let salt = argon2::password_hash::try_generate_salt().map_err(ApiError::internal)?;
    bounded(params.block_count(), move |memory| {
        let mut out = [0u8; OUTPUT_LEN];
        Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone())
            .hash_password_into_with_memory(
                password.expose_secret().as_bytes(),
                &salt,
                &mut out,
                memory,
            )
            .map_err(ApiError::internal)?;
        let phc = PasswordHash {
            algorithm: Algorithm::Argon2id.ident(),
            version: Some(Version::V0x13.into()),
            params: ParamsString::try_from(&params).map_err(ApiError::internal)?,
            salt: Some(Salt::new(&salt).map_err(ApiError::internal)?),
            hash: Some(Output::new(&out).map_err(ApiError::internal)?),
        };
        Ok(phc.to_string())
    })
    .await?
}

/// Whether `password` matches the stored hash (with the parameters stored in it). A malformed
/// stored hash, or one of another algorithm, never matches.
pub async fn verify(password: SecretString, stored: String) -> ApiResult<bool> {
    let Ok(parsed) = PasswordHash::new(&stored) else {
        return Ok(false);
    };
    let (Ok(algorithm), Ok(params), Some(salt), Some(expected)) = (
        Algorithm::try_from(parsed.algorithm.as_str()),
        Params::try_from(&parsed),
        parsed.salt,
        parsed.hash,
    ) else {
        return Ok(false);
    };
    let version = match parsed.version.map(Version::try_from) {
        None => Version::default(),
        Some(Ok(v)) => v,
        Some(Err(_)) => return Ok(false),
    };
    if algorithm != Algorithm::Argon2id {
        return Ok(false);
    }
    bounded(params.block_count(), move |memory| {
        let mut out = vec![0u8; expected.len()];
        Argon2::new(algorithm, version, params)
            .hash_password_into_with_memory(
                password.expose_secret().as_bytes(),
                &salt,
                &mut out,
                memory,
            )
            .is_ok()
            && Output::new(&out).is_ok_and(|computed| computed == expected)
    })
    .await
}

/// A random text of `len` letters and digits, for generated passwords and keys.
pub fn random_text(len: usize) -> String {
    rand::rng()
        .sample_iter(&Alphanumeric)
        .take(len)
        .map(char::from)
        .collect()
}

/// A hash of a random password with the current parameters, verified against when the account
/// does not exist, so that a failed login takes as long whether or not the address is known.
pub fn dummy_hash() -> String {
    "$argon2id$v=19$m=7168,t=5,p=1$c29tZXNhbHRzb21lc2FsdA$0/B6vdeN/Q5PJRvQhblsNsx5QtmfXrn1zZQV0bCqbnc".to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hashes_are_standard_phc_strings_both_ways() {
        use argon2::password_hash::{PasswordHasher, PasswordVerifier};
        let standard = Argon2::new(Algorithm::Argon2id, Version::V0x13, params().unwrap());
        // A hash made by the crate's own hasher (as stored by earlier versions) verifies here…
        let theirs = standard
            .hash_password(b"een-lang-wachtwoord")
            .unwrap()
            .to_string();
        assert!(
            verify(SecretString::from("een-lang-wachtwoord"), theirs)
                .await
                .unwrap()
        );
        // …and a hash made here verifies with the crate's own verifier.
        let ours = hash(SecretString::from("een-lang-wachtwoord"))
            .await
            .unwrap();
        assert!(
            standard
                .verify_password(b"een-lang-wachtwoord", &PasswordHash::new(&ours).unwrap())
                .is_ok()
        );
        // A hash with the parameters of earlier versions (12 MiB, 3 passes) still verifies.
        let earlier = Argon2::new(
            Algorithm::Argon2id,
            Version::V0x13,
            Params::new(12 * 1024, 3, 1, Some(OUTPUT_LEN)).unwrap(),
        )
        .hash_password(b"een-lang-wachtwoord")
        .unwrap()
        .to_string();
        assert!(earlier.starts_with("$argon2id$v=19$m=12288,t=3,p=1$"));
        assert!(
            verify(SecretString::from("een-lang-wachtwoord"), earlier.clone())
                .await
                .unwrap()
        );
        assert!(
            !verify(SecretString::from("een-ander-wachtwoord"), earlier)
                .await
                .unwrap()
        );
        // Argon2i hashes are not accepted, even with the right password.
        let argon2i = Argon2::new(Algorithm::Argon2i, Version::V0x13, params().unwrap())
            .hash_password(b"een-lang-wachtwoord")
            .unwrap()
            .to_string();
        assert!(
            !verify(SecretString::from("een-lang-wachtwoord"), argon2i)
                .await
                .unwrap()
        );
    }

    #[tokio::test]
    async fn a_hash_verifies_its_password_only() {
        let hashed = hash(SecretString::from("een-lang-wachtwoord"))
            .await
            .unwrap();
        assert!(hashed.starts_with("$argon2id$v=19$m=7168,t=5,p=1$"));
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
        // The dummy costs what a real account's check costs: it has the current parameters.
        let dummy = dummy_hash();
        let dummy = Params::try_from(&PasswordHash::new(&dummy).unwrap()).unwrap();
        let current = params().unwrap();
        assert_eq!(
            (dummy.m_cost(), dummy.t_cost(), dummy.p_cost()),
            (current.m_cost(), current.t_cost(), current.p_cost())
        );
        assert!(
            !verify(SecretString::from("x"), "not a hash".into())
                .await
                .unwrap()
        );
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn hashes_run_no_more_at_once_than_there_are_slots() {
        use std::sync::atomic::{AtomicUsize, Ordering};
        static RUNNING: AtomicUsize = AtomicUsize::new(0);
        static MOST: AtomicUsize = AtomicUsize::new(0);
        // One slot, whether this sets it or a hash in another test already fixed the default.
        let _ = set_slots(NonZeroUsize::MIN);
        assert_eq!(slots(), 1);
        let started: Vec<_> = (0..4)
            .map(|_| {
                tokio::spawn(bounded(1, |_| {
                    let now = RUNNING.fetch_add(1, Ordering::SeqCst) + 1;
                    MOST.fetch_max(now, Ordering::SeqCst);
                    std::thread::sleep(std::time::Duration::from_millis(30));
                    RUNNING.fetch_sub(1, Ordering::SeqCst);
                }))
            })
            .collect();
        for hash in started {
            hash.await.unwrap().unwrap();
        }
        assert_eq!(MOST.load(Ordering::SeqCst), 1);
        // Once set (or once a hash ran), the number stays.
        assert!(!set_slots(NonZeroUsize::new(2).unwrap()));
        assert_eq!(slots(), 1);
    }
}
