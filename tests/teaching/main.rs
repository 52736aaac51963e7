//! The teachers' API (SPEC 10, issue 15): courses meant for a group, grade comments,
//! submissions, the gradebook and its CSV, the class import, setup links by the importer, and
//! the check of a correction against its tests (against the real sandbox: skipped without
//! bubblewrap, except under `CI=true`, where it fails).
#![allow(clippy::unwrap_used)]

// The shared harness is formatted and linted by its owner.
#[rustfmt::skip]
#[allow(clippy::wrong_self_convention)]
#[path = "../common/mod.rs"]
mod common;
#[rustfmt::skip]
#[allow(dead_code)]
#[path = "../content/support.rs"]
mod support;
#[path = "../common/grading.rs"]
mod sandbox;

mod check;
mod classes;
mod grading;
mod import;

use serde_json::json;
use support::World;

/// school > class (bob's course is for it) > sub; other is a sibling of class.
pub struct Groups {
    pub school: i64,
    pub class: i64,
    pub sub: i64,
    pub other: i64,
}

pub fn groups(w: &World) -> Groups {
    let school = w.create("/api/v1/groups", &w.admin, json!({"name": "School"}));
    let class = w.create(
        "/api/v1/groups",
        &w.admin,
        json!({"name": "Classe de 1ère", "parent_id": school}),
    );
    let sub = w.create(
        "/api/v1/groups",
        &w.admin,
        json!({"name": "1ère A", "parent_id": class}),
    );
    let other = w.create(
        "/api/v1/groups",
        &w.admin,
        json!({"name": "Other", "parent_id": school}),
    );
    Groups {
        school,
        class,
        sub,
        other,
    }
}

pub fn put_in(w: &World, account: i64, group: i64) {
    w.app
        .db()
        .execute(
            "UPDATE accounts SET group_id = ?1 WHERE id = ?2",
            [group, account],
        )
        .unwrap();
}

/// An approved course of `author` for `group`.
pub fn course_for(w: &World, author: &common::User, group: i64, title: &str) -> i64 {
    let id = w.create(
        "/api/v1/courses",
        author,
        json!({"title": title, "content": "c", "group_id": group}),
    );
    if w.status_of("courses", id).as_deref() == Some("pending") {
        w.approve("courses", id);
    }
    id
}

/// An approved exercise of `author` in `course`.
pub fn exercise_in(w: &World, author: &common::User, course: i64, title: &str) -> i64 {
    let id = w.create(
        "/api/v1/exercises",
        author,
        json!({"course_id": course, "title": title, "instruction": "i", "grade_max": 20}),
    );
    if w.status_of("exercises", id).as_deref() == Some("pending") {
        w.approve("exercises", id);
    }
    id
}
