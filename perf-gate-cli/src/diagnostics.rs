//! What the command prints on stderr besides errors (rejected lines, the line accounting, notes,
//! a progress bar), and how the command line's filter options become the collector's
//! configuration.

use std::io::{IsTerminal as _, Write as _};
use std::sync::Arc;

use anyhow::{Context as _, Result};
use camino::Utf8PathBuf;
use perf_collect::{CollectConfig, DiscoverConfig, Filter, OutcomeFilter, Progress, ScanReport};
use perf_gate::Scope;
use perf_record::{FieldMap, Timestamp};
use perf_report::render::escape::ascii;

use crate::cli::{FilterArgs, OutcomeArg, RootArgs};

/// The collector configuration for these filter options; `exclude` names output files that a
/// directory walk must not read back.
pub fn collect_config(
    filter: &FilterArgs,
    exclude: Vec<Utf8PathBuf>,
    diagnostics: Diagnostics,
) -> Result<CollectConfig> {
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
            include_warmup: filter.include_warmup,
        },
        strict: filter.strict,
        ..CollectConfig::default()
    };
    config.discover = discover_config(&filter.roots, exclude);
    config.scan.fields = field_map(&filter.roots)?;
    config.scan.progress = diagnostics.progress();
    config.scan.rejections_kept = diagnostics.rejections_kept();
    Ok(config)
}

/// How `--include` and `--follow-symlinks` walk the roots; `exclude` names the outputs.
pub fn discover_config(roots: &RootArgs, exclude: Vec<Utf8PathBuf>) -> DiscoverConfig {
    DiscoverConfig {
        follow_symlinks: roots.follow_symlinks,
        exclude,
        include: roots.include.clone(),
    }
}

/// The field mapping of the `--field` options, checked (no field twice, no two fields from one
/// key).
pub fn field_map(roots: &RootArgs) -> Result<FieldMap> {
    FieldMap::from_mappings(roots.fields.iter().cloned()).context("invalid --field mapping")
}

/// The tools and steps the run is about: `--tools` / `--steps` scope the budget checks too, not
/// only the records read.
pub fn scope(filter: &FilterArgs) -> Scope {
    Scope {
        tools: filter.tools.clone(),
        steps: filter.steps.clone(),
    }
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
    /// `--max-errors`: how many rejected lines to print, 0 for all.
    pub max_errors: u64,
}

/// Inputs smaller than this never get a progress bar: they are done before it would be seen.
const PROGRESS_MIN_BYTES: u64 = 64 * 1024 * 1024;

/// A progress bar on stderr, drawn only on a terminal and only for large inputs.
struct ProgressBar(indicatif::ProgressBar);

impl Progress for ProgressBar {
    fn start(&self, total_bytes: u64) {
        if total_bytes >= PROGRESS_MIN_BYTES {
            self.0.set_length(total_bytes);
            self.0
                .set_draw_target(indicatif::ProgressDrawTarget::stderr());
        }
    }

    fn advance(&self, bytes: u64) {
        self.0.inc(bytes);
    }

    fn finish(&self) {
        self.0.finish_and_clear();
    }
}

impl Diagnostics {
    /// How many rejected lines (or items) to keep for printing: `--max-errors`, 0 meaning all.
    pub fn rejections_kept(self) -> usize {
        match self.max_errors {
            0 => usize::MAX,
            limit => usize::try_from(limit).unwrap_or(usize::MAX),
        }
    }

    /// Prints the kept rejections (at most [`Diagnostics::rejections_kept`] of them) and, when
    /// `total` is more, `... and N more rejected {what}`.
    pub fn rejections<'a>(self, kept: impl IntoIterator<Item = &'a str>, total: u64, what: &str) {
        if self.quiet {
            return;
        }
        let mut stderr = std::io::stderr().lock();
        let mut printed = 0u64;
        for rejection in kept.into_iter().take(self.rejections_kept()) {
            let _ = writeln!(stderr, "warning: {}", ascii(rejection));
            printed += 1;
        }
        if total > printed {
            let _ = writeln!(
                stderr,
                "warning: ... and {} more rejected {what} (--max-errors 0 prints all)",
                total - printed
            );
        }
    }

    /// The progress bar of a scan: none when quiet or when stderr is not a terminal.
    pub fn progress(self) -> Option<Arc<dyn Progress>> {
        if self.quiet || !std::io::stderr().is_terminal() {
            return None;
        }
        let bar =
            indicatif::ProgressBar::with_draw_target(None, indicatif::ProgressDrawTarget::hidden());
        if let Ok(style) = indicatif::ProgressStyle::with_template(
            "{bar:40} {binary_bytes}/{binary_total_bytes} {binary_bytes_per_sec} eta {eta}",
        ) {
            bar.set_style(style);
        }
        Some(Arc::new(ProgressBar(bar)))
    }

    /// Prints rejected lines (`path:line: reason`), unreadable files, and the line accounting.
    pub fn scan_report(self, report: &ScanReport) {
        if self.quiet {
            return;
        }
        let mut stderr = std::io::stderr().lock();
        // Paths and reasons can hold anything a file name can (newlines, ESC, `::error`): one
        // printable ASCII line each, never a workflow command or a terminal escape.
        for problem in &report.problems {
            let _ = writeln!(stderr, "warning: {}", ascii(&chain_line(problem)));
        }
        for rejection in &report.rejections {
            let _ = writeln!(stderr, "warning: {}", ascii(&rejection.to_string()));
        }
        let unlisted = report.unlisted_rejections();
        if unlisted > 0 {
            let _ = writeln!(
                stderr,
                "warning: ... and {unlisted} more rejected lines (--max-errors 0 prints all)"
            );
        }
        self.skipped(&report.skipped, report.files.is_empty());
        if self.verbose {
            for file in &report.files {
                let counts = &file.lines;
                let _ = writeln!(
                    stderr,
                    "{}: {} lines, {} accepted, {} filtered out, {} rejected, {} blank",
                    ascii(file.path.as_str()),
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

    /// With `--verbose` (or when no file at all was read), how many files the walk skipped and
    /// why, with the first few paths of each reason (escaped: they are names from disk).
    pub fn skipped(self, skipped: &perf_collect::Skipped, nothing_read: bool) {
        if self.quiet || skipped.total() == 0 || !(self.verbose || nothing_read) {
            return;
        }
        let mut stderr = std::io::stderr().lock();
        for (reason, count) in &skipped.counts {
            let examples: Vec<String> = skipped
                .examples
                .iter()
                .filter(|(example_reason, _)| example_reason == reason)
                .map(|(_, path)| ascii(path.as_str()))
                .collect();
            let more = if *count > examples.len() as u64 {
                ", ..."
            } else {
                ""
            };
            let _ = writeln!(
                stderr,
                "skipped {count} {}: {}: {}{more}",
                if *count == 1 { "file" } else { "files" },
                reason.describe(),
                examples.join(", ")
            );
        }
    }

    /// Prints a note on stderr unless quiet.
    pub fn note(self, message: &str) {
        if !self.quiet {
            let _ = writeln!(std::io::stderr().lock(), "{message}");
        }
    }
}

/// Every message of an error's chain, outermost first, each one only when it adds something:
/// `invalid budget file b.json: $.a.b.p95: invalid value -1: ...`. The one way this command
/// prints an error chain on one line (errors and stderr warnings alike).
pub fn chain_line(error: &(dyn std::error::Error + 'static)) -> String {
    let mut line = String::new();
    for cause in std::iter::successors(Some(error), |cause| cause.source()) {
        let message = cause.to_string();
        if line.contains(&message) {
            continue;
        }
        if message.contains(&line) {
            line = message;
        } else {
            line.push_str(": ");
            line.push_str(&message);
        }
    }
    line
}

#[cfg(test)]
mod tests {
    use super::*;

    const QUIET: Diagnostics = Diagnostics {
        quiet: true,
        verbose: false,
        max_errors: 100,
    };

    #[test]
    fn bad_since_names_the_option_and_value() {
        let filter = FilterArgs {
            since: Some("yesterday".into()),
            ..FilterArgs::default()
        };
        let error = collect_config(&filter, Vec::new(), QUIET).unwrap_err();
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
        let config = collect_config(&filter, vec!["out.jsonl".into()], QUIET).unwrap();
        assert_eq!(config.filter.tools, ["wsap"]);
        assert_eq!(config.filter.outcomes, [OutcomeFilter::Error]);
        assert!(config.filter.since.is_some());
        assert!(config.strict);
        assert!(config.scan.progress.is_none(), "quiet: no progress bar");
        assert_eq!(config.discover.exclude, [Utf8PathBuf::from("out.jsonl")]);
        assert_eq!(scope(&filter).tools, ["wsap"]);
    }
}
