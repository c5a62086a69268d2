//! The demo registry service of `perf-recorder/examples/registry.rs`, built as a binary of this
//! package so the whole-loop test gets it as `CARGO_BIN_EXE_registry-dup` (the same twin pattern
//! as `perf-gate-dup`).

#[path = "../../../perf-recorder/examples/registry.rs"]
mod registry;

fn main() -> std::process::ExitCode {
    registry::main()
}
