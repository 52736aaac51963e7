//! Failed logins and the bans they lead to (seed 000, SPEC 4.2), kept in SQLite so they
//! survive a restart. Failures are counted per (subject, client ip) — so a pupil cannot be
//! locked out from another machine — and per ip across all names, against credential stuffing.

use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;
use utoipa::ToSchema;

use crate::config::Config;

/// The per-ip row's subject.
pub const ANY_NAME: &str = "*";

#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub max_attempts: i64,
    pub cooldown: i64,
    pub ban_duration: i64,
    pub ip_max_attempts: i64,
}

impl From<&Config> for Limits {
    fn from(c: &Config) -> Self {
        Limits {
            max_attempts: c.login_max_attempts,
            cooldown: c.login_cooldown,
            ban_duration: c.login_ban_duration,
            ip_max_attempts: c.login_ip_max_attempts,
        }
    }
}

/// What a failed login leads to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failure {
    /// Counted; `attempts` of `max_attempts` used.
    Counted { attempts: i64 },
    /// This failure reached the limit: banned for `ban_duration` from now.
    Banned { attempts: i64 },
}

/// Seconds left on a ban of `subject` or of the whole ip, if any.
pub fn ban_left(
    conn: &Connection,
    subject: &str,
    ip: &str,
    now: i64,
) -> rusqlite::Result<Option<i64>> {
    let until: Option<i64> = conn
        .query_row(
            "SELECT MAX(banned_until) FROM login_attempts
             WHERE ip = ?1 AND subject IN (?2, ?3) AND banned_until > ?4",
            params![ip, subject, ANY_NAME, now],
            |r| r.get(0),
        )
        .optional()?
        .flatten();
    Ok(until.map(|u| u - now))
}

/// Counts one failure of `subject` from `ip` (and one for the ip across names).
pub fn record_failure(
    conn: &Connection,
    subject: &str,
    ip: &str,
    now: i64,
    limits: Limits,
) -> rusqlite::Result<Failure> {
    let attempts = bump(conn, subject, ip, now, limits.cooldown)?;
    if attempts >= limits.max_attempts {
        ban(conn, subject, ip, now + limits.ban_duration)?;
    }
    if limits.ip_max_attempts > 0 {
        let ip_attempts = bump(conn, ANY_NAME, ip, now, limits.cooldown)?;
        if ip_attempts >= limits.ip_max_attempts {
            ban(conn, ANY_NAME, ip, now + limits.ban_duration)?;
        }
    }
    Ok(if attempts >= limits.max_attempts {
        Failure::Banned { attempts }
    } else {
        Failure::Counted { attempts }
    })
}

/// Adds one failure, starting again from one after `cooldown` quiet seconds or an expired ban.
fn bump(
    conn: &Connection,
    subject: &str,
    ip: &str,
    now: i64,
    cooldown: i64,
) -> rusqlite::Result<i64> {
    conn.query_row(
        "INSERT INTO login_attempts (subject, ip, failures, last_failure_at) VALUES (?1, ?2, 1, ?3)
         ON CONFLICT (subject, ip) DO UPDATE SET
             failures = CASE
                 WHEN last_failure_at + ?4 <= ?3 OR (banned_until IS NOT NULL AND banned_until <= ?3) THEN 1
                 ELSE failures + 1 END,
             banned_until = CASE WHEN banned_until <= ?3 THEN NULL ELSE banned_until END,
             last_failure_at = ?3
         RETURNING failures",
        params![subject, ip, now, cooldown],
        |r| r.get(0),
    )
}

fn ban(conn: &Connection, subject: &str, ip: &str, until: i64) -> rusqlite::Result<()> {
    conn.execute(
        "UPDATE login_attempts SET banned_until = ?3 WHERE subject = ?1 AND ip = ?2 AND banned_until IS NULL",
        params![subject, ip, until],
    )?;
    Ok(())
}

/// A success forgets the failures of this subject from this ip.
pub fn clear(conn: &Connection, subject: &str, ip: &str) -> rusqlite::Result<()> {
    conn.execute(
        "DELETE FROM login_attempts WHERE subject = ?1 AND ip = ?2",
        params![subject, ip],
    )?;
    Ok(())
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AttemptRow {
    pub id: i64,
    /// `account:<id>`, `name:<login>` or `*` (every name from this ip).
    pub subject: String,
    pub account_id: Option<i64>,
    pub username: Option<String>,
    pub ip: String,
    pub failures: i64,
    pub last_failure_at: i64,
    /// Unix seconds; null when not banned.
    pub banned_until: Option<i64>,
}

/// Attempt rows, newest failure first; only the active bans when `banned_only`.
pub fn list(
    conn: &Connection,
    banned_only: bool,
    now: i64,
    before: i64,
    limit: i64,
) -> rusqlite::Result<Vec<AttemptRow>> {
    let mut stmt = conn.prepare_cached(
        "SELECT l.id, l.subject, a.id, a.username, l.ip, l.failures, l.last_failure_at, l.banned_until
         FROM login_attempts l
         LEFT JOIN accounts a ON l.subject LIKE 'account:%' AND a.id = CAST(substr(l.subject, 9) AS INTEGER)
         WHERE l.id < ?1 AND (?2 = 0 OR l.banned_until > ?3)
         ORDER BY l.id DESC LIMIT ?4",
    )?;
    let rows = stmt.query_map(params![before, banned_only, now, limit], |r| {
        Ok(AttemptRow {
            id: r.get(0)?,
            subject: r.get(1)?,
            account_id: r.get(2)?,
            username: r.get(3)?,
            ip: r.get(4)?,
            failures: r.get(5)?,
            last_failure_at: r.get(6)?,
            banned_until: r.get::<_, Option<i64>>(7)?.filter(|u| *u > now),
        })
    })?;
    rows.collect()
}

/// Lifts a ban and forgets its failures. False when there is no such row.
pub fn lift(conn: &Connection, id: i64) -> rusqlite::Result<bool> {
    Ok(conn.execute("DELETE FROM login_attempts WHERE id = ?1", [id])? > 0)
}

pub fn active_bans(conn: &Connection, now: i64) -> rusqlite::Result<i64> {
    conn.query_row(
        "SELECT COUNT(*) FROM login_attempts WHERE banned_until > ?1",
        [now],
        |r| r.get(0),
    )
}
