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
    answer(send(queue, what, work)?, what).await
}

/// The first half of [`ask`]: queues `work`, and gives what its answer will come through.
pub fn send<S, T: Send + 'static>(
    queue: &mpsc::Sender<Job<S>>,
    what: &str,
    work: impl FnOnce(&mut S) -> T + Send + 'static,
) -> Result<oneshot::Receiver<T>, ApiError> {
    let (done, answer) = oneshot::channel();
    queue
        .send(Box::new(move |state: &mut S| {
            let _ = done.send(work(state));
        }))
        .map_err(|_| ApiError::internal(format!("no {what} thread is running")))?;
    Ok(answer)
}

/// The second half of [`ask`]: the answer of a job [`send`] queued.
pub async fn answer<T>(answer: oneshot::Receiver<T>, what: &str) -> Result<T, ApiError> {
    answer
        .await
        .map_err(|_| ApiError::internal(format!("a {what} job was dropped (it panicked)")))
}

/// Runs `job` with `state` on the calling thread. A panic ends the job — its caller gets a
/// 500 — not the thread; returns whether it panicked.
pub fn run<S>(job: Job<S>, state: &mut S) -> bool {
    catch_unwind(AssertUnwindSafe(|| job(state))).is_err()
}

/// Background work's priority on thread-priority's 0–99 scale, which it maps to Linux niceness
/// as 19 − ⌊39 × p / 99⌋ rounded the library's way: 22 is niceness 10.
const BACKGROUND_PRIORITY: u8 = 22;

/// Makes the calling thread, and the threads and processes it starts from now on, yield to the
/// threads that answer requests: at niceness 10 it weighs about a tenth of a default thread;
/// alone, it still gets a whole core. Used by grading's start-up probes. Where the system
/// refuses, the thread keeps the default priority (`who` names it in the message).
pub fn lower_priority(who: &str) {
    use thread_priority::{ThreadPriority, ThreadPriorityValue, set_current_thread_priority};
    let set = ThreadPriorityValue::try_from(BACKGROUND_PRIORITY)
        .map_err(|e| format!("{e:?}"))
        .and_then(|p| {
            set_current_thread_priority(ThreadPriority::Crossplatform(p))
                .map_err(|e| format!("{e:?}"))
        });
    if let Err(e) = set {
        eprintln!("preau: {who} keep the default priority ({e})");
    }
}

/// Makes the calling thread run on the CPU time no other thread wants (Linux's `SCHED_IDLE`):
/// a default thread that wakes takes its core at once, where at niceness 10 it still waited
/// for the end of the low thread's time slice (a view's p99 during a login storm: 4.9-5.3 ms
/// at niceness 10, 2.7-4.4 with this; docs/performance.md, round 5). Alone, it gets a whole
/// core; on cores busy without a pause it gets almost nothing. Used by the hashing threads:
/// a login storm slows logins, not the rest of the server. Where the system refuses, the
/// thread keeps its priority (`who` names it in the message).
pub fn idle_priority(who: &str) {
    use thread_priority::{
        NormalThreadSchedulePolicy, ThreadPriority, ThreadSchedulePolicy,
        set_thread_priority_and_policy, thread_native_id,
    };
    let idle = ThreadSchedulePolicy::Normal(NormalThreadSchedulePolicy::Idle);
    if let Err(e) = set_thread_priority_and_policy(thread_native_id(), ThreadPriority::Min, idle) {
        eprintln!("preau: {who} keep their priority ({e:?})");
    }
}
