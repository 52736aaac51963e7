//! The cast and the props of the moderation tests: an admin, a moderator, an author with a
//! forum post, a reporter and a bystander, and short ways to report, handle and look.

#![allow(dead_code)]

use rocket::http::{ContentType, Method};
use serde_json::{Value, json};

use crate::common::{RequestExt, Resp, TestApp, User};

/// A report as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportRow {
    pub status: i64,
    pub handler_id: Option<i64>,
    pub result: Option<String>,
    pub state_changed_at: Option<i64>,
}

/// A notification as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    pub kind: String,
    pub message: String,
    pub report_id: Option<i64>,
    pub target_type: Option<String>,
    pub target_id: Option<i64>,
}

/// An app with its people and a forum subject, plus one post of the author's.
pub struct World {
    pub app: TestApp,
    pub admin: User,
    pub moderator: User,
    pub author: User,
    pub reporter: User,
    /// A member with nothing to do with the post.
    pub bystander: User,
    pub subject: i64,
    pub post: i64,
}

impl World {
    pub fn new() -> World {
        World::on(TestApp::new())
    }

    pub fn on(app: TestApp) -> World {
        let admin = app.admin("root");
        let moderator = app.moderator("mod");
        let author = app.register("author");
        let reporter = app.register("reporter");
        let bystander = app.register("bystander");
        let subject = forum_subject(&app, &admin, &author);
        let post = forum_post(&app, &author, subject, "Buy cheap watches at spam.example");
        World {
            app,
            admin,
            moderator,
            author,
            reporter,
            bystander,
            subject,
            post,
        }
    }

    /// The reporter's report of the post, through the REST API.
    pub fn report_post(&self) -> i64 {
        report_id(&self.app, &self.reporter, "forum_post", self.post)
    }

    /// The post reported, taken and confirmed by the moderator.
    pub fn hidden_post(&self) -> i64 {
        let id = self.report_post();
        expect_changed(take(&self.app, &self.moderator, id));
        expect_changed(confirm(&self.app, &self.moderator, id, "Advertising."));
        id
    }
}

// --- requests ---------------------------------------------------------------------------

pub fn get(app: &TestApp, user: &User, uri: impl ToString) -> Resp {
    app.get(uri).bearer(&user.token).fetch()
}

pub fn post(app: &TestApp, user: &User, uri: impl ToString, body: Value) -> Resp {
    app.post(uri).bearer(&user.token).json_body(&body).fetch()
}

pub fn patch(app: &TestApp, user: &User, uri: impl ToString, body: Value) -> Resp {
    app.req(Method::Patch, uri)
        .bearer(&user.token)
        .json_body(&body)
        .fetch()
}

pub fn put(app: &TestApp, user: &User, uri: impl ToString, body: Value) -> Resp {
    app.req(Method::Put, uri)
        .bearer(&user.token)
        .json_body(&body)
        .fetch()
}

pub fn delete(app: &TestApp, user: &User, uri: impl ToString) -> Resp {
    app.req(Method::Delete, uri).bearer(&user.token).fetch()
}

/// A seed route called with a form body.
pub fn post_form(app: &TestApp, user: &User, uri: impl ToString, form: &str) -> Resp {
    app.post(uri)
        .bearer(&user.token)
        .header(ContentType::Form)
        .body(form)
        .fetch()
}

#[track_caller]
pub fn expect(res: Resp, status: u16) -> Value {
    assert_eq!(res.status, status, "{}", res.text);
    res.body
}

#[track_caller]
pub fn id_of(res: Resp) -> i64 {
    let body = expect(res, 201);
    body["id"].as_i64().unwrap()
}

// --- content -----------------------------------------------------------------------------

/// A forum category and forum (the admin's), and a subject (`member`'s) in it.
pub fn forum_subject(app: &TestApp, admin: &User, member: &User) -> i64 {
    let category = id_of(post(
        app,
        admin,
        "/api/v1/forum/categories",
        json!({"name": "General"}),
    ));
    let forum = id_of(post(
        app,
        admin,
        "/api/v1/forum/forums",
        json!({"category_id": category, "name": "Lounge"}),
    ));
    id_of(post(
        app,
        member,
        "/api/v1/forum/subjects",
        json!({"forum_id": forum, "title": "Hello"}),
    ))
}

pub fn forum_post(app: &TestApp, author: &User, subject: i64, content: &str) -> i64 {
    id_of(post(
        app,
        author,
        "/api/v1/forum/posts",
        json!({"subject_id": subject, "content": content}),
    ))
}

pub fn blog_post(app: &TestApp, admin: &User, author: &User) -> i64 {
    let category = id_of(post(
        app,
        admin,
        "/api/v1/blog/categories",
        json!({"name": "News"}),
    ));
    id_of(post(
        app,
        author,
        "/api/v1/blog/posts",
        json!({"category_id": category, "title": "My week", "content": "Nothing to see."}),
    ))
}

pub fn blog_comment(app: &TestApp, author: &User, blog_post: i64) -> i64 {
    id_of(post(
        app,
        author,
        format!("/api/v1/blog/posts/{blog_post}/comments"),
        json!({"content": "Rude words."}),
    ))
}

/// A course of `author`'s, approved by `moderator` so that everyone sees it.
pub fn approved_course(app: &TestApp, moderator: &User, author: &User) -> i64 {
    let id = pending_course(app, author, "Rust 101");
    validate(app, moderator, "courses", id, json!({"approved": true}));
    id
}

pub fn pending_course(app: &TestApp, author: &User, title: &str) -> i64 {
    id_of(post(
        app,
        author,
        "/api/v1/courses",
        json!({"title": title, "content": "Ownership and borrowing."}),
    ))
}

pub fn course_comment(app: &TestApp, author: &User, course: i64) -> i64 {
    id_of(post(
        app,
        author,
        format!("/api/v1/courses/{course}/comments"),
        json!({"content": "Rude words."}),
    ))
}

pub fn approved_exercise(app: &TestApp, moderator: &User, author: &User, course: i64) -> i64 {
    let id = id_of(post(
        app,
        author,
        "/api/v1/exercises",
        json!({"course_id": course, "title": "Borrow twice", "instruction": "Make it compile."}),
    ));
    validate(app, moderator, "exercises", id, json!({"approved": true}));
    id
}

#[track_caller]
pub fn validate(app: &TestApp, moderator: &User, collection: &str, id: i64, body: Value) -> Value {
    expect(
        put(
            app,
            moderator,
            format!("/api/v1/{collection}/{id}/validation"),
            body,
        ),
        200,
    )
}

// --- reports -----------------------------------------------------------------------------

pub fn report(app: &TestApp, user: &User, kind: &str, target: i64, comment: Option<&str>) -> Resp {
    let mut body = json!({"target_type": kind, "target_id": target});
    if let Some(c) = comment {
        body["comment"] = json!(c);
    }
    post(app, user, "/api/v1/reports", body)
}

#[track_caller]
pub fn report_id(app: &TestApp, user: &User, kind: &str, target: i64) -> i64 {
    id_of(report(app, user, kind, target, Some("Spam.")))
}

pub fn take(app: &TestApp, user: &User, report: i64) -> Resp {
    post(
        app,
        user,
        format!("/api/v1/reports/{report}/take"),
        json!({}),
    )
}

pub fn confirm(app: &TestApp, user: &User, report: i64, result: &str) -> Resp {
    post(
        app,
        user,
        format!("/api/v1/reports/{report}/confirm"),
        json!({"result": result}),
    )
}

pub fn cancel(app: &TestApp, user: &User, report: i64, result: &str) -> Resp {
    post(
        app,
        user,
        format!("/api/v1/reports/{report}/cancel"),
        json!({"result": result}),
    )
}

/// Asserts a transition answered 200 with `changed: true`.
#[track_caller]
pub fn expect_changed(res: Resp) -> Value {
    let body = expect(res, 200);
    assert_eq!(body["changed"], json!(true), "{body}");
    body
}

/// Asserts a transition answered 200 with `changed: false` and a message.
#[track_caller]
pub fn expect_unchanged(res: Resp) -> Value {
    let body = expect(res, 200);
    assert_eq!(body["changed"], json!(false), "{body}");
    assert!(
        body["message"].as_str().is_some_and(|m| !m.is_empty()),
        "{body}"
    );
    body
}

pub fn report_row(app: &TestApp, id: i64) -> ReportRow {
    app.db()
        .query_row(
            "SELECT status, handler_id, result, state_changed_at FROM reports WHERE id = ?1",
            [id],
            |r| {
                Ok(ReportRow {
                    status: r.get(0)?,
                    handler_id: r.get(1)?,
                    result: r.get(2)?,
                    state_changed_at: r.get(3)?,
                })
            },
        )
        .unwrap()
}

pub fn status_of(app: &TestApp, report: i64) -> i64 {
    report_row(app, report).status
}

pub fn is_hidden(app: &TestApp, table: &str, id: i64) -> bool {
    app.scalar(&format!("SELECT hidden FROM {table} WHERE id = ?1"), [id]) == 1
}

/// The account's notifications as stored, oldest first.
pub fn notices(app: &TestApp, account: i64) -> Vec<Notice> {
    let conn = app.db();
    let mut stmt = conn
        .prepare(
            "SELECT kind, message, report_id, target_type, target_id FROM notifications
             WHERE account_id = ?1 ORDER BY id",
        )
        .unwrap();
    stmt.query_map([account], |r| {
        Ok(Notice {
            kind: r.get(0)?,
            message: r.get(1)?,
            report_id: r.get(2)?,
            target_type: r.get(3)?,
            target_id: r.get(4)?,
        })
    })
    .unwrap()
    .collect::<Result<_, _>>()
    .unwrap()
}

pub fn kinds(app: &TestApp, account: i64) -> Vec<String> {
    notices(app, account).into_iter().map(|n| n.kind).collect()
}

/// The audit log as stored: (actor, action, target type, target id), oldest first.
pub fn audit_rows(app: &TestApp) -> Vec<(Option<i64>, String, String, i64)> {
    let conn = app.db();
    let mut stmt = conn
        .prepare("SELECT actor_id, action, target_type, target_id FROM audit_log ORDER BY id")
        .unwrap();
    stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

/// The ids of a page's items.
pub fn ids(body: &Value) -> Vec<i64> {
    body["items"]
        .as_array()
        .unwrap_or_else(|| panic!("not a page: {body}"))
        .iter()
        .map(|i| i["id"].as_i64().unwrap())
        .collect()
}

/// The ids a list answers `user`.
#[track_caller]
pub fn listed(app: &TestApp, user: &User, uri: impl ToString) -> Vec<i64> {
    ids(&expect(get(app, user, uri), 200))
}

/// Asserts what `user` sees of one row: its list (`list`) and its page (`item`).
#[track_caller]
pub fn assert_sees(app: &TestApp, user: &User, list: &str, item: &str, id: i64, sees: bool) {
    let in_list = listed(app, user, list).contains(&id);
    assert_eq!(in_list, sees, "{} in {list}", user.username);
    let res = get(app, user, item);
    if sees {
        assert_eq!(
            res.status, 200,
            "{} GET {item}: {}",
            user.username, res.text
        );
        assert_eq!(res.body["id"], json!(id));
    } else {
        res.assert_error(404, 404, 1404);
    }
}

pub fn long(n: usize) -> String {
    "x".repeat(n)
}
