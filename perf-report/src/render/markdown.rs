//! GitHub-flavoured Markdown for pull-request comments and job summaries.
//!
//! The first line says the verdict and why (`## perf-gate FAIL: 1 regression (api/get_cart p95
//! +22.5%), 0 budget violations`). Then what needs attention, the section that failed the run
//! first: budget checks that failed, warned or could not be judged, and baseline groups that
//! regressed or could not be compared, with each group's reason in a list under its table (so
//! the table stays narrow enough for a pull request, 860 px). Warnings and lint follow. Passing
//! checks and unchanged or improved groups are folded into one `<details>` block.
//!
//! The output stays under [`MarkdownConfig::max_bytes`] (by default
//! [`PR_COMMENT_MAX_BYTES`], which fits a pull-request comment; the job summary uses
//! [`JOB_SUMMARY_MAX_BYTES`]): passing detail is left out first, then lint findings, then
//! warnings, then the rows that need attention, and a last line says what was left out. Bytes
//! are never fewer than characters, so the limit holds for GitHub's character limit too.
//!
//! Every string that came from a log is escaped with [`escape`], so a tool or step name cannot
//! break a table, inject HTML or create a link. Durations share one unit per table.

use std::fmt::Write as _;

use perf_baseline::{ChangeVerdict, Comparison, GroupComparison};
use perf_budget::{Check, CheckStatus};

use super::duration::Symbols;
use super::escape::markdown as escape;
use super::{
    Style, checks_in_display_order, comparison, counts_sentence, detail_text, headline,
    lint_sentence, marginal_text, observed_text,
};
use crate::report::Report;
use crate::summary::{self, SummaryReport};

/// GitHub's limit on a pull-request comment: 65,536 characters. The default limit.
pub const PR_COMMENT_MAX_BYTES: usize = 65_536;

/// GitHub's limit on a step's job summary: 1 MiB.
pub const JOB_SUMMARY_MAX_BYTES: usize = 1024 * 1024;

/// How to render Markdown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MarkdownConfig {
    /// Upper bound on the output size in bytes (default [`PR_COMMENT_MAX_BYTES`]). Passing
    /// rows are left out first, then lint findings, then warnings, then the rows that need
    /// attention; the headline, the counts and the note about what was left out always stay.
    pub max_bytes: usize,
}

impl Default for MarkdownConfig {
    fn default() -> Self {
        MarkdownConfig {
            max_bytes: PR_COMMENT_MAX_BYTES,
        }
    }
}

const CHECK_HEADER: &str = "| Status | Group | Metric | Observed | Budget | Difference | n |\n\
                            | --- | --- | --- | ---: | ---: | --- | ---: |\n";

const BASELINE_HEADER: &str = "| Verdict | Group | Baseline | Current | Change | Interval | Adj. p |\n\
                               | --- | --- | ---: | ---: | ---: | --- | ---: |\n";

const CHECKS_HEADING: &str = "\n### Budget checks that need attention\n\n";
const BASELINE_HEADING: &str = "\n### Baseline comparison\n\n";
const DETAILS_CLOSE: &str = "\n</details>\n";

/// Renders the whole report. Ends with a newline.
pub fn render(report: &Report, config: &MarkdownConfig) -> String {
    let parts = Parts::of(report);
    // Spend what the frame (headline, headings, table headers, the details block and the
    // longest note about what was left out) leaves on items, by priority. The frame is an upper
    // bound, so the first try fits; the loop only guards that promise.
    let mut budget = config
        .max_bytes
        .saturating_sub(parts.frame(config.max_bytes));
    loop {
        let mut left = budget;
        let kept = Kept {
            attention_checks: take_within(&parts.attention_checks, &mut left),
            attention_groups: take_within(&parts.attention_groups, &mut left),
            warnings: take_within(&parts.warnings, &mut left),
            lint: take_within(&parts.lint, &mut left),
            passing_groups: take_within(&parts.passing_groups, &mut left),
            passing_checks: take_within(&parts.passing_checks, &mut left),
        };
        let out = parts.write(&kept, config.max_bytes);
        if out.len() <= config.max_bytes || budget == 0 {
            return out;
        }
        budget = budget.saturating_sub(out.len() - config.max_bytes);
    }
}

/// Every piece of the document, rendered once; the byte limit decides how many of each stay.
struct Parts {
    head: String,
    /// The baseline section's heading, settings and environment warning; empty without one.
    baseline_head: String,
    /// Whether the baseline section comes before the checks (a run failed by regressions only).
    baseline_first: bool,
    /// Header and rows of the checks that failed, warned or could not be judged.
    attention_checks: Vec<String>,
    /// Rows of groups that regressed or could not be compared, each with its reason.
    attention_groups: Vec<(String, String)>,
    warnings: Vec<String>,
    lint: Vec<String>,
    passing_groups: Vec<String>,
    passing_checks: Vec<String>,
    /// The history section (the series and the rules' verdicts); empty without one.
    history: String,
    /// The groups' measures: a table and the reasons of those that regressed or could not be
    /// compared; empty when no group has a measure. Always kept whole, like the history.
    measures: String,
}

struct Kept {
    attention_checks: usize,
    attention_groups: usize,
    warnings: usize,
    lint: usize,
    passing_groups: usize,
    passing_checks: usize,
}

/// Anything whose size counts against the budget.
trait ByteSize {
    fn size(&self) -> usize;
}

impl ByteSize for String {
    fn size(&self) -> usize {
        self.len()
    }
}

impl ByteSize for (String, String) {
    fn size(&self) -> usize {
        self.0.len() + self.1.len()
    }
}

impl Parts {
    fn of(report: &Report) -> Parts {
        let head = format!(
            "## perf-gate {}: {}\n\n{}\n",
            report.verdict().label(),
            headline::why(report, Symbols::Unicode, &escape),
            counts_sentence(report)
        );
        let (passing, attention): (Vec<&Check>, Vec<&Check>) = checks_in_display_order(report)
            .into_iter()
            .partition(|check| check.status == CheckStatus::Pass);
        let attention_style = Style::table(Symbols::Unicode, &attention);
        let passing_style = Style::table(Symbols::Unicode, &passing);
        let (baseline_head, attention_groups, passing_groups) =
            report
                .baseline()
                .map_or_else(Default::default, |comparison| {
                    let (attention, passing): (Vec<&GroupComparison>, Vec<&GroupComparison>) =
                        comparison::groups_in_display_order(comparison)
                            .into_iter()
                            .partition(|group| {
                                matches!(
                                    group.verdict,
                                    ChangeVerdict::Regressed | ChangeVerdict::NotComparable
                                )
                            });
                    let attention_style = comparison::table_style(Symbols::Unicode, &attention);
                    let passing_style = comparison::table_style(Symbols::Unicode, &passing);
                    (
                        baseline_head(comparison),
                        attention
                            .iter()
                            .map(|group| {
                                (
                                    group_row(group, attention_style),
                                    format!(
                                        "- {}: {}\n",
                                        escape(&comparison::group_label(group)),
                                        // perf-gate's own sentence: numbers, no names.
                                        comparison::reason_sentence(comparison, group)
                                    ),
                                )
                            })
                            .collect(),
                        passing
                            .iter()
                            .map(|group| group_row(group, passing_style))
                            .collect(),
                    )
                });
        let baseline_first = report.baseline().is_some_and(Comparison::has_regression)
            && report.counts().failed == 0;
        Parts {
            history: report.history().map(history_section).unwrap_or_default(),
            measures: report.baseline().map(measures_table).unwrap_or_default(),
            head,
            baseline_head,
            baseline_first,
            attention_checks: attention
                .iter()
                .map(|check| check_row(check, attention_style))
                .collect(),
            attention_groups,
            warnings: report
                .warnings()
                .iter()
                .map(|warning| {
                    format!(
                        "- {}: {}\n",
                        escape(&warning.code),
                        escape(&warning.message)
                    )
                })
                .collect(),
            lint: report
                .lint()
                .iter()
                .map(|finding| format!("- {}\n", lint_sentence(finding, &escape)))
                .collect(),
            passing_groups,
            passing_checks: passing
                .iter()
                .map(|check| check_row(check, passing_style))
                .collect(),
        }
    }

    /// An upper bound of everything but the items: what [`Parts::write`] adds around them.
    fn frame(&self, max_bytes: usize) -> usize {
        let none = Kept {
            attention_checks: 0,
            attention_groups: 0,
            warnings: 0,
            lint: 0,
            passing_groups: 0,
            passing_checks: 0,
        };
        let mut frame = self.head.len()
            + self.history.len()
            + self.measures.len()
            + self.note(&none, max_bytes).len();
        if !self.attention_checks.is_empty() {
            frame += CHECKS_HEADING.len() + CHECK_HEADER.len();
        }
        if !self.baseline_head.is_empty() {
            frame += self.baseline_head.len();
            if !self.attention_groups.is_empty() {
                frame += 2 + BASELINE_HEADER.len();
            }
        }
        frame += 2 * "\n### Warnings\n\n".len();
        frame += self.details_open().len()
            + DETAILS_CLOSE.len()
            + CHECK_HEADER.len()
            + 1
            + BASELINE_HEADER.len();
        frame
    }

    fn write(&self, kept: &Kept, max_bytes: usize) -> String {
        let mut out = self.head.clone();
        let checks = self.checks_section(kept.attention_checks);
        let baseline = self.baseline_section(kept.attention_groups);
        if self.baseline_first {
            out.push_str(&baseline);
            out.push_str(&checks);
        } else {
            out.push_str(&checks);
            out.push_str(&baseline);
        }
        out.push_str(&self.history);
        out.push_str(&list_section("Warnings", &self.warnings[..kept.warnings]));
        out.push_str(&list_section("Lint", &self.lint[..kept.lint]));
        out.push_str(&self.details(kept.passing_checks, kept.passing_groups));
        out.push_str(&self.note(kept, max_bytes));
        out
    }

    /// `_Left out to stay under 65,536 bytes: 1,480 passing checks. ..._`, or nothing when
    /// everything is kept.
    fn note(&self, kept: &Kept, max_bytes: usize) -> String {
        let left_out = [
            (
                self.passing_checks.len() - kept.passing_checks,
                "passing check",
                "passing checks",
            ),
            (
                self.passing_groups.len() - kept.passing_groups,
                "unchanged or improved group",
                "unchanged or improved groups",
            ),
            (self.lint.len() - kept.lint, "lint finding", "lint findings"),
            (self.warnings.len() - kept.warnings, "warning", "warnings"),
            (
                self.attention_groups.len() - kept.attention_groups,
                "regressed or not comparable group",
                "regressed or not comparable groups",
            ),
            (
                self.attention_checks.len() - kept.attention_checks,
                "check that needs attention",
                "checks that need attention",
            ),
        ];
        let left_out: Vec<String> = left_out
            .iter()
            .filter(|(count, _, _)| *count > 0)
            .map(|(count, singular, plural)| {
                format!(
                    "{} {}",
                    thousands(*count),
                    if *count == 1 { singular } else { plural }
                )
            })
            .collect();
        if left_out.is_empty() {
            return String::new();
        }
        format!(
            "\n_Left out to stay under {} bytes: {}. The JSON report (`report.json`) has every \
             check and group._\n",
            thousands(max_bytes),
            left_out.join(", ")
        )
    }

    fn checks_section(&self, kept: usize) -> String {
        if self.attention_checks.is_empty() {
            return String::new();
        }
        let mut out = format!("{CHECKS_HEADING}{CHECK_HEADER}");
        out.extend(self.attention_checks[..kept].iter().map(String::as_str));
        out
    }

    fn baseline_section(&self, kept: usize) -> String {
        if self.baseline_head.is_empty() {
            return String::new();
        }
        let mut out = self.baseline_head.clone();
        if !self.attention_groups.is_empty() {
            out.push('\n');
            out.push_str(BASELINE_HEADER);
            out.extend(
                self.attention_groups[..kept]
                    .iter()
                    .map(|(row, _)| row.as_str()),
            );
            out.push('\n');
            out.extend(
                self.attention_groups[..kept]
                    .iter()
                    .map(|(_, reason)| reason.as_str()),
            );
        }
        out.push_str(&self.measures);
        out
    }

    /// `<details>` and its summary, which names everything that passed.
    fn details_open(&self) -> String {
        let mut summary = Vec::new();
        if !self.passing_checks.is_empty() {
            summary.push(format!(
                "{} budget {}",
                thousands(self.passing_checks.len()),
                if self.passing_checks.len() == 1 {
                    "check"
                } else {
                    "checks"
                }
            ));
        }
        if !self.passing_groups.is_empty() {
            summary.push(format!(
                "{} baseline {} unchanged or improved",
                thousands(self.passing_groups.len()),
                if self.passing_groups.len() == 1 {
                    "group"
                } else {
                    "groups"
                }
            ));
        }
        format!(
            "\n<details>\n<summary>Passing: {}</summary>\n\n",
            summary.join(", ")
        )
    }

    fn details(&self, checks: usize, groups: usize) -> String {
        if checks == 0 && groups == 0 {
            return String::new();
        }
        let mut out = self.details_open();
        if checks > 0 {
            out.push_str(CHECK_HEADER);
            out.extend(self.passing_checks[..checks].iter().map(String::as_str));
        }
        if groups > 0 {
            if checks > 0 {
                out.push('\n');
            }
            out.push_str(BASELINE_HEADER);
            out.extend(self.passing_groups[..groups].iter().map(String::as_str));
        }
        out.push_str(DETAILS_CLOSE);
        out
    }
}

/// How many leading items fit in `budget`, which is reduced by their size.
fn take_within<T: ByteSize>(items: &[T], budget: &mut usize) -> usize {
    let mut kept = 0;
    for item in items {
        if item.size() > *budget {
            break;
        }
        *budget -= item.size();
        kept += 1;
    }
    kept
}

/// `1,480`.
fn thousands(count: usize) -> String {
    let digits = count.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (index, digit) in digits.chars().enumerate() {
        if index > 0 && (digits.len() - index).is_multiple_of(3) {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

fn list_section(title: &str, items: &[String]) -> String {
    if items.is_empty() {
        return String::new();
    }
    let mut out = format!("\n### {title}\n\n");
    out.extend(items.iter().map(String::as_str));
    out
}

fn check_row(check: &Check, style: Style) -> String {
    let status = match check.status {
        CheckStatus::Fail => "**FAIL**",
        CheckStatus::Warn => "**WARN**",
        CheckStatus::InsufficientSamples => "too few samples",
        CheckStatus::LowConfidence => "low confidence",
        CheckStatus::NoData => "no data",
        CheckStatus::Pass => "ok",
    };
    let mut difference = detail_text(check, style);
    if let Some(marginal) = marginal_text(check, style) {
        difference.push_str("; ");
        difference.push_str(&marginal);
    }
    // Only the names come from logs; every other cell is built from numbers and fixed words
    // that contain no Markdown syntax (`<` is always followed by a space or `=`).
    format!(
        "| {status} | {} | {} | {} | {} | {difference} | {} |\n",
        escape(&check.group.to_string()),
        check.metric_label(),
        observed_text(check, style),
        super::format_value(check.limit, super::ValueUnit::of(check), style),
        check.sample_count
    )
}

/// The section's heading, settings, counts and environment warning.
fn baseline_head(comparison: &Comparison) -> String {
    let mut out = format!(
        "{BASELINE_HEADING}{}: {}\n",
        comparison::settings_sentence(comparison),
        comparison::counts_sentence(comparison)
    );
    if let Some(warning) = comparison::environment_warning(comparison) {
        let _ = writeln!(out, "\n> **Warning:** {}", escape(&warning));
    }
    out
}

/// The measures of the compared groups: one row each (regressions first), then the reasons of
/// those that regressed or could not be compared. Empty when no group has a measure.
fn measures_table(comparison: &Comparison) -> String {
    let rows = comparison::measure_rows_in_display_order(comparison);
    if rows.is_empty() {
        return String::new();
    }
    let mut out = String::from(
        "\n| Measure | Verdict | Metric | Baseline | Current | Change | Interval | Adj. p | Test |\n\
         | --- | --- | --- | ---: | ---: | ---: | --- | ---: | --- |\n",
    );
    for row in &rows {
        let verdict = match row.measure.verdict {
            ChangeVerdict::Regressed => "**regressed**",
            other => comparison::verdict_label(other),
        };
        let _ = writeln!(
            out,
            "| {} | {verdict} | {} | {} | {} | {} | {} | {} | {} |",
            escape(&row.label()),
            row.measure.metric,
            row.value_text(row.measure.baseline_value, Symbols::Unicode),
            row.value_text(row.measure.current_value, Symbols::Unicode),
            row.change_text(),
            row.interval_text(),
            row.p_text(),
            row.test_text()
        );
    }
    let attention: Vec<String> = rows
        .iter()
        .filter(|row| {
            matches!(
                row.measure.verdict,
                ChangeVerdict::Regressed | ChangeVerdict::NotComparable
            )
        })
        .map(|row| {
            format!(
                "- {}: {}\n",
                escape(&row.label()),
                // perf-gate's own sentence: numbers and the measure's name (a-z, 0-9, _).
                row.reason_sentence(comparison)
            )
        })
        .collect();
    if !attention.is_empty() {
        out.push('\n');
        out.extend(attention);
    }
    out
}

fn group_row(group: &GroupComparison, style: Style) -> String {
    let verdict = match group.verdict {
        ChangeVerdict::Regressed => "**regressed**",
        other => comparison::verdict_label(other),
    };
    format!(
        "| {verdict} | {} | {} | {} | {} | {} | {} |\n",
        escape(&comparison::group_label(group)),
        comparison::value_text(group.baseline_value_ms, style),
        comparison::value_text(group.current_value_ms, style),
        comparison::change_text(group),
        comparison::interval_text(group),
        comparison::p_text(group)
    )
}

/// The `summarize` report as a GitHub-flavoured Markdown table; group names from logs are escaped so they cannot break the
/// table or inject HTML or links.
pub fn render_summary(report: &SummaryReport) -> String {
    let mut out = format!("| {} |\n|", summary::HEADER.join(" | "));
    for column in 0..summary::HEADER.len() {
        out.push_str(if column == 0 { " --- |" } else { " ---: |" });
    }
    out.push('\n');
    let units = summary::column_units(report);
    for group in &report.groups {
        let cells = summary::row(group, &escape, &units, Symbols::Unicode);
        let _ = writeln!(out, "| {} |", cells.join(" | "));
    }
    if report.groups.is_empty() {
        out.push_str("\n(no records)\n");
    }
    let measures = summary::measure_rows(report, &escape);
    if !measures.is_empty() {
        let _ = write!(
            out,
            "\n#### Measures\n\n| {} |\n| --- | --- | --- | ---: | ---: | ---: | ---: | ---: |\n",
            summary::MEASURE_HEADER.join(" | ")
        );
        for row in &measures {
            let _ = writeln!(out, "| {} |", row.join(" | "));
        }
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

    #[test]
    fn thousands_are_separated() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1_480), "1,480");
        assert_eq!(thousands(65_536), "65,536");
        assert_eq!(thousands(1_048_576), "1,048,576");
    }
}
