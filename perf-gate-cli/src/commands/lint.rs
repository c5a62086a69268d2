//! `perf-gate lint`.

use std::fmt::Write as _;

use anyhow::Result;
use perf_budget::EvaluateConfig;
use perf_budget::render::text::lint_section;

use super::evaluate::{load_budgets, read_groups};
use super::{Context, print_stdout};
use crate::cli::LintArgs;
use crate::inputs::Inputs;

/// Exit code when the budget file is valid but lint found something to fix.
const EXIT_FINDINGS: u8 = 2;

/// `perf-gate lint`: validates the budget file and, given logs, prints the lint findings.
pub fn run(args: &LintArgs, context: Context) -> Result<u8> {
    let budgets = load_budgets(&args.budgets, None)?;
    let mut out = String::new();
    let entries = budgets.entries().len();
    let _ = writeln!(
        out,
        "{}: valid budget file, {entries} entries",
        args.budgets
    );
    if args.inputs.is_empty() {
        print_stdout(&out)?;
        return Ok(0);
    }
    let inputs = Inputs::resolve(&args.inputs)?;
    let groups = read_groups(&inputs, &args.filter, Vec::new(), context)?;
    let mut report = perf_budget::evaluate(&budgets, &groups, &EvaluateConfig::default())?;
    crate::inputs::restrict_report(&mut report, &args.filter)?;
    if report.lint.is_empty() {
        out.push_str("no findings: every entry matched data, every group is budgeted\n");
    } else {
        out.push_str(&lint_section(&report));
    }
    print_stdout(&out)?;
    Ok(if report.lint.is_empty() {
        0
    } else {
        EXIT_FINDINGS
    })
}
