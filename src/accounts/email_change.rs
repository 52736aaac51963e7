//! A member changing their own email: the new address gets a confirmation link and the old
//! one stays in force until the link is opened (`accounts.pending_email`). An admin's change
//! of someone else's address applies at once (and asks that address for a confirmation).

use rocket::serde::json::Json;
use rocket::{State, get, post, routes};
use rusqlite::{Connection, OptionalExtension, params};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use utoipa::ToSchema;

use crate::accounts::App;
use crate::accounts::letters::{self, Locale};
use crate::accounts::model::{self, Account};
use crate::accounts::outbox;
use crate::accounts::passwords::random_text;
use crate::db::now;
use crate::http::body::JsonBody;
use crate::http::error::{ApiError, code};

/// Seconds an email change link lasts.
const TTL: i64 = 7 * 24 * 3600;

fn hash(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

/// Inside the profile change's transaction: `email` waits in `pending_email`, a link goes to
/// it. Refuses an address another account already uses.
pub fn start(app: &App, conn: &Connection, account: &Account, email: &str) -> Result<(), ApiError> {
    let taken: bool = conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM accounts WHERE email = ?1 AND id <> ?2)",
        params![email, account.id],
        |r| r.get(0),
    )?;
    if taken {
        return Err(ApiError::conflict(
            code::EMAIL_TAKEN,
            "Email Already Exists",
            "An account already uses this email address.",
        )
        .with("field", "email"));
    }
    conn.execute(
        "DELETE FROM email_changes WHERE account_id = ?1",
        [account.id],
    )?;
    let token = random_text(24);
    conn.execute(
        "INSERT INTO email_changes (token_hash, account_id, email, expires_at) VALUES (?1, ?2, ?3, ?4)",
        params![hash(&token), account.id, email, now() + TTL],
    )?;
    conn.execute(
        "UPDATE accounts SET pending_email = ?2 WHERE id = ?1",
        params![account.id, email],
    )?;
    let fallback = crate::accounts::reset::default_locale(app);
    let locale = Locale::of_account(conn, account.id, fallback)?;
    let link = app.mailer.email_change_link(&token);
    let letter = letters::email_change(&app.config.school_name, locale, &account.username, &link);
    outbox::enqueue(conn, Some(account.id), email, &letter)?;
    Ok(())
}

/// Forgets a pending change (the member set their email again, or removed it).
pub fn cancel(conn: &Connection, account_id: i64) -> Result<(), ApiError> {
    conn.execute(
        "DELETE FROM email_changes WHERE account_id = ?1",
        [account_id],
    )?;
    conn.execute(
        "UPDATE accounts SET pending_email = NULL WHERE id = ?1",
        [account_id],
    )?;
    Ok(())
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct EmailChangeBody {
    /// The token of the link sent to the new address.
    pub token: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct EmailChanged {
    pub account_id: i64,
    pub email: String,
    pub message: &'static str,
}

/// The new address replaces the old one, confirmed.
pub async fn confirm(app: &App, token: &str) -> Result<EmailChanged, ApiError> {
    if token.is_empty() {
        return Err(ApiError::missing("token"));
    }
    let h = hash(token);
    app.db
        .write(move |tx| {
            let row: Option<(i64, String, i64)> = tx
                .query_row(
                    "SELECT account_id, email, expires_at FROM email_changes WHERE token_hash = ?1",
                    [&h],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
                )
                .optional()?;
            let bad = |code: u32, error: &'static str, why: &str| {
                ApiError::new(400, code, error, format!("This link {why}: change the address again to get a new one."))
                    .with("field", "token")
            };
            let Some((id, email, expires_at)) = row else {
                return Err(bad(code::LINK_INVALID, "Invalid Link", "is not valid, or was already used"));
            };
            if expires_at <= now() {
                return Err(bad(code::LINK_EXPIRED, "Link Expired", "has expired"));
            }
            tx.execute(
                "UPDATE accounts SET email = ?2, email_confirmed = 1, pending_email = NULL, updated_at = ?3 WHERE id = ?1",
                params![id, email, crate::db::now_ms()],
            )
            .map_err(model::map_unique)?;
            tx.execute("DELETE FROM email_changes WHERE account_id = ?1", [id])?;
            tx.execute("DELETE FROM email_confirmations WHERE account_id = ?1", [id])?;
            Ok(EmailChanged { account_id: id, email, message: "Your new email address is confirmed and in use." })
        })
        .await
}

/// The link sent to the new address.
#[utoipa::path(get, path = "/api/v1/auth/email-change/confirm", tag = "auth",
    params(("token" = Option<String>, Query, description = "The token of the link.")),
    responses((status = 200, body = EmailChanged), (status = "4XX", body = crate::http::error::ErrorBody)))]
#[get("/auth/email-change/confirm?<token>")]
async fn confirm_get(
    app: &State<App>,
    token: Option<String>,
) -> Result<Json<EmailChanged>, ApiError> {
    Ok(Json(
        confirm(app, token.as_deref().unwrap_or_default()).await?,
    ))
}

/// Confirm a new email address with the token of its link.
#[utoipa::path(post, path = "/api/v1/auth/email-change/confirm", tag = "auth", request_body = EmailChangeBody,
    responses((status = 200, body = EmailChanged), (status = "4XX", body = crate::http::error::ErrorBody)))]
#[post("/auth/email-change/confirm", data = "<body>")]
async fn confirm_post(
    app: &State<App>,
    body: JsonBody<EmailChangeBody>,
) -> Result<Json<EmailChanged>, ApiError> {
    Ok(Json(confirm(app, &body.0.token).await?))
}

pub fn routes() -> Vec<rocket::Route> {
    routes![confirm_get, confirm_post]
}

pub fn openapi() -> utoipa::openapi::OpenApi {
    #[derive(utoipa::OpenApi)]
    #[openapi(paths(confirm_get, confirm_post))]
    struct Part;
    <Part as utoipa::OpenApi>::openapi()
}
