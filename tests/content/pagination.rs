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
