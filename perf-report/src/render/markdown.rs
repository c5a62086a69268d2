//! GitHub-flavoured Markdown for job summaries and pull-request comments.
//!
//! A table of status, group, metric, observed, budget, difference and sample count, violations
//! first. The output stays under [`MarkdownConfig::max_bytes`] (GitHub's 1 MiB job-summary
//! limit by default) by dropping passing rows first, with a note saying how many were dropped.
//! Every string that came from a log is escaped with [`escape`], so a tool or step name cannot
//! break the table, inject HTML or create a link.

use std::fmt::Write as _;

use perf_baseline::{ChangeVerdict as Verdict, Comparison};
use perf_budget::{Check, CheckStatus};

use super::escape::markdown as escape;
use super::{
    checks_in_display_order, comparison, counts_sentence, detail_text, lint_sentence,
    marginal_text, observed_text,
};
use crate::report::Report;
use crate::summary::{self, SummaryReport};

/// GitHub's limit on a job summary: 1 MiB.
pub const MARKDOWN_MAX_BYTES: usize = 1024 * 1024;

/// How to render Markdown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MarkdownConfig {
    /// Upper bound on the output size in bytes (default [`MARKDOWN_MAX_BYTES`]). Passing rows
    /// are dropped first, then lint findings, then warnings, then the remaining rows; the title,
    /// the counts and the notes about what was dropped always stay.
    pub max_bytes: usize,
}

impl Default for MarkdownConfig {
    fn default() -> Self {
        MarkdownConfig {
            max_bytes: MARKDOWN_MAX_BYTES,
        }
    }
}

/// Room kept for the "rows omitted" notes, so they always fit.
const NOTE_RESERVE: usize = 512;

const TABLE_HEADER: &str = "| Status | Group | Metric | Observed | Budget | Difference | n |\n\
                            | --- | --- | --- | ---: | ---: | --- | ---: |\n";

/// Renders the whole report. Ends with a newline.
pub fn render(report: &Report, config: &MarkdownConfig) -> String {
    let head = format!(
        "## perf-gate: {}\n\n{}\n",
        report.verdict().label(),
        counts_sentence(report)
    );
    let checks = checks_in_display_order(report);
    let (passing, violating): (Vec<&Check>, Vec<&Check>) = checks
        .into_iter()
        .partition(|check| check.status == CheckStatus::Pass);
    let violating_rows: Vec<String> = violating.iter().map(|check| check_row(check)).collect();
    let passing_rows: Vec<String> = passing.iter().map(|check| check_row(check)).collect();
    let lint_items: Vec<String> = report
        .lint()
        .iter()
        .map(|finding| format!("- {}\n", lint_sentence(finding, &escape)))
        .collect();
    let warning_items: Vec<String> = report
        .warnings()
        .iter()
        .map(|warning| {
            format!(
                "- {}: {}\n",
                escape(&warning.code),
                escape(&warning.message)
            )
        })
        .collect();

    // The baseline comparison gets at most a quarter of the bytes, and only what it uses.
    let baseline_section = report.baseline().map_or_else(String::new, |comparison| {
        baseline_section(comparison, config.max_bytes / 4)
    });
    // Spend the byte budget by priority; what does not fit is dropped from the end of its list.
    let mut budget = config.max_bytes.saturating_sub(
        head.len()
            + TABLE_HEADER.len()
            + 2 * "\n### Warnings\n\n".len()
            + NOTE_RESERVE
            + baseline_section.len(),
    );
    let kept_violating = take_within(&violating_rows, &mut budget);
    let kept_warnings = take_within(&warning_items, &mut budget);
    let kept_lint = take_within(&lint_items, &mut budget);
    let kept_passing = take_within(&passing_rows, &mut budget);

    let mut out = head;
    if !violating_rows.is_empty() || !passing_rows.is_empty() {
        out.push('\n');
        out.push_str(TABLE_HEADER);
        out.extend(violating_rows[..kept_violating].iter().map(String::as_str));
        out.extend(passing_rows[..kept_passing].iter().map(String::as_str));
        let dropped_passing = passing_rows.len() - kept_passing;
        let dropped_violating = violating_rows.len() - kept_violating;
        if dropped_passing > 0 || dropped_violating > 0 {
            let _ = write!(
                out,
                "\n_{dropped_passing} passing row(s) and {dropped_violating} other row(s) omitted to keep this \
                 report under {} bytes; the JSON report has every check._\n",
                config.max_bytes
            );
        }
    }
    out.push_str(&list_section("Lint", &lint_items, kept_lint));
    out.push_str(&list_section("Warnings", &warning_items, kept_warnings));
    out.push_str(&baseline_section);
    if let Some(section) = report.history() {
        out.push_str(&history_section(section));
    }
    out
}

/// How many leading items fit in `budget`, which is reduced by their size.
fn take_within(items: &[String], budget: &mut usize) -> usize {
    let mut kept = 0;
    for item in items {
        if item.len() > *budget {
            break;
        }
        *budget -= item.len();
        kept += 1;
    }
    kept
}

fn list_section(title: &str, items: &[String], kept: usize) -> String {
    if items.is_empty() {
        return String::new();
    }
    let mut out = format!("\n### {title}\n\n");
    out.extend(items[..kept].iter().map(String::as_str));
    if kept < items.len() {
        let _ = writeln!(
            out,
            "- _{} more omitted to keep this report small._",
            items.len() - kept
        );
    }
    out
}

fn check_row(check: &Check) -> String {
    let status = match check.status {
        CheckStatus::Fail => "**FAIL**",
        CheckStatus::Warn => "**WARN**",
        CheckStatus::InsufficientSamples => "INSUFFICIENT SAMPLES",
        CheckStatus::NoData => "NO DATA",
        CheckStatus::Pass => "OK",
    };
    let mut difference = detail_text(check);
    if let Some(marginal) = marginal_text(check) {
        difference.push_str("; ");
        difference.push_str(&marginal);
    }
    // Only the names come from logs; every other cell is built from numbers and fixed words
    // that contain no Markdown syntax (`<` is always followed by a space or `=`).
    format!(
        "| {status} | {}/{} | {} | {} | {} | {difference} | {} |\n",
        escape(&check.group.tool),
        escape(&check.group.step),
        check.metric,
        observed_text(check),
        super::format_value(check.limit, check.unit),
        check.sample_count
    )
}

const MARKDOWN_HEADER: &str = "| Verdict | Group | Baseline | Current | Change | 95% CI | Adjusted p | Reason |\n\
                               | --- | --- | ---: | ---: | ---: | --- | ---: | --- |\n";

/// The Markdown section, at most `max_bytes` long: unchanged rows are dropped first, with a note.
fn baseline_section(comparison: &Comparison, max_bytes: usize) -> String {
    let mut out = format!(
        "\n### Baseline comparison\n\n{}: {}\n",
        comparison::settings_sentence(comparison),
        comparison::counts_sentence(comparison)
    );
    if let Some(warning) = comparison::environment_warning(comparison) {
        let _ = writeln!(out, "\n> **Warning:** {}", escape(&warning));
    }
    if comparison.groups.is_empty() {
        return out;
    }
    out.push('\n');
    out.push_str(MARKDOWN_HEADER);
    // Reserve room for the omission note.
    let mut budget = max_bytes.saturating_sub(out.len() + 200);
    let mut omitted = 0;
    for group in comparison::groups_in_display_order(comparison) {
        let verdict = match group.verdict {
            Verdict::Regressed => "**REGRESSED**".to_owned(),
            other => comparison::verdict_label(other).to_owned(),
        };
        let row = format!(
            "| {verdict} | {} | {} | {} | {} | {} | {} | {} |\n",
            escape(&comparison::group_label(group)),
            comparison::milliseconds(group.baseline_value_ms),
            comparison::milliseconds(group.current_value_ms),
            comparison::change_text(group),
            comparison::interval_text(group),
            comparison::p_text(group),
            // Reasons are perf-gate's own sentences (numbers, no names), so they need no escaping.
            comparison::reason_sentence(comparison, group)
        );
        if row.len() > budget {
            omitted += 1;
            continue;
        }
        budget -= row.len();
        out.push_str(&row);
    }
    if omitted > 0 {
        let _ = writeln!(
            out,
            "\n_{omitted} comparison row(s) omitted to keep this report small; the JSON report has every group._"
        );
    }
    out
}

/// The `summarize` report as a GitHub-flavoured Markdown table; group names from logs are escaped so they cannot break the
/// table or inject HTML or links.
pub fn render_summary(report: &SummaryReport) -> String {
    let mut out = format!("| {} |\n|", summary::HEADER.join(" | "));
    for column in 0..summary::HEADER.len() {
        out.push_str(if column == 0 { " --- |" } else { " ---: |" });
    }
    out.push('\n');
    for group in &report.groups {
        let _ = writeln!(out, "| {} |", summary::row(group, &escape).join(" | "));
    }
    if report.groups.is_empty() {
        out.push_str("\n(no records)\n");
    }
    out
}

/// The history section: one table row per group and rule, the series and change points below.
fn history_section(section: &perf_history::HistorySection) -> String {
    use super::history as phrase;
    let mut out = format!(
        "\n### History\n\n{}\n\n| status | group | rule |\n|---|---|---|\n",
        escape(&phrase::settings_sentence(section))
    );
    for group in &section.groups {
        for verdict in &group.rules {
            let _ = writeln!(
                out,
                "| {} | {} | {} |",
                phrase::status_label(verdict.status),
                escape(&group.group.to_string()),
                escape(&phrase::rule_sentence(section, verdict))
            );
        }
    }
    for group in section
        .groups
        .iter()
        .filter(|group| !group.series.is_empty())
    {
        let _ = write!(
            out,
            "\n- {}: {}\n",
            escape(&group.group.to_string()),
            escape(&phrase::series_line(group))
        );
        for change in &group.change_points {
            let _ = writeln!(
                out,
                "  - {}",
                escape(&phrase::change_point_sentence(change))
            );
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn take_within_stops_at_the_first_item_that_does_not_fit() {
        let items = vec!["aaaa".to_owned(), "bb".to_owned(), "c".to_owned()];
        let mut budget = 5;
        assert_eq!(take_within(&items, &mut budget), 1);
        assert_eq!(budget, 1);
    }
}
