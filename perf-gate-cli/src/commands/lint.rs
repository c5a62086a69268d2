//! `perf-gate lint`.

use std::fmt::Write as _;

use anyhow::Result;
use perf_report::ExitCode;
use perf_report::render::text::lint_lines;

use super::{Context, budgets_path, load_budgets, print_stdout, read_groups};
use crate::cli::LintArgs;
use crate::diagnostics::scope;

/// `perf-gate lint`: validates the budget file and, given logs, prints the lint findings.
pub fn run(args: &LintArgs, context: Context) -> Result<u8> {
    let path = budgets_path(args.budgets.as_deref())?;
    let budgets = load_budgets(Some(&path), None)?;
    let mut out = String::new();
    let entries = budgets.entries().len();
    let _ = writeln!(
        out,
        "{}: valid budget file, {entries} entries",
        perf_report::render::escape::ascii(path.as_str())
    );
    if args.inputs.is_empty() {
        print_stdout(&out)?;
        return Ok(ExitCode::PASS);
    }
    let groups = read_groups(
        &args.inputs,
        &args.filter,
        super::DEFAULT_SAMPLE_MEMORY_LIMIT,
        context,
    )?;
    let findings = perf_gate::lint(&budgets, &groups.groups, &scope(&args.filter))?;
    if findings.is_empty() {
        out.push_str("no findings: every entry matched data, every group is budgeted\n");
    } else {
        out.push_str(&lint_lines(&findings));
    }
    print_stdout(&out)?;
    Ok(if findings.is_empty() {
        ExitCode::PASS
    } else {
        ExitCode::LINT_FINDINGS
    })
}
