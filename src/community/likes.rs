//! Likes on forum posts: one per account and post, idempotent, the count kept exact by the
//! database (triggers on `forum_post_likes`) even under concurrent likes. Setting the count
//! directly is for moderators (seed `/forum/post/likes/<token>/<likes>`).

use rocket::http::Status;
use rocket::serde::json::Json;
use rocket::{State, delete, post, routes};
use rusqlite::{Connection, params};
use serde::Serialize;
use serde_json::{Map, Value};
use utoipa::ToSchema;

use crate::accounts::App;
use crate::accounts::auth::AuthUser;
use crate::accounts::auth::SeedCaller;
use crate::content::Resource;
use crate::content::store::{self, Viewer};
use crate::db::now_ms;
use crate::http::body::target_id;
use crate::http::error::ApiError;

pub fn routes() -> (Vec<rocket::Route>, Vec<rocket::Route>) {
    (
        routes![like_rest, unlike_rest],
        routes![like_seed, set_likes_seed],
    )
}

/// What members like: forum posts, whose description names the table of their likes.
static LIKED: &Resource = &crate::community::FORUM_POSTS;

#[derive(Debug, Serialize, ToSchema)]
pub struct LikeState {
    pub post_id: i64,
    pub likes: i64,
    pub liked: bool,
}

/// A post that can be liked: one the liker may see, and not hidden by moderation.
fn likeable(conn: &Connection, user: &AuthUser, post: i64) -> Result<(), ApiError> {
    let row = store::find(conn, LIKED, Viewer::of(Some(user)), post)?;
    match row {
        Some(row) if row.get("hidden").and_then(Value::as_i64) == Some(0) => Ok(()),
        _ => Err(ApiError::not_found(&format!("The {} {post}", LIKED.name))),
    }
}

/// The table of the likes, from the description.
fn likes_table() -> Result<&'static str, ApiError> {
    LIKED
        .likes
        .ok_or_else(|| ApiError::internal("forum posts have no likes table"))
}

fn state(conn: &Connection, post: i64, account: i64) -> Result<LikeState, ApiError> {
    let likes = conn.query_row(
        &format!("SELECT likes FROM {} WHERE id = ?1", LIKED.table),
        [post],
        |r| r.get(0),
    )?;
    let liked = conn.query_row(
        &format!(
            "SELECT EXISTS (SELECT 1 FROM {} WHERE post_id = ?1 AND account_id = ?2)",
            likes_table()?
        ),
        params![post, account],
        |r| r.get(0),
    )?;
    Ok(LikeState {
        post_id: post,
        likes,
        liked,
    })
}

pub async fn set_like(
    app: &App,
    user: &AuthUser,
    post: i64,
    like: bool,
) -> Result<LikeState, ApiError> {
    let (account, user) = (user.id, user.clone());
    let table = likes_table()?;
    app.db
        .write(move |tx| {
            likeable(tx, &user, post)?;
            if like {
                tx.execute(&format!("INSERT INTO {table} (post_id, account_id, created_at) VALUES (?1, ?2, ?3) ON CONFLICT DO NOTHING"), params![post, account, now_ms()])?;
            } else {
                tx.execute(&format!("DELETE FROM {table} WHERE post_id = ?1 AND account_id = ?2"), params![post, account])?;
            }
            state(tx, post, account)
        })
        .await
}

/// Like a forum post (once per account: liking again changes nothing).
#[utoipa::path(post, path = "/api/v1/forum/posts/{id}/like", tag = "forum", params(("id" = i64, Path, minimum = 1)), security(("bearer" = [])),
    responses((status = 200, body = LikeState), (status = "4XX", body = crate::http::error::ErrorBody)))]
#[post("/forum/posts/<id>/like")]
async fn like_rest(app: &State<App>, user: AuthUser, id: i64) -> Result<Json<LikeState>, ApiError> {
    Ok(Json(set_like(app, &user, id, true).await?))
}

/// Take one's like back.
#[utoipa::path(delete, path = "/api/v1/forum/posts/{id}/like", tag = "forum", params(("id" = i64, Path, minimum = 1)), security(("bearer" = [])),
    responses((status = 200, body = LikeState), (status = "4XX", body = crate::http::error::ErrorBody)))]
#[delete("/forum/posts/<id>/like")]
async fn unlike_rest(
    app: &State<App>,
    user: AuthUser,
    id: i64,
) -> Result<Json<LikeState>, ApiError> {
    Ok(Json(set_like(app, &user, id, false).await?))
}

/// Seed 000: like post `id` (body or query); the token is in the path.
#[post("/forum/post/like/<token>?<id>", data = "<caller>")]
#[allow(unused_variables)] // `token` is read by `SeedCaller`, with the other places a token may be.
async fn like_seed(
    app: &State<App>,
    token: &str,
    id: Option<&str>,
    caller: SeedCaller<Map<String, Value>>,
) -> Result<Status, ApiError> {
    let SeedCaller { user, body } = caller;
    let post = target_id(&body, id)?.ok_or_else(|| ApiError::missing("id"))?;
    set_like(app, &user, post, true).await?;
    Ok(Status::NoContent)
}

/// Seed 000: set post `id`'s like count (moderators).
#[post("/forum/post/likes/<token>/<likes>?<id>", data = "<caller>")]
#[allow(unused_variables)] // `token` is read by `SeedCaller`, with the other places a token may be.
async fn set_likes_seed(
    app: &State<App>,
    token: &str,
    likes: &str,
    id: Option<&str>,
    caller: SeedCaller<Map<String, Value>>,
) -> Result<Status, ApiError> {
    let SeedCaller { user, body } = caller;
    if !user.is_moderator() {
        return Err(ApiError::forbidden(
            "Only a moderator or an admin may set a like count.",
        ));
    }
    let likes: i64 = likes
        .parse()
        .ok()
        .filter(|n| (0..=crate::community::LIKES_MAX).contains(n))
        .ok_or_else(|| {
            ApiError::invalid(
                "likes",
                format!(
                    "must be an integer between 0 and {}",
                    crate::community::LIKES_MAX
                ),
            )
        })?;
    let post = target_id(&body, id)?.ok_or_else(|| ApiError::missing("id"))?;
    app.db
        .write(move |tx| {
            let n = tx.execute(
                &format!(
                    "UPDATE {} SET likes = ?2, updated_at = ?3 WHERE id = ?1",
                    LIKED.table
                ),
                params![post, likes, now_ms()],
            )?;
            if n == 0 {
                return Err(ApiError::not_found(&format!("The {} {post}", LIKED.name)));
            }
            crate::audit::record(
                tx,
                user.id,
                "set_likes",
                &LIKED.kind(),
                post,
                Some(&likes.to_string()),
            )
        })
        .await?;
    Ok(Status::NoContent)
}

/// This module's part of the OpenAPI document.
pub fn openapi() -> utoipa::openapi::OpenApi {
    #[derive(utoipa::OpenApi)]
    #[openapi(paths(like_rest, unlike_rest))]
    struct Part;
    <Part as utoipa::OpenApi>::openapi()
}
