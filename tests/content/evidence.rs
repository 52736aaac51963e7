//! A report keeps its evidence (issue 16, item 9): the text as reported, after any edit, in the
//! queue and the audit log, and the thread it was posted in.

use serde_json::json;

use crate::support::*;

#[test]
fn a_report_keeps_the_text_as_reported_and_where_it_was_posted() {
    let w = World::new();
    let post = w.forum_post(&w.alice);
    let subject = w
        .app
        .scalar("SELECT subject_id FROM forum_posts WHERE id = ?1", [post]);
    let res = w.post(
        "/api/v1/reports",
        &w.bob,
        json!({"target_type": "forum_post", "target_id": post, "comment": "rude"}),
    );
    assert_eq!(res.status, 201, "{}", res.text);
    let report = res.body["id"].as_i64().unwrap();
    assert_eq!(res.body["evidence"], json!("Hello"));
    assert_eq!(res.body["thread_type"], json!("forum_subject"));
    assert_eq!(res.body["thread_id"], json!(subject));
    // The author edits the post: the report still shows what was reported.
    let res = w.patch(
        &format!("/api/v1/forum/posts/{post}"),
        &w.alice,
        json!({"content": "Hi all"}),
    );
    assert_eq!(res.status, 200, "{}", res.text);
    let res = w.get(&format!("/api/v1/reports/{report}"), &w.moderator);
    assert_eq!(res.body["evidence"], json!("Hello"), "{}", res.text);
    // A comment's report names the post it comments, and the audit log keeps the text.
    let (_, blog) = w.blog();
    let comment = w.create(
        &format!("/api/v1/blog/posts/{blog}/comments"),
        &w.alice,
        json!({"content": "spam spam"}),
    );
    let res = w.post(
        "/api/v1/reports",
        &w.bob,
        json!({"target_type": "blog_comment", "target_id": comment}),
    );
    let report = res.body["id"].as_i64().unwrap();
    assert_eq!(res.body["thread_type"], json!("blog_post"), "{}", res.text);
    assert_eq!(res.body["thread_id"], json!(blog));
    for step in ["take", "confirm"] {
        let res = w.post(
            &format!("/api/v1/reports/{report}/{step}"),
            &w.moderator,
            json!({}),
        );
        assert_eq!(res.status, 200, "{}", res.text);
    }
    let detail: String = w
        .app
        .db()
        .query_row(
            "SELECT evidence FROM audit_log WHERE action = 'report_confirm' AND target_id = ?1",
            [comment],
            |r| r.get(0),
        )
        .unwrap();
    assert!(detail.contains("spam spam"), "{detail}");
}
