//! Avatars: image files in `{data_dir}/avatars/`, one row each. Members upload PNG, JPEG or
//! WebP images (content checked, size bounded); admins may also register a file already in
//! the folder by name (seed `/other/avatar/modify`). A name can never leave the folder.

use std::io::Write;
use std::path::{Path, PathBuf};

use rocket::data::{Data, ToByteUnit};
use rocket::http::{ContentType, Header};
use rocket::response::status::Created;
use rocket::serde::json::Json;
use rocket::{State, get, post, routes};
use rusqlite::Connection;
use serde_json::{Map, Value};

use crate::accounts::App;
use crate::accounts::Level;
use crate::accounts::auth::AuthUser;
use crate::accounts::passwords::random_text;
use crate::config::Config;
use crate::content::store::{self, Viewer};
use crate::content::{EVERYONE, Field, Resource};
use crate::http::error::ApiError;

/// Largest accepted upload.
pub const MAX_BYTES: usize = 512 * 1024;

pub static AVATARS: Resource = Resource {
    name: "avatar",
    table: "avatars",
    path: "avatars",
    parent: None,
    seed: Some("/other/avatar/modify"),
    // Uploads choose their own name; naming a file of the folder is for the staff.
    fields: &[Field::text(
        "path",
        100,
        "The file's name in the avatar folder, such as `a1b2.png`.",
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
};

pub fn routes() -> Vec<rocket::Route> {
    routes![upload, image]
}

pub fn folder(config: &Config) -> PathBuf {
    config.data_dir.join("avatars")
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

/// The path must name a regular file inside the avatar folder.
fn check_path(
    _: &Connection,
    _: &AuthUser,
    row: &Map<String, Value>,
    config: &Config,
) -> Result<(), ApiError> {
    let Some(name) = row.get("path").and_then(Value::as_str) else {
        return Ok(());
    };
    if !safe_name(name) {
        return Err(ApiError::invalid(
            "path",
            "must be the name of an image file in the avatar folder (letters, digits, `.`, `_`, `-`; .png, .jpg, .jpeg or .webp), without any folder",
        ));
    }
    let dir = folder(config);
    let file = dir.join(name);
    let inside = match (dir.canonicalize(), file.canonicalize()) {
        (Ok(d), Ok(f)) => f.starts_with(d) && f.parent().is_some(),
        _ => false,
    };
    let regular = std::fs::symlink_metadata(&file)
        .map(|m| m.file_type().is_file())
        .unwrap_or(false);
    if !inside || !regular {
        return Err(ApiError::invalid(
            "path",
            format!("no file named {name} in the avatar folder"),
        ));
    }
    Ok(())
}

fn write_file(dir: &Path, name: &str, bytes: &[u8]) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    let tmp = dir.join(format!(".{name}.part"));
    let mut f = std::fs::File::create(&tmp)?;
    f.write_all(bytes)?;
    f.sync_all()?;
    std::fs::rename(&tmp, dir.join(name))
}

/// Upload an image (the raw bytes as the body): PNG, JPEG or WebP, at most 512 KiB.
#[utoipa::path(post, path = "/api/v1/avatars/upload", tag = "people", security(("bearer" = [])),
    request_body(content = Vec<u8>, content_type = "application/octet-stream", description = "The image's bytes."),
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
    let dir = folder(&app.config);
    let bytes = bytes.into_inner();
    {
        let (dir, name) = (dir.clone(), name.clone());
        rocket::tokio::task::spawn_blocking(move || write_file(&dir, &name, &bytes))
            .await
            .map_err(ApiError::internal)?
            .map_err(|e| ApiError::internal(format!("writing the avatar: {e}")))?;
    }
    let uid = user.id;
    let row = app
        .db
        .write({
            let name = name.clone();
            move |tx| {
                let now = crate::db::now_ms();
                let id: i64 = tx.query_row(
                    "INSERT INTO avatars (account_id, path, created_at, updated_at) VALUES (?1, ?2, ?3, ?3) RETURNING id",
                    rusqlite::params![uid, name, now],
                    |r| r.get(0),
                )?;
                store::get(tx, &AVATARS, Viewer::of(Some(&user)), id)
            }
        })
        .await;
    match row {
        Ok(row) => {
            let id = row.get("id").and_then(Value::as_i64).unwrap_or(0);
            Ok(Created::new(format!("/api/v1/avatars/{id}")).body(Json(row)))
        }
        Err(e) => {
            let _ = std::fs::remove_file(dir.join(&name));
            Err(e)
        }
    }
}

pub struct Image(Vec<u8>, ContentType);

impl<'r> rocket::response::Responder<'r, 'static> for Image {
    fn respond_to(self, _: &'r rocket::Request<'_>) -> rocket::response::Result<'static> {
        rocket::Response::build()
            .header(self.1)
            .header(Header::new("Cache-Control", "public, max-age=86400"))
            .header(Header::new("X-Content-Type-Options", "nosniff"))
            .header(Header::new("Content-Security-Policy", "default-src 'none'"))
            .sized_body(self.0.len(), std::io::Cursor::new(self.0))
            .ok()
    }
}

/// The avatar's image (public, so that `<img>` can show it).
#[utoipa::path(get, path = "/api/v1/avatars/{id}/image", tag = "people", params(("id" = i64, Path, minimum = 1)),
    responses((status = 200, content_type = "image/png", body = Vec<u8>), (status = "4XX", body = crate::http::error::ErrorBody)))]
#[get("/avatars/<id>/image")]
async fn image(app: &State<App>, id: i64) -> Result<Image, ApiError> {
    let row = app
        .db
        .read(move |c| store::get(c, &AVATARS, Viewer::of(None), id))
        .await?;
    let name = row
        .get("path")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    if !safe_name(&name) {
        return Err(ApiError::not_found(&format!("The image of avatar {id}")));
    }
    let path = folder(&app.config).join(&name);
    let bytes = rocket::tokio::fs::read(&path)
        .await
        .map_err(|_| ApiError::not_found(&format!("The image of avatar {id}")))?;
    let content_type = match sniff(&bytes) {
        Some("png") => ContentType::PNG,
        Some("jpg") => ContentType::JPEG,
        Some("webp") => ContentType::WEBP,
        _ => return Err(ApiError::not_found(&format!("The image of avatar {id}"))),
    };
    Ok(Image(bytes, content_type))
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
