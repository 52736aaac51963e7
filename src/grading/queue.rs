//! The queue of runs, in SQLite (`runs`): queued on each code save and on request, claimed by
//! the workers oldest first (one run in flight per member), finished in one write that stores
//! the log, the run and the proposed grade. Every function here runs inside a write (or a
//! read) on the connection it is given.

use rusqlite::{Connection, OptionalExtension, params};
use serde_json::{Value, json};

use super::fields::{self, parse_io_tests};
use super::judge::{IoTest, Report, TestResult, Verdict};
use super::runners::Runner;
use super::sandbox::Limits;
use crate::accounts::auth::AuthUser;
use crate::config::Config;
use crate::content::Resource;
use crate::db::now_ms;
use crate::http::error::ApiError;

const MIB: u64 = 1024 * 1024;

/// Who may see a run (as an SQL condition on `runs`): its member, the exercise's author, staff.
pub const VISIBLE: &str = "(runs.account_id = :me OR :staff OR EXISTS (SELECT 1 FROM exercises e WHERE e.id = runs.exercise_id AND e.account_id = :me))";

/// What an exercise runs.
pub struct Spec {
    pub exercise_id: i64,
    pub author: i64,
    pub runner: Option<String>,
    pub script_id: Option<i64>,
    pub script: Option<String>,
    pub io_tests: Vec<IoTest>,
    pub grade_max: i64,
    pub auto_grade: bool,
    pub cpu_ms: Option<i64>,
    pub wall_ms: Option<i64>,
    pub memory_mb: Option<i64>,
}

impl Spec {
    pub fn gradable(&self) -> bool {
        self.script.is_some() || !self.io_tests.is_empty()
    }

    /// The exercise's limits, held within the admin's maxima.
    pub fn limits(&self, config: &Config) -> Limits {
        let d = Limits::default();
        let pos = |v: Option<i64>| v.and_then(|v| u64::try_from(v).ok());
        let asked = Limits {
            cpu_ms: pos(self.cpu_ms).unwrap_or(d.cpu_ms),
            wall_ms: pos(self.wall_ms).unwrap_or(d.wall_ms),
            memory_bytes: pos(self.memory_mb).map_or(d.memory_bytes, |m| m * MIB),
            ..d
        };
        asked.within(&maxima(config))
    }
}

pub fn maxima(config: &Config) -> Limits {
    let pos = |v: i64| u64::try_from(v).unwrap_or(1).max(1);
    Limits {
        cpu_ms: pos(config.grading_max_cpu_ms),
        wall_ms: pos(config.grading_max_wall_ms),
        memory_bytes: pos(config.grading_max_memory_mb) * MIB,
        ..Limits::default()
    }
}

/// The exercise's runner, else its course's language's runner, else a runner named like the
/// language (`Python` → `python`).
pub fn load_spec(conn: &Connection, exercise_id: i64) -> Result<Option<Spec>, ApiError> {
    let row = conn
        .query_row(
            "SELECT e.account_id, COALESCE(e.runner, l.runner, lower(l.name)), e.script_id, s.content,
                    e.io_tests, e.grade_max, e.auto_grade, e.cpu_ms, e.wall_ms, e.memory_mb
             FROM exercises e JOIN courses c ON c.id = e.course_id
             LEFT JOIN languages l ON l.id = c.language_id
             LEFT JOIN scripts s ON s.id = e.script_id
             WHERE e.id = ?1",
            [exercise_id],
            |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, Option<String>>(1)?,
                    r.get::<_, Option<i64>>(2)?,
                    r.get::<_, Option<String>>(3)?,
                    r.get::<_, Option<String>>(4)?,
                    r.get::<_, i64>(5)?,
                    r.get::<_, i64>(6)?,
                    r.get::<_, Option<i64>>(7)?,
                    r.get::<_, Option<i64>>(8)?,
                    r.get::<_, Option<i64>>(9)?,
                ))
            },
        )
        .optional()?;
    let Some((author, runner, script_id, script, io, grade_max, auto, cpu, wall, mem)) = row else {
        return Ok(None);
    };
    let io_tests = match io.as_deref().map(str::trim) {
        Some(t) if !t.is_empty() => parse_io_tests(t)?,
        _ => Vec::new(),
    };
    Ok(Some(Spec {
        exercise_id,
        author,
        runner,
        script_id,
        script: script.filter(|s| !s.trim().is_empty()),
        io_tests,
        grade_max,
        auto_grade: auto == 1,
        cpu_ms: cpu,
        wall_ms: wall,
        memory_mb: mem,
    }))
}

/// The runner of `spec` among this server's, or the error naming `runner`.
pub fn runner_of(spec: &Spec) -> Result<&'static Runner, ApiError> {
    match &spec.runner {
        Some(name) => fields::check_runner("runner", name),
        None => Err(ApiError::invalid(
            "runner",
            "the exercise has no runner and its course's language names none",
        )),
    }
}

/// Queues a run of `code` on `attempt_id`: refused (nothing queued) when the queue is full or
/// the exercise cannot run. Returns the run's id.
pub fn enqueue(
    conn: &Connection,
    config: &Config,
    attempt_id: i64,
    code_id: Option<i64>,
    code: &str,
) -> Result<i64, ApiError> {
    let (account, exercise): (i64, i64) = conn
        .query_row(
            "SELECT account_id, exercise_id FROM attempts WHERE id = ?1",
            [attempt_id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?
        .ok_or_else(|| ApiError::not_found(&format!("The attempt {attempt_id}")))?;
    let spec = load_spec(conn, exercise)?
        .ok_or_else(|| ApiError::not_found(&format!("The exercise {exercise}")))?;
    if !spec.gradable() {
        return Err(ApiError::invalid(
            "script_id",
            "the exercise has neither a test script nor io_tests: there is nothing to run",
        ));
    }
    runner_of(&spec)?;
    let queued: i64 = conn.query_row(
        "SELECT COUNT(*) FROM runs WHERE status = 'queued'",
        [],
        |r| r.get(0),
    )?;
    if queued >= config.grading_queue_max {
        let mut e = ApiError::busy();
        e.message =
            format!("{queued} runs are waiting, the most this server queues: try again shortly.");
        return Err(e.retry_after(5));
    }
    Ok(conn.query_row(
        "INSERT INTO runs (attempt_id, account_id, exercise_id, code_id, code, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6) RETURNING id",
        params![attempt_id, account, exercise, code_id, code, now_ms()],
        |r| r.get(0),
    )?)
}

/// `content::Hook::Saved`: code saved on an attempt queues a run when its exercise has a script
/// or I/O tests; a grade written by a person is no longer a proposal.
pub fn saved(
    conn: &Connection,
    config: &Config,
    res: &'static Resource,
    id: i64,
    _: &AuthUser,
) -> Result<(), ApiError> {
    match res.table {
        "attempt_codes" => {
            let (attempt, code): (i64, String) = conn.query_row(
                "SELECT attempt_id, content FROM attempt_codes WHERE id = ?1",
                [id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )?;
            let exercise: i64 = conn.query_row(
                "SELECT exercise_id FROM attempts WHERE id = ?1",
                [attempt],
                |r| r.get(0),
            )?;
            // An exercise whose runner cannot be told (no runner, a course language without
            // one) queues nothing on a save: the member's code is kept, and a run request says
            // why (400 naming `runner`).
            let runnable =
                load_spec(conn, exercise)?.is_some_and(|s| s.gradable() && runner_of(&s).is_ok());
            if runnable {
                enqueue(conn, config, attempt, Some(id), &code)?;
            }
            Ok(())
        }
        "grades" => {
            conn.execute("UPDATE grades SET proposed = 0 WHERE id = ?1", [id])?;
            Ok(())
        }
        _ => Ok(()),
    }
}

/// Start-up: a run cut by a crash or a stop is run again.
pub fn recover(conn: &Connection) -> Result<usize, ApiError> {
    Ok(conn.execute(
        "UPDATE runs SET status = 'queued', started_at = NULL WHERE status = 'running'",
        [],
    )?)
}

/// A claimed run and what to judge it with.
pub struct Claimed {
    pub id: i64,
    pub account_id: i64,
    pub attempt_id: i64,
    pub code: String,
    pub spec: Option<Spec>,
}

/// Takes the oldest queued run whose member has none running.
pub fn claim(conn: &Connection) -> Result<Option<Claimed>, ApiError> {
    let row = conn
        .query_row(
            "UPDATE runs SET status = 'running', started_at = ?1
             WHERE id = (SELECT r.id FROM runs r WHERE r.status = 'queued'
                 AND NOT EXISTS (SELECT 1 FROM runs x WHERE x.account_id = r.account_id AND x.status = 'running')
                 ORDER BY r.id LIMIT 1)
             RETURNING id, account_id, attempt_id, exercise_id, code",
            [now_ms()],
            |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, i64>(1)?,
                    r.get::<_, i64>(2)?,
                    r.get::<_, i64>(3)?,
                    r.get::<_, String>(4)?,
                ))
            },
        )
        .optional()?;
    let Some((id, account_id, attempt_id, exercise, code)) = row else {
        return Ok(None);
    };
    // A broken exercise (its io_tests unreadable) is the run's `error`, not the worker's.
    let spec = load_spec(conn, exercise).ok().flatten();
    Ok(Some(Claimed {
        id,
        account_id,
        attempt_id,
        code,
        spec,
    }))
}

/// A report for a run that could not be judged (the exercise is at fault).
pub fn error_report(why: &str, grade_max: u32) -> Report {
    Report {
        verdict: Verdict::Error,
        score: 0,
        grade_max,
        tests: Vec::new(),
        log: format!("error: {why}\nverdict: error, score 0/{grade_max}\n"),
        cpu_ms: 0,
        wall_ms: 0,
        max_rss_kb: 0,
    }
}

/// The script row that holds the logs of `spec`'s runs: its script, or one made once for an
/// exercise with I/O tests only (its author's, never run).
fn log_script(conn: &Connection, spec: &Spec) -> Result<i64, ApiError> {
    if let Some(id) = spec.script_id {
        return Ok(id);
    }
    let existing: Option<i64> = conn
        .query_row(
            "SELECT log_script_id FROM exercises e WHERE id = ?1
         AND EXISTS (SELECT 1 FROM scripts s WHERE s.id = e.log_script_id)",
            [spec.exercise_id],
            |r| r.get(0),
        )
        .optional()?
        .flatten();
    if let Some(id) = existing {
        return Ok(id);
    }
    let now = now_ms();
    let id: i64 = conn.query_row(
        "INSERT INTO scripts (account_id, content, created_at, updated_at) VALUES (?1, ?2, ?3, ?3) RETURNING id",
        params![
            spec.author,
            format!("# The logs of the I/O tests of exercise {} (kept by grading; never run).", spec.exercise_id),
            now
        ],
        |r| r.get(0),
    )?;
    conn.execute(
        "UPDATE exercises SET log_script_id = ?1 WHERE id = ?2",
        [id, spec.exercise_id],
    )?;
    Ok(id)
}

/// Ends a run in one write: its log as a script log, the run's row, and the grade of (member,
/// exercise) proposed — or confirmed at once with `auto_grade` — unless a person already gave
/// one (never overwritten).
pub fn finish(conn: &Connection, run: &Claimed, report: &Report) -> Result<(), ApiError> {
    let now = now_ms();
    let tests = serde_json::to_string(&report.tests).unwrap_or_else(|_| "[]".into());
    let still_there: bool = conn
        .query_row("SELECT 1 FROM runs WHERE id = ?1", [run.id], |_| Ok(true))
        .optional()?
        .unwrap_or(false);
    if !still_there {
        return Ok(());
    }
    let log_id = match &run.spec {
        Some(spec) => {
            let script = log_script(conn, spec)?;
            Some(conn.query_row(
                "INSERT INTO script_logs (script_id, account_id, content, created_at, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?4) RETURNING id",
                params![script, run.account_id, report.log, now],
                |r| r.get::<_, i64>(0),
            )?)
        }
        None => None,
    };
    conn.execute(
        "UPDATE runs SET status = 'done', verdict = ?2, score = ?3, grade_max = ?4, tests = ?5,
             log_id = ?6, cpu_ms = ?7, wall_ms = ?8, max_rss_kb = ?9, finished_at = ?10
         WHERE id = ?1",
        params![
            run.id,
            report.verdict.as_str(),
            report.score,
            report.grade_max,
            tests,
            log_id,
            report.cpu_ms as i64,
            report.wall_ms as i64,
            report.max_rss_kb as i64,
            now
        ],
    )?;
    // A run without a sandbox grades nothing: it waits for a teacher.
    let Some(spec) = &run.spec else {
        return Ok(());
    };
    // Neither does a run the exercise is at fault for (`error`): the teacher looks at its log.
    if matches!(report.verdict, Verdict::SandboxUnavailable | Verdict::Error) {
        return Ok(());
    }
    // Nor does the check of an exercise's correction against its own tests (`teaching`).
    let is_check: bool = conn
        .query_row(
            "SELECT is_check FROM attempts WHERE id = ?1",
            [run.attempt_id],
            |r| r.get(0),
        )
        .optional()?
        .unwrap_or(false);
    if is_check {
        return Ok(());
    }
    let proposed = if spec.auto_grade { 0 } else { 1 };
    let existing: Option<(i64, i64)> = conn
        .query_row(
            "SELECT id, proposed FROM grades WHERE account_id = ?1 AND exercise_id = ?2",
            [run.account_id, spec.exercise_id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    let grade_id = match existing {
        Some((_, 0)) => return Ok(()),
        Some((id, _)) => {
            conn.execute(
                "UPDATE grades SET value = ?2, log_id = ?3, proposed = ?4, grader_id = ?5, updated_at = ?6 WHERE id = ?1",
                params![id, report.score, log_id, proposed, spec.author, now],
            )?;
            id
        }
        None => conn.query_row(
            "INSERT INTO grades (grader_id, account_id, exercise_id, value, log_id, proposed, created_at, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7) RETURNING id",
            params![spec.author, run.account_id, spec.exercise_id, report.score, log_id, proposed, now],
            |r| r.get(0),
        )?,
    };
    conn.execute(
        "UPDATE attempts SET grade_id = ?1 WHERE id = ?2",
        [grade_id, run.attempt_id],
    )?;
    Ok(())
}

/// A run as SPEC 9 shows it; `member_view` keeps only pass/fail of hidden tests.
pub fn run_json(
    row: &rusqlite::Row<'_>,
    member_view: bool,
    with_log: bool,
) -> rusqlite::Result<Value> {
    let tests: Option<String> = row.get("tests")?;
    let tests: Vec<Value> = tests
        .and_then(|t| serde_json::from_str::<Vec<Value>>(&t).ok())
        .unwrap_or_default();
    let tests: Vec<Value> = if member_view {
        tests
            .into_iter()
            .map(|t| match serde_json::from_value::<StoredTest>(t.clone()) {
                Ok(s) if s.hidden => {
                    let r = TestResult {
                        name: s.name,
                        status: s.status,
                        message: s.message,
                        weight: s.weight,
                        hidden: true,
                    };
                    serde_json::to_value(r.for_member()).unwrap_or(Value::Null)
                }
                _ => t,
            })
            .collect()
    } else {
        tests
    };
    let mut out = json!({
        "id": row.get::<_, i64>("id")?,
        "attempt_id": row.get::<_, i64>("attempt_id")?,
        "exercise_id": row.get::<_, i64>("exercise_id")?,
        "account_id": row.get::<_, i64>("account_id")?,
        "status": row.get::<_, String>("status")?,
        "verdict": row.get::<_, Option<String>>("verdict")?,
        "score": row.get::<_, Option<i64>>("score")?,
        "grade_max": row.get::<_, Option<i64>>("grade_max")?,
        "tests": tests,
        "log_id": row.get::<_, Option<i64>>("log_id")?,
        "cpu_ms": row.get::<_, Option<i64>>("cpu_ms")?,
        "wall_ms": row.get::<_, Option<i64>>("wall_ms")?,
        "max_rss_kb": row.get::<_, Option<i64>>("max_rss_kb")?,
        "created_at": row.get::<_, i64>("created_at")?,
        "started_at": row.get::<_, Option<i64>>("started_at")?,
        "finished_at": row.get::<_, Option<i64>>("finished_at")?,
    });
    // The log's text, for whoever sees the run: a member cannot read the script it hangs from.
    if with_log {
        out["log"] = Value::from(row.get::<_, Option<String>>("log")?);
    }
    Ok(out)
}

#[derive(serde::Deserialize)]
struct StoredTest {
    name: String,
    status: super::judge::TestStatus,
    #[serde(default)]
    message: String,
    #[serde(default)]
    weight: f64,
    #[serde(default)]
    hidden: bool,
}

/// One run `me` may see, as JSON (hidden tests reduced for its member), or `None`.
pub fn find(conn: &Connection, id: i64, me: i64, staff: bool) -> Result<Option<Value>, ApiError> {
    let sql = format!(
        "SELECT runs.*, (SELECT account_id FROM exercises e WHERE e.id = runs.exercise_id) AS author,
                (SELECT content FROM script_logs l WHERE l.id = runs.log_id) AS log
         FROM runs WHERE runs.id = :id AND {VISIBLE}"
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let row = stmt
        .query_row(
            rusqlite::named_params! {":id": id, ":me": me, ":staff": staff},
            |r| {
                let author: i64 = r.get("author")?;
                run_json(r, !staff && author != me, true)
            },
        )
        .optional()?;
    Ok(row)
}

/// The runs of an attempt `me` may see, newest first, a page at a time.
pub fn list(
    conn: &Connection,
    attempt: i64,
    me: i64,
    staff: bool,
    before: i64,
    limit: i64,
) -> Result<Vec<Value>, ApiError> {
    let sql = format!(
        "SELECT runs.*, (SELECT account_id FROM exercises e WHERE e.id = runs.exercise_id) AS author
         FROM runs WHERE runs.attempt_id = :attempt AND runs.id < :before AND {VISIBLE}
         ORDER BY runs.id DESC LIMIT :limit"
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map(
        rusqlite::named_params! {":attempt": attempt, ":before": before, ":limit": limit, ":me": me, ":staff": staff},
        |r| {
            let author: i64 = r.get("author")?;
            run_json(r, !staff && author != me, false)
        },
    )?;
    Ok(rows.collect::<Result<Vec<_>, _>>()?)
}
