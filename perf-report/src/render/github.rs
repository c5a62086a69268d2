//! GitHub Actions workflow commands: one annotation per check that needs attention.
//!
//! `::error` for a violation and for insufficient samples or no data of a `severity: fail`
//! entry (they block the gate), `::warning` for `warn` violations, the same for `warn` entries
//! and for lint findings, `::notice` for a marginal pass. Data is escaped with
//! [`escape::workflow_data`](super::escape::workflow_data) and properties with
//! [`escape::workflow_property`](super::escape::workflow_property), GitHub's workflow-command
//! rules.

use std::fmt::Write as _;

use perf_baseline::{ChangeVerdict as Verdict, Comparison};
use perf_budget::{Check, CheckStatus, Severity};

use super::escape::{workflow_data as escape_data, workflow_property as escape_property};
use super::{check_sentence, checks_in_display_order, comparison, lint_sentence, verbatim};
use crate::report::Report;

/// Renders the annotations, one per line; empty when nothing needs attention.
pub fn render(report: &Report) -> String {
    let mut out = String::new();
    for check in checks_in_display_order(report) {
        if let Some(level) = level(check) {
            let title = format!(
                "perf-gate {}: {} {}",
                status_word(check.status),
                check.group,
                check.metric
            );
            let _ = writeln!(
                out,
                "::{level} title={}::{}",
                escape_property(&title),
                escape_data(&check_sentence(check))
            );
        }
    }
    for finding in report.lint() {
        let _ = writeln!(
            out,
            "::warning title=perf-gate lint::{}",
            escape_data(&lint_sentence(finding, &verbatim))
        );
    }
    for warning in report.warnings() {
        let _ = writeln!(
            out,
            "::warning title={}::{}",
            escape_property(&format!("perf-gate {}", warning.code)),
            escape_data(&warning.message)
        );
    }
    if let Some(comparison) = report.baseline() {
        out.push_str(&baseline_lines(comparison));
    }
    out
}

fn level(check: &Check) -> Option<&'static str> {
    match (check.status, check.severity) {
        (CheckStatus::Fail, _) => Some("error"),
        (CheckStatus::InsufficientSamples | CheckStatus::NoData, Severity::Fail) => Some("error"),
        (
            CheckStatus::Warn | CheckStatus::InsufficientSamples | CheckStatus::NoData,
            Severity::Warn,
        ) => Some("warning"),
        (CheckStatus::Warn, Severity::Fail) => Some("warning"),
        (CheckStatus::Pass, _) if check.marginal => Some("notice"),
        (CheckStatus::Pass, _) => None,
    }
}

fn status_word(status: CheckStatus) -> &'static str {
    match status {
        CheckStatus::Fail => "budget exceeded",
        CheckStatus::Warn => "budget exceeded (warning)",
        CheckStatus::InsufficientSamples => "insufficient samples",
        CheckStatus::NoData => "no data",
        CheckStatus::Pass => "marginal pass",
    }
}

/// One `::error` per regression, a `::notice` per improvement and a `::warning` for a different
/// environment.
fn baseline_lines(comparison: &Comparison) -> String {
    let mut out = String::new();
    if let Some(warning) = comparison::environment_warning(comparison) {
        let _ = writeln!(
            out,
            "::warning title=perf-gate baseline environment::{}",
            escape_data(&warning)
        );
    }
    for group in comparison::groups_in_display_order(comparison) {
        let level = match group.verdict {
            Verdict::Regressed => "error",
            Verdict::Improved => "notice",
            Verdict::Unchanged | Verdict::NotComparable => continue,
        };
        let title = format!(
            "perf-gate {}: {}",
            comparison::verdict_label(group.verdict),
            comparison::group_label(group)
        );
        let message = format!(
            "{}: {} -> {} ({}, interval {}, adjusted p {})",
            comparison::reason_sentence(comparison, group),
            comparison::milliseconds(group.baseline_value_ms),
            comparison::milliseconds(group.current_value_ms),
            comparison::change_text(group),
            comparison::interval_text(group),
            comparison::p_text(group)
        );
        let _ = writeln!(
            out,
            "::{level} title={}::{}",
            escape_property(&title),
            escape_data(&message)
        );
    }
    out
}
