//! Reliability against a real server process: SIGKILL during concurrent writes, a storm of
//! concurrent writers, and backups taken while the server writes. Each test prints its figures
//! with [`report`], which `cargo test` shows even when the test passes.
#![allow(clippy::unwrap_used)]

mod probe;
mod server;

use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use serde_json::json;
use server::{PASSWORD, Server, create_admin, integrity};

/// Prints a figure straight to the process's stderr: libtest captures `println!` of passing
/// tests, and these figures are what CI's log must show.
fn report(line: String) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr(), "{line}");
}

/// Writers post into `subject` until `stop`; returns the ids the server acknowledged (201)
/// and every status it answered.
fn writers(
    server: &Server,
    token: &str,
    subject: i64,
    threads: usize,
    stop: Arc<AtomicBool>,
) -> Vec<thread::JoinHandle<(Vec<i64>, Vec<u16>)>> {
    (0..threads)
        .map(|t| {
            let url_port = server.port;
            let token = token.to_owned();
            let stop = stop.clone();
            thread::spawn(move || {
                let agent = ureq::AgentBuilder::new().timeout(Duration::from_secs(30)).build();
                let url = format!("http://127.0.0.1:{url_port}/api/v1/forum/posts");
                let (mut ids, mut statuses) = (Vec::new(), Vec::new());
                let mut i = 0;
                while !stop.load(Ordering::Relaxed) {
                    i += 1;
                    let res = agent.post(&url).set("Authorization", &format!("Bearer {token}")).send_json(json!({"subject_id": subject, "content": format!("writer {t} post {i}")}));
                    match res {
                        Ok(r) => {
                            statuses.push(r.status());
                            if let Some(id) = r.into_json::<serde_json::Value>().ok().and_then(|b| b["id"].as_i64()) {
                                ids.push(id);
                            }
                        }
                        Err(ureq::Error::Status(code, _)) => statuses.push(code),
                        // The server was killed: stop writing.
                        Err(_) => break,
                    }
                }
                (ids, statuses)
            })
        })
        .collect()
}

fn setup(dir: &tempfile::TempDir) -> (Server, String, i64) {
    let db = dir.path().join("preau.db");
    create_admin(&db, "admin");
    let server = Server::start(&db);
    let admin = server.login("admin");
    let member = server.register("writer");
    let subject = server.subject(&admin, &member);
    (server, member, subject)
}

#[test]
fn sigkill_during_concurrent_writes_loses_no_acknowledged_write() {
    let dir = tempfile::tempdir().unwrap();
    let (mut server, member, subject) = setup(&dir);
    let db = server.db.clone();
    let mut acknowledged: Vec<i64> = Vec::new();
    for round in 0..5 {
        let stop = Arc::new(AtomicBool::new(false));
        let handles = writers(&server, &member, subject, 8, stop.clone());
        thread::sleep(Duration::from_millis(600 + 150 * round));
        server.kill();
        stop.store(true, Ordering::Relaxed);
        for h in handles {
            acknowledged.extend(h.join().unwrap().0);
        }
        assert_eq!(
            integrity(&db),
            "ok",
            "integrity after SIGKILL {}",
            round + 1
        );
        let conn = rusqlite::Connection::open(&db).unwrap();
        let mut stmt = conn
            .prepare("SELECT EXISTS (SELECT 1 FROM forum_posts WHERE id = ?1)")
            .unwrap();
        let missing: Vec<i64> = acknowledged
            .iter()
            .copied()
            .filter(|id| !stmt.query_row([id], |r| r.get::<_, bool>(0)).unwrap())
            .collect();
        assert!(
            missing.is_empty(),
            "acknowledged writes lost after SIGKILL {}: {missing:?}",
            round + 1
        );
        server = Server::start(&db);
    }
    assert!(
        acknowledged.len() > 50,
        "too few writes to prove anything: {}",
        acknowledged.len()
    );
    report(format!(
        "crash safety: 5 SIGKILLs survived, {} acknowledged writes verified, integrity ok",
        acknowledged.len()
    ));
}

#[test]
fn two_hundred_concurrent_writers_never_see_a_5xx() {
    let dir = tempfile::tempdir().unwrap();
    let (server, member, subject) = setup(&dir);
    let stop = Arc::new(AtomicBool::new(false));
    let started = Instant::now();
    let handles = writers(&server, &member, subject, 200, stop.clone());
    thread::sleep(Duration::from_secs(4));
    stop.store(true, Ordering::Relaxed);
    let mut statuses = Vec::new();
    let mut written = 0;
    for h in handles {
        let (ids, s) = h.join().unwrap();
        written += ids.len();
        statuses.extend(s);
    }
    let elapsed = started.elapsed().as_secs_f64();
    let failures: Vec<u16> = statuses.iter().copied().filter(|s| *s != 201).collect();
    assert!(
        failures.is_empty(),
        "{} of {} writes failed: {:?}",
        failures.len(),
        statuses.len(),
        &failures[..failures.len().min(20)]
    );
    let rows: i64 = rusqlite::Connection::open(&server.db)
        .unwrap()
        .query_row("SELECT COUNT(*) FROM forum_posts", [], |r| r.get(0))
        .unwrap();
    assert_eq!(
        rows, written as i64,
        "every acknowledged write is stored, nothing else"
    );
    report(format!(
        "write contention: 200 writers, {written} writes in {elapsed:.1} s, no 5xx, no 'database is locked'"
    ));
}

#[test]
fn backups_taken_while_writing_are_consistent_and_the_server_stays_writable() {
    let dir = tempfile::tempdir().unwrap();
    let (server, member, subject) = setup(&dir);
    let stop = Arc::new(AtomicBool::new(false));
    let handles = writers(&server, &member, subject, 8, stop.clone());
    let mut previous = 0;
    for n in 0..3 {
        thread::sleep(Duration::from_millis(300));
        let file = dir.path().join(format!("backup-{n}.db"));
        let out = Command::new(server::bin())
            .arg("backup")
            .arg(&file)
            .env("PREAU_DATABASE", &server.db)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "backup failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(integrity(&file), "ok");
        let rows: i64 = rusqlite::Connection::open(&file)
            .unwrap()
            .query_row("SELECT COUNT(*) FROM forum_posts", [], |r| r.get(0))
            .unwrap();
        assert!(
            rows >= previous,
            "a later snapshot holds fewer rows ({rows} < {previous})"
        );
        previous = rows;
    }
    // The admin download is a snapshot too.
    let admin = server.login("admin");
    let res = ureq::get(&server.url("/api/v1/admin/backup"))
        .set("Authorization", &format!("Bearer {admin}"))
        .call()
        .unwrap();
    let mut bytes = Vec::new();
    std::io::Read::read_to_end(&mut res.into_reader(), &mut bytes).unwrap();
    assert!(
        bytes.starts_with(b"SQLite format 3\0"),
        "the download is a database file"
    );
    let downloaded = dir.path().join("downloaded.db");
    std::fs::write(&downloaded, &bytes).unwrap();
    assert_eq!(integrity(&downloaded), "ok");
    stop.store(true, Ordering::Relaxed);
    let statuses: Vec<u16> = handles
        .into_iter()
        .flat_map(|h| h.join().unwrap().1)
        .collect();
    assert!(
        statuses.iter().all(|s| *s == 201),
        "writes failed during backups: {:?}",
        statuses.iter().filter(|s| **s != 201).collect::<Vec<_>>()
    );
    report(format!(
        "backups: 3 CLI snapshots + 1 download during {} writes, all integrity ok",
        statuses.len()
    ));
}

#[test]
fn restore_checks_the_file_then_replaces_the_database() {
    let dir = tempfile::tempdir().unwrap();
    let (server, member, subject) = setup(&dir);
    for i in 0..5 {
        let (status, _) = server.call(
            "POST",
            "/api/v1/forum/posts",
            Some(&member),
            Some(json!({"subject_id": subject, "content": format!("kept {i}")})),
        );
        assert_eq!(status, 201);
    }
    let backup = dir.path().join("backup.db");
    assert!(
        Command::new(server::bin())
            .arg("backup")
            .arg(&backup)
            .env("PREAU_DATABASE", &server.db)
            .status()
            .unwrap()
            .success()
    );
    for i in 0..3 {
        server.call(
            "POST",
            "/api/v1/forum/posts",
            Some(&member),
            Some(json!({"subject_id": subject, "content": format!("later {i}")})),
        );
    }
    let db = server.db.clone();
    server.kill();
    // A damaged file is refused and the database is left alone.
    let garbage = dir.path().join("garbage.db");
    std::fs::write(&garbage, b"this is not a database").unwrap();
    let out = Command::new(server::bin())
        .arg("restore")
        .arg(&garbage)
        .env("PREAU_DATABASE", &db)
        .output()
        .unwrap();
    assert!(!out.status.success(), "a garbage file must be refused");
    let count = |path: &std::path::Path| -> i64 {
        rusqlite::Connection::open(path)
            .unwrap()
            .query_row("SELECT COUNT(*) FROM forum_posts", [], |r| r.get(0))
            .unwrap()
    };
    assert_eq!(count(&db), 8);
    let out = Command::new(server::bin())
        .arg("restore")
        .arg(&backup)
        .env("PREAU_DATABASE", &db)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "restore failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(count(&db), 5);
    let server = Server::start(&db);
    assert_eq!(
        server
            .call(
                "POST",
                "/api/v1/auth/login",
                None,
                Some(json!({"login": "writer", "password": PASSWORD}))
            )
            .0,
        200
    );
}
