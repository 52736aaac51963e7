//! Likes on forum posts (section 5.3): once per account, exact under concurrency, kept by
//! the database when likers go; setting the count directly is for moderators.

use std::sync::Arc;

use rocket::http::{Header, Method};
use rocket::local::asynchronous::Client;
use rocket::tokio::task::JoinSet;
use serde_json::json;

use crate::common::{RequestExt, User};
use crate::support::*;

fn likes(w: &World, post: i64) -> i64 {
    w.app
        .scalar("SELECT likes FROM forum_posts WHERE id = ?1", [post])
}

fn like_rows(w: &World, post: i64) -> i64 {
    w.app.scalar(
        "SELECT COUNT(*) FROM forum_post_likes WHERE post_id = ?1",
        [post],
    )
}

fn like(w: &World, who: &User, post: i64) -> crate::common::Resp {
    w.rest(
        Method::Post,
        &format!("/api/v1/forum/posts/{post}/like"),
        Some(who),
        None,
    )
}

#[test]
fn liking_twice_counts_once() {
    let w = World::new();
    let post = w.forum_post(&w.alice);
    for _ in 0..2 {
        let res = like(&w, &w.bob, post);
        assert_eq!(res.status, 200, "{}", res.text);
        assert_eq!(
            res.body,
            json!({"post_id": post, "likes": 1, "liked": true})
        );
    }
    assert_eq!(likes(&w, post), 1);
    assert_eq!(like_rows(&w, post), 1);

    // The seed route too, with the token in the path and the id in the body or the query.
    let res = w
        .app
        .post(format!("/forum/post/like/{}", w.bob.token))
        .json_body(&json!({"id": post}))
        .fetch();
    assert_seed_updated(&res);
    let res = w
        .app
        .post(format!("/forum/post/like/{}?id={post}", w.carol.token))
        .fetch();
    assert_seed_updated(&res);
    assert_eq!(likes(&w, post), 2);
    assert_eq!(like_rows(&w, post), 2);
}

#[test]
fn unliking_takes_the_like_back_once() {
    let w = World::new();
    let post = w.forum_post(&w.alice);
    like(&w, &w.bob, post);
    for _ in 0..2 {
        let res = w.rest(
            Method::Delete,
            &format!("/api/v1/forum/posts/{post}/like"),
            Some(&w.bob),
            None,
        );
        assert_eq!(res.status, 200, "{}", res.text);
        assert_eq!(
            res.body,
            json!({"post_id": post, "likes": 0, "liked": false})
        );
    }
    assert_eq!(likes(&w, post), 0);
    assert_eq!(like_rows(&w, post), 0);
}

#[test]
fn liking_needs_a_token() {
    let w = World::new();
    let post = w.forum_post(&w.alice);
    let res = w.unchanged(|| {
        w.rest(
            Method::Post,
            &format!("/api/v1/forum/posts/{post}/like"),
            None,
            None,
        )
    });
    assert_no_token(&res);
    let res = w.unchanged(|| {
        w.app
            .post("/forum/post/like/forged")
            .json_body(&json!({"id": post}))
            .fetch()
    });
    res.assert_error(401, 401, 902);
}

#[test]
fn fifty_concurrent_likes_by_fifty_members_count_fifty() {
    let w = World::new();
    let post = w.forum_post(&w.alice);
    let members: Vec<User> = (0..50)
        .map(|i| account(&w.app, &format!("liker{i}"), 1))
        .collect();
    let config = w.app.config.clone();
    let runtime = rocket::tokio::runtime::Builder::new_multi_thread()
        .worker_threads(4)
        .enable_all()
        .build()
        .unwrap();
    let answers = runtime.block_on(async move {
        let client = Arc::new(
            Client::untracked(preau::build(config).unwrap())
                .await
                .unwrap(),
        );
        let mut likes = JoinSet::new();
        for member in members {
            let client = client.clone();
            likes.spawn(async move {
                let res = client
                    .post(format!("/api/v1/forum/posts/{post}/like"))
                    .header(Header::new(
                        "Authorization",
                        format!("Bearer {}", member.token),
                    ))
                    .dispatch()
                    .await;
                let status = res.status().code;
                (status, res.into_string().await.unwrap_or_default())
            });
        }
        let mut answers = Vec::new();
        while let Some(answer) = likes.join_next().await {
            answers.push(answer.unwrap());
        }
        answers
    });
    assert_eq!(answers.len(), 50);
    for (status, body) in &answers {
        assert_eq!(*status, 200, "{body}");
    }
    assert_eq!(likes(&w, post), 50);
    assert_eq!(like_rows(&w, post), 50);
    let res = w.get(&format!("/api/v1/forum/posts/{post}"), &w.bob);
    assert_eq!(res.body["likes"], json!(50), "{}", res.text);
}

#[test]
fn a_like_on_a_hidden_or_missing_post_is_404() {
    let w = World::new();
    let post = w.forum_post(&w.alice);
    w.app
        .db()
        .execute("UPDATE forum_posts SET hidden = 1 WHERE id = ?1", [post])
        .unwrap();
    for target in [post, 999] {
        let res = w.unchanged(|| like(&w, &w.bob, target));
        assert_not_found(&res);
        let res = w.unchanged(|| {
            w.app
                .post(format!("/forum/post/like/{}", w.bob.token))
                .json_body(&json!({"id": target}))
                .fetch()
        });
        assert_not_found(&res);
        assert_eq!(
            res.body["path"],
            json!("/forum/post/like"),
            "no token in the path"
        );
    }
}

#[test]
fn setting_the_like_count_directly_is_for_moderators() {
    let w = World::new();
    let post = w.forum_post(&w.alice);
    for who in [&w.alice, &w.bob] {
        let res = w.unchanged(|| {
            w.app
                .post(format!("/forum/post/likes/{}/40", who.token))
                .json_body(&json!({"id": post}))
                .fetch()
        });
        assert_forbidden(&res);
        let res = w.unchanged(|| {
            w.seed(
                "/forum/post/modify",
                Some(who),
                json!({"id": post, "likes": 40}),
            )
        });
        assert_forbidden(&res);
    }
    let res = w.unchanged(|| {
        w.patch(
            &format!("/api/v1/forum/posts/{post}"),
            &w.alice,
            json!({"likes": 40}),
        )
    });
    assert_forbidden(&res);
    let (_, subject) = w.forum();
    let res = w.unchanged(|| {
        w.post(
            "/api/v1/forum/posts",
            &w.bob,
            json!({"subject_id": subject, "content": "popular", "likes": 1000}),
        )
    });
    assert_forbidden(&res);

    let res = w
        .app
        .post(format!(
            "/forum/post/likes/{}/40?id={post}",
            w.moderator.token
        ))
        .fetch();
    assert_seed_updated(&res);
    assert_eq!(likes(&w, post), 40);
    let res = w.seed(
        "/forum/post/modify",
        Some(&w.moderator),
        json!({"id": post, "likes": 7}),
    );
    assert_seed_updated(&res);
    assert_eq!(likes(&w, post), 7);
    assert_eq!(
        w.text("forum_posts", "content", post).as_deref(),
        Some("Hello")
    );
}

#[test]
fn a_moderator_cannot_edit_a_members_post_text_through_the_likes_field() {
    let w = World::new();
    let post = w.forum_post(&w.alice);
    let res = w.unchanged(|| {
        w.seed(
            "/forum/post/modify",
            Some(&w.moderator),
            json!({"id": post, "likes": 3, "content": "rewritten"}),
        )
    });
    assert_forbidden(&res);
}

#[test]
fn a_bad_like_count_is_refused() {
    let w = World::new();
    let post = w.forum_post(&w.alice);
    for bad in ["-1", "many"] {
        let res = w.unchanged(|| {
            w.app
                .post(format!("/forum/post/likes/{}/{bad}", w.moderator.token))
                .json_body(&json!({"id": post}))
                .fetch()
        });
        assert_invalid(&res, "likes");
    }
    let res = w.unchanged(|| {
        w.app
            .post(format!("/forum/post/likes/{}/3", w.moderator.token))
            .json_body(&json!({"id": 999}))
            .fetch()
    });
    assert_not_found(&res);
}

#[test]
fn deleting_a_likers_account_takes_their_like_back() {
    let w = World::new();
    let post = w.forum_post(&w.alice);
    like(&w, &w.bob, post);
    like(&w, &w.carol, post);
    assert_eq!(likes(&w, post), 2);
    let res = w.delete(&format!("/api/v1/accounts/{}", w.bob.id), &w.admin);
    assert_eq!(res.status, 204, "{}", res.text);
    assert!(!w.app.account_exists(w.bob.id));
    assert_eq!(likes(&w, post), 1);
    assert_eq!(like_rows(&w, post), 1);
    let res = w.rest(Method::Delete, "/api/v1/me", Some(&w.carol), None);
    assert_eq!(res.status, 204, "{}", res.text);
    assert_eq!(likes(&w, post), 0);
}

#[test]
fn a_member_may_repeat_the_like_count_of_the_seeds_template_but_not_change_it() {
    let w = World::new();
    let post = w.forum_post(&w.alice);
    like(&w, &w.bob, post);
    let res = w.seed(
        "/forum/post/modify",
        Some(&w.alice),
        json!({"id": post, "account_id": w.alice.id, "content": "Edited", "likes": 1}),
    );
    assert_seed_updated(&res);
    assert_eq!(
        w.text("forum_posts", "content", post).as_deref(),
        Some("Edited")
    );
    assert_eq!(likes(&w, post), 1);
    for bad in [json!(2), json!(null)] {
        let res = w.unchanged(|| {
            w.seed(
                "/forum/post/modify",
                Some(&w.alice),
                json!({"id": post, "content": "Again", "likes": bad}),
            )
        });
        assert_forbidden(&res);
    }
    let (_, subject) = w.forum();
    let res = w.seed(
        "/forum/post/modify",
        Some(&w.bob),
        json!({"forum_subject_id": subject, "content": "New", "likes": 0}),
    );
    let id = assert_seed_created(&res, "/forum/post/modify");
    assert_eq!(likes(&w, id), 0);
}
