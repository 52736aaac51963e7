//! Seeds 001 + 002 (`/auth/*`, JSON bodies) and seed 000 (`POST /login/<username>/<password>`):
//! thin translations onto the same services as the REST API, with the seeds' shapes.

use rocket::http::{CookieJar, Status};
use rocket::response::status::Custom;
use rocket::serde::json::Json;
use rocket::{State, post, routes};
use serde_json::{Value, json};

use crate::accounts::App;
use crate::accounts::auth::{AuthUser, BearerToken};
use crate::accounts::rest::{self, LoginBody, PasswordBody, RefreshBody, RegisterBody};
use crate::accounts::service;
use crate::accounts::sessions::{self, LoginError, Session};
use crate::accounts::set_refresh_cookie;
use crate::http::body::JsonBody;
use crate::http::client::ClientIp;
use crate::http::error::ApiError;

pub fn routes() -> Vec<rocket::Route> {
    routes![
        register,
        login,
        refresh,
        change_password,
        logout,
        login_by_path
    ]
}

fn session_body(s: &Session) -> Value {
    json!({"error": null, "token": s.token, "refresh_token": s.refresh_token, "ttl": s.ttl})
}

#[post("/auth/register", data = "<body>")]
async fn register(
    app: &State<App>,
    ip: ClientIp,
    jar: &CookieJar<'_>,
    client: rest::Client,
    body: JsonBody<RegisterBody>,
) -> Result<Custom<Json<Value>>, ApiError> {
    let mut registration = body.0.into_registration()?;
    registration.locale = client.locale.0;
    let done = service::register(app, registration, &ip.key()).await?;
    if let Some(s) = &done.session {
        client.record(app, &s.refresh_token).await?;
    }
    let a = &done.account;
    let mut out = json!({
        "error": null, "token": null, "refresh_token": null, "ttl": app.tokens.ttl,
        "id": a.id, "username": a.username, "email": a.email, "firstname": a.firstname, "lastname": a.lastname,
    });
    if let Some(s) = &done.session {
        set_refresh_cookie(jar, app, &s.refresh_token);
        out["token"] = json!(s.token);
        out["refresh_token"] = json!(s.refresh_token);
    }
    Ok(Custom(Status::Created, Json(out)))
}

#[post("/auth/login", data = "<body>")]
async fn login(
    app: &State<App>,
    ip: ClientIp,
    client: rest::Client,
    jar: &CookieJar<'_>,
    body: JsonBody<LoginBody>,
) -> Result<Json<Value>, ApiError> {
    let (login, password) = body.0.credentials()?;
    let session = sessions::sign_in(app, jar, ip, &login, &password)
        .await
        .map_err(|e| e.into_api(app))?;
    client.record(app, &session.refresh_token).await?;
    Ok(Json(session_body(&session)))
}

#[post("/auth/refresh", data = "<body>")]
async fn refresh(
    app: &State<App>,
    bearer: BearerToken,
    jar: &CookieJar<'_>,
    client: rest::Client,
    body: JsonBody<RefreshBody>,
) -> Result<Json<Value>, ApiError> {
    let session = rest::refresh_session(app, &bearer, jar, body.0.refresh_token).await?;
    client.record(app, &session.refresh_token).await?;
    Ok(Json(session_body(&session)))
}

#[post("/auth/changePassword", data = "<body>")]
async fn change_password(
    app: &State<App>,
    user: AuthUser,
    body: JsonBody<PasswordBody>,
) -> Result<Json<Value>, ApiError> {
    let (old, new) = body.0.into_pair()?;
    let session = service::change_password(app, &user, &old, &new).await?;
    Ok(Json(
        json!({"error": null, "token": session.token, "ttl": session.ttl}),
    ))
}

#[post("/auth/logout", data = "<body>")]
async fn logout(
    app: &State<App>,
    bearer: BearerToken,
    jar: &CookieJar<'_>,
    body: JsonBody<RefreshBody>,
) -> Result<Status, ApiError> {
    rest::end_session(app, &bearer, jar, body.0.refresh_token).await
}

/// Seed 000: the credentials are in the path (the log and the envelope show only `/login`).
/// A failure is a 404 with the attempt counters, the limit a 429, a ban status 700.
#[post("/login/<username>/<password>")]
async fn login_by_path(
    app: &State<App>,
    ip: ClientIp,
    jar: &CookieJar<'_>,
    username: &str,
    password: &str,
) -> Result<Json<Value>, ApiError> {
    match sessions::sign_in(app, jar, ip, username, password).await {
        Ok(session) => Ok(Json(json!({
            "token": session.token, "refresh_token": session.refresh_token, "ttl": session.ttl,
            "status": 200, "error": null, "message": "Logged in.", "path": "/login",
        }))),
        Err(LoginError::Failed { attempts }) => {
            let mut e = LoginError::Failed { attempts }.into_api(app);
            e.status = 404;
            e.error = "Not Found";
            Err(e)
        }
        Err(other) => Err(other.into_api(app)),
    }
}
