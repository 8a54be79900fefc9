//! Short-lived HS256 bearer tokens. The algorithm is pinned and `exp`, `nbf`, `iss`, `aud` and
//! `sub` are all required and checked.

use super::Role;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation, decode, encode};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

const ISSUER: &str = "lobkader";
const AUDIENCE: &str = "lobkader-api";

#[derive(Debug, Serialize, Deserialize)]
pub struct Claims {
    pub sub: Uuid,
    pub role: Role,
    pub iss: String,
    pub aud: String,
    pub iat: i64,
    pub nbf: i64,
    pub exp: i64,
}

/// The signing and verifying keys of this deployment and the lifetime of the tokens they make.
pub struct TokenKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    pub ttl_seconds: i64,
}

impl TokenKeys {
    pub fn new(secret: &[u8], ttl_seconds: i64) -> Self {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_issuer(&[ISSUER]);
        validation.set_audience(&[AUDIENCE]);
        validation.set_required_spec_claims(&["exp", "nbf", "iss", "aud", "sub"]);
        validation.validate_nbf = true;
        validation.validate_exp = true;
        validation.leeway = 30;
        TokenKeys {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            validation,
            ttl_seconds,
        }
    }

    pub fn issue(&self, user: Uuid, role: Role) -> Result<String, jsonwebtoken::errors::Error> {
        let now = chrono::Utc::now().timestamp();
        let claims = Claims {
            sub: user,
            role,
            iss: ISSUER.to_owned(),
            aud: AUDIENCE.to_owned(),
            iat: now,
            nbf: now,
            exp: now + self.ttl_seconds,
        };
        encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
    }

    pub fn verify(&self, token: &str) -> Result<Claims, jsonwebtoken::errors::Error> {
        decode::<Claims>(token, &self.decoding, &self.validation).map(|d| d.claims)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys() -> TokenKeys {
        TokenKeys::new(b"0123456789abcdef0123456789abcdef", 900)
    }

    fn forge(claims: serde_json::Value, alg: Algorithm) -> String {
        encode(
            &Header::new(alg),
            &claims,
            &EncodingKey::from_secret(b"0123456789abcdef0123456789abcdef"),
        )
        .unwrap()
    }

    #[test]
    fn an_issued_token_verifies_and_names_its_user() {
        let k = keys();
        let id = Uuid::new_v4();
        let claims = k.verify(&k.issue(id, Role::Admin).unwrap()).unwrap();
        assert_eq!((claims.sub, claims.role), (id, Role::Admin));
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
