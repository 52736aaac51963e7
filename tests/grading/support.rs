//! One sandbox for the whole test binary (2 slots), tight limits so the suite stays short,
//! and helpers to judge or run a snippet.

use std::path::PathBuf;
use std::sync::OnceLock;

use preau::grading::judge::{self, IoTest, Report, Script, Task};
use preau::grading::runners::{self, Runner};
use preau::grading::sandbox::{Limits, Mode, Outcome, Sandbox, SandboxConfig, Step};

pub const MIB: u64 = 1024 * 1024;
/// First uid of the test sandbox's slots (the server's default is 4 000 000).
pub const UID_BASE: u32 = 4_100_000;

pub fn config() -> SandboxConfig {
    let mut c = SandboxConfig::new(PathBuf::from(env!("CARGO_BIN_EXE_preau")));
    c.base_dir = std::env::temp_dir().join("preau-grading-tests");
    c.slots = 2;
    c.uid_base = UID_BASE;
    c
}

/// The shared bubblewrap sandbox, or `None` (with the reason printed) when this machine has
/// none and `CI` is not `true`.
pub fn sandbox() -> Option<&'static Sandbox> {
    static SANDBOX: OnceLock<Sandbox> = OnceLock::new();
    let s = SANDBOX.get_or_init(|| Sandbox::start(config()));
    if s.mode() == Mode::Bubblewrap {
        return Some(s);
    }
    let why = &s.self_test().summary;
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("CI=true and no bubblewrap sandbox: {why}");
    }
    eprintln!("skipped: {why}");
    None
}

/// CPU 1 s, wall 2 s, 32 processes: the default memory, file and output limits.
pub fn tight() -> Limits {
    Limits {
        cpu_ms: 1_000,
        wall_ms: 2_000,
        processes: 32,
        ..Limits::default()
    }
}

pub fn runner(name: &str) -> Option<&'static Runner> {
    let r = runners::ALL.into_iter().find(|r| r.name == name)?;
    if r.is_available() {
        Some(r)
    } else if std::env::var("CI").is_ok_and(|v| v == "true") && name != "java" {
        panic!("CI=true and the {name} toolchain is missing");
    } else {
        eprintln!("skipped: no {name} toolchain");
        None
    }
}

pub fn judge_with(
    sandbox: &Sandbox,
    runner: &'static Runner,
    code: &str,
    script: Option<&str>,
    io_tests: &[IoTest],
) -> Report {
    let task = Task {
        runner,
        code,
        script: script.map(|s| Script::for_exercise(s, runner)),
        io_tests,
        limits: tight(),
        grade_max: 20,
    };
    judge::judge(sandbox, &task)
}

pub fn io(input: &str, expected: &str, hidden: bool) -> IoTest {
    IoTest {
        input: input.into(),
        expected_output: expected.into(),
        weight: 1.0,
        hidden,
    }
}

/// Runs a Python snippet once in a fresh workspace, with `limits`.
pub fn python(sandbox: &Sandbox, code: &str, limits: Limits) -> Outcome {
    let ws = sandbox.workspace().unwrap();
    ws.write_file("main.py", code.as_bytes()).unwrap();
    let step = runners::PYTHON.run_step("main.py", limits);
    ws.run(&step).unwrap()
}

/// Compiles and runs a C snippet once in a fresh workspace.
pub fn c(sandbox: &Sandbox, code: &str, limits: Limits) -> Outcome {
    let ws = sandbox.workspace().unwrap();
    ws.write_file("main.c", code.as_bytes()).unwrap();
    let compiled = ws
        .run(&runners::C.compile_step("main.c", limits).unwrap())
        .unwrap();
    assert!(compiled.success(), "{}", compiled.stderr_text());
    ws.run(&runners::C.run_step("main.c", limits)).unwrap()
}

pub fn step(argv: &[&str], limits: Limits) -> Step {
    Step::new(argv, limits)
}

/// Every limit has been seen to hold on a harmless program before a hostile one runs.
pub fn limits_proven(sandbox: &Sandbox) {
    static PROVEN: OnceLock<Result<(), String>> = OnceLock::new();
    let result = PROVEN.get_or_init(|| {
        // Processes: a bounded number of forks stops at the limit.
        let o = python(
            sandbox,
            "import os, time\nn = 0\nfor _ in range(100):\n    try:\n        pid = os.fork()\n    except OSError:\n        break\n    if pid == 0:\n        time.sleep(1); os._exit(0)\n    n += 1\nprint(n)\n",
            tight(),
        );
        let forks: u32 = o.stdout_text().trim().parse().map_err(|_| o.describe())?;
        if forks >= tight().processes {
            return Err(format!("{forks} forks under a limit of {}", tight().processes));
        }
        // CPU and wall clock.
        let o = python(sandbox, "while True: pass\n", tight());
        if o.limit != Some(preau::grading::sandbox::LimitHit::Timeout) {
            return Err(format!("a busy loop: {}", o.describe()));
        }
        // Memory.
        let o = python(sandbox, "b = bytearray(512 * 1024 * 1024)\n", tight());
        if o.limit != Some(preau::grading::sandbox::LimitHit::MemoryLimit) {
            return Err(format!("512 MiB: {}", o.describe()));
        }
        Ok(())
    });
    if let Err(e) = result {
        panic!("a limit does not hold, so no hostile code runs: {e}");
    }
}
