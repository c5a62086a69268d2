//! Each command's wiring: read inputs, call the libraries, write outputs, return the exit code.

mod baseline;
mod collect;
mod evaluate;
mod lint;
mod normalize;
mod summarize;

use std::io::Write as _;

use anyhow::{Context as _, Result};

use crate::cli::{BaselineCommand, Cli, Command};
use crate::inputs::Diagnostics;
use crate::output::use_color;

/// What every command needs to know about the global options.
#[derive(Debug, Clone, Copy)]
pub struct Context {
    /// What to print on stderr.
    pub diagnostics: Diagnostics,
    /// Whether to colour the text report.
    pub color: bool,
}

/// Runs the parsed command line and returns the process exit code.
pub fn run(cli: Cli) -> Result<u8> {
    let context = Context {
        diagnostics: Diagnostics {
            quiet: cli.global.quiet,
            verbose: cli.global.verbose,
        },
        color: use_color(cli.global.color),
    };
    match cli.command {
        Command::Collect(args) => collect::run(&args, context),
        Command::Summarize(args) => summarize::run(&args, context),
        Command::Evaluate(args) => evaluate::run_evaluate(&args, context),
        Command::Gate(args) => evaluate::run_gate(&args, context),
        Command::Normalize(args) => normalize::run(&args, context),
        Command::Lint(args) => lint::run(&args, context),
        Command::Baseline(BaselineCommand::Save(args)) => baseline::save(&args, context),
        Command::Baseline(BaselineCommand::Compare(args)) => baseline::compare(&args, context),
        Command::Baseline(BaselineCommand::Ratchet(args)) => baseline::ratchet(&args, context),
    }
}

/// Writes the report to stdout. A closed pipe (`perf-gate ... | head`) is not an error.
pub fn print_stdout(text: &str) -> Result<()> {
    let mut stdout = std::io::stdout().lock();
    match stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
    {
        Err(error) if error.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => other.context("cannot write to stdout"),
    }
}
