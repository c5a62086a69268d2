//! A twin of the `perf-gate` binary, so this package's tests get `CARGO_BIN_EXE_perf-gate-dup`
//! (nextest's `cargo-nextest-dup` pattern; a different name, so the two binaries do not collide).

fn main() -> std::process::ExitCode {
    perf_gate_cli::main()
}
