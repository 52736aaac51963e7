//! Seed 000: `POST /login/<username>/<password>`, failed-attempt counting and login bans
//! (SPEC 4.2 and 5.2).

use rusqlite::OptionalExtension;
use serde_json::json;

use crate::common::{PASSWORD, RequestExt, Resp, TestApp, assert_never_contains, enc};

const WRONG: &str = "Wrong-Kettle-42";
const HOME: &str = "10.0.0.1";

fn login(app: &TestApp, username: &str, password: &str, ip: &str) -> Resp {
    app.post(format!("/login/{}/{}", enc(username), enc(password)))
        .remote_ip(ip)
        .fetch()
}

fn failures(app: &TestApp, subject: &str, ip: &str) -> Option<i64> {
    app.db()
        .query_row(
            "SELECT failures FROM login_attempts WHERE subject = ?1 AND ip = ?2",
            [subject, ip],
            |r| r.get(0),
        )
        .optional()
        .unwrap()
}

fn banned_until(app: &TestApp, subject: &str, ip: &str) -> Option<i64> {
    app.db()
        .query_row(
            "SELECT banned_until FROM login_attempts WHERE subject = ?1 AND ip = ?2",
            [subject, ip],
            |r| r.get(0),
        )
        .optional()
        .unwrap()
        .flatten()
}

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

#[test]
fn login_by_path_answers_200_with_the_seed_000_shape() {
    let app = TestApp::new();
    app.register("alice");
    let res = login(&app, "alice", PASSWORD, HOME);
    assert_eq!(res.status, 200, "{}", res.text);
    let b = &res.body;
    assert!(
        b["token"]
            .as_str()
            .is_some_and(|t| t.split('.').count() == 3)
    );
    assert!(b["refresh_token"].as_str().is_some_and(|t| !t.is_empty()));
    assert_eq!(b["ttl"], json!(3600));
    assert_eq!(b["status"], json!(200));
    assert_eq!(b["error"], json!(null));
    assert!(b["message"].is_string());
    assert_eq!(b["path"], json!("/login"));
    assert_never_contains(&res, PASSWORD);
    assert_eq!(
        app.get("/api/v1/me")
            .bearer(b["token"].as_str().unwrap())
            .fetch()
            .status,
        200
    );
}

#[test]
fn login_by_path_decodes_percent_encoded_passwords() {
    let app = TestApp::new();
    let password = "Blue Kettle#42/?%é";
    let res = app.post_json(
        "/auth/register",
        json!({"username": "alice", "password": password}),
    );
    assert_eq!(res.status, 201, "{}", res.text);
    let res = login(&app, "alice", password, HOME);
    assert_eq!(res.status, 200, "{}", res.text);
}

#[test]
fn failed_login_by_path_is_404_with_the_counters_and_never_the_password() {
    let app = TestApp::new();
    let user = app.register("alice");
    let res = login(&app, "alice", WRONG, HOME);
    res.assert_error(404, 404, 1102);
    let b = &res.body;
    assert_eq!(b["attempts"], json!(1));
    assert_eq!(b["max_attempts"], json!(3));
    assert_eq!(
        b["max_attemps"],
        json!(3),
        "the seed's own spelling is kept"
    );
    assert_eq!(b["cooldown"], json!(3600));
    assert_eq!(b["error"], json!("Not Found"));
    assert_eq!(b["path"], json!("/login"));
    assert_never_contains(&res, WRONG);
    assert_eq!(
        failures(&app, &format!("account:{}", user.id), HOME),
        Some(1)
    );

    let second = login(&app, "alice", WRONG, HOME);
    assert_eq!(second.body["attempts"], json!(2));
}

#[test]
fn an_unknown_user_and_a_wrong_password_answer_alike() {
    let app = TestApp::new();
    app.register("alice");
    let wrong_password = login(&app, "alice", WRONG, HOME);
    let unknown_user = login(&app, "nobody", WRONG, HOME);
    assert_eq!(wrong_password.status, unknown_user.status);
    let shape = |r: &Resp| {
        let mut keys: Vec<String> = r.body.as_object().unwrap().keys().cloned().collect();
        keys.sort();
        keys
    };
    assert_eq!(shape(&wrong_password), shape(&unknown_user));
    for field in [
        "status",
        "code",
        "error",
        "message",
        "attempts",
        "max_attempts",
        "cooldown",
        "path",
    ] {
        assert_eq!(
            wrong_password.body[field], unknown_user.body[field],
            "{field}"
        );
    }
    // Unknown names are counted too, under the name.
    assert_eq!(failures(&app, "name:nobody", HOME), Some(1));
}

#[test]
fn third_failed_login_bans_for_ban_duration() {
    let app = TestApp::new();
    let user = app.register("alice");
    login(&app, "alice", WRONG, HOME);
    login(&app, "alice", WRONG, HOME);
    let res = login(&app, "alice", WRONG, HOME);
    res.assert_error(429, 429, 1103);
    let b = &res.body;
    assert_eq!(b["attempts"], json!(3));
    assert_eq!(b["max_attempts"], json!(3));
    assert_eq!(b["max_attemps"], json!(3));
    assert_eq!(b["ban_duration"], json!(36000));
    assert_eq!(b["error"], json!("Too Many Requests"));
    assert_eq!(b["path"], json!("/login"));
    assert_eq!(res.header("retry-after"), Some("36000"));
    let until = banned_until(&app, &format!("account:{}", user.id), HOME).expect("a ban row");
    assert!(
        (until - now() - 36000).abs() <= 5,
        "banned for 36000 s: {until}"
    );
}

#[test]
fn during_a_ban_even_the_right_password_answers_700_over_http_429() {
    let app = TestApp::new();
    app.register("alice");
    for _ in 0..3 {
        login(&app, "alice", WRONG, HOME);
    }
    let res = login(&app, "alice", PASSWORD, HOME);
    res.assert_error(429, 700, 700);
    let left = res.body["login_ban_duration_end"].as_i64().unwrap();
    assert!((35990..=36000).contains(&left), "{left}");
    assert_eq!(res.body["error"], json!("User Banned"));
    assert_eq!(res.body["path"], json!("/login"));
    let retry: i64 = res.header("retry-after").unwrap().parse().unwrap();
    assert!((retry - left).abs() <= 1);
    assert!(res.body.get("token").is_none());
    assert_eq!(
        app.count("refresh_tokens"),
        1,
        "no session was opened (only the registration's)"
    );
}

#[test]
fn a_ban_holds_on_every_login_face() {
    let app = TestApp::new();
    app.register("alice");
    for _ in 0..3 {
        login(&app, "alice", WRONG, HOME);
    }
    let json_login = app
        .post("/auth/login")
        .remote_ip(HOME)
        .json_body(&json!({"login": "alice", "password": PASSWORD}))
        .fetch();
    json_login.assert_error(429, 700, 700);
    let rest = app
        .post("/api/v1/auth/login")
        .remote_ip(HOME)
        .json_body(&json!({"login": "alice@example.org", "password": PASSWORD}))
        .fetch();
    rest.assert_error(429, 700, 700);
    let user_api = app
        .post(format!(
            "/login?email={}&pass={}",
            enc("alice@example.org"),
            enc(PASSWORD)
        ))
        .remote_ip(HOME)
        .fetch();
    user_api.assert_error(429, 700, 700);
    assert_eq!(user_api.body["success"], json!(false));
}

#[test]
fn a_ban_from_one_machine_does_not_lock_out_another() {
    let app = TestApp::new();
    app.register("alice");
    for _ in 0..3 {
        login(&app, "alice", WRONG, HOME);
    }
    login(&app, "alice", PASSWORD, HOME).assert_error(429, 700, 700);
    let elsewhere = login(&app, "alice", PASSWORD, "10.0.0.2");
    assert_eq!(elsewhere.status, 200, "{}", elsewhere.text);
    let v6 = login(&app, "alice", PASSWORD, "2001:db8::7");
    assert_eq!(v6.status, 200, "{}", v6.text);
}

#[test]
fn a_ban_survives_a_restart() {
    let app = TestApp::new();
    app.register("alice");
    for _ in 0..3 {
        login(&app, "alice", WRONG, HOME);
    }
    let app = app.restart();
    login(&app, "alice", PASSWORD, HOME).assert_error(429, 700, 700);
}

#[test]
fn failed_attempts_survive_a_restart() {
    let app = TestApp::new();
    app.register("alice");
    login(&app, "alice", WRONG, HOME);
    login(&app, "alice", WRONG, HOME);
    let app = app.restart();
    login(&app, "alice", WRONG, HOME).assert_error(429, 429, 1103);
}

#[test]
fn a_success_resets_the_failure_count() {
    let app = TestApp::new();
    let user = app.register("alice");
    login(&app, "alice", WRONG, HOME);
    login(&app, "alice", WRONG, HOME);
    assert_eq!(login(&app, "alice", PASSWORD, HOME).status, 200);
    assert_eq!(failures(&app, &format!("account:{}", user.id), HOME), None);
    let res = login(&app, "alice", WRONG, HOME);
    assert_eq!(res.body["attempts"], json!(1), "{}", res.text);
    assert_eq!(login(&app, "alice", PASSWORD, HOME).status, 200);
}

#[test]
fn username_and_email_of_one_account_count_together() {
    let app = TestApp::new();
    app.register("alice");
    login(&app, "alice", WRONG, HOME);
    app.post("/auth/login")
        .remote_ip(HOME)
        .json_body(&json!({"login": "alice@example.org", "password": WRONG}))
        .fetch();
    let third = login(&app, "ALICE@example.org", WRONG, HOME);
    third.assert_error(429, 429, 1103);
    login(&app, "alice", PASSWORD, HOME).assert_error(429, 700, 700);
}

#[test]
fn failures_are_forgotten_after_the_cooldown() {
    let app = TestApp::new();
    let user = app.register("alice");
    login(&app, "alice", WRONG, HOME);
    login(&app, "alice", WRONG, HOME);
    app.db()
        .execute(
            "UPDATE login_attempts SET last_failure_at = last_failure_at - 3601 WHERE subject = ?1",
            [format!("account:{}", user.id)],
        )
        .unwrap();
    let res = login(&app, "alice", WRONG, HOME);
    res.assert_error(404, 404, 1102);
    assert_eq!(res.body["attempts"], json!(1));
}

#[test]
fn a_ban_ends_after_ban_duration() {
    let app = TestApp::new();
    app.register("alice");
    for _ in 0..3 {
        login(&app, "alice", WRONG, HOME);
    }
    app.db()
        .execute(
            "UPDATE login_attempts SET banned_until = ?1 WHERE banned_until IS NOT NULL",
            [now() - 1],
        )
        .unwrap();
    assert_eq!(login(&app, "alice", PASSWORD, HOME).status, 200);
}

#[test]
fn a_new_failure_after_an_expired_ban_starts_counting_again() {
    let app = TestApp::new();
    app.register("alice");
    for _ in 0..3 {
        login(&app, "alice", WRONG, HOME);
    }
    app.db()
        .execute(
            "UPDATE login_attempts SET banned_until = ?1 WHERE banned_until IS NOT NULL",
            [now() - 1],
        )
        .unwrap();
    let res = login(&app, "alice", WRONG, HOME);
    res.assert_error(404, 404, 1102);
    assert_eq!(res.body["attempts"], json!(1));
}

#[test]
fn login_limits_follow_the_configuration() {
    let app = TestApp::with(|c| {
        c.login_max_attempts = 5;
        c.login_cooldown = 60;
        c.login_ban_duration = 120;
    });
    app.register("alice");
    for n in 1..5 {
        let res = login(&app, "alice", WRONG, HOME);
        assert_eq!(
            (
                res.body["attempts"].clone(),
                res.body["max_attempts"].clone(),
                res.body["cooldown"].clone()
            ),
            (json!(n), json!(5), json!(60))
        );
    }
    let res = login(&app, "alice", WRONG, HOME);
    res.assert_error(429, 429, 1103);
    assert_eq!(res.body["ban_duration"], json!(120));
    let banned = login(&app, "alice", PASSWORD, HOME);
    assert!(banned.body["login_ban_duration_end"].as_i64().unwrap() <= 120);
}

#[test]
fn many_names_from_one_ip_ban_that_ip() {
    let app = TestApp::with(|c| c.login_ip_max_attempts = 4);
    app.register("alice");
    for name in ["anna", "bruno", "chloe", "denis"] {
        login(&app, name, WRONG, HOME);
    }
    assert!(banned_until(&app, "*", HOME).is_some());
    login(&app, "alice", PASSWORD, HOME).assert_error(429, 700, 700);
    assert_eq!(login(&app, "alice", PASSWORD, "10.0.0.2").status, 200);
}

#[test]
fn x_forwarded_for_is_ignored_from_an_untrusted_peer() {
    let app = TestApp::new();
    app.register("alice");
    for n in 0..3 {
        app.post(format!("/login/alice/{WRONG}"))
            .remote_ip(HOME)
            .header(rocket::http::Header::new(
                "X-Forwarded-For",
                format!("192.0.2.{n}"),
            ))
            .fetch();
    }
    login(&app, "alice", PASSWORD, HOME).assert_error(429, 700, 700);
}

#[test]
fn x_forwarded_for_names_the_client_behind_a_trusted_proxy() {
    let app = TestApp::with(|c| c.trusted_proxies = vec!["10.9.9.9".parse().unwrap()]);
    let user = app.register("alice");
    let via_proxy = |client: &str, password: &str| {
        app.post(format!("/login/alice/{password}"))
            .remote_ip("10.9.9.9")
            .header(rocket::http::Header::new(
                "X-Forwarded-For",
                format!("{client}, 10.9.9.9"),
            ))
            .fetch()
    };
    for _ in 0..3 {
        via_proxy("192.0.2.1", WRONG);
    }
    assert!(banned_until(&app, &format!("account:{}", user.id), "192.0.2.1").is_some());
    via_proxy("192.0.2.1", PASSWORD).assert_error(429, 700, 700);
    assert_eq!(
        via_proxy("192.0.2.2", PASSWORD).status,
        200,
        "another pupil behind the same proxy"
    );
}

#[test]
fn the_envelope_path_never_shows_the_credentials() {
    let app = TestApp::new();
    app.register("alice");
    for path in [
        format!("/login/alice/{WRONG}"),
        format!("//login/alice/{WRONG}"),
        format!("/%6Cogin/alice/{WRONG}"),
        format!("/login/alice/{WRONG}/"),
        format!("/LOGIN/alice/{WRONG}"),
    ] {
        let res = app.post(&path).remote_ip(HOME).fetch();
        assert_never_contains(&res, WRONG);
        assert_eq!(res.body["path"], json!("/login"), "{path}: {}", res.text);
    }
}

#[rocket::async_test]
async fn concurrent_failures_never_go_past_the_limit() {
    use rocket::futures::future::join_all;
    use rocket::local::asynchronous::Client;

    let dir = tempfile::tempdir().unwrap();
    let client = Client::untracked(preau::build(crate::common::test_config(&dir)).unwrap())
        .await
        .unwrap();
    let register = client
        .post("/auth/register")
        .header(rocket::http::ContentType::JSON)
        .body(json!({"username": "alice", "password": PASSWORD}).to_string())
        .dispatch()
        .await;
    assert_eq!(register.status().code, 201);
    let attempts = (0..8).map(|_| {
        client
            .post(format!("/login/alice/{WRONG}"))
            .remote("10.0.0.1:4000".parse().unwrap())
            .dispatch()
    });
    let mut codes = Vec::new();
    for res in join_all(attempts).await {
        let body: serde_json::Value =
            serde_json::from_str(&res.into_string().await.unwrap()).unwrap();
        codes.push(body["code"].as_i64().unwrap());
    }
    codes.sort();
    assert_eq!(
        codes,
        [700, 700, 700, 700, 700, 1102, 1102, 1103],
        "two counted failures, one ban, then the ban"
    );
    let conn = rusqlite::Connection::open(dir.path().join("preau.db")).unwrap();
    let failures: i64 = conn
        .query_row(
            "SELECT failures FROM login_attempts WHERE subject LIKE 'account:%'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(failures, 3);
}
