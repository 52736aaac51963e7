//! The one error type and its JSON envelope:
//! `{"timestamp", "status", "code", "error", "message", "path"}` plus the fields a seed asks
//! for. Every refusal of every route, and every Rocket catcher, answers with it.

use std::borrow::Cow;
use std::io::Cursor;
use std::sync::Mutex;

use rocket::http::{ContentType, Header, Method, Status};
use rocket::request::Request;
use rocket::response::{self, Responder, Response};
use serde_json::{Map, Value, json};

use crate::db::now_ms;
use crate::http::logging::was_dispatched;
use crate::http::paths::{Face, face_of, public_path};

/// Application codes, documented in the README. The seed 002 codes are kept as they are.
pub mod code {
    pub const NO_TOKEN: u32 = 901;
    pub const INVALID_TOKEN: u32 = 902;
    pub const REGISTER_INCOMPLETE: u32 = 1001;
    pub const USERNAME_TAKEN: u32 = 1002;
    pub const PASSWORD_NOT_SECURE: u32 = 1003;
    pub const EMAIL_TAKEN: u32 = 1004;
    pub const LOGIN_INCOMPLETE: u32 = 1101;
    pub const LOGIN_INCORRECT: u32 = 1102;
    pub const LOGIN_TOO_MANY: u32 = 1103;
    pub const EMAIL_NOT_CONFIRMED: u32 = 1104;
    pub const PASSWORD_INCOMPLETE: u32 = 1201;
    pub const NEW_PASSWORD_NOT_SECURE: u32 = 1202;
    pub const SAME_PASSWORD: u32 = 1203;
    pub const WRONG_OLD_PASSWORD: u32 = 1204;
    // Issue 16 (accounts a school can run).
    pub const REGISTRATION_CLOSED: u32 = 1005;
    pub const EMAIL_DOMAIN_NOT_ALLOWED: u32 = 1006;
    pub const LINK_INVALID: u32 = 1205;
    pub const LINK_USED: u32 = 1206;
    pub const LINK_EXPIRED: u32 = 1207;
    pub const RESET_TOO_MANY: u32 = 1208;
    pub const BANNED: u32 = 700;
    pub const BAD_REQUEST: u32 = 1400;
    pub const FORBIDDEN: u32 = 1403;
    pub const NOT_FOUND: u32 = 1404;
    pub const METHOD_NOT_ALLOWED: u32 = 1405;
    pub const CONFLICT: u32 = 1409;
    pub const TOO_LARGE: u32 = 1413;
    pub const UNSUPPORTED: u32 = 1415;
    pub const BUSY: u32 = 1503;
    pub const INTERNAL: u32 = 500;
}

/// The error envelope, as documented in the OpenAPI document.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    /// Unix milliseconds.
    pub timestamp: i64,
    /// The HTTP status, or 700 for a login ban (sent as HTTP 429).
    pub status: u16,
    /// The application code (see the README).
    pub code: u32,
    pub error: String,
    pub message: String,
    /// The request path, without any secret it carried.
    pub path: String,
}

#[derive(Debug, Clone)]
pub struct ApiError {
    /// The envelope's `status`: the HTTP status, or 700 for a ban (sent as HTTP 429).
    pub status: u16,
    pub code: u32,
    pub error: Cow<'static, str>,
    pub message: String,
    /// Fields a seed adds to the envelope (`attempts`, `ban_duration`, …).
    pub extra: Map<String, Value>,
    pub retry_after: Option<i64>,
    /// The methods the path accepts, sent as `Allow` with a 405.
    pub allow: Option<String>,
}

impl ApiError {
    pub fn new(
        status: u16,
        code: u32,
        error: impl Into<Cow<'static, str>>,
        message: impl Into<String>,
    ) -> Self {
        ApiError {
            status,
            code,
            error: error.into(),
            message: message.into(),
            extra: Map::new(),
            retry_after: None,
            allow: None,
        }
    }

    pub fn with(mut self, key: &str, value: impl Into<Value>) -> Self {
        self.extra.insert(key.to_owned(), value.into());
        self
    }

    pub fn allow(mut self, methods: impl Into<String>) -> Self {
        self.allow = Some(methods.into());
        self
    }

    pub fn retry_after(mut self, seconds: i64) -> Self {
        self.retry_after = Some(seconds.max(1));
        self
    }

    /// Bad input: names the field and the rule it broke.
    pub fn invalid(field: &str, rule: impl std::fmt::Display) -> Self {
        ApiError::new(
            400,
            code::BAD_REQUEST,
            "Bad Request",
            format!("Validation failed for `{field}`: {rule}"),
        )
        .with("field", field)
    }

    pub fn missing(field: &str) -> Self {
        ApiError::invalid(field, "this field is required")
    }

    pub fn bad_request(message: impl Into<String>) -> Self {
        ApiError::new(400, code::BAD_REQUEST, "Bad Request", message)
    }

    pub fn no_token() -> Self {
        ApiError::new(
            401,
            code::NO_TOKEN,
            "No Token Detected",
            "This route needs a user token: send `Authorization: Bearer <token>`.",
        )
    }

    pub fn invalid_token() -> Self {
        ApiError::new(
            401,
            code::INVALID_TOKEN,
            "Invalid User Token",
            "The token is invalid, expired or revoked: log in again or refresh the session.",
        )
    }

    pub fn forbidden(message: impl Into<String>) -> Self {
        ApiError::new(403, code::FORBIDDEN, "Forbidden", message)
    }

    pub fn not_found(what: &str) -> Self {
        ApiError::new(
            404,
            code::NOT_FOUND,
            "Not Found",
            format!("{what} does not exist."),
        )
    }

    pub fn conflict(code: u32, error: &'static str, message: impl Into<String>) -> Self {
        ApiError::new(409, code, error, message)
    }

    pub fn too_large(limit: impl std::fmt::Display) -> Self {
        ApiError::new(
            413,
            code::TOO_LARGE,
            "Payload Too Large",
            format!("The body is larger than the limit of {limit}."),
        )
    }

    pub fn busy() -> Self {
        ApiError::new(
            503,
            code::BUSY,
            "Service Unavailable",
            "The server is busy checking passwords: try again in a moment.",
        )
        .retry_after(1)
    }

    /// A fault of ours. The detail goes to the log, never to the client.
    pub fn internal(detail: impl std::fmt::Display) -> Self {
        crate::http::logging::log_error(&detail.to_string());
        ApiError::new(
            500,
            code::INTERNAL,
            "Internal Server Error",
            "Something went wrong on the server; it has been logged.",
        )
    }

    /// The HTTP status actually sent: the ban status 700 travels as 429.
    pub fn http_status(&self) -> Status {
        match self.status {
            700 => Status::TooManyRequests,
            s => Status::from_code(s).unwrap_or(Status::InternalServerError),
        }
    }

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

impl From<rusqlite::Error> for ApiError {
    fn from(e: rusqlite::Error) -> Self {
        ApiError::internal(format!("sqlite: {e}"))
    }
}

impl From<r2d2::Error> for ApiError {
    fn from(e: r2d2::Error) -> Self {
        ApiError::internal(format!("pool: {e}"))
    }
}

impl<'r> Responder<'r, 'static> for ApiError {
    fn respond_to(self, req: &'r Request<'_>) -> response::Result<'static> {
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

/// When Rocket found no route for a request, the methods that other routes accept on the same
/// path (`GET, POST`): the answer is then 405 with `Allow`, not 404. `None` when a route of the
/// request's own method (`own`; `None` when Rocket could not read it) matches the path (it
/// refused the request, so 404 stands) or when no route at all does.
fn allowed_methods(req: &Request<'_>, own: Option<Method>) -> Option<String> {
    let segments: Vec<String> = req.uri().path().segments().map(str::to_owned).collect();
    let mut methods: Vec<Method> = Vec::new();
    // The CORS preflight answers `OPTIONS` on every path: it says nothing of the resource.
    for route in req
        .rocket()
        .routes()
        .filter(|r| r.method != Method::Options)
    {
        if pattern_matches(route.uri.path(), &segments) {
            if own.is_some_and(|m| {
                route.method == m || (m == Method::Head && route.method == Method::Get)
            }) {
                return None;
            }
            methods.push(route.method);
        }
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
            status.reason_lossy().to_string(),
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
