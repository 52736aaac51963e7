//! `GET /api/v1/admin/audit`: what moderators and admins did, who did it and to what; for
//! admins only.

use serde_json::{Value, json};

use crate::support::*;

#[test]
fn the_audit_log_lists_take_confirm_finish_and_approve_newest_first() {
    let w = World::new();
    let course = pending_course(&w.app, &w.author, "Rust 101");
    validate(
        &w.app,
        &w.moderator,
        "courses",
        course,
        json!({"approved": true}),
    );
    let report = w.hidden_post();
    expect_changed(cancel(&w.app, &w.moderator, report, "Edited."));

    let body = expect(get(&w.app, &w.admin, "/api/v1/admin/audit"), 200);

    let entries: Vec<(Value, Value, Value, Value, Value)> = body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["actor_id"].clone(),
                e["actor"].clone(),
                e["action"].clone(),
                e["target_type"].clone(),
                e["target_id"].clone(),
            )
        })
        .collect();
    let by_mod = |action: &str, kind: &str, id: i64| {
        (
            json!(w.moderator.id),
            json!("mod"),
            json!(action),
            json!(kind),
            json!(id),
        )
    };
    assert_eq!(
        entries,
        [
            by_mod("report_finish", "forum_post", w.post),
            by_mod("report_confirm", "forum_post", w.post),
            by_mod("report_take", "forum_post", w.post),
            by_mod("approve", "course", course),
        ]
    );
    assert_eq!(body["items"][1]["detail"], json!("Advertising."));
    assert!(body["items"][0]["created_at"].as_i64().is_some());
}

#[test]
fn the_audit_log_filters_by_actor() {
    let w = World::new();
    let report = w.report_post();
    take(&w.app, &w.admin, report);
    let course = pending_course(&w.app, &w.author, "Rust 101");
    validate(
        &w.app,
        &w.moderator,
        "courses",
        course,
        json!({"approved": true}),
    );

    let body = expect(
        get(
            &w.app,
            &w.admin,
            format!("/api/v1/admin/audit?actor={}", w.admin.id),
        ),
        200,
    );

    assert_eq!(body["items"].as_array().unwrap().len(), 1, "{body}");
    assert_eq!(body["items"][0]["action"], json!("report_take"));
}

#[test]
fn members_and_moderators_may_not_read_the_audit_log() {
    let w = World::new();
    w.hidden_post();

    let member = get(&w.app, &w.reporter, "/api/v1/admin/audit");
    let moderator = get(&w.app, &w.moderator, "/api/v1/admin/audit");

    member.assert_error(403, 403, 1403);
    moderator.assert_error(403, 403, 1403);
    assert!(
        !moderator.text.contains("report_confirm"),
        "{}",
        moderator.text
    );
}

#[test]
fn a_moderators_deletion_of_a_members_post_is_audited_with_its_target_type() {
    let w = World::new();

    let res = delete(
        &w.app,
        &w.moderator,
        format!("/api/v1/forum/posts/{}", w.post),
    );

    assert_eq!(res.status, 204, "{}", res.text);
    assert_eq!(
        audit_rows(&w.app),
        [(
            Some(w.moderator.id),
            "delete".to_owned(),
            "forum_post".to_owned(),
            w.post
        )]
    );
}
