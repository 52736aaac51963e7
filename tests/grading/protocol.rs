//! SPEC 9's script protocol and I/O tests, one rule per test, in Python, C, JavaScript and
//! (where its toolchain is installed) Java.

use preau::grading::judge::{TestStatus, Verdict};
use preau::grading::runners;

use crate::support::*;

const RESULTS_SCRIPT: &str = r#"import json, subprocess
tests = []
def check(name, args, expected, weight):
    out = subprocess.run(["python3", "submission.py", *args], capture_output=True, text=True).stdout.strip()
    ok = out == expected
    tests.append({"name": name, "status": "pass" if ok else "fail",
                  "message": "" if ok else f"got {out!r}", "weight": weight})
check("adds small numbers", ["2", "3"], "5", 1)
check("adds big numbers", ["2000000000", "3000000000"], "5000000000", 3)
json.dump({"tests": tests}, open("results.json", "w"))
"#;

#[test]
fn python_script_results_json_gives_per_test_results_and_weighted_score() {
    let Some(s) = sandbox() else { return };
    let good = "import sys\nprint(int(sys.argv[1]) + int(sys.argv[2]))\n";
    let r = judge_with(s, &runners::PYTHON, good, Some(RESULTS_SCRIPT), &[]);
    assert_eq!(r.verdict, Verdict::Passed, "{}", r.log);
    assert_eq!(r.score, 20);
    assert_eq!(r.tests.len(), 2);
    assert!(r.tests.iter().all(|t| t.status == TestStatus::Pass));

    // Wrong on big numbers only (weight 3 of 4): 20 × 1/4 = 5.
    let wrong = "import sys\nprint(min(int(sys.argv[1]) + int(sys.argv[2]), 2**31 - 1))\n";
    let r = judge_with(s, &runners::PYTHON, wrong, Some(RESULTS_SCRIPT), &[]);
    assert_eq!(r.verdict, Verdict::Failed, "{}", r.log);
    assert_eq!(r.score, 5);
    assert_eq!(r.tests[1].status, TestStatus::Fail);
    assert!(r.tests[1].message.contains("2147483647"));
    assert!(
        r.log.contains("fail  adds big numbers (weight 3)"),
        "{}",
        r.log
    );
    assert!(r.cpu_ms > 0 && r.wall_ms > 0 && r.max_rss_kb > 0);
}

#[test]
fn without_results_json_exit_zero_is_full_marks_and_anything_else_none() {
    let Some(s) = sandbox() else { return };
    let script = "import submission\nassert submission.double(4) == 8\n";
    let good = "def double(x):\n    return 2 * x\n";
    let r = judge_with(s, &runners::PYTHON, good, Some(script), &[]);
    assert_eq!((r.verdict, r.score), (Verdict::Passed, 20), "{}", r.log);
    let wrong = "def double(x):\n    return x + 1\n";
    let r = judge_with(s, &runners::PYTHON, wrong, Some(script), &[]);
    assert_eq!((r.verdict, r.score), (Verdict::Failed, 0), "{}", r.log);
    assert!(
        r.log.contains("AssertionError"),
        "the script's stderr is in the log: {}",
        r.log
    );
}

#[test]
fn malformed_results_json_is_verdict_error_with_the_reason_in_the_log() {
    let Some(s) = sandbox() else { return };
    let script = "open('results.json', 'w').write('{\"tests\": [{\"name\": \"a\", \"status\": \"maybe\"}]}')\n";
    let r = judge_with(s, &runners::PYTHON, "x = 1\n", Some(script), &[]);
    assert_eq!(r.verdict, Verdict::Error);
    assert_eq!(r.score, 0);
    assert!(r.log.contains("results.json is malformed"), "{}", r.log);
    let script = "open('results.json', 'w').write('not json')\n";
    let r = judge_with(s, &runners::PYTHON, "x = 1\n", Some(script), &[]);
    assert_eq!(r.verdict, Verdict::Error);
}

#[test]
fn a_script_that_crashes_after_writing_results_is_verdict_error() {
    let Some(s) = sandbox() else { return };
    let script = "import json\njson.dump({'tests': [{'name': 'a', 'status': 'pass'}]}, open('results.json', 'w'))\nraise RuntimeError('script bug')\n";
    let r = judge_with(s, &runners::PYTHON, "x = 1\n", Some(script), &[]);
    assert_eq!(r.verdict, Verdict::Error, "{}", r.log);
    assert!(
        r.log.contains("wrote results.json but then failed"),
        "{}",
        r.log
    );
    assert!(r.log.contains("script bug"));
}

#[test]
fn results_json_as_a_symlink_is_not_followed() {
    let Some(s) = sandbox() else { return };
    let script = "import os\nos.symlink('/etc/shadow', 'results.json')\n";
    let r = judge_with(s, &runners::PYTHON, "x = 1\n", Some(script), &[]);
    assert_eq!(r.verdict, Verdict::Error);
    assert!(r.log.contains("symbolic link"), "{}", r.log);
    assert!(!r.log.contains("root:"));
}

const SUM_C: &str = "#include <stdio.h>\nint main(void){long a,b; if(scanf(\"%ld %ld\",&a,&b)!=2) return 1; printf(\"%ld\\n\", a+b); return 0;}\n";

#[test]
fn c_io_tests_pass_with_trailing_whitespace_ignored_and_hidden_ones_flagged() {
    let Some(s) = sandbox() else { return };
    let Some(c) = runner("c") else { return };
    let tests = [io("1 2\n", "3   \n\n", false), io("40 2", "42", true)];
    let r = judge_with(s, c, SUM_C, None, &tests);
    assert_eq!((r.verdict, r.score), (Verdict::Passed, 20), "{}", r.log);
    assert!(r.tests[1].hidden);
    assert!(r.log.contains("compile submission.c"), "{}", r.log);
}

#[test]
fn a_failed_hidden_io_test_shows_only_fail_to_the_member_and_in_the_log() {
    let Some(s) = sandbox() else { return };
    let Some(c) = runner("c") else { return };
    let wrong = "#include <stdio.h>\nint main(void){long a,b; scanf(\"%ld %ld\",&a,&b); printf(\"%ld\\n\", a == 40 ? 0 : a+b); return 0;}\n";
    let tests = [
        io("1 2", "3", false),
        io("40 2", "SECRET-EXPECTED-42", true),
    ];
    let r = judge_with(s, c, wrong, None, &tests);
    assert_eq!((r.verdict, r.score), (Verdict::Failed, 10), "{}", r.log);
    let hidden = &r.tests[1];
    assert_eq!(hidden.status, TestStatus::Fail);
    assert!(
        hidden.message.contains("SECRET-EXPECTED-42"),
        "staff see why"
    );
    assert_eq!(hidden.for_member().message, "");
    assert!(
        !r.log.contains("SECRET-EXPECTED-42") && !r.log.contains("40 2"),
        "{}",
        r.log
    );
    assert!(r.log.contains("I/O test 2 (hidden): fail"));
}

#[test]
fn a_c_compile_failure_is_compile_error_with_the_compilers_output() {
    let Some(s) = sandbox() else { return };
    let Some(c) = runner("c") else { return };
    let r = judge_with(
        s,
        c,
        "int main(void) { return 0 }\n",
        None,
        &[io("", "", false)],
    );
    assert_eq!(
        (r.verdict, r.score),
        (Verdict::CompileError, 0),
        "{}",
        r.log
    );
    assert!(r.log.contains("error: expected"), "{}", r.log);
    assert!(r.tests.is_empty());
}

#[test]
fn a_crash_on_an_io_test_is_runtime_error() {
    let Some(s) = sandbox() else { return };
    let Some(c) = runner("c") else { return };
    let segv = "int main(void){ volatile int *p = 0; *p = 1; return 0; }\n";
    let r = judge_with(s, c, segv, None, &[io("", "x", false)]);
    assert_eq!(r.verdict, Verdict::RuntimeError, "{}", r.log);
    assert!(r.log.contains("signal 11"), "{}", r.log);
    let r = judge_with(
        s,
        &runners::PYTHON,
        "raise ValueError('boom')\n",
        None,
        &[io("", "x", false)],
    );
    assert_eq!(r.verdict, Verdict::RuntimeError, "{}", r.log);
    assert!(r.log.contains("ValueError: boom"));
}

#[test]
fn a_c_script_runs_the_compiled_submission() {
    let Some(s) = sandbox() else { return };
    let Some(c) = runner("c") else { return };
    // The script is a Python program (its shebang says so) driving ./submission.
    let script = "#!/usr/bin/env python3\nimport json, subprocess\nout = subprocess.run(['./submission'], input='20 22', capture_output=True, text=True).stdout\nst = 'pass' if out.strip() == '42' else 'fail'\njson.dump({'tests': [{'name': 'sum', 'status': st, 'weight': 2}]}, open('results.json', 'w'))\n";
    let r = judge_with(s, c, SUM_C, Some(script), &[io("1 1", "2", false)]);
    assert_eq!((r.verdict, r.score), (Verdict::Passed, 20), "{}", r.log);
    assert_eq!(r.tests.len(), 2);
}

#[test]
fn javascript_script_and_io_tests() {
    let Some(s) = sandbox() else { return };
    let Some(js) = runner("javascript") else {
        return;
    };
    let code = "const lines = require('fs').readFileSync(0, 'utf8').trim().split(/\\s+/).map(Number);\nconsole.log(lines.reduce((a, b) => a + b, 0));\nmodule.exports = { square: (x) => x * x };\n";
    let script = "const fs = require('fs');\nconst { square } = require('./submission.js');\nconst ok = square(7) === 49;\nfs.writeFileSync('results.json', JSON.stringify({ tests: [{ name: 'square', status: ok ? 'pass' : 'fail', weight: 1 }] }));\n";
    // The submission reads stdin when required by the script too: give it none.
    let r = judge_with(
        s,
        js,
        code,
        Some(script),
        &[io("1 2 3", "6", false), io("5", "5", true)],
    );
    assert_eq!((r.verdict, r.score), (Verdict::Passed, 20), "{}", r.log);
    let wrong = code.replace("x * x", "x + x");
    let r = judge_with(s, js, &wrong, Some(script), &[io("1 2 3", "6", false)]);
    assert_eq!((r.verdict, r.score), (Verdict::Failed, 10), "{}", r.log);
}

#[test]
fn java_io_tests_when_the_jdk_is_installed() {
    let Some(s) = sandbox() else { return };
    let Some(java) = runner("java") else { return };
    let code = "import java.util.Scanner;\npublic class Submission {\n  public static void main(String[] a) {\n    Scanner in = new Scanner(System.in);\n    System.out.println(in.nextLong() * 2);\n  }\n}\n";
    let mut r = judge_with(s, java, code, None, &[io("21", "42", false)]);
    if r.verdict != Verdict::Passed {
        // The JVM is slow to start under a 1 s CPU limit on a busy machine: one retry.
        r = judge_with(s, java, code, None, &[io("21", "42", false)]);
    }
    assert_eq!((r.verdict, r.score), (Verdict::Passed, 20), "{}", r.log);
    let r = judge_with(
        s,
        java,
        "public class Submission { int x = ; }",
        None,
        &[io("", "", false)],
    );
    assert_eq!(r.verdict, Verdict::CompileError, "{}", r.log);
}

#[test]
fn script_and_io_tests_add_up_into_one_score() {
    let Some(s) = sandbox() else { return };
    let code = "print(input()[::-1])\n";
    let script = "import json\njson.dump({'tests': [{'name': 'a', 'status': 'pass', 'weight': 2}, {'name': 'b', 'status': 'error', 'message': 'no', 'weight': 1}]}, open('results.json', 'w'))\n";
    let r = judge_with(
        s,
        &runners::PYTHON,
        code,
        Some(script),
        &[io("abc", "cba", false)],
    );
    // 3 of 4 weights pass: 15.
    assert_eq!((r.verdict, r.score), (Verdict::Failed, 15), "{}", r.log);
    assert_eq!(r.tests.len(), 3);
    assert_eq!(r.tests[1].status, TestStatus::Error);
}

#[test]
fn an_exercise_with_neither_script_nor_io_tests_is_an_error() {
    let Some(s) = sandbox() else { return };
    let r = judge_with(s, &runners::PYTHON, "print(1)\n", None, &[]);
    assert_eq!(r.verdict, Verdict::Error);
    assert!(r.log.contains("neither a test script nor I/O tests"));
}

#[test]
fn the_runs_folder_is_removed_when_it_ends() {
    let Some(s) = sandbox() else { return };
    let base = config().base_dir;
    let r = judge_with(
        s,
        &runners::PYTHON,
        "open('left.txt', 'w').write('x')\nprint(1)\n",
        None,
        &[io("", "1", false)],
    );
    assert_eq!(r.verdict, Verdict::Passed, "{}", r.log);
    let left: Vec<_> = std::fs::read_dir(&base)
        .unwrap()
        .flatten()
        .filter(|e| {
            std::fs::read_dir(e.path()).is_ok_and(|mut d| {
                d.any(|f| {
                    f.is_ok_and(|f| f.file_name() == "work" && f.path().join("left.txt").exists())
                })
            })
        })
        .collect();
    assert!(left.is_empty(), "{left:?}");
}
