//! The REST face under `/api/v1` (SPEC 2, 3, 4.1) and the operator routes (SPEC 7).

use rocket::http::Method;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::common::{PASSWORD, RequestExt, Resp, TestApp, assert_never_contains};

fn me(app: &TestApp, token: &str) -> Resp {
    app.get("/api/v1/me").bearer(token).fetch()
}

fn patch(app: &TestApp, uri: &str, token: &str, body: Value) -> Resp {
    app.req(Method::Patch, uri)
        .bearer(token)
        .json_body(&body)
        .fetch()
}

fn delete(app: &TestApp, uri: &str, token: &str) -> Resp {
    app.req(Method::Delete, uri).bearer(token).fetch()
}

fn put_level(app: &TestApp, id: i64, level: Value, token: &str) -> Resp {
    app.req(Method::Put, format!("/api/v1/accounts/{id}/level"))
        .bearer(token)
        .json_body(&json!({"level": level}))
        .fetch()
}

// ---- auth --------------------------------------------------------------------------------

#[test]
fn rest_register_answers_201_with_the_account_and_a_session() {
    let app = TestApp::new();
    let res = app.post_json("/api/v1/auth/register", json!({"username": "alice", "password": PASSWORD, "email": "alice@example.org", "birthdate": "2001-02-03"}));
    assert_eq!(res.status, 201, "{}", res.text);
    let id = res.body["account"]["id"].as_i64().unwrap();
    assert_eq!(
        res.header("location"),
        Some(format!("/api/v1/accounts/{id}").as_str())
    );
    assert_eq!(res.body["account"]["username"], json!("alice"));
    assert_eq!(res.body["account"]["email"], json!("alice@example.org"));
    assert_eq!(res.body["account"]["birthdate"], json!("2001-02-03"));
    assert_eq!(res.body["account"]["level"], json!(1));
    assert_eq!(res.body["token_type"], json!("Bearer"));
    assert_eq!(res.body["ttl"], json!(3600));
    assert!(res.body["account"].get("password_hash").is_none());
    assert_never_contains(&res, PASSWORD);
    assert_eq!(me(&app, res.body["token"].as_str().unwrap()).status, 200);
    assert!(app.account_exists(id));
}

#[test]
fn rest_login_refresh_and_logout_make_one_session_cycle() {
    let app = TestApp::new();
    app.register("alice");
    let login = app.post_json(
        "/api/v1/auth/login",
        json!({"login": "alice", "password": PASSWORD}),
    );
    assert_eq!(login.status, 200, "{}", login.text);
    assert_eq!(login.body["token_type"], json!("Bearer"));
    let refresh = login.body["refresh_token"].as_str().unwrap();
    let next = app.post_json("/api/v1/auth/refresh", json!({"refresh_token": refresh}));
    assert_eq!(next.status, 200, "{}", next.text);
    let next_refresh = next.body["refresh_token"].as_str().unwrap();
    let out = app.post_json(
        "/api/v1/auth/logout",
        json!({"refresh_token": next_refresh}),
    );
    assert_eq!(out.status, 204, "{}", out.text);
    app.post_json(
        "/api/v1/auth/refresh",
        json!({"refresh_token": next_refresh}),
    )
    .assert_error(401, 401, 902);
}

#[test]
fn rest_login_errors_use_the_seed_codes() {
    let app = TestApp::new();
    app.register("alice");
    app.post_json("/api/v1/auth/login", json!({"login": "alice"}))
        .assert_error(409, 409, 1101);
    let res = app.post_json(
        "/api/v1/auth/login",
        json!({"login": "alice", "password": "Wrong-Kettle-42"}),
    );
    res.assert_error(401, 401, 1102);
    assert_eq!(res.body["attempts"], json!(1));
}

#[test]
fn rest_password_change_answers_a_new_token_and_ends_the_old_one() {
    let app = TestApp::new();
    let user = app.register("alice");
    let res = app
        .post("/api/v1/auth/password")
        .bearer(&user.token)
        .json_body(&json!({"old_password": PASSWORD, "new_password": "Green-Teapot-77"}))
        .fetch();
    assert_eq!(res.status, 200, "{}", res.text);
    assert_eq!(me(&app, res.body["token"].as_str().unwrap()).status, 200);
    me(&app, &user.token).assert_error(401, 401, 902);
    app.post_json(
        "/api/v1/auth/password",
        json!({"old_password": PASSWORD, "new_password": "Green-Teapot-77"}),
    )
    .assert_error(401, 401, 901);
}

#[test]
fn rest_routes_never_take_the_token_from_the_query() {
    let app = TestApp::new();
    let user = app.register("alice");
    app.get(format!("/api/v1/me?token={}", user.token))
        .fetch()
        .assert_error(401, 401, 901);
}

// ---- email confirmation ------------------------------------------------------------------

fn plant_confirmation(app: &TestApp, account_id: i64, token: &str) {
    let hash = Sha256::digest(token.as_bytes()).to_vec();
    let conn = app.db();
    conn.execute(
        "DELETE FROM email_confirmations WHERE account_id = ?1",
        [account_id],
    )
    .unwrap();
    conn.execute(
        "INSERT INTO email_confirmations (token_hash, account_id, expires_at) VALUES (?1, ?2, ?3)",
        rusqlite::params![hash, account_id, chrono::Utc::now().timestamp() + 3600],
    )
    .unwrap();
}

#[test]
fn the_confirmation_link_confirms_the_email_once() {
    let app = TestApp::new();
    let user = app.register("alice");
    plant_confirmation(&app, user.id, "known-link-token");
    let res = app
        .get("/api/v1/auth/confirm?token=known-link-token")
        .fetch();
    assert_eq!(res.status, 200, "{}", res.text);
    assert_eq!(res.body["confirmed"], json!(true));
    assert_eq!(res.body["account_id"], json!(user.id));
    assert_eq!(
        app.scalar(
            "SELECT email_confirmed FROM accounts WHERE id = ?1",
            [user.id]
        ),
        1
    );
    assert_eq!(app.count("email_confirmations"), 0);
    app.get("/api/v1/auth/confirm?token=known-link-token")
        .fetch()
        .assert_error(400, 400, 1400);
}

#[test]
fn a_bogus_or_expired_confirmation_token_is_400() {
    let app = TestApp::new();
    let user = app.register("alice");
    let res = app.get("/api/v1/auth/confirm?token=bogus").fetch();
    res.assert_error(400, 400, 1400);
    assert_eq!(res.body["field"], json!("token"));
    app.get("/api/v1/auth/confirm")
        .fetch()
        .assert_error(400, 400, 1400);
    plant_confirmation(&app, user.id, "old-link");
    app.db()
        .execute("UPDATE email_confirmations SET expires_at = 1", [])
        .unwrap();
    app.post_json("/api/v1/auth/confirm", json!({"token": "old-link"}))
        .assert_error(400, 400, 1400);
    assert_eq!(
        app.scalar(
            "SELECT email_confirmed FROM accounts WHERE id = ?1",
            [user.id]
        ),
        0
    );
}

#[test]
fn an_admin_confirms_an_account_by_hand() {
    let app = TestApp::new();
    let admin = app.admin("root");
    let user = app.register("alice");
    let res = app
        .post(format!("/api/v1/accounts/{}/confirm", user.id))
        .bearer(&admin.token)
        .fetch();
    assert_eq!(res.status, 200, "{}", res.text);
    assert_eq!(res.body["email_confirmed"], json!(true));
    assert_eq!(
        app.scalar(
            "SELECT email_confirmed FROM accounts WHERE id = ?1",
            [user.id]
        ),
        1
    );
    assert_eq!(
        app.scalar(
            "SELECT COUNT(*) FROM email_confirmations WHERE account_id = ?1",
            [user.id]
        ),
        0
    );
}

#[test]
fn a_member_cannot_confirm_accounts() {
    let app = TestApp::new();
    let user = app.register("alice");
    app.post(format!("/api/v1/accounts/{}/confirm", user.id))
        .bearer(&user.token)
        .fetch()
        .assert_error(403, 403, 1403);
    assert_eq!(
        app.scalar(
            "SELECT email_confirmed FROM accounts WHERE id = ?1",
            [user.id]
        ),
        0
    );
}

#[test]
fn unconfirmed_accounts_cannot_log_in_when_so_configured() {
    let app = TestApp::with(|c| c.allow_unconfirmed_login = false);
    let admin = app.admin("root");
    let res = app.post_json(
        "/auth/register",
        json!({"username": "alice", "password": PASSWORD, "email": "alice@example.org"}),
    );
    assert_eq!(res.status, 201, "{}", res.text);
    assert_eq!(res.body["token"], json!(null));
    let id = res.body["id"].as_i64().unwrap();
    app.post_json(
        "/auth/login",
        json!({"login": "alice", "password": PASSWORD}),
    )
    .assert_error(403, 403, 1104);
    app.post(format!("/api/v1/accounts/{id}/confirm"))
        .bearer(&admin.token)
        .fetch();
    app.login("alice", PASSWORD);
}

// ---- me ----------------------------------------------------------------------------------

#[test]
fn me_shows_the_callers_private_fields() {
    let app = TestApp::new();
    let user = app.register("alice");
    let res = me(&app, &user.token);
    assert_eq!(res.status, 200);
    assert_eq!(res.body["id"], json!(user.id));
    assert_eq!(res.body["email"], json!("alice@example.org"));
    assert_eq!(res.body["firstname"], json!("Ada"));
    assert!(res.body.get("password_hash").is_none() && res.body.get("password").is_none());
}

#[test]
fn patch_me_changes_the_profile() {
    let app = TestApp::new();
    let user = app.register("alice");
    let res = patch(
        &app,
        "/api/v1/me",
        &user.token,
        json!({"firstname": "Alicia", "lastname": "", "birthdate": "2000-05-06"}),
    );
    assert_eq!(res.status, 200, "{}", res.text);
    assert_eq!(res.body["firstname"], json!("Alicia"));
    assert_eq!(res.body["lastname"], json!(null));
    assert_eq!(res.body["birthdate"], json!("2000-05-06"));
    let row: (String, Option<String>) = app
        .db()
        .query_row(
            "SELECT firstname, lastname FROM accounts WHERE id = ?1",
            [user.id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!(row, ("Alicia".into(), None));
}

/// Issue 16: one's own new address waits for its confirmation; the old one stays in force.
#[test]
fn changing_ones_email_waits_for_the_new_address_to_be_confirmed() {
    let app = TestApp::new();
    let user = app.register("alice");
    app.db()
        .execute("UPDATE accounts SET email_confirmed = 1", [])
        .unwrap();
    app.db()
        .execute("DELETE FROM email_confirmations", [])
        .unwrap();
    let res = patch(
        &app,
        "/api/v1/me",
        &user.token,
        json!({"email": "new@example.org"}),
    );
    assert_eq!(res.status, 200, "{}", res.text);
    assert_eq!(res.body["email"], json!(user.email));
    assert_eq!(res.body["pending_email"], json!("new@example.org"));
    assert_eq!(res.body["email_confirmed"], json!(true));
    assert_eq!(
        app.scalar(
            "SELECT COUNT(*) FROM email_changes WHERE account_id = ?1 AND email = 'new@example.org'",
            [user.id]
        ),
        1
    );
    assert_eq!(
        app.scalar(
            "SELECT COUNT(*) FROM mail_outbox WHERE kind = 'email_change' AND recipient = 'new@example.org'",
            []
        ),
        1
    );
}

#[test]
fn a_member_cannot_set_their_group_or_confirmation() {
    let app = TestApp::new();
    let user = app.register("alice");
    patch(
        &app,
        "/api/v1/me",
        &user.token,
        json!({"email_confirmed": true}),
    )
    .assert_error(403, 403, 1403);
    patch(&app, "/api/v1/me", &user.token, json!({"group_id": 1})).assert_error(403, 403, 1403);
    assert_eq!(
        app.scalar(
            "SELECT email_confirmed FROM accounts WHERE id = ?1",
            [user.id]
        ),
        0
    );
}

#[test]
fn patch_me_refuses_a_nonexistent_avatar_naming_the_field() {
    let app = TestApp::new();
    let user = app.register("alice");
    let res = patch(
        &app,
        "/api/v1/me",
        &user.token,
        json!({"avatar_id": 4242, "firstname": "Changed"}),
    );
    res.assert_error(400, 400, 1400);
    assert_eq!(res.body["field"], json!("avatar_id"));
    let firstname: String = app
        .db()
        .query_row(
            "SELECT firstname FROM accounts WHERE id = ?1",
            [user.id],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(firstname, "Ada", "a refused change writes nothing");
}

#[test]
fn delete_me_removes_the_account_and_its_sessions() {
    let app = TestApp::new();
    let user = app.register("alice");
    let res = delete(&app, "/api/v1/me", &user.token);
    assert_eq!(res.status, 204, "{}", res.text);
    assert!(!app.account_exists(user.id));
    assert_eq!(app.count("refresh_tokens"), 0);
    assert_eq!(app.count("email_confirmations"), 0);
    me(&app, &user.token).assert_error(401, 401, 902);
}

// ---- accounts ----------------------------------------------------------------------------

#[test]
fn accounts_are_listed_newest_first_with_limit_and_cursor() {
    let app = TestApp::new();
    let names = ["anna", "bruno", "chloe", "denis", "emma"];
    let users: Vec<_> = names.iter().map(|n| app.register(n)).collect();
    let token = &users[0].token;
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let uri = match &cursor {
            Some(c) => format!("/api/v1/accounts?limit=2&cursor={c}"),
            None => "/api/v1/accounts?limit=2".to_owned(),
        };
        let res = app.get(uri).bearer(token).fetch();
        assert_eq!(res.status, 200, "{}", res.text);
        let items = res.body["items"].as_array().unwrap();
        assert!(items.len() <= 2);
        seen.extend(
            items
                .iter()
                .map(|a| a["username"].as_str().unwrap().to_owned()),
        );
        match res.body["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => break,
        }
    }
    assert_eq!(seen, ["emma", "denis", "chloe", "bruno", "anna"]);
}

#[test]
fn accounts_list_refuses_a_bad_limit_or_cursor_naming_it() {
    let app = TestApp::new();
    let user = app.register("alice");
    for (query, field) in [
        ("limit=0", "limit"),
        ("limit=101", "limit"),
        ("cursor=nope", "cursor"),
        ("level=7", "level"),
    ] {
        let res = app
            .get(format!("/api/v1/accounts?{query}"))
            .bearer(&user.token)
            .fetch();
        res.assert_error(400, 400, 1400);
        assert_eq!(res.body["field"], json!(field), "{query}: {}", res.text);
    }
}

#[test]
fn members_do_not_see_other_members_emails() {
    let app = TestApp::new();
    let alice = app.register("alice");
    app.register("bob");
    let res = app.get("/api/v1/accounts").bearer(&alice.token).fetch();
    let items = res.body["items"].as_array().unwrap();
    let bob = items.iter().find(|a| a["username"] == "bob").unwrap();
    let own = items.iter().find(|a| a["username"] == "alice").unwrap();
    assert!(
        bob.get("email").is_none() && bob.get("birthdate").is_none(),
        "{bob}"
    );
    assert_eq!(own["email"], json!("alice@example.org"));
    // Nor can they find them by email, one letter at a time.
    let search = app
        .get("/api/v1/accounts?q=bob%40example")
        .bearer(&alice.token)
        .fetch();
    assert_eq!(search.body["items"], json!([]), "{}", search.text);
    let one = app
        .get(format!("/api/v1/accounts/{}", bob["id"]))
        .bearer(&alice.token)
        .fetch();
    assert!(one.body.get("email").is_none(), "{}", one.text);
}

#[test]
fn moderators_see_emails_and_can_search_them() {
    let app = TestApp::new();
    app.register("bob");
    let moderator = app.moderator("modo");
    let res = app
        .get("/api/v1/accounts?q=bob%40example")
        .bearer(&moderator.token)
        .fetch();
    let items = res.body["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{}", res.text);
    assert_eq!(items[0]["email"], json!("bob@example.org"));
}

#[test]
fn listing_accounts_needs_a_token() {
    let app = TestApp::new();
    app.get("/api/v1/accounts")
        .fetch()
        .assert_error(401, 401, 901);
}

#[test]
fn an_unknown_account_is_404() {
    let app = TestApp::new();
    let user = app.register("alice");
    let res = app.get("/api/v1/accounts/9999").bearer(&user.token).fetch();
    res.assert_error(404, 404, 1404);
    assert_eq!(res.body["path"], json!("/api/v1/accounts/9999"));
}

#[test]
fn a_member_cannot_edit_or_delete_another_account() {
    let app = TestApp::new();
    let alice = app.register("alice");
    let bob = app.register("bob");
    patch(
        &app,
        &format!("/api/v1/accounts/{}", bob.id),
        &alice.token,
        json!({"firstname": "Hacked"}),
    )
    .assert_error(403, 403, 1403);
    delete(&app, &format!("/api/v1/accounts/{}", bob.id), &alice.token)
        .assert_error(403, 403, 1403);
    let firstname: String = app
        .db()
        .query_row(
            "SELECT firstname FROM accounts WHERE id = ?1",
            [bob.id],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(firstname, "Ada");
    assert!(app.account_exists(bob.id));
}

#[test]
fn an_admin_edits_and_deletes_other_accounts() {
    let app = TestApp::new();
    let admin = app.admin("root");
    let bob = app.register("bob");
    let res = patch(
        &app,
        &format!("/api/v1/accounts/{}", bob.id),
        &admin.token,
        json!({"firstname": "Robert", "email_confirmed": true}),
    );
    assert_eq!(res.status, 200, "{}", res.text);
    assert_eq!(res.body["email_confirmed"], json!(true));
    assert_eq!(
        delete(&app, &format!("/api/v1/accounts/{}", bob.id), &admin.token).status,
        204
    );
    assert!(!app.account_exists(bob.id));
}

#[test]
fn the_last_admin_cannot_be_deleted() {
    let app = TestApp::new();
    let admin = app.admin("root");
    delete(&app, "/api/v1/me", &admin.token).assert_error(409, 409, 1409);
    assert!(app.account_exists(admin.id));
}

// ---- levels ------------------------------------------------------------------------------

#[test]
fn an_admin_sets_levels_and_the_old_tokens_die() {
    let app = TestApp::new();
    let admin = app.admin("root");
    let bob = app.register("bob");
    let res = put_level(&app, bob.id, json!(2), &admin.token);
    assert_eq!(res.status, 200, "{}", res.text);
    assert_eq!(res.body["level"], json!(2));
    assert_eq!(
        app.scalar("SELECT level FROM accounts WHERE id = ?1", [bob.id]),
        2
    );
    me(&app, &bob.token).assert_error(401, 401, 902);
    let bob = app.relogin(&bob);
    assert_eq!(
        app.get("/api/v1/admin/stats")
            .bearer(&bob.token)
            .fetch()
            .status,
        200
    );
}

#[test]
fn only_admins_set_levels() {
    let app = TestApp::new();
    let alice = app.register("alice");
    let moderator = app.moderator("modo");
    put_level(&app, alice.id, json!(3), &alice.token).assert_error(403, 403, 1403);
    put_level(&app, alice.id, json!(3), &moderator.token).assert_error(403, 403, 1403);
    put_level(&app, alice.id, json!(3), "").assert_error(401, 401, 901);
    assert_eq!(
        app.scalar("SELECT level FROM accounts WHERE id = ?1", [alice.id]),
        1
    );
}

#[test]
fn an_unknown_level_is_400_naming_level() {
    let app = TestApp::new();
    let admin = app.admin("root");
    let bob = app.register("bob");
    for bad in [json!(0), json!(4), json!("admin")] {
        let res = put_level(&app, bob.id, bad, &admin.token);
        res.assert_error(400, 400, 1400);
        assert_eq!(res.body["field"], json!("level"), "{}", res.text);
    }
}

#[test]
fn demoting_the_last_admin_is_409() {
    let app = TestApp::new();
    let admin = app.admin("root");
    let res = put_level(&app, admin.id, json!(1), &admin.token);
    res.assert_error(409, 409, 1409);
    assert_eq!(
        app.scalar("SELECT level FROM accounts WHERE id = ?1", [admin.id]),
        3
    );
    // With a second admin, the first may step down.
    let second = app.admin("root2");
    assert_eq!(
        put_level(&app, admin.id, json!(1), &second.token).status,
        200
    );
}

// ---- account bans ------------------------------------------------------------------------

#[test]
fn a_banned_account_loses_its_tokens_and_cannot_log_in() {
    let app = TestApp::new();
    let admin = app.admin("root");
    let bob = app.register("bob");
    let res = app
        .post(format!("/api/v1/accounts/{}/ban", bob.id))
        .bearer(&admin.token)
        .json_body(&json!({"duration": 600, "reason": "spam"}))
        .fetch();
    assert_eq!(res.status, 200, "{}", res.text);
    assert!(res.body["banned_until"].as_i64().is_some());
    me(&app, &bob.token).assert_error(401, 401, 902);
    app.post_json("/auth/refresh", json!({"refresh_token": bob.refresh}))
        .assert_error(401, 401, 902);
    let login = app.post_json("/auth/login", json!({"login": "bob", "password": PASSWORD}));
    login.assert_error(429, 700, 700);
    assert!(login.body["login_ban_duration_end"].as_i64().unwrap() <= 600);
    assert!(login.header("retry-after").is_some());
    assert_eq!(
        app.post("/login/bob/Blue-Kettle-42").fetch().body["status"],
        json!(700)
    );
}

#[test]
fn lifting_an_account_ban_lets_it_log_in_again() {
    let app = TestApp::new();
    let admin = app.admin("root");
    let bob = app.register("bob");
    app.post(format!("/api/v1/accounts/{}/ban", bob.id))
        .bearer(&admin.token)
        .fetch();
    let res = delete(
        &app,
        &format!("/api/v1/accounts/{}/ban", bob.id),
        &admin.token,
    );
    assert_eq!(res.status, 200, "{}", res.text);
    assert_eq!(
        app.maybe("SELECT banned_until FROM accounts WHERE id = ?1", [bob.id]),
        None
    );
    app.login("bob", PASSWORD);
}

#[test]
fn members_cannot_ban_and_nobody_bans_themselves() {
    let app = TestApp::new();
    let admin = app.admin("root");
    let alice = app.register("alice");
    let bob = app.register("bob");
    app.post(format!("/api/v1/accounts/{}/ban", bob.id))
        .bearer(&alice.token)
        .fetch()
        .assert_error(403, 403, 1403);
    app.post(format!("/api/v1/accounts/{}/ban", admin.id))
        .bearer(&admin.token)
        .fetch()
        .assert_error(403, 403, 1403);
    let bad = app
        .post(format!("/api/v1/accounts/{}/ban", bob.id))
        .bearer(&admin.token)
        .json_body(&json!({"duration": -5}))
        .fetch();
    bad.assert_error(400, 400, 1400);
    assert_eq!(bad.body["field"], json!("duration"));
    assert_eq!(
        app.maybe("SELECT banned_until FROM accounts WHERE id = ?1", [bob.id]),
        None
    );
}

#[test]
fn an_admin_resets_a_password_and_every_session_ends() {
    let app = TestApp::new();
    let admin = app.admin("root");
    let bob = app.register("bob");
    let res = app
        .post(format!("/api/v1/accounts/{}/password", bob.id))
        .bearer(&admin.token)
        .json_body(&json!({"password": "Green-Teapot-77"}))
        .fetch();
    assert_eq!(res.status, 204, "{}", res.text);
    me(&app, &bob.token).assert_error(401, 401, 902);
    app.post_json("/auth/refresh", json!({"refresh_token": bob.refresh}))
        .assert_error(401, 401, 902);
    app.login("bob", "Green-Teapot-77");
}

// ---- operations --------------------------------------------------------------------------

fn ban_by_failures(app: &TestApp, username: &str, ip: &str) {
    for _ in 0..3 {
        app.post(format!("/login/{username}/Wrong-Kettle-42"))
            .remote_ip(ip)
            .fetch();
    }
}

#[test]
fn admins_list_login_attempts_and_bans() {
    let app = TestApp::new();
    let admin = app.admin("root");
    let bob = app.register("bob");
    ban_by_failures(&app, "bob", "10.0.0.5");
    app.post("/login/carol/Wrong-Kettle-42")
        .remote_ip("10.0.0.6")
        .fetch();

    let attempts = app
        .get("/api/v1/admin/attempts")
        .bearer(&admin.token)
        .fetch();
    assert_eq!(attempts.status, 200, "{}", attempts.text);
    let items = attempts.body["items"].as_array().unwrap();
    let row = items
        .iter()
        .find(|r| r["subject"] == json!(format!("account:{}", bob.id)))
        .expect("bob's row");
    assert_eq!(row["username"], json!("bob"));
    assert_eq!(row["account_id"], json!(bob.id));
    assert_eq!(row["ip"], json!("10.0.0.5"));
    assert_eq!(row["failures"], json!(3));
    assert!(items.iter().any(|r| r["subject"] == json!("name:carol")));

    let bans = app.get("/api/v1/admin/bans").bearer(&admin.token).fetch();
    let bans = bans.body["items"].as_array().unwrap();
    assert_eq!(bans.len(), 1, "{bans:?}");
    assert_eq!(bans[0]["subject"], json!(format!("account:{}", bob.id)));
    assert!(bans[0]["banned_until"].as_i64().is_some());
}

#[test]
fn an_admin_lifts_a_login_ban() {
    let app = TestApp::new();
    let admin = app.admin("root");
    app.register("bob");
    ban_by_failures(&app, "bob", "10.0.0.5");
    app.post("/login/bob/Blue-Kettle-42")
        .remote_ip("10.0.0.5")
        .fetch()
        .assert_error(429, 700, 700);
    let bans = app.get("/api/v1/admin/bans").bearer(&admin.token).fetch();
    let id = bans.body["items"][0]["id"].as_i64().unwrap();
    assert_eq!(
        delete(&app, &format!("/api/v1/admin/bans/{id}"), &admin.token).status,
        204
    );
    assert_eq!(
        app.post("/login/bob/Blue-Kettle-42")
            .remote_ip("10.0.0.5")
            .fetch()
            .status,
        200
    );
    assert_eq!(
        app.count("login_attempts WHERE subject LIKE 'account:%'"),
        0
    );
    delete(&app, &format!("/api/v1/admin/bans/{id}"), &admin.token).assert_error(404, 404, 1404);
}

#[test]
fn login_attempts_and_bans_are_for_admins_only() {
    let app = TestApp::new();
    let moderator = app.moderator("modo");
    let member = app.register("alice");
    ban_by_failures(&app, "alice", "10.0.0.5");
    for uri in [
        "/api/v1/admin/attempts",
        "/api/v1/admin/bans",
        "/api/v1/admin/backup",
    ] {
        app.get(uri)
            .bearer(&moderator.token)
            .fetch()
            .assert_error(403, 403, 1403);
        app.get(uri)
            .bearer(&member.token)
            .fetch()
            .assert_error(403, 403, 1403);
    }
    delete(&app, "/api/v1/admin/bans/1", &moderator.token).assert_error(403, 403, 1403);
    assert_eq!(
        app.count("login_attempts WHERE banned_until IS NOT NULL"),
        1
    );
}

#[test]
fn stats_count_accounts_for_staff() {
    let app = TestApp::new();
    let admin = app.admin("root");
    app.register("alice");
    let member = app.register("bob");
    let res = app.get("/api/v1/admin/stats").bearer(&admin.token).fetch();
    assert_eq!(res.status, 200, "{}", res.text);
    assert_eq!(res.body["accounts"], json!(3));
    assert_eq!(res.body["admins"], json!(1));
    assert_eq!(res.body["unconfirmed_accounts"], json!(2));
    app.get("/api/v1/admin/stats")
        .bearer(&member.token)
        .fetch()
        .assert_error(403, 403, 1403);
}

#[test]
fn an_admin_downloads_a_consistent_backup() {
    let app = TestApp::new();
    let admin = app.admin("root");
    app.register("alice");
    let res = app
        .get("/api/v1/admin/backup")
        .bearer(&admin.token)
        .dispatch();
    assert_eq!(res.status().code, 200);
    assert!(
        res.headers()
            .get_one("Content-Disposition")
            .is_some_and(|d| d.starts_with("attachment"))
    );
    let bytes = res.into_bytes().unwrap();
    assert!(bytes.starts_with(b"SQLite format 3\0"));
    let dir = tempfile::tempdir().unwrap();
    let copy = dir.path().join("copy.db");
    std::fs::write(&copy, bytes).unwrap();
    let conn = rusqlite::Connection::open(&copy).unwrap();
    let accounts: i64 = conn
        .query_row("SELECT COUNT(*) FROM accounts", [], |r| r.get(0))
        .unwrap();
    assert_eq!(accounts, 2);
}

#[rocket::async_test]
async fn a_login_storm_is_refused_quickly_and_others_are_still_served() {
    use rocket::futures::future::join_all;
    use rocket::local::asynchronous::Client;

    let dir = tempfile::tempdir().unwrap();
    let config = preau::Config {
        hash_concurrency: 1,
        hash_queue: 1,
        ..crate::common::test_config(&dir)
    };
    let client = Client::untracked(preau::build(config).unwrap())
        .await
        .unwrap();
    let logins = (0..16).map(|n| {
        client
            .post("/auth/login")
            .remote(format!("10.2.0.{n}:4000").parse().unwrap())
            .header(rocket::http::ContentType::JSON)
            .body(json!({"login": format!("nobody{n}"), "password": "Wrong-Kettle-42"}).to_string())
            .dispatch()
    });
    let (answers, health) =
        rocket::tokio::join!(join_all(logins), client.get("/health").dispatch());
    assert_eq!(health.status().code, 200);
    let mut busy = 0;
    for res in answers {
        match res.status().code {
            401 => {}
            503 => {
                busy += 1;
                assert_eq!(res.headers().get_one("Retry-After"), Some("1"));
                let body: Value = serde_json::from_str(&res.into_string().await.unwrap()).unwrap();
                assert_eq!(body["code"], json!(1503));
            }
            other => panic!("unexpected {other}"),
        }
    }
    assert!(
        busy > 0,
        "with one hash at a time and one waiting, some of 16 logins are turned away"
    );
}

#[test]
fn health_answers_200() {
    let app = TestApp::new();
    let res = app.get("/health").fetch();
    assert_eq!(res.status, 200, "{}", res.text);
    assert_eq!(res.body["status"], json!("ok"));
}

#[test]
fn health_answers_503_while_the_file_is_not_a_database() {
    use std::io::{Seek, SeekFrom, Write};
    let app = TestApp::new();
    assert_eq!(app.get("/health").fetch().status, 200);
    // Everything in the file itself (none of page 1 in the WAL), then its header overwritten.
    app.db()
        .execute_batch("PRAGMA wal_checkpoint(TRUNCATE)")
        .unwrap();
    let mut file = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(app.db_path())
        .unwrap();
    let overwrite = |file: &mut std::fs::File, bytes: &[u8]| {
        file.seek(SeekFrom::Start(0)).unwrap();
        file.write_all(bytes).unwrap();
        file.sync_all().unwrap();
    };
    overwrite(&mut file, b"not a database!\0");
    let res = app.get("/health").fetch();
    assert_eq!(res.status, 503, "{}", res.text);
    assert_eq!(res.body["code"], json!(1503), "{}", res.text);
    overwrite(&mut file, b"SQLite format 3\0");
    let res = app.get("/health").fetch();
    assert_eq!(res.status, 200, "{}", res.text);
}

#[test]
fn openapi_document_describes_the_routes() {
    let app = TestApp::new();
    let res = app.get("/api/v1/openapi.json").fetch();
    assert_eq!(res.status, 200);
    assert!(
        res.body["openapi"]
            .as_str()
            .is_some_and(|v| v.starts_with("3.")),
        "{}",
        res.text
    );
    let paths = res.body["paths"].as_object().unwrap();
    for path in [
        "/api/v1/auth/login",
        "/api/v1/auth/register",
        "/api/v1/me",
        "/api/v1/accounts",
        "/api/v1/accounts/{id}/level",
        "/api/v1/admin/bans/{id}",
    ] {
        assert!(paths.contains_key(path), "{path} is missing");
    }
}

#[test]
fn openapi_lists_each_parameter_of_an_operation_once() {
    let app = TestApp::new();
    let doc = app.get("/api/v1/openapi.json").fetch().body;
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let Some(params) = op.get("parameters").and_then(Value::as_array) else {
                continue;
            };
            let mut seen: Vec<(String, String)> = params
                .iter()
                .map(|p| {
                    (
                        p["name"].as_str().unwrap().to_owned(),
                        p["in"].as_str().unwrap().to_owned(),
                    )
                })
                .collect();
            let count = seen.len();
            seen.sort();
            seen.dedup();
            assert_eq!(
                seen.len(),
                count,
                "{method} {path} repeats a parameter: {params:?}"
            );
        }
    }
    let list = &doc["paths"]["/api/v1/accounts"]["get"]["parameters"];
    let limit = list
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "limit")
        .unwrap();
    assert_eq!(limit["schema"]["type"], json!("integer"), "{limit}");
}

#[test]
fn the_jwt_secret_is_generated_once_and_kept_in_the_database() {
    let app = TestApp::with(|c| c.jwt_secret = None);
    let user = app.register("alice");
    let secret: String = app
        .db()
        .query_row(
            "SELECT value FROM settings WHERE key = 'jwt_secret'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert!(secret.len() >= 32);
    let app = app.restart();
    assert_eq!(
        me(&app, &user.token).status,
        200,
        "tokens outlive a restart"
    );
    let again: String = app
        .db()
        .query_row(
            "SELECT value FROM settings WHERE key = 'jwt_secret'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(secret, again);
}
