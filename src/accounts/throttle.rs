//! Failed logins and the bans they lead to (seed 000, SPEC 4.2), kept in SQLite so they
//! survive a restart. Failures are counted per (subject, client ip) — so a pupil cannot be
//! locked out from another machine — and per ip across all names, against credential stuffing.
//!
//! A login is decided in two steps on the writing thread, with the password hashed between
//! them: [`Gate::admit`] reads the ban and the count and takes one of the attempts left, and
//! [`Ticket::fail`] or [`Ticket::succeed`] records what the hash said. Attempts whose password
//! is being checked hold their place in the count, so however many logins arrive at once, no
//! more than `max_attempts` wrong passwords are ever checked before the ban; the others wait for
//! a place and find the ban. Both steps run one after the other with every other write, so
//! nothing can slip between the check and the record.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use rocket::tokio::sync::Notify;
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
    /// Counted, and a ban is in force (the ip's, reached by other names meanwhile).
    InBan { seconds_left: i64 },
}

/// Who a login counts against, from one ip: `ban` decides the ban (the account, so that its
/// username and email count together; the name itself when no account has it); `shown` is
/// the login as typed, whose count is the figure the answer shows. The answer never shows the
/// account's own count: that would tell whether an email belongs to an account.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Subjects {
    pub ban: String,
    pub shown: String,
    pub ip: String,
}

impl Subjects {
    pub fn new(account: Option<i64>, login: &str, ip: &str) -> Subjects {
        let shown = format!("name:{}", login.trim().to_lowercase());
        Subjects {
            ban: account.map_or_else(|| shown.clone(), |id| format!("account:{id}")),
            shown,
            ip: ip.to_owned(),
        }
    }
}

/// What [`Gate::admit`] decided.
pub enum Admission {
    /// Banned: the attempt is refused without checking its password.
    Banned { seconds_left: i64 },
    /// Every attempt left is being checked right now: wait until one ends, then ask again.
    Wait,
    /// This attempt may be checked; its place is held until the ticket records the outcome
    /// (or is dropped).
    Admitted(Ticket),
}

/// The logins being checked right now, per (subject, ip). In memory: an attempt in flight does
/// not outlive the process.
#[derive(Default)]
pub struct Gate {
    in_flight: Mutex<HashMap<(String, String), i64>>,
    /// Woken each time an attempt ends, for the ones waiting for a place.
    pub ended: Notify,
}

impl Gate {
    fn held(&self, subject: &str, ip: &str) -> i64 {
        self.in_flight
            .lock()
            .map(|m| {
                m.get(&(subject.to_owned(), ip.to_owned()))
                    .copied()
                    .unwrap_or(0)
            })
            .unwrap_or(0)
    }

    fn adjust(&self, keys: &[(String, String)], by: i64) {
        if let Ok(mut m) = self.in_flight.lock() {
            for key in keys {
                let n = m.entry(key.clone()).or_insert(0);
                *n += by;
                if *n <= 0 {
                    m.remove(key);
                }
            }
        }
    }

    /// Decides whether an attempt may have its password checked. Runs on the writing thread.
    pub fn admit(
        self: &Arc<Gate>,
        conn: &Connection,
        who: &Subjects,
        now: i64,
        limits: Limits,
    ) -> rusqlite::Result<Admission> {
        if let Some(seconds_left) = ban_left(conn, &who.ban, &who.ip, now)? {
            return Ok(Admission::Banned { seconds_left });
        }
        let used = current_failures(conn, &who.ban, &who.ip, now, limits.cooldown)?
            + self.held(&who.ban, &who.ip);
        let ip_used = current_failures(conn, ANY_NAME, &who.ip, now, limits.cooldown)?
            + self.held(ANY_NAME, &who.ip);
        if used >= limits.max_attempts
            || (limits.ip_max_attempts > 0 && ip_used >= limits.ip_max_attempts)
        {
            return Ok(Admission::Wait);
        }
        let keys = vec![
            (who.ban.clone(), who.ip.clone()),
            (ANY_NAME.to_owned(), who.ip.clone()),
        ];
        self.adjust(&keys, 1);
        Ok(Admission::Admitted(Ticket {
            gate: self.clone(),
            who: who.clone(),
            keys,
            open: true,
        }))
    }
}

/// A place among the attempts being checked. Recording the outcome gives it back; so does
/// dropping it (a request abandoned while its password was checked).
pub struct Ticket {
    gate: Arc<Gate>,
    who: Subjects,
    keys: Vec<(String, String)>,
    open: bool,
}

impl Ticket {
    fn release(&mut self) {
        if std::mem::take(&mut self.open) {
            self.gate.adjust(&self.keys, -1);
            self.gate.ended.notify_waiters();
        }
    }

    /// Records a wrong password. Runs on the writing thread.
    pub fn fail(
        mut self,
        conn: &Connection,
        now: i64,
        limits: Limits,
    ) -> rusqlite::Result<Failure> {
        self.release();
        record_failure(conn, &self.who, now, limits)
    }

    /// Records a right password: the count starts again, unless a ban is in force — a success
    /// never lifts a ban, and the right password during one is refused. Runs on the writing
    /// thread; `Err` carries the seconds left on the ban.
    pub fn succeed(mut self, conn: &Connection, now: i64) -> rusqlite::Result<Result<(), i64>> {
        self.release();
        if let Some(left) = ban_left(conn, &self.who.ban, &self.who.ip, now)? {
            return Ok(Err(left));
        }
        clear(conn, &self.who.ban, &self.who.ip)?;
        clear(conn, &self.who.shown, &self.who.ip)?;
        Ok(Ok(()))
    }
}

impl Drop for Ticket {
    fn drop(&mut self) {
        self.release();
    }
}

/// How often a caller (an account, or an ip) may be told that an email address is already in
/// use: each such answer says that the address belongs to someone, so they are counted in a
/// fixed window, in memory (a restart forgets them, which only gives back one window).
#[derive(Default)]
pub struct Window {
    hits: Mutex<HashMap<String, (i64, i64)>>,
}

/// Answers "this email is taken" allowed per caller and window.
pub const EMAIL_TAKEN_MAX: i64 = 5;
pub const EMAIL_TAKEN_WINDOW: i64 = 3600;

impl Window {
    /// Seconds until `key` may be answered again, when it has used up its window.
    pub fn exhausted(&self, key: &str, now: i64) -> Option<i64> {
        let hits = self.hits.lock().ok()?;
        match hits.get(key) {
            Some((start, count))
                if now < start + EMAIL_TAKEN_WINDOW && *count >= EMAIL_TAKEN_MAX =>
            {
                Some(start + EMAIL_TAKEN_WINDOW - now)
            }
            _ => None,
        }
    }

    pub fn hit(&self, key: &str, now: i64) {
        let Ok(mut hits) = self.hits.lock() else {
            return;
        };
        // Windows that ended are dropped now and then, so the map stays small.
        if hits.len() > 10_000 {
            hits.retain(|_, (start, _)| now < *start + EMAIL_TAKEN_WINDOW);
        }
        let entry = hits.entry(key.to_owned()).or_insert((now, 0));
        if now >= entry.0 + EMAIL_TAKEN_WINDOW {
            *entry = (now, 0);
        }
        entry.1 += 1;
    }
}

/// Failures of `subject` from `ip` that still count: none after `cooldown` quiet seconds or
/// once a ban has ended.
fn current_failures(
    conn: &Connection,
    subject: &str,
    ip: &str,
    now: i64,
    cooldown: i64,
) -> rusqlite::Result<i64> {
    Ok(conn
        .prepare_cached(
            "SELECT CASE WHEN last_failure_at + ?3 <= ?4 OR (banned_until IS NOT NULL AND banned_until <= ?4)
                    THEN 0 ELSE failures END
             FROM login_attempts WHERE subject = ?1 AND ip = ?2",
        )?
        .query_row(params![subject, ip, cooldown, now], |r| r.get(0))
        .optional()?
        .unwrap_or(0))
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

/// Counts one failure: for the deciding subject (banning it at the limit), for the login as
/// typed when that is another row (the figure shown), and for the ip across names.
fn record_failure(
    conn: &Connection,
    who: &Subjects,
    now: i64,
    limits: Limits,
) -> rusqlite::Result<Failure> {
    let (ip, cooldown) = (who.ip.as_str(), limits.cooldown);
    let attempts = bump(conn, &who.ban, ip, now, cooldown)?;
    let just_banned = attempts >= limits.max_attempts;
    if just_banned {
        ban(conn, &who.ban, ip, now + limits.ban_duration)?;
    }
    // The typed login's count never runs ahead of the deciding one: when that one started
    // again (after the cooldown, or after its ban ended), this one starts again with it.
    let shown = if who.shown == who.ban {
        attempts
    } else {
        let shown = bump(conn, &who.shown, ip, now, cooldown)?;
        if shown > attempts {
            conn.execute(
                "UPDATE login_attempts SET failures = ?3 WHERE subject = ?1 AND ip = ?2",
                params![who.shown, ip, attempts],
            )?;
        }
        shown.min(attempts)
    };
    if limits.ip_max_attempts > 0
        && bump(conn, ANY_NAME, ip, now, cooldown)? >= limits.ip_max_attempts
    {
        ban(conn, ANY_NAME, ip, now + limits.ban_duration)?;
    }
    if just_banned {
        return Ok(Failure::Banned { attempts: shown });
    }
    Ok(match ban_left(conn, &who.ban, ip, now)? {
        Some(seconds_left) => Failure::InBan { seconds_left },
        None => Failure::Counted { attempts: shown },
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
fn clear(conn: &Connection, subject: &str, ip: &str) -> rusqlite::Result<()> {
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

/// Forgets the failures and bans of a deleted account: its id may be given to a new one.
pub fn forget_account(conn: &Connection, account_id: i64) -> rusqlite::Result<()> {
    conn.execute(
        "DELETE FROM login_attempts WHERE subject = ?1",
        [format!("account:{account_id}")],
    )?;
    Ok(())
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
