//! `perf-gate baseline save|compare|ratchet`.

use anyhow::{Context as _, Result};
use perf_gate::RatchetConfig;

use super::{
    Context, DEFAULT_SAMPLE_MEMORY_LIMIT, comparison_settings, print_stdout, read_groups,
    read_groups_except,
};
use crate::cli::{BaselineCompareArgs, BaselineRatchetArgs, BaselineSaveArgs};
use crate::output::{Rendering, annotation_path, render_report, write_file};

/// `perf-gate baseline save`.
pub fn save(args: &BaselineSaveArgs, context: Context) -> Result<u8> {
    // The baseline file itself is not read back when a directory walk finds it.
    let groups = read_groups_except(
        &args.inputs,
        &args.filter,
        vec![args.out.clone()],
        args.memory_limit,
        context,
    )?;
    if groups.groups.is_empty() {
        // A baseline of nothing would make every later comparison "not comparable".
        context.diagnostics.note(&format!(
            "error: no record with a known outcome was read: {} not written",
            args.out
        ));
        return Ok(perf_report::ExitCode::INCONCLUSIVE);
    }
    let method = save_method(args, context)?;
    let built = perf_gate::build_baseline_with(&groups.groups, method)?;
    perf_baseline::save(&args.out, &built)?;
    print_stdout(&format!(
        "wrote baseline {} with {} groups ({})\n",
        args.out,
        built.groups().len(),
        built.content_hash()
    ))?;
    Ok(perf_report::ExitCode::PASS)
}

/// The quantile method of `baseline save`: `--quantile-method`, else the budget file's
/// `defaults.quantile_method` (`--budgets` / `PERF_GATE_BUDGETS`), else type 7. A flag that
/// overrides a budget file with another method is noted, since the gate will then read the
/// percentiles from the order statistics instead of the exact stored ones.
fn save_method(args: &BaselineSaveArgs, context: Context) -> Result<perf_stats::QuantileMethod> {
    let from_budgets = match &args.budgets {
        Some(path) => Some(perf_budget::read_budgets(path)?.defaults().quantile_method),
        None => None,
    };
    Ok(match (args.quantile_method, from_budgets) {
        (Some(flag), Some(budgets)) => {
            if flag != budgets {
                context.diagnostics.note(&format!(
                    "note: --quantile-method {flag} differs from the budget file's                      defaults.quantile_method {budgets}: a gate with that file will read this                      baseline's percentiles from its order statistics, not the exact ones"
                ));
            }
            flag
        }
        (Some(method), None) | (None, Some(method)) => method,
        (None, None) => perf_stats::QuantileMethod::default(),
    })
}

/// `perf-gate baseline compare`: a report with only the baseline section.
pub fn compare(args: &BaselineCompareArgs, context: Context) -> Result<u8> {
    let loaded = perf_baseline::load(&args.baseline)?;
    let groups = read_groups(
        &args.inputs,
        &args.filter,
        DEFAULT_SAMPLE_MEMORY_LIMIT,
        context,
    )?;
    let settings = comparison_settings(&args.comparison);
    let report = groups.annotate(perf_gate::compare_only(&loaded, &groups.groups, &settings)?);
    let baseline_file = annotation_path(&args.baseline);
    let rendering = Rendering {
        color: context.color,
        max_bytes: args.markdown.max_bytes,
        files: perf_report::render::github::GithubConfig {
            budget_file: None,
            baseline_file: Some(&baseline_file),
        },
    };
    print_stdout(&render_report(&report, args.format, rendering)?)?;
    Ok(report.verdict().exit_code())
}

/// `perf-gate baseline ratchet`.
pub fn ratchet(args: &BaselineRatchetArgs, _context: Context) -> Result<u8> {
    let loaded = perf_baseline::load(&args.baseline)?;
    let budgets = super::budgets_path(args.budgets.as_deref())?;
    let budget_text = std::fs::read_to_string(&budgets)
        .with_context(|| format!("cannot read budget file {budgets}"))?;
    let config = RatchetConfig {
        headroom: args.headroom,
        ..RatchetConfig::default()
    };
    let proposal = perf_gate::ratchet(&loaded, &budget_text, budgets.as_str(), &config)?;
    if proposal.changes.is_empty() {
        print_stdout("no budget can be tightened: every limit is within the headroom\n")?;
        return Ok(perf_report::ExitCode::PASS);
    }
    print_stdout(&proposal.diff)?;
    if args.write {
        write_file(&budgets, &proposal.budget_json)?;
        print_stdout(&format!(
            "wrote {} tightened limits to {}\n",
            proposal.changes.len(),
            budgets
        ))?;
    }
    Ok(perf_report::ExitCode::PASS)
}
