//! Findings of the outside probe (issue 12) on content: each test failed before its fix.

use rocket::http::Method;
use serde_json::json;

use crate::common::RequestExt;
use crate::support::*;

/// A comment of `author` on an exercise of a course that stays pending (written by a member,
/// never validated): the exercise is approved, the course is not.
fn comment_under_a_pending_course(w: &World) -> i64 {
    let course = w.create(
        "/api/v1/courses",
        &w.alice,
        json!({"title": "Draft", "content": "not yet"}),
    );
    let exercise = w.create(
        "/api/v1/exercises",
        &w.alice,
        json!({"course_id": course, "title": "E", "instruction": "Do it"}),
    );
    w.approve("exercises", exercise);
    assert_eq!(w.status_of("courses", course).as_deref(), Some("pending"));
    w.create(
        &format!("/api/v1/exercises/{exercise}/comments"),
        &w.alice,
        json!({"content": "my note"}),
    )
}

#[test]
fn a_comment_under_a_pending_course_cannot_be_read_or_reported_by_others() {
    let w = World::new();
    let comment = comment_under_a_pending_course(&w);
    let exercise = w.app.scalar(
        "SELECT exercise_id FROM exercise_comments WHERE id = ?1",
        [comment],
    );
    let res = w.get(
        &format!("/api/v1/exercises/{exercise}/comments/{comment}"),
        &w.bob,
    );
    assert_eq!(res.status, 404, "{}", res.text);
    let before = w.app.count("reports");
    let res = w.post(
        "/api/v1/reports",
        &w.bob,
        json!({"target_type": "exercise_comment", "target_id": comment}),
    );
    assert_invalid(&res, "target_id");
    assert_eq!(w.app.count("reports"), before, "nothing reported");
    // Its author and staff still see it.
    let path = format!("/api/v1/exercises/{exercise}/comments/{comment}");
    assert_eq!(w.get(&path, &w.alice).status, 200);
    assert_eq!(w.get(&path, &w.moderator).status, 200);
}

#[test]
fn a_like_count_past_its_bound_is_refused_and_likes_keep_working() {
    let w = World::new();
    let post = w.forum_post(&w.alice);
    let res = w.patch(
        &format!("/api/v1/forum/posts/{post}"),
        &w.moderator,
        json!({"likes": i64::MAX}),
    );
    assert_invalid(&res, "likes");
    let res = w
        .app
        .post(format!(
            "/forum/post/likes/{}/{}?id={post}",
            w.moderator.token,
            i64::MAX
        ))
        .fetch();
    assert_invalid(&res, "likes");
    // At the bound itself, a like still answers.
    let res = w.patch(
        &format!("/api/v1/forum/posts/{post}"),
        &w.moderator,
        json!({"likes": 1_000_000_000}),
    );
    assert_eq!(res.status, 200, "{}", res.text);
    let res = w.rest(
        Method::Post,
        &format!("/api/v1/forum/posts/{post}/like"),
        Some(&w.bob),
        None,
    );
    assert_eq!(res.status, 200, "{}", res.text);
    assert_eq!(res.body["likes"], json!(1_000_000_001));
}

#[test]
fn a_like_count_set_on_any_face_is_audited() {
    let w = World::new();
    let post = w.forum_post(&w.alice);
    let audited = |value: &str| {
        w.app.scalar(
            "SELECT COUNT(*) FROM audit_log WHERE action = 'set_likes' AND target_type = 'forum_post'
             AND target_id = ?1 AND actor_id = ?2 AND detail = ?3",
            rusqlite::params![post, w.moderator.id, value],
        )
    };
    let res = w.patch(
        &format!("/api/v1/forum/posts/{post}"),
        &w.moderator,
        json!({"likes": 7}),
    );
    assert_eq!(res.status, 200, "{}", res.text);
    assert_eq!(audited("7"), 1, "PATCH is audited");
    let res = w.seed(
        "/forum/post/modify",
        Some(&w.moderator),
        json!({"id": post, "likes": 9}),
    );
    assert_seed_updated(&res);
    assert_eq!(audited("9"), 1, "/forum/post/modify is audited");
    // A body repeating the current count changes nothing and records nothing.
    w.seed(
        "/forum/post/modify",
        Some(&w.moderator),
        json!({"id": post, "likes": 9}),
    );
    assert_eq!(audited("9"), 1);
}
