//! `preau serve` runs with mimalloc's options set (src/cli.rs, `allocator_options`): it executes
//! itself again, in the same process, with them in its environment, unless an operator chose a
//! purge delay of their own.

use crate::server::Server;

/// The environment process `pid` was executed with, as `NAME=VALUE` strings.
fn environment(pid: u32) -> Vec<String> {
    let raw = std::fs::read(format!("/proc/{pid}/environ")).expect("the server's environ");
    raw.split(|b| *b == 0)
        .filter(|v| !v.is_empty())
        .map(|v| String::from_utf8_lossy(v).into_owned())
        .collect()
}

fn value<'a>(env: &'a [String], name: &str) -> Option<&'a str> {
    env.iter()
        .find_map(|kv| kv.strip_prefix(name)?.strip_prefix('='))
}

#[test]
fn serve_executes_itself_once_with_the_allocators_options() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(&dir.path().join("preau.db"));
    // The process the test started answers /health, and was executed again with the options.
    let env = environment(server.child.id());
    assert_eq!(value(&env, "MIMALLOC_PURGE_DELAY"), Some("0"), "{env:?}");
    assert_eq!(value(&env, "MIMALLOC_ALLOW_THP"), Some("0"), "{env:?}");
    assert_eq!(server.call("GET", "/health", None, None).0, 200);
}

#[test]
fn an_operators_purge_delay_is_kept_and_nothing_is_executed_again() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start_with_env(
        &dir.path().join("preau.db"),
        &[("MIMALLOC_PURGE_DELAY", "250")],
    );
    let env = environment(server.child.id());
    assert_eq!(value(&env, "MIMALLOC_PURGE_DELAY"), Some("250"), "{env:?}");
    assert_eq!(value(&env, "MIMALLOC_ALLOW_THP"), None, "{env:?}");
}
