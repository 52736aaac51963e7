//! Helpers of the content tests: a cast of accounts made straight in the database (one
//! argon2 hash per test process instead of one per account), requests on both faces, fixtures
//! for the rows most tests need, and "nothing was written" snapshots.

use std::sync::OnceLock;

use preau::accounts::auth::Tokens;
use rocket::http::{ContentType, Method};
use serde_json::{Value, json};

use crate::common::{JWT_SECRET, PASSWORD, RequestExt, Resp, TestApp, User};

/// Every table a content route may write.
pub const TABLES: &[&str] = &[
    "accounts",
    "groups",
    "avatars",
    "avatar_images",
    "locales",
    "languages",
    "courses",
    "course_comments",
    "scripts",
    "script_logs",
    "corrections",
    "exercises",
    "exercise_comments",
    "grades",
    "attempts",
    "attempt_codes",
    "blog_categories",
    "blog_posts",
    "blog_comments",
    "forum_categories",
    "forums",
    "forum_subjects",
    "forum_posts",
    "forum_post_likes",
];

fn password_hash() -> &'static str {
    static HASH: OnceLock<String> = OnceLock::new();
    HASH.get_or_init(|| preau::accounts::passwords::hash_now(PASSWORD).unwrap())
}

/// An account of `level` inserted directly (its password is [`PASSWORD`]), with a valid access
/// token signed as the server signs them.
pub fn account(app: &TestApp, username: &str, level: i64) -> User {
    let email = format!("{}@example.org", username.to_lowercase());
    let id: i64 = app
        .db()
        .query_row(
            "INSERT INTO accounts (username, email, password_hash, level, email_confirmed, created_at, updated_at)
             VALUES (?1, ?2, ?3, ?4, 1, 0, 0) RETURNING id",
            rusqlite::params![username, email, password_hash(), level],
            |r| r.get(0),
        )
        .unwrap();
    let tokens = Tokens::new(
        JWT_SECRET.as_bytes(),
        &app.config.jwt_audience,
        app.config.access_ttl,
    );
    // The session the token belongs to must be open: one unrevoked refresh row of the family.
    let family = format!("content-tests-{id}");
    app.db()
        .execute(
            "INSERT INTO refresh_tokens (token_hash, family, account_id, created_at, expires_at)
             VALUES (randomblob(32), ?1, ?2, 0, 4102444800)",
            rusqlite::params![family, id],
        )
        .unwrap();
    let token = tokens.issue(id, 0, &family).unwrap();
    User {
        id,
        username: username.to_owned(),
        email,
        token,
        refresh: String::new(),
    }
}

/// A test app and its cast: an admin, a moderator and three members.
pub struct World {
    pub app: TestApp,
    pub admin: User,
    pub moderator: User,
    pub alice: User,
    pub bob: User,
    pub carol: User,
}

impl World {
    pub fn new() -> World {
        World::on(TestApp::new())
    }

    pub fn on(app: TestApp) -> World {
        World {
            admin: account(&app, "root", 3),
            moderator: account(&app, "mona", 2),
            alice: account(&app, "alice", 1),
            bob: account(&app, "bob", 1),
            carol: account(&app, "carol", 1),
            app,
        }
    }

    /// A REST request as `who` (anonymous when `None`), with an optional JSON body.
    pub fn rest(&self, method: Method, uri: &str, who: Option<&User>, body: Option<Value>) -> Resp {
        let mut req = self.app.req(method, uri);
        if let Some(user) = who {
            req = req.bearer(&user.token);
        }
        if let Some(body) = body {
            req = req.json_body(&body);
        }
        req.fetch()
    }

    pub fn get(&self, uri: &str, who: &User) -> Resp {
        self.rest(Method::Get, uri, Some(who), None)
    }

    pub fn post(&self, uri: &str, who: &User, body: Value) -> Resp {
        self.rest(Method::Post, uri, Some(who), Some(body))
    }

    pub fn patch(&self, uri: &str, who: &User, body: Value) -> Resp {
        self.rest(Method::Patch, uri, Some(who), Some(body))
    }

    pub fn delete(&self, uri: &str, who: &User) -> Resp {
        self.rest(Method::Delete, uri, Some(who), None)
    }

    /// A seed 000 route with the token in the body, as the seed sends it.
    pub fn seed(&self, path: &str, who: Option<&User>, body: Value) -> Resp {
        let mut body = body;
        if let Some(user) = who {
            body["token"] = json!(user.token);
        }
        self.app.post(path).json_body(&body).fetch()
    }

    /// Creates through REST and returns the new id, panicking unless it answers 201.
    #[track_caller]
    pub fn create(&self, uri: &str, who: &User, body: Value) -> i64 {
        let res = self.post(uri, who, body);
        assert_eq!(res.status, 201, "creating at {uri}: {}", res.text);
        res.body["id"].as_i64().unwrap()
    }

    /// A moderator's decision on a course or an exercise (`courses`, `exercises`).
    #[track_caller]
    pub fn approve(&self, collection: &str, id: i64) {
        let res = self.rest(
            Method::Put,
            &format!("/api/v1/{collection}/{id}/validation"),
            Some(&self.moderator),
            Some(json!({"approved": true})),
        );
        assert_eq!(res.status, 200, "approving {collection} {id}: {}", res.text);
    }

    /// An approved course of the moderator.
    pub fn course(&self) -> i64 {
        self.create(
            "/api/v1/courses",
            &self.moderator,
            json!({"title": "Loops", "content": "for and while"}),
        )
    }

    /// An approved exercise of `author` (approved by the moderator when `author` is a member).
    pub fn exercise(&self, author: &User) -> i64 {
        let course = self.course();
        let id = self.create(
            "/api/v1/exercises",
            author,
            json!({"course_id": course, "title": "FizzBuzz", "instruction": "Print 1 to 100", "grade_max": 20}),
        );
        if self.status_of("exercises", id).as_deref() == Some("pending") {
            self.approve("exercises", id);
        }
        id
    }

    /// A forum category, a forum and a subject (the admin's); returns (forum, subject).
    pub fn forum(&self) -> (i64, i64) {
        let category = self.create(
            "/api/v1/forum/categories",
            &self.admin,
            json!({"name": format!("Category {}", self.app.count("forum_categories"))}),
        );
        let forum = self.create(
            "/api/v1/forum/forums",
            &self.admin,
            json!({"category_id": category, "name": "Help", "description": "Ask here"}),
        );
        let subject = self.create(
            "/api/v1/forum/subjects",
            &self.admin,
            json!({"forum_id": forum, "title": "Welcome"}),
        );
        (forum, subject)
    }

    /// A forum post by `author` in a new subject.
    pub fn forum_post(&self, author: &User) -> i64 {
        let (_, subject) = self.forum();
        self.create(
            "/api/v1/forum/posts",
            author,
            json!({"subject_id": subject, "content": "Hello"}),
        )
    }

    /// A blog category and a post of the admin in it; returns (category, post).
    pub fn blog(&self) -> (i64, i64) {
        let category = self.create(
            "/api/v1/blog/categories",
            &self.admin,
            json!({"name": format!("News {}", self.app.count("blog_categories"))}),
        );
        let post = self.create(
            "/api/v1/blog/posts",
            &self.admin,
            json!({"category_id": category, "title": "Welcome", "content": "Hello all"}),
        );
        (category, post)
    }

    pub fn status_of(&self, table: &str, id: i64) -> Option<String> {
        use rusqlite::OptionalExtension;
        self.app
            .db()
            .query_row(
                &format!("SELECT status FROM {table} WHERE id = ?1"),
                [id],
                |r| r.get(0),
            )
            .optional()
            .unwrap()
    }

    /// One text column of a row (`None` when the row or the value is missing).
    pub fn text(&self, table: &str, column: &str, id: i64) -> Option<String> {
        use rusqlite::OptionalExtension;
        self.app
            .db()
            .query_row(
                &format!("SELECT {column} FROM {table} WHERE id = ?1"),
                [id],
                |r| r.get::<_, Option<String>>(0),
            )
            .optional()
            .unwrap()
            .flatten()
    }

    /// One column of a row as JSON (`Null` when the row is missing).
    pub fn value(&self, table: &str, column: &str, id: i64) -> Value {
        use rusqlite::OptionalExtension;
        use rusqlite::types::Value as Sql;
        let v: Option<Sql> = self
            .app
            .db()
            .query_row(
                &format!("SELECT {column} FROM {table} WHERE id = ?1"),
                [id],
                |r| r.get(0),
            )
            .optional()
            .unwrap();
        match v {
            Some(Sql::Integer(i)) => json!(i),
            Some(Sql::Text(t)) => json!(t),
            Some(Sql::Real(f)) => json!(f),
            _ => Value::Null,
        }
    }

    pub fn exists(&self, table: &str, id: i64) -> bool {
        self.app
            .scalar(&format!("SELECT COUNT(*) FROM {table} WHERE id = ?1"), [id])
            == 1
    }

    /// Every row of every content table, as text: equal snapshots mean nothing was written.
    pub fn snapshot(&self) -> Vec<String> {
        let conn = self.app.db();
        let mut out = Vec::new();
        for table in TABLES {
            let mut stmt = conn.prepare(&format!("SELECT * FROM {table}")).unwrap();
            let columns = stmt.column_count();
            let mut rows: Vec<String> = stmt
                .query_map([], |r| {
                    let mut line = format!("{table}:");
                    for i in 0..columns {
                        let v: rusqlite::types::Value = r.get(i)?;
                        line.push_str(&format!(" {v:?}"));
                    }
                    Ok(line)
                })
                .unwrap()
                .map(Result::unwrap)
                .collect();
            rows.sort();
            out.extend(rows);
        }
        out
    }

    /// Runs `request` and asserts it changed nothing in the database.
    #[track_caller]
    pub fn unchanged(&self, request: impl FnOnce() -> Resp) -> Resp {
        let before = self.snapshot();
        let res = request();
        let after = self.snapshot();
        assert!(
            before == after,
            "the database changed after {} {}",
            res.status,
            res.text
        );
        res
    }
}

/// Asserts a 400 envelope naming `field` ("Validation failed for `field`: …").
#[track_caller]
pub fn assert_invalid(res: &Resp, field: &str) {
    res.assert_error(400, 400, 1400);
    let message = res.body["message"].as_str().unwrap();
    assert!(
        message.starts_with(&format!("Validation failed for `{field}`")),
        "the message names `{field}`: {message}"
    );
    assert_eq!(res.body["field"], json!(field), "{}", res.text);
}

#[track_caller]
pub fn assert_forbidden(res: &Resp) {
    res.assert_error(403, 403, 1403);
}

#[track_caller]
pub fn assert_not_found(res: &Resp) {
    res.assert_error(404, 404, 1404);
}

#[track_caller]
pub fn assert_no_token(res: &Resp) {
    res.assert_error(401, 401, 901);
}

/// The seed's 201 body: `{timestamp, status: 201, path, id}`; returns the id.
#[track_caller]
pub fn assert_seed_created(res: &Resp, path: &str) -> i64 {
    assert_eq!(res.status, 201, "{}", res.text);
    assert_eq!(res.body["status"], json!(201), "{}", res.text);
    assert_eq!(res.body["path"], json!(path), "{}", res.text);
    assert!(
        res.body["timestamp"]
            .as_i64()
            .is_some_and(|t| t > 1_600_000_000_000),
        "{}",
        res.text
    );
    res.body["id"].as_i64().unwrap()
}

/// The seed's update answer: 204 and no body.
#[track_caller]
pub fn assert_seed_updated(res: &Resp) {
    assert_eq!(res.status, 204, "{}", res.text);
    assert!(res.text.is_empty(), "a 204 has no body: {}", res.text);
}

/// A tiny valid PNG (1×1, transparent).
pub fn png() -> Vec<u8> {
    vec![
        0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44,
        0x52, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1F,
        0x15, 0xC4, 0x89, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9C, 0x63, 0x00,
        0x01, 0x00, 0x00, 0x05, 0x00, 0x01, 0x0D, 0x0A, 0x2D, 0xB4, 0x00, 0x00, 0x00, 0x00, 0x49,
        0x45, 0x4E, 0x44, 0xAE, 0x42, 0x60, 0x82,
    ]
}

/// Uploads raw bytes as an avatar.
pub fn upload(w: &World, who: &User, bytes: Vec<u8>) -> Resp {
    w.app
        .post("/api/v1/avatars/upload")
        .bearer(&who.token)
        .header(ContentType::Binary)
        .body(bytes)
        .fetch()
}
