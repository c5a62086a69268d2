//! `perf-gate summarize`.

use anyhow::Result;
use perf_collect::GroupBy as CollectGroupBy;

use super::{Context, print_stdout};
use crate::cli::{GroupBy, SummarizeArgs, SummaryFormat};
use crate::inputs::{Inputs, collect_config};
use crate::summary;

/// `perf-gate summarize`: per-group outcome counts and latency statistics.
pub fn run(args: &SummarizeArgs, context: Context) -> Result<u8> {
    let inputs = Inputs::resolve(&args.inputs)?;
    let mut config = collect_config(&args.filter, Vec::new())?;
    config.scan.progress = context.diagnostics.progress();
    let (group_by, label) = match args.group_by {
        GroupBy::ToolStep => (CollectGroupBy::ToolStep, "tool,step"),
        GroupBy::Tool => (CollectGroupBy::Tool, "tool"),
        GroupBy::Session => (CollectGroupBy::Session, "session"),
    };
    let aggregation = perf_collect::aggregate(&inputs.roots, &config, group_by)
        .map_err(|error| anyhow::anyhow!(inputs.display(&error.to_string())))?;
    context
        .diagnostics
        .scan_report(&aggregation.report, &inputs);
    let report = summary::build(label, &aggregation.groups)?;
    let text = match args.format {
        SummaryFormat::Text => summary::render_text(&report),
        SummaryFormat::Markdown => summary::render_markdown(&report),
        SummaryFormat::Json => summary::render_json(&report)?,
    };
    print_stdout(&text)?;
    Ok(0)
}
