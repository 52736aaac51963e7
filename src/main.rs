use std::process::ExitCode;

fn main() -> ExitCode {
    preau::cli::main()
}
