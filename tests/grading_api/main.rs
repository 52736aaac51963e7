//! The grading queue through the REST API, against the real sandbox: runs queued by code
//! saves and by request, judged by the workers, their grades proposed or confirmed, the bounds
//! of the queue, a restart, the event stream.
//!
//! Without bubblewrap the tests skip with a reason, except under `CI=true`, where they fail.
#![allow(clippy::unwrap_used)]

// The shared harness is formatted and linted by its owner.
#[rustfmt::skip]
#[allow(clippy::wrong_self_convention)]
#[path = "../common/mod.rs"]
mod common;
#[rustfmt::skip]
#[allow(dead_code)]
#[path = "../content/support.rs"]
mod support;
#[path = "../common/grading.rs"]
mod sandbox;

mod queue;
