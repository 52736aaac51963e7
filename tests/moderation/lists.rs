//! `GET /api/v1/reports` and `GET /api/v1/reports/{id}`: the moderators' queue oldest first,
//! a member's own reports only, the reports of one target.

use serde_json::json;

use crate::common::User;
use crate::support::*;

/// Three posts of the author's, each reported by someone: (posts, reports).
fn three_reports(w: &World) -> (Vec<i64>, Vec<i64>) {
    let posts: Vec<i64> = (0..3)
        .map(|i| forum_post(&w.app, &w.author, w.subject, &format!("Post {i}")))
        .collect();
    let reporters: [&User; 3] = [&w.reporter, &w.bystander, &w.reporter];
    let reports = posts
        .iter()
        .zip(reporters)
        .map(|(post, who)| report_id(&w.app, who, "forum_post", *post))
        .collect();
    (posts, reports)
}

#[test]
fn the_open_queue_lists_open_reports_oldest_first() {
    let w = World::new();
    let (_, reports) = three_reports(&w);
    take(&w.app, &w.moderator, reports[1]);

    let queue = listed(&w.app, &w.moderator, "/api/v1/reports?status=0");

    assert_eq!(queue, [reports[0], reports[2]]);
}

#[test]
fn the_open_queue_pages_with_a_cursor() {
    let w = World::new();
    let (_, reports) = three_reports(&w);

    let first = expect(
        get(&w.app, &w.moderator, "/api/v1/reports?status=0&limit=2"),
        200,
    );
    let cursor = first["next_cursor"].as_str().unwrap().to_owned();
    let second = expect(
        get(
            &w.app,
            &w.moderator,
            format!("/api/v1/reports?status=0&limit=2&cursor={cursor}"),
        ),
        200,
    );

    assert_eq!(ids(&first), reports[..2]);
    assert_eq!(ids(&second), reports[2..]);
    assert_eq!(second["next_cursor"], json!(null));
}

#[test]
fn a_member_lists_only_their_own_reports_even_asking_for_the_queue() {
    let w = World::new();
    let (_, reports) = three_reports(&w);

    let all = listed(&w.app, &w.bystander, "/api/v1/reports");
    let open = listed(&w.app, &w.bystander, "/api/v1/reports?status=0");
    let not_mine = listed(&w.app, &w.bystander, "/api/v1/reports?mine=false");

    assert_eq!(all, [reports[1]]);
    assert_eq!(open, [reports[1]]);
    assert_eq!(not_mine, [reports[1]]);
}

#[test]
fn a_member_with_no_reports_sees_an_empty_list() {
    let w = World::new();
    three_reports(&w);

    let res = listed(&w.app, &w.author, "/api/v1/reports?status=0");

    assert!(res.is_empty(), "{res:?}");
}

#[test]
fn mine_limits_a_moderators_list_to_their_own_reports() {
    let w = World::new();
    let (posts, _) = three_reports(&w);
    let own = report_id(&w.app, &w.moderator, "forum_post", posts[0]);

    let res = listed(&w.app, &w.moderator, "/api/v1/reports?mine=true");

    assert_eq!(res, [own]);
}

#[test]
fn the_reports_of_one_target_are_listed_together() {
    let w = World::new();
    let (posts, reports) = three_reports(&w);
    let second = report_id(&w.app, &w.bystander, "forum_post", posts[0]);

    let res = listed(
        &w.app,
        &w.moderator,
        format!(
            "/api/v1/reports?target_type=forum_post&target_id={}",
            posts[0]
        ),
    );

    assert_eq!(res, [reports[0], second]);
}

#[test]
fn a_target_id_without_a_target_type_is_400() {
    let w = World::new();

    let res = get(&w.app, &w.moderator, "/api/v1/reports?target_id=1");

    res.assert_error(400, 400, 1400);
    assert_eq!(res.body["field"], json!("target_type"));
}

#[test]
fn an_unknown_status_filter_is_400() {
    let w = World::new();

    let res = get(&w.app, &w.moderator, "/api/v1/reports?status=7");

    res.assert_error(400, 400, 1400);
    assert_eq!(res.body["field"], json!("status"));
}

#[test]
fn the_reporter_reads_their_own_report() {
    let w = World::new();
    let id = w.report_post();

    let body = expect(
        get(&w.app, &w.reporter, format!("/api/v1/reports/{id}")),
        200,
    );

    assert_eq!(body["id"], json!(id));
    assert_eq!(body["reporter_id"], json!(w.reporter.id));
    assert_eq!(body["target_type"], json!("forum_post"));
    assert_eq!(body["target_id"], json!(w.post));
    assert_eq!(body["comment"], json!("Spam."));
    assert_eq!(body["status"], json!(0));
}

#[test]
fn another_members_report_is_404() {
    let w = World::new();
    let id = w.report_post();

    let res = get(&w.app, &w.author, format!("/api/v1/reports/{id}"));

    res.assert_error(404, 404, 1404);
    assert!(!res.text.contains("Spam."), "{}", res.text);
}

#[test]
fn a_moderator_reads_any_report() {
    let w = World::new();
    let id = w.report_post();

    let body = expect(
        get(&w.app, &w.moderator, format!("/api/v1/reports/{id}")),
        200,
    );

    assert_eq!(body["id"], json!(id));
}
