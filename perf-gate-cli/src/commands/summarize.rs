//! `perf-gate summarize`.

use std::collections::BTreeMap;

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
    let report = perf_report::summary::summarize_groups(
        label,
        args.latency_of.unwrap_or_default(),
        &groups,
    )?;
    let text = match args.format {
        SummaryFormat::Text => text::render_summary(&report),
        SummaryFormat::Markdown => markdown::render_summary(&report),
        SummaryFormat::Json => json::render_summary(&report)?,
    };
    print_stdout(&text)?;
    Ok(perf_report::ExitCode::PASS)
}
