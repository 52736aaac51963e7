//! Seed 003, the user API: `/register`, `/login`, `/update`, `/get_level`, `/change_user_elev`,
//! `/getuser`, `/regen_token`, `/delete` with query parameters, forms or JSON (SPEC 5.4).

use rocket::http::ContentType;
use serde_json::{Value, json};

use crate::common::{PASSWORD, RequestExt, Resp, TestApp, User, assert_never_contains, enc};

fn seed_data(username: &str) -> Value {
    json!({
        "username": username, "email": format!("{username}@foobar.fr"), "password": PASSWORD,
        "birthdate": "1995-08-13", "prenom": "Michel", "nom": "Dupont",
    })
}

fn register_with_data(app: &TestApp, data: &Value) -> Resp {
    app.post(format!("/register?data={}", enc(&data.to_string())))
        .fetch()
}

/// Registers through seed 003 and logs in through seed 003: the user object.
fn seed_user(app: &TestApp, username: &str) -> (User, Value) {
    assert_eq!(
        register_with_data(app, &seed_data(username)).body,
        json!({"success": true, "message": "ok"})
    );
    let res = app
        .post(format!(
            "/login?email={}&pass={}",
            enc(&format!("{username}@foobar.fr")),
            enc(PASSWORD)
        ))
        .fetch();
    assert_eq!(res.status, 200, "{}", res.text);
    let user = User {
        id: res.body["id"].as_i64().unwrap(),
        username: username.to_owned(),
        email: format!("{username}@foobar.fr"),
        token: res.body["token"].as_str().unwrap().to_owned(),
        refresh: res.body["refresh"].as_str().unwrap().to_owned(),
    };
    (user, res.body)
}

fn call(app: &TestApp, route: &str, query: &str, token: &str) -> Resp {
    app.post(format!("/{route}?{query}")).bearer(token).fetch()
}

#[track_caller]
fn assert_refused(res: &Resp, http: u16, code: u64) {
    res.assert_error(http, http.into(), code);
    assert_eq!(res.body["success"], json!(false), "{}", res.text);
}

// ---- register ----------------------------------------------------------------------------

#[test]
fn register_with_a_data_parameter_answers_success_ok() {
    let app = TestApp::new();
    let res = register_with_data(&app, &seed_data("xxx_DarkmasterPGM72_xxx"));
    assert_eq!(res.status, 200, "{}", res.text);
    assert_eq!(res.body, json!({"success": true, "message": "ok"}));
    let row: (String, String, String, String, String, i64) = app
        .db()
        .query_row(
            "SELECT username, email, firstname, lastname, birthdate, level FROM accounts",
            [],
            |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get(5)?,
                ))
            },
        )
        .unwrap();
    assert_eq!(
        row,
        (
            "xxx_DarkmasterPGM72_xxx".into(),
            "xxx_DarkmasterPGM72_xxx@foobar.fr".into(),
            "Michel".into(),
            "Dupont".into(),
            "1995-08-13".into(),
            1
        )
    );
}

#[test]
fn register_accepts_a_form_body_and_a_json_body() {
    let app = TestApp::new();
    let form = format!(
        "username=formuser&email={}&password={}&birthdate=1995-08-13&prenom=Michel&nom=Dupont",
        enc("formuser@foobar.fr"),
        enc(PASSWORD)
    );
    let res = app
        .post("/register")
        .header(ContentType::Form)
        .body(form)
        .fetch();
    assert_eq!(
        res.body,
        json!({"success": true, "message": "ok"}),
        "{}",
        res.text
    );
    let res = app.post_json("/register", seed_data("jsonuser"));
    assert_eq!(
        res.body,
        json!({"success": true, "message": "ok"}),
        "{}",
        res.text
    );
    let res = app.post_json(
        "/register",
        json!({"data": seed_data("nesteduser").to_string()}),
    );
    assert_eq!(
        res.body,
        json!({"success": true, "message": "ok"}),
        "{}",
        res.text
    );
    assert_eq!(app.count("accounts"), 3);
}

#[test]
fn register_without_a_required_field_is_refused_with_success_false() {
    let app = TestApp::new();
    for field in ["username", "email", "password"] {
        let mut data = seed_data("someone");
        data.as_object_mut().unwrap().remove(field);
        let res = register_with_data(&app, &data);
        assert_refused(&res, 409, 1001);
        assert_eq!(res.body["field"], json!(field));
        assert_eq!(res.body["path"], json!("/register"));
    }
    assert_eq!(app.count("accounts"), 0);
}

#[test]
fn register_refuses_the_seed_example_password_123() {
    let app = TestApp::new();
    let mut data = seed_data("someone");
    data["password"] = json!("123");
    let res = register_with_data(&app, &data);
    assert_refused(&res, 409, 1003);
    assert_never_contains(&res, "\"123\"");
    assert_eq!(app.count("accounts"), 0);
}

#[test]
fn register_refuses_a_taken_username_or_email() {
    let app = TestApp::new();
    register_with_data(&app, &seed_data("michel"));
    let mut data = seed_data("MICHEL");
    data["email"] = json!("another@foobar.fr");
    assert_refused(&register_with_data(&app, &data), 409, 1002);
    let mut data = seed_data("other");
    data["email"] = json!("michel@foobar.fr");
    assert_refused(&register_with_data(&app, &data), 409, 1004);
    assert_eq!(app.count("accounts"), 1);
}

#[test]
fn register_refuses_a_malformed_birthdate_or_data() {
    let app = TestApp::new();
    let mut data = seed_data("someone");
    data["birthdate"] = json!("13/08/1995");
    let res = register_with_data(&app, &data);
    assert_refused(&res, 400, 1400);
    assert_eq!(res.body["field"], json!("birthdate"));
    let res = app.post("/register?data=%7Bnot%20json").fetch();
    assert_refused(&res, 400, 1400);
    assert_eq!(res.body["field"], json!("data"));
    assert_eq!(app.count("accounts"), 0);
}

// ---- login -------------------------------------------------------------------------------

#[test]
fn login_answers_the_user_object_with_tokens_and_without_password() {
    let app = TestApp::new();
    let (user, body) = seed_user(&app, "michel");
    assert_eq!(body["id"], json!(user.id));
    assert_eq!(body["username"], json!("michel"));
    assert_eq!(body["nom"], json!("Dupont"));
    assert_eq!(body["prenom"], json!("Michel"));
    assert_eq!(body["birthdate"], json!("1995-08-13"));
    assert_eq!(body["email"], json!("michel@foobar.fr"));
    assert_eq!(body["level"], json!(1));
    assert_eq!(body["has_conf"], json!(0));
    assert!(
        body["adding_time"]
            .as_i64()
            .is_some_and(|t| t > 1_600_000_000_000)
    );
    assert!(
        body["token"]
            .as_str()
            .is_some_and(|t| t.split('.').count() == 3)
    );
    assert!(body["refresh"].as_str().is_some_and(|t| !t.is_empty()));
    assert!(body.get("password").is_none(), "{body}");
    assert!(!body.to_string().contains("argon2"), "{body}");
    assert!(!body.to_string().contains(PASSWORD));
    assert_eq!(
        app.get("/api/v1/me").bearer(&user.token).fetch().status,
        200
    );
}

#[test]
fn login_with_a_wrong_password_is_refused_with_success_false() {
    let app = TestApp::new();
    seed_user(&app, "michel");
    let res = app
        .post(format!(
            "/login?email=michel%40foobar.fr&pass={}",
            enc("Wrong-Kettle-42")
        ))
        .fetch();
    assert_refused(&res, 401, 1102);
    assert_eq!(res.body["attempts"], json!(1));
    assert_never_contains(&res, "Wrong-Kettle-42");
    let res = app.post("/login?email=michel%40foobar.fr").fetch();
    assert_refused(&res, 409, 1101);
}

// ---- update ------------------------------------------------------------------------------

#[test]
fn update_changes_the_callers_own_profile() {
    let app = TestApp::new();
    let (user, _) = seed_user(&app, "michel");
    let data = json!({"id": user.id, "username": "Jean", "nom": "Durand", "prenom": "Jean", "birthdate": "1990-01-02", "email": "michel@foobar.fr"});
    let res = call(
        &app,
        "update",
        &format!("data={}", enc(&data.to_string())),
        &user.token,
    );
    assert_eq!(
        res.body,
        json!({"success": true, "message": "ok"}),
        "{}",
        res.text
    );
    let row: (String, String, String, String) = app
        .db()
        .query_row(
            "SELECT username, firstname, lastname, birthdate FROM accounts WHERE id = ?1",
            [user.id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .unwrap();
    assert_eq!(
        row,
        (
            "Jean".into(),
            "Jean".into(),
            "Durand".into(),
            "1990-01-02".into()
        )
    );
}

#[test]
fn update_of_another_member_is_403_with_success_false() {
    let app = TestApp::new();
    let (alice, _) = seed_user(&app, "alice");
    let (bob, _) = seed_user(&app, "bob");
    let data = json!({"id": bob.id, "nom": "Hacked"});
    let res = call(
        &app,
        "update",
        &format!("data={}", enc(&data.to_string())),
        &alice.token,
    );
    assert_refused(&res, 403, 1403);
    let lastname: String = app
        .db()
        .query_row(
            "SELECT lastname FROM accounts WHERE id = ?1",
            [bob.id],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(lastname, "Dupont");
}

#[test]
fn update_by_an_admin_changes_another_account() {
    let app = TestApp::new();
    let admin = app.admin("root");
    let (bob, _) = seed_user(&app, "bob");
    let data = json!({"id": bob.id, "nom": "Martin"});
    let res = call(
        &app,
        "update",
        &format!("data={}", enc(&data.to_string())),
        &admin.token,
    );
    assert_eq!(
        res.body,
        json!({"success": true, "message": "ok"}),
        "{}",
        res.text
    );
    let lastname: String = app
        .db()
        .query_row(
            "SELECT lastname FROM accounts WHERE id = ?1",
            [bob.id],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(lastname, "Martin");
}

#[test]
fn update_ignores_a_password_and_a_level_in_the_data() {
    let app = TestApp::new();
    let (user, _) = seed_user(&app, "michel");
    let data = json!({"id": user.id, "password": "Green-Teapot-77", "level": 3, "nom": "Durand"});
    let res = call(
        &app,
        "update",
        &format!("data={}", enc(&data.to_string())),
        &user.token,
    );
    assert_eq!(
        res.body,
        json!({"success": true, "message": "ok"}),
        "{}",
        res.text
    );
    assert_eq!(
        app.scalar("SELECT level FROM accounts WHERE id = ?1", [user.id]),
        1
    );
    app.login("michel", PASSWORD);
    app.post_json(
        "/auth/login",
        json!({"login": "michel", "password": "Green-Teapot-77"}),
    )
    .assert_error(401, 401, 1102);
}

#[test]
fn update_to_a_taken_username_is_409_and_changes_nothing() {
    let app = TestApp::new();
    let (alice, _) = seed_user(&app, "alice");
    seed_user(&app, "bob");
    let data = json!({"username": "BOB", "nom": "Changed"});
    let res = call(
        &app,
        "update",
        &format!("data={}", enc(&data.to_string())),
        &alice.token,
    );
    assert_refused(&res, 409, 1002);
    let lastname: String = app
        .db()
        .query_row(
            "SELECT lastname FROM accounts WHERE id = ?1",
            [alice.id],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(lastname, "Dupont");
}

// ---- get_level and change_user_elev ------------------------------------------------------

#[test]
fn get_level_answers_the_level_and_the_id() {
    let app = TestApp::new();
    let (user, _) = seed_user(&app, "michel");
    let admin = app.admin("root");
    let res = call(&app, "get_level", &format!("id={}", user.id), &user.token);
    assert_eq!(
        res.body,
        json!({"success": true, "message": "ok", "level": 1, "id": user.id})
    );
    let res = call(&app, "get_level", &format!("id={}", admin.id), &user.token);
    assert_eq!(
        res.body,
        json!({"success": true, "message": "ok", "level": 3, "id": admin.id})
    );
    let res = call(&app, "get_level", "id=9999", &user.token);
    assert_refused(&res, 404, 1404);
    assert_eq!(res.body["message"], json!("User not in database"));
}

#[test]
fn change_user_elev_by_an_admin_sets_the_level_and_ends_old_tokens() {
    let app = TestApp::new();
    let admin = app.admin("root");
    let (user, _) = seed_user(&app, "michel");
    let res = call(
        &app,
        "change_user_elev",
        &format!("id={}&level=2", user.id),
        &admin.token,
    );
    assert_eq!(
        res.body,
        json!({"success": true, "message": "ok"}),
        "{}",
        res.text
    );
    assert_eq!(
        app.scalar("SELECT level FROM accounts WHERE id = ?1", [user.id]),
        2
    );
    app.get("/api/v1/me")
        .bearer(&user.token)
        .fetch()
        .assert_error(401, 401, 902);
}

#[test]
fn change_user_elev_by_a_member_is_403() {
    let app = TestApp::new();
    let (alice, _) = seed_user(&app, "alice");
    let res = call(
        &app,
        "change_user_elev",
        &format!("id={}&level=3", alice.id),
        &alice.token,
    );
    assert_refused(&res, 403, 1403);
    assert_eq!(
        app.scalar("SELECT level FROM accounts WHERE id = ?1", [alice.id]),
        1
    );
}

#[test]
fn change_user_elev_refuses_an_unknown_level_and_the_last_admin() {
    let app = TestApp::new();
    let admin = app.admin("root");
    let (user, _) = seed_user(&app, "michel");
    let res = call(
        &app,
        "change_user_elev",
        &format!("id={}&level=9", user.id),
        &admin.token,
    );
    assert_refused(&res, 400, 1400);
    assert_eq!(res.body["field"], json!("level"));
    let res = call(
        &app,
        "change_user_elev",
        &format!("id={}&level=1", admin.id),
        &admin.token,
    );
    assert_refused(&res, 409, 1409);
    assert_eq!(
        app.scalar("SELECT level FROM accounts WHERE id = ?1", [admin.id]),
        3
    );
}

// ---- getuser -----------------------------------------------------------------------------

#[test]
fn getuser_hides_another_members_email_and_birthdate() {
    let app = TestApp::new();
    let (alice, _) = seed_user(&app, "alice");
    let (bob, _) = seed_user(&app, "bob");
    let res = call(&app, "getuser", &format!("id={}", bob.id), &alice.token);
    assert_eq!(res.status, 200, "{}", res.text);
    assert_eq!(res.body["username"], json!("bob"));
    assert_eq!(res.body["nom"], json!("Dupont"));
    assert!(res.body.get("email").is_none(), "{}", res.text);
    assert!(res.body.get("birthdate").is_none(), "{}", res.text);
    assert!(res.body.get("password").is_none());
}

#[test]
fn getuser_shows_the_private_fields_to_the_owner_and_to_moderators() {
    let app = TestApp::new();
    let (bob, _) = seed_user(&app, "bob");
    let moderator = app.moderator("modo");
    for token in [&bob.token, &moderator.token] {
        let res = call(&app, "getuser", &format!("id={}", bob.id), token);
        assert_eq!(res.body["email"], json!("bob@foobar.fr"), "{}", res.text);
        assert_eq!(res.body["birthdate"], json!("1995-08-13"));
        assert!(res.body.get("password").is_none());
    }
}

// ---- regen_token -------------------------------------------------------------------------

#[test]
fn regen_token_trades_the_refresh_token_for_a_new_pair() {
    let app = TestApp::new();
    let (user, _) = seed_user(&app, "michel");
    let res = app
        .post(format!(
            "/regen_token?id={}&refresh={}",
            user.id,
            enc(&user.refresh)
        ))
        .fetch();
    assert_eq!(res.status, 200, "{}", res.text);
    let token = res.body["token"].as_str().unwrap();
    let refresh = res.body["refresh"].as_str().unwrap();
    assert_ne!(refresh, user.refresh);
    assert_eq!(app.get("/api/v1/me").bearer(token).fetch().status, 200);
    // Rotated: the old refresh token is spent.
    assert_refused(
        &app.post(format!("/regen_token?refresh={}", enc(&user.refresh)))
            .fetch(),
        401,
        902,
    );
}

#[test]
fn regen_token_refuses_another_users_id_and_a_missing_token() {
    let app = TestApp::new();
    let (alice, _) = seed_user(&app, "alice");
    let (bob, _) = seed_user(&app, "bob");
    let res = app
        .post(format!(
            "/regen_token?id={}&refresh={}",
            bob.id,
            enc(&alice.refresh)
        ))
        .fetch();
    assert_refused(&res, 403, 1403);
    assert_refused(
        &app.post(format!("/regen_token?id={}", alice.id)).fetch(),
        401,
        901,
    );
    // The refused attempt did not spend alice's token.
    assert_eq!(
        app.post(format!("/regen_token?refresh={}", enc(&alice.refresh)))
            .fetch()
            .status,
        200
    );
}

// ---- delete ------------------------------------------------------------------------------

#[test]
fn delete_removes_the_callers_own_account_and_its_tokens_die() {
    let app = TestApp::new();
    let (user, _) = seed_user(&app, "michel");
    let res = call(&app, "delete", &format!("id={}", user.id), &user.token);
    assert_eq!(
        res.body,
        json!({"success": true, "message": "ok"}),
        "{}",
        res.text
    );
    assert!(!app.account_exists(user.id));
    assert_eq!(
        app.scalar(
            "SELECT COUNT(*) FROM refresh_tokens WHERE account_id = ?1",
            [user.id]
        ),
        0
    );
    // A deletion makes older tokens fail at once (SPEC 4.1).
    assert_refused(
        &call(&app, "delete", &format!("id={}", user.id), &user.token),
        401,
        902,
    );
}

#[test]
fn delete_of_an_account_not_in_database_is_404() {
    let app = TestApp::new();
    let admin = app.admin("root");
    let (user, _) = seed_user(&app, "michel");
    assert_eq!(
        call(&app, "delete", &format!("id={}", user.id), &admin.token).body,
        json!({"success": true, "message": "ok"})
    );
    let res = call(&app, "delete", &format!("id={}", user.id), &admin.token);
    assert_refused(&res, 404, 1404);
    assert_eq!(res.body["message"], json!("User not in database"));
}

#[test]
fn delete_of_another_member_is_403() {
    let app = TestApp::new();
    let (alice, _) = seed_user(&app, "alice");
    let (bob, _) = seed_user(&app, "bob");
    assert_refused(
        &call(&app, "delete", &format!("id={}", bob.id), &alice.token),
        403,
        1403,
    );
    assert!(app.account_exists(bob.id));
}

// ---- tokens ------------------------------------------------------------------------------

#[test]
fn the_token_may_be_a_query_parameter_or_in_the_data() {
    let app = TestApp::new();
    let (user, _) = seed_user(&app, "michel");
    let res = app
        .post(format!(
            "/get_level?id={}&token={}",
            user.id,
            enc(&user.token)
        ))
        .fetch();
    assert_eq!(res.body["level"], json!(1), "{}", res.text);
    let res = app
        .post(format!("/getuser?token={}", enc(&user.token)))
        .fetch();
    assert_eq!(res.body["email"], json!("michel@foobar.fr"), "{}", res.text);
    let res = app.post_json("/get_level", json!({"id": user.id, "token": user.token}));
    assert_eq!(res.body["level"], json!(1), "{}", res.text);
}

#[test]
fn user_api_routes_without_a_token_are_401_901() {
    let app = TestApp::new();
    let (user, _) = seed_user(&app, "michel");
    for route in [
        "update",
        "get_level",
        "change_user_elev",
        "getuser",
        "delete",
    ] {
        let res = app.post(format!("/{route}?id={}&level=1", user.id)).fetch();
        assert_refused(&res, 401, 901);
        assert_eq!(res.body["path"], json!(format!("/{route}")));
    }
    assert_refused(
        &app.post(format!("/getuser?id={}&token=garbage", user.id))
            .fetch(),
        401,
        902,
    );
    assert!(app.account_exists(user.id));
}
