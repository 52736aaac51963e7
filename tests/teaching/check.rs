//! The check of an exercise's correction against its own tests, through the real sandbox.

use serde_json::{Value, json};

use crate::common::User;
use crate::sandbox::{RIGHT, SCRIPT, WRONG, done, sandboxed_world};
use crate::support::{World, assert_forbidden, assert_invalid};

/// The teaching target's sandbox uids.
fn world() -> Option<World> {
    sandboxed_world(4_300_000)
}

/// bob's exercise with the script and a correction holding `correction`.
fn exercise(w: &World, correction: Option<&str>, script: bool) -> i64 {
    let course = w.course();
    let mut body = json!({"course_id": course, "title": "Add", "instruction": "Add", "grade_max": 20,
                          "runner": "python"});
    if script {
        body["script_id"] = json!(w.create("/api/v1/scripts", &w.bob, json!({"content": SCRIPT})));
    }
    if let Some(code) = correction {
        body["correction_id"] =
            json!(w.create("/api/v1/corrections", &w.bob, json!({"content": code})));
    }
    w.create("/api/v1/exercises", &w.bob, body)
}

fn check(w: &World, who: &User, ex: i64) -> crate::common::Resp {
    w.post(&format!("/api/v1/exercises/{ex}/check"), who, json!({}))
}

#[test]
fn a_passing_correction_passes_a_failing_one_fails_and_neither_grades() {
    let Some(w) = world() else { return };
    let good = exercise(&w, Some(RIGHT), true);
    let view = w.get(&format!("/api/v1/exercises/{good}"), &w.bob);
    assert_eq!(view.body["check"], Value::Null, "{}", view.text);
    let r = check(&w, &w.bob, good);
    assert_eq!(r.status, 202, "{}", r.text);
    assert_eq!(r.body["status"], json!("queued"));
    let run = done(&w, &w.bob, r.body["id"].as_i64().unwrap());
    assert_eq!(run["verdict"], json!("passed"), "{run}");
    assert_eq!(run["score"], json!(20));
    let view = w.get(&format!("/api/v1/exercises/{good}"), &w.bob);
    assert_eq!(view.body["check"]["run_id"], run["id"]);
    assert_eq!(view.body["check"]["verdict"], json!("passed"));

    let bad = exercise(&w, Some(WRONG), true);
    let r = check(&w, &w.bob, bad);
    assert_eq!(r.status, 202, "{}", r.text);
    let run = done(&w, &w.bob, r.body["id"].as_i64().unwrap());
    assert_eq!(run["verdict"], json!("failed"), "{run}");
    // Staff run checks too, and see the exercise's latest check.
    let staff = check(&w, &w.moderator, bad);
    assert_eq!(staff.status, 202, "{}", staff.text);
    let staff_run = done(&w, &w.moderator, staff.body["id"].as_i64().unwrap());
    let view = w.get(&format!("/api/v1/exercises/{bad}"), &w.moderator);
    assert_eq!(
        view.body["check"]["run_id"], staff_run["id"],
        "{}",
        view.text
    );
    assert_eq!(view.body["check"]["verdict"], json!("failed"));
    assert!(view.body["check"]["at"].as_i64().unwrap() > 0);
    // No grade, no submission, no attempt listed; members see no `check`.
    assert_eq!(w.app.count("grades"), 0);
    let subs = w.get(&format!("/api/v1/exercises/{bad}/submissions"), &w.bob);
    assert_eq!(subs.body["items"], json!([]), "{}", subs.text);
    let attempts = w.get(&format!("/api/v1/attempts?exercise={bad}"), &w.bob);
    assert_eq!(attempts.body["items"], json!([]), "{}", attempts.text);
    w.approve("exercises", bad);
    let member = w.get(&format!("/api/v1/exercises/{bad}"), &w.alice);
    assert_eq!(member.status, 200, "{}", member.text);
    assert!(member.body.get("check").is_none(), "{}", member.text);
    assert_eq!(
        w.get(&format!("/api/v1/runs/{}", run["id"]), &w.alice)
            .status,
        404
    );
}

#[test]
fn a_check_needs_a_correction_and_something_to_test_against_and_the_author() {
    let Some(w) = world() else { return };
    let none = exercise(&w, None, true);
    assert_invalid(&check(&w, &w.bob, none), "correction_id");
    let untested = exercise(&w, Some(RIGHT), false);
    assert_invalid(&check(&w, &w.bob, untested), "script_id");
    let good = exercise(&w, Some(RIGHT), true);
    assert_forbidden(&check(&w, &w.alice, good));
    assert_eq!(check(&w, &w.bob, 99999).status, 404);
    assert_eq!(w.app.count("runs"), 0);
}

#[test]
fn a_runs_regrade_never_wipes_the_teachers_comment() {
    let Some(w) = world() else { return };
    let ex = exercise(&w, Some(RIGHT), true);
    w.approve("exercises", ex);
    let attempt = w.create("/api/v1/attempts", &w.alice, json!({"exercise_id": ex}));
    let save = |code: &str| {
        w.create(
            &format!("/api/v1/attempts/{attempt}/code"),
            &w.alice,
            json!({"content": code}),
        );
        let runs = w.get(&format!("/api/v1/runs?attempt={attempt}"), &w.alice);
        done(&w, &w.alice, runs.body["items"][0]["id"].as_i64().unwrap())
    };
    save(WRONG);
    let grade = w
        .app
        .scalar("SELECT id FROM grades WHERE account_id = ?1", [w.alice.id]);
    assert_eq!(w.value("grades", "proposed", grade), json!(1));
    let r = w.patch(
        &format!("/api/v1/grades/{grade}"),
        &w.bob,
        json!({"comment": "Check the sign"}),
    );
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(w.value("grades", "proposed", grade), json!(0));
    let run = save(RIGHT);
    assert_eq!(run["verdict"], json!("passed"));
    assert_eq!(w.value("grades", "comment", grade), json!("Check the sign"));
    assert_eq!(w.value("grades", "value", grade), json!(0));
    let seen = w.get(&format!("/api/v1/grades/{grade}"), &w.alice);
    assert_eq!(
        seen.body["comment_html"],
        json!("<p>Check the sign</p>\n"),
        "{}",
        seen.text
    );
}
