//! Keyset pagination (`limit` + `cursor` → `{items, next_cursor}`), on the forum's hot path
//! `GET /api/v1/forum/posts?subject={id}&limit=20`.

use std::collections::BTreeSet;

use serde_json::json;

use crate::common::Resp;
use crate::support::*;

fn ids(res: &Resp) -> Vec<i64> {
    assert_eq!(res.status, 200, "{}", res.text);
    res.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|row| row["id"].as_i64().unwrap())
        .collect()
}

fn post(w: &World, subject: i64, n: usize) -> i64 {
    w.create(
        "/api/v1/forum/posts",
        &w.alice,
        json!({"subject_id": subject, "content": format!("post {n}")}),
    )
}

#[test]
fn forum_post_pages_are_stable_when_posts_arrive_between_fetches() {
    let w = World::new();
    let (forum, subject) = w.forum();
    let other = w.create(
        "/api/v1/forum/subjects",
        &w.bob,
        json!({"forum_id": forum, "title": "Elsewhere"}),
    );
    let mut before: BTreeSet<i64> = BTreeSet::new();
    for n in 0..45 {
        before.insert(post(&w, subject, n));
        if n % 3 == 0 {
            post(&w, other, n);
        }
    }

    let mut seen: Vec<i64> = Vec::new();
    let mut cursor: Option<String> = None;
    let mut pages = 0;
    loop {
        let uri = match &cursor {
            None => format!("/api/v1/forum/posts?subject={subject}&limit=20"),
            Some(c) => format!("/api/v1/forum/posts?subject={subject}&limit=20&cursor={c}"),
        };
        let res = w.get(&uri, &w.bob);
        let page = ids(&res);
        assert!(page.len() <= 20, "{}", res.text);
        assert!(
            page.windows(2).all(|p| p[0] > p[1]),
            "newest first: {page:?}"
        );
        seen.extend(&page);
        pages += 1;
        // New posts, in this subject and another, between two fetches.
        for n in 0..3 {
            post(&w, subject, 100 + n);
            post(&w, other, 100 + n);
        }
        match res.body["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => break,
        }
    }
    assert_eq!(pages, 3);
    let unique: BTreeSet<i64> = seen.iter().copied().collect();
    assert_eq!(unique.len(), seen.len(), "no duplicates: {seen:?}");
    assert_eq!(unique, before, "no gaps, and only this subject's posts");
}

#[test]
fn the_last_page_has_no_next_cursor() {
    let w = World::new();
    let (_, subject) = w.forum();
    for n in 0..3 {
        post(&w, subject, n);
    }
    let res = w.get(
        &format!("/api/v1/forum/posts?subject={subject}&limit=3"),
        &w.alice,
    );
    assert_eq!(ids(&res).len(), 3);
    assert_eq!(res.body["next_cursor"], json!(null));
    let res = w.get(
        &format!("/api/v1/forum/posts?subject={subject}&limit=2"),
        &w.alice,
    );
    assert_eq!(ids(&res).len(), 2);
    assert!(res.body["next_cursor"].is_string(), "{}", res.text);
}

#[test]
fn the_default_page_holds_twenty_rows() {
    let w = World::new();
    let (_, subject) = w.forum();
    for n in 0..25 {
        post(&w, subject, n);
    }
    let res = w.get(&format!("/api/v1/forum/posts?subject={subject}"), &w.alice);
    assert_eq!(ids(&res).len(), 20);
    let res = w.get(
        &format!("/api/v1/forum/posts?subject={subject}&limit=100"),
        &w.alice,
    );
    assert_eq!(ids(&res).len(), 25);
}

#[test]
fn a_limit_over_100_is_refused_naming_limit() {
    let w = World::new();
    let (_, subject) = w.forum();
    let res = w.get(
        &format!("/api/v1/forum/posts?subject={subject}&limit=101"),
        &w.alice,
    );
    assert_invalid(&res, "limit");
    assert!(
        res.body["message"].as_str().unwrap().contains("100"),
        "{}",
        res.text
    );
}

#[test]
fn hidden_posts_are_left_out_of_other_members_pages() {
    let w = World::new();
    let (_, subject) = w.forum();
    let shown = post(&w, subject, 1);
    let hidden = post(&w, subject, 2);
    w.app
        .db()
        .execute("UPDATE forum_posts SET hidden = 1 WHERE id = ?1", [hidden])
        .unwrap();
    let uri = format!("/api/v1/forum/posts?subject={subject}");
    assert_eq!(ids(&w.get(&uri, &w.bob)), vec![shown]);
    assert_eq!(ids(&w.get(&uri, &w.alice)), vec![hidden, shown]);
    assert_eq!(ids(&w.get(&uri, &w.moderator)), vec![hidden, shown]);
    assert_not_found(&w.get(&format!("/api/v1/forum/posts/{hidden}"), &w.bob));
}

/// A list writes its rows straight from the statement (`store::list_json`), a view goes through
/// a map (`store::get`): each listed row must be the row as its view shows it to the same
/// reader — the `others_see` view of hidden I/O tests, the `_html` of Markdown, nulls, numbers
/// (the view's own addition apart).
#[test]
fn a_listed_row_is_the_row_its_view_shows_to_the_same_reader() {
    let w = World::new();
    let course = w.course();
    let tests = json!([
        {"input": "1 2\n", "expected_output": "3\n", "weight": 1, "hidden": false},
        {"input": "40 2\n", "expected_output": "42\n", "weight": 2, "hidden": true}
    ]);
    let mut made = Vec::new();
    for (n, extra) in [
        json!({"io_tests": tests.to_string(), "runner": "python", "cpu_ms": 900}),
        json!({}),
        json!({"instruction": "# Títle\n\n<script>x</script> *é* `code` & [link](https://example.org)"}),
    ]
    .into_iter()
    .enumerate()
    {
        let mut body = json!({"course_id": course, "title": format!("Exercise {n}"),
                              "instruction": "Add **two** numbers", "grade_max": 20});
        for (k, v) in extra.as_object().unwrap() {
            body[k] = v.clone();
        }
        let id = w.create("/api/v1/exercises", &w.alice, body);
        w.approve("exercises", id);
        made.push(id);
    }
    made.reverse();
    for reader in [&w.alice, &w.bob, &w.moderator] {
        let res = w.get(&format!("/api/v1/exercises?course={course}"), reader);
        assert_eq!(ids(&res), made, "{}", res.text);
        for item in res.body["items"].as_array().unwrap() {
            let id = item["id"].as_i64().unwrap();
            let view = w.get(&format!("/api/v1/exercises/{id}"), reader);
            assert_eq!(view.status, 200, "{}", view.text);
            // The view alone adds, for the author and staff, the exercise's latest check run
            // (a `Viewed` hook).
            let mut viewed = view.body.as_object().unwrap().clone();
            let checked = viewed.remove("check").is_some();
            assert_eq!(checked, reader.id != w.bob.id, "{}", view.text);
            assert_eq!(
                item.as_object().unwrap(),
                &viewed,
                "exercise {id} as {}",
                reader.username
            );
        }
    }
    // The view of hidden tests is what a member other than the author lists; the author and
    // staff list the tests themselves.
    let as_bob = w.get(&format!("/api/v1/exercises/{}", made[2]), &w.bob);
    let as_alice = w.get(&format!("/api/v1/exercises/{}", made[2]), &w.alice);
    assert_ne!(as_bob.body["io_tests"], as_alice.body["io_tests"]);
    assert!(!as_bob.body["io_tests"].as_str().unwrap().contains("42"));
    let html = as_bob.body["instruction_html"].as_str().unwrap();
    assert!(html.contains("<strong>two</strong>"), "{html}");
}
