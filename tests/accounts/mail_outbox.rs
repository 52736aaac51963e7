//! Issue 16: the mail outbox — written with its cause, sent by the worker, retried, failed
//! after a bounded time, listed and retried by admins.

use rocket::http::Method;
use serde_json::json;

use crate::common::{PASSWORD, RequestExt, TestApp};

fn wait_until(what: &str, mut f: impl FnMut() -> bool) {
    let started = std::time::Instant::now();
    while !f() {
        assert!(
            started.elapsed() < std::time::Duration::from_secs(60),
            "{what} within a minute"
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}

/// An SMTP address where nothing listens: every attempt fails at once.
fn closed_port() -> u16 {
    crate::smtp::free_port()
}

fn unreachable_smtp(c: &mut preau::Config) {
    c.smtp_host = Some("127.0.0.1".into());
    c.smtp_port = closed_port();
    c.smtp_security = "none".into();
    c.mail_retry_initial = 1;
}

#[test]
fn a_registration_writes_its_confirmation_email_in_the_outbox() {
    let app = TestApp::new();
    let user = app.register("alice");
    let (kind, recipient, account, text): (String, String, i64, String) = app
        .db()
        .query_row(
            "SELECT kind, recipient, account_id, body_text FROM mail_outbox",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .unwrap();
    assert_eq!(
        (kind.as_str(), recipient.as_str(), account),
        ("confirmation", "alice@example.org", user.id)
    );
    assert!(
        text.contains("http://localhost:8000/api/v1/auth/confirm?token="),
        "{text}"
    );
    // Without SMTP the worker logs it and marks it sent.
    wait_until("sent", || {
        app.scalar("SELECT COUNT(*) FROM mail_outbox WHERE status = 'sent'", []) == 1
    });
}

#[test]
fn a_refused_registration_writes_no_email() {
    let app = TestApp::new();
    app.register("alice");
    let res = app.post_json(
        "/api/v1/auth/register",
        json!({"username": "alice", "password": PASSWORD, "email": "other@example.org"}),
    );
    res.assert_error(409, 409, 1002);
    assert_eq!(app.count("mail_outbox"), 1);
}

#[test]
fn an_email_that_cannot_be_sent_waits_and_is_failed_after_its_attempts() {
    let app = TestApp::with(|c| {
        unreachable_smtp(c);
        c.mail_max_attempts = 2;
    });
    app.register("alice");
    wait_until("failed", || {
        app.scalar(
            "SELECT COUNT(*) FROM mail_outbox WHERE status = 'failed'",
            [],
        ) == 1
    });
    let (attempts, error): (i64, String) = app
        .db()
        .query_row("SELECT attempts, last_error FROM mail_outbox", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .unwrap();
    assert_eq!(attempts, 2);
    assert!(!error.is_empty());
}

#[test]
fn an_email_is_failed_past_mail_max_age() {
    let app = TestApp::with(|c| {
        unreachable_smtp(c);
        c.mail_max_age = 1;
    });
    app.register("alice");
    wait_until("failed", || {
        app.scalar(
            "SELECT COUNT(*) FROM mail_outbox WHERE status = 'failed'",
            [],
        ) == 1
    });
    assert_eq!(app.scalar("SELECT attempts FROM mail_outbox", []), 1);
}

#[test]
fn pending_mail_is_sent_after_a_restart() {
    let app = TestApp::with(unreachable_smtp);
    app.register("alice");
    wait_until("an attempt failed", || {
        app.maybe(
            "SELECT attempts FROM mail_outbox WHERE last_error IS NOT NULL",
            [],
        )
        .is_some()
    });
    assert_eq!(
        app.scalar(
            "SELECT COUNT(*) FROM mail_outbox WHERE status = 'pending'",
            []
        ),
        1
    );
    // The same database, started again with a working (log) transport.
    let mut app = app;
    app.config.smtp_host = None;
    app.config.mail_retry_initial = 1;
    let app = app.restart();
    app.db()
        .execute("UPDATE mail_outbox SET next_attempt_at = 0", [])
        .unwrap();
    let restarted = app.restart();
    wait_until("sent", || {
        restarted.scalar("SELECT COUNT(*) FROM mail_outbox WHERE status = 'sent'", []) == 1
    });
}

#[test]
fn admins_list_the_outbox_by_status_and_retry_a_failed_email() {
    let app = TestApp::with(|c| {
        unreachable_smtp(c);
        c.mail_max_attempts = 1;
    });
    let admin = app.admin("root");
    app.register("alice");
    app.register("bob");
    wait_until("failed", || {
        app.scalar(
            "SELECT COUNT(*) FROM mail_outbox WHERE status = 'failed'",
            [],
        ) == 2
    });
    let res = app
        .get("/api/v1/admin/mail?status=failed&limit=1")
        .bearer(&admin.token)
        .fetch();
    assert_eq!(res.status, 200, "{}", res.text);
    assert_eq!(res.body["items"].as_array().unwrap().len(), 1);
    assert!(res.body["next_cursor"].is_string());
    let first = &res.body["items"][0];
    assert_eq!(first["recipient"], json!("bob@example.org"));
    assert_eq!(first["status"], json!("failed"));
    assert!(first.get("body_text").is_none(), "the link is not shown");
    let cursor = res.body["next_cursor"].as_str().unwrap();
    let res = app
        .get(format!(
            "/api/v1/admin/mail?status=failed&limit=1&cursor={cursor}"
        ))
        .bearer(&admin.token)
        .fetch();
    assert_eq!(
        res.body["items"][0]["recipient"],
        json!("alice@example.org")
    );
    assert!(res.body["next_cursor"].is_null());
    let empty = app
        .get("/api/v1/admin/mail?status=sent")
        .bearer(&admin.token)
        .fetch();
    assert_eq!(empty.body["items"], json!([]));

    let id = first["id"].as_i64().unwrap();
    let res = app
        .req(Method::Post, format!("/api/v1/admin/mail/{id}/retry"))
        .bearer(&admin.token)
        .fetch();
    assert_eq!(res.status, 200, "{}", res.text);
    assert_eq!(res.body["status"], json!("pending"));
    assert_eq!(res.body["attempts"], json!(0));
    // The retry is tried (and fails again with this server).
    wait_until("tried again", || {
        app.scalar("SELECT attempts FROM mail_outbox WHERE id = ?1", [id]) == 1
            && app.scalar(
                "SELECT status = 'failed' FROM mail_outbox WHERE id = ?1",
                [id],
            ) == 1
    });
}

#[test]
fn the_outbox_refuses_bad_input_and_non_admins() {
    let app = TestApp::new();
    let admin = app.admin("root");
    let member = app.register("alice");
    let res = app
        .get("/api/v1/admin/mail?status=lost")
        .bearer(&admin.token)
        .fetch();
    res.assert_error(400, 400, 1400);
    assert_eq!(res.body["field"], json!("status"));
    app.get("/api/v1/admin/mail")
        .bearer(&member.token)
        .fetch()
        .assert_error(403, 403, 1403);
    app.req(Method::Post, "/api/v1/admin/mail/4242/retry")
        .bearer(&admin.token)
        .fetch()
        .assert_error(404, 404, 1404);
    wait_until("sent", || {
        app.scalar("SELECT COUNT(*) FROM mail_outbox WHERE status = 'sent'", []) == 1
    });
    let id = app.scalar("SELECT id FROM mail_outbox", []);
    app.req(Method::Post, format!("/api/v1/admin/mail/{id}/retry"))
        .bearer(&admin.token)
        .fetch()
        .assert_error(409, 409, 1409);
}

#[test]
fn an_email_change_confirms_the_new_address_and_keeps_the_old_one_until_then() {
    let app = TestApp::new();
    let user = app.register("alice");
    let res = app
        .req(Method::Patch, "/api/v1/me")
        .bearer(&user.token)
        .json_body(&json!({"email": "alice.new@example.org"}))
        .fetch();
    assert_eq!(res.status, 200, "{}", res.text);
    // Still the old one: a reset by the old address reaches the old address.
    app.login("alice@example.org", PASSWORD);
    let token = crate::password_reset::mailed_token(&app, "email_change");
    let res = app
        .get(format!("/api/v1/auth/email-change/confirm?token={token}"))
        .fetch();
    assert_eq!(res.status, 200, "{}", res.text);
    assert_eq!(res.body["email"], json!("alice.new@example.org"));
    app.login("alice.new@example.org", PASSWORD);
    assert!(
        app.maybe(
            "SELECT pending_email FROM accounts WHERE id = ?1",
            [user.id]
        )
        .is_none()
    );
    // The link works once.
    app.get(format!("/api/v1/auth/email-change/confirm?token={token}"))
        .fetch()
        .assert_error(400, 400, 1205);
}

#[test]
fn an_email_change_to_a_taken_address_is_refused() {
    let app = TestApp::new();
    let alice = app.register("alice");
    app.register("bob");
    let res = app
        .req(Method::Patch, "/api/v1/me")
        .bearer(&alice.token)
        .json_body(&json!({"email": "BOB@example.org"}))
        .fetch();
    res.assert_error(409, 409, 1004);
    assert_eq!(res.body["field"], json!("email"));
    assert_eq!(app.count("email_changes"), 0);
    let res = app
        .req(Method::Patch, "/api/v1/me")
        .bearer(&alice.token)
        .json_body(&json!({"email": "not-an-address"}))
        .fetch();
    res.assert_error(400, 400, 1400);
    assert_eq!(res.body["field"], json!("email"));
}

#[test]
fn an_unreadable_smtp_ca_file_is_refused_at_start() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = crate::common::test_config(&dir);
    config.smtp_host = Some("127.0.0.1".into());
    config.smtp_ca_file = Some(dir.path().join("missing-ca.pem"));
    let Err(err) = preau::build(config) else {
        panic!("a missing CA file is refused")
    };
    assert!(err.contains("smtp_ca_file"), "{err}");
}
