//! Moderation: reports and hidden content, notifications, and the audit log of moderators'
//! and admins' actions. The validation of pending courses and exercises is in
//! `learning::moderation`.

pub mod audit;
pub mod notifications;
pub mod reports;
pub mod rest;
pub mod seed;

use crate::http::error::ApiError;
use crate::validate;

/// A message between people — a report's comment, a moderator's result or reason: optional
/// (empty is none), at most `max` characters, and free to span several lines.
pub fn optional_message(
    field: &str,
    value: Option<&str>,
    max: usize,
) -> Result<Option<String>, ApiError> {
    match value.map(str::trim) {
        None | Some("") => Ok(None),
        Some(v) => validate::text(field, v, max, true).map(Some),
    }
}

pub fn mount(rocket: rocket::Rocket<rocket::Build>) -> rocket::Rocket<rocket::Build> {
    rocket
        .mount("/api/v1", rest::routes())
        .mount("/", seed::routes())
}
