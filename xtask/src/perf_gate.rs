//! `cargo xtask perf-gate`: perf-gate gates its own performance with its own tool.

use std::process::ExitCode;

use anyhow::{Result, bail};
use camino::Utf8Path;

/// Options of `cargo xtask perf-gate`.
#[derive(Debug, clap::Args)]
pub struct PerfGateArgs {
    /// Records in the generated corpus.
    #[arg(long, default_value_t = 200_000)]
    pub records: usize,
}

/// `cargo xtask perf-gate`.
pub fn run(_workspace: &Utf8Path, _args: &PerfGateArgs) -> Result<ExitCode> {
    bail!("not wired yet")
}
