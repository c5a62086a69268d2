//! JUnit XML for CI test views (GitLab, Jenkins), valid against Jenkins' `junit-10.xsd`.
//!
//! A `<testsuite>` per tool with a `<testcase>` per check, a `perf-gate baseline` suite with a
//! test case per compared group and measure, and a `perf-gate history` suite with one per group
//! and rule. Every test case is written by one case writer, `write_case`:
//!
//! - test case names are stable across runs and baselines, so a CI's test history follows a
//!   check from build to build: `classname` is the tool (`baseline.TOOL` in the baseline suite)
//!   and `name` is `STEP METRIC` (`get_cart p95`). The settings that change from run to run
//!   (quantile method, confidence level, the baseline's hash, tolerance, alpha) are the suites'
//!   `<properties>`;
//! - every test case has a `time`: the observed duration in seconds (the current value for a
//!   baseline group), so a CI that charts test durations charts the metric; `0` for an error
//!   rate, a measure, a history rule or when nothing was observed;
//! - a violation (`fail`) is a `<failure>` whose message names the metric, the observed value
//!   and the limit (`p95 18.30 ms > 10.00 ms budget (+8.30 ms, +83.0%)`); a regression's names
//!   the current value and its limit, the baseline value plus the tolerance;
//! - insufficient samples or no data is an `<error>` for a `severity: fail` entry (the gate is
//!   inconclusive) and `<skipped>` for a `severity: warn` entry; a group that could not be
//!   compared is `<skipped>`;
//! - a `warn` violation passes, with the warning in `<system-out>`.
//!
//! Every string is XML-escaped with [`escape::xml`](super::escape::xml), including characters
//! that XML 1.0 forbids.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use perf_baseline::{ChangeVerdict as Verdict, Comparison, GroupComparison};
use perf_budget::{Check, CheckStatus, Severity, Unit};

use super::duration::Symbols;
use super::escape::xml as escape;
use super::{
    Style, ValueUnit, check_sentence, comparison, comparison_text, detail_text, fixed, format_value,
};
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
        (
            CheckStatus::InsufficientSamples | CheckStatus::LowConfidence | CheckStatus::NoData,
            Severity::Fail,
        ) => CaseKind::Error,
        (
            CheckStatus::InsufficientSamples | CheckStatus::LowConfidence | CheckStatus::NoData,
            Severity::Warn,
        ) => CaseKind::Skipped,
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

/// A JUnit `time`: seconds with microsecond resolution, never negative, never an exponent
/// (the schema's `SUREFIRE_TIME` pattern).
fn seconds(milliseconds: Option<f64>) -> String {
    match milliseconds {
        Some(ms) if ms.is_finite() && ms > 0.0 => format!("{:.6}", ms / 1000.0),
        _ => "0".to_owned(),
    }
}

/// What a `<testcase>` holds besides its name: nothing (passed), a `<system-out>` line (passed
/// with a note), or a `<failure>`, `<error>` or `<skipped>` element. Texts are unescaped; the
/// case writer escapes them.
enum CaseBody<'a> {
    Passed,
    Output(String),
    /// A `<failure>` (the check failed) or an `<error>` (it could not be judged).
    Problem {
        element: Problem,
        kind: &'a str,
        message: String,
        text: String,
    },
    Skipped {
        message: String,
    },
}

#[derive(Clone, Copy)]
enum Problem {
    Failure,
    Error,
}

impl Problem {
    fn element(self) -> &'static str {
        match self {
            Problem::Failure => "failure",
            Problem::Error => "error",
        }
    }
}

/// Writes one `<testcase>` element (the one place that spells its XML): `classname`, `name` and
/// every text are escaped here.
fn write_case(out: &mut String, classname: &str, name: &str, time: &str, body: CaseBody<'_>) {
    let _ = write!(
        out,
        "    <testcase classname=\"{}\" name=\"{}\" time=\"{time}\"",
        escape(classname),
        escape(name)
    );
    match body {
        CaseBody::Passed => out.push_str("/>\n"),
        CaseBody::Output(text) => {
            let _ = write!(
                out,
                ">\n      <system-out>{}</system-out>\n    </testcase>\n",
                escape(&text)
            );
        }
        CaseBody::Problem {
            element,
            kind,
            message,
            text,
        } => {
            let element = element.element();
            let _ = write!(
                out,
                ">\n      <{element} type=\"{kind}\" message=\"{}\">{}</{element}>\n    </testcase>\n",
                escape(&message),
                escape(&text)
            );
        }
        CaseBody::Skipped { message } => {
            let _ = write!(
                out,
                ">\n      <skipped message=\"{}\"/>\n    </testcase>\n",
                escape(&message)
            );
        }
    }
}

/// Renders the checks and the baseline comparison as a JUnit XML document ending in a newline.
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
    let (baseline_tests, baseline_failures) = report.baseline().map_or((0, 0), |comparison| {
        let measures = comparison
            .groups
            .iter()
            .map(|group| group.measures.len())
            .sum::<usize>();
        (
            comparison.groups.len() + measures,
            comparison.count(Verdict::Regressed) + comparison.measure_count(Verdict::Regressed),
        )
    });
    total.tests += baseline_tests;
    total.failures += baseline_failures;
    let (history_tests, history_failures) = report.history().map_or((0, 0), history_counts);
    total.tests += history_tests;
    total.failures += history_failures;
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    // `<testsuites>` carries no `skipped`: junit-10.xsd does not allow it there.
    let _ = writeln!(
        out,
        "<testsuites name=\"perf-gate\" tests=\"{}\" failures=\"{}\" errors=\"{}\">",
        total.tests, total.failures, total.errors
    );
    let properties = settings_properties(report);
    for (tool, checks) in &suites {
        out.push_str(&suite(tool, checks, &properties));
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

/// `<properties>` with one `<property>` per `(name, value)`, indented for a suite.
fn properties_element(properties: &[(&str, String)]) -> String {
    let mut out = String::from("    <properties>\n");
    for (name, value) in properties {
        let _ = writeln!(
            out,
            "      <property name=\"{}\" value=\"{}\"/>",
            escape(name),
            escape(value)
        );
    }
    out.push_str("    </properties>\n");
    out
}

/// The settings every budget suite records.
fn settings_properties(report: &Report) -> String {
    let settings = report.settings();
    properties_element(&[
        ("quantile_method", settings.quantile_method.to_string()),
        (
            "confidence_level",
            fixed(settings.confidence_level * 100.0, 0) + "%",
        ),
        (
            "default_min_samples",
            settings.default_min_samples.to_string(),
        ),
        ("latency_of", settings.latency_of.to_string()),
    ])
}

/// The failure or error message of a check: metric, observed value and limit.
fn check_message(check: &Check) -> String {
    let style = Style::sentence(Symbols::Unicode);
    let observed = check.observed.map_or_else(
        || "--".to_owned(),
        |value| format_value(value, ValueUnit::of(check), style),
    );
    let limit = format_value(check.limit, ValueUnit::of(check), style);
    match check.status {
        CheckStatus::Fail | CheckStatus::Warn => format!(
            "{} {observed} {} budget ({})",
            check.metric_label(),
            comparison_text(check, style),
            detail_text(check, style)
        ),
        CheckStatus::InsufficientSamples => format!(
            "{} {observed} against a {limit} budget is not judged: {} samples, min_samples {}",
            check.metric_label(),
            check.sample_count,
            check.min_samples
        ),
        CheckStatus::LowConfidence => format!(
            "{} {observed} against a {limit} budget is not judged ({})",
            check.metric_label(),
            detail_text(check, style)
        ),
        CheckStatus::NoData => format!(
            "{} has no data to judge against its {limit} budget",
            check.metric_label()
        ),
        CheckStatus::Pass => format!(
            "{} {observed} {} budget",
            check.metric_label(),
            comparison_text(check, style)
        ),
    }
}

fn suite(tool: &str, checks: &[&Check], properties: &str) -> String {
    let counts = count(checks);
    let mut out = format!(
        "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"{}\" skipped=\"{}\">\n",
        escape(tool),
        counts.tests,
        counts.failures,
        counts.errors,
        counts.skipped
    );
    out.push_str(properties);
    for check in checks {
        let name = format!("{} {}", check.group.step, check.metric_label());
        let time = match check.unit {
            Unit::Milliseconds => seconds(check.observed),
            Unit::Fraction | Unit::Measure => seconds(None),
        };
        let sentence = || check_sentence(check, Symbols::Unicode);
        let body = match case_kind(check) {
            CaseKind::Passed => CaseBody::Passed,
            CaseKind::PassedWithWarning => CaseBody::Output(format!("warning: {}", sentence())),
            CaseKind::Failure => CaseBody::Problem {
                element: Problem::Failure,
                kind: "budget_violation",
                message: check_message(check),
                text: sentence(),
            },
            CaseKind::Error => CaseBody::Problem {
                element: Problem::Error,
                kind: status_type(check.status),
                message: check_message(check),
                text: sentence(),
            },
            CaseKind::Skipped => CaseBody::Skipped {
                message: check_message(check),
            },
        };
        write_case(&mut out, tool, &name, &time, body);
    }
    out.push_str("  </testsuite>\n");
    out
}

fn status_type(status: CheckStatus) -> &'static str {
    match status {
        CheckStatus::NoData => "no_data",
        CheckStatus::LowConfidence => "low_confidence",
        _ => "insufficient_samples",
    }
}

/// The `perf-gate baseline` test suite with one test case per group: a regression is a failure,
/// a group that could not be compared is skipped. The comparison's settings are properties, so
/// the test case names stay the same when the baseline changes.
fn baseline_suite(comparison: &Comparison) -> String {
    let measures = comparison::measure_rows_in_display_order(comparison);
    let (tests, failures, skipped) = (
        comparison.groups.len() + measures.len(),
        comparison.count(Verdict::Regressed) + comparison.measure_count(Verdict::Regressed),
        comparison.count(Verdict::NotComparable) + comparison.measure_count(Verdict::NotComparable),
    );
    let mut out = format!(
        "  <testsuite name=\"perf-gate baseline\" tests=\"{tests}\" failures=\"{failures}\" errors=\"0\" skipped=\"{skipped}\">\n"
    );
    out.push_str(&properties_element(&[
        ("baseline", comparison.baseline_hash.clone()),
        ("metric", comparison.metric.to_string()),
        ("quantile_method", comparison.quantile_method.to_string()),
        ("tolerance", fixed(comparison.tolerance * 100.0, 1) + "%"),
        ("alpha", comparison.alpha.to_string()),
    ]));
    if let Some(warning) = comparison::environment_warning(comparison) {
        let _ = writeln!(out, "    <system-out>{}</system-out>", escape(&warning));
    }
    for group in &comparison.groups {
        let name = format!("{} {}", group.key.step, comparison.metric);
        let reason = comparison::reason_sentence(comparison, group);
        let body = match group.verdict {
            Verdict::Regressed => CaseBody::Problem {
                element: Problem::Failure,
                kind: "regressed",
                message: comparison::regression_detail(comparison, group, Symbols::Unicode),
                text: reason,
            },
            Verdict::NotComparable => CaseBody::Skipped { message: reason },
            Verdict::Improved | Verdict::Unchanged => {
                CaseBody::Output(unchanged_detail(comparison, group))
            }
        };
        let classname = format!("baseline.{}", group.key.tool);
        write_case(
            &mut out,
            &classname,
            &name,
            &seconds(group.current_value_ms),
            body,
        );
    }
    // One test case per measure, named `step measure` (stable whichever test compared it;
    // `time` is 0, a measure is not a duration).
    let mut measures = measures;
    measures.sort_by(|a, b| (&a.group.key, &a.measure.name).cmp(&(&b.group.key, &b.measure.name)));
    for row in measures {
        let name = format!("{} {}", row.group.key.step, row.measure.name);
        let reason = row.reason_sentence(comparison);
        let body = match row.measure.verdict {
            Verdict::Regressed => CaseBody::Problem {
                element: Problem::Failure,
                kind: "regressed",
                message: row.change_detail(Symbols::Unicode),
                text: reason,
            },
            Verdict::NotComparable => CaseBody::Skipped { message: reason },
            Verdict::Improved | Verdict::Unchanged => {
                CaseBody::Output(format!("{}: {reason}", row.change_detail(Symbols::Unicode)))
            }
        };
        let classname = format!("baseline.{}", row.group.key.tool);
        write_case(&mut out, &classname, &name, "0", body);
    }
    out.push_str("  </testsuite>\n");
    out
}

/// `p95 147.4 ms -> 103.2 ms, -30.0%, ...: p95 -30.0% is beyond ...` for a group that passed.
fn unchanged_detail(comparison: &Comparison, group: &GroupComparison) -> String {
    format!(
        "{}: {}",
        comparison::change_detail(comparison, group, Symbols::Unicode),
        comparison::reason_sentence(comparison, group)
    )
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
            let sentence = phrase::rule_sentence(section, verdict);
            let classname = format!("history.{}", group.group.tool);
            let name = format!(
                "{} {} {}",
                group.group,
                verdict.rule.as_str(),
                verdict.metric
            );
            let body = if verdict.status == perf_history::HistoryStatus::Fail {
                CaseBody::Problem {
                    element: Problem::Failure,
                    kind: verdict.rule.as_str(),
                    message: sentence,
                    text: phrase::series_line(group),
                }
            } else {
                CaseBody::Output(sentence)
            };
            write_case(&mut out, &classname, &name, "0", body);
        }
    }
    out.push_str("  </testsuite>\n");
    out
}
