//! Each limit, on a harmless program: under it the program runs; past it the run ends with
//! the limit's verdict.

use preau::grading::sandbox::{LimitHit, Limits};

use crate::support::*;

#[test]
fn a_harmless_program_runs_and_reports_its_usage() {
    let Some(s) = sandbox() else { return };
    let o = python(
        s,
        "import sys\nprint('hello'); print('warn', file=sys.stderr)\n",
        tight(),
    );
    assert!(o.success(), "{}", o.describe());
    assert_eq!(o.stdout_text(), "hello\n");
    assert_eq!(o.stderr_text(), "warn\n");
    assert!(o.wall_ms > 0 && o.max_rss_kb > 1000, "{o:?}");
    assert_eq!(o.left_behind, 0);
}

#[test]
fn the_exit_status_and_stdin_reach_the_caller() {
    let Some(s) = sandbox() else { return };
    let ws = s.workspace().unwrap();
    let mut st = step(
        &[
            "python3",
            "-c",
            "import sys; print(sys.stdin.read().upper()); sys.exit(3)",
        ],
        tight(),
    );
    st.stdin = b"abc".to_vec();
    let o = ws.run(&st).unwrap();
    assert_eq!(o.exit_code, Some(3));
    assert_eq!(o.stdout_text(), "ABC\n");
    assert_eq!(o.limit, None);
}

#[test]
fn cpu_time_past_the_limit_is_a_timeout() {
    let Some(s) = sandbox() else { return };
    let under = python(s, "sum(range(10**6))\n", tight());
    assert!(under.success(), "{}", under.describe());
    let over = python(s, "while True: pass\n", tight());
    assert_eq!(over.limit, Some(LimitHit::Timeout), "{}", over.describe());
    assert!(over.wall_ms < 6_000, "{over:?}");
}

#[test]
fn wall_time_past_the_limit_is_a_timeout() {
    let Some(s) = sandbox() else { return };
    let under = python(s, "import time; time.sleep(0.2)\n", tight());
    assert!(under.success());
    let over = python(s, "import time; time.sleep(30)\n", tight());
    assert_eq!(over.limit, Some(LimitHit::Timeout), "{}", over.describe());
    assert!(over.wall_ms >= 2_000 && over.wall_ms < 6_000, "{over:?}");
    assert!(over.cpu_ms < 500, "a sleeper spends no CPU: {over:?}");
}

#[test]
fn memory_past_the_limit_is_memory_limit_not_timeout() {
    let Some(s) = sandbox() else { return };
    let under = python(
        s,
        "b = bytearray(64 * 1024 * 1024); print(len(b))\n",
        tight(),
    );
    assert!(under.success(), "{}", under.stderr_text());
    let over = python(s, "b = bytearray(512 * 1024 * 1024)\n", tight());
    assert_eq!(
        over.limit,
        Some(LimitHit::MemoryLimit),
        "{}",
        over.describe()
    );
}

#[test]
fn processes_stop_at_the_limit() {
    let Some(s) = sandbox() else { return };
    let code = "import os, time\nn = 0\nfor _ in range(60):\n    try:\n        pid = os.fork()\n    except OSError:\n        break\n    if pid == 0:\n        time.sleep(0.5); os._exit(0)\n    n += 1\nprint(n)\n";
    let few = Limits {
        processes: 64,
        ..tight()
    };
    let many = python(s, code, few);
    let n: u32 = many.stdout_text().trim().parse().unwrap();
    assert!(n > 40 && n < 64, "{n} forks under 64");
    let o = python(s, code, tight());
    let n: u32 = o.stdout_text().trim().parse().unwrap();
    assert!(n < 32, "{n} forks under 32");
    assert_eq!(o.left_behind, 0);
}

#[test]
fn a_file_stops_at_the_file_size_limit() {
    let Some(s) = sandbox() else { return };
    let ws = s.workspace().unwrap();
    let code = "import sys\nn = int(sys.argv[1])\ntry:\n    with open('f', 'wb') as f:\n        for _ in range(n): f.write(b'x' * 65536)\n    print('ok')\nexcept OSError as e:\n    print(e.errno)\n";
    ws.write_file("w.py", code.as_bytes()).unwrap();
    let o = ws.run(&step(&["python3", "w.py", "8"], tight())).unwrap();
    assert_eq!(o.stdout_text(), "ok\n");
    let o = ws.run(&step(&["python3", "w.py", "32"], tight())).unwrap();
    assert_eq!(o.stdout_text().trim(), "27", "EFBIG: {}", o.describe());
    let size = std::fs::metadata(ws.path().join("f")).unwrap().len();
    assert_eq!(size, MIB);
}

#[test]
fn output_past_the_cap_ends_the_run_as_output_limit() {
    let Some(s) = sandbox() else { return };
    let under = python(s, "print('x' * 60000)\n", tight());
    assert!(under.success());
    assert_eq!(under.stdout.len(), 60001);
    let over = python(
        s,
        "import sys\nwhile True: sys.stdout.write('x' * 4096)\n",
        tight(),
    );
    assert_eq!(
        over.limit,
        Some(LimitHit::OutputLimit),
        "{}",
        over.describe()
    );
    assert_eq!(over.stdout.len() as u64, tight().output_bytes);
    assert!(
        over.wall_ms < 2_000,
        "ended at the cap, not by the clock: {over:?}"
    );
}

#[test]
fn open_files_stop_at_the_limit() {
    let Some(s) = sandbox() else { return };
    let code = "fs = []\ntry:\n    for _ in range(1000): fs.append(open('/dev/null'))\nexcept OSError as e:\n    print(len(fs), e.errno)\n";
    let o = python(s, code, tight());
    let out = o.stdout_text();
    let mut parts = out.split_whitespace();
    let n: u32 = parts.next().unwrap().parse().unwrap();
    assert!(n < tight().open_files, "{out}");
    assert_eq!(parts.next(), Some("24"), "EMFILE");
}
