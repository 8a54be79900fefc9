//! Short-lived HS256 bearer tokens. The algorithm is pinned and `exp`, `nbf`, `iss`, `aud` and
//! `sub` are all required and checked.
//!
//! Tokens are signed with the current key and name it in the `kid` header; previous keys still
//! verify the tokens they signed, so a key can be rotated without logging anyone out. A key's
//! id is derived from the key itself, so no setting names it. A token without `kid` (made
//! before tokens had one) verifies with the current key only. The key ring can be replaced
//! while the service runs (see [`TokenKeys::replace`]).

use super::Role;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation, decode, encode};
use serde::{Deserialize, Serialize};
use std::sync::{Arc, Mutex, PoisonError, RwLock};
use std::time::{Duration, Instant};
use uuid::Uuid;

const ISSUER: &str = "lobkader";
const AUDIENCE: &str = "lobkader-api";
/// Signed under a key to derive the key's id: the id reveals nothing of the key.
const KEY_ID_MESSAGE: &[u8] = b"lobkader signing key id";
/// Characters of the base64url HMAC kept as the key id (96 bits).
const KEY_ID_LENGTH: usize = 16;

#[derive(Debug, Serialize, Deserialize)]
pub struct Claims {
    pub sub: Uuid,
    /// The account's role when the token was issued. Authorisation uses the account's current
    /// role instead.
    pub role: Role,
    pub iss: String,
    pub aud: String,
    pub iat: i64,
    pub nbf: i64,
    pub exp: i64,
    /// The generation of the account's tokens this one belongs to: it stops working once the
    /// account's generation moves on. Tokens made before there were generations have none,
    /// which counts as the first.
    #[serde(default)]
    pub r#gen: i64,
}

/// Why a token was refused.
#[derive(Debug, thiserror::Error)]
pub enum VerifyError {
    /// The token names a key this service does not have (perhaps one it has not loaded yet).
    #[error("the token was signed with an unknown key")]
    UnknownKey,
    #[error(transparent)]
    Invalid(#[from] jsonwebtoken::errors::Error),
}

/// One key with its id.
struct Key {
    id: String,
    encoding: EncodingKey,
    decoding: DecodingKey,
}

impl Key {
    fn new(secret: &[u8]) -> Key {
        Key {
            id: key_id(secret),
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
        }
    }
}

/// The key that signs and the previous keys that still verify.
struct Ring {
    current: Key,
    previous: Vec<Key>,
}

impl Ring {
    fn new(current: &[u8], previous: &[Vec<u8>]) -> Ring {
        let current = Key::new(current);
        let previous = previous
            .iter()
            .map(|p| Key::new(p))
            .filter(|p| p.id != current.id)
            .collect();
        Ring { current, previous }
    }

    fn key(&self, id: Option<&str>) -> Option<&Key> {
        match id {
            None => Some(&self.current),
            Some(id) => std::iter::once(&self.current)
                .chain(&self.previous)
                .find(|k| k.id == id),
        }
    }
}

/// The id of a signing key: the first characters of an HMAC-SHA-256 under the key, base64url.
pub fn key_id(secret: &[u8]) -> String {
    let mac = jsonwebtoken::crypto::sign(
        KEY_ID_MESSAGE,
        &EncodingKey::from_secret(secret),
        Algorithm::HS256,
    )
    .unwrap_or_default();
    mac.chars().take(KEY_ID_LENGTH).collect()
}

/// The signing and verifying keys of this deployment and the lifetime of the tokens they make.
pub struct TokenKeys {
    ring: RwLock<Arc<Ring>>,
    validation: Validation,
    pub ttl_seconds: i64,
    /// For keys kept in the database: when they were read.
    reads: Option<Mutex<Reads>>,
}

struct Reads {
    last: Instant,
    /// The last read prompted by a token of an unknown key.
    prompted: Option<Instant>,
}

/// How often stored keys are read again, to pick up a rotation made by another process.
pub const RELOAD_EVERY: Duration = Duration::from_secs(60);
/// The least time between two reads prompted by tokens of an unknown key.
pub const RELOAD_UNKNOWN_EVERY: Duration = Duration::from_secs(5);

impl TokenKeys {
    /// Keys that sign and verify with `secret` alone.
    pub fn new(secret: &[u8], ttl_seconds: i64) -> Self {
        Self::with_previous(secret, &[], ttl_seconds)
    }

    /// Keys that sign with `current` and verify with it and with each of `previous`.
    pub fn with_previous(current: &[u8], previous: &[Vec<u8>], ttl_seconds: i64) -> Self {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_issuer(&[ISSUER]);
        validation.set_audience(&[AUDIENCE]);
        validation.set_required_spec_claims(&["exp", "nbf", "iss", "aud", "sub"]);
        validation.validate_nbf = true;
        validation.validate_exp = true;
        validation.leeway = 30;
        TokenKeys {
            ring: RwLock::new(Arc::new(Ring::new(current, previous))),
            validation,
            ttl_seconds,
            reads: None,
        }
    }

    /// Marks the keys as read from the database just now, to be read again when due.
    pub fn stored(mut self) -> Self {
        self.reads = Some(Mutex::new(Reads {
            last: Instant::now(),
            prompted: None,
        }));
        self
    }

    /// Whether the stored keys are to be read again: every [`RELOAD_EVERY`], or, prompted by a
    /// token of an unknown key, at most every [`RELOAD_UNKNOWN_EVERY`]. When it answers yes,
    /// the caller reads them, and other callers meanwhile do not.
    pub fn reload_due(&self, unknown_key: bool) -> bool {
        let Some(reads) = &self.reads else {
            return false;
        };
        let mut reads = reads.lock().unwrap_or_else(PoisonError::into_inner);
        let now = Instant::now();
        let due = if unknown_key {
            reads
                .prompted
                .is_none_or(|p| now.duration_since(p) >= RELOAD_UNKNOWN_EVERY)
        } else {
            now.duration_since(reads.last) >= RELOAD_EVERY
        };
        if due {
            reads.last = now;
            if unknown_key {
                reads.prompted = Some(now);
            }
        }
        due
    }

    /// Replaces the keys, e.g. with the stored ones after a rotation by another process.
    pub fn replace(&self, current: &[u8], previous: &[Vec<u8>]) {
        let ring = Arc::new(Ring::new(current, previous));
        *self.ring.write().unwrap_or_else(PoisonError::into_inner) = ring;
    }

    fn ring(&self) -> Arc<Ring> {
        self.ring
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// The id of the key that signs new tokens.
    pub fn current_key_id(&self) -> String {
        self.ring().current.id.clone()
    }

    /// The ids of the previous keys, which verify but no longer sign.
    pub fn previous_key_ids(&self) -> Vec<String> {
        self.ring().previous.iter().map(|k| k.id.clone()).collect()
    }

    /// A token for an account whose tokens were never revoked (generation 0).
    pub fn issue(&self, user: Uuid, role: Role) -> Result<String, jsonwebtoken::errors::Error> {
        self.issue_at_generation(user, role, 0)
    }

    /// A token of the account's current token generation.
    pub fn issue_at_generation(
        &self,
        user: Uuid,
        role: Role,
        generation: i64,
    ) -> Result<String, jsonwebtoken::errors::Error> {
        let now = chrono::Utc::now().timestamp();
        let claims = Claims {
            sub: user,
            role,
            iss: ISSUER.to_owned(),
            aud: AUDIENCE.to_owned(),
            iat: now,
            nbf: now,
            exp: now + self.ttl_seconds,
            r#gen: generation,
        };
        let ring = self.ring();
        let mut header = Header::new(Algorithm::HS256);
        header.kid = Some(ring.current.id.clone());
        encode(&header, &claims, &ring.current.encoding)
    }

    /// The claims of a valid token, checked with the key its `kid` names.
    pub fn verify(&self, token: &str) -> Result<Claims, VerifyError> {
        let header = jsonwebtoken::decode_header(token)?;
        let ring = self.ring();
        let key = ring
            .key(header.kid.as_deref())
            .ok_or(VerifyError::UnknownKey)?;
        Ok(decode::<Claims>(token, &key.decoding, &self.validation)?.claims)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &[u8] = b"0123456789abcdef0123456789abcdef";
    const OTHER: &[u8] = b"another-key-0123456789abcdef-0123";

    fn keys() -> TokenKeys {
        TokenKeys::new(KEY, 900)
    }

    fn forge(claims: serde_json::Value, alg: Algorithm) -> String {
        encode(&Header::new(alg), &claims, &EncodingKey::from_secret(KEY)).unwrap()
    }

    #[test]
    fn an_issued_token_verifies_and_names_its_user_generation_and_key() {
        let k = keys();
        let id = Uuid::new_v4();
        let token = k.issue_at_generation(id, Role::Admin, 7).unwrap();
        let claims = k.verify(&token).unwrap();
        assert_eq!(
            (claims.sub, claims.role, claims.r#gen),
            (id, Role::Admin, 7)
        );
        let header = jsonwebtoken::decode_header(&token).unwrap();
        assert_eq!(header.kid, Some(key_id(KEY)));
    }

    #[test]
    fn key_ids_differ_per_key_and_stay_the_same_for_one_key() {
        assert_eq!(key_id(KEY), key_id(KEY));
        assert_ne!(key_id(KEY), key_id(OTHER));
        assert_eq!(key_id(KEY).len(), KEY_ID_LENGTH);
    }

    #[test]
    fn a_previous_key_verifies_its_tokens_and_an_unknown_key_id_is_refused() {
        let old = keys();
        let id = Uuid::new_v4();
        let token = old.issue(id, Role::User).unwrap();
        let rotated = TokenKeys::with_previous(OTHER, &[KEY.to_vec()], 900);
        assert_eq!(rotated.verify(&token).unwrap().sub, id);
        let fresh = rotated.issue(id, Role::User).unwrap();
        let kid = jsonwebtoken::decode_header(&fresh).unwrap().kid;
        assert_eq!(kid, Some(key_id(OTHER)));
        assert!(matches!(
            TokenKeys::new(OTHER, 900).verify(&token),
            Err(VerifyError::UnknownKey)
        ));
        // Replaced while running: the ring follows.
        let running = TokenKeys::new(OTHER, 900);
        running.replace(OTHER, &[KEY.to_vec()]);
        assert!(running.verify(&token).is_ok());
        assert_eq!(running.previous_key_ids(), [key_id(KEY)]);
    }

    #[test]
    fn a_token_without_key_id_verifies_with_the_current_key_only() {
        let now = chrono::Utc::now().timestamp();
        let claims = serde_json::json!({"sub": Uuid::new_v4(), "role": "user", "iss": ISSUER, "aud": AUDIENCE, "iat": now, "nbf": now, "exp": now + 60});
        let token = forge(claims, Algorithm::HS256);
        assert_eq!(keys().verify(&token).unwrap().r#gen, 0);
        let rotated = TokenKeys::with_previous(OTHER, &[KEY.to_vec()], 900);
        assert!(matches!(
            rotated.verify(&token),
            Err(VerifyError::Invalid(_))
        ));
    }

    #[test]
    fn tokens_missing_a_required_claim_or_with_the_wrong_audience_are_refused() {
        let k = keys();
        let now = chrono::Utc::now().timestamp();
        let sub = Uuid::new_v4();
        let full = serde_json::json!({"sub": sub, "role": "user", "iss": ISSUER, "aud": AUDIENCE, "iat": now, "nbf": now, "exp": now + 60});
        assert!(k.verify(&forge(full.clone(), Algorithm::HS256)).is_ok());
        for missing in ["exp", "nbf", "iss", "aud", "sub"] {
            let mut c = full.clone();
            c.as_object_mut().unwrap().remove(missing);
            assert!(
                k.verify(&forge(c, Algorithm::HS256)).is_err(),
                "without {missing}"
            );
        }
        let mut c = full.clone();
        c["aud"] = "someone-else".into();
        assert!(k.verify(&forge(c, Algorithm::HS256)).is_err());
        let mut c = full.clone();
        c["nbf"] = (now + 3600).into();
        assert!(
            k.verify(&forge(c, Algorithm::HS256)).is_err(),
            "not yet valid"
        );
        let mut c = full.clone();
        c["exp"] = (now - 3600).into();
        assert!(k.verify(&forge(c, Algorithm::HS256)).is_err(), "expired");
        assert!(
            k.verify(&forge(full, Algorithm::HS512)).is_err(),
            "algorithm is pinned"
        );
    }
}
