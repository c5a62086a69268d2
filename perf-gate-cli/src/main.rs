//! The `perf-gate` command: turns JSONL latency logs into a CI performance gate.
//!
//! This binary only parses arguments and wires the libraries together: `perf-record` (the
//! schema), `perf-collect` (reading log trees), `perf-stats` (numbers) and `perf-budget`
//! (judgement, baselines and reports). Its contract with CI is the exit code:
//!
//! | code | meaning |
//! |---|---|
//! | 0 | every check passed (warnings allowed) |
//! | 3 | at least one budget violation or baseline regression |
//! | 2 | no violation, but a budgeted group had too few samples or no data |
//! | 1 | usage, input or configuration error |
//!
//! ```sh
//! perf-gate gate examples/logs --budgets examples/budgets-pass.json
//! ```

mod cli;
mod commands;
mod inputs;
mod output;

use std::io::Write as _;
use std::process::ExitCode;

use clap::Parser as _;

use crate::cli::Cli;

/// Exit code for a usage, input or configuration error (clap's own 2 would mean "insufficient
/// samples" in our contract).
const EXIT_ERROR: u8 = 1;

fn main() -> ExitCode {
    // A bug must still end in one `error:` line and the documented error code, not a Rust
    // backtrace and exit code 101 that a CI script would not expect.
    std::panic::set_hook(Box::new(|info| {
        let _ = writeln!(
            std::io::stderr().lock(),
            "error: internal error, please report it: {info}"
        );
        std::process::exit(i32::from(EXIT_ERROR));
    }));
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) => {
            // `--help` and `--version` are "errors" to clap but successes to a user.
            let code = if error.use_stderr() { EXIT_ERROR } else { 0 };
            let _ = error.print();
            return ExitCode::from(code);
        }
    };
    let verbose = cli.global.verbose;
    match commands::run(cli) {
        Ok(code) => ExitCode::from(code),
        Err(error) => {
            print_error(&error, verbose);
            ExitCode::from(EXIT_ERROR)
        }
    }
}

/// One clear line on stderr; with `--verbose`, every cause on its own line.
fn print_error(error: &anyhow::Error, verbose: bool) {
    let mut stderr = std::io::stderr().lock();
    if verbose {
        let _ = writeln!(stderr, "error: {error}");
        for cause in error.chain().skip(1) {
            let _ = writeln!(stderr, "  caused by: {cause}");
        }
    } else {
        let _ = writeln!(stderr, "error: {}", one_line(error));
    }
}

/// The outermost message, followed by the root cause when it adds something.
fn one_line(error: &anyhow::Error) -> String {
    let outer = error.to_string();
    let root = error.root_cause().to_string();
    let line = if error.chain().count() == 1 || outer.contains(&root) {
        outer
    } else if root.contains(&outer) {
        root
    } else {
        format!("{outer}: {root}")
    };
    line.replace('\n', " ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_line_adds_the_root_cause_once() {
        let io = std::io::Error::new(std::io::ErrorKind::NotFound, "no such file");
        let error = anyhow::Error::new(io).context("cannot read budgets.json");
        assert_eq!(one_line(&error), "cannot read budgets.json: no such file");
        let already_there = anyhow::anyhow!("cannot read x: no such file").context("cannot read x");
        assert_eq!(one_line(&already_there), "cannot read x: no such file");
        let single = anyhow::anyhow!("two\nlines");
        assert_eq!(one_line(&single), "two lines");
    }
}
