//! What the server and `preau sandbox-exec` say to each other: a JSON spec on the command
//! line, a JSON report on the supervisor's stdout. Both ends are this binary, so the format is
//! private to this module.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use super::Limits;

/// How the supervisor confines the command.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(super) enum Isolation {
    /// bubblewrap with every namespace unshared, then Landlock and seccomp inside.
    Bubblewrap,
    /// No namespaces: a dedicated uid, rlimits, Landlock (required) and seccomp.
    NoNamespaces,
    /// `grading_unsafe`: rlimits and whatever Landlock and seccomp the kernel gives.
    Unconfined,
}

/// For `preau sandbox-exec supervise`.
#[derive(Debug, Serialize, Deserialize)]
pub(super) struct SuperviseSpec {
    pub isolation: Isolation,
    /// The slot's uid to drop to (Préau runs as root), or none.
    pub uid: Option<u32>,
    pub bwrap: PathBuf,
    /// This binary, bound read-only inside the sandbox to confine the command from within.
    pub helper: PathBuf,
    /// The run's folder on the host.
    pub work_dir: PathBuf,
    pub argv: Vec<String>,
    /// Read-only system paths the runner needs beyond `/usr`.
    pub system_paths: Vec<PathBuf>,
    pub limits: Limits,
    pub address_space: Option<u64>,
}

/// For `preau sandbox-exec inner`: the last step before `exec`, in the confined process.
#[derive(Debug, Serialize, Deserialize)]
pub(super) struct InnerSpec {
    /// The run's folder as the command sees it.
    pub work_dir: PathBuf,
    pub argv: Vec<String>,
    pub limits: Limits,
    pub address_space: Option<u64>,
    pub read_paths: Vec<PathBuf>,
    pub write_paths: Vec<PathBuf>,
    /// Refuse to run when Landlock cannot be fully enforced (the no-namespace mode relies on it).
    pub require_landlock: bool,
}

/// Why the supervisor ended the command early.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(super) enum Stopped {
    WallClock,
    Output,
}

#[derive(Debug, Serialize, Deserialize)]
pub(super) struct SuperviseReport {
    pub exit_code: Option<i32>,
    pub signal: Option<i32>,
    pub stopped: Option<Stopped>,
    pub cpu_ms: u64,
    pub wall_ms: u64,
    pub max_rss_kb: u64,
    /// Base64 of the captured bytes.
    pub stdout: String,
    pub stderr: String,
    /// Processes of the run's uid still alive after the sweep (should be 0).
    pub left_behind: usize,
    /// The sandbox could not be set up (bubblewrap or the confinement failed).
    pub setup_error: Option<String>,
}

/// The exit status `sandbox-exec inner` uses when it cannot confine, with a line on stderr
/// starting with [`SETUP_FAILURE_PREFIX`].
pub(super) const SETUP_FAILURE_STATUS: i32 = 125;
pub(super) const SETUP_FAILURE_PREFIX: &str = "preau sandbox-exec: ";
