//! Reports go with their target; they outlive their reporter (the decision stays with the moderator).

use crate::support::*;

#[test]
fn deleting_a_reported_post_removes_its_reports() {
    let w = World::new();
    let report = w.hidden_post();
    let other = forum_post(&w.app, &w.author, w.subject, "Another one");
    let kept = report_id(&w.app, &w.reporter, "forum_post", other);

    let res = delete(&w.app, &w.author, format!("/api/v1/forum/posts/{}", w.post));

    assert_eq!(res.status, 204, "{}", res.text);
    assert_eq!(
        w.app
            .scalar("SELECT COUNT(*) FROM reports WHERE id = ?1", [report]),
        0
    );
    assert_eq!(
        w.app
            .scalar("SELECT COUNT(*) FROM reports WHERE id = ?1", [kept]),
        1
    );
    // The notifications stay, no longer pointing at a report.
    assert_eq!(
        w.app.maybe(
            "SELECT report_id FROM notifications WHERE account_id = ?1",
            [w.author.id]
        ),
        None
    );
    get(&w.app, &w.moderator, format!("/api/v1/reports/{report}")).assert_error(404, 404, 1404);
}

#[test]
fn deleting_a_reported_blog_post_removes_the_reports_on_its_comments() {
    let w = World::new();
    let parent = blog_post(&w.app, &w.admin, &w.author);
    let comment = blog_comment(&w.app, &w.author, parent);
    report_id(&w.app, &w.reporter, "blog_post", parent);
    report_id(&w.app, &w.reporter, "blog_comment", comment);

    let res = delete(&w.app, &w.author, format!("/api/v1/blog/posts/{parent}"));

    assert_eq!(res.status, 204, "{}", res.text);
    assert_eq!(w.app.count("reports"), 0);
}

#[test]
fn deleting_the_reporters_account_keeps_their_reports_without_a_reporter() {
    let w = World::new();
    let report = w.report_post();
    report_id(&w.app, &w.bystander, "forum_post", w.post);

    let res = delete(&w.app, &w.reporter, "/api/v1/me");

    assert_eq!(res.status, 204, "{}", res.text);
    assert_eq!(w.app.count("reports"), 2);
    assert_eq!(
        w.app
            .maybe("SELECT reporter_id FROM reports WHERE id = ?1", [report]),
        None
    );
}

#[test]
fn deleting_the_authors_account_removes_the_reports_on_their_content() {
    let w = World::new();
    w.hidden_post();

    let res = delete(
        &w.app,
        &w.admin,
        format!("/api/v1/accounts/{}", w.author.id),
    );

    assert_eq!(res.status, 204, "{}", res.text);
    assert_eq!(w.app.count("forum_posts"), 0);
    assert_eq!(w.app.count("reports"), 0);
}

#[test]
fn deleting_the_handling_moderator_keeps_the_report_without_a_handler() {
    let w = World::new();
    let report = w.report_post();
    take(&w.app, &w.moderator, report);

    let res = delete(&w.app, &w.moderator, "/api/v1/me");

    assert_eq!(res.status, 204, "{}", res.text);
    let row = report_row(&w.app, report);
    assert_eq!((row.status, row.handler_id), (1, None));
}

#[test]
fn deleting_the_reporter_of_a_confirmed_report_leaves_it_for_the_moderator_to_finish() {
    let w = World::new();
    w.hidden_post();

    let res = delete(&w.app, &w.reporter, "/api/v1/me");

    assert_eq!(res.status, 204, "{}", res.text);
    // The report stays, so the moderator can still finish it and show the post again.
    assert_eq!(w.app.count("reports"), 1);
    let report = w.app.scalar("SELECT id FROM reports", []);
    let res = cancel(&w.app, &w.moderator, report, "edited");
    assert_eq!(res.status, 200, "{}", res.text);
    assert!(!is_hidden(&w.app, "forum_posts", w.post));
}
