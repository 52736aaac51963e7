//! People and sessions: accounts, passwords, tokens, login attempts and bans, and the three
//! faces that expose them (REST `/api/v1`, seed 001/002 `/auth/*`, seed 000 `/login/…`, seed
//! 003 user API).

pub mod auth;
pub mod email_change;
pub mod export;
pub mod letters;
pub mod mail;
pub mod model;
pub mod outbox;
pub mod passwords;
pub mod reset;
pub mod rest;
pub mod seed_auth;
pub mod seed_modify;
pub mod seed_users;
pub mod service;
pub mod session_list;
pub mod sessions;
mod state;
pub mod throttle;

pub use model::Level;
use rocket::http::{Cookie, CookieJar, SameSite};
pub use state::App;

use crate::http::error::ApiError;
use crate::http::stage::Stage;

pub const REFRESH_COOKIE: &str = "preau_refresh";

/// Accounts enter the application here: the REST routes and the seed routes of seeds 000–003.
pub fn stage<R, H>() -> Stage<R, H> {
    Stage {
        name: "accounts",
        mount: |rocket, _| {
            rocket
                .mount("/api/v1", rest::routes())
                // Issue 16: reset and setup links, the outbox, sessions, email changes, export.
                .mount("/api/v1", reset::api_routes())
                .mount("/api/v1", outbox::routes())
                .mount("/api/v1", session_list::routes())
                .mount("/api/v1", email_change::routes())
                .mount("/api/v1", export::routes())
                .mount("/", reset::page_routes())
                .mount("/", seed_auth::routes())
                .mount("/", seed_users::routes())
                .mount("/", seed_modify::routes())
        },
        openapi: |_| rest::openapi(),
        resources: &[],
        hooks: &[],
    }
}

/// Sets the HttpOnly, SameSite=Strict refresh cookie (seed 001: refresh needs no input).
pub fn set_refresh_cookie(jar: &CookieJar<'_>, app: &App, token: &str) {
    let cookie = Cookie::build((REFRESH_COOKIE, token.to_owned()))
        .http_only(true)
        .same_site(SameSite::Strict)
        .secure(app.config.cookie_secure)
        .path("/")
        .max_age(rocket::time::Duration::seconds(app.config.refresh_ttl));
    jar.add(cookie);
}

pub fn clear_refresh_cookie(jar: &CookieJar<'_>) {
    jar.remove(Cookie::build(REFRESH_COOKIE).path("/"));
}

/// The refresh token of a request: the body's, else `Authorization: Bearer` when it holds an
/// opaque token (not a JWT), else the cookie.
pub fn refresh_token_of(
    body: Option<String>,
    bearer: Option<&str>,
    jar: &CookieJar<'_>,
) -> Option<String> {
    body.filter(|t| !t.is_empty())
        .or_else(|| bearer.filter(|t| !is_jwt(t)).map(str::to_owned))
        .or_else(|| {
            jar.get(REFRESH_COOKIE)
                .map(|c| c.value().to_owned())
                .filter(|t| !t.is_empty())
        })
}

/// The refresh token a refresh needs: 901 when the request carries none, 902 when all it
/// carries is an access token (a token of the wrong type, SPEC 4.1).
pub fn required_refresh_token(
    body: Option<String>,
    bearer: Option<&str>,
    jar: &CookieJar<'_>,
) -> Result<String, ApiError> {
    refresh_token_of(body, bearer, jar).ok_or_else(|| {
        if bearer.is_some_and(is_jwt) {
            ApiError::invalid_token()
        } else {
            ApiError::no_token()
        }
    })
}

pub fn is_jwt(token: &str) -> bool {
    token.matches('.').count() == 2
}
