//! Pending content (section 4.5): courses and exercises written by members wait for a
//! moderator; until then only their author and the staff see them.

use rocket::http::Method;
use serde_json::{Value, json};

use crate::common::{RequestExt, Resp};
use crate::support::*;

fn ids(res: &Resp) -> Vec<i64> {
    res.body["items"]
        .as_array()
        .unwrap_or_else(|| panic!("a page: {}", res.text))
        .iter()
        .map(|row| row["id"].as_i64().unwrap())
        .collect()
}

fn member_course(w: &World) -> i64 {
    w.create(
        "/api/v1/courses",
        &w.alice,
        json!({"title": "Pointers", "content": "*p"}),
    )
}

fn validate(w: &World, who: &crate::common::User, collection: &str, id: i64, body: Value) -> Resp {
    w.rest(
        Method::Put,
        &format!("/api/v1/{collection}/{id}/validation"),
        Some(who),
        Some(body),
    )
}

#[test]
fn a_members_new_course_is_pending_and_hidden_from_other_members() {
    let w = World::new();
    let res = w.post(
        "/api/v1/courses",
        &w.alice,
        json!({"title": "Pointers", "content": "*p"}),
    );
    assert_eq!(res.status, 201, "{}", res.text);
    assert_eq!(res.body["status"], json!("pending"));
    let id = res.body["id"].as_i64().unwrap();
    assert_eq!(w.status_of("courses", id).as_deref(), Some("pending"));

    assert_not_found(&w.get(&format!("/api/v1/courses/{id}"), &w.bob));
    assert!(!ids(&w.get("/api/v1/courses", &w.bob)).contains(&id));
    assert!(!ids(&w.get("/api/v1/courses?status=pending", &w.bob)).contains(&id));

    for who in [&w.alice, &w.moderator, &w.admin] {
        let res = w.get(&format!("/api/v1/courses/{id}"), who);
        assert_eq!(res.status, 200, "{}: {}", who.username, res.text);
        assert!(ids(&w.get("/api/v1/courses", who)).contains(&id));
    }
    assert_eq!(
        ids(&w.get("/api/v1/courses?status=pending", &w.moderator)),
        vec![id]
    );
}

#[test]
fn a_members_new_exercise_is_pending_and_hidden_from_other_members() {
    let w = World::new();
    let course = w.course();
    let id = w.create(
        "/api/v1/exercises",
        &w.alice,
        json!({"course_id": course, "title": "Sort", "instruction": "Sort it"}),
    );
    assert_eq!(w.status_of("exercises", id).as_deref(), Some("pending"));
    assert_not_found(&w.get(&format!("/api/v1/exercises/{id}"), &w.bob));
    assert!(!ids(&w.get(&format!("/api/v1/exercises?course={course}"), &w.bob)).contains(&id));
    assert_eq!(
        ids(&w.get(&format!("/api/v1/exercises?course={course}"), &w.alice)),
        vec![id]
    );
    assert_eq!(
        w.get(&format!("/api/v1/exercises/{id}"), &w.moderator)
            .status,
        200
    );
}

#[test]
fn pending_content_cannot_be_commented_or_attempted_by_other_members() {
    let w = World::new();
    let course = member_course(&w);
    let res = w.unchanged(|| {
        w.post(
            &format!("/api/v1/courses/{course}/comments"),
            &w.bob,
            json!({"content": "first"}),
        )
    });
    assert_not_found(&res);
    let res = w.unchanged(|| {
        w.seed(
            "/course/commente/modify",
            Some(&w.bob),
            json!({"couse_id": course, "content": "first"}),
        )
    });
    assert_invalid(&res, "course_id");
    let exercise = w.create(
        "/api/v1/exercises",
        &w.alice,
        json!({"course_id": course, "title": "Sort", "instruction": "Sort it"}),
    );
    let res = w.unchanged(|| w.post("/api/v1/attempts", &w.bob, json!({"exercise_id": exercise})));
    assert_invalid(&res, "exercise_id");
}

#[test]
fn content_written_by_staff_is_approved_at_once() {
    let w = World::new();
    for who in [&w.moderator, &w.admin] {
        let res = w.post(
            "/api/v1/courses",
            who,
            json!({"title": "Staff course", "content": "x"}),
        );
        assert_eq!(res.status, 201, "{}", res.text);
        assert_eq!(res.body["status"], json!("approved"));
        let id = res.body["id"].as_i64().unwrap();
        assert_eq!(w.status_of("courses", id).as_deref(), Some("approved"));
        assert_eq!(w.get(&format!("/api/v1/courses/{id}"), &w.bob).status, 200);
    }
}

#[test]
fn a_moderators_approval_publishes_a_course() {
    let w = World::new();
    let id = member_course(&w);
    let res = validate(&w, &w.moderator, "courses", id, json!({"approved": true}));
    assert_eq!(res.status, 200, "{}", res.text);
    assert_eq!(res.body["status"], json!("approved"));
    assert_eq!(res.body["moderated_by"], json!(w.moderator.id));
    assert_eq!(w.status_of("courses", id).as_deref(), Some("approved"));
    assert_eq!(
        w.value("courses", "moderated_by", id),
        json!(w.moderator.id)
    );
    let res = w.get(&format!("/api/v1/courses/{id}"), &w.bob);
    assert_eq!(res.status, 200, "{}", res.text);
    assert!(ids(&w.get("/api/v1/courses", &w.bob)).contains(&id));
}

#[test]
fn the_seed_routes_validate_courses_and_exercises() {
    let w = World::new();
    let course = member_course(&w);
    let res = w
        .app
        .post(format!(
            "/course/moderation/validate/{}/true",
            w.moderator.token
        ))
        .json_body(&json!({"id": course}))
        .fetch();
    assert_seed_updated(&res);
    assert_eq!(w.status_of("courses", course).as_deref(), Some("approved"));

    let exercise = w.create(
        "/api/v1/exercises",
        &w.alice,
        json!({"course_id": course, "title": "Sort", "instruction": "Sort it"}),
    );
    // The id in the query, the token in the body.
    let res = w.seed(
        &format!("/exercise/moderation/validate/false?id={exercise}"),
        Some(&w.moderator),
        json!({"reason": "Say which order"}),
    );
    assert_seed_updated(&res);
    assert_eq!(
        w.status_of("exercises", exercise).as_deref(),
        Some("rejected")
    );
    assert_eq!(
        w.text("exercises", "status_reason", exercise).as_deref(),
        Some("Say which order")
    );
    // The id in the body, the token in the header.
    let res = w
        .app
        .post("/exercise/moderation/validate/true")
        .bearer(&w.moderator.token)
        .json_body(&json!({"id": exercise}))
        .fetch();
    assert_seed_updated(&res);
    assert_eq!(
        w.status_of("exercises", exercise).as_deref(),
        Some("approved")
    );
}

#[test]
fn members_cannot_validate_content() {
    let w = World::new();
    let id = member_course(&w);
    for who in [&w.alice, &w.bob] {
        let res = w.unchanged(|| validate(&w, who, "courses", id, json!({"approved": true})));
        assert_forbidden(&res);
        let res = w.unchanged(|| {
            w.app
                .post(format!("/course/moderation/validate/{}/true", who.token))
                .json_body(&json!({"id": id}))
                .fetch()
        });
        assert_forbidden(&res);
    }
    let res = w.unchanged(|| {
        w.rest(
            Method::Put,
            &format!("/api/v1/courses/{id}/validation"),
            None,
            Some(json!({"approved": true})),
        )
    });
    assert_no_token(&res);
    assert_eq!(w.status_of("courses", id).as_deref(), Some("pending"));
}

#[test]
fn a_bad_validation_value_is_refused() {
    let w = World::new();
    let id = member_course(&w);
    let res = w.unchanged(|| {
        w.app
            .post(format!(
                "/course/moderation/validate/{}/maybe",
                w.moderator.token
            ))
            .json_body(&json!({"id": id}))
            .fetch()
    });
    assert_invalid(&res, "value");
    let res = w.unchanged(|| validate(&w, &w.moderator, "courses", id, json!({"approved": "yes"})));
    assert_invalid(&res, "approved");
    let res = w.unchanged(|| validate(&w, &w.moderator, "courses", 999, json!({"approved": true})));
    assert_not_found(&res);
}

#[test]
fn a_members_edit_sends_approved_content_back_to_pending() {
    let w = World::new();
    let id = member_course(&w);
    w.approve("courses", id);
    let res = w.patch(
        &format!("/api/v1/courses/{id}"),
        &w.alice,
        json!({"title": "Pointers, revised"}),
    );
    assert_eq!(res.status, 200, "{}", res.text);
    assert_eq!(res.body["status"], json!("pending"));
    assert_eq!(w.status_of("courses", id).as_deref(), Some("pending"));
    assert_not_found(&w.get(&format!("/api/v1/courses/{id}"), &w.bob));

    // On the seed face too.
    w.approve("courses", id);
    let res = w.seed(
        "/course/modify",
        Some(&w.alice),
        json!({"id": id, "content": "*p and &x"}),
    );
    assert_seed_updated(&res);
    assert_eq!(w.status_of("courses", id).as_deref(), Some("pending"));
}

#[test]
fn an_admins_edit_keeps_content_approved() {
    let w = World::new();
    let id = member_course(&w);
    w.approve("courses", id);
    let res = w.patch(
        &format!("/api/v1/courses/{id}"),
        &w.admin,
        json!({"title": "Typo fixed"}),
    );
    assert_eq!(res.status, 200, "{}", res.text);
    assert_eq!(w.status_of("courses", id).as_deref(), Some("approved"));
}

#[test]
fn a_rejection_stores_its_reason_for_the_author() {
    let w = World::new();
    let id = member_course(&w);
    let res = validate(
        &w,
        &w.moderator,
        "courses",
        id,
        json!({"approved": false, "reason": "Add examples"}),
    );
    assert_eq!(res.status, 200, "{}", res.text);
    assert_eq!(res.body["status"], json!("rejected"));
    assert_eq!(res.body["status_reason"], json!("Add examples"));
    assert_eq!(w.status_of("courses", id).as_deref(), Some("rejected"));
    assert_eq!(
        w.text("courses", "status_reason", id).as_deref(),
        Some("Add examples")
    );
    let res = w.get(&format!("/api/v1/courses/{id}"), &w.alice);
    assert_eq!(res.body["status_reason"], json!("Add examples"));
    assert_not_found(&w.get(&format!("/api/v1/courses/{id}"), &w.bob));
}

#[test]
fn a_rejection_without_a_reason_gets_a_default_one() {
    let w = World::new();
    let id = member_course(&w);
    let res = validate(&w, &w.moderator, "courses", id, json!({"approved": false}));
    assert_eq!(res.status, 200, "{}", res.text);
    assert!(
        w.text("courses", "status_reason", id)
            .is_some_and(|r| !r.is_empty())
    );
}

#[test]
fn a_rejection_reason_over_1000_characters_is_refused() {
    let w = World::new();
    let id = member_course(&w);
    let res = w.unchanged(|| {
        validate(
            &w,
            &w.moderator,
            "courses",
            id,
            json!({"approved": false, "reason": "r".repeat(1001)}),
        )
    });
    assert_invalid(&res, "reason");
}

#[test]
fn editing_rejected_content_puts_it_back_in_the_queue() {
    let w = World::new();
    let id = member_course(&w);
    validate(
        &w,
        &w.moderator,
        "courses",
        id,
        json!({"approved": false, "reason": "Add examples"}),
    );
    let res = w.patch(
        &format!("/api/v1/courses/{id}"),
        &w.alice,
        json!({"content": "*p, with examples"}),
    );
    assert_eq!(res.status, 200, "{}", res.text);
    assert_eq!(res.body["status"], json!("pending"));
    assert_eq!(w.status_of("courses", id).as_deref(), Some("pending"));
    assert_eq!(w.text("courses", "status_reason", id), None);
    let queue = w.get("/api/v1/courses?status=pending", &w.moderator);
    assert_eq!(ids(&queue), vec![id]);
}

#[test]
fn another_members_pending_course_is_404_to_every_write() {
    let w = World::new();
    let id = member_course(&w);
    let uri = format!("/api/v1/courses/{id}");
    let res = w.unchanged(|| w.patch(&uri, &w.bob, json!({"title": "mine now"})));
    assert_not_found(&res);
    let res = w.unchanged(|| w.delete(&uri, &w.bob));
    assert_not_found(&res);
    let res = w.unchanged(|| {
        w.seed(
            "/course/modify",
            Some(&w.bob),
            json!({"id": id, "title": "mine now"}),
        )
    });
    assert_not_found(&res);
}
