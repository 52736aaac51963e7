//! `preau sandbox-exec`: the separate process that starts, watches and ends one sandboxed
//! command, so that nothing hostile is ever forked from the server's own threads.
//!
//! - `supervise SPEC`: started by the server (as root when Préau runs as root). Starts
//!   bubblewrap (or, without namespaces, `inner` directly) as the slot's uid, reads stdout and
//!   stderr with a cap, ends everything at the wall-clock limit or past the cap, kills every
//!   process of the slot's uid, and prints one JSON report on its stdout.
//! - `inner SPEC`: inside the sandbox. Applies rlimits, Landlock and seccomp to itself, then
//!   executes the command.
//! - `kill-uid`: run as the slot's uid; `kill(-1, SIGKILL)` until nothing is left to kill. A
//!   single `kill(-1)` walks every process under the task-list lock, so a fork loop cannot
//!   outrun it.

use std::io::Read;
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use base64::Engine;
use nix::sys::resource::{UsageWho, getrusage};
use nix::sys::signal::{Signal, kill, killpg};
use nix::sys::wait::{WaitPidFlag, waitpid};
use nix::unistd::Pid;

use super::confine;
use super::protocol::{
    InnerSpec, Isolation, SETUP_FAILURE_PREFIX, SETUP_FAILURE_STATUS, Stopped, SuperviseReport,
    SuperviseSpec,
};

/// Where the run's folder, the helper and the temporary folder are inside bubblewrap.
pub(super) const INSIDE_WORK: &str = "/sandbox";
const INSIDE_HELPER: &str = "/.preau/sandbox-exec";
/// Size of the sandbox's private /tmp (a tmpfs, so it counts against the machine's memory).
const TMP_BYTES: u64 = 32 * 1024 * 1024;
/// Paths every runner reads, besides its own.
const COMMON_PATHS: &[&str] = &["/usr", "/etc/ld.so.cache", "/etc/alternatives"];

/// `preau sandbox-exec ARGS`: the entry point `cli.rs` calls.
pub fn main(args: &[String]) -> ExitCode {
    match args {
        [cmd, spec] if cmd == "supervise" => match serde_json::from_str(spec) {
            Ok(spec) => {
                let report = supervise(&spec);
                match serde_json::to_string(&report) {
                    Ok(json) => {
                        println!("{json}");
                        ExitCode::SUCCESS
                    }
                    Err(e) => fail(&format!("report: {e}")),
                }
            }
            Err(e) => fail(&format!("bad spec: {e}")),
        },
        [cmd, spec] if cmd == "inner" => match serde_json::from_str::<InnerSpec>(spec) {
            Ok(spec) => {
                let error = inner(&spec);
                fail(&error)
            }
            Err(e) => fail(&format!("bad spec: {e}")),
        },
        // As root, kill(-1) would end every process of the machine.
        [cmd] if cmd == "kill-uid" && nix::unistd::getuid().is_root() => {
            fail("kill-uid runs as a slot's uid, never as root")
        }
        [cmd] if cmd == "kill-uid" => {
            kill_all_of_my_uid();
            ExitCode::SUCCESS
        }
        _ => fail("usage: preau sandbox-exec supervise|inner SPEC, or kill-uid"),
    }
}

fn fail(message: &str) -> ExitCode {
    eprintln!("{SETUP_FAILURE_PREFIX}{message}");
    ExitCode::from(SETUP_FAILURE_STATUS as u8)
}

/// Confines this process and executes the command; returns only on failure.
fn inner(spec: &InnerSpec) -> String {
    if let Err(e) = std::env::set_current_dir(&spec.work_dir) {
        return format!("chdir {}: {e}", spec.work_dir.display());
    }
    let Some((program, args)) = spec.argv.split_first() else {
        return "empty command".into();
    };
    if let Err(e) = confine::landlock(spec) {
        return e;
    }
    if let Err(e) = confine::rlimits(spec) {
        return e;
    }
    if let Err(e) = confine::seccomp() {
        return e;
    }
    let error = Command::new(program).args(args).exec();
    format!("exec {program}: {error}")
}

/// `kill(-1)` succeeds as long as any process exists (EPERM ones count), so it cannot say
/// when nothing of ours is left: the caller counts in /proc. Two rounds, for a process caught
/// between being forked and being listed.
fn kill_all_of_my_uid() {
    for _ in 0..2 {
        let _ = kill(Pid::from_raw(-1), Signal::SIGKILL);
        thread::sleep(Duration::from_millis(1));
    }
}

/// Kills every process of `uid` (from a child running as that uid) and waits until none is
/// left. `reap`: collect zombies that are our children — only in the supervisor once its main
/// child is waited for (the server never reaps: other threads wait for their own children).
/// Returns how many remain.
pub(super) fn sweep_uid(helper: &Path, uid: u32, reap: bool) -> usize {
    for _ in 0..50 {
        if reap {
            reap_orphans();
        }
        if count_of_uid(uid, reap) == 0 {
            return 0;
        }
        let _ = Command::new(helper)
            .args(["sandbox-exec", "kill-uid"])
            .uid(uid)
            .gid(uid)
            .env_clear()
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
        thread::sleep(Duration::from_millis(2));
    }
    count_of_uid(uid, reap)
}

/// Processes whose real uid is `uid`, from /proc, zombies included.
pub fn processes_of_uid(uid: u32) -> usize {
    count_of_uid(uid, true)
}

/// Zombies are dead: they matter only to whoever can reap them, hence `zombies`. The owner of
/// `/proc/PID` is the process's effective uid, the same as its real uid for a slot's processes
/// (no_new_privs: no setuid program changes it), and a `stat` is cheaper than reading `status`.
fn count_of_uid(uid: u32, zombies: bool) -> usize {
    use std::os::unix::fs::MetadataExt;
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return 0;
    };
    entries
        .flatten()
        .filter(|e| {
            e.file_name()
                .to_string_lossy()
                .bytes()
                .all(|b| b.is_ascii_digit())
        })
        .filter(|e| e.metadata().is_ok_and(|m| m.uid() == uid))
        .filter(|e| {
            zombies
                || std::fs::read_to_string(e.path().join("stat")).is_ok_and(|stat| {
                    // "PID (COMM) STATE ...": COMM may hold spaces and parentheses.
                    stat.rsplit_once(") ")
                        .is_none_or(|(_, rest)| !rest.starts_with('Z'))
                })
        })
        .count()
}

/// As the sandbox's subreaper, collects orphans that ended up as our children.
fn reap_orphans() {
    while let Ok(status) = waitpid(Pid::from_raw(-1), Some(WaitPidFlag::WNOHANG)) {
        if status == nix::sys::wait::WaitStatus::StillAlive {
            break;
        }
    }
}

fn bwrap_command(spec: &SuperviseSpec, inner_json: &str) -> Command {
    let mut cmd = Command::new(&spec.bwrap);
    cmd.args([
        "--unshare-all",
        "--unshare-user",
        "--disable-userns",
        "--die-with-parent",
        "--new-session",
        "--cap-drop",
        "ALL",
        "--hostname",
        "sandbox",
    ]);
    for top in ["/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"] {
        match std::fs::read_link(top) {
            Ok(target) => {
                cmd.arg("--symlink").arg(target).arg(top);
            }
            Err(_) if Path::new(top).is_dir() => {
                cmd.args(["--ro-bind", top, top]);
            }
            Err(_) => {}
        }
    }
    let extra = spec.system_paths.iter().map(PathBuf::as_path);
    for path in COMMON_PATHS.iter().map(Path::new).chain(extra) {
        cmd.arg("--ro-bind-try").arg(path).arg(path);
    }
    cmd.args(["--proc", "/proc", "--dev", "/dev"]);
    cmd.arg("--size")
        .arg(TMP_BYTES.to_string())
        .args(["--tmpfs", "/tmp"]);
    cmd.arg("--bind").arg(&spec.work_dir).arg(INSIDE_WORK);
    cmd.args(["--chdir", INSIDE_WORK]);
    cmd.arg("--ro-bind").arg(&spec.helper).arg(INSIDE_HELPER);
    cmd.args(["--", INSIDE_HELPER, "sandbox-exec", "inner", inner_json]);
    cmd
}

fn inner_spec(spec: &SuperviseSpec) -> InnerSpec {
    let inside = spec.isolation == Isolation::Bubblewrap;
    let work_dir = if inside {
        PathBuf::from(INSIDE_WORK)
    } else {
        spec.work_dir.clone()
    };
    let mut read_paths: Vec<PathBuf> = COMMON_PATHS.iter().map(PathBuf::from).collect();
    read_paths.extend(spec.system_paths.iter().cloned());
    read_paths.extend(["/proc", "/bin", "/lib", "/lib64", "/sbin"].map(PathBuf::from));
    let mut write_paths = vec![work_dir.clone()];
    if inside {
        write_paths.extend(["/tmp", "/dev"].map(PathBuf::from));
    } else {
        // Only the harmless devices: not /dev as a whole (disks, ttys).
        write_paths
            .extend(["/dev/null", "/dev/zero", "/dev/random", "/dev/urandom"].map(PathBuf::from));
        read_paths.push(spec.helper.clone());
    }
    InnerSpec {
        work_dir,
        argv: spec.argv.clone(),
        limits: spec.limits,
        address_space: spec.address_space,
        read_paths,
        write_paths,
        require_landlock: spec.isolation == Isolation::NoNamespaces,
    }
}

fn environment(spec: &SuperviseSpec) -> Vec<(&'static str, String)> {
    let (home, tmp) = if spec.isolation == Isolation::Bubblewrap {
        (INSIDE_WORK.to_owned(), "/tmp".to_owned())
    } else {
        let w = spec.work_dir.display().to_string();
        (w.clone(), w)
    };
    vec![
        ("PATH", "/usr/local/bin:/usr/bin:/bin".into()),
        ("HOME", home),
        ("TMPDIR", tmp),
        ("LANG", "C.UTF-8".into()),
        ("PYTHONDONTWRITEBYTECODE", "1".into()),
    ]
}

enum Event {
    Exited(std::process::ExitStatus),
    WaitFailed(String),
    OutputCapped,
}

/// Reads `stream` into at most `cap` bytes; one more byte tells `events` the cap was passed.
fn read_capped(
    mut stream: impl Read + Send + 'static,
    cap: u64,
    events: mpsc::Sender<Event>,
) -> thread::JoinHandle<Vec<u8>> {
    thread::spawn(move || {
        let mut kept = Vec::new();
        let mut buf = [0u8; 16 * 1024];
        loop {
            match stream.read(&mut buf) {
                Ok(0) | Err(_) => return kept,
                Ok(n) => {
                    let room = (cap as usize).saturating_sub(kept.len());
                    kept.extend_from_slice(&buf[..n.min(room)]);
                    if n > room {
                        let _ = events.send(Event::OutputCapped);
                        return kept;
                    }
                }
            }
        }
    })
}

fn supervise(spec: &SuperviseSpec) -> SuperviseReport {
    let inner = inner_spec(spec);
    let inner_json = match serde_json::to_string(&inner) {
        Ok(j) => j,
        Err(e) => return setup_failed(format!("inner spec: {e}")),
    };
    let mut cmd = match spec.isolation {
        Isolation::Bubblewrap => bwrap_command(spec, &inner_json),
        Isolation::NoNamespaces | Isolation::Unconfined => {
            let mut c = Command::new(&spec.helper);
            c.args(["sandbox-exec", "inner", &inner_json]);
            c.process_group(0);
            c
        }
    };
    if let Some(uid) = spec.uid {
        // std drops the supplementary groups too when it changes uid as root.
        cmd.uid(uid).gid(uid);
    }
    cmd.env_clear()
        .envs(environment(spec))
        .stdin(Stdio::inherit())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    // Orphans (double forks) become our children, not init's: we reap and count them.
    let _ = nix::sys::prctl::set_child_subreaper(true);
    let started = Instant::now();
    let mut child = match cmd.spawn() {
        Ok(c) => c,
        Err(e) => return setup_failed(format!("starting the sandbox: {e}")),
    };
    let (events, received) = mpsc::channel();
    let cap = spec.limits.output_bytes;
    let stdout = child
        .stdout
        .take()
        .map(|s| read_capped(s, cap, events.clone()));
    let stderr = child
        .stderr
        .take()
        .map(|s| read_capped(s, cap, events.clone()));
    let pid = child.id();
    let waiter = {
        let events = events.clone();
        thread::spawn(move || {
            let _ = match child.wait() {
                Ok(status) => events.send(Event::Exited(status)),
                Err(e) => events.send(Event::WaitFailed(e.to_string())),
            };
        })
    };
    drop(events);

    let deadline = started + Duration::from_millis(spec.limits.wall_ms);
    let mut stopped = None;
    let mut status = None;
    let mut setup_error = None;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match received.recv_timeout(left) {
            Ok(Event::Exited(s)) => {
                status = Some(s);
                break;
            }
            Ok(Event::WaitFailed(e)) => {
                setup_error = Some(format!("waiting for the sandbox: {e}"));
                break;
            }
            Ok(Event::OutputCapped) => {
                if stopped.is_none() {
                    stopped = Some(Stopped::Output);
                    end_everything(spec, pid, true);
                }
            }
            Err(mpsc::RecvTimeoutError::Timeout) => {
                if stopped.is_none() {
                    stopped = Some(Stopped::WallClock);
                }
                end_everything(spec, pid, true);
                // The waiter reports the exit; the deadline is past, so wait without one.
                if let Ok(Event::Exited(s)) = wait_exit(&received) {
                    status = Some(s);
                }
                break;
            }
            Err(mpsc::RecvTimeoutError::Disconnected) => break,
        }
    }
    let _ = waiter.join();
    let wall_ms = started.elapsed().as_millis() as u64;
    // The command's main process is gone; nothing it started may outlive it.
    let left_behind = end_everything(spec, pid, false);
    let stdout = join_reader(stdout);
    let stderr = join_reader(stderr);
    // bubblewrap's own init may have become our orphan while the readers drained.
    reap_orphans();
    let usage = getrusage(UsageWho::RUSAGE_CHILDREN).ok();
    let cpu_ms = usage.as_ref().map_or(0, |u| {
        let ms = |t: nix::sys::time::TimeVal| t.tv_sec() as u64 * 1000 + t.tv_usec() as u64 / 1000;
        ms(u.user_time()) + ms(u.system_time())
    });
    let max_rss_kb = usage.map_or(0, |u| u.max_rss().max(0) as u64);

    let (mut exit_code, mut signal) = match status {
        Some(s) => (s.code(), s.signal()),
        None => (None, None),
    };
    // bubblewrap reports a signal death of the command as 128 + the signal, like a shell.
    if spec.isolation == Isolation::Bubblewrap
        && let Some(code) = exit_code
        && code > 128
        && code < 128 + 65
    {
        signal = Some(code - 128);
        exit_code = None;
    }
    if exit_code == Some(SETUP_FAILURE_STATUS)
        && let Some(line) = String::from_utf8_lossy(&stderr)
            .lines()
            .find(|l| l.starts_with(SETUP_FAILURE_PREFIX))
    {
        setup_error = Some(line[SETUP_FAILURE_PREFIX.len()..].to_owned());
    }
    // bubblewrap's own failures (no user namespaces, a bind that fails) exit 1 with "bwrap:".
    if spec.isolation == Isolation::Bubblewrap
        && exit_code == Some(1)
        && let Some(line) = String::from_utf8_lossy(&stderr)
            .lines()
            .find(|l| l.starts_with("bwrap: "))
    {
        setup_error = Some(line.to_owned());
    }
    let b64 = base64::engine::general_purpose::STANDARD;
    SuperviseReport {
        exit_code,
        signal,
        stopped,
        cpu_ms,
        wall_ms,
        max_rss_kb,
        stdout: b64.encode(&stdout),
        stderr: b64.encode(&stderr),
        left_behind,
        setup_error,
    }
}

fn wait_exit(received: &mpsc::Receiver<Event>) -> Result<Event, mpsc::RecvTimeoutError> {
    loop {
        match received.recv_timeout(Duration::from_secs(5))? {
            Event::OutputCapped => continue,
            other => return Ok(other),
        }
    }
}

/// Output readers end when the last process holding the pipe is gone; after the sweep that
/// is at once, but an unconfined run may have left a writer: give up after a moment.
fn join_reader(reader: Option<thread::JoinHandle<Vec<u8>>>) -> Vec<u8> {
    let Some(reader) = reader else {
        return Vec::new();
    };
    let until = Instant::now() + Duration::from_millis(500);
    while !reader.is_finished() && Instant::now() < until {
        thread::sleep(Duration::from_millis(2));
    }
    if reader.is_finished() {
        reader.join().unwrap_or_default()
    } else {
        Vec::new()
    }
}

/// Kills the command and everything it started; returns how many processes of the slot's uid
/// are still there afterwards.
/// `main_alive`: the main process is not reaped yet, so its pid is still ours to signal.
fn end_everything(spec: &SuperviseSpec, pid: u32, main_alive: bool) -> usize {
    let pid = Pid::from_raw(pid as i32);
    // bubblewrap: its death ends the pid namespace, which kills every process in it.
    if main_alive {
        let _ = kill(pid, Signal::SIGKILL);
    }
    // Without a uid of its own, the process group is all there is to find the rest by.
    if spec.isolation != Isolation::Bubblewrap && (main_alive || spec.uid.is_none()) {
        let _ = killpg(pid, Signal::SIGKILL);
    }
    match spec.uid {
        Some(uid) => sweep_uid(&spec.helper, uid, !main_alive),
        None => {
            if !main_alive {
                reap_orphans();
            }
            0
        }
    }
}

fn setup_failed(error: String) -> SuperviseReport {
    SuperviseReport {
        exit_code: None,
        signal: None,
        stopped: None,
        cpu_ms: 0,
        wall_ms: 0,
        max_rss_kb: 0,
        stdout: String::new(),
        stderr: String::new(),
        left_behind: 0,
        setup_error: Some(error),
    }
}
