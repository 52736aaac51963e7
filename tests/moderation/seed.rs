//! Seed 004's routes, shape by shape: `/report/add/<postID>`, `/post/display/<reportID>`,
//! `/post/handle/<reportID>`, `/post/cancel/<reportID>`, `/post/reported/<reportID>`.

use serde_json::{Value, json};

use crate::common::{RequestExt, Resp, TestApp, User, enc};
use crate::support::*;

fn seed_get(app: &TestApp, user: &User, uri: impl ToString) -> Resp {
    app.get(uri).bearer(&user.token).fetch()
}

/// `{reportID}` and nothing else; the stored report matches.
#[track_caller]
fn assert_added(w: &World, res: Resp, comment: Option<&str>) -> i64 {
    let body = expect(res, 201);
    let keys: Vec<&String> = body.as_object().unwrap().keys().collect();
    assert_eq!(keys, ["reportID"], "{body}");
    let id = body["reportID"].as_i64().unwrap();
    let (reporter, kind, target, stored): (i64, String, i64, Option<String>) = w
        .app
        .db()
        .query_row(
            "SELECT reporter_id, target_type, target_id, comment FROM reports WHERE id = ?1",
            [id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .unwrap();
    assert_eq!(
        (reporter, kind.as_str(), target),
        (w.reporter.id, "forum_post", w.post)
    );
    assert_eq!(stored.as_deref(), comment);
    assert_eq!(status_of(&w.app, id), 0);
    id
}

#[track_caller]
fn assert_not_added(w: &World, res: Resp, code: u64, reports_before: i64) {
    res.assert_error(400, 400, code);
    assert_eq!(res.body["error"], json!("NOT ADDED"), "{}", res.text);
    assert_eq!(w.app.count("reports"), reports_before);
}

#[test]
fn report_add_by_get_takes_the_comment_from_the_query() {
    let w = World::new();

    let res = seed_get(
        &w.app,
        &w.reporter,
        format!(
            "/report/add/{}?reportComment={}",
            w.post,
            enc("Spam, twice")
        ),
    );

    assert_added(&w, res, Some("Spam, twice"));
}

#[test]
fn report_add_by_post_takes_the_comment_from_a_form() {
    let w = World::new();

    let res = post_form(
        &w.app,
        &w.reporter,
        format!("/report/add/{}", w.post),
        "reportComment=Off+topic",
    );

    assert_added(&w, res, Some("Off topic"));
}

#[test]
fn report_add_by_post_takes_the_comment_from_json() {
    let w = World::new();

    let res = post(
        &w.app,
        &w.reporter,
        format!("/report/add/{}", w.post),
        json!({"reportComment": "Insults"}),
    );

    assert_added(&w, res, Some("Insults"));
}

#[test]
fn report_add_without_a_comment_is_accepted() {
    let w = World::new();

    let res = w
        .app
        .post(format!("/report/add/{}", w.post))
        .bearer(&w.reporter.token)
        .fetch();

    assert_added(&w, res, None);
}

#[test]
fn report_routes_accept_the_token_as_a_query_parameter() {
    let w = World::new();

    let res = w
        .app
        .get(format!(
            "/report/add/{}?token={}&reportComment=Spam",
            w.post, w.reporter.token
        ))
        .fetch();

    assert_added(&w, res, Some("Spam"));
}

#[test]
fn report_add_without_a_token_is_401() {
    let w = World::new();

    let res = w.app.get(format!("/report/add/{}", w.post)).fetch();

    res.assert_error(401, 401, 901);
    assert_eq!(w.app.count("reports"), 0);
}

#[test]
fn report_add_of_ones_own_post_is_not_added() {
    let w = World::new();

    let res = seed_get(&w.app, &w.author, format!("/report/add/{}", w.post));

    assert_not_added(&w, res, 1400, 0);
}

#[test]
fn report_add_of_a_missing_post_is_not_added() {
    let w = World::new();

    let res = seed_get(&w.app, &w.reporter, "/report/add/9999");

    assert_not_added(&w, res, 1400, 0);
}

#[test]
fn report_add_of_a_hidden_post_is_not_added() {
    let w = World::new();
    w.hidden_post();

    let res = seed_get(&w.app, &w.bystander, format!("/report/add/{}", w.post));

    assert_not_added(&w, res, 1400, 1);
}

#[test]
fn report_add_twice_is_not_added() {
    let w = World::new();
    seed_get(&w.app, &w.reporter, format!("/report/add/{}", w.post));

    let res = post(
        &w.app,
        &w.reporter,
        format!("/report/add/{}", w.post),
        json!({"reportComment": "Again"}),
    );

    // The duplicate keeps its own code (a conflict) under the seed's 400.
    assert_not_added(&w, res, 1409, 1);
}

#[test]
fn post_display_shows_the_eight_seed_fields() {
    let w = World::new();
    let id = w.report_post();
    seed_get(&w.app, &w.moderator, format!("/post/handle/{id}"));
    seed_get(
        &w.app,
        &w.moderator,
        format!("/post/reported/{id}?report_result=Advertising"),
    );

    let res = seed_get(&w.app, &w.reporter, format!("/post/display/{id}"));

    let body = expect(res, 200);
    let changed = report_row(&w.app, id).state_changed_at.unwrap();
    assert_eq!(
        body,
        json!({
            "reportID": id, "userID": w.reporter.id, "postID": w.post, "reportComment": "Spam.",
            "reportStatus": 2, "reportHandler": w.moderator.id, "reportResult": "Advertising",
            "timeStateChange": changed,
        })
    );
}

#[test]
fn post_display_of_an_open_report_has_no_handler_yet() {
    let w = World::new();
    let id = w.report_post();

    let body = expect(
        seed_get(&w.app, &w.moderator, format!("/post/display/{id}")),
        200,
    );

    assert_eq!(body["reportStatus"], json!(0));
    assert_eq!(body["reportHandler"], Value::Null);
    assert_eq!(body["reportResult"], Value::Null);
    assert_eq!(body["timeStateChange"], Value::Null);
}

#[test]
fn post_display_of_a_missing_report_is_404() {
    let w = World::new();

    let res = seed_get(&w.app, &w.moderator, "/post/display/9999");

    res.assert_error(404, 404, 1404);
}

#[test]
fn post_display_of_another_members_report_is_404() {
    let w = World::new();
    let id = w.report_post();

    let res = seed_get(&w.app, &w.bystander, format!("/post/display/{id}"));

    res.assert_error(404, 404, 1404);
    assert_never_shows_the_report(&res);
}

fn assert_never_shows_the_report(res: &Resp) {
    assert!(res.body.get("reportComment").is_none(), "{}", res.text);
}

#[test]
fn post_handle_gives_the_report_to_the_moderator() {
    let w = World::new();
    let id = w.report_post();

    let res = seed_get(&w.app, &w.moderator, format!("/post/handle/{id}"));

    let body = expect(res, 200);
    assert_eq!(body["ReportHandlerID"], json!(w.moderator.id));
    assert_eq!(body["Status"], json!(1));
    assert_eq!(body["ReportID"], json!(id));
    let row = report_row(&w.app, id);
    assert_eq!((row.status, row.handler_id), (1, Some(w.moderator.id)));
    assert!(row.state_changed_at.is_some());
}

#[test]
fn post_handle_of_a_taken_report_answers_200_and_changes_nothing() {
    let w = World::new();
    let id = w.report_post();
    seed_get(&w.app, &w.moderator, format!("/post/handle/{id}"));
    let before = report_row(&w.app, id);

    let res = seed_get(&w.app, &w.admin, format!("/post/handle/{id}"));

    let body = expect(res, 200);
    assert_eq!(body["changed"], json!(false));
    assert!(
        body["message"].as_str().unwrap().contains("handler"),
        "{body}"
    );
    assert_eq!(body["ReportHandlerID"], json!(w.moderator.id));
    assert_eq!(report_row(&w.app, id), before);
}

#[test]
fn post_handle_of_a_finished_report_answers_200_and_changes_nothing() {
    let w = World::new();
    let id = w.report_post();
    seed_get(&w.app, &w.moderator, format!("/post/handle/{id}"));
    seed_get(&w.app, &w.moderator, format!("/post/cancel/{id}"));
    let before = report_row(&w.app, id);

    let res = seed_get(&w.app, &w.admin, format!("/post/handle/{id}"));

    let body = expect(res, 200);
    assert_eq!(body["changed"], json!(false));
    assert_eq!(body["Status"], json!(3));
    assert!(
        body["message"].as_str().unwrap().contains("finished"),
        "{body}"
    );
    assert_eq!(report_row(&w.app, id), before);
}

#[test]
fn post_handle_by_a_member_is_401() {
    let w = World::new();
    let id = w.report_post();

    let res = seed_get(&w.app, &w.bystander, format!("/post/handle/{id}"));

    res.assert_error(401, 401, 1401);
    assert_eq!(report_row(&w.app, id).status, 0);
    assert_eq!(report_row(&w.app, id).handler_id, None);
}

#[test]
fn post_handle_of_a_missing_report_is_404() {
    let w = World::new();

    let res = seed_get(&w.app, &w.moderator, "/post/handle/9999");

    res.assert_error(404, 404, 1404);
}

#[test]
fn post_cancel_finishes_the_report_with_status_3() {
    let w = World::new();
    let id = w.report_post();
    seed_get(&w.app, &w.moderator, format!("/post/handle/{id}"));

    let res = seed_get(
        &w.app,
        &w.moderator,
        format!("/post/cancel/{id}?report_result={}", enc("Not spam")),
    );

    let body = expect(res, 200);
    assert_eq!(body["Status"], json!(3));
    assert_eq!(body["ReportID"], json!(id));
    assert_eq!(body["ReportHandlerID"], json!(w.moderator.id));
    let row = report_row(&w.app, id);
    assert_eq!(row.status, 3);
    assert_eq!(row.result.as_deref(), Some("Not spam"));
    assert!(!is_hidden(&w.app, "forum_posts", w.post));
    assert_eq!(kinds(&w.app, w.reporter.id), ["report_cancelled"]);
    assert!(kinds(&w.app, w.author.id).is_empty());
}

#[test]
fn post_cancel_by_a_member_is_401() {
    let w = World::new();
    let id = w.report_post();
    seed_get(&w.app, &w.moderator, format!("/post/handle/{id}"));

    let res = seed_get(&w.app, &w.reporter, format!("/post/cancel/{id}"));

    res.assert_error(401, 401, 1401);
    assert_eq!(status_of(&w.app, id), 1);
}

#[test]
fn post_cancel_of_a_missing_report_is_404() {
    let w = World::new();

    let res = seed_get(&w.app, &w.moderator, "/post/cancel/9999");

    res.assert_error(404, 404, 1404);
}

#[test]
fn post_reported_hides_the_post_and_sends_the_notifications() {
    let w = World::new();
    let id = w.report_post();
    seed_get(&w.app, &w.moderator, format!("/post/handle/{id}"));

    let res = seed_get(
        &w.app,
        &w.moderator,
        format!("/post/reported/{id}?report_result=Advertising"),
    );

    let body = expect(res, 200);
    assert_eq!(body["ReportID"], json!(id));
    assert_eq!(body["PostID"], json!(w.post));
    assert_eq!(body["PostState"], json!(2));
    let row = report_row(&w.app, id);
    assert_eq!(row.status, 2);
    assert_eq!(row.result.as_deref(), Some("Advertising"));
    assert!(is_hidden(&w.app, "forum_posts", w.post));
    assert_eq!(kinds(&w.app, w.author.id), ["report_confirmed"]);
    assert_eq!(kinds(&w.app, w.reporter.id), ["report_confirmed"]);
}

#[test]
fn post_reported_by_a_member_is_401() {
    let w = World::new();
    let id = w.report_post();
    seed_get(&w.app, &w.moderator, format!("/post/handle/{id}"));

    let res = seed_get(&w.app, &w.author, format!("/post/reported/{id}"));

    res.assert_error(401, 401, 1401);
    assert_eq!(status_of(&w.app, id), 1);
    assert!(!is_hidden(&w.app, "forum_posts", w.post));
}

#[test]
fn post_reported_of_a_missing_report_is_404() {
    let w = World::new();

    let res = seed_get(&w.app, &w.moderator, "/post/reported/9999");

    res.assert_error(404, 404, 1404);
}
