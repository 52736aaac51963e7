//! Hostile submissions, each inside the sandbox with its limits in force, and only once
//! [`limits_proven`] has seen every limit hold on a harmless program. Each gets its verdict;
//! nothing outside the run's folder changes; no process of the run is left afterwards.

use std::io::Read;
use std::net::TcpListener;
use std::path::Path;
use std::time::Duration;

use preau::grading::judge::Verdict;
use preau::grading::runners;
use preau::grading::sandbox::{LimitHit, Limits, Sandbox, processes_of_uid};

use crate::support::*;

fn ready() -> Option<&'static Sandbox> {
    let s = sandbox()?;
    limits_proven(s);
    Some(s)
}

/// No process anywhere on the machine has `marker` in its command line, and no process of
/// the test slots' uids is alive.
fn assert_nothing_left(marker: &str) {
    for _ in 0..50 {
        if !marked_processes(marker) {
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(
        !marked_processes(marker),
        "a process with {marker} survived its run"
    );
    // Runs of other tests may be in flight: check that our own slot uids hold nothing once idle.
}

fn marked_processes(marker: &str) -> bool {
    std::fs::read_dir("/proc").unwrap().flatten().any(|e| {
        std::fs::read(e.path().join("cmdline"))
            .is_ok_and(|c| String::from_utf8_lossy(&c).contains(marker))
    })
}

#[test]
fn a_fork_bomb_ends_as_timeout_with_nothing_left() {
    let Some(s) = ready() else { return };
    let Some(c) = runner("c") else { return };
    let bomb = "#include <unistd.h>\nint main(void){ for(;;) fork(); }\n";
    let r = judge_with(s, c, bomb, None, &[io("", "", false)]);
    assert_eq!(r.verdict, Verdict::Timeout, "{}", r.log);
    assert!(r.log.contains("time limit reached"));
    assert!(!r.log.contains("survived the final kill"), "{}", r.log);
    // Python's version, with a marker to look for afterwards.
    let o = python(
        s,
        "import os, sys\n# fork-bomb-marker-7731\nwhile True:\n    try: os.fork()\n    except OSError: pass\n",
        tight(),
    );
    assert_eq!(o.limit, Some(LimitHit::Timeout));
    assert_eq!(o.left_behind, 0);
    assert_nothing_left("fork-bomb-marker-7731");
}

#[test]
fn allocating_10_gib_is_memory_limit() {
    let Some(s) = ready() else { return };
    let r = judge_with(
        s,
        &runners::PYTHON,
        "b = bytearray(10 * 1024**3)\n",
        None,
        &[io("", "", false)],
    );
    assert_eq!(r.verdict, Verdict::MemoryLimit, "{}", r.log);
    let Some(c) = runner("c") else { return };
    let code = "#include <stdio.h>\n#include <stdlib.h>\n#include <string.h>\nint main(void){ size_t n = 10UL << 30; char *p = malloc(n); if (!p) { perror(\"malloc\"); return 1; } memset(p, 1, n); return 0; }\n";
    let r = judge_with(s, c, code, None, &[io("", "", false)]);
    assert_eq!(r.verdict, Verdict::MemoryLimit, "{}", r.log);
}

#[test]
fn a_javascript_heap_blow_up_is_memory_limit_not_timeout() {
    let Some(s) = ready() else { return };
    let Some(js) = runner("javascript") else {
        return;
    };
    let code = "const a = []; for (;;) a.push(new Array(1e6).fill(1.5));\n";
    let task_limits = Limits {
        memory_bytes: 96 * MIB,
        cpu_ms: 3_000,
        wall_ms: 5_000,
        ..tight()
    };
    let ws = s.workspace().unwrap();
    ws.write_file("submission.js", code.as_bytes()).unwrap();
    let o = ws.run(&js.run_step("submission.js", task_limits)).unwrap();
    assert_eq!(
        o.limit,
        Some(LimitHit::MemoryLimit),
        "{} {}",
        o.describe(),
        o.stderr_text()
    );
}

#[test]
fn an_endless_loop_is_timeout() {
    let Some(s) = ready() else { return };
    let r = judge_with(
        s,
        &runners::PYTHON,
        "while True:\n    pass\n",
        None,
        &[io("", "", false)],
    );
    assert_eq!((r.verdict, r.score), (Verdict::Timeout, 0), "{}", r.log);
}

#[test]
fn sleeping_forever_is_timeout_at_the_wall_clock() {
    let Some(s) = ready() else { return };
    let r = judge_with(
        s,
        &runners::PYTHON,
        "import time\ntime.sleep(10**6)\n",
        None,
        &[io("", "", false)],
    );
    assert_eq!(r.verdict, Verdict::Timeout, "{}", r.log);
    assert!(r.wall_ms < 6_000, "{}", r.wall_ms);
}

#[test]
fn printing_1_gib_is_output_limit() {
    let Some(s) = ready() else { return };
    let code = "import sys\nchunk = 'x' * (1024 * 1024)\nfor _ in range(1024):\n    sys.stdout.write(chunk)\n";
    let r = judge_with(s, &runners::PYTHON, code, None, &[io("", "", false)]);
    assert_eq!(r.verdict, Verdict::OutputLimit, "{}", r.log);
    assert!(r.log.len() <= preau::grading::judge::LOG_CAP);
    // And on stderr.
    let o = python(
        s,
        "import sys\nwhile True: sys.stderr.write('e' * 65536)\n",
        tight(),
    );
    assert_eq!(o.limit, Some(LimitHit::OutputLimit));
}

#[test]
fn writing_a_1_gib_file_stops_at_1_mib() {
    let Some(s) = ready() else { return };
    let ws = s.workspace().unwrap();
    let code = "chunk = b'x' * (1024 * 1024)\nwith open('big', 'wb') as f:\n    for _ in range(1024):\n        f.write(chunk)\n";
    ws.write_file("main.py", code.as_bytes()).unwrap();
    let o = ws
        .run(&runners::PYTHON.run_step("main.py", tight()))
        .unwrap();
    assert_eq!(o.exit_code, Some(1));
    assert!(
        o.stderr_text().contains("File too large"),
        "{}",
        o.stderr_text()
    );
    assert!(std::fs::metadata(ws.path().join("big")).unwrap().len() <= MIB);
    // The private /tmp is a small tmpfs: it fills up, the host's /tmp does not.
    let code = "import os\nn = 0\ntry:\n    for i in range(1000):\n        with open('/tmp/f%d' % i, 'wb') as f: f.write(b'x' * (1024 * 1024))\n        n += 1\nexcept OSError as e:\n    print(n, e.errno)\n";
    let o = python(s, code, tight());
    let out = o.stdout_text();
    assert!(
        out.trim_end().ends_with(" 28"),
        "ENOSPC: {out} {}",
        o.stderr_text()
    );
}

#[test]
fn no_connection_leaves_the_sandbox_to_the_loopback_or_a_public_address() {
    let Some(s) = ready() else { return };
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    listener.set_nonblocking(true).unwrap();
    let code = format!(
        "import socket\nfor host, port in [('127.0.0.1', {port}), ('1.1.1.1', 80), ('::1', {port})]:\n    try:\n        fam = socket.AF_INET6 if ':' in host else socket.AF_INET\n        c = socket.socket(fam, socket.SOCK_STREAM); c.settimeout(1); c.connect((host, port)); print('connected', host)\n    except OSError as e:\n        print('refused', host, e.errno)\n"
    );
    let o = python(s, &code, tight());
    assert!(o.success(), "{}", o.stderr_text());
    let out = o.stdout_text();
    assert!(!out.contains("connected"), "{out}");
    assert_eq!(out.matches("refused").count(), 3, "{out}");
    // Socket creation itself is refused (EPERM): nothing is ever sent.
    assert!(out.contains("refused 1.1.1.1 1"), "{out}");
    let mut accepted = listener.accept();
    if let Ok((ref mut stream, _)) = accepted {
        let mut b = [0u8; 1];
        let _ = stream.read(&mut b);
    }
    assert!(accepted.is_err(), "the test's listener saw a connection");
    // Nor by a compiled program.
    let Some(_c) = runner("c") else { return };
    let code = format!(
        "#include <stdio.h>\n#include <sys/socket.h>\n#include <netinet/in.h>\n#include <arpa/inet.h>\nint main(void){{ int s = socket(AF_INET, SOCK_STREAM, 0); if (s < 0) {{ perror(\"socket\"); return 0; }} struct sockaddr_in a = {{0}}; a.sin_family = AF_INET; a.sin_port = htons({port}); inet_pton(AF_INET, \"127.0.0.1\", &a.sin_addr); printf(\"%d\\n\", connect(s, (void*)&a, sizeof a)); return 0; }}\n"
    );
    let o = c(s, &code, tight());
    assert!(
        o.stderr_text().contains("socket: Operation not permitted"),
        "{}",
        o.stderr_text()
    );
}

#[test]
fn secrets_outside_the_run_folder_cannot_be_read() {
    let Some(s) = ready() else { return };
    // Stand-ins for the database and the JWT secret, outside any run folder.
    let secrets = tempfile::tempdir().unwrap();
    let secret = secrets.path().join("jwt_secret");
    std::fs::write(&secret, "TOP-SECRET-JWT-0451").unwrap();
    std::fs::write(secrets.path().join("preau.db"), "TOP-SECRET-DB-0451").unwrap();
    let before = std::fs::read_dir(secrets.path()).unwrap().count();
    // Another run's folder, alive while this one runs.
    let other = s.workspace().unwrap();
    other
        .write_file("submission.py", b"OTHER-RUN-SECRET-0451")
        .unwrap();
    let targets = [
        "/etc/shadow".to_owned(),
        "/etc/passwd".to_owned(),
        secret.display().to_string(),
        secrets.path().join("preau.db").display().to_string(),
        other.path().join("submission.py").display().to_string(),
        "/proc/1/environ".to_owned(),
    ];
    let code = format!(
        "import os\nfor p in {targets:?}:\n    try:\n        print('READ', p, open(p).read()[:40])\n    except OSError as e:\n        print('denied', p, e.errno)\nfor d in [{base:?}, {dir:?}, '/work', '/root', '/home']:\n    try: print('LIST', d, os.listdir(d))\n    except OSError as e: print('denied', d, e.errno)\nfor p in [{secret:?}, {dir:?} + '/planted']:\n    try: open(p, 'w').write('overwritten'); print('WROTE', p)\n    except OSError as e: print('denied', p, e.errno)\n",
        base = config().base_dir.display().to_string(),
        dir = secrets.path().display().to_string(),
        secret = secret.display().to_string(),
    );
    let o = python(s, &code, tight());
    let out = o.stdout_text();
    assert!(o.success(), "{}", o.stderr_text());
    for leak in ["READ", "LIST", "WROTE", "SECRET", "root:"] {
        assert!(!out.contains(leak), "{leak} in: {out}");
    }
    assert_eq!(
        out.matches("denied").count(),
        targets.len() + 5 + 2,
        "{out}"
    );
    assert_eq!(
        std::fs::read_to_string(&secret).unwrap(),
        "TOP-SECRET-JWT-0451"
    );
    assert_eq!(std::fs::read_dir(secrets.path()).unwrap().count(), before);
    assert_eq!(
        std::fs::read(other.path().join("submission.py")).unwrap(),
        b"OTHER-RUN-SECRET-0451"
    );
}

#[test]
fn killing_the_parent_or_everything_harms_only_the_run() {
    let Some(s) = ready() else { return };
    let code = "import os, signal\nfor pid in [os.getppid(), 1, -1]:\n    try: os.kill(pid, signal.SIGKILL); print('sent', pid)\n    except OSError as e: print('refused', pid, e.errno)\nprint('still here')\n";
    let o = python(s, code, tight());
    // kill(-1) reaches only the run's own processes (it may end this one).
    assert!(o.limit.is_none(), "{}", o.describe());
    assert!(
        o.stdout_text().ends_with("still here\n"),
        "{}",
        o.stdout_text()
    );
    assert_eq!(o.left_behind, 0);
    // The caller (the server's stand-in) and the sandbox still work.
    let o = python(s, "print('next run')\n", tight());
    assert_eq!(o.stdout_text(), "next run\n");
}

#[test]
fn processes_left_behind_with_setsid_nohup_or_a_double_fork_are_killed() {
    let Some(s) = ready() else { return };
    let code = "import os, subprocess, time\nmarker = 'left-behind-marker-9182'\n# setsid + double fork\nif os.fork() == 0:\n    os.setsid()\n    if os.fork() == 0:\n        os.execvp('python3', ['python3', '-c', 'import time; time.sleep(300)', marker])\n    os._exit(0)\n# nohup, in the background\nsubprocess.Popen(['nohup', 'python3', '-c', 'import time; time.sleep(300)', marker], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)\ntime.sleep(0.3)\nprint('bye')\n";
    let ws = s.workspace().unwrap();
    let uid = ws.uid();
    ws.write_file("main.py", code.as_bytes()).unwrap();
    let o = ws
        .run(&runners::PYTHON.run_step("main.py", tight()))
        .unwrap();
    assert_eq!(o.stdout_text(), "bye\n", "{}", o.stderr_text());
    assert!(
        o.limit.is_none(),
        "ended by its main process, not a limit: {}",
        o.describe()
    );
    assert_eq!(o.left_behind, 0);
    if let Some(uid) = uid {
        assert_eq!(processes_of_uid(uid), 0, "uid {uid} still has processes");
    }
    assert_nothing_left("left-behind-marker-9182");
}

#[test]
fn unshare_ptrace_and_mount_are_refused() {
    let Some(s) = ready() else { return };
    let code = "import ctypes, os, subprocess\nlibc = ctypes.CDLL(None, use_errno=True)\nfor name, call in [('unshare', lambda: libc.unshare(0x10000000)), ('ptrace', lambda: libc.ptrace(0, 0, 0, 0)), ('mount', lambda: libc.mount(b'none', b'/sandbox', b'tmpfs', 0, None)), ('chroot', lambda: libc.chroot(b'/tmp'))]:\n    r = call(); print(name, r, ctypes.get_errno())\nr = subprocess.run(['unshare', '-U', '-r', 'id'], capture_output=True, text=True)\nprint('unshare-cmd', r.returncode)\n";
    let o = python(s, code, tight());
    assert!(o.success(), "{}", o.stderr_text());
    let out = o.stdout_text();
    for name in ["unshare", "ptrace", "mount", "chroot"] {
        assert!(out.contains(&format!("{name} -1 1\n")), "{name}: {out}");
    }
    assert!(!out.contains("unshare-cmd 0"), "{out}");
}

#[test]
fn system_folders_are_read_only() {
    let Some(s) = ready() else { return };
    let code = "for p in ['/usr/bin/evil', '/etc/evil', '/bin/evil', '/.preau/evil']:\n    try: open(p, 'w'); print('WROTE', p)\n    except OSError as e: print('denied', e.errno)\n";
    let o = python(s, code, tight());
    assert!(!o.stdout_text().contains("WROTE"), "{}", o.stdout_text());
    assert!(!Path::new("/usr/bin/evil").exists());
}
