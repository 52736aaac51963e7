//! The self-test's modes: bubblewrap here, the no-namespace fallback without it (as root), and
//! `sandbox_unavailable` when nothing safe can be had.

use std::path::PathBuf;

use preau::grading::judge::Verdict;
use preau::grading::runners;
use preau::grading::sandbox::{Mode, Sandbox};

use crate::support::*;

#[test]
fn self_test_reports_bubblewrap_and_says_so() {
    let Some(s) = sandbox() else { return };
    assert_eq!(s.mode(), Mode::Bubblewrap);
    assert!(
        s.self_test().summary.contains("bubblewrap"),
        "{}",
        s.self_test().summary
    );
}

#[test]
fn nothing_safe_means_sandbox_unavailable_and_nothing_runs() {
    let mut c = config();
    // A base folder that cannot be made: no workspace, so no sandbox at all.
    c.base_dir = PathBuf::from("/proc/preau-cannot-be-here");
    let s = Sandbox::start(c);
    assert_eq!(s.mode(), Mode::Unavailable);
    let r = judge_with(
        &s,
        &runners::PYTHON,
        "print(1)",
        None,
        &[io("", "1", false)],
    );
    assert_eq!(r.verdict, Verdict::SandboxUnavailable);
    assert_eq!(r.score, 0);
    assert!(r.log.contains("unavailable"), "{}", r.log);
}

#[test]
fn without_bubblewrap_root_falls_back_to_a_uid_landlock_and_seccomp() {
    if !nix::unistd::geteuid().is_root() {
        eprintln!("skipped: the no-namespace mode needs root");
        return;
    }
    let mut c = config();
    c.bwrap = Some(PathBuf::from("/nonexistent/bwrap"));
    c.uid_base = UID_BASE + 10;
    c.base_dir = std::env::temp_dir().join("preau-grading-tests-fallback");
    let s = Sandbox::start(c);
    assert_eq!(s.mode(), Mode::NoNamespaces, "{}", s.self_test().summary);
    let probe = "import socket, os\nr = []\ntry:\n    open('/etc/shadow').read(); r.append('shadow read')\nexcept OSError as e: r.append('shadow %d' % e.errno)\ntry:\n    socket.socket(socket.AF_INET, socket.SOCK_STREAM); r.append('socket made')\nexcept OSError as e: r.append('socket %d' % e.errno)\ntry:\n    open('/tmp/preau-fallback-escape', 'w'); r.append('wrote /tmp')\nexcept OSError as e: r.append('tmp %d' % e.errno)\nprint(os.getuid(), *r)\n";
    let o = python(&s, probe, tight());
    assert!(o.success(), "{}", o.stderr_text());
    assert_eq!(
        o.stdout_text().trim(),
        format!("{} shadow 13 socket 1 tmp 13", UID_BASE + 10)
    );
    assert!(!std::path::Path::new("/tmp/preau-fallback-escape").exists());
    // And a process left behind is found by uid and killed.
    let o = python(
        &s,
        "import os, time\nif os.fork() == 0:\n    os.setsid()\n    time.sleep(60)\nprint('parent done')\n",
        tight(),
    );
    assert_eq!(o.stdout_text(), "parent done\n");
    assert_eq!(o.left_behind, 0);
    assert_eq!(preau::grading::sandbox::processes_of_uid(UID_BASE + 10), 0);
}
