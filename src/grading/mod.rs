//! Grading: exercises that grade themselves (SPEC section 9).
//!
//! - [`runners`]: the languages this server can run, as descriptions, detected at start.
//! - [`sandbox`]: one job — run one command in a fresh work folder under limits, and say what
//!   happened. Nothing else knows about bubblewrap, uids, Landlock or seccomp.
//! - [`judge`]: the script protocol on top of the sandbox: compile, run the test script and the
//!   I/O tests, and turn what happened into a verdict, a score and a log.
//!
//! The queue, the REST routes and the stage sit on top of [`judge::judge`] and
//! [`sandbox::Sandbox`]; they never start a process themselves.

pub mod judge;
pub mod runners;
pub mod sandbox;
