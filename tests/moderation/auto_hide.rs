//! `report_hide_threshold`: content reported by that many distinct members is hidden at once,
//! pending a moderator; 0 (the default) never hides anything by itself.

use crate::common::TestApp;
use crate::support::*;

fn with_threshold(n: i64) -> World {
    World::on(TestApp::with(|c| c.report_hide_threshold = n))
}

#[test]
fn two_distinct_reporters_hide_the_post_when_the_threshold_is_2() {
    let w = with_threshold(2);
    w.report_post();
    assert!(!is_hidden(&w.app, "forum_posts", w.post), "one report");

    report_id(&w.app, &w.bystander, "forum_post", w.post);

    assert!(is_hidden(&w.app, "forum_posts", w.post));
    assert_eq!(w.app.count("reports"), 2);
    get(
        &w.app,
        &w.reporter,
        format!("/api/v1/forum/posts/{}", w.post),
    )
    .assert_error(404, 404, 1404);
    let audit = audit_rows(&w.app);
    assert_eq!(
        audit
            .last()
            .map(|(_, a, t, i)| (a.as_str(), t.as_str(), *i)),
        Some(("auto_hide", "forum_post", w.post))
    );
}

#[test]
fn auto_hiding_a_post_tells_its_author() {
    let w = with_threshold(2);
    w.report_post();
    assert!(notices(&w.app, w.author.id).is_empty(), "one report");

    let second = report_id(&w.app, &w.bystander, "forum_post", w.post);

    let told = notices(&w.app, w.author.id);
    assert_eq!(told.len(), 1, "{told:?}");
    assert_eq!(told[0].kind, "content_hidden");
    assert_eq!(told[0].report_id, Some(second));
    assert_eq!(told[0].target_type.as_deref(), Some("forum_post"));
    assert_eq!(told[0].target_id, Some(w.post));
    assert!(!told[0].message.contains("bystander"), "{told:?}");
}

#[test]
fn without_a_threshold_reports_hide_nothing() {
    let w = World::new();
    w.report_post();
    report_id(&w.app, &w.bystander, "forum_post", w.post);
    report_id(&w.app, &w.moderator, "forum_post", w.post);

    let shown = get(
        &w.app,
        &w.bystander,
        format!("/api/v1/forum/posts/{}", w.post),
    );

    assert_eq!(shown.status, 200, "{}", shown.text);
    assert!(!is_hidden(&w.app, "forum_posts", w.post));
    assert_eq!(w.app.count("reports"), 3);
}

#[test]
fn dismissing_a_report_of_an_auto_hidden_post_below_the_threshold_shows_it_again() {
    let w = with_threshold(2);
    let first = w.report_post();
    let second = report_id(&w.app, &w.bystander, "forum_post", w.post);
    assert!(is_hidden(&w.app, "forum_posts", w.post));
    take(&w.app, &w.moderator, first);

    expect_changed(cancel(&w.app, &w.moderator, first, "Not spam."));

    assert!(!is_hidden(&w.app, "forum_posts", w.post));
    let shown = get(
        &w.app,
        &w.reporter,
        format!("/api/v1/forum/posts/{}", w.post),
    );
    assert_eq!(shown.status, 200, "{}", shown.text);
    assert_eq!(
        kinds(&w.app, w.author.id).last().unwrap(),
        "report_finished"
    );
    assert_eq!(status_of(&w.app, second), 0, "the other report waits");
}

#[test]
fn an_auto_hidden_post_stays_hidden_while_a_confirmed_report_remains() {
    let w = with_threshold(2);
    let upheld = w.report_post();
    let dismissed = report_id(&w.app, &w.bystander, "forum_post", w.post);
    take(&w.app, &w.moderator, upheld);
    expect_changed(confirm(&w.app, &w.moderator, upheld, "Advertising."));
    take(&w.app, &w.moderator, dismissed);

    expect_changed(cancel(&w.app, &w.moderator, dismissed, "Duplicate."));

    assert!(is_hidden(&w.app, "forum_posts", w.post));
    assert_eq!(status_of(&w.app, upheld), 2);
}
