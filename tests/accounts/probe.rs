//! Findings of the outside probe (issue 12) on accounts and sessions: each test failed
//! before its fix.

use rocket::http::{Header, Method};
use serde_json::json;

use crate::common::{PASSWORD, RequestExt, Resp, TestApp, enc};

const WRONG: &str = "Wrong-Pass-99";
const HOME: &str = "10.1.1.1";

fn failed_login(app: &TestApp, login: &str, ip: &str) -> Resp {
    app.post("/auth/login")
        .remote_ip(ip)
        .json_body(&json!({"login": login, "password": WRONG}))
        .fetch()
}

#[test]
fn the_attempts_figure_never_tells_which_email_belongs_to_an_account() {
    let app = TestApp::new();
    app.register("nina");
    app.register("bob");
    failed_login(&app, "nina", HOME).assert_error(401, 401, 1102);
    // The account's own count is now 2, but the answer for an address shows that address's.
    let known = failed_login(&app, "nina@example.org", HOME);
    let unknown = failed_login(&app, "nobody@example.org", HOME);
    assert_eq!(known.body["attempts"], json!(1), "{}", known.text);
    assert_eq!(unknown.body["attempts"], json!(1), "{}", unknown.text);
    assert_eq!(known.body["attempts"], unknown.body["attempts"]);
    // The account still counts both: the third failure bans it.
    failed_login(&app, "NINA", HOME).assert_error(429, 429, 1103);
}

#[test]
fn the_email_taken_answer_is_rate_limited() {
    let app = TestApp::new();
    app.register("alice");
    let bob = app.register("bob");
    let change = |email: &str| {
        app.req(Method::Patch, "/api/v1/me")
            .bearer(&bob.token)
            .json_body(&json!({"email": email}))
            .fetch()
    };
    for _ in 0..5 {
        change("alice@example.org").assert_error(409, 409, 1004);
    }
    let limited = change("alice@example.org");
    limited.assert_error(429, 429, 1005);
    assert_eq!(limited.body["field"], json!("email"));
    assert!(limited.header("retry-after").is_some());
    // Once limited, a free address answers the same: the answer tells nothing more.
    change("free@example.org").assert_error(429, 429, 1005);
    let email: String = app
        .db()
        .query_row("SELECT email FROM accounts WHERE id = ?1", [bob.id], |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(email, "bob@example.org", "nothing changed");
}

#[test]
fn registering_with_taken_emails_is_rate_limited_per_address() {
    let app = TestApp::new();
    app.register("alice");
    let register = |name: &str| {
        app.post("/auth/register")
            .remote_ip(HOME)
            .json_body(
                &json!({"username": name, "password": PASSWORD, "email": "alice@example.org"}),
            )
            .fetch()
    };
    for i in 0..5 {
        register(&format!("probe{i}")).assert_error(409, 409, 1004);
    }
    register("probe9").assert_error(429, 429, 1005);
    assert_eq!(app.count("accounts"), 1);
}

#[test]
fn with_any_origin_cors_never_allows_credentials() {
    let app = TestApp::with(|c| c.cors_origins = vec!["*".into()]);
    let res = app
        .post("/api/v1/auth/refresh")
        .header(Header::new("Origin", "https://evil.example"))
        .fetch();
    assert_eq!(res.header("access-control-allow-origin"), Some("*"));
    assert_eq!(res.header("access-control-allow-credentials"), None);
    let named = TestApp::with(|c| c.cors_origins = vec!["https://app.example.org".into()]);
    let res = named
        .get("/health")
        .header(Header::new("Origin", "https://app.example.org"))
        .fetch();
    assert_eq!(
        res.header("access-control-allow-origin"),
        Some("https://app.example.org")
    );
    assert_eq!(res.header("access-control-allow-credentials"), Some("true"));
}

#[test]
fn answers_that_carry_tokens_are_never_cached() {
    let app = TestApp::new();
    let user = app.register("alice");
    let login = app.post_json(
        "/api/v1/auth/login",
        json!({"login": "alice", "password": PASSWORD}),
    );
    let refresh = app.post_json(
        "/api/v1/auth/refresh",
        json!({"refresh_token": user.refresh}),
    );
    let seed = app.post(format!("/login/alice/{}", enc(PASSWORD))).fetch();
    let register = app.post_json(
        "/api/v1/auth/register",
        json!({"username": "bobby", "password": PASSWORD}),
    );
    for res in [login, refresh, seed, register] {
        assert!(res.status < 300, "{}", res.text);
        assert_eq!(
            res.header("cache-control"),
            Some("no-store"),
            "{}",
            res.text
        );
    }
}

#[test]
fn a_username_that_looks_like_another_is_refused() {
    let app = TestApp::new();
    app.register("admin");
    let res = app.post_json(
        "/auth/register",
        json!({"username": "\u{430}dmin", "password": PASSWORD}),
    );
    assert_eq!(res.status, 400, "{}", res.text);
    assert_eq!(res.body["field"], json!("username"));
    assert_eq!(app.count("accounts"), 1);
}

#[test]
fn updating_another_account_answers_as_a_missing_one_does() {
    let app = TestApp::new();
    let alice = app.register("alice");
    let bob = app.register("bob");
    let update = |id: i64| {
        app.post(format!("/update?id={id}&token={}", bob.token))
            .json_body(&json!({"firstname": "Eve"}))
            .fetch()
    };
    let other = update(alice.id);
    let missing = update(99_999);
    assert_eq!(
        other.status, missing.status,
        "{} / {}",
        other.text, missing.text
    );
    assert_eq!(other.body["code"], missing.body["code"]);
    assert_eq!(other.body["message"], missing.body["message"]);
}

#[test]
fn an_ipv6_client_is_counted_by_its_64() {
    let app = TestApp::new();
    app.register("alice");
    failed_login(&app, "alice", "2001:db8:5:6::1");
    let second = failed_login(&app, "alice", "2001:db8:5:6:ffff::2");
    assert_eq!(second.body["attempts"], json!(2), "{}", second.text);
    let elsewhere = failed_login(&app, "alice", "2001:db8:5:7::1");
    assert_eq!(elsewhere.body["attempts"], json!(1), "{}", elsewhere.text);
}
