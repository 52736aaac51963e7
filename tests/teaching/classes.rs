//! Courses meant for a group: who sees them and their exercises and comments, the filters.

use serde_json::{Value, json};

use crate::support::{World, account, assert_invalid, assert_not_found, assert_seed_created};
use crate::{course_for, exercise_in, groups, put_in};

fn ids(res: &crate::common::Resp) -> Vec<i64> {
    assert_eq!(res.status, 200, "{}", res.text);
    res.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_i64().unwrap())
        .collect()
}

#[test]
fn a_group_course_is_seen_by_its_group_and_sub_groups_its_author_and_staff_only() {
    let w = World::new();
    let g = groups(&w);
    let dave = account(&w.app, "dave", 1);
    put_in(&w, dave.id, g.class); // the group itself
    put_in(&w, w.alice.id, g.sub); // a sub-group
    put_in(&w, w.carol.id, g.other); // a sibling: outsider
    let course = course_for(&w, &w.bob, g.class, "For the class");
    let open = w.course();
    let ex = exercise_in(&w, &w.bob, course, "Ex");
    let comment = w.create(
        &format!("/api/v1/courses/{course}/comments"),
        &w.bob,
        json!({"content": "welcome"}),
    );
    assert_eq!(w.value("courses", "group_id", course), json!(g.class));
    for who in [&dave, &w.alice, &w.bob, &w.moderator, &w.admin] {
        let r = w.get(&format!("/api/v1/courses/{course}"), who);
        assert_eq!(r.status, 200, "{} should see it: {}", who.username, r.text);
        assert_eq!(r.body["group_id"], json!(g.class));
        assert_eq!(
            w.get(&format!("/api/v1/exercises/{ex}"), who).status,
            200,
            "{} should see the exercise",
            who.username
        );
        assert!(ids(&w.get("/api/v1/courses", who)).contains(&course));
    }
    // The outsider sees neither the course, nor its exercise, nor its comments.
    assert_not_found(&w.get(&format!("/api/v1/courses/{course}"), &w.carol));
    assert_not_found(&w.get(&format!("/api/v1/exercises/{ex}"), &w.carol));
    assert_not_found(&w.get(
        &format!("/api/v1/courses/{course}/comments/{comment}"),
        &w.carol,
    ));
    let listed = ids(&w.get("/api/v1/courses", &w.carol));
    assert!(!listed.contains(&course) && listed.contains(&open));
    assert!(!ids(&w.get("/api/v1/exercises", &w.carol)).contains(&ex));
    // Moving the outsider into the class opens it.
    put_in(&w, w.carol.id, g.class);
    assert_eq!(
        w.get(&format!("/api/v1/courses/{course}"), &w.carol).status,
        200
    );
    // Anonymous readers never see it.
    let anon = w.rest(
        rocket::http::Method::Get,
        &format!("/api/v1/courses/{course}"),
        None,
        None,
    );
    assert!(anon.status == 404 || anon.status == 401, "{}", anon.text);
}

#[test]
fn the_group_filters_include_sub_groups() {
    let w = World::new();
    let g = groups(&w);
    let dave = account(&w.app, "dave", 1);
    put_in(&w, dave.id, g.class);
    put_in(&w, w.alice.id, g.sub);
    put_in(&w, w.carol.id, g.other);
    let in_class = course_for(&w, &w.moderator, g.class, "Class");
    let in_sub = course_for(&w, &w.moderator, g.sub, "Sub");
    let in_other = course_for(&w, &w.moderator, g.other, "Other");
    let open = w.course();
    let listed = ids(&w.get(&format!("/api/v1/courses?group={}", g.class), &w.moderator));
    assert!(listed.contains(&in_class) && listed.contains(&in_sub));
    assert!(!listed.contains(&in_other) && !listed.contains(&open));
    assert_eq!(
        ids(&w.get(&format!("/api/v1/courses?group={}", g.sub), &w.moderator)),
        vec![in_sub]
    );
    assert_invalid(&w.get("/api/v1/courses?group=abc", &w.moderator), "group");
    let accounts = ids(&w.get(&format!("/api/v1/accounts?group={}", g.class), &w.moderator));
    assert!(accounts.contains(&dave.id) && accounts.contains(&w.alice.id));
    assert!(!accounts.contains(&w.carol.id) && !accounts.contains(&w.bob.id));
}

#[test]
fn both_faces_take_group_id_and_refuse_an_unknown_group_naming_it() {
    let w = World::new();
    let g = groups(&w);
    let res = w.seed(
        "/course/modify",
        Some(&w.moderator),
        json!({"title": "Seeded", "content": "x", "group_id": g.sub}),
    );
    let id = assert_seed_created(&res, "/course/modify");
    assert_eq!(w.value("courses", "group_id", id), json!(g.sub));
    let bad = w.post(
        "/api/v1/courses",
        &w.bob,
        json!({"title": "T", "content": "c", "group_id": 9999}),
    );
    assert_invalid(&bad, "group_id");
    let bad = w.post(
        "/api/v1/courses",
        &w.bob,
        json!({"title": "T", "content": "c", "group_id": "x"}),
    );
    assert_invalid(&bad, "group_id");
    // Clearing the group opens the course again.
    let r = w.patch(
        &format!("/api/v1/courses/{id}"),
        &w.moderator,
        json!({"group_id": null}),
    );
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["group_id"], Value::Null);
}
