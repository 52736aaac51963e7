//! The callers the server keeps for a few seconds (`auth::Callers`): a token used a moment
//! ago is trusted without its signature or the database only while nothing has changed its
//! account or its session. Each test uses the token first, so that its caller is kept, then
//! changes what the session check reads, then uses the token again: refused at once.

use rocket::http::Method;
use serde_json::json;

use crate::common::{PASSWORD, RequestExt, Resp, TestApp, User};

fn me(app: &TestApp, token: &str) -> Resp {
    app.get("/api/v1/me").bearer(token).fetch()
}

fn logout(app: &TestApp, user: &User) -> Resp {
    app.post_json(
        "/api/v1/auth/logout",
        json!({"refresh_token": user.refresh}),
    )
}

/// Uses `user`'s token twice (the second answer comes from the kept caller).
#[track_caller]
fn in_use(app: &TestApp, user: &User) {
    assert_eq!(me(app, &user.token).status, 200);
    assert_eq!(me(app, &user.token).status, 200);
}

#[test]
fn a_session_in_use_is_refused_at_once_after_its_logout() {
    let app = TestApp::new();
    let alice = app.register("alice");
    in_use(&app, &alice);
    let out = logout(&app, &alice);
    assert_eq!(out.status, 204, "{}", out.text);
    me(&app, &alice.token).assert_error(401, 401, 902);
}

#[test]
fn a_list_or_a_row_read_with_a_kept_caller_is_refused_at_once_after_logout() {
    let app = TestApp::new();
    let alice = app.register("alice");
    for _ in 0..2 {
        assert_eq!(
            app.get("/api/v1/courses?limit=5")
                .bearer(&alice.token)
                .fetch()
                .status,
            200
        );
        assert_eq!(
            app.get(format!("/api/v1/accounts/{}", alice.id))
                .bearer(&alice.token)
                .fetch()
                .status,
            200
        );
    }
    logout(&app, &alice);
    app.get("/api/v1/courses?limit=5")
        .bearer(&alice.token)
        .fetch()
        .assert_error(401, 401, 902);
    app.get(format!("/api/v1/accounts/{}", alice.id))
        .bearer(&alice.token)
        .fetch()
        .assert_error(401, 401, 902);
}

#[test]
fn the_other_sessions_in_use_are_refused_at_once_after_a_password_change() {
    let app = TestApp::new();
    let alice = app.register("alice");
    let other = app.relogin(&alice);
    in_use(&app, &other);
    let changed = app
        .post("/api/v1/auth/password")
        .bearer(&alice.token)
        .json_body(&json!({"old_password": PASSWORD, "new_password": "Green-Teapot-77"}))
        .fetch();
    assert_eq!(changed.status, 200, "{}", changed.text);
    me(&app, &other.token).assert_error(401, 401, 902);
}

#[test]
fn a_member_in_use_is_refused_at_once_after_an_admin_bans_them() {
    let app = TestApp::new();
    let admin = app.admin("root");
    let bob = app.register("bob");
    in_use(&app, &bob);
    let ban = app
        .post(format!("/api/v1/accounts/{}/ban", bob.id))
        .bearer(&admin.token)
        .json_body(&json!({"duration": 600, "reason": "spam"}))
        .fetch();
    assert_eq!(ban.status, 200, "{}", ban.text);
    me(&app, &bob.token).assert_error(401, 401, 902);
}

#[test]
fn a_moderator_in_use_is_refused_at_once_after_a_level_change() {
    let app = TestApp::new();
    let admin = app.admin("root");
    let mo = app.moderator("maud");
    in_use(&app, &mo);
    let res = app
        .req(Method::Put, format!("/api/v1/accounts/{}/level", mo.id))
        .bearer(&admin.token)
        .json_body(&json!({"level": 1}))
        .fetch();
    assert_eq!(res.status, 200, "{}", res.text);
    me(&app, &mo.token).assert_error(401, 401, 902);
}

#[test]
fn a_member_in_use_is_refused_at_once_after_their_account_is_deleted() {
    let app = TestApp::new();
    let admin = app.admin("root");
    let bob = app.register("bob");
    in_use(&app, &bob);
    let res = app
        .req(Method::Delete, format!("/api/v1/accounts/{}", bob.id))
        .bearer(&admin.token)
        .fetch();
    assert_eq!(res.status, 204, "{}", res.text);
    me(&app, &bob.token).assert_error(401, 401, 902);
}

#[test]
fn a_session_in_use_is_refused_at_once_when_its_refresh_token_is_used_twice() {
    let app = TestApp::new();
    let alice = app.register("alice");
    in_use(&app, &alice);
    let first = app.post_json(
        "/api/v1/auth/refresh",
        json!({"refresh_token": alice.refresh}),
    );
    assert_eq!(first.status, 200, "{}", first.text);
    // The same refresh token again: the whole family (the session) is revoked.
    app.post_json(
        "/api/v1/auth/refresh",
        json!({"refresh_token": alice.refresh}),
    )
    .assert_error(401, 401, 902);
    me(&app, &alice.token).assert_error(401, 401, 902);
}

#[test]
fn a_change_made_by_another_program_is_noticed_within_a_second() {
    let app = TestApp::new();
    let alice = app.register("alice");
    in_use(&app, &alice);
    // The sqlite3 shell, say, while the server runs.
    app.db()
        .execute(
            "UPDATE refresh_tokens SET revoked_at = 1 WHERE account_id = ?1",
            [alice.id],
        )
        .unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(2);
    while me(&app, &alice.token).status == 200 {
        assert!(
            std::time::Instant::now() < deadline,
            "the revocation was never noticed"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    me(&app, &alice.token).assert_error(401, 401, 902);
}

#[test]
fn another_accounts_session_stays_usable_after_a_logout() {
    let app = TestApp::new();
    let alice = app.register("alice");
    let bob = app.register("bob");
    in_use(&app, &alice);
    in_use(&app, &bob);
    logout(&app, &alice);
    assert_eq!(me(&app, &bob.token).status, 200);
}
