//! Préau: a self-hosted learning and community platform in one binary.
//!
//! `build` gives the Rocket application for a configuration; `main.rs` only parses the
//! command line. Tests build their own application on a temporary database.

pub mod accounts;
pub mod admin_ui;
pub mod app;
pub mod audit;
pub mod cli;
pub mod community;
pub mod config;
pub mod content;
pub mod db;
pub mod error;
pub mod grading;
pub mod http;
pub mod learning;
pub mod markdown;
pub mod moderation;
pub mod ops;
pub mod teaching;
pub mod validate;
pub mod webapp;
pub mod workers;

pub use accounts::App;
pub use config::Config;

/// The application for `config`, with Rocket's own settings from `Rocket.toml` and `ROCKET_*`.
pub fn build(config: Config) -> Result<rocket::Rocket<rocket::Build>, String> {
    let app = app::open(config)?;
    Ok(app::build_with(app, app::rocket_figment()))
}
