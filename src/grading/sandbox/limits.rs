//! What a run may use. The defaults are SPEC 9's; an exercise may ask for other values, which
//! are held within the admin's maxima with [`Limits::within`].

use serde::{Deserialize, Serialize};

const MIB: u64 = 1024 * 1024;

/// The limits of one sandboxed command.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Limits {
    /// CPU time of each process (RLIMIT_CPU, rounded up to whole seconds).
    pub cpu_ms: u64,
    /// Wall-clock time of the whole command, from start to the last process's end.
    pub wall_ms: u64,
    /// Memory: the address space of each process for runners that bear it, the runtime's heap
    /// flag for those that do not (Java, Node).
    pub memory_bytes: u64,
    /// Processes and threads of the run at once (RLIMIT_NPROC inside the run's user).
    pub processes: u32,
    /// Size of any one file the run writes (RLIMIT_FSIZE).
    pub file_bytes: u64,
    /// Bytes kept of each of stdout and stderr; one byte more ends the run (`output_limit`).
    pub output_bytes: u64,
    /// Open file descriptors per process (RLIMIT_NOFILE).
    pub open_files: u32,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            cpu_ms: 5_000,
            wall_ms: 10_000,
            memory_bytes: 256 * MIB,
            processes: 64,
            file_bytes: MIB,
            output_bytes: 64 * 1024,
            open_files: 256,
        }
    }
}

impl Limits {
    /// Each field lowered to `maxima`'s where it is above it.
    pub fn within(self, maxima: &Limits) -> Limits {
        Limits {
            cpu_ms: self.cpu_ms.min(maxima.cpu_ms),
            wall_ms: self.wall_ms.min(maxima.wall_ms),
            memory_bytes: self.memory_bytes.min(maxima.memory_bytes),
            processes: self.processes.min(maxima.processes),
            file_bytes: self.file_bytes.min(maxima.file_bytes),
            output_bytes: self.output_bytes.min(maxima.output_bytes),
            open_files: self.open_files.min(maxima.open_files),
        }
    }

    /// The first field above `maxima`, with its maximum, for a validation error naming it.
    pub fn above(&self, maxima: &Limits) -> Option<(&'static str, u64)> {
        let pairs = [
            ("cpu_ms", self.cpu_ms, maxima.cpu_ms),
            ("wall_ms", self.wall_ms, maxima.wall_ms),
            ("memory_bytes", self.memory_bytes, maxima.memory_bytes),
            ("processes", self.processes.into(), maxima.processes.into()),
            ("file_bytes", self.file_bytes, maxima.file_bytes),
            ("output_bytes", self.output_bytes, maxima.output_bytes),
            (
                "open_files",
                self.open_files.into(),
                maxima.open_files.into(),
            ),
        ];
        pairs
            .into_iter()
            .find(|(_, value, max)| value > max)
            .map(|(name, _, max)| (name, max))
    }

    /// Limits for a compiler: compilers are bigger than the programs they build, so the step
    /// gets at least 10 s of CPU, 20 s of wall time and 1 GiB; the rest stays as asked.
    pub fn for_compiler(self) -> Limits {
        Limits {
            cpu_ms: self.cpu_ms.max(10_000),
            wall_ms: self.wall_ms.max(20_000),
            memory_bytes: self.memory_bytes.max(1024 * MIB),
            file_bytes: self.file_bytes.max(64 * MIB),
            ..self
        }
    }

    pub(super) fn cpu_seconds(&self) -> u64 {
        self.cpu_ms.div_ceil(1000).max(1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn within_lowers_only_what_is_above_the_maximum() {
        let maxima = Limits {
            cpu_ms: 2_000,
            ..Limits::default()
        };
        let asked = Limits {
            cpu_ms: 9_000,
            wall_ms: 1_000,
            ..Limits::default()
        };
        let held = asked.within(&maxima);
        assert_eq!(held.cpu_ms, 2_000);
        assert_eq!(held.wall_ms, 1_000);
        assert_eq!(asked.above(&maxima), Some(("cpu_ms", 2_000)));
        assert_eq!(held.above(&maxima), None);
    }

    #[test]
    fn cpu_limit_rounds_up_to_whole_seconds() {
        let l = Limits {
            cpu_ms: 1_200,
            ..Limits::default()
        };
        assert_eq!(l.cpu_seconds(), 2);
    }
}
