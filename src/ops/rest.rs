//! `/health` and the operator's routes under `/api/v1/admin`.

use rocket::http::{ContentType, Header, Status};
use rocket::serde::json::Json;
use rocket::{State, delete, get, routes};
use serde::Serialize;
use utoipa::ToSchema;

use crate::accounts::App;
use crate::accounts::auth::{Admin, Moderator};
use crate::accounts::throttle::{self, AttemptRow};
use crate::db::now;
use crate::http::error::{ApiError, code};
use crate::http::pagination::{Page, PageRequest, Paging};
use crate::ops::backup;

pub fn routes() -> Vec<rocket::Route> {
    routes![stats, attempts, bans, lift_ban, download_backup]
}

/// This module's part of the OpenAPI document.
pub fn openapi() -> utoipa::openapi::OpenApi {
    #[derive(utoipa::OpenApi)]
    #[openapi(paths(health, stats, attempts, bans, lift_ban, download_backup))]
    struct Part;
    <Part as utoipa::OpenApi>::openapi()
}

#[derive(Serialize, ToSchema)]
pub struct Health {
    pub status: &'static str,
    pub database: &'static str,
    /// A read-only replica (`read_only = true`): every write answers 503/1504.
    pub read_only: bool,
}

/// 200 when the database file answers a read, 503 otherwise.
///
/// The read is of the file's header (its schema's version), in a read transaction: it takes
/// the file's read lock and checks that the file is still an SQLite database. `SELECT 1`,
/// before, was answered by SQLite without the file (a file overwritten under the server
/// answered 200).
#[utoipa::path(get, path = "/health", tag = "operations",
    responses((status = 200, body = Health), (status = 503, body = crate::http::error::ErrorBody)))]
#[get("/health")]
pub async fn health(app: &State<App>) -> Result<Json<Health>, ApiError> {
    app.db
        .lookup(|c| {
            Ok(c.prepare_cached("PRAGMA schema_version")?
                .query_row([], |r| r.get::<_, i64>(0))?)
        })
        .await
        .map_err(|_| {
            ApiError::new(
                503,
                code::BUSY,
                "Service Unavailable",
                "The database does not answer.",
            )
        })?;
    Ok(Json(Health {
        status: "ok",
        database: "ok",
        read_only: app.db.is_read_only(),
    }))
}

#[derive(Serialize, ToSchema)]
pub struct Stats {
    pub accounts: i64,
    pub moderators: i64,
    pub admins: i64,
    pub unconfirmed_accounts: i64,
    pub banned_accounts: i64,
    /// Login bans in force (per name and ip).
    pub active_login_bans: i64,
    pub sessions: i64,
    pub courses: i64,
    pub exercises: i64,
    pub blog_posts: i64,
    pub forum_subjects: i64,
    pub forum_posts: i64,
    /// Courses and exercises waiting for a moderator.
    pub pending_courses: i64,
    pub pending_exercises: i64,
    /// Reports by status: open (0), taken (1), confirmed and waiting for an edit (2).
    pub open_reports: i64,
    pub taken_reports: i64,
    pub confirmed_reports: i64,
}

/// Counts for the admin dashboard (moderators and admins).
#[utoipa::path(get, path = "/api/v1/admin/stats", tag = "operations", security(("bearer" = [])),
    responses((status = 200, body = Stats), (status = "4XX", body = crate::http::error::ErrorBody)))]
#[get("/admin/stats")]
async fn stats(app: &State<App>, _staff: Moderator) -> Result<Json<Stats>, ApiError> {
    let stats = app
        .db
        .read(|c| {
            let now = now();
            let (accounts, moderators, admins, unconfirmed, banned) = c.query_row(
                "SELECT COUNT(*), COUNT(*) FILTER (WHERE level = 2), COUNT(*) FILTER (WHERE level = 3),
                        COUNT(*) FILTER (WHERE email_confirmed = 0), COUNT(*) FILTER (WHERE banned_until > ?1)
                 FROM accounts",
                [now],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
            )?;
            let sessions = c.query_row(
                "SELECT COUNT(DISTINCT family) FROM refresh_tokens WHERE revoked_at IS NULL AND used_at IS NULL AND expires_at > ?1",
                [now],
                |r| r.get(0),
            )?;
            let count = |sql: &str| c.query_row(sql, [], |r| r.get::<_, i64>(0));
            Ok(Stats {
                accounts,
                moderators,
                admins,
                unconfirmed_accounts: unconfirmed,
                banned_accounts: banned,
                active_login_bans: throttle::active_bans(c, now)?,
                sessions,
                courses: count("SELECT COUNT(*) FROM courses")?,
                exercises: count("SELECT COUNT(*) FROM exercises")?,
                blog_posts: count("SELECT COUNT(*) FROM blog_posts")?,
                forum_subjects: count("SELECT COUNT(*) FROM forum_subjects")?,
                forum_posts: count("SELECT COUNT(*) FROM forum_posts")?,
                pending_courses: count("SELECT COUNT(*) FROM courses WHERE status = 'pending'")?,
                pending_exercises: count("SELECT COUNT(*) FROM exercises WHERE status = 'pending'")?,
                open_reports: count("SELECT COUNT(*) FROM reports WHERE status = 0")?,
                taken_reports: count("SELECT COUNT(*) FROM reports WHERE status = 1")?,
                confirmed_reports: count("SELECT COUNT(*) FROM reports WHERE status = 2")?,
            })
        })
        .await?;
    Ok(Json(stats))
}

async fn attempt_page(
    app: &App,
    banned_only: bool,
    page: PageRequest,
) -> Result<Json<Page<AttemptRow>>, ApiError> {
    let rows = app
        .db
        .read(move |c| {
            Ok(throttle::list(
                c,
                banned_only,
                now(),
                page.before,
                page.fetch(),
            )?)
        })
        .await?;
    Ok(Json(page.page(rows, |r| r.id)))
}

/// Failed-login counters, newest first (admins).
#[utoipa::path(get, path = "/api/v1/admin/attempts", tag = "operations", params(
        Paging,
    ), security(("bearer" = [])),
    responses((status = 200, body = Page<AttemptRow>), (status = "4XX", body = crate::http::error::ErrorBody)))]
#[get("/admin/attempts")]
async fn attempts(
    app: &State<App>,
    _admin: Admin,
    page: PageRequest,
) -> Result<Json<Page<AttemptRow>>, ApiError> {
    attempt_page(app, false, page).await
}

/// Login bans in force, newest first (admins).
#[utoipa::path(get, path = "/api/v1/admin/bans", tag = "operations", params(
        Paging,
    ), security(("bearer" = [])),
    responses((status = 200, body = Page<AttemptRow>), (status = "4XX", body = crate::http::error::ErrorBody)))]
#[get("/admin/bans")]
async fn bans(
    app: &State<App>,
    _admin: Admin,
    page: PageRequest,
) -> Result<Json<Page<AttemptRow>>, ApiError> {
    attempt_page(app, true, page).await
}

/// Lift a login ban and forget its failures (admins).
#[utoipa::path(delete, path = "/api/v1/admin/bans/{id}", tag = "operations", params(("id" = i64, Path, minimum = 1)), security(("bearer" = [])),
    responses((status = 204), (status = "4XX", body = crate::http::error::ErrorBody)))]
#[delete("/admin/bans/<id>")]
async fn lift_ban(app: &State<App>, _admin: Admin, id: i64) -> Result<Status, ApiError> {
    if app.db.write(move |tx| Ok(throttle::lift(tx, id)?)).await? {
        Ok(Status::NoContent)
    } else {
        Err(ApiError::not_found(&format!("Login ban {id}")))
    }
}

/// A snapshot file, streamed. It is already unlinked: the open handle is all that is left.
pub struct BackupFile(std::fs::File, u64);

impl<'r> rocket::response::Responder<'r, 'static> for BackupFile {
    fn respond_to(self, _: &'r rocket::Request<'_>) -> rocket::response::Result<'static> {
        let name = format!("preau-{}.db", chrono::Utc::now().format("%Y%m%d-%H%M%S"));
        rocket::Response::build()
            .header(ContentType::Binary)
            .header(Header::new(
                "Content-Disposition",
                format!("attachment; filename=\"{name}\""),
            ))
            .header(Header::new("Cache-Control", "no-store"))
            .sized_body(
                Some(self.1 as usize),
                rocket::tokio::fs::File::from_std(self.0),
            )
            .ok()
    }
}

/// A download of the whole database, consistent while the server keeps writing (admins).
#[utoipa::path(get, path = "/api/v1/admin/backup", tag = "operations", security(("bearer" = [])),
    responses((status = 200, content_type = "application/octet-stream", body = inline(crate::http::openapi::Binary)), (status = "4XX", body = crate::http::error::ErrorBody)))]
#[get("/admin/backup")]
async fn download_backup(app: &State<App>, _admin: Admin) -> Result<BackupFile, ApiError> {
    app.db
        .on_own_connection(|c| {
            let dir = tempfile::tempdir()
                .map_err(|e| ApiError::internal(format!("backup temp dir: {e}")))?;
            let path = dir.path().join("backup.db");
            backup::snapshot(c, &path)?;
            let file = std::fs::File::open(&path)
                .map_err(|e| ApiError::internal(format!("backup open: {e}")))?;
            let len = file
                .metadata()
                .map_err(|e| ApiError::internal(format!("backup size: {e}")))?
                .len();
            Ok(BackupFile(file, len))
        })
        .await
}
