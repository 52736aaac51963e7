//! Choosing a password through a link: the forgotten-password flow (the member asks, the link
//! goes to their email), setup links made by an admin for an account (handed over when the
//! school has no SMTP), and invites: accounts an admin creates with no usable password,
//! whose setup link is the only way in. Also who may register (`registration`).
//!
//! A link is `{public_url}/reset?token=…`: 32 random bytes, stored as a SHA-256 hash, used
//! once; using it sets the password, bumps the token version and ends every session.

use rocket::http::{ContentType, Header, Status};
use rocket::response::status::Created;
use rocket::serde::json::Json;
use rocket::{State, get, post, routes};
use rusqlite::{Connection, OptionalExtension, params};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use utoipa::ToSchema;

use crate::accounts::App;
use crate::accounts::auth::{Admin, AuthUser};
use crate::accounts::letters::{self, Locale, RequestLocale};
use crate::accounts::model::{self, AccountView, Level, NewAccount};
use crate::accounts::outbox;
use crate::accounts::passwords::{self, random_text};
use crate::accounts::sessions;
use crate::audit;
use crate::config::Config;
use crate::db::now;
use crate::http::body::JsonBody;
use crate::http::client::ClientIp;
use crate::http::error::{ApiError, code};
use crate::validate;

/// The window of the reset request counters.
const WINDOW: i64 = 3600;

/// Settings of this module that `Config::check` refuses.
pub fn check_config(c: &Config) -> Result<(), String> {
    if !["open", "invite", "closed"].contains(&c.registration.as_str()) {
        return Err("registration must be open, invite or closed".into());
    }
    if Locale::parse(&c.default_locale).is_none() {
        return Err("default_locale must be fr or en".into());
    }
    if c.password_reset_ttl < 60 || c.setup_link_ttl < 60 {
        return Err("password_reset_ttl and setup_link_ttl must be at least 60 seconds".into());
    }
    if c.password_reset_max_per_login < 1 || c.password_reset_max_per_ip < 1 {
        return Err(
            "password_reset_max_per_login and password_reset_max_per_ip must be at least 1".into(),
        );
    }
    if c.mail_retry_initial < 1 || c.mail_max_age < 1 || c.mail_max_attempts < 1 {
        return Err(
            "mail_retry_initial, mail_max_age and mail_max_attempts must be at least 1".into(),
        );
    }
    Ok(())
}

/// The language of the server when neither the account nor the request names one.
pub fn default_locale(app: &App) -> Locale {
    Locale::default_of(&app.config)
}

/// Whether self-registration (every face: REST, `/auth/register`, seed `/register`) may
/// create an account with `email`. `service::register` calls it first.
pub fn check_registration(config: &Config, email: Option<&str>) -> Result<(), ApiError> {
    match config.registration.as_str() {
        "open" => {}
        mode => {
            return Err(ApiError::new(
                403,
                code::REGISTRATION_CLOSED,
                "Registration Closed",
                if mode == "invite" {
                    "Accounts are made by invitation: ask the school for your setup link."
                } else {
                    "This server does not accept new accounts."
                },
            ));
        }
    }
    let domains = &config.registration_domains;
    if domains.is_empty() {
        return Ok(());
    }
    let allowed = email
        .and_then(|e| e.rsplit_once('@'))
        .is_some_and(|(_, d)| {
            domains
                .iter()
                .any(|a| a.trim_start_matches('@').eq_ignore_ascii_case(d))
        });
    if allowed {
        Ok(())
    } else {
        Err(ApiError::new(
            403,
            code::EMAIL_DOMAIN_NOT_ALLOWED,
            "Email Domain Not Allowed",
            format!(
                "Registration needs an email address of {}.",
                domains.join(", ")
            ),
        )
        .with("field", "email"))
    }
}

fn link_hash(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

/// Stores a new link for `account_id` (older unused links of the account stop working);
/// returns (token, expires_at).
fn new_link(
    conn: &Connection,
    account_id: i64,
    purpose: &str,
    created_by: Option<i64>,
    ttl: i64,
) -> Result<(String, i64), ApiError> {
    let now = now();
    conn.execute(
        "UPDATE password_links SET used_at = ?2 WHERE account_id = ?1 AND used_at IS NULL",
        params![account_id, now],
    )?;
    let token = random_text(32);
    conn.execute(
        "INSERT INTO password_links (token_hash, account_id, purpose, created_by, created_at, expires_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![link_hash(&token), account_id, purpose, created_by, now, now + ttl],
    )?;
    Ok((token, now + ttl))
}

/// Counts one request under `key`; `Some(seconds)` once past `max` in the window.
fn count_request(
    conn: &Connection,
    key: &str,
    max: i64,
    now: i64,
) -> Result<Option<i64>, ApiError> {
    let (start, count): (i64, i64) = conn.query_row(
        "INSERT INTO reset_requests (key, window_start, count) VALUES (?1, ?2, 1)
         ON CONFLICT (key) DO UPDATE SET
             count = CASE WHEN window_start + ?3 <= ?2 THEN 1 ELSE count + 1 END,
             window_start = CASE WHEN window_start + ?3 <= ?2 THEN ?2 ELSE window_start END
         RETURNING window_start, count",
        params![key, now, WINDOW],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    Ok((count > max).then(|| start + WINDOW - now))
}

fn too_many(seconds: i64) -> ApiError {
    ApiError::new(
        429,
        code::RESET_TOO_MANY,
        "Too Many Requests",
        format!("Too many password reset requests: try again in {seconds} seconds."),
    )
    .retry_after(seconds)
}

// ---- the member asks -------------------------------------------------------------------

#[derive(Debug, Deserialize, ToSchema)]
pub struct ResetRequestBody {
    /// Username or email of the account.
    pub login: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ResetRequested {
    pub message: &'static str,
}

/// Asks for a password reset link. The answer is the same (202) whether or not an account has
/// this name or address; when one has and it has an email, a link is sent there. Limited per
/// login and per client address (429 with `Retry-After`).
pub async fn request_reset(
    app: &App,
    login: &str,
    ip: &str,
    request_locale: Option<Locale>,
) -> Result<(), ApiError> {
    let login = login.trim().to_owned();
    if login.is_empty() {
        return Err(ApiError::missing("login"));
    }
    if login.chars().count() > model::EMAIL_MAX {
        return Err(ApiError::invalid(
            "login",
            format!("must be at most {} characters", model::EMAIL_MAX),
        ));
    }
    // The same work whatever the account: the token is drawn and hashed before we know.
    let token = random_text(32);
    let hash = link_hash(&token);
    let link = app.mailer.password_link(&token);
    let (login_key, ip_key) = (
        format!("login:{}", login.to_lowercase()),
        format!("ip:{ip}"),
    );
    let (max_login, max_ip) = (
        app.config.password_reset_max_per_login,
        app.config.password_reset_max_per_ip,
    );
    let ttl = app.config.password_reset_ttl;
    let school = app.config.school_name.clone();
    let fallback = request_locale.unwrap_or_else(|| default_locale(app));
    let queued = app
        .db
        .write(move |tx| {
            let now = now();
            let ip_wait = count_request(tx, &ip_key, max_ip, now)?;
            let login_wait = count_request(tx, &login_key, max_login, now)?;
            if let Some(wait) = ip_wait.into_iter().chain(login_wait).max() {
                // The counts are committed: the refusal travels inside `Ok`.
                return Ok(Err(wait));
            }
            let Some(account) = model::find_by_login(tx, &login)? else { return Ok(Ok(false)) };
            let Some(email) = account.email.clone() else { return Ok(Ok(false)) };
            // At most `max_login` links an hour for one account, whichever name asked: past
            // that nothing is sent, and the answer stays the same.
            let recent: i64 = tx.query_row(
                "SELECT COUNT(*) FROM password_links WHERE account_id = ?1 AND purpose = 'reset' AND created_at > ?2",
                params![account.id, now - WINDOW],
                |r| r.get(0),
            )?;
            if recent >= max_login {
                return Ok(Ok(false));
            }
            tx.execute(
                "UPDATE password_links SET used_at = ?2 WHERE account_id = ?1 AND used_at IS NULL",
                params![account.id, now],
            )?;
            tx.execute(
                "INSERT INTO password_links (token_hash, account_id, purpose, created_at, expires_at) VALUES (?1, ?2, 'reset', ?3, ?4)",
                params![hash, account.id, now, now + ttl],
            )?;
            let locale = Locale::of_account(tx, account.id, fallback)?;
            let letter = letters::password_reset(&school, locale, &account.username, &link, ttl);
            outbox::enqueue(tx, Some(account.id), &email, &letter)?;
            Ok(Ok(true))
        })
        .await?;
    match queued {
        Err(wait) => Err(too_many(wait)),
        Ok(true) => {
            app.outbox.wake();
            Ok(())
        }
        Ok(false) => Ok(()),
    }
}

/// Ask for a link to choose a new password. Always 202 (an unknown login is not told apart).
#[utoipa::path(post, path = "/api/v1/auth/password-reset", tag = "auth", request_body = ResetRequestBody,
    responses((status = 202, body = ResetRequested), (status = "4XX", body = crate::http::error::ErrorBody)))]
#[post("/auth/password-reset", data = "<body>")]
async fn password_reset(
    app: &State<App>,
    ip: ClientIp,
    locale: RequestLocale,
    body: JsonBody<ResetRequestBody>,
) -> Result<(Status, Json<ResetRequested>), ApiError> {
    request_reset(app, &body.0.login, &ip.key(), locale.0).await?;
    Ok((
        Status::Accepted,
        Json(ResetRequested {
            message: "If an account has this name or address and an email, a link to choose a new password was sent to it.",
        }),
    ))
}

// ---- the link is used ------------------------------------------------------------------

#[derive(Debug, Deserialize, ToSchema)]
pub struct ResetConfirmBody {
    /// The `token` of the link.
    pub token: String,
    /// The new password, under the usual rules.
    pub password: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PasswordChosen {
    pub account_id: i64,
    pub username: String,
    pub message: &'static str,
}

struct LinkRow {
    account_id: i64,
    purpose: String,
    expires_at: i64,
    used_at: Option<i64>,
}

fn find_link(conn: &Connection, hash: &[u8]) -> Result<LinkRow, ApiError> {
    let row = conn
        .query_row(
            "SELECT account_id, purpose, expires_at, used_at FROM password_links WHERE token_hash = ?1",
            [hash],
            |r| Ok(LinkRow { account_id: r.get(0)?, purpose: r.get(1)?, expires_at: r.get(2)?, used_at: r.get(3)? }),
        )
        .optional()?;
    let bad = |code: u32, error: &'static str, why: &str| {
        ApiError::new(
            400,
            code,
            error,
            format!("This link {why}: ask for a new one."),
        )
        .with("field", "token")
    };
    match row {
        None => Err(bad(code::LINK_INVALID, "Invalid Link", "is not valid")),
        Some(r) if r.used_at.is_some() => Err(bad(
            code::LINK_USED,
            "Link Already Used",
            "was already used or replaced by a newer one",
        )),
        Some(r) if r.expires_at <= now() => {
            Err(bad(code::LINK_EXPIRED, "Link Expired", "has expired"))
        }
        Some(r) => Ok(r),
    }
}

/// Sets the password of the link's account; ends all its sessions.
pub async fn use_link(app: &App, token: &str, password: &str) -> Result<PasswordChosen, ApiError> {
    if token.is_empty() {
        return Err(ApiError::missing("token"));
    }
    let hash = link_hash(token);
    let account = {
        let hash = hash.clone();
        app.db
            .read(move |c| model::get(c, find_link(c, &hash)?.account_id))
            .await?
    };
    if password.is_empty() {
        return Err(ApiError::missing("password"));
    }
    if let Some(reason) = passwords::weakness(password, &account.username) {
        return Err(ApiError::conflict(
            code::PASSWORD_NOT_SECURE,
            "Password Not Secure",
            format!("The password {reason}."),
        )
        .with("field", "password"));
    }
    let password_hash = app.passwords.hash(password).await?;
    app.db
        .write(move |tx| {
            // Again inside the transaction: two uses racing each other, one wins.
            let link = find_link(tx, &hash)?;
            let account = model::get(tx, link.account_id)?;
            let now = now();
            tx.execute(
                "UPDATE password_links SET used_at = ?2 WHERE account_id = ?1 AND used_at IS NULL",
                params![account.id, now],
            )?;
            // A link that came by email proves the address.
            tx.execute(
                "UPDATE accounts SET password_hash = ?2, token_version = token_version + 1, must_set_password = 0,
                    email_confirmed = CASE WHEN ?3 AND email IS NOT NULL THEN 1 ELSE email_confirmed END, updated_at = ?4
                 WHERE id = ?1",
                params![account.id, password_hash, link.purpose == "reset", crate::db::now_ms()],
            )?;
            sessions::end_sessions(tx, account.id, None)?;
            Ok(PasswordChosen {
                account_id: account.id,
                username: account.username,
                message: "Your password is set: sign in with it.",
            })
        })
        .await
}

/// Choose a new password with the token of a reset or setup link. Every session of the
/// account ends.
#[utoipa::path(post, path = "/api/v1/auth/password-reset/confirm", tag = "auth", request_body = ResetConfirmBody,
    responses((status = 200, body = PasswordChosen), (status = "4XX", body = crate::http::error::ErrorBody)))]
#[post("/auth/password-reset/confirm", data = "<body>")]
async fn password_reset_confirm(
    app: &State<App>,
    body: JsonBody<ResetConfirmBody>,
) -> Result<Json<PasswordChosen>, ApiError> {
    Ok(Json(use_link(app, &body.0.token, &body.0.password).await?))
}

// ---- admins make links and invites ------------------------------------------------------

#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct SetupLinkBody {
    /// Also email the link to the account's address (when it has one).
    #[serde(default)]
    pub send_email: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SetupLink {
    pub account_id: i64,
    /// `{public_url}/reset?token=…`: hand it to the member; it works once.
    pub link: String,
    /// Unix seconds.
    pub expires_at: i64,
    /// Whether the link was also queued for the account's email.
    pub emailed: bool,
}

/// Makes a setup link for `account` inside the caller's transaction (older links of the
/// account stop working); queues it for the account's email when `send_email`.
fn new_setup_link(
    app: &App,
    tx: &Connection,
    actor: i64,
    account: &model::Account,
    send_email: bool,
    fallback: Locale,
) -> Result<SetupLink, ApiError> {
    let (token, expires_at) = new_link(
        tx,
        account.id,
        "setup",
        Some(actor),
        app.config.setup_link_ttl,
    )?;
    let link = app.mailer.password_link(&token);
    let emailed = match (&account.email, send_email) {
        (Some(email), true) => {
            let locale = Locale::of_account(tx, account.id, fallback)?;
            let letter = letters::setup(&app.config.school_name, locale, &account.username, &link);
            outbox::enqueue(tx, Some(account.id), email, &letter)?;
            true
        }
        _ => false,
    };
    audit::record(tx, actor, "setup_link", "account", account.id, None)?;
    Ok(SetupLink {
        account_id: account.id,
        link,
        expires_at,
        emailed,
    })
}

/// Creates an invited account inside the caller's transaction (`POST /accounts` and the class
/// import): no usable password (`password_hash` hashes a secret nobody keeps),
/// `must_set_password`, the language of its emails, its group, the creator recorded in
/// `created_by`, and its first setup link.
#[allow(clippy::too_many_arguments)]
pub fn invite_in(
    app: &App,
    tx: &Connection,
    actor: i64,
    new: &NewAccount,
    locale: Option<Locale>,
    group_id: Option<i64>,
    send_email: bool,
    fallback: Locale,
) -> Result<(model::Account, SetupLink), ApiError> {
    let id = model::insert(tx, new, crate::db::now_ms())?;
    tx.execute(
        "UPDATE accounts SET must_set_password = 1, created_by = ?2, group_id = ?3, locale = ?4 WHERE id = ?1",
        params![id, actor, group_id, locale.map(Locale::as_str)],
    )?;
    audit::record(tx, actor, "invite", "account", id, Some(&new.username))?;
    let account = model::get(tx, id)?;
    let setup = new_setup_link(app, tx, actor, &account, send_email, fallback)?;
    Ok((account, setup))
}

/// Makes a setup link for `account_id` (older links of the account stop working).
pub async fn setup_link(
    app: &App,
    actor: i64,
    account_id: i64,
    send_email: bool,
    request_locale: Option<Locale>,
) -> Result<SetupLink, ApiError> {
    let app2 = app.clone();
    let fallback = request_locale.unwrap_or_else(|| default_locale(app));
    let made = app
        .db
        .write(move |tx| {
            let account = model::get(tx, account_id)?;
            new_setup_link(&app2, tx, actor, &account, send_email, fallback)
        })
        .await?;
    if made.emailed {
        app.outbox.wake();
    }
    Ok(made)
}

/// Make a single-use link with which the account chooses its password (admins, and the
/// moderator who imported the account), to hand over when there is no SMTP, instead of typing a
/// password for them.
#[utoipa::path(post, path = "/api/v1/accounts/{id}/setup-link", tag = "accounts", params(("id" = i64, Path, minimum = 1)),
    request_body = Option<SetupLinkBody>, security(("bearer" = [])),
    responses((status = 201, body = SetupLink), (status = "4XX", body = crate::http::error::ErrorBody)))]
#[post("/accounts/<id>/setup-link", data = "<body>")]
async fn make_setup_link(
    app: &State<App>,
    user: AuthUser,
    locale: RequestLocale,
    id: i64,
    body: JsonBody<SetupLinkBody>,
) -> Result<Created<Json<SetupLink>>, ApiError> {
    // Admins; and the moderator who created the account (a class import), for that account.
    if !user.is_admin() {
        let me = user.id;
        let created_by: Option<i64> = app
            .db
            .read(move |c| {
                Ok(
                    c.query_row("SELECT created_by FROM accounts WHERE id = ?1", [id], |r| {
                        r.get(0)
                    })
                    .optional()?
                    .flatten(),
                )
            })
            .await?;
        if !(user.is_moderator() && created_by == Some(me)) {
            return Err(ApiError::forbidden(
                "Only an admin, or the moderator who imported the account, may make its setup link.",
            ));
        }
    }
    let link = setup_link(app, user.id, id, body.0.send_email, locale.0).await?;
    Ok(Created::new(format!("/api/v1/accounts/{id}")).body(Json(link)))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct InviteBody {
    /// 3 to 32 letters, digits, `.`, `_`, `-`.
    pub username: String,
    pub email: Option<String>,
    pub firstname: Option<String>,
    pub lastname: Option<String>,
    /// 1 member (default), 2 moderator, 3 admin.
    pub level: Option<Level>,
    /// `fr` or `en`: the language of the account's emails.
    pub locale: Option<String>,
    /// The group (class) the account belongs to.
    pub group_id: Option<i64>,
    /// Also email the setup link (when an email is given).
    #[serde(default)]
    pub send_email: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Invited {
    pub account: AccountView,
    #[serde(flatten)]
    pub setup: SetupLink,
}

/// Parses an optional `locale` field.
pub fn parse_locale(value: Option<&str>) -> Result<Option<Locale>, ApiError> {
    match value.map(str::trim).filter(|v| !v.is_empty()) {
        None => Ok(None),
        Some(v) => match v {
            "fr" | "en" => Ok(Locale::parse(v)),
            _ => Err(ApiError::invalid("locale", "must be fr or en")),
        },
    }
}

/// Creates an account for someone (admins): it has no usable password and must choose one
/// with its setup link, the only way in until then. Works whatever `registration` says.
#[utoipa::path(post, path = "/api/v1/accounts", tag = "accounts", request_body = InviteBody, security(("bearer" = [])),
    responses((status = 201, body = Invited), (status = "4XX", body = crate::http::error::ErrorBody)))]
#[post("/accounts", data = "<body>")]
async fn invite(
    app: &State<App>,
    admin: Admin,
    locale: RequestLocale,
    body: JsonBody<InviteBody>,
) -> Result<Created<Json<Invited>>, ApiError> {
    let b = body.0;
    let username = validate::username(&b.username)?;
    let email = validate::optional_email("email", b.email.as_deref())?;
    let firstname = validate::optional_text("firstname", b.firstname.as_deref(), model::NAME_MAX)?;
    let lastname = validate::optional_text("lastname", b.lastname.as_deref(), model::NAME_MAX)?;
    let account_locale = parse_locale(b.locale.as_deref())?;
    // Nobody knows this password: the setup link is the only way in.
    let password_hash = app.passwords.hash(&random_text(32)).await?;
    let new = NewAccount {
        username,
        email,
        password_hash,
        firstname,
        lastname,
        birthdate: None,
        level: b.level.unwrap_or(Level::Member),
        // The admin vouches for the address.
        email_confirmed: true,
    };
    let actor = admin.0.id;
    let (app2, send_email, group) = (app.inner().clone(), b.send_email, b.group_id);
    let fallback = locale.0.unwrap_or_else(|| default_locale(app));
    // The account and its first link in one transaction: no invite without a way in.
    let (account, setup) = app
        .db
        .write(move |tx| {
            if let Some(group) = group {
                let exists = tx
                    .query_row("SELECT 1 FROM groups WHERE id = ?1", [group], |_| Ok(()))
                    .optional()?;
                if exists.is_none() {
                    return Err(ApiError::invalid(
                        "group_id",
                        format!("no group with id {group} exists"),
                    ));
                }
            }
            invite_in(
                &app2,
                tx,
                actor,
                &new,
                account_locale,
                group,
                send_email,
                fallback,
            )
        })
        .await?;
    if setup.emailed {
        app.outbox.wake();
    }
    let id = account.id;
    Ok(
        Created::new(format!("/api/v1/accounts/{id}")).body(Json(Invited {
            account: AccountView::of(&account, true, now()),
            setup,
        })),
    )
}

// ---- the page the link opens -----------------------------------------------------------

const RESET_PAGE: &str = include_str!("../../static/admin/reset.html");
const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

pub struct Page(&'static str);

impl<'r> rocket::response::Responder<'r, 'static> for Page {
    fn respond_to(self, _: &'r rocket::Request<'_>) -> rocket::response::Result<'static> {
        rocket::Response::build()
            .header(ContentType::HTML)
            .header(Header::new("Content-Security-Policy", CSP))
            .header(Header::new("X-Content-Type-Options", "nosniff"))
            .header(Header::new("X-Frame-Options", "DENY"))
            // The token is in the address: never send it on as a referrer.
            .header(Header::new("Referrer-Policy", "no-referrer"))
            .header(Header::new("Cache-Control", "no-store"))
            .sized_body(self.0.len(), std::io::Cursor::new(self.0))
            .ok()
    }
}

/// The page of reset and setup links: a form that posts to `auth/password-reset/confirm`.
#[get("/reset")]
fn reset_page() -> Page {
    Page(RESET_PAGE)
}

pub fn api_routes() -> Vec<rocket::Route> {
    routes![
        password_reset,
        password_reset_confirm,
        make_setup_link,
        invite
    ]
}

pub fn page_routes() -> Vec<rocket::Route> {
    routes![reset_page]
}

pub fn openapi() -> utoipa::openapi::OpenApi {
    #[derive(utoipa::OpenApi)]
    #[openapi(paths(password_reset, password_reset_confirm, make_setup_link, invite))]
    struct Part;
    <Part as utoipa::OpenApi>::openapi()
}

/// The start-up warning when `public_url` — the address every email link uses — is left at
/// its default while the server listens elsewhere: the links would point to nowhere.
pub fn public_url_warning(
    public_url: &str,
    address: std::net::IpAddr,
    port: u16,
) -> Option<String> {
    let default = Config::default().public_url;
    let listens_as_default = address.is_loopback() && port == 8000;
    (public_url.trim_end_matches('/') == default && !listens_as_default).then(|| {
        format!(
            "public_url is left at its default ({default}) while the server listens on {address}:{port}: the links of emails point there; set public_url (PREAU_PUBLIC_URL) to the address people reach this server at"
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_public_url_is_fine_only_on_the_default_address() {
        let lo: std::net::IpAddr = "127.0.0.1"
            .parse()
            .unwrap_or(std::net::IpAddr::from([127, 0, 0, 1]));
        assert!(public_url_warning("http://localhost:8000", lo, 8000).is_none());
        assert!(public_url_warning("http://localhost:8000", lo, 9000).is_some());
        assert!(
            public_url_warning(
                "http://localhost:8000/",
                std::net::IpAddr::from([0, 0, 0, 0]),
                8000
            )
            .is_some()
        );
        assert!(
            public_url_warning(
                "https://school.example",
                std::net::IpAddr::from([0, 0, 0, 0]),
                80
            )
            .is_none()
        );
    }
}
