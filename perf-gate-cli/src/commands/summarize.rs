//! `perf-gate summarize`.

use anyhow::Result;
use perf_budget::summary::{self, GroupIdentity, SummaryInput};
use perf_collect::{GroupBy as CollectGroupBy, GroupName};

use super::{Context, print_stdout};
use crate::cli::{GroupBy, SummarizeArgs, SummaryFormat};
use crate::inputs::{Inputs, collect_config};

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
    let identities: Vec<GroupIdentity> = aggregation
        .groups
        .keys()
        .map(|name| match name {
            GroupName::ToolStep(key) => GroupIdentity::ToolStep {
                tool: key.tool.clone(),
                step: key.step.clone(),
            },
            GroupName::Tool(tool) => GroupIdentity::Tool(tool.clone()),
            GroupName::Session(session) => GroupIdentity::Session(session.clone()),
        })
        .collect();
    let report = summary::summarize_groups(
        label,
        identities
            .iter()
            .zip(aggregation.groups.values())
            .map(|(identity, samples)| SummaryInput {
                identity,
                counts: samples.outcomes,
                latencies: &samples.latencies_ms,
            }),
    )?;
    let text = match args.format {
        SummaryFormat::Text => summary::render_text(&report),
        SummaryFormat::Markdown => summary::render_markdown(&report),
        SummaryFormat::Json => summary::render_json(&report)?,
    };
    print_stdout(&text)?;
    Ok(0)
}
