//! A member's open sessions (one per refresh family): where each was opened from, when it was
//! last used, and ending one. Ending a session revokes its family, so its access tokens die at
//! once (`sessions::is_open`), as a logout's do.

use rocket::http::Status;
use rocket::request::{self, FromRequest, Request};
use rocket::serde::json::Json;
use rocket::{State, delete, get, routes};
use rusqlite::{Connection, params};
use serde::Serialize;
use sha2::{Digest, Sha256};
use utoipa::ToSchema;

use crate::accounts::App;
use crate::accounts::auth::{Admin, AuthUser};
use crate::db::now;
use crate::http::error::ApiError;

const USER_AGENT_MAX: usize = 300;

/// The request's `User-Agent`, cut to a sane length.
#[derive(Debug, Clone)]
pub struct UserAgent(pub Option<String>);

#[rocket::async_trait]
impl<'r> FromRequest<'r> for UserAgent {
    type Error = ();

    async fn from_request(req: &'r Request<'_>) -> request::Outcome<Self, ()> {
        request::Outcome::Success(UserAgent(
            req.headers()
                .get_one("User-Agent")
                .map(|ua| {
                    ua.chars()
                        .filter(|c| !c.is_control())
                        .take(USER_AGENT_MAX)
                        .collect()
                })
                .filter(|ua: &String| !ua.is_empty()),
        ))
    }
}

/// Notes where the refresh token `token` was issued to (called by the routes right after a
/// login, registration or refresh hands it out).
pub async fn record_client(
    app: &App,
    token: &str,
    ip: &str,
    user_agent: &UserAgent,
) -> Result<(), ApiError> {
    if token.is_empty() {
        return Ok(());
    }
    let hash = Sha256::digest(token.as_bytes()).to_vec();
    let (ip, ua) = (ip.to_owned(), user_agent.0.clone());
    app.db
        .write(move |tx| {
            tx.execute(
                "UPDATE refresh_tokens SET client_ip = ?2, user_agent = ?3 WHERE token_hash = ?1",
                params![hash, ip, ua],
            )?;
            Ok(())
        })
        .await
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SessionView {
    /// The session's id (for `DELETE …/sessions/{id}`).
    pub id: i64,
    /// Unix seconds: the login.
    pub created_at: i64,
    /// Unix seconds: the last login or refresh.
    pub last_used_at: i64,
    /// Unix seconds: when it ends unless refreshed.
    pub expires_at: i64,
    pub client_ip: Option<String>,
    pub user_agent: Option<String>,
    /// The session of the access token of this request.
    pub current: bool,
}

/// The open sessions of `account_id`, most recently used first.
pub fn list(
    conn: &Connection,
    account_id: i64,
    current: Option<&str>,
) -> Result<Vec<SessionView>, ApiError> {
    let mut stmt = conn.prepare_cached(
        "SELECT MIN(t.id), t.family, MIN(t.created_at), MAX(t.created_at), MAX(t.expires_at),
                (SELECT client_ip FROM refresh_tokens x WHERE x.family = t.family AND x.client_ip IS NOT NULL ORDER BY x.id DESC LIMIT 1),
                (SELECT user_agent FROM refresh_tokens x WHERE x.family = t.family AND x.user_agent IS NOT NULL ORDER BY x.id DESC LIMIT 1)
         FROM refresh_tokens t
         WHERE t.account_id = ?1
         GROUP BY t.family
         HAVING SUM(t.revoked_at IS NULL AND t.used_at IS NULL AND t.expires_at > ?2) > 0
         ORDER BY MAX(t.created_at) DESC, MIN(t.id) DESC",
    )?;
    let rows = stmt.query_map(params![account_id, now()], |r| {
        let family: String = r.get(1)?;
        Ok(SessionView {
            id: r.get(0)?,
            created_at: r.get(2)?,
            last_used_at: r.get(3)?,
            expires_at: r.get(4)?,
            client_ip: r.get(5)?,
            user_agent: r.get(6)?,
            current: current == Some(family.as_str()),
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}

/// Ends session `id` of `account_id`; false when the account has no such open session.
pub fn end(conn: &Connection, account_id: i64, id: i64) -> Result<bool, ApiError> {
    let n = conn.execute(
        "UPDATE refresh_tokens SET revoked_at = ?3
         WHERE account_id = ?1 AND revoked_at IS NULL
           AND family = (SELECT family FROM refresh_tokens WHERE id = ?2 AND account_id = ?1)",
        params![account_id, id, now()],
    )?;
    Ok(n > 0)
}

fn not_found(id: i64) -> ApiError {
    ApiError::not_found(&format!("Session {id}"))
}

/// The caller's open sessions; the one of this request is marked `current`.
#[utoipa::path(get, path = "/api/v1/me/sessions", tag = "accounts", security(("bearer" = [])),
    responses((status = 200, body = Vec<SessionView>), (status = "4XX", body = crate::http::error::ErrorBody)))]
#[get("/me/sessions")]
async fn my_sessions(app: &State<App>, user: AuthUser) -> Result<Json<Vec<SessionView>>, ApiError> {
    let (id, current) = (user.id, user.session.clone());
    Ok(Json(
        app.db.read(move |c| list(c, id, Some(&current))).await?,
    ))
}

/// End one of the caller's sessions: its refresh token and access tokens stop working at once.
#[utoipa::path(delete, path = "/api/v1/me/sessions/{id}", tag = "accounts", params(("id" = i64, Path, minimum = 1)), security(("bearer" = [])),
    responses((status = 204), (status = "4XX", body = crate::http::error::ErrorBody)))]
#[delete("/me/sessions/<id>")]
async fn end_my_session(app: &State<App>, user: AuthUser, id: i64) -> Result<Status, ApiError> {
    let account = user.id;
    if app.db.write(move |tx| end(tx, account, id)).await? {
        Ok(Status::NoContent)
    } else {
        Err(not_found(id))
    }
}

/// An account's open sessions (admins).
#[utoipa::path(get, path = "/api/v1/accounts/{id}/sessions", tag = "accounts", params(("id" = i64, Path, minimum = 1)), security(("bearer" = [])),
    responses((status = 200, body = Vec<SessionView>), (status = "4XX", body = crate::http::error::ErrorBody)))]
#[get("/accounts/<id>/sessions")]
async fn account_sessions(
    app: &State<App>,
    admin: Admin,
    id: i64,
) -> Result<Json<Vec<SessionView>>, ApiError> {
    let current = admin.0.session.clone();
    Ok(Json(
        app.db
            .read(move |c| {
                crate::accounts::model::get(c, id)?;
                list(c, id, Some(&current))
            })
            .await?,
    ))
}

/// End one session of an account (admins).
#[utoipa::path(delete, path = "/api/v1/accounts/{id}/sessions/{session}", tag = "accounts",
    params(("id" = i64, Path, minimum = 1), ("session" = i64, Path, minimum = 1)), security(("bearer" = [])),
    responses((status = 204), (status = "4XX", body = crate::http::error::ErrorBody)))]
#[delete("/accounts/<id>/sessions/<session>")]
async fn end_account_session(
    app: &State<App>,
    _admin: Admin,
    id: i64,
    session: i64,
) -> Result<Status, ApiError> {
    if app.db.write(move |tx| end(tx, id, session)).await? {
        Ok(Status::NoContent)
    } else {
        Err(not_found(session))
    }
}

pub fn routes() -> Vec<rocket::Route> {
    routes![
        my_sessions,
        end_my_session,
        account_sessions,
        end_account_session
    ]
}

pub fn openapi() -> utoipa::openapi::OpenApi {
    #[derive(utoipa::OpenApi)]
    #[openapi(paths(my_sessions, end_my_session, account_sessions, end_account_session))]
    struct Part;
    <Part as utoipa::OpenApi>::openapi()
}
