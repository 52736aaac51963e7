//! The admin UI: plain HTML, CSS and JavaScript modules from `static/admin/`, embedded in the
//! binary and served under `/admin` with a strict Content-Security-Policy.

use std::path::PathBuf;

use include_dir::{Dir, include_dir};
use rocket::http::{ContentType, Header};
use rocket::response::{self, Responder};
use rocket::{Request, Response, get, routes};

use crate::http::error::ApiError;

static STATIC: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/static/admin");

const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; \
    connect-src 'self'; font-src 'self'; manifest-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// The admin UI enters the application here.
pub fn stage<R, H>() -> crate::http::stage::Stage<R, H> {
    crate::http::stage::Stage {
        name: "admin UI",
        mount: |rocket, _| rocket.mount("/admin", routes![index, asset]),
        openapi: crate::http::stage::no_openapi,
        resources: &[],
        hooks: &[],
    }
}

pub struct Asset {
    body: &'static [u8],
    content_type: ContentType,
}

impl<'r> Responder<'r, 'static> for Asset {
    fn respond_to(self, _: &'r Request<'_>) -> response::Result<'static> {
        Response::build()
            .header(self.content_type)
            .header(Header::new("Content-Security-Policy", CSP))
            .header(Header::new("X-Content-Type-Options", "nosniff"))
            .header(Header::new("X-Frame-Options", "DENY"))
            .header(Header::new("Referrer-Policy", "no-referrer"))
            .header(Header::new("Cache-Control", "no-cache"))
            .sized_body(self.body.len(), std::io::Cursor::new(self.body))
            .ok()
    }
}

fn find(path: &str) -> Option<Asset> {
    let file = STATIC.get_file(path)?;
    let ext = path.rsplit_once('.').map(|(_, e)| e).unwrap_or("");
    let content_type = ContentType::from_extension(ext).unwrap_or(ContentType::Binary);
    Some(Asset {
        body: file.contents(),
        content_type,
    })
}

#[get("/")]
fn index() -> Result<Asset, ApiError> {
    find("index.html").ok_or_else(|| ApiError::not_found("The admin UI"))
}

/// Any file of `static/admin/`; unknown paths that look like pages get the app (client routing).
#[get("/<path..>", rank = 20)]
fn asset(path: PathBuf) -> Result<Asset, ApiError> {
    let path = path.to_string_lossy().replace('\\', "/");
    if let Some(asset) = find(&path) {
        return Ok(asset);
    }
    if !path.contains('.') {
        return index();
    }
    Err(ApiError::not_found(&format!("/admin/{path}")))
}
