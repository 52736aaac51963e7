//! Integration tests of learning content and community, on both faces: the REST API under
//! `/api/v1` and the seed 000 `/…/modify` routes.

#![allow(clippy::unwrap_used)]

// The shared harness is formatted and linted by its owner.
#[rustfmt::skip]
#[allow(clippy::wrong_self_convention)]
#[path = "../common/mod.rs"]
mod common;
mod support;

mod account_modify;
mod avatars;
mod bad_input;
mod cascades;
mod groups;
mod learning;
mod likes;
mod markdown;
mod moderation;
mod openapi;
mod pagination;
mod permissions;
mod probe;
