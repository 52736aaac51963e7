//! Rules particular to learning content: corrections are private until one is graded, grades
//! are given by the exercise's author or the staff within `grade_max`, and a member sees only
//! their own grades.

use serde_json::json;

use crate::common::User;
use crate::support::*;

/// An approved exercise of alice using a correction of hers; returns (exercise, correction).
fn exercise_with_correction(w: &World) -> (i64, i64) {
    let correction = w.create(
        "/api/v1/corrections",
        &w.alice,
        json!({"content": "print(sorted(xs))"}),
    );
    let course = w.course();
    let exercise = w.create(
        "/api/v1/exercises",
        &w.alice,
        json!({"course_id": course, "title": "Sort", "instruction": "Sort xs", "correction_id": correction, "grade_max": 10}),
    );
    w.approve("exercises", exercise);
    (exercise, correction)
}

fn grade(
    w: &World,
    grader: &User,
    member: &User,
    exercise: i64,
    value: i64,
) -> crate::common::Resp {
    w.post(
        "/api/v1/grades",
        grader,
        json!({"account_id": member.id, "exercise_id": exercise, "value": value}),
    )
}

#[test]
fn a_correction_is_hidden_from_a_member_until_they_are_graded_on_an_exercise_using_it() {
    let w = World::new();
    let (exercise, correction) = exercise_with_correction(&w);
    let uri = format!("/api/v1/corrections/{correction}");
    assert_not_found(&w.get(&uri, &w.bob));
    let list = w.get("/api/v1/corrections", &w.bob);
    assert_eq!(list.body["items"], json!([]), "{}", list.text);

    let res = grade(&w, &w.alice, &w.bob, exercise, 7);
    assert_eq!(res.status, 201, "{}", res.text);

    let res = w.get(&uri, &w.bob);
    assert_eq!(res.status, 200, "{}", res.text);
    assert_eq!(res.body["content"], json!("print(sorted(xs))"));
    // Still hidden from a member who was not graded.
    assert_not_found(&w.get(&uri, &w.carol));
}

#[test]
fn a_correction_is_visible_to_its_author_and_to_moderators() {
    let w = World::new();
    let (_, correction) = exercise_with_correction(&w);
    for who in [&w.alice, &w.moderator, &w.admin] {
        let res = w.get(&format!("/api/v1/corrections/{correction}"), who);
        assert_eq!(res.status, 200, "{}: {}", who.username, res.text);
        assert_eq!(res.body["id"], json!(correction));
    }
}

#[test]
fn a_member_cannot_attach_another_members_correction_or_script() {
    let w = World::new();
    let correction = w.create("/api/v1/corrections", &w.alice, json!({"content": "x"}));
    let script = w.create("/api/v1/scripts", &w.alice, json!({"content": "y"}));
    let course = w.course();
    let res = w.unchanged(|| {
        w.post(
            "/api/v1/exercises",
            &w.bob,
            json!({"course_id": course, "title": "Copy", "instruction": "i", "correction_id": correction}),
        )
    });
    assert_invalid(&res, "correction_id");
    let res = w.unchanged(|| {
        w.seed(
            "/exercise/modify",
            Some(&w.bob),
            json!({"course_id": course, "title": "Copy", "instruction": "i", "script_id": script}),
        )
    });
    assert_invalid(&res, "script_id");
}

#[test]
fn only_the_exercises_author_a_moderator_or_an_admin_may_grade() {
    let w = World::new();
    let (exercise, _) = exercise_with_correction(&w);
    // bob, another member, may not grade carol; nor himself.
    for member in [&w.carol, &w.bob] {
        let res = w.unchanged(|| grade(&w, &w.bob, member, exercise, 5));
        assert_forbidden(&res);
    }
    let res = w.unchanged(|| {
        w.seed(
            "/exercise/grade/modify",
            Some(&w.bob),
            json!({"account_id": w.carol.id, "exercice_id": exercise, "value": 5}),
        )
    });
    assert_forbidden(&res);
    let res = w.unchanged(|| {
        w.rest(
            rocket::http::Method::Post,
            "/api/v1/grades",
            None,
            Some(json!({"account_id": w.carol.id, "exercise_id": exercise, "value": 5})),
        )
    });
    assert_no_token(&res);

    for (grader, member) in [(&w.alice, &w.bob), (&w.moderator, &w.carol)] {
        let res = grade(&w, grader, member, exercise, 6);
        assert_eq!(res.status, 201, "{}", res.text);
        assert_eq!(res.body["grader_id"], json!(grader.id));
        assert_eq!(res.body["account_id"], json!(member.id));
        let id = res.body["id"].as_i64().unwrap();
        assert_eq!(w.value("grades", "grader_id", id), json!(grader.id));
        assert_eq!(w.value("grades", "value", id), json!(6));
    }
    let res = w.seed(
        "/exercise/grade/modify",
        Some(&w.admin),
        json!({"account_id": w.alice.id, "exercice_id": exercise, "value": 9}),
    );
    let id = assert_seed_created(&res, "/exercise/grade/modify");
    assert_eq!(w.value("grades", "account_id", id), json!(w.alice.id));
}

#[test]
fn a_grade_is_changed_by_its_grader_or_an_admin_only() {
    let w = World::new();
    let (exercise, _) = exercise_with_correction(&w);
    let id = grade(&w, &w.alice, &w.bob, exercise, 4).body["id"]
        .as_i64()
        .unwrap();
    let uri = format!("/api/v1/grades/{id}");
    // The graded member sees it but may not change it; another member does not see it.
    let res = w.unchanged(|| w.patch(&uri, &w.bob, json!({"value": 10})));
    assert_forbidden(&res);
    let res = w.unchanged(|| w.patch(&uri, &w.carol, json!({"value": 10})));
    assert_not_found(&res);
    let res = w.unchanged(|| {
        w.seed(
            "/exercise/grade/modify",
            Some(&w.bob),
            json!({"id": id, "value": 10}),
        )
    });
    assert_forbidden(&res);

    let res = w.patch(&uri, &w.alice, json!({"value": 8}));
    assert_eq!(res.status, 200, "{}", res.text);
    assert_eq!(w.value("grades", "value", id), json!(8));
    let res = w.seed(
        "/exercise/grade/modify",
        Some(&w.admin),
        json!({"id": id, "value": 9}),
    );
    assert_seed_updated(&res);
    assert_eq!(w.value("grades", "value", id), json!(9));
    let res = w.delete(&uri, &w.moderator);
    assert_eq!(res.status, 204, "{}", res.text);
    assert!(!w.exists("grades", id));
}

#[test]
fn a_grade_above_grade_max_is_refused_naming_value() {
    let w = World::new();
    let (exercise, _) = exercise_with_correction(&w);
    let res = w.unchanged(|| grade(&w, &w.alice, &w.bob, exercise, 11));
    assert_invalid(&res, "value");
    assert!(
        res.body["message"].as_str().unwrap().contains("10"),
        "{}",
        res.text
    );
    let res = w.unchanged(|| grade(&w, &w.alice, &w.bob, exercise, -1));
    assert_invalid(&res, "value");

    let res = grade(&w, &w.alice, &w.bob, exercise, 10);
    assert_eq!(res.status, 201, "{}", res.text);
    let id = res.body["id"].as_i64().unwrap();
    let res = w.unchanged(|| {
        w.patch(
            &format!("/api/v1/grades/{id}"),
            &w.alice,
            json!({"value": 12}),
        )
    });
    assert_invalid(&res, "value");
}

#[test]
fn a_second_grade_for_the_same_member_and_exercise_is_a_conflict() {
    let w = World::new();
    let (exercise, _) = exercise_with_correction(&w);
    assert_eq!(grade(&w, &w.alice, &w.bob, exercise, 3).status, 201);
    let res = w.unchanged(|| grade(&w, &w.moderator, &w.bob, exercise, 4));
    res.assert_error(409, 409, 1409);
}

#[test]
fn a_member_sees_only_their_own_grades() {
    let w = World::new();
    let (exercise, _) = exercise_with_correction(&w);
    let bobs = grade(&w, &w.alice, &w.bob, exercise, 5).body["id"]
        .as_i64()
        .unwrap();
    let carols = grade(&w, &w.alice, &w.carol, exercise, 6).body["id"]
        .as_i64()
        .unwrap();

    let res = w.get("/api/v1/grades", &w.bob);
    assert_eq!(res.status, 200, "{}", res.text);
    let items = res.body["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{}", res.text);
    assert_eq!(items[0]["id"], json!(bobs));
    let res = w.get(&format!("/api/v1/grades?account={}", w.carol.id), &w.bob);
    assert_eq!(res.body["items"], json!([]), "{}", res.text);
    assert_not_found(&w.get(&format!("/api/v1/grades/{carols}"), &w.bob));

    // The grader and the staff see both.
    for who in [&w.alice, &w.moderator] {
        let res = w.get(&format!("/api/v1/grades?exercise={exercise}"), who);
        assert_eq!(
            res.body["items"].as_array().unwrap().len(),
            2,
            "{}",
            res.text
        );
    }
}

#[test]
fn an_account_id_that_is_not_the_callers_is_refused_and_nothing_is_written() {
    let w = World::new();
    let course = w.course();
    let (_, post) = w.blog();
    let (_, subject) = w.forum();
    let res = w.unchanged(|| {
        w.post(
            "/api/v1/courses",
            &w.alice,
            json!({"title": "Mine?", "content": "x", "account_id": w.bob.id}),
        )
    });
    assert_forbidden(&res);
    assert!(res.body["message"].as_str().unwrap().contains("account_id"));
    for (path, body) in [
        ("/course/modify", json!({"title": "T", "content": "x"})),
        (
            "/course/commente/modify",
            json!({"couse_id": course, "content": "x"}),
        ),
        (
            "/blog/post/comment/modify",
            json!({"blog_post_id": post, "content": "x"}),
        ),
        (
            "/forum/post/modify",
            json!({"forum_subject_id": subject, "content": "x"}),
        ),
    ] {
        let mut body = body;
        body["account_id"] = json!(w.bob.id);
        let res = w.unchanged(|| w.seed(path, Some(&w.alice), body));
        assert_forbidden(&res);
    }

    // Nor can an edit hand a row to someone else.
    let mine = w.create(
        &format!("/api/v1/courses/{course}/comments"),
        &w.alice,
        json!({"content": "mine"}),
    );
    let res = w.unchanged(|| {
        w.patch(
            &format!("/api/v1/courses/{course}/comments/{mine}"),
            &w.alice,
            json!({"account_id": w.bob.id}),
        )
    });
    assert_forbidden(&res);
    let res = w.unchanged(|| {
        w.seed(
            "/course/commente/modify",
            Some(&w.alice),
            json!({"id": mine, "account_id": w.bob.id, "content": "given away"}),
        )
    });
    assert_forbidden(&res);
}

#[test]
fn the_callers_own_account_id_in_a_body_is_accepted() {
    let w = World::new();
    let res = w.seed(
        "/course/modify",
        Some(&w.alice),
        json!({"account_id": w.alice.id, "title": "Mine", "content": "x"}),
    );
    let id = assert_seed_created(&res, "/course/modify");
    assert_eq!(w.value("courses", "account_id", id), json!(w.alice.id));
}

#[test]
fn seed_typo_aliases_and_correct_spellings_both_work() {
    let w = World::new();
    let course = w.course();
    let exercise = w.exercise(&w.moderator);
    let attempt = w.create(
        "/api/v1/attempts",
        &w.alice,
        json!({"exercise_id": exercise}),
    );
    let (forum, subject) = w.forum();
    let (category, post) = w.blog();
    let alice_exercise = w.exercise(&w.alice);
    // (route, table, the seed's spelling, the clean one, the column, its value, other fields)
    let cases = [
        (
            "/course/commente/modify",
            "course_comments",
            "couse_id",
            "course_id",
            course,
            json!({"content": "c"}),
        ),
        (
            "/exercise/comment/modify",
            "exercise_comments",
            "exercice_id",
            "exercise_id",
            exercise,
            json!({"content": "c"}),
        ),
        (
            "/exercise/user/modify",
            "attempts",
            "exercice_id",
            "exercise_id",
            exercise,
            json!({}),
        ),
        (
            "/exercise/user/code/modify",
            "attempt_codes",
            "user_exercice_id",
            "attempt_id",
            attempt,
            json!({"content": "c"}),
        ),
        (
            "/course/modify",
            "courses",
            "locales_id",
            "locale_id",
            2,
            json!({"title": "t", "content": "c"}),
        ),
        (
            "/blog/post/modify",
            "blog_posts",
            "blog_category_id",
            "category_id",
            category,
            json!({"title": "t", "content": "c"}),
        ),
        (
            "/blog/post/modify",
            "blog_posts",
            "locales_id",
            "locale_id",
            2,
            json!({"category_id": category, "title": "t", "content": "c"}),
        ),
        (
            "/blog/post/comment/modify",
            "blog_comments",
            "blog_post_id",
            "post_id",
            post,
            json!({"content": "c"}),
        ),
        (
            "/forum/subject/modify",
            "forum_subjects",
            "forums_forum_id",
            "forum_id",
            forum,
            json!({"title": "t"}),
        ),
        (
            "/forum/subject/modify",
            "forum_subjects",
            "locales_id",
            "locale_id",
            2,
            json!({"forum_id": forum, "title": "t"}),
        ),
        (
            "/forum/post/modify",
            "forum_posts",
            "forum_subject_id",
            "subject_id",
            subject,
            json!({"content": "c"}),
        ),
    ];
    for (path, table, typo, clean, value, rest) in cases {
        for name in [typo, clean] {
            let mut body = rest.clone();
            body[name] = json!(value);
            let res = w.seed(path, Some(&w.alice), body);
            let id = assert_seed_created(&res, path);
            assert_eq!(
                w.value(table, clean, id),
                json!(value),
                "{path} with `{name}`"
            );
        }
    }
    // Grades take `exercice_id` too (the grader being the exercise's author).
    for name in ["exercice_id", "exercise_id"] {
        let member = if name == "exercice_id" {
            &w.bob
        } else {
            &w.carol
        };
        let mut body = json!({"account_id": member.id, "value": 3});
        body[name] = json!(alice_exercise);
        let res = w.seed("/exercise/grade/modify", Some(&w.alice), body);
        let id = assert_seed_created(&res, "/exercise/grade/modify");
        assert_eq!(w.value("grades", "exercise_id", id), json!(alice_exercise));
    }
}

#[test]
fn grade_max_cannot_drop_below_a_grade_already_given() {
    let w = World::new();
    let (exercise, _) = exercise_with_correction(&w);
    assert_eq!(grade(&w, &w.alice, &w.bob, exercise, 8).status, 201);
    let uri = format!("/api/v1/exercises/{exercise}");
    let res = w.unchanged(|| w.patch(&uri, &w.alice, json!({"grade_max": 5})));
    assert_invalid(&res, "grade_max");
    assert!(
        res.body["message"].as_str().unwrap().contains('8'),
        "{}",
        res.text
    );
    let res = w.patch(&uri, &w.alice, json!({"grade_max": 8}));
    assert_eq!(res.status, 200, "{}", res.text);
    assert_eq!(w.value("exercises", "grade_max", exercise), json!(8));
}

/// An exercise is no way into a course others may not see: while its course is pending or
/// hidden by moderation, an approved exercise of it is hidden from other members, not from
/// its author or the staff.
#[test]
fn an_exercise_of_a_course_others_cannot_see_is_hidden_with_it() {
    let w = World::new();
    let course = w.create(
        "/api/v1/courses",
        &w.alice,
        json!({"title": "Recursion", "content": "draft"}),
    );
    assert_eq!(w.status_of("courses", course).as_deref(), Some("pending"));
    let exercise = w.create(
        "/api/v1/exercises",
        &w.alice,
        json!({"course_id": course, "title": "Towers", "instruction": "Move the disks"}),
    );
    w.approve("exercises", exercise);
    let row = format!("/api/v1/exercises/{exercise}");
    let list = format!("/api/v1/exercises?course={course}");
    let listed = |who: &User| {
        let res = w.get(&list, who);
        assert_eq!(res.status, 200, "{}", res.text);
        res.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["id"] == json!(exercise))
    };

    // Pending course: others see neither the exercise nor it in the list.
    assert_not_found(&w.get(&row, &w.bob));
    assert!(!listed(&w.bob));
    for who in [&w.alice, &w.moderator, &w.admin] {
        assert_eq!(w.get(&row, who).status, 200);
        assert!(listed(who));
    }

    // Approved course: everyone.
    w.approve("courses", course);
    assert_eq!(w.get(&row, &w.bob).status, 200);
    assert!(listed(&w.bob));

    // Course hidden by moderation: hidden again from others.
    w.app
        .db()
        .execute("UPDATE courses SET hidden = 1 WHERE id = ?1", [course])
        .unwrap();
    assert_not_found(&w.get(&row, &w.bob));
    assert!(!listed(&w.bob));
    assert_eq!(w.get(&row, &w.alice).status, 200);
}
