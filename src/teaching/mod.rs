//! Teaching (SPEC 10): what a teacher — the author of a course or exercise, and staff — needs
//! beyond writing content: the submissions of an exercise, a gradebook per group (and its CSV),
//! importing a class from a CSV file into a group, and checking an exercise's correction
//! against its own tests. Courses meant for a group (`group_id`) and grade comments are fields
//! of `learning`'s descriptions; this stage adds the routes and the exercise view's `check`.
//!
//! - [`csv`]: reading a class file and writing a gradebook (RFC 4180, formula-safe).
//! - [`rest`]: the routes.

pub mod csv;
pub mod rest;

use rusqlite::{Connection, OptionalExtension};
use serde_json::{Map, Value, json};

use crate::content::store::Viewer;
use crate::content::{Hook, Resource};
use crate::http::error::ApiError;
use crate::http::stage::Stage;

static HOOKS: [Hook; 1] = [Hook::Viewed("exercises", exercise_check)];

/// Teaching enters the application here: its routes and the exercise view's `check`.
pub fn stage() -> Stage<Resource, Hook> {
    Stage {
        name: "teaching",
        mount: |rocket, _| rocket.mount("/api/v1", rest::routes()),
        openapi: |_| rest::openapi(),
        resources: &[],
        hooks: &HOOKS,
    }
}

/// The exercise's latest check (`POST /exercises/{id}/check`), for its author and staff:
/// `{run_id, status, verdict, score, grade_max, at}` or null.
fn exercise_check(
    conn: &Connection,
    _: &'static Resource,
    viewer: Viewer,
    row: &mut Map<String, Value>,
) -> Result<(), ApiError> {
    let author = row.get("account_id").and_then(Value::as_i64);
    if !viewer.staff && author != Some(viewer.me) {
        return Ok(());
    }
    let Some(id) = row.get("id").and_then(Value::as_i64) else {
        return Ok(());
    };
    row.insert("check".into(), latest_check(conn, id)?);
    Ok(())
}

pub fn latest_check(conn: &Connection, exercise: i64) -> Result<Value, ApiError> {
    let check = conn
        .query_row(
            "SELECT r.id, r.status, r.verdict, r.score, r.grade_max, COALESCE(r.finished_at, r.created_at)
             FROM runs r JOIN attempts a ON a.id = r.attempt_id
             WHERE r.exercise_id = ?1 AND a.is_check = 1 ORDER BY r.id DESC LIMIT 1",
            [exercise],
            |r| {
                Ok(json!({
                    "run_id": r.get::<_, i64>(0)?,
                    "status": r.get::<_, String>(1)?,
                    "verdict": r.get::<_, Option<String>>(2)?,
                    "score": r.get::<_, Option<i64>>(3)?,
                    "grade_max": r.get::<_, Option<i64>>(4)?,
                    "at": r.get::<_, i64>(5)?,
                }))
            },
        )
        .optional()?;
    Ok(check.unwrap_or(Value::Null))
}
