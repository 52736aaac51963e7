//! Grade comments, submissions and the gradebook (JSON and CSV).

use serde_json::{Value, json};

use crate::common::User;
use crate::support::{World, account, assert_forbidden, assert_invalid};
use crate::{course_for, exercise_in, groups, put_in};

fn attempt(w: &World, who: &User, exercise: i64) -> i64 {
    w.create("/api/v1/attempts", who, json!({"exercise_id": exercise}))
}

fn save(w: &World, who: &User, attempt: i64, code: &str) -> i64 {
    w.create(
        &format!("/api/v1/attempts/{attempt}/code"),
        who,
        json!({"content": code}),
    )
}

/// A finished run of `who`'s attempt with `score` out of 20, written as the queue writes it.
fn run(w: &World, who: &User, attempt: i64, exercise: i64, score: i64) -> i64 {
    w.app
        .db()
        .query_row(
            "INSERT INTO runs (attempt_id, account_id, exercise_id, code, status, verdict, score, grade_max, created_at, finished_at)
             VALUES (?1, ?2, ?3, 'x', 'done', 'failed', ?4, 20, 1, 2) RETURNING id",
            [attempt, who.id, exercise, score],
            |r| r.get(0),
        )
        .unwrap()
}

fn grade(w: &World, grader: &User, who: &User, exercise: i64, value: i64) -> i64 {
    w.create(
        "/api/v1/grades",
        grader,
        json!({"account_id": who.id, "exercise_id": exercise, "value": value}),
    )
}

#[test]
fn a_grade_carries_a_teachers_comment_and_a_patch_by_the_author_or_staff_confirms_it() {
    let w = World::new();
    let ex = w.exercise(&w.bob);
    let r = w.post(
        "/api/v1/grades",
        &w.bob,
        json!({"account_id": w.alice.id, "exercise_id": ex, "value": 15, "comment": "**Good** work"}),
    );
    assert_eq!(r.status, 201, "{}", r.text);
    let id = r.body["id"].as_i64().unwrap();
    assert!(
        r.body["comment_html"]
            .as_str()
            .unwrap()
            .contains("<strong>Good</strong>"),
        "{}",
        r.text
    );
    // The graded member reads it.
    let seen = w.get(&format!("/api/v1/grades/{id}"), &w.alice);
    assert_eq!(
        seen.body["comment"],
        json!("**Good** work"),
        "{}",
        seen.text
    );
    // A proposal (as a run leaves it) is confirmed by a moderator's change, comment kept.
    w.app
        .db()
        .execute("UPDATE grades SET proposed = 1 WHERE id = ?1", [id])
        .unwrap();
    let r = w.patch(
        &format!("/api/v1/grades/{id}"),
        &w.moderator,
        json!({"value": 12}),
    );
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(w.value("grades", "proposed", id), json!(0));
    assert_eq!(w.value("grades", "comment", id), json!("**Good** work"));
    // And by the exercise's author when someone else graded.
    w.app
        .db()
        .execute(
            "UPDATE grades SET proposed = 1, grader_id = ?2 WHERE id = ?1",
            [id, w.moderator.id],
        )
        .unwrap();
    let r = w.patch(
        &format!("/api/v1/grades/{id}"),
        &w.bob,
        json!({"comment": "Better"}),
    );
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(w.value("grades", "proposed", id), json!(0));
    assert_eq!(w.value("grades", "value", id), json!(12));
    // The graded member cannot change it, nor can another member.
    assert_forbidden(&w.patch(
        &format!("/api/v1/grades/{id}"),
        &w.alice,
        json!({"value": 20}),
    ));
    assert_eq!(
        w.patch(
            &format!("/api/v1/grades/{id}"),
            &w.carol,
            json!({"value": 20})
        )
        .status,
        404
    );
    let long = "x".repeat(5001);
    assert_invalid(
        &w.patch(
            &format!("/api/v1/grades/{id}"),
            &w.bob,
            json!({"comment": long}),
        ),
        "comment",
    );
}

#[test]
fn submissions_list_the_latest_attempt_of_every_member_for_the_author_and_staff() {
    let w = World::new();
    let g = groups(&w);
    put_in(&w, w.alice.id, g.sub);
    put_in(&w, w.carol.id, g.other);
    let ex = w.exercise(&w.bob);
    let first = attempt(&w, &w.alice, ex);
    save(&w, &w.alice, first, "old");
    let latest = attempt(&w, &w.alice, ex);
    save(&w, &w.alice, latest, "v1");
    let code = save(&w, &w.alice, latest, "v2");
    let r_old = run(&w, &w.alice, latest, ex, 5);
    let r_new = run(&w, &w.alice, latest, ex, 14);
    assert!(r_new > r_old);
    let carol = attempt(&w, &w.carol, ex);
    let g_id = grade(&w, &w.bob, &w.carol, ex, 9);
    let res = w.get(&format!("/api/v1/exercises/{ex}/submissions"), &w.bob);
    assert_eq!(res.status, 200, "{}", res.text);
    assert_eq!(res.body["exercise_id"], json!(ex));
    assert_eq!(res.body["grade_max"], json!(20));
    let items = res.body["items"].as_array().unwrap();
    assert_eq!(items.len(), 2, "{}", res.text);
    let a = &items[0];
    assert_eq!(a["account"]["username"], json!("alice"));
    assert_eq!(a["account"]["group_id"], json!(g.sub));
    assert_eq!(a["account"]["group_name"], json!("1ère A"));
    assert_eq!(a["attempt_id"], json!(latest));
    assert_eq!(a["code_id"], json!(code));
    assert_eq!(
        a["submitted_at"],
        w.value("attempt_codes", "created_at", code)
    );
    assert_eq!(a["run"]["id"], json!(r_new));
    assert_eq!(a["run"]["score"], json!(14));
    assert_eq!(a["grade"], Value::Null);
    let c = &items[1];
    assert_eq!(c["account"]["username"], json!("carol"));
    assert_eq!(c["attempt_id"], json!(carol));
    assert_eq!(c["submitted_at"], Value::Null);
    assert_eq!(c["grade"]["id"], json!(g_id));
    assert_eq!(c["grade"]["value"], json!(9));
    assert_eq!(c["grade"]["proposed"], json!(false));
    // Staff see it too; the group filter takes sub-groups.
    let staff = w.get(
        &format!("/api/v1/exercises/{ex}/submissions?group={}", g.class),
        &w.moderator,
    );
    assert_eq!(staff.status, 200, "{}", staff.text);
    let names: Vec<&str> = staff.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["account"]["username"].as_str().unwrap())
        .collect();
    assert_eq!(names, vec!["alice"]);
    // A member — even one with an attempt — is refused.
    assert_forbidden(&w.get(&format!("/api/v1/exercises/{ex}/submissions"), &w.alice));
    assert_invalid(
        &w.get(
            &format!("/api/v1/exercises/{ex}/submissions?group=x"),
            &w.bob,
        ),
        "group",
    );
    assert_eq!(
        w.get("/api/v1/exercises/99999/submissions", &w.bob).status,
        404
    );
}

/// A class with two members, bob's course for it with two exercises, grades and runs.
struct Book {
    w: World,
    class: i64,
    ex1: i64,
    ex2: i64,
    dave: User,
}

fn book() -> Book {
    let w = World::new();
    let g = groups(&w);
    let dave = account(&w.app, "dave", 1);
    put_in(&w, dave.id, g.class);
    put_in(&w, w.alice.id, g.sub);
    put_in(&w, w.carol.id, g.other);
    let course = course_for(&w, &w.bob, g.class, "Python");
    let ex1 = exercise_in(&w, &w.bob, course, "=SUM(A1)");
    let ex2 = exercise_in(&w, &w.bob, course, "Loops, \"for\"");
    // alice: a grade of 15 on ex1, and an earlier run that scored 18; nothing on ex2.
    let a = attempt(&w, &w.alice, ex1);
    run(&w, &w.alice, a, ex1, 18);
    grade(&w, &w.bob, &w.alice, ex1, 15);
    // dave: 7 on ex1, 20 on ex2.
    grade(&w, &w.bob, &dave, ex1, 7);
    grade(&w, &w.bob, &dave, ex2, 20);
    // carol (another group) has a grade too: not in this book.
    grade(&w, &w.bob, &w.carol, ex1, 3);
    w.app
        .db()
        .execute(
            "UPDATE accounts SET firstname = 'Élodie', lastname = '-Dupont, \"Lou\"' WHERE id = ?1",
            [w.alice.id],
        )
        .unwrap();
    Book {
        w,
        class: g.class,
        ex1,
        ex2,
        dave,
    }
}

#[test]
fn the_gradebook_shows_latest_grades_or_the_best_score_per_member_and_exercise() {
    let b = book();
    let w = &b.w;
    let r = w.get(&format!("/api/v1/groups/{}/gradebook", b.class), &w.bob);
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["group"]["name"], json!("Classe de 1ère"));
    assert_eq!(r.body["mode"], json!("latest"));
    let ex: Vec<i64> = r.body["exercises"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["id"].as_i64().unwrap())
        .collect();
    assert_eq!(ex, vec![b.ex1, b.ex2]);
    assert_eq!(r.body["exercises"][0]["course_title"], json!("Python"));
    assert_eq!(r.body["total_max"], json!(40));
    let members = r.body["members"].as_array().unwrap();
    assert_eq!(members.len(), 2, "{}", r.text);
    assert_eq!(members[0]["username"], json!("alice"));
    assert_eq!(members[0]["group_name"], json!("1ère A"));
    assert_eq!(members[0]["scores"], json!([15, null]));
    assert_eq!(members[0]["total"], json!(15));
    assert_eq!(members[1]["id"], json!(b.dave.id));
    assert_eq!(members[1]["scores"], json!([7, 20]));
    assert_eq!(members[1]["total"], json!(27));
    let best = w.get(
        &format!("/api/v1/groups/{}/gradebook?mode=best", b.class),
        &w.moderator,
    );
    assert_eq!(best.status, 200, "{}", best.text);
    assert_eq!(best.body["members"][0]["scores"], json!([18, null]));
    assert_eq!(best.body["members"][1]["scores"], json!([7, 20]));
    let course = w.get(
        &format!("/api/v1/groups/{}/gradebook?course=99999", b.class),
        &w.bob,
    );
    assert_invalid(&course, "course");
    assert_invalid(
        &w.get(
            &format!("/api/v1/groups/{}/gradebook?mode=worst", b.class),
            &w.bob,
        ),
        "mode",
    );
    // A member who wrote no course for the group is refused.
    assert_forbidden(&w.get(&format!("/api/v1/groups/{}/gradebook", b.class), &w.carol));
    assert_forbidden(&w.get(&format!("/api/v1/groups/{}/gradebook", b.class), &w.alice));
    assert_eq!(
        w.get("/api/v1/groups/99999/gradebook", &w.moderator).status,
        404
    );
}

#[test]
fn the_gradebook_csv_has_a_bom_quoted_fields_accents_and_formula_safe_cells() {
    let b = book();
    let w = &b.w;
    let r = w.get(&format!("/api/v1/groups/{}/gradebook.csv", b.class), &w.bob);
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.header("content-type"), Some("text/csv; charset=utf-8"));
    assert_eq!(
        r.header("content-disposition"),
        Some("attachment; filename=\"gradebook-Classe-de-1-re.csv\"")
    );
    let bytes = r.text.as_bytes();
    assert_eq!(&bytes[..3], b"\xef\xbb\xbf", "a UTF-8 BOM first");
    let expected = "\u{feff}Username,Last name,First name,Group,'=SUM(A1),\"Loops, \"\"for\"\"\",Total\r\n\
                    alice,\"'-Dupont, \"\"Lou\"\"\",Élodie,1ère A,15,,15\r\n\
                    dave,,,Classe de 1ère,7,20,27\r\n";
    assert_eq!(r.text, expected);
    let semi = w.get(
        &format!(
            "/api/v1/groups/{}/gradebook.csv?separator=semicolon&mode=best",
            b.class
        ),
        &w.moderator,
    );
    assert_eq!(semi.status, 200, "{}", semi.text);
    assert!(
        semi.text
            .contains("\r\nalice;\"'-Dupont, \"\"Lou\"\"\";Élodie;1ère A;18;;18\r\n"),
        "{}",
        semi.text
    );
    assert_invalid(
        &w.get(
            &format!("/api/v1/groups/{}/gradebook.csv?separator=tab", b.class),
            &w.bob,
        ),
        "separator",
    );
    assert_forbidden(&w.get(
        &format!("/api/v1/groups/{}/gradebook.csv", b.class),
        &w.carol,
    ));
}
