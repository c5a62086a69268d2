//! `perf-gate evaluate` and `perf-gate gate`.

use anyhow::{Context as _, Result};
use camino::{Utf8Path, Utf8PathBuf};
use perf_budget::baseline::{self, Comparison};
use perf_budget::render::{self, markdown::MarkdownConfig, text::TextConfig};
use perf_budget::{Budgets, EvaluateConfig, GroupSample, Report, Verdict};
use perf_collect::{GroupBy, GroupName};

use super::{Context, baseline::compare_with_baseline, print_stdout};
use crate::cli::{EvaluateArgs, FilterArgs, GateArgs, ReportFormat};
use crate::inputs::{Inputs, collect_config};
use crate::output::{GithubActions, write_atomically};

/// The groups of the logs under `roots`, read in one streaming pass.
pub struct Groups {
    /// Per-(tool, step) samples, in key order.
    pub samples: Vec<GroupSample>,
}

impl Groups {
    /// The same data in the shape the baseline module takes.
    pub fn for_baseline(&self) -> Vec<baseline::GroupSample> {
        self.samples
            .iter()
            .map(|sample| baseline::GroupSample {
                key: sample.key.clone(),
                counts: sample.counts,
                latencies_ms: sample.latencies.clone(),
            })
            .collect()
    }
}

/// Reads every (tool, step) group of the inputs, printing the accounting on stderr.
pub fn read_groups(
    paths: &[Utf8PathBuf],
    filter: &FilterArgs,
    exclude: Vec<Utf8PathBuf>,
    context: Context,
) -> Result<Groups> {
    let inputs = Inputs::resolve(paths)?;
    let mut config = collect_config(filter, exclude)?;
    config.scan.progress = context.diagnostics.progress();
    let aggregation = perf_collect::aggregate(&inputs.roots, &config, GroupBy::ToolStep)
        .map_err(|error| anyhow::anyhow!(inputs.display(&error.to_string())))?;
    context
        .diagnostics
        .scan_report(&aggregation.report, &inputs);
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
    Ok(Groups { samples })
}

/// Reads a budget file; `--min-samples` replaces every `min_samples` in it.
pub fn load_budgets(path: &Utf8Path, min_samples: Option<u64>) -> Result<Budgets> {
    let budgets = perf_budget::read_budgets(path.as_std_path())?;
    let Some(min_samples) = min_samples else {
        return Ok(budgets);
    };
    // The file is valid; rewrite its min_samples and parse it again. (perf-budget has no
    // override setting.)
    let text = std::fs::read_to_string(path).with_context(|| format!("cannot read {path}"))?;
    let mut value: serde_json::Value = serde_json::from_str(&text)?;
    if let Some(file) = value.as_object_mut() {
        file.entry("defaults")
            .or_insert_with(|| serde_json::json!({}))
            .as_object_mut()
            .map(|defaults| defaults.insert("min_samples".to_owned(), min_samples.into()));
        for (tool, steps) in file.iter_mut() {
            if tool == "defaults" {
                continue;
            }
            for entry in steps
                .as_object_mut()
                .into_iter()
                .flat_map(|steps| steps.values_mut())
            {
                if let Some(entry) = entry
                    .as_object_mut()
                    .filter(|e| e.contains_key("min_samples"))
                {
                    entry.insert("min_samples".to_owned(), min_samples.into());
                }
            }
        }
    }
    perf_budget::parse_budgets(&value.to_string())
        .with_context(|| format!("budget file {path} with --min-samples {min_samples}"))
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
    let groups = read_groups(&args.inputs, &args.filter, Vec::new(), context)?;
    let report = perf_budget::evaluate(&budgets, &groups.samples, &EvaluateConfig::default())?;
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
    let baseline_file = args
        .baseline
        .as_ref()
        .map(|path| baseline::load(path.as_std_path()).map(|loaded| (path, loaded)))
        .transpose()?;
    let latest = args.out_dir.join("latest.jsonl");
    let exclude = vec![latest.clone()];
    let groups = read_groups(&args.roots, &args.filter, exclude.clone(), context)?;
    let report = perf_budget::evaluate(&budgets, &groups.samples, &EvaluateConfig::default())?;
    let comparison = baseline_file
        .as_ref()
        .map(|(_, loaded)| {
            compare_with_baseline(loaded, &budgets, &groups.for_baseline(), &args.comparison)
        })
        .transpose()?;

    if args.write_latest {
        write_latest(args, exclude, &latest, context)?;
    }
    write_artifacts(&args.out_dir, &report, comparison.as_ref(), context)?;

    let mut stdout = render_report(&report, args.format, context)?;
    if let Some(comparison) = &comparison {
        stdout.push_str(&super::baseline::render_comparison(
            comparison,
            args.format,
        )?);
    }
    print_stdout(&stdout)?;

    if let Some(github) = GithubActions::detect() {
        let mut markdown = render_report(&report, ReportFormat::Markdown, context)?;
        if let Some(comparison) = &comparison {
            markdown.push_str(&super::baseline::render_comparison(
                comparison,
                ReportFormat::Markdown,
            )?);
        }
        github.append_step_summary(&markdown)?;
        if args.format != ReportFormat::Github {
            let mut annotations = render::github::render(&report);
            if let Some(comparison) = &comparison {
                annotations.push_str(&super::baseline::render_comparison(
                    comparison,
                    ReportFormat::Github,
                )?);
            }
            print_stdout(&annotations)?;
        }
    }
    context
        .diagnostics
        .note(&format!("artifacts written to {}", args.out_dir));
    Ok(exit_code(&report, comparison.as_ref()))
}

/// The gate's exit code: the worse of the budget verdict and the baseline comparison.
pub fn exit_code(report: &Report, comparison: Option<&Comparison>) -> u8 {
    let regressed = comparison.is_some_and(Comparison::has_regression);
    let verdict = if regressed {
        report.verdict.worst(Verdict::Fail)
    } else {
        report.verdict
    };
    verdict.exit_code()
}

fn write_latest(
    args: &GateArgs,
    exclude: Vec<Utf8PathBuf>,
    latest: &Utf8Path,
    context: Context,
) -> Result<()> {
    let inputs = Inputs::resolve(&args.roots)?;
    let mut config = collect_config(&args.filter, exclude)?;
    config.scan.progress = context.diagnostics.progress();
    let collection = perf_collect::collect(&inputs.roots, &config)
        .map_err(|error| anyhow::anyhow!(inputs.display(&error.to_string())))?;
    collection.write_jsonl(latest)?;
    Ok(())
}

/// `report.json`, `report.md`, `junit.xml` (and `comparison.json` with a baseline), each
/// written atomically.
fn write_artifacts(
    out_dir: &Utf8Path,
    report: &Report,
    comparison: Option<&Comparison>,
    context: Context,
) -> Result<()> {
    let no_color = Context {
        color: false,
        ..context
    };
    let mut markdown = render_report(report, ReportFormat::Markdown, no_color)?;
    if let Some(comparison) = comparison {
        markdown.push_str(&super::baseline::render_comparison(
            comparison,
            ReportFormat::Markdown,
        )?);
    }
    write_atomically(
        &out_dir.join("report.json"),
        render_report(report, ReportFormat::Json, no_color)?.as_bytes(),
    )?;
    write_atomically(&out_dir.join("report.md"), markdown.as_bytes())?;
    write_atomically(
        &out_dir.join("junit.xml"),
        render_report(report, ReportFormat::Junit, no_color)?.as_bytes(),
    )?;
    if let Some(comparison) = comparison {
        write_atomically(
            &out_dir.join("comparison.json"),
            super::baseline::render_comparison(comparison, ReportFormat::Json)?.as_bytes(),
        )?;
    }
    Ok(())
}
