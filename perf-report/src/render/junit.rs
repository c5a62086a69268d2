//! JUnit XML for CI test views (GitLab, Jenkins): a testsuite per tool, a testcase per check.
//!
//! - a violation (`fail`) is a `<failure>` carrying the difference;
//! - insufficient samples or no data is an `<error>` for a `severity: fail` entry (the gate is
//!   inconclusive) and `<skipped>` for a `severity: warn` entry;
//! - a `warn` violation passes, with the warning in `<system-out>`.
//!
//! Every string is XML-escaped with [`escape`], including characters that XML 1.0 forbids.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use super::{check_sentence, detail_text};
use crate::budget_file::Severity;
use crate::report::{Check, CheckStatus, Report};

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
    for check in &report.checks {
        suites.entry(check.tool.as_str()).or_default().push(check);
    }
    let all: Vec<&Check> = report.checks.iter().collect();
    let mut total = count(&all);
    let (baseline_tests, baseline_failures, baseline_skipped) =
        super::baseline::junit_counts(report);
    total.tests += baseline_tests;
    total.failures += baseline_failures;
    total.skipped += baseline_skipped;
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        out,
        "<testsuites name=\"perf-gate\" tests=\"{}\" failures=\"{}\" errors=\"{}\" skipped=\"{}\">",
        total.tests, total.failures, total.errors, total.skipped
    );
    for (tool, checks) in &suites {
        out.push_str(&suite(tool, checks));
    }
    out.push_str(&super::baseline::junit_suite(report));
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
        let name = escape(&format!("{} {}", check.step, check.metric));
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

/// Escapes text for XML 1.0 element content and attribute values.
///
/// `& < > " '` become entities; tab, newline and carriage return become character references
/// (so attribute values keep them); characters XML 1.0 does not allow at all (other C0 controls,
/// U+FFFE, U+FFFF) become a visible `\u{..}`.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for character in text.chars() {
        match character {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => {
                let _ = write!(out, "&#{};", u32::from(character));
            }
            '\u{0}'..='\u{1f}' | '\u{fffe}' | '\u{ffff}' => {
                let _ = write!(out, "\\u{{{:x}}}", u32::from(character));
            }
            other => out.push(other),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_handles_markup_and_characters_xml_forbids() {
        assert_eq!(
            escape("<a href='x'>&\"</a>"),
            "&lt;a href=&apos;x&apos;&gt;&amp;&quot;&lt;/a&gt;"
        );
        assert_eq!(escape("a\nb\u{1}c\u{ffff}"), "a&#10;b\\u{1}c\\u{ffff}");
    }
}
