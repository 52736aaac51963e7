//! Access tokens: HS256 JWTs (the algorithm pinned) carrying `sub`, `aud`, `iat`, `nbf`,
//! `exp`, a type, the account's token version and the session (refresh family). A token
//! whose version is older than the account's dies at once: that is how a password change,
//! a level change, a ban or a deletion ends every session.

use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation, decode, encode};
use serde::{Deserialize, Serialize};

use crate::http::error::ApiError;

const ACCESS_TYPE: &str = "access";

#[derive(Debug, Serialize, Deserialize)]
pub struct Claims {
    pub sub: String,
    pub aud: String,
    pub iat: i64,
    pub nbf: i64,
    pub exp: i64,
    pub typ: String,
    pub ver: i64,
    pub sid: String,
}

pub struct Tokens {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    audience: String,
    pub ttl: i64,
}

impl Tokens {
    pub fn new(secret: &[u8], audience: &str, ttl: i64) -> Tokens {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.algorithms = vec![Algorithm::HS256];
        validation.set_audience(&[audience]);
        validation.set_required_spec_claims(&["exp", "nbf", "iat", "sub", "aud"]);
        validation.validate_exp = true;
        validation.validate_nbf = true;
        validation.leeway = 5;
        Tokens {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            validation,
            audience: audience.to_owned(),
            ttl,
        }
    }

    pub fn issue(&self, account_id: i64, version: i64, session: &str) -> Result<String, ApiError> {
        let now = crate::db::now();
        let claims = Claims {
            sub: account_id.to_string(),
            aud: self.audience.clone(),
            iat: now,
            nbf: now,
            exp: now + self.ttl,
            typ: ACCESS_TYPE.into(),
            ver: version,
            sid: session.to_owned(),
        };
        encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .map_err(|e| ApiError::internal(format!("jwt encode: {e}")))
    }

    /// The claims of a valid access token, or 902 for anything else (forged, expired, not
    /// yet valid, another algorithm, another audience, another type).
    pub fn check(&self, token: &str) -> Result<(i64, Claims), ApiError> {
        let data = decode::<Claims>(token, &self.decoding, &self.validation)
            .map_err(|_| ApiError::invalid_token())?;
        let claims = data.claims;
        if claims.typ != ACCESS_TYPE {
            return Err(ApiError::invalid_token());
        }
        let id = claims
            .sub
            .parse::<i64>()
            .map_err(|_| ApiError::invalid_token())?;
        Ok((id, claims))
    }
}
