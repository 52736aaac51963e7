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

/// Whether the request went through the fairings. Rocket skips them, and hands a stand-in
/// `GET` request straight to the 400 catcher, when it cannot parse the request line: an
/// unknown method (`QUERY`, `PROPFIND`) or a request target without a path.
pub fn was_dispatched(req: &Request<'_>) -> bool {
    req.local_cache(|| RequestId(0)).0 != 0
}

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
        // Answers carry tokens and private rows: nothing is kept by a browser or a proxy
        // unless the route said otherwise (static assets, images).
        if !res.headers().contains("Cache-Control") {
            res.set_header(Header::new("Cache-Control", "no-store"));
        }
        if !self.enabled {
            return;
        }
        let elapsed = req.local_cache(|| Started(Instant::now())).0.elapsed();
        log_info(&request_line(
            id,
            req.method().as_str(),
            req.uri().path().as_str(),
            req.uri().query().map(|q| q.as_str()),
            res.status().code,
            elapsed.as_secs_f64() * 1000.0,
        ));
    }
}

/// The log line of one request: the path without its secrets, the query with secret values
/// masked. Never the body.
pub fn request_line(
    id: u64,
    method: &str,
    raw_path: &str,
    raw_query: Option<&str>,
    status: u16,
    millis: f64,
) -> String {
    format!(
        "req={id:08x} {method} {}{} {status} {millis:.1}ms",
        public_path(raw_path),
        masked_query(raw_query)
    )
}

fn masked_query(raw_query: Option<&str>) -> String {
    let Some(query) = raw_query.filter(|q| !q.is_empty()) else {
        return String::new();
    };
    let parts: Vec<String> = form_urlencoded::parse(query.as_bytes())
        .map(|(k, v)| {
            if is_secret_param(&k) {
                format!("{k}=***")
            } else {
                format!("{k}={v}")
            }
        })
        .collect();
    format!("?{}", parts.join("&"))
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "Blue-Kettle-42";

    fn logged(path: &str, query: Option<&str>) -> String {
        request_line(1, "POST", path, query, 200, 1.0)
    }

    #[test]
    fn a_line_has_the_id_method_path_status_and_duration() {
        assert_eq!(
            logged("/api/v1/accounts", Some("limit=2")),
            "req=00000001 POST /api/v1/accounts?limit=2 200 1.0ms"
        );
    }

    #[test]
    fn the_login_path_never_shows_the_password() {
        for path in [
            format!("/login/alice/{SECRET}"),
            format!("//login/alice/{SECRET}"),
            format!("/%6Cogin/alice/{SECRET}"),
        ] {
            let line = logged(&path, None);
            assert!(!line.contains(SECRET) && !line.contains("alice"), "{line}");
            assert!(line.contains(" /login "), "{line}");
        }
    }

    #[test]
    fn secret_query_values_are_masked_however_they_are_encoded() {
        for query in [
            format!("email=a%40b.fr&pass={SECRET}"),
            format!("password={SECRET}"),
            format!("p%61ss={SECRET}"),
            format!("token={SECRET}&id=4"),
            format!("refresh={SECRET}"),
            format!("data=%7B%22password%22%3A%22{SECRET}%22%7D"),
            format!("oldPassword={SECRET}&newPassword={SECRET}"),
        ] {
            let line = logged("/login", Some(&query));
            assert!(!line.contains(SECRET), "{line}");
            assert!(line.contains("=***"), "{line}");
        }
        assert!(
            logged("/getuser", Some("token=x&id=4")).ends_with("/getuser?token=***&id=4 200 1.0ms")
        );
    }
}
