//! The baseline-comparison section of every format (the JSON report serializes it as the
//! `baseline` key by itself). Each function returns an empty string when the report has no
//! comparison, so the renderers call them unconditionally.

use std::fmt::Write as _;

use super::{fixed, github, junit, markdown, signed, text};
use crate::baseline::{Comparison, GroupComparison, Verdict};
use crate::report::Report;

/// Display order: regressions first, then groups that could not be compared, then improvements.
fn verdict_rank(verdict: Verdict) -> u8 {
    match verdict {
        Verdict::Regressed => 0,
        Verdict::NotComparable => 1,
        Verdict::Improved => 2,
        Verdict::Unchanged => 3,
    }
}

/// The groups in display order; within a verdict, the comparison's (tool, step) order.
fn groups_in_display_order(comparison: &Comparison) -> Vec<&GroupComparison> {
    let mut groups: Vec<&GroupComparison> = comparison.groups.iter().collect();
    groups.sort_by_key(|group| verdict_rank(group.verdict));
    groups
}

/// `p95, tolerance 5.0%, alpha 0.05, baseline sha256:0123456789ab`.
fn settings_sentence(comparison: &Comparison) -> String {
    let metric = crate::Metric::Percentile(comparison.metric);
    let short_hash: String = comparison.baseline_hash.chars().take(19).collect();
    format!(
        "{metric}, tolerance {}%, alpha {}, baseline {short_hash}",
        fixed(comparison.tolerance * 100.0, 1),
        comparison.alpha
    )
}

/// `3 regressed, 1 improved, 10 unchanged, 2 not comparable`.
pub(super) fn counts_sentence(comparison: &Comparison) -> String {
    [
        Verdict::Regressed,
        Verdict::Improved,
        Verdict::Unchanged,
        Verdict::NotComparable,
    ]
    .iter()
    .map(|verdict| format!("{} {}", comparison.count(*verdict), verdict.label()))
    .collect::<Vec<_>>()
    .join(", ")
}

fn milliseconds(value: Option<f64>) -> String {
    value.map_or_else(|| "--".to_owned(), |ms| format!("{}ms", fixed(ms, 2)))
}

fn change_text(group: &GroupComparison) -> String {
    group.relative_change.map_or_else(
        || "--".to_owned(),
        |change| format!("{}%", signed(change * 100.0, 1)),
    )
}

fn interval_text(group: &GroupComparison) -> String {
    group.relative_change_interval.map_or_else(
        || "--".to_owned(),
        |(low, high)| {
            format!(
                "[{}%, {}%]",
                signed(low * 100.0, 1),
                signed(high * 100.0, 1)
            )
        },
    )
}

fn p_text(group: &GroupComparison) -> String {
    match group.adjusted_p_value {
        None => "--".to_owned(),
        Some(p) if p < 0.0001 => format!("{p:.1e}"),
        Some(p) => fixed(p, 4),
    }
}

fn group_label(group: &GroupComparison) -> String {
    format!("{}/{}", group.key.tool, group.key.step)
}

/// The text section: a heading, the environment warning, one aligned line per group.
pub(crate) fn text_section(report: &Report) -> String {
    let Some(comparison) = &report.baseline else {
        return String::new();
    };
    let mut out = format!(
        "\nBaseline comparison ({}): {}\n",
        settings_sentence(comparison),
        counts_sentence(comparison)
    );
    if let Some(warning) = comparison.environment_warning() {
        let _ = writeln!(out, "  WARNING: {}", text::ascii(&warning));
    }
    let rows: Vec<[String; 6]> = groups_in_display_order(comparison)
        .into_iter()
        .map(|group| {
            [
                format!("[{}]", group.verdict.label().to_uppercase()),
                text::ascii(&group_label(group)),
                format!(
                    "{} -> {}",
                    milliseconds(group.baseline_value_ms),
                    milliseconds(group.current_value_ms)
                ),
                change_text(group),
                interval_text(group),
                format!("p={}", p_text(group)),
            ]
        })
        .collect();
    let mut widths = [0usize; 6];
    for row in &rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.len());
        }
    }
    for (row, group) in rows.iter().zip(groups_in_display_order(comparison)) {
        let mut line = String::from("  ");
        for (cell, width) in row.iter().zip(widths) {
            let _ = write!(line, "{cell:<width$}  ");
        }
        line.push_str(&text::ascii(&group.reason));
        let _ = writeln!(out, "{}", line.trim_end());
    }
    out
}

const MARKDOWN_HEADER: &str = "| Verdict | Group | Baseline | Current | Change | 95% CI | Adjusted p | Reason |\n\
                               | --- | --- | ---: | ---: | ---: | --- | ---: | --- |\n";

/// The Markdown section, at most `max_bytes` long: unchanged rows are dropped first, with a note.
pub(crate) fn markdown_section(report: &Report, max_bytes: usize) -> String {
    let Some(comparison) = &report.baseline else {
        return String::new();
    };
    let mut out = format!(
        "\n### Baseline comparison\n\n{}: {}\n",
        settings_sentence(comparison),
        counts_sentence(comparison)
    );
    if let Some(warning) = comparison.environment_warning() {
        let _ = writeln!(out, "\n> **Warning:** {}", markdown::escape(&warning));
    }
    if comparison.groups.is_empty() {
        return out;
    }
    out.push('\n');
    out.push_str(MARKDOWN_HEADER);
    // Reserve room for the omission note.
    let mut budget = max_bytes.saturating_sub(out.len() + 200);
    let mut omitted = 0;
    for group in groups_in_display_order(comparison) {
        let verdict = match group.verdict {
            Verdict::Regressed => "**REGRESSED**".to_owned(),
            other => other.label().to_owned(),
        };
        let row = format!(
            "| {verdict} | {} | {} | {} | {} | {} | {} | {} |\n",
            markdown::escape(&group_label(group)),
            milliseconds(group.baseline_value_ms),
            milliseconds(group.current_value_ms),
            change_text(group),
            interval_text(group),
            p_text(group),
            // Reasons are perf-gate's own sentences (numbers, no names), so they need no escaping.
            group.reason
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

/// `(tests, failures, skipped)` of the JUnit `baseline` suite, for the document's totals.
pub(crate) fn junit_counts(report: &Report) -> (usize, usize, usize) {
    report.baseline.as_ref().map_or((0, 0, 0), |comparison| {
        (
            comparison.groups.len(),
            comparison.count(Verdict::Regressed),
            comparison.count(Verdict::NotComparable),
        )
    })
}

/// A `perf-gate baseline` test suite with one test case per group: a regression is a failure,
/// a group that could not be compared is skipped.
pub(crate) fn junit_suite(report: &Report) -> String {
    let Some(comparison) = &report.baseline else {
        return String::new();
    };
    let (tests, failures, skipped) = junit_counts(report);
    let mut out = format!(
        "  <testsuite name=\"perf-gate baseline\" tests=\"{tests}\" failures=\"{failures}\" errors=\"0\" skipped=\"{skipped}\">\n"
    );
    if let Some(warning) = comparison.environment_warning() {
        let _ = writeln!(
            out,
            "    <system-out>{}</system-out>",
            junit::escape(&warning)
        );
    }
    for group in &comparison.groups {
        let name = format!("{} {}", group_label(group), settings_sentence(comparison));
        let _ = write!(
            out,
            "    <testcase classname=\"baseline.{}\" name=\"{}\"",
            junit::escape(&group.key.tool),
            junit::escape(&name)
        );
        let reason = junit::escape(&group.reason);
        match group.verdict {
            Verdict::Regressed => {
                let detail = format!(
                    "{} -> {} ({}, 95% CI {}, adjusted p {})",
                    milliseconds(group.baseline_value_ms),
                    milliseconds(group.current_value_ms),
                    change_text(group),
                    interval_text(group),
                    p_text(group)
                );
                let _ = writeln!(
                    out,
                    ">\n      <failure type=\"regressed\" message=\"{reason}\">{}</failure>\n    </testcase>",
                    junit::escape(&detail)
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

/// One `::error` per regression, a `::notice` per improvement and a `::warning` for a different
/// environment.
pub(crate) fn github_lines(report: &Report) -> String {
    let Some(comparison) = &report.baseline else {
        return String::new();
    };
    let mut out = String::new();
    if let Some(warning) = comparison.environment_warning() {
        let _ = writeln!(
            out,
            "::warning title=perf-gate baseline environment::{}",
            github::escape_data(&warning)
        );
    }
    for group in groups_in_display_order(comparison) {
        let level = match group.verdict {
            Verdict::Regressed => "error",
            Verdict::Improved => "notice",
            Verdict::Unchanged | Verdict::NotComparable => continue,
        };
        let title = format!(
            "perf-gate {}: {}",
            group.verdict.label(),
            group_label(group)
        );
        let message = format!(
            "{}: {} -> {} ({}, 95% CI {}, adjusted p {})",
            group.reason,
            milliseconds(group.baseline_value_ms),
            milliseconds(group.current_value_ms),
            change_text(group),
            interval_text(group),
            p_text(group)
        );
        let _ = writeln!(
            out,
            "::{level} title={}::{}",
            github::escape_property(&title),
            github::escape_data(&message)
        );
    }
    out
}
