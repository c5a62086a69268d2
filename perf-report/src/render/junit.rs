//! JUnit XML for CI test views (GitLab, Jenkins): a testsuite per tool, a testcase per check.
//!
//! - a violation (`fail`) is a `<failure>` carrying the difference;
//! - insufficient samples or no data is an `<error>` for a `severity: fail` entry (the gate is
//!   inconclusive) and `<skipped>` for a `severity: warn` entry;
//! - a `warn` violation passes, with the warning in `<system-out>`.
//!
//! Every string is XML-escaped with [`escape::xml`](super::escape::xml), including characters
//! that XML 1.0 forbids.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use perf_baseline::{ChangeVerdict as Verdict, Comparison};
use perf_budget::{Check, CheckStatus, Severity};

use super::escape::xml as escape;
use super::{check_sentence, comparison, detail_text};
use crate::report::Report;

#[derive(Debug, Default)]
struct SuiteCounts {
    tests: usize,
    failures: usize,
    errors: usize,
    skipped: usize,
}

enum CaseKind {
    Passed,
    PassedWithWarning,
    Failure,
    Error,
    Skipped,
}

fn case_kind(check: &Check) -> CaseKind {
    match (check.status, check.severity) {
        (CheckStatus::Pass, _) => CaseKind::Passed,
        (CheckStatus::Warn, _) => CaseKind::PassedWithWarning,
        (CheckStatus::Fail, _) => CaseKind::Failure,
        (CheckStatus::InsufficientSamples | CheckStatus::NoData, Severity::Fail) => CaseKind::Error,
        (CheckStatus::InsufficientSamples | CheckStatus::NoData, Severity::Warn) => {
            CaseKind::Skipped
        }
    }
}

fn count(checks: &[&Check]) -> SuiteCounts {
    let mut counts = SuiteCounts {
        tests: checks.len(),
        ..SuiteCounts::default()
    };
    for check in checks {
        match case_kind(check) {
            CaseKind::Failure => counts.failures += 1,
            CaseKind::Error => counts.errors += 1,
            CaseKind::Skipped => counts.skipped += 1,
            CaseKind::Passed | CaseKind::PassedWithWarning => {}
        }
    }
    counts
}

/// Renders the checks as a JUnit XML document ending in a newline.
pub fn render(report: &Report) -> String {
    let mut suites: BTreeMap<&str, Vec<&Check>> = BTreeMap::new();
    for check in report.checks() {
        suites
            .entry(check.group.tool.as_str())
            .or_default()
            .push(check);
    }
    let all: Vec<&Check> = report.checks().iter().collect();
    let mut total = count(&all);
    let (baseline_tests, baseline_failures, baseline_skipped) =
        report.baseline().map_or((0, 0, 0), baseline_counts);
    total.tests += baseline_tests;
    total.failures += baseline_failures;
    total.skipped += baseline_skipped;
    let (history_tests, history_failures) = report.history().map_or((0, 0), history_counts);
    total.tests += history_tests;
    total.failures += history_failures;
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        out,
        "<testsuites name=\"perf-gate\" tests=\"{}\" failures=\"{}\" errors=\"{}\" skipped=\"{}\">",
        total.tests, total.failures, total.errors, total.skipped
    );
    for (tool, checks) in &suites {
        out.push_str(&suite(tool, checks));
    }
    if let Some(comparison) = report.baseline() {
        out.push_str(&baseline_suite(comparison));
    }
    if let Some(section) = report.history() {
        out.push_str(&history_suite(section));
    }
    out.push_str("</testsuites>\n");
    out
}

fn suite(tool: &str, checks: &[&Check]) -> String {
    let counts = count(checks);
    let mut out = format!(
        "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"{}\" skipped=\"{}\">\n",
        escape(tool),
        counts.tests,
        counts.failures,
        counts.errors,
        counts.skipped
    );
    for check in checks {
        let name = escape(&format!("{} {}", check.group.step, check.metric));
        let _ = write!(
            out,
            "    <testcase classname=\"{}\" name=\"{name}\"",
            escape(tool)
        );
        let sentence = escape(&check_sentence(check));
        let detail = escape(&detail_text(check));
        match case_kind(check) {
            CaseKind::Passed => out.push_str("/>\n"),
            CaseKind::PassedWithWarning => {
                let _ = write!(
                    out,
                    ">\n      <system-out>warning: {sentence}</system-out>\n    </testcase>\n"
                );
            }
            CaseKind::Failure => {
                let _ = write!(
                    out,
                    ">\n      <failure type=\"budget_violation\" message=\"{detail}\">{sentence}</failure>\n    </testcase>\n"
                );
            }
            CaseKind::Error => {
                let _ = write!(
                    out,
                    ">\n      <error type=\"{}\" message=\"{detail}\">{sentence}</error>\n    </testcase>\n",
                    status_type(check.status)
                );
            }
            CaseKind::Skipped => {
                let _ = write!(
                    out,
                    ">\n      <skipped message=\"{detail}\"/>\n    </testcase>\n"
                );
            }
        }
    }
    out.push_str("  </testsuite>\n");
    out
}

fn status_type(status: CheckStatus) -> &'static str {
    match status {
        CheckStatus::NoData => "no_data",
        _ => "insufficient_samples",
    }
}

/// `(tests, failures, skipped)` of the JUnit `baseline` suite, for the document's totals.
fn baseline_counts(comparison: &Comparison) -> (usize, usize, usize) {
    (
        comparison.groups.len(),
        comparison.count(Verdict::Regressed),
        comparison.count(Verdict::NotComparable),
    )
}

/// A `perf-gate baseline` test suite with one test case per group: a regression is a failure,
/// a group that could not be compared is skipped.
fn baseline_suite(comparison: &Comparison) -> String {
    let (tests, failures, skipped) = baseline_counts(comparison);
    let mut out = format!(
        "  <testsuite name=\"perf-gate baseline\" tests=\"{tests}\" failures=\"{failures}\" errors=\"0\" skipped=\"{skipped}\">\n"
    );
    if let Some(warning) = comparison::environment_warning(comparison) {
        let _ = writeln!(out, "    <system-out>{}</system-out>", escape(&warning));
    }
    for group in &comparison.groups {
        let name = format!(
            "{} {}",
            comparison::group_label(group),
            comparison::settings_sentence(comparison)
        );
        let _ = write!(
            out,
            "    <testcase classname=\"baseline.{}\" name=\"{}\"",
            escape(&group.key.tool),
            escape(&name)
        );
        let reason = escape(&comparison::reason_sentence(comparison, group));
        match group.verdict {
            Verdict::Regressed => {
                let detail = format!(
                    "{} -> {} ({}, 95% CI {}, adjusted p {})",
                    comparison::milliseconds(group.baseline_value_ms),
                    comparison::milliseconds(group.current_value_ms),
                    comparison::change_text(group),
                    comparison::interval_text(group),
                    comparison::p_text(group)
                );
                let _ = writeln!(
                    out,
                    ">\n      <failure type=\"regressed\" message=\"{reason}\">{}</failure>\n    </testcase>",
                    escape(&detail)
                );
            }
            Verdict::NotComparable => {
                let _ = writeln!(
                    out,
                    ">\n      <skipped message=\"{reason}\"/>\n    </testcase>"
                );
            }
            Verdict::Improved | Verdict::Unchanged => {
                let _ = writeln!(out, "/>");
            }
        }
    }
    out.push_str("  </testsuite>\n");
    out
}

/// `(tests, failures)` of the JUnit `history` suite: one test per group and rule.
fn history_counts(section: &perf_history::HistorySection) -> (usize, usize) {
    let verdicts = || section.groups.iter().flat_map(|group| &group.rules);
    let failures = verdicts()
        .filter(|verdict| verdict.status == perf_history::HistoryStatus::Fail)
        .count();
    (verdicts().count(), failures)
}

/// A `perf-gate history` test suite: one test case per group and rule; a failed rule is a
/// failure, anything else passes with its sentence in `system-out`.
fn history_suite(section: &perf_history::HistorySection) -> String {
    use super::history as phrase;
    let (tests, failures) = history_counts(section);
    let mut out = format!(
        "  <testsuite name=\"perf-gate history\" tests=\"{tests}\" failures=\"{failures}\" errors=\"0\" skipped=\"0\">\n"
    );
    for group in &section.groups {
        for verdict in &group.rules {
            let sentence = escape(&phrase::rule_sentence(section, verdict));
            let _ = write!(
                out,
                "    <testcase classname=\"history.{}\" name=\"{} {} {}\"",
                escape(&group.group.tool),
                escape(&group.group.to_string()),
                verdict.rule.as_str(),
                escape(&verdict.metric)
            );
            if verdict.status == perf_history::HistoryStatus::Fail {
                let _ = writeln!(
                    out,
                    ">\n      <failure type=\"{}\" message=\"{sentence}\">{}</failure>\n    </testcase>",
                    verdict.rule.as_str(),
                    escape(&phrase::series_line(group))
                );
            } else {
                let _ = writeln!(
                    out,
                    ">\n      <system-out>{sentence}</system-out>\n    </testcase>"
                );
            }
        }
    }
    out.push_str("  </testsuite>\n");
    out
}
