//! Bad input (section 4.3): every refusal is the envelope with a message naming the field and
//! the rule, never a 500, and nothing is written.

use rocket::http::{ContentType, Method};
use serde_json::json;

use crate::common::RequestExt;
use crate::support::*;

#[test]
fn a_title_of_201_characters_is_refused_naming_title() {
    let w = World::new();
    let res = w.unchanged(|| {
        w.post(
            "/api/v1/courses",
            &w.alice,
            json!({"title": "t".repeat(201), "content": "x"}),
        )
    });
    assert_invalid(&res, "title");
    assert!(
        res.body["message"].as_str().unwrap().contains("200"),
        "{}",
        res.text
    );
    let res = w.unchanged(|| {
        w.seed(
            "/course/modify",
            Some(&w.alice),
            json!({"title": "é".repeat(201), "content": "x"}),
        )
    });
    assert_invalid(&res, "title");

    let res = w.post(
        "/api/v1/courses",
        &w.alice,
        json!({"title": "é".repeat(200), "content": "x"}),
    );
    assert_eq!(res.status, 201, "200 characters are fine: {}", res.text);
}

#[test]
fn an_overlong_title_in_an_edit_changes_nothing() {
    let w = World::new();
    let id = w.course();
    let res = w.unchanged(|| {
        w.patch(
            &format!("/api/v1/courses/{id}"),
            &w.moderator,
            json!({"title": "t".repeat(201), "content": "new"}),
        )
    });
    assert_invalid(&res, "title");
}

#[test]
fn overlong_content_is_refused_naming_content() {
    let w = World::new();
    let (_, subject) = w.forum();
    let res = w.unchanged(|| {
        w.post(
            "/api/v1/forum/posts",
            &w.alice,
            json!({"subject_id": subject, "content": "x".repeat(100_001)}),
        )
    });
    assert_invalid(&res, "content");
    let course = w.course();
    let res = w.unchanged(|| {
        w.post(
            &format!("/api/v1/courses/{course}/comments"),
            &w.alice,
            json!({"content": "x".repeat(5_001)}),
        )
    });
    assert_invalid(&res, "content");
}

#[test]
fn an_empty_or_blank_required_text_is_refused() {
    let w = World::new();
    let res = w.unchanged(|| {
        w.post(
            "/api/v1/courses",
            &w.alice,
            json!({"title": "   ", "content": "x"}),
        )
    });
    assert_invalid(&res, "title");
    let res = w.unchanged(|| w.post("/api/v1/courses", &w.alice, json!({"content": "x"})));
    assert_invalid(&res, "title");
    assert!(res.body["message"].as_str().unwrap().contains("required"));
}

#[test]
fn control_characters_in_a_title_are_refused() {
    let w = World::new();
    let res = w.unchanged(|| {
        w.post(
            "/api/v1/courses",
            &w.alice,
            json!({"title": "a\u{0}b", "content": "x"}),
        )
    });
    assert_invalid(&res, "title");
}

#[test]
fn wrong_types_are_refused_naming_the_field() {
    let w = World::new();
    let course = w.course();
    let cases = [
        (
            "title",
            json!({"title": 5, "content": "x", "course_id": course, "instruction": "i"}),
        ),
        (
            "grade_max",
            json!({"title": "t", "instruction": "i", "course_id": course, "grade_max": "20"}),
        ),
        (
            "course_id",
            json!({"title": "t", "instruction": "i", "course_id": "one"}),
        ),
        (
            "course_id",
            json!({"title": "t", "instruction": "i", "course_id": 1.5}),
        ),
        (
            "grade_max",
            json!({"title": "t", "instruction": "i", "course_id": course, "grade_max": 0}),
        ),
        (
            "grade_max",
            json!({"title": "t", "instruction": "i", "course_id": course, "grade_max": 1001}),
        ),
    ];
    for (field, body) in cases {
        let res = w.unchanged(|| w.post("/api/v1/exercises", &w.alice, body.clone()));
        assert_invalid(&res, field);
        let res = w.unchanged(|| w.seed("/exercise/modify", Some(&w.alice), body));
        assert_invalid(&res, field);
    }
    let res = w.unchanged(|| {
        w.seed(
            "/course/modify",
            Some(&w.alice),
            json!({"id": "seven", "title": "t"}),
        )
    });
    assert_invalid(&res, "id");
}

#[test]
fn a_subject_in_a_missing_forum_is_refused_naming_forum_id() {
    let w = World::new();
    let res = w.unchanged(|| {
        w.post(
            "/api/v1/forum/subjects",
            &w.alice,
            json!({"forum_id": 999, "title": "Lost"}),
        )
    });
    assert_invalid(&res, "forum_id");
    assert!(
        res.body["message"].as_str().unwrap().contains("999"),
        "{}",
        res.text
    );
    let res = w.unchanged(|| {
        w.seed(
            "/forum/subject/modify",
            Some(&w.alice),
            json!({"forums_forum_id": 999, "title": "Lost"}),
        )
    });
    assert_invalid(&res, "forum_id");
}

#[test]
fn a_reference_to_a_missing_row_is_refused_naming_it() {
    let w = World::new();
    let course = w.course();
    let cases = [
        (
            "/api/v1/courses",
            "locale_id",
            json!({"title": "t", "content": "c", "locale_id": 99}),
        ),
        (
            "/api/v1/courses",
            "language_id",
            json!({"title": "t", "content": "c", "language_id": 99}),
        ),
        (
            "/api/v1/exercises",
            "course_id",
            json!({"title": "t", "instruction": "c", "course_id": 99}),
        ),
        (
            "/api/v1/blog/posts",
            "category_id",
            json!({"title": "t", "content": "c", "category_id": 99}),
        ),
        (
            "/api/v1/forum/posts",
            "subject_id",
            json!({"content": "c", "subject_id": 99}),
        ),
        (
            "/api/v1/grades",
            "account_id",
            json!({"account_id": 999, "exercise_id": 1, "value": 1}),
        ),
    ];
    for (uri, field, body) in cases {
        let res = w.unchanged(|| w.post(uri, &w.admin, body));
        assert_invalid(&res, field);
    }
    let res = w.unchanged(|| {
        w.post(
            "/api/v1/courses/999/comments",
            &w.alice,
            json!({"content": "to nothing"}),
        )
    });
    assert_not_found(&res);
    let res = w.unchanged(|| {
        w.seed(
            "/course/modify",
            Some(&w.moderator),
            json!({"id": 999, "title": "t"}),
        )
    });
    assert_not_found(&res);
    let _ = course;
}

#[test]
fn a_zero_locale_means_the_default_one() {
    let w = World::new();
    // The seeds' templates send 0 for "none"; a NOT NULL locale falls back to the default.
    let res = w.seed(
        "/course/modify",
        Some(&w.alice),
        json!({"title": "t", "content": "c", "locales_id": 0, "language_id": 0}),
    );
    let id = assert_seed_created(&res, "/course/modify");
    assert_eq!(w.value("courses", "locale_id", id), json!(1));
    assert_eq!(
        w.value("courses", "language_id", id),
        serde_json::Value::Null
    );
    let res = w.seed(
        "/course/modify",
        Some(&w.alice),
        json!({"id": id, "locales_id": 0}),
    );
    assert_seed_updated(&res);
    assert_eq!(w.value("courses", "locale_id", id), json!(1));
}

#[test]
fn unknown_filter_values_are_refused() {
    let w = World::new();
    let res = w.get("/api/v1/courses?status=published", &w.alice);
    assert_invalid(&res, "status");
    let res = w.get("/api/v1/courses?author=alice", &w.alice);
    assert_invalid(&res, "author");
    let res = w.get("/api/v1/forum/posts?subject=first", &w.alice);
    assert_invalid(&res, "subject");
    let res = w.get("/api/v1/courses/abc", &w.alice);
    assert_invalid(&res, "id");
    let res = w.get("/api/v1/courses/abc/comments", &w.alice);
    assert_invalid(&res, "course_id");
}

#[test]
fn a_bad_cursor_or_limit_is_refused() {
    let w = World::new();
    for (query, field) in [
        ("cursor=garbage", "cursor"),
        ("cursor=aWQ6eA", "cursor"),
        ("limit=0", "limit"),
        ("limit=101", "limit"),
        ("limit=ten", "limit"),
    ] {
        let res = w.get(&format!("/api/v1/forum/posts?{query}"), &w.alice);
        assert_invalid(&res, field);
    }
}

#[test]
fn malformed_json_is_refused_and_changes_nothing() {
    let w = World::new();
    let res = w.unchanged(|| {
        w.app
            .post("/api/v1/courses")
            .bearer(&w.alice.token)
            .header(ContentType::JSON)
            .body("{\"title\": ")
            .fetch()
    });
    res.assert_error(400, 400, 1400);
    assert!(
        res.body["message"].as_str().unwrap().contains("JSON"),
        "{}",
        res.text
    );
    let res = w.unchanged(|| {
        w.app
            .post("/course/modify")
            .header(ContentType::JSON)
            .body(format!("{{\"token\": \"{}\", \"title\": [", w.alice.token))
            .fetch()
    });
    res.assert_error(400, 400, 1400);
    let res = w.unchanged(|| {
        w.app
            .post("/api/v1/courses")
            .bearer(&w.alice.token)
            .header(ContentType::JSON)
            .body("[1, 2]")
            .fetch()
    });
    res.assert_error(400, 400, 1400);
}

#[test]
fn a_body_over_the_size_limit_is_413_and_changes_nothing() {
    let w = World::new();
    let huge = json!({"title": "t", "content": "x".repeat(1_100_000)});
    let res = w.unchanged(|| w.post("/api/v1/courses", &w.alice, huge.clone()));
    res.assert_error(413, 413, 1413);
    let res = w.unchanged(|| w.seed("/course/modify", Some(&w.alice), huge));
    res.assert_error(413, 413, 1413);
}

#[test]
fn a_bad_token_is_401_902_on_both_faces() {
    let w = World::new();
    let res = w.unchanged(|| {
        w.app
            .post("/api/v1/courses")
            .bearer("not.a.token")
            .json_body(&json!({"title": "t", "content": "c"}))
            .fetch()
    });
    res.assert_error(401, 401, 902);
    let res = w.unchanged(|| {
        w.app
            .post("/course/modify")
            .json_body(&json!({"token": "forged", "title": "t", "content": "c"}))
            .fetch()
    });
    res.assert_error(401, 401, 902);
    let res = w.rest(Method::Get, "/api/v1/courses", None, None);
    assert_no_token(&res);
}

#[test]
fn an_empty_optional_text_means_none() {
    let w = World::new();
    let category = w.create(
        "/api/v1/forum/categories",
        &w.admin,
        json!({"name": "Programming"}),
    );
    // The seed's template sends "" for the fields it does not fill.
    let res = w.seed(
        "/forum/modify",
        Some(&w.admin),
        json!({"forum_category_id": category, "name": "Python", "description": ""}),
    );
    let id = assert_seed_created(&res, "/forum/modify");
    assert_eq!(
        w.value("forums", "description", id),
        serde_json::Value::Null
    );
    // A required text stays required.
    let res = w.unchanged(|| {
        w.seed(
            "/forum/modify",
            Some(&w.admin),
            json!({"forum_category_id": category, "name": ""}),
        )
    });
    assert_invalid(&res, "name");
}

#[test]
fn null_clears_an_optional_field_and_restores_a_default() {
    let w = World::new();
    let language = w.create("/api/v1/languages", &w.admin, json!({"name": "C"}));
    let course = w.create(
        "/api/v1/courses",
        &w.moderator,
        json!({"title": "t", "content": "c", "language_id": language, "locale_id": 2}),
    );
    let res = w.patch(
        &format!("/api/v1/courses/{course}"),
        &w.moderator,
        json!({"language_id": null, "locale_id": null}),
    );
    assert_eq!(res.status, 200, "{}", res.text);
    assert_eq!(res.body["language_id"], serde_json::Value::Null);
    assert_eq!(
        w.value("courses", "language_id", course),
        serde_json::Value::Null
    );
    assert_eq!(w.value("courses", "locale_id", course), json!(1));
    // A required field is not cleared by null: it is left as it is.
    let res = w.patch(
        &format!("/api/v1/courses/{course}"),
        &w.moderator,
        json!({"title": null}),
    );
    assert_eq!(res.status, 200, "{}", res.text);
    assert_eq!(w.value("courses", "title", course), json!("t"));
}

#[test]
fn a_rest_body_with_a_field_the_resource_does_not_have_is_refused_and_changes_nothing() {
    let w = World::new();
    let course = w.course();
    let before = w.value("courses", "updated_at", course);
    let res = w.patch(
        &format!("/api/v1/courses/{course}"),
        &w.moderator,
        json!({"titel": "x"}),
    );
    assert_invalid(&res, "titel");
    assert_eq!(
        w.value("courses", "updated_at", course),
        before,
        "not touched"
    );
    let res = w.post(
        "/api/v1/courses",
        &w.moderator,
        json!({"title": "T", "content": "C", "status": "approved"}),
    );
    assert_invalid(&res, "status");
    // A REST body of a route of its own (not a generic resource) too.
    let res = w.patch("/api/v1/me", &w.alice, json!({"nom": "Dupont"}));
    assert_invalid(&res, "nom");
    // The seed face stays lenient: its clients send `token` and other extra fields.
    let res = w.seed(
        "/course/modify",
        Some(&w.moderator),
        json!({"id": course, "title": "Renamed", "account_id": w.moderator.id, "extra": 1}),
    );
    assert_seed_updated(&res);
}

/// A resource's view is ranked ahead of every other `GET` route (Rocket tries them in rank
/// order, and a view is most of what the app asks for): a static route of another stage on an
/// item's path still gets its requests, and a word in the id's place is still refused naming
/// `id`.
#[test]
fn a_static_route_on_an_items_path_keeps_its_requests() {
    #[rocket::get("/forum/posts/pinned")]
    fn pinned() -> &'static str {
        "the pinned posts"
    }
    let mut app = crate::common::TestApp::new();
    let rocket = preau::build(app.config.clone())
        .unwrap()
        .mount("/api/v1", rocket::routes![pinned]);
    app.client = rocket::local::blocking::Client::untracked(rocket).unwrap();
    let w = World::on(app);

    let res = w.get("/api/v1/forum/posts/pinned", &w.alice);
    assert_eq!((res.status, res.text.as_str()), (200, "the pinned posts"));
    let res = w.rest(
        Method::Delete,
        "/api/v1/forum/posts/pinned",
        Some(&w.alice),
        None,
    );
    res.assert_error(405, 405, 1405);
    assert_eq!(res.header("Allow"), Some("GET"));
    let res = w.get("/api/v1/forum/posts/latest", &w.alice);
    assert_invalid(&res, "id");
    let course = w.create(
        "/api/v1/courses",
        &w.alice,
        json!({"title": "Ranked", "content": "first"}),
    );
    let res = w.get(&format!("/api/v1/courses/{course}"), &w.alice);
    assert_eq!(res.status, 200, "{}", res.text);
    assert_eq!(res.body["title"], "Ranked");
}

/// What the view's rank relies on: no `GET` route that Rocket's default ranks put ahead of the
/// item routes (rank below -5) matches an item path with a numeric id. Such a route would lose
/// those requests to the view: it needs a rank after the view's, or a path of its own.
#[test]
fn no_route_ranked_ahead_of_a_view_matches_a_rows_path() {
    let app = crate::common::TestApp::new();
    let routes: Vec<_> = app.client.rocket().routes().collect();
    let items: Vec<_> = routes.iter().filter(|r| r.rank == -13).collect();
    assert!(items.len() > 10, "{} item routes at rank -13", items.len());
    let matches = |pattern: &str, path: &[&str]| {
        let parts: Vec<&str> = pattern.split('/').filter(|s| !s.is_empty()).collect();
        if parts.last().is_some_and(|p| p.ends_with("..>")) {
            return path.len() + 1 >= parts.len()
                && parts[..parts.len() - 1]
                    .iter()
                    .zip(path)
                    .all(|(p, s)| p.starts_with('<') || p == s);
        }
        parts.len() == path.len()
            && parts
                .iter()
                .zip(path)
                .all(|(p, s)| p.starts_with('<') || p == s)
    };
    for item in &items {
        let path: Vec<&str> = item
            .uri
            .path()
            .split('/')
            .filter(|s| !s.is_empty())
            .map(|s| if s.starts_with('<') { "12" } else { s })
            .collect();
        for other in &routes {
            let ahead = other.method == Method::Get && other.rank != -13 && other.rank < -5;
            assert!(
                !(ahead && matches(other.uri.path(), &path)),
                "{} (rank {}) matches the view's path {}",
                other.uri,
                other.rank,
                item.uri
            );
        }
    }
}
