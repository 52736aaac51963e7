//! Seed 000's validation routes, `/exercise/moderation/validate/<bool>` and
//! `/course/moderation/validate/<token>/<bool>`: the seed's shapes onto
//! `moderation::validation::decide` (the REST face is derived there for every moderated
//! resource).

use rocket::http::Status;
use rocket::{State, post, routes};
use serde_json::{Map, Value};

use crate::accounts::App;
use crate::accounts::auth::SeedCaller;
use crate::content::Resource;
use crate::http::body::target_id;
use crate::http::error::ApiError;
use crate::learning::{COURSES, EXERCISES};
use crate::moderation::validation::decide;

pub fn routes() -> Vec<rocket::Route> {
    routes![seed_validate_exercise, seed_validate_course]
}

fn parse_bool(value: &str) -> Result<bool, ApiError> {
    match value.to_ascii_lowercase().as_str() {
        "true" | "1" => Ok(true),
        "false" | "0" => Ok(false),
        _ => Err(ApiError::invalid("value", "must be true or false")),
    }
}

/// The seed routes: the target's `id` in the body or the query, an optional `reason`.
async fn seed_decide(
    app: &App,
    caller: SeedCaller<Map<String, Value>>,
    query_id: Option<&str>,
    res: &'static Resource,
    value: &str,
) -> Result<Status, ApiError> {
    let approved = parse_bool(value)?;
    let SeedCaller { user, body } = caller;
    let id = target_id(&body, query_id)?.ok_or_else(|| ApiError::missing("id"))?;
    let reason = body
        .get("reason")
        .and_then(Value::as_str)
        .map(str::to_owned);
    decide(app, &user, res, id, approved, reason).await?;
    Ok(Status::NoContent)
}

#[post("/exercise/moderation/validate/<value>?<id>", data = "<caller>")]
async fn seed_validate_exercise(
    app: &State<App>,
    value: &str,
    id: Option<&str>,
    caller: SeedCaller<Map<String, Value>>,
) -> Result<Status, ApiError> {
    seed_decide(app, caller, id, &EXERCISES, value).await
}

/// The seed puts the token in the path; it never reaches the log (see `http::paths`).
#[post("/course/moderation/validate/<token>/<value>?<id>", data = "<caller>")]
#[allow(unused_variables)] // `token` is read by `SeedCaller`, with the other places a token may be.
async fn seed_validate_course(
    app: &State<App>,
    token: &str,
    value: &str,
    id: Option<&str>,
    caller: SeedCaller<Map<String, Value>>,
) -> Result<Status, ApiError> {
    seed_decide(app, caller, id, &COURSES, value).await
}
