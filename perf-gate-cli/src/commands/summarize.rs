//! `perf-gate summarize`.

use std::collections::BTreeMap;

use std::io::Write as _;

use anyhow::Result;
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
    let latency_of = args.latency_of.unwrap_or_default();
    // JSON of groups in memory is written as each group is summarized: neither the summaries
    // nor the text are held (a million groups). Groups that spilled may fail to load, so their
    // report is made whole first and nothing is written before an error.
    if args.format == SummaryFormat::Json
        && args.filter.from.is_none()
        && !groups.values().any(StoredGroup::is_spilled)
    {
        let summaries = perf_report::summary::owned_group_summaries(latency_of, groups);
        return write_json(|out| json::write_summary_stream(label, latency_of, summaries, out));
    }
    // Each group is dropped once summarized: groups and summaries are not all held at once.
    let report = perf_report::summary::summarize_owned_groups(label, latency_of, groups)?;
    let text = match args.format {
        SummaryFormat::Text => text::render_summary(&report),
        SummaryFormat::Markdown => markdown::render_summary(&report),
        SummaryFormat::Json => {
            return write_json(|out| {
                json::write_summary(&report, out).map_err(json::SummaryStreamError::Json)
            });
        }
    };
    print_stdout(&text)?;
    Ok(perf_report::ExitCode::PASS)
}

/// JSON written to stdout as it is made (at a million groups the text is 380 MB). A closed pipe
/// ends the output quietly, as [`print_stdout`] does.
fn write_json(
    write: impl FnOnce(&mut dyn std::io::Write) -> Result<(), json::SummaryStreamError>,
) -> Result<u8> {
    let mut stdout = std::io::BufWriter::with_capacity(64 * 1024, std::io::stdout().lock());
    let written = write(&mut stdout).and_then(|()| {
        stdout.flush().map_err(|error| {
            json::SummaryStreamError::Json(json::JsonReportError::Write(serde_json::Error::io(
                error,
            )))
        })
    });
    match written {
        Ok(()) => Ok(perf_report::ExitCode::PASS),
        Err(json::SummaryStreamError::Json(json::JsonReportError::Write(error)))
            if error.io_error_kind() == Some(std::io::ErrorKind::BrokenPipe) =>
        {
            Ok(perf_report::ExitCode::PASS)
        }
        Err(json::SummaryStreamError::Summary(error)) => Err(error.into()),
        Err(json::SummaryStreamError::Json(error)) => {
            Err(anyhow::Error::new(error).context("cannot write to stdout"))
        }
    }
}
