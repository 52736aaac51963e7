//! Bad input (SPEC 4.3): each gets the envelope with a message naming the field and the rule,
//! never a 500, never HTML and never a partial write.

use rocket::http::{ContentType, Method};
use serde_json::json;

use crate::common::{PASSWORD, RequestExt, Resp, TestApp};

/// Rows of every table the accounts work writes.
fn footprint(app: &TestApp) -> Vec<i64> {
    [
        "accounts",
        "refresh_tokens",
        "email_confirmations",
        "login_attempts",
    ]
    .iter()
    .map(|t| app.count(t))
    .collect()
}

fn post_raw(app: &TestApp, uri: &str, body: impl AsRef<[u8]>) -> Resp {
    app.post(uri).header(ContentType::JSON).body(body).fetch()
}

#[test]
fn malformed_json_is_400_and_writes_nothing() {
    let app = TestApp::new();
    app.register("alice");
    let before = footprint(&app);
    for uri in [
        "/auth/register",
        "/auth/login",
        "/api/v1/auth/register",
        "/register",
    ] {
        let res = post_raw(&app, uri, r#"{"username": "bob", "password": "#);
        res.assert_error(400, 400, 1400);
        assert!(
            res.body["message"]
                .as_str()
                .unwrap()
                .contains("not valid JSON"),
            "{}",
            res.text
        );
        assert_eq!(res.body["path"], json!(uri));
    }
    assert_eq!(footprint(&app), before);
}

#[test]
fn a_body_that_is_not_an_object_is_400() {
    let app = TestApp::new();
    for body in [
        "[1, 2]",
        "\"text\"",
        "42",
        r#"{"username": "bob"} trailing"#,
    ] {
        post_raw(&app, "/auth/register", body).assert_error(400, 400, 1400);
    }
    assert_eq!(app.count("accounts"), 0);
}

#[test]
fn a_field_of_the_wrong_type_is_400_naming_it() {
    let app = TestApp::new();
    let res = app.post_json(
        "/auth/register",
        json!({"username": 5, "password": PASSWORD}),
    );
    res.assert_error(400, 400, 1400);
    assert_eq!(res.body["field"], json!("username"));
    assert!(
        res.body["message"].as_str().unwrap().contains("`username`"),
        "{}",
        res.text
    );
    let res = app.post_json(
        "/api/v1/auth/login",
        json!({"login": "alice", "password": ["x"]}),
    );
    res.assert_error(400, 400, 1400);
    assert_eq!(res.body["field"], json!("password"));
    assert_eq!(app.count("accounts"), 0);
    assert_eq!(app.count("login_attempts"), 0);
}

#[test]
fn a_string_over_its_limit_is_400_naming_the_field_and_the_limit() {
    let app = TestApp::new();
    let res = app.post_json(
        "/auth/register",
        json!({"username": "a".repeat(200), "password": PASSWORD}),
    );
    res.assert_error(400, 400, 1400);
    assert_eq!(res.body["field"], json!("username"));
    assert!(
        res.body["message"].as_str().unwrap().contains("at most 32"),
        "{}",
        res.text
    );
    let res = app.post_json("/auth/register", json!({"username": "bob", "password": PASSWORD, "email": format!("{}@example.org", "a".repeat(300))}));
    res.assert_error(400, 400, 1400);
    assert_eq!(res.body["field"], json!("email"));
    assert_eq!(app.count("accounts"), 0);
}

#[test]
fn control_characters_in_a_name_are_400() {
    let app = TestApp::new();
    let res = app.post_json(
        "/auth/register",
        json!({"username": "bob", "password": PASSWORD, "firstname": "Bob\u{0}by"}),
    );
    res.assert_error(400, 400, 1400);
    assert_eq!(res.body["field"], json!("firstname"));
}

#[test]
fn a_non_utf8_body_is_400() {
    let app = TestApp::new();
    let res = post_raw(
        &app,
        "/auth/register",
        [b'{', b'"', 0xff, 0xfe, b'"', b':', b'1', b'}'],
    );
    res.assert_error(400, 400, 1400);
    let res = app
        .post("/register")
        .header(ContentType::Form)
        .body([b'u', b'=', 0xff])
        .fetch();
    assert!(res.status < 500, "{}", res.text);
    assert_eq!(app.count("accounts"), 0);
}

#[test]
fn a_body_over_the_json_limit_is_413() {
    let app = TestApp::new();
    let big = format!(
        r#"{{"username": "bob", "password": "{PASSWORD}", "firstname": "{}"}}"#,
        "a".repeat(1024 * 1024 + 10)
    );
    for uri in ["/auth/register", "/register", "/api/v1/auth/login"] {
        let res = post_raw(&app, uri, &big);
        res.assert_error(413, 413, 1413);
        assert_eq!(res.body["error"], json!("Payload Too Large"));
    }
    assert_eq!(app.count("accounts"), 0);
}

#[test]
fn an_unknown_route_is_a_404_json_envelope_never_html() {
    let app = TestApp::new();
    for (method, uri) in [
        (Method::Get, "/nope"),
        (Method::Post, "/api/v1/nope"),
        (Method::Get, "/api/v1/accounts/1/nope"),
    ] {
        let res = app.req(method, uri).fetch();
        res.assert_error(404, 404, 1404);
        assert!(!res.text.contains("<html"), "{}", res.text);
        assert_eq!(res.body["path"], json!(uri));
    }
}

#[test]
fn a_known_path_with_another_method_is_a_405_with_allow() {
    let app = TestApp::new();
    for (method, uri, allow) in [
        (Method::Delete, "/auth/login", "POST"),
        (Method::Put, "/api/v1/courses", "GET, POST"),
        (Method::Trace, "/health", "GET"),
        // A fixed path beside an `<id>` route: the id route does not take it for a bad id.
        (Method::Patch, "/api/v1/avatars/upload", "POST"),
        (Method::Delete, "/api/v1/avatars/upload", "POST"),
        (Method::Get, "/api/v1/avatars/upload", "POST"),
    ] {
        let res = app.req(method, uri).fetch();
        res.assert_error(405, 405, 1405);
        assert_eq!(res.header("Allow"), Some(allow), "{method} {uri}");
        assert_eq!(res.body["path"], json!(uri));
    }
}

#[test]
fn a_path_or_query_parameter_of_the_wrong_type_is_400() {
    let app = TestApp::new();
    let user = app.register("alice");
    let res = app.get("/api/v1/accounts/abc").bearer(&user.token).fetch();
    res.assert_error(400, 400, 1400);
    for (uri, field) in [
        ("/api/v1/accounts?limit=abc", "limit"),
        ("/api/v1/accounts?level=x", "level"),
        ("/api/v1/accounts?group=1.5", "group"),
    ] {
        let res = app.get(uri).bearer(&user.token).fetch();
        res.assert_error(400, 400, 1400);
        assert_eq!(res.body["field"], json!(field), "{uri}: {}", res.text);
    }
    let admin = app.admin("root");
    for uri in [
        "/api/v1/admin/bans?limit=ten",
        "/api/v1/admin/attempts?limit=ten",
    ] {
        let res = app.get(uri).bearer(&admin.token).fetch();
        res.assert_error(400, 400, 1400);
        assert_eq!(res.body["field"], json!("limit"), "{uri}: {}", res.text);
    }
    // An empty integer is not an integer (the document says integer); an empty cursor is the
    // first page.
    let res = app
        .get("/api/v1/accounts?limit=&cursor=")
        .bearer(&user.token)
        .fetch();
    res.assert_error(400, 400, 1400);
    assert_eq!(res.body["field"], json!("limit"));
    assert_eq!(
        app.get("/api/v1/accounts?cursor=")
            .bearer(&user.token)
            .fetch()
            .status,
        200
    );
    let res = app.post("/get_level?id=abc").bearer(&user.token).fetch();
    res.assert_error(400, 400, 1400);
    assert_eq!(res.body["field"], json!("id"));
}

#[test]
fn errors_never_show_a_password_hash() {
    let app = TestApp::new();
    let user = app.register("alice");
    for res in [
        app.get("/api/v1/me").bearer(&user.token).fetch(),
        app.get(format!("/api/v1/accounts/{}", user.id))
            .bearer(&user.token)
            .fetch(),
        app.get("/api/v1/accounts").bearer(&user.token).fetch(),
        app.post(format!("/getuser?id={}", user.id))
            .bearer(&user.token)
            .fetch(),
    ] {
        assert!(
            !res.text.contains("argon2") && !res.text.contains("password_hash"),
            "{}",
            res.text
        );
    }
}
