//! The languages this server can run, as descriptions: a new runner is one more entry in
//! [`ALL`]. [`detect`] keeps those whose toolchain answers on this machine.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde::Serialize;

use super::sandbox::{Limits, Step};

const MIB: u64 = 1024 * 1024;

/// How a runner's memory is held to `Limits::memory_bytes`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Memory {
    /// RLIMIT_AS at the limit: an allocation past it fails (Python `MemoryError`, C `NULL`).
    AddressSpace,
    /// The runtime reserves far more address space than it uses: RLIMIT_AS at the limit plus
    /// `reserve`, the heap held by the runtime's flag (`{memory_mib}` in the command).
    Runtime { reserve: u64 },
}

/// One language. Commands are argument lists with placeholders: `{file}` (the source's file
/// name), `{stem}` (without its extension), `{memory_mib}`.
#[derive(Debug, Serialize)]
pub struct Runner {
    pub name: &'static str,
    /// Shown to people: "Python 3".
    pub label: &'static str,
    /// The submission's file name in the work folder.
    pub submission_file: &'static str,
    /// The test script's file name when it is written in this runner's language.
    pub script_file: &'static str,
    #[serde(skip)]
    pub compile: Option<&'static [&'static str]>,
    #[serde(skip)]
    pub run: &'static [&'static str],
    /// The program whose presence (and `version` answer) means the toolchain is installed.
    #[serde(skip)]
    pub tool: &'static str,
    #[serde(skip)]
    pub version: &'static [&'static str],
    /// Read-only system paths the toolchain needs besides /usr.
    pub system_paths: &'static [&'static str],
    #[serde(skip)]
    pub memory: Memory,
}

pub const PYTHON: Runner = Runner {
    name: "python",
    label: "Python 3",
    submission_file: "submission.py",
    script_file: "test.py",
    compile: None,
    run: &["python3", "{file}"],
    tool: "python3",
    version: &["--version"],
    system_paths: &[],
    memory: Memory::AddressSpace,
};

pub const C: Runner = Runner {
    name: "c",
    label: "C (GCC, C17)",
    submission_file: "submission.c",
    script_file: "test.c",
    compile: Some(&[
        "gcc",
        "-std=gnu17",
        "-O2",
        "-Wall",
        "-o",
        "{stem}",
        "{file}",
        "-lm",
    ]),
    run: &["./{stem}"],
    tool: "gcc",
    version: &["--version"],
    system_paths: &[],
    memory: Memory::AddressSpace,
};

pub const JAVASCRIPT: Runner = Runner {
    name: "javascript",
    label: "JavaScript (Node.js)",
    submission_file: "submission.js",
    script_file: "test.js",
    compile: None,
    run: &["node", "--max-old-space-size={memory_mib}", "{file}"],
    tool: "node",
    version: &["--version"],
    system_paths: &["/etc/ssl/openssl.cnf"],
    memory: Memory::Runtime {
        reserve: 1024 * MIB,
    },
};

/// Java wants its class named after its file: the submission is `public class Submission`.
pub const JAVA: Runner = Runner {
    name: "java",
    label: "Java (OpenJDK)",
    submission_file: "Submission.java",
    script_file: "Test.java",
    compile: Some(&[
        "javac",
        "-J-Xmx{memory_mib}m",
        "-J-XX:+UseSerialGC",
        "-J-XX:TieredStopAtLevel=1",
        "-encoding",
        "UTF-8",
        "{file}",
    ]),
    run: &[
        "java",
        "-Xmx{memory_mib}m",
        "-XX:+UseSerialGC",
        "-XX:CompressedClassSpaceSize=64m",
        "-XX:ReservedCodeCacheSize=64m",
        "-Xss8m",
        "-cp",
        ".",
        "{stem}",
    ],
    tool: "java",
    version: &["-version"],
    system_paths: &["/etc/java-17-openjdk", "/etc/java-21-openjdk"],
    memory: Memory::Runtime {
        reserve: 2048 * MIB,
    },
};

/// Every runner Préau knows, whether or not its toolchain is here.
pub const ALL: [&Runner; 4] = [&PYTHON, &C, &JAVASCRIPT, &JAVA];

/// The folders a runner's tools are looked for in: only /usr is bound into the sandbox.
const TOOL_DIRS: &[&str] = &["/usr/local/bin", "/usr/bin"];

fn tool_path(tool: &str) -> Option<PathBuf> {
    TOOL_DIRS
        .iter()
        .map(|d| Path::new(d).join(tool))
        .find(|p| p.exists())
}

impl Runner {
    /// The toolchain is installed and answers its version question.
    pub fn is_available(&self) -> bool {
        let tools = std::iter::once(self.tool).chain(self.compile.and_then(|c| c.first().copied()));
        tools.into_iter().all(|t| tool_path(t).is_some())
            && tool_path(self.tool).is_some_and(|path| {
                Command::new(path)
                    .args(self.version)
                    .stdin(Stdio::null())
                    .stdout(Stdio::null())
                    .stderr(Stdio::null())
                    .status()
                    .is_ok_and(|s| s.success())
            })
    }

    pub fn is_compiled(&self) -> bool {
        self.compile.is_some()
    }

    fn expand(&self, template: &[&str], file: &str, limits: &Limits) -> Vec<String> {
        let stem = file.rsplit_once('.').map_or(file, |(s, _)| s);
        let memory_mib = (limits.memory_bytes / MIB).max(16).to_string();
        template
            .iter()
            .map(|a| {
                a.replace("{file}", file)
                    .replace("{stem}", stem)
                    .replace("{memory_mib}", &memory_mib)
            })
            .collect()
    }

    fn step(&self, argv: Vec<String>, limits: Limits) -> Step {
        let address_space = match self.memory {
            Memory::AddressSpace => limits.memory_bytes,
            Memory::Runtime { reserve } => limits.memory_bytes + reserve,
        };
        Step {
            argv,
            stdin: Vec::new(),
            limits,
            system_paths: self.system_paths.iter().map(PathBuf::from).collect(),
            address_space: Some(address_space),
        }
    }

    /// The compile step for `file`, with compiler-sized limits, if this runner compiles.
    pub fn compile_step(&self, file: &str, limits: Limits) -> Option<Step> {
        let limits = limits.for_compiler();
        self.compile
            .map(|c| self.step(self.expand(c, file, &limits), limits))
    }

    /// The step that runs `file` (already compiled, for a compiled runner).
    pub fn run_step(&self, file: &str, limits: Limits) -> Step {
        self.step(self.expand(self.run, file, &limits), limits)
    }
}

/// The runners whose toolchain is on this machine, checked once at start, one after the other
/// (Java's last). They run beside the server as it starts, at a lower priority; one at a time,
/// they never take both cores from it: a JVM's `-version` alone is a dozen threads and 50 ms of
/// CPU, which beside the other probes added 2-3 ms to the server's first answer (issue 18).
pub fn detect() -> Vec<&'static Runner> {
    ALL.into_iter().filter(|r| r.is_available()).collect()
}

/// The runner called `name`, among `available`.
pub fn find(available: &[&'static Runner], name: &str) -> Option<&'static Runner> {
    available.iter().copied().find(|r| r.name == name)
}
