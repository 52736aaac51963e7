//! The REST face of grading (SPEC 9): runners, runs, their events, re-runs, the admin view.

use std::time::{Duration, Instant};

use rocket::http::Status;
use rocket::response::status::Custom;
use rocket::response::stream::{Event, EventStream};
use rocket::serde::json::Json;
use rocket::{State, get, post, routes};
use rusqlite::OptionalExtension;
use serde_json::{Value, json};

use super::queue;
use super::worker::{Grading, Inner};
use crate::accounts::App;
use crate::accounts::auth::{Admin, AuthUser};
use crate::http::body::{QueryInt, query_int};
use crate::http::error::ApiError;
use crate::http::pagination::{PageRequest, Paging};

pub fn routes() -> Vec<rocket::Route> {
    routes![
        runners,
        queue_run,
        one,
        list,
        events,
        rerun,
        rerun_progress,
        admin
    ]
}

/// The runners this server can run, and how runs are confined.
#[utoipa::path(get, path = "/api/v1/runners", tag = "grading",
    responses((status = 200, description = "`{items: [{name, label}], sandbox: {mode, summary}}`")))]
#[get("/runners")]
async fn runners(grading: &State<Grading>) -> Result<Json<Value>, ApiError> {
    let grading = grading.ready().await?;
    let items: Vec<Value> = grading
        .runners
        .iter()
        .map(|r| json!({"name": r.name, "label": r.label}))
        .collect();
    Ok(Json(
        json!({"items": items, "sandbox": sandbox_json(&grading)}),
    ))
}

fn sandbox_json(grading: &Inner) -> Value {
    match &grading.sandbox {
        Some(s) => json!({"mode": s.mode(), "summary": s.self_test().summary}),
        None => {
            json!({"mode": "unavailable", "summary": "no preau helper binary: runs stay queued"})
        }
    }
}

/// Queue a run of the attempt's latest code (its member, the exercise's author, staff).
#[utoipa::path(post, path = "/api/v1/attempts/{id}/runs", tag = "grading", security(("bearer" = [])),
    responses((status = 202, description = "`{id, status: \"queued\"}`"), (status = "4XX", body = crate::http::error::ErrorBody),
        (status = 503, description = "The queue is full: `Retry-After`.", body = crate::http::error::ErrorBody)))]
#[post("/attempts/<id>/runs")]
async fn queue_run(
    app: &State<App>,
    grading: &State<Grading>,
    user: AuthUser,
    id: i64,
) -> Result<Custom<Json<Value>>, ApiError> {
    let config = app.config.clone();
    let (me, staff) = (user.id, user.is_moderator());
    let run = app
        .db
        .write(move |tx| {
            let allowed: Option<i64> = tx
                .query_row(
                    "SELECT a.id FROM attempts a JOIN exercises e ON e.id = a.exercise_id
                     WHERE a.id = ?1 AND (a.account_id = ?2 OR e.account_id = ?2 OR ?3)",
                    rusqlite::params![id, me, staff],
                    |r| r.get(0),
                )
                .optional()?;
            if allowed.is_none() {
                return Err(ApiError::not_found(&format!("The attempt {id}")));
            }
            let code: Option<(i64, String)> = tx
                .query_row(
                    "SELECT id, content FROM attempt_codes WHERE attempt_id = ?1 ORDER BY id DESC LIMIT 1",
                    [id],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .optional()?;
            let Some((code_id, code)) = code else {
                return Err(ApiError::invalid("code", "the attempt has no code yet: save some first"));
            };
            queue::enqueue(tx, &config, id, Some(code_id), &code)
        })
        .await?;
    grading.notify();
    Ok(Custom(
        Status::Accepted,
        Json(json!({"id": run, "status": "queued"})),
    ))
}

/// One run: its status, verdict, score, tests (hidden ones only pass/fail for the member).
#[utoipa::path(get, path = "/api/v1/runs/{id}", tag = "grading", security(("bearer" = [])),
    responses((status = 200, description = "`{id, attempt_id, status, verdict, score, grade_max, tests, log_id, cpu_ms, wall_ms, max_rss_kb}`"),
        (status = "4XX", body = crate::http::error::ErrorBody)))]
#[get("/runs/<id>", rank = 2)]
async fn one(app: &State<App>, user: AuthUser, id: i64) -> Result<Json<Value>, ApiError> {
    let (me, staff) = (user.id, user.is_moderator());
    app.db
        .read(move |c| queue::find(c, id, me, staff))
        .await?
        .map(Json)
        .ok_or_else(|| ApiError::not_found(&format!("The run {id}")))
}

/// The runs of an attempt, newest first.
#[utoipa::path(get, path = "/api/v1/runs", tag = "grading", security(("bearer" = [])),
    params(("attempt" = i64, Query, description = "The attempt."), Paging),
    responses((status = 200, description = "`{items, next_cursor}`"), (status = "4XX", body = crate::http::error::ErrorBody)))]
#[get("/runs?<attempt>")]
async fn list(
    app: &State<App>,
    user: AuthUser,
    attempt: QueryInt<'_>,
    page: PageRequest,
) -> Result<Json<Value>, ApiError> {
    let attempt = query_int("attempt", attempt)?.ok_or_else(|| ApiError::missing("attempt"))?;
    let (me, staff) = (user.id, user.is_moderator());
    let rows = app
        .db
        .read(move |c| queue::list(c, attempt, me, staff, page.before, page.fetch()))
        .await?;
    let page = page.page(rows, |r| r.get("id").and_then(Value::as_i64).unwrap_or(0));
    Ok(Json(
        json!({"items": page.items, "next_cursor": page.next_cursor}),
    ))
}

/// The run's changes as server-sent events (`event: run`, the run's JSON), queued → running →
/// done, then the stream ends (after two minutes at most).
#[utoipa::path(get, path = "/api/v1/runs/{id}/events", tag = "grading", security(("bearer" = [])),
    responses((status = 200, description = "text/event-stream of the run's JSON at each change"), (status = "4XX", body = crate::http::error::ErrorBody)))]
#[get("/runs/<id>/events")]
async fn events(app: &State<App>, user: AuthUser, id: i64) -> Result<EventStream![], ApiError> {
    let (me, staff) = (user.id, user.is_moderator());
    let first = app
        .db
        .read(move |c| queue::find(c, id, me, staff))
        .await?
        .ok_or_else(|| ApiError::not_found(&format!("The run {id}")))?;
    let app = app.inner().clone();
    Ok(EventStream! {
        let started = Instant::now();
        let mut last = first;
        yield Event::json(&last).event("run");
        while last.get("status").and_then(Value::as_str) != Some("done")
            && started.elapsed() < Duration::from_secs(120)
        {
            rocket::tokio::time::sleep(Duration::from_millis(200)).await;
            let now = match app.db.read(move |c| queue::find(c, id, me, staff)).await {
                Ok(Some(v)) => v,
                _ => break,
            };
            if now != last {
                yield Event::json(&now).event("run");
                last = now;
            }
        }
    })
}

/// The exercise's author or staff may re-run it and follow the re-run; to anyone else (and
/// for a missing exercise) it is not found.
fn author_or_staff(
    c: &rusqlite::Connection,
    id: i64,
    me: i64,
    staff: bool,
) -> Result<(), ApiError> {
    let author: Option<i64> = c
        .query_row(
            "SELECT account_id FROM exercises WHERE id = ?1",
            [id],
            |r| r.get(0),
        )
        .optional()?;
    match author {
        Some(a) if a == me || staff => Ok(()),
        _ => Err(ApiError::not_found(&format!("The exercise {id}"))),
    }
}

/// Queue the latest submission of every member again (after the script changed): the
/// exercise's author or staff. Answers the number queued; `GET` on the same path follows them.
#[utoipa::path(post, path = "/api/v1/exercises/{id}/rerun", tag = "grading", security(("bearer" = [])),
    responses((status = 202, description = "`{queued: n, runs: [ids]}`"), (status = "4XX", body = crate::http::error::ErrorBody),
        (status = 503, description = "The queue would be full.", body = crate::http::error::ErrorBody)))]
#[post("/exercises/<id>/rerun")]
async fn rerun(
    app: &State<App>,
    grading: &State<Grading>,
    user: AuthUser,
    id: i64,
) -> Result<Custom<Json<Value>>, ApiError> {
    let config = app.config.clone();
    let (me, staff) = (user.id, user.is_moderator());
    let runs = app
        .db
        .write(move |tx| {
            author_or_staff(tx, id, me, staff)?;
            // The latest code of each member on this exercise.
            let mut stmt = tx.prepare(
                "SELECT c.attempt_id, c.id, c.content FROM attempt_codes c
                 WHERE c.id IN (SELECT MAX(c2.id) FROM attempt_codes c2 JOIN attempts a ON a.id = c2.attempt_id
                                WHERE a.exercise_id = ?1 GROUP BY a.account_id)
                 ORDER BY c.id",
            )?;
            let latest = stmt
                .query_map([id], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?, r.get::<_, String>(2)?)))?
                .collect::<Result<Vec<_>, _>>()?;
            let mut ids = Vec::with_capacity(latest.len());
            for (attempt, code_id, code) in latest {
                ids.push(queue::enqueue(tx, &config, attempt, Some(code_id), &code)?);
            }
            Ok(ids)
        })
        .await?;
    grading.notify();
    Ok(Custom(
        Status::Accepted,
        Json(json!({"queued": runs.len(), "runs": runs})),
    ))
}

/// The progress of a re-run (or of the first runs): for the latest submission of every member,
/// the state of its latest run — how many are queued, running and done, and the verdicts of
/// those done. `complete` once none waits. The exercise's author or staff.
#[utoipa::path(get, path = "/api/v1/exercises/{id}/rerun", tag = "grading", security(("bearer" = [])),
    params(("id" = i64, Path, minimum = 1)),
    responses((status = 200, description = "`{exercise_id, members, queued, running, done, not_run, verdicts: {verdict: n}, complete}`"),
        (status = "4XX", body = crate::http::error::ErrorBody)))]
#[get("/exercises/<id>/rerun")]
async fn rerun_progress(
    app: &State<App>,
    user: AuthUser,
    id: i64,
) -> Result<Json<Value>, ApiError> {
    let (me, staff) = (user.id, user.is_moderator());
    let states = app
        .db
        .read(move |c| {
            author_or_staff(c, id, me, staff)?;
            // SQLite gives the bare columns of the row that holds MAX(c.id).
            let mut stmt = c.prepare_cached(
                "WITH latest AS (
                     SELECT MAX(c.id) AS code_id, c.attempt_id FROM attempt_codes c JOIN attempts a ON a.id = c.attempt_id
                     WHERE a.exercise_id = ?1 GROUP BY a.account_id)
                 SELECT r.status, r.verdict FROM latest l
                 LEFT JOIN runs r ON r.id = (SELECT MAX(id) FROM runs WHERE attempt_id = l.attempt_id AND code_id = l.code_id)",
            )?;
            let rows = stmt
                .query_map([id], |r| Ok((r.get::<_, Option<String>>(0)?, r.get::<_, Option<String>>(1)?)))?
                .collect::<Result<Vec<_>, _>>()?;
            Ok(rows)
        })
        .await?;
    let count = |s: &str| {
        states
            .iter()
            .filter(|(st, _)| st.as_deref() == Some(s))
            .count()
    };
    let mut verdicts = serde_json::Map::new();
    for (_, verdict) in states
        .iter()
        .filter(|(st, _)| st.as_deref() == Some("done"))
    {
        let key = verdict.clone().unwrap_or_else(|| "error".into());
        let n = verdicts.get(&key).and_then(Value::as_u64).unwrap_or(0);
        verdicts.insert(key, json!(n + 1));
    }
    let (queued, running) = (count("queued"), count("running"));
    Ok(Json(json!({
        "exercise_id": id,
        "members": states.len(),
        "queued": queued,
        "running": running,
        "done": count("done"),
        "not_run": states.iter().filter(|(st, _)| st.is_none()).count(),
        "verdicts": verdicts,
        "complete": queued + running == 0,
    })))
}

/// The admin's view: the sandbox's mode and self-test, runners, queue, recent runs, limits.
#[utoipa::path(get, path = "/api/v1/admin/grading", tag = "grading", security(("bearer" = [])),
    responses((status = 200, description = "`{sandbox, runners, workers, queued, running, recent, limits}`"), (status = "4XX", body = crate::http::error::ErrorBody)))]
#[get("/admin/grading")]
async fn admin(
    app: &State<App>,
    grading: &State<Grading>,
    _admin: Admin,
) -> Result<Json<Value>, ApiError> {
    let (queued, running, recent) = app
        .db
        .read(|c| {
            let count = |s: &str| -> rusqlite::Result<i64> {
                c.query_row("SELECT COUNT(*) FROM runs WHERE status = ?1", [s], |r| r.get(0))
            };
            let mut stmt = c.prepare_cached(
                "SELECT id, attempt_id, account_id, exercise_id, status, verdict, score, grade_max, wall_ms, created_at
                 FROM runs ORDER BY id DESC LIMIT 20",
            )?;
            let recent = stmt
                .query_map([], |r| {
                    Ok(json!({
                        "id": r.get::<_, i64>(0)?, "attempt_id": r.get::<_, i64>(1)?,
                        "account_id": r.get::<_, i64>(2)?, "exercise_id": r.get::<_, i64>(3)?,
                        "status": r.get::<_, String>(4)?, "verdict": r.get::<_, Option<String>>(5)?,
                        "score": r.get::<_, Option<i64>>(6)?, "grade_max": r.get::<_, Option<i64>>(7)?,
                        "wall_ms": r.get::<_, Option<i64>>(8)?, "created_at": r.get::<_, i64>(9)?,
                    }))
                })?
                .collect::<Result<Vec<_>, _>>()?;
            Ok((count("queued")?, count("running")?, recent))
        })
        .await?;
    let c = &app.config;
    let grading = grading.ready().await?;
    let runners: Vec<Value> = grading
        .runners
        .iter()
        .map(|r| json!({"name": r.name, "label": r.label}))
        .collect();
    Ok(Json(json!({
        "sandbox": sandbox_json(&grading),
        "runners": runners,
        "workers": grading.workers,
        "queued": queued,
        "running": running,
        "queue_max": c.grading_queue_max,
        "recent": recent,
        "limits": {
            "default": super::sandbox::Limits::default(),
            "max_cpu_ms": c.grading_max_cpu_ms,
            "max_wall_ms": c.grading_max_wall_ms,
            "max_memory_mb": c.grading_max_memory_mb,
        },
    })))
}

pub fn openapi() -> utoipa::openapi::OpenApi {
    #[derive(utoipa::OpenApi)]
    #[openapi(paths(runners, queue_run, one, list, events, rerun, rerun_progress, admin))]
    struct Part;
    <Part as utoipa::OpenApi>::openapi()
}
