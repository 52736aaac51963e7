//! Threads that own some state — the writing database connection, argon2's memory — and run
//! jobs with it one after the other, each job's caller waiting for its answer in the async
//! world.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::mpsc;

use rocket::tokio::sync::oneshot;

use crate::error::ApiError;

/// Work for a thread that owns an `S`.
pub type Job<S> = Box<dyn FnOnce(&mut S) + Send>;

/// Hands `work` to the thread(s) reading `queue` and waits for its answer. `what` names the
/// threads in the (internal) errors: gone, or the job dropped because it panicked.
pub async fn ask<S, T: Send + 'static>(
    queue: &mpsc::Sender<Job<S>>,
    what: &str,
    work: impl FnOnce(&mut S) -> T + Send + 'static,
) -> Result<T, ApiError> {
    let (done, answer) = oneshot::channel();
    queue
        .send(Box::new(move |state: &mut S| {
            let _ = done.send(work(state));
        }))
        .map_err(|_| ApiError::internal(format!("no {what} thread is running")))?;
    answer
        .await
        .map_err(|_| ApiError::internal(format!("a {what} job was dropped (it panicked)")))
}

/// Runs `job` with `state` on the calling thread. A panic ends the job — its caller gets a
/// 500 — not the thread; returns whether it panicked.
pub fn run<S>(job: Job<S>, state: &mut S) -> bool {
    catch_unwind(AssertUnwindSafe(|| job(state))).is_err()
}
