//! `perf-gate baseline save|compare|ratchet`, and the comparison inside `perf-gate gate`.

use anyhow::{Context as _, Result};
use perf_budget::baseline::{
    self, Baseline, BuildConfig, CompareConfig, Comparison, Fingerprint, RatchetConfig,
};
use perf_budget::{
    Budgets, CheckCounts, DEFAULT_MIN_SAMPLES, GroupSample, REPORT_SCHEMA_VERSION, Report,
    ReportSettings, Verdict,
};

use super::evaluate::{read_groups, render_report};
use super::{Context, print_stdout};
use crate::cli::{BaselineCompareArgs, BaselineRatchetArgs, BaselineSaveArgs, ComparisonArgs};
use crate::inputs::Inputs;
use crate::output::write_atomically;

/// The environment of this run, as baselines record it.
fn current_fingerprint() -> Fingerprint {
    Fingerprint::current(env!("CARGO_PKG_VERSION"))
}

/// `perf-gate baseline save`.
pub fn save(args: &BaselineSaveArgs, context: Context) -> Result<u8> {
    let inputs = Inputs::resolve(&args.inputs)?;
    let groups = read_groups(&inputs, &args.filter, vec![args.out.clone()], context)?;
    // No creation time: the same logs always give the same file, which keeps diffs reviewable.
    let config = BuildConfig {
        fingerprint: current_fingerprint(),
        ..BuildConfig::default()
    };
    let built = baseline::build(&groups, &config)?;
    write_atomically(&args.out, built.to_json().as_bytes())?;
    print_stdout(&format!(
        "wrote baseline {} with {} groups ({})\n",
        args.out,
        built.groups().len(),
        built.content_hash()
    ))?;
    Ok(0)
}

/// The comparison settings of the command line.
fn compare_config(args: &ComparisonArgs) -> Result<CompareConfig> {
    Ok(CompareConfig {
        metric: baseline::parse_metric(&args.metric)?,
        tolerance: args.tolerance,
        alpha: args.alpha,
        ..CompareConfig::default()
    })
}

/// Compares the current groups with a loaded baseline, each budget entry's `regression` rule
/// overriding `--tolerance` for the groups it covers.
pub fn compare_with_baseline(
    loaded: &Baseline,
    budgets: &Budgets,
    current: &[GroupSample],
    args: &ComparisonArgs,
) -> Result<Comparison> {
    let config = CompareConfig {
        min_samples: budgets.defaults().min_samples,
        tolerance_overrides: baseline::regression_tolerances(budgets, loaded, current),
        ..compare_config(args)?
    };
    Ok(baseline::compare(
        loaded,
        current,
        &current_fingerprint(),
        &config,
    )?)
}

/// `perf-gate baseline compare`: a report with only the baseline section.
pub fn compare(args: &BaselineCompareArgs, context: Context) -> Result<u8> {
    let loaded = baseline::load(args.baseline.as_std_path())?;
    let inputs = Inputs::resolve(&args.inputs)?;
    let groups = read_groups(&inputs, &args.filter, Vec::new(), context)?;
    let config = compare_config(&args.comparison)?;
    let comparison = baseline::compare(&loaded, &groups, &current_fingerprint(), &config)?;
    let mut report = Report {
        schema_version: REPORT_SCHEMA_VERSION,
        verdict: Verdict::Pass,
        settings: ReportSettings {
            quantile_method: perf_stats::QuantileMethod::default(),
            confidence_level: 0.95,
            default_min_samples: DEFAULT_MIN_SAMPLES,
        },
        counts: CheckCounts::default(),
        checks: Vec::new(),
        lint: Vec::new(),
        warnings: Vec::new(),
        baseline: None,
    };
    baseline::add_to_report(&mut report, comparison);
    print_stdout(&render_report(&report, args.format, context)?)?;
    Ok(report.verdict.exit_code())
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
