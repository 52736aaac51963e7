//! Helpers of the seed 000 routes, which carry the token and the target's id in the body (or
//! the query) rather than in headers and paths.

use serde_json::{Map, Value};

use crate::app::App;
use crate::http::error::ApiError;
use crate::http::guards::AuthUser;

/// The caller of a seed 000 route: `Authorization: Bearer` or `?token=` (`bearer`), or the
/// body's `token`.
pub async fn seed_caller(
    app: &App,
    bearer: Option<String>,
    body: &Map<String, Value>,
) -> Result<AuthUser, ApiError> {
    let token = bearer.or_else(|| {
        body.get("token")
            .and_then(Value::as_str)
            .filter(|t| !t.is_empty())
            .map(str::to_owned)
    });
    app.authenticate(&token.ok_or_else(ApiError::no_token)?)
        .await
}

/// The target's id: the body's `id`, else the `id` query parameter; 0 or absent means none.
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
