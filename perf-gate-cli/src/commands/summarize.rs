//! `perf-gate summarize`.

use std::collections::BTreeMap;

use std::io::Write as _;

use anyhow::{Context as _, Result};
use perf_collect::GroupBy as CollectGroupBy;
use perf_record::{GroupName, StoredGroup};
use perf_report::render::{json, markdown, text};

use super::{Context, print_stdout};
use crate::cli::{GroupBy, SummarizeArgs, SummaryFormat};
use crate::diagnostics::collect_config;

/// `perf-gate summarize`: per-group outcome counts and latency statistics.
pub fn run(args: &SummarizeArgs, context: Context) -> Result<u8> {
    let config = collect_config(&args.filter, Vec::new(), context.diagnostics)?;
    let (group_by, label) = match args.group_by {
        GroupBy::ToolStep => (CollectGroupBy::ToolStep, "tool,step"),
        GroupBy::Tool => (CollectGroupBy::Tool, "tool"),
        GroupBy::Session => (CollectGroupBy::Session, "session"),
    };
    let groups: BTreeMap<GroupName, StoredGroup> = match args.filter.from {
        Some(format) => {
            super::import::import_inputs(format, &args.inputs, &config.filter, group_by, context)?
                .groups
                .into_iter()
                .map(|(name, samples)| (name, StoredGroup::from(samples)))
                .collect()
        }
        None => {
            let aggregation = perf_collect::aggregate_within(
                &args.inputs,
                &config,
                group_by,
                &super::sample_memory(args.memory_limit),
            )?;
            context.diagnostics.scan_report(&aggregation.report);
            aggregation.report.check_something_accepted()?;
            aggregation.groups
        }
    };
    // Each group is dropped once summarized: groups and summaries are not all held at once.
    let report = perf_report::summary::summarize_owned_groups(
        label,
        args.latency_of.unwrap_or_default(),
        groups,
    )?;
    let text = match args.format {
        SummaryFormat::Text => text::render_summary(&report),
        SummaryFormat::Markdown => markdown::render_summary(&report),
        SummaryFormat::Json => return write_json(&report),
    };
    print_stdout(&text)?;
    Ok(perf_report::ExitCode::PASS)
}

/// The JSON summary written to stdout as it is made: at a million groups the text would be
/// 380 MB held beside the summaries. A closed pipe ends the output quietly, as
/// [`print_stdout`] does.
fn write_json(report: &perf_report::summary::SummaryReport) -> Result<u8> {
    let mut stdout = std::io::BufWriter::with_capacity(64 * 1024, std::io::stdout().lock());
    let written = json::write_summary(report, &mut stdout).and_then(|()| {
        stdout
            .flush()
            .map_err(|error| json::JsonReportError::Write(serde_json::Error::io(error)))
    });
    match written {
        Err(json::JsonReportError::Write(error))
            if error.io_error_kind() == Some(std::io::ErrorKind::BrokenPipe) =>
        {
            Ok(perf_report::ExitCode::PASS)
        }
        other => {
            other.context("cannot write to stdout")?;
            Ok(perf_report::ExitCode::PASS)
        }
    }
}
