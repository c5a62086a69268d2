//! The `perf-gate` command. Everything but this line lives in the library target, so the
//! end-to-end tests can build the same binary as a twin (`tests/src/bin/perf-gate.rs`).

fn main() -> std::process::ExitCode {
    perf_gate_cli::main()
}
