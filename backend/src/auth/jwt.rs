//! Access tokens: HS256 JWTs, at most 15 minutes, naming their session (`sid`). The algorithm,
//! issuer, audience, expiry and not-before are all checked; the session is then looked up, so a
//! token dies with its session even before it expires.

use chrono::{DateTime, Duration, Utc};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

const ISSUER: &str = "plexward";
const AUDIENCE: &str = "plexward-api";
pub const ACCESS_TTL: Duration = Duration::minutes(15);

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    pub iss: String,
    pub aud: String,
    /// Account id.
    pub sub: String,
    /// Session id.
    pub sid: String,
    pub iat: i64,
    pub nbf: i64,
    pub exp: i64,
}

/// The signing key (256 random bits from the data dir).
pub struct JwtKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
}

impl std::fmt::Debug for JwtKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("JwtKeys(<redacted>)")
    }
}

impl JwtKeys {
    pub fn new(secret: &[u8]) -> Self {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_issuer(&[ISSUER]);
        validation.set_audience(&[AUDIENCE]);
        validation.set_required_spec_claims(&["exp", "nbf", "iss", "aud", "sub"]);
        validation.validate_nbf = true;
        validation.leeway = 2;
        Self {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            validation,
        }
    }

    /// Issues a token for `session_id`, valid from `now` for [`ACCESS_TTL`].
    pub fn issue(
        &self,
        account_id: i64,
        session_id: &str,
        now: DateTime<Utc>,
    ) -> anyhow::Result<(String, DateTime<Utc>)> {
        let expires = now + ACCESS_TTL;
        let claims = Claims {
            iss: ISSUER.into(),
            aud: AUDIENCE.into(),
            sub: account_id.to_string(),
            sid: session_id.into(),
            iat: now.timestamp(),
            nbf: now.timestamp(),
            exp: expires.timestamp(),
        };
        let token = jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)?;
        Ok((token, expires))
    }

    /// The claims of a valid token, or `None` (bad signature, algorithm, issuer, audience, expired…).
    pub fn verify(&self, token: &str) -> Option<Claims> {
        jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation)
            .ok()
            .map(|data| data.claims)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn issued_tokens_verify_and_name_their_session() {
        let keys = JwtKeys::new(&[7u8; 32]);
        let (token, exp) = keys.issue(42, "sess", Utc::now()).expect("issued");
        let claims = keys.verify(&token).expect("valid");
        assert_eq!((claims.sub.as_str(), claims.sid.as_str()), ("42", "sess"));
        assert!(exp - Utc::now() <= ACCESS_TTL);
    }

    #[test]
    fn wrong_key_expired_and_future_tokens_are_refused() {
        let keys = JwtKeys::new(&[7u8; 32]);
        let other = JwtKeys::new(&[8u8; 32]);
        let (token, _) = other.issue(1, "s", Utc::now()).expect("issued");
        assert!(keys.verify(&token).is_none(), "foreign key");
        let (old, _) = keys
            .issue(1, "s", Utc::now() - Duration::minutes(20))
            .expect("issued");
        assert!(keys.verify(&old).is_none(), "expired");
        let (future, _) = keys
            .issue(1, "s", Utc::now() + Duration::minutes(5))
            .expect("issued");
        assert!(keys.verify(&future).is_none(), "not yet valid");
    }

    #[test]
    fn the_none_algorithm_is_refused() {
        let keys = JwtKeys::new(&[7u8; 32]);
        let (token, _) = keys.issue(1, "s", Utc::now()).expect("issued");
        let payload = token.split('.').nth(1).expect("payload");
        // {"alg":"none","typ":"JWT"}
        let forged = format!("eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.{payload}.");
        assert!(keys.verify(&forged).is_none());
    }
}
