//! Groups are a tree (section 3): school → class → team; no cycles, and a group with children
//! stays until they go.

use serde_json::json;

use crate::support::*;

/// school → class → team, by the admin.
fn tree(w: &World) -> (i64, i64, i64) {
    let school = w.create("/api/v1/groups", &w.admin, json!({"name": "School"}));
    let class = w.create(
        "/api/v1/groups",
        &w.admin,
        json!({"name": "Class 1", "parent_id": school}),
    );
    let team = w.create(
        "/api/v1/groups",
        &w.admin,
        json!({"name": "Team A", "parent_id": class}),
    );
    (school, class, team)
}

#[test]
fn groups_nest_under_a_parent() {
    let w = World::new();
    let (school, class, team) = tree(&w);
    assert_eq!(w.value("groups", "parent_id", class), json!(school));
    assert_eq!(w.value("groups", "parent_id", team), json!(class));
    let res = w.get(&format!("/api/v1/groups?parent={school}"), &w.alice);
    assert_eq!(res.status, 200, "{}", res.text);
    assert_eq!(res.body["items"].as_array().unwrap().len(), 1);
    assert_eq!(res.body["items"][0]["id"], json!(class));
}

#[test]
fn a_group_cannot_become_its_own_ancestor() {
    let w = World::new();
    let (school, class, team) = tree(&w);
    for (group, parent) in [(school, team), (school, class), (class, team), (team, team)] {
        let res = w.unchanged(|| {
            w.patch(
                &format!("/api/v1/groups/{group}"),
                &w.admin,
                json!({"parent_id": parent}),
            )
        });
        assert_invalid(&res, "parent_id");
        assert!(
            res.body["message"].as_str().unwrap().contains("ancestor"),
            "{}",
            res.text
        );
    }
    let res = w.unchanged(|| {
        w.seed(
            "/account/group/modify",
            Some(&w.admin),
            json!({"id": school, "name": "School", "parent_id": team}),
        )
    });
    assert_invalid(&res, "parent_id");

    // Moving a subtree elsewhere is fine.
    let other = w.create("/api/v1/groups", &w.admin, json!({"name": "Other school"}));
    let res = w.patch(
        &format!("/api/v1/groups/{class}"),
        &w.admin,
        json!({"parent_id": other}),
    );
    assert_eq!(res.status, 200, "{}", res.text);
    assert_eq!(w.value("groups", "parent_id", class), json!(other));
}

#[test]
fn a_group_with_children_cannot_be_deleted() {
    let w = World::new();
    let (school, class, team) = tree(&w);
    let res = w.unchanged(|| w.delete(&format!("/api/v1/groups/{school}"), &w.admin));
    res.assert_error(409, 409, 1409);
    assert!(w.exists("groups", school));
    for id in [team, class, school] {
        let res = w.delete(&format!("/api/v1/groups/{id}"), &w.admin);
        assert_eq!(res.status, 204, "{}", res.text);
        assert!(!w.exists("groups", id));
    }
}

#[test]
fn deleting_a_group_leaves_its_members_without_one() {
    let w = World::new();
    let (_, _, team) = tree(&w);
    let res = w.seed(
        "/account/modify",
        Some(&w.admin),
        json!({"id": w.alice.id, "group_id": team}),
    );
    assert_seed_updated(&res);
    assert_eq!(w.value("accounts", "group_id", w.alice.id), json!(team));
    let res = w.delete(&format!("/api/v1/groups/{team}"), &w.admin);
    assert_eq!(res.status, 204, "{}", res.text);
    assert_eq!(
        w.value("accounts", "group_id", w.alice.id),
        serde_json::Value::Null
    );
}

#[test]
fn a_group_under_a_missing_parent_is_refused() {
    let w = World::new();
    let res = w.unchanged(|| {
        w.post(
            "/api/v1/groups",
            &w.admin,
            json!({"name": "Orphan", "parent_id": 77}),
        )
    });
    assert_invalid(&res, "parent_id");
}
