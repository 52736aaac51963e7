//! Runs one command in a fresh work folder under limits and reports what happened. One job;
//! the judge builds the script protocol on top of it.
//!
//! ```text
//! server thread ──spawn──▶ preau sandbox-exec supervise      (root, single purpose)
//!                            └─ uid drop ─▶ bwrap (every namespace unshared)
//!                                            └─▶ preau sandbox-exec inner
//!                                                 rlimits + Landlock + seccomp ─exec─▶ command
//! ```
//!
//! [`Sandbox::start`] runs a self-test and settles on a [`Mode`]; a [`Workspace`] is one run's
//! folder and slot (its own uid when Préau runs as root); [`Workspace::run`] runs one [`Step`]
//! and returns an [`Outcome`]. Dropping the workspace kills whatever is left of the run and
//! removes its folder.

mod confine;
mod helper;
mod limits;
mod protocol;

use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Write};
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Condvar, Mutex, mpsc};
use std::time::Duration;

use base64::Engine;
use serde::Serialize;

pub use helper::{main as exec_main, processes_of_uid};
pub use limits::Limits;
use protocol::{Isolation, Stopped, SuperviseReport, SuperviseSpec};

/// How runs are confined on this server, settled by the start-up self-test.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    /// bubblewrap (every namespace unshared) + rlimits + Landlock + seccomp.
    Bubblewrap,
    /// User namespaces refused: a dedicated uid + rlimits + Landlock + seccomp.
    NoNamespaces,
    /// Nothing safe, but the admin set `grading_unsafe = true`: rlimits and best effort.
    Unsafe,
    /// Nothing safe: every run ends with `sandbox_unavailable`.
    Unavailable,
}

/// What the start-up self-test found: the mode, and a sentence for the log and the admin page.
#[derive(Clone, Debug, Serialize)]
pub struct SelfTest {
    pub mode: Mode,
    pub summary: String,
}

#[derive(Clone, Debug)]
pub struct SandboxConfig {
    /// The `preau` binary, whose `sandbox-exec` subcommand confines each run
    /// (`std::env::current_exe()` in the server; tests pass `CARGO_BIN_EXE_preau`).
    pub helper: PathBuf,
    /// bubblewrap; `None` looks for `bwrap` in /usr/bin and /bin.
    pub bwrap: Option<PathBuf>,
    /// Where run folders are made (each removed when its run ends).
    pub base_dir: PathBuf,
    /// Runs at once (`grading_concurrency`); as root, each slot has its own uid.
    pub slots: usize,
    /// First uid of the slots' pool, as root: `uid_base .. uid_base + slots`. These uids must
    /// belong to nobody else (RLIMIT_NPROC and the final kill go by uid).
    pub uid_base: u32,
    /// `grading_unsafe`: run even when nothing safe can be had.
    pub allow_unsafe: bool,
}

impl SandboxConfig {
    /// Defaults for `helper`: 1 slot, uids from 4 000 000, runs under the system temp folder.
    pub fn new(helper: PathBuf) -> SandboxConfig {
        SandboxConfig {
            helper,
            bwrap: None,
            base_dir: std::env::temp_dir().join("preau-grading"),
            slots: 1,
            uid_base: 4_000_000,
            allow_unsafe: false,
        }
    }
}

#[derive(Debug)]
pub enum SandboxError {
    /// No safe sandbox on this server (the self-test said so).
    Unavailable(String),
    /// Setting the run up failed (a folder, bubblewrap, the confinement).
    Setup(String),
}

impl std::fmt::Display for SandboxError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SandboxError::Unavailable(why) => write!(f, "no safe sandbox: {why}"),
            SandboxError::Setup(why) => write!(f, "sandbox setup: {why}"),
        }
    }
}

/// One command to run in a workspace.
#[derive(Clone, Debug)]
pub struct Step {
    pub argv: Vec<String>,
    pub stdin: Vec<u8>,
    pub limits: Limits,
    /// Read-only system paths the command needs besides /usr (a runner's `system_paths`).
    pub system_paths: Vec<PathBuf>,
    /// RLIMIT_AS, or `None` for runtimes that reserve more than they use (Java, Node).
    pub address_space: Option<u64>,
}

impl Step {
    pub fn new(argv: &[&str], limits: Limits) -> Step {
        Step {
            argv: argv.iter().map(|s| s.to_string()).collect(),
            stdin: Vec::new(),
            limits,
            system_paths: Vec::new(),
            address_space: Some(limits.memory_bytes),
        }
    }
}

/// Which limit ended a command.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LimitHit {
    /// Wall clock or CPU time.
    Timeout,
    MemoryLimit,
    OutputLimit,
}

/// What happened to one command.
#[derive(Clone, Debug)]
pub struct Outcome {
    /// The exit status when it exited, `None` when a signal ended it.
    pub exit_code: Option<i32>,
    pub signal: Option<i32>,
    pub limit: Option<LimitHit>,
    pub cpu_ms: u64,
    pub wall_ms: u64,
    pub max_rss_kb: u64,
    /// At most `limits.output_bytes` of each.
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
    /// Processes of the run found alive after the final kill (0, or a bug to report).
    pub left_behind: usize,
}

impl Outcome {
    pub fn success(&self) -> bool {
        self.exit_code == Some(0) && self.limit.is_none()
    }

    pub fn stdout_text(&self) -> String {
        String::from_utf8_lossy(&self.stdout).into_owned()
    }

    pub fn stderr_text(&self) -> String {
        String::from_utf8_lossy(&self.stderr).into_owned()
    }

    /// "exit status 1", "killed by signal 9", with the limit when one ended it.
    pub fn describe(&self) -> String {
        let how = match (self.exit_code, self.signal) {
            (Some(c), _) => format!("exit status {c}"),
            (None, Some(s)) => format!("killed by signal {s}"),
            (None, None) => "ended".to_owned(),
        };
        match self.limit {
            Some(LimitHit::Timeout) => format!("{how}: time limit reached"),
            Some(LimitHit::MemoryLimit) => format!("{how}: memory limit reached"),
            Some(LimitHit::OutputLimit) => format!("{how}: output limit reached"),
            None => how,
        }
    }
}

/// What runtimes print when an allocation fails under RLIMIT_AS or their heap flag.
const OUT_OF_MEMORY_MARKERS: &[&str] = &[
    "MemoryError",
    "Cannot allocate memory",
    "out of memory",
    "std::bad_alloc",
    "java.lang.OutOfMemoryError",
    "Allocation failed",
    "allocation failed",
    "memory allocation of",
];

fn limit_hit(report: &SuperviseReport, limits: &Limits, stderr: &[u8]) -> Option<LimitHit> {
    match report.stopped {
        Some(Stopped::WallClock) => return Some(LimitHit::Timeout),
        Some(Stopped::Output) => return Some(LimitHit::OutputLimit),
        None => {}
    }
    const SIGKILL: i32 = 9;
    const SIGXCPU: i32 = 24;
    let cpu_spent = report.cpu_ms + 50 >= limits.cpu_seconds() * 1000;
    if report.signal == Some(SIGXCPU) || (report.signal == Some(SIGKILL) && cpu_spent) {
        return Some(LimitHit::Timeout);
    }
    if report.exit_code != Some(0) {
        let text = String::from_utf8_lossy(stderr);
        if OUT_OF_MEMORY_MARKERS.iter().any(|m| text.contains(m)) {
            return Some(LimitHit::MemoryLimit);
        }
    }
    None
}

struct Slots {
    busy: Mutex<Vec<bool>>,
    freed: Condvar,
}

/// The sandbox of this server: its mode and its slots. Shared by every run (`&Sandbox` is
/// `Sync`); [`Sandbox::workspace`] waits for a free slot.
pub struct Sandbox {
    config: SandboxConfig,
    bwrap: PathBuf,
    isolation: Option<Isolation>,
    as_root: bool,
    self_test: SelfTest,
    slots: Slots,
}

fn find_bwrap(config: &SandboxConfig) -> Option<PathBuf> {
    match &config.bwrap {
        Some(p) => Some(p.clone()).filter(|p| p.exists()),
        None => ["/usr/bin/bwrap", "/bin/bwrap", "/usr/local/bin/bwrap"]
            .into_iter()
            .map(PathBuf::from)
            .find(|p| p.exists()),
    }
}

impl Sandbox {
    /// Settles the mode with a self-test: bubblewrap first, then the no-namespace mode (as root),
    /// then `Unsafe` if allowed, else `Unavailable`. Never fails: an unavailable sandbox is a
    /// mode, and the runs say so.
    pub fn start(config: SandboxConfig) -> Sandbox {
        let as_root = nix::unistd::geteuid().is_root();
        let bwrap = find_bwrap(&config);
        let mut sandbox = Sandbox {
            bwrap: bwrap.clone().unwrap_or_default(),
            slots: Slots {
                busy: Mutex::new(vec![false; config.slots.max(1)]),
                freed: Condvar::new(),
            },
            config,
            isolation: None,
            as_root,
            self_test: SelfTest {
                mode: Mode::Unavailable,
                summary: String::new(),
            },
        };
        let mut refusals = Vec::new();
        if let Err(e) = fs::create_dir_all(&sandbox.config.base_dir).and_then(|()| {
            fs::set_permissions(&sandbox.config.base_dir, fs::Permissions::from_mode(0o711))
        }) {
            sandbox.self_test.summary = format!(
                "grading sandbox unavailable: cannot prepare {}: {e}",
                sandbox.config.base_dir.display()
            );
            return sandbox;
        }
        let who = if as_root {
            format!(
                "as uids {}..{}",
                sandbox.config.uid_base,
                sandbox.config.uid_base + sandbox.slots_count() as u32 - 1
            )
        } else {
            "as Préau's own uid".to_owned()
        };
        match &bwrap {
            Some(path) => match sandbox.probe(Isolation::Bubblewrap) {
                Ok(()) => {
                    sandbox.settle(
                        Mode::Bubblewrap,
                        format!(
                            "grading sandbox: bubblewrap ({}) with every namespace unshared, \
                             rlimits, Landlock and seccomp, {who}",
                            path.display()
                        ),
                    );
                    return sandbox;
                }
                Err(e) => refusals.push(format!("bubblewrap refused: {e}")),
            },
            None => refusals.push("bubblewrap (bwrap) is not installed".to_owned()),
        }
        if as_root {
            match sandbox.probe(Isolation::NoNamespaces) {
                Ok(()) => {
                    sandbox.settle(
                        Mode::NoNamespaces,
                        format!(
                            "grading sandbox: no namespaces ({}); a uid per run, rlimits, \
                             Landlock and seccomp, {who}",
                            refusals.join("; ")
                        ),
                    );
                    return sandbox;
                }
                Err(e) => refusals.push(format!("the no-namespace mode failed: {e}")),
            }
        } else {
            refusals.push("the no-namespace mode needs root, for a uid per run".to_owned());
        }
        if sandbox.config.allow_unsafe {
            sandbox.isolation = Some(Isolation::Unconfined);
            sandbox.self_test = SelfTest {
                mode: Mode::Unsafe,
                summary: format!(
                    "grading sandbox UNSAFE (grading_unsafe = true): submissions run with \
                     rlimits only and can read what Préau can read ({})",
                    refusals.join("; ")
                ),
            };
            return sandbox;
        }
        sandbox.self_test.summary = format!(
            "grading sandbox unavailable, runs end with sandbox_unavailable: {}",
            refusals.join("; ")
        );
        sandbox
    }

    fn settle(&mut self, mode: Mode, summary: String) {
        self.self_test = SelfTest { mode, summary };
    }

    fn slots_count(&self) -> usize {
        self.slots.busy.lock().map(|b| b.len()).unwrap_or(1)
    }

    /// Runs `true` with `isolation`; on success the sandbox keeps that isolation.
    fn probe(&mut self, isolation: Isolation) -> Result<(), String> {
        self.isolation = Some(isolation);
        let result = self.workspace().map_err(|e| e.to_string()).and_then(|ws| {
            let outcome = ws
                .run(&Step::new(&["true"], Limits::default()))
                .map_err(|e| e.to_string())?;
            if outcome.success() {
                Ok(())
            } else {
                let stderr = outcome.stderr_text();
                Err(format!("{}: {}", outcome.describe(), stderr.trim()))
            }
        });
        if result.is_err() {
            self.isolation = None;
        }
        result
    }

    pub fn self_test(&self) -> &SelfTest {
        &self.self_test
    }

    pub fn mode(&self) -> Mode {
        self.self_test.mode
    }

    /// A fresh work folder and a slot for one run, waiting for a free slot.
    pub fn workspace(&self) -> Result<Workspace<'_>, SandboxError> {
        let Some(isolation) = self.isolation else {
            return Err(SandboxError::Unavailable(self.self_test.summary.clone()));
        };
        let slot = self.take_slot();
        let uid = self.as_root.then(|| self.config.uid_base + slot as u32);
        let mut ws = Workspace {
            sandbox: self,
            isolation,
            slot,
            uid,
            root: PathBuf::new(),
            dir: PathBuf::new(),
        };
        // A slot's uid must own nothing when its run starts (a crash may have left some).
        if let Some(uid) = uid
            && helper::sweep_uid(&self.config.helper, uid, false) > 0
        {
            return Err(SandboxError::Setup(format!(
                "processes of uid {uid} survive being killed"
            )));
        }
        let root = tempfile::Builder::new()
            .prefix("run-")
            .tempdir_in(&self.config.base_dir)
            .map_err(|e| SandboxError::Setup(format!("run folder: {e}")))?
            .keep();
        ws.root = root.clone();
        ws.dir = root.join("work");
        let prepare = || -> io::Result<()> {
            fs::set_permissions(&root, fs::Permissions::from_mode(0o711))?;
            fs::create_dir(&ws.dir)?;
            fs::set_permissions(&ws.dir, fs::Permissions::from_mode(0o700))?;
            if let Some(uid) = uid {
                std::os::unix::fs::chown(&ws.dir, Some(uid), Some(uid))?;
            }
            Ok(())
        };
        prepare().map_err(|e| SandboxError::Setup(format!("run folder: {e}")))?;
        Ok(ws)
    }

    fn take_slot(&self) -> usize {
        let mut busy = match self.slots.busy.lock() {
            Ok(b) => b,
            Err(poisoned) => poisoned.into_inner(),
        };
        loop {
            if let Some(i) = busy.iter().position(|b| !b) {
                busy[i] = true;
                return i;
            }
            busy = match self.slots.freed.wait(busy) {
                Ok(b) => b,
                Err(poisoned) => poisoned.into_inner(),
            };
        }
    }

    fn release_slot(&self, slot: usize) {
        let mut busy = match self.slots.busy.lock() {
            Ok(b) => b,
            Err(poisoned) => poisoned.into_inner(),
        };
        if let Some(b) = busy.get_mut(slot) {
            *b = false;
        }
        self.slots.freed.notify_one();
    }
}

/// One run's work folder and slot. Dropping it kills every process of the run and removes
/// the folder.
pub struct Workspace<'s> {
    sandbox: &'s Sandbox,
    isolation: Isolation,
    slot: usize,
    uid: Option<u32>,
    /// Root-owned, 0711: holds `work` and the server's own files of the run (stdin).
    root: PathBuf,
    /// The work folder, owned by the slot's uid, 0700.
    dir: PathBuf,
}

fn plain_name(name: &str) -> io::Result<&str> {
    let ok = !name.is_empty()
        && name != "."
        && name != ".."
        && !name.contains('/')
        && !name.contains('\0');
    if ok {
        Ok(name)
    } else {
        Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("{name:?} is not a plain file name"),
        ))
    }
}

impl Workspace<'_> {
    /// The work folder on the host.
    pub fn path(&self) -> &Path {
        &self.dir
    }

    /// The uid the run's processes have (as root), for checks.
    pub fn uid(&self) -> Option<u32> {
        self.uid
    }

    /// Writes `name` in the work folder, owned by the run's uid.
    pub fn write_file(&self, name: &str, contents: &[u8]) -> io::Result<()> {
        let path = self.dir.join(plain_name(name)?);
        // Remove, then create anew without following links: a symlink or FIFO planted by an
        // earlier step under this name is replaced, never written through.
        let _ = fs::remove_file(&path);
        let mut file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o644)
            .custom_flags(libc::O_NOFOLLOW)
            .open(&path)?;
        file.write_all(contents)?;
        if let Some(uid) = self.uid {
            std::os::unix::fs::fchown(&file, Some(uid), Some(uid))?;
        }
        Ok(())
    }

    /// Reads `name` from the work folder if it is a regular file (never through a symlink,
    /// never blocking on a FIFO the run made); `Ok(None)` when there is none; an error past
    /// `cap` bytes.
    pub fn read_file(&self, name: &str, cap: u64) -> io::Result<Option<Vec<u8>>> {
        let path = self.dir.join(plain_name(name)?);
        let file = match OpenOptions::new()
            .read(true)
            .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK)
            .open(&path)
        {
            Ok(f) => f,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(e) if e.raw_os_error() == Some(libc::ELOOP) => {
                return Err(io::Error::other(format!("{name} is a symbolic link")));
            }
            Err(e) => return Err(e),
        };
        let meta = file.metadata()?;
        if !meta.is_file() {
            return Err(io::Error::other(format!("{name} is not a regular file")));
        }
        if meta.len() > cap {
            return Err(io::Error::other(format!(
                "{name} is {} bytes, over the {cap} allowed",
                meta.len()
            )));
        }
        let mut bytes = Vec::new();
        file.take(cap + 1).read_to_end(&mut bytes)?;
        if bytes.len() as u64 > cap {
            return Err(io::Error::other(format!("{name} is over {cap} bytes")));
        }
        Ok(Some(bytes))
    }

    /// Runs `step` in the work folder and says what happened.
    pub fn run(&self, step: &Step) -> Result<Outcome, SandboxError> {
        let setup = |what: &str, e: io::Error| SandboxError::Setup(format!("{what}: {e}"));
        let stdin_path = self.root.join("stdin");
        fs::write(&stdin_path, &step.stdin).map_err(|e| setup("stdin", e))?;
        let stdin = File::open(&stdin_path).map_err(|e| setup("stdin", e))?;
        let spec = SuperviseSpec {
            isolation: self.isolation,
            uid: self.uid,
            bwrap: self.sandbox.bwrap.clone(),
            helper: self.sandbox.config.helper.clone(),
            work_dir: self.dir.clone(),
            argv: step.argv.clone(),
            system_paths: step.system_paths.clone(),
            limits: step.limits,
            address_space: step.address_space,
        };
        let json =
            serde_json::to_string(&spec).map_err(|e| SandboxError::Setup(format!("spec: {e}")))?;
        let mut child = Command::new(&self.sandbox.config.helper)
            .args(["sandbox-exec", "supervise", &json])
            .env_clear()
            .stdin(stdin)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .map_err(|e| setup("starting preau sandbox-exec", e))?;
        // Backstop: the supervisor enforces the wall clock; should it hang, it is killed.
        let backstop = Duration::from_millis(step.limits.wall_ms) + Duration::from_secs(15);
        let (done, finished) = mpsc::channel::<()>();
        let pid = child.id();
        let watchdog = std::thread::spawn(move || {
            if finished.recv_timeout(backstop) == Err(mpsc::RecvTimeoutError::Timeout) {
                let _ = nix::sys::signal::kill(
                    nix::unistd::Pid::from_raw(pid as i32),
                    nix::sys::signal::Signal::SIGKILL,
                );
            }
        });
        let mut json = Vec::new();
        // Two capped streams in base64 plus the envelope.
        let cap = step.limits.output_bytes * 3 + 64 * 1024;
        let read = child
            .stdout
            .take()
            .map(|s| s.take(cap).read_to_end(&mut json));
        let status = child.wait();
        let _ = done.send(());
        let _ = watchdog.join();
        let _ = fs::remove_file(&stdin_path);
        if let Some(Err(e)) = read {
            return Err(setup("reading the supervisor's report", e));
        }
        let report: SuperviseReport = serde_json::from_slice(&json).map_err(|e| {
            SandboxError::Setup(format!(
                "the supervisor gave no report ({e}; status {status:?})"
            ))
        })?;
        if let Some(error) = report.setup_error.clone() {
            return Err(SandboxError::Setup(error));
        }
        let b64 = base64::engine::general_purpose::STANDARD;
        let stdout = b64.decode(&report.stdout).unwrap_or_default();
        let stderr = b64.decode(&report.stderr).unwrap_or_default();
        Ok(Outcome {
            exit_code: report.exit_code,
            signal: report.signal,
            limit: limit_hit(&report, &step.limits, &stderr),
            cpu_ms: report.cpu_ms,
            wall_ms: report.wall_ms,
            max_rss_kb: report.max_rss_kb,
            stdout,
            stderr,
            left_behind: report.left_behind,
        })
    }
}

impl Drop for Workspace<'_> {
    fn drop(&mut self) {
        if let Some(uid) = self.uid {
            helper::sweep_uid(&self.sandbox.config.helper, uid, false);
        }
        if !self.root.as_os_str().is_empty() {
            let _ = fs::remove_dir_all(&self.root);
        }
        self.sandbox.release_slot(self.slot);
    }
}
