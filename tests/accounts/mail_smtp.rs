//! Issue 16: mail through a real SMTP server (aiosmtpd on the loopback), plain and STARTTLS.

use serde_json::json;

use crate::common::{PASSWORD, RequestExt, TestApp};
use crate::smtp::{self, Certs, Smtp, link_of, path_of, token_of};

fn app_for(port: u16, security: &str, ca: Option<std::path::PathBuf>) -> TestApp {
    TestApp::with(|c| {
        c.smtp_host = Some("127.0.0.1".into());
        c.smtp_port = port;
        c.smtp_security = security.into();
        c.smtp_ca_file = ca;
        c.mail_retry_initial = 1;
        c.smtp_from = "École Test <ecole@example.org>".into();
        c.school_name = "École Test".into();
    })
}

fn outbox_status(app: &TestApp, recipient: &str) -> String {
    app.db()
        .query_row(
            "SELECT status FROM mail_outbox WHERE recipient = ?1 ORDER BY id DESC LIMIT 1",
            [recipient],
            |r| r.get(0),
        )
        .unwrap()
}

fn wait_until(what: &str, mut f: impl FnMut() -> bool) {
    let started = std::time::Instant::now();
    while !f() {
        assert!(
            started.elapsed() < std::time::Duration::from_secs(60),
            "{what} within a minute"
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
}

#[test]
fn confirmation_reset_and_email_change_arrive_over_plain_smtp_with_working_links() {
    if !smtp::available() {
        return;
    }
    let server = Smtp::start(smtp::free_port());
    let app = app_for(server.port, "none", None);
    let user = app.register("alice");

    // The confirmation.
    let m = server.wait_for(1).remove(0);
    assert_eq!(m["rcpt"], json!(["alice@example.org"]));
    assert_eq!(m["subject"], json!("Confirm your École Test account"));
    assert_eq!(m["content_type"], json!("multipart/alternative"));
    assert!(m["html"].as_str().unwrap().contains("<a href="), "{m}");
    let res = app.get(path_of(&link_of(&m))).fetch();
    assert_eq!(res.status, 200, "{}", res.text);
    assert_eq!(
        app.scalar(
            "SELECT email_confirmed FROM accounts WHERE id = ?1",
            [user.id]
        ),
        1
    );
    wait_until("the confirmation is marked sent", || {
        outbox_status(&app, "alice@example.org") == "sent"
    });

    // The password reset.
    let res = app.post_json("/api/v1/auth/password-reset", json!({"login": "alice"}));
    assert_eq!(res.status, 202, "{}", res.text);
    let m = server.wait_for(2).remove(1);
    assert_eq!(m["rcpt"], json!(["alice@example.org"]));
    assert_eq!(m["subject"], json!("Choose a new École Test password"));
    let link = link_of(&m);
    assert!(
        link.starts_with("http://localhost:8000/reset?token="),
        "{link}"
    );
    let page = app.get(path_of(&link)).fetch();
    assert_eq!(page.status, 200);
    assert!(page.text.contains("reset-page.js"), "{}", page.text);
    let res = app.post_json(
        "/api/v1/auth/password-reset/confirm",
        json!({"token": token_of(&link), "password": "Green-Teapot-77"}),
    );
    assert_eq!(res.status, 200, "{}", res.text);
    app.login("alice", "Green-Teapot-77");

    // The email change: to the new address.
    let (token, _) = app.login("alice", "Green-Teapot-77");
    let res = app
        .req(rocket::http::Method::Patch, "/api/v1/me")
        .bearer(&token)
        .json_body(&json!({"email": "alice.new@example.org"}))
        .fetch();
    assert_eq!(res.status, 200, "{}", res.text);
    let m = server.wait_for(3).remove(2);
    assert_eq!(m["rcpt"], json!(["alice.new@example.org"]));
    assert_eq!(
        m["subject"],
        json!("Confirm your new École Test email address")
    );
    let res = app.get(path_of(&link_of(&m))).fetch();
    assert_eq!(res.status, 200, "{}", res.text);
    let email: String = app
        .db()
        .query_row("SELECT email FROM accounts WHERE id = ?1", [user.id], |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(email, "alice.new@example.org");
    assert_eq!(server.messages().len(), 3, "each message once");
    let _ = PASSWORD;
}

#[test]
fn mail_goes_through_starttls_with_the_ca_of_smtp_ca_file() {
    if !smtp::available() {
        return;
    }
    let certs = Certs::new();
    let server = Smtp::start_tls(smtp::free_port(), &certs);
    let app = app_for(server.port, "starttls", Some(certs.ca()));
    app.register("alice");
    let m = server.wait_for(1).remove(0);
    assert_eq!(m["rcpt"], json!(["alice@example.org"]));
    assert_eq!(m["tls"], json!(true));
    assert_eq!(m["subject"], json!("Confirm your École Test account"));
    let res = app.get(path_of(&link_of(&m))).fetch();
    assert_eq!(res.status, 200, "{}", res.text);
}

#[test]
fn mail_goes_through_implicit_tls_with_the_ca_of_smtp_ca_file() {
    if !smtp::available() {
        return;
    }
    let certs = Certs::new();
    let server = Smtp::start_implicit_tls(smtp::free_port(), &certs);
    let app = app_for(server.port, "tls", Some(certs.ca()));
    app.register("alice");
    let m = server.wait_for(1).remove(0);
    assert_eq!(m["rcpt"], json!(["alice@example.org"]));
    assert_eq!(m["subject"], json!("Confirm your École Test account"));
}

#[test]
fn a_server_certificate_no_trusted_ca_signed_gets_no_mail() {
    if !smtp::available() {
        return;
    }
    let certs = Certs::new();
    let server = Smtp::start_tls(smtp::free_port(), &certs);
    let app = app_for(server.port, "starttls", None);
    app.register("alice");
    wait_until("an attempt failed", || {
        app.maybe(
            "SELECT attempts FROM mail_outbox WHERE last_error IS NOT NULL",
            [],
        )
        .is_some()
    });
    assert_eq!(outbox_status(&app, "alice@example.org"), "pending");
    assert!(server.messages().is_empty());
}

/// SMTP down: the messages wait (across a restart of the server too); SMTP back: each arrives
/// once.
#[test]
fn mail_waits_while_smtp_is_down_and_arrives_once_when_it_is_back() {
    if !smtp::available() {
        return;
    }
    let mut server = Smtp::start(smtp::free_port());
    server.stop();
    let app = app_for(server.port, "none", None);
    app.register("alice");
    app.register("bob");
    wait_until("both attempts failed", || {
        app.scalar("SELECT COUNT(*) FROM mail_outbox WHERE attempts >= 1 AND last_error IS NOT NULL AND status = 'pending'", []) == 2
    });
    // Préau restarts while the mail waits; the new worker picks it up.
    let app = app.restart();
    server.resume();
    let got = server.wait_for(2);
    wait_until("both marked sent", || {
        app.scalar("SELECT COUNT(*) FROM mail_outbox WHERE status = 'sent'", []) == 2
    });
    let mut rcpts: Vec<String> = got
        .iter()
        .map(|m| m["rcpt"][0].as_str().unwrap().to_owned())
        .collect();
    rcpts.sort();
    assert_eq!(rcpts, ["alice@example.org", "bob@example.org"]);
    // Nothing more comes: each message once.
    std::thread::sleep(std::time::Duration::from_secs(2));
    assert_eq!(server.messages().len(), 2);
}
