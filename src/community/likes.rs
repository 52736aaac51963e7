//! Likes on forum posts: one per account and post, idempotent, the count kept exact by the
//! database (triggers on `forum_post_likes`) even under concurrent likes. Setting the count
//! directly is for moderators (seed `/forum/post/likes/<token>/<likes>`).

use rocket::http::Status;
use rocket::serde::json::Json;
use rocket::{State, delete, post, routes};
use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;
use serde_json::{Map, Value};
use utoipa::ToSchema;

use crate::app::App;
use crate::db::now_ms;
use crate::http::body::JsonBody;
use crate::http::error::ApiError;
use crate::http::guards::AuthUser;
use crate::http::seed::{seed_caller, target_id};

pub fn mount(rocket: rocket::Rocket<rocket::Build>) -> rocket::Rocket<rocket::Build> {
    rocket
        .mount("/api/v1", routes![like_rest, unlike_rest])
        .mount("/", routes![like_seed, set_likes_seed])
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LikeState {
    pub post_id: i64,
    pub likes: i64,
    pub liked: bool,
}

/// A post that can be liked: it exists and is not hidden.
fn likeable(conn: &Connection, post: i64) -> Result<(), ApiError> {
    let hidden: Option<bool> = conn
        .query_row(
            "SELECT hidden FROM forum_posts WHERE id = ?1",
            [post],
            |r| r.get(0),
        )
        .optional()?;
    match hidden {
        Some(false) => Ok(()),
        _ => Err(ApiError::not_found(&format!("The forum post {post}"))),
    }
}

fn state(conn: &Connection, post: i64, account: i64) -> Result<LikeState, ApiError> {
    let likes = conn.query_row("SELECT likes FROM forum_posts WHERE id = ?1", [post], |r| {
        r.get(0)
    })?;
    let liked = conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM forum_post_likes WHERE post_id = ?1 AND account_id = ?2)",
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
    let account = user.id;
    app.db
        .write(move |tx| {
            likeable(tx, post)?;
            if like {
                tx.execute("INSERT INTO forum_post_likes (post_id, account_id, created_at) VALUES (?1, ?2, ?3) ON CONFLICT DO NOTHING", params![post, account, now_ms()])?;
            } else {
                tx.execute("DELETE FROM forum_post_likes WHERE post_id = ?1 AND account_id = ?2", params![post, account])?;
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
#[post("/forum/post/like/<token>?<id>", data = "<body>")]
async fn like_seed(
    app: &State<App>,
    token: &str,
    id: Option<&str>,
    body: JsonBody<Map<String, Value>>,
) -> Result<Status, ApiError> {
    let user = seed_caller(app, Some(token.to_owned()), &body.0).await?;
    let post = target_id(&body.0, id)?.ok_or_else(|| ApiError::missing("id"))?;
    set_like(app, &user, post, true).await?;
    Ok(Status::NoContent)
}

/// Seed 000: set post `id`'s like count (moderators).
#[post("/forum/post/likes/<token>/<likes>?<id>", data = "<body>")]
async fn set_likes_seed(
    app: &State<App>,
    token: &str,
    likes: &str,
    id: Option<&str>,
    body: JsonBody<Map<String, Value>>,
) -> Result<Status, ApiError> {
    let user = seed_caller(app, Some(token.to_owned()), &body.0).await?;
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
    let post = target_id(&body.0, id)?.ok_or_else(|| ApiError::missing("id"))?;
    app.db
        .write(move |tx| {
            let n = tx.execute(
                "UPDATE forum_posts SET likes = ?2, updated_at = ?3 WHERE id = ?1",
                params![post, likes, now_ms()],
            )?;
            if n == 0 {
                return Err(ApiError::not_found(&format!("The forum post {post}")));
            }
            crate::moderation::audit::record(
                tx,
                user.id,
                "set_likes",
                &crate::community::FORUM_POSTS.kind(),
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
