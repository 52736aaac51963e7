//! `read_only = true` in process, without Litestream: a copy of a primary's file in rollback
//! mode (as `litestream restore -f` keeps one) is served read-only; every write on both faces
//! answers 503/1504 and the file stays byte for byte the same; the start refuses a replica
//! without `jwt_secret` or at another schema version.

use std::path::Path;

use rocket::http::ContentType;
use rocket::local::blocking::Client;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::common::{PASSWORD, RequestExt, Resp, TestApp};

fn sha256_of(path: &Path) -> String {
    Sha256::digest(std::fs::read(path).unwrap())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A copy of `app`'s database in rollback (DELETE) journal mode, like a follower's file.
fn follower_copy(app: &TestApp, name: &str) -> std::path::PathBuf {
    let copy = app.db_path().with_file_name(name);
    app.db()
        .execute("VACUUM INTO ?1", [copy.to_str().unwrap()])
        .unwrap();
    let conn = rusqlite::Connection::open(&copy).unwrap();
    let mode: String = conn
        .query_row("PRAGMA journal_mode = DELETE", [], |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "delete");
    copy
}

fn siblings(db: &Path) -> Vec<String> {
    let name = db.file_name().unwrap().to_string_lossy().into_owned();
    let mut out: Vec<String> = std::fs::read_dir(db.parent().unwrap())
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(&name))
        .collect();
    out.sort();
    out
}

#[track_caller]
fn assert_read_only(res: &Resp) {
    res.assert_error(503, 503, 1504);
    assert!(
        res.body["message"]
            .as_str()
            .is_some_and(|m| m.contains("read-only replica")),
        "{}",
        res.text
    );
}

#[test]
fn a_read_only_replica_reads_refuses_every_write_with_1504_and_leaves_its_file_as_it_was() {
    let primary = TestApp::new();
    let member = primary.register("nina");
    let avatar = primary
        .post("/api/v1/avatars/upload")
        .bearer(&member.token)
        .header(ContentType::Binary)
        .body(crate::png())
        .fetch();
    assert_eq!(avatar.status, 201, "{}", avatar.text);
    let avatar = avatar.body["id"].as_i64().unwrap();
    // A forum post, for seed 004's report route (a GET that writes).
    let admin = primary.admin("root");
    let id_of = |res: Resp| {
        assert_eq!(res.status, 201, "{}", res.text);
        res.body["id"].as_i64().unwrap()
    };
    let post = |uri: &str, token: &str, body: Value| {
        primary.post(uri).bearer(token).json_body(&body).fetch()
    };
    let category = id_of(post(
        "/api/v1/forum/categories",
        &admin.token,
        json!({"name": "General"}),
    ));
    let forum = id_of(post(
        "/api/v1/forum/forums",
        &admin.token,
        json!({"category_id": category, "name": "Help"}),
    ));
    let subject = id_of(post(
        "/api/v1/forum/subjects",
        &member.token,
        json!({"forum_id": forum, "title": "Hello"}),
    ));
    let forum_post = id_of(post(
        "/api/v1/forum/posts",
        &admin.token,
        json!({"subject_id": subject, "content": "Hi"}),
    ));
    let copy = follower_copy(&primary, "follower.db");
    let (sum, files) = (sha256_of(&copy), siblings(&copy));

    let mut config = primary.config.clone();
    config.database = copy.clone();
    config.read_only = true;
    let replica = Client::untracked(preau::build(config).unwrap()).unwrap();
    let res = replica.get("/health").fetch();
    assert_eq!(res.status, 200, "{}", res.text);
    assert_eq!(res.body["read_only"], json!(true));
    // Reads: the primary's session and avatar.
    let res = replica.get("/api/v1/me").bearer(&member.token).fetch();
    assert_eq!(res.status, 200, "{}", res.text);
    assert_eq!(res.body["username"], json!("nina"));
    let res = replica
        .get(format!("/api/v1/avatars/{avatar}/image"))
        .fetch();
    assert_eq!(res.status, 200, "{}", res.text);

    let json = |method: &str, uri: &str, token: Option<&str>, body: Value| {
        let method = method.parse().unwrap();
        let mut req = replica.req(method, uri.to_owned()).json_body(&body);
        if let Some(t) = token {
            req = req.bearer(t);
        }
        req.fetch()
    };
    let t = Some(member.token.as_str());
    for res in [
        // Logins record their attempt, right or wrong, on both faces.
        json(
            "POST",
            "/api/v1/auth/login",
            None,
            json!({"login": "nina", "password": PASSWORD}),
        ),
        json(
            "POST",
            "/api/v1/auth/login",
            None,
            json!({"login": "nina", "password": "Wrong-Kettle-1"}),
        ),
        json(
            "POST",
            "/auth/login",
            None,
            json!({"login": "nina", "password": PASSWORD}),
        ),
        json(
            "POST",
            "/auth/register",
            None,
            json!({"username": "newcomer", "password": PASSWORD}),
        ),
        // Refresh-token rotation and logout write too.
        json(
            "POST",
            "/api/v1/auth/refresh",
            None,
            json!({"refresh_token": member.refresh}),
        ),
        json(
            "POST",
            "/auth/refresh",
            None,
            json!({"refresh_token": member.refresh}),
        ),
        json("POST", "/api/v1/auth/logout", t, json!({})),
        json("PATCH", "/api/v1/me", t, json!({"firstname": "Changed"})),
        json(
            "POST",
            "/account/modify",
            t,
            json!({"firstname": "Changed"}),
        ),
        json(
            "POST",
            "/api/v1/blog/posts",
            t,
            json!({"category_id": 1, "title": "t", "content": "c"}),
        ),
        json("DELETE", &format!("/api/v1/avatars/{avatar}"), t, json!({})),
        replica
            .get(format!("/report/add/{forum_post}?comment=spam"))
            .bearer(&member.token)
            .fetch(),
    ] {
        assert_read_only(&res);
    }
    let res = replica
        .post("/api/v1/avatars/upload")
        .bearer(&member.token)
        .header(ContentType::Binary)
        .body(crate::png())
        .fetch();
    assert_read_only(&res);
    // Still logged in: the refused logout ended nothing.
    assert_eq!(
        replica
            .get("/api/v1/me")
            .bearer(&member.token)
            .fetch()
            .status,
        200
    );
    drop(replica);
    assert_eq!(sha256_of(&copy), sum, "the replica changed its file");
    assert_eq!(
        siblings(&copy),
        files,
        "the replica created a file beside it"
    );
}

#[test]
fn a_read_only_replica_needs_a_configured_jwt_secret() {
    let primary = TestApp::new();
    let mut config = primary.config.clone();
    config.database = follower_copy(&primary, "follower.db");
    config.read_only = true;
    config.jwt_secret = None;
    let err = preau::build(config).expect_err("refused");
    assert!(
        err.contains("read_only") && err.contains("jwt_secret"),
        "{err}"
    );
}

#[test]
fn a_read_only_replica_does_not_migrate_a_file_at_another_schema_version() {
    let primary = TestApp::new();
    let copy = follower_copy(&primary, "old.db");
    rusqlite::Connection::open(&copy)
        .unwrap()
        .pragma_update(None, "user_version", 1)
        .unwrap();
    let sum = sha256_of(&copy);
    let mut config = primary.config.clone();
    config.database = copy.clone();
    config.read_only = true;
    let err = preau::build(config).expect_err("refused");
    assert!(
        err.contains("schema version 1") && err.contains("does not migrate"),
        "{err}"
    );
    assert_eq!(sha256_of(&copy), sum);
}
