//! Reports (seed 004, SPEC 4.7): a member reports a piece of content once; a moderator takes
//! the report (1), then cancels it (3) or confirms it (2: the content is hidden, its author
//! and the reporter notified). The author may then edit the hidden content, which puts the
//! report back in front of its moderator, who finishes it (3) and the content is shown again.

use rusqlite::{Connection, OptionalExtension, Row, params};
use serde::Serialize;
use serde_json::{Map, Value};
use utoipa::ToSchema;

use crate::accounts::App;
use crate::accounts::auth::AuthUser;
use crate::accounts::letters::Locale;
use crate::audit;
use crate::config::Config;
use crate::content::store::{self, Viewer};
use crate::content::{Kind, Registry, Resource};
use crate::db::now_ms;
use crate::http::error::{ApiError, Violation, code};
use crate::moderation::notifications::{self, Notice, Text};
use crate::moderation::optional_message;

pub const COMMENT_MAX: usize = 1000;
pub const RESULT_MAX: usize = 1000;

/// Where a report stands (seed 004's `reportStatus`); stored and sent as its number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(into = "i64")]
pub enum ReportStatus {
    /// Waiting for a moderator.
    Open = 0,
    /// A moderator took it.
    Taken = 1,
    /// Upheld: the content is hidden until its author edits it.
    Confirmed = 2,
    /// Finished or cancelled.
    Closed = 3,
}

impl From<ReportStatus> for i64 {
    fn from(s: ReportStatus) -> i64 {
        s as i64
    }
}

impl TryFrom<i64> for ReportStatus {
    type Error = String;

    fn try_from(v: i64) -> Result<Self, String> {
        Ok(match v {
            0 => ReportStatus::Open,
            1 => ReportStatus::Taken,
            2 => ReportStatus::Confirmed,
            3 => ReportStatus::Closed,
            _ => return Err("must be 0, 1, 2 or 3".into()),
        })
    }
}

impl utoipa::PartialSchema for ReportStatus {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{KnownFormat, ObjectBuilder, SchemaFormat, Type};
        ObjectBuilder::new()
            .schema_type(Type::Integer)
            .format(Some(SchemaFormat::KnownFormat(KnownFormat::Int64)))
            .enum_values(Some([0, 1, 2, 3]))
            .description(Some(
                "0 open, 1 taken, 2 confirmed (target hidden), 3 finished or cancelled.",
            ))
            .into()
    }
}

impl ToSchema for ReportStatus {}

impl rusqlite::types::FromSql for ReportStatus {
    fn column_result(v: rusqlite::types::ValueRef<'_>) -> rusqlite::types::FromSqlResult<Self> {
        ReportStatus::try_from(v.as_i64()?)
            .map_err(|e| rusqlite::types::FromSqlError::Other(e.into()))
    }
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Report {
    pub id: i64,
    /// Null once the reporter's account is deleted.
    pub reporter_id: Option<i64>,
    pub target_type: String,
    pub target_id: i64,
    pub comment: Option<String>,
    pub status: ReportStatus,
    pub handler_id: Option<i64>,
    pub result: Option<String>,
    /// Unix milliseconds of the last change of status.
    pub state_changed_at: Option<i64>,
    pub created_at: i64,
    /// The reported text as it was when reported (its title and text), kept after any edit.
    pub evidence: Option<String>,
    /// Where it was posted: a comment's post, course or exercise; a forum post's subject.
    pub thread_type: Option<String>,
    pub thread_id: Option<i64>,
}

const COLUMNS: &str = "id, reporter_id, target_type, target_id, comment, status, handler_id, result, state_changed_at, created_at, evidence, thread_type, thread_id";

impl Report {
    fn from_row(r: &Row<'_>) -> rusqlite::Result<Report> {
        Ok(Report {
            id: r.get(0)?,
            reporter_id: r.get(1)?,
            target_type: r.get(2)?,
            target_id: r.get(3)?,
            comment: r.get(4)?,
            status: r.get(5)?,
            handler_id: r.get(6)?,
            result: r.get(7)?,
            state_changed_at: r.get(8)?,
            created_at: r.get(9)?,
            evidence: r.get(10)?,
            thread_type: r.get(11)?,
            thread_id: r.get(12)?,
        })
    }
}

fn find(conn: &Connection, id: i64) -> Result<Option<Report>, ApiError> {
    Ok(conn
        .prepare_cached(&format!("SELECT {COLUMNS} FROM reports WHERE id = ?1"))?
        .query_row([id], Report::from_row)
        .optional()?)
}

fn get(conn: &Connection, id: i64) -> Result<Report, ApiError> {
    find(conn, id)?.ok_or_else(|| ApiError::not_found(&format!("Report {id}")))
}

/// A report the caller may read: their own, or any for staff (404 otherwise).
pub fn readable(conn: &Connection, user: &AuthUser, id: i64) -> Result<Report, ApiError> {
    match find(conn, id)? {
        Some(r) if r.reporter_id == Some(user.id) || user.is_moderator() => Ok(r),
        _ => Err(ApiError::not_found(&format!("Report {id}"))),
    }
}

/// The author of a target and whether it is hidden; `None` when it does not exist.
fn target_state(
    conn: &Connection,
    res: &Resource,
    id: i64,
) -> Result<Option<(Option<i64>, bool)>, ApiError> {
    let owner = res.owner.unwrap_or("NULL");
    Ok(conn
        .query_row(
            &format!("SELECT {owner}, hidden FROM {} WHERE id = ?1", res.table),
            [id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?)
}

fn set_hidden(conn: &Connection, res: &Resource, id: i64, hidden: bool) -> Result<(), ApiError> {
    conn.execute(
        &format!("UPDATE {} SET hidden = ?2 WHERE id = ?1", res.table),
        params![id, hidden],
    )?;
    Ok(())
}

/// How many members have an open or taken report on a target.
fn open_reporters(conn: &Connection, kind: &str, id: i64) -> Result<i64, ApiError> {
    Ok(conn.query_row(
        "SELECT COUNT(DISTINCT reporter_id) FROM reports WHERE target_type = ?1 AND target_id = ?2 AND status IN (0, 1)",
        params![kind, id],
        |r| r.get(0),
    )?)
}

/// Whether hidden content stays hidden when a report on it ends: another report on it is
/// confirmed, or its open reports still reach the auto-hide threshold.
fn must_stay_hidden(
    conn: &Connection,
    kind: &str,
    id: i64,
    threshold: i64,
) -> Result<bool, ApiError> {
    let confirmed: bool = conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM reports WHERE target_type = ?1 AND target_id = ?2 AND status = 2)",
        params![kind, id],
        |r| r.get(0),
    )?;
    Ok(confirmed || (threshold > 0 && open_reporters(conn, kind, id)? >= threshold))
}

/// Files a report. Refused: a target that is missing, hidden or the caller's own; a second
/// report of the same target by the same member; a comment over its limit (named
/// `comment_field`, as the caller's face spells it).
pub async fn file(
    app: &App,
    registry: &Registry,
    user: &AuthUser,
    kind: &str,
    target_id: i64,
    comment: Option<String>,
    comment_field: &str,
) -> Result<Report, ApiError> {
    let res = registry.reportable(kind, "target_type")?;
    let comment = optional_message(comment_field, comment.as_deref(), COMMENT_MAX)?;
    let user = user.clone();
    let kind = kind.to_owned();
    let threshold = app.config.report_hide_threshold;
    let fallback = Locale::default_of(&app.config);
    app.db
        .write(move |tx| {
            let visible = store::find(tx, res, Viewer::of(Some(&user)), target_id)?;
            let state = target_state(tx, res, target_id)?;
            let (Some(row), Some((owner, hidden))) = (visible, state) else {
                return Err(ApiError::invalid("target_id", format!("no {} with id {target_id} exists", res.name)));
            };
            if hidden {
                return Err(ApiError::invalid("target_id", format!("this {} is already hidden by moderation", res.name)));
            }
            if owner == Some(user.id) {
                return Err(ApiError::invalid("target_id", "you cannot report your own content"));
            }
            let now = now_ms();
            let evidence = evidence_of(res, &row);
            let thread = thread_of(res, &row);
            let id: i64 = tx
                .query_row(
                    "INSERT INTO reports (reporter_id, target_type, target_id, comment, created_at, updated_at, evidence, thread_type, thread_id)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?5, ?6, ?7, ?8) RETURNING id",
                    params![user.id, kind, target_id, comment, now, evidence, thread.as_ref().map(|t| t.0.clone()), thread.map(|t| t.1)],
                    |r| r.get(0),
                )
                .map_err(|e| match Violation::of(&e) {
                    Some(Violation::Unique(_)) => ApiError::conflict(code::CONFLICT, "Already Reported", format!("You have already reported this {}.", res.name)),
                    _ => ApiError::from(e),
                })?;
            if threshold > 0 {
                let reporters = open_reporters(tx, &kind, target_id)?;
                if reporters >= threshold {
                    set_hidden(tx, res, target_id, true)?;
                    audit::record(tx, user.id, "auto_hide", &kind, target_id, Some(&format!("{reporters} distinct reporters")))?;
                    if let Some(author) = owner {
                        let text = Text::AutoHidden { noun: res.name, reporters };
                        notifications::send(tx, fallback, author, &Notice { kind: "content_hidden", text, report_id: Some(id), target: Some((&kind, target_id)) })?;
                    }
                }
            }
            get(tx, id)
        })
        .await
}

/// The evidence of a report: the target's text fields as they are now (a title, then its
/// text), so that the author's later edit does not erase what was reported.
fn evidence_of(res: &Resource, row: &Map<String, Value>) -> Option<String> {
    let texts: Vec<&str> = res
        .fields
        .iter()
        .filter(|f| matches!(f.kind, Kind::Text { .. }))
        .filter_map(|f| row.get(f.name).and_then(Value::as_str))
        .collect();
    (!texts.is_empty()).then(|| texts.join("\n\n"))
}

/// Where the target was posted: the row it lives in (`within`: a comment's post, course or
/// exercise), else the row its first required link names (a forum post's subject).
fn thread_of(res: &Resource, row: &Map<String, Value>) -> Option<(String, i64)> {
    let field = res.within.and_then(|w| res.field(w)).or_else(|| {
        res.fields
            .iter()
            .find(|f| f.required && matches!(f.kind, Kind::Ref { .. }))
    })?;
    let Kind::Ref { to, .. } = field.kind else {
        return None;
    };
    Some((to.kind(), row.get(field.name)?.as_i64()?))
}

/// The result of a state change: the report, and whether anything changed (when not, a
/// message says why — the seed answers 200 with it).
#[derive(Debug, Serialize, ToSchema)]
pub struct Transition {
    pub report: Report,
    pub changed: bool,
    pub message: String,
}

fn unchanged(report: Report, message: impl Into<String>) -> Result<Transition, ApiError> {
    Ok(Transition {
        report,
        changed: false,
        message: message.into(),
    })
}

fn staff_only(user: &AuthUser) -> Result<(), ApiError> {
    if user.is_moderator() {
        Ok(())
    } else {
        Err(ApiError::forbidden(
            "Only a moderator or an admin may handle reports.",
        ))
    }
}

/// 0 → 1: the moderator takes the report.
pub async fn take(app: &App, user: &AuthUser, id: i64) -> Result<Transition, ApiError> {
    staff_only(user)?;
    let moderator = user.id;
    app.db
        .write(move |tx| {
            let report = get(tx, id)?;
            match report.status {
                ReportStatus::Open => {
                    tx.execute(
                        "UPDATE reports SET status = 1, handler_id = ?2, state_changed_at = ?3, updated_at = ?3 WHERE id = ?1",
                        params![id, moderator, now_ms()],
                    )?;
                    audit::record(tx, moderator, "report_take", &report.target_type, report.target_id, None)?;
                    Ok(Transition { report: get(tx, id)?, changed: true, message: "Report taken.".into() })
                }
                ReportStatus::Taken => unchanged(report, "This report already has a handler."),
                ReportStatus::Confirmed => unchanged(report, "This report was already confirmed."),
                ReportStatus::Closed => unchanged(report, "This report is already finished."),
            }
        })
        .await
}

/// 1 → 3 (cancelled: nothing wrong) or 2 → 3 (finished). Either way the content is shown
/// again unless it must stay hidden (another confirmed report, or the auto-hide threshold).
pub async fn cancel(
    app: &App,
    registry: Registry,
    user: &AuthUser,
    id: i64,
    result: Option<String>,
) -> Result<Transition, ApiError> {
    staff_only(user)?;
    let result = optional_message("report_result", result.as_deref(), RESULT_MAX)?;
    let moderator = user.id;
    let threshold = app.config.report_hide_threshold;
    let fallback = Locale::default_of(&app.config);
    app.db
        .write(move |tx| {
            let report = get(tx, id)?;
            let res = registry.reportable(&report.target_type, "target_type")?;
            let now = now_ms();
            match report.status {
                ReportStatus::Open => Err(ApiError::conflict(code::CONFLICT, "Not Taken", "Take the report before cancelling it.")),
                ReportStatus::Taken | ReportStatus::Confirmed => {
                    tx.execute(
                        "UPDATE reports SET status = 3, result = COALESCE(?2, result), handler_id = COALESCE(handler_id, ?3),
                         state_changed_at = ?4, updated_at = ?4 WHERE id = ?1",
                        params![id, result, moderator, now],
                    )?;
                    let target = (report.target_type.as_str(), report.target_id);
                    let outcome = result.as_deref();
                    let (author, hidden) = target_state(tx, res, report.target_id)?.unwrap_or((None, false));
                    let shown = hidden && !must_stay_hidden(tx, &report.target_type, report.target_id, threshold)?;
                    if shown {
                        set_hidden(tx, res, report.target_id, false)?;
                    }
                    let noun = res.name;
                    let to_author = if shown {
                        Some(Text::VisibleAgain { noun, outcome })
                    } else if report.status == ReportStatus::Confirmed {
                        Some(Text::ClosedStillHidden { noun, outcome })
                    } else {
                        None
                    };
                    if let (Some(author), Some(text)) = (author, to_author) {
                        notifications::send(tx, fallback, author, &Notice { kind: "report_finished", text, report_id: Some(id), target: Some(target) })?;
                    }
                    // An upheld report ends finished, not cancelled.
                    let kind = if report.status == ReportStatus::Confirmed { "report_finished" } else { "report_cancelled" };
                    if let Some(reporter) = report.reporter_id {
                        let text = Text::ReportReviewed { noun, outcome };
                        notifications::send(tx, fallback, reporter, &Notice { kind, text, report_id: Some(id), target: Some(target) })?;
                    }
                    let action = if report.status == ReportStatus::Confirmed { "report_finish" } else { "report_cancel" };
                    audit::record(tx, moderator, action, &report.target_type, report.target_id, result.as_deref())?;
                    Ok(Transition { report: get(tx, id)?, changed: true, message: "Report finished.".into() })
                }
                ReportStatus::Closed => unchanged(report, "This report is already finished."),
            }
        })
        .await
}

/// 1 → 2: the content is hidden until its author edits it; author and reporter notified.
pub async fn confirm(
    app: &App,
    registry: Registry,
    user: &AuthUser,
    id: i64,
    result: Option<String>,
) -> Result<Transition, ApiError> {
    staff_only(user)?;
    let result = optional_message("report_result", result.as_deref(), RESULT_MAX)?;
    let moderator = user.id;
    let fallback = Locale::default_of(&app.config);
    app.db
        .write(move |tx| {
            let report = get(tx, id)?;
            let res = registry.reportable(&report.target_type, "target_type")?;
            match report.status {
                ReportStatus::Open => Err(ApiError::conflict(code::CONFLICT, "Not Taken", "Take the report before confirming it.")),
                ReportStatus::Taken => {
                    let now = now_ms();
                    tx.execute(
                        "UPDATE reports SET status = 2, result = ?2, state_changed_at = ?3, updated_at = ?3 WHERE id = ?1",
                        params![id, result, now],
                    )?;
                    set_hidden(tx, res, report.target_id, true)?;
                    let target = Some((report.target_type.as_str(), report.target_id));
                    let outcome = result.as_deref();
                    if let Some((Some(author), _)) = target_state(tx, res, report.target_id)? {
                        let text = Text::HiddenByModerator { noun: res.name, outcome };
                        notifications::send(tx, fallback, author, &Notice { kind: "report_confirmed", text, report_id: Some(id), target })?;
                    }
                    let text = Text::ReportUpheld { noun: res.name };
                    if let Some(reporter) = report.reporter_id {
                        notifications::send(tx, fallback, reporter, &Notice { kind: "report_confirmed", text, report_id: Some(id), target })?;
                    }
                    // The audit entry keeps the reported text beside the decision.
                    audit::record_with_evidence(tx, moderator, "report_confirm", (&report.target_type, report.target_id), result.as_deref(), report.evidence.as_deref())?;
                    Ok(Transition { report: get(tx, id)?, changed: true, message: "Report confirmed: the content is hidden.".into() })
                }
                ReportStatus::Confirmed => unchanged(report, "This report was already confirmed."),
                ReportStatus::Closed => unchanged(report, "This report is already finished."),
            }
        })
        .await
}

/// The hook run when the author edits hidden content: its moderators are told to review it.
pub fn author_edited(
    conn: &Connection,
    config: &Config,
    res: &'static Resource,
    id: i64,
) -> Result<(), ApiError> {
    if !res.reportable {
        return Ok(());
    }
    let kind = res.kind();
    let kind = kind.as_str();
    let mut stmt = conn.prepare_cached("SELECT id, handler_id FROM reports WHERE target_type = ?1 AND target_id = ?2 AND status = 2")?;
    let rows: Vec<(i64, Option<i64>)> = stmt
        .query_map(params![kind, id], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    for (report, handler) in rows {
        if let Some(handler) = handler {
            notifications::send(
                conn,
                Locale::default_of(config),
                handler,
                &Notice {
                    kind: "hidden_content_edited",
                    text: Text::HiddenEdited { report },
                    report_id: Some(report),
                    target: Some((kind, id)),
                },
            )?;
        }
    }
    Ok(())
}

pub struct ListFilter {
    pub status: Option<ReportStatus>,
    pub reporter: Option<i64>,
    pub target: Option<(String, i64)>,
}

/// Reports oldest first (the queue's order), after an id.
pub fn list(
    conn: &Connection,
    f: &ListFilter,
    after: i64,
    limit: i64,
) -> Result<Vec<Report>, ApiError> {
    let sql = format!(
        "SELECT {COLUMNS} FROM reports WHERE id > ?1 AND (?2 IS NULL OR status = ?2) AND (?3 IS NULL OR reporter_id = ?3)
         AND (?4 IS NULL OR (target_type = ?4 AND target_id = ?5)) ORDER BY id ASC LIMIT ?6"
    );
    let (kind, tid) = f
        .target
        .clone()
        .map_or((None, None), |(k, i)| (Some(k), Some(i)));
    let rows = conn
        .prepare_cached(&sql)?
        .query_map(
            params![after, f.status.map(i64::from), f.reporter, kind, tid, limit],
            Report::from_row,
        )?
        .collect::<rusqlite::Result<_>>()?;
    Ok(rows)
}
