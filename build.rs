//! Prepares the embedded files at build time, so that a server does no work on them at start.
//!
//! - The admin UI and the member app are embedded with `include_dir!`/`include_bytes!`, which do
//!   not tell cargo to watch the folder: rebuild when a file of `static/` changes.
//! - The member app's files (`static/app`, and the libraries of `static/vendor` without their
//!   `build/` folders) are hashed and compressed here, gzip -9 and brotli 11, and described in
//!   `$OUT_DIR/webapp_assets.rs`, which `src/webapp.rs` includes: every variant is a static byte
//!   string of the binary, mapped from the file and shared with the page cache, never copied to
//!   the heap. `index.html`'s `{{assets}}` becomes `/assets/<version>` here too.

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

/// Text files worth compressing, by extension (fonts and images are compressed already).
const TEXT: &[&str] = &[
    "html",
    "css",
    "js",
    "mjs",
    "json",
    "map",
    "svg",
    "xml",
    "txt",
    "md",
    "webmanifest",
];

/// Smaller files are not compressed: the headers outweigh what is saved.
const MIN_COMPRESSED: usize = 256;

/// The placeholder of `index.html` that becomes `/assets/<version>`.
const ASSETS_PLACEHOLDER: &str = "{{assets}}";

fn main() {
    println!("cargo:rerun-if-changed=static");
    println!("cargo:rerun-if-changed=build.rs");
    let root = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").expect("CARGO_MANIFEST_DIR"));
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("OUT_DIR"));
    let dir = out.join("webapp");
    std::fs::create_dir_all(&dir).expect("create $OUT_DIR/webapp");

    let mut sources = Vec::new();
    walk(
        &root.join("static/app"),
        &root.join("static/app"),
        "",
        &mut sources,
    );
    walk(
        &root.join("static/vendor"),
        &root.join("static/vendor"),
        "vendor/",
        &mut sources,
    );
    // The build scripts of the vendored bundles are not served.
    sources.retain(|(path, _)| !path.contains("/build/"));
    sources.sort();

    // The version names every file at once: a change to any of them changes every URL.
    let mut hasher = Sha256::new();
    for (path, file) in &sources {
        let body = std::fs::read(file).expect("read a static file");
        hasher.update(path.as_bytes());
        hasher.update([0]);
        hasher.update((body.len() as u64).to_le_bytes());
        hasher.update(&body);
    }
    let version = hex(&hasher.finalize()[..6]);

    let mut code = String::new();
    writeln!(code, "pub const VERSION: &str = {version:?};").expect("write to a String");
    let mut files = String::new();
    let mut index = None;
    for (n, (path, file)) in sources.iter().enumerate() {
        let mut body = std::fs::read(file).expect("read a static file");
        let source = if path == "index.html" {
            body = String::from_utf8_lossy(&body)
                .replace(ASSETS_PLACEHOLDER, &format!("/assets/{version}"))
                .into_bytes();
            let written = dir.join("index.html");
            std::fs::write(&written, &body).expect("write index.html");
            written
        } else {
            file.clone()
        };
        let entry = describe(&dir, n, path, &source, &body);
        if path == "index.html" {
            index = Some(entry);
        } else {
            writeln!(files, "    {entry},").expect("write to a String");
        }
    }
    let index = index.expect("static/app/index.html");
    writeln!(code, "pub static INDEX: Embedded = {index};").expect("write to a String");
    writeln!(
        code,
        "/// Sorted by path (binary search).\npub static FILES: &[Embedded] = &[\n{files}];"
    )
    .expect("write to a String");
    std::fs::write(out.join("webapp_assets.rs"), code).expect("write webapp_assets.rs");
}

/// The `Embedded { … }` of one file: its path, its hash and its variants.
fn describe(dir: &Path, n: usize, path: &str, source: &Path, body: &[u8]) -> String {
    let hash = hex(&Sha256::digest(body)[..10]);
    let ext = path.rsplit_once('.').map(|(_, e)| e).unwrap_or("");
    let text = TEXT.contains(&ext.to_ascii_lowercase().as_str());
    let variant = |suffix: &str, compressed: Option<Vec<u8>>| -> String {
        match compressed.filter(|c| c.len() < body.len()) {
            Some(c) => {
                let file = dir.join(format!("{n}.{suffix}"));
                std::fs::write(&file, c).expect("write a compressed variant");
                format!("Some(include_bytes!({:?}))", file.display().to_string())
            }
            None => "None".to_owned(),
        }
    };
    let compress = text && body.len() > MIN_COMPRESSED;
    let gzip = variant("gz", compress.then(|| gzip(body)));
    let brotli = variant("br", compress.then(|| brotli(body)));
    format!(
        "Embedded {{ path: {path:?}, hash: {hash:?}, identity: include_bytes!({:?}), gzip: {gzip}, brotli: {brotli} }}",
        source.display().to_string()
    )
}

fn walk(root: &Path, dir: &Path, prefix: &str, out: &mut Vec<(String, PathBuf)>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .expect("read a static folder")
        .map(|e| e.expect("a static folder's entry").path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            walk(root, &path, prefix, out);
        } else {
            let relative = path.strip_prefix(root).expect("under the root");
            let name = relative.to_string_lossy().replace('\\', "/");
            out.push((format!("{prefix}{name}"), path));
        }
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn gzip(body: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    encoder.write_all(body).expect("gzip into memory");
    encoder.finish().expect("gzip into memory")
}

fn brotli(body: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let params = brotli::enc::BrotliEncoderParams {
        quality: 11,
        lgwin: (usize::BITS - body.len().max(1).leading_zeros()).clamp(10, 24) as i32,
        size_hint: body.len(),
        ..Default::default()
    };
    brotli::BrotliCompress(&mut &body[..], &mut out, &params).expect("brotli into memory");
    out
}
