//! Turning command-line inputs into what perf-collect reads, and reporting what it read.
//!
//! perf-collect reads files and directories; `-` (stdin) is a command-line convention, so it is
//! handled here: stdin is spooled to a private temporary `.jsonl` file that is read like any other
//! and named `<stdin>` in every message.

use std::io::Write as _;

use anyhow::{Context as _, Result};
use camino::{Utf8Path, Utf8PathBuf};
use perf_budget::Report;
use perf_collect::{CollectConfig, Filter, OutcomeFilter, Progress, ScanReport};
use perf_record::Timestamp;

use crate::cli::{FilterArgs, OutcomeArg};

/// How stdin is named in messages.
pub const STDIN_NAME: &str = "<stdin>";

/// The inputs of one command, with stdin spooled to a file if `-` was given.
pub struct Inputs {
    /// Paths perf-collect reads.
    pub roots: Vec<Utf8PathBuf>,
    /// Keeps the stdin spool alive (and removes it at the end).
    stdin_spool: Option<(tempfile::TempDir, Utf8PathBuf)>,
}

impl Inputs {
    /// Resolves `-` to a spool of stdin; other paths are passed through unchanged.
    pub fn resolve(arguments: &[Utf8PathBuf]) -> Result<Self> {
        let mut roots = Vec::with_capacity(arguments.len());
        let mut stdin_spool = None;
        for argument in arguments {
            if argument.as_str() != "-" {
                roots.push(argument.clone());
                continue;
            }
            if stdin_spool.is_none() {
                stdin_spool = Some(spool_stdin()?);
            }
            if let Some((_, path)) = &stdin_spool
                && !roots.contains(path)
            {
                roots.push(path.clone());
            }
        }
        Ok(Self { roots, stdin_spool })
    }

    /// `text` with the spool's path replaced by `<stdin>`.
    pub fn display(&self, text: &str) -> String {
        match &self.stdin_spool {
            Some((_, path)) => text.replace(path.as_str(), STDIN_NAME),
            None => text.to_owned(),
        }
    }
}

fn spool_stdin() -> Result<(tempfile::TempDir, Utf8PathBuf)> {
    let directory = tempfile::Builder::new()
        .prefix("perf-gate-stdin-")
        .tempdir()
        .context("cannot create a temporary directory for stdin")?;
    let path = Utf8Path::from_path(directory.path())
        .context("the temporary directory's path is not UTF-8")?
        .join("stdin.jsonl");
    let mut file = std::fs::File::create(&path).with_context(|| format!("cannot create {path}"))?;
    std::io::copy(&mut std::io::stdin().lock(), &mut file).context("cannot read stdin")?;
    file.flush().context("cannot spool stdin")?;
    Ok((directory, path))
}

/// The collector configuration for these filter options.
pub fn collect_config(filter: &FilterArgs, exclude: Vec<Utf8PathBuf>) -> Result<CollectConfig> {
    let mut config = CollectConfig {
        filter: Filter {
            tools: filter.tools.clone(),
            steps: filter.steps.clone(),
            sessions: filter.sessions.clone(),
            since: parse_time("--since", filter.since.as_deref())?,
            until: parse_time("--until", filter.until.as_deref())?,
            outcomes: filter
                .outcomes
                .iter()
                .map(|outcome| match outcome {
                    OutcomeArg::Ok => OutcomeFilter::Success,
                    OutcomeArg::Error => OutcomeFilter::Error,
                    OutcomeArg::Unknown => OutcomeFilter::Unknown,
                })
                .collect(),
        },
        strict: filter.strict,
        ..CollectConfig::default()
    };
    config.discover.exclude = exclude;
    Ok(config)
}

/// `--tools` / `--steps` scope the report too, not only the records read: budget entries of tools
/// the run deliberately left out must not report "no data".
pub fn restrict_report(report: &mut Report, filter: &FilterArgs) -> Result<()> {
    if filter.tools.is_empty() && filter.steps.is_empty() {
        return Ok(());
    }
    let scope = Filter {
        tools: filter.tools.clone(),
        steps: filter.steps.clone(),
        ..Filter::default()
    }
    .compile()?;
    report.retain_scope(|tool| scope.keeps_tool(tool), |step| scope.keeps_step(step));
    Ok(())
}

fn parse_time(option: &str, value: Option<&str>) -> Result<Option<Timestamp>> {
    value
        .map(|text| {
            text.parse::<Timestamp>().with_context(|| {
                format!("{option} {text:?} is not an RFC 3339 time such as 2025-10-16T00:00:00Z")
            })
        })
        .transpose()
}

/// What a command prints on stderr besides errors.
#[derive(Debug, Clone, Copy)]
pub struct Diagnostics {
    /// `--quiet`: nothing but errors.
    pub quiet: bool,
    /// `--verbose`: per-file accounting too.
    pub verbose: bool,
}

impl Diagnostics {
    /// The progress-bar policy: never when quiet.
    pub fn progress(self) -> Progress {
        if self.quiet {
            Progress::Hidden
        } else {
            Progress::Auto
        }
    }

    /// Prints rejected lines (`path:line: reason`), unreadable files, and the line accounting.
    pub fn scan_report(self, report: &ScanReport, inputs: &Inputs) {
        if self.quiet {
            return;
        }
        let mut stderr = std::io::stderr().lock();
        for problem in &report.problems {
            let _ = writeln!(stderr, "warning: {}", inputs.display(&problem.to_string()));
        }
        for rejection in &report.rejections {
            let _ = writeln!(
                stderr,
                "warning: {}",
                inputs.display(&rejection.to_string())
            );
        }
        let unlisted = report
            .totals
            .rejected
            .saturating_sub(report.rejections.len() as u64);
        if unlisted > 0 {
            let _ = writeln!(stderr, "warning: ... and {unlisted} more rejected lines");
        }
        if self.verbose {
            for file in &report.files {
                let counts = &file.lines;
                let _ = writeln!(
                    stderr,
                    "{}: {} lines, {} accepted, {} filtered out, {} rejected, {} blank",
                    inputs.display(file.path.as_str()),
                    counts.lines,
                    counts.accepted,
                    counts.filtered_out,
                    counts.rejected,
                    counts.blank
                );
            }
        }
        let totals = &report.totals;
        let _ = writeln!(
            stderr,
            "read {} lines from {} files: {} accepted, {} filtered out, {} rejected, {} blank",
            totals.lines,
            report.files.len(),
            totals.accepted,
            totals.filtered_out,
            totals.rejected,
            totals.blank
        );
    }

    /// Prints a note on stderr unless quiet.
    pub fn note(self, message: &str) {
        if !self.quiet {
            let _ = writeln!(std::io::stderr().lock(), "{message}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_paths_pass_through() {
        let inputs = Inputs::resolve(&["a".into(), "b/c.jsonl".into()]).unwrap();
        assert_eq!(
            inputs.roots,
            [Utf8PathBuf::from("a"), Utf8PathBuf::from("b/c.jsonl")]
        );
        assert_eq!(inputs.display("a:3: bad"), "a:3: bad");
    }

    #[test]
    fn bad_since_names_the_option_and_value() {
        let filter = FilterArgs {
            since: Some("yesterday".into()),
            ..FilterArgs::default()
        };
        let error = collect_config(&filter, Vec::new()).unwrap_err();
        assert!(
            format!("{error:#}").contains("--since \"yesterday\""),
            "{error:#}"
        );
    }

    #[test]
    fn filters_are_carried_over() {
        let filter = FilterArgs {
            tools: vec!["wsap".into()],
            since: Some("2025-10-16T00:00:00Z".into()),
            outcomes: vec![OutcomeArg::Error],
            strict: true,
            ..FilterArgs::default()
        };
        let config = collect_config(&filter, vec!["out.jsonl".into()]).unwrap();
        assert_eq!(config.filter.tools, ["wsap"]);
        assert_eq!(config.filter.outcomes, [OutcomeFilter::Error]);
        assert!(config.filter.since.is_some());
        assert!(config.strict);
        assert_eq!(config.discover.exclude, [Utf8PathBuf::from("out.jsonl")]);
    }
}
