//! The test harness: every test builds its own Préau on its own temporary SQLite file, so
//! tests run in parallel and never see each other's data.
//!
//! `TestApp` wraps a Rocket local client (untracked: cookies are sent only when a test asks,
//! so one member's cookie never leaks into another member's request) and a way into the
//! database to assert what was written.

#![allow(dead_code, clippy::unwrap_used)]

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;

use preau::Config;
use rocket::http::{ContentType, Header, Method};
use rocket::local::blocking::{Client, LocalRequest};
use rusqlite::Connection;
use serde_json::{Value, json};
use tempfile::TempDir;

/// A strong password every helper uses unless a test says otherwise.
pub const PASSWORD: &str = "Blue-Kettle-42";
/// The JWT secret of the test configuration, so tests can forge tokens.
pub const JWT_SECRET: &str = "test-secret-test-secret-test-secret-0123456789";

pub struct TestApp {
    pub client: Client,
    pub config: Config,
    /// Kept alive for as long as the app: dropping it deletes the database.
    dir: TempDir,
}

/// Someone with a session.
#[derive(Debug, Clone)]
pub struct User {
    pub id: i64,
    pub username: String,
    pub email: String,
    pub token: String,
    pub refresh: String,
}

/// A response, read whole.
#[derive(Debug)]
pub struct Resp {
    pub status: u16,
    pub body: Value,
    pub text: String,
    headers: HashMap<String, Vec<String>>,
}

impl Resp {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .get(&name.to_ascii_lowercase())
            .and_then(|v| v.first())
            .map(String::as_str)
    }

    pub fn set_cookies(&self) -> Vec<String> {
        self.headers.get("set-cookie").cloned().unwrap_or_default()
    }

    /// The value the response sets for cookie `name`, if any.
    pub fn cookie(&self, name: &str) -> Option<String> {
        self.set_cookies().iter().find_map(|c| {
            let first = c.split(';').next()?;
            let (k, v) = first.split_once('=')?;
            (k.trim() == name).then(|| v.trim().to_owned())
        })
    }

    /// Asserts the error envelope: HTTP status, envelope status and code, and the common fields.
    #[track_caller]
    pub fn assert_error(&self, http: u16, status: u64, code: u64) {
        assert_eq!(self.status, http, "HTTP status; body: {}", self.text);
        assert_eq!(
            self.header("content-type"),
            Some("application/json"),
            "{}",
            self.text
        );
        assert_eq!(
            self.body["status"],
            json!(status),
            "envelope status: {}",
            self.text
        );
        assert_eq!(
            self.body["code"],
            json!(code),
            "envelope code: {}",
            self.text
        );
        assert!(
            self.body["timestamp"]
                .as_i64()
                .is_some_and(|t| t > 1_600_000_000_000),
            "timestamp in ms: {}",
            self.text
        );
        assert!(
            self.body["error"].as_str().is_some_and(|e| !e.is_empty()),
            "error: {}",
            self.text
        );
        assert!(
            self.body["message"].as_str().is_some_and(|m| !m.is_empty()),
            "message: {}",
            self.text
        );
        assert!(self.body["path"].is_string(), "path: {}", self.text);
    }
}

/// Shortcuts on Rocket's local requests.
pub trait RequestExt {
    fn bearer(self, token: &str) -> Self;
    fn remote_ip(self, ip: &str) -> Self;
    fn json_body(self, body: &Value) -> Self;
    fn cookie_value(self, name: &str, value: &str) -> Self;
    fn fetch(self) -> Resp;
}

impl RequestExt for LocalRequest<'_> {
    fn bearer(self, token: &str) -> Self {
        self.header(Header::new("Authorization", format!("Bearer {token}")))
    }

    fn remote_ip(self, ip: &str) -> Self {
        let ip: IpAddr = ip.parse().unwrap();
        self.remote(SocketAddr::new(ip, 40000))
    }

    fn json_body(self, body: &Value) -> Self {
        self.header(ContentType::JSON).body(body.to_string())
    }

    fn cookie_value(self, name: &str, value: &str) -> Self {
        self.cookie(rocket::http::Cookie::new(name.to_owned(), value.to_owned()))
    }

    fn fetch(self) -> Resp {
        let res = self.dispatch();
        let status = res.status().code;
        let mut headers: HashMap<String, Vec<String>> = HashMap::new();
        for h in res.headers().iter() {
            headers
                .entry(h.name().as_str().to_ascii_lowercase())
                .or_default()
                .push(h.value().to_owned());
        }
        let text = res.into_string().unwrap_or_default();
        let body = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or(Value::String(text.clone()))
        };
        Resp {
            status,
            body,
            text,
            headers,
        }
    }
}

/// The configuration of every test app: its own database, no request log, a known JWT secret.
pub fn test_config(dir: &TempDir) -> Config {
    Config {
        database: dir.path().join("preau.db"),
        data_dir: dir.path().join("data"),
        log_requests: false,
        jwt_secret: Some(JWT_SECRET.to_owned()),
        ..Config::default()
    }
}

fn client_for(config: Config) -> Client {
    let rocket = preau::build(config).unwrap();
    Client::untracked(rocket).unwrap()
}

impl TestApp {
    pub fn new() -> TestApp {
        TestApp::with(|_| {})
    }

    /// An app whose configuration `tweak` adjusts (the database path is already set).
    pub fn with(tweak: impl FnOnce(&mut Config)) -> TestApp {
        let dir = tempfile::tempdir().unwrap();
        let mut config = test_config(&dir);
        tweak(&mut config);
        TestApp {
            client: client_for(config.clone()),
            config,
            dir,
        }
    }

    /// The same database served by a freshly built app, as after a server restart.
    pub fn restart(self) -> TestApp {
        let TestApp {
            client,
            config,
            dir,
        } = self;
        drop(client);
        TestApp {
            client: client_for(config.clone()),
            config,
            dir,
        }
    }

    /// A second, independent app on the same database (a tracked client: it keeps cookies).
    pub fn tracked_client(&self) -> rocket::local::blocking::Client {
        let rocket = preau::build(self.config.clone()).unwrap();
        Client::tracked(rocket).unwrap()
    }

    pub fn db_path(&self) -> PathBuf {
        self.config.database.clone()
    }

    /// A plain SQLite connection to the test database, for assertions and setup.
    pub fn db(&self) -> Connection {
        let conn = Connection::open(self.db_path()).unwrap();
        conn.busy_timeout(std::time::Duration::from_secs(10))
            .unwrap();
        conn
    }

    pub fn count(&self, table: &str) -> i64 {
        self.db()
            .query_row(&format!("SELECT COUNT(*) FROM {table}"), [], |r| r.get(0))
            .unwrap()
    }

    /// One integer of the database.
    pub fn scalar(&self, sql: &str, params: impl rusqlite::Params) -> i64 {
        self.db().query_row(sql, params, |r| r.get(0)).unwrap()
    }

    /// One integer of the database, `None` when no row or a NULL.
    pub fn maybe(&self, sql: &str, params: impl rusqlite::Params) -> Option<i64> {
        use rusqlite::OptionalExtension;
        self.db()
            .query_row(sql, params, |r| r.get::<_, Option<i64>>(0))
            .optional()
            .unwrap()
            .flatten()
    }

    pub fn req(&self, method: Method, uri: impl ToString) -> LocalRequest<'_> {
        self.client.req(method, uri.to_string())
    }

    pub fn get(&self, uri: impl ToString) -> LocalRequest<'_> {
        self.req(Method::Get, uri)
    }

    pub fn post(&self, uri: impl ToString) -> LocalRequest<'_> {
        self.req(Method::Post, uri)
    }

    pub fn post_json(&self, uri: impl ToString, body: Value) -> Resp {
        self.post(uri).json_body(&body).fetch()
    }

    /// Registers a member through seed 001's `/auth/register`; `email` is `<name>@example.org`.
    pub fn register(&self, username: &str) -> User {
        let email = format!("{}@example.org", username.to_lowercase());
        let res = self.post_json(
            "/auth/register",
            json!({"username": username, "password": PASSWORD, "email": email, "firstname": "Ada", "lastname": "Lovelace"}),
        );
        assert_eq!(res.status, 201, "registering {username}: {}", res.text);
        User {
            id: res.body["id"].as_i64().unwrap(),
            username: username.to_owned(),
            email,
            token: res.body["token"].as_str().unwrap().to_owned(),
            refresh: res.body["refresh_token"].as_str().unwrap().to_owned(),
        }
    }

    /// Logs in through `/auth/login`; panics unless it succeeds.
    pub fn login(&self, login: &str, password: &str) -> (String, String) {
        let res = self.post_json("/auth/login", json!({"login": login, "password": password}));
        assert_eq!(res.status, 200, "logging in {login}: {}", res.text);
        (
            res.body["token"].as_str().unwrap().to_owned(),
            res.body["refresh_token"].as_str().unwrap().to_owned(),
        )
    }

    /// A new session for `user` (after something made its tokens die).
    pub fn relogin(&self, user: &User) -> User {
        let (token, refresh) = self.login(&user.username, PASSWORD);
        User {
            token,
            refresh,
            ..user.clone()
        }
    }

    /// An admin created as `preau admin create` does, then logged in.
    pub fn admin(&self, username: &str) -> User {
        let email = format!("{}@example.org", username.to_lowercase());
        let mut conn = self.db();
        let id =
            preau::accounts::service::create_admin(&mut conn, username, &email, PASSWORD).unwrap();
        drop(conn);
        let (token, refresh) = self.login(username, PASSWORD);
        User {
            id,
            username: username.to_owned(),
            email,
            token,
            refresh,
        }
    }

    /// A registered member raised to moderator, then logged in again.
    pub fn moderator(&self, username: &str) -> User {
        let user = self.register(username);
        self.set_level(user.id, 2);
        self.relogin(&user)
    }

    /// Sets a level straight in the database (as an admin's change would, tokens included).
    pub fn set_level(&self, id: i64, level: i64) {
        self.db()
            .execute(
                "UPDATE accounts SET level = ?2, token_version = token_version + 1 WHERE id = ?1",
                [id, level],
            )
            .unwrap();
    }

    pub fn account_exists(&self, id: i64) -> bool {
        self.scalar("SELECT COUNT(*) FROM accounts WHERE id = ?1", [id]) == 1
    }
}

/// `s` percent-encoded for a query string or a path segment.
pub fn enc(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Asserts that no string anywhere in `body` contains `secret`.
#[track_caller]
pub fn assert_never_contains(res: &Resp, secret: &str) {
    assert!(
        !res.text.contains(secret),
        "the response shows a secret: {}",
        res.text
    );
}
