//! `GET /api/v1/admin/stats`: the moderation counts of the dashboard.

use serde_json::json;

use crate::support::*;

#[test]
fn admin_stats_count_reports_by_status_and_pending_content() {
    let w = World::new();
    let hidden = w.hidden_post();
    let second = forum_post(&w.app, &w.author, w.subject, "Second");
    let taken = report_id(&w.app, &w.bystander, "forum_post", second);
    take(&w.app, &w.moderator, taken);
    let third = forum_post(&w.app, &w.author, w.subject, "Third");
    report_id(&w.app, &w.reporter, "forum_post", third);
    report_id(&w.app, &w.bystander, "forum_post", third);
    let finished = report_id(&w.app, &w.moderator, "forum_post", third);
    take(&w.app, &w.admin, finished);
    cancel(&w.app, &w.admin, finished, "Fine.");
    let course = pending_course(&w.app, &w.author, "Draft");
    approved_course(&w.app, &w.moderator, &w.author);
    id_of(post(
        &w.app,
        &w.author,
        "/api/v1/exercises",
        json!({"course_id": course, "title": "Ex", "instruction": "Do it."}),
    ));
    assert_eq!(status_of(&w.app, hidden), 2);

    let body = expect(get(&w.app, &w.moderator, "/api/v1/admin/stats"), 200);

    assert_eq!(body["open_reports"], json!(2), "{body}");
    assert_eq!(body["taken_reports"], json!(1), "{body}");
    assert_eq!(body["confirmed_reports"], json!(1), "{body}");
    assert_eq!(body["pending_courses"], json!(1), "{body}");
    assert_eq!(body["pending_exercises"], json!(1), "{body}");
}

#[test]
fn members_may_not_read_the_stats() {
    let w = World::new();

    let res = get(&w.app, &w.reporter, "/api/v1/admin/stats");

    res.assert_error(403, 403, 1403);
}
