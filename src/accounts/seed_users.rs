//! Seed 003, the user API: `POST /register`, `/login`, `/update`, `/get_level`,
//! `/change_user_elev`, `/getuser`, `/regen_token`, `/delete`. Parameters come from the query
//! string, a form or a JSON body (and `data`, a JSON string of fields). Answers are
//! `{"success": true, "message": "ok", …}`; errors add `"success": false` to the envelope.

use rocket::http::CookieJar;
use rocket::serde::json::Json;
use rocket::{State, post, routes};
use serde_json::{Value, json};

use crate::accounts::App;
use crate::accounts::auth::{BearerToken, SeedCaller};
use crate::accounts::model::{self, Account};
use crate::accounts::service::{self, ProfileChange, Registration};
use crate::accounts::{Level, sessions, set_refresh_cookie};
use crate::http::body::Params;
use crate::http::client::ClientIp;
use crate::http::error::{ApiError, code};

pub fn routes() -> Vec<rocket::Route> {
    routes![
        register,
        login,
        update,
        get_level,
        change_user_elev,
        getuser,
        regen_token,
        delete
    ]
}

fn ok() -> Json<Value> {
    Json(json!({"success": true, "message": "ok"}))
}

/// The seed's user object, never with a password. Email and birthdate only when `private`.
fn user_object(a: &Account, private: bool) -> Value {
    let mut user = json!({
        "id": a.id, "username": a.username, "nom": a.lastname, "prenom": a.firstname,
        "level": a.level as i64, "has_conf": i64::from(a.email_confirmed), "adding_time": a.created_at,
    });
    if private {
        user["email"] = json!(a.email);
        user["birthdate"] = json!(a.birthdate);
    }
    user
}

fn user_not_found() -> ApiError {
    ApiError::new(404, code::NOT_FOUND, "Not Found", "User not in database")
}

async fn find(app: &App, id: i64) -> Result<Account, ApiError> {
    app.db
        .read(move |c| model::find(c, id))
        .await?
        .ok_or_else(user_not_found)
}

#[post("/register", data = "<params>")]
async fn register(app: &State<App>, ip: ClientIp, params: Params) -> Result<Json<Value>, ApiError> {
    let required = |name: &str| -> Result<String, ApiError> {
        params
            .str(name)?
            .filter(|v| !v.trim().is_empty())
            .ok_or_else(|| {
                ApiError::conflict(
                    code::REGISTER_INCOMPLETE,
                    "Data Not Complete",
                    format!("`{name}` is required to register."),
                )
                .with("field", name)
            })
    };
    let registration = Registration {
        username: required("username")?,
        password: required("password")?,
        email: Some(required("email")?),
        firstname: params.str_any(&["prenom", "firstname"])?,
        lastname: params.str_any(&["nom", "lastname"])?,
        birthdate: params.str("birthdate")?,
        ..Registration::default()
    };
    service::register(app, registration, &ip.key()).await?;
    Ok(ok())
}

#[post("/login", data = "<params>")]
async fn login(
    app: &State<App>,
    ip: ClientIp,
    jar: &CookieJar<'_>,
    params: Params,
) -> Result<Json<Value>, ApiError> {
    let incomplete = |field: &str| {
        ApiError::conflict(
            code::LOGIN_INCOMPLETE,
            "Data Not Complete",
            format!("`{field}` is required to log in."),
        )
        .with("field", field)
    };
    let login = params
        .str_any(&["email", "login", "username"])?
        .filter(|v| !v.is_empty())
        .ok_or_else(|| incomplete("email"))?;
    let password = params
        .str_any(&["pass", "password"])?
        .filter(|v| !v.is_empty())
        .ok_or_else(|| incomplete("pass"))?;
    let session = sessions::sign_in(app, jar, ip, &login, &password)
        .await
        .map_err(|e| e.into_api(app))?;
    let id = session.account_id;
    let account = app.db.read(move |c| model::get(c, id)).await?;
    let mut user = user_object(&account, true);
    user["token"] = json!(session.token);
    user["refresh"] = json!(session.refresh_token);
    user["ttl"] = json!(session.ttl);
    user["success"] = json!(true);
    user["message"] = json!("ok");
    Ok(Json(user))
}

#[post("/update", data = "<caller>")]
async fn update(app: &State<App>, caller: SeedCaller<Params>) -> Result<Json<Value>, ApiError> {
    let SeedCaller { user, body: params } = caller;
    let id = params.i64("id")?.unwrap_or(user.id);
    // Another's account answers as a missing one does: the answer says nothing of which ids exist.
    if !user.may_manage_account(id) {
        return Err(ApiError::forbidden("You may only change your own account."));
    }
    find(app, id).await?;
    // `password` and `level` in the data are ignored: they change through their own routes.
    let change = ProfileChange {
        username: params.str("username")?,
        email: params.str("email")?,
        firstname: params.str_any(&["prenom", "firstname"])?,
        lastname: params.str_any(&["nom", "lastname"])?,
        birthdate: params.str("birthdate")?,
        ..ProfileChange::default()
    };
    service::update_profile(app, &user, id, change).await?;
    Ok(ok())
}

#[post("/get_level", data = "<caller>")]
async fn get_level(app: &State<App>, caller: SeedCaller<Params>) -> Result<Json<Value>, ApiError> {
    let SeedCaller { user, body: params } = caller;
    let id = params.i64("id")?.unwrap_or(user.id);
    let account = find(app, id).await?;
    Ok(Json(
        json!({"success": true, "message": "ok", "level": account.level as i64, "id": account.id}),
    ))
}

#[post("/change_user_elev", data = "<caller>")]
async fn change_user_elev(
    app: &State<App>,
    caller: SeedCaller<Params>,
) -> Result<Json<Value>, ApiError> {
    let SeedCaller { user, body: params } = caller;
    let id = params.require_i64("id")?;
    let level =
        Level::try_from(params.require_i64("level")?).map_err(|e| ApiError::invalid("level", e))?;
    if !user.is_admin() {
        return Err(ApiError::forbidden("Only an admin may change levels."));
    }
    find(app, id).await?;
    service::set_level(app, &user, id, level).await?;
    Ok(ok())
}

#[post("/getuser", data = "<caller>")]
async fn getuser(app: &State<App>, caller: SeedCaller<Params>) -> Result<Json<Value>, ApiError> {
    let SeedCaller { user, body: params } = caller;
    let id = params.i64("id")?.unwrap_or(user.id);
    let account = find(app, id).await?;
    Ok(Json(user_object(
        &account,
        user.id == id || user.is_moderator(),
    )))
}

/// A new access token from a refresh token (`refresh`, `refresh_token`, the header or the
/// cookie). The refresh token rotates as everywhere: the new one is in `refresh`.
#[post("/regen_token", data = "<params>")]
async fn regen_token(
    app: &State<App>,
    bearer: BearerToken,
    jar: &CookieJar<'_>,
    params: Params,
) -> Result<Json<Value>, ApiError> {
    let body_token = params.str_any(&["refresh", "refresh_token"])?;
    let token = crate::accounts::required_refresh_token(body_token, bearer.0.as_deref(), jar)?;
    if let Some(id) = params.i64("id")? {
        let owner = sessions::refresh_owner(app, &token).await?;
        if owner.is_some_and(|o| o != id) {
            return Err(ApiError::forbidden(
                "This refresh token belongs to another user.",
            ));
        }
    }
    let session = sessions::refresh(app, &token).await?;
    set_refresh_cookie(jar, app, &session.refresh_token);
    Ok(Json(
        json!({"token": session.token, "refresh": session.refresh_token, "ttl": session.ttl}),
    ))
}

#[post("/delete", data = "<caller>")]
async fn delete(app: &State<App>, caller: SeedCaller<Params>) -> Result<Json<Value>, ApiError> {
    let SeedCaller { user, body: params } = caller;
    let id = params.i64("id")?.unwrap_or(user.id);
    if !user.may_manage_account(id) {
        return Err(ApiError::forbidden("You may only delete your own account."));
    }
    find(app, id).await?;
    service::delete(app, &user, id).await?;
    Ok(ok())
}
