//! The validation queue (SPEC 4.5): moderators approve or reject pending courses and exercises;
//! the author is told, and the decision is in the audit log.

use serde_json::json;

use crate::common::{TestApp, User};
use crate::support::*;

struct Queue {
    app: TestApp,
    moderator: User,
    author: User,
    member: User,
}

fn queue() -> Queue {
    let app = TestApp::new();
    let moderator = app.moderator("mod");
    let author = app.register("author");
    let member = app.register("member");
    Queue {
        app,
        moderator,
        author,
        member,
    }
}

#[test]
fn pending_courses_wait_in_the_queue_for_moderators_only() {
    let q = queue();
    let course = pending_course(&q.app, &q.author, "Draft");

    let staff = listed(&q.app, &q.moderator, "/api/v1/courses?status=pending");
    let member = listed(&q.app, &q.member, "/api/v1/courses?status=pending");

    assert_eq!(staff, [course]);
    assert!(member.is_empty(), "{member:?}");
}

#[test]
fn approving_a_pending_course_notifies_its_author() {
    let q = queue();
    let course = pending_course(&q.app, &q.author, "Rust 101");

    let body = validate(
        &q.app,
        &q.moderator,
        "courses",
        course,
        json!({"approved": true}),
    );

    assert_eq!(body["status"], json!("approved"));
    assert_eq!(body["moderated_by"], json!(q.moderator.id));
    let told = notices(&q.app, q.author.id);
    assert_eq!(told.len(), 1, "{told:?}");
    assert_eq!(told[0].kind, "content_approved");
    assert_eq!(told[0].target_type.as_deref(), Some("course"));
    assert_eq!(told[0].target_id, Some(course));
    assert_eq!(
        audit_rows(&q.app),
        [(
            Some(q.moderator.id),
            "approve".to_owned(),
            "course".to_owned(),
            course
        )]
    );
    let shown = get(&q.app, &q.member, format!("/api/v1/courses/{course}"));
    assert_eq!(shown.status, 200, "{}", shown.text);
}

#[test]
fn rejecting_a_course_with_a_reason_tells_the_author_the_reason() {
    let q = queue();
    let course = pending_course(&q.app, &q.author, "Rust 101");

    let body = validate(
        &q.app,
        &q.moderator,
        "courses",
        course,
        json!({"approved": false, "reason": "Too short: add examples."}),
    );

    assert_eq!(body["status"], json!("rejected"));
    assert_eq!(body["status_reason"], json!("Too short: add examples."));
    let told = notices(&q.app, q.author.id);
    assert_eq!(told.len(), 1, "{told:?}");
    assert_eq!(told[0].kind, "content_rejected");
    assert!(
        told[0].message.contains("Too short: add examples."),
        "{told:?}"
    );
    let audit = audit_rows(&q.app);
    assert_eq!(audit.len(), 1);
    assert_eq!(
        (audit[0].1.as_str(), audit[0].2.as_str(), audit[0].3),
        ("reject", "course", course)
    );
    get(&q.app, &q.member, format!("/api/v1/courses/{course}")).assert_error(404, 404, 1404);
}

#[test]
fn approving_a_pending_exercise_notifies_its_author() {
    let q = queue();
    let course = approved_course(&q.app, &q.moderator, &q.author);
    let exercise = id_of(post(
        &q.app,
        &q.author,
        "/api/v1/exercises",
        json!({"course_id": course, "title": "Borrow", "instruction": "Make it compile."}),
    ));

    validate(
        &q.app,
        &q.moderator,
        "exercises",
        exercise,
        json!({"approved": true}),
    );

    let told = notices(&q.app, q.author.id);
    assert_eq!(told.last().unwrap().kind, "content_approved");
    assert_eq!(
        told.last().unwrap().target_type.as_deref(),
        Some("exercise")
    );
    assert_eq!(told.last().unwrap().target_id, Some(exercise));
    let last = audit_rows(&q.app).pop().unwrap();
    assert_eq!(
        (last.1.as_str(), last.2.as_str(), last.3),
        ("approve", "exercise", exercise)
    );
}

#[test]
fn members_may_not_validate_content() {
    let q = queue();
    let course = pending_course(&q.app, &q.author, "Mine");

    let own = put(
        &q.app,
        &q.author,
        format!("/api/v1/courses/{course}/validation"),
        json!({"approved": true}),
    );

    own.assert_error(403, 403, 1403);
    assert_eq!(
        q.app.scalar(
            "SELECT status = 'pending' FROM courses WHERE id = ?1",
            [course]
        ),
        1
    );
    assert_eq!(q.app.count("notifications"), 0);
    assert_eq!(q.app.count("audit_log"), 0);
}

#[test]
fn a_rejection_reason_over_1000_characters_is_400_and_changes_nothing() {
    let q = queue();
    let course = pending_course(&q.app, &q.author, "Draft");

    let res = put(
        &q.app,
        &q.moderator,
        format!("/api/v1/courses/{course}/validation"),
        json!({"approved": false, "reason": long(1001)}),
    );

    res.assert_error(400, 400, 1400);
    assert_eq!(res.body["field"], json!("reason"));
    assert_eq!(
        q.app.scalar(
            "SELECT status = 'pending' FROM courses WHERE id = ?1",
            [course]
        ),
        1
    );
    assert_eq!(q.app.count("notifications"), 0);
}

#[test]
fn a_rejection_reason_may_span_several_lines() {
    let q = queue();
    let course = pending_course(&q.app, &q.author, "Draft");

    let body = validate(
        &q.app,
        &q.moderator,
        "courses",
        course,
        json!({"approved": false, "reason": "Too short.\nAdd examples."}),
    );

    assert_eq!(body["status_reason"], json!("Too short.\nAdd examples."));
    let told = notices(&q.app, q.author.id);
    assert!(
        told[0].message.contains("Too short.\nAdd examples."),
        "{told:?}"
    );
}
