//! The script protocol of SPEC 9 on top of the sandbox: the member's code as
//! `submission.<ext>`, compiled first for compiled runners; the exercise's test script, which
//! reports through `results.json`; the I/O tests; a verdict, a score and a capped log.
//!
//! [`judge`] is the whole of it: a [`Task`] in, a [`Report`] out, the run's folder gone.

use serde::{Deserialize, Serialize};

use super::runners::{self, Runner};
use super::sandbox::{LimitHit, Limits, Outcome, Sandbox, SandboxError, Step, Workspace};

/// The log's size at most (it becomes a script log).
pub const LOG_CAP: usize = 64 * 1024;
/// `results.json` at most.
const RESULTS_CAP: u64 = 1024 * 1024;
const RESULTS_FILE: &str = "results.json";

/// A test on standard input and output.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct IoTest {
    pub input: String,
    pub expected_output: String,
    #[serde(default = "one")]
    pub weight: f64,
    /// Members see only pass or fail, never the input, expected or actual output.
    #[serde(default)]
    pub hidden: bool,
}

fn one() -> f64 {
    1.0
}

/// An exercise's test script, in its runner's language.
#[derive(Clone, Copy, Debug)]
pub struct Script<'a> {
    pub runner: &'static Runner,
    pub source: &'a str,
}

impl<'a> Script<'a> {
    /// SPEC 9: a script is in the exercise's runner's language or in Python. It is Python when
    /// the exercise's runner is, or when its first line is a shebang naming python.
    pub fn for_exercise(source: &'a str, exercise_runner: &'static Runner) -> Script<'a> {
        let first = source.lines().next().unwrap_or("");
        let python = first.starts_with("#!") && first.contains("python");
        Script {
            runner: if python {
                &runners::PYTHON
            } else {
                exercise_runner
            },
            source,
        }
    }
}

/// What to judge.
#[derive(Clone, Debug)]
pub struct Task<'a> {
    pub runner: &'static Runner,
    pub code: &'a str,
    pub script: Option<Script<'a>>,
    pub io_tests: &'a [IoTest],
    pub limits: Limits,
    pub grade_max: u32,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Passed,
    Failed,
    CompileError,
    RuntimeError,
    Timeout,
    MemoryLimit,
    OutputLimit,
    SandboxUnavailable,
    Error,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Passed => "passed",
            Verdict::Failed => "failed",
            Verdict::CompileError => "compile_error",
            Verdict::RuntimeError => "runtime_error",
            Verdict::Timeout => "timeout",
            Verdict::MemoryLimit => "memory_limit",
            Verdict::OutputLimit => "output_limit",
            Verdict::SandboxUnavailable => "sandbox_unavailable",
            Verdict::Error => "error",
        }
    }

    /// Among failing tests, the reason that names the run: a limit, then a crash, then a plain
    /// wrong answer.
    fn rank(self) -> u8 {
        match self {
            Verdict::Timeout | Verdict::MemoryLimit | Verdict::OutputLimit => 3,
            Verdict::RuntimeError => 2,
            Verdict::Failed => 1,
            _ => 0,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TestStatus {
    Pass,
    Fail,
    Error,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TestResult {
    pub name: String,
    pub status: TestStatus,
    /// For staff; [`TestResult::for_member`] blanks it on hidden tests.
    pub message: String,
    pub weight: f64,
    pub hidden: bool,
}

impl TestResult {
    /// What a member may see: a hidden test shows only its name and pass/fail.
    pub fn for_member(&self) -> TestResult {
        if self.hidden {
            TestResult {
                message: String::new(),
                ..self.clone()
            }
        } else {
            self.clone()
        }
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct Report {
    pub verdict: Verdict,
    pub score: u32,
    pub grade_max: u32,
    pub tests: Vec<TestResult>,
    /// What happened, step by step, capped at [`LOG_CAP`]; hidden tests' data never in it.
    pub log: String,
    pub cpu_ms: u64,
    pub wall_ms: u64,
    pub max_rss_kb: u64,
}

/// The capped log and the run's totals.
struct Trace {
    log: String,
    truncated: bool,
    cpu_ms: u64,
    wall_ms: u64,
    max_rss_kb: u64,
}

impl Trace {
    fn line(&mut self, text: &str) {
        if self.truncated {
            return;
        }
        let room = LOG_CAP.saturating_sub(self.log.len() + 1);
        if text.len() > room {
            let mut cut = room.saturating_sub(40);
            while !text.is_char_boundary(cut) {
                cut -= 1;
            }
            self.log.push_str(&text[..cut]);
            self.log.push_str("\n[log truncated]\n");
            self.truncated = true;
        } else {
            self.log.push_str(text);
            self.log.push('\n');
        }
    }

    fn step(&mut self, title: &str, outcome: &Outcome, show_output: bool) {
        self.cpu_ms += outcome.cpu_ms;
        self.wall_ms += outcome.wall_ms;
        self.max_rss_kb = self.max_rss_kb.max(outcome.max_rss_kb);
        self.line(&format!("== {title} =="));
        if show_output {
            for (name, bytes) in [("stdout", &outcome.stdout), ("stderr", &outcome.stderr)] {
                if !bytes.is_empty() {
                    self.line(&format!("-- {name} --"));
                    self.line(String::from_utf8_lossy(bytes).trim_end());
                }
            }
        }
        self.line(&format!(
            "{} (cpu {} ms, wall {} ms, max rss {} KiB)",
            outcome.describe(),
            outcome.cpu_ms,
            outcome.wall_ms,
            outcome.max_rss_kb
        ));
        if outcome.left_behind > 0 {
            self.line(&format!(
                "sandbox: {} process(es) of the run survived the final kill",
                outcome.left_behind
            ));
        }
    }
}

fn limit_verdict(limit: LimitHit) -> Verdict {
    match limit {
        LimitHit::Timeout => Verdict::Timeout,
        LimitHit::MemoryLimit => Verdict::MemoryLimit,
        LimitHit::OutputLimit => Verdict::OutputLimit,
    }
}

/// Output equality with trailing whitespace ignored, on each line and at the end.
pub fn same_output(actual: &str, expected: &str) -> bool {
    fn normal(s: &str) -> String {
        let lines: Vec<&str> = s.lines().map(str::trim_end).collect();
        lines.join("\n").trim_end().to_owned()
    }
    normal(actual) == normal(expected)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ResultsFile {
    tests: Vec<ResultEntry>,
}

#[derive(Deserialize)]
struct ResultEntry {
    name: String,
    status: TestStatus,
    #[serde(default)]
    message: Option<String>,
    #[serde(default)]
    weight: Option<f64>,
}

fn parse_results(bytes: &[u8]) -> Result<Vec<TestResult>, String> {
    let file: ResultsFile = serde_json::from_slice(bytes).map_err(|e| e.to_string())?;
    if file.tests.is_empty() {
        return Err("\"tests\" is empty".into());
    }
    file.tests
        .into_iter()
        .enumerate()
        .map(|(i, t)| {
            let weight = t.weight.unwrap_or(1.0);
            if !weight.is_finite() || weight < 0.0 {
                return Err(format!("tests[{i}].weight must be a number of 0 or more"));
            }
            Ok(TestResult {
                name: t.name,
                status: t.status,
                message: t.message.unwrap_or_default(),
                weight,
                hidden: false,
            })
        })
        .collect()
}

/// Why a run could not be judged: the verdict `error` (or `sandbox_unavailable`).
struct Abort(Verdict, String);

fn sandbox_abort(e: SandboxError) -> Abort {
    match e {
        SandboxError::Unavailable(why) => Abort(Verdict::SandboxUnavailable, why),
        SandboxError::Setup(why) => Abort(Verdict::Error, format!("sandbox: {why}")),
    }
}

/// The tests of a script run and, when it ended abnormally, the verdict that names it.
fn script_tests(
    ws: &Workspace<'_>,
    outcome: &Outcome,
    trace: &mut Trace,
) -> Result<(Vec<TestResult>, Option<Verdict>), Abort> {
    if let Some(limit) = outcome.limit {
        let test = TestResult {
            name: "script".into(),
            status: TestStatus::Fail,
            message: outcome.describe(),
            weight: 1.0,
            hidden: false,
        };
        return Ok((vec![test], Some(limit_verdict(limit))));
    }
    let results = ws
        .read_file(RESULTS_FILE, RESULTS_CAP)
        .map_err(|e| Abort(Verdict::Error, format!("{RESULTS_FILE}: {e}")))?;
    match results {
        Some(bytes) => {
            if !outcome.success() {
                return Err(Abort(
                    Verdict::Error,
                    format!(
                        "the test script wrote {RESULTS_FILE} but then failed ({})",
                        outcome.describe()
                    ),
                ));
            }
            let tests = parse_results(&bytes)
                .map_err(|e| Abort(Verdict::Error, format!("{RESULTS_FILE} is malformed: {e}")))?;
            Ok((tests, None))
        }
        None => {
            trace.line(&format!("no {RESULTS_FILE}: the exit status decides"));
            let status = if outcome.success() {
                TestStatus::Pass
            } else {
                TestStatus::Fail
            };
            let crashed = outcome.exit_code.is_none();
            let test = TestResult {
                name: "script".into(),
                status,
                message: if status == TestStatus::Pass {
                    String::new()
                } else {
                    outcome.describe()
                },
                weight: 1.0,
                hidden: false,
            };
            Ok((vec![test], crashed.then_some(Verdict::RuntimeError)))
        }
    }
}

fn io_test(
    ws: &Workspace<'_>,
    task: &Task<'_>,
    index: usize,
    test: &IoTest,
    trace: &mut Trace,
) -> Result<(TestResult, Option<Verdict>), Abort> {
    let mut step = task
        .runner
        .run_step(task.runner.submission_file, task.limits);
    step.stdin = test.input.clone().into_bytes();
    let outcome = ws.run(&step).map_err(sandbox_abort)?;
    let name = format!("I/O test {}", index + 1);
    let title = if test.hidden {
        format!("{name} (hidden)")
    } else {
        name.clone()
    };
    trace.step(&title, &outcome, !test.hidden);
    let actual = outcome.stdout_text();
    let (status, why, verdict) = if let Some(limit) = outcome.limit {
        (
            TestStatus::Fail,
            outcome.describe(),
            Some(limit_verdict(limit)),
        )
    } else if outcome.exit_code != Some(0) {
        let verdict = Verdict::RuntimeError;
        (TestStatus::Fail, outcome.describe(), Some(verdict))
    } else if same_output(&actual, &test.expected_output) {
        (TestStatus::Pass, String::new(), None)
    } else {
        let why = format!(
            "expected {:?}, got {:?}",
            test.expected_output.trim_end(),
            actual.trim_end()
        );
        (TestStatus::Fail, why, Some(Verdict::Failed))
    };
    trace.line(&format!(
        "{}: {}",
        title,
        if status == TestStatus::Pass {
            "pass".to_owned()
        } else if test.hidden {
            "fail".to_owned()
        } else {
            format!("fail: {why}")
        }
    ));
    let result = TestResult {
        name,
        status,
        message: why,
        weight: test.weight,
        hidden: test.hidden,
    };
    Ok((result, verdict))
}

fn compile(
    ws: &Workspace<'_>,
    runner: &Runner,
    file: &str,
    limits: Limits,
    trace: &mut Trace,
) -> Result<Option<Outcome>, Abort> {
    let Some(step) = runner.compile_step(file, limits) else {
        return Ok(None);
    };
    let outcome = ws.run(&step).map_err(sandbox_abort)?;
    trace.step(
        &format!("compile {file}: {}", step.argv.join(" ")),
        &outcome,
        true,
    );
    Ok(Some(outcome))
}

fn run_script(
    ws: &Workspace<'_>,
    task: &Task<'_>,
    script: &Script<'_>,
    trace: &mut Trace,
) -> Result<(Vec<TestResult>, Option<Verdict>), Abort> {
    let file = script.runner.script_file;
    if file == task.runner.submission_file {
        return Err(Abort(
            Verdict::Error,
            "the script would overwrite the submission".into(),
        ));
    }
    ws.write_file(file, script.source.as_bytes())
        .map_err(|e| Abort(Verdict::Error, format!("writing {file}: {e}")))?;
    if let Some(outcome) = compile(ws, script.runner, file, task.limits, trace)?
        && !outcome.success()
    {
        return Err(Abort(
            Verdict::Error,
            format!("the test script does not compile ({})", outcome.describe()),
        ));
    }
    let step: Step = script.runner.run_step(file, task.limits);
    let outcome = ws.run(&step).map_err(sandbox_abort)?;
    trace.step(&format!("test script {file}"), &outcome, true);
    script_tests(ws, &outcome, trace)
}

fn score(tests: &[TestResult], grade_max: u32) -> u32 {
    let total: f64 = tests.iter().map(|t| t.weight).sum();
    let passed: f64 = tests
        .iter()
        .filter(|t| t.status == TestStatus::Pass)
        .map(|t| t.weight)
        .sum();
    if total <= 0.0 {
        let all = tests.iter().all(|t| t.status == TestStatus::Pass);
        return if all { grade_max } else { 0 };
    }
    (f64::from(grade_max) * passed / total).round() as u32
}

fn judge_in(
    ws: &Workspace<'_>,
    task: &Task<'_>,
    trace: &mut Trace,
) -> Result<(Verdict, Vec<TestResult>), Abort> {
    let file = task.runner.submission_file;
    ws.write_file(file, task.code.as_bytes())
        .map_err(|e| Abort(Verdict::Error, format!("writing {file}: {e}")))?;
    if let Some(outcome) = compile(ws, task.runner, file, task.limits, trace)?
        && !outcome.success()
    {
        return Ok((Verdict::CompileError, Vec::new()));
    }
    let mut tests = Vec::new();
    let mut worst: Option<Verdict> = None;
    let mut note = |v: Option<Verdict>| {
        if let Some(v) = v
            && worst.is_none_or(|w| v.rank() > w.rank())
        {
            worst = Some(v);
        }
    };
    if let Some(script) = &task.script {
        let (script_tests, verdict) = run_script(ws, task, script, trace)?;
        tests.extend(script_tests);
        note(verdict);
    }
    for (i, test) in task.io_tests.iter().enumerate() {
        let (result, verdict) = io_test(ws, task, i, test, trace)?;
        tests.push(result);
        note(verdict);
    }
    if tests.is_empty() {
        return Err(Abort(
            Verdict::Error,
            "the exercise has neither a test script nor I/O tests".into(),
        ));
    }
    let all_pass = tests.iter().all(|t| t.status == TestStatus::Pass);
    let verdict = match worst {
        _ if all_pass => Verdict::Passed,
        Some(v) => v,
        None => Verdict::Failed,
    };
    Ok((verdict, tests))
}

/// Judges `task` in a fresh workspace of `sandbox` (waiting for a free slot), removing it
/// afterwards. Never fails: what went wrong is the verdict and the log.
pub fn judge(sandbox: &Sandbox, task: &Task<'_>) -> Report {
    let mut trace = Trace {
        log: String::new(),
        truncated: false,
        cpu_ms: 0,
        wall_ms: 0,
        max_rss_kb: 0,
    };
    trace.line(&format!("runner: {}", task.runner.label));
    let result = sandbox
        .workspace()
        .map_err(sandbox_abort)
        .and_then(|ws| judge_in(&ws, task, &mut trace));
    let (verdict, tests) = match result {
        Ok(judged) => judged,
        Err(Abort(verdict, why)) => {
            trace.line(&format!("{}: {why}", verdict.as_str()));
            (verdict, Vec::new())
        }
    };
    let score = match verdict {
        Verdict::Error | Verdict::SandboxUnavailable | Verdict::CompileError => 0,
        _ => score(&tests, task.grade_max),
    };
    if !tests.is_empty() && task.script.is_some() {
        for t in tests
            .iter()
            .filter(|t| !t.hidden && !t.name.starts_with("I/O test"))
        {
            trace.line(&format!(
                "{:<5} {} (weight {}){}",
                match t.status {
                    TestStatus::Pass => "pass",
                    TestStatus::Fail => "fail",
                    TestStatus::Error => "error",
                },
                t.name,
                t.weight,
                if t.message.is_empty() {
                    String::new()
                } else {
                    format!(": {}", t.message)
                }
            ));
        }
    }
    trace.line(&format!(
        "verdict: {}, score {score}/{}",
        verdict.as_str(),
        task.grade_max
    ));
    Report {
        verdict,
        score,
        grade_max: task.grade_max,
        tests,
        log: trace.log,
        cpu_ms: trace.cpu_ms,
        wall_ms: trace.wall_ms,
        max_rss_kb: trace.max_rss_kb,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(status: TestStatus, weight: f64) -> TestResult {
        TestResult {
            name: "t".into(),
            status,
            message: String::new(),
            weight,
            hidden: false,
        }
    }

    #[test]
    fn score_is_grade_max_times_passed_weight_over_total_rounded() {
        let tests = [t(TestStatus::Pass, 2.0), t(TestStatus::Fail, 1.0)];
        assert_eq!(score(&tests, 20), 13);
        assert_eq!(score(&[t(TestStatus::Pass, 0.0)], 20), 20);
    }

    #[test]
    fn output_comparison_ignores_trailing_whitespace_only() {
        assert!(same_output("3  \n4\n\n", "3\n4"));
        assert!(same_output("a\r\nb\r\n", "a\nb"));
        assert!(!same_output(" 3", "3"));
        assert!(!same_output("3\n\n4", "3\n4"));
    }

    #[test]
    fn results_file_needs_known_statuses_and_sane_weights() {
        assert!(parse_results(br#"{"tests":[{"name":"a","status":"pass"}]}"#).is_ok());
        assert!(parse_results(br#"{"tests":[{"name":"a","status":"ok"}]}"#).is_err());
        assert!(parse_results(br#"{"tests":[{"name":"a","status":"pass","weight":-1}]}"#).is_err());
        assert!(parse_results(br#"{"tests":[]}"#).is_err());
        assert!(parse_results(b"not json").is_err());
    }

    #[test]
    fn a_python_shebang_makes_the_script_python() {
        let s = Script::for_exercise("#!/usr/bin/env python3\nprint(1)", &runners::C);
        assert_eq!(s.runner.name, "python");
        let s = Script::for_exercise("int main(){}", &runners::C);
        assert_eq!(s.runner.name, "c");
    }
}
