//! The state every request shares: the configuration, the database, and the services that
//! prove who is calling (tokens, password hashing, login throttling) and reach people (mail).

use std::ops::Deref;
use std::sync::Arc;

use crate::accounts::auth::{Callers, Tokens};
use crate::accounts::mail::Mailer;
use crate::accounts::model;
use crate::accounts::outbox::Outbox;
use crate::accounts::passwords::{Passwords, random_text};
use crate::accounts::throttle::{Gate, Limits, Window};
use crate::config::Config;
use crate::db::{self, Db};
use crate::http::error::ApiError;

/// Cheap to clone: closures that run on the blocking pool take their own handle.
#[derive(Clone)]
pub struct App(Arc<Inner>);

pub struct Inner {
    pub config: Config,
    pub db: Db,
    pub tokens: Tokens,
    /// The callers of recently checked tokens (see `auth::Callers`).
    pub callers: Arc<Callers>,
    pub passwords: Passwords,
    pub mailer: Mailer,
    pub limits: Limits,
    /// The logins whose password is being checked (see `throttle::Gate`).
    pub logins: Arc<Gate>,
    /// "This email is already in use" answers given, per caller.
    pub email_probes: Window,
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
        crate::accounts::reset::check_config(&config)?;
        let db = if config.read_only {
            // A follower copy: its secret is the configured one (`check` requires it).
            Db::open_read_only(&config.database, config.pool_size)?
        } else {
            Db::open(&config.database, config.pool_size)?
        };
        let secret = match &config.jwt_secret {
            Some(secret) => secret.clone(),
            None => stored_secret(&db).map_err(|e| format!("cannot store the JWT secret: {e}"))?,
        };
        let tokens = Tokens::new(secret.as_bytes(), &config.jwt_audience, config.access_ttl);
        // The session check reads an account and its refresh tokens.
        let callers = Arc::new(Callers::new(db.changes(&["accounts", "refresh_tokens"])));
        let passwords = Passwords::new(config.hash_concurrency, config.hash_queue)?;
        let mailer = Mailer::new(&config)?;
        let limits = Limits::from(&config);
        let outbox = Outbox::start(db.clone(), &config)?;
        Ok(App(Arc::new(Inner {
            config,
            db,
            tokens,
            callers,
            passwords,
            mailer,
            limits,
            logins: Arc::default(),
            email_probes: Window::default(),
            outbox,
        })))
    }

    /// Whether an admin exists (asked at start, outside the async world).
    pub fn has_admin(&self) -> Result<bool, ApiError> {
        self.db.startup_read(|c| Ok(model::count_admins(c)? > 0))
    }
}

/// The JWT secret kept in the database, made and stored at the first start (on the writing
/// connection, which has read the schema already: see `Db::startup_read`).
fn stored_secret(db: &Db) -> Result<String, String> {
    db.write_blocking(|tx| Ok(db::setting_or_insert(tx, "jwt_secret", &random_text(48))?))
        .map_err(|e| e.message)
}
