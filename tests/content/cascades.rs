//! What a deletion takes with it. An account takes its own content (courses, exercises,
//! comments, posts, subjects, attempts, likes); rows that only point at it as grader or
//! moderator stay, without the pointer. Reference data still in use is not deleted (409).

use rocket::http::Method;
use serde_json::{Value, json};

use crate::support::*;

fn count_where(w: &World, table: &str, column: &str, id: i64) -> i64 {
    w.app.scalar(
        &format!("SELECT COUNT(*) FROM {table} WHERE {column} = ?1"),
        [id],
    )
}

#[test]
fn deleting_an_account_removes_its_content_and_likes_and_keeps_everyone_elses() {
    let w = World::new();
    let (_, subject) = w.forum();
    let (_, blog_post) = w.blog();
    let course = w.course();
    let alices_post = w.create(
        "/api/v1/forum/posts",
        &w.alice,
        json!({"subject_id": subject, "content": "Alice"}),
    );
    let bobs_post = w.create(
        "/api/v1/forum/posts",
        &w.bob,
        json!({"subject_id": subject, "content": "Bob"}),
    );
    w.rest(
        Method::Post,
        &format!("/api/v1/forum/posts/{alices_post}/like"),
        Some(&w.bob),
        None,
    );
    w.rest(
        Method::Post,
        &format!("/api/v1/forum/posts/{bobs_post}/like"),
        Some(&w.alice),
        None,
    );
    w.create(
        &format!("/api/v1/blog/posts/{blog_post}/comments"),
        &w.bob,
        json!({"content": "Bob's comment"}),
    );
    w.create(
        &format!("/api/v1/courses/{course}/comments"),
        &w.bob,
        json!({"content": "Bob's comment"}),
    );
    let bobs_course = w.create(
        "/api/v1/courses",
        &w.bob,
        json!({"title": "Bob's course", "content": "x"}),
    );
    let exercise = w.exercise(&w.moderator);
    w.create("/api/v1/attempts", &w.bob, json!({"exercise_id": exercise}));
    w.create(
        &format!("/api/v1/courses/{course}/comments"),
        &w.alice,
        json!({"content": "Alice's comment"}),
    );
    let alices = |w: &World| {
        ["forum_posts", "course_comments"].map(|t| count_where(w, t, "account_id", w.alice.id))
    };
    let alice_before = alices(&w);

    let res = w.delete(&format!("/api/v1/accounts/{}", w.bob.id), &w.admin);
    assert_eq!(res.status, 204, "{}", res.text);
    assert!(!w.app.account_exists(w.bob.id));
    for table in [
        "forum_posts",
        "forum_post_likes",
        "blog_comments",
        "course_comments",
        "courses",
        "attempts",
    ] {
        assert_eq!(
            count_where(&w, table, "account_id", w.bob.id),
            0,
            "{table} of the deleted account"
        );
    }
    assert!(!w.exists("courses", bobs_course));
    assert!(!w.exists("forum_posts", bobs_post));
    // Alice keeps her content; her post lost bob's like, and her like went with bob's post.
    assert_eq!(alices(&w), alice_before);
    assert!(w.exists("forum_posts", alices_post));
    assert_eq!(w.value("forum_posts", "likes", alices_post), json!(0));
    assert_eq!(
        count_where(&w, "forum_post_likes", "account_id", w.alice.id),
        0
    );
}

#[test]
fn deleting_an_account_removes_its_subjects_with_the_replies_in_them() {
    // forum_subjects.account_id is ON DELETE CASCADE: a thread goes with its author.
    let w = World::new();
    let (forum, _) = w.forum();
    let subject = w.create(
        "/api/v1/forum/subjects",
        &w.bob,
        json!({"forum_id": forum, "title": "Bob's thread"}),
    );
    let reply = w.create(
        "/api/v1/forum/posts",
        &w.alice,
        json!({"subject_id": subject, "content": "A reply"}),
    );
    let res = w.rest(Method::Delete, "/api/v1/me", Some(&w.bob), None);
    assert_eq!(res.status, 204, "{}", res.text);
    assert!(!w.exists("forum_subjects", subject));
    assert!(!w.exists("forum_posts", reply));
}

#[test]
fn deleting_a_grader_keeps_the_grades_they_gave() {
    let w = World::new();
    let course = w.create(
        "/api/v1/courses",
        &w.admin,
        json!({"title": "Admin's course", "content": "x"}),
    );
    let exercise = w.create(
        "/api/v1/exercises",
        &w.admin,
        json!({"course_id": course, "title": "t", "instruction": "i"}),
    );
    let grade = w.create(
        "/api/v1/grades",
        &w.moderator,
        json!({"account_id": w.bob.id, "exercise_id": exercise, "value": 5}),
    );
    let res = w.delete(&format!("/api/v1/accounts/{}", w.moderator.id), &w.admin);
    assert_eq!(res.status, 204, "{}", res.text);
    assert!(w.exists("grades", grade));
    assert_eq!(w.value("grades", "grader_id", grade), Value::Null);
    assert_eq!(w.value("grades", "account_id", grade), json!(w.bob.id));
}

#[test]
fn deleting_a_forum_post_removes_its_likes() {
    let w = World::new();
    let post = w.forum_post(&w.alice);
    for who in [&w.bob, &w.carol] {
        w.rest(
            Method::Post,
            &format!("/api/v1/forum/posts/{post}/like"),
            Some(who),
            None,
        );
    }
    assert_eq!(count_where(&w, "forum_post_likes", "post_id", post), 2);
    let res = w.delete(&format!("/api/v1/forum/posts/{post}"), &w.alice);
    assert_eq!(res.status, 204, "{}", res.text);
    assert!(!w.exists("forum_posts", post));
    assert_eq!(count_where(&w, "forum_post_likes", "post_id", post), 0);
}

#[test]
fn deleting_a_course_removes_its_comments_and_exercises() {
    let w = World::new();
    let course = w.course();
    let comment = w.create(
        &format!("/api/v1/courses/{course}/comments"),
        &w.alice,
        json!({"content": "c"}),
    );
    let exercise = w.create(
        "/api/v1/exercises",
        &w.moderator,
        json!({"course_id": course, "title": "t", "instruction": "i"}),
    );
    let res = w.delete(&format!("/api/v1/courses/{course}"), &w.moderator);
    assert_eq!(res.status, 204, "{}", res.text);
    assert!(!w.exists("course_comments", comment));
    assert!(!w.exists("exercises", exercise));
}

#[test]
fn reference_data_still_in_use_cannot_be_deleted() {
    let w = World::new();
    let (forum, _) = w.forum();
    let category = w.value("forums", "category_id", forum).as_i64().unwrap();
    let res = w.unchanged(|| w.delete(&format!("/api/v1/forum/categories/{category}"), &w.admin));
    res.assert_error(409, 409, 1409);
    let (blog_category, _) = w.blog();
    let res = w.unchanged(|| {
        w.delete(
            &format!("/api/v1/blog/categories/{blog_category}"),
            &w.admin,
        )
    });
    res.assert_error(409, 409, 1409);
    // Locale 1 is used by the forum subject.
    let res = w.unchanged(|| w.delete("/api/v1/locales/1", &w.admin));
    res.assert_error(409, 409, 1409);
}

#[test]
fn the_default_locale_cannot_be_deleted() {
    let w = World::new();
    let res = w.unchanged(|| w.delete("/api/v1/locales/1", &w.admin));
    res.assert_error(409, 409, 1409);
    assert!(
        res.body["message"].as_str().unwrap().contains("default"),
        "{}",
        res.text
    );
    let res = w.post(
        "/api/v1/courses",
        &w.alice,
        json!({"title": "t", "content": "c"}),
    );
    assert_eq!(res.status, 201, "{}", res.text);
    assert_eq!(res.body["locale_id"], json!(1));
    // Another unused locale goes.
    let res = w.delete("/api/v1/locales/2", &w.admin);
    assert_eq!(res.status, 204, "{}", res.text);
    assert!(!w.exists("locales", 2));
}
