//! Avatars: images stored in the database (table `avatar_images`, one row per image, named by
//! the avatar's `path`), so that the one SQLite file is a whole backup. Members upload PNG,
//! JPEG or WebP images (content checked, size bounded, at most `avatar_quota` each); admins may
//! also register an image already stored by its name (seed `/other/avatar/modify`), such as one
//! moved in from the old `{data_dir}/avatars/` folder. A name is a plain file name: nothing
//! that could leave a folder (`./../../`) is accepted. A member's profile may only show one of
//! their own avatars or one an admin provided.

use rocket::data::{Data, ToByteUnit};
use rocket::http::{ContentType, Header, Status};
use rocket::response::status::Created;
use rocket::serde::json::Json;
use rocket::{State, get, post, routes};
use rusqlite::{Connection, OptionalExtension};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use crate::accounts::App;
use crate::accounts::Level;
use crate::accounts::auth::AuthUser;
use crate::accounts::passwords::random_text;
use crate::config::Config;
use crate::content::store::{self, Viewer};
use crate::content::{EVERYONE, Field, Resource};
use crate::db::Db;
use crate::http::error::{ApiError, code};
use crate::http::logging::{log_info, log_warn};

/// Largest accepted upload.
pub const MAX_BYTES: usize = 512 * 1024;
/// Largest file moved in from the old avatar folder (admins could put bigger ones there).
const MAX_IMPORTED_BYTES: u64 = 8 * 1024 * 1024;
/// The `settings` key that records that the old folder's unregistered files were moved in.
const FOLDER_IMPORTED: &str = "avatar_folder_imported";

pub static AVATARS: Resource = Resource {
    name: "avatar",
    table: "avatars",
    path: "avatars",
    parent: None,
    seed: Some("/other/avatar/modify"),
    // Uploads choose their own name; naming a stored image is for the staff.
    fields: &[Field::text(
        "path",
        100,
        "The name of an avatar image already stored, such as `a1b2.png` (a plain file name).",
    )
    .staff_only()],
    owner: Some("account_id"),
    create: Level::Admin,
    moderated: false,
    visible: EVERYONE,
    filters: &[("author", "account_id")],
    check: Some(check_path),
    tag: "people",
    within: None,
    reportable: false,
    likes: None,
    editors: None,
};

pub fn routes() -> Vec<rocket::Route> {
    routes![upload, image]
}

/// The image type of `bytes`, by content: PNG, JPEG or WebP.
pub fn sniff(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("png")
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("jpg")
    } else if bytes.len() >= 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        Some("webp")
    } else {
        None
    }
}

fn content_type_of(ext: &str) -> &'static str {
    match ext {
        "png" => "image/png",
        "jpg" => "image/jpeg",
        _ => "image/webp",
    }
}

/// A plain file name with an image extension: no separator, no `..`, no hidden file.
pub fn safe_name(name: &str) -> bool {
    let ext_ok = name.rsplit_once('.').is_some_and(|(stem, ext)| {
        !stem.is_empty()
            && ["png", "jpg", "jpeg", "webp"].contains(&ext.to_ascii_lowercase().as_str())
    });
    ext_ok
        && !name.starts_with('.')
        && name.len() <= 100
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
        && !name.contains("..")
}

/// Stores `bytes` as the image named `name`. `None` when they are not a PNG, JPEG or WebP.
fn store_image(conn: &Connection, name: &str, bytes: &[u8]) -> rusqlite::Result<Option<()>> {
    let Some(ext) = sniff(bytes) else {
        return Ok(None);
    };
    let sha256: String = Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    conn.execute(
        "INSERT INTO avatar_images (name, bytes, content_type, size, sha256, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        rusqlite::params![
            name,
            bytes,
            content_type_of(ext),
            bytes.len() as i64,
            sha256,
            crate::db::now_ms()
        ],
    )?;
    Ok(Some(()))
}

fn image_stored(conn: &Connection, name: &str) -> rusqlite::Result<bool> {
    conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM avatar_images WHERE name = ?1)",
        [name],
        |r| r.get(0),
    )
}

/// The path must name an image already stored (a plain file name, which cannot leave a folder).
fn check_path(
    conn: &Connection,
    _: &AuthUser,
    row: &Map<String, Value>,
    _: &Config,
) -> Result<(), ApiError> {
    let Some(name) = row.get("path").and_then(Value::as_str) else {
        return Ok(());
    };
    if !safe_name(name) {
        return Err(ApiError::invalid(
            "path",
            "must be the name of a stored avatar image (letters, digits, `.`, `_`, `-`; .png, .jpg, .jpeg or .webp), without any folder",
        ));
    }
    if !image_stored(conn, name)? {
        return Err(ApiError::invalid(
            "path",
            format!("no avatar image named {name} is stored"),
        ));
    }
    Ok(())
}

/// The avatars whose image is not stored, as (id, path).
fn missing_images(conn: &Connection) -> Result<Vec<(i64, String)>, ApiError> {
    let mut stmt = conn.prepare(
        "SELECT id, path FROM avatars WHERE path NOT IN (SELECT name FROM avatar_images)
         ORDER BY id",
    )?;
    Ok(stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .and_then(Iterator::collect)?)
}

/// When the folder's other files were moved in, if they were.
fn folder_imported(conn: &Connection) -> Result<Option<String>, ApiError> {
    Ok(conn
        .query_row(
            "SELECT value FROM settings WHERE key = ?1",
            [FOLDER_IMPORTED],
            |r| r.get(0),
        )
        .optional()?)
}

/// Moves the images of the old avatar folder (`{data_dir}/avatars/`) into the database, at
/// start. Idempotent: an image already stored is never read again. Every avatar row whose
/// image is missing is looked for in the folder at each start; the folder's other files (an
/// admin's, waiting to be registered by name) are moved in once. A file that is missing,
/// unreadable, too big or not an image is reported in the log and left where it is; the
/// folder itself is never changed.
pub fn import_folder(db: &Db, config: &Config) -> Result<(), String> {
    let fail = |e: &dyn std::fmt::Display| format!("moving avatar images into the database: {e}");
    // At almost every start there is nothing to do.
    let (missing, imported) = db
        .startup_read(|c| Ok((missing_images(c)?, folder_imported(c)?)))
        .map_err(|e| fail(&e.message))?;
    if missing.is_empty() && imported.is_some() {
        return Ok(());
    }
    let mut conn = db.conn().map_err(|e| e.message)?;
    let dir = config.data_dir.join("avatars");
    let read = |name: &str| -> Result<Vec<u8>, String> {
        if !safe_name(name) {
            return Err("not a plain image file name".into());
        }
        let path = dir.join(name);
        let meta = std::fs::symlink_metadata(&path).map_err(|e| e.to_string())?;
        if !meta.file_type().is_file() {
            return Err("not a regular file".into());
        }
        if meta.len() > MAX_IMPORTED_BYTES {
            return Err(format!("larger than {MAX_IMPORTED_BYTES} bytes"));
        }
        std::fs::read(&path).map_err(|e| e.to_string())
    };
    let mut moved = 0;
    let mut put = |conn: &mut Connection, name: &str, what: &str| -> Result<(), String> {
        match read(name) {
            Ok(bytes) => {
                let tx = conn.transaction().map_err(|e| fail(&e))?;
                if image_stored(&tx, name).map_err(|e| fail(&e))? {
                    return Ok(());
                }
                match store_image(&tx, name, &bytes).map_err(|e| fail(&e))? {
                    Some(()) => {
                        tx.commit().map_err(|e| fail(&e))?;
                        moved += 1;
                    }
                    None => log_warn(&format!(
                        "avatar folder: {what} {name} is not a PNG, JPEG or WebP image; left out"
                    )),
                }
            }
            Err(e) => log_warn(&format!(
                "avatar folder: {what} {}: {e}; left out",
                dir.join(name).display()
            )),
        }
        Ok(())
    };
    for (id, name) in &missing {
        put(&mut conn, name, &format!("the image of avatar {id},"))?;
    }
    if imported.is_none() {
        let mut names: Vec<String> = match std::fs::read_dir(&dir) {
            Ok(entries) => entries
                .filter_map(Result::ok)
                .filter_map(|e| e.file_name().into_string().ok())
                .filter(|n| !n.starts_with('.'))
                .collect(),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
            Err(e) => {
                log_warn(&format!(
                    "avatar folder {}: {e}; its unregistered files were not moved in",
                    dir.display()
                ));
                return Ok(());
            }
        };
        names.sort();
        for name in &names {
            put(&mut conn, name, "the file")?;
        }
        crate::db::setting_or_insert(&conn, FOLDER_IMPORTED, &crate::db::now_ms().to_string())
            .map_err(|e| fail(&e))?;
    }
    if moved > 0 {
        log_info(&format!(
            "moved {moved} avatar image(s) from {} into the database; the folder is no longer used",
            dir.display()
        ));
    }
    Ok(())
}

/// The refusal of an upload past the quota.
fn over_quota(quota: i64) -> ApiError {
    let message = if quota == 0 {
        "Quota reached: members cannot upload avatars on this server (`avatar_quota` = 0).".into()
    } else {
        format!(
            "Quota reached: a member keeps at most {quota} avatars (`avatar_quota`); delete one before uploading another."
        )
    };
    ApiError::conflict(code::CONFLICT, "Conflict", message)
        .with("rule", "avatar_quota")
        .with("limit", quota)
}

/// Upload an image (the raw bytes as the body): PNG, JPEG or WebP, at most 512 KiB. A member
/// or moderator keeps at most `avatar_quota` avatars (409 naming the rule past that).
#[utoipa::path(post, path = "/api/v1/avatars/upload", tag = "people", security(("bearer" = [])),
    request_body(content = inline(crate::http::openapi::Binary), content_type = "application/octet-stream", description = "The image's bytes."),
    responses((status = 201, body = Object), (status = "4XX", body = crate::http::error::ErrorBody)))]
#[post("/avatars/upload", data = "<data>")]
async fn upload(
    app: &State<App>,
    user: AuthUser,
    data: Data<'_>,
) -> Result<Created<Json<Map<String, Value>>>, ApiError> {
    let bytes = data
        .open((MAX_BYTES + 1).bytes())
        .into_bytes()
        .await
        .map_err(|e| ApiError::bad_request(format!("The upload could not be read: {e}")))?;
    if !bytes.is_complete() || bytes.len() > MAX_BYTES {
        return Err(ApiError::too_large("512 KiB"));
    }
    let ext = sniff(&bytes).ok_or_else(|| {
        ApiError::invalid(
            "body",
            "must be a PNG, JPEG or WebP image (checked by content, not by name)",
        )
    })?;
    let name = format!("{}.{ext}", random_text(12).replace(['-', '_'], "x"));
    let bytes = bytes.into_inner();
    let quota = (!user.is_admin()).then_some(app.config.avatar_quota);
    let row = app
        .db
        .write(move |tx| {
            let uid = user.id;
            if let Some(quota) = quota {
                let kept: i64 = tx.query_row(
                    "SELECT COUNT(*) FROM avatars WHERE account_id = ?1",
                    [uid],
                    |r| r.get(0),
                )?;
                if kept >= quota {
                    return Err(over_quota(quota));
                }
            }
            store_image(tx, &name, &bytes)?;
            let now = crate::db::now_ms();
            let id: i64 = tx.query_row(
                "INSERT INTO avatars (account_id, path, created_at, updated_at) VALUES (?1, ?2, ?3, ?3) RETURNING id",
                rusqlite::params![uid, name, now],
                |r| r.get(0),
            )?;
            store::get(tx, &AVATARS, Viewer::of(Some(&user)), id)
        })
        .await?;
    let id = row.get("id").and_then(Value::as_i64).unwrap_or(0);
    Ok(Created::new(format!("/api/v1/avatars/{id}")).body(Json(row)))
}

/// An image from the database; its ETag is its SHA-256, and a matching `If-None-Match`
/// answers 304.
pub struct Image {
    bytes: Vec<u8>,
    content_type: ContentType,
    etag: String,
}

impl<'r> rocket::response::Responder<'r, 'static> for Image {
    fn respond_to(self, req: &'r rocket::Request<'_>) -> rocket::response::Result<'static> {
        let fresh = req.headers().get("If-None-Match").any(|v| {
            v.split(',')
                .map(|t| t.trim().trim_start_matches("W/"))
                .any(|t| t == self.etag || t == "*")
        });
        let mut res = rocket::Response::build();
        res.header(Header::new("ETag", self.etag))
            .header(Header::new("Cache-Control", "public, max-age=86400"))
            .header(Header::new("X-Content-Type-Options", "nosniff"))
            .header(Header::new("Content-Security-Policy", "default-src 'none'"));
        if fresh {
            res.status(Status::NotModified);
        } else {
            res.header(self.content_type)
                .sized_body(self.bytes.len(), std::io::Cursor::new(self.bytes));
        }
        res.ok()
    }
}

/// The avatar's image (public, so that `<img>` can show it), with an ETag.
#[utoipa::path(get, path = "/api/v1/avatars/{id}/image", tag = "people", params(("id" = i64, Path, minimum = 1)),
    responses((status = 200, description = "The image, as it was uploaded.", content((inline(crate::http::openapi::Binary) = "image/png"), (inline(crate::http::openapi::Binary) = "image/jpeg"), (inline(crate::http::openapi::Binary) = "image/webp"))), (status = 304, description = "`If-None-Match` matched the ETag."), (status = "4XX", body = crate::http::error::ErrorBody)))]
#[get("/avatars/<id>/image")]
async fn image(app: &State<App>, id: i64) -> Result<Image, ApiError> {
    let found = app
        .db
        .read(move |c| {
            // 404 for an avatar that does not exist, as every resource answers.
            store::get(c, &AVATARS, Viewer::of(None), id)?;
            Ok(c.query_row(
                "SELECT i.bytes, i.content_type, i.sha256 FROM avatars a
                 JOIN avatar_images i ON i.name = a.path WHERE a.id = ?1",
                [id],
                |r| {
                    Ok((
                        r.get::<_, Vec<u8>>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, String>(2)?,
                    ))
                },
            )
            .optional()?)
        })
        .await?;
    let Some((bytes, content_type, sha256)) = found else {
        return Err(ApiError::not_found(&format!("The image of avatar {id}")));
    };
    let content_type = match content_type.as_str() {
        "image/png" => ContentType::PNG,
        "image/jpeg" => ContentType::JPEG,
        _ => ContentType::WEBP,
    };
    Ok(Image {
        bytes,
        content_type,
        etag: format!("\"{sha256}\""),
    })
}

/// This module's part of the OpenAPI document.
pub fn openapi() -> utoipa::openapi::OpenApi {
    #[derive(utoipa::OpenApi)]
    #[openapi(paths(upload, image))]
    struct Part;
    <Part as utoipa::OpenApi>::openapi()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_that_leave_the_folder_are_refused() {
        for bad in [
            "./../../",
            "../x.png",
            "a/b.png",
            "/etc/passwd",
            ".hidden.png",
            "x.png/..",
            "x.gif",
            "x",
            "..png",
            "a\\b.png",
        ] {
            assert!(!safe_name(bad), "{bad}");
        }
        assert!(safe_name("a1b2.png"));
        assert!(safe_name("photo_2-x.JPEG"));
    }

    #[test]
    fn images_are_recognised_by_content() {
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\nrest"), Some("png"));
        assert_eq!(sniff(&[0xFF, 0xD8, 0xFF, 0xE0]), Some("jpg"));
        assert_eq!(sniff(b"RIFF\0\0\0\0WEBPVP8 "), Some("webp"));
        assert_eq!(sniff(b"<svg onload=alert(1)>"), None);
    }
}
