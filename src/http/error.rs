//! The one error type and its JSON envelope:
//! `{"timestamp", "status", "code", "error", "message", "path"}` plus the fields a seed asks
//! for. Every refusal of every route, and every Rocket catcher, answers with it.

use std::io::Cursor;
use std::sync::Mutex;

use rocket::http::{ContentType, Header, Method, Status};
use rocket::request::Request;
use rocket::response::{self, Responder, Response};
use serde_json::{Value, json};

use crate::db::now_ms;
use crate::http::logging::{RequestId, log_error, was_dispatched};
use crate::http::paths::{Face, face_of, public_path};

pub use crate::error::{ApiError, ErrorBody, Violation, code};

impl ApiError {
    /// The envelope for a request to `path` (the raw path: secrets are stripped here).
    pub fn body(&self, path: &str) -> Value {
        let face = face_of(path);
        let path = public_path(path);
        let mut body = json!({
            "timestamp": now_ms(),
            "status": self.status,
            "code": self.code,
            "error": self.error,
            "message": self.message,
            "path": path,
        });
        if let Value::Object(map) = &mut body {
            for (k, v) in &self.extra {
                map.insert(k.clone(), v.clone());
            }
            if face == Face::UserApi {
                map.insert("success".into(), Value::Bool(false));
            }
        }
        body
    }
}

impl<'r> Responder<'r, 'static> for ApiError {
    fn respond_to(self, req: &'r Request<'_>) -> response::Result<'static> {
        // Our own faults are logged here, once, with the request they answer.
        if let Some(source) = &self.source {
            log_error(&format!(
                "req={:08x} {} {}: {source}",
                req.local_cache(|| RequestId(0)).0,
                req.method(),
                public_path(req.uri().path().as_str())
            ));
        }
        let body = self.body(req.uri().path().as_str()).to_string();
        let mut res = Response::build();
        res.status(self.http_status())
            .header(ContentType::JSON)
            .sized_body(body.len(), Cursor::new(body));
        if let Some(seconds) = self.retry_after {
            res.header(Header::new("Retry-After", seconds.to_string()));
        }
        if let Some(allow) = self.allow {
            res.header(Header::new("Allow", allow));
        }
        if self.status == 401 {
            res.header(Header::new("WWW-Authenticate", "Bearer"));
        }
        res.ok()
    }
}

/// A guard that refuses a request leaves its error here for the catcher to send.
struct Stashed(Mutex<Option<ApiError>>);

pub fn stash(req: &Request<'_>, error: ApiError) {
    let slot = req.local_cache(|| Stashed(Mutex::new(None)));
    if let Ok(mut slot) = slot.0.lock() {
        slot.get_or_insert(error);
    }
}

/// The error a guard left, or `fallback` when none did.
pub fn stashed_or(req: &Request<'_>, fallback: ApiError) -> ApiError {
    stashed(req).unwrap_or(fallback)
}

fn stashed(req: &Request<'_>) -> Option<ApiError> {
    req.local_cache(|| Stashed(Mutex::new(None)))
        .0
        .lock()
        .ok()?
        .clone()
}

/// Whether the route pattern `pattern` (`/api/v1/courses/<id>`, `/admin/<path..>`) matches the
/// segments of a request path.
fn pattern_matches(pattern: &str, segments: &[String]) -> bool {
    let mut parts = pattern.split('/').filter(|s| !s.is_empty());
    let mut segments = segments.iter();
    loop {
        match (parts.next(), segments.next()) {
            (None, None) => return true,
            (Some(p), _) if p.starts_with('<') && p.ends_with("..>") => return true,
            (Some(p), Some(_)) if p.starts_with('<') => {}
            (Some(p), Some(s)) if p == s => {}
            _ => return false,
        }
    }
}

/// The routes, of every method, whose path pattern matches the request's path.
pub fn routes_on_path<'r>(req: &'r Request<'_>) -> impl Iterator<Item = &'r rocket::Route> {
    let segments: Vec<String> = req.uri().path().segments().map(str::to_owned).collect();
    req.rocket()
        .routes()
        .filter(move |r| pattern_matches(r.uri.path(), &segments))
}

/// When Rocket found no route for a request, the methods that other routes accept on the same
/// path (`GET, POST`): the answer is then 405 with `Allow`, not 404. `None` when a route of the
/// request's own method (`own`; `None` when Rocket could not read it) matches the path (it
/// refused the request, so 404 stands) or when no route at all does.
fn allowed_methods(req: &Request<'_>, own: Option<Method>) -> Option<String> {
    let mut methods: Vec<Method> = Vec::new();
    // The CORS preflight answers `OPTIONS` on every path: it says nothing of the resource.
    for route in routes_on_path(req).filter(|r| r.method != Method::Options) {
        if own.is_some_and(|m| {
            route.method == m || (m == Method::Head && route.method == Method::Get)
        }) {
            return None;
        }
        methods.push(route.method);
    }
    allow_list(methods)
}

/// The methods as an `Allow` value (`GET, POST`): sorted, once each; `None` when empty.
fn allow_list(mut methods: Vec<Method>) -> Option<String> {
    methods.sort_by_key(|m| m.as_str());
    methods.dedup();
    if methods.is_empty() {
        return None;
    }
    Some(
        methods
            .iter()
            .map(|m| m.as_str())
            .collect::<Vec<_>>()
            .join(", "),
    )
}

/// 405 for a method the path does not take, naming those it does.
fn not_allowed(allow: String, method: Method) -> ApiError {
    ApiError::new(
        405,
        code::METHOD_NOT_ALLOWED,
        "Method Not Allowed",
        format!("This path accepts {allow}, not {method}."),
    )
    .allow(allow)
}

/// For a request that reached a route through a dynamic segment (`PATCH /api/v1/avatars/upload`
/// on `/api/v1/avatars/<id>`) while routes of other methods name that exact path
/// (`POST /api/v1/avatars/upload`): 405 with their methods in `Allow`, not a bad-id 400.
pub fn static_path_elsewhere(req: &Request<'_>) -> Option<ApiError> {
    let path = req.uri().path();
    let methods = req
        .rocket()
        .routes()
        .filter(|r| r.method != Method::Options && r.method != req.method())
        .filter(|r| !r.uri.path().contains('<') && r.uri.path() == path.as_str())
        .map(|r| r.method)
        .collect();
    allow_list(methods).map(|allow| not_allowed(allow, req.method()))
}

/// Every status Rocket may produce on its own, as the envelope.
#[rocket::catch(default)]
pub fn default_catcher(status: Status, req: &Request<'_>) -> ApiError {
    if let Some(error) = stashed(req) {
        return error;
    }
    match status.code {
        // A method Rocket does not know, on a path that has routes.
        400 if !was_dispatched(req) && req.uri().path() != "/" => {
            match allowed_methods(req, None) {
                Some(allow) => ApiError::new(
                    405,
                    code::METHOD_NOT_ALLOWED,
                    "Method Not Allowed",
                    format!("This path accepts {allow}, and this server knows no other method."),
                )
                .allow(allow),
                None => ApiError::bad_request("This server knows no such method."),
            }
        }
        400 => ApiError::bad_request(
            "The request could not be understood: check its syntax and encoding.",
        ),
        401 => ApiError::no_token(),
        403 => ApiError::forbidden("You may not do this."),
        404 => match allowed_methods(req, Some(req.method())) {
            Some(allow) => not_allowed(allow, req.method()),
            None => ApiError::new(
                404,
                code::NOT_FOUND,
                "Not Found",
                "No route matches this method and path.",
            ),
        },
        405 => ApiError::new(
            405,
            code::METHOD_NOT_ALLOWED,
            "Method Not Allowed",
            "This path does not accept this method.",
        ),
        413 => ApiError::too_large("the configured size"),
        415 => ApiError::new(
            415,
            code::UNSUPPORTED,
            "Unsupported Media Type",
            "Send the body as application/json.",
        ),
        422 => ApiError::bad_request("The body or a parameter has the wrong type or shape."),
        500..=599 => ApiError::internal(format!(
            "unhandled {status} for {}",
            public_path(req.uri().path().as_str())
        )),
        _ => ApiError::new(
            status.code,
            status.code.into(),
            status.reason_lossy(),
            "The request was refused.",
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::pattern_matches;

    fn segs(path: &str) -> Vec<String> {
        path.split('/')
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect()
    }

    #[test]
    fn route_patterns_match_paths_segment_by_segment() {
        assert!(pattern_matches("/api/v1/courses", &segs("/api/v1/courses")));
        assert!(pattern_matches(
            "/api/v1/courses/<id>",
            &segs("/api/v1/courses/7")
        ));
        assert!(pattern_matches(
            "/admin/<path..>",
            &segs("/admin/js/app.js")
        ));
        assert!(pattern_matches("/admin/<path..>", &segs("/admin")));
        assert!(!pattern_matches(
            "/api/v1/courses/<id>",
            &segs("/api/v1/courses")
        ));
        assert!(!pattern_matches(
            "/api/v1/courses",
            &segs("/api/v1/courses/7")
        ));
        assert!(!pattern_matches("/api/v1/courses", &segs("/api/v1/groups")));
    }
}
