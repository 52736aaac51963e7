//! Authentication, in one place: the access token's claims, how a token becomes a caller
//! (the session check), and the request guards built on it — [`AuthUser`] → [`Moderator`] →
//! [`Admin`] for the REST face, [`SeedCaller`] for the seed faces, which find the token in the
//! header, the path, the query or the body.
//!
//! Access tokens are HS256 JWTs (the algorithm pinned) carrying `sub`, `aud`, `iat`, `nbf`,
//! `exp`, a type, the account's token version and the session (refresh family). A token whose
//! version is older than the account's dies at once: that is how a password change, a level
//! change, a ban or a deletion ends every session; a token whose session was ended (logout,
//! refresh-token reuse) dies at once too.

use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation, decode, encode};
use rocket::data::{self, Data, FromData};
use rocket::outcome::{Outcome, try_outcome};
use rocket::request::{self, FromRequest, Request};
use rusqlite::Connection;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::accounts::{App, Level, model, sessions};
use crate::db;
use crate::http::body::{Params, read_json};
use crate::http::error::{ApiError, stash};
use crate::http::paths::{Face, face_of};

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

/// The caller, as proven by a valid access token of an open session.
#[derive(Debug, Clone)]
pub struct AuthUser {
    pub id: i64,
    pub username: String,
    pub level: Level,
    /// The refresh family the token was issued with (the "session").
    pub session: String,
}

impl AuthUser {
    pub fn is_moderator(&self) -> bool {
        self.level >= Level::Moderator
    }

    pub fn is_admin(&self) -> bool {
        self.level == Level::Admin
    }

    /// May manage account `owner`: the owner, or an admin.
    pub fn may_manage_account(&self, owner: i64) -> bool {
        self.id == owner || self.is_admin()
    }
}

/// The caller behind a token: valid signature, audience, type and time, then the account read.
pub async fn authenticate(app: &App, token: &str) -> Result<AuthUser, ApiError> {
    let (id, claims) = app.tokens.check(token)?;
    app.db.read(move |c| caller(c, id, &claims)).await
}

/// The session check: the account behind checked claims, on a connection the work already
/// holds, so that a read can check its caller and answer in one trip to the database. The
/// token's version must be the account's, the account not banned, and the token's session
/// still open: a logout, or a refresh token's reuse, ends the session's access tokens at once,
/// not at their expiry.
pub fn caller(conn: &Connection, id: i64, claims: &Claims) -> Result<AuthUser, ApiError> {
    match model::find(conn, id)? {
        Some(a)
            if a.token_version == claims.ver
                && a.ban_left(db::now()).is_none()
                && sessions::is_open(conn, a.id, &claims.sid)? =>
        {
            Ok(AuthUser {
                id: a.id,
                username: a.username,
                level: a.level,
                session: claims.sid.clone(),
            })
        }
        _ => Err(ApiError::invalid_token()),
    }
}

fn refuse<T>(req: &Request<'_>, error: ApiError) -> request::Outcome<T, ()> {
    let status = error.http_status();
    stash(req, error);
    Outcome::Error((status, ()))
}

fn app_of<'r>(req: &'r Request<'_>) -> Result<&'r App, ApiError> {
    req.rocket()
        .state::<App>()
        .ok_or_else(|| ApiError::internal("application state missing"))
}

/// The raw access token of a request, if any: `Authorization: Bearer`, and on the seed routes
/// also the `token` query parameter (the seeds send it there).
#[derive(Debug, Clone)]
pub struct BearerToken(pub Option<String>);

impl BearerToken {
    pub fn of(req: &Request<'_>) -> Option<String> {
        if let Some(header) = req.headers().get_one("Authorization") {
            let token = bearer_value(header);
            return (!token.is_empty()).then(|| token.to_owned());
        }
        if face_of(req.uri().path().as_str()) != Face::Rest {
            return req
                .query_value::<String>("token")
                .and_then(Result::ok)
                .filter(|t| !t.is_empty());
        }
        None
    }
}

/// The credentials of an `Authorization` header: after the `Bearer` scheme (any case), or the
/// whole value when it names no scheme. `Bearer` with nothing after it is no token at all.
fn bearer_value(header: &str) -> &str {
    let header = header.trim();
    match header.split_once(char::is_whitespace) {
        Some((scheme, rest)) if scheme.eq_ignore_ascii_case("bearer") => rest.trim(),
        _ if header.eq_ignore_ascii_case("bearer") => "",
        _ => header,
    }
}

#[rocket::async_trait]
impl<'r> FromRequest<'r> for BearerToken {
    type Error = ();

    async fn from_request(req: &'r Request<'_>) -> request::Outcome<Self, ()> {
        Outcome::Success(BearerToken(BearerToken::of(req)))
    }
}

#[rocket::async_trait]
impl<'r> FromRequest<'r> for AuthUser {
    type Error = ();

    async fn from_request(req: &'r Request<'_>) -> request::Outcome<Self, ()> {
        let result = req
            .local_cache_async(async {
                let app = app_of(req)?;
                match BearerToken::of(req) {
                    None => Err(ApiError::no_token()),
                    Some(token) => authenticate(app, &token).await,
                }
            })
            .await;
        match result {
            Ok(user) => Outcome::Success(user.clone()),
            Err(e) => refuse(req, e.clone()),
        }
    }
}

/// A caller of level 2 or more.
pub struct Moderator(pub AuthUser);

#[rocket::async_trait]
impl<'r> FromRequest<'r> for Moderator {
    type Error = ();

    async fn from_request(req: &'r Request<'_>) -> request::Outcome<Self, ()> {
        let user = try_outcome!(req.guard::<AuthUser>().await);
        if user.is_moderator() {
            Outcome::Success(Moderator(user))
        } else {
            refuse(
                req,
                ApiError::forbidden("This needs a moderator or an admin."),
            )
        }
    }
}

/// A caller of level 3.
pub struct Admin(pub AuthUser);

#[rocket::async_trait]
impl<'r> FromRequest<'r> for Admin {
    type Error = ();

    async fn from_request(req: &'r Request<'_>) -> request::Outcome<Self, ()> {
        let user = try_outcome!(req.guard::<AuthUser>().await);
        if user.is_admin() {
            Outcome::Success(Admin(user))
        } else {
            refuse(req, ApiError::forbidden("This needs an admin."))
        }
    }
}

/// The body of a seed route, read whole: seed 000's JSON object, or seed 003's loose
/// parameters (query, form or JSON, and `data`).
#[rocket::async_trait]
pub trait SeedBody: Sized + Send {
    async fn read(req: &Request<'_>, data: Data<'_>) -> Result<Self, ApiError>;
    /// The `token` field it carries, if any.
    fn token(&self) -> Option<String>;
}

#[rocket::async_trait]
impl SeedBody for Map<String, Value> {
    async fn read(req: &Request<'_>, data: Data<'_>) -> Result<Self, ApiError> {
        read_json(req, data).await
    }

    fn token(&self) -> Option<String> {
        self.get("token")
            .and_then(Value::as_str)
            .filter(|t| !t.is_empty())
            .map(str::to_owned)
    }
}

#[rocket::async_trait]
impl SeedBody for Params {
    async fn read(req: &Request<'_>, data: Data<'_>) -> Result<Self, ApiError> {
        Params::read(req, data).await
    }

    fn token(&self) -> Option<String> {
        self.str("token").ok().flatten().filter(|t| !t.is_empty())
    }
}

/// The caller of a seed route and its body. The token is looked for, in this order, in the
/// `Authorization` header, in the route's `<token>` path segment (seed 000 puts it there), in
/// the `token` query parameter, and in the body's `token` field.
pub struct SeedCaller<B> {
    pub user: AuthUser,
    pub body: B,
}

/// The value of the matched route's `<token>` segment, if it has one.
fn path_token(req: &Request<'_>) -> Option<String> {
    let route = req.route()?;
    let index = route
        .uri
        .path()
        .split('/')
        .filter(|s| !s.is_empty())
        .position(|s| s == "<token>")?;
    req.routed_segment(index)
        .filter(|t| !t.is_empty())
        .map(str::to_owned)
}

#[rocket::async_trait]
impl<'r, B: SeedBody + 'static> FromData<'r> for SeedCaller<B> {
    type Error = ();

    async fn from_data(req: &'r Request<'_>, data: Data<'r>) -> data::Outcome<'r, Self> {
        let result = async {
            let app = app_of(req)?;
            let body = B::read(req, data).await?;
            let token = req
                .headers()
                .get_one("Authorization")
                .map(|h| bearer_value(h).to_owned())
                .filter(|t| !t.is_empty())
                .or_else(|| path_token(req))
                .or_else(|| {
                    req.query_value::<String>("token")
                        .and_then(Result::ok)
                        .filter(|t| !t.is_empty())
                })
                .or_else(|| body.token())
                .ok_or_else(ApiError::no_token)?;
            let user = authenticate(app, &token).await?;
            Ok::<_, ApiError>(SeedCaller { user, body })
        }
        .await;
        match result {
            Ok(caller) => Outcome::Success(caller),
            Err(e) => {
                let status = e.http_status();
                stash(req, e);
                Outcome::Error((status, ()))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::bearer_value;

    #[test]
    fn the_bearer_scheme_is_stripped_in_any_case() {
        assert_eq!(bearer_value("Bearer abc.def.ghi"), "abc.def.ghi");
        assert_eq!(bearer_value("bearer  abc "), "abc");
        assert_eq!(bearer_value("BEARER abc"), "abc");
        assert_eq!(bearer_value("abc.def.ghi"), "abc.def.ghi");
    }

    #[test]
    fn an_empty_bearer_is_no_token() {
        assert_eq!(bearer_value("Bearer "), "");
        assert_eq!(bearer_value("Bearer"), "");
        assert_eq!(bearer_value("  "), "");
    }
}
