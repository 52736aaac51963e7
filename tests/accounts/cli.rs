//! The `preau` binary (SPEC 1, 7, 8): `admin create` reading the password on standard input,
//! `backup`, and `serve` reading `PREAU_*` and `ROCKET_*` variables.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::common::{PASSWORD, TestApp};

/// `preau <args>` on database `db`, run from `dir` (no `Rocket.toml` there), with `stdin`.
fn preau(dir: &Path, db: &Path, args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_preau"))
        .args(args)
        .current_dir(dir)
        .env("PREAU_DATABASE", db)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

#[test]
fn admin_create_reads_the_password_on_stdin_while_the_server_runs() {
    let app = TestApp::new();
    let dir = tempfile::tempdir().unwrap();
    let out = preau(
        dir.path(),
        &app.db_path(),
        &[
            "admin",
            "create",
            "--username",
            "root",
            "--email",
            "root@example.org",
        ],
        &format!("{PASSWORD}\n"),
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let (level, confirmed): (i64, bool) = app
        .db()
        .query_row(
            "SELECT level, email_confirmed FROM accounts WHERE username = 'root'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!((level, confirmed), (3, true));
    // The running app sees the new admin at once.
    let (token, _) = app.login("root", PASSWORD);
    assert_eq!(
        app.get("/api/v1/admin/bans")
            .header(rocket::http::Header::new(
                "Authorization",
                format!("Bearer {token}")
            ))
            .dispatch()
            .status()
            .code,
        200
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(!stdout.contains(PASSWORD) && !String::from_utf8_lossy(&out.stderr).contains(PASSWORD));
}

#[test]
fn admin_create_refuses_a_weak_or_missing_password() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("preau.db");
    let args = [
        "admin",
        "create",
        "--username",
        "root",
        "--email",
        "root@example.org",
    ];
    for stdin in ["P@ssw0rd1\n", "", "\n"] {
        let out = preau(dir.path(), &db, &args, stdin);
        assert!(!out.status.success(), "{stdin:?} should be refused");
    }
    let out = preau(
        dir.path(),
        &db,
        &[
            "admin",
            "create",
            "--username",
            "root",
            "--email",
            "not-an-email",
        ],
        &format!("{PASSWORD}\n"),
    );
    assert!(!out.status.success());
    let conn = rusqlite::Connection::open(&db).unwrap();
    let accounts: i64 = conn
        .query_row("SELECT COUNT(*) FROM accounts", [], |r| r.get(0))
        .unwrap();
    assert_eq!(accounts, 0);
}

#[test]
fn backup_writes_a_sound_copy_and_never_overwrites() {
    let app = TestApp::new();
    app.register("alice");
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("snapshot.db");
    let out = preau(
        dir.path(),
        &app.db_path(),
        &["backup", target.to_str().unwrap()],
        "",
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let copy = rusqlite::Connection::open(&target).unwrap();
    let accounts: i64 = copy
        .query_row("SELECT COUNT(*) FROM accounts", [], |r| r.get(0))
        .unwrap();
    assert_eq!(accounts, 1);
    let again = preau(
        dir.path(),
        &app.db_path(),
        &["backup", target.to_str().unwrap()],
        "",
    );
    assert!(
        !again.status.success(),
        "an existing file is never overwritten"
    );
}

/// A server process this test started; killed when the test ends, even on failure.
struct Server {
    child: Child,
    port: u16,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// One HTTP/1.1 exchange: (status, headers, JSON body).
fn http(port: u16, method: &str, path: &str, body: Option<&Value>) -> Option<(u16, String, Value)> {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).ok()?;
    stream
        .set_read_timeout(Some(Duration::from_secs(20)))
        .ok()?;
    let body = body.map(Value::to_string).unwrap_or_default();
    let request = format!(
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).ok()?;
    let mut response = String::new();
    stream.read_to_string(&mut response).ok()?;
    let (head, body) = response.split_once("\r\n\r\n")?;
    let status = head.split_whitespace().nth(1)?.parse().ok()?;
    Some((
        status,
        head.to_owned(),
        serde_json::from_str(body).unwrap_or(Value::Null),
    ))
}

fn serve(dir: &Path, env: &[(&str, &str)]) -> Server {
    let port = free_port();
    let child = Command::new(env!("CARGO_BIN_EXE_preau"))
        .current_dir(dir)
        .env("PREAU_DATABASE", dir.join("served.db"))
        .env("ROCKET_ADDRESS", "127.0.0.1")
        .env("ROCKET_PORT", port.to_string())
        .envs(env.iter().copied())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let server = Server { child, port };
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(60) {
        if http(port, "GET", "/health", None).is_some_and(|(status, _, _)| status == 200) {
            return server;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("the server did not answer /health on port {port}");
}

#[test]
fn serve_reads_its_settings_from_preau_variables() {
    let dir = tempfile::tempdir().unwrap();
    let server = serve(
        dir.path(),
        &[
            ("PREAU_LOGIN_MAX_ATTEMPTS", "1"),
            ("PREAU_LOGIN_BAN_DURATION", "77"),
            ("PREAU_LOGIN_COOLDOWN", "55"),
            ("PREAU_ACCESS_TTL", "120"),
            ("PREAU_LOG_REQUESTS", "false"),
        ],
    );
    let (status, _, body) = http(
        server.port,
        "POST",
        "/auth/register",
        Some(&json!({"username": "alice", "password": PASSWORD})),
    )
    .unwrap();
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["ttl"], json!(120));
    let (status, head, body) =
        http(server.port, "POST", "/login/alice/Wrong-Kettle-42", None).unwrap();
    assert_eq!(status, 429, "{body}");
    assert_eq!(body["ban_duration"], json!(77));
    assert_eq!(body["max_attempts"], json!(1));
    assert!(
        head.to_ascii_lowercase().contains("retry-after: 77"),
        "{head}"
    );
    assert!(
        dir.path().join("served.db").exists(),
        "PREAU_DATABASE chooses the file"
    );
}

#[test]
fn serve_refuses_unsafe_settings() {
    let dir = tempfile::tempdir().unwrap();
    let child = Command::new(env!("CARGO_BIN_EXE_preau"))
        .current_dir(dir.path())
        .env("PREAU_DATABASE", dir.path().join("x.db"))
        .env("PREAU_JWT_SECRET", "short")
        .env("ROCKET_ADDRESS", "127.0.0.1")
        .env("ROCKET_PORT", free_port().to_string())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut server = Server { child, port: 0 };
    let started = Instant::now();
    let status = loop {
        if let Some(status) = server.child.try_wait().unwrap() {
            break status;
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "the server started with a 5-character JWT secret"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(!status.success());
    let mut stderr = String::new();
    server
        .child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    assert!(stderr.contains("jwt_secret"), "{stderr}");
}
