//! The one error type of Préau, at the bottom of the layers so that every module can answer
//! with it: a status, an application code, a message that names the field and the rule, the
//! fields a seed adds, and — for our own faults — the source, logged once when answered. Its
//! rendering as the JSON envelope is `http::error`'s.

use std::sync::Arc;

use rocket::http::Status;
use serde_json::{Map, Value};

/// Application codes, documented in the README. The seed 002 codes are kept as they are.
pub mod code {
    pub const NO_TOKEN: u32 = 901;
    pub const INVALID_TOKEN: u32 = 902;
    pub const REGISTER_INCOMPLETE: u32 = 1001;
    pub const USERNAME_TAKEN: u32 = 1002;
    pub const PASSWORD_NOT_SECURE: u32 = 1003;
    pub const EMAIL_TAKEN: u32 = 1004;
    pub const EMAIL_CHECKS_EXHAUSTED: u32 = 1005;
    pub const LOGIN_INCOMPLETE: u32 = 1101;
    pub const LOGIN_INCORRECT: u32 = 1102;
    pub const LOGIN_TOO_MANY: u32 = 1103;
    pub const EMAIL_NOT_CONFIRMED: u32 = 1104;
    pub const PASSWORD_INCOMPLETE: u32 = 1201;
    pub const NEW_PASSWORD_NOT_SECURE: u32 = 1202;
    pub const SAME_PASSWORD: u32 = 1203;
    pub const WRONG_OLD_PASSWORD: u32 = 1204;
    // Issue 16 (accounts a school can run).
    pub const REGISTRATION_CLOSED: u32 = 1006;
    pub const EMAIL_DOMAIN_NOT_ALLOWED: u32 = 1007;
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
    /// A write sent to a read-only replica (`read_only = true`): send it to the primary.
    pub const READ_ONLY: u32 = 1504;
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
    pub error: &'static str,
    pub message: String,
    /// Fields a seed adds to the envelope (`attempts`, `ban_duration`, …).
    pub extra: Map<String, Value>,
    /// Seconds, sent as `Retry-After` (a `u32` keeps the type small: no wait is that long).
    pub retry_after: Option<u32>,
    /// The methods the path accepts, sent as `Allow` with a 405.
    pub allow: Option<String>,
    /// What went wrong on our side, for a 5xx: logged once, with the request id, when the
    /// answer is sent (`http::error`); never shown to the client.
    pub source: Option<Arc<dyn std::error::Error + Send + Sync>>,
}

impl ApiError {
    pub fn new(status: u16, code: u32, error: &'static str, message: impl Into<String>) -> Self {
        ApiError {
            status,
            code,
            error,
            message: message.into(),
            extra: Map::new(),
            retry_after: None,
            allow: None,
            source: None,
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
        self.retry_after = Some(u32::try_from(seconds.max(1)).unwrap_or(u32::MAX));
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

    /// A write on a read-only replica (`read_only = true`), whatever the route and face.
    pub fn read_only() -> Self {
        ApiError::new(
            503,
            code::READ_ONLY,
            "Service Unavailable",
            "read-only replica: send writes to the primary.",
        )
    }

    /// A fault of ours. The detail goes to the log when the answer is sent, never to the
    /// client.
    pub fn internal(detail: impl std::fmt::Display) -> Self {
        ApiError::from_source(Detail(detail.to_string()))
    }

    /// A fault of ours, keeping the error that caused it.
    pub fn from_source(source: impl std::error::Error + Send + Sync + 'static) -> Self {
        let mut e = ApiError::new(
            500,
            code::INTERNAL,
            "Internal Server Error",
            "Something went wrong on the server; it has been logged.",
        );
        e.source = Some(Arc::new(source));
        e
    }

    /// The HTTP status actually sent: the ban status 700 travels as 429.
    pub fn http_status(&self) -> Status {
        match self.status {
            700 => Status::TooManyRequests,
            s => Status::from_code(s).unwrap_or(Status::InternalServerError),
        }
    }
}

impl From<rusqlite::Error> for ApiError {
    fn from(e: rusqlite::Error) -> Self {
        // A write that reached a read-only connection without going through `Db::write` (a
        // replica opens its file read-only): the replica's answer, not a 500.
        if e.sqlite_error_code() == Some(rusqlite::ErrorCode::ReadOnly) {
            return ApiError::read_only();
        }
        ApiError::from_source(e)
    }
}

/// A fault described in words.
#[derive(Debug)]
struct Detail(String);

impl std::fmt::Display for Detail {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Detail {}

/// A constraint of the schema that a write broke, recognised by SQLite's extended result
/// code (not by the message's wording); the message only says which columns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Violation {
    /// A unique index or primary key; the columns it covers, without their table.
    Unique(Vec<String>),
    ForeignKey,
    Check,
    /// The column that may not be null.
    NotNull(String),
}

/// The columns named after the colon of a constraint message (`…: accounts.username, …`).
fn columns_of(message: &str) -> Vec<String> {
    message
        .rsplit_once(": ")
        .map(|(_, cols)| cols)
        .unwrap_or_default()
        .split(',')
        .map(|c| c.trim().rsplit('.').next().unwrap_or_default().to_owned())
        .filter(|c| !c.is_empty())
        .collect()
}

impl Violation {
    /// The violation `e` reports, if it is one.
    pub fn of(e: &rusqlite::Error) -> Option<Violation> {
        use rusqlite::ffi;
        let rusqlite::Error::SqliteFailure(failure, message) = e else {
            return None;
        };
        let message = message.as_deref().unwrap_or_default();
        match failure.extended_code {
            ffi::SQLITE_CONSTRAINT_UNIQUE | ffi::SQLITE_CONSTRAINT_PRIMARYKEY => {
                Some(Violation::Unique(columns_of(message)))
            }
            // `ON DELETE RESTRICT` is enforced like a trigger: SQLite answers
            // SQLITE_CONSTRAINT_TRIGGER for it (and the schema raises from no trigger of its own).
            ffi::SQLITE_CONSTRAINT_FOREIGNKEY | ffi::SQLITE_CONSTRAINT_TRIGGER => {
                Some(Violation::ForeignKey)
            }
            ffi::SQLITE_CONSTRAINT_CHECK => Some(Violation::Check),
            ffi::SQLITE_CONSTRAINT_NOTNULL => Some(Violation::NotNull(
                columns_of(message).into_iter().next().unwrap_or_default(),
            )),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Violation;

    #[test]
    fn violations_are_told_apart_by_their_extended_code() {
        let c = rusqlite::Connection::open_in_memory().expect("memory db");
        c.execute_batch(
            "PRAGMA foreign_keys = ON;
             CREATE TABLE p (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, n INTEGER CHECK (n > 0));
             CREATE TABLE c (id INTEGER PRIMARY KEY, p INTEGER REFERENCES p (id) ON DELETE RESTRICT);
             INSERT INTO p VALUES (1, 'a', 1); INSERT INTO c VALUES (1, 1);",
        )
        .expect("schema");
        let err = |sql: &str| Violation::of(&c.execute(sql, []).expect_err(sql));
        assert_eq!(
            err("INSERT INTO p VALUES (2, 'a', 1)"),
            Some(Violation::Unique(vec!["name".into()]))
        );
        assert_eq!(
            err("INSERT INTO p VALUES (2, NULL, 1)"),
            Some(Violation::NotNull("name".into()))
        );
        assert_eq!(
            err("INSERT INTO p VALUES (2, 'b', 0)"),
            Some(Violation::Check)
        );
        assert_eq!(
            err("DELETE FROM p WHERE id = 1"),
            Some(Violation::ForeignKey)
        );
        assert_eq!(
            err("INSERT INTO c VALUES (2, 9)"),
            Some(Violation::ForeignKey)
        );
        assert_eq!(err("SELECT * FROM nowhere"), None);
    }
}
