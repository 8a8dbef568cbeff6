//! The `codecommit-local` binary: parses the command line and runs the server.

fn main() -> std::process::ExitCode {
    codecommit_local::cli::main()
}
