//! Issue 16: a member's sessions (list, end one) and the export of their data.

use rocket::http::{Header, Method};
use serde_json::json;

use crate::common::{PASSWORD, RequestExt, TestApp};

fn login_from(app: &TestApp, ip: &str, ua: &str) -> (String, String) {
    let res = app
        .post("/api/v1/auth/login")
        .remote_ip(ip)
        .header(Header::new("User-Agent", ua.to_owned()))
        .json_body(&json!({"login": "alice", "password": PASSWORD}))
        .fetch();
    assert_eq!(res.status, 200, "{}", res.text);
    (
        res.body["token"].as_str().unwrap().to_owned(),
        res.body["refresh_token"].as_str().unwrap().to_owned(),
    )
}

#[test]
fn sessions_list_each_open_session_with_its_address_and_agent() {
    let app = TestApp::new();
    let user = app.register("alice");
    let (laptop, _) = login_from(&app, "10.5.0.1", "Laptop Firefox");
    let (phone, _) = login_from(&app, "10.5.0.2", "Phone Safari");
    let res = app.get("/api/v1/me/sessions").bearer(&laptop).fetch();
    assert_eq!(res.status, 200, "{}", res.text);
    let list = res.body.as_array().unwrap();
    // The registration's own session and the two logins.
    assert_eq!(list.len(), 3, "{}", res.text);
    let laptop_row = list
        .iter()
        .find(|s| s["user_agent"] == json!("Laptop Firefox"))
        .unwrap();
    assert_eq!(laptop_row["client_ip"], json!("10.5.0.1"));
    assert_eq!(laptop_row["current"], json!(true));
    let phone_row = list
        .iter()
        .find(|s| s["user_agent"] == json!("Phone Safari"))
        .unwrap();
    assert_eq!(phone_row["current"], json!(false));
    assert!(
        phone_row["created_at"].as_i64().unwrap() <= phone_row["last_used_at"].as_i64().unwrap()
    );
    assert_eq!(
        list.iter().filter(|s| s["current"] == json!(true)).count(),
        1
    );
    let _ = (phone, user);
}

#[test]
fn a_refresh_keeps_its_session_and_notes_the_new_address() {
    let app = TestApp::new();
    app.register("alice");
    let (_, refresh) = login_from(&app, "10.5.0.1", "Laptop");
    let res = app
        .post("/api/v1/auth/refresh")
        .remote_ip("10.5.0.9")
        .header(Header::new("User-Agent", "Laptop"))
        .json_body(&json!({"refresh_token": refresh}))
        .fetch();
    assert_eq!(res.status, 200, "{}", res.text);
    let token = res.body["token"].as_str().unwrap();
    let list = app.get("/api/v1/me/sessions").bearer(token).fetch().body;
    let current: Vec<_> = list
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["current"] == json!(true))
        .collect();
    assert_eq!(current.len(), 1);
    assert_eq!(current[0]["client_ip"], json!("10.5.0.9"));
    assert_eq!(list.as_array().unwrap().len(), 2, "{list}");
}

#[test]
fn ending_a_session_kills_its_access_and_refresh_tokens_at_once() {
    let app = TestApp::new();
    app.register("alice");
    let (laptop, _) = login_from(&app, "10.5.0.1", "Laptop");
    let (phone, phone_refresh) = login_from(&app, "10.5.0.2", "Phone");
    let list = app.get("/api/v1/me/sessions").bearer(&laptop).fetch().body;
    let id = list
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["user_agent"] == json!("Phone"))
        .unwrap()["id"]
        .as_i64()
        .unwrap();
    let res = app
        .req(Method::Delete, format!("/api/v1/me/sessions/{id}"))
        .bearer(&laptop)
        .fetch();
    assert_eq!(res.status, 204, "{}", res.text);
    app.get("/api/v1/me")
        .bearer(&phone)
        .fetch()
        .assert_error(401, 401, 902);
    app.post_json(
        "/api/v1/auth/refresh",
        json!({"refresh_token": phone_refresh}),
    )
    .assert_error(401, 401, 902);
    assert_eq!(app.get("/api/v1/me").bearer(&laptop).fetch().status, 200);
    // Once more: nothing left to end.
    app.req(Method::Delete, format!("/api/v1/me/sessions/{id}"))
        .bearer(&laptop)
        .fetch()
        .assert_error(404, 404, 1404);
}

#[test]
fn a_member_cannot_end_another_members_session() {
    let app = TestApp::new();
    let alice = app.register("alice");
    let bob = app.register("bob");
    let list = app
        .get("/api/v1/me/sessions")
        .bearer(&alice.token)
        .fetch()
        .body;
    let id = list[0]["id"].as_i64().unwrap();
    app.req(Method::Delete, format!("/api/v1/me/sessions/{id}"))
        .bearer(&bob.token)
        .fetch()
        .assert_error(404, 404, 1404);
    assert_eq!(
        app.get("/api/v1/me").bearer(&alice.token).fetch().status,
        200
    );
}

#[test]
fn admins_see_and_end_an_accounts_sessions() {
    let app = TestApp::new();
    let admin = app.admin("root");
    let alice = app.register("alice");
    let res = app
        .get(format!("/api/v1/accounts/{}/sessions", alice.id))
        .bearer(&admin.token)
        .fetch();
    assert_eq!(res.status, 200, "{}", res.text);
    let id = res.body[0]["id"].as_i64().unwrap();
    app.get(format!("/api/v1/accounts/{}/sessions", alice.id))
        .bearer(&alice.token)
        .fetch()
        .assert_error(403, 403, 1403);
    let res = app
        .req(
            Method::Delete,
            format!("/api/v1/accounts/{}/sessions/{id}", alice.id),
        )
        .bearer(&admin.token)
        .fetch();
    assert_eq!(res.status, 204);
    app.get("/api/v1/me")
        .bearer(&alice.token)
        .fetch()
        .assert_error(401, 401, 902);
}

#[test]
fn the_export_holds_the_accounts_data_and_no_secret() {
    let app = TestApp::new();
    let alice = app.register("alice");
    let bob = app.register("bob");
    let db = app.db();
    db.execute(
        "INSERT INTO notifications (account_id, kind, message, created_at) VALUES (?1, 'report_finished', 'Your report was handled.', 1)",
        [alice.id],
    )
    .unwrap();
    db.execute(
        "INSERT INTO notifications (account_id, kind, message, created_at) VALUES (?1, 'report_finished', 'Not alice''s.', 1)",
        [bob.id],
    )
    .unwrap();
    drop(db);
    let res = app.get("/api/v1/me/export").bearer(&alice.token).fetch();
    assert_eq!(res.status, 200, "{}", res.text);
    let disposition = res.header("content-disposition").unwrap();
    assert!(
        disposition.starts_with("attachment;") && disposition.contains("preau-export-alice.json"),
        "{disposition}"
    );
    assert_eq!(res.body["account"]["username"], json!("alice"));
    assert_eq!(res.body["account"]["email"], json!("alice@example.org"));
    assert!(res.body["account"].get("password_hash").is_none());
    let notes = res.body["data"]["notifications"].as_array().unwrap();
    assert_eq!(notes.len(), 1);
    assert_eq!(notes[0]["message"], json!("Your report was handled."));
    for table in [
        "attempts",
        "attempt_codes",
        "courses",
        "forum_posts",
        "blog_comments",
    ] {
        assert!(res.body["data"][table].is_array(), "{table}: {}", res.text);
    }
    assert!(res.body["data"]["grades"].is_array());
    assert!(res.body["data"]["grades_given"].is_array());
    assert!(res.body["data"]["reports_filed"].is_array());
    assert!(res.body["data"].get("refresh_tokens").is_none());
    assert!(res.body["data"].get("mail_outbox").is_none());
    assert!(!res.text.contains("Not alice"), "{}", res.text);
    assert!(!res.text.contains("$argon2"), "{}", res.text);
    app.get("/api/v1/me/export")
        .fetch()
        .assert_error(401, 401, 901);
}
