//! Notifications, stored per account: report outcomes, validation decisions, edits of hidden
//! content waiting for their moderator.

use rusqlite::{Connection, params};
use serde::Serialize;
use utoipa::ToSchema;

use crate::db::now_ms;
use crate::http::error::ApiError;

pub struct Notice<'a> {
    pub kind: &'a str,
    pub message: String,
    pub report_id: Option<i64>,
    pub target: Option<(&'a str, i64)>,
}

pub fn send(conn: &Connection, account_id: i64, n: &Notice<'_>) -> Result<(), ApiError> {
    conn.execute(
        "INSERT INTO notifications (account_id, kind, message, report_id, target_type, target_id, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![account_id, n.kind, n.message, n.report_id, n.target.map(|t| t.0), n.target.map(|t| t.1), now_ms()],
    )?;
    Ok(())
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Notification {
    pub id: i64,
    /// `report_confirmed`, `report_cancelled`, `report_finished`, `report_filed`, `content_approved`,
    /// `content_rejected`, `hidden_content_edited`, `content_hidden`.
    pub kind: String,
    pub message: String,
    pub report_id: Option<i64>,
    pub target_type: Option<String>,
    pub target_id: Option<i64>,
    pub read: bool,
    /// Unix milliseconds.
    pub created_at: i64,
}

/// The account's notifications, newest first.
pub fn list(
    conn: &Connection,
    account_id: i64,
    unread_only: bool,
    before: i64,
    limit: i64,
) -> Result<Vec<Notification>, ApiError> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, kind, message, report_id, target_type, target_id, read_at IS NOT NULL, created_at FROM notifications
         WHERE account_id = ?1 AND id < ?2 AND (?3 = 0 OR read_at IS NULL) ORDER BY id DESC LIMIT ?4",
    )?;
    let rows = stmt.query_map(params![account_id, before, unread_only, limit], |r| {
        Ok(Notification {
            id: r.get(0)?,
            kind: r.get(1)?,
            message: r.get(2)?,
            report_id: r.get(3)?,
            target_type: r.get(4)?,
            target_id: r.get(5)?,
            read: r.get(6)?,
            created_at: r.get(7)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

pub fn unread(conn: &Connection, account_id: i64) -> Result<i64, ApiError> {
    Ok(conn.query_row(
        "SELECT COUNT(*) FROM notifications WHERE account_id = ?1 AND read_at IS NULL",
        [account_id],
        |r| r.get(0),
    )?)
}

/// Marks one notification (or all when `id` is `None`) read; false when there is no such one.
pub fn mark_read(conn: &Connection, account_id: i64, id: Option<i64>) -> Result<bool, ApiError> {
    let n = conn.execute(
        "UPDATE notifications SET read_at = COALESCE(read_at, ?3) WHERE account_id = ?1 AND (?2 IS NULL OR id = ?2)",
        params![account_id, id, now_ms()],
    )?;
    Ok(id.is_none() || n > 0)
}
