//! Seeds 001 + 002: `/auth/register`, `/auth/login`, `/auth/refresh`, `/auth/changePassword`,
//! `/auth/logout` (SPEC 5.1).

use serde_json::json;

use crate::common::{PASSWORD, RequestExt, TestApp, assert_never_contains};

fn me_status(app: &TestApp, token: &str) -> u16 {
    app.get("/api/v1/me").bearer(token).fetch().status
}

fn refresh_status(app: &TestApp, refresh: &str) -> u16 {
    app.post_json("/auth/refresh", json!({"refresh_token": refresh}))
        .status
}

// ---- register ----------------------------------------------------------------------------

#[test]
fn register_answers_201_with_the_session_and_the_account() {
    let app = TestApp::new();
    let res = app.post_json(
        "/auth/register",
        json!({"username": "johnDoe", "password": PASSWORD, "email": "johndoe@gmail.com", "firstname": "John", "lastname": "Doe"}),
    );
    assert_eq!(res.status, 201, "{}", res.text);
    let b = &res.body;
    assert_eq!(b["error"], json!(null));
    assert!(
        b["token"]
            .as_str()
            .is_some_and(|t| t.split('.').count() == 3),
        "a JWT: {}",
        res.text
    );
    assert!(
        b["refresh_token"].as_str().is_some_and(|t| t.len() >= 32),
        "{}",
        res.text
    );
    assert_eq!(b["ttl"], json!(3600));
    assert_eq!(b["username"], json!("johnDoe"));
    assert_eq!(b["email"], json!("johndoe@gmail.com"));
    assert_eq!(b["firstname"], json!("John"));
    assert_eq!(b["lastname"], json!("Doe"));
    let id = b["id"].as_i64().unwrap();
    assert_never_contains(&res, PASSWORD);

    let (username, level, hash, confirmed): (String, i64, String, bool) = app
        .db()
        .query_row(
            "SELECT username, level, password_hash, email_confirmed FROM accounts WHERE id = ?1",
            [id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .unwrap();
    assert_eq!((username.as_str(), level, confirmed), ("johnDoe", 1, false));
    // argon2id at OWASP's minimum or stronger (m=19 MiB, t=2, p=1).
    assert!(
        hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
        "{hash}"
    );
    assert_eq!(
        app.scalar(
            "SELECT COUNT(*) FROM refresh_tokens WHERE account_id = ?1",
            [id]
        ),
        1
    );
    // The refresh token is stored hashed, never as sent.
    let stored: i64 = app.scalar(
        "SELECT COUNT(*) FROM refresh_tokens WHERE CAST(token_hash AS TEXT) = ?1",
        [b["refresh_token"].as_str().unwrap()],
    );
    assert_eq!(stored, 0);
    // An email was given: a confirmation link waits, stored hashed.
    assert_eq!(
        app.scalar(
            "SELECT COUNT(*) FROM email_confirmations WHERE account_id = ?1",
            [id]
        ),
        1
    );
}

#[test]
fn register_token_opens_a_session_at_once() {
    let app = TestApp::new();
    let user = app.register("alice");
    let me = app.get("/api/v1/me").bearer(&user.token).fetch();
    assert_eq!(me.status, 200, "{}", me.text);
    assert_eq!(me.body["username"], json!("alice"));
    assert_eq!(refresh_status(&app, &user.refresh), 200);
}

#[test]
fn register_with_only_username_and_password_is_enough() {
    let app = TestApp::new();
    let res = app.post_json(
        "/auth/register",
        json!({"username": "minimal", "password": PASSWORD}),
    );
    assert_eq!(res.status, 201, "{}", res.text);
    assert_eq!(res.body["email"], json!(null));
    assert_eq!(res.body["firstname"], json!(null));
    assert_eq!(app.count("accounts"), 1);
    assert_eq!(app.count("email_confirmations"), 0);
}

#[test]
fn register_without_username_or_password_is_409_1001() {
    let app = TestApp::new();
    for (body, field) in [
        (json!({"password": PASSWORD}), "username"),
        (json!({"username": "bob"}), "password"),
        (json!({"username": "  ", "password": PASSWORD}), "username"),
        (json!({"username": "bob", "password": ""}), "password"),
        (json!({}), "username"),
    ] {
        let res = app.post_json("/auth/register", body.clone());
        res.assert_error(409, 409, 1001);
        assert_eq!(res.body["path"], json!("/auth/register"));
        assert_eq!(res.body["field"], json!(field), "{body}: {}", res.text);
    }
    assert_eq!(app.count("accounts"), 0);
}

#[test]
fn register_refuses_a_taken_username_whatever_its_case_with_1002() {
    let app = TestApp::new();
    app.register("Marie");
    for name in ["Marie", "marie", "MARIE"] {
        let res = app.post_json(
            "/auth/register",
            json!({"username": name, "password": PASSWORD}),
        );
        res.assert_error(409, 409, 1002);
        assert_eq!(res.body["field"], json!("username"));
    }
    assert_eq!(app.count("accounts"), 1);
    assert_eq!(app.count("refresh_tokens"), 1);
}

#[test]
fn register_refuses_a_taken_email_whatever_its_case_with_1004() {
    let app = TestApp::new();
    app.register("marie");
    let res = app.post_json(
        "/auth/register",
        json!({"username": "other", "password": PASSWORD, "email": "MARIE@example.org"}),
    );
    res.assert_error(409, 409, 1004);
    assert_eq!(res.body["field"], json!("email"));
    assert_eq!(app.count("accounts"), 1);
}

#[test]
fn register_refuses_weak_passwords_with_1003() {
    let app = TestApp::new();
    for (password, why) in [
        ("Ab1!xyz", "at least 8"),
        ("abcdefgh1!", "upper-case"),
        ("ABCDEFGH1!", "lower-case"),
        ("Abcdefghi!", "digit"),
        ("Abcdefgh12", "special"),
        ("P@ssw0rd1", "common"),
        ("Password123!", "common"),
        ("Azerty123!", "common"),
        ("Gaston-1987!", "username"),
    ] {
        let res = app.post_json(
            "/auth/register",
            json!({"username": "gaston", "password": password}),
        );
        res.assert_error(409, 409, 1003);
        assert_eq!(res.body["error"], json!("Password Not Secure"));
        let message = res.body["message"].as_str().unwrap();
        assert!(
            message.contains(why),
            "{password}: `{message}` should say {why}"
        );
        assert_never_contains(&res, password);
    }
    let too_long = format!("Aa1!{}", "x".repeat(200));
    app.post_json(
        "/auth/register",
        json!({"username": "gaston", "password": too_long}),
    )
    .assert_error(409, 409, 1003);
    assert_eq!(app.count("accounts"), 0);
}

#[test]
fn register_refuses_an_invalid_username_or_email_naming_the_field() {
    let app = TestApp::new();
    for (body, field) in [
        (json!({"username": "ab", "password": PASSWORD}), "username"),
        (
            json!({"username": "a@b.fr", "password": PASSWORD}),
            "username",
        ),
        (
            json!({"username": "x".repeat(33), "password": PASSWORD}),
            "username",
        ),
        (
            json!({"username": "valid", "password": PASSWORD, "email": "not-an-email"}),
            "email",
        ),
        (
            json!({"username": "valid", "password": PASSWORD, "firstname": "x".repeat(101)}),
            "firstname",
        ),
    ] {
        let res = app.post_json("/auth/register", body);
        res.assert_error(400, 400, 1400);
        assert_eq!(res.body["field"], json!(field), "{}", res.text);
        assert!(
            res.body["message"]
                .as_str()
                .unwrap()
                .contains(&format!("`{field}`")),
            "{}",
            res.text
        );
    }
    assert_eq!(app.count("accounts"), 0);
}

// ---- login -------------------------------------------------------------------------------

#[test]
fn login_by_username_answers_200_with_a_session() {
    let app = TestApp::new();
    let user = app.register("alice");
    let res = app.post_json(
        "/auth/login",
        json!({"username": "alice", "password": PASSWORD}),
    );
    assert_eq!(res.status, 200, "{}", res.text);
    assert_eq!(res.body["error"], json!(null));
    assert_eq!(res.body["ttl"], json!(3600));
    let token = res.body["token"].as_str().unwrap();
    assert!(
        res.body["refresh_token"]
            .as_str()
            .is_some_and(|t| !t.is_empty())
    );
    assert_never_contains(&res, PASSWORD);
    assert_eq!(me_status(&app, token), 200);
    // One session from the registration, one from this login.
    assert_eq!(
        app.scalar(
            "SELECT COUNT(DISTINCT family) FROM refresh_tokens WHERE account_id = ?1",
            [user.id]
        ),
        2
    );
}

#[test]
fn login_accepts_the_email_in_login_as_seed_001_says() {
    let app = TestApp::new();
    app.register("alice");
    let res = app.post_json(
        "/auth/login",
        json!({"login": "alice@example.org", "password": PASSWORD}),
    );
    assert_eq!(res.status, 200, "{}", res.text);
    let res = app.post_json(
        "/auth/login",
        json!({"login": "ALICE", "password": PASSWORD}),
    );
    assert_eq!(
        res.status, 200,
        "a login name is case-insensitive: {}",
        res.text
    );
    let res = app.post_json(
        "/auth/login",
        json!({"email": "alice@example.org", "password": PASSWORD}),
    );
    assert_eq!(res.status, 200, "{}", res.text);
}

#[test]
fn login_without_a_name_or_a_password_is_409_1101() {
    let app = TestApp::new();
    app.register("alice");
    for body in [
        json!({"password": PASSWORD}),
        json!({"username": "alice"}),
        json!({}),
        json!({"login": " ", "password": PASSWORD}),
    ] {
        app.post_json("/auth/login", body)
            .assert_error(409, 409, 1101);
    }
    assert_eq!(
        app.count("login_attempts"),
        0,
        "an incomplete body is not a failed login"
    );
}

#[test]
fn login_with_a_wrong_password_is_401_1102_with_the_counters() {
    let app = TestApp::new();
    app.register("alice");
    let res = app.post_json(
        "/auth/login",
        json!({"username": "alice", "password": "Wrong-Kettle-42"}),
    );
    res.assert_error(401, 401, 1102);
    assert_eq!(res.body["error"], json!("Incorrect Inputs"));
    assert_eq!(res.body["attempts"], json!(1));
    assert_eq!(res.body["max_attempts"], json!(3));
    assert_eq!(res.body["cooldown"], json!(3600));
    assert_eq!(res.body["path"], json!("/auth/login"));
    assert_never_contains(&res, "Wrong-Kettle-42");
    assert_eq!(res.header("www-authenticate"), Some("Bearer"));
    assert_eq!(
        app.scalar(
            "SELECT failures FROM login_attempts WHERE subject LIKE 'account:%'",
            []
        ),
        1
    );
}

#[test]
fn login_sets_an_httponly_samesite_strict_refresh_cookie() {
    let app = TestApp::new();
    app.register("alice");
    let res = app.post_json(
        "/auth/login",
        json!({"login": "alice", "password": PASSWORD}),
    );
    assert_eq!(res.status, 200);
    let cookie = res
        .set_cookies()
        .into_iter()
        .find(|c| c.starts_with("preau_refresh="))
        .expect("a refresh cookie");
    assert!(cookie.contains("HttpOnly"), "{cookie}");
    assert!(cookie.contains("SameSite=Strict"), "{cookie}");
    assert!(cookie.contains("Path=/"), "{cookie}");
    assert_eq!(
        res.cookie("preau_refresh").as_deref(),
        res.body["refresh_token"].as_str()
    );
}

#[test]
fn passwords_are_checked_exactly_as_received() {
    let app = TestApp::new();
    let long = format!("Aa1!{}", "k".repeat(124));
    let res = app.post_json(
        "/auth/register",
        json!({"username": "alice", "password": long}),
    );
    assert_eq!(res.status, 201, "{}", res.text);
    app.login("alice", &long);
    let mut near = long.clone();
    near.pop();
    near.push('K');
    for wrong in [
        near,
        format!("{long} "),
        long[..72].to_owned(),
        long.to_uppercase(),
    ] {
        let res = app
            .post("/auth/login")
            .remote_ip("10.1.1.1")
            .json_body(&json!({"login": "alice", "password": wrong}))
            .fetch();
        assert_eq!(res.status, 401, "{wrong}: {}", res.text);
        app.db().execute("DELETE FROM login_attempts", []).unwrap();
    }
}

// ---- refresh -----------------------------------------------------------------------------

#[test]
fn refresh_with_the_token_in_the_body_rotates_it() {
    let app = TestApp::new();
    let user = app.register("alice");
    let res = app.post_json("/auth/refresh", json!({"refresh_token": user.refresh}));
    assert_eq!(res.status, 200, "{}", res.text);
    assert_eq!(res.body["error"], json!(null));
    assert_eq!(res.body["ttl"], json!(3600));
    let new_refresh = res.body["refresh_token"].as_str().unwrap();
    assert_ne!(new_refresh, user.refresh);
    assert_eq!(me_status(&app, res.body["token"].as_str().unwrap()), 200);
    // The old token is spent, the new one lives, both in the same family.
    assert_eq!(
        app.scalar(
            "SELECT COUNT(*) FROM refresh_tokens WHERE account_id = ?1 AND used_at IS NOT NULL",
            [user.id]
        ),
        1
    );
    assert_eq!(
        app.scalar(
            "SELECT COUNT(DISTINCT family) FROM refresh_tokens WHERE account_id = ?1",
            [user.id]
        ),
        1
    );
    assert_eq!(res.cookie("preau_refresh").as_deref(), Some(new_refresh));
}

#[test]
fn refresh_needs_no_input_with_the_login_cookie() {
    let app = TestApp::new();
    app.register("alice");
    let browser = app.tracked_client();
    let login = browser
        .post("/auth/login")
        .header(rocket::http::ContentType::JSON)
        .body(json!({"login": "alice", "password": PASSWORD}).to_string())
        .dispatch();
    assert_eq!(login.status().code, 200);
    drop(login);
    for _ in 0..2 {
        let res = browser.post("/auth/refresh").dispatch();
        assert_eq!(
            res.status().code,
            200,
            "the cookie alone refreshes, and keeps rotating"
        );
        let body: serde_json::Value = serde_json::from_str(&res.into_string().unwrap()).unwrap();
        assert!(body["token"].is_string());
    }
}

#[test]
fn refresh_with_the_token_in_a_cookie_or_the_authorization_header() {
    let app = TestApp::new();
    let user = app.register("alice");
    let res = app
        .post("/auth/refresh")
        .cookie_value("preau_refresh", &user.refresh)
        .fetch();
    assert_eq!(res.status, 200, "{}", res.text);
    let next = res.body["refresh_token"].as_str().unwrap();
    let res = app.post("/auth/refresh").bearer(next).fetch();
    assert_eq!(
        res.status, 200,
        "an opaque bearer is a refresh token: {}",
        res.text
    );
}

#[test]
fn refresh_without_a_token_is_401_901() {
    let app = TestApp::new();
    let res = app.post("/auth/refresh").fetch();
    res.assert_error(401, 401, 901);
    assert_eq!(res.body["error"], json!("No Token Detected"));
    app.post_json("/auth/refresh", json!({}))
        .assert_error(401, 401, 901);
}

#[test]
fn refresh_with_an_unknown_token_is_401_902() {
    let app = TestApp::new();
    app.register("alice");
    let res = app.post_json("/auth/refresh", json!({"refresh_token": "garbage"}));
    res.assert_error(401, 401, 902);
    assert_eq!(res.body["error"], json!("Invalid User Token"));
    app.post("/auth/refresh")
        .cookie_value("preau_refresh", "garbage")
        .fetch()
        .assert_error(401, 401, 902);
}

#[test]
fn an_access_token_is_not_a_refresh_token() {
    let app = TestApp::new();
    let user = app.register("alice");
    let res = app.post("/auth/refresh").bearer(&user.token).fetch();
    res.assert_error(401, 401, 902);
    app.post_json("/auth/refresh", json!({"refresh_token": user.token}))
        .assert_error(401, 401, 902);
    let regen = app
        .post(format!("/regen_token?id={}", user.id))
        .bearer(&user.token)
        .fetch();
    regen.assert_error(401, 401, 902);
    assert_eq!(
        refresh_status(&app, &user.refresh),
        200,
        "nothing was spent"
    );
}

#[test]
fn an_expired_refresh_token_is_401_902() {
    let app = TestApp::new();
    let user = app.register("alice");
    app.db()
        .execute("UPDATE refresh_tokens SET expires_at = 1", [])
        .unwrap();
    app.post_json("/auth/refresh", json!({"refresh_token": user.refresh}))
        .assert_error(401, 401, 902);
}

#[test]
fn reusing_a_rotated_refresh_token_revokes_the_whole_family() {
    let app = TestApp::new();
    let user = app.register("alice");
    let r1 = user.refresh.clone();
    let second = app.post_json("/auth/refresh", json!({"refresh_token": r1}));
    let r2 = second.body["refresh_token"].as_str().unwrap().to_owned();
    let third = app.post_json("/auth/refresh", json!({"refresh_token": r2}));
    let r3 = third.body["refresh_token"].as_str().unwrap().to_owned();

    app.post_json("/auth/refresh", json!({"refresh_token": r1}))
        .assert_error(401, 401, 902);
    // The thief and the owner both lose the family, the newest token included.
    app.post_json("/auth/refresh", json!({"refresh_token": r3}))
        .assert_error(401, 401, 902);
    assert_eq!(
        app.scalar(
            "SELECT COUNT(*) FROM refresh_tokens WHERE account_id = ?1 AND revoked_at IS NULL",
            [user.id]
        ),
        0
    );
    // Other sessions of the account are not touched.
    let (_, other) = app.login("alice", PASSWORD);
    assert_eq!(refresh_status(&app, &other), 200);
}

#[test]
fn a_refresh_token_works_only_once() {
    let app = TestApp::new();
    let user = app.register("alice");
    let first = refresh_status(&app, &user.refresh);
    let second = refresh_status(&app, &user.refresh);
    assert_eq!((first, second), (200, 401));
}

// ---- changePassword ----------------------------------------------------------------------

#[test]
fn change_password_answers_200_with_a_new_token() {
    let app = TestApp::new();
    let user = app.register("alice");
    let res = app
        .post("/auth/changePassword")
        .bearer(&user.token)
        .json_body(&json!({"oldPassword": PASSWORD, "newPassword": "Green-Teapot-77"}))
        .fetch();
    assert_eq!(res.status, 200, "{}", res.text);
    assert_eq!(res.body["error"], json!(null));
    let token = res.body["token"].as_str().unwrap();
    assert_eq!(me_status(&app, token), 200);
    assert_never_contains(&res, "Green-Teapot-77");
    // The new password logs in, the old one no longer does.
    app.login("alice", "Green-Teapot-77");
    app.post_json(
        "/auth/login",
        json!({"login": "alice", "password": PASSWORD}),
    )
    .assert_error(401, 401, 1102);
}

#[test]
fn change_password_without_a_token_is_401_901() {
    let app = TestApp::new();
    app.register("alice");
    let res = app.post_json(
        "/auth/changePassword",
        json!({"oldPassword": PASSWORD, "newPassword": "Green-Teapot-77"}),
    );
    res.assert_error(401, 401, 901);
    assert_eq!(res.body["path"], json!("/auth/changePassword"));
}

#[test]
fn change_password_with_a_bad_token_is_401_902() {
    let app = TestApp::new();
    app.register("alice");
    let res = app
        .post("/auth/changePassword")
        .bearer("not.a.token")
        .json_body(&json!({"oldPassword": PASSWORD, "newPassword": "Green-Teapot-77"}))
        .fetch();
    res.assert_error(401, 401, 902);
}

#[test]
fn change_password_with_an_incomplete_body_is_409_1201() {
    let app = TestApp::new();
    let user = app.register("alice");
    for body in [
        json!({"oldPassword": PASSWORD}),
        json!({"newPassword": "Green-Teapot-77"}),
        json!({}),
    ] {
        app.post("/auth/changePassword")
            .bearer(&user.token)
            .json_body(&body)
            .fetch()
            .assert_error(409, 409, 1201);
    }
}

#[test]
fn change_password_to_a_weak_one_is_409_1202() {
    let app = TestApp::new();
    let user = app.register("alice");
    let before: String = app
        .db()
        .query_row(
            "SELECT password_hash FROM accounts WHERE id = ?1",
            [user.id],
            |r| r.get(0),
        )
        .unwrap();
    for weak in ["short1!", "P@ssw0rd1", "Alice-2024!"] {
        let res = app
            .post("/auth/changePassword")
            .bearer(&user.token)
            .json_body(&json!({"oldPassword": PASSWORD, "newPassword": weak}))
            .fetch();
        res.assert_error(409, 409, 1202);
    }
    let after: String = app
        .db()
        .query_row(
            "SELECT password_hash FROM accounts WHERE id = ?1",
            [user.id],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(before, after);
    assert_eq!(
        me_status(&app, &user.token),
        200,
        "a refused change ends no session"
    );
}

#[test]
fn change_password_to_the_same_one_is_409_1203() {
    let app = TestApp::new();
    let user = app.register("alice");
    let res = app
        .post("/auth/changePassword")
        .bearer(&user.token)
        .json_body(&json!({"oldPassword": PASSWORD, "newPassword": PASSWORD}))
        .fetch();
    res.assert_error(409, 409, 1203);
}

#[test]
fn change_password_with_a_wrong_old_password_is_401_1204() {
    let app = TestApp::new();
    let user = app.register("alice");
    let res = app
        .post("/auth/changePassword")
        .bearer(&user.token)
        .json_body(&json!({"oldPassword": "Wrong-Kettle-42", "newPassword": "Green-Teapot-77"}))
        .fetch();
    res.assert_error(401, 401, 1204);
    assert_never_contains(&res, "Wrong-Kettle-42");
    app.login("alice", PASSWORD);
}

#[test]
fn change_password_kills_old_tokens_and_other_sessions_but_not_the_callers() {
    let app = TestApp::new();
    let user = app.register("alice");
    let (other_token, other_refresh) = app.login("alice", PASSWORD);
    let res = app
        .post("/auth/changePassword")
        .bearer(&user.token)
        .json_body(&json!({"oldPassword": PASSWORD, "newPassword": "Green-Teapot-77"}))
        .fetch();
    assert_eq!(res.status, 200, "{}", res.text);
    let new_token = res.body["token"].as_str().unwrap();

    app.get("/api/v1/me")
        .bearer(&user.token)
        .fetch()
        .assert_error(401, 401, 902);
    app.get("/api/v1/me")
        .bearer(&other_token)
        .fetch()
        .assert_error(401, 401, 902);
    app.post_json("/auth/refresh", json!({"refresh_token": other_refresh}))
        .assert_error(401, 401, 902);
    assert_eq!(me_status(&app, new_token), 200);
    assert_eq!(
        refresh_status(&app, &user.refresh),
        200,
        "the caller's own session goes on"
    );
}

// ---- logout ------------------------------------------------------------------------------

#[test]
fn logout_answers_204_and_the_refresh_token_dies() {
    let app = TestApp::new();
    let user = app.register("alice");
    let res = app.post_json("/auth/logout", json!({"refresh_token": user.refresh}));
    assert_eq!(res.status, 204, "{}", res.text);
    assert_eq!(res.text, "");
    app.post_json("/auth/refresh", json!({"refresh_token": user.refresh}))
        .assert_error(401, 401, 902);
    assert_eq!(
        app.scalar(
            "SELECT COUNT(*) FROM refresh_tokens WHERE revoked_at IS NULL",
            []
        ),
        0
    );
}

#[test]
fn logout_with_the_access_token_ends_that_session_only() {
    let app = TestApp::new();
    let user = app.register("alice");
    let (other_token, other_refresh) = app.login("alice", PASSWORD);
    let res = app.post("/auth/logout").bearer(&user.token).fetch();
    assert_eq!(res.status, 204, "{}", res.text);
    app.post_json("/auth/refresh", json!({"refresh_token": user.refresh}))
        .assert_error(401, 401, 902);
    // The other session's access token still works.
    assert_eq!(
        app.get("/api/v1/me").bearer(&other_token).fetch().status,
        200
    );
    assert_eq!(refresh_status(&app, &other_refresh), 200);
}

/// An access token dies with its session, at once and not at its expiry: after a logout (by
/// refresh token or by the access token itself), and after a refresh token's reuse revokes
/// the family. Checked on an account route, a generic list and a seed route.
#[test]
fn access_tokens_die_with_their_session() {
    let app = TestApp::new();
    let user = app.register("alice");
    let uris = [
        "/api/v1/me".to_owned(),
        "/api/v1/forum/categories".to_owned(),
        format!("/get_level?id={}", user.id),
    ];
    let works = |token: &str| {
        uris.iter().all(|uri| {
            let req = if uri.starts_with("/get_level") {
                app.post(uri)
            } else {
                app.get(uri)
            };
            req.bearer(token).fetch().status == 200
        })
    };
    let dead = |token: &str| {
        for uri in &uris {
            let req = if uri.starts_with("/get_level") {
                app.post(uri)
            } else {
                app.get(uri)
            };
            req.bearer(token).fetch().assert_error(401, 401, 902);
        }
    };
    assert!(works(&user.token));

    // Logout by refresh token.
    let out = app.post_json("/auth/logout", json!({"refresh_token": user.refresh}));
    assert_eq!(out.status, 204, "{}", out.text);
    dead(&user.token);

    // Logout by the access token itself.
    let (token, _) = app.login("alice", PASSWORD);
    assert!(works(&token));
    assert_eq!(app.post("/auth/logout").bearer(&token).fetch().status, 204);
    dead(&token);

    // A refresh token used twice revokes its family, and the family's access tokens with it.
    let (first_token, refresh) = app.login("alice", PASSWORD);
    let next = app.post_json("/auth/refresh", json!({"refresh_token": refresh}));
    assert_eq!(next.status, 200, "{}", next.text);
    let next_token = next.body["token"].as_str().unwrap().to_owned();
    assert!(works(&first_token) && works(&next_token));
    app.post_json("/auth/refresh", json!({"refresh_token": refresh}))
        .assert_error(401, 401, 902);
    dead(&first_token);
    dead(&next_token);
}

#[test]
fn logout_with_the_cookie_clears_it() {
    let app = TestApp::new();
    let user = app.register("alice");
    let res = app
        .post("/auth/logout")
        .cookie_value("preau_refresh", &user.refresh)
        .fetch();
    assert_eq!(res.status, 204);
    let cleared = res
        .set_cookies()
        .into_iter()
        .find(|c| c.starts_with("preau_refresh="))
        .expect("the cookie is removed");
    assert!(
        cleared.contains("Max-Age=0") || cleared.contains("Expires="),
        "{cleared}"
    );
    app.post_json("/auth/refresh", json!({"refresh_token": user.refresh}))
        .assert_error(401, 401, 902);
}

#[test]
fn logout_without_anything_is_401_901() {
    let app = TestApp::new();
    app.post("/auth/logout").fetch().assert_error(401, 401, 901);
}

/// Unknown accounts are checked against a dummy hash, so both failures cost one argon2 check.
/// The bound is loose on purpose (a factor of 3 on medians): without the dummy hash the unknown
/// name answers about a hundred times faster, which this catches on any machine.
#[test]
fn unknown_account_and_wrong_password_take_the_same_time() {
    let app = TestApp::new();
    app.register("alice");
    let time = |login: &str, n: u8| {
        let started = std::time::Instant::now();
        let res = app
            .post("/auth/login")
            .remote_ip(&format!("10.9.{}.{n}", login.len()))
            .json_body(&json!({"login": login, "password": "Wrong-Kettle-42"}))
            .fetch();
        assert_eq!(res.status, 401, "{}", res.text);
        started.elapsed().as_secs_f64() * 1000.0
    };
    let median = |mut v: Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    // Interleaved, so that a busy moment of the machine weighs on both alike.
    let (mut unknown, mut wrong) = (Vec::new(), Vec::new());
    for n in 0..11 {
        unknown.push(time("nobody-here", n));
        wrong.push(time("alice", n));
    }
    let (unknown, wrong) = (median(unknown), median(wrong));
    println!(
        "enumeration: unknown account {unknown:.1} ms, wrong password {wrong:.1} ms (medians of 11)"
    );
    let ratio = unknown / wrong;
    assert!(
        (1.0 / 3.0..3.0).contains(&ratio),
        "unknown {unknown:.1} ms vs wrong password {wrong:.1} ms"
    );
}
