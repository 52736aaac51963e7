//! `/api/v1/reports…`, `/api/v1/notifications…` and `/api/v1/admin/audit`.

use rocket::http::Status;
use rocket::response::status::Created;
use rocket::serde::json::Json;
use rocket::{State, get, post, routes};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::accounts::App;
use crate::accounts::auth::{Admin, AuthUser};
use crate::audit::{self, AuditEntry};
use crate::content::Registry;
use crate::http::body::{JsonBody, QueryBool, QueryInt, query_bool, query_int};
use crate::http::error::ApiError;
use crate::http::pagination::{Page, PageRequest};
use crate::moderation::notifications::{self, Notification};
use crate::moderation::reports::{self, ListFilter, Report, ReportStatus, Transition};

pub fn routes() -> Vec<rocket::Route> {
    routes![
        create,
        list,
        one,
        take,
        cancel,
        confirm,
        list_notifications,
        unread,
        read_one,
        read_all,
        audit_log
    ]
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct ReportBody {
    /// `forum_post`, `blog_post`, `blog_comment`, `course`, `course_comment`, `exercise` or `exercise_comment`.
    pub target_type: String,
    pub target_id: i64,
    /// Why (up to 1000 characters).
    #[serde(alias = "reportComment")]
    pub comment: Option<String>,
}

/// Report a piece of content (once per member and target; not one's own).
#[utoipa::path(post, path = "/api/v1/reports", tag = "moderation", request_body = ReportBody, security(("bearer" = [])),
    responses((status = 201, body = Report), (status = "4XX", body = crate::http::error::ErrorBody)))]
#[post("/reports", data = "<body>")]
async fn create(
    app: &State<App>,
    registry: &State<Registry>,
    user: AuthUser,
    body: JsonBody<ReportBody>,
) -> Result<Created<Json<Report>>, ApiError> {
    let b = body.0;
    let report = reports::file(
        app,
        registry,
        &user,
        &b.target_type,
        b.target_id,
        b.comment,
        "comment",
    )
    .await?;
    Ok(Created::new(format!("/api/v1/reports/{}", report.id)).body(Json(report)))
}

/// Reports, oldest first: the moderators' queue (`status=0`), one's own (`mine=true`), or those
/// of one target. Members only ever see their own.
#[utoipa::path(get, path = "/api/v1/reports", tag = "moderation", params(
        ("status" = Option<i64>, Query, description = "0 open, 1 taken, 2 confirmed, 3 finished."),
        ("mine" = Option<bool>, Query, description = "Only the caller's own reports (always so for members)."),
        ("target_type" = Option<String>, Query, description = "With target_id: the reports on one target."),
        ("target_id" = Option<i64>, Query, description = "With target_type."),
        ("limit" = Option<i64>, Query, minimum = 1, maximum = 100, description = "1 to 100, default 20."),
        ("cursor" = Option<String>, Query, description = "`next_cursor` of the previous page."),
    ), security(("bearer" = [])),
    responses((status = 200, body = Page<Report>), (status = "4XX", body = crate::http::error::ErrorBody)))]
#[get("/reports?<status>&<mine>&<target_type>&<target_id>&<limit>&<cursor>")]
#[allow(clippy::too_many_arguments)]
async fn list(
    app: &State<App>,
    registry: &State<Registry>,
    user: AuthUser,
    status: QueryInt<'_>,
    mine: QueryBool<'_>,
    target_type: Option<String>,
    target_id: QueryInt<'_>,
    limit: QueryInt<'_>,
    cursor: Option<String>,
) -> Result<Json<Page<Report>>, ApiError> {
    let page = PageRequest::new(query_int("limit", limit)?, cursor.as_deref())?;
    let status = query_int("status", status)?
        .map(ReportStatus::try_from)
        .transpose()
        .map_err(|e| ApiError::invalid("status", e))?;
    let target_id = query_int("target_id", target_id)?;
    let target = match (target_type, target_id) {
        (Some(kind), Some(id)) => {
            registry.reportable(&kind, "target_type")?;
            Some((kind, id))
        }
        (None, None) => None,
        _ => {
            return Err(ApiError::invalid(
                "target_type",
                "goes with target_id: give both or neither",
            ));
        }
    };
    let reporter =
        (query_bool("mine", mine)?.unwrap_or(false) || !user.is_moderator()).then_some(user.id);
    let filter = ListFilter {
        status,
        reporter,
        target,
    };
    let rows = app
        .db
        .read(move |c| reports::list(c, &filter, page.after(), page.fetch()))
        .await?;
    Ok(Json(page.page(rows, |r| r.id)))
}

/// One report: its reporter, or staff.
#[utoipa::path(get, path = "/api/v1/reports/{id}", tag = "moderation", params(("id" = i64, Path, minimum = 1)), security(("bearer" = [])),
    responses((status = 200, body = Report), (status = "4XX", body = crate::http::error::ErrorBody)))]
#[get("/reports/<id>")]
async fn one(app: &State<App>, user: AuthUser, id: i64) -> Result<Json<Report>, ApiError> {
    Ok(Json(
        app.db
            .read(move |c| reports::readable(c, &user, id))
            .await?,
    ))
}

#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct ResultBody {
    /// The moderator's message to the author and the reporter (up to 1000 characters).
    #[serde(alias = "report_result")]
    pub result: Option<String>,
}

/// Take a report (moderators): 0 → 1. Already taken or finished: 200, unchanged.
#[utoipa::path(post, path = "/api/v1/reports/{id}/take", tag = "moderation", params(("id" = i64, Path, minimum = 1)), security(("bearer" = [])),
    responses((status = 200, body = Transition), (status = "4XX", body = crate::http::error::ErrorBody)))]
#[post("/reports/<id>/take")]
async fn take(app: &State<App>, user: AuthUser, id: i64) -> Result<Json<Transition>, ApiError> {
    Ok(Json(reports::take(app, &user, id).await?))
}

/// Cancel a taken report, or finish a confirmed one once its author edited the content (moderators).
#[utoipa::path(post, path = "/api/v1/reports/{id}/cancel", tag = "moderation", params(("id" = i64, Path, minimum = 1)), request_body = ResultBody,
    security(("bearer" = [])), responses((status = 200, body = Transition), (status = "4XX", body = crate::http::error::ErrorBody)))]
#[post("/reports/<id>/cancel", data = "<body>")]
async fn cancel(
    app: &State<App>,
    registry: &State<Registry>,
    user: AuthUser,
    id: i64,
    body: JsonBody<ResultBody>,
) -> Result<Json<Transition>, ApiError> {
    Ok(Json(
        reports::cancel(app, registry.inner().clone(), &user, id, body.0.result).await?,
    ))
}

/// Confirm a taken report (moderators): the content is hidden; author and reporter notified.
#[utoipa::path(post, path = "/api/v1/reports/{id}/confirm", tag = "moderation", params(("id" = i64, Path, minimum = 1)), request_body = ResultBody,
    security(("bearer" = [])), responses((status = 200, body = Transition), (status = "4XX", body = crate::http::error::ErrorBody)))]
#[post("/reports/<id>/confirm", data = "<body>")]
async fn confirm(
    app: &State<App>,
    registry: &State<Registry>,
    user: AuthUser,
    id: i64,
    body: JsonBody<ResultBody>,
) -> Result<Json<Transition>, ApiError> {
    Ok(Json(
        reports::confirm(app, registry.inner().clone(), &user, id, body.0.result).await?,
    ))
}

/// The caller's notifications, newest first.
#[utoipa::path(get, path = "/api/v1/notifications", tag = "moderation", params(
        ("unread" = Option<bool>, Query, description = "Only the unread ones."),
        ("limit" = Option<i64>, Query, minimum = 1, maximum = 100, description = "1 to 100, default 20."),
        ("cursor" = Option<String>, Query, description = "`next_cursor` of the previous page."),
    ), security(("bearer" = [])),
    responses((status = 200, body = Page<Notification>), (status = "4XX", body = crate::http::error::ErrorBody)))]
#[get("/notifications?<unread>&<limit>&<cursor>")]
async fn list_notifications(
    app: &State<App>,
    user: AuthUser,
    unread: QueryBool<'_>,
    limit: QueryInt<'_>,
    cursor: Option<String>,
) -> Result<Json<Page<Notification>>, ApiError> {
    let page = PageRequest::new(query_int("limit", limit)?, cursor.as_deref())?;
    let unread = query_bool("unread", unread)?.unwrap_or(false);
    let rows = app
        .db
        .read(move |c| notifications::list(c, user.id, unread, page.before, page.fetch()))
        .await?;
    Ok(Json(page.page(rows, |n| n.id)))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Unread {
    pub unread: i64,
}

/// How many of the caller's notifications are unread.
#[utoipa::path(get, path = "/api/v1/notifications/unread", tag = "moderation", security(("bearer" = [])),
    responses((status = 200, body = Unread), (status = "4XX", body = crate::http::error::ErrorBody)))]
#[get("/notifications/unread")]
async fn unread(app: &State<App>, user: AuthUser) -> Result<Json<Unread>, ApiError> {
    Ok(Json(Unread {
        unread: app
            .db
            .read(move |c| notifications::unread(c, user.id))
            .await?,
    }))
}

/// Mark one notification read.
#[utoipa::path(post, path = "/api/v1/notifications/{id}/read", tag = "moderation", params(("id" = i64, Path, minimum = 1)), security(("bearer" = [])),
    responses((status = 204), (status = "4XX", body = crate::http::error::ErrorBody)))]
#[post("/notifications/<id>/read")]
async fn read_one(app: &State<App>, user: AuthUser, id: i64) -> Result<Status, ApiError> {
    if app
        .db
        .write(move |tx| notifications::mark_read(tx, user.id, Some(id)))
        .await?
    {
        Ok(Status::NoContent)
    } else {
        Err(ApiError::not_found(&format!("Notification {id}")))
    }
}

/// Mark all the caller's notifications read.
#[utoipa::path(post, path = "/api/v1/notifications/read", tag = "moderation", security(("bearer" = [])),
    responses((status = 204), (status = "4XX", body = crate::http::error::ErrorBody)))]
#[post("/notifications/read")]
async fn read_all(app: &State<App>, user: AuthUser) -> Result<Status, ApiError> {
    app.db
        .write(move |tx| notifications::mark_read(tx, user.id, None))
        .await?;
    Ok(Status::NoContent)
}

/// The audit log of moderators' and admins' actions, newest first (admins).
#[utoipa::path(get, path = "/api/v1/admin/audit", tag = "operations", params(
        ("actor" = Option<i64>, Query, description = "Only this account's actions."),
        ("limit" = Option<i64>, Query, minimum = 1, maximum = 100, description = "1 to 100, default 20."),
        ("cursor" = Option<String>, Query, description = "`next_cursor` of the previous page."),
    ), security(("bearer" = [])),
    responses((status = 200, body = Page<AuditEntry>), (status = "4XX", body = crate::http::error::ErrorBody)))]
#[get("/admin/audit?<actor>&<limit>&<cursor>")]
async fn audit_log(
    app: &State<App>,
    _admin: Admin,
    actor: QueryInt<'_>,
    limit: QueryInt<'_>,
    cursor: Option<String>,
) -> Result<Json<Page<AuditEntry>>, ApiError> {
    let page = PageRequest::new(query_int("limit", limit)?, cursor.as_deref())?;
    let actor = query_int("actor", actor)?;
    let rows = app
        .db
        .read(move |c| audit::list(c, actor, page.before, page.fetch()))
        .await?;
    Ok(Json(page.page(rows, |e| e.id)))
}

/// This module's part of the OpenAPI document.
pub fn openapi() -> utoipa::openapi::OpenApi {
    #[derive(utoipa::OpenApi)]
    #[openapi(paths(
        create,
        list,
        one,
        take,
        cancel,
        confirm,
        list_notifications,
        unread,
        read_one,
        read_all,
        audit_log
    ))]
    struct Part;
    <Part as utoipa::OpenApi>::openapi()
}
