//! The member-facing app: plain HTML, CSS and JavaScript modules from `static/app` (and the
//! vendored libraries of `static/vendor`), embedded in the binary and served at `/`.
//!
//! Caching as a browser and a proxy use it:
//! - every asset lives under `/assets/<version>/…`, where the version is a hash of all the
//!   embedded files, so a new binary means new URLs; assets are `public, max-age=31536000,
//!   immutable`. A URL with another version (a page from an older binary) still gets the file
//!   of today, but `no-cache`, so nothing stale is pinned.
//! - the page (`index.html`, served for `/` and for every page path of the app) is `no-cache`:
//!   a browser revalidates it each time and gets a 304 while the binary is the same.
//! - every answer has a strong `ETag` (one per encoding) and `If-None-Match` gets a 304.
//! - text assets are compressed when the binary is built (`build.rs`: gzip -9 and brotli 11),
//!   so a server starts without compressing anything and holds no copy of them on its heap;
//!   the variant is chosen by `Accept-Encoding`, with `Vary: Accept-Encoding`. Browsers ask
//!   for brotli over HTTPS only, so behind a TLS proxy they get brotli, and on plain HTTP gzip.
//!
//! Only the paths of the app's pages are served the page (`PAGES`): any other unknown path
//! still answers the JSON 404 of the API, and no route here shares a pattern with the seed
//! routes (`/forum/…`, `/register`, `/login/…` stay theirs).

use rocket::http::{ContentType, Header, Method, Status};
use rocket::request::{FromRequest, Outcome};
use rocket::response::{self, Responder};
use rocket::route::{Handler, Route};
use rocket::{Build, Data, Request, Response, Rocket, get, routes};

use crate::http::error::ApiError;

/// The same policy as the admin UI: nothing but this origin's files, no inline script or
/// style, no frames.
const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; \
    connect-src 'self'; font-src 'self'; manifest-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

const IMMUTABLE: &str = "public, max-age=31536000, immutable";
const REVALIDATE: &str = "no-cache";

/// The page paths of the app (client-side routes), each answered with `index.html`.
/// `<path..>` only where no other route of this server lives under the prefix; `/blog` has
/// seed routes below it (`/blog/post/modify`), so only its first level is the app's.
pub const PAGES: &[&str] = &[
    "/sign-in",
    "/sign-up",
    "/confirm",
    "/profile",
    "/notifications",
    "/courses",
    "/courses/<path..>",
    "/exercises/<path..>",
    "/forums",
    "/forums/<path..>",
    "/blog",
    "/blog/<id>",
    "/teach",
    "/teach/<path..>",
];

/// The member app enters the application here.
pub fn stage<R, H>() -> crate::http::stage::Stage<R, H> {
    crate::http::stage::Stage {
        name: "member app",
        mount: |rocket, _| mount(rocket),
        openapi: crate::http::stage::no_openapi,
        resources: &[],
        hooks: &[],
    }
}

fn mount(rocket: Rocket<Build>) -> Rocket<Build> {
    let pages: Vec<Route> = PAGES
        .iter()
        .map(|path| Route::new(Method::Get, path, Page))
        .collect();
    rocket.mount("/", routes![index, asset]).mount("/", pages)
}

// ------------------------------------------------------------------ the embedded files

/// One file of the app as `build.rs` prepared it: every variant is a static byte string of the
/// binary (nothing is compressed or copied when the server starts).
pub struct Embedded {
    /// The path under `/assets/<version>/` (`js/app.js`, `vendor/codemirror/…`).
    path: &'static str,
    /// The first 20 hex digits of the SHA-256 of the file: its ETag, with `-gz` or `-br` for
    /// the compressed variants.
    hash: &'static str,
    identity: &'static [u8],
    gzip: Option<&'static [u8]>,
    brotli: Option<&'static [u8]>,
}

mod embedded {
    use super::Embedded;
    include!(concat!(env!("OUT_DIR"), "/webapp_assets.rs"));
}

fn find(path: &str) -> Option<&'static Embedded> {
    let files = embedded::FILES;
    files
        .binary_search_by(|f| f.path.cmp(path))
        .ok()
        .map(|i| &files[i])
}

#[derive(Clone, Copy)]
enum Coding {
    Identity,
    Gzip,
    Brotli,
}

impl Embedded {
    fn content_type(&self) -> ContentType {
        let ext = self.path.rsplit_once('.').map(|(_, e)| e).unwrap_or("");
        match ext {
            // Not in Rocket's table; a module needs a JavaScript type.
            "mjs" => ContentType::JavaScript,
            _ => ContentType::from_extension(ext).unwrap_or(ContentType::Binary),
        }
    }

    fn compressed(&self) -> bool {
        self.gzip.is_some() || self.brotli.is_some()
    }

    /// The variant for what the client accepts.
    fn choose(&self, accept: &AcceptEncoding) -> (Coding, &'static [u8]) {
        match (self.brotli, self.gzip) {
            (Some(br), _) if accept.brotli => (Coding::Brotli, br),
            (_, Some(gz)) if accept.gzip => (Coding::Gzip, gz),
            _ => (Coding::Identity, self.identity),
        }
    }

    fn etag(&self, coding: Coding) -> String {
        match coding {
            Coding::Identity => format!("\"{}\"", self.hash),
            Coding::Gzip => format!("\"{}-gz\"", self.hash),
            Coding::Brotli => format!("\"{}-br\"", self.hash),
        }
    }

    /// Whether `tag` (without quotes' `W/`) names one of this file's variants.
    fn has_etag(&self, tag: &str) -> bool {
        let Some(inner) = tag.strip_prefix('"').and_then(|t| t.strip_suffix('"')) else {
            return false;
        };
        match inner.strip_prefix(self.hash) {
            Some("") => true,
            Some("-gz") => self.gzip.is_some(),
            Some("-br") => self.brotli.is_some(),
            _ => false,
        }
    }
}

// ------------------------------------------------------------------ requests

/// What `Accept-Encoding` allows (a coding with `q=0` is refused).
pub struct AcceptEncoding {
    gzip: bool,
    brotli: bool,
}

impl AcceptEncoding {
    pub fn parse(header: Option<&str>) -> AcceptEncoding {
        let mut accept = AcceptEncoding {
            gzip: false,
            brotli: false,
        };
        for item in header.unwrap_or("").split(',') {
            let mut parts = item.split(';');
            let coding = parts.next().unwrap_or("").trim().to_ascii_lowercase();
            let refused = parts.any(|p| {
                p.trim()
                    .strip_prefix("q=")
                    .and_then(|q| q.trim().parse::<f32>().ok())
                    .is_some_and(|q| q <= 0.0)
            });
            if refused {
                continue;
            }
            match coding.as_str() {
                "gzip" | "x-gzip" => accept.gzip = true,
                "br" => accept.brotli = true,
                "*" => {
                    accept.gzip = true;
                    accept.brotli = true;
                }
                _ => {}
            }
        }
        accept
    }
}

/// The request headers that choose the answer.
pub struct Conditions {
    accept: AcceptEncoding,
    if_none_match: Option<String>,
}

#[rocket::async_trait]
impl<'r> FromRequest<'r> for Conditions {
    type Error = std::convert::Infallible;

    async fn from_request(req: &'r Request<'_>) -> Outcome<Self, Self::Error> {
        let headers = req.headers();
        Outcome::Success(Conditions {
            accept: AcceptEncoding::parse(headers.get_one("Accept-Encoding")),
            if_none_match: headers.get_one("If-None-Match").map(str::to_owned),
        })
    }
}

fn matches_etag(if_none_match: &str, file: &Embedded) -> bool {
    if if_none_match.trim() == "*" {
        return true;
    }
    if_none_match
        .split(',')
        .any(|tag| file.has_etag(tag.trim().trim_start_matches("W/")))
}

/// One embedded file as the answer, with its caching and security headers.
pub struct Served {
    file: &'static Embedded,
    conditions: Conditions,
    cache: &'static str,
}

impl<'r> Responder<'r, 'static> for Served {
    fn respond_to(self, _: &'r Request<'_>) -> response::Result<'static> {
        let file = self.file;
        let (coding, body) = file.choose(&self.conditions.accept);
        let mut response = Response::build();
        response
            .header(Header::new("ETag", file.etag(coding)))
            .header(Header::new("Cache-Control", self.cache))
            .header(Header::new("Content-Security-Policy", CSP))
            .header(Header::new("X-Content-Type-Options", "nosniff"))
            .header(Header::new("X-Frame-Options", "DENY"))
            .header(Header::new("Referrer-Policy", "no-referrer"))
            .header(Header::new("Cross-Origin-Opener-Policy", "same-origin"))
            .header(Header::new(
                "Permissions-Policy",
                "camera=(), microphone=(), geolocation=()",
            ));
        if file.compressed() {
            response.header(Header::new("Vary", "Accept-Encoding"));
        }
        if self
            .conditions
            .if_none_match
            .as_deref()
            .is_some_and(|inm| matches_etag(inm, file))
        {
            return response.status(Status::NotModified).ok();
        }
        response.header(file.content_type());
        match coding {
            Coding::Identity => {}
            Coding::Gzip => {
                response.header(Header::new("Content-Encoding", "gzip"));
            }
            Coding::Brotli => {
                response.header(Header::new("Content-Encoding", "br"));
            }
        }
        response
            .sized_body(body.len(), std::io::Cursor::new(body))
            .ok()
    }
}

#[get("/")]
fn index(conditions: Conditions) -> Served {
    Served {
        file: &embedded::INDEX,
        conditions,
        cache: REVALIDATE,
    }
}

#[get("/assets/<version>/<path..>")]
fn asset(
    version: &str,
    path: std::path::PathBuf,
    conditions: Conditions,
) -> Result<Served, ApiError> {
    let key = path.to_string_lossy().replace('\\', "/");
    let file =
        find(&key).ok_or_else(|| ApiError::not_found(&format!("/assets/{version}/{key}")))?;
    let cache = if version == embedded::VERSION {
        IMMUTABLE
    } else {
        REVALIDATE
    };
    Ok(Served {
        file,
        conditions,
        cache,
    })
}

/// Every page path of the app: the page, which routes on the client.
#[derive(Clone)]
struct Page;

#[rocket::async_trait]
impl Handler for Page {
    async fn handle<'r>(&self, req: &'r Request<'_>, _: Data<'r>) -> rocket::route::Outcome<'r> {
        let conditions = match Conditions::from_request(req).await {
            Outcome::Success(c) => c,
            _ => return rocket::route::Outcome::Error(Status::BadRequest),
        };
        rocket::route::Outcome::from(
            req,
            Served {
                file: &embedded::INDEX,
                conditions,
                cache: REVALIDATE,
            },
        )
    }
}

#[cfg(test)]
mod tests {
    use super::AcceptEncoding;

    #[test]
    fn accept_encoding_reads_codings_and_refusals() {
        let a = AcceptEncoding::parse(Some("gzip, deflate, br;q=1.0"));
        assert!(a.gzip && a.brotli);
        let a = AcceptEncoding::parse(Some("gzip;q=0, br;q=0.5"));
        assert!(!a.gzip && a.brotli);
        let a = AcceptEncoding::parse(None);
        assert!(!a.gzip && !a.brotli);
        let a = AcceptEncoding::parse(Some("*"));
        assert!(a.gzip && a.brotli);
    }
}
