//! The outside probe's findings that need a real server (issue 12): the login-ban race under a
//! burst of simultaneous logins, and secrets in any line the process writes.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::{Arc, Barrier};
use std::thread;
use std::time::Duration;

use serde_json::{Value, json};

use crate::report;
use crate::server::{PASSWORD, Server, create_admin};

const WRONG: &str = "Wrong-Pass-99";

/// `n` logins of `login` at once (released together by a barrier), each with the password
/// `password_of(i)`; the (HTTP status, envelope code) of each.
fn burst(
    server: &Server,
    n: usize,
    login: &str,
    password_of: fn(usize) -> &'static str,
) -> Vec<(u16, i64)> {
    let start = Arc::new(Barrier::new(n));
    let handles: Vec<_> = (0..n)
        .map(|i| {
            let (url, start, login) = (server.url("/auth/login"), start.clone(), login.to_owned());
            thread::spawn(move || {
                let agent = ureq::AgentBuilder::new()
                    .timeout(Duration::from_secs(60))
                    .build();
                start.wait();
                let res = agent
                    .post(&url)
                    .send_json(json!({"login": login, "password": password_of(i)}));
                let (status, body): (u16, Value) = match res {
                    Ok(r) => (r.status(), r.into_json().unwrap_or(Value::Null)),
                    Err(ureq::Error::Status(code, r)) => {
                        (code, r.into_json().unwrap_or(Value::Null))
                    }
                    Err(e) => panic!("transport error: {e}"),
                };
                (status, body["code"].as_i64().unwrap_or(0))
            })
        })
        .collect();
    handles
        .into_iter()
        .map(|h| h.join().expect("a login thread"))
        .collect()
}

fn count(answers: &[(u16, i64)], wanted: (u16, i64)) -> usize {
    answers.iter().filter(|a| **a == wanted).count()
}

fn attempts_row(db: &std::path::Path, subject_like: &str) -> (i64, Option<i64>) {
    let conn = rusqlite::Connection::open(db).expect("db");
    conn.query_row(
        "SELECT failures, banned_until FROM login_attempts WHERE subject LIKE ?1",
        [subject_like],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )
    .expect("an attempts row")
}

#[test]
fn a_burst_of_logins_checks_no_more_wrong_passwords_than_the_limit() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("preau.db");
    let server = Server::start(&db);
    server.register("nina");

    let answers = burst(&server, 40, "nina", |_| WRONG);
    report(format!("login burst of 40 wrong passwords: {answers:?}"));
    assert_eq!(
        count(&answers, (401, 1102)),
        2,
        "two counted failures: {answers:?}"
    );
    assert_eq!(
        count(&answers, (429, 1103)),
        1,
        "one failure starts the ban: {answers:?}"
    );
    assert_eq!(
        count(&answers, (429, 700)),
        37,
        "the others meet the ban: {answers:?}"
    );
    let (failures, banned_until) = attempts_row(&db, "account:%");
    assert_eq!(failures, 3, "exactly the limit was checked");
    let banned_until = banned_until.expect("banned");
    // Every checked wrong password is counted for the address too.
    assert_eq!(attempts_row(&db, "*").0, 3);

    // The right password during the ban, many at once: refused, and the ban stays as it was.
    let answers = burst(&server, 20, "nina", |_| PASSWORD);
    assert_eq!(count(&answers, (429, 700)), 20, "{answers:?}");
    assert_eq!(attempts_row(&db, "account:%"), (3, Some(banned_until)));
}

#[test]
fn a_burst_mixing_the_right_password_never_goes_past_the_limit_before_a_ban() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("preau.db");
    let server = Server::start(&db);
    server.register("nina");
    // Three of forty know the password: those admitted before the ban succeed; every wrong one
    // checked is counted, and a success never lifts the ban once it is there.
    let answers = burst(&server, 40, "nina", |i| {
        if i % 13 == 5 { PASSWORD } else { WRONG }
    });
    report(format!(
        "login burst of 37 wrong + 3 right passwords: {answers:?}"
    ));
    let successes = count(&answers, (200, 0));
    let checked_wrong = count(&answers, (401, 1102)) + count(&answers, (429, 1103));
    assert_eq!(count(&answers, (429, 1103)), 1, "one ban: {answers:?}");
    // Each success starts the count again, so at most `limit` wrong ones per success, plus the
    // limit itself before the ban.
    assert!(checked_wrong <= 3 * (successes + 1), "{answers:?}");
    assert_eq!(
        successes + checked_wrong + count(&answers, (429, 700)),
        40,
        "{answers:?}"
    );
    let (_, banned_until) = attempts_row(&db, "account:%");
    assert!(banned_until.is_some(), "the ban holds after the burst");
}

/// Sends `request` as it is (no client-side normalisation of the path) and reads the answer.
fn raw(port: u16, request: &str) {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    stream.set_read_timeout(Some(Duration::from_secs(10))).ok();
    stream.write_all(request.as_bytes()).expect("send");
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer);
}

#[test]
fn no_line_the_server_writes_holds_a_password_or_a_token() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("preau.db");
    let log = dir.path().join("preau.log");
    create_admin(&db, "root");
    let server = Server::start_logged(&db, Some(&log));
    let jwt = server.login("root");
    let (_, body) = server.call(
        "POST",
        "/api/v1/auth/login",
        None,
        Some(json!({"login": "root", "password": PASSWORD})),
    );
    let refresh = body["refresh_token"].as_str().expect("refresh").to_owned();
    let secrets = [PASSWORD, jwt.as_str(), refresh.as_str()];
    let pw = crate::server::enc(PASSWORD);
    let paths = [
        format!("/login?email=root%40example.org&pass={pw}"),
        format!("/login?email=root&PASS={pw}&x=1"),
        format!("/getuser?token={jwt}"),
        format!("/getuser?id=1&Token={jwt}"),
        format!("/forum/post/like/{jwt}"),
        format!("/forum/post/likes/{jwt}/5"),
        format!("/course/moderation/validate/{jwt}/true"),
        format!("/login/root/{pw}"),
        format!("/LOGIN/root/{pw}"),
        format!("/Login/root/{pw}/extra"),
        format!("/login;x/root/{pw}"),
        format!("/./login/root/{pw}"),
        format!("/x/../login/root/{pw}"),
        format!("//login/root/{pw}"),
        format!("/%6Cogin/root/{pw}"),
        format!("/login/root/{pw}?a=b"),
        format!("/regen_token?refresh={refresh}"),
        format!("/auth/refresh/{refresh}"),
        format!("/api/v1/me?access_token={jwt}"),
        format!("/anything/{jwt}"),
    ];
    for path in &paths {
        for method in [
            "GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "PROPFIND",
        ] {
            raw(
                server.port,
                &format!(
                    "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                ),
            );
        }
    }
    // The request lines are written as each answer goes: give the last ones a moment.
    thread::sleep(Duration::from_millis(300));
    drop(server);
    let text = std::fs::read_to_string(&log).expect("the log");
    let lines = text.lines().count();
    report(format!(
        "{} requests with secrets in their paths and queries, {lines} log lines, none with a secret",
        paths.len() * 7
    ));
    assert!(
        lines >= paths.len() * 5,
        "the requests were logged: {lines} lines"
    );
    for line in text.lines() {
        for secret in secrets {
            assert!(!line.contains(secret), "a log line holds a secret: {line}");
        }
        assert!(
            !line.contains(&pw),
            "a log line holds the encoded password: {line}"
        );
    }
}
