//! Who may write what, on both faces (section 3): anonymous callers get 401/901; a member
//! who is not the author gets 403, or 404 when the row is not even visible to them; the
//! author writes; moderators delete members' content but do not edit it; admins do both.
//! Reference data (locales, languages, categories, forums, groups) is written by admins only.

use rocket::http::Method;
use serde_json::{Value, json};

use crate::support::*;

/// An owned resource, written by alice; `values` are what the anonymous caller, bob and the
/// moderator try to set, then what alice (REST), alice (seed) and the admin set.
struct Owned {
    table: &'static str,
    collection: String,
    seed: &'static str,
    create: Value,
    seed_create: Value,
    column: &'static str,
    values: [Value; 4],
    others_see_it: bool,
    /// `courses` or `exercises`: approved by the moderator once created.
    moderated: Option<&'static str>,
}

fn refused_to_other(res: &crate::common::Resp, others_see_it: bool) {
    if others_see_it {
        assert_forbidden(res);
    } else {
        assert_not_found(res);
    }
}

fn check_owned(w: &World, case: Owned) {
    let Owned {
        table,
        collection,
        seed,
        create,
        seed_create,
        column,
        values,
        others_see_it,
        moderated,
    } = case;
    let col = |v: &Value| {
        let mut body = serde_json::Map::new();
        body.insert(column.to_owned(), v.clone());
        Value::Object(body)
    };
    let with_id = |id: i64, v: &Value| {
        let mut body = col(v);
        body["id"] = json!(id);
        body
    };

    // Anonymous: nothing, on either face.
    let res = w.unchanged(|| w.rest(Method::Post, &collection, None, Some(create.clone())));
    assert_no_token(&res);
    let res = w.unchanged(|| w.seed(seed, None, seed_create.clone()));
    assert_no_token(&res);

    // The author creates.
    let res = w.post(&collection, &w.alice, create.clone());
    assert_eq!(res.status, 201, "{table}: {}", res.text);
    assert_eq!(res.body["account_id"], json!(w.alice.id), "{}", res.text);
    let id = res.body["id"].as_i64().unwrap();
    assert_eq!(w.value(table, "account_id", id), json!(w.alice.id));
    if let Some(moderated) = moderated {
        w.approve(moderated, id);
    }
    let item = format!("{collection}/{id}");

    let res = w.unchanged(|| w.rest(Method::Patch, &item, None, Some(col(&values[0]))));
    assert_no_token(&res);
    let res = w.unchanged(|| w.rest(Method::Delete, &item, None, None));
    assert_no_token(&res);
    let res = w.unchanged(|| w.seed(seed, None, with_id(id, &values[0])));
    assert_no_token(&res);

    // Another member: refused, on both faces.
    let res = w.unchanged(|| w.patch(&item, &w.bob, col(&values[0])));
    refused_to_other(&res, others_see_it);
    let res = w.unchanged(|| w.delete(&item, &w.bob));
    refused_to_other(&res, others_see_it);
    let res = w.unchanged(|| w.seed(seed, Some(&w.bob), with_id(id, &values[0])));
    refused_to_other(&res, others_see_it);

    // A moderator does not edit members' content.
    let res = w.unchanged(|| w.patch(&item, &w.moderator, col(&values[0])));
    assert_forbidden(&res);
    let res = w.unchanged(|| w.seed(seed, Some(&w.moderator), with_id(id, &values[0])));
    assert_forbidden(&res);

    // The author edits, on both faces.
    let res = w.patch(&item, &w.alice, col(&values[1]));
    assert_eq!(res.status, 200, "{table}: {}", res.text);
    assert_eq!(res.body[column], values[1], "{}", res.text);
    assert_eq!(w.value(table, column, id), values[1]);
    let res = w.seed(seed, Some(&w.alice), with_id(id, &values[2]));
    assert_seed_updated(&res);
    assert_eq!(w.value(table, column, id), values[2]);

    // An admin edits anyone's.
    let res = w.patch(&item, &w.admin, col(&values[3]));
    assert_eq!(res.status, 200, "{table}: {}", res.text);
    assert_eq!(w.value(table, column, id), values[3]);
    assert_eq!(w.value(table, "account_id", id), json!(w.alice.id));

    // A moderator deletes it.
    let res = w.delete(&item, &w.moderator);
    assert_eq!(res.status, 204, "{table}: {}", res.text);
    assert!(res.text.is_empty());
    assert!(!w.exists(table, id), "{table} {id} is gone");

    // The seed creates one for its author, who deletes it.
    let res = w.seed(seed, Some(&w.alice), seed_create);
    let id = assert_seed_created(&res, seed);
    assert_eq!(w.value(table, "account_id", id), json!(w.alice.id));
    let res = w.delete(&format!("{collection}/{id}"), &w.alice);
    assert_eq!(res.status, 204, "{table}: {}", res.text);
    assert!(!w.exists(table, id));
}

fn texts(prefix: &str) -> [Value; 4] {
    ["intruder", "by the author", "by the seed", "by an admin"]
        .map(|s| json!(format!("{prefix} {s}")))
}

#[test]
fn courses_are_written_by_their_author_deleted_by_moderators_and_edited_by_admins() {
    let w = World::new();
    check_owned(
        &w,
        Owned {
            table: "courses",
            collection: "/api/v1/courses".into(),
            seed: "/course/modify",
            create: json!({"title": "Loops", "content": "for, while"}),
            seed_create: json!({"title": "Recursion", "content": "fn f", "locales_id": 2}),
            column: "title",
            values: texts("Course"),
            others_see_it: true,
            moderated: Some("courses"),
        },
    );
}

#[test]
fn course_comments_are_written_by_their_author_only() {
    let w = World::new();
    let course = w.course();
    check_owned(
        &w,
        Owned {
            table: "course_comments",
            collection: format!("/api/v1/courses/{course}/comments"),
            seed: "/course/commente/modify",
            create: json!({"content": "Nice"}),
            seed_create: json!({"couse_id": course, "content": "Thanks"}),
            column: "content",
            values: texts("Comment"),
            others_see_it: true,
            moderated: None,
        },
    );
}

#[test]
fn exercises_are_written_by_their_author_only() {
    let w = World::new();
    let course = w.course();
    check_owned(
        &w,
        Owned {
            table: "exercises",
            collection: "/api/v1/exercises".into(),
            seed: "/exercise/modify",
            create: json!({"course_id": course, "title": "FizzBuzz", "instruction": "1 to 100"}),
            seed_create: json!({"course_id": course, "title": "Primes", "instruction": "Sieve", "grade_max": 10}),
            column: "title",
            values: texts("Exercise"),
            others_see_it: true,
            moderated: Some("exercises"),
        },
    );
}

#[test]
fn exercise_comments_are_written_by_their_author_only() {
    let w = World::new();
    let exercise = w.exercise(&w.moderator);
    check_owned(
        &w,
        Owned {
            table: "exercise_comments",
            collection: format!("/api/v1/exercises/{exercise}/comments"),
            seed: "/exercise/comment/modify",
            create: json!({"content": "Hard"}),
            seed_create: json!({"exercice_id": exercise, "content": "Done"}),
            column: "content",
            values: texts("Comment"),
            others_see_it: true,
            moderated: None,
        },
    );
}

#[test]
fn scripts_are_private_to_their_author_and_staff() {
    let w = World::new();
    check_owned(
        &w,
        Owned {
            table: "scripts",
            collection: "/api/v1/scripts".into(),
            seed: "/exercise/script/modify",
            create: json!({"content": "assert f(3) == 6"}),
            seed_create: json!({"content": "assert True"}),
            column: "content",
            values: texts("Script"),
            others_see_it: false,
            moderated: None,
        },
    );
}

#[test]
fn script_logs_are_private_to_the_scripts_author_and_staff() {
    let w = World::new();
    let script = w.create("/api/v1/scripts", &w.alice, json!({"content": "run"}));
    check_owned(
        &w,
        Owned {
            table: "script_logs",
            collection: format!("/api/v1/scripts/{script}/logs"),
            seed: "/exercise/script/log/modify",
            create: json!({"content": "ok 1"}),
            seed_create: json!({"script_id": script, "content": "ok 2"}),
            column: "content",
            values: texts("Log"),
            others_see_it: false,
            moderated: None,
        },
    );
}

#[test]
fn a_member_cannot_add_a_log_to_another_members_script() {
    let w = World::new();
    let script = w.create("/api/v1/scripts", &w.alice, json!({"content": "run"}));
    let res = w.unchanged(|| {
        w.post(
            &format!("/api/v1/scripts/{script}/logs"),
            &w.bob,
            json!({"content": "fake"}),
        )
    });
    assert_not_found(&res);
    let res = w.unchanged(|| {
        w.seed(
            "/exercise/script/log/modify",
            Some(&w.bob),
            json!({"script_id": script, "content": "fake"}),
        )
    });
    assert_invalid(&res, "script_id");
}

#[test]
fn corrections_are_private_to_their_author_and_staff() {
    let w = World::new();
    check_owned(
        &w,
        Owned {
            table: "corrections",
            collection: "/api/v1/corrections".into(),
            seed: "/exercise/correction/modify",
            create: json!({"content": "print(42)"}),
            seed_create: json!({"content": "print(43)"}),
            column: "content",
            values: texts("Correction"),
            others_see_it: false,
            moderated: None,
        },
    );
}

#[test]
fn attempts_are_written_by_the_member_who_works_on_them() {
    let w = World::new();
    let exercises: Vec<i64> = (0..5).map(|_| w.exercise(&w.moderator)).collect();
    check_owned(
        &w,
        Owned {
            table: "attempts",
            collection: "/api/v1/attempts".into(),
            seed: "/exercise/user/modify",
            create: json!({"exercise_id": exercises[0]}),
            seed_create: json!({"exercice_id": exercises[0]}),
            column: "exercise_id",
            values: [1, 2, 3, 4].map(|i| json!(exercises[i])),
            others_see_it: false,
            moderated: None,
        },
    );
}

#[test]
fn attempt_code_is_written_by_the_attempts_author_only() {
    let w = World::new();
    let exercise = w.exercise(&w.moderator);
    let attempt = w.create(
        "/api/v1/attempts",
        &w.alice,
        json!({"exercise_id": exercise}),
    );
    check_owned(
        &w,
        Owned {
            table: "attempt_codes",
            collection: format!("/api/v1/attempts/{attempt}/code"),
            seed: "/exercise/user/code/modify",
            create: json!({"content": "print(1)"}),
            seed_create: json!({"user_exercice_id": attempt, "content": "print(2)"}),
            column: "content",
            values: texts("Code"),
            others_see_it: false,
            moderated: None,
        },
    );
}

#[test]
fn the_exercise_author_sees_attempts_on_it_but_cannot_add_code_to_them() {
    let w = World::new();
    let exercise = w.exercise(&w.bob);
    let attempt = w.create(
        "/api/v1/attempts",
        &w.alice,
        json!({"exercise_id": exercise}),
    );
    let res = w.get(&format!("/api/v1/attempts/{attempt}"), &w.bob);
    assert_eq!(res.status, 200, "{}", res.text);
    assert_eq!(res.body["account_id"], json!(w.alice.id));
    let res = w.unchanged(|| {
        w.post(
            &format!("/api/v1/attempts/{attempt}/code"),
            &w.bob,
            json!({"content": "not mine"}),
        )
    });
    assert_forbidden(&res);
    let res = w.get(&format!("/api/v1/attempts/{attempt}"), &w.carol);
    assert_not_found(&res);
}

#[test]
fn a_member_cannot_set_the_grade_of_an_attempt() {
    let w = World::new();
    let exercise = w.exercise(&w.moderator);
    let grade = w.create(
        "/api/v1/grades",
        &w.moderator,
        json!({"account_id": w.alice.id, "exercise_id": exercise, "value": 12}),
    );
    let attempt = w.create(
        "/api/v1/attempts",
        &w.alice,
        json!({"exercise_id": exercise}),
    );
    let res = w.unchanged(|| {
        w.patch(
            &format!("/api/v1/attempts/{attempt}"),
            &w.alice,
            json!({"grade_id": grade}),
        )
    });
    assert_forbidden(&res);
    assert!(res.body["message"].as_str().unwrap().contains("grade_id"));
    let res = w.patch(
        &format!("/api/v1/attempts/{attempt}"),
        &w.admin,
        json!({"grade_id": grade}),
    );
    assert_eq!(res.status, 200, "{}", res.text);
    assert_eq!(w.value("attempts", "grade_id", attempt), json!(grade));
}

#[test]
fn blog_posts_are_written_by_their_author_only() {
    let w = World::new();
    let (category, _) = w.blog();
    check_owned(
        &w,
        Owned {
            table: "blog_posts",
            collection: "/api/v1/blog/posts".into(),
            seed: "/blog/post/modify",
            create: json!({"category_id": category, "title": "Hi", "content": "First"}),
            seed_create: json!({"blog_category_id": category, "locales_id": 2, "title": "Salut", "content": "Premier"}),
            column: "title",
            values: texts("Post"),
            others_see_it: true,
            moderated: None,
        },
    );
}

#[test]
fn blog_comments_are_written_by_their_author_only() {
    let w = World::new();
    let (_, post) = w.blog();
    check_owned(
        &w,
        Owned {
            table: "blog_comments",
            collection: format!("/api/v1/blog/posts/{post}/comments"),
            seed: "/blog/post/comment/modify",
            create: json!({"content": "Great"}),
            seed_create: json!({"blog_post_id": post, "content": "Indeed"}),
            column: "content",
            values: texts("Comment"),
            others_see_it: true,
            moderated: None,
        },
    );
}

#[test]
fn forum_subjects_are_written_by_their_author_only() {
    let w = World::new();
    let (forum, _) = w.forum();
    check_owned(
        &w,
        Owned {
            table: "forum_subjects",
            collection: "/api/v1/forum/subjects".into(),
            seed: "/forum/subject/modify",
            create: json!({"forum_id": forum, "title": "Help with loops"}),
            seed_create: json!({"forums_forum_id": forum, "locales_id": 1, "title": "Help"}),
            column: "title",
            values: texts("Subject"),
            others_see_it: true,
            moderated: None,
        },
    );
}

#[test]
fn forum_posts_are_written_by_their_author_only() {
    let w = World::new();
    let (_, subject) = w.forum();
    check_owned(
        &w,
        Owned {
            table: "forum_posts",
            collection: "/api/v1/forum/posts".into(),
            seed: "/forum/post/modify",
            create: json!({"subject_id": subject, "content": "Hello"}),
            seed_create: json!({"forum_subject_id": subject, "content": "Hi"}),
            column: "content",
            values: texts("Post"),
            others_see_it: true,
            moderated: None,
        },
    );
}

/// Reference data: admins write it, everyone signed in reads it.
struct Reference {
    table: &'static str,
    collection: &'static str,
    seed: &'static str,
    create: Value,
    seed_create: Value,
    column: &'static str,
    values: [Value; 2],
}

fn check_reference(w: &World, case: Reference) {
    let Reference {
        table,
        collection,
        seed,
        create,
        seed_create,
        column,
        values,
    } = case;
    let col = |v: &Value| {
        let mut body = serde_json::Map::new();
        body.insert(column.to_owned(), v.clone());
        Value::Object(body)
    };

    let res = w.unchanged(|| w.rest(Method::Post, collection, None, Some(create.clone())));
    assert_no_token(&res);
    for who in [&w.alice, &w.moderator] {
        let res = w.unchanged(|| w.post(collection, who, create.clone()));
        assert_forbidden(&res);
        let res = w.unchanged(|| w.seed(seed, Some(who), seed_create.clone()));
        assert_forbidden(&res);
    }
    let res = w.unchanged(|| w.seed(seed, None, seed_create.clone()));
    assert_no_token(&res);

    let res = w.post(collection, &w.admin, create.clone());
    assert_eq!(res.status, 201, "{table}: {}", res.text);
    let id = res.body["id"].as_i64().unwrap();
    assert!(w.exists(table, id));
    let item = format!("{collection}/{id}");

    let res = w.get(&item, &w.alice);
    assert_eq!(res.status, 200, "{table}: {}", res.text);
    assert_eq!(res.body["id"], json!(id));

    for who in [&w.alice, &w.moderator] {
        let res = w.unchanged(|| w.patch(&item, who, col(&json!("zz-intruder"))));
        assert_forbidden(&res);
        let res = w.unchanged(|| w.delete(&item, who));
        assert_forbidden(&res);
        let mut body = col(&json!("zz-intruder"));
        body["id"] = json!(id);
        let res = w.unchanged(|| w.seed(seed, Some(who), body));
        assert_forbidden(&res);
    }

    let res = w.patch(&item, &w.admin, col(&values[0]));
    assert_eq!(res.status, 200, "{table}: {}", res.text);
    assert_eq!(res.body[column], values[0]);
    assert_eq!(w.value(table, column, id), values[0]);
    let mut body = col(&values[1]);
    body["id"] = json!(id);
    let res = w.seed(seed, Some(&w.admin), body);
    assert_seed_updated(&res);
    assert_eq!(w.value(table, column, id), values[1]);

    let res = w.seed(seed, Some(&w.admin), seed_create);
    let created = assert_seed_created(&res, seed);
    assert!(w.exists(table, created));

    let res = w.delete(&item, &w.admin);
    assert_eq!(res.status, 204, "{table}: {}", res.text);
    assert!(!w.exists(table, id));
}

#[test]
fn locales_are_written_by_admins_only() {
    let w = World::new();
    check_reference(
        &w,
        Reference {
            table: "locales",
            collection: "/api/v1/locales",
            seed: "/other/locale/modify",
            create: json!({"name": "de"}),
            seed_create: json!({"name": "it"}),
            column: "name",
            values: [json!("de-AT"), json!("de-CH")],
        },
    );
}

#[test]
fn languages_are_written_by_admins_only() {
    let w = World::new();
    check_reference(
        &w,
        Reference {
            table: "languages",
            collection: "/api/v1/languages",
            seed: "/course/language/modify",
            create: json!({"name": "Python"}),
            seed_create: json!({"name": "Rust"}),
            column: "name",
            values: [json!("Python 3"), json!("Python 3.13")],
        },
    );
}

#[test]
fn blog_categories_are_written_by_admins_only() {
    let w = World::new();
    check_reference(
        &w,
        Reference {
            table: "blog_categories",
            collection: "/api/v1/blog/categories",
            seed: "/blog/post/category/modify",
            create: json!({"name": "News"}),
            seed_create: json!({"name": "Events"}),
            column: "name",
            values: [json!("School news"), json!("Club news")],
        },
    );
}

#[test]
fn forum_categories_are_written_by_admins_only() {
    let w = World::new();
    check_reference(
        &w,
        Reference {
            table: "forum_categories",
            collection: "/api/v1/forum/categories",
            seed: "/forum/categorie/modify",
            create: json!({"name": "Programming"}),
            seed_create: json!({"name": "Off topic"}),
            column: "name",
            values: [json!("Code"), json!("Coding")],
        },
    );
}

#[test]
fn forums_are_written_by_admins_only() {
    let w = World::new();
    let category = w.create(
        "/api/v1/forum/categories",
        &w.admin,
        json!({"name": "Programming"}),
    );
    check_reference(
        &w,
        Reference {
            table: "forums",
            collection: "/api/v1/forum/forums",
            seed: "/forum/modify",
            create: json!({"category_id": category, "name": "Python", "description": "Snakes"}),
            seed_create: json!({"forum_category_id": category, "name": "Rust", "description": "Crabs"}),
            column: "name",
            values: [json!("Python help"), json!("Python questions")],
        },
    );
}

#[test]
fn groups_are_written_by_admins_only() {
    let w = World::new();
    check_reference(
        &w,
        Reference {
            table: "groups",
            collection: "/api/v1/groups",
            seed: "/account/group/modify",
            create: json!({"name": "Lycée Victor Hugo"}),
            seed_create: json!({"name": "Collège Jean Moulin"}),
            column: "name",
            values: [json!("Lycée V. Hugo"), json!("LVH")],
        },
    );
}

#[test]
fn a_nested_list_under_a_row_the_caller_cannot_see_is_404() {
    let w = World::new();
    let script = w.create("/api/v1/scripts", &w.alice, json!({"content": "run"}));
    w.create(
        &format!("/api/v1/scripts/{script}/logs"),
        &w.alice,
        json!({"content": "ok"}),
    );
    assert_not_found(&w.get(&format!("/api/v1/scripts/{script}/logs"), &w.bob));
    let res = w.get(&format!("/api/v1/scripts/{script}/logs"), &w.moderator);
    assert_eq!(res.status, 200, "{}", res.text);
    assert_eq!(res.body["items"].as_array().unwrap().len(), 1);
}

#[test]
fn a_nested_row_is_reached_only_under_its_own_parent() {
    let w = World::new();
    let (first, second) = (w.course(), w.course());
    let comment = w.create(
        &format!("/api/v1/courses/{first}/comments"),
        &w.alice,
        json!({"content": "on the first"}),
    );
    let elsewhere = format!("/api/v1/courses/{second}/comments/{comment}");
    assert_not_found(&w.get(&elsewhere, &w.alice));
    let res = w.unchanged(|| w.patch(&elsewhere, &w.alice, json!({"content": "moved?"})));
    assert_not_found(&res);
    let res = w.unchanged(|| w.delete(&elsewhere, &w.alice));
    assert_not_found(&res);
    // Nor does an edit move it.
    let res = w.patch(
        &format!("/api/v1/courses/{first}/comments/{comment}"),
        &w.alice,
        json!({"content": "still here", "course_id": second}),
    );
    assert_eq!(res.status, 200, "{}", res.text);
    assert_eq!(
        w.value("course_comments", "course_id", comment),
        json!(first)
    );
}

/// Lists and single rows check their caller in the same read as the rows: a token whose
/// account was banned, demoted (new token version) or deleted since is refused there too.
#[test]
fn lists_and_rows_refuse_tokens_of_banned_demoted_or_deleted_accounts() {
    let w = World::new();
    let post = w.forum_post(&w.alice);
    let subject = w.value("forum_posts", "subject_id", post);
    let row = format!("/api/v1/forum/posts/{post}");
    let list = format!("/api/v1/forum/posts?subject={subject}");
    let (_, blog_post) = w.blog();
    let comments = format!("/api/v1/blog/posts/{blog_post}/comments");
    let comment = w.create(&comments, &w.alice, json!({"content": "Nice"}));
    let nested = format!("{comments}/{comment}");
    let uris = [&row, &list, &comments, &nested];
    for who in [&w.alice, &w.bob, &w.moderator, &w.carol] {
        for uri in uris {
            assert_eq!(w.get(uri, who).status, 200, "{uri}");
        }
    }

    let ban = w.post(
        &format!("/api/v1/accounts/{}/ban", w.bob.id),
        &w.admin,
        json!({"duration": 600, "reason": "spam"}),
    );
    assert_eq!(ban.status, 200, "{}", ban.text);
    let demote = w.rest(
        Method::Put,
        &format!("/api/v1/accounts/{}/level", w.moderator.id),
        Some(&w.admin),
        Some(json!({"level": 1})),
    );
    assert_eq!(demote.status, 200, "{}", demote.text);
    let delete = w.delete(&format!("/api/v1/accounts/{}", w.carol.id), &w.admin);
    assert_eq!(delete.status, 204, "{}", delete.text);

    for who in [&w.bob, &w.moderator, &w.carol] {
        for uri in uris {
            w.get(uri, who).assert_error(401, 401, 902);
        }
    }
    for uri in uris {
        assert_eq!(w.get(uri, &w.alice).status, 200, "{uri}");
    }
}
