//! Seed 000 `POST /account/modify`: `{token, id, username, password, email, group_id,
//! avatar_id}`. Empty strings leave a field as it is. A member changes their own password only
//! through `/auth/changePassword` (it needs the old one); an admin may reset anyone's.
//! `group_id` is for admins. Answers 204.

use rocket::http::Status;
use rocket::{State, post, routes};
use serde_json::{Map, Value};

use crate::accounts::App;
use crate::accounts::auth::SeedCaller;
use crate::accounts::service::{self, ProfileChange};
use crate::accounts::{model, passwords};
use crate::http::body::target_id;
use crate::http::error::{ApiError, code};

pub fn routes() -> Vec<rocket::Route> {
    routes![account_modify]
}

fn text(body: &Map<String, Value>, name: &str) -> Result<Option<String>, ApiError> {
    match body.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if s.is_empty() => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(ApiError::invalid(name, "must be a string")),
    }
}

/// `0` (the seed's template value) or null removes the link; absent leaves it.
fn link(body: &Map<String, Value>, name: &str) -> Result<Option<Option<i64>>, ApiError> {
    match body.get(name) {
        None => Ok(None),
        Some(Value::Null) => Ok(Some(None)),
        Some(v) => match v.as_i64() {
            Some(0) => Ok(Some(None)),
            Some(id) if id > 0 => Ok(Some(Some(id))),
            _ => Err(ApiError::invalid(
                name,
                "must be a positive id, or 0 for none",
            )),
        },
    }
}

/// Checks the new password before anything is written: the profile change and the reset are
/// two writes, and a refused password must not leave the profile half changed.
async fn refuse_weak(
    app: &App,
    target: i64,
    new_username: Option<&str>,
    password: &str,
) -> Result<(), ApiError> {
    let username = match new_username {
        Some(name) => name.to_owned(),
        None => match app.db.read(move |c| model::find(c, target)).await? {
            Some(account) => account.username,
            // update_profile answers 404 before any reset.
            None => return Ok(()),
        },
    };
    match passwords::weakness(password, &username) {
        None => Ok(()),
        Some(reason) => Err(ApiError::conflict(
            code::PASSWORD_NOT_SECURE,
            "Password Not Secure",
            format!("The password {reason}."),
        )
        .with("field", "password")),
    }
}

#[post("/account/modify?<id>", data = "<caller>")]
async fn account_modify(
    app: &State<App>,
    id: Option<&str>,
    caller: SeedCaller<Map<String, Value>>,
) -> Result<Status, ApiError> {
    let SeedCaller { user, body } = caller;
    let target = target_id(&body, id)?.unwrap_or(user.id);
    if !user.may_manage_account(target) {
        return Err(ApiError::forbidden("You may only change your own account."));
    }
    let password = text(&body, "password")?;
    if password.is_some() && !user.is_admin() {
        return Err(ApiError::forbidden(
            "Change your password through /auth/changePassword: it needs the old one.",
        ));
    }
    let group_id = link(&body, "group_id")?;
    if group_id.is_some() && !user.is_admin() {
        return Err(ApiError::forbidden(
            "Only an admin may change the group of an account.",
        ));
    }
    let username = text(&body, "username")?;
    if let Some(password) = &password {
        refuse_weak(app, target, username.as_deref(), password).await?;
    }
    let change = ProfileChange {
        username,
        email: text(&body, "email")?,
        group_id,
        avatar_id: link(&body, "avatar_id")?,
        ..ProfileChange::default()
    };
    service::update_profile(app, &user, target, change).await?;
    if let Some(password) = password {
        service::reset_password(app, target, &password).await?;
    }
    Ok(Status::NoContent)
}
