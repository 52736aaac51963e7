//! Moderation: reports and hidden content, notifications, and the audit log of moderators'
//! and admins' actions (written through `crate::audit`), and the validation of pending
//! content.

pub mod notifications;
pub mod reports;
pub mod rest;
pub mod seed;
pub mod validation;

use crate::content::{Hook, Resource};
use crate::http::error::ApiError;
use crate::http::stage::Stage;
use crate::validate;

static HOOKS: [Hook; 1] = [Hook::HiddenEdited(reports::author_edited)];

/// Moderation enters the application here: reports (REST and seed 004), notifications, the
/// audit log's reading, and the validation route of every moderated resource.
pub fn stage() -> Stage<Resource, Hook> {
    Stage {
        name: "moderation",
        mount: |rocket, all| {
            rocket
                .mount("/api/v1", rest::routes())
                .mount("/api/v1", validation::routes(all))
                .mount("/", seed::routes())
        },
        openapi: |all| {
            let mut doc = rest::openapi();
            doc.merge(validation::openapi(all));
            doc
        },
        resources: &[],
        hooks: &HOOKS,
    }
}

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
