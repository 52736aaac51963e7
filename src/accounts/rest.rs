//! `/api/v1/auth/*`, `/api/v1/me` and `/api/v1/accounts…`.

use rocket::http::{CookieJar, Status};
use rocket::response::status::Created;
use rocket::serde::json::Json;
use rocket::{State, delete, get, patch, post, put, routes};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::accounts::App;
use crate::accounts::auth::{Admin, AuthUser, BearerToken};
use crate::accounts::model::{self, AccountView, ListFilter};
use crate::accounts::service::{self, ProfileChange, Registration};
use crate::accounts::sessions::{self, Session};
use crate::accounts::{
    Level, clear_refresh_cookie, is_jwt, refresh_token_of, required_refresh_token,
    set_refresh_cookie,
};
use crate::db::now;
use crate::http::body::{JsonBody, QueryInt, double_option, query_int};
use crate::http::client::ClientIp;
use crate::http::error::{ApiError, code};
use crate::http::pagination::{Page, PageRequest, Paging};

pub fn routes() -> Vec<rocket::Route> {
    routes![
        register,
        login,
        refresh,
        logout,
        change_password,
        confirm_get,
        confirm_post,
        me,
        update_me,
        delete_me,
        list_accounts,
        get_account,
        update_account,
        delete_account,
        set_level,
        ban,
        unban,
        confirm_account,
        reset_password
    ]
}

/// This module's part of the OpenAPI document.
pub fn openapi() -> utoipa::openapi::OpenApi {
    #[derive(utoipa::OpenApi)]
    #[openapi(paths(
        register,
        login,
        refresh,
        logout,
        change_password,
        confirm_get,
        confirm_post,
        me,
        update_me,
        delete_me,
        list_accounts,
        get_account,
        update_account,
        delete_account,
        set_level,
        ban,
        unban,
        confirm_account,
        reset_password
    ))]
    struct Part;
    let mut doc = <Part as utoipa::OpenApi>::openapi();
    // Issue 16's routes, mounted with these by `accounts::mount`.
    for part in [
        crate::accounts::reset::openapi(),
        crate::accounts::outbox::openapi(),
        crate::accounts::session_list::openapi(),
        crate::accounts::email_change::openapi(),
        crate::accounts::export::openapi(),
    ] {
        doc.merge(part);
    }
    doc
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct RegisterBody {
    /// 3 to 32 ASCII letters, digits, `.`, `_`, `-`.
    // Read as optional so that a body without it answers seed 002's 409/1001, but required.
    #[schema(required = true, value_type = String)]
    pub username: Option<String>,
    /// 8 to 128 characters with a lower-case and an upper-case letter, a digit and a special
    /// character; not a common password.
    #[schema(required = true, value_type = String)]
    pub password: Option<String>,
    pub email: Option<String>,
    pub firstname: Option<String>,
    pub lastname: Option<String>,
    /// `YYYY-MM-DD`.
    pub birthdate: Option<String>,
}

impl RegisterBody {
    /// Seed 002: a body without `username` or `password` is 409/1001.
    pub fn into_registration(self) -> Result<Registration, ApiError> {
        let incomplete = |field: &str| {
            ApiError::conflict(
                code::REGISTER_INCOMPLETE,
                "JSON Body Not Complete",
                format!("`{field}` is required to register."),
            )
            .with("field", field)
        };
        Ok(Registration {
            username: self
                .username
                .filter(|u| !u.trim().is_empty())
                .ok_or_else(|| incomplete("username"))?,
            password: self
                .password
                .filter(|p| !p.is_empty())
                .ok_or_else(|| incomplete("password"))?,
            email: self.email,
            firstname: self.firstname,
            lastname: self.lastname,
            birthdate: self.birthdate,
            locale: None,
        })
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TokenResponse {
    /// The access token, for `Authorization: Bearer`.
    pub token: String,
    /// Opaque; trade it at `auth/refresh` for a new pair. Also set as an HttpOnly cookie.
    pub refresh_token: String,
    /// Seconds the access token lives.
    pub ttl: i64,
    pub token_type: &'static str,
}

impl From<Session> for TokenResponse {
    fn from(s: Session) -> Self {
        TokenResponse {
            token: s.token,
            refresh_token: s.refresh_token,
            ttl: s.ttl,
            token_type: "Bearer",
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Registered {
    pub account: AccountView,
    #[serde(flatten)]
    pub session: Option<TokenResponse>,
}

/// Create an account (level 1). A confirmation link goes to the email, if given.
#[utoipa::path(post, path = "/api/v1/auth/register", tag = "auth", request_body = RegisterBody,
    responses((status = 201, body = Registered), (status = "4XX", body = crate::http::error::ErrorBody)))]
#[post("/auth/register", data = "<body>")]
async fn register(
    app: &State<App>,
    ip: ClientIp,
    jar: &CookieJar<'_>,
    client: Client,
    body: JsonBody<RegisterBody>,
) -> Result<Created<Json<Registered>>, ApiError> {
    let mut registration = body.0.into_registration()?;
    registration.locale = client.locale.0;
    let done = service::register(app, registration, &ip.key()).await?;
    if let Some(s) = &done.session {
        client.record(app, &s.refresh_token).await?;
        set_refresh_cookie(jar, app, &s.refresh_token);
    }
    let location = format!("/api/v1/accounts/{}", done.account.id);
    let body = Registered {
        account: AccountView::of(&done.account, true, now()),
        session: done.session.map(Into::into),
    };
    Ok(Created::new(location).body(Json(body)))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct LoginBody {
    /// Username or email (seed 001). `username` and `email` are accepted as aliases.
    pub login: Option<String>,
    pub username: Option<String>,
    pub email: Option<String>,
    #[schema(required = true, value_type = String)]
    pub password: Option<String>,
}

impl LoginBody {
    /// Seed 002: a body without a login or a password is 409/1101.
    pub fn credentials(self) -> Result<(String, String), ApiError> {
        let incomplete = |field: &str| {
            ApiError::conflict(
                code::LOGIN_INCOMPLETE,
                "JSON Body Not Complete",
                format!("`{field}` is required to log in."),
            )
            .with("field", field)
        };
        let login = self
            .login
            .or(self.username)
            .or(self.email)
            .filter(|l| !l.trim().is_empty())
            .ok_or_else(|| incomplete("login"))?;
        let password = self
            .password
            .filter(|p| !p.is_empty())
            .ok_or_else(|| incomplete("password"))?;
        Ok((login, password))
    }
}

/// Log in with a username or email. Failures count towards a ban (see the README).
#[utoipa::path(post, path = "/api/v1/auth/login", tag = "auth", request_body = LoginBody,
    responses((status = 200, body = TokenResponse), (status = "4XX", body = crate::http::error::ErrorBody)))]
#[post("/auth/login", data = "<body>")]
async fn login(
    app: &State<App>,
    ip: ClientIp,
    client: Client,
    jar: &CookieJar<'_>,
    body: JsonBody<LoginBody>,
) -> Result<Json<TokenResponse>, ApiError> {
    let (login, password) = body.0.credentials()?;
    let session = sessions::sign_in(app, jar, ip, &login, &password)
        .await
        .map_err(|e| e.into_api(app))?;
    client.record(app, &session.refresh_token).await?;
    Ok(Json(session.into()))
}

#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct RefreshBody {
    /// Optional: the cookie or an `Authorization: Bearer <refresh token>` header also work.
    pub refresh_token: Option<String>,
}

/// Trade a refresh token for a new pair (the old one is used up; its reuse ends the session).
#[utoipa::path(post, path = "/api/v1/auth/refresh", tag = "auth", request_body = Option<RefreshBody>,
    responses((status = 200, body = TokenResponse), (status = "4XX", body = crate::http::error::ErrorBody)))]
#[post("/auth/refresh", data = "<body>")]
async fn refresh(
    app: &State<App>,
    bearer: BearerToken,
    client: Client,
    jar: &CookieJar<'_>,
    body: JsonBody<RefreshBody>,
) -> Result<Json<TokenResponse>, ApiError> {
    let session = refresh_session(app, &bearer, jar, body.0.refresh_token).await?;
    client.record(app, &session.refresh_token).await?;
    Ok(Json(session.into()))
}

/// Who opens or renews a session: address, `User-Agent`, language (issue 16).
pub struct Client {
    pub ip: ClientIp,
    pub user_agent: crate::accounts::session_list::UserAgent,
    pub locale: crate::accounts::letters::RequestLocale,
}

impl Client {
    /// Notes where the session of `refresh_token` was opened or renewed from.
    pub async fn record(&self, app: &App, refresh_token: &str) -> Result<(), ApiError> {
        crate::accounts::session_list::record_client(
            app,
            refresh_token,
            &self.ip.key(),
            &self.user_agent,
        )
        .await
    }
}

#[rocket::async_trait]
impl<'r> rocket::request::FromRequest<'r> for Client {
    type Error = ();

    async fn from_request(req: &'r rocket::Request<'_>) -> rocket::request::Outcome<Self, ()> {
        let ip = rocket::outcome::try_outcome!(req.guard::<ClientIp>().await);
        let user_agent = rocket::outcome::try_outcome!(
            req.guard::<crate::accounts::session_list::UserAgent>()
                .await
        );
        let locale = rocket::outcome::try_outcome!(
            req.guard::<crate::accounts::letters::RequestLocale>().await
        );
        rocket::request::Outcome::Success(Client {
            ip,
            user_agent,
            locale,
        })
    }
}

/// Shared by both faces: finds the refresh token, rotates it, and resets the cookie.
pub async fn refresh_session(
    app: &App,
    bearer: &BearerToken,
    jar: &CookieJar<'_>,
    body: Option<String>,
) -> Result<Session, ApiError> {
    let token = required_refresh_token(body, bearer.0.as_deref(), jar)?;
    match sessions::refresh(app, &token).await {
        Ok(session) => {
            set_refresh_cookie(jar, app, &session.refresh_token);
            Ok(session)
        }
        Err(e) => {
            clear_refresh_cookie(jar);
            Err(e)
        }
    }
}

/// End the session: the refresh token's family (body, header or cookie), or the access
/// token's own session.
#[utoipa::path(post, path = "/api/v1/auth/logout", tag = "auth", request_body = Option<RefreshBody>,
    responses((status = 204), (status = "4XX", body = crate::http::error::ErrorBody)))]
#[post("/auth/logout", data = "<body>")]
async fn logout(
    app: &State<App>,
    bearer: BearerToken,
    jar: &CookieJar<'_>,
    body: JsonBody<RefreshBody>,
) -> Result<Status, ApiError> {
    end_session(app, &bearer, jar, body.0.refresh_token).await
}

/// Shared by both faces.
pub async fn end_session(
    app: &App,
    bearer: &BearerToken,
    jar: &CookieJar<'_>,
    body: Option<String>,
) -> Result<Status, ApiError> {
    let refresh = refresh_token_of(body, bearer.0.as_deref(), jar);
    let session = match bearer.0.as_deref().filter(|t| is_jwt(t)) {
        Some(access) => {
            let user = crate::accounts::auth::authenticate(app, access).await?;
            Some((user.id, user.session))
        }
        None => None,
    };
    if refresh.is_none() && session.is_none() {
        return Err(ApiError::no_token());
    }
    clear_refresh_cookie(jar);
    if !sessions::logout(app, refresh.as_deref(), session).await? {
        return Err(ApiError::invalid_token());
    }
    Ok(Status::NoContent)
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct PasswordBody {
    #[serde(alias = "oldPassword")]
    #[schema(required = true, value_type = String)]
    pub old_password: Option<String>,
    #[serde(alias = "newPassword")]
    #[schema(required = true, value_type = String)]
    pub new_password: Option<String>,
}

impl PasswordBody {
    pub fn into_pair(self) -> Result<(String, String), ApiError> {
        let incomplete = |field: &str| {
            ApiError::conflict(
                code::PASSWORD_INCOMPLETE,
                "JSON Body Not Complete",
                format!("`{field}` is required to change the password."),
            )
            .with("field", field)
        };
        Ok((
            self.old_password
                .filter(|p| !p.is_empty())
                .ok_or_else(|| incomplete("oldPassword"))?,
            self.new_password
                .filter(|p| !p.is_empty())
                .ok_or_else(|| incomplete("newPassword"))?,
        ))
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PasswordChanged {
    /// A fresh access token for this session: the old one died with the change.
    pub token: String,
    pub ttl: i64,
}

/// Change one's own password. Every other session ends.
#[utoipa::path(post, path = "/api/v1/auth/password", tag = "auth", request_body = PasswordBody, security(("bearer" = [])),
    responses((status = 200, body = PasswordChanged), (status = "4XX", body = crate::http::error::ErrorBody)))]
#[post("/auth/password", data = "<body>")]
async fn change_password(
    app: &State<App>,
    user: AuthUser,
    body: JsonBody<PasswordBody>,
) -> Result<Json<PasswordChanged>, ApiError> {
    let (old, new) = body.0.into_pair()?;
    let session = service::change_password(app, &user, &old, &new).await?;
    Ok(Json(PasswordChanged {
        token: session.token,
        ttl: session.ttl,
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct ConfirmBody {
    /// The token of the confirmation link.
    pub token: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Confirmed {
    pub confirmed: bool,
    pub account_id: i64,
    pub message: &'static str,
}

/// The confirmation link sent by email.
#[utoipa::path(get, path = "/api/v1/auth/confirm", tag = "auth",
    params(("token" = Option<String>, Query, description = "The token of the confirmation link.")),
    responses((status = 200, body = Confirmed), (status = "4XX", body = crate::http::error::ErrorBody)))]
#[get("/auth/confirm?<token>")]
async fn confirm_get(app: &State<App>, token: Option<String>) -> Result<Json<Confirmed>, ApiError> {
    confirm(app, token.as_deref().unwrap_or_default()).await
}

/// Confirm an email with the token of the link.
#[utoipa::path(post, path = "/api/v1/auth/confirm", tag = "auth", request_body = ConfirmBody,
    responses((status = 200, body = Confirmed), (status = "4XX", body = crate::http::error::ErrorBody)))]
#[post("/auth/confirm", data = "<body>")]
async fn confirm_post(
    app: &State<App>,
    body: JsonBody<ConfirmBody>,
) -> Result<Json<Confirmed>, ApiError> {
    confirm(app, &body.0.token).await
}

async fn confirm(app: &App, token: &str) -> Result<Json<Confirmed>, ApiError> {
    if token.is_empty() {
        return Err(ApiError::missing("token"));
    }
    let account_id = service::confirm_email(app, token).await?;
    Ok(Json(Confirmed {
        confirmed: true,
        account_id,
        message: "Your email address is confirmed.",
    }))
}

/// The caller's own account, private fields included.
#[utoipa::path(get, path = "/api/v1/me", tag = "accounts", security(("bearer" = [])),
    responses((status = 200, body = AccountView), (status = "4XX", body = crate::http::error::ErrorBody)))]
#[get("/me")]
async fn me(app: &State<App>, user: AuthUser) -> Result<Json<AccountView>, ApiError> {
    let id = user.id;
    let account = app.db.read(move |c| model::get(c, id)).await?;
    Ok(Json(AccountView::of(&account, true, now())))
}

#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct ProfileBody {
    pub username: Option<String>,
    /// An empty string removes the email.
    pub email: Option<String>,
    pub firstname: Option<String>,
    pub lastname: Option<String>,
    /// `YYYY-MM-DD`; an empty string removes it.
    pub birthdate: Option<String>,
    /// Admins only; null removes the account from its group.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<i64>)]
    pub group_id: Option<Option<i64>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<i64>)]
    pub avatar_id: Option<Option<i64>>,
    /// Admins only.
    pub email_confirmed: Option<bool>,
    /// `fr` or `en`: the language of the account's emails; an empty string clears it.
    pub locale: Option<String>,
}

impl From<ProfileBody> for ProfileChange {
    fn from(b: ProfileBody) -> Self {
        ProfileChange {
            username: b.username,
            email: b.email,
            firstname: b.firstname,
            lastname: b.lastname,
            birthdate: b.birthdate,
            group_id: b.group_id,
            avatar_id: b.avatar_id,
            email_confirmed: b.email_confirmed,
            locale: b.locale,
        }
    }
}

/// Edit one's own profile. Passwords change through `auth/password`; levels through
/// `accounts/{id}/level`.
#[utoipa::path(patch, path = "/api/v1/me", tag = "accounts", request_body = Option<ProfileBody>, security(("bearer" = [])),
    responses((status = 200, body = AccountView), (status = "4XX", body = crate::http::error::ErrorBody)))]
#[patch("/me", data = "<body>")]
async fn update_me(
    app: &State<App>,
    user: AuthUser,
    body: JsonBody<ProfileBody>,
) -> Result<Json<AccountView>, ApiError> {
    let account = service::update_profile(app, &user, user.id, body.0.into()).await?;
    Ok(Json(AccountView::of(&account, true, now())))
}

/// Delete one's own account.
#[utoipa::path(delete, path = "/api/v1/me", tag = "accounts", security(("bearer" = [])),
    responses((status = 204), (status = "4XX", body = crate::http::error::ErrorBody)))]
#[delete("/me")]
async fn delete_me(
    app: &State<App>,
    user: AuthUser,
    jar: &CookieJar<'_>,
) -> Result<Status, ApiError> {
    service::delete(app, &user, user.id).await?;
    clear_refresh_cookie(jar);
    Ok(Status::NoContent)
}

/// Accounts, newest first. Emails and birthdates are shown to moderators and admins only.
// The query parameters are listed one by one (not as an `IntoParams` struct) so that utoipa
// merges them with the handler's arguments instead of listing each twice.
#[utoipa::path(get, path = "/api/v1/accounts", tag = "accounts", security(("bearer" = [])),
    params(
        Paging,
        ("q" = Option<String>, Query, description = "Searches username, names and (for staff) email."),
        ("level" = Option<i64>, Query, description = "1 member, 2 moderator, 3 admin."),
        ("group" = Option<i64>, Query, description = "A group id: its members and those of its sub-groups."),
    ),
    responses((status = 200, body = Page<AccountView>), (status = "4XX", body = crate::http::error::ErrorBody)))]
#[get("/accounts?<q>&<level>&<group>")]
async fn list_accounts(
    app: &State<App>,
    user: AuthUser,
    page: PageRequest,
    q: Option<String>,
    level: QueryInt<'_>,
    group: QueryInt<'_>,
) -> Result<Json<Page<AccountView>>, ApiError> {
    let level = query_int("level", level)?
        .map(Level::try_from)
        .transpose()
        .map_err(|e| ApiError::invalid("level", e))?;
    let group = query_int("group", group)?;
    let search = q
        .filter(|s| !s.trim().is_empty())
        .map(|s| s.trim().chars().take(100).collect());
    // Members may not search by email: that would reveal it one letter at a time.
    let staff = user.is_moderator();
    let filter = ListFilter {
        search,
        level,
        group_id: group,
        email_search: staff,
    };
    let rows = app
        .db
        .read(move |c| model::list(c, &filter, page.before, page.fetch()))
        .await?;
    let now = now();
    let views = rows
        .iter()
        .map(|a| AccountView::of(a, staff || a.id == user.id, now))
        .collect();
    Ok(Json(page.page(views, |a: &AccountView| a.id)))
}

/// One account. Private fields for the owner, moderators and admins only.
#[utoipa::path(get, path = "/api/v1/accounts/{id}", tag = "accounts", params(("id" = i64, Path, minimum = 1)), security(("bearer" = [])),
    responses((status = 200, body = AccountView), (status = "4XX", body = crate::http::error::ErrorBody)))]
#[get("/accounts/<id>")]
async fn get_account(
    app: &State<App>,
    user: AuthUser,
    id: i64,
) -> Result<Json<AccountView>, ApiError> {
    let account = app.db.read(move |c| model::get(c, id)).await?;
    Ok(Json(AccountView::of(
        &account,
        user.id == id || user.is_moderator(),
        now(),
    )))
}

/// Edit an account: the owner, or an admin (who may also set `group_id` and `email_confirmed`).
#[utoipa::path(patch, path = "/api/v1/accounts/{id}", tag = "accounts", params(("id" = i64, Path, minimum = 1)), request_body = Option<ProfileBody>,
    security(("bearer" = [])), responses((status = 200, body = AccountView), (status = "4XX", body = crate::http::error::ErrorBody)))]
#[patch("/accounts/<id>", data = "<body>")]
async fn update_account(
    app: &State<App>,
    user: AuthUser,
    id: i64,
    body: JsonBody<ProfileBody>,
) -> Result<Json<AccountView>, ApiError> {
    let account = service::update_profile(app, &user, id, body.0.into()).await?;
    Ok(Json(AccountView::of(&account, true, now())))
}

/// Delete an account: the owner, or an admin. The last admin cannot be deleted.
#[utoipa::path(delete, path = "/api/v1/accounts/{id}", tag = "accounts", params(("id" = i64, Path, minimum = 1)), security(("bearer" = [])),
    responses((status = 204), (status = "4XX", body = crate::http::error::ErrorBody)))]
#[delete("/accounts/<id>")]
async fn delete_account(app: &State<App>, user: AuthUser, id: i64) -> Result<Status, ApiError> {
    service::delete(app, &user, id).await?;
    Ok(Status::NoContent)
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct LevelBody {
    /// 1 member, 2 moderator, 3 admin.
    pub level: Level,
}

/// Set an account's level (admins). The last admin cannot be demoted.
#[utoipa::path(put, path = "/api/v1/accounts/{id}/level", tag = "accounts", params(("id" = i64, Path, minimum = 1)), request_body = LevelBody,
    security(("bearer" = [])), responses((status = 200, body = AccountView), (status = "4XX", body = crate::http::error::ErrorBody)))]
#[put("/accounts/<id>/level", data = "<body>")]
async fn set_level(
    app: &State<App>,
    admin: Admin,
    id: i64,
    body: JsonBody<LevelBody>,
) -> Result<Json<AccountView>, ApiError> {
    let account = service::set_level(app, &admin.0, id, body.0.level).await?;
    Ok(Json(AccountView::of(&account, true, now())))
}

#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct BanBody {
    /// Seconds; absent for a ban until lifted.
    pub duration: Option<i64>,
    pub reason: Option<String>,
}

/// Ban an account (admins): its sessions end and it cannot log in until the ban ends.
#[utoipa::path(post, path = "/api/v1/accounts/{id}/ban", tag = "accounts", params(("id" = i64, Path, minimum = 1)), request_body = Option<BanBody>,
    security(("bearer" = [])), responses((status = 200, body = AccountView), (status = "4XX", body = crate::http::error::ErrorBody)))]
#[post("/accounts/<id>/ban", data = "<body>")]
async fn ban(
    app: &State<App>,
    admin: Admin,
    id: i64,
    body: JsonBody<BanBody>,
) -> Result<Json<AccountView>, ApiError> {
    let account = service::ban(app, &admin.0, id, body.0.duration, body.0.reason).await?;
    Ok(Json(AccountView::of(&account, true, now())))
}

/// Lift an account's ban (admins).
#[utoipa::path(delete, path = "/api/v1/accounts/{id}/ban", tag = "accounts", params(("id" = i64, Path, minimum = 1)), security(("bearer" = [])),
    responses((status = 200, body = AccountView), (status = "4XX", body = crate::http::error::ErrorBody)))]
#[delete("/accounts/<id>/ban")]
async fn unban(app: &State<App>, _admin: Admin, id: i64) -> Result<Json<AccountView>, ApiError> {
    let account = service::unban(app, id).await?;
    Ok(Json(AccountView::of(&account, true, now())))
}

/// Confirm an account's email by hand (admins), when no email could be sent.
#[utoipa::path(post, path = "/api/v1/accounts/{id}/confirm", tag = "accounts", params(("id" = i64, Path, minimum = 1)), security(("bearer" = [])),
    responses((status = 200, body = AccountView), (status = "4XX", body = crate::http::error::ErrorBody)))]
#[post("/accounts/<id>/confirm")]
async fn confirm_account(
    app: &State<App>,
    _admin: Admin,
    id: i64,
) -> Result<Json<AccountView>, ApiError> {
    let account = service::set_confirmed(app, id, true).await?;
    Ok(Json(AccountView::of(&account, true, now())))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct ResetBody {
    pub password: String,
}

/// Set a new password for an account (admins). All its sessions end.
#[utoipa::path(post, path = "/api/v1/accounts/{id}/password", tag = "accounts", params(("id" = i64, Path, minimum = 1)), request_body = ResetBody,
    security(("bearer" = [])), responses((status = 204), (status = "4XX", body = crate::http::error::ErrorBody)))]
#[post("/accounts/<id>/password", data = "<body>")]
async fn reset_password(
    app: &State<App>,
    _admin: Admin,
    id: i64,
    body: JsonBody<ResetBody>,
) -> Result<Status, ApiError> {
    service::reset_password(app, id, &body.0.password).await?;
    Ok(Status::NoContent)
}
