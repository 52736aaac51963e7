//! The rules of filing and handling a report: once per member and target, never one's own
//! content, bounded messages, and transitions only in order.

use serde_json::json;

use crate::support::*;

#[test]
fn a_member_reports_a_target_once() {
    let w = World::new();
    let first = w.report_post();

    let res = report(&w.app, &w.reporter, "forum_post", w.post, Some("Again."));

    res.assert_error(409, 409, 1409);
    assert_eq!(w.app.count("reports"), 1);
    assert_eq!(
        w.app.scalar(
            "SELECT id FROM reports WHERE reporter_id = ?1",
            [w.reporter.id]
        ),
        first
    );
}

#[test]
fn a_member_may_not_report_again_after_the_report_is_finished() {
    let w = World::new();
    let first = w.report_post();
    take(&w.app, &w.moderator, first);
    expect_changed(cancel(&w.app, &w.moderator, first, "Not spam."));

    let res = report(&w.app, &w.reporter, "forum_post", w.post, None);

    res.assert_error(409, 409, 1409);
    assert_eq!(w.app.count("reports"), 1);
}

#[test]
fn other_members_may_report_a_target_already_reported() {
    let w = World::new();
    w.report_post();

    let res = report(&w.app, &w.bystander, "forum_post", w.post, None);

    let body = expect(res, 201);
    assert_eq!(body["reporter_id"], json!(w.bystander.id));
    assert_eq!(body["status"], json!(0));
    assert_eq!(w.app.count("reports"), 2);
}

#[test]
fn reporting_ones_own_content_is_refused() {
    let w = World::new();

    let res = report(&w.app, &w.author, "forum_post", w.post, Some("Me."));

    res.assert_error(400, 400, 1400);
    assert_eq!(res.body["field"], json!("target_id"));
    assert_eq!(w.app.count("reports"), 0);
}

#[test]
fn reporting_a_missing_target_is_400_naming_the_field() {
    let w = World::new();

    let res = report(&w.app, &w.reporter, "blog_post", 9999, None);

    res.assert_error(400, 400, 1400);
    assert_eq!(res.body["field"], json!("target_id"));
    assert_eq!(w.app.count("reports"), 0);
}

#[test]
fn a_report_comment_over_1000_characters_is_400_naming_the_field() {
    let w = World::new();

    let res = report(&w.app, &w.reporter, "forum_post", w.post, Some(&long(1001)));

    res.assert_error(400, 400, 1400);
    assert_eq!(res.body["field"], json!("comment"), "{}", res.text);
    assert_eq!(w.app.count("reports"), 0);
}

#[test]
fn a_seed_report_comment_over_1000_characters_is_not_added_naming_report_comment() {
    let w = World::new();

    let res = post(
        &w.app,
        &w.reporter,
        format!("/report/add/{}", w.post),
        json!({"reportComment": long(1001)}),
    );

    res.assert_error(400, 400, 1400);
    assert_eq!(res.body["error"], json!("NOT ADDED"));
    assert_eq!(res.body["field"], json!("reportComment"), "{}", res.text);
    assert_eq!(w.app.count("reports"), 0);
}

#[test]
fn a_report_comment_of_1000_characters_is_accepted() {
    let w = World::new();

    let res = report(&w.app, &w.reporter, "forum_post", w.post, Some(&long(1000)));

    assert_eq!(expect(res, 201)["comment"], json!(long(1000)));
}

#[test]
fn report_comments_and_results_may_span_several_lines() {
    let w = World::new();
    let comment = "Spam.\nSee the link at the end.";
    let res = report(&w.app, &w.reporter, "forum_post", w.post, Some(comment));
    let id = expect(res, 201)["id"].as_i64().unwrap();
    take(&w.app, &w.moderator, id);

    let res = confirm(
        &w.app,
        &w.moderator,
        id,
        "Advertising.\nEdit the post, please.",
    );

    expect_changed(res);
    let stored: String = w
        .app
        .db()
        .query_row("SELECT comment FROM reports WHERE id = ?1", [id], |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(stored, comment);
    assert_eq!(
        report_row(&w.app, id).result.as_deref(),
        Some("Advertising.\nEdit the post, please.")
    );
}

#[test]
fn a_report_result_over_1000_characters_is_400_and_changes_nothing() {
    let w = World::new();
    let id = w.report_post();
    take(&w.app, &w.moderator, id);
    let before = report_row(&w.app, id);

    let confirmed = confirm(&w.app, &w.moderator, id, &long(1001));
    let cancelled = cancel(&w.app, &w.moderator, id, &long(1001));

    for res in [confirmed, cancelled] {
        res.assert_error(400, 400, 1400);
        assert_eq!(res.body["field"], json!("report_result"), "{}", res.text);
    }
    assert_eq!(report_row(&w.app, id), before);
    assert!(!is_hidden(&w.app, "forum_posts", w.post));
    assert!(notices(&w.app, w.author.id).is_empty());
}

#[test]
fn cancel_before_take_is_409_and_changes_nothing() {
    let w = World::new();
    let id = w.report_post();
    let before = report_row(&w.app, id);

    let res = cancel(&w.app, &w.moderator, id, "No.");

    res.assert_error(409, 409, 1409);
    assert_eq!(report_row(&w.app, id), before);
    assert!(notices(&w.app, w.reporter.id).is_empty());
}

#[test]
fn confirm_before_take_is_409_and_changes_nothing() {
    let w = World::new();
    let id = w.report_post();
    let before = report_row(&w.app, id);

    let res = confirm(&w.app, &w.moderator, id, "Yes.");

    res.assert_error(409, 409, 1409);
    assert_eq!(report_row(&w.app, id), before);
    assert!(!is_hidden(&w.app, "forum_posts", w.post));
    assert!(notices(&w.app, w.author.id).is_empty());
}

#[test]
fn confirming_a_finished_report_answers_200_and_changes_nothing() {
    let w = World::new();
    let id = w.report_post();
    take(&w.app, &w.moderator, id);
    cancel(&w.app, &w.moderator, id, "Not spam.");
    let before = report_row(&w.app, id);
    let audit = w.app.count("audit_log");

    let body = expect_unchanged(confirm(&w.app, &w.moderator, id, "Spam after all."));

    assert_eq!(body["report"]["status"], json!(3));
    assert_eq!(report_row(&w.app, id), before);
    assert!(!is_hidden(&w.app, "forum_posts", w.post));
    assert!(notices(&w.app, w.author.id).is_empty());
    assert_eq!(w.app.count("audit_log"), audit);
}

#[test]
fn taking_a_finished_report_answers_200_and_changes_nothing() {
    let w = World::new();
    let id = w.report_post();
    take(&w.app, &w.moderator, id);
    cancel(&w.app, &w.moderator, id, "Not spam.");
    let before = report_row(&w.app, id);

    let body = expect_unchanged(take(&w.app, &w.admin, id));

    assert_eq!(body["report"]["handler_id"], json!(w.moderator.id));
    assert_eq!(report_row(&w.app, id), before);
}

#[test]
fn taking_a_taken_report_answers_200_and_keeps_its_handler() {
    let w = World::new();
    let id = w.report_post();
    take(&w.app, &w.moderator, id);
    let before = report_row(&w.app, id);

    expect_unchanged(take(&w.app, &w.admin, id));

    assert_eq!(report_row(&w.app, id), before);
}

#[test]
fn cancelling_a_finished_report_answers_200_and_changes_nothing() {
    let w = World::new();
    let id = w.report_post();
    take(&w.app, &w.moderator, id);
    cancel(&w.app, &w.moderator, id, "Not spam.");
    let before = report_row(&w.app, id);
    let sent = w.app.count("notifications");

    expect_unchanged(cancel(&w.app, &w.moderator, id, "Twice."));

    assert_eq!(report_row(&w.app, id), before);
    assert_eq!(w.app.count("notifications"), sent);
}

#[test]
fn members_may_not_take_cancel_or_confirm_reports() {
    let w = World::new();
    let id = w.report_post();

    let took = take(&w.app, &w.reporter, id);
    let confirmed = confirm(&w.app, &w.reporter, id, "Yes.");
    let cancelled = cancel(&w.app, &w.bystander, id, "No.");

    for res in [took, confirmed, cancelled] {
        res.assert_error(403, 403, 1403);
    }
    assert_eq!(report_row(&w.app, id).status, 0);
    assert_eq!(report_row(&w.app, id).handler_id, None);
}

#[test]
fn handling_a_missing_report_is_404() {
    let w = World::new();

    take(&w.app, &w.moderator, 9999).assert_error(404, 404, 1404);
    confirm(&w.app, &w.moderator, 9999, "x").assert_error(404, 404, 1404);
    cancel(&w.app, &w.moderator, 9999, "x").assert_error(404, 404, 1404);
}
