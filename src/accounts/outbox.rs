//! The mail outbox: every email is a row of `mail_outbox`, written in the transaction of what
//! caused it (a registration, a reset request, an email change), so that a message exists if
//! and only if its cause was committed. One worker thread per server sends the due messages
//! one after the other, retries failures with exponential backoff (`mail_retry_initial`,
//! doubling, at most an hour) and marks a message `failed` after `mail_max_attempts`
//! attempts or `mail_max_age` seconds; at start it picks up whatever is pending. Admins list
//! the outbox and retry failed messages (`/api/v1/admin/mail`).

use std::sync::mpsc::{self, RecvTimeoutError};
use std::time::Duration;

use rocket::serde::json::Json;
use rocket::{State, get, post, routes};
use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;
use utoipa::ToSchema;

use crate::accounts::App;
use crate::accounts::auth::Admin;
use crate::accounts::letters::Letter;
use crate::accounts::mail::{Mailer, Outgoing};
use crate::config::Config;
use crate::db::{Db, now};
use crate::http::body::{QueryInt, query_int};
use crate::http::error::ApiError;
use crate::http::logging::{log_error, log_warn};
use crate::http::pagination::{Page, PageRequest};

/// Seconds a worker holds a message it is sending: past that (a crash mid-send) another
/// attempt may take it.
const LEASE: i64 = 300;
/// The longest wait between two attempts.
const MAX_BACKOFF: i64 = 3600;
/// The longest the worker sleeps without looking at the table (a row written by another
/// process on the same file, or a clock jump).
const MAX_SLEEP: Duration = Duration::from_secs(60);

/// Queues `letter` for `recipient` inside the caller's transaction; returns the row's id.
/// Call [`Outbox::wake`] once the transaction is committed.
pub fn enqueue(
    conn: &Connection,
    account_id: Option<i64>,
    recipient: &str,
    letter: &Letter,
) -> Result<i64, ApiError> {
    let now = now();
    Ok(conn.query_row(
        "INSERT INTO mail_outbox (account_id, kind, recipient, subject, body_text, body_html, next_attempt_at, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7) RETURNING id",
        params![account_id, letter.kind, recipient, letter.subject, letter.text, letter.html, now],
        |r| r.get(0),
    )?)
}

/// The handle of the worker: dropping it (with the app) ends the thread.
pub struct Outbox {
    wake: mpsc::Sender<()>,
}

impl Outbox {
    /// Starts the worker thread on `db` with its own transport.
    pub fn start(db: Db, config: &Config) -> Result<Outbox, String> {
        let mailer = Mailer::new(config)?;
        let policy = Policy::from(config);
        let (wake, woken) = mpsc::channel();
        let runtime = rocket::tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| format!("cannot start the mail worker: {e}"))?;
        std::thread::Builder::new()
            .name("preau-mail".into())
            .spawn(move || worker(&db, &runtime, &mailer, policy, &woken))
            .map_err(|e| format!("cannot start the mail worker: {e}"))?;
        Ok(Outbox { wake })
    }

    /// Tells the worker that a message is waiting (after the transaction that wrote it).
    pub fn wake(&self) {
        let _ = self.wake.send(());
    }
}

#[derive(Debug, Clone, Copy)]
struct Policy {
    retry_initial: i64,
    max_age: i64,
    max_attempts: i64,
}

impl From<&Config> for Policy {
    fn from(c: &Config) -> Self {
        Policy {
            retry_initial: c.mail_retry_initial,
            max_age: c.mail_max_age,
            max_attempts: c.mail_max_attempts,
        }
    }
}

/// Seconds to wait after attempt number `attempts` failed.
fn backoff(policy: Policy, attempts: i64) -> i64 {
    let doublings = (attempts - 1).clamp(0, 20) as u32;
    policy
        .retry_initial
        .saturating_mul(1_i64 << doublings)
        .min(MAX_BACKOFF)
}

fn worker(
    db: &Db,
    runtime: &rocket::tokio::runtime::Runtime,
    mailer: &Mailer,
    policy: Policy,
    woken: &mpsc::Receiver<()>,
) {
    // The first look, at start, is on the writing connection, which has read the schema
    // already: on a reading thread it would start a second one beside the one that is opening,
    // while the server starts (issue 18).
    let mut due = db.startup_read(due_at).ok().flatten();
    loop {
        // Everything due, one after the other (looked at with a read first: an idle outbox
        // costs no write).
        while due.is_some_and(|at| at <= now()) {
            match runtime.block_on(db.write(claim)) {
                Ok(Some(message)) => {
                    let result = mailer.deliver(&message);
                    if let Err((e, _)) = &result {
                        log_warn(&format!("email {} not sent: {e}", message.id));
                    }
                    if let Err(e) =
                        runtime.block_on(db.write(move |tx| finish(tx, message.id, result, policy)))
                    {
                        log_error(&format!("mail outbox: {}", e.message));
                    }
                }
                Ok(None) => break,
                Err(e) => {
                    log_error(&format!("mail outbox: {}", e.message));
                    break;
                }
            }
            due = next_due(db, runtime);
        }
        // When nothing could be claimed or the claim failed, `due` may be past: the 200 ms
        // floor paces the next try.
        let sleep = due
            .map(|at| Duration::from_secs((at - now()).max(0) as u64))
            .map_or(MAX_SLEEP, |d| d.min(MAX_SLEEP))
            .max(Duration::from_millis(200));
        match woken.recv_timeout(sleep) {
            Ok(()) => while woken.try_recv().is_ok() {},
            Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => return,
        }
        due = next_due(db, runtime);
    }
}

/// Takes the oldest due message: counts the attempt and holds it for [`LEASE`] seconds.
fn claim(tx: &rusqlite::Transaction) -> Result<Option<Outgoing>, ApiError> {
    let now = now();
    Ok(tx
        .query_row(
            "UPDATE mail_outbox SET attempts = attempts + 1, next_attempt_at = ?2
             WHERE id = (SELECT id FROM mail_outbox WHERE status = 'pending' AND next_attempt_at <= ?1
                         ORDER BY next_attempt_at, id LIMIT 1)
             RETURNING id, recipient, subject, body_text, body_html",
            params![now, now + LEASE],
            |r| {
                Ok(Outgoing {
                    id: r.get(0)?,
                    recipient: r.get(1)?,
                    subject: r.get(2)?,
                    text: r.get(3)?,
                    html: r.get(4)?,
                })
            },
        )
        .optional()?)
}

fn finish(
    tx: &rusqlite::Transaction,
    id: i64,
    result: Result<(), (String, bool)>,
    policy: Policy,
) -> Result<(), ApiError> {
    let now = now();
    match result {
        Ok(()) => {
            tx.execute(
                "UPDATE mail_outbox SET status = 'sent', sent_at = ?2, last_error = NULL WHERE id = ?1",
                params![id, now],
            )?;
        }
        Err((error, permanent)) => {
            let (attempts, created_at): (i64, i64) = tx.query_row(
                "SELECT attempts, COALESCE(retried_at, created_at) FROM mail_outbox WHERE id = ?1",
                [id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )?;
            let next = now + backoff(policy, attempts);
            let give_up =
                permanent || attempts >= policy.max_attempts || next >= created_at + policy.max_age;
            let error: String = error.chars().take(500).collect();
            tx.execute(
                "UPDATE mail_outbox SET status = CASE WHEN ?2 THEN 'failed' ELSE 'pending' END,
                    next_attempt_at = ?3, last_error = ?4 WHERE id = ?1",
                params![id, give_up, next, error],
            )?;
        }
    }
    Ok(())
}

fn next_due(db: &Db, runtime: &rocket::tokio::runtime::Runtime) -> Option<i64> {
    runtime.block_on(db.read(due_at)).ok().flatten()
}

/// When the next pending message is due, if there is one.
fn due_at(c: &Connection) -> Result<Option<i64>, ApiError> {
    Ok(
        c.prepare_cached("SELECT MIN(next_attempt_at) FROM mail_outbox WHERE status = 'pending'")?
            .query_row([], |r| r.get::<_, Option<i64>>(0))?,
    )
}

// ---- admin routes ----------------------------------------------------------------------

pub fn routes() -> Vec<rocket::Route> {
    routes![list_mail, retry_mail]
}

pub fn openapi() -> utoipa::openapi::OpenApi {
    #[derive(utoipa::OpenApi)]
    #[openapi(paths(list_mail, retry_mail))]
    struct Part;
    <Part as utoipa::OpenApi>::openapi()
}

/// A message of the outbox as admins see it (the body is not shown: it holds the link).
#[derive(Debug, Serialize, ToSchema)]
pub struct MailRow {
    pub id: i64,
    pub account_id: Option<i64>,
    /// `confirmation`, `password_reset`, `setup`, `email_change`.
    pub kind: String,
    pub recipient: String,
    pub subject: String,
    /// `pending`, `sent` or `failed`.
    pub status: String,
    pub attempts: i64,
    pub last_error: Option<String>,
    /// Unix seconds: the next attempt of a pending message.
    pub next_attempt_at: i64,
    /// Unix seconds.
    pub created_at: i64,
    pub sent_at: Option<i64>,
}

const MAIL_COLUMNS: &str = "id, account_id, kind, recipient, subject, status, attempts, last_error, next_attempt_at, created_at, sent_at";

fn mail_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<MailRow> {
    Ok(MailRow {
        id: r.get(0)?,
        account_id: r.get(1)?,
        kind: r.get(2)?,
        recipient: r.get(3)?,
        subject: r.get(4)?,
        status: r.get(5)?,
        attempts: r.get(6)?,
        last_error: r.get(7)?,
        next_attempt_at: r.get(8)?,
        created_at: r.get(9)?,
        sent_at: r.get(10)?,
    })
}

/// The outbox, newest first, of one status or all (admins).
#[utoipa::path(get, path = "/api/v1/admin/mail", tag = "admin", security(("bearer" = [])),
    params(
        ("status" = Option<String>, Query, description = "`pending`, `failed` or `sent`; absent: all."),
        ("limit" = Option<i64>, Query, minimum = 1, maximum = 100, description = "1 to 100, default 20."),
        ("cursor" = Option<String>, Query, description = "`next_cursor` of the previous page."),
    ),
    responses((status = 200, body = Page<MailRow>), (status = "4XX", body = crate::http::error::ErrorBody)))]
#[get("/admin/mail?<status>&<limit>&<cursor>")]
async fn list_mail(
    app: &State<App>,
    _admin: Admin,
    status: Option<String>,
    limit: QueryInt<'_>,
    cursor: Option<String>,
) -> Result<Json<Page<MailRow>>, ApiError> {
    let page = PageRequest::new(query_int("limit", limit)?, cursor.as_deref())?;
    let status = status.filter(|s| !s.is_empty());
    if let Some(s) = &status
        && !["pending", "failed", "sent"].contains(&s.as_str())
    {
        return Err(ApiError::invalid(
            "status",
            "must be pending, failed or sent",
        ));
    }
    let rows = app
        .db
        .read(move |c| {
            let mut stmt = c.prepare_cached(&format!(
                "SELECT {MAIL_COLUMNS} FROM mail_outbox WHERE id < ?1 AND (?2 IS NULL OR status = ?2)
                 ORDER BY id DESC LIMIT ?3"
            ))?;
            let rows = stmt.query_map(params![page.before, status, page.fetch()], mail_row)?;
            Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
        })
        .await?;
    Ok(Json(page.page(rows, |m: &MailRow| m.id)))
}

/// Try a pending or failed message again now (admins); its attempts start again from zero.
/// A message already sent is not sent twice (409).
#[utoipa::path(post, path = "/api/v1/admin/mail/{id}/retry", tag = "admin", params(("id" = i64, Path, minimum = 1)),
    security(("bearer" = [])), responses((status = 200, body = MailRow), (status = "4XX", body = crate::http::error::ErrorBody)))]
#[post("/admin/mail/<id>/retry")]
async fn retry_mail(app: &State<App>, _admin: Admin, id: i64) -> Result<Json<MailRow>, ApiError> {
    let row = app
        .db
        .write(move |tx| {
            let status: Option<String> = tx
                .query_row("SELECT status FROM mail_outbox WHERE id = ?1", [id], |r| r.get(0))
                .optional()?;
            match status.as_deref() {
                None => return Err(ApiError::not_found(&format!("Email {id}"))),
                Some("sent") => {
                    return Err(ApiError::conflict(
                        crate::http::error::code::CONFLICT,
                        "Already Sent",
                        "This email was already sent; it is not sent twice.",
                    ));
                }
                _ => {}
            }
            let now = now();
            // A retry is a fresh start: it gets a new span of `mail_max_age` as well.
            tx.execute(
                "UPDATE mail_outbox SET status = 'pending', attempts = 0, next_attempt_at = ?2, retried_at = ?2 WHERE id = ?1",
                params![id, now],
            )?;
            Ok(tx.query_row(
                &format!("SELECT {MAIL_COLUMNS} FROM mail_outbox WHERE id = ?1"),
                [id],
                mail_row,
            )?)
        })
        .await?;
    app.outbox.wake();
    Ok(Json(row))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_an_hour() {
        let p = Policy {
            retry_initial: 30,
            max_age: 1000,
            max_attempts: 5,
        };
        assert_eq!(backoff(p, 1), 30);
        assert_eq!(backoff(p, 2), 60);
        assert_eq!(backoff(p, 3), 120);
        assert_eq!(backoff(p, 40), MAX_BACKOFF);
    }
}
