//! `/api/v1/notifications`: each account's own, newest first, with an unread count and ways
//! to mark them read.

use serde_json::json;

use crate::common::{RequestExt, TestApp, User};
use crate::support::*;

struct Inbox {
    app: TestApp,
    author: User,
    other: User,
    /// The author's notifications, oldest first.
    ids: Vec<i64>,
}

/// Three courses of the author's approved, one of the other member's: three notifications for
/// the author, one for the other.
fn inbox() -> Inbox {
    let app = TestApp::new();
    let moderator = app.moderator("mod");
    let author = app.register("author");
    let other = app.register("other");
    for title in ["One", "Two", "Three"] {
        let id = pending_course(&app, &author, title);
        validate(&app, &moderator, "courses", id, json!({"approved": true}));
    }
    let id = pending_course(&app, &other, "Theirs");
    validate(&app, &moderator, "courses", id, json!({"approved": true}));
    let conn = app.db();
    let ids = conn
        .prepare("SELECT id FROM notifications WHERE account_id = ?1 ORDER BY id")
        .unwrap()
        .query_map([author.id], |r| r.get(0))
        .unwrap()
        .collect::<Result<Vec<i64>, _>>()
        .unwrap();
    drop(conn);
    assert_eq!(ids.len(), 3);
    Inbox {
        app,
        author,
        other,
        ids,
    }
}

fn unread(app: &TestApp, user: &User) -> i64 {
    expect(get(app, user, "/api/v1/notifications/unread"), 200)["unread"]
        .as_i64()
        .unwrap()
}

fn unread_in_db(app: &TestApp, user: &User) -> i64 {
    app.scalar(
        "SELECT COUNT(*) FROM notifications WHERE account_id = ?1 AND read_at IS NULL",
        [user.id],
    )
}

#[test]
fn notifications_are_listed_newest_first() {
    let i = inbox();

    let body = expect(get(&i.app, &i.author, "/api/v1/notifications"), 200);

    let mut newest_first = i.ids.clone();
    newest_first.reverse();
    assert_eq!(ids(&body), newest_first);
    let first = &body["items"][0];
    assert_eq!(first["kind"], json!("content_approved"));
    assert_eq!(first["read"], json!(false));
    assert!(first["message"].as_str().is_some_and(|m| !m.is_empty()));
    assert!(first["created_at"].as_i64().is_some());
}

#[test]
fn notifications_page_with_a_cursor() {
    let i = inbox();

    let first = expect(get(&i.app, &i.author, "/api/v1/notifications?limit=2"), 200);
    let cursor = first["next_cursor"].as_str().unwrap().to_owned();
    let second = expect(
        get(
            &i.app,
            &i.author,
            format!("/api/v1/notifications?limit=2&cursor={cursor}"),
        ),
        200,
    );

    assert_eq!(ids(&first), [i.ids[2], i.ids[1]]);
    assert_eq!(ids(&second), [i.ids[0]]);
}

#[test]
fn the_unread_count_counts_the_callers_unread_notifications() {
    let i = inbox();

    assert_eq!(unread(&i.app, &i.author), 3);
    assert_eq!(unread(&i.app, &i.other), 1);
}

#[test]
fn marking_one_notification_read_leaves_the_others_unread() {
    let i = inbox();

    let res = post(
        &i.app,
        &i.author,
        format!("/api/v1/notifications/{}/read", i.ids[1]),
        json!({}),
    );

    assert_eq!(res.status, 204, "{}", res.text);
    assert_eq!(unread(&i.app, &i.author), 2);
    assert_eq!(unread_in_db(&i.app, &i.author), 2);
    let unread_ids = listed(&i.app, &i.author, "/api/v1/notifications?unread=true");
    assert_eq!(unread_ids, [i.ids[2], i.ids[0]]);
    let all = expect(get(&i.app, &i.author, "/api/v1/notifications"), 200);
    assert_eq!(all["items"][1]["read"], json!(true));
}

#[test]
fn marking_all_read_marks_only_the_callers_notifications() {
    let i = inbox();

    let res = post(&i.app, &i.author, "/api/v1/notifications/read", json!({}));

    assert_eq!(res.status, 204, "{}", res.text);
    assert_eq!(unread(&i.app, &i.author), 0);
    assert_eq!(unread_in_db(&i.app, &i.author), 0);
    assert!(listed(&i.app, &i.author, "/api/v1/notifications?unread=true").is_empty());
    assert_eq!(unread_in_db(&i.app, &i.other), 1);
}

#[test]
fn other_members_notifications_are_never_visible() {
    let i = inbox();

    let theirs = listed(&i.app, &i.other, "/api/v1/notifications");

    assert_eq!(theirs.len(), 1);
    assert!(theirs.iter().all(|id| !i.ids.contains(id)), "{theirs:?}");
}

#[test]
fn marking_another_members_notification_read_is_404_and_changes_nothing() {
    let i = inbox();

    let res = post(
        &i.app,
        &i.other,
        format!("/api/v1/notifications/{}/read", i.ids[0]),
        json!({}),
    );

    res.assert_error(404, 404, 1404);
    assert_eq!(unread_in_db(&i.app, &i.author), 3);
}

#[test]
fn notifications_need_a_token() {
    let i = inbox();

    let res = i.app.get("/api/v1/notifications").fetch();

    res.assert_error(401, 401, 901);
}

/// A member who registered with a French browser is written to in French; the others in the
/// server's `default_locale`.
#[test]
fn notifications_are_written_in_the_language_of_their_reader() {
    let app = TestApp::new();
    let moderator = app.moderator("mod");
    let res = app
        .post("/api/v1/auth/register")
        .header(rocket::http::Header::new("Accept-Language", "fr-FR,fr;q=0.9,en;q=0.5"))
        .json_body(&json!({"username": "eleve", "password": crate::common::PASSWORD, "email": "eleve@example.org"}))
        .fetch();
    assert_eq!(res.status, 201, "{}", res.text);
    let french = app.relogin(&User {
        id: res.body["account"]["id"].as_i64().unwrap(),
        username: "eleve".into(),
        email: "eleve@example.org".into(),
        token: String::new(),
        refresh: String::new(),
    });
    let english = app.register("pupil");

    let theirs = pending_course(&app, &french, "Boucles");
    validate(
        &app,
        &moderator,
        "courses",
        theirs,
        json!({"approved": true}),
    );
    let mine = pending_course(&app, &english, "Loops");
    validate(
        &app,
        &moderator,
        "courses",
        mine,
        json!({"approved": false}),
    );

    let told = notices(&app, french.id).pop().unwrap();
    assert_eq!(told.kind, "content_approved");
    assert_eq!(told.message, "Votre cours est publié.");
    let told = notices(&app, english.id).pop().unwrap();
    assert_eq!(told.kind, "content_rejected");
    assert_eq!(told.message, "Your course was not accepted by a moderator.");

    // With French as the server's language, an account without its own is written to in French.
    let app = TestApp::with(|c| c.default_locale = "fr".into());
    let moderator = app.moderator("mod");
    let member = app.register("pupil");
    let course = pending_course(&app, &member, "Listes");
    validate(
        &app,
        &moderator,
        "courses",
        course,
        json!({"approved": false, "reason": "Trop court."}),
    );
    let told = notices(&app, member.id).pop().unwrap();
    assert_eq!(
        told.message,
        "Votre cours n’a pas été accepté : Trop court."
    );
}
