use std::process::ExitCode;

/// mimalloc rather than glibc's malloc (Cargo.toml says why); `preau serve` sets its options
/// (`cli::allocator_options`). Only the binary uses it: the tests build the library with the
/// system's allocator.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    preau::cli::main()
}
