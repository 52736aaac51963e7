//! Request bodies and parameters, read with errors that name the field and the rule.
//!
//! `JsonBody<T>` reads a JSON body (any content type; an empty body is `{}`), refusing
//! bodies over the `json` limit with 413. `Params` is for the seed routes that take their
//! input from the query string, a form body or a JSON body alike (seed 003 also wraps its
//! fields in a `data` parameter holding a JSON string).

use rocket::data::{self, Data, FromData, ToByteUnit};
use rocket::http::ContentType;
use rocket::outcome::Outcome;
use rocket::request::Request;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use crate::http::error::{ApiError, stash};

const DEFAULT_LIMIT_BYTES: u64 = 1024 * 1024;

pub struct JsonBody<T>(pub T);

/// For PATCH bodies: an absent field is `None`, `null` is `Some(None)`.
pub fn double_option<'de, D, T>(d: D) -> Result<Option<Option<T>>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: serde::Deserialize<'de>,
{
    serde::Deserialize::deserialize(d).map(Some)
}

async fn read_body(req: &Request<'_>, data: Data<'_>) -> Result<Vec<u8>, ApiError> {
    let limit = req
        .limits()
        .get("json")
        .unwrap_or(DEFAULT_LIMIT_BYTES.bytes());
    let body = data
        .open(limit)
        .into_bytes()
        .await
        .map_err(|e| ApiError::bad_request(format!("The body could not be read: {e}")))?;
    if !body.is_complete() {
        return Err(ApiError::too_large(limit));
    }
    Ok(body.into_inner())
}

/// Parses `bytes` as JSON into `T`, naming the offending field on failure.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let bytes = if bytes.iter().all(u8::is_ascii_whitespace) {
        b"{}".as_slice()
    } else {
        bytes
    };
    // serde fills a struct from an array too (`[null, null]` as a body of two fields): every
    // body of this API is an object, so an array is refused before it gets that far.
    if bytes.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'[') {
        return Err(ApiError::bad_request(
            "The body must be a JSON object, not an array.",
        ));
    }
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let value = serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        if !inner.is_data() {
            return ApiError::bad_request(format!("The body is not valid JSON ({inner})."));
        }
        let text = inner.to_string();
        let rule = text.split(" at line ").next().unwrap_or(&text).to_owned();
        if let Some(field) = rule
            .strip_prefix("missing field `")
            .and_then(|r| r.strip_suffix('`'))
        {
            let field = if path == "." {
                field.to_owned()
            } else {
                format!("{path}.{field}")
            };
            return ApiError::missing(&field);
        }
        if path == "." {
            return ApiError::bad_request(format!("The body must be a JSON object ({rule})."));
        }
        ApiError::invalid(&path, rule)
    })?;
    de.end()
        .map_err(|e| ApiError::bad_request(format!("The body is not valid JSON ({e}).")))?;
    Ok(value)
}

/// An integer query parameter as routes take it (`limit: QueryInt<'_>`): Rocket reads an
/// `Option<i64>` that does not parse as absent, which would turn `limit=abc` into "no limit".
pub type QueryInt<'v> = rocket::form::Result<'v, i64>;

/// The value of a [`QueryInt`]: `None` when absent, 400 naming `field` when it is not an
/// integer. An empty value (`?limit=`) is not an integer either: the document says integer,
/// and the generic lists read it the same way.
pub fn query_int(field: &str, value: QueryInt<'_>) -> Result<Option<i64>, ApiError> {
    match value {
        Ok(v) => Ok(Some(v)),
        Err(errors) if errors.iter().all(missing) => Ok(None),
        Err(_) => Err(ApiError::invalid(field, "must be an integer")),
    }
}

/// Whether Rocket's form errors only say that the parameter is absent.
fn missing(e: &rocket::form::Error<'_>) -> bool {
    matches!(e.kind, rocket::form::error::ErrorKind::Missing)
}

/// A boolean query parameter as Rocket parsed it: like [`QueryInt`], a bad value is kept so
/// that it answers 400 instead of being read as absent.
pub type QueryBool<'r> = rocket::form::Result<'r, bool>;

/// `true`/`false` (Rocket also reads `on`/`off`, `yes`/`no`, `1`/`0`); absent is `None`;
/// anything else, empty included, answers 400 naming the field.
pub fn query_bool(field: &str, value: QueryBool<'_>) -> Result<Option<bool>, ApiError> {
    match value {
        Ok(v) => Ok(Some(v)),
        Err(errors) if errors.iter().all(missing) => Ok(None),
        Err(_) => Err(ApiError::invalid(field, "must be true or false")),
    }
}

/// Reads and parses a JSON body, for handlers that are not written with Rocket's macros.
pub async fn read_json<T: DeserializeOwned>(
    req: &Request<'_>,
    data: Data<'_>,
) -> Result<T, ApiError> {
    parse_json(&read_body(req, data).await?)
}

#[rocket::async_trait]
impl<'r, T: DeserializeOwned> FromData<'r> for JsonBody<T> {
    type Error = ();

    async fn from_data(req: &'r Request<'_>, data: Data<'r>) -> data::Outcome<'r, Self> {
        match read_body(req, data).await.and_then(|b| parse_json(&b)) {
            Ok(value) => Outcome::Success(JsonBody(value)),
            Err(e) => {
                let status = e.http_status();
                stash(req, e);
                Outcome::Error((status, ()))
            }
        }
    }
}

/// Loose parameters of the seed routes: query string, then body (form or JSON object), then
/// the fields of a `data` JSON string, later sources overriding earlier ones.
#[derive(Debug, Default, Clone)]
pub struct Params(pub Map<String, Value>);

impl Params {
    pub fn from_query(query: Option<&str>) -> Params {
        let mut map = Map::new();
        if let Some(q) = query {
            for (k, v) in form_urlencoded::parse(q.as_bytes()) {
                map.insert(k.into_owned(), Value::String(v.into_owned()));
            }
        }
        Params(map)
    }

    fn merge_body(
        &mut self,
        content_type: Option<&ContentType>,
        bytes: &[u8],
    ) -> Result<(), ApiError> {
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Ok(());
        }
        if content_type.is_some_and(|ct| ct.is_form()) {
            for (k, v) in form_urlencoded::parse(bytes) {
                self.0.insert(k.into_owned(), Value::String(v.into_owned()));
            }
            return Ok(());
        }
        let map: Map<String, Value> = parse_json(bytes)?;
        self.0.extend(map);
        Ok(())
    }

    fn expand_data(&mut self) -> Result<(), ApiError> {
        let Some(data) = self.0.remove("data") else {
            return Ok(());
        };
        let fields = match data {
            Value::Object(map) => map,
            Value::String(text) => {
                parse_json::<Map<String, Value>>(text.as_bytes()).map_err(|_| {
                    ApiError::invalid(
                        "data",
                        "must be a JSON object, such as {\"username\": \"…\"}",
                    )
                })?
            }
            _ => return Err(ApiError::invalid("data", "must be a JSON object")),
        };
        self.0.extend(fields);
        Ok(())
    }

    pub fn value(&self, name: &str) -> Option<&Value> {
        self.0.get(name).filter(|v| !v.is_null())
    }

    /// A string parameter; numbers are accepted as their text.
    pub fn str(&self, name: &str) -> Result<Option<String>, ApiError> {
        match self.value(name) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(Value::Number(n)) => Ok(Some(n.to_string())),
            Some(_) => Err(ApiError::invalid(name, "must be a string")),
        }
    }

    /// The first of `names` that is present.
    pub fn str_any(&self, names: &[&str]) -> Result<Option<String>, ApiError> {
        for name in names {
            if let Some(v) = self.str(name)? {
                return Ok(Some(v));
            }
        }
        Ok(None)
    }

    /// An integer parameter; strings holding an integer are accepted.
    pub fn i64(&self, name: &str) -> Result<Option<i64>, ApiError> {
        match self.value(name) {
            None => Ok(None),
            Some(Value::Number(n)) => n
                .as_i64()
                .map(Some)
                .ok_or_else(|| ApiError::invalid(name, "must be an integer")),
            Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
            Some(Value::String(s)) => s
                .trim()
                .parse()
                .map(Some)
                .map_err(|_| ApiError::invalid(name, "must be an integer")),
            Some(_) => Err(ApiError::invalid(name, "must be an integer")),
        }
    }

    pub fn require_i64(&self, name: &str) -> Result<i64, ApiError> {
        self.i64(name)?.ok_or_else(|| ApiError::missing(name))
    }
}

impl Params {
    /// The query string, then the body, then `data`.
    pub async fn read(req: &Request<'_>, data: Data<'_>) -> Result<Params, ApiError> {
        let mut params = Params::from_query(req.uri().query().map(|q| q.as_str()));
        let bytes = read_body(req, data).await?;
        params.merge_body(req.content_type(), &bytes)?;
        params.expand_data()?;
        Ok(params)
    }
}

#[rocket::async_trait]
impl<'r> FromData<'r> for Params {
    type Error = ();

    async fn from_data(req: &'r Request<'_>, data: Data<'r>) -> data::Outcome<'r, Self> {
        match Params::read(req, data).await {
            Ok(params) => Outcome::Success(params),
            Err(e) => {
                let status = e.http_status();
                stash(req, e);
                Outcome::Error((status, ()))
            }
        }
    }
}

/// The target of a seed 000 route: the body's `id`, else the `id` query parameter; 0 or absent
/// means none (create).
pub fn target_id(body: &Map<String, Value>, query: Option<&str>) -> Result<Option<i64>, ApiError> {
    let id = match body.get("id").filter(|v| !v.is_null()) {
        Some(v) => Some(
            v.as_i64()
                .ok_or_else(|| ApiError::invalid("id", "must be an integer"))?,
        ),
        None => query
            .map(|q| {
                q.trim()
                    .parse::<i64>()
                    .map_err(|_| ApiError::invalid("id", "must be an integer"))
            })
            .transpose()?,
    };
    match id {
        Some(id) if id < 0 => Err(ApiError::invalid(
            "id",
            "must be a positive id, or 0 to create",
        )),
        Some(0) | None => Ok(None),
        Some(id) => Ok(Some(id)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Deserialize, Debug)]
    #[allow(dead_code)]
    struct Sample {
        name: String,
        age: Option<i64>,
    }

    #[test]
    fn a_missing_field_is_named() {
        let e = parse_json::<Sample>(br#"{"age": 3}"#)
            .err()
            .map(|e| e.message);
        assert_eq!(
            e.as_deref(),
            Some("Validation failed for `name`: this field is required")
        );
    }

    #[test]
    fn a_wrong_type_names_the_field() {
        let e = parse_json::<Sample>(br#"{"name": "a", "age": "x"}"#)
            .err()
            .map(|e| e.message)
            .unwrap_or_default();
        assert!(
            e.starts_with("Validation failed for `age`: invalid type"),
            "{e}"
        );
    }

    #[test]
    fn malformed_json_is_a_bad_request() {
        let e = parse_json::<Sample>(b"{\"name\": ")
            .err()
            .map(|e| (e.status, e.message))
            .unwrap_or_default();
        assert_eq!(e.0, 400);
        assert!(e.1.contains("not valid JSON"), "{}", e.1);
    }

    #[test]
    fn data_parameter_is_expanded() {
        let mut p = Params::from_query(Some("data=%7B%22username%22%3A%22bob%22%7D&id=4"));
        p.expand_data().ok();
        assert_eq!(p.str("username").ok().flatten().as_deref(), Some("bob"));
        assert_eq!(p.i64("id").ok().flatten(), Some(4));
    }
}
