//! Grading against the real sandbox: the script protocol, I/O tests and verdicts for each
//! runner, then hostile code. Every limit is first shown to hold on a harmless program
//! (`limits.rs`); the hostile tests wait for [`support::limits_proven`] before they start.
//!
//! Without bubblewrap the tests skip with a reason, except under `CI=true`, where they fail.
#![allow(clippy::unwrap_used)]

mod support;

mod hostile;
mod limits;
mod modes;
mod protocol;
