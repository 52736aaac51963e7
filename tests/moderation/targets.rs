//! Reports on the other kinds of user content, through the REST API (SPEC 4.7): a confirmed
//! report hides the target from everyone but its author and staff; finishing shows it again.

use serde_json::json;

use crate::support::*;

/// Reports `id` (of `kind`, stored in `table`), confirms, checks who sees it, finishes, checks
/// again.
#[track_caller]
fn hidden_on_confirm_shown_after_finish(
    w: &World,
    kind: &str,
    table: &str,
    list: &str,
    item: &str,
    id: i64,
) {
    let app = &w.app;
    assert_sees(app, &w.bystander, list, item, id, true);
    let report = report_id(app, &w.reporter, kind, id);
    expect_changed(take(app, &w.moderator, report));

    let confirmed = expect_changed(confirm(app, &w.moderator, report, "Rude."));

    assert_eq!(confirmed["report"]["target_type"], json!(kind));
    assert_eq!(confirmed["report"]["target_id"], json!(id));
    assert!(is_hidden(app, table, id), "{kind} hidden");
    assert_sees(app, &w.bystander, list, item, id, false);
    assert_sees(app, &w.reporter, list, item, id, false);
    assert_sees(app, &w.author, list, item, id, true);
    assert_sees(app, &w.moderator, list, item, id, true);
    assert_eq!(kinds(app, w.author.id).last().unwrap(), "report_confirmed");

    expect_changed(cancel(app, &w.moderator, report, "Fine now."));

    assert_eq!(status_of(app, report), 3);
    assert!(!is_hidden(app, table, id), "{kind} shown again");
    assert_sees(app, &w.bystander, list, item, id, true);
    assert_eq!(kinds(app, w.author.id).last().unwrap(), "report_finished");
}

#[test]
fn confirmed_report_hides_a_blog_post_until_finished() {
    let w = World::new();
    let id = blog_post(&w.app, &w.admin, &w.author);

    hidden_on_confirm_shown_after_finish(
        &w,
        "blog_post",
        "blog_posts",
        "/api/v1/blog/posts",
        &format!("/api/v1/blog/posts/{id}"),
        id,
    );
}

#[test]
fn confirmed_report_hides_a_blog_comment_until_finished() {
    let w = World::new();
    let parent = blog_post(&w.app, &w.admin, &w.bystander);
    let id = blog_comment(&w.app, &w.author, parent);

    hidden_on_confirm_shown_after_finish(
        &w,
        "blog_comment",
        "blog_comments",
        &format!("/api/v1/blog/posts/{parent}/comments"),
        &format!("/api/v1/blog/posts/{parent}/comments/{id}"),
        id,
    );
}

#[test]
fn confirmed_report_hides_a_course_until_finished() {
    let w = World::new();
    let id = approved_course(&w.app, &w.moderator, &w.author);

    hidden_on_confirm_shown_after_finish(
        &w,
        "course",
        "courses",
        "/api/v1/courses",
        &format!("/api/v1/courses/{id}"),
        id,
    );
}

#[test]
fn confirmed_report_hides_a_course_comment_until_finished() {
    let w = World::new();
    let course = approved_course(&w.app, &w.moderator, &w.bystander);
    let id = course_comment(&w.app, &w.author, course);

    hidden_on_confirm_shown_after_finish(
        &w,
        "course_comment",
        "course_comments",
        &format!("/api/v1/courses/{course}/comments"),
        &format!("/api/v1/courses/{course}/comments/{id}"),
        id,
    );
}

#[test]
fn confirmed_report_hides_an_exercise_until_finished() {
    let w = World::new();
    let course = approved_course(&w.app, &w.moderator, &w.author);
    let id = approved_exercise(&w.app, &w.moderator, &w.author, course);

    hidden_on_confirm_shown_after_finish(
        &w,
        "exercise",
        "exercises",
        &format!("/api/v1/exercises?course={course}"),
        &format!("/api/v1/exercises/{id}"),
        id,
    );
}

#[test]
fn confirmed_report_hides_an_exercise_comment_until_finished() {
    let w = World::new();
    let course = approved_course(&w.app, &w.moderator, &w.bystander);
    let exercise = approved_exercise(&w.app, &w.moderator, &w.bystander, course);
    let id = id_of(post(
        &w.app,
        &w.author,
        format!("/api/v1/exercises/{exercise}/comments"),
        json!({"content": "Rude words."}),
    ));

    hidden_on_confirm_shown_after_finish(
        &w,
        "exercise_comment",
        "exercise_comments",
        &format!("/api/v1/exercises/{exercise}/comments"),
        &format!("/api/v1/exercises/{exercise}/comments/{id}"),
        id,
    );
}

#[test]
fn hiding_a_blog_post_hides_its_comments_from_others() {
    let w = World::new();
    let parent = blog_post(&w.app, &w.admin, &w.author);
    let comment = blog_comment(&w.app, &w.bystander, parent);
    let report = report_id(&w.app, &w.reporter, "blog_post", parent);
    take(&w.app, &w.moderator, report);

    expect_changed(confirm(&w.app, &w.moderator, report, "Rude."));

    let item = format!("/api/v1/blog/posts/{parent}/comments/{comment}");
    get(&w.app, &w.reporter, &item).assert_error(404, 404, 1404);
    assert_eq!(
        expect(get(&w.app, &w.moderator, &item), 200)["id"],
        json!(comment)
    );
}

#[test]
fn a_pending_course_cannot_be_reported_by_those_who_cannot_see_it() {
    let w = World::new();
    let course = pending_course(&w.app, &w.author, "Draft");

    let res = report(&w.app, &w.reporter, "course", course, None);

    res.assert_error(400, 400, 1400);
    assert_eq!(res.body["field"], json!("target_id"));
    assert_eq!(w.app.count("reports"), 0);
}

#[test]
fn an_unknown_target_type_is_400_naming_the_field() {
    let w = World::new();

    let res = report(&w.app, &w.reporter, "account", w.author.id, None);

    res.assert_error(400, 400, 1400);
    assert_eq!(res.body["field"], json!("target_type"));
    assert_eq!(w.app.count("reports"), 0);
}
