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
//!
//! [`Callers`] keeps the callers that passed the whole check for a few seconds, keyed by a
//! digest of their token, so that a request from a known session costs neither the signature
//! nor the database. What it keeps is trusted only while no transaction has changed the
//! accounts or the sessions since it was read (`db::Changes`: the writing connection counts
//! every committed change of those tables, and every commit by another process), and only
//! within the token's own validity.

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation, decode, encode};
use rocket::data::{self, Data, FromData};
use rocket::outcome::{Outcome, try_outcome};
use rocket::request::{self, FromRequest, Request};
use rusqlite::Connection;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use crate::accounts::{App, Level, model, sessions};
use crate::db::{self, Changes};
use crate::http::body::{Params, read_json};
use crate::http::error::{ApiError, stash};
use crate::http::paths::{Face, face_of};

const ACCESS_TYPE: &str = "access";
/// Seconds of tolerance on `exp` and `nbf` (clocks of other machines that issue or check).
const LEEWAY: i64 = 5;

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
        validation.leeway = LEEWAY as u64;
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

/// The caller behind a token: valid signature, audience, type and time, then the account read
/// (or the caller [`Callers`] kept).
pub async fn authenticate(app: &App, token: &str) -> Result<AuthUser, ApiError> {
    match prove(app, token, AuthUser::clone)? {
        Proof::Known(user) => Ok(user),
        Proof::Checked(checked) => app.db.lookup(move |c| checked.caller(c)).await,
    }
}

/// What a token proves before the database is asked: of a caller [`Callers`] kept, what the
/// request needs of it (`T`: the caller itself, or only what a read sees of it).
pub enum Proof<T> {
    /// A caller [`Callers`] kept: nothing to read.
    Known(T),
    /// A valid token whose account and session are still to be read ([`Checked::caller`]).
    Checked(Checked),
}

/// A token whose signature and claims are checked, and what its session check needs.
pub struct Checked {
    id: i64,
    claims: Claims,
    key: Key,
    /// The count of changes to accounts and sessions before they are read.
    seen: Option<u64>,
    callers: Arc<Callers>,
}

impl Checked {
    /// The session check ([`caller`]) on a connection the read holds; a caller that passes is
    /// kept for the next requests of its token.
    pub fn caller(&self, conn: &Connection) -> Result<AuthUser, ApiError> {
        let user = caller(conn, self.id, &self.claims)?;
        self.callers.keep(self.key, &user, &self.claims, self.seen);
        Ok(user)
    }
}

/// Checks `token` without the database when its caller is kept (`known` takes what the
/// request needs from it), with the signature otherwise.
pub fn prove<T>(
    app: &App,
    token: &str,
    known: impl FnOnce(&AuthUser) -> T,
) -> Result<Proof<T>, ApiError> {
    let key = Callers::key(token);
    if let Some(seen) = app.callers.known(&key, db::now(), known) {
        return Ok(Proof::Known(seen));
    }
    let (id, claims) = app.tokens.check(token)?;
    Ok(Proof::Checked(Checked {
        id,
        claims,
        key,
        seen: app.callers.changes.current(),
        callers: app.callers.clone(),
    }))
}

/// The SHA-256 of a token: what [`Callers`] is keyed by (the token itself is not kept).
type Key = [u8; 32];

/// The callers whose token passed the whole check, for at most [`Callers::MAX_AGE`], while no
/// change to accounts or sessions has been committed since their check read them.
pub struct Callers {
    kept: Mutex<HashMap<Key, Kept>>,
    changes: Changes,
}

struct Kept {
    user: AuthUser,
    nbf: i64,
    exp: i64,
    /// The count of changes when the check read the account and the session.
    seen: u64,
    at: Instant,
}

impl Callers {
    /// How long a kept caller is trusted at most, whatever the count says (a bound on what a
    /// change made where no count can see it would leave standing).
    const MAX_AGE: Duration = Duration::from_secs(10);
    /// Callers kept at once; past that, all are forgotten (they are checked again).
    const MAX_KEPT: usize = 1024;

    /// `changes` counts the commits that changed the tables the session check reads.
    pub fn new(changes: Changes) -> Callers {
        Callers {
            kept: Mutex::new(HashMap::new()),
            changes,
        }
    }

    fn key(token: &str) -> Key {
        Sha256::digest(token.as_bytes()).into()
    }

    /// What `f` takes from the caller kept for this token, if its check still holds at `now`.
    fn known<T>(&self, key: &Key, now: i64, f: impl FnOnce(&AuthUser) -> T) -> Option<T> {
        let count = self.changes.current()?;
        let mut kept = self.kept.lock().ok()?;
        let entry = kept.get(key)?;
        let fresh = entry.seen == count
            && entry.at.elapsed() < Self::MAX_AGE
            && now >= entry.nbf - LEEWAY
            && now <= entry.exp + LEEWAY;
        if fresh {
            Some(f(&entry.user))
        } else {
            kept.remove(key);
            None
        }
    }

    /// Keeps a caller that passed the check made after the count was `seen` (nothing is kept
    /// when changes cannot be counted).
    fn keep(&self, key: Key, user: &AuthUser, claims: &Claims, seen: Option<u64>) {
        let Some(seen) = seen else {
            return;
        };
        let Ok(mut kept) = self.kept.lock() else {
            return;
        };
        if kept.len() >= Self::MAX_KEPT {
            kept.clear();
        }
        kept.insert(
            key,
            Kept {
                user: user.clone(),
                nbf: claims.nbf,
                exp: claims.exp,
                seen,
                at: Instant::now(),
            },
        );
    }
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
    /// Borrowed from the header (most requests), or decoded from the query.
    pub fn of<'r>(req: &'r Request<'_>) -> Option<Cow<'r, str>> {
        if let Some(header) = req.headers().get_one("Authorization") {
            let token = bearer_value(header);
            return (!token.is_empty()).then_some(Cow::Borrowed(token));
        }
        if face_of(req.uri().path().as_str()) != Face::Rest {
            return req
                .query_value::<String>("token")
                .and_then(Result::ok)
                .filter(|t| !t.is_empty())
                .map(Cow::Owned);
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
        Outcome::Success(BearerToken(BearerToken::of(req).map(Cow::into_owned)))
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
mod kept {
    //! [`Callers`] on its own: what it gives back, and when it stops.

    #![allow(clippy::unwrap_used)]

    use super::*;
    use crate::db::Db;

    fn user() -> AuthUser {
        AuthUser {
            id: 7,
            username: "alice".into(),
            level: Level::Member,
            session: "family".into(),
        }
    }

    fn claims(nbf: i64, exp: i64) -> Claims {
        Claims {
            sub: "7".into(),
            aud: "preau".into(),
            iat: nbf,
            nbf,
            exp,
            typ: ACCESS_TYPE.into(),
            ver: 1,
            sid: "family".into(),
        }
    }

    fn open() -> (tempfile::TempDir, Db) {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open(&dir.path().join("t.db"), 1).unwrap();
        (dir, db)
    }

    /// A committed change to `accounts`: a new account.
    fn add_account(db: &Db) {
        db.write_blocking(|tx| {
            Ok(tx.execute(
                "INSERT INTO accounts (username, password_hash, created_at, updated_at) VALUES ('bob', 'x', 0, 0)",
                [],
            )?)
        })
        .unwrap();
    }

    #[test]
    fn a_kept_caller_holds_within_its_tokens_times_and_no_longer() {
        let (_dir, db) = open();
        let callers = Callers::new(db.changes(&["accounts"]));
        let key = Callers::key("a.token.here");
        callers.keep(key, &user(), &claims(1000, 2000), callers.changes.current());
        assert_eq!(callers.known(&key, 1500, |u| u.id), Some(7));
        assert_eq!(callers.known(&key, 2000 + LEEWAY, |u| u.id), Some(7));
        assert!(
            callers.known(&key, 2001 + LEEWAY, |u| u.id).is_none(),
            "expired"
        );
        callers.keep(key, &user(), &claims(1000, 2000), callers.changes.current());
        assert!(
            callers.known(&key, 999 - LEEWAY, |u| u.id).is_none(),
            "not yet valid"
        );
        assert!(
            callers
                .known(&Callers::key("another.token.here"), 1500, |u| u.id)
                .is_none()
        );
    }

    #[test]
    fn a_committed_change_to_accounts_forgets_every_kept_caller() {
        let (_dir, db) = open();
        let callers = Callers::new(db.changes(&["accounts"]));
        let key = Callers::key("a.token.here");
        callers.keep(key, &user(), &claims(1000, 2000), callers.changes.current());
        db.write_blocking(|tx| Ok(tx.execute("UPDATE accounts SET level = level", [])?))
            .unwrap();
        // No account yet: the update changed no row, and nothing is forgotten.
        assert!(callers.known(&key, 1500, |u| u.id).is_some());
        add_account(&db);
        assert!(callers.known(&key, 1500, |u| u.id).is_none());
    }

    #[test]
    fn a_check_that_read_before_a_change_is_not_kept_past_it() {
        let (_dir, db) = open();
        let callers = Callers::new(db.changes(&["accounts"]));
        let key = Callers::key("a.token.here");
        let seen = callers.changes.current();
        add_account(&db);
        callers.keep(key, &user(), &claims(1000, 2000), seen);
        assert!(callers.known(&key, 1500, |u| u.id).is_none());
    }

    #[test]
    fn a_replica_keeps_nobody() {
        let (dir, db) = open();
        drop(db);
        let replica = Db::open_read_only(&dir.path().join("t.db"), 1).unwrap();
        let callers = Callers::new(replica.changes(&["accounts"]));
        let key = Callers::key("a.token.here");
        callers.keep(key, &user(), &claims(1000, 2000), callers.changes.current());
        assert!(callers.known(&key, 1500, |u| u.id).is_none());
    }

    #[test]
    fn at_most_max_kept_callers_are_kept() {
        let (_dir, db) = open();
        let callers = Callers::new(db.changes(&["accounts"]));
        for n in 0..=Callers::MAX_KEPT {
            let key = Callers::key(&format!("token-{n}"));
            callers.keep(key, &user(), &claims(1000, 2000), callers.changes.current());
        }
        assert!(callers.kept.lock().unwrap().len() <= Callers::MAX_KEPT);
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
