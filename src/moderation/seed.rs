//! Seed 004: reports on forum posts. `/report/add/<postID>` (GET or POST, `reportComment`
//! from the query, a form or JSON), `/post/display/<reportID>`, `/post/handle/<reportID>`,
//! `/post/cancel/<reportID>?report_result=`, `/post/reported/<reportID>?report_result=`.
//! A caller who is not a moderator gets 401, as the seed documents.

use rocket::http::Status;
use rocket::response::status::Custom;
use rocket::serde::json::Json;
use rocket::{State, get, post, routes};
use serde_json::{Value, json};

use crate::accounts::App;
use crate::accounts::auth::AuthUser;
use crate::content::Registry;
use crate::http::body::Params;
use crate::http::error::ApiError;
use crate::moderation::reports::{self, Report, Transition};

pub fn routes() -> Vec<rocket::Route> {
    routes![add_get, add_post, display, handle, cancel, reported]
}

const NOT_MODERATOR: u32 = 1401;

fn not_added(e: ApiError) -> ApiError {
    // The server's own state (busy, a read-only replica, a fault) is not the request's fault.
    if e.status == 401 || e.status >= 500 {
        return e;
    }
    let mut out = ApiError::new(400, e.code, "NOT ADDED", e.message);
    out.extra = e.extra;
    out
}

async fn add(
    app: &App,
    registry: &Registry,
    user: &AuthUser,
    post_id: i64,
    params: &Params,
) -> Result<Custom<Json<Value>>, ApiError> {
    let comment = params.str_any(&["reportComment", "report_comment", "comment"])?;
    let report = reports::file(
        app,
        registry,
        user,
        "forum_post",
        post_id,
        comment,
        "reportComment",
    )
    .await
    .map_err(not_added)?;
    Ok(Custom(
        Status::Created,
        Json(json!({"reportID": report.id})),
    ))
}

#[get("/report/add/<post_id>")]
async fn add_get(
    app: &State<App>,
    registry: &State<Registry>,
    user: AuthUser,
    post_id: i64,
    params: QueryParams,
) -> Result<Custom<Json<Value>>, ApiError> {
    add(app, registry, &user, post_id, &params.0).await
}

#[post("/report/add/<post_id>", data = "<params>")]
async fn add_post(
    app: &State<App>,
    registry: &State<Registry>,
    user: AuthUser,
    post_id: i64,
    params: Params,
) -> Result<Custom<Json<Value>>, ApiError> {
    add(app, registry, &user, post_id, &params).await
}

/// The query string as [`Params`], for GET routes.
pub struct QueryParams(Params);

#[rocket::async_trait]
impl<'r> rocket::request::FromRequest<'r> for QueryParams {
    type Error = ();

    async fn from_request(req: &'r rocket::Request<'_>) -> rocket::request::Outcome<Self, ()> {
        rocket::outcome::Outcome::Success(QueryParams(Params::from_query(
            req.uri().query().map(|q| q.as_str()),
        )))
    }
}

fn seed_fields(r: &Report) -> Value {
    json!({
        "reportID": r.id, "userID": r.reporter_id, "postID": r.target_id, "reportComment": r.comment,
        "reportStatus": r.status as i64, "reportHandler": r.handler_id, "reportResult": r.result,
        "timeStateChange": r.state_changed_at,
    })
}

#[get("/post/display/<report_id>")]
async fn display(
    app: &State<App>,
    user: AuthUser,
    report_id: i64,
) -> Result<Json<Value>, ApiError> {
    let report = app
        .db
        .read(move |c| reports::readable(c, &user, report_id))
        .await?;
    Ok(Json(seed_fields(&report)))
}

fn moderator(user: &AuthUser) -> Result<(), ApiError> {
    if user.is_moderator() {
        Ok(())
    } else {
        Err(ApiError::new(
            401,
            NOT_MODERATOR,
            "Not Authorized",
            "Only a moderator may handle reports.",
        ))
    }
}

/// The seed's answer: the report's handler, status and id, and the message when unchanged.
fn handler_body(t: &Transition) -> Json<Value> {
    let mut body = json!({"ReportHandlerID": t.report.handler_id, "Status": t.report.status as i64, "ReportID": t.report.id, "message": t.message});
    if !t.changed {
        body["changed"] = json!(false);
    }
    Json(body)
}

#[get("/post/handle/<report_id>")]
async fn handle(app: &State<App>, user: AuthUser, report_id: i64) -> Result<Json<Value>, ApiError> {
    moderator(&user)?;
    Ok(handler_body(&reports::take(app, &user, report_id).await?))
}

#[get("/post/cancel/<report_id>?<report_result>")]
async fn cancel(
    app: &State<App>,
    registry: &State<Registry>,
    user: AuthUser,
    report_id: i64,
    report_result: Option<String>,
) -> Result<Json<Value>, ApiError> {
    moderator(&user)?;
    Ok(handler_body(
        &reports::cancel(
            app,
            registry.inner().clone(),
            &user,
            report_id,
            report_result,
        )
        .await?,
    ))
}

#[get("/post/reported/<report_id>?<report_result>")]
async fn reported(
    app: &State<App>,
    registry: &State<Registry>,
    user: AuthUser,
    report_id: i64,
    report_result: Option<String>,
) -> Result<Json<Value>, ApiError> {
    moderator(&user)?;
    let t = reports::confirm(
        app,
        registry.inner().clone(),
        &user,
        report_id,
        report_result,
    )
    .await?;
    let mut body = json!({"ReportID": t.report.id, "PostID": t.report.target_id, "PostState": t.report.status as i64, "message": t.message});
    if !t.changed {
        body["changed"] = json!(false);
    }
    Ok(Json(body))
}
