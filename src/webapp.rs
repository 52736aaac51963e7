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
//! - text assets are compressed once, when the server starts (gzip at once, brotli on a
//!   background thread: until it is ready, gzip is served), and chosen by `Accept-Encoding`
//!   with `Vary: Accept-Encoding`. Browsers ask for brotli over HTTPS only, so behind a TLS
//!   proxy they get brotli, and on plain HTTP gzip.
//!
//! Only the paths of the app's pages are served the page (`PAGES`): any other unknown path
//! still answers the JSON 404 of the API, and no route here shares a pattern with the seed
//! routes (`/forum/…`, `/register`, `/login/…` stay theirs).

use std::collections::HashMap;
use std::io::Write;
use std::sync::OnceLock;

use include_dir::{Dir, DirEntry, include_dir};
use rocket::http::{ContentType, Header, Method, Status};
use rocket::request::{FromRequest, Outcome};
use rocket::response::{self, Responder};
use rocket::route::{Handler, Route};
use rocket::{Build, Data, Request, Response, Rocket, get, routes};
use sha2::{Digest, Sha256};

use crate::http::error::ApiError;

static APP: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/static/app");
static VENDOR: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/static/vendor");

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

/// The placeholder of `index.html` that becomes `/assets/<version>`.
const ASSETS_PLACEHOLDER: &str = "{{assets}}";

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
    assets();
    let pages: Vec<Route> = PAGES
        .iter()
        .map(|path| Route::new(Method::Get, path, Page))
        .collect();
    rocket.mount("/", routes![index, asset]).mount("/", pages)
}

/// The embedded files, prepared once per process (every Rocket of a process serves the same
/// files, so tests that build many do not compress them again).
pub fn assets() -> &'static Assets {
    static ASSETS: OnceLock<&'static Assets> = OnceLock::new();
    ASSETS.get_or_init(|| {
        let assets: &'static Assets = Box::leak(Box::new(Assets::build()));
        assets.compress_brotli_in_background();
        assets
    })
}

// ------------------------------------------------------------------ the embedded files

struct Variant {
    body: Vec<u8>,
    etag: String,
}

pub struct File {
    content_type: ContentType,
    identity: Variant,
    gzip: Option<Variant>,
    brotli: OnceLock<Option<Variant>>,
    compressible: bool,
}

pub struct Assets {
    /// `abcdef012345`: the first 12 hex digits of the hash of every embedded file.
    version: String,
    /// Keyed by the path under `/assets/<version>/` (`js/app.js`, `vendor/codemirror/…`).
    files: HashMap<String, File>,
    index: File,
}

fn walk(dir: &'static Dir<'static>, prefix: &str, out: &mut Vec<(String, &'static [u8])>) {
    for entry in dir.entries() {
        match entry {
            DirEntry::Dir(d) => walk(d, prefix, out),
            DirEntry::File(f) => {
                let path = f.path().to_string_lossy().replace('\\', "/");
                out.push((format!("{prefix}{path}"), f.contents()));
            }
        }
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn is_text(content_type: &ContentType) -> bool {
    let top = content_type.top().as_str();
    let sub = content_type.sub().as_str();
    top == "text"
        || matches!(
            sub,
            "javascript" | "json" | "svg+xml" | "xml" | "manifest+json"
        )
}

fn gzip(body: &[u8]) -> Option<Vec<u8>> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    encoder.write_all(body).ok()?;
    encoder.finish().ok()
}

fn brotli(body: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    // Quality 5: about 0.15 s of one core for every embedded file, 11 % bigger than quality 11,
    // which takes 3.6 s (measured on the 1 MB of the app and its libraries); still well under
    // gzip -9. A server starts often in tests and on small machines, so 5 it is.
    // A window no larger than the file (it still covers all of it): the encoder's buffers,
    // allocated for the window, stay small. With 22 for every file, 12 MiB of them stayed in
    // the compressing thread's malloc arena for the life of the server.
    let lgwin = (usize::BITS - body.len().max(1).leading_zeros()).clamp(10, 22) as i32;
    let params = brotli::enc::BrotliEncoderParams {
        quality: 5,
        lgwin,
        size_hint: body.len(),
        ..Default::default()
    };
    brotli::BrotliCompress(&mut &body[..], &mut out, &params).ok()?;
    Some(out)
}

impl File {
    fn new(path: &str, body: Vec<u8>) -> File {
        let ext = path.rsplit_once('.').map(|(_, e)| e).unwrap_or("");
        let content_type = match ext {
            // Not in Rocket's table; a module needs a JavaScript type.
            "mjs" => ContentType::JavaScript,
            _ => ContentType::from_extension(ext).unwrap_or(ContentType::Binary),
        };
        let hash = hex(&Sha256::digest(&body)[..10]);
        let compressible = is_text(&content_type) && body.len() > 256;
        let gzip = compressible
            .then(|| gzip(&body))
            .flatten()
            .filter(|g| g.len() < body.len())
            .map(|g| Variant {
                body: g,
                etag: format!("\"{hash}-gz\""),
            });
        File {
            content_type,
            identity: Variant {
                body,
                etag: format!("\"{hash}\""),
            },
            gzip,
            brotli: OnceLock::new(),
            compressible,
        }
    }

    fn compress_brotli(&self) {
        let variant = self
            .compressible
            .then(|| brotli(&self.identity.body))
            .flatten()
            .filter(|b| b.len() < self.identity.body.len())
            .map(|b| Variant {
                body: b,
                etag: format!("\"{}-br\"", self.identity.etag.trim_matches('"')),
            });
        let _ = self.brotli.set(variant);
    }

    /// The variant for what the client accepts, and its `Content-Encoding`.
    fn choose(&self, accept: &AcceptEncoding) -> (&Variant, Option<&'static str>) {
        if accept.brotli
            && let Some(Some(br)) = self.brotli.get()
        {
            return (br, Some("br"));
        }
        if accept.gzip
            && let Some(gz) = &self.gzip
        {
            return (gz, Some("gzip"));
        }
        (&self.identity, None)
    }

    fn etags(&self) -> impl Iterator<Item = &str> {
        [
            Some(&self.identity),
            self.gzip.as_ref(),
            self.brotli.get().and_then(|b| b.as_ref()),
        ]
        .into_iter()
        .flatten()
        .map(|v| v.etag.as_str())
    }
}

impl Assets {
    fn build() -> Assets {
        let mut sources = Vec::new();
        walk(&APP, "", &mut sources);
        walk(&VENDOR, "vendor/", &mut sources);
        // The build scripts of the vendored bundles are not served.
        sources.retain(|(path, _)| !path.contains("/build/"));
        sources.sort_by(|a, b| a.0.cmp(&b.0));

        let mut hasher = Sha256::new();
        for (path, body) in &sources {
            hasher.update(path.as_bytes());
            hasher.update([0]);
            hasher.update((body.len() as u64).to_le_bytes());
            hasher.update(body);
        }
        let version = hex(&hasher.finalize()[..6]);

        let mut index_source = Vec::new();
        let mut files = HashMap::new();
        for (path, body) in sources {
            if path == "index.html" {
                index_source = body.to_vec();
            } else {
                files.insert(path.clone(), File::new(&path, body.to_vec()));
            }
        }
        let index_text = String::from_utf8_lossy(&index_source)
            .replace(ASSETS_PLACEHOLDER, &format!("/assets/{version}"));
        let index = File::new("index.html", index_text.into_bytes());
        Assets {
            version,
            files,
            index,
        }
    }

    /// Brotli is prepared once, off the start-up path and the request path, and gzip is served
    /// until it is ready (a fraction of a second after start).
    fn compress_brotli_in_background(&'static self) {
        let assets = self;
        let spawned = std::thread::Builder::new()
            .name("webapp-brotli".into())
            .spawn(move || {
                assets.index.compress_brotli();
                for file in assets.files.values() {
                    file.compress_brotli();
                }
            });
        if let Err(e) = spawned {
            eprintln!("webapp: no brotli compression (cannot start its thread: {e})");
        }
    }

    pub fn version(&self) -> &str {
        &self.version
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

fn matches_etag(if_none_match: &str, file: &File) -> bool {
    if if_none_match.trim() == "*" {
        return true;
    }
    if_none_match.split(',').any(|tag| {
        let tag = tag.trim().trim_start_matches("W/");
        file.etags().any(|e| e == tag)
    })
}

/// One embedded file as the answer, with its caching and security headers.
pub struct Served {
    file: &'static File,
    conditions: Conditions,
    cache: &'static str,
}

impl<'r> Responder<'r, 'static> for Served {
    fn respond_to(self, _: &'r Request<'_>) -> response::Result<'static> {
        let file = self.file;
        let (variant, encoding) = file.choose(&self.conditions.accept);
        let mut response = Response::build();
        response
            .header(Header::new("ETag", variant.etag.clone()))
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
        if file.compressible {
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
        response.header(file.content_type.clone());
        if let Some(encoding) = encoding {
            response.header(Header::new("Content-Encoding", encoding));
        }
        let body: &'static [u8] = &variant.body;
        response
            .sized_body(body.len(), std::io::Cursor::new(body))
            .ok()
    }
}

#[get("/")]
fn index(conditions: Conditions) -> Served {
    Served {
        file: &assets().index,
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
    let assets = assets();
    let key = path.to_string_lossy().replace('\\', "/");
    let file = assets
        .files
        .get(&key)
        .ok_or_else(|| ApiError::not_found(&format!("/assets/{version}/{key}")))?;
    let cache = if version == assets.version {
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
                file: &assets().index,
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
