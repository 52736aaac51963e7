//! Préau's own settings: built-in defaults < `Rocket.toml` < `PREAU_*` environment variables.
//!
//! Rocket's settings (`address`, `port`, `limits`, …) stay Rocket's, read from the same
//! `Rocket.toml` and from `ROCKET_*` variables.

use std::net::IpAddr;
use std::path::PathBuf;

use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct Config {
    /// The SQLite file (`PREAU_DATABASE`).
    pub database: PathBuf,
    /// The folder avatars were kept in before they moved into the database. Read only by the
    /// start-up import of `{data_dir}/avatars/` (see `community::avatars::import_folder`);
    /// nothing is written there any more.
    pub data_dir: PathBuf,
    /// Serve a read-only follower copy (`litestream restore -f`): the file is opened read-only,
    /// nothing is migrated, and every write answers 503 (code 1504). Needs `jwt_secret`.
    pub read_only: bool,
    /// Avatars a member or moderator may keep at once (admins: no limit; 0: members cannot
    /// upload).
    pub avatar_quota: i64,
    /// Access token lifetime in seconds.
    pub access_ttl: i64,
    /// Refresh token lifetime in seconds.
    pub refresh_ttl: i64,
    /// Failed logins per (account or name, client ip) before a ban.
    pub login_max_attempts: i64,
    /// Seconds without a failure after which the failure count starts again from zero.
    pub login_cooldown: i64,
    /// Seconds a ban lasts.
    pub login_ban_duration: i64,
    /// Failed logins from one ip across all names before that ip is banned (0: no limit).
    pub login_ip_max_attempts: i64,
    /// Proxies whose `X-Forwarded-For` is believed. Empty: the socket address is the client.
    pub trusted_proxies: Vec<IpAddr>,
    /// HS256 secret. When absent, one is generated on first start and kept in the database.
    pub jwt_secret: Option<String>,
    /// The `aud` claim of access tokens.
    pub jwt_audience: String,
    /// The address people reach this server at, used in the links of emails.
    pub public_url: String,
    /// Whether an account whose email is not confirmed may log in.
    pub allow_unconfirmed_login: bool,
    /// Password hashes computed at once; the rest wait in a bounded queue.
    pub hash_concurrency: usize,
    /// Password hashes allowed to wait; past that a login answers 503 at once.
    pub hash_queue: usize,
    /// Reading threads, each with its own SQLite connection (writes have one of their own).
    pub pool_size: u32,
    /// Mark the refresh cookie `Secure` (set this when served over HTTPS).
    pub cookie_secure: bool,
    /// Origins allowed to call the API from a browser (CORS). `*` allows any.
    pub cors_origins: Vec<String>,
    /// Hide reported content automatically once this many distinct members reported it,
    /// pending a moderator (0: never).
    pub report_hide_threshold: i64,
    /// One log line per request on standard error.
    pub log_requests: bool,
    /// SMTP server for confirmation emails. Without it, links are written to the log.
    pub smtp_host: Option<String>,
    pub smtp_port: u16,
    pub smtp_username: Option<String>,
    pub smtp_password: Option<String>,
    /// `starttls` (default), `tls`, or `none` (only for a relay on this machine).
    pub smtp_security: String,
    pub smtp_from: String,
    /// A PEM file of the CA (or CAs) to trust for the SMTP server's certificate, besides the
    /// usual public roots (a school's own mail relay with its own CA).
    pub smtp_ca_file: Option<PathBuf>,
    // ---- issue 16: accounts a school can run ----
    /// Who may create an account: `open` (anyone), `invite` (only setup links made by an
    /// admin), `closed` (nobody; admins create accounts with `preau admin create`).
    pub registration: String,
    /// When not empty, self-registration needs an email of one of these domains.
    pub registration_domains: Vec<String>,
    /// The school's name, in the emails.
    pub school_name: String,
    /// The language of emails for an account that has none and a request that names none.
    pub default_locale: String,
    /// Seconds a password reset link lasts.
    pub password_reset_ttl: i64,
    /// Seconds an admin's setup link lasts.
    pub setup_link_ttl: i64,
    /// Reset requests per login name per hour; past it 429.
    pub password_reset_max_per_login: i64,
    /// Reset requests per client address per hour; past it 429.
    pub password_reset_max_per_ip: i64,
    /// Seconds before the first retry of an email; each next retry waits twice as long (at
    /// most an hour).
    pub mail_retry_initial: i64,
    /// Seconds after which an email not sent is marked failed.
    pub mail_max_age: i64,
    /// Attempts after which an email not sent is marked failed.
    pub mail_max_attempts: i64,
    /// Runs judged at once (SPEC 9); default: cores − 1, at least 1.
    pub grading_concurrency: usize,
    /// Run submissions even when no safe sandbox can be had (rlimits only). Never on a shared
    /// server.
    pub grading_unsafe: bool,
    /// Runs allowed to wait; past that a save or a run request answers 503 with `Retry-After`.
    pub grading_queue_max: i64,
    /// First uid of the runs' pool when Préau runs as root (`.. + grading_concurrency`).
    pub grading_uid_base: u32,
    /// The admin's maxima for an exercise's limits.
    pub grading_max_cpu_ms: i64,
    pub grading_max_wall_ms: i64,
    pub grading_max_memory_mb: i64,
    /// The `preau` binary whose `sandbox-exec` confines runs; default: this executable when it
    /// is `preau`. Without one, no run is judged (runs stay queued).
    pub grading_helper: Option<PathBuf>,
}

impl Default for Config {
    fn default() -> Self {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        Config {
            database: PathBuf::from("preau.db"),
            data_dir: PathBuf::from("preau-data"),
            read_only: false,
            avatar_quota: 5,
            access_ttl: 3600,
            refresh_ttl: 30 * 24 * 3600,
            login_max_attempts: 3,
            login_cooldown: 3600,
            login_ban_duration: 36000,
            login_ip_max_attempts: 50,
            trusted_proxies: Vec::new(),
            jwt_secret: None,
            jwt_audience: "preau".into(),
            public_url: "http://localhost:8000".into(),
            allow_unconfirmed_login: true,
            // Half the cores: a login storm keeps the other half for everything else.
            hash_concurrency: cores.div_ceil(2),
            hash_queue: 64,
            // One reading thread per core but one: reads are CPU work on a database the OS
            // keeps in memory, and more threads than cores only take turns (8 readers on 2
            // cores served a third fewer requests than 2); the async workers run the lookups
            // by key themselves (`Db::lookup`), so the reading threads carry lists, counts and
            // searches only. On 2 cores one reading thread served the list load as fast as
            // two, and its thread's heap and connection are 0.4-0.5 MiB less (issue 18,
            // docs/performance.md, round 5).
            pool_size: cores.saturating_sub(1).max(1) as u32,
            cookie_secure: false,
            cors_origins: Vec::new(),
            report_hide_threshold: 0,
            log_requests: true,
            smtp_host: None,
            smtp_port: 587,
            smtp_username: None,
            smtp_password: None,
            smtp_security: "starttls".into(),
            smtp_from: "Préau <noreply@localhost>".into(),
            smtp_ca_file: None,
            registration: "open".into(),
            registration_domains: Vec::new(),
            school_name: "Préau".into(),
            default_locale: "en".into(),
            password_reset_ttl: 3600,
            setup_link_ttl: 7 * 24 * 3600,
            password_reset_max_per_login: 3,
            password_reset_max_per_ip: 20,
            mail_retry_initial: 30,
            mail_max_age: 3 * 24 * 3600,
            mail_max_attempts: 20,
            grading_concurrency: cores.saturating_sub(1).max(1),
            grading_unsafe: false,
            grading_queue_max: 200,
            grading_uid_base: 4_000_000,
            grading_max_cpu_ms: 30_000,
            grading_max_wall_ms: 60_000,
            grading_max_memory_mb: 1024,
            grading_helper: None,
        }
    }
}

impl Config {
    /// Defaults, then the `[default]`/profile tables of `Rocket.toml`, then `PREAU_*` variables.
    pub fn figment() -> Figment {
        let profile = Env::var("ROCKET_PROFILE").unwrap_or_else(|| {
            if cfg!(debug_assertions) {
                "debug"
            } else {
                "release"
            }
            .into()
        });
        Figment::from(Serialized::defaults(Config::default()))
            .merge(Toml::file(Env::var_or("ROCKET_CONFIG", "Rocket.toml")).nested())
            .select(profile)
            .merge(Env::prefixed("PREAU_").global())
    }

    pub fn load() -> Result<Config, String> {
        Config::figment().extract().map_err(|e| e.to_string())
    }

    /// Refuses settings that would make the server unsafe or unusable.
    pub fn check(&self) -> Result<(), String> {
        if self.login_max_attempts < 1 {
            return Err("login_max_attempts must be at least 1".into());
        }
        if self.login_cooldown < 1 || self.login_ban_duration < 1 {
            return Err("login_cooldown and login_ban_duration must be at least 1 second".into());
        }
        if self.access_ttl < 30 || self.refresh_ttl < self.access_ttl {
            return Err(
                "access_ttl must be at least 30 s and refresh_ttl at least access_ttl".into(),
            );
        }
        if let Some(secret) = &self.jwt_secret
            && secret.len() < 32
        {
            return Err("jwt_secret must be at least 32 characters".into());
        }
        if self.read_only && self.jwt_secret.is_none() {
            return Err("read_only = true needs jwt_secret (PREAU_JWT_SECRET), the primary's own: a read-only replica cannot store a generated one, and its tokens must be the primary's".into());
        }
        if self.avatar_quota < 0 {
            return Err("avatar_quota must be 0 or more".into());
        }
        if self.hash_concurrency == 0 || self.pool_size == 0 {
            return Err("hash_concurrency and pool_size must be at least 1".into());
        }
        if self.grading_concurrency == 0 || self.grading_queue_max < 1 {
            return Err("grading_concurrency and grading_queue_max must be at least 1".into());
        }
        if self.grading_max_cpu_ms < 1
            || self.grading_max_wall_ms < 1
            || self.grading_max_memory_mb < 1
        {
            return Err("the grading_max_* limits must be at least 1".into());
        }
        if !["starttls", "tls", "none"].contains(&self.smtp_security.as_str()) {
            return Err("smtp_security must be starttls, tls or none".into());
        }
        Ok(())
    }
}
