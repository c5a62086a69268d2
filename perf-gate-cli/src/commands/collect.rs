//! `perf-gate collect`.

use std::fmt::Write as _;

use anyhow::Result;
use perf_collect::CollectionSummary;

use super::{Context, print_stdout};
use crate::cli::{CollectArgs, CollectFormat};
use crate::diagnostics::collect_config;

/// `perf-gate collect`: writes the merged, sorted records and prints the collection summary.
pub fn run(args: &CollectArgs, context: Context) -> Result<u8> {
    // The output is skipped when a directory walk finds it, but read when named as a root: it
    // is replaced atomically only after every record was read.
    let config = collect_config(&args.filter, vec![args.out.clone()], context.diagnostics)?;
    // Runs spill beside the output: the same file system, which has room for the output.
    let sort = perf_collect::SortConfig {
        memory_limit: args.memory_limit,
        temp_dir: Some(match args.out.parent() {
            Some(parent) if !parent.as_str().is_empty() => parent.to_path_buf(),
            _ => ".".into(),
        }),
    };
    let collection = perf_collect::collect_with(&args.roots, &config, &sort)?;
    context.diagnostics.scan_report(&collection.report);
    // Nothing accepted from a non-empty input is a mismatch with the log format, not an empty
    // result: the previous output stays in place.
    collection.report.check_something_accepted()?;
    collection.write_jsonl(&args.out)?;
    context.diagnostics.note(&format!(
        "wrote {} records to {}",
        collection.len(),
        args.out
    ));
    let summary = match args.format {
        CollectFormat::Json => serde_json::to_string_pretty(&collection.summary)? + "\n",
        CollectFormat::Text => render_text(&collection.summary),
    };
    print_stdout(&summary)?;
    Ok(perf_report::ExitCode::PASS)
}

fn render_text(summary: &CollectionSummary) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{} entries from {} files in {} roots",
        summary.entries, summary.files_scanned, summary.roots_scanned
    );
    if let (Some(first), Some(last)) = (summary.first_ts, summary.last_ts) {
        let _ = writeln!(out, "time range: {first} .. {last}");
    }
    let outcomes = &summary.by_outcome;
    let _ = writeln!(
        out,
        "outcomes: {} ok, {} errors, {} unknown",
        outcomes.ok, outcomes.errors, outcomes.unknown
    );
    // Tool names come from logs: printable ASCII only, and a column no wider than 80 so that a
    // huge name can neither break the layout nor overflow the formatter's width.
    let tools: Vec<(String, u64)> = summary
        .by_tool
        .iter()
        .map(|(tool, count)| (perf_report::render::escape::ascii(tool), *count))
        .collect();
    let width = tools
        .iter()
        .map(|(tool, _)| tool.len())
        .max()
        .unwrap_or(0)
        .min(80);
    if !tools.is_empty() {
        out.push_str("by tool:\n");
    }
    for (tool, count) in &tools {
        let _ = writeln!(out, "  {tool:<width$}  {count}");
    }
    let _ = writeln!(out, "sessions: {}", summary.by_session.len());
    out
}
