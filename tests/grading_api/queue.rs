use std::time::Duration;

use serde_json::{Value, json};

use crate::common::{RequestExt, TestApp, User};
use crate::sandbox::{RIGHT, SCRIPT, WRONG, done, sandboxed_world};
use crate::support::World;

/// The grading_api target's sandbox uids.
fn world() -> Option<World> {
    sandboxed_world(4_200_000)
}

/// An approved exercise of bob's with `fields` (runner python by default).
fn exercise(w: &World, fields: Value) -> i64 {
    let course = w.course();
    let mut body = json!({"course_id": course, "title": "Add", "instruction": "Add two numbers",
                          "grade_max": 20, "runner": "python"});
    for (k, v) in fields.as_object().unwrap() {
        body[k] = v.clone();
    }
    let id = w.create("/api/v1/exercises", &w.bob, body);
    w.approve("exercises", id);
    id
}

fn scripted(w: &World, extra: Value) -> i64 {
    let script = w.create("/api/v1/scripts", &w.bob, json!({"content": SCRIPT}));
    let mut fields = json!({"script_id": script});
    for (k, v) in extra.as_object().unwrap() {
        fields[k] = v.clone();
    }
    exercise(w, fields)
}

fn attempt(w: &World, who: &User, exercise: i64) -> i64 {
    w.create("/api/v1/attempts", who, json!({"exercise_id": exercise}))
}

/// Saves code on the attempt; returns the run it queued.
fn save(w: &World, who: &User, attempt: i64, code: &str) -> i64 {
    w.create(
        &format!("/api/v1/attempts/{attempt}/code"),
        who,
        json!({"content": code}),
    );
    let runs = w.get(&format!("/api/v1/runs?attempt={attempt}"), who);
    assert_eq!(runs.status, 200, "{}", runs.text);
    runs.body["items"][0]["id"]
        .as_i64()
        .expect("a run queued by the save")
}

fn runs(w: &World) -> i64 {
    w.app.count("runs")
}

#[test]
fn wrong_code_fails_with_a_proposed_grade_naming_its_log() {
    let Some(w) = world() else { return };
    let ex = scripted(&w, json!({}));
    let at = attempt(&w, &w.alice, ex);
    let run = done(&w, &w.alice, save(&w, &w.alice, at, WRONG));
    assert_eq!(run["verdict"], "failed", "{run}");
    assert_eq!(run["score"], 0);
    assert_eq!(run["grade_max"], 20);
    assert_eq!(run["tests"].as_array().unwrap().len(), 2);
    let log = run["log_id"].as_i64().unwrap();
    assert!(
        w.text("script_logs", "content", log)
            .unwrap()
            .contains("verdict: failed")
    );
    let db = w.app.db();
    let (value, log_id, proposed): (i64, i64, i64) = db
        .query_row(
            "SELECT value, log_id, proposed FROM grades WHERE account_id = ?1 AND exercise_id = ?2",
            [w.alice.id, ex],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .unwrap();
    assert_eq!((value, log_id, proposed), (0, log, 1));
    // The log hangs from the exercise's script; the member reads it with the run.
    let script = w
        .app
        .scalar("SELECT script_id FROM exercises WHERE id = ?1", [ex]);
    assert_eq!(
        w.app
            .scalar("SELECT script_id FROM script_logs WHERE id = ?1", [log]),
        script
    );
    assert!(run["log"].as_str().unwrap().contains("wrong sum"), "{run}");
}

#[test]
fn right_code_passes_with_grade_max() {
    let Some(w) = world() else { return };
    let ex = scripted(&w, json!({}));
    let at = attempt(&w, &w.alice, ex);
    let run = done(&w, &w.alice, save(&w, &w.alice, at, RIGHT));
    assert_eq!(run["verdict"], "passed", "{run}");
    assert_eq!(run["score"], 20);
    assert_eq!(
        w.app.scalar(
            "SELECT value FROM grades WHERE account_id = ?1 AND exercise_id = ?2",
            [w.alice.id, ex]
        ),
        20
    );
    assert_eq!(
        w.app.scalar(
            "SELECT grade_id IS NOT NULL FROM attempts WHERE id = ?1",
            [at]
        ),
        1
    );
}

#[test]
fn a_hidden_io_test_shows_only_pass_or_fail_to_the_member() {
    let Some(w) = world() else { return };
    let tests = json!([
        {"input": "1 2\n", "expected_output": "3\n", "weight": 1, "hidden": false},
        {"input": "40 2\n", "expected_output": "42\n", "weight": 1, "hidden": true}
    ]);
    let ex = exercise(&w, json!({"io_tests": tests.to_string()}));
    let at = attempt(&w, &w.alice, ex);
    // Right on the first test only.
    let code = "a, b = map(int, input().split())\nprint(3 if a == 1 else a)\n";
    let run = done(&w, &w.alice, save(&w, &w.alice, at, code));
    assert_eq!(run["verdict"], "failed", "{run}");
    assert_eq!(run["score"], 10);
    let hidden: Vec<&Value> = run["tests"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["hidden"] == true)
        .collect();
    assert_eq!(hidden.len(), 1);
    assert_eq!(hidden[0]["status"], "fail");
    assert_eq!(hidden[0]["message"], "");
    // Neither its input nor its expected output reach the member.
    let member_view = w.get(&format!("/api/v1/runs/{}", run["id"]), &w.alice).text;
    assert!(
        !member_view.contains("40 2") && !member_view.contains("\"42"),
        "{member_view}"
    );
    // The log belongs to the exercise's log script (it has no script of its own).
    let log = run["log_id"].as_i64().unwrap();
    let holder = w
        .app
        .scalar("SELECT log_script_id FROM exercises WHERE id = ?1", [ex]);
    assert_eq!(
        w.app
            .scalar("SELECT script_id FROM script_logs WHERE id = ?1", [log]),
        holder
    );
    assert!(
        !w.text("script_logs", "content", log)
            .unwrap()
            .contains("40 2")
    );
}

#[test]
fn auto_grade_confirms_the_grade_at_once() {
    let Some(w) = world() else { return };
    let ex = scripted(&w, json!({"auto_grade": 1}));
    let at = attempt(&w, &w.alice, ex);
    done(&w, &w.alice, save(&w, &w.alice, at, RIGHT));
    assert_eq!(
        w.app.scalar(
            "SELECT proposed FROM grades WHERE account_id = ?1 AND exercise_id = ?2",
            [w.alice.id, ex]
        ),
        0
    );
}

#[test]
fn the_author_confirms_a_proposed_grade_by_changing_it() {
    let Some(w) = world() else { return };
    let ex = scripted(&w, json!({}));
    let at = attempt(&w, &w.alice, ex);
    done(&w, &w.alice, save(&w, &w.alice, at, WRONG));
    let grade = w.app.scalar(
        "SELECT id FROM grades WHERE account_id = ?1 AND exercise_id = ?2",
        [w.alice.id, ex],
    );
    let res = w.patch(
        &format!("/api/v1/grades/{grade}"),
        &w.bob,
        json!({"value": 5}),
    );
    assert_eq!(res.status, 200, "{}", res.text);
    assert_eq!(
        w.app
            .scalar("SELECT proposed FROM grades WHERE id = ?1", [grade]),
        0
    );
}

#[test]
fn a_teachers_grade_is_never_overwritten_by_a_later_run() {
    let Some(w) = world() else { return };
    let ex = scripted(&w, json!({}));
    let at = attempt(&w, &w.alice, ex);
    let grade = w.create(
        "/api/v1/grades",
        &w.bob,
        json!({"account_id": w.alice.id, "exercise_id": ex, "value": 7}),
    );
    let run = done(&w, &w.alice, save(&w, &w.alice, at, RIGHT));
    assert_eq!(run["score"], 20);
    assert_eq!(
        w.app
            .scalar("SELECT value FROM grades WHERE id = ?1", [grade]),
        7
    );
    assert_eq!(
        w.app
            .scalar("SELECT proposed FROM grades WHERE id = ?1", [grade]),
        0
    );
}

#[test]
fn an_unknown_runner_is_refused() {
    let Some(w) = world() else { return };
    let course = w.course();
    let res = w.post(
        "/api/v1/exercises",
        &w.bob,
        json!({"course_id": course, "title": "t", "instruction": "i", "runner": "cobol"}),
    );
    crate::support::assert_invalid(&res, "runner");
    assert!(
        res.body["message"].as_str().unwrap().contains("python"),
        "{}",
        res.text
    );
    assert_eq!(w.app.count("exercises"), 0);
}

#[test]
fn malformed_io_tests_are_refused_naming_the_rule() {
    let Some(w) = world() else { return };
    let course = w.course();
    for bad in [
        "not json",
        "{\"input\": \"1\"}",
        "[{\"input\": 1, \"expected_output\": \"2\"}]",
        "[{\"input\": \"1\", \"expected_output\": \"2\", \"oops\": 1}]",
    ] {
        let res = w.post(
            "/api/v1/exercises",
            &w.bob,
            json!({"course_id": course, "title": "t", "instruction": "i", "runner": "python", "io_tests": bad}),
        );
        crate::support::assert_invalid(&res, "io_tests");
        assert!(
            res.body["message"]
                .as_str()
                .unwrap()
                .contains("expected_output"),
            "{}",
            res.text
        );
    }
    assert_eq!(w.app.count("exercises"), 0);
}

#[test]
fn a_limit_above_the_servers_maximum_is_refused() {
    let Some(w) = world() else { return };
    let course = w.course();
    let res = w.post(
        "/api/v1/exercises",
        &w.bob,
        json!({"course_id": course, "title": "t", "instruction": "i", "runner": "python", "cpu_ms": 5000}),
    );
    crate::support::assert_invalid(&res, "cpu_ms");
}

#[test]
fn code_over_the_size_limit_is_refused_and_nothing_is_queued() {
    let Some(w) = world() else { return };
    let ex = scripted(&w, json!({}));
    let at = attempt(&w, &w.alice, ex);
    let res = w.post(
        &format!("/api/v1/attempts/{at}/code"),
        &w.alice,
        json!({"content": "#".repeat(100_001)}),
    );
    crate::support::assert_invalid(&res, "content");
    assert_eq!(runs(&w), 0);
    assert_eq!(w.app.count("attempt_codes"), 0);
}

#[test]
fn a_run_on_another_members_attempt_is_not_found_and_nothing_is_queued() {
    let Some(w) = world() else { return };
    let ex = scripted(&w, json!({}));
    let at = attempt(&w, &w.alice, ex);
    let run = save(&w, &w.alice, at, RIGHT);
    done(&w, &w.alice, run);
    let before = runs(&w);
    let res = w.post(&format!("/api/v1/attempts/{at}/runs"), &w.carol, json!({}));
    crate::support::assert_not_found(&res);
    assert_eq!(runs(&w), before);
    // Nor may carol read alice's run.
    crate::support::assert_not_found(&w.get(&format!("/api/v1/runs/{run}"), &w.carol));
    // The author may queue one: 202.
    let res = w.post(&format!("/api/v1/attempts/{at}/runs"), &w.bob, json!({}));
    assert_eq!(res.status, 202, "{}", res.text);
    assert_eq!(res.body["status"], "queued");
    done(&w, &w.bob, res.body["id"].as_i64().unwrap());
}

/// Puts a `running` run of `who` in the way: their queued runs wait behind it (one in flight
/// per member).
fn block(w: &World, who: &User, attempt: i64, ex: i64) -> i64 {
    w.app.db()
        .query_row(
            "INSERT INTO runs (attempt_id, account_id, exercise_id, code, status, created_at, started_at)
             VALUES (?1, ?2, ?3, 'x', 'running', 0, 0) RETURNING id",
            [attempt, who.id, ex],
            |r| r.get(0),
        )
        .unwrap()
}

#[test]
fn past_the_queue_bound_a_save_answers_503_with_retry_after_and_queues_nothing() {
    let app = TestApp::with(|c| {
        c.grading_helper = Some(env!("CARGO_BIN_EXE_preau").into());
        c.grading_uid_base = 4_200_000;
        c.grading_queue_max = 2;
    });
    let w = World::on(app);
    let ex = scripted(&w, json!({}));
    let at = attempt(&w, &w.alice, ex);
    block(&w, &w.alice, at, ex);
    save(&w, &w.alice, at, RIGHT);
    save(&w, &w.alice, at, RIGHT);
    let (codes, queued) = (w.app.count("attempt_codes"), runs(&w));
    let res = w.post(
        &format!("/api/v1/attempts/{at}/code"),
        &w.alice,
        json!({"content": RIGHT}),
    );
    assert_eq!(res.status, 503, "{}", res.text);
    assert!(res.header("Retry-After").is_some());
    assert_eq!((w.app.count("attempt_codes"), runs(&w)), (codes, queued));
    let res = w.post(&format!("/api/v1/attempts/{at}/runs"), &w.alice, json!({}));
    assert_eq!(res.status, 503, "{}", res.text);
    assert_eq!(runs(&w), queued);
}

#[test]
fn a_run_cut_by_a_restart_is_run_again() {
    let Some(w) = world() else { return };
    let ex = scripted(&w, json!({}));
    let at = attempt(&w, &w.alice, ex);
    // A run the server was judging when it stopped.
    let cut = block(&w, &w.alice, at, ex);
    w.app
        .db()
        .execute(
            "UPDATE runs SET code = ?1 WHERE id = ?2",
            rusqlite::params![RIGHT, cut],
        )
        .unwrap();
    let World {
        app,
        admin,
        moderator,
        alice,
        bob,
        carol,
    } = w;
    let w = World {
        app: app.restart(),
        admin,
        moderator,
        alice,
        bob,
        carol,
    };
    let run = done(&w, &w.alice, cut);
    let log = w.text("script_logs", "content", run["log_id"].as_i64().unwrap());
    assert_eq!(run["verdict"], "passed", "{run} {log:?}");
}

#[test]
fn the_event_stream_shows_queued_running_done() {
    let Some(w) = world() else { return };
    let ex = scripted(&w, json!({}));
    let at = attempt(&w, &w.alice, ex);
    let blocker = block(&w, &w.alice, at, ex);
    let slow = "import time\ntime.sleep(1)\ndef add(a, b):\n    return a + b\n";
    let run = save(&w, &w.alice, at, slow);
    // Lets the run go half a second after the stream starts.
    let db = w.app.db_path();
    let release = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(500));
        let c = rusqlite::Connection::open(db).unwrap();
        c.busy_timeout(Duration::from_secs(10)).unwrap();
        c.execute("UPDATE runs SET status = 'done' WHERE id = ?1", [blocker])
            .unwrap();
    });
    let res = w
        .app
        .get(format!("/api/v1/runs/{run}/events"))
        .bearer(&w.alice.token)
        .fetch();
    release.join().unwrap();
    assert_eq!(res.status, 200);
    let statuses: Vec<String> = res
        .text
        .lines()
        .filter_map(|l| l.strip_prefix("data:"))
        .map(|d| {
            serde_json::from_str::<Value>(d.trim()).unwrap()["status"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    assert_eq!(statuses, ["queued", "running", "done"], "{}", res.text);
}

#[test]
fn rerun_queues_the_latest_submission_of_every_member() {
    let Some(w) = world() else { return };
    let ex = scripted(&w, json!({}));
    let a = attempt(&w, &w.alice, ex);
    let c = attempt(&w, &w.carol, ex);
    done(&w, &w.alice, save(&w, &w.alice, a, WRONG));
    done(&w, &w.alice, save(&w, &w.alice, a, RIGHT));
    done(&w, &w.carol, save(&w, &w.carol, c, RIGHT));
    crate::support::assert_not_found(&w.post(
        &format!("/api/v1/exercises/{ex}/rerun"),
        &w.alice,
        json!({}),
    ));
    let progress = format!("/api/v1/exercises/{ex}/rerun");
    let before = w.get(&progress, &w.bob);
    assert_eq!(before.status, 200, "{}", before.text);
    assert_eq!(before.body["members"], 2, "{}", before.text);
    assert_eq!(before.body["done"], 2, "{}", before.text);
    assert_eq!(before.body["verdicts"]["passed"], 2, "{}", before.text);
    let res = w.post(&progress, &w.bob, json!({}));
    assert_eq!(res.status, 202, "{}", res.text);
    assert_eq!(res.body["queued"], 2);
    // Right after, the new runs wait (or run): the progress counts them, not the old ones.
    let during = w.get(&progress, &w.bob);
    assert_eq!(
        during.body["queued"].as_u64().unwrap()
            + during.body["running"].as_u64().unwrap()
            + during.body["done"].as_u64().unwrap(),
        2,
        "{}",
        during.text
    );
    for id in res.body["runs"].as_array().unwrap() {
        let run = done(&w, &w.bob, id.as_i64().unwrap());
        assert_eq!(run["verdict"], "passed", "{run}");
    }
    let after = w.get(&progress, &w.bob);
    assert_eq!(after.body["complete"], true, "{}", after.text);
    assert_eq!(after.body["done"], 2, "{}", after.text);
    assert_eq!(
        after.body["verdicts"],
        json!({"passed": 2}),
        "{}",
        after.text
    );
    // A member may not follow it; a missing exercise is not found.
    crate::support::assert_not_found(&w.get(&progress, &w.alice));
    crate::support::assert_not_found(&w.get("/api/v1/exercises/999999/rerun", &w.bob));
}

#[test]
fn the_admin_page_shows_the_mode_runners_queue_and_limits() {
    let Some(w) = world() else { return };
    let res = w.get("/api/v1/admin/grading", &w.admin);
    assert_eq!(res.status, 200, "{}", res.text);
    assert_eq!(res.body["sandbox"]["mode"], "bubblewrap");
    assert!(
        res.body["runners"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["name"] == "python")
    );
    assert_eq!(res.body["queued"], 0);
    assert_eq!(res.body["limits"]["max_cpu_ms"], 1000);
    crate::support::assert_forbidden(&w.get("/api/v1/admin/grading", &w.alice));
}

#[test]
fn a_run_the_exercise_is_at_fault_for_proposes_no_grade() {
    let Some(w) = world() else { return };
    let script = w.create(
        "/api/v1/scripts",
        &w.bob,
        json!({"content": "open('results.json', 'w').write('{not json')\n"}),
    );
    let ex = exercise(&w, json!({"script_id": script}));
    let at = attempt(&w, &w.alice, ex);
    let run = done(&w, &w.alice, save(&w, &w.alice, at, RIGHT));
    assert_eq!(run["verdict"], "error", "{run}");
    assert!(
        run["log"]
            .as_str()
            .unwrap()
            .contains("results.json is malformed"),
        "{run}"
    );
    assert_eq!(w.app.count("grades"), 0);
}

#[test]
fn code_saved_on_an_exercise_without_a_runner_queues_nothing_and_a_run_request_says_why() {
    let Some(w) = world() else { return };
    let script = w.create("/api/v1/scripts", &w.bob, json!({"content": SCRIPT}));
    let course = w.course();
    let ex = w.create(
        "/api/v1/exercises",
        &w.bob,
        json!({"course_id": course, "title": "t", "instruction": "i", "script_id": script}),
    );
    w.approve("exercises", ex);
    let at = attempt(&w, &w.alice, ex);
    w.create(
        &format!("/api/v1/attempts/{at}/code"),
        &w.alice,
        json!({"content": RIGHT}),
    );
    assert_eq!(runs(&w), 0);
    let res = w.post(&format!("/api/v1/attempts/{at}/runs"), &w.alice, json!({}));
    crate::support::assert_invalid(&res, "runner");
    assert_eq!(runs(&w), 0);
}

#[test]
fn code_saved_through_the_seed_route_queues_a_run_too() {
    let Some(w) = world() else { return };
    let ex = scripted(&w, json!({}));
    let at = attempt(&w, &w.alice, ex);
    let res = w.seed(
        "/exercise/user/code/modify",
        Some(&w.alice),
        json!({"user_exercice_id": at, "content": RIGHT}),
    );
    crate::support::assert_seed_created(&res, "/exercise/user/code/modify");
    let runs = w.get(&format!("/api/v1/runs?attempt={at}"), &w.alice);
    let run = done(&w, &w.alice, runs.body["items"][0]["id"].as_i64().unwrap());
    assert_eq!(run["verdict"], "passed", "{run}");
}

#[test]
fn listing_runs_needs_an_attempt() {
    let Some(w) = world() else { return };
    crate::support::assert_invalid(&w.get("/api/v1/runs", &w.alice), "attempt");
}
