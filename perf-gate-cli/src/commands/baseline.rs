//! `perf-gate baseline save|compare|ratchet`, and the comparison inside `perf-gate gate`.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use anyhow::{Context as _, Result};
use perf_budget::Budgets;
use perf_budget::baseline::{
    self, Baseline, BuildConfig, CompareConfig, Comparison, Fingerprint, GroupSample, Metric,
    RatchetConfig, Verdict,
};
use perf_record::GroupKey;
use serde::Serialize;

use super::evaluate::read_groups;
use super::{Context, print_stdout};
use crate::cli::{
    BaselineCompareArgs, BaselineRatchetArgs, BaselineSaveArgs, ComparisonArgs, ReportFormat,
};
use crate::output::write_atomically;

/// Version of the comparison JSON (`comparison.json`, `baseline compare --format json`).
pub const COMPARISON_SCHEMA_VERSION: u32 = 1;

/// The environment of this run, as baselines record it.
fn current_fingerprint() -> Fingerprint {
    Fingerprint::current(env!("CARGO_PKG_VERSION"))
}

/// `perf-gate baseline save`.
pub fn save(args: &BaselineSaveArgs, context: Context) -> Result<u8> {
    let groups = read_groups(&args.inputs, &args.filter, vec![args.out.clone()], context)?;
    // No creation time: the same logs always give the same file, which keeps diffs reviewable.
    let config = BuildConfig {
        fingerprint: current_fingerprint(),
        ..BuildConfig::default()
    };
    let built = baseline::build(&groups.for_baseline(), &config)?;
    write_atomically(&args.out, built.to_json().as_bytes())?;
    print_stdout(&format!(
        "wrote baseline {} with {} groups ({})\n",
        args.out,
        built.groups().len(),
        built.content_hash()
    ))?;
    Ok(0)
}

/// The comparison settings of the command line, with each budget entry's `regression` rule as a
/// per-group tolerance.
pub fn compare_config(args: &ComparisonArgs, budgets: Option<&Budgets>) -> Result<CompareConfig> {
    let mut config = CompareConfig {
        metric: Metric::parse(&args.metric)?,
        tolerance: args.tolerance,
        alpha: args.alpha,
        ..CompareConfig::default()
    };
    if let Some(budgets) = budgets {
        config.min_samples = budgets.defaults().min_samples;
        let mut overrides = BTreeMap::new();
        for entry in budgets.entries() {
            if let (Some(tool), Some(step), Some(rule)) =
                (entry.tool.exact(), entry.step.exact(), entry.regression)
            {
                let key = GroupKey {
                    tool: tool.to_owned(),
                    step: step.to_owned(),
                };
                overrides.insert(key, rule.max_increase());
            }
        }
        config.tolerance_overrides = overrides;
    }
    Ok(config)
}

/// Compares the current groups with a loaded baseline.
pub fn compare_with_baseline(
    loaded: &Baseline,
    budgets: &Budgets,
    current: &[GroupSample],
    args: &ComparisonArgs,
) -> Result<Comparison> {
    let config = compare_config(args, Some(budgets))?;
    Ok(baseline::compare(
        loaded,
        current,
        &current_fingerprint(),
        &config,
    )?)
}

/// `perf-gate baseline compare`.
pub fn compare(args: &BaselineCompareArgs, context: Context) -> Result<u8> {
    let loaded = baseline::load(args.baseline.as_std_path())?;
    let groups = read_groups(&args.inputs, &args.filter, Vec::new(), context)?;
    let config = compare_config(&args.comparison, None)?;
    let comparison = baseline::compare(
        &loaded,
        &groups.for_baseline(),
        &current_fingerprint(),
        &config,
    )?;
    print_stdout(&render_comparison(&comparison, args.format)?)?;
    Ok(if comparison.has_regression() { 3 } else { 0 })
}

/// `perf-gate baseline ratchet`.
pub fn ratchet(args: &BaselineRatchetArgs, _context: Context) -> Result<u8> {
    let loaded = baseline::load(args.baseline.as_std_path())?;
    let budget_text = std::fs::read_to_string(&args.budgets)
        .with_context(|| format!("cannot read budget file {}", args.budgets))?;
    let config = RatchetConfig {
        headroom: args.headroom,
        ..RatchetConfig::default()
    };
    let proposal = baseline::ratchet(&loaded, &budget_text, args.budgets.as_str(), &config)?;
    if proposal.changes.is_empty() {
        print_stdout("no budget can be tightened: every limit is within the headroom\n")?;
        return Ok(0);
    }
    print_stdout(&proposal.diff)?;
    if args.write {
        write_atomically(&args.budgets, proposal.budget_json.as_bytes())?;
        print_stdout(&format!(
            "wrote {} tightened limits to {}\n",
            proposal.changes.len(),
            args.budgets
        ))?;
    }
    Ok(0)
}

#[derive(Serialize)]
struct ComparisonDocument<'a> {
    schema_version: u32,
    comparison: &'a Comparison,
}

/// The comparison in `format`.
///
/// FIXME: these renderers belong in perf-budget's `render` module next to the budget report's;
/// they live here until the report model carries a comparison section.
pub fn render_comparison(comparison: &Comparison, format: ReportFormat) -> Result<String> {
    Ok(match format {
        ReportFormat::Text => comparison_text(comparison),
        ReportFormat::Markdown => comparison_markdown(comparison),
        ReportFormat::Json => {
            let document = ComparisonDocument {
                schema_version: COMPARISON_SCHEMA_VERSION,
                comparison,
            };
            serde_json::to_string_pretty(&document)? + "\n"
        }
        ReportFormat::Github => comparison_annotations(comparison),
        ReportFormat::Junit => String::new(),
    })
}

fn cells(group: &baseline::GroupComparison) -> [String; 6] {
    let ms = |value: Option<f64>| value.map_or_else(|| "-".to_owned(), |v| format!("{v:.2}ms"));
    let change = match (group.relative_change, group.relative_change_interval) {
        (Some(change), Some((low, high))) => {
            format!(
                "{} [{}, {}]",
                signed_percent(change),
                signed_percent(low),
                signed_percent(high)
            )
        }
        (Some(change), None) => signed_percent(change),
        _ => "-".to_owned(),
    };
    let p_value = match group.adjusted_p_value {
        Some(p) if p < 0.0001 => "p<0.0001".to_owned(),
        Some(p) => format!("p={p:.4}"),
        None => "-".to_owned(),
    };
    [
        format!("{}/{}", group.key.tool, group.key.step),
        ms(group.baseline_value_ms),
        ms(group.current_value_ms),
        change,
        p_value,
        group.verdict.label().to_owned(),
    ]
}

/// `+12.3%`, with no `-0.0%` for changes that round to zero.
fn signed_percent(fraction: f64) -> String {
    let text = format!("{:+.1}%", fraction * 100.0);
    if text == "-0.0%" {
        "+0.0%".to_owned()
    } else {
        text
    }
}

fn heading(comparison: &Comparison) -> String {
    format!(
        "Baseline comparison ({}, tolerance {:.1}%, alpha {}): {} regressed, {} improved, {} unchanged, {} not comparable",
        comparison.metric,
        comparison.tolerance * 100.0,
        comparison.alpha,
        comparison.count(Verdict::Regressed),
        comparison.count(Verdict::Improved),
        comparison.count(Verdict::Unchanged),
        comparison.count(Verdict::NotComparable),
    )
}

fn comparison_text(comparison: &Comparison) -> String {
    let mut out = format!("\n{}\n", heading(comparison));
    if let Some(warning) = comparison.environment_warning() {
        let _ = writeln!(out, "warning: {warning}");
    }
    let rows: Vec<[String; 6]> = comparison.groups.iter().map(cells).collect();
    let width = |column: usize| rows.iter().map(|row| row[column].len()).max().unwrap_or(0);
    let widths: Vec<usize> = (0..6).map(width).collect();
    for (row, group) in rows.iter().zip(&comparison.groups) {
        let _ = writeln!(
            out,
            "  {:<w0$}  {:>w1$} -> {:<w2$}  {:<w3$}  {:<w4$}  {}  ({})",
            row[0],
            row[1],
            row[2],
            row[3],
            row[4],
            row[5],
            group.reason,
            w0 = widths[0],
            w1 = widths[1],
            w2 = widths[2],
            w3 = widths[3],
            w4 = widths[4],
        );
    }
    out
}

fn comparison_markdown(comparison: &Comparison) -> String {
    let mut out = format!("\n### {}\n\n", heading(comparison));
    if let Some(warning) = comparison.environment_warning() {
        let _ = writeln!(
            out,
            "> **Warning:** {}\n",
            perf_budget::render::markdown::escape(&warning)
        );
    }
    out.push_str(
        "| Group | Baseline | Current | Change [95% CI] | Adjusted p | Verdict | Reason |\n",
    );
    out.push_str("| --- | ---: | ---: | --- | ---: | --- | --- |\n");
    for group in &comparison.groups {
        let row = cells(group);
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} | {} |",
            perf_budget::render::markdown::escape(&row[0]),
            row[1],
            row[2],
            row[3],
            row[4],
            row[5],
            perf_budget::render::markdown::escape(&group.reason),
        );
    }
    out
}

fn comparison_annotations(comparison: &Comparison) -> String {
    use perf_budget::render::github::{escape_data, escape_property};
    let mut out = String::new();
    if let Some(warning) = comparison.environment_warning() {
        let _ = writeln!(
            out,
            "::warning title=perf-gate baseline::{}",
            escape_data(&warning)
        );
    }
    for group in comparison
        .groups
        .iter()
        .filter(|g| g.verdict == Verdict::Regressed)
    {
        let row = cells(group);
        let title = escape_property(&format!("perf-gate regression: {}", row[0]));
        let message = format!(
            "{} {} -> {} ({}, {}): {}",
            comparison.metric, row[1], row[2], row[3], row[4], group.reason
        );
        let _ = writeln!(out, "::error title={title}::{}", escape_data(&message));
    }
    out
}
