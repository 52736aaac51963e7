//! A real `preau` process on a loopback port, for the tests that kill it, load it, or back
//! it up while it writes.

use std::io::Write;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

pub const PASSWORD: &str = "Blue-Kettle-42";

pub struct Server {
    pub child: Child,
    pub port: u16,
    pub db: PathBuf,
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

pub fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_preau")
}

/// Creates the first admin with the CLI (the server may or may not be running).
pub fn create_admin(db: &Path, username: &str) {
    let mut child = Command::new(bin())
        .args([
            "admin",
            "create",
            "--username",
            username,
            "--email",
            &format!("{username}@example.org"),
        ])
        .env("PREAU_DATABASE", db)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .expect("preau admin create");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(format!("{PASSWORD}\n").as_bytes())
        .expect("password");
    assert!(child.wait().expect("wait").success(), "admin create failed");
}

impl Server {
    pub fn start(db: &Path) -> Server {
        Server::start_logged(db, None)
    }

    /// With `log`, request lines are on and everything the process writes, on standard output
    /// and standard error, goes to that file.
    pub fn start_logged(db: &Path, log: Option<&Path>) -> Server {
        let port = free_port();
        let (stdout, stderr) = match log {
            Some(path) => {
                let file = std::fs::File::create(path).expect("log file");
                (
                    Stdio::from(file.try_clone().expect("log file")),
                    Stdio::from(file),
                )
            }
            None => (Stdio::null(), Stdio::null()),
        };
        let child = Command::new(bin())
            .env("PREAU_DATABASE", db)
            .env("PREAU_DATA_DIR", db.with_extension("data"))
            .env(
                "PREAU_LOG_REQUESTS",
                if log.is_some() { "true" } else { "false" },
            )
            .env("ROCKET_ADDRESS", "127.0.0.1")
            .env("ROCKET_PORT", port.to_string())
            .stdout(stdout)
            .stderr(stderr)
            .spawn()
            .expect("start preau");
        let server = Server {
            child,
            port,
            db: db.to_owned(),
        };
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            if ureq::get(&server.url("/health")).call().is_ok() {
                return server;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("preau did not answer /health on port {port}");
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    /// SIGKILL: no shutdown, no checkpoint.
    pub fn kill(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// (status, body) of a JSON request; transport errors are status 0.
    pub fn call(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> (u16, Value) {
        let mut req = ureq::request(method, &self.url(path)).timeout(Duration::from_secs(30));
        if let Some(t) = token {
            req = req.set("Authorization", &format!("Bearer {t}"));
        }
        let res = match body {
            Some(b) => req.send_json(b),
            None => req.call(),
        };
        match res {
            Ok(r) => (r.status(), r.into_json().unwrap_or(Value::Null)),
            Err(ureq::Error::Status(code, r)) => (code, r.into_json().unwrap_or(Value::Null)),
            Err(_) => (0, Value::Null),
        }
    }

    pub fn login(&self, username: &str) -> String {
        let (status, body) = self.call(
            "POST",
            "/api/v1/auth/login",
            None,
            Some(json!({"login": username, "password": PASSWORD})),
        );
        assert_eq!(status, 200, "{body}");
        body["token"].as_str().expect("token").to_owned()
    }

    pub fn register(&self, username: &str) -> String {
        let (status, body) = self.call(
            "POST",
            "/auth/register",
            None,
            Some(json!({"username": username, "password": PASSWORD})),
        );
        assert_eq!(status, 201, "{body}");
        body["token"].as_str().expect("token").to_owned()
    }

    /// A forum subject to write posts into; returns its id.
    pub fn subject(&self, admin: &str, member: &str) -> i64 {
        let (_, cat) = self.call(
            "POST",
            "/api/v1/forum/categories",
            Some(admin),
            Some(json!({"name": "General"})),
        );
        let (_, forum) = self.call(
            "POST",
            "/api/v1/forum/forums",
            Some(admin),
            Some(json!({"category_id": cat["id"], "name": "Help"})),
        );
        let (status, subject) = self.call(
            "POST",
            "/api/v1/forum/subjects",
            Some(member),
            Some(json!({"forum_id": forum["id"], "title": "Load"})),
        );
        assert_eq!(status, 201, "{subject}");
        subject["id"].as_i64().expect("subject id")
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn integrity(db: &Path) -> String {
    let conn = rusqlite::Connection::open(db).expect("open db");
    conn.query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .expect("integrity_check")
}

/// `s` percent-encoded for a path segment or a query value.
pub fn enc(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}
