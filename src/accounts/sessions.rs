//! Sessions: login (with attempt counting and bans), refresh-token rotation with reuse
//! detection, logout.

use rusqlite::{Connection, OptionalExtension, params};
use sha2::{Digest, Sha256};

use crate::accounts::App;
use rocket::http::CookieJar;

use crate::accounts::model::{self, Account};
use crate::accounts::passwords::random_text;
use crate::accounts::set_refresh_cookie;
use crate::accounts::throttle::{Admission, Failure, Subjects, Ticket};
use crate::db::now;
use crate::http::client::ClientIp;
use crate::http::error::{ApiError, code};

/// What a successful login, registration or refresh hands the client.
#[derive(Debug, Clone)]
pub struct Session {
    pub account_id: i64,
    pub token: String,
    pub refresh_token: String,
    pub ttl: i64,
}

/// Why a login did not open a session.
#[derive(Debug)]
pub enum LoginError {
    /// Wrong name or password: `attempts` of the limit used.
    Failed {
        attempts: i64,
    },
    /// This failure reached the limit and started a ban.
    JustBanned {
        attempts: i64,
    },
    /// Banned: every attempt is refused, even with the right password.
    Banned {
        seconds_left: i64,
    },
    Refused(ApiError),
}

impl From<ApiError> for LoginError {
    fn from(e: ApiError) -> Self {
        LoginError::Refused(e)
    }
}

impl LoginError {
    /// The REST and `/auth/login` rendering (seed 002: 401/1102).
    pub fn into_api(self, app: &App) -> ApiError {
        let limits = app.limits;
        match self {
            LoginError::Failed { attempts } => ApiError::new(
                401,
                code::LOGIN_INCORRECT,
                "Incorrect Inputs",
                format!(
                    "Username or password is incorrect ({attempts} of {} attempts used).",
                    limits.max_attempts
                ),
            )
            .with("attempts", attempts)
            .with("max_attempts", limits.max_attempts)
            .with("max_attemps", limits.max_attempts)
            .with("cooldown", limits.cooldown),
            LoginError::JustBanned { attempts } => ApiError::new(
                429,
                code::LOGIN_TOO_MANY,
                "Too Many Requests",
                format!(
                    "Too many failed logins: try again in {} seconds.",
                    limits.ban_duration
                ),
            )
            .with("attempts", attempts)
            .with("max_attempts", limits.max_attempts)
            .with("max_attemps", limits.max_attempts)
            .with("ban_duration", limits.ban_duration)
            .retry_after(limits.ban_duration),
            LoginError::Banned { seconds_left } => banned(seconds_left),
            LoginError::Refused(e) => e,
        }
    }
}

/// The ban answer: envelope status 700, sent as HTTP 429 with `Retry-After`.
pub fn banned(seconds_left: i64) -> ApiError {
    ApiError::new(
        700,
        code::BANNED,
        "User Banned",
        format!("Logins are refused for {seconds_left} more seconds."),
    )
    .with("login_ban_duration_end", seconds_left)
    .retry_after(seconds_left)
}

fn hash_token(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

/// Stores a new refresh token in `family` (a new family when `None`); returns (token, family).
pub fn new_refresh(
    conn: &Connection,
    account_id: i64,
    family: Option<&str>,
    ttl: i64,
) -> Result<(String, String), ApiError> {
    let token = random_text(32);
    let family = family.map_or_else(|| random_text(12), str::to_owned);
    let now = now();
    conn.execute(
        "INSERT INTO refresh_tokens (token_hash, family, account_id, created_at, expires_at) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![hash_token(&token), family, account_id, now, now + ttl],
    )?;
    Ok((token, family))
}

/// Whether session `family` of `account_id` is still open: one of its refresh tokens is not
/// revoked (a logout or a detected reuse revokes them all).
pub fn is_open(conn: &Connection, account_id: i64, family: &str) -> Result<bool, ApiError> {
    Ok(conn
        .prepare_cached(
            "SELECT EXISTS (SELECT 1 FROM refresh_tokens
             WHERE family = ?1 AND account_id = ?2 AND revoked_at IS NULL)",
        )?
        .query_row(params![family, account_id], |r| r.get(0))?)
}

/// Opens a session for `account` inside the caller's transaction.
pub fn open(app: &App, conn: &Connection, account: &Account) -> Result<Session, ApiError> {
    let (refresh_token, family) = new_refresh(conn, account.id, None, app.config.refresh_ttl)?;
    Ok(Session {
        account_id: account.id,
        token: app
            .tokens
            .issue(account.id, account.token_version, &family)?,
        refresh_token,
        ttl: app.tokens.ttl,
    })
}

/// Revokes every session of an account except `keep` (the caller's own, if any).
pub fn end_sessions(
    conn: &Connection,
    account_id: i64,
    keep: Option<&str>,
) -> Result<(), ApiError> {
    conn.execute(
        "UPDATE refresh_tokens SET revoked_at = ?2 WHERE account_id = ?1 AND revoked_at IS NULL AND family IS NOT ?3",
        params![account_id, now(), keep],
    )?;
    Ok(())
}

/// How long a login may wait for a place among the attempts being checked (see
/// [`throttle::Gate`]) before it answers 503.
const ADMISSION_WAIT: std::time::Duration = std::time::Duration::from_secs(30);

/// Takes one of the attempts left to `who`, waiting while every one of them is being checked.
async fn admit(app: &App, who: &Subjects) -> Result<Ticket, LoginError> {
    let deadline = rocket::tokio::time::Instant::now() + ADMISSION_WAIT;
    loop {
        // Listening before asking: an attempt that ends between the answer and the wait
        // still wakes this one.
        let ended = app.logins.ended.notified();
        rocket::tokio::pin!(ended);
        ended.as_mut().enable();
        let (gate, who2, limits) = (app.logins.clone(), who.clone(), app.limits);
        match app
            .db
            .write(move |tx| Ok(gate.admit(tx, &who2, now(), limits)?))
            .await?
        {
            Admission::Banned { seconds_left } => return Err(LoginError::Banned { seconds_left }),
            Admission::Admitted(ticket) => return Ok(ticket),
            Admission::Wait => {}
        }
        if rocket::tokio::time::timeout_at(deadline, ended)
            .await
            .is_err()
        {
            return Err(ApiError::busy().into());
        }
    }
}

/// The login of every face (REST, seeds 000–003): checks the credentials from the client's
/// address and, on success, sets the refresh cookie. Each face only reads its own body and
/// renders the answer its seed documents.
pub async fn sign_in(
    app: &App,
    jar: &CookieJar<'_>,
    ip: ClientIp,
    login: &str,
    password: &str,
) -> Result<Session, LoginError> {
    let session = self::login(app, login, password, &ip.key()).await?;
    set_refresh_cookie(jar, app, &session.refresh_token);
    Ok(session)
}

/// Checks a login (username or email) and password from `ip`. The ban and the count are read
/// and the outcome recorded on the writing thread (see [`throttle::Gate`]); only the hash runs
/// in between.
async fn login(app: &App, login: &str, password: &str, ip: &str) -> Result<Session, LoginError> {
    // Past the hashing queue the answer is 503 whatever the account: say it before reading it.
    if app.passwords.saturated() {
        return Err(ApiError::busy().into());
    }
    let login = login.trim().to_owned();
    let account = {
        let login = login.clone();
        app.db
            .read(move |c| model::find_by_login(c, &login))
            .await?
    };
    let who = Subjects::new(account.as_ref().map(|a| a.id), &login, ip);
    let ticket = admit(app, &who).await?;
    let ok = app
        .passwords
        .verify(account.as_ref().map(|a| a.password_hash.clone()), password)
        .await?;
    let limits = app.limits;
    let account = match account {
        Some(account) if ok => account,
        _ => {
            let failure = app
                .db
                .write(move |tx| Ok(ticket.fail(tx, now(), limits)?))
                .await?;
            return Err(match failure {
                Failure::Counted { attempts } => LoginError::Failed { attempts },
                Failure::Banned { attempts } => LoginError::JustBanned { attempts },
                Failure::InBan { seconds_left } => LoginError::Banned { seconds_left },
            });
        }
    };
    // A right password for an account an admin banned, or not yet confirmed, is not a
    // failed guess: the ticket goes back unrecorded.
    if let Some(seconds_left) = account.ban_left(now()) {
        return Err(LoginError::Banned { seconds_left });
    }
    if !account.email_confirmed && !app.config.allow_unconfirmed_login {
        return Err(LoginError::Refused(ApiError::new(
            403,
            code::EMAIL_NOT_CONFIRMED,
            "Email Not Confirmed",
            "Confirm your email address first: open the link sent to you.",
        )));
    }
    let app2 = app.clone();
    app.db
        .write(move |tx| match ticket.succeed(tx, now())? {
            Err(seconds_left) => Ok(Err(LoginError::Banned { seconds_left })),
            // Re-read inside the transaction: the version may have moved since the check.
            Ok(()) => Ok(Ok(open(&app2, tx, &model::get(tx, account.id)?)?)),
        })
        .await?
}

struct RefreshRow {
    id: i64,
    family: String,
    account_id: i64,
    used_at: Option<i64>,
    revoked_at: Option<i64>,
    expires_at: i64,
}

/// Trades a refresh token for a new pair. A token already traded is a sign of theft: the
/// whole family is revoked and the caller must log in again.
pub async fn refresh(app: &App, token: &str) -> Result<Session, ApiError> {
    let hash = hash_token(token);
    let app2 = app.clone();
    app
        .db
        .write(move |tx| {
            let now = now();
            let row = tx
                .query_row(
                    "SELECT id, family, account_id, used_at, revoked_at, expires_at FROM refresh_tokens WHERE token_hash = ?1",
                    [&hash],
                    |r| Ok(RefreshRow { id: r.get(0)?, family: r.get(1)?, account_id: r.get(2)?, used_at: r.get(3)?, revoked_at: r.get(4)?, expires_at: r.get(5)? }),
                )
                .optional()?;
            let Some(RefreshRow { id, family, account_id, used_at, revoked_at, expires_at }) = row else {
                return Ok(Err(ApiError::invalid_token()));
            };
            if used_at.is_some() && revoked_at.is_none() {
                tx.execute("UPDATE refresh_tokens SET revoked_at = ?2 WHERE family = ?1 AND revoked_at IS NULL", params![family, now])?;
                return Ok(Err(ApiError::invalid_token()));
            }
            if revoked_at.is_some() || used_at.is_some() || expires_at <= now {
                return Ok(Err(ApiError::invalid_token()));
            }
            let Some(account) = model::find(tx, account_id)? else { return Ok(Err(ApiError::invalid_token())) };
            if account.ban_left(now).is_some() {
                return Ok(Err(ApiError::invalid_token()));
            }
            tx.execute("UPDATE refresh_tokens SET used_at = ?2 WHERE id = ?1", params![id, now])?;
            let (refresh_token, family) = new_refresh(tx, account_id, Some(&family), app2.config.refresh_ttl)?;
            let token = app2.tokens.issue(account_id, account.token_version, &family)?;
            Ok(Ok(Session { account_id, token, refresh_token, ttl: app2.tokens.ttl }))
        })
        // Errors travel inside `Ok` so that the family revocation above is committed.
        .await?
}

/// The account id a refresh token belongs to, if it is live (not used, revoked or expired).
pub async fn refresh_owner(app: &App, token: &str) -> Result<Option<i64>, ApiError> {
    let hash = hash_token(token);
    app.db
        .read(move |c| {
            Ok(c.query_row(
                "SELECT account_id FROM refresh_tokens WHERE token_hash = ?1 AND used_at IS NULL AND revoked_at IS NULL AND expires_at > ?2",
                params![hash, now()],
                |r| r.get(0),
            )
            .optional()?)
        })
        .await
}

/// Ends a session: the family of `refresh_token`, or else the caller's own (`session`).
pub async fn logout(
    app: &App,
    refresh_token: Option<&str>,
    session: Option<(i64, String)>,
) -> Result<bool, ApiError> {
    let hash = refresh_token.map(hash_token);
    app.db
        .write(move |tx| {
            let now = now();
            let family: Option<String> = match &hash {
                Some(h) => tx.query_row("SELECT family FROM refresh_tokens WHERE token_hash = ?1", [h], |r| r.get(0)).optional()?,
                None => None,
            };
            let Some(family) = family.or(session.map(|(_, f)| f)) else { return Ok(false) };
            tx.execute("UPDATE refresh_tokens SET revoked_at = ?2 WHERE family = ?1 AND revoked_at IS NULL", params![family, now])?;
            Ok(true)
        })
        .await
}
