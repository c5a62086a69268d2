//! Plain text for terminals and CI logs: ASCII only, aligned, violations first.
//!
//! ```text
//! perf-gate FAIL: 1 budget violation (a2a/echo avg 18.30 ms > 10.00 ms)
//!   1 failed, 0 warned, 0 insufficient samples, 0 no data, 1 passed (2 checks, 0 marginal)
//!
//! [FAIL] a2a/echo     avg  18.30 ms > 10.00 ms  (+8.30 ms, +83.0%)   n=1486
//! [ OK ] wsap/import  p95  39.80 ms <= 80.00 ms (40.20 ms headroom)  n=34
//! ```
//!
//! Durations are scaled (ns, us, ms, s) with one unit for all duration columns of a table, the
//! unit most of its values read best in.

use std::fmt::Write as _;

use perf_baseline::{ChangeVerdict, Comparison};
use perf_budget::{CheckStatus, LintFinding};

use super::duration::Symbols;
use super::escape::ascii;
use super::{
    Style, checks_in_display_order, column_width, comparison, comparison_text, counts_sentence,
    detail_text, headline, lint_sentence, marginal_text, observed_text, verbatim,
};
use crate::report::{Report, Verdict};
use crate::summary::{self, SummaryReport};

/// How to render text.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TextConfig {
    /// Colour the status tags and the verdict with ANSI escapes (a regression like a failure).
    /// The caller decides (a terminal, `NO_COLOR`, `CLICOLOR`, `CLICOLOR_FORCE`, `TERM=dumb`);
    /// the renderer never looks at the environment.
    pub color: bool,
}

const RED: &str = "\x1b[31m";
const GREEN: &str = "\x1b[32m";
const YELLOW: &str = "\x1b[33m";
const RESET: &str = "\x1b[0m";

/// Renders the whole report: verdict line, checks, lint, warnings. Ends with a newline.
pub fn render(report: &Report, config: &TextConfig) -> String {
    let mut out = verdict_section(report, config);
    out.push_str(&checks_section(report, config));
    out.push_str(&lint_section(report));
    out.push_str(&warnings_section(report));
    if let Some(comparison) = report.baseline() {
        out.push_str(&baseline_section(comparison, config));
    }
    if let Some(section) = report.history() {
        out.push_str(&history_section(section));
    }
    out
}

/// `perf-gate FAIL: 1 regression (api/get_cart p95 +22.5%), 0 budget violations` and the
/// counts on the next line.
pub fn verdict_section(report: &Report, config: &TextConfig) -> String {
    let colour = match report.verdict() {
        Verdict::Pass => GREEN,
        Verdict::Inconclusive => YELLOW,
        Verdict::Fail => RED,
    };
    format!(
        "perf-gate {}: {}\n  {}\n",
        paint(report.verdict().label(), colour, config),
        headline::why(report, Symbols::Ascii, &ascii),
        counts_sentence(report)
    )
}

/// One aligned line per check, violations first; empty when there are no checks.
pub fn checks_section(report: &Report, config: &TextConfig) -> String {
    let checks = checks_in_display_order(report);
    if checks.is_empty() {
        return String::new();
    }
    let style = Style::table(Symbols::Ascii, &checks);
    let rows: Vec<[String; 5]> = checks
        .iter()
        .map(|check| {
            [
                ascii(&check.group.to_string()),
                check.metric_label(),
                observed_text(check, style),
                comparison_text(check, style),
                format!("({})", detail_text(check, style)),
            ]
        })
        .collect();
    let width = |column: usize| column_width(rows.iter().map(|row| row[column].as_str()));
    let (group_width, metric_width, observed_width, comparison_width, detail_width) =
        (width(0), width(1), width(2), width(3), width(4));
    let mut out = String::from("\n");
    for (check, [group, metric, observed, comparison, detail]) in checks.iter().zip(&rows) {
        let (tag, colour) = match check.status {
            CheckStatus::Fail => ("[FAIL]", RED),
            CheckStatus::Warn => ("[WARN]", YELLOW),
            CheckStatus::InsufficientSamples => ("[FEW ]", YELLOW),
            CheckStatus::LowConfidence => ("[LOW ]", YELLOW),
            CheckStatus::NoData => ("[NONE]", YELLOW),
            CheckStatus::Pass => ("[ OK ]", GREEN),
        };
        let _ = write!(
            out,
            "{} {group:<group_width$}  {metric:<metric_width$}  {observed:>observed_width$} \
             {comparison:<comparison_width$} {detail:<detail_width$}  n={}",
            paint(tag, colour, config),
            check.sample_count
        );
        if let Some(marginal) = marginal_text(check, style) {
            let _ = write!(out, "  {marginal}");
        }
        out.push('\n');
    }
    out
}

/// `Lint (N):` and one indented line per finding; empty without findings.
pub fn lint_section(report: &Report) -> String {
    lint_lines(report.lint())
}

/// `Lint (N):` and one indented line per finding (what `perf-gate lint` prints); empty without
/// findings.
pub fn lint_lines(findings: &[LintFinding]) -> String {
    list_section(
        "Lint",
        findings
            .iter()
            .map(|finding| lint_sentence(finding, &verbatim)),
    )
}

/// `Warnings (N):` and one indented line per warning; empty without warnings.
pub fn warnings_section(report: &Report) -> String {
    list_section(
        "Warnings",
        report
            .warnings()
            .iter()
            .map(|warning| format!("{}: {}", warning.code, warning.message)),
    )
}

fn list_section(title: &str, items: impl ExactSizeIterator<Item = String>) -> String {
    if items.len() == 0 {
        return String::new();
    }
    let mut out = format!("\n{title} ({}):\n", items.len());
    for item in items {
        let _ = writeln!(out, "  {}", ascii(&item));
    }
    out
}

fn paint(text: &str, colour: &str, config: &TextConfig) -> String {
    if config.color {
        format!("{colour}{text}{RESET}")
    } else {
        text.to_owned()
    }
}

/// The baseline comparison: a heading, the environment warning, one aligned line per group
/// (regressions first, coloured like failures when `config.color` is set).
pub fn baseline_section(comparison: &Comparison, config: &TextConfig) -> String {
    let mut out = format!(
        "\nBaseline comparison ({}): {}\n",
        comparison::settings_sentence(comparison),
        comparison::counts_sentence(comparison)
    );
    if let Some(warning) = comparison::environment_warning(comparison) {
        let _ = writeln!(out, "  WARNING: {}", ascii(&warning));
    }
    let groups = comparison::groups_in_display_order(comparison);
    let style = comparison::table_style(Symbols::Ascii, &groups);
    let rows: Vec<[String; 6]> = groups
        .iter()
        .map(|group| {
            [
                format!(
                    "[{}]",
                    comparison::verdict_label(group.verdict).to_uppercase()
                ),
                ascii(&comparison::group_label(group)),
                format!(
                    "{} -> {}",
                    comparison::value_text(group.baseline_value_ms, style),
                    comparison::value_text(group.current_value_ms, style)
                ),
                comparison::change_text(group),
                comparison::interval_text(group),
                format!("p={}", comparison::p_text(group)),
            ]
        })
        .collect();
    let widths: [usize; 6] =
        std::array::from_fn(|column| column_width(rows.iter().map(|row| row[column].as_str())));
    for (row, group) in rows.iter().zip(&groups) {
        let mut line = verdict_row("  ", row, &widths, group.verdict, config);
        line.push_str(&ascii(&comparison::reason_sentence(comparison, group)));
        let _ = writeln!(out, "{}", line.trim_end());
    }
    out.push_str(&measures_section(comparison, config));
    out
}

/// One line of a comparison table: `indent`, then each cell padded to its column's width and
/// two spaces, the first (the verdict) coloured by `verdict`.
fn verdict_row(
    indent: &str,
    cells: &[String],
    widths: &[usize],
    verdict: ChangeVerdict,
    config: &TextConfig,
) -> String {
    let colour = match verdict {
        ChangeVerdict::Regressed => RED,
        ChangeVerdict::NotComparable => YELLOW,
        ChangeVerdict::Improved => GREEN,
        ChangeVerdict::Unchanged => "",
    };
    let mut line = String::from(indent);
    for (column, (cell, &width)) in cells.iter().zip(widths).enumerate() {
        if column == 0 && !colour.is_empty() {
            line.push_str(&paint(cell, colour, config));
            line.push_str(&" ".repeat(width.saturating_sub(cell.len())));
        } else {
            let _ = write!(line, "{cell:<width$}");
        }
        line.push_str("  ");
    }
    line
}

/// The groups' measures, one aligned line each (regressions first), after the groups; empty
/// when no group has a measure.
fn measures_section(comparison: &Comparison, config: &TextConfig) -> String {
    let rows = comparison::measure_rows_in_display_order(comparison);
    if rows.is_empty() {
        return String::new();
    }
    let mut out = String::from("  Measures:\n");
    let cells: Vec<[String; 7]> = rows
        .iter()
        .map(|row| {
            [
                format!(
                    "[{}]",
                    comparison::verdict_label(row.measure.verdict).to_uppercase()
                ),
                ascii(&row.label()),
                row.values_text(Symbols::Ascii),
                row.change_text(),
                row.interval_text(),
                format!("p={}", row.p_text()),
                format!("({})", row.test_text()),
            ]
        })
        .collect();
    let widths: [usize; 7] =
        std::array::from_fn(|column| column_width(cells.iter().map(|row| row[column].as_str())));
    for (cells, row) in cells.iter().zip(&rows) {
        let mut line = verdict_row("    ", cells, &widths, row.measure.verdict, config);
        line.push_str(&ascii(&row.reason_sentence(comparison)));
        let _ = writeln!(out, "{}", line.trim_end());
    }
    out
}

/// The `summarize` report as aligned ASCII text: the group left-aligned, numbers right-aligned, one line per group.
pub fn render_summary(report: &SummaryReport) -> String {
    let units = summary::column_units(report);
    let rows: Vec<Vec<String>> = std::iter::once(summary::HEADER.map(str::to_owned).to_vec())
        .chain(
            report
                .groups
                .iter()
                .map(|group| summary::row(group, &ascii, &units, Symbols::Ascii)),
        )
        .collect();
    let widths: Vec<usize> = (0..summary::HEADER.len())
        .map(|column| column_width(rows.iter().map(|row| row[column].as_str())))
        .collect();
    let mut out = String::new();
    for row in &rows {
        let mut line = String::new();
        for (column, cell) in row.iter().enumerate() {
            let width = widths[column];
            if column == 0 {
                let _ = write!(line, "{cell:<width$}");
            } else {
                let _ = write!(line, "  {cell:>width$}");
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    if report.groups.is_empty() {
        out.push_str("(no records)\n");
    }
    let measures = summary::measure_rows(report, &ascii);
    if !measures.is_empty() {
        let header = summary::MEASURE_HEADER.map(str::to_owned);
        let widths: Vec<usize> = (0..header.len())
            .map(|column| {
                column_width(
                    std::iter::once(&header)
                        .chain(&measures)
                        .map(|row| row[column].as_str()),
                )
            })
            .collect();
        out.push_str("\nMeasures:\n");
        for row in std::iter::once(&header).chain(&measures) {
            let mut line = String::new();
            for (column, cell) in row.iter().enumerate() {
                let width = widths[column];
                if column < 3 {
                    let _ = write!(line, "{cell:<width$}  ");
                } else {
                    let _ = write!(line, "{cell:>width$}  ");
                }
            }
            out.push_str(line.trim_end());
            out.push('\n');
        }
    }
    out
}

/// The history section: per group, each rule's verdict, the series and its change points.
pub fn history_section(section: &perf_history::HistorySection) -> String {
    use super::history as phrase;
    let mut out = format!("\nHistory ({}):\n", phrase::settings_sentence(section));
    for group in &section.groups {
        let _ = writeln!(out, "  {}", ascii(&group.group.to_string()));
        for verdict in &group.rules {
            let _ = writeln!(
                out,
                "    [{}] {}",
                phrase::status_label(verdict.status),
                ascii(&phrase::rule_sentence(section, verdict))
            );
        }
        if !group.series.is_empty() {
            let _ = writeln!(out, "    series: {}", phrase::series_line(group));
        }
        for change in &group.change_points {
            let _ = writeln!(out, "    {}", phrase::change_point_sentence(change));
        }
    }
    out
}
