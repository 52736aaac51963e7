//! The account rules, shared by the REST API and the seed routes: registration, email
//! confirmation, profile edits, password changes, levels, bans and deletion.

use rusqlite::{Connection, OptionalExtension, params};
use sha2::{Digest, Sha256};

use crate::accounts::App;
use crate::accounts::auth::AuthUser;
use crate::accounts::model::{self, Account, Level, NewAccount};
use crate::accounts::passwords::{self, random_text};
use crate::accounts::sessions::{self, Session};
use crate::audit;
use crate::db::now;
use crate::http::error::{ApiError, code};
use crate::validate;

const CONFIRMATION_TTL: i64 = 7 * 24 * 3600;
/// The end of a ban without an end: 9999-12-31, exact in JavaScript numbers (unlike i64::MAX).
pub const BAN_FOREVER: i64 = 253_402_300_799;

/// A registration as every face hands it over. Presence of `username` and `password` is
/// checked by the face (each seed has its own code for an incomplete body).
#[derive(Debug, Default)]
pub struct Registration {
    pub username: String,
    pub password: String,
    pub email: Option<String>,
    pub firstname: Option<String>,
    pub lastname: Option<String>,
    pub birthdate: Option<String>,
    /// The request's language (`Accept-Language`), kept as the account's.
    pub locale: Option<crate::accounts::letters::Locale>,
}

pub struct Registered {
    pub account: Account,
    /// `None` when unconfirmed accounts may not log in.
    pub session: Option<Session>,
}

fn not_secure(code: u32, reason: &str) -> ApiError {
    ApiError::conflict(
        code,
        "Password Not Secure",
        format!("The password {reason}."),
    )
    .with("field", "password")
}

/// Refuses an email change or registration once `key` was told too often that an address is
/// taken (each such answer says the address belongs to someone).
fn email_checks_left(app: &App, key: &str) -> Result<(), ApiError> {
    match app.email_probes.exhausted(key, now()) {
        None => Ok(()),
        Some(left) => Err(ApiError::new(
            429,
            code::EMAIL_CHECKS_EXHAUSTED,
            "Too Many Requests",
            format!("Too many addresses already in use were tried: try again in {left} seconds."),
        )
        .with("field", "email")
        .retry_after(left)),
    }
}

/// Counts the answer "this email is taken" against `key`.
fn count_email_taken<T>(app: &App, key: &str, result: Result<T, ApiError>) -> Result<T, ApiError> {
    if let Err(e) = &result
        && e.code == code::EMAIL_TAKEN
    {
        app.email_probes.hit(key, now());
    }
    result
}

/// Registers an account from `ip` (the key of its "email taken" answers).
pub async fn register(app: &App, r: Registration, ip: &str) -> Result<Registered, ApiError> {
    let username = validate::username(&r.username)?;
    let email = validate::optional_email("email", r.email.as_deref())?;
    let firstname = validate::optional_text("firstname", r.firstname.as_deref(), model::NAME_MAX)?;
    let lastname = validate::optional_text("lastname", r.lastname.as_deref(), model::NAME_MAX)?;
    let birthdate = r
        .birthdate
        .as_deref()
        .filter(|b| !b.trim().is_empty())
        .map(|b| validate::birthdate("birthdate", b))
        .transpose()?;
    // `registration` and `registration_domains`: one place for every face.
    crate::accounts::reset::check_registration(&app.config, email.as_deref())?;
    if let Some(reason) = passwords::weakness(&r.password, &username) {
        return Err(not_secure(code::PASSWORD_NOT_SECURE, &reason));
    }
    let probe_key = format!("ip:{ip}");
    if email.is_some() {
        email_checks_left(app, &probe_key)?;
    }
    let password_hash = app.passwords.hash(&r.password).await?;
    let locale = r.locale;
    let new = NewAccount {
        username,
        email,
        password_hash,
        firstname,
        lastname,
        birthdate,
        level: Level::Member,
        email_confirmed: false,
    };
    let app2 = app.clone();
    let written = app
        .db
        .write(move |tx| {
            let id = model::insert(tx, &new, crate::db::now_ms())?;
            if let Some(l) = locale {
                tx.execute(
                    "UPDATE accounts SET locale = ?2 WHERE id = ?1",
                    params![id, l.as_str()],
                )?;
            }
            let account = model::get(tx, id)?;
            let confirmation = match &account.email {
                Some(email) => Some(queue_confirmation(&app2, tx, &account, email)?),
                None => None,
            };
            let session = if app2.config.allow_unconfirmed_login {
                Some(sessions::open(&app2, tx, &account)?)
            } else {
                None
            };
            Ok((account, confirmation, session))
        })
        .await;
    let (account, confirmation, session) = count_email_taken(app, &probe_key, written)?;
    if confirmation.is_some() {
        app.outbox.wake();
    }
    Ok(Registered { account, session })
}

/// A new confirmation link for `email`, queued in the outbox in the caller's transaction.
fn queue_confirmation(
    app: &App,
    conn: &Connection,
    account: &Account,
    email: &str,
) -> Result<i64, ApiError> {
    use crate::accounts::letters::{self, Locale};
    let token = new_confirmation(conn, account.id)?;
    let fallback = crate::accounts::reset::default_locale(app);
    let locale = Locale::of_account(conn, account.id, fallback)?;
    let link = app.mailer.confirmation_link(&token);
    let letter = letters::confirmation(&app.config.school_name, locale, &account.username, &link);
    crate::accounts::outbox::enqueue(conn, Some(account.id), email, &letter)
}

fn confirmation_hash(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

fn new_confirmation(conn: &Connection, account_id: i64) -> Result<String, ApiError> {
    let token = random_text(24);
    conn.execute(
        "DELETE FROM email_confirmations WHERE account_id = ?1",
        [account_id],
    )?;
    conn.execute(
        "INSERT INTO email_confirmations (token_hash, account_id, expires_at) VALUES (?1, ?2, ?3)",
        params![
            confirmation_hash(&token),
            account_id,
            now() + CONFIRMATION_TTL
        ],
    )?;
    Ok(token)
}

/// Confirms the email of the account a confirmation link was sent to.
pub async fn confirm_email(app: &App, token: &str) -> Result<i64, ApiError> {
    let hash = confirmation_hash(token);
    app.db
        .write(move |tx| {
            let id: Option<i64> = rusqlite::OptionalExtension::optional(tx.query_row(
                "DELETE FROM email_confirmations WHERE token_hash = ?1 AND expires_at > ?2 RETURNING account_id",
                params![hash, now()],
                |r| r.get(0),
            ))?;
            let id = id.ok_or_else(|| ApiError::invalid("token", "is not a valid confirmation link, or it has expired"))?;
            tx.execute("UPDATE accounts SET email_confirmed = 1, updated_at = ?2 WHERE id = ?1", params![id, crate::db::now_ms()])?;
            Ok(id)
        })
        .await
}

/// An admin confirms an account by hand (no SMTP, or a lost email).
pub async fn set_confirmed(app: &App, id: i64, confirmed: bool) -> Result<Account, ApiError> {
    app.db
        .write(move |tx| {
            model::get(tx, id)?;
            tx.execute(
                "UPDATE accounts SET email_confirmed = ?2, updated_at = ?3 WHERE id = ?1",
                params![id, confirmed, crate::db::now_ms()],
            )?;
            tx.execute(
                "DELETE FROM email_confirmations WHERE account_id = ?1",
                [id],
            )?;
            model::get(tx, id)
        })
        .await
}

/// Changes the caller's own password; every other session ends. Returns the caller's
/// session renewed (the old access token dies with the version bump).
pub async fn change_password(
    app: &App,
    user: &AuthUser,
    old: &str,
    new: &str,
) -> Result<Session, ApiError> {
    if old == new {
        return Err(ApiError::conflict(
            code::SAME_PASSWORD,
            "New Password Can't Be The Same As Old Password",
            "Choose a new password that differs from the old one.",
        )
        .with("field", "newPassword"));
    }
    let id = user.id;
    let account = app.db.read(move |c| model::get(c, id)).await?;
    if let Some(reason) = passwords::weakness(new, &account.username) {
        return Err(not_secure(code::NEW_PASSWORD_NOT_SECURE, &reason).with("field", "newPassword"));
    }
    if !app
        .passwords
        .verify(Some(account.password_hash.clone()), old)
        .await?
    {
        return Err(ApiError::new(
            401,
            code::WRONG_OLD_PASSWORD,
            "Wrong Old Password",
            "The old password is not the right one.",
        )
        .with("field", "oldPassword"));
    }
    let hash = app.passwords.hash(new).await?;
    let session = user.session.clone();
    let app2 = app.clone();
    app.db
        .write(move |tx| {
            set_password_hash(tx, id, &hash)?;
            sessions::end_sessions(tx, id, Some(&session))?;
            let account = model::get(tx, id)?;
            Ok(Session {
                account_id: id,
                token: app2.tokens.issue(id, account.token_version, &session)?,
                refresh_token: String::new(),
                ttl: app2.tokens.ttl,
            })
        })
        .await
}

fn set_password_hash(conn: &Connection, id: i64, hash: &str) -> Result<(), ApiError> {
    conn.execute(
        "UPDATE accounts SET password_hash = ?2, token_version = token_version + 1, updated_at = ?3 WHERE id = ?1",
        params![id, hash, crate::db::now_ms()],
    )?;
    Ok(())
}

/// An admin sets a new password for an account; all its sessions end.
pub async fn reset_password(app: &App, id: i64, new: &str) -> Result<(), ApiError> {
    let account = app.db.read(move |c| model::get(c, id)).await?;
    if let Some(reason) = passwords::weakness(new, &account.username) {
        return Err(not_secure(code::PASSWORD_NOT_SECURE, &reason));
    }
    let hash = app.passwords.hash(new).await?;
    app.db
        .write(move |tx| {
            set_password_hash(tx, id, &hash)?;
            sessions::end_sessions(tx, id, None)
        })
        .await
}

/// Profile fields a caller may change. `None` leaves a field as it is; `Some("")` clears an
/// optional one.
#[derive(Debug, Default)]
pub struct ProfileChange {
    pub username: Option<String>,
    pub email: Option<String>,
    pub firstname: Option<String>,
    pub lastname: Option<String>,
    pub birthdate: Option<String>,
    /// Admins only.
    pub group_id: Option<Option<i64>>,
    pub avatar_id: Option<Option<i64>>,
    /// Admins only.
    pub email_confirmed: Option<bool>,
    /// `fr` or `en`; `Some("")` clears it.
    pub locale: Option<String>,
}

pub async fn update_profile(
    app: &App,
    user: &AuthUser,
    id: i64,
    change: ProfileChange,
) -> Result<Account, ApiError> {
    if !user.may_manage_account(id) {
        return Err(ApiError::forbidden("You may only change your own account."));
    }
    if !user.is_admin() && (change.group_id.is_some() || change.email_confirmed.is_some()) {
        return Err(ApiError::forbidden(
            "Only an admin may change the group or the confirmation of an account.",
        ));
    }
    let username = change
        .username
        .as_deref()
        .map(validate::username)
        .transpose()?;
    let email = change
        .email
        .as_deref()
        .map(|e| {
            if e.trim().is_empty() {
                Ok(None)
            } else {
                validate::email("email", e).map(Some)
            }
        })
        .transpose()?;
    let firstname = change
        .firstname
        .as_deref()
        .map(|v| validate::optional_text("firstname", Some(v), model::NAME_MAX))
        .transpose()?;
    let lastname = change
        .lastname
        .as_deref()
        .map(|v| validate::optional_text("lastname", Some(v), model::NAME_MAX))
        .transpose()?;
    let birthdate = change
        .birthdate
        .as_deref()
        .map(|b| {
            if b.trim().is_empty() {
                Ok(None)
            } else {
                validate::birthdate("birthdate", b).map(Some)
            }
        })
        .transpose()?;
    let (group_id, avatar_id, confirmed) =
        (change.group_id, change.avatar_id, change.email_confirmed);
    let locale = change
        .locale
        .as_deref()
        .map(|l| crate::accounts::reset::parse_locale(Some(l)))
        .transpose()?;
    // One's own new address waits for its confirmation (issue 16); an admin's change of
    // someone else's applies at once.
    let own = user.id == id;
    let app2 = app.clone();
    let probe_key = format!("account:{}", user.id);
    if matches!(email, Some(Some(_))) {
        email_checks_left(app, &probe_key)?;
    }
    let written = app
        .db
        .write(move |tx| {
            let before = model::get(tx, id)?;
            let mut email = email;
            let mut pending = None;
            if own {
                match &email {
                    Some(Some(new)) if before.email.as_deref().map(str::to_lowercase) != Some(new.to_lowercase()) => {
                        pending = email.take().flatten();
                    }
                    Some(_) => crate::accounts::email_change::cancel(tx, id)?,
                    None => {}
                }
            }
            if let Some(l) = locale {
                tx.execute("UPDATE accounts SET locale = ?2 WHERE id = ?1", params![id, l.map(|l| l.as_str())])?;
            }
            if let Some(Some(g)) = group_id {
                exists(tx, "groups", g, "group_id")?;
            }
            // One of the account's own avatars or an admin's (keeping the current one is fine).
            if let Some(Some(a)) = avatar_id
                && before.avatar_id != Some(a)
            {
                avatar_choice(tx, id, a)?;
            }
            let email_changed = matches!(&email, Some(e) if e.as_deref().map(str::to_lowercase) != before.email.as_deref().map(str::to_lowercase));
            tx.execute(
                "UPDATE accounts SET
                    username = COALESCE(?2, username),
                    email = CASE WHEN ?3 THEN ?4 ELSE email END,
                    firstname = CASE WHEN ?5 THEN ?6 ELSE firstname END,
                    lastname = CASE WHEN ?7 THEN ?8 ELSE lastname END,
                    birthdate = CASE WHEN ?9 THEN ?10 ELSE birthdate END,
                    group_id = CASE WHEN ?11 THEN ?12 ELSE group_id END,
                    avatar_id = CASE WHEN ?13 THEN ?14 ELSE avatar_id END,
                    email_confirmed = CASE WHEN ?15 THEN 0 WHEN ?16 IS NOT NULL THEN ?16 ELSE email_confirmed END,
                    updated_at = ?17
                 WHERE id = ?1",
                params![
                    id,
                    username,
                    email.is_some(),
                    email.clone().flatten(),
                    firstname.is_some(),
                    firstname.flatten(),
                    lastname.is_some(),
                    lastname.flatten(),
                    birthdate.is_some(),
                    birthdate.flatten(),
                    group_id.is_some(),
                    group_id.flatten(),
                    avatar_id.is_some(),
                    avatar_id.flatten(),
                    email_changed && confirmed.is_none(),
                    confirmed,
                    crate::db::now_ms()
                ],
            )
            .map_err(model::map_unique)?;
            let mut account = model::get(tx, id)?;
            let mut confirmation = match (&account.email, email_changed && confirmed.is_none()) {
                (Some(e), true) => Some(queue_confirmation(&app2, tx, &account, &e.clone())?),
                _ => None,
            };
            if let Some(new) = pending {
                crate::accounts::email_change::start(&app2, tx, &account, &new)?;
                account = model::get(tx, id)?;
                confirmation = Some(0);
            }
            Ok((account, confirmation))
        })
        .await;
    let (account, confirmation) = count_email_taken(app, &probe_key, written)?;
    if confirmation.is_some() {
        app.outbox.wake();
    }
    Ok(account)
}

/// The profile of `account` may show avatar `avatar` if it is one of that account's own, or
/// one an admin provided (its owner is an admin, or it has no owner any more). Called where
/// `avatar_id` is validated for every face (`accounts::service::update_profile`).
fn avatar_choice(conn: &Connection, account: i64, avatar: i64) -> Result<(), ApiError> {
    let owner: Option<(Option<i64>, Option<i64>)> = conn
        .query_row(
            "SELECT a.account_id, o.level FROM avatars a LEFT JOIN accounts o ON o.id = a.account_id
             WHERE a.id = ?1",
            [avatar],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    match owner {
        None => Err(ApiError::invalid(
            "avatar_id",
            format!("no avatar has id {avatar}"),
        )),
        Some((None, _)) | Some((_, Some(3))) => Ok(()),
        Some((Some(o), _)) if o == account => Ok(()),
        Some(_) => Err(ApiError::forbidden(
            "`avatar_id` must name one of your own avatars or one provided by an admin.",
        )
        .with("field", "avatar_id")),
    }
}

/// Refuses an id that names no row of `table`.
pub fn exists(conn: &Connection, table: &str, id: i64, field: &str) -> Result<(), ApiError> {
    let found: bool = conn.query_row(
        &format!("SELECT EXISTS (SELECT 1 FROM {table} WHERE id = ?1)"),
        [id],
        |r| r.get(0),
    )?;
    if found {
        Ok(())
    } else {
        Err(ApiError::invalid(
            field,
            format!("no {} has id {id}", table.trim_end_matches('s')),
        ))
    }
}

/// Refuses a change that would leave no admin.
fn keep_an_admin(conn: &Connection, target: &Account) -> Result<(), ApiError> {
    if target.level == Level::Admin && model::count_admins(conn)? <= 1 {
        return Err(ApiError::conflict(
            code::CONFLICT,
            "Last Admin",
            "This is the last admin: make another account admin first.",
        ));
    }
    Ok(())
}

/// An admin sets the level of an account. Its sessions' access tokens die (the level is in
/// every decision; a demoted moderator must not keep acting as one).
pub async fn set_level(
    app: &App,
    admin: &AuthUser,
    id: i64,
    level: Level,
) -> Result<Account, ApiError> {
    if !admin.is_admin() {
        return Err(ApiError::forbidden("Only an admin may change levels."));
    }
    let actor = admin.id;
    app.db
        .write(move |tx| {
            let target = model::get(tx, id)?;
            if target.level == level {
                return Ok(target);
            }
            if level < Level::Admin {
                keep_an_admin(tx, &target)?;
            }
            tx.execute(
                "UPDATE accounts SET level = ?2, token_version = token_version + 1, updated_at = ?3 WHERE id = ?1",
                params![id, level as i64, crate::db::now_ms()],
            )?;
            audit::record(tx, actor, "set_level", "account", id, Some(&(level as i64).to_string()))?;
            model::get(tx, id)
        })
        .await
}

/// An admin bans an account for `seconds` (`None`: until lifted); every session ends.
pub async fn ban(
    app: &App,
    admin: &AuthUser,
    id: i64,
    seconds: Option<i64>,
    reason: Option<String>,
) -> Result<Account, ApiError> {
    if admin.id == id {
        return Err(ApiError::forbidden("You cannot ban yourself."));
    }
    if let Some(s) = seconds
        && !(1..=100 * 365 * 24 * 3600).contains(&s)
    {
        return Err(ApiError::invalid(
            "duration",
            "must be between 1 second and 100 years",
        ));
    }
    let reason = validate::optional_text("reason", reason.as_deref(), 500)?;
    let actor = admin.id;
    app.db
        .write(move |tx| {
            let target = model::get(tx, id)?;
            keep_an_admin(tx, &target)?;
            let until = seconds.map_or(BAN_FOREVER, |s| now() + s);
            tx.execute(
                "UPDATE accounts SET banned_until = ?2, ban_reason = ?3, token_version = token_version + 1, updated_at = ?4 WHERE id = ?1",
                params![id, until, reason, crate::db::now_ms()],
            )?;
            sessions::end_sessions(tx, id, None)?;
            audit::record(tx, actor, "ban", "account", id, reason.as_deref())?;
            model::get(tx, id)
        })
        .await
}

pub async fn unban(app: &App, id: i64) -> Result<Account, ApiError> {
    app.db
        .write(move |tx| {
            model::get(tx, id)?;
            tx.execute("UPDATE accounts SET banned_until = NULL, ban_reason = NULL, updated_at = ?2 WHERE id = ?1", params![id, crate::db::now_ms()])?;
            model::get(tx, id)
        })
        .await
}

/// Deletes an account (self or admin). Its sessions and confirmation links go with it
/// (foreign keys cascade); the last admin cannot be deleted.
pub async fn delete(app: &App, user: &AuthUser, id: i64) -> Result<(), ApiError> {
    if !user.may_manage_account(id) {
        return Err(ApiError::forbidden("You may only delete your own account."));
    }
    let actor = user.id;
    app.db
        .write(move |tx| {
            let target = model::get(tx, id)?;
            keep_an_admin(tx, &target)?;
            // A member's avatars (and their images) go with them; an admin's stay, shared.
            if target.level != Level::Admin {
                tx.execute("DELETE FROM avatars WHERE account_id = ?1", [id])?;
            }
            tx.execute("DELETE FROM accounts WHERE id = ?1", [id])?;
            crate::accounts::throttle::forget_account(tx, id)?;
            if actor != id {
                audit::record(tx, actor, "delete", "account", id, Some(&target.username))?;
            }
            Ok(())
        })
        .await
}

/// Creates an admin directly (the CLI's `preau admin create`).
pub fn create_admin(
    conn: &mut Connection,
    username: &str,
    email: &str,
    password: &str,
) -> Result<i64, ApiError> {
    let username = validate::username(username)?;
    let email = validate::email("email", email)?;
    if let Some(reason) = passwords::weakness(password, &username) {
        return Err(not_secure(code::PASSWORD_NOT_SECURE, &reason));
    }
    let password_hash =
        passwords::hash_now(password).map_err(|e| ApiError::internal(format!("argon2: {e}")))?;
    let new = NewAccount {
        username,
        email: Some(email),
        password_hash,
        firstname: None,
        lastname: None,
        birthdate: None,
        level: Level::Admin,
        email_confirmed: true,
    };
    crate::db::write_tx(conn, |tx| model::insert(tx, &new, crate::db::now_ms()))
}
