//! Markdown fields (issue 15): rows carry `<field>_html`, rendered on the server and sanitized,
//! so that the app inserts only that, never the raw text as HTML.

use serde_json::json;

use crate::support::*;

#[test]
fn markdown_fields_come_with_their_sanitized_html() {
    let w = World::new();
    let course = w.create(
        "/api/v1/courses",
        &w.moderator,
        json!({"title": "Loops", "content": "# Loops\n\n**for** <script>alert(1)</script> [x](javascript:alert(1))\n\n```python\nprint(1)\n```"}),
    );
    let row = w.get(&format!("/api/v1/courses/{course}"), &w.alice).body;
    let html = row["content_html"].as_str().expect("content_html");
    assert!(html.contains("<h1>Loops</h1>"), "{html}");
    assert!(html.contains("<strong>for</strong>"), "{html}");
    assert!(!html.contains("<script"), "raw HTML never survives: {html}");
    assert!(!html.contains("javascript:"), "{html}");
    assert!(html.contains("language-python"), "{html}");
    // Lists carry it too, and the raw text stays as it was written.
    let list = w.get("/api/v1/courses", &w.alice).body;
    assert_eq!(list["items"][0]["content_html"], row["content_html"]);
    assert!(row["content"].as_str().unwrap().contains("<script>"));
    // Exercises render their instruction, posts and comments their content.
    let exercise = w.exercise(&w.moderator);
    let row = w
        .get(&format!("/api/v1/exercises/{exercise}"), &w.alice)
        .body;
    assert!(row["instruction_html"].as_str().is_some(), "{row}");
    let post = w.forum_post(&w.alice);
    let row = w.get(&format!("/api/v1/forum/posts/{post}"), &w.bob).body;
    assert_eq!(row["content_html"], json!("<p>Hello</p>\n"));
    // A read-only field: sending it back is refused, naming it.
    let res = w.patch(
        &format!("/api/v1/forum/posts/{post}"),
        &w.alice,
        json!({"content_html": "<b>x</b>"}),
    );
    assert_invalid(&res, "content_html");
}
