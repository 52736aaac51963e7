//! The application state every route shares, and the Rocket it is served by.

use std::ops::Deref;
use std::sync::Arc;

use figment::Figment;
use rocket::{Build, Rocket};
use rusqlite::Connection;

use crate::accounts::mail::Mailer;
use crate::accounts::outbox::Outbox;
use crate::accounts::passwords::{Passwords, random_text};
use crate::accounts::throttle::Limits;
use crate::accounts::tokens::{Claims, Tokens};
use crate::accounts::{model, sessions};
use crate::config::Config;
use crate::db::{self, Db};
use crate::http::error::ApiError;
use crate::http::guards::AuthUser;
use crate::http::{cors, error, logging, openapi};

/// Cheap to clone: closures that run on the blocking pool take their own handle.
#[derive(Clone)]
pub struct App(Arc<Inner>);

pub struct Inner {
    pub config: Config,
    pub db: Db,
    pub tokens: Tokens,
    pub passwords: Passwords,
    pub mailer: Mailer,
    pub limits: Limits,
    /// The mail outbox's worker (issue 16); it stops when the app is dropped.
    pub outbox: Outbox,
}

impl Deref for App {
    type Target = Inner;

    fn deref(&self) -> &Inner {
        &self.0
    }
}

impl App {
    /// Opens the database (creating and migrating it) and prepares the services.
    pub fn new(config: Config) -> Result<App, String> {
        config.check()?;
        let db = Db::open(&config.database, config.pool_size)?;
        let secret = match &config.jwt_secret {
            Some(secret) => secret.clone(),
            None => {
                let conn = db.conn().map_err(|e| e.message)?;
                db::setting_or_insert(&conn, "jwt_secret", &random_text(48))
                    .map_err(|e| format!("cannot store the JWT secret: {e}"))?
            }
        };
        let tokens = Tokens::new(secret.as_bytes(), &config.jwt_audience, config.access_ttl);
        let passwords = Passwords::new(config.hash_concurrency, config.hash_queue)?;
        let mailer = Mailer::new(&config)?;
        let limits = Limits::from(&config);
        let outbox = Outbox::start(db.clone(), &config)?;
        Ok(App(Arc::new(Inner {
            config,
            db,
            tokens,
            passwords,
            mailer,
            limits,
            outbox,
        })))
    }

    /// The caller behind an access token: valid signature, audience, type and time, and a
    /// version equal to the account's (so a password change, level change, ban or deletion
    /// has not happened since it was issued).
    pub async fn authenticate(&self, token: &str) -> Result<AuthUser, ApiError> {
        let (id, claims) = self.tokens.check(token)?;
        self.db.read(move |c| caller(c, id, &claims)).await
    }

    pub fn has_admin(&self) -> Result<bool, ApiError> {
        let conn = self.db.conn()?;
        Ok(model::count_admins(&conn)? > 0)
    }
}

/// The account behind checked claims (see [`App::authenticate`]), on a connection the work
/// already holds, so that a read can check its caller and answer in one trip to the database.
/// The token's session must still be open: a logout, or a refresh token's reuse, ends the
/// access tokens of that session at once, not at their expiry.
pub fn caller(conn: &Connection, id: i64, claims: &Claims) -> Result<AuthUser, ApiError> {
    match model::find(conn, id)? {
        Some(a)
            if a.token_version == claims.ver
                && a.ban_left(db::now()).is_none()
                && sessions::is_open(conn, a.id, &claims.sid)? =>
        {
            Ok(AuthUser {
                id: a.id,
                username: a.username,
                level: a.level,
                session: claims.sid.clone(),
            })
        }
        _ => Err(ApiError::invalid_token()),
    }
}

/// Rocket's own settings, with Préau's choices on top: no IP header trusted by default (the
/// client address rule is ours), Rocket's request log off (it prints raw paths), body limits.
pub fn rocket_figment() -> Figment {
    Figment::from(rocket::Config::figment())
        .join(("limits.json", "1 MiB"))
        .join(("limits.form", "1 MiB"))
        .join(("limits.data-form", "4 MiB"))
        .merge(("ip_header", false))
        .merge(("log_level", "critical"))
        .merge(("cli_colors", false))
}

/// The whole application on a given Rocket figment.
pub fn build_with(app: App, figment: Figment) -> Rocket<Build> {
    let log = logging::RequestLog {
        enabled: app.config.log_requests,
    };
    let cors = cors::Cors {
        origins: app.config.cors_origins.clone(),
    };
    let rocket = rocket::custom(figment)
        .attach(log)
        .attach(cors)
        .register("/", rocket::catchers![error::default_catcher])
        .mount("/", rocket::routes![cors::preflight]);
    let rocket = crate::accounts::mount(rocket);
    let rocket = crate::ops::mount(rocket);
    let rocket = crate::content::mount(rocket);
    let rocket = crate::learning::moderation::mount(rocket);
    let rocket = crate::community::likes::mount(rocket);
    let rocket = crate::community::avatars::mount(rocket);
    let rocket = crate::moderation::mount(rocket);
    let rocket = crate::admin_ui::mount(rocket);
    rocket
        .mount("/api/v1", rocket::routes![openapi::openapi])
        .manage(openapi::Document(openapi::document()))
        .manage(app)
}
