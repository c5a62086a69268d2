//! Project automation for perf-gate (the cargo-xtask pattern): `cargo xtask <command>`.
//!
//! - `cargo xtask ci`: what `.ci/run` runs (fmt check, clippy, the test suite).
//! - `cargo xtask examples`: regenerates the bundled example logs under `examples/logs/`.
//! - `cargo xtask perf-gate`: perf-gate gates its own performance with its own tool.
//!
//! - `cargo xtask bench`: generates the benchmark corpus and measures perf-collect on it.
//! - `cargo xtask change-points`: the seeded change-point simulation (false alarms, shifts found).
//! - `cargo xtask coverage [--write]`: the coverage of every interval a report shows
//!   (`perf-stats/COVERAGE.md`).
//! - `cargo xtask simulate-baseline [--write]`: the baseline rule's simulation at scale
//!   (`perf-baseline/SIMULATION.md`).
//! - `cargo xtask schemas [--check]`: writes (or checks) the JSON Schemas in `schemas/`.
//! - `cargo xtask man`: writes the man pages of `perf-gate` (clap_mangen) to `target/man/`.
//!
//! Needs nothing but cargo.

mod baseline_simulation;
mod bench;
mod change_point_simulation;
mod change_points;
mod ci;
mod coverage;
mod coverage_simulation;
mod examples;
mod man;
mod perf_gate;
mod schemas;
mod simulate_baseline;
mod tidy;

use std::process::ExitCode;

use anyhow::Result;
use camino::{Utf8Path, Utf8PathBuf};
use clap::{Parser, Subcommand};

/// perf-gate's project automation.
#[derive(Debug, Parser)]
#[command(name = "cargo xtask", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Task,
}

#[derive(Debug, Subcommand)]
enum Task {
    /// Runs what `.ci/run` runs: fmt check, clippy -D warnings, the workspace tests.
    Ci,
    /// Regenerates `examples/logs/` with the deterministic generator.
    Examples,
    /// Measures perf-gate's own operations and gates them against `perf-budgets.json`.
    PerfGate(perf_gate::PerfGateArgs),
    /// Generates a deterministic corpus under target/bench-corpus/ and measures collection on it.
    Bench(bench::BenchArgs),
    /// Simulates change-point detection on seeded series and prints the README's table.
    ChangePoints(change_points::ChangePointArgs),
    /// Simulates the coverage of every interval a report shows and prints (or writes)
    /// perf-stats/COVERAGE.md.
    Coverage(coverage::CoverageArgs),
    /// Simulates the baseline's percentile rule (50k and 1M baselines, every change) and prints
    /// (or writes) perf-baseline/SIMULATION.md.
    SimulateBaseline(simulate_baseline::SimulateBaselineArgs),
    /// Writes the JSON Schemas in schemas/ from the Rust types (or, with --check, fails when
    /// a committed one is stale).
    Schemas {
        /// Only compare; exit 1 when a file would change.
        #[arg(long)]
        check: bool,
    },
    /// Writes the man pages of perf-gate and each command to target/man/ (or --out DIR).
    Man {
        /// The directory for the pages.
        #[arg(long, value_name = "DIR")]
        out: Option<Utf8PathBuf>,
    },
}

/// The workspace root: xtask lives one level below it.
fn workspace_root() -> Utf8PathBuf {
    Utf8Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Utf8Path::to_path_buf)
        .unwrap_or_else(|| Utf8PathBuf::from("."))
}

fn run(cli: Cli) -> Result<ExitCode> {
    let root = workspace_root();
    match cli.command {
        Task::Ci => ci::run(&root).map(|()| ExitCode::SUCCESS),
        Task::Examples => examples::run(&root.join("examples")).map(|()| ExitCode::SUCCESS),
        Task::PerfGate(args) => perf_gate::run(&root, &args),
        Task::Bench(args) => bench::run(&root, &args).map(|()| ExitCode::SUCCESS),
        Task::ChangePoints(args) => change_points::run(&args).map(|()| ExitCode::SUCCESS),
        Task::Coverage(args) => coverage::run(&root, &args).map(|()| ExitCode::SUCCESS),
        Task::SimulateBaseline(args) => {
            simulate_baseline::run(&root, &args).map(|()| ExitCode::SUCCESS)
        }
        Task::Schemas { check } => {
            schemas::run(&root.join("schemas"), check).map(|()| ExitCode::SUCCESS)
        }
        Task::Man { out } => {
            let out = out.unwrap_or_else(|| root.join("target/man"));
            let written = man::run(&out)?;
            println!(
                "wrote {} man pages to {out} (try: man -l {out}/perf-gate.1)",
                written.len()
            );
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}
