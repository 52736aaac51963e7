//! A real SMTP server on the loopback for the mail tests: aiosmtpd (Debian's
//! `python3-aiosmtpd`), started and stopped by the tests, in plain SMTP or STARTTLS with a
//! certificate made for the test (openssl). Without aiosmtpd a test skips with a reason, and
//! fails under `CI=true`.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;
use tempfile::TempDir;

/// The Python that has aiosmtpd: Debian's (`python3-aiosmtpd`), else the first on the PATH.
fn python() -> Option<&'static str> {
    ["/usr/bin/python3", "python3"].into_iter().find(|p| {
        Command::new(p)
            .args(["-c", "import aiosmtpd"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    })
}

/// Whether the tools are here; panics under CI when they are not.
pub fn available() -> bool {
    let ok = python().is_some();
    if !ok {
        if std::env::var("CI").is_ok_and(|v| v == "true") {
            panic!(
                "aiosmtpd is missing (apt-get install python3-aiosmtpd): the SMTP tests cannot run"
            );
        }
        eprintln!("skipped: aiosmtpd is missing (apt-get install python3-aiosmtpd)");
    }
    ok
}

pub fn free_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}

/// A CA and a server certificate for 127.0.0.1 signed by it.
pub struct Certs {
    pub dir: TempDir,
}

impl Certs {
    pub fn new() -> Certs {
        let dir = tempfile::tempdir().unwrap();
        let run = |args: &[&str]| {
            let out = Command::new("openssl")
                .args(args)
                .current_dir(dir.path())
                .output()
                .expect("openssl (apt-get install openssl)");
            assert!(
                out.status.success(),
                "openssl {args:?}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        };
        run(&[
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
            "-keyout",
            "ca.key",
            "-out",
            "ca.pem",
            "-days",
            "2",
            "-subj",
            "/CN=Preau test CA",
            "-addext",
            "basicConstraints=critical,CA:TRUE",
            "-addext",
            "keyUsage=critical,keyCertSign,cRLSign",
        ]);
        run(&[
            "req",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
            "-keyout",
            "server.key",
            "-out",
            "server.csr",
            "-subj",
            "/CN=127.0.0.1",
        ]);
        std::fs::write(
            dir.path().join("ext.cnf"),
            "subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n",
        )
        .unwrap();
        run(&[
            "x509",
            "-req",
            "-in",
            "server.csr",
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-out",
            "server.pem",
            "-days",
            "2",
            "-extfile",
            "ext.cnf",
        ]);
        Certs { dir }
    }

    pub fn ca(&self) -> PathBuf {
        self.dir.path().join("ca.pem")
    }
}

/// A running aiosmtpd; killed when dropped.
pub struct Smtp {
    pub port: u16,
    out: TempDir,
    tls: Option<(PathBuf, PathBuf)>,
    implicit_tls: bool,
    child: Option<Child>,
}

impl Smtp {
    pub fn start(port: u16) -> Smtp {
        Smtp::start_with(port, None)
    }

    pub fn start_tls(port: u16, certs: &Certs) -> Smtp {
        let d = certs.dir.path();
        Smtp::start_with(port, Some((d.join("server.pem"), d.join("server.key"))))
    }

    /// TLS from the first byte (`smtp_security = "tls"`).
    pub fn start_implicit_tls(port: u16, certs: &Certs) -> Smtp {
        let d = certs.dir.path();
        let mut smtp = Smtp {
            port,
            out: tempfile::tempdir().unwrap(),
            tls: Some((d.join("server.pem"), d.join("server.key"))),
            implicit_tls: true,
            child: None,
        };
        smtp.resume();
        smtp
    }

    fn start_with(port: u16, tls: Option<(PathBuf, PathBuf)>) -> Smtp {
        let mut smtp = Smtp {
            port,
            out: tempfile::tempdir().unwrap(),
            tls,
            implicit_tls: false,
            child: None,
        };
        smtp.resume();
        smtp
    }

    /// Starts the server (again) on the same port, keeping what it received.
    pub fn resume(&mut self) {
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/accounts/smtp_server.py");
        let mut cmd = Command::new(python().expect("aiosmtpd"));
        cmd.arg(script)
            .arg(self.port.to_string())
            .arg(self.out.path());
        if let Some((cert, key)) = &self.tls {
            cmd.arg(cert).arg(key);
            if self.implicit_tls {
                cmd.arg("implicit");
            }
        }
        let started = Instant::now();
        loop {
            let mut child = cmd
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .stderr(Stdio::inherit())
                .spawn()
                .unwrap();
            let mut line = String::new();
            BufReader::new(child.stdout.take().unwrap())
                .read_line(&mut line)
                .unwrap();
            if line.trim() == "READY" {
                self.child = Some(child);
                return;
            }
            // The port of the server just stopped may take a moment to be free again.
            let _ = child.kill();
            let _ = child.wait();
            assert!(
                started.elapsed() < Duration::from_secs(20),
                "aiosmtpd did not start on port {}",
                self.port
            );
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    /// Stops the server: connections are refused until [`Smtp::resume`].
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// The messages received so far, oldest first.
    pub fn messages(&self) -> Vec<Value> {
        let mut names: Vec<PathBuf> = std::fs::read_dir(self.out.path())
            .unwrap()
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "json"))
            .collect();
        names.sort();
        names
            .iter()
            .map(|p| serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap())
            .collect()
    }

    /// Waits (at most a minute) until `n` messages have arrived; returns them.
    pub fn wait_for(&self, n: usize) -> Vec<Value> {
        let started = Instant::now();
        loop {
            let m = self.messages();
            if m.len() >= n {
                return m;
            }
            assert!(
                started.elapsed() < Duration::from_secs(60),
                "{} of {n} messages arrived in a minute: {m:?}",
                m.len()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for Smtp {
    fn drop(&mut self) {
        self.stop();
    }
}

/// The link of a message's text (the first line that starts with http).
pub fn link_of(message: &Value) -> String {
    message["text"]
        .as_str()
        .unwrap()
        .lines()
        .find(|l| l.starts_with("http"))
        .unwrap_or_else(|| panic!("no link in {message}"))
        .trim()
        .to_owned()
}

/// The path and query of a link of the test app (`http://localhost:8000/...`).
pub fn path_of(link: &str) -> String {
    let rest = link.split_once("://").unwrap().1;
    format!("/{}", rest.split_once('/').unwrap().1)
}

/// The `token` query parameter of a link.
pub fn token_of(link: &str) -> String {
    link.split_once("token=")
        .unwrap()
        .1
        .split('&')
        .next()
        .unwrap()
        .to_owned()
}
