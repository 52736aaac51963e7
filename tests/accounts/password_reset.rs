//! Issue 16: forgotten passwords, setup links and invites.

use serde_json::{Value, json};

use crate::common::{PASSWORD, RequestExt, TestApp};

const NEW: &str = "Green-Teapot-77";

/// The token of the newest email of `kind` in the outbox.
pub fn mailed_token(app: &TestApp, kind: &str) -> String {
    let text: String = app
        .db()
        .query_row(
            "SELECT body_text FROM mail_outbox WHERE kind = ?1 ORDER BY id DESC LIMIT 1",
            [kind],
            |r| r.get(0),
        )
        .unwrap();
    let line = text.lines().find(|l| l.contains("token=")).unwrap();
    line.split_once("token=").unwrap().1.trim().to_owned()
}

fn ask(app: &TestApp, login: &str, ip: &str) -> crate::common::Resp {
    app.post("/api/v1/auth/password-reset")
        .remote_ip(ip)
        .json_body(&json!({ "login": login }))
        .fetch()
}

fn confirm(app: &TestApp, token: &str, password: &str) -> crate::common::Resp {
    app.post_json(
        "/api/v1/auth/password-reset/confirm",
        json!({"token": token, "password": password}),
    )
}

fn hash_of(app: &TestApp, id: i64) -> String {
    app.db()
        .query_row(
            "SELECT password_hash FROM accounts WHERE id = ?1",
            [id],
            |r| r.get(0),
        )
        .unwrap()
}

fn admin_post(app: &TestApp, token: &str, uri: &str, body: Value) -> crate::common::Resp {
    app.post(uri).bearer(token).json_body(&body).fetch()
}

#[test]
fn a_reset_request_answers_the_same_for_known_and_unknown_logins() {
    let app = TestApp::new();
    app.register("alice");
    let known = ask(&app, "alice", "10.1.0.1");
    let unknown = ask(&app, "nobody-here", "10.1.0.2");
    assert_eq!(known.status, 202, "{}", known.text);
    assert_eq!(unknown.status, 202, "{}", unknown.text);
    assert_eq!(known.body, unknown.body);
    assert_eq!(app.scalar("SELECT COUNT(*) FROM mail_outbox WHERE kind = 'password_reset' AND recipient = 'alice@example.org'", []), 1);
    assert_eq!(app.count("password_links"), 1);
    // By email too.
    assert_eq!(ask(&app, "alice@example.org", "10.1.0.3").status, 202);
    assert_eq!(
        app.scalar(
            "SELECT COUNT(*) FROM mail_outbox WHERE kind = 'password_reset'",
            []
        ),
        2
    );
}

/// Like the login's enumeration test: the reset request does the same work for an unknown
/// login (the email is queued, not sent, so no SMTP time shows). A loose bound (factor 3 on
/// medians).
#[test]
fn a_reset_request_takes_the_same_time_for_known_and_unknown_logins() {
    let app = TestApp::with(|c| {
        c.password_reset_max_per_login = 100;
        c.password_reset_max_per_ip = 100;
    });
    app.register("alice");
    let time = |login: &str, n: u8| {
        let started = std::time::Instant::now();
        let res = ask(&app, login, &format!("10.8.{}.{n}", login.len()));
        assert_eq!(res.status, 202, "{}", res.text);
        started.elapsed().as_secs_f64() * 1000.0
    };
    let median = |mut v: Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    let (mut unknown, mut known) = (Vec::new(), Vec::new());
    for n in 0..11 {
        unknown.push(time("nobody-here", n));
        known.push(time("alice", n));
    }
    let (unknown, known) = (median(unknown), median(known));
    println!("reset enumeration: unknown {unknown:.2} ms, known {known:.2} ms (medians of 11)");
    let ratio = unknown / known;
    assert!(
        (1.0 / 3.0..3.0).contains(&ratio),
        "unknown {unknown:.2} ms vs known {known:.2} ms"
    );
}

#[test]
fn the_reset_link_sets_the_password_and_ends_every_session() {
    let app = TestApp::new();
    let user = app.register("alice");
    assert_eq!(ask(&app, "alice", "10.1.0.1").status, 202);
    let token = mailed_token(&app, "password_reset");
    let res = confirm(&app, &token, NEW);
    assert_eq!(res.status, 200, "{}", res.text);
    assert_eq!(res.body["username"], json!("alice"));
    // The old session is over: access and refresh tokens.
    app.get("/api/v1/me")
        .bearer(&user.token)
        .fetch()
        .assert_error(401, 401, 902);
    app.post_json(
        "/api/v1/auth/refresh",
        json!({"refresh_token": user.refresh}),
    )
    .assert_error(401, 401, 902);
    app.post_json(
        "/auth/login",
        json!({"login": "alice", "password": PASSWORD}),
    )
    .assert_error(401, 401, 1102);
    app.login("alice", NEW);
    assert_eq!(
        app.scalar(
            "SELECT COUNT(*) FROM password_links WHERE used_at IS NULL",
            []
        ),
        0
    );
}

#[test]
fn a_reset_link_used_twice_is_refused_and_changes_nothing() {
    let app = TestApp::new();
    let user = app.register("alice");
    ask(&app, "alice", "10.1.0.1");
    let token = mailed_token(&app, "password_reset");
    assert_eq!(confirm(&app, &token, NEW).status, 200);
    let hash = hash_of(&app, user.id);
    let res = confirm(&app, &token, "Other-Teapot-88");
    res.assert_error(400, 400, 1206);
    assert_eq!(res.body["field"], json!("token"));
    assert_eq!(hash_of(&app, user.id), hash);
}

#[test]
fn an_expired_reset_link_is_refused_and_changes_nothing() {
    let app = TestApp::new();
    let user = app.register("alice");
    ask(&app, "alice", "10.1.0.1");
    let token = mailed_token(&app, "password_reset");
    app.db()
        .execute("UPDATE password_links SET expires_at = 1", [])
        .unwrap();
    let hash = hash_of(&app, user.id);
    confirm(&app, &token, NEW).assert_error(400, 400, 1207);
    assert_eq!(hash_of(&app, user.id), hash);
    app.get("/api/v1/me").bearer(&user.token).fetch();
    app.login("alice", PASSWORD);
}

#[test]
fn a_forged_reset_link_is_refused() {
    let app = TestApp::new();
    let user = app.register("alice");
    let hash = hash_of(&app, user.id);
    let res = confirm(&app, "forged-token-forged-token-forged", NEW);
    res.assert_error(400, 400, 1205);
    assert_eq!(res.body["field"], json!("token"));
    assert_eq!(hash_of(&app, user.id), hash);
}

#[test]
fn the_reset_link_of_a_deleted_account_is_refused() {
    let app = TestApp::new();
    let user = app.register("alice");
    ask(&app, "alice", "10.1.0.1");
    let token = mailed_token(&app, "password_reset");
    let res = app
        .req(rocket::http::Method::Delete, "/api/v1/me")
        .bearer(&user.token)
        .fetch();
    assert_eq!(res.status, 204);
    confirm(&app, &token, NEW).assert_error(400, 400, 1205);
    assert_eq!(app.count("accounts"), 0);
}

#[test]
fn a_weak_password_is_refused_and_the_link_still_works() {
    let app = TestApp::new();
    app.register("alice");
    ask(&app, "alice", "10.1.0.1");
    let token = mailed_token(&app, "password_reset");
    let res = confirm(&app, &token, "password");
    res.assert_error(409, 409, 1003);
    assert_eq!(res.body["field"], json!("password"));
    assert_eq!(confirm(&app, &token, NEW).status, 200);
}

#[test]
fn a_reset_request_needs_a_login_and_confirm_needs_token_and_password() {
    let app = TestApp::new();
    let res = app.post_json("/api/v1/auth/password-reset", json!({}));
    res.assert_error(400, 400, 1400);
    assert_eq!(res.body["field"], json!("login"));
    let res = app.post_json("/api/v1/auth/password-reset", json!({"login": "  "}));
    assert_eq!(res.body["field"], json!("login"));
    let res = app.post_json("/api/v1/auth/password-reset/confirm", json!({"token": "x"}));
    res.assert_error(400, 400, 1400);
    assert_eq!(res.body["field"], json!("password"));
}

#[test]
fn reset_requests_are_limited_per_login_alike_for_known_and_unknown() {
    let app = TestApp::new();
    app.register("alice");
    for login in ["alice", "nobody-here"] {
        for n in 0..3 {
            assert_eq!(ask(&app, login, &format!("10.2.0.{n}")).status, 202);
        }
        let res = ask(&app, login, "10.2.0.9");
        res.assert_error(429, 429, 1208);
        let retry: i64 = res.header("retry-after").unwrap().parse().unwrap();
        assert!((1..=3600).contains(&retry), "{retry}");
    }
    // Three links went out for alice, no more.
    assert_eq!(
        app.scalar(
            "SELECT COUNT(*) FROM mail_outbox WHERE kind = 'password_reset'",
            []
        ),
        3
    );
}

#[test]
fn reset_requests_are_limited_per_address() {
    let app = TestApp::with(|c| c.password_reset_max_per_ip = 2);
    ask(&app, "a-name", "10.3.0.1");
    ask(&app, "b-name", "10.3.0.1");
    ask(&app, "c-name", "10.3.0.1").assert_error(429, 429, 1208);
    assert_eq!(ask(&app, "c-name", "10.3.0.2").status, 202);
}

#[test]
fn the_reset_email_is_in_the_accounts_language() {
    let app = TestApp::new();
    let res = app
        .post("/api/v1/auth/register")
        .header(rocket::http::Header::new(
            "Accept-Language",
            "fr-FR,fr;q=0.9,en;q=0.5",
        ))
        .json_body(
            &json!({"username": "amelie", "password": PASSWORD, "email": "amelie@example.org"}),
        )
        .fetch();
    assert_eq!(res.status, 201, "{}", res.text);
    assert_eq!(res.body["account"]["locale"], json!("fr"));
    let subject: String = app
        .db()
        .query_row(
            "SELECT subject FROM mail_outbox WHERE kind = 'confirmation'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(subject, "Confirmez votre compte Préau");
    // Asked in English, written in the account's French.
    app.post("/api/v1/auth/password-reset")
        .header(rocket::http::Header::new("Accept-Language", "en"))
        .json_body(&json!({"login": "amelie"}))
        .fetch();
    let (subject, html): (String, String) = app
        .db()
        .query_row(
            "SELECT subject, body_html FROM mail_outbox WHERE kind = 'password_reset'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!(subject, "Choisissez un nouveau mot de passe Préau");
    assert!(
        html.contains("<a href=\"http://localhost:8000/reset?token="),
        "{html}"
    );
}

// ---- setup links and invites -------------------------------------------------------------

#[test]
fn an_admin_makes_a_setup_link_that_sets_the_password() {
    let app = TestApp::new();
    let admin = app.admin("root");
    let user = app.register("alice");
    let res = admin_post(
        &app,
        &admin.token,
        &format!("/api/v1/accounts/{}/setup-link", user.id),
        json!({}),
    );
    assert_eq!(res.status, 201, "{}", res.text);
    assert_eq!(res.body["emailed"], json!(false));
    let link = res.body["link"].as_str().unwrap();
    assert!(
        link.starts_with("http://localhost:8000/reset?token="),
        "{link}"
    );
    let token = link.split_once("token=").unwrap().1;
    assert_eq!(confirm(&app, token, NEW).status, 200);
    app.login("alice", NEW);
    app.get("/api/v1/me")
        .bearer(&user.token)
        .fetch()
        .assert_error(401, 401, 902);
    assert_eq!(
        app.scalar(
            "SELECT COUNT(*) FROM audit_log WHERE action = 'setup_link' AND target_id = ?1",
            [user.id]
        ),
        1
    );
}

#[test]
fn only_admins_make_setup_links() {
    let app = TestApp::new();
    let user = app.register("alice");
    let bob = app.register("bob");
    admin_post(
        &app,
        &bob.token,
        &format!("/api/v1/accounts/{}/setup-link", user.id),
        json!({}),
    )
    .assert_error(403, 403, 1403);
    assert_eq!(app.count("password_links"), 0);
    let admin = app.admin("root");
    admin_post(
        &app,
        &admin.token,
        "/api/v1/accounts/4242/setup-link",
        json!({}),
    )
    .assert_error(404, 404, 1404);
}

#[test]
fn an_invited_account_has_no_usable_password_until_its_setup_link_is_used() {
    let app = TestApp::with(|c| c.registration = "invite".into());
    let admin = app.admin("root");
    let res = admin_post(
        &app,
        &admin.token,
        "/api/v1/accounts",
        json!({"username": "pupil", "email": "pupil@example.org", "locale": "fr", "send_email": true}),
    );
    assert_eq!(res.status, 201, "{}", res.text);
    assert_eq!(res.body["account"]["must_set_password"], json!(true));
    assert_eq!(res.body["emailed"], json!(true));
    let id = res.body["account"]["id"].as_i64().unwrap();
    let token = res.body["link"]
        .as_str()
        .unwrap()
        .split_once("token=")
        .unwrap()
        .1
        .to_owned();
    // The emailed link is the same account's, in French.
    let subject: String = app
        .db()
        .query_row(
            "SELECT subject FROM mail_outbox WHERE kind = 'setup'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(subject, "Votre compte Préau est prêt");
    // No password works before the link.
    app.post_json(
        "/auth/login",
        json!({"login": "pupil", "password": PASSWORD}),
    )
    .assert_error(401, 401, 1102);
    assert_eq!(confirm(&app, &token, NEW).status, 200);
    app.login("pupil", NEW);
    assert_eq!(
        app.scalar("SELECT must_set_password FROM accounts WHERE id = ?1", [id]),
        0
    );
}

#[test]
fn an_invite_puts_the_account_in_its_group() {
    let app = TestApp::new();
    let admin = app.admin("root");
    let group = admin_post(
        &app,
        &admin.token,
        "/api/v1/groups",
        json!({"name": "2nde A"}),
    );
    assert_eq!(group.status, 201, "{}", group.text);
    let group = group.body["id"].as_i64().unwrap();
    let res = admin_post(
        &app,
        &admin.token,
        "/api/v1/accounts",
        json!({"username": "pupil", "group_id": group}),
    );
    assert_eq!(res.status, 201, "{}", res.text);
    assert_eq!(res.body["account"]["group_id"], json!(group));
}

#[test]
fn an_invite_refuses_bad_input_naming_the_field() {
    let app = TestApp::new();
    let admin = app.admin("root");
    let res = admin_post(
        &app,
        &admin.token,
        "/api/v1/accounts",
        json!({"username": "pupil", "email": "not-an-email"}),
    );
    res.assert_error(400, 400, 1400);
    assert_eq!(res.body["field"], json!("email"));
    let res = admin_post(
        &app,
        &admin.token,
        "/api/v1/accounts",
        json!({"email": "p@example.org"}),
    );
    assert_eq!(res.body["field"], json!("username"));
    let res = admin_post(
        &app,
        &admin.token,
        "/api/v1/accounts",
        json!({"username": "pupil", "locale": "de"}),
    );
    assert_eq!(res.body["field"], json!("locale"));
    let res = admin_post(
        &app,
        &admin.token,
        "/api/v1/accounts",
        json!({"username": "pupil", "group_id": 999}),
    );
    res.assert_error(400, 400, 1400);
    assert_eq!(res.body["field"], json!("group_id"));
    assert_eq!(app.count("accounts"), 1);
    let member = app.register("bob");
    admin_post(
        &app,
        &member.token,
        "/api/v1/accounts",
        json!({"username": "pupil"}),
    )
    .assert_error(403, 403, 1403);
}
