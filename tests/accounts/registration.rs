//! Issue 16: `registration = open | invite | closed` and `registration_domains`, the same on
//! every face.

use serde_json::json;

use crate::common::{PASSWORD, RequestExt, TestApp, enc};

fn every_face(app: &TestApp, name: &str, email: &str) -> Vec<crate::common::Resp> {
    let body = json!({"username": name, "password": PASSWORD, "email": email});
    vec![
        app.post_json("/api/v1/auth/register", body.clone()),
        app.post_json("/auth/register", body.clone()),
        app.post(format!("/register?data={}", enc(&body.to_string())))
            .fetch(),
    ]
}

#[test]
fn with_registration_invite_no_face_creates_an_account() {
    let app = TestApp::with(|c| c.registration = "invite".into());
    for res in every_face(&app, "alice", "alice@example.org") {
        res.assert_error(403, 403, 1006);
    }
    assert_eq!(app.count("accounts"), 0);
    assert_eq!(app.count("mail_outbox"), 0);
}

#[test]
fn with_registration_closed_no_face_creates_an_account() {
    let app = TestApp::with(|c| c.registration = "closed".into());
    for res in every_face(&app, "alice", "alice@example.org") {
        res.assert_error(403, 403, 1006);
    }
    assert_eq!(app.count("accounts"), 0);
}

#[test]
fn registration_domains_limit_self_registration_to_the_schools_addresses() {
    let app = TestApp::with(|c| c.registration_domains = vec!["ecole.example".into()]);
    for res in every_face(&app, "alice", "alice@elsewhere.example") {
        res.assert_error(403, 403, 1007);
        assert_eq!(res.body["field"], json!("email"));
    }
    assert_eq!(app.count("accounts"), 0);
    let res = app.post_json(
        "/api/v1/auth/register",
        json!({"username": "alice", "password": PASSWORD, "email": "alice@ECOLE.example"}),
    );
    assert_eq!(res.status, 201, "{}", res.text);
}

#[test]
fn an_unknown_registration_setting_is_refused_at_start() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = crate::common::test_config(&dir);
    config.registration = "sometimes".into();
    let Err(err) = preau::build(config) else {
        panic!("an unknown registration setting is refused")
    };
    assert!(err.contains("registration"), "{err}");
}
