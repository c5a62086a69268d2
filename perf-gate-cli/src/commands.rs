//! Each command's wiring: read inputs, call the libraries, write outputs, return the exit code.

use anyhow::{Result, bail};

use crate::cli::{Cli, Command};

/// Runs the parsed command line and returns the process exit code.
pub fn run(cli: Cli) -> Result<u8> {
    match cli.command {
        Command::Collect(_)
        | Command::Summarize(_)
        | Command::Evaluate(_)
        | Command::Gate(_)
        | Command::Normalize(_)
        | Command::Lint(_)
        | Command::Baseline(_) => bail!("this command is not wired yet"),
    }
}
