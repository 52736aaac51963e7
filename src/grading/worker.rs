//! The grading state and its workers: `grading_concurrency` plain threads (never the async
//! runtime's), each claiming the oldest run it may take, judging it, and ending it in one
//! write. They stop by themselves once the application that started them is gone.

use std::path::PathBuf;
use std::sync::{Arc, Condvar, Mutex, OnceLock, Weak};
use std::time::Duration;

use super::judge::{self, Script, Task};
use super::queue::{self, Claimed};
use super::runners::Runner;
use super::sandbox::{Sandbox, SandboxConfig};
use crate::accounts::App;
use crate::config::Config;
use crate::http::error::ApiError;
use crate::http::logging::{log_error, log_info};
use rocket::tokio::sync::watch;

/// Managed by the grading stage. Grading starts beside the server, not before it: the
/// sandbox's self-test and the runners' probes take tens of milliseconds of both cores (the
/// JVM's alone about a hundred), run at a lower priority, and the server answers meanwhile. A
/// run queued in that time waits in the queue, which the workers read as soon as they start;
/// what shows grading's state waits for it. It starts before the server binds its port, not
/// after (at liftoff): so started, a server stopped 10 ms after it listened once left its port
/// taken for the next start in the bench, the likely cause being a probe forked after the bind,
/// which holds a copy of the listening socket until it executes.
pub struct Grading(watch::Receiver<Option<Arc<Inner>>>);

impl Grading {
    /// Starts grading for `app` on a thread of its own.
    pub fn starting(app: &App) -> Grading {
        let (tx, rx) = watch::channel(None);
        let for_thread = app.clone();
        let spawned = std::thread::Builder::new()
            .name("preau-grading-start".into())
            .spawn(move || {
                let _ = tx.send(Some(start(&for_thread)));
            });
        if let Err(e) = spawned {
            // The sender is gone with the closure: `ready` answers that grading did not start.
            log_error(&format!("grading: cannot start: {e}"));
        }
        Grading(rx)
    }

    /// Wakes the workers: a run was queued (before they start, they find it themselves).
    pub fn notify(&self) {
        if let Some(inner) = self.0.borrow().as_ref() {
            inner.notify();
        }
    }

    /// The state, once grading has started.
    pub async fn ready(&self) -> Result<Arc<Inner>, ApiError> {
        let mut rx = self.0.clone();
        let ready = rx.wait_for(Option::is_some).await;
        ready
            .ok()
            .and_then(|inner| inner.clone())
            .ok_or_else(|| ApiError::internal("grading did not start"))
    }
}

pub struct Inner {
    pub sandbox: Option<Arc<Sandbox>>,
    pub runners: &'static [&'static Runner],
    pub workers: usize,
    wake: Mutex<u64>,
    woken: Condvar,
}

impl Inner {
    /// Wakes the workers: a run was queued.
    pub fn notify(&self) {
        if let Ok(mut n) = self.wake.lock() {
            *n += 1;
        }
        self.woken.notify_all();
    }

    fn wait(&self, seen: u64) {
        if let Ok(n) = self.wake.lock()
            && *n == seen
        {
            let _ = self.woken.wait_timeout(n, Duration::from_millis(500));
        }
    }

    fn ticket(&self) -> u64 {
        self.wake.lock().map(|n| *n).unwrap_or(0)
    }
}

/// The `preau` binary that confines runs: the setting, else this executable when it is `preau`
/// (never a test binary, which would take `sandbox-exec` for a test filter).
fn helper(config: &Config) -> Option<PathBuf> {
    if let Some(p) = &config.grading_helper {
        return Some(p.clone());
    }
    let exe = std::env::current_exe().ok()?;
    (exe.file_name()? == "preau").then_some(exe)
}

/// One sandbox per process, started with the first application's settings: its self-test
/// runs a few processes, and tests build many applications.
fn sandbox(config: &Config) -> Option<Arc<Sandbox>> {
    static SANDBOX: OnceLock<Option<Arc<Sandbox>>> = OnceLock::new();
    SANDBOX
        .get_or_init(|| {
            let Some(helper) = helper(config) else {
                log_info("grading: no `preau` helper binary (grading_helper): runs stay queued");
                return None;
            };
            let mut c = SandboxConfig::new(helper);
            c.slots = config.grading_concurrency.max(1);
            c.uid_base = config.grading_uid_base;
            c.allow_unsafe = config.grading_unsafe;
            // Per uid pool: two servers on one machine keep apart.
            c.base_dir = std::env::temp_dir().join(format!("preau-runs-{}", c.uid_base));
            let s = Sandbox::start(c);
            log_info(&s.self_test().summary);
            Some(Arc::new(s))
        })
        .clone()
}

/// Runs grading's start-up probes — the runners' toolchains, the sandbox's self-test — each on
/// its own thread, and keeps their outcome (the `OnceLock`s of [`sandbox`] and
/// [`super::fields::available`]): together they take as long as the slowest.
/// They run at a lower priority (niceness 10, inherited by the processes they start), since
/// they run while the server starts and begins to answer: the server comes first.
fn warm_up(config: &Config) {
    std::thread::scope(|s| {
        s.spawn(|| {
            crate::workers::lower_priority("grading's probes");
            super::fields::available()
        });
        s.spawn(|| {
            crate::workers::lower_priority("grading's probes");
            sandbox(config)
        });
    });
}

/// Starts the state and the workers for `app`: puts runs cut by a stop back in the queue.
fn start(app: &App) -> Arc<Inner> {
    let config = &app.config;
    warm_up(config);
    let sandbox = sandbox(config);
    let inner = Arc::new(Inner {
        workers: if sandbox.is_some() {
            config.grading_concurrency.max(1)
        } else {
            0
        },
        sandbox,
        runners: super::fields::available(),
        wake: Mutex::new(0),
        woken: Condvar::new(),
    });
    // A replica runs nothing (its primary does): nothing of its own to requeue.
    let recovered = if app.db.is_read_only() {
        Ok(0)
    } else {
        app.db
            .write_blocking(|tx| queue::recover(tx))
            .map_err(|e| e.message)
    };
    match recovered {
        Ok(0) => {}
        Ok(n) => log_info(&format!(
            "grading: {n} run(s) cut by a stop are queued again"
        )),
        Err(e) => log_error(&format!("grading: cannot requeue interrupted runs: {e}")),
    }
    for i in 0..inner.workers {
        let weak = Arc::downgrade(&inner);
        let app = app.clone();
        let spawned = std::thread::Builder::new()
            .name(format!("preau-grader-{i}"))
            .spawn(move || work(weak, app));
        if let Err(e) = spawned {
            log_error(&format!("grading: cannot start a worker: {e}"));
        }
    }
    inner
}

fn work(weak: Weak<Inner>, app: App) {
    // The writes go through the application's writing thread; a small runtime of this thread's
    // own waits for their answers.
    let rt = match rocket::tokio::runtime::Builder::new_current_thread().build() {
        Ok(rt) => rt,
        Err(e) => {
            log_error(&format!("grading: cannot start a worker: {e}"));
            return;
        }
    };
    loop {
        let Some(inner) = weak.upgrade() else {
            return;
        };
        let seen = inner.ticket();
        match rt.block_on(app.db.write(|tx| queue::claim(tx))) {
            Ok(Some(run)) => {
                let report = judge_run(&inner, &app.config, &run);
                if let Err(e) =
                    rt.block_on(app.db.write(move |tx| queue::finish(tx, &run, &report)))
                {
                    log_error(&format!("grading: cannot store a run: {}", e.message));
                }
                // Another run may now be claimable (its member's run ended).
                inner.notify();
            }
            Ok(None) => inner.wait(seen),
            Err(e) => {
                log_error(&format!("grading: cannot claim a run: {}", e.message));
                inner.wait(seen);
            }
        }
    }
}

fn judge_run(inner: &Inner, config: &Config, run: &Claimed) -> judge::Report {
    let Some(spec) = &run.spec else {
        return queue::error_report("the exercise's io_tests are malformed or it is gone", 0);
    };
    let grade_max = u32::try_from(spec.grade_max).unwrap_or(20);
    let runner = match queue::runner_of(spec) {
        Ok(r) => r,
        Err(e) => return queue::error_report(&e.message, grade_max),
    };
    let Some(sandbox) = &inner.sandbox else {
        return queue::error_report("no sandbox", grade_max);
    };
    let task = Task {
        runner,
        code: &run.code,
        script: spec
            .script
            .as_deref()
            .map(|s| Script::for_exercise(s, runner)),
        io_tests: &spec.io_tests,
        limits: spec.limits(config),
        grade_max,
    };
    judge::judge(sandbox, &task)
}
