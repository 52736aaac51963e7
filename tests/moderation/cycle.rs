//! The whole life of a report on a forum post (SPEC 4.7): reported, taken, confirmed (the post
//! hidden, author and reporter told), edited by its author (the moderator told), finished (the
//! post shown again, the author told) — through the REST API and through the seed routes.

use serde_json::json;

use crate::common::{RequestExt, enc};
use crate::support::*;

#[test]
fn confirmed_report_hides_the_post_from_everyone_but_its_author_and_staff() {
    let w = World::new();
    let (app, post) = (&w.app, w.post);
    let list = format!("/api/v1/forum/posts?subject={}", w.subject);
    let item = format!("/api/v1/forum/posts/{post}");
    let report = w.report_post();
    expect_changed(take(app, &w.moderator, report));

    let body = expect_changed(confirm(app, &w.moderator, report, "Advertising."));

    assert_eq!(body["report"]["status"], json!(2));
    assert_eq!(body["report"]["result"], json!("Advertising."));
    assert!(is_hidden(app, "forum_posts", post));
    for stranger in [&w.reporter, &w.bystander] {
        assert_sees(app, stranger, &list, &item, post, false);
        let by_author = format!("/api/v1/forum/posts?author={}", w.author.id);
        assert!(!listed(app, stranger, by_author).contains(&post));
    }
    for allowed in [&w.author, &w.moderator, &w.admin] {
        assert_sees(app, allowed, &list, &item, post, true);
    }
    assert_eq!(expect(get(app, &w.author, &item), 200)["hidden"], json!(1));
}

#[test]
fn liking_a_hidden_post_is_404_on_both_faces() {
    let w = World::new();
    w.hidden_post();
    let like = format!("/api/v1/forum/posts/{}/like", w.post);

    let rest = post(&w.app, &w.bystander, &like, json!({}));
    let unlike = delete(&w.app, &w.bystander, &like);
    let seed = w.app.post_json(
        format!("/forum/post/like/{}", w.bystander.token),
        json!({"id": w.post}),
    );

    rest.assert_error(404, 404, 1404);
    unlike.assert_error(404, 404, 1404);
    seed.assert_error(404, 404, 1404);
    assert_eq!(w.app.count("forum_post_likes"), 0);
    assert_eq!(
        w.app
            .scalar("SELECT likes FROM forum_posts WHERE id = ?1", [w.post]),
        0
    );
}

#[test]
fn reporting_a_hidden_post_again_is_refused_on_both_faces() {
    let w = World::new();
    w.hidden_post();

    let rest = report(&w.app, &w.bystander, "forum_post", w.post, None);
    let seed = w
        .app
        .get(format!("/report/add/{}", w.post))
        .bearer(&w.bystander.token)
        .fetch();

    rest.assert_error(400, 400, 1400);
    seed.assert_error(400, 400, 1400);
    assert_eq!(seed.body["error"], json!("NOT ADDED"));
    assert_eq!(w.app.count("reports"), 1);
}

#[test]
fn confirming_notifies_the_author_with_the_result_and_the_reporter() {
    let w = World::new();
    let report = w.hidden_post();

    let author = notices(&w.app, w.author.id);
    let reporter = notices(&w.app, w.reporter.id);

    assert_eq!(author.len(), 1, "{author:?}");
    assert_eq!(author[0].kind, "report_confirmed");
    assert!(author[0].message.contains("Advertising."), "{author:?}");
    assert_eq!(author[0].report_id, Some(report));
    assert_eq!(author[0].target_type.as_deref(), Some("forum_post"));
    assert_eq!(author[0].target_id, Some(w.post));
    assert_eq!(reporter.len(), 1, "{reporter:?}");
    assert_eq!(reporter[0].kind, "report_confirmed");
    assert_eq!(reporter[0].report_id, Some(report));
    assert!(kinds(&w.app, w.bystander.id).is_empty());
    let listed = expect(get(&w.app, &w.author, "/api/v1/notifications"), 200);
    assert_eq!(listed["items"].as_array().unwrap().len(), 1, "{listed}");
    assert_eq!(listed["items"][0]["kind"], json!("report_confirmed"));
    assert_eq!(listed["items"][0]["report_id"], json!(report));
    assert_eq!(listed["items"][0]["read"], json!(false));
    let listed = expect(get(&w.app, &w.reporter, "/api/v1/notifications"), 200);
    assert_eq!(listed["items"][0]["kind"], json!("report_confirmed"));
}

#[test]
fn authors_edit_of_a_hidden_post_notifies_the_handling_moderator() {
    let w = World::new();
    let report = w.hidden_post();

    let res = patch(
        &w.app,
        &w.author,
        format!("/api/v1/forum/posts/{}", w.post),
        json!({"content": "Watches are nice."}),
    );

    assert_eq!(expect(res, 200)["content"], json!("Watches are nice."));
    let told = notices(&w.app, w.moderator.id);
    assert_eq!(told.len(), 1, "{told:?}");
    assert_eq!(told[0].kind, "hidden_content_edited");
    assert_eq!(told[0].report_id, Some(report));
    assert_eq!(told[0].target_id, Some(w.post));
    // Still hidden and confirmed: the moderator decides.
    assert!(is_hidden(&w.app, "forum_posts", w.post));
    assert_eq!(status_of(&w.app, report), 2);
}

#[test]
fn finishing_a_confirmed_report_shows_the_post_again_and_tells_the_author() {
    let w = World::new();
    let report = w.hidden_post();
    expect(
        patch(
            &w.app,
            &w.author,
            format!("/api/v1/forum/posts/{}", w.post),
            json!({"content": "Watches are nice."}),
        ),
        200,
    );

    let body = expect_changed(cancel(&w.app, &w.moderator, report, "Thanks for the edit."));

    assert_eq!(body["report"]["status"], json!(3));
    let row = report_row(&w.app, report);
    assert_eq!(row.status, 3);
    assert_eq!(row.result.as_deref(), Some("Thanks for the edit."));
    assert_eq!(row.handler_id, Some(w.moderator.id));
    assert!(!is_hidden(&w.app, "forum_posts", w.post));
    assert_sees(
        &w.app,
        &w.bystander,
        &format!("/api/v1/forum/posts?subject={}", w.subject),
        &format!("/api/v1/forum/posts/{}", w.post),
        w.post,
        true,
    );
    let author = kinds(&w.app, w.author.id);
    assert_eq!(author, ["report_confirmed", "report_finished"]);
    let last = notices(&w.app, w.author.id).pop().unwrap();
    assert!(last.message.contains("Thanks for the edit."), "{last:?}");
}

#[test]
fn finishing_a_confirmed_report_tells_the_reporter_it_is_finished_not_cancelled() {
    let w = World::new();
    let report = w.hidden_post();

    expect_changed(cancel(&w.app, &w.moderator, report, "Edited."));

    let told = notices(&w.app, w.reporter.id);
    assert_eq!(
        told.iter().map(|n| n.kind.as_str()).collect::<Vec<_>>(),
        ["report_confirmed", "report_finished"]
    );
    assert!(told[1].message.contains("Edited."), "{told:?}");
    assert_eq!(told[1].report_id, Some(report));
}

#[test]
fn a_post_stays_hidden_until_every_confirmed_report_is_finished() {
    let w = World::new();
    let first = w.report_post();
    let second = report_id(&w.app, &w.bystander, "forum_post", w.post);
    for id in [first, second] {
        take(&w.app, &w.moderator, id);
        expect_changed(confirm(&w.app, &w.moderator, id, "Advertising."));
    }

    expect_changed(cancel(&w.app, &w.moderator, first, "Done."));

    assert!(is_hidden(&w.app, "forum_posts", w.post));
    let told = notices(&w.app, w.author.id).pop().unwrap();
    assert_eq!(told.kind, "report_finished");
    assert!(told.message.contains("stays hidden"), "{told:?}");

    expect_changed(cancel(&w.app, &w.moderator, second, "Done."));

    assert!(!is_hidden(&w.app, "forum_posts", w.post));
    let told = notices(&w.app, w.author.id).pop().unwrap();
    assert!(told.message.contains("visible again"), "{told:?}");
}

#[test]
fn whole_cycle_through_the_rest_api() {
    let w = World::new();
    let app = &w.app;
    let item = format!("/api/v1/forum/posts/{}", w.post);
    let report = w.report_post();
    let taken = expect_changed(take(app, &w.moderator, report));
    assert_eq!(taken["report"]["status"], json!(1));
    assert_eq!(taken["report"]["handler_id"], json!(w.moderator.id));

    let confirmed = expect_changed(confirm(app, &w.moderator, report, "Advertising."));

    assert_eq!(confirmed["report"]["status"], json!(2));
    get(app, &w.bystander, &item).assert_error(404, 404, 1404);
    let seen = expect(get(app, &w.author, "/api/v1/notifications"), 200);
    assert_eq!(seen["items"][0]["kind"], json!("report_confirmed"));

    expect(
        patch(
            app,
            &w.author,
            &item,
            json!({"content": "Watches are nice."}),
        ),
        200,
    );
    let seen = expect(get(app, &w.moderator, "/api/v1/notifications"), 200);
    assert_eq!(seen["items"][0]["kind"], json!("hidden_content_edited"));

    let finished = expect_changed(cancel(app, &w.moderator, report, "Thanks."));

    assert_eq!(finished["report"]["status"], json!(3));
    assert_eq!(status_of(app, report), 3);
    assert_eq!(
        expect(get(app, &w.bystander, &item), 200)["content"],
        json!("Watches are nice.")
    );
    let seen = expect(get(app, &w.author, "/api/v1/notifications"), 200);
    assert_eq!(seen["items"][0]["kind"], json!("report_finished"));
}

#[test]
fn whole_cycle_through_the_seed_routes() {
    let w = World::new();
    let app = &w.app;
    let added = app
        .get(format!("/report/add/{}?reportComment=Spam", w.post))
        .bearer(&w.reporter.token)
        .fetch();
    let report = expect(added, 201)["reportID"].as_i64().unwrap();
    let handled = app
        .get(format!("/post/handle/{report}"))
        .bearer(&w.moderator.token)
        .fetch();
    assert_eq!(expect(handled, 200)["Status"], json!(1));

    let reported = app
        .get(format!(
            "/post/reported/{report}?report_result={}",
            enc("Advertising, please edit.")
        ))
        .bearer(&w.moderator.token)
        .fetch();

    assert_eq!(
        expect(reported, 200)["PostState"],
        json!(2),
        "the post is hidden"
    );
    assert!(is_hidden(app, "forum_posts", w.post));
    assert_eq!(kinds(app, w.author.id), ["report_confirmed"]);
    assert_eq!(kinds(app, w.reporter.id), ["report_confirmed"]);

    // The author edits through the seed 000 route; the moderator hears of it.
    let edited = app.post_json(
        "/forum/post/modify",
        json!({"token": w.author.token, "id": w.post, "content": "Watches are nice."}),
    );
    assert_eq!(edited.status, 204, "{}", edited.text);
    assert_eq!(kinds(app, w.moderator.id), ["hidden_content_edited"]);

    let finished = app
        .get(format!("/post/cancel/{report}?report_result=Fixed"))
        .bearer(&w.moderator.token)
        .fetch();

    let body = expect(finished, 200);
    assert_eq!(body["Status"], json!(3));
    assert_eq!(body["ReportID"], json!(report));
    assert_eq!(status_of(app, report), 3);
    assert!(!is_hidden(app, "forum_posts", w.post));
    assert_eq!(
        kinds(app, w.author.id),
        ["report_confirmed", "report_finished"]
    );
    let shown = get(app, &w.bystander, format!("/api/v1/forum/posts/{}", w.post));
    assert_eq!(expect(shown, 200)["content"], json!("Watches are nice."));
}
