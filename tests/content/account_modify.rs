//! Seed 000 `POST /account/modify` (section 5.3): a member changes their own profile; the
//! password (without the old one) and the group are for admins; empty strings change nothing.

use serde_json::json;

use crate::common::{PASSWORD, RequestExt};
use crate::support::*;

const NEW_PASSWORD: &str = "Green-Teapot-77";

#[test]
fn a_member_changes_their_own_username_and_asks_for_a_new_email() {
    let w = World::new();
    let res = w.seed(
        "/account/modify",
        Some(&w.alice),
        json!({"id": w.alice.id, "username": "alice2", "email": "alice2@example.org", "password": ""}),
    );
    assert_seed_updated(&res);
    assert_eq!(
        w.text("accounts", "username", w.alice.id).as_deref(),
        Some("alice2")
    );
    // Issue 16: the new address waits for its confirmation; the old one stays in force.
    assert_eq!(
        w.text("accounts", "email", w.alice.id).as_deref(),
        Some("alice@example.org")
    );
    assert_eq!(
        w.text("accounts", "pending_email", w.alice.id).as_deref(),
        Some("alice2@example.org")
    );
}

#[test]
fn empty_strings_leave_the_fields_as_they_are() {
    let w = World::new();
    let res = w.seed(
        "/account/modify",
        Some(&w.alice),
        json!({"username": "", "password": "", "email": ""}),
    );
    assert_seed_updated(&res);
    assert_eq!(
        w.text("accounts", "username", w.alice.id).as_deref(),
        Some("alice")
    );
    assert_eq!(
        w.text("accounts", "email", w.alice.id).as_deref(),
        Some("alice@example.org")
    );
    w.app.login("alice", PASSWORD);
}

#[test]
fn account_modify_needs_a_token() {
    let w = World::new();
    let res = w.unchanged(|| {
        w.seed(
            "/account/modify",
            None,
            json!({"id": w.alice.id, "username": "ghost"}),
        )
    });
    assert_no_token(&res);
}

#[test]
fn a_member_cannot_change_another_account() {
    let w = World::new();
    for who in [&w.bob, &w.moderator] {
        let res = w.unchanged(|| {
            w.seed(
                "/account/modify",
                Some(who),
                json!({"id": w.alice.id, "username": "taken_over"}),
            )
        });
        assert_forbidden(&res);
        assert_eq!(res.body["path"], json!("/account/modify"));
    }
}

#[test]
fn a_member_cannot_set_their_group() {
    let w = World::new();
    let group = w.create("/api/v1/groups", &w.admin, json!({"name": "Class 1"}));
    let res = w.unchanged(|| {
        w.seed(
            "/account/modify",
            Some(&w.alice),
            json!({"id": w.alice.id, "username": "alice2", "group_id": group}),
        )
    });
    assert_forbidden(&res);
    assert!(
        res.body["message"].as_str().unwrap().contains("group"),
        "{}",
        res.text
    );
}

#[test]
fn a_member_cannot_set_a_password_through_account_modify() {
    let w = World::new();
    let res = w.unchanged(|| {
        w.seed(
            "/account/modify",
            Some(&w.alice),
            json!({"id": w.alice.id, "password": NEW_PASSWORD}),
        )
    });
    assert_forbidden(&res);
    assert!(
        res.body["message"]
            .as_str()
            .unwrap()
            .contains("/auth/changePassword"),
        "{}",
        res.text
    );
    w.app.login("alice", PASSWORD);
}

#[test]
fn a_member_cannot_raise_their_level_through_account_modify() {
    let w = World::new();
    let res = w.seed(
        "/account/modify",
        Some(&w.alice),
        json!({"id": w.alice.id, "level": 3}),
    );
    assert_seed_updated(&res);
    assert_eq!(w.value("accounts", "level", w.alice.id), json!(1));
}

#[test]
fn an_admin_resets_a_password_and_the_new_one_logs_in() {
    let w = World::new();
    let res = w.seed(
        "/account/modify",
        Some(&w.admin),
        json!({"id": w.alice.id, "password": NEW_PASSWORD}),
    );
    assert_seed_updated(&res);
    let (token, _) = w.app.login("alice", NEW_PASSWORD);
    assert!(!token.is_empty());
    let res = w.app.post_json(
        "/auth/login",
        json!({"login": "alice", "password": PASSWORD}),
    );
    assert_eq!(
        res.status, 401,
        "the old password no longer works: {}",
        res.text
    );
    // Her old sessions end.
    let res = w.app.get("/api/v1/me").bearer(&w.alice.token).fetch();
    res.assert_error(401, 401, 902);
}

#[test]
fn a_weak_password_reset_changes_nothing() {
    let w = World::new();
    let res = w.unchanged(|| {
        w.seed(
            "/account/modify",
            Some(&w.admin),
            json!({"id": w.alice.id, "username": "alice_renamed", "password": "password"}),
        )
    });
    res.assert_error(409, 409, 1003);
    w.app.login("alice", PASSWORD);
}

#[test]
fn an_admin_sets_a_members_group_and_can_remove_it() {
    let w = World::new();
    let group = w.create("/api/v1/groups", &w.admin, json!({"name": "Class 1"}));
    let res = w.seed(
        "/account/modify",
        Some(&w.admin),
        json!({"id": w.alice.id, "group_id": group}),
    );
    assert_seed_updated(&res);
    assert_eq!(w.value("accounts", "group_id", w.alice.id), json!(group));
    let res = w.seed(
        "/account/modify",
        Some(&w.admin),
        json!({"id": w.alice.id, "group_id": 0}),
    );
    assert_seed_updated(&res);
    assert_eq!(
        w.value("accounts", "group_id", w.alice.id),
        serde_json::Value::Null
    );
}

#[test]
fn a_missing_group_or_account_is_refused() {
    let w = World::new();
    let res = w.unchanged(|| {
        w.seed(
            "/account/modify",
            Some(&w.admin),
            json!({"id": w.alice.id, "group_id": 99}),
        )
    });
    assert_invalid(&res, "group_id");
    let res = w.unchanged(|| {
        w.seed(
            "/account/modify",
            Some(&w.admin),
            json!({"id": 999, "username": "nobody"}),
        )
    });
    assert_not_found(&res);
    let res = w.unchanged(|| {
        w.seed(
            "/account/modify",
            Some(&w.alice),
            json!({"username": "x y z"}),
        )
    });
    assert_invalid(&res, "username");
}

#[test]
fn a_username_already_taken_is_a_conflict() {
    let w = World::new();
    let res = w.unchanged(|| {
        w.seed(
            "/account/modify",
            Some(&w.alice),
            json!({"username": "BOB"}),
        )
    });
    assert_eq!(res.status, 409, "{}", res.text);
    assert_eq!(
        w.text("accounts", "username", w.alice.id).as_deref(),
        Some("alice")
    );
}
