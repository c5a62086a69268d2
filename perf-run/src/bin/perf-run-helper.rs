//! The launch helper of perf-run (see the crate's `helper` module): starts one command, waits
//! for it and reports its exit status and resource usage on stdout.

fn main() -> std::process::ExitCode {
    perf_run::helper::main(std::env::args_os().skip(1))
}
