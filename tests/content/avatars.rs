//! Avatars: image files in `{data_dir}/avatars/`. Uploads are checked by content and size; a
//! name given by an admin (seed `/other/avatar/modify`) never leaves the folder.

use rocket::http::Method;
use serde_json::json;

use crate::common::{RequestExt, TestApp};
use crate::support::*;

/// A world whose data folder is its own temporary directory (kept alive with it).
fn world() -> (World, tempfile::TempDir) {
    let data = tempfile::tempdir().unwrap();
    let path = data.path().to_owned();
    (World::on(TestApp::with(|c| c.data_dir = path)), data)
}

fn folder(w: &World) -> std::path::PathBuf {
    w.app.config.data_dir.join("avatars")
}

#[test]
fn a_png_upload_is_stored_and_served_back_as_image_png() {
    let (w, _data) = world();
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
    assert_eq!(std::fs::read(folder(&w).join(&name)).unwrap(), png());

    let res = w.app.get(format!("/api/v1/avatars/{id}/image")).dispatch();
    assert_eq!(res.status().code, 200);
    assert_eq!(
        res.content_type().map(|c| c.to_string()).as_deref(),
        Some("image/png")
    );
    assert_eq!(res.into_bytes().unwrap(), png());
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
    assert!(
        std::fs::read_dir(folder(&w)).map_or(true, |mut d| d.next().is_none()),
        "no file was written"
    );
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
fn avatar_paths_that_leave_the_folder_are_refused() {
    let (w, _data) = world();
    std::fs::create_dir_all(folder(&w)).unwrap();
    std::fs::write(folder(&w).join("kept.png"), png()).unwrap();
    // A link inside the folder to a file outside it leaves the folder too.
    std::os::unix::fs::symlink("/etc/passwd", folder(&w).join("link.png")).unwrap();
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
fn an_admin_registers_a_file_of_the_avatar_folder_by_name() {
    let (w, _data) = world();
    std::fs::create_dir_all(folder(&w)).unwrap();
    std::fs::write(folder(&w).join("kept.png"), png()).unwrap();
    std::fs::write(folder(&w).join("other.png"), png()).unwrap();

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
    std::fs::create_dir_all(folder(&w)).unwrap();
    std::fs::write(folder(&w).join("kept.png"), png()).unwrap();
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
    std::fs::write(folder(&w).join("kept.png"), png()).unwrap();
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
    // Her own upload is hers to delete.
    let res = w.delete(&format!("/api/v1/avatars/{id}"), &w.alice);
    assert_eq!(res.status, 204, "{}", res.text);
    assert!(!w.exists("avatars", id));
}
