//! What the test targets that judge through the real sandbox share (`grading_api`, `teaching`):
//! an app whose workers use the built `preau` helper under tight limits, the add exercise's
//! script with a right and a wrong answer, and waiting for a run to end.
//!
//! Without bubblewrap a test skips with a reason, except under `CI=true`, where it fails.

use std::time::{Duration, Instant};

use rocket::http::Method;
use serde_json::Value;

use crate::common::{TestApp, User};
use crate::support::World;

/// Adds `a` and `b`, checked by a Python script through `results.json`.
pub const SCRIPT: &str = r#"import json, submission
tests = []
for a, b in [(1, 2), (40, 2)]:
    ok = submission.add(a, b) == a + b
    tests.append({"name": f"add({a}, {b})", "status": "pass" if ok else "fail", "message": "" if ok else "wrong sum"})
json.dump({"tests": tests}, open("results.json", "w"))
"#;
pub const RIGHT: &str = "def add(a, b):\n    return a + b\n";
pub const WRONG: &str = "def add(a, b):\n    return a - b\n";

/// An app whose workers judge with the real `preau` helper, tight limits, 2 workers, the
/// sandbox's uids from `uid_base` (each target its own, as they run at the same time); `None`
/// (skipped) without bubblewrap, a panic under `CI=true`.
pub fn sandboxed_world(uid_base: u32) -> Option<World> {
    let app = TestApp::with(|c| {
        c.grading_helper = Some(env!("CARGO_BIN_EXE_preau").into());
        c.grading_concurrency = 2;
        c.grading_uid_base = uid_base;
        c.grading_max_cpu_ms = 1_000;
        c.grading_max_wall_ms = 2_000;
    });
    let w = World::on(app);
    let runners = w.rest(Method::Get, "/api/v1/runners", None, None);
    assert_eq!(runners.status, 200, "{}", runners.text);
    if runners.body["sandbox"]["mode"] != "bubblewrap" {
        let why = runners.body["sandbox"]["summary"].to_string();
        if std::env::var("CI").is_ok_and(|v| v == "true") {
            panic!("CI=true and no bubblewrap sandbox: {why}");
        }
        eprintln!("skipped: {why}");
        return None;
    }
    Some(w)
}

/// Waits for the run to be done (the workers poll twice a second).
pub fn done(w: &World, who: &User, run: i64) -> Value {
    let start = Instant::now();
    loop {
        let r = w.get(&format!("/api/v1/runs/{run}"), who);
        assert_eq!(r.status, 200, "{}", r.text);
        if r.body["status"] == "done" {
            return r.body;
        }
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "run {run} never ended: {}",
            r.text
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}
