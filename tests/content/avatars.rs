//! Avatars: images stored in the database (`avatar_images`), so the one SQLite file is a whole
//! backup. Uploads are checked by content and size and bounded per member (`avatar_quota`); a
//! name given by an admin (seed `/other/avatar/modify`) names an image already stored and is a
//! plain file name; a profile shows only the member's own avatar or an admin's; the images of
//! the old `{data_dir}/avatars/` folder are moved in at start.

use rocket::http::{Header, Method};
use serde_json::json;

use crate::common::{RequestExt, TestApp};
use crate::support::*;

/// A world whose (old) data folder is its own temporary directory (kept alive with it).
fn world() -> (World, tempfile::TempDir) {
    let data = tempfile::tempdir().unwrap();
    let path = data.path().to_owned();
    (World::on(TestApp::with(|c| c.data_dir = path)), data)
}

/// Stores an image under `name`, as the start-up import or an earlier upload left it.
fn stored(w: &World, name: &str, bytes: &[u8]) {
    w.app
        .db()
        .execute(
            "INSERT INTO avatar_images (name, bytes, content_type, size, sha256, created_at)
             VALUES (?1, ?2, 'image/png', length(?2), printf('%064d', 0), 0)",
            rusqlite::params![name, bytes],
        )
        .unwrap();
}

fn image_bytes(w: &World, name: &str) -> Option<Vec<u8>> {
    use rusqlite::OptionalExtension;
    w.app
        .db()
        .query_row(
            "SELECT bytes FROM avatar_images WHERE name = ?1",
            [name],
            |r| r.get(0),
        )
        .optional()
        .unwrap()
}

#[test]
fn a_png_upload_is_stored_and_served_back_as_image_png() {
    let (w, data) = world();
    let res = upload(&w, &w.alice, png());
    assert_eq!(res.status, 201, "{}", res.text);
    let id = res.body["id"].as_i64().unwrap();
    assert_eq!(res.body["account_id"], json!(w.alice.id));
    let name = res.body["path"].as_str().unwrap().to_owned();
    assert!(name.ends_with(".png"), "{name}");
    assert_eq!(
        w.text("avatars", "path", id).as_deref(),
        Some(name.as_str())
    );
    // In the database, with its type, size and hash; nothing on disk.
    assert_eq!(image_bytes(&w, &name), Some(png()));
    let (content_type, size, sha256): (String, i64, String) = w
        .app
        .db()
        .query_row(
            "SELECT content_type, size, sha256 FROM avatar_images WHERE name = ?1",
            [&name],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .unwrap();
    assert_eq!(
        (content_type.as_str(), size),
        ("image/png", png().len() as i64)
    );
    assert_eq!(sha256.len(), 64);
    assert!(!data.path().join("avatars").exists(), "nothing on disk");

    let res = w.app.get(format!("/api/v1/avatars/{id}/image")).dispatch();
    assert_eq!(res.status().code, 200);
    assert_eq!(
        res.content_type().map(|c| c.to_string()).as_deref(),
        Some("image/png")
    );
    assert_eq!(
        res.headers().get_one("ETag"),
        Some(format!("\"{sha256}\"").as_str())
    );
    assert_eq!(
        res.headers().get_one("X-Content-Type-Options"),
        Some("nosniff")
    );
    assert_eq!(res.into_bytes().unwrap(), png());
}

#[test]
fn an_image_whose_etag_matches_if_none_match_is_304_without_a_body() {
    let (w, _data) = world();
    let id = upload(&w, &w.alice, png()).body["id"].as_i64().unwrap();
    let uri = format!("/api/v1/avatars/{id}/image");
    let etag = w
        .app
        .get(&uri)
        .dispatch()
        .headers()
        .get_one("ETag")
        .unwrap()
        .to_owned();
    let res = w
        .app
        .get(&uri)
        .header(Header::new("If-None-Match", etag.clone()))
        .dispatch();
    assert_eq!(res.status().code, 304);
    assert_eq!(res.headers().get_one("ETag"), Some(etag.as_str()));
    assert!(res.into_bytes().unwrap_or_default().is_empty());
    let res = w
        .app
        .get(&uri)
        .header(Header::new("If-None-Match", "\"other\""))
        .dispatch();
    assert_eq!(res.status().code, 200);
}

#[test]
fn an_upload_that_is_not_an_image_is_refused() {
    let (w, _data) = world();
    for bytes in [
        b"<svg onload=alert(1)>".to_vec(),
        b"GIF89a....".to_vec(),
        Vec::new(),
    ] {
        let res = w.unchanged(|| upload(&w, &w.alice, bytes));
        assert_invalid(&res, "body");
    }
    assert_eq!(w.app.count("avatar_images"), 0, "no image was stored");
}

#[test]
fn an_upload_over_512_kib_is_413() {
    let (w, _data) = world();
    let mut big = png();
    big.resize(512 * 1024 + 1, 0);
    let res = w.unchanged(|| upload(&w, &w.alice, big));
    res.assert_error(413, 413, 1413);

    let mut just_fits = png();
    just_fits.resize(512 * 1024, 0);
    let res = upload(&w, &w.alice, just_fits);
    assert_eq!(res.status, 201, "512 KiB exactly is fine: {}", res.text);
}

#[test]
fn uploading_needs_a_token() {
    let (w, _data) = world();
    let res = w.unchanged(|| w.app.post("/api/v1/avatars/upload").body(png()).fetch());
    assert_no_token(&res);
}

#[test]
fn five_upload_and_delete_rounds_leave_no_image_behind() {
    let (w, _data) = world();
    for _ in 0..5 {
        let res = upload(&w, &w.alice, png());
        assert_eq!(res.status, 201, "{}", res.text);
        let id = res.body["id"].as_i64().unwrap();
        let res = w.delete(&format!("/api/v1/avatars/{id}"), &w.alice);
        assert_eq!(res.status, 204, "{}", res.text);
    }
    assert_eq!(w.app.count("avatars"), 0);
    assert_eq!(
        w.app.count("avatar_images"),
        0,
        "the bytes went with the rows"
    );
}

#[test]
fn uploads_past_the_avatar_quota_are_409_naming_the_rule() {
    let (w, _data) = world();
    for _ in 0..5 {
        assert_eq!(upload(&w, &w.alice, png()).status, 201);
    }
    let res = w.unchanged(|| upload(&w, &w.alice, png()));
    res.assert_error(409, 409, 1409);
    assert_eq!(res.body["rule"], json!("avatar_quota"), "{}", res.text);
    assert_eq!(res.body["limit"], json!(5), "{}", res.text);
    assert!(
        res.body["message"]
            .as_str()
            .unwrap()
            .contains("avatar_quota"),
        "{}",
        res.text
    );
    // Another member's quota is their own; deleting one frees a place; admins have none.
    assert_eq!(upload(&w, &w.bob, png()).status, 201);
    let first: i64 = w.app.scalar(
        "SELECT MIN(id) FROM avatars WHERE account_id = ?1",
        [w.alice.id],
    );
    assert_eq!(
        w.delete(&format!("/api/v1/avatars/{first}"), &w.alice)
            .status,
        204
    );
    assert_eq!(upload(&w, &w.alice, png()).status, 201);
    for _ in 0..6 {
        assert_eq!(upload(&w, &w.admin, png()).status, 201);
    }
}

#[test]
fn the_avatar_quota_is_a_setting() {
    let data = tempfile::tempdir().unwrap();
    let path = data.path().to_owned();
    let w = World::on(TestApp::with(|c| {
        c.data_dir = path;
        c.avatar_quota = 1;
    }));
    assert_eq!(upload(&w, &w.alice, png()).status, 201);
    let res = w.unchanged(|| upload(&w, &w.alice, png()));
    res.assert_error(409, 409, 1409);
    assert_eq!(res.body["limit"], json!(1));
}

#[test]
fn avatar_paths_that_leave_the_folder_are_refused() {
    let (w, _data) = world();
    stored(&w, "kept.png", &png());
    for path in [
        "link.png",
        "./../../",
        "../x.png",
        "/etc/passwd",
        "../../preau.db",
        "..\\x.png",
        "a/../kept.png",
        "kept.png/..",
    ] {
        let res = w.unchanged(|| {
            w.seed(
                "/other/avatar/modify",
                Some(&w.admin),
                json!({"path": path}),
            )
        });
        assert_invalid(&res, "path");
        let res = w.unchanged(|| w.post("/api/v1/avatars", &w.admin, json!({"path": path})));
        assert_invalid(&res, "path");
    }
}

#[test]
fn an_admin_registers_a_stored_image_by_name() {
    let (w, _data) = world();
    stored(&w, "kept.png", &png());
    stored(&w, "other.png", &png());

    let res = w.unchanged(|| {
        w.seed(
            "/other/avatar/modify",
            Some(&w.admin),
            json!({"path": "missing.png"}),
        )
    });
    assert_invalid(&res, "path");

    let res = w.seed(
        "/other/avatar/modify",
        Some(&w.admin),
        json!({"path": "kept.png"}),
    );
    let id = assert_seed_created(&res, "/other/avatar/modify");
    assert_eq!(w.text("avatars", "path", id).as_deref(), Some("kept.png"));
    let res = w.app.get(format!("/api/v1/avatars/{id}/image")).dispatch();
    assert_eq!(res.status().code, 200);
    assert_eq!(res.into_bytes().unwrap(), png());

    let res = w.unchanged(|| {
        w.seed(
            "/other/avatar/modify",
            Some(&w.admin),
            json!({"id": id, "path": "../other.png"}),
        )
    });
    assert_invalid(&res, "path");
    let res = w.seed(
        "/other/avatar/modify",
        Some(&w.admin),
        json!({"id": id, "path": "other.png"}),
    );
    assert_seed_updated(&res);
    assert_eq!(w.text("avatars", "path", id).as_deref(), Some("other.png"));
}

#[test]
fn members_cannot_register_avatar_files_by_name() {
    let (w, _data) = world();
    stored(&w, "kept.png", &png());
    let res = w.unchanged(|| {
        w.seed(
            "/other/avatar/modify",
            Some(&w.alice),
            json!({"path": "kept.png"}),
        )
    });
    assert_forbidden(&res);
    let res = w.unchanged(|| {
        w.rest(
            Method::Post,
            "/api/v1/avatars",
            Some(&w.moderator),
            Some(json!({"path": "kept.png"})),
        )
    });
    assert_forbidden(&res);
}

#[test]
fn a_member_uses_their_upload_as_their_avatar() {
    let (w, _data) = world();
    let id = upload(&w, &w.alice, png()).body["id"].as_i64().unwrap();
    let res = w.seed("/account/modify", Some(&w.alice), json!({"avatar_id": id}));
    assert_seed_updated(&res);
    assert_eq!(w.value("accounts", "avatar_id", w.alice.id), json!(id));
}

#[test]
fn a_member_cannot_point_their_avatar_at_another_file() {
    let (w, _data) = world();
    let res = upload(&w, &w.alice, png());
    let id = res.body["id"].as_i64().unwrap();
    let mine = res.body["path"].as_str().unwrap().to_owned();
    stored(&w, "kept.png", &png());
    let res = w.unchanged(|| {
        w.seed(
            "/other/avatar/modify",
            Some(&w.alice),
            json!({"id": id, "path": "kept.png"}),
        )
    });
    assert_forbidden(&res);
    let res = w.unchanged(|| {
        w.patch(
            &format!("/api/v1/avatars/{id}"),
            &w.alice,
            json!({"path": "kept.png"}),
        )
    });
    assert_forbidden(&res);
    assert_eq!(
        w.text("avatars", "path", id).as_deref(),
        Some(mine.as_str())
    );
    // Her own upload is hers to delete, and its bytes go with it.
    let res = w.delete(&format!("/api/v1/avatars/{id}"), &w.alice);
    assert_eq!(res.status, 204, "{}", res.text);
    assert!(!w.exists("avatars", id));
    assert_eq!(image_bytes(&w, &mine), None);
}

#[test]
fn another_members_avatar_is_refused_for_ones_profile_naming_avatar_id() {
    let (w, _data) = world();
    let bobs = upload(&w, &w.bob, png()).body["id"].as_i64().unwrap();
    let check = |res: &crate::common::Resp| {
        res.assert_error(403, 403, 1403);
        assert_eq!(res.body["field"], json!("avatar_id"), "{}", res.text);
    };
    check(&w.unchanged(|| w.patch("/api/v1/me", &w.alice, json!({"avatar_id": bobs}))));
    check(&w.unchanged(|| {
        w.seed(
            "/account/modify",
            Some(&w.alice),
            json!({"avatar_id": bobs}),
        )
    }));
    // An admin may not hand one member's avatar to another either.
    check(&w.unchanged(|| {
        w.patch(
            &format!("/api/v1/accounts/{}", w.alice.id),
            &w.admin,
            json!({"avatar_id": bobs}),
        )
    }));
    assert_eq!(w.value("accounts", "avatar_id", w.alice.id), json!(null));
}

#[test]
fn an_avatar_an_admin_provided_is_anyones_to_use() {
    let (w, _data) = world();
    let shared = upload(&w, &w.admin, png()).body["id"].as_i64().unwrap();
    let res = w.patch("/api/v1/me", &w.alice, json!({"avatar_id": shared}));
    assert_eq!(res.status, 200, "{}", res.text);
    assert_eq!(w.value("accounts", "avatar_id", w.alice.id), json!(shared));
    // One with no owner (its admin's account is gone) too.
    w.app
        .db()
        .execute(
            "UPDATE avatars SET account_id = NULL WHERE id = ?1",
            [shared],
        )
        .unwrap();
    let res = w.seed(
        "/account/modify",
        Some(&w.bob),
        json!({"avatar_id": shared}),
    );
    assert_seed_updated(&res);
}

#[test]
fn a_deleted_members_avatars_and_images_go_with_them() {
    let (w, _data) = world();
    let id = upload(&w, &w.alice, png()).body["id"].as_i64().unwrap();
    let admins = upload(&w, &w.admin, png()).body["id"].as_i64().unwrap();
    let res = w.delete(&format!("/api/v1/accounts/{}", w.alice.id), &w.admin);
    assert_eq!(res.status, 204, "{}", res.text);
    assert!(
        !w.exists("avatars", id),
        "not left behind as an owner-less, shared avatar"
    );
    assert!(w.exists("avatars", admins));
    assert_eq!(w.app.count("avatar_images"), 1);
}

#[test]
fn the_images_of_the_old_avatar_folder_are_moved_in_at_start() {
    let data = tempfile::tempdir().unwrap();
    let folder = data.path().join("avatars");
    let path = data.path().to_owned();
    let app = TestApp::with(|c| c.data_dir = path);
    // A database from before the move: rows naming files, the import not done yet.
    let conn = app.db();
    conn.execute(
        "DELETE FROM settings WHERE key = 'avatar_folder_imported'",
        [],
    )
    .unwrap();
    let row_of = |name: &str| -> i64 {
        conn.query_row(
            "INSERT INTO avatars (path, created_at, updated_at) VALUES (?1, 0, 0) RETURNING id",
            [name],
            |r| r.get(0),
        )
        .unwrap()
    };
    let (used, gone, fake) = (row_of("used.png"), row_of("gone.png"), row_of("fake.png"));
    drop(conn);
    std::fs::create_dir_all(&folder).unwrap();
    std::fs::write(folder.join("used.png"), png()).unwrap();
    std::fs::write(folder.join("spare.png"), png()).unwrap();
    std::fs::write(folder.join("fake.png"), b"not an image").unwrap();
    std::os::unix::fs::symlink("/etc/passwd", folder.join("link.png")).unwrap();
    // Missing (gone.png), not an image, a link out of the folder: reported, not a crash.
    let app = app.restart();
    let names = |app: &TestApp| -> Vec<String> {
        let conn = app.db();
        let mut stmt = conn
            .prepare("SELECT name FROM avatar_images ORDER BY name")
            .unwrap();
        stmt.query_map([], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect()
    };
    assert_eq!(names(&app), ["spare.png", "used.png"]);
    let res = app.get(format!("/api/v1/avatars/{used}/image")).dispatch();
    assert_eq!(res.status().code, 200);
    assert_eq!(res.into_bytes().unwrap(), png());
    for id in [gone, fake] {
        let res = app.get(format!("/api/v1/avatars/{id}/image")).fetch();
        res.assert_error(404, 404, 1404);
    }
    // Idempotent: a second start moves nothing again, and a spare image an admin deleted in
    // the meantime does not come back from the folder.
    app.db()
        .execute("DELETE FROM avatar_images WHERE name = 'spare.png'", [])
        .unwrap();
    let app = app.restart();
    assert_eq!(names(&app), ["used.png"]);
    // The folder itself is left as it was.
    assert!(folder.join("spare.png").exists());
    // A missing image found later (the file is put back) is moved in at the next start.
    std::fs::write(folder.join("gone.png"), png()).unwrap();
    let app = app.restart();
    assert_eq!(names(&app), ["gone.png", "used.png"]);
}
