//! One line per request on standard error: time, request id, method, path (secrets removed),
//! query (secret values masked), status and duration. Rocket's own request log is switched
//! off because it prints raw paths, and `/login/<username>/<password>` is a path.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use rocket::fairing::{Fairing, Info, Kind};
use rocket::http::Header;
use rocket::{Data, Request, Response};

use crate::http::paths::{is_secret_param, public_path};

static NEXT_ID: AtomicU64 = AtomicU64::new(1);

fn line(level: &str, text: &str) {
    eprintln!(
        "{} {level} {text}",
        chrono::Utc::now().format("%Y-%m-%dT%H:%M:%S%.3fZ")
    );
}

pub fn log_info(text: &str) {
    line("INFO", text);
}

pub fn log_warn(text: &str) {
    line("WARN", text);
}

/// Errors are always written, even when request lines are off.
pub fn log_error(text: &str) {
    line("ERROR", text);
}

/// The request's id, also sent back as `X-Request-Id`.
#[derive(Clone, Copy)]
pub struct RequestId(pub u64);

struct Started(Instant);

/// `enabled: false` keeps the request ids but writes no lines (tests, `log_requests = false`).
pub struct RequestLog {
    pub enabled: bool,
}

#[rocket::async_trait]
impl Fairing for RequestLog {
    fn info(&self) -> Info {
        Info {
            name: "request log",
            kind: Kind::Request | Kind::Response,
        }
    }

    async fn on_request(&self, req: &mut Request<'_>, _: &mut Data<'_>) {
        req.local_cache(|| RequestId(NEXT_ID.fetch_add(1, Ordering::Relaxed)));
        req.local_cache(|| Started(Instant::now()));
    }

    async fn on_response<'r>(&self, req: &'r Request<'_>, res: &mut Response<'r>) {
        let id = req.local_cache(|| RequestId(0)).0;
        res.set_header(Header::new("X-Request-Id", format!("{id:08x}")));
        if !self.enabled {
            return;
        }
        let elapsed = req.local_cache(|| Started(Instant::now())).0.elapsed();
        log_info(&format!(
            "req={id:08x} {} {}{} {} {:.1}ms",
            req.method(),
            public_path(req.uri().path().as_str()),
            masked_query(req),
            res.status().code,
            elapsed.as_secs_f64() * 1000.0
        ));
    }
}

fn masked_query(req: &Request<'_>) -> String {
    let Some(query) = req.uri().query() else {
        return String::new();
    };
    let parts: Vec<String> = query
        .segments()
        .map(|(k, v)| {
            if is_secret_param(k) {
                format!("{k}=***")
            } else {
                format!("{k}={v}")
            }
        })
        .collect();
    format!("?{}", parts.join("&"))
}
