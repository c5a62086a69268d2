//! GitHub Actions workflow commands: one annotation per check that needs attention.
//!
//! `::error` for a violation and for insufficient samples or no data of a `severity: fail`
//! entry (they block the gate), `::warning` for `warn` violations, the same for `warn` entries
//! and for lint findings, `::notice` for a marginal pass. Data is escaped with [`escape_data`]
//! and properties with [`escape_property`], GitHub's workflow-command rules.

use std::fmt::Write as _;

use super::{check_sentence, checks_in_display_order, lint_sentence, verbatim};
use crate::budget_file::Severity;
use crate::report::{Check, CheckStatus, Report};

/// Renders the annotations, one per line; empty when nothing needs attention.
pub fn render(report: &Report) -> String {
    let mut out = String::new();
    for check in checks_in_display_order(report) {
        if let Some(level) = level(check) {
            let title = format!(
                "perf-gate {}: {} {}",
                status_word(check.status),
                check.group_label(),
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
    for finding in &report.lint {
        let _ = writeln!(
            out,
            "::warning title=perf-gate lint::{}",
            escape_data(&lint_sentence(finding, &verbatim))
        );
    }
    for warning in &report.warnings {
        let _ = writeln!(
            out,
            "::warning title={}::{}",
            escape_property(&format!("perf-gate {}", warning.code)),
            escape_data(&warning.message)
        );
    }
    out.push_str(&super::baseline::github_lines(report));
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

/// Escapes the message of a workflow command: `%`, `\r`, `\n`.
pub fn escape_data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a property value of a workflow command: as [`escape_data`], plus `:` and `,`.
pub fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_follow_the_workflow_command_rules() {
        assert_eq!(escape_data("50%0A\r\nx"), "50%250A%0D%0Ax");
        assert_eq!(escape_property("a:b,c%\n"), "a%3Ab%2Cc%25%0A");
    }
}
