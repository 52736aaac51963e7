//! The audit log: every moderator and admin action, who, what, when, on what. Written by every
//! domain that acts for staff (accounts, moderation, content), read by the admin UI.

use rusqlite::{Connection, params};
use serde::Serialize;
use utoipa::ToSchema;

use crate::db::now_ms;
use crate::http::error::ApiError;

pub fn record(
    conn: &Connection,
    actor: i64,
    action: &str,
    target_type: &str,
    target_id: i64,
    detail: Option<&str>,
) -> Result<(), ApiError> {
    conn.execute(
        "INSERT INTO audit_log (actor_id, action, target_type, target_id, detail, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![actor, action, target_type, target_id, detail, now_ms()],
    )?;
    Ok(())
}

/// Records an action together with the text it was about, as it was (a report's evidence).
pub fn record_with_evidence(
    conn: &Connection,
    actor: i64,
    action: &str,
    target: (&str, i64),
    detail: Option<&str>,
    evidence: Option<&str>,
) -> Result<(), ApiError> {
    conn.execute(
        "INSERT INTO audit_log (actor_id, action, target_type, target_id, detail, created_at, evidence) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![actor, action, target.0, target.1, detail, now_ms(), evidence],
    )?;
    Ok(())
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AuditEntry {
    pub id: i64,
    pub actor_id: Option<i64>,
    pub actor: Option<String>,
    pub action: String,
    pub target_type: String,
    pub target_id: i64,
    pub detail: Option<String>,
    /// The text the action was about, as it was then (a confirmed report's evidence).
    pub evidence: Option<String>,
    /// Unix milliseconds.
    pub created_at: i64,
}

/// Entries newest first, optionally of one actor.
pub fn list(
    conn: &Connection,
    actor: Option<i64>,
    before: i64,
    limit: i64,
) -> Result<Vec<AuditEntry>, ApiError> {
    let mut stmt = conn.prepare_cached(
        "SELECT l.id, l.actor_id, a.username, l.action, l.target_type, l.target_id, l.detail, l.created_at, l.evidence
         FROM audit_log l LEFT JOIN accounts a ON a.id = l.actor_id
         WHERE l.id < ?1 AND (?2 IS NULL OR l.actor_id = ?2) ORDER BY l.id DESC LIMIT ?3",
    )?;
    let rows = stmt.query_map(params![before, actor, limit], |r| {
        Ok(AuditEntry {
            id: r.get(0)?,
            actor_id: r.get(1)?,
            actor: r.get(2)?,
            action: r.get(3)?,
            target_type: r.get(4)?,
            target_id: r.get(5)?,
            detail: r.get(6)?,
            created_at: r.get(7)?,
            evidence: r.get(8)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}
