//! Grading: exercises that grade themselves (SPEC section 9).
//!
//! - [`runners`]: the languages this server can run, as descriptions, detected at start.
//! - [`sandbox`]: one job — run one command in a fresh work folder under limits, and say what
//!   happened. Nothing else knows about bubblewrap, uids, Landlock or seccomp.
//! - [`judge`]: the script protocol on top of the sandbox: compile, run the test script and the
//!   I/O tests, and turn what happened into a verdict, a score and a log.
//! - [`fields`]: the grading fields of exercises and languages and their rules.
//! - [`queue`]: the runs in SQLite, queued by code saves (a `Saved` hook, in the save's own
//!   transaction) and by request, claimed and finished in single writes.
//! - [`worker`]: the state and the worker threads; [`rest`]: the routes.
//!
//! The queue, the REST routes and the stage sit on top of [`judge::judge`] and
//! [`sandbox::Sandbox`]; they never start a process themselves.

pub mod fields;
pub mod judge;
pub mod queue;
pub mod rest;
pub mod runners;
pub mod sandbox;
pub mod worker;

use rocket::fairing::AdHoc;

use crate::accounts::App;
use crate::content::{Hook, Resource};
use crate::http::logging::log_error;
use crate::http::stage::Stage;

static HOOKS: [Hook; 1] = [Hook::Saved(queue::saved)];

/// Grading enters the application here: its routes, its state and workers (started beside the
/// server as it ignites, with its `App`), and the hook that queues a run on each code save.
pub fn stage() -> Stage<Resource, Hook> {
    Stage {
        name: "grading",
        mount: |rocket, _| {
            rocket
                .mount("/api/v1", rest::routes())
                .attach(AdHoc::try_on_ignite("grading", |rocket| async move {
                    let Some(app) = rocket.state::<App>() else {
                        log_error("grading: no application to start for");
                        return Err(rocket);
                    };
                    let grading = worker::Grading::starting(app);
                    Ok(rocket.manage(grading))
                }))
        },
        openapi: |_| rest::openapi(),
        resources: &[],
        hooks: &HOOKS,
    }
}
