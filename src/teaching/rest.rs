//! The teachers' routes (SPEC 10): submissions, gradebook (JSON and CSV), class import, the
//! check of a correction. See `docs/teaching.md` for the rules and the choices.

use std::collections::HashMap;

use rocket::http::{ContentType, Header, Status};
use rocket::response::status::Custom;
use rocket::serde::json::Json;
use rocket::{State, get, post, routes};
use rusqlite::{Connection, OptionalExtension, params};
use serde::Deserialize;
use serde_json::{Value, json};
use utoipa::ToSchema;

use crate::accounts::App;
use crate::accounts::auth::{AuthUser, Moderator};
use crate::accounts::letters::RequestLocale;
use crate::accounts::model::{Level, NewAccount};
use crate::accounts::passwords::random_text;
use crate::accounts::reset;
use crate::content::subgroups_sql;
use crate::grading::queue;
use crate::grading::worker::Grading;
use crate::http::body::{JsonBody, QueryInt, query_int};
use crate::http::error::ApiError;
use crate::teaching::csv;
use crate::validate;

/// The most rows a class file may hold.
pub const IMPORT_MAX_ROWS: usize = 1000;

pub fn routes() -> Vec<rocket::Route> {
    routes![submissions, gradebook, gradebook_csv, import, check]
}

fn markdown(text: Option<String>) -> Value {
    text.map_or(Value::Null, |t| Value::from(crate::markdown::to_html(&t)))
}

/// The exercise's author and `grade_max`, when the caller is its author or staff: 404 when it
/// does not exist, 403 otherwise.
fn teacher_of_exercise(
    conn: &Connection,
    id: i64,
    me: i64,
    staff: bool,
) -> Result<(i64, i64, Option<i64>), ApiError> {
    let row: Option<(i64, i64, Option<i64>)> = conn
        .query_row(
            "SELECT account_id, grade_max, correction_id FROM exercises WHERE id = ?1",
            [id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()?;
    let row = row.ok_or_else(|| ApiError::not_found(&format!("The exercise {id}")))?;
    if row.0 != me && !staff {
        return Err(ApiError::forbidden(
            "Only the exercise's author, a moderator or an admin sees this.",
        ));
    }
    Ok(row)
}

fn group_exists(conn: &Connection, id: i64) -> Result<String, ApiError> {
    conn.query_row("SELECT name FROM groups WHERE id = ?1", [id], |r| r.get(0))
        .optional()?
        .ok_or_else(|| ApiError::not_found(&format!("The group {id}")))
}

/// The latest attempt of every member on the exercise, with its latest code, run and grade,
/// sorted by username. `?group=`: members of that group and its sub-groups.
#[utoipa::path(get, path = "/api/v1/exercises/{id}/submissions", tag = "teaching", security(("bearer" = [])),
    params(("id" = i64, Path, minimum = 1), ("group" = Option<i64>, Query, description = "Only members of this group or its sub-groups.")),
    responses((status = 200, description = "`{exercise_id, grade_max, items: [{account: {id, username, firstname, lastname, group_id, group_name}, attempt_id, submitted_at, code_id, run: {id, status, verdict, score} | null, grade: {id, value, proposed, comment, comment_html, log_id, grader_id} | null}]}`"),
        (status = "4XX", body = crate::http::error::ErrorBody)))]
#[get("/exercises/<id>/submissions?<group>")]
async fn submissions(
    app: &State<App>,
    user: AuthUser,
    id: i64,
    group: QueryInt<'_>,
) -> Result<Json<Value>, ApiError> {
    let group = query_int("group", group)?;
    let (me, staff) = (user.id, user.is_moderator());
    let body = app
        .db
        .read(move |c| {
            let (_, grade_max, _) = teacher_of_exercise(c, id, me, staff)?;
            if let Some(g) = group {
                group_exists(c, g)?;
            }
            let sql = format!(
                "SELECT a.id, a.account_id, ac.username, ac.firstname, ac.lastname, ac.group_id, g.name,
                        code.id, code.created_at,
                        r.id, r.status, r.verdict, r.score,
                        gr.id, gr.value, gr.proposed, gr.comment, gr.log_id, gr.grader_id
                 FROM attempts a
                 JOIN accounts ac ON ac.id = a.account_id
                 LEFT JOIN groups g ON g.id = ac.group_id
                 LEFT JOIN attempt_codes code ON code.id = (SELECT MAX(id) FROM attempt_codes WHERE attempt_id = a.id)
                 LEFT JOIN runs r ON r.id = (SELECT MAX(id) FROM runs WHERE attempt_id = a.id)
                 LEFT JOIN grades gr ON gr.account_id = a.account_id AND gr.exercise_id = a.exercise_id
                 WHERE a.exercise_id = :ex AND a.is_check = 0
                   AND a.id = (SELECT MAX(a2.id) FROM attempts a2 WHERE a2.exercise_id = a.exercise_id
                               AND a2.account_id = a.account_id AND a2.is_check = 0)
                   AND (:group IS NULL OR ac.group_id IN {})
                 ORDER BY ac.username COLLATE NOCASE, ac.id",
                subgroups_sql(":group")
            );
            let mut stmt = c.prepare(&sql)?;
            let items = stmt
                .query_map(rusqlite::named_params! {":ex": id, ":group": group}, |r| {
                    let run = match r.get::<_, Option<i64>>(9)? {
                        Some(run) => json!({"id": run, "status": r.get::<_, String>(10)?,
                            "verdict": r.get::<_, Option<String>>(11)?, "score": r.get::<_, Option<i64>>(12)?}),
                        None => Value::Null,
                    };
                    let grade = match r.get::<_, Option<i64>>(13)? {
                        Some(g) => {
                            let comment: Option<String> = r.get(16)?;
                            json!({"id": g, "value": r.get::<_, i64>(14)?, "proposed": r.get::<_, i64>(15)? == 1,
                                "comment_html": markdown(comment.clone()), "comment": comment,
                                "log_id": r.get::<_, Option<i64>>(17)?, "grader_id": r.get::<_, Option<i64>>(18)?})
                        }
                        None => Value::Null,
                    };
                    Ok(json!({
                        "account": {"id": r.get::<_, i64>(1)?, "username": r.get::<_, String>(2)?,
                            "firstname": r.get::<_, Option<String>>(3)?, "lastname": r.get::<_, Option<String>>(4)?,
                            "group_id": r.get::<_, Option<i64>>(5)?, "group_name": r.get::<_, Option<String>>(6)?},
                        "attempt_id": r.get::<_, i64>(0)?,
                        "code_id": r.get::<_, Option<i64>>(7)?,
                        "submitted_at": r.get::<_, Option<i64>>(8)?,
                        "run": run,
                        "grade": grade,
                    }))
                })?
                .collect::<Result<Vec<_>, _>>()?;
            Ok(json!({"exercise_id": id, "grade_max": grade_max, "items": items}))
        })
        .await?;
    Ok(Json(body))
}

/// The gradebook's table: its exercises, members and scores.
struct Gradebook {
    group: (i64, String),
    mode: &'static str,
    exercises: Vec<Value>,
    members: Vec<Value>,
    total_max: i64,
}

impl Gradebook {
    fn json(&self) -> Value {
        json!({
            "group": {"id": self.group.0, "name": self.group.1},
            "mode": self.mode,
            "exercises": self.exercises,
            "members": self.members,
            "total_max": self.total_max,
        })
    }
}

fn parse_mode(mode: Option<&str>) -> Result<&'static str, ApiError> {
    match mode.map(str::trim) {
        None | Some("latest") => Ok("latest"),
        Some("best") => Ok("best"),
        Some(_) => Err(ApiError::invalid("mode", "must be best or latest")),
    }
}

/// The groups of courses a gradebook of `group` covers: the group, its sub-groups, its
/// ancestors.
fn related_groups_sql() -> String {
    format!(
        "(SELECT id FROM {sub} UNION SELECT id FROM (WITH RECURSIVE up_g(id) AS (SELECT :group
             UNION SELECT g.parent_id FROM groups g JOIN up_g ON g.id = up_g.id WHERE g.parent_id IS NOT NULL)
           SELECT id FROM up_g))",
        sub = subgroups_sql(":group")
    )
}

fn load_gradebook(
    c: &Connection,
    group: i64,
    mode: &'static str,
    course: Option<i64>,
    me: i64,
    staff: bool,
) -> Result<Gradebook, ApiError> {
    let name = group_exists(c, group)?;
    let related = related_groups_sql();
    // Staff see every exercise of the group's courses; a teacher, those of its own courses.
    let teacher: bool = c.query_row(
        "SELECT EXISTS (SELECT 1 FROM courses WHERE account_id = :me AND group_id IN
            (WITH RECURSIVE up_g(id) AS (SELECT :group
               UNION SELECT g.parent_id FROM groups g JOIN up_g ON g.id = up_g.id WHERE g.parent_id IS NOT NULL)
             SELECT id FROM up_g))",
        rusqlite::named_params! {":me": me, ":group": group},
        |r| r.get(0),
    )?;
    if !staff && !teacher {
        return Err(ApiError::forbidden(
            "Only staff, or the author of a course meant for this group, sees its gradebook.",
        ));
    }
    if let Some(course) = course {
        let ok: bool = c.query_row(
            &format!(
                "SELECT EXISTS (SELECT 1 FROM courses WHERE id = :course AND group_id IN {related}
                 AND (:staff OR account_id = :me))"
            ),
            rusqlite::named_params! {":course": course, ":group": group, ":me": me, ":staff": staff},
            |r| r.get(0),
        )?;
        if !ok {
            return Err(ApiError::invalid(
                "course",
                "must be a course meant for this group, one of its sub-groups or ancestors (and yours)",
            ));
        }
    }
    let mut stmt = c.prepare(&format!(
        "SELECT e.id, e.title, e.grade_max, c.id, c.title FROM exercises e JOIN courses c ON c.id = e.course_id
         WHERE c.group_id IN {related} AND (:course IS NULL OR c.id = :course) AND (:staff OR c.account_id = :me)
         ORDER BY c.id, e.id"
    ))?;
    let exercises: Vec<(i64, String, i64, i64, String)> = stmt
        .query_map(
            rusqlite::named_params! {":group": group, ":course": course, ":me": me, ":staff": staff},
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
        )?
        .collect::<Result<_, _>>()?;
    let index: HashMap<i64, usize> = exercises
        .iter()
        .enumerate()
        .map(|(i, e)| (e.0, i))
        .collect();
    let mut stmt = c.prepare(&format!(
        "SELECT a.id, a.username, a.firstname, a.lastname, g.name FROM accounts a
         LEFT JOIN groups g ON g.id = a.group_id
         WHERE a.group_id IN {} ORDER BY a.username COLLATE NOCASE, a.id",
        subgroups_sql(":group")
    ))?;
    type Member = (i64, String, Option<String>, Option<String>, Option<String>);
    let members: Vec<Member> = stmt
        .query_map(rusqlite::named_params! {":group": group}, |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
        })?
        .collect::<Result<_, _>>()?;
    // latest: the grade as it stands (a teacher's, or the one the latest run proposed);
    // best: the highest of that grade and every judged run's score (scaled to today's
    // grade_max), check runs excluded.
    let score_sql = if mode == "best" {
        format!(
            "SELECT account_id, exercise_id, MAX(v) FROM (
               SELECT gr.account_id, gr.exercise_id, gr.value AS v FROM grades gr
               UNION ALL
               SELECT r.account_id, r.exercise_id,
                      CAST(ROUND(r.score * 1.0 * e.grade_max / r.grade_max) AS INTEGER) AS v
               FROM runs r JOIN attempts at ON at.id = r.attempt_id JOIN exercises e ON e.id = r.exercise_id
               WHERE at.is_check = 0 AND r.status = 'done' AND r.grade_max > 0
                 AND r.verdict NOT IN ('error', 'sandbox_unavailable'))
             WHERE account_id IN (SELECT id FROM accounts WHERE group_id IN {sub})
             GROUP BY account_id, exercise_id",
            sub = subgroups_sql(":group")
        )
    } else {
        format!(
            "SELECT account_id, exercise_id, value FROM grades
             WHERE account_id IN (SELECT id FROM accounts WHERE group_id IN {sub})",
            sub = subgroups_sql(":group")
        )
    };
    let mut scores: HashMap<(i64, usize), i64> = HashMap::new();
    let mut stmt = c.prepare(&score_sql)?;
    let rows = stmt.query_map(rusqlite::named_params! {":group": group}, |r| {
        Ok((
            r.get::<_, i64>(0)?,
            r.get::<_, i64>(1)?,
            r.get::<_, i64>(2)?,
        ))
    })?;
    for row in rows {
        let (account, exercise, value) = row?;
        if let Some(&i) = index.get(&exercise) {
            scores.insert((account, i), value);
        }
    }
    let members = members
        .into_iter()
        .map(|(id, username, first, last, group_name)| {
            let row: Vec<Option<i64>> = (0..exercises.len())
                .map(|i| scores.get(&(id, i)).copied())
                .collect();
            let total: i64 = row.iter().flatten().sum();
            json!({"id": id, "username": username, "firstname": first, "lastname": last,
                   "group_name": group_name, "scores": row, "total": total})
        })
        .collect();
    let total_max = exercises.iter().map(|e| e.2).sum();
    let exercises = exercises
        .into_iter()
        .map(|(id, title, max, course_id, course_title)| {
            json!({"id": id, "title": title, "grade_max": max, "course_id": course_id, "course_title": course_title})
        })
        .collect();
    Ok(Gradebook {
        group: (group, name),
        mode,
        exercises,
        members,
        total_max,
    })
}

async fn read_gradebook(
    app: &App,
    user: &AuthUser,
    id: i64,
    mode: Option<&str>,
    course: QueryInt<'_>,
) -> Result<Gradebook, ApiError> {
    let mode = parse_mode(mode)?;
    let course = query_int("course", course)?;
    let (me, staff) = (user.id, user.is_moderator());
    app.db
        .read(move |c| load_gradebook(c, id, mode, course, me, staff))
        .await
}

/// The gradebook of a group: its members (and its sub-groups') × the exercises of the courses
/// meant for it, a sub-group or an ancestor. Staff, or the author of such a course (who sees
/// its own courses' exercises).
#[utoipa::path(get, path = "/api/v1/groups/{id}/gradebook", tag = "teaching", security(("bearer" = [])),
    params(("id" = i64, Path, minimum = 1),
        ("mode" = Option<String>, Query, description = "`latest` (default): the grade as it stands; `best`: the highest of the grade and every run's score."),
        ("course" = Option<i64>, Query, description = "Only this course's exercises.")),
    responses((status = 200, description = "`{group: {id, name}, mode, exercises: [{id, title, grade_max, course_id, course_title}], members: [{id, username, firstname, lastname, group_name, scores, total}], total_max}`"),
        (status = "4XX", body = crate::http::error::ErrorBody)))]
#[get("/groups/<id>/gradebook?<mode>&<course>", rank = 1)]
async fn gradebook(
    app: &State<App>,
    user: AuthUser,
    id: i64,
    mode: Option<&str>,
    course: QueryInt<'_>,
) -> Result<Json<Value>, ApiError> {
    Ok(Json(
        read_gradebook(app, &user, id, mode, course).await?.json(),
    ))
}

/// A CSV answer with its file name.
pub struct CsvFile {
    name: String,
    body: String,
}

impl<'r> rocket::response::Responder<'r, 'static> for CsvFile {
    fn respond_to(self, _: &'r rocket::Request<'_>) -> rocket::response::Result<'static> {
        rocket::Response::build()
            .header(ContentType::new("text", "csv").with_params(("charset", "utf-8")))
            .header(Header::new(
                "Content-Disposition",
                format!("attachment; filename=\"{}\"", self.name),
            ))
            .sized_body(self.body.len(), std::io::Cursor::new(self.body))
            .ok()
    }
}

/// The group's name as a file name: letters, digits, `-` and `_` kept, the rest `-`.
fn file_name(name: &str) -> String {
    let safe: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '-'
            }
        })
        .collect();
    let safe = safe.trim_matches('-');
    format!(
        "gradebook-{}.csv",
        if safe.is_empty() { "group" } else { safe }
    )
}

/// The gradebook as a CSV file: UTF-8 with a BOM, a header row (Username, Last name, First
/// name, Group, one column per exercise, Total), comma-separated (`separator=semicolon` for
/// spreadsheets set to French), formula-safe.
#[utoipa::path(get, path = "/api/v1/groups/{id}/gradebook.csv", tag = "teaching", security(("bearer" = [])),
    params(("id" = i64, Path, minimum = 1),
        ("mode" = Option<String>, Query, description = "`latest` or `best`, as the JSON gradebook."),
        ("course" = Option<i64>, Query, description = "Only this course's exercises."),
        ("separator" = Option<String>, Query, description = "`comma` (default) or `semicolon`.")),
    responses((status = 200, description = "text/csv; charset=utf-8", content_type = "text/csv"),
        (status = "4XX", body = crate::http::error::ErrorBody)))]
#[get("/groups/<id>/gradebook.csv?<mode>&<course>&<separator>", rank = 0)]
async fn gradebook_csv(
    app: &State<App>,
    user: AuthUser,
    id: i64,
    mode: Option<&str>,
    course: QueryInt<'_>,
    separator: Option<&str>,
) -> Result<CsvFile, ApiError> {
    let sep = match separator.map(str::trim) {
        None | Some("comma") => ',',
        Some("semicolon") => ';',
        Some(_) => return Err(ApiError::invalid("separator", "must be comma or semicolon")),
    };
    let book = read_gradebook(app, &user, id, mode, course).await?;
    let mut header: Vec<String> = ["Username", "Last name", "First name", "Group"]
        .into_iter()
        .map(String::from)
        .collect();
    header.extend(
        book.exercises
            .iter()
            .map(|e| e["title"].as_str().unwrap_or("").to_owned()),
    );
    header.push("Total".into());
    let mut rows = vec![header];
    let text = |v: &Value| v.as_str().unwrap_or("").to_owned();
    for m in &book.members {
        let mut row = vec![
            text(&m["username"]),
            text(&m["lastname"]),
            text(&m["firstname"]),
            text(&m["group_name"]),
        ];
        if let Some(scores) = m["scores"].as_array() {
            row.extend(
                scores
                    .iter()
                    .map(|s| s.as_i64().map(|v| v.to_string()).unwrap_or_default()),
            );
        }
        row.push(m["total"].as_i64().unwrap_or(0).to_string());
        rows.push(row);
    }
    Ok(CsvFile {
        name: file_name(&book.group.1),
        body: csv::write(&rows, sep),
    })
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct ImportBody {
    /// The class file: a header row naming username (required), email, firstname, lastname
    /// (or identifiant, courriel, prénom, nom), in any order, `,` or `;` separated.
    pub csv: String,
    /// Also email each setup link (to rows with an email).
    #[serde(default)]
    pub send_email: bool,
    /// Check and report only: nothing is created.
    #[serde(default)]
    pub dry_run: bool,
}

/// A row of the file, checked.
struct Row {
    line: usize,
    username: String,
    email: Option<String>,
    firstname: Option<String>,
    lastname: Option<String>,
}

fn refusal(line: usize, username: &str, field: &str, reason: impl Into<String>) -> Value {
    json!({"line": line, "username": username, "field": field, "reason": reason.into()})
}

/// Reads the file: the good rows, and the refused ones with the field and the reason.
fn read_class(text: &str) -> Result<(Vec<Row>, Vec<Value>), ApiError> {
    let body = text.strip_prefix('\u{feff}').unwrap_or(text);
    let sep = csv::sniff(body);
    let records = csv::parse(body, sep).map_err(|e| ApiError::invalid("csv", e))?;
    let mut records = records.into_iter();
    let header = records
        .next()
        .ok_or_else(|| ApiError::invalid("csv", "is empty: it needs a header row"))?;
    let mut columns: HashMap<&'static str, usize> = HashMap::new();
    for (i, cell) in header.fields.iter().enumerate() {
        let Some(col) = csv::column_of(cell) else {
            return Err(ApiError::invalid(
                "csv",
                format!(
                    "the header names an unknown column `{}`: use username, email, firstname, lastname (or identifiant, courriel, prénom, nom)",
                    cell.trim()
                ),
            ));
        };
        if columns.insert(col, i).is_some() {
            return Err(ApiError::invalid(
                "csv",
                format!("the header names the column {col} twice"),
            ));
        }
    }
    if !columns.contains_key("username") {
        return Err(ApiError::invalid(
            "csv",
            "the header row must name a username (identifiant) column",
        ));
    }
    let records: Vec<csv::Record> = records.collect();
    if records.len() > IMPORT_MAX_ROWS {
        return Err(ApiError::invalid(
            "csv",
            format!(
                "has {} rows: at most {IMPORT_MAX_ROWS} per import",
                records.len()
            ),
        ));
    }
    let mut good = Vec::new();
    let mut refused = Vec::new();
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut seen_email: HashMap<String, usize> = HashMap::new();
    for rec in records {
        let get = |col: &str| {
            columns
                .get(col)
                .and_then(|&i| rec.fields.get(i))
                .map(|s| s.trim().to_owned())
        };
        let raw_name = get("username").unwrap_or_default();
        if let Some((col, _)) = columns
            .iter()
            .filter(|(_, i)| **i >= rec.fields.len())
            .min_by_key(|(_, i)| **i)
        {
            refused.push(refusal(
                rec.line,
                &raw_name,
                col,
                format!(
                    "the row has {} fields, the header {}: the column is missing",
                    rec.fields.len(),
                    header.fields.len()
                ),
            ));
            continue;
        }
        let checked = (|| -> Result<Row, (String, String)> {
            let e = |err: ApiError, field: &str| (field.to_owned(), err.message);
            let username = validate::username(&raw_name).map_err(|x| e(x, "username"))?;
            let email = validate::optional_email("email", get("email").as_deref())
                .map_err(|x| e(x, "email"))?;
            let firstname = validate::optional_text(
                "firstname",
                get("firstname").as_deref(),
                crate::accounts::model::NAME_MAX,
            )
            .map_err(|x| e(x, "firstname"))?;
            let lastname = validate::optional_text(
                "lastname",
                get("lastname").as_deref(),
                crate::accounts::model::NAME_MAX,
            )
            .map_err(|x| e(x, "lastname"))?;
            Ok(Row {
                line: rec.line,
                username,
                email,
                firstname,
                lastname,
            })
        })();
        let row = match checked {
            Ok(row) => row,
            Err((field, reason)) => {
                refused.push(refusal(rec.line, &raw_name, &field, reason));
                continue;
            }
        };
        if let Some(first) = seen.get(&row.username.to_lowercase()) {
            refused.push(refusal(
                row.line,
                &row.username,
                "username",
                format!("appears twice in the file (first on line {first})"),
            ));
            continue;
        }
        if let Some(email) = &row.email
            && let Some(first) = seen_email.get(&email.to_lowercase())
        {
            refused.push(refusal(
                row.line,
                &row.username,
                "email",
                format!("appears twice in the file (first on line {first})"),
            ));
            continue;
        }
        seen.insert(row.username.to_lowercase(), row.line);
        if let Some(email) = &row.email {
            seen_email.insert(email.to_lowercase(), row.line);
        }
        good.push(row);
    }
    Ok((good, refused))
}

/// Import a class into a group (moderators and admins): each good row becomes an account
/// (no password: it chooses one with its one-time setup link), in the group. Refused rows are
/// reported, the good ones created in one transaction; `dry_run` creates nothing.
#[utoipa::path(post, path = "/api/v1/groups/{id}/import", tag = "teaching", security(("bearer" = [])),
    params(("id" = i64, Path, minimum = 1)), request_body = ImportBody,
    responses((status = 200, description = "`{dry_run, created: [{line, account: {id, username, firstname, lastname, email}, setup_url, expires_at, emailed}], refused: [{line, username, field, reason}]}`"),
        (status = "4XX", body = crate::http::error::ErrorBody)))]
#[post("/groups/<id>/import", data = "<body>")]
async fn import(
    app: &State<App>,
    staff: Moderator,
    locale: RequestLocale,
    id: i64,
    body: JsonBody<ImportBody>,
) -> Result<Json<Value>, ApiError> {
    let b = body.0;
    let (rows, mut refused) = read_class(&b.csv)?;
    let actor = staff.0.id;
    let (dry_run, send_email) = (b.dry_run, b.send_email);
    // One secret nobody keeps for the whole batch: an imported account has no usable
    // password until its setup link is used (hashing one per row would take minutes).
    let password_hash = if dry_run || rows.is_empty() {
        String::new()
    } else {
        app.passwords.hash(&random_text(32)).await?
    };
    let app2 = app.inner().clone();
    let fallback = locale.0.unwrap_or_else(|| reset::default_locale(app));
    let (created, taken, emailed) = app
        .db
        .write(move |tx| {
            group_exists(tx, id)?;
            let mut created = Vec::new();
            let mut taken = Vec::new();
            let mut emailed = false;
            for row in rows {
                let name_taken: bool = tx.query_row(
                    "SELECT EXISTS (SELECT 1 FROM accounts WHERE username = ?1)",
                    [&row.username],
                    |r| r.get(0),
                )?;
                if name_taken {
                    taken.push(refusal(row.line, &row.username, "username", "is already taken"));
                    continue;
                }
                if let Some(email) = &row.email {
                    let email_taken: bool = tx.query_row(
                        "SELECT EXISTS (SELECT 1 FROM accounts WHERE email = ?1 OR pending_email = ?1)",
                        [email],
                        |r| r.get(0),
                    )?;
                    if email_taken {
                        taken.push(refusal(row.line, &row.username, "email", "is already used by another account"));
                        continue;
                    }
                }
                if dry_run {
                    created.push(json!({"line": row.line, "account": {"id": null, "username": row.username,
                        "firstname": row.firstname, "lastname": row.lastname, "email": row.email},
                        "setup_url": null, "expires_at": null, "emailed": false}));
                    continue;
                }
                let new = NewAccount {
                    username: row.username,
                    email: row.email,
                    password_hash: password_hash.clone(),
                    firstname: row.firstname,
                    lastname: row.lastname,
                    birthdate: None,
                    level: Level::Member,
                    // The school vouches for the address it imports.
                    email_confirmed: true,
                };
                let (account, setup) =
                    reset::invite_in(&app2, tx, actor, &new, None, Some(id), send_email, fallback)?;
                emailed |= setup.emailed;
                created.push(json!({"line": row.line, "account": {"id": account.id, "username": account.username,
                    "firstname": account.firstname, "lastname": account.lastname, "email": account.email},
                    "setup_url": setup.link, "expires_at": setup.expires_at, "emailed": setup.emailed}));
            }
            if !dry_run {
                crate::audit::record(
                    tx,
                    actor,
                    "import",
                    "group",
                    id,
                    Some(&format!("{} accounts created, {} rows refused", created.len(), taken.len())),
                )?;
            }
            Ok((created, taken, emailed))
        })
        .await?;
    if emailed {
        app.outbox.wake();
    }
    refused.extend(taken);
    refused.sort_by_key(|r| r["line"].as_u64().unwrap_or(0));
    Ok(Json(
        json!({"dry_run": dry_run, "created": created, "refused": refused}),
    ))
}

/// Run the exercise's correction (`correction_id`) against its script and I/O tests, through
/// the grading queue (author or staff). The run belongs to a hidden attempt of the caller and
/// grades nothing; the exercise's view then shows it as `check`.
#[utoipa::path(post, path = "/api/v1/exercises/{id}/check", tag = "teaching", security(("bearer" = [])),
    params(("id" = i64, Path, minimum = 1)),
    responses((status = 202, description = "`{id, status: \"queued\"}`: follow it at `/runs/{id}` and `/runs/{id}/events`"),
        (status = "4XX", body = crate::http::error::ErrorBody),
        (status = 503, description = "The queue is full: `Retry-After`.", body = crate::http::error::ErrorBody)))]
#[post("/exercises/<id>/check")]
async fn check(
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
            let (_, _, correction) = teacher_of_exercise(tx, id, me, staff)?;
            let correction = correction.ok_or_else(|| {
                ApiError::invalid("correction_id", "the exercise has no correction to check")
            })?;
            let code: String = tx.query_row(
                "SELECT content FROM corrections WHERE id = ?1",
                [correction],
                |r| r.get(0),
            )?;
            let spec = queue::load_spec(tx, id)?
                .ok_or_else(|| ApiError::not_found(&format!("The exercise {id}")))?;
            if !spec.gradable() {
                return Err(ApiError::invalid(
                    "script_id",
                    "the exercise has neither a test script nor io_tests: nothing to check the correction against",
                ));
            }
            let existing: Option<i64> = tx
                .query_row(
                    "SELECT id FROM attempts WHERE exercise_id = ?1 AND account_id = ?2 AND is_check = 1",
                    params![id, me],
                    |r| r.get(0),
                )
                .optional()?;
            let attempt = match existing {
                Some(a) => a,
                None => {
                    let now = crate::db::now_ms();
                    tx.query_row(
                        "INSERT INTO attempts (account_id, exercise_id, is_check, created_at, updated_at)
                         VALUES (?1, ?2, 1, ?3, ?3) RETURNING id",
                        params![me, id, now],
                        |r| r.get(0),
                    )?
                }
            };
            queue::enqueue(tx, &config, attempt, None, &code)
        })
        .await?;
    grading.notify();
    Ok(Custom(
        Status::Accepted,
        Json(json!({"id": run, "status": "queued"})),
    ))
}

pub fn openapi() -> utoipa::openapi::OpenApi {
    #[derive(utoipa::OpenApi)]
    #[openapi(
        paths(submissions, gradebook, gradebook_csv, import, check),
        components(schemas(ImportBody))
    )]
    struct Part;
    <Part as utoipa::OpenApi>::openapi()
}
