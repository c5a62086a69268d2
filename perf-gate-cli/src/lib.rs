//! The `perf-gate` command: clap, standard streams, terminals, colour, the `GITHUB_*`
//! environment and the exit status. Everything it decides about performance is in the `perf-gate`
//! library; `commands/` only wires arguments to it and results to files and streams.
//!
//! Its contract with CI is the exit code ([`perf_report::ExitCode`]):
//!
//! | code | meaning |
//! |---|---|
//! | 0 | every check passed (warnings allowed) |
//! | 3 | at least one budget violation or baseline regression |
//! | 2 | no violation, but a budgeted group had too few samples or no data, or nothing was checked |
//! | 1 | usage, input or configuration error |
//!
//! ```sh
//! perf-gate gate examples/logs --budgets examples/budgets-pass.json
//! ```

mod cli;
mod commands;
mod diagnostics;
mod output;
mod push;

use std::io::Write as _;
use std::process::ExitCode;

use clap::Parser as _;
use perf_report::ExitCode as Code;

use crate::cli::Cli;

/// The command-line definition (for the man page `cargo xtask man` writes, and completions).
pub fn command() -> clap::Command {
    <Cli as clap::CommandFactory>::command()
}

/// Runs the command line of this process and returns its exit status.
pub fn main() -> ExitCode {
    // `perf-gate run` launches every command through this binary as its helper: before clap,
    // the panic hook or anything else allocates, so the helper stays small (its RSS is the
    // floor of the measured peak memory).
    let mut args = std::env::args_os();
    if args
        .nth(1)
        .is_some_and(|first| first == commands::run::HELPER_ARG)
    {
        return perf_run::helper::main(args);
    }
    // A bug must still end in one `error:` line and the documented error code, not a Rust
    // backtrace and exit code 101 that a CI script would not expect.
    std::panic::set_hook(Box::new(|info| {
        let _ = writeln!(
            std::io::stderr().lock(),
            "error: internal error, please report it: {info}"
        );
        std::process::exit(i32::from(Code::ERROR));
    }));
    if is_help_format(std::env::args_os().skip(1)) {
        let _ = std::io::stdout()
            .lock()
            .write_all(perf_record::LOG_FORMAT.as_bytes());
        return ExitCode::from(Code::PASS);
    }
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) => {
            // `--help` and `--version` are "errors" to clap but successes to a user; clap's own
            // usage code 2 would mean "insufficient samples" in our contract.
            let code = if error.use_stderr() {
                Code::ERROR
            } else {
                Code::PASS
            };
            let _ = error.print();
            return ExitCode::from(code);
        }
    };
    let verbose = cli.global.verbose;
    match commands::run(cli) {
        Ok(code) => ExitCode::from(code),
        Err(error) => {
            print_error(&error, verbose);
            ExitCode::from(Code::ERROR)
        }
    }
}

/// `perf-gate help format` (global options around it allowed): the log format, a help topic of
/// its own rather than a command.
fn is_help_format(args: impl Iterator<Item = std::ffi::OsString>) -> bool {
    let mut words = Vec::new();
    let mut takes_value = false;
    for arg in args {
        let text = arg.to_string_lossy();
        if std::mem::replace(&mut takes_value, false) {
            continue;
        }
        if text.starts_with('-') {
            // `--color` is the one global option with a separate value.
            takes_value = text == "--color";
            continue;
        }
        words.push(text.into_owned());
    }
    words == ["help", "format"]
}

/// One clear line on stderr; with `--verbose`, every cause on its own line.
fn print_error(error: &anyhow::Error, verbose: bool) {
    let mut stderr = std::io::stderr().lock();
    // Messages quote file names, budget keys and log data: one escaped line each.
    let line = |text: &str| perf_report::render::escape::line(text);
    if verbose {
        let _ = writeln!(stderr, "error: {}", line(&error.to_string()));
        for cause in error.chain().skip(1) {
            let _ = writeln!(stderr, "  caused by: {}", line(&cause.to_string()));
        }
    } else {
        let _ = writeln!(stderr, "error: {}", line(&one_line(error)));
    }
}

/// The error and its causes on one line, each cause once (see [`diagnostics::chain_line`]).
fn one_line(error: &anyhow::Error) -> String {
    diagnostics::chain_line(error.as_ref()).replace('\n', " ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn help_format_is_a_topic() {
        let args = |words: &[&str]| {
            words
                .iter()
                .map(std::ffi::OsString::from)
                .collect::<Vec<_>>()
        };
        assert!(is_help_format(args(&["help", "format"]).into_iter()));
        assert!(is_help_format(
            args(&["--color", "never", "help", "format"]).into_iter()
        ));
        assert!(is_help_format(args(&["-q", "help", "format"]).into_iter()));
        assert!(!is_help_format(args(&["help", "gate"]).into_iter()));
        assert!(!is_help_format(args(&["format"]).into_iter()));
    }

    #[test]
    fn one_line_adds_the_root_cause_once() {
        let io = std::io::Error::new(std::io::ErrorKind::NotFound, "no such file");
        let error = anyhow::Error::new(io).context("cannot read budgets.json");
        assert_eq!(one_line(&error), "cannot read budgets.json: no such file");
        let already_there = anyhow::anyhow!("cannot read x: no such file").context("cannot read x");
        assert_eq!(one_line(&already_there), "cannot read x: no such file");
        let single = anyhow::anyhow!("two\nlines");
        assert_eq!(one_line(&single), "two lines");
        let three = anyhow::anyhow!("root").context("middle").context("outer");
        assert_eq!(one_line(&three), "outer: middle: root");
    }
}
