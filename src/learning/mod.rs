//! Learning content: courses, course languages, exercises with their scripts, run logs,
//! corrections, attempts (the seeds' "user exercises"), submitted code and grades, comments,
//! and the locales they are written in. Each is a description; the generic code in
//! `content` serves them. What is particular to learning lives here: who may grade, the
//! grade's ceiling, and validation by moderators (`moderation`).

pub mod seed_validation;

use rusqlite::{Connection, OptionalExtension};
use serde_json::{Map, Value};

use crate::accounts::Level;
use crate::accounts::auth::AuthUser;
use crate::config::Config;
use crate::content::{
    APPROVED_OR_AUTHOR, AUTHOR_AND_STAFF, COMMENT_MAX, CONTENT_MAX, EVERYONE, Field, Hook,
    NAME_MAX, Parent, Resource, SHOWN_OR_AUTHOR, TITLE_MAX,
};
use crate::http::error::ApiError;
use crate::http::stage::Stage;

/// Learning enters the application here: its resources (served by `content`) and the seed's
/// validation routes.
pub fn stage() -> Stage<Resource, Hook> {
    Stage {
        name: "learning",
        mount: |rocket, _| rocket.mount("/", seed_validation::routes()),
        openapi: crate::http::stage::no_openapi,
        resources: RESOURCES,
        hooks: &[],
    }
}

pub static RESOURCES: &[&Resource] = &[
    &LOCALES,
    &LANGUAGES,
    &COURSES,
    &COURSE_COMMENTS,
    &SCRIPTS,
    &SCRIPT_LOGS,
    &CORRECTIONS,
    &EXERCISES,
    &EXERCISE_COMMENTS,
    &GRADES,
    &ATTEMPTS,
    &ATTEMPT_CODES,
];

pub static LOCALES: Resource = Resource {
    name: "locale",
    table: "locales",
    path: "locales",
    parent: None,
    seed: Some("/other/locale/modify"),
    fields: &[Field::text(
        "name",
        NAME_MAX,
        "A language tag such as `fr` or `en`.",
    )],
    owner: None,
    create: Level::Admin,
    moderated: false,
    visible: EVERYONE,
    filters: &[],
    check: None,
    tag: "reference data",
    within: None,
    reportable: false,
    likes: None,
    editors: None,
};

pub static LANGUAGES: Resource = Resource {
    name: "language",
    table: "languages",
    path: "languages",
    parent: None,
    seed: Some("/course/language/modify"),
    fields: &[
        Field::text("name", NAME_MAX, "A programming language, such as Python."),
        Field::text(
            "runner",
            NAME_MAX,
            "The runner of its courses' exercises (`GET /api/v1/runners`).",
        )
        .optional(),
    ],
    owner: None,
    create: Level::Admin,
    moderated: false,
    visible: EVERYONE,
    filters: &[],
    check: Some(crate::grading::fields::check_language),
    tag: "reference data",
    within: None,
    reportable: false,
    likes: None,
    editors: None,
};

pub static COURSES: Resource = Resource {
    name: "course",
    table: "courses",
    path: "courses",
    parent: None,
    seed: Some("/course/modify"),
    fields: &[
        Field::text("title", TITLE_MAX, ""),
        Field::long_text("content", CONTENT_MAX, "").markdown(),
        Field::reference("locale_id", &LOCALES, "Default: 1.")
            .or(1)
            .alias(&["locales_id"]),
        Field::reference(
            "language_id",
            &LANGUAGES,
            "The programming language taught.",
        )
        .optional(),
        Field::group("group_id", "The group (class) it is for.").optional(),
    ],
    owner: Some("account_id"),
    create: Level::Member,
    moderated: true,
    // A course meant for a group is, beyond that, only for the members of the group or of one
    // of its sub-groups (and its author and staff); its exercises and comments follow (`within`).
    visible: COURSE_VISIBLE,
    filters: &[
        ("author", "account_id"),
        ("status", "status"),
        ("language", "language_id"),
        ("locale", "locale_id"),
        ("group", "group_id in subgroups"),
    ],
    check: None,
    tag: "courses",
    within: None,
    reportable: true,
    likes: None,
    editors: None,
};

/// Approved or the author's (`APPROVED_OR_AUTHOR`), and, for a course with a group, the viewer's
/// group is that group or one of its sub-groups.
pub const COURSE_VISIBLE: &str = "(((status = 'approved' AND hidden = 0) OR account_id = :me OR :staff)
    AND (courses.group_id IS NULL OR courses.account_id = :me OR :staff
         OR courses.group_id IN (WITH RECURSIVE up_g(id) AS (
                SELECT a.group_id FROM accounts a WHERE a.id = :me AND a.group_id IS NOT NULL
                UNION SELECT g.parent_id FROM groups g JOIN up_g ON g.id = up_g.id WHERE g.parent_id IS NOT NULL)
             SELECT id FROM up_g)))";

pub static COURSE_COMMENTS: Resource = Resource {
    name: "course comment",
    table: "course_comments",
    path: "comments",
    parent: Some(Parent {
        path: "courses",
        field: "course_id",
    }),
    seed: Some("/course/commente/modify"),
    fields: &[
        Field::reference("course_id", &COURSES, "").alias(&["couse_id"]),
        Field::long_text("content", COMMENT_MAX, "").markdown(),
    ],
    owner: Some("account_id"),
    create: Level::Member,
    moderated: false,
    visible: SHOWN_OR_AUTHOR,
    filters: &[("author", "account_id")],
    check: None,
    tag: "courses",
    within: Some("course_id"),
    reportable: true,
    likes: None,
    editors: None,
};

pub static SCRIPTS: Resource = Resource {
    name: "script",
    table: "scripts",
    path: "scripts",
    parent: None,
    seed: Some("/exercise/script/modify"),
    fields: &[Field::long_text(
        "content",
        CONTENT_MAX,
        "The test script of an exercise.",
    )],
    owner: Some("account_id"),
    create: Level::Member,
    moderated: false,
    visible: AUTHOR_AND_STAFF,
    filters: &[("author", "account_id")],
    check: None,
    tag: "exercises",
    within: None,
    reportable: false,
    likes: None,
    editors: None,
};

pub static SCRIPT_LOGS: Resource = Resource {
    name: "script log",
    table: "script_logs",
    path: "logs",
    parent: Some(Parent {
        path: "scripts",
        field: "script_id",
    }),
    seed: Some("/exercise/script/log/modify"),
    fields: &[
        Field::reference("script_id", &SCRIPTS, "").owned(),
        Field::long_text("content", CONTENT_MAX, "The output of a run."),
    ],
    owner: Some("account_id"),
    create: Level::Member,
    moderated: false,
    visible: "(account_id = :me OR :staff OR EXISTS (SELECT 1 FROM scripts s WHERE s.id = script_id AND s.account_id = :me))",
    filters: &[],
    check: None,
    tag: "exercises",
    within: None,
    reportable: false,
    likes: None,
    editors: None,
};

pub static CORRECTIONS: Resource = Resource {
    name: "correction",
    table: "corrections",
    path: "corrections",
    parent: None,
    seed: Some("/exercise/correction/modify"),
    fields: &[Field::long_text("content", CONTENT_MAX, "The reference solution.")],
    owner: Some("account_id"),
    create: Level::Member,
    moderated: false,
    // A member sees a correction once graded on an exercise that uses it.
    visible: "(account_id = :me OR :staff OR EXISTS (SELECT 1 FROM exercises e WHERE e.correction_id = corrections.id
              AND (e.account_id = :me OR EXISTS (SELECT 1 FROM grades g WHERE g.exercise_id = e.id AND g.account_id = :me))))",
    filters: &[("author", "account_id")],
    check: None,
    tag: "exercises",
    within: None,
    reportable: false,
    likes: None,
    editors: None,
};

pub static EXERCISES: Resource = Resource {
    name: "exercise",
    table: "exercises",
    path: "exercises",
    parent: None,
    seed: Some("/exercise/modify"),
    fields: &[
        Field::reference("course_id", &COURSES, "").alias(&["couse_id"]),
        Field::text("title", TITLE_MAX, ""),
        Field::long_text("instruction", CONTENT_MAX, "").markdown(),
        Field::reference("script_id", &SCRIPTS, "One of the author's scripts.")
            .owned()
            .optional(),
        Field::int("grade_max", 1, 1000, "Default: 20.").or(20),
        Field::reference(
            "correction_id",
            &CORRECTIONS,
            "One of the author's corrections.",
        )
        .owned()
        .optional(),
        Field::text(
            "runner",
            NAME_MAX,
            "A runner of `GET /api/v1/runners`; default: its course's language's.",
        )
        .optional(),
        Field::long_text(
            "io_tests",
            CONTENT_MAX,
            "JSON: `[{input, expected_output, weight, hidden}]`. Members see hidden tests' \
             weight only.",
        )
        .others_see(crate::grading::fields::io_tests_for_members)
        .optional(),
        Field::int("auto_grade", 0, 1, "1: a run's grade is confirmed at once.").or(0),
        Field::int(
            "cpu_ms",
            1,
            3_600_000,
            "CPU limit (default 5000), within the server's maximum.",
        )
        .optional(),
        Field::int(
            "wall_ms",
            1,
            3_600_000,
            "Wall-clock limit (default 10000), within the server's maximum.",
        )
        .optional(),
        Field::int(
            "memory_mb",
            1,
            65_536,
            "Memory limit (default 256), within the server's maximum.",
        )
        .optional(),
    ],
    owner: Some("account_id"),
    create: Level::Member,
    moderated: true,
    // Approved and shown, or the author's, or for staff; and in a course the viewer may see
    // (`within`): an exercise is no way into a course that is pending, rejected or hidden.
    visible: APPROVED_OR_AUTHOR,
    filters: &[
        ("course", "course_id"),
        ("author", "account_id"),
        ("status", "status"),
    ],
    check: Some(check_exercise),
    tag: "exercises",
    within: Some("course_id"),
    reportable: true,
    likes: None,
    editors: None,
};

pub static EXERCISE_COMMENTS: Resource = Resource {
    name: "exercise comment",
    table: "exercise_comments",
    path: "comments",
    parent: Some(Parent {
        path: "exercises",
        field: "exercise_id",
    }),
    seed: Some("/exercise/comment/modify"),
    fields: &[
        Field::reference("exercise_id", &EXERCISES, "").alias(&["exercice_id"]),
        Field::long_text("content", COMMENT_MAX, "").markdown(),
    ],
    owner: Some("account_id"),
    create: Level::Member,
    moderated: false,
    // Visible where its exercise is (and so its course): `within`.
    visible: SHOWN_OR_AUTHOR,
    filters: &[("author", "account_id")],
    check: None,
    tag: "exercises",
    within: Some("exercise_id"),
    reportable: true,
    likes: None,
    editors: None,
};

pub static GRADES: Resource = Resource {
    name: "grade",
    table: "grades",
    path: "grades",
    parent: None,
    seed: Some("/exercise/grade/modify"),
    fields: &[
        Field::account("account_id", "The graded member."),
        Field::reference("exercise_id", &EXERCISES, "").alias(&["exercice_id"]),
        Field::int("value", 0, 1000, "At most the exercise's `grade_max`."),
        Field::reference("log_id", &SCRIPT_LOGS, "The run that justified it.").optional(),
        Field::long_text(
            "comment",
            COMMENT_MAX,
            "The teacher's comment, shown to the graded member with the log.",
        )
        .markdown()
        .optional(),
    ],
    owner: Some("grader_id"),
    create: Level::Member,
    moderated: false,
    visible: "(account_id = :me OR grader_id = :me OR :staff OR EXISTS (SELECT 1 FROM exercises e WHERE e.id = grades.exercise_id AND e.account_id = :me))",
    filters: &[("exercise", "exercise_id"), ("account", "account_id")],
    check: Some(check_grade),
    tag: "exercises",
    within: None,
    reportable: false,
    likes: None,
    // The exercise's author and moderators change (and so confirm) a grade proposed by a run.
    editors: Some(GRADE_EDITORS),
};

/// Besides its grader: moderators and the exercise's author (never the graded member).
pub const GRADE_EDITORS: &str = "(grades.account_id <> :me AND (:staff OR EXISTS (SELECT 1 FROM exercises e WHERE e.id = grades.exercise_id AND e.account_id = :me)))";

pub static ATTEMPTS: Resource = Resource {
    name: "attempt",
    table: "attempts",
    path: "attempts",
    parent: None,
    seed: Some("/exercise/user/modify"),
    fields: &[
        Field::reference("exercise_id", &EXERCISES, "").alias(&["exercice_id"]),
        Field::reference("grade_id", &GRADES, "Set by whoever grades.")
            .optional()
            .staff_only(),
    ],
    owner: Some("account_id"),
    create: Level::Member,
    moderated: false,
    // A check attempt (the correction run against its tests) is the teaching routes' own.
    visible: "(is_check = 0 AND (account_id = :me OR :staff OR EXISTS (SELECT 1 FROM exercises e WHERE e.id = exercise_id AND e.account_id = :me)))",
    filters: &[("exercise", "exercise_id"), ("author", "account_id")],
    check: None,
    tag: "exercises",
    within: None,
    reportable: false,
    likes: None,
    editors: None,
};

pub static ATTEMPT_CODES: Resource = Resource {
    name: "attempt code",
    table: "attempt_codes",
    path: "code",
    parent: Some(Parent { path: "attempts", field: "attempt_id" }),
    seed: Some("/exercise/user/code/modify"),
    fields: &[Field::reference("attempt_id", &ATTEMPTS, "").owned().alias(&["user_exercice_id"]), Field::long_text("content", CONTENT_MAX, "")],
    owner: Some("account_id"),
    create: Level::Member,
    moderated: false,
    visible: "(account_id = :me OR :staff OR EXISTS (SELECT 1 FROM attempts a JOIN exercises e ON e.id = a.exercise_id
              WHERE a.id = attempt_id AND e.account_id = :me))",
    filters: &[],
    check: None,
    tag: "exercises",
    within: None,
    reportable: false,
    likes: None,
    editors: None,
};

/// Grades are given by the exercise's author, a moderator or an admin, within `grade_max`.
fn check_grade(
    conn: &Connection,
    user: &AuthUser,
    grade: &Map<String, Value>,
    _: &Config,
) -> Result<(), ApiError> {
    let exercise = grade
        .get("exercise_id")
        .and_then(Value::as_i64)
        .ok_or_else(|| ApiError::missing("exercise_id"))?;
    let row: Option<(i64, i64)> = conn
        .query_row(
            "SELECT account_id, grade_max FROM exercises WHERE id = ?1",
            [exercise],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    let (author, grade_max) = row.ok_or_else(|| {
        ApiError::invalid(
            "exercise_id",
            format!("no exercise with id {exercise} exists"),
        )
    })?;
    if author != user.id && !user.is_moderator() {
        return Err(ApiError::forbidden(
            "Only the exercise's author, a moderator or an admin may grade it.",
        ));
    }
    let value = grade.get("value").and_then(Value::as_i64).unwrap_or(0);
    if value > grade_max {
        return Err(ApiError::invalid(
            "value",
            format!("must be at most the exercise's grade_max ({grade_max})"),
        ));
    }
    Ok(())
}

/// An exercise's rules: its grade ceiling, then its grading fields.
fn check_exercise(
    conn: &Connection,
    user: &AuthUser,
    exercise: &Map<String, Value>,
    config: &Config,
) -> Result<(), ApiError> {
    check_grade_max(conn, user, exercise, config)?;
    crate::grading::fields::check_exercise(conn, user, exercise, config)
}

/// An exercise's `grade_max` stays at or above the grades already given on it.
fn check_grade_max(
    conn: &Connection,
    _: &AuthUser,
    exercise: &Map<String, Value>,
    _: &Config,
) -> Result<(), ApiError> {
    let (Some(id), Some(grade_max)) = (
        exercise.get("id").and_then(Value::as_i64),
        exercise.get("grade_max").and_then(Value::as_i64),
    ) else {
        return Ok(());
    };
    let best: Option<i64> = conn.query_row(
        "SELECT MAX(value) FROM grades WHERE exercise_id = ?1",
        [id],
        |r| r.get(0),
    )?;
    match best {
        Some(best) if best > grade_max => Err(ApiError::invalid(
            "grade_max",
            format!("must be at least {best}, a grade already given on this exercise"),
        )),
        _ => Ok(()),
    }
}
