//! The confinement `sandbox-exec inner` applies to itself just before it executes the
//! command: rlimits, Landlock, seccomp. After `exec` they hold for the command and everything
//! it starts; none of them can be lifted by it.

use std::collections::BTreeMap;
use std::path::PathBuf;

use landlock::{
    ABI, Access, AccessFs, AccessNet, CompatLevel, Compatible, Ruleset, RulesetAttr,
    RulesetCreatedAttr, RulesetStatus, Scope, path_beneath_rules,
};
use nix::sys::resource::{Resource, setrlimit};
use seccompiler::{
    BpfProgram, SeccompAction, SeccompCmpArgLen, SeccompCmpOp, SeccompCondition, SeccompFilter,
    SeccompRule,
};

use super::protocol::InnerSpec;

pub(super) fn rlimits(spec: &InnerSpec) -> Result<(), String> {
    let l = &spec.limits;
    let cpu = l.cpu_seconds();
    let set = |what: &str, r: Resource, soft: u64, hard: u64| {
        setrlimit(r, soft, hard).map_err(|e| format!("setrlimit {what}: {e}"))
    };
    // SIGXCPU at the limit, SIGKILL a second later for a program that catches SIGXCPU.
    set("CPU", Resource::RLIMIT_CPU, cpu, cpu + 1)?;
    set("FSIZE", Resource::RLIMIT_FSIZE, l.file_bytes, l.file_bytes)?;
    let files = u64::from(l.open_files);
    set("NOFILE", Resource::RLIMIT_NOFILE, files, files)?;
    let procs = u64::from(l.processes);
    set("NPROC", Resource::RLIMIT_NPROC, procs, procs)?;
    set("CORE", Resource::RLIMIT_CORE, 0, 0)?;
    set("MEMLOCK", Resource::RLIMIT_MEMLOCK, 0, 0)?;
    set("MSGQUEUE", Resource::RLIMIT_MSGQUEUE, 0, 0)?;
    if let Some(bytes) = spec.address_space {
        set("AS", Resource::RLIMIT_AS, bytes, bytes)?;
    }
    Ok(())
}

/// Files: read and execute under the system paths, everything in the run's folders; TCP: no
/// bind, no connect; signals and abstract sockets: only within the run (ABI 6).
pub(super) fn landlock(spec: &InnerSpec) -> Result<(), String> {
    let abi = ABI::V6;
    let existing = |paths: &[PathBuf]| -> Vec<PathBuf> {
        paths.iter().filter(|p| p.exists()).cloned().collect()
    };
    let level = if spec.require_landlock {
        CompatLevel::HardRequirement
    } else {
        CompatLevel::BestEffort
    };
    let status = Ruleset::default()
        .set_compatibility(level)
        .handle_access(AccessFs::from_all(ABI::V5))
        .and_then(|r| r.handle_access(AccessNet::BindTcp | AccessNet::ConnectTcp))
        .and_then(|r| r.scope(Scope::AbstractUnixSocket | Scope::Signal))
        .and_then(|r| r.create())
        .and_then(|r| {
            r.add_rules(path_beneath_rules(
                existing(&spec.read_paths),
                AccessFs::from_read(abi),
            ))
        })
        .and_then(|r| {
            r.add_rules(path_beneath_rules(
                existing(&spec.write_paths),
                AccessFs::from_all(ABI::V5),
            ))
        })
        .and_then(|r| r.restrict_self())
        .map_err(|e| format!("landlock: {e}"))?;
    if spec.require_landlock && status.ruleset != RulesetStatus::FullyEnforced {
        return Err(format!(
            "landlock: not fully enforced on this kernel ({:?})",
            status.ruleset
        ));
    }
    Ok(())
}

fn rule(conditions: Vec<SeccompCondition>) -> Result<SeccompRule, String> {
    SeccompRule::new(conditions).map_err(|e| format!("seccomp rule: {e}"))
}

fn arg(index: u8, op: SeccompCmpOp, value: u64) -> Result<SeccompCondition, String> {
    SeccompCondition::new(index, SeccompCmpArgLen::Qword, op, value)
        .map_err(|e| format!("seccomp condition: {e}"))
}

/// Syscalls a test program never needs and an escape often does: they fail with EPERM.
const REFUSED: &[i64] = &[
    libc::SYS_ptrace,
    libc::SYS_process_vm_readv,
    libc::SYS_process_vm_writev,
    libc::SYS_unshare,
    libc::SYS_setns,
    libc::SYS_mount,
    libc::SYS_umount2,
    libc::SYS_pivot_root,
    libc::SYS_chroot,
    libc::SYS_fsopen,
    libc::SYS_fsmount,
    libc::SYS_fsconfig,
    libc::SYS_fspick,
    libc::SYS_move_mount,
    libc::SYS_open_tree,
    libc::SYS_mount_setattr,
    libc::SYS_open_by_handle_at,
    libc::SYS_name_to_handle_at,
    libc::SYS_bpf,
    libc::SYS_perf_event_open,
    libc::SYS_userfaultfd,
    libc::SYS_io_uring_setup,
    libc::SYS_io_uring_enter,
    libc::SYS_io_uring_register,
    libc::SYS_keyctl,
    libc::SYS_add_key,
    libc::SYS_request_key,
    libc::SYS_kexec_load,
    libc::SYS_kexec_file_load,
    libc::SYS_init_module,
    libc::SYS_finit_module,
    libc::SYS_delete_module,
    libc::SYS_reboot,
    libc::SYS_swapon,
    libc::SYS_swapoff,
    libc::SYS_syslog,
    libc::SYS_acct,
    libc::SYS_quotactl,
    libc::SYS_settimeofday,
    libc::SYS_clock_settime,
    libc::SYS_iopl,
    libc::SYS_ioperm,
    libc::SYS_personality,
];

fn refused_rules() -> Result<BTreeMap<i64, Vec<SeccompRule>>, String> {
    let mut rules: BTreeMap<i64, Vec<SeccompRule>> =
        REFUSED.iter().map(|&nr| (nr, Vec::new())).collect();
    // Sockets: only Unix ones (no inet, inet6, netlink, packet, vsock...).
    rules.insert(
        libc::SYS_socket,
        vec![rule(vec![arg(0, SeccompCmpOp::Ne, libc::AF_UNIX as u64)?])?],
    );
    // clone with any namespace flag (a new user namespace is the usual first step out).
    let namespaces = [
        libc::CLONE_NEWUSER,
        libc::CLONE_NEWNS,
        libc::CLONE_NEWNET,
        libc::CLONE_NEWPID,
        libc::CLONE_NEWIPC,
        libc::CLONE_NEWUTS,
        libc::CLONE_NEWCGROUP,
    ];
    let mut clone_rules = Vec::new();
    for flag in namespaces {
        let flag = flag as u64;
        clone_rules.push(rule(vec![arg(0, SeccompCmpOp::MaskedEq(flag), flag)?])?);
    }
    rules.insert(libc::SYS_clone, clone_rules);
    // Typing into the terminal of whoever started the server.
    rules.insert(
        libc::SYS_ioctl,
        vec![
            rule(vec![arg(1, SeccompCmpOp::Eq, libc::TIOCSTI)?])?,
            rule(vec![arg(1, SeccompCmpOp::Eq, libc::TIOCLINUX)?])?,
        ],
    );
    Ok(rules)
}

fn program(
    rules: BTreeMap<i64, Vec<SeccompRule>>,
    action: SeccompAction,
) -> Result<BpfProgram, String> {
    let arch = std::env::consts::ARCH
        .try_into()
        .map_err(|e| format!("seccomp: {e}"))?;
    let filter = SeccompFilter::new(rules, SeccompAction::Allow, action, arch)
        .map_err(|e| format!("seccomp filter: {e}"))?;
    filter.try_into().map_err(|e| format!("seccomp: {e}"))
}

/// Two filters: the refused syscalls fail with EPERM; `clone3` fails with ENOSYS, so that the
/// C library falls back to `clone`, whose flags the first filter can see (clone3 passes them
/// in memory, out of seccomp's reach).
pub(super) fn seccomp() -> Result<(), String> {
    let refused = program(refused_rules()?, SeccompAction::Errno(libc::EPERM as u32))?;
    let clone3 = program(
        BTreeMap::from([(libc::SYS_clone3, Vec::new())]),
        SeccompAction::Errno(libc::ENOSYS as u32),
    )?;
    seccompiler::apply_filter(&refused).map_err(|e| format!("seccomp: {e}"))?;
    seccompiler::apply_filter(&clone3).map_err(|e| format!("seccomp: {e}"))?;
    Ok(())
}
