//! Throughput of the grading queue: `cargo run --example grading_queue -- [runs] [concurrency]`.
//!
//! The Python exercise of bench/sandbox.rs (a script with 5 tests), `runs` saves spread over 4
//! members (one run in flight per member), through the REST API of a real app with its
//! workers and the bubblewrap sandbox; prints runs per second from the first save to the last
//! run done. `concurrency` defaults to the server's default (cores − 1, at least 1).
#![allow(clippy::unwrap_used)]

#[rustfmt::skip]
#[allow(clippy::wrong_self_convention)]
#[path = "../tests/common/mod.rs"]
mod common;
#[rustfmt::skip]
#[allow(dead_code)]
#[path = "../tests/content/support.rs"]
mod support;

use std::time::{Duration, Instant};

use serde_json::json;

use common::TestApp;
use support::World;

const SCRIPT: &str = r#"import json, submission
tests = []
for i, (a, b) in enumerate([(1, 2), (40, 2), (0, 0), (-1, 1), (10**6, 1)]):
    ok = submission.add(a, b) == a + b
    tests.append({"name": f"test {i}", "status": "pass" if ok else "fail"})
json.dump({"tests": tests}, open("results.json", "w"))
"#;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let runs: usize = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(40);
    let concurrency: Option<usize> = args.get(2).and_then(|a| a.parse().ok());
    let app = TestApp::with(|c| {
        // The helper: target/debug/preau (built by `cargo test --test grading --no-run`).
        c.grading_helper = Some(std::fs::canonicalize("target/debug/preau").unwrap());
        c.grading_uid_base = 4_300_000;
        c.grading_queue_max = 10_000;
        if let Some(n) = concurrency {
            c.grading_concurrency = n;
        }
    });
    let workers = app.config.grading_concurrency;
    let w = World::on(app);
    let script = w.create("/api/v1/scripts", &w.bob, json!({"content": SCRIPT}));
    let course = w.course();
    let ex = w.create(
        "/api/v1/exercises",
        &w.bob,
        json!({"course_id": course, "title": "Add", "instruction": "Add", "runner": "python", "script_id": script}),
    );
    w.approve("exercises", ex);
    let members = [
        w.alice.clone(),
        w.carol.clone(),
        support::account(&w.app, "dave", 1),
        support::account(&w.app, "erin", 1),
    ];
    let attempts: Vec<i64> = members
        .iter()
        .map(|m| w.create("/api/v1/attempts", m, json!({"exercise_id": ex})))
        .collect();
    let start = Instant::now();
    for i in 0..runs {
        let k = i % members.len();
        w.create(
            &format!("/api/v1/attempts/{}/code", attempts[k]),
            &members[k],
            json!({"content": "def add(a, b):\n    return a + b\n"}),
        );
    }
    loop {
        let done = w
            .app
            .scalar("SELECT COUNT(*) FROM runs WHERE status = 'done'", []);
        if done as usize >= runs {
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let secs = start.elapsed().as_secs_f64();
    let passed = w
        .app
        .scalar("SELECT COUNT(*) FROM runs WHERE verdict = 'passed'", []);
    println!(
        "{runs} runs ({passed} passed), {workers} worker(s): {secs:.2} s, {:.1} runs/s",
        runs as f64 / secs
    );
}
