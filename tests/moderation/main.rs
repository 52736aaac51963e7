//! Moderation (issue 5): reports on both faces, hidden content, notifications, the audit log,
//! the validation queue. One binary: `cargo test --test moderation`.

// A test that cannot unwrap should fail there, loudly.
#![allow(clippy::unwrap_used)]

#[path = "../common/mod.rs"]
mod common;
mod support;

mod audit;
mod auto_hide;
mod cleanup;
mod cycle;
mod lists;
mod notifications;
mod rules;
mod seed;
mod stats;
mod targets;
mod validation;
