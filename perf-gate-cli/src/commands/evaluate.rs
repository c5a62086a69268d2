//! `perf-gate evaluate` and `perf-gate gate`.

use anyhow::Result;
use camino::{Utf8Path, Utf8PathBuf};
use perf_budget::baseline;
use perf_budget::render::{self, markdown::MarkdownConfig, text::TextConfig};
use perf_budget::{Budgets, EvaluateConfig, GroupSample, Report};
use perf_collect::{GroupBy, GroupName};

use super::{Context, baseline::compare_with_baseline, print_stdout};
use crate::cli::{EvaluateArgs, FilterArgs, GateArgs, ReportFormat};
use crate::inputs::{Inputs, collect_config};
use crate::output::{GithubActions, write_atomically};

/// Reads every (tool, step) group of the inputs in one streaming pass, in key order, printing
/// the accounting on stderr.
pub fn read_groups(
    inputs: &Inputs,
    filter: &FilterArgs,
    exclude: Vec<Utf8PathBuf>,
    context: Context,
) -> Result<Vec<GroupSample>> {
    let mut config = collect_config(filter, exclude)?;
    config.scan.progress = context.diagnostics.progress();
    let aggregation = perf_collect::aggregate(&inputs.roots, &config, GroupBy::ToolStep)
        .map_err(|error| anyhow::anyhow!(inputs.display(&error.to_string())))?;
    context.diagnostics.scan_report(&aggregation.report, inputs);
    let samples = aggregation
        .groups
        .into_iter()
        .filter_map(|(name, samples)| match name {
            GroupName::ToolStep(key) => Some(GroupSample {
                key,
                counts: samples.outcomes,
                latencies: samples.latencies_ms,
            }),
            GroupName::Tool(_) | GroupName::Session(_) => None,
        })
        .collect();
    Ok(samples)
}

/// Reads a budget file; `--min-samples` replaces every `min_samples` in it.
pub fn load_budgets(path: &Utf8Path, min_samples: Option<u64>) -> Result<Budgets> {
    let budgets = perf_budget::read_budgets(path.as_std_path())?;
    Ok(match min_samples {
        Some(min_samples) => budgets.with_min_samples(min_samples),
        None => budgets,
    })
}

/// A report rendered in `format`.
pub fn render_report(report: &Report, format: ReportFormat, context: Context) -> Result<String> {
    Ok(match format {
        ReportFormat::Text => render::text::render(
            report,
            &TextConfig {
                color: context.color,
            },
        ),
        ReportFormat::Json => render::json::render(report)?,
        ReportFormat::Markdown => render::markdown::render(report, &MarkdownConfig::default()),
        ReportFormat::Junit => render::junit::render(report),
        ReportFormat::Github => render::github::render(report),
    })
}

/// `perf-gate evaluate`.
pub fn run_evaluate(args: &EvaluateArgs, context: Context) -> Result<u8> {
    let budgets = load_budgets(&args.budgets, args.min_samples)?;
    let inputs = Inputs::resolve(&args.inputs)?;
    let groups = read_groups(&inputs, &args.filter, Vec::new(), context)?;
    let mut report = perf_budget::evaluate(&budgets, &groups, &EvaluateConfig::default())?;
    crate::inputs::restrict_report(&mut report, &args.filter)?;
    for (path, format) in [
        (&args.files.json, ReportFormat::Json),
        (&args.files.markdown, ReportFormat::Markdown),
        (&args.files.junit, ReportFormat::Junit),
    ] {
        if let Some(path) = path {
            write_atomically(path, render_report(&report, format, context)?.as_bytes())?;
        }
    }
    print_stdout(&render_report(&report, args.format, context)?)?;
    Ok(report.verdict.exit_code())
}

/// `perf-gate gate`.
pub fn run_gate(args: &GateArgs, context: Context) -> Result<u8> {
    let budgets = load_budgets(&args.budgets, args.min_samples)?;
    // Load the baseline before reading logs: a bad baseline file is a configuration error that
    // should not wait for a long collection.
    let loaded_baseline = args
        .baseline
        .as_ref()
        .map(|path| baseline::load(path.as_std_path()))
        .transpose()?;
    let latest = args.out_dir.join("latest.jsonl");
    let exclude = vec![latest.clone()];
    // Resolved once: stdin can be read only once, and `--write-latest` reads the inputs again.
    let inputs = Inputs::resolve(&args.roots)?;
    let groups = read_groups(&inputs, &args.filter, exclude.clone(), context)?;
    let mut report = perf_budget::evaluate(&budgets, &groups, &EvaluateConfig::default())?;
    if let Some(loaded) = &loaded_baseline {
        let comparison = compare_with_baseline(loaded, &budgets, &groups, &args.comparison)?;
        baseline::add_to_report(&mut report, comparison);
    }
    crate::inputs::restrict_report(&mut report, &args.filter)?;

    if args.write_latest {
        write_latest(args, &inputs, exclude, &latest, context)?;
    }
    write_artifacts(&args.out_dir, &report, context)?;
    print_stdout(&render_report(&report, args.format, context)?)?;

    if let Some(github) = GithubActions::detect() {
        github.append_step_summary(&render_report(&report, ReportFormat::Markdown, context)?)?;
        let annotations = render::github::render(&report);
        match args.format {
            ReportFormat::Github => {}
            // Beside a human report on stdout; the runner reads workflow commands there.
            ReportFormat::Text => print_stdout(&annotations)?,
            // Never mixed into a machine format: the runner reads stderr too.
            ReportFormat::Json | ReportFormat::Markdown | ReportFormat::Junit => {
                use std::io::Write as _;
                let _ = std::io::stderr().lock().write_all(annotations.as_bytes());
            }
        }
    }
    context
        .diagnostics
        .note(&format!("artifacts written to {}", args.out_dir));
    Ok(report.verdict.exit_code())
}

fn write_latest(
    args: &GateArgs,
    inputs: &Inputs,
    exclude: Vec<Utf8PathBuf>,
    latest: &Utf8Path,
    context: Context,
) -> Result<()> {
    let mut config = collect_config(&args.filter, exclude)?;
    config.scan.progress = context.diagnostics.progress();
    let collection = perf_collect::collect(&inputs.roots, &config)
        .map_err(|error| anyhow::anyhow!(inputs.display(&error.to_string())))?;
    collection.write_jsonl(latest)?;
    Ok(())
}

/// `report.json`, `report.md` and `junit.xml`, each written atomically.
fn write_artifacts(out_dir: &Utf8Path, report: &Report, context: Context) -> Result<()> {
    let no_color = Context {
        color: false,
        ..context
    };
    for (name, format) in [
        ("report.json", ReportFormat::Json),
        ("report.md", ReportFormat::Markdown),
        ("junit.xml", ReportFormat::Junit),
    ] {
        write_atomically(
            &out_dir.join(name),
            render_report(report, format, no_color)?.as_bytes(),
        )?;
    }
    Ok(())
}
