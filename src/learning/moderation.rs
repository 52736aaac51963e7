//! Validation of courses and exercises by moderators: REST `PUT /api/v1/{courses,exercises}/{id}/validation`
//! and the seed 000 routes `/exercise/moderation/validate/<bool>` and
//! `/course/moderation/validate/<token>/<bool>`.

use rocket::http::Status;
use rocket::serde::json::Json;
use rocket::{State, post, put, routes};
use serde::Deserialize;
use serde_json::{Map, Value};
use utoipa::ToSchema;

use crate::app::App;
use crate::content::Resource;
use crate::content::store::{self, Viewer};
use crate::db::now_ms;
use crate::http::body::JsonBody;
use crate::http::error::ApiError;
use crate::http::guards::{AuthUser, BearerToken, Moderator};
use crate::http::seed::{seed_caller, target_id};
use crate::learning::{COURSES, EXERCISES};
use crate::moderation::audit;
use crate::moderation::notifications::{self, Notice};

pub const REASON_MAX: usize = 1000;

pub fn mount(rocket: rocket::Rocket<rocket::Build>) -> rocket::Rocket<rocket::Build> {
    rocket
        .mount("/api/v1", routes![validate_course, validate_exercise])
        .mount("/", routes![seed_validate_exercise, seed_validate_course])
}

/// Approves or rejects a pending row. A rejection carries a reason for the author.
pub async fn decide(
    app: &App,
    user: &AuthUser,
    res: &'static Resource,
    id: i64,
    approved: bool,
    reason: Option<String>,
) -> Result<Map<String, Value>, ApiError> {
    if !user.is_moderator() {
        return Err(ApiError::forbidden(
            "Only a moderator or an admin may validate content.",
        ));
    }
    let reason = crate::moderation::optional_message("reason", reason.as_deref(), REASON_MAX)?;
    let reason = match (approved, reason) {
        (false, None) => Some(format!(
            "This {} was not accepted by a moderator.",
            res.name
        )),
        (_, reason) => reason,
    };
    let viewer = Viewer::of(Some(user));
    let moderator = user.id;
    app.db
        .write(move |tx| {
            let row = store::get(tx, res, viewer, id)?;
            tx.execute(
                &format!("UPDATE {} SET status = ?2, status_reason = ?3, moderated_by = ?4, moderated_at = ?5 WHERE id = ?1", res.table),
                rusqlite::params![id, if approved { "approved" } else { "rejected" }, reason, moderator, now_ms()],
            )?;
            let (kind, message) = if approved {
                ("content_approved", format!("Your {} is published.", res.name))
            } else {
                ("content_rejected", format!("Your {} was not accepted: {}", res.name, reason.as_deref().unwrap_or_default()))
            };
            if let Some(author) = row.get("account_id").and_then(Value::as_i64) {
                notifications::send(tx, author, &Notice { kind, message, report_id: None, target: Some((&res.kind(), id)) })?;
            }
            audit::record(tx, moderator, if approved { "approve" } else { "reject" }, &res.kind(), id, reason.as_deref())?;
            store::get(tx, res, viewer, id)
        })
        .await
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct ValidationBody {
    /// true to publish, false to reject.
    pub approved: bool,
    /// Why, for the author (up to 1000 characters).
    pub reason: Option<String>,
}

/// Approve or reject a course (moderators).
#[utoipa::path(put, path = "/api/v1/courses/{id}/validation", tag = "courses", params(("id" = i64, Path, minimum = 1)), request_body = ValidationBody,
    security(("bearer" = [])), responses((status = 200, body = Object), (status = "4XX", body = crate::http::error::ErrorBody)))]
#[put("/courses/<id>/validation", data = "<body>")]
async fn validate_course(
    app: &State<App>,
    staff: Moderator,
    id: i64,
    body: JsonBody<ValidationBody>,
) -> Result<Json<Map<String, Value>>, ApiError> {
    Ok(Json(
        decide(app, &staff.0, &COURSES, id, body.0.approved, body.0.reason).await?,
    ))
}

/// Approve or reject an exercise (moderators).
#[utoipa::path(put, path = "/api/v1/exercises/{id}/validation", tag = "exercises", params(("id" = i64, Path, minimum = 1)), request_body = ValidationBody,
    security(("bearer" = [])), responses((status = 200, body = Object), (status = "4XX", body = crate::http::error::ErrorBody)))]
#[put("/exercises/<id>/validation", data = "<body>")]
async fn validate_exercise(
    app: &State<App>,
    staff: Moderator,
    id: i64,
    body: JsonBody<ValidationBody>,
) -> Result<Json<Map<String, Value>>, ApiError> {
    Ok(Json(
        decide(
            app,
            &staff.0,
            &EXERCISES,
            id,
            body.0.approved,
            body.0.reason,
        )
        .await?,
    ))
}

/// This module's part of the OpenAPI document.
pub fn openapi() -> utoipa::openapi::OpenApi {
    #[derive(utoipa::OpenApi)]
    #[openapi(paths(validate_course, validate_exercise))]
    struct Part;
    <Part as utoipa::OpenApi>::openapi()
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
    token: Option<String>,
    query_id: Option<&str>,
    body: Map<String, Value>,
    res: &'static Resource,
    value: &str,
) -> Result<Status, ApiError> {
    let approved = parse_bool(value)?;
    let user = seed_caller(app, token, &body).await?;
    let id = target_id(&body, query_id)?.ok_or_else(|| ApiError::missing("id"))?;
    let reason = body
        .get("reason")
        .and_then(Value::as_str)
        .map(str::to_owned);
    decide(app, &user, res, id, approved, reason).await?;
    Ok(Status::NoContent)
}

#[post("/exercise/moderation/validate/<value>?<id>", data = "<body>")]
async fn seed_validate_exercise(
    app: &State<App>,
    bearer: BearerToken,
    value: &str,
    id: Option<&str>,
    body: JsonBody<Map<String, Value>>,
) -> Result<Status, ApiError> {
    seed_decide(app, bearer.0, id, body.0, &EXERCISES, value).await
}

/// The seed puts the token in the path; it never reaches the log (see `http::paths`).
#[post("/course/moderation/validate/<token>/<value>?<id>", data = "<body>")]
async fn seed_validate_course(
    app: &State<App>,
    token: &str,
    value: &str,
    id: Option<&str>,
    body: JsonBody<Map<String, Value>>,
) -> Result<Status, ApiError> {
    seed_decide(app, Some(token.to_owned()), id, body.0, &COURSES, value).await
}
