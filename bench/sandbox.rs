//! The sandbox's cost: the same Python exercise (a script with 5 tests) run bare and
//! sandboxed, side by side (issue 14; target ≤ 1.3× the bare time).
//!
//!     cargo run --example sandbox -- [RUNS] [HELPER]
//!
//! HELPER is the `preau` binary whose `sandbox-exec` confines each run (default
//! target/debug/preau; build it first with `cargo test --test grading --no-run` or use the
//! release binary). Prints the median and p90 of each way, in milliseconds, and the ratio.

use std::path::PathBuf;
use std::process::Command;
use std::time::Instant;

use preau::grading::judge::{self, Script, Task};
use preau::grading::runners;
use preau::grading::sandbox::{Limits, Sandbox, SandboxConfig, Step};

const SUBMISSION: &str =
    "def fib(n):\n    a, b = 0, 1\n    for _ in range(n):\n        a, b = b, a + b\n    return a\n";
const SCRIPT: &str = "import json, submission\ncases = [(0, 0), (1, 1), (10, 55), (20, 6765), (30, 832040)]\ntests = []\nfor n, want in cases:\n    got = submission.fib(n)\n    tests.append({'name': f'fib({n})', 'status': 'pass' if got == want else 'fail'})\njson.dump({'tests': tests}, open('results.json', 'w'))\n";

fn percentile(sorted: &[f64], p: f64) -> f64 {
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

fn main() -> Result<(), String> {
    let args: Vec<String> = std::env::args().collect();
    let runs: usize = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(30);
    let helper = args
        .get(2)
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("target/debug/preau"));
    let helper = helper
        .canonicalize()
        .map_err(|e| format!("{}: {e}", helper.display()))?;
    let mut config = SandboxConfig::new(helper);
    config.base_dir = std::env::temp_dir().join("preau-grading-bench");
    let sandbox = Sandbox::start(config);
    eprintln!("{}", sandbox.self_test().summary);

    // Bare: the same two files in a fresh folder, `python3 test.py`, results.json read back.
    let mut bare = Vec::new();
    for _ in 0..runs {
        let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
        let t = Instant::now();
        std::fs::write(dir.path().join("submission.py"), SUBMISSION).map_err(|e| e.to_string())?;
        std::fs::write(dir.path().join("test.py"), SCRIPT).map_err(|e| e.to_string())?;
        let ok = Command::new("python3")
            .arg("test.py")
            .current_dir(dir.path())
            // The environment the sandbox gives, so that only the confinement differs.
            .env_clear()
            .env("PATH", "/usr/local/bin:/usr/bin:/bin")
            .env("HOME", dir.path())
            .env("LANG", "C.UTF-8")
            .env("PYTHONDONTWRITEBYTECODE", "1")
            .status()
            .map_err(|e| e.to_string())?
            .success();
        let results = std::fs::read(dir.path().join("results.json")).map_err(|e| e.to_string())?;
        assert!(ok && results.len() > 10);
        bare.push(t.elapsed().as_secs_f64() * 1000.0);
    }

    // Sandboxed: the whole judge (workspace, files, sandboxed run, results.json, verdict).
    let mut boxed = Vec::new();
    for _ in 0..runs {
        let task = Task {
            runner: &runners::PYTHON,
            code: SUBMISSION,
            script: Some(Script::for_exercise(SCRIPT, &runners::PYTHON)),
            io_tests: &[],
            limits: Limits::default(),
            grade_max: 20,
        };
        let t = Instant::now();
        let report = judge::judge(&sandbox, &task);
        boxed.push(t.elapsed().as_secs_f64() * 1000.0);
        if report.score != 20 {
            return Err(format!("the sandboxed run failed:\n{}", report.log));
        }
    }
    // The fixed cost of one sandboxed step: `true` in a workspace kept open.
    let mut fixed = Vec::new();
    {
        let ws = sandbox.workspace().map_err(|e| e.to_string())?;
        for _ in 0..runs {
            let t = Instant::now();
            let o = ws
                .run(&Step::new(&["true"], Limits::default()))
                .map_err(|e| e.to_string())?;
            fixed.push(t.elapsed().as_secs_f64() * 1000.0);
            assert!(o.success());
        }
    }
    fixed.sort_by(f64::total_cmp);
    bare.sort_by(f64::total_cmp);
    boxed.sort_by(f64::total_cmp);
    let (b50, s50) = (percentile(&bare, 0.5), percentile(&boxed, 0.5));
    println!("| {runs} runs | median ms | p90 ms |");
    println!("|---|---|---|");
    println!(
        "| bare python3 | {b50:.1} | {:.1} |",
        percentile(&bare, 0.9)
    );
    println!(
        "| sandboxed ({:?}) | {s50:.1} | {:.1} |",
        sandbox.mode(),
        percentile(&boxed, 0.9)
    );
    println!(
        "| one sandboxed `true` (fixed cost of a step) | {:.1} | {:.1} |",
        percentile(&fixed, 0.5),
        percentile(&fixed, 0.9)
    );
    println!("\nratio (median): {:.2}×", s50 / b50);
    Ok(())
}
