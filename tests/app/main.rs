//! The member-facing app at `/` as HTTP sees it: which paths it answers (and which it leaves
//! to the API's JSON 404), its caching (versioned assets, ETags, 304) and its compression.
//! What the app does in a browser is in `tests/app_browser.rs`.

#![allow(clippy::unwrap_used)]

// The shared harness is formatted and linted by its owner.
#[rustfmt::skip]
#[allow(clippy::wrong_self_convention)]
#[path = "../common/mod.rs"]
mod common;

use std::io::Read;

use common::TestApp;
use rocket::http::{Header, Status};
use rocket::local::blocking::LocalResponse;

fn header<'a>(res: &'a LocalResponse<'_>, name: &str) -> Option<&'a str> {
    res.headers().get_one(name)
}

/// The asset URL prefix (`/assets/<version>`) that the page names.
fn assets_prefix(app: &TestApp) -> String {
    let page = app.get("/").dispatch().into_string().unwrap();
    let start = page.find("/assets/").expect("the page names its assets");
    let rest = &page[start..];
    let end = rest[8..].find('/').unwrap() + 8;
    rest[..end].to_owned()
}

#[test]
fn the_page_is_served_at_the_root_and_revalidated() {
    let app = TestApp::new();
    let res = app.get("/").dispatch();
    assert_eq!(res.status(), Status::Ok);
    assert_eq!(
        header(&res, "Content-Type"),
        Some("text/html; charset=utf-8")
    );
    assert_eq!(header(&res, "Cache-Control"), Some("no-cache"));
    let csp = header(&res, "Content-Security-Policy").unwrap();
    assert!(
        csp.contains("script-src 'self'") && !csp.contains("unsafe"),
        "{csp}"
    );
    assert_eq!(header(&res, "X-Frame-Options"), Some("DENY"));
    assert_eq!(header(&res, "X-Content-Type-Options"), Some("nosniff"));
    assert!(header(&res, "ETag").is_some_and(|e| e.starts_with('"')));
    let body = res.into_string().unwrap();
    assert!(
        body.contains("/assets/") && !body.contains("{{assets}}"),
        "{body}"
    );
}

#[test]
fn every_page_path_of_the_app_gets_the_page() {
    let app = TestApp::new();
    for path in [
        "/sign-in",
        "/sign-up",
        "/confirm?token=abc",
        "/profile",
        "/notifications",
        "/courses",
        "/courses/12",
        "/exercises/3",
        "/forums",
        "/forums/f/2",
        "/forums/s/9",
        "/blog",
        "/blog/new",
        "/blog/4",
        "/teach",
        "/teach/courses/new",
        "/teach/exercises/5/submissions",
        "/teach/gradebook?group=2",
        "/teach/import",
    ] {
        let res = app.get(path).dispatch();
        assert_eq!(res.status(), Status::Ok, "{path}");
        assert_eq!(
            header(&res, "Content-Type"),
            Some("text/html; charset=utf-8"),
            "{path}"
        );
    }
}

#[test]
fn an_unknown_path_still_answers_the_json_404() {
    let app = TestApp::new();
    for path in [
        "/nope",
        "/courses.json",
        "/index.html",
        "/assets",
        "/blog/1/2/3",
    ] {
        let res = common::RequestExt::fetch(app.get(path));
        res.assert_error(404, 404, 1404);
    }
}

#[test]
fn the_api_the_admin_ui_and_the_seed_routes_keep_their_paths() {
    let app = TestApp::new();
    let res = common::RequestExt::fetch(app.get("/api/v1/courses"));
    res.assert_error(401, 401, 901);
    let res = app.get("/health").dispatch();
    assert_eq!(header(&res, "Content-Type"), Some("application/json"));
    let res = app.get("/admin/").dispatch();
    assert!(res.into_string().unwrap().contains("Préau admin"));
    let res = app.get("/admin/js/app.js").dispatch();
    assert_eq!(res.status(), Status::Ok);
    // The admin UI serves its own files only, not the member app's nor the vendored bundles.
    for path in [
        "/admin/app/index.html",
        "/admin/app/js/main.js",
        "/admin/vendor/README.md",
    ] {
        let res = common::RequestExt::fetch(app.get(path));
        res.assert_error(404, 404, 1404);
    }
    // Seed routes that only take POST still say so to a GET.
    for path in ["/register", "/forum/post/modify", "/blog/post/modify"] {
        let res = common::RequestExt::fetch(app.get(path));
        assert_eq!(res.status, 405, "{path}: {}", res.text);
        assert_eq!(res.header("allow"), Some("POST"), "{path}");
    }
}

#[test]
fn a_page_path_takes_only_get() {
    let app = TestApp::new();
    let res = common::RequestExt::fetch(app.post("/courses"));
    res.assert_error(405, 405, 1405);
    assert_eq!(res.header("allow"), Some("GET"));
}

#[test]
fn assets_are_versioned_and_cached_for_a_year() {
    let app = TestApp::new();
    let prefix = assets_prefix(&app);
    let res = app.get(format!("{prefix}/js/main.js")).dispatch();
    assert_eq!(res.status(), Status::Ok);
    assert_eq!(
        header(&res, "Cache-Control"),
        Some("public, max-age=31536000, immutable")
    );
    assert_eq!(header(&res, "Content-Type"), Some("text/javascript"));
    assert_eq!(header(&res, "Vary"), Some("Accept-Encoding"));
    // Another version (a page of an older binary) gets today's file, revalidated.
    let res = app.get("/assets/000000000000/js/main.js").dispatch();
    assert_eq!(res.status(), Status::Ok);
    assert_eq!(header(&res, "Cache-Control"), Some("no-cache"));
    // The vendored editor is served; its build folder is not.
    let res = app
        .get(format!("{prefix}/vendor/codemirror/dist/editor.js"))
        .dispatch();
    assert_eq!(res.status(), Status::Ok);
    let res = app
        .get(format!("{prefix}/vendor/codemirror/build/package.json"))
        .dispatch();
    assert_eq!(res.status(), Status::NotFound);
}

#[test]
fn a_matching_etag_gets_a_304_without_a_body() {
    let app = TestApp::new();
    let prefix = assets_prefix(&app);
    for path in [
        "/".to_owned(),
        format!("{prefix}/css/app.css"),
        "/courses/3".into(),
    ] {
        let first = app
            .get(path.clone())
            .header(Header::new("Accept-Encoding", "gzip"))
            .dispatch();
        let etag = header(&first, "ETag").unwrap().to_owned();
        let again = app
            .get(path.clone())
            .header(Header::new("Accept-Encoding", "gzip"))
            .header(Header::new("If-None-Match", etag.clone()))
            .dispatch();
        assert_eq!(again.status(), Status::NotModified, "{path}");
        assert_eq!(header(&again, "ETag"), Some(etag.as_str()), "{path}");
        assert!(again.into_bytes().unwrap_or_default().is_empty(), "{path}");
        let other = app
            .get(path.clone())
            .header(Header::new("If-None-Match", "\"something-else\""))
            .dispatch();
        assert_eq!(other.status(), Status::Ok, "{path}");
    }
}

#[test]
fn text_assets_are_gzipped_for_a_client_that_accepts_it() {
    let app = TestApp::new();
    let prefix = assets_prefix(&app);
    let path = format!("{prefix}/js/i18n.js");
    let plain = app.get(path.clone()).dispatch();
    assert_eq!(header(&plain, "Content-Encoding"), None);
    let plain_etag = header(&plain, "ETag").unwrap().to_owned();
    let plain = plain.into_bytes().unwrap();
    let res = app
        .get(path.clone())
        .header(Header::new("Accept-Encoding", "gzip, deflate"))
        .dispatch();
    assert_eq!(header(&res, "Content-Encoding"), Some("gzip"));
    assert_ne!(header(&res, "ETag"), Some(plain_etag.as_str()));
    let zipped = res.into_bytes().unwrap();
    assert!(
        zipped.len() < plain.len() / 2,
        "{} → {}",
        plain.len(),
        zipped.len()
    );
    let mut unzipped = Vec::new();
    flate2::read::GzDecoder::new(&zipped[..])
        .read_to_end(&mut unzipped)
        .unwrap();
    assert_eq!(unzipped, plain);
    // q=0 refuses a coding.
    let res = app
        .get(path)
        .header(Header::new("Accept-Encoding", "gzip;q=0"))
        .dispatch();
    assert_eq!(header(&res, "Content-Encoding"), None);
}

#[test]
fn text_assets_are_brotli_compressed_from_the_start() {
    // Compressed when the binary is built (build.rs): the first answer is already brotli.
    let app = TestApp::new();
    let prefix = assets_prefix(&app);
    let path = format!("{prefix}/js/i18n.js");
    let plain = app.get(path.clone()).dispatch().into_bytes().unwrap();
    let res = app
        .get(path.clone())
        .header(Header::new("Accept-Encoding", "gzip, br"))
        .dispatch();
    assert_eq!(header(&res, "Content-Encoding"), Some("br"));
    let etag = header(&res, "ETag").unwrap().to_owned();
    assert!(etag.ends_with("-br\""), "{etag}");
    let compressed = res.into_bytes().unwrap();
    assert!(compressed.len() < plain.len());
    let mut decoded = Vec::new();
    brotli::BrotliDecompress(&mut &compressed[..], &mut decoded).unwrap();
    assert_eq!(decoded, plain);
    // Its ETag revalidates that variant.
    let res = app
        .get(path)
        .header(Header::new("Accept-Encoding", "gzip, br"))
        .header(Header::new("If-None-Match", etag))
        .dispatch();
    assert_eq!(res.status(), Status::NotModified);
}

#[test]
fn images_and_other_binary_files_are_not_compressed() {
    let app = TestApp::new();
    let prefix = assets_prefix(&app);
    let res = app
        .get(format!("{prefix}/vendor/codemirror/LICENSE"))
        .header(Header::new("Accept-Encoding", "gzip, br"))
        .dispatch();
    assert_eq!(res.status(), Status::Ok);
    assert_eq!(header(&res, "Content-Encoding"), None);
}

/// The app's own sources insert user content as text: no HTML parsing anywhere but in
/// `rich.js`, which reads the server's sanitized Markdown (`*_html`) and scrubs it again; and
/// the page has no inline script or style for the CSP to refuse.
#[test]
fn the_app_sources_never_insert_html_except_the_sanitized_markdown() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("static/app");
    let mut files = vec![root.clone()];
    let mut checked = 0;
    while let Some(path) = files.pop() {
        if path.is_dir() {
            files.extend(std::fs::read_dir(&path).unwrap().map(|e| e.unwrap().path()));
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        let name = path.display();
        for banned in [
            ".innerHTML",
            ".outerHTML",
            "insertAdjacentHTML(",
            "document.write(",
            "eval(",
            "new Function(",
            "createContextualFragment",
        ] {
            assert!(!text.contains(banned), "{name} uses {banned}");
        }
        let parses = text.contains("DOMParser");
        assert!(
            !parses || path.ends_with("js/rich.js"),
            "{name} parses HTML; only rich.js may"
        );
        if path.extension().is_some_and(|e| e == "html") {
            let lower = text.to_lowercase();
            assert!(
                !lower.contains("<script>")
                    && !lower.contains("<style")
                    && !lower.contains(" style="),
                "{name} has an inline script or style"
            );
        }
        checked += 1;
    }
    assert!(checked >= 10, "only {checked} files checked");
}
