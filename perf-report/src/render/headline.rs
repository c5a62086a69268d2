//! The headline: the verdict and why, in one line every format leads with.
//!
//! `FAIL: 1 regression (api/get_cart p95 +22.5%), 0 budget violations`: the causes that
//! decided the verdict come first, each with its worst case (largest miss first), so a reviewer
//! who reads one line knows what to open.

use perf_baseline::{ChangeVerdict, Comparison, GroupComparison};
use perf_budget::{Check, CheckStatus, Severity};

use super::duration::Symbols;
use super::{Style, ValueUnit, comparison, comparison_text, format_value};
use crate::report::{Report, Verdict};

/// `n thing` or `n things`.
fn count_of(count: usize, singular: &str, plural: &str) -> String {
    format!("{count} {}", if count == 1 { singular } else { plural })
}

/// ` (first, and 2 more)`, or nothing without examples.
fn examples(phrases: &[String]) -> String {
    match phrases {
        [] => String::new(),
        [only] => format!(" ({only})"),
        [first, rest @ ..] => format!(" ({first} and {} more)", rest.len()),
    }
}

/// The failed checks, largest relative miss first (a miss without a relative size last).
pub(super) fn violations_by_miss(report: &Report) -> Vec<&Check> {
    let mut violations: Vec<&Check> = report
        .checks()
        .iter()
        .filter(|check| check.status == CheckStatus::Fail)
        .collect();
    violations.sort_by(|left, right| {
        let size = |check: &Check| check.relative_difference.unwrap_or(f64::NEG_INFINITY);
        size(right).total_cmp(&size(left))
    });
    violations
}

/// The regressed groups, largest relative change first.
pub(super) fn regressions_by_change(comparison: &Comparison) -> Vec<&GroupComparison> {
    let mut regressions: Vec<&GroupComparison> = comparison
        .groups
        .iter()
        .filter(|group| group.verdict == ChangeVerdict::Regressed)
        .collect();
    regressions.sort_by(|left, right| {
        let size = |group: &GroupComparison| group.relative_change.unwrap_or(f64::NEG_INFINITY);
        size(right).total_cmp(&size(left))
    });
    regressions
}

/// Why the run got its verdict, the headline after `FAIL: `, without a trailing newline; `name`
/// formats each log-derived group name (the identity, or a format's escape).
pub(super) fn why(report: &Report, symbols: Symbols, name: &dyn Fn(&str) -> String) -> String {
    let style = Style::sentence(symbols);
    let violations = violations_by_miss(report);
    let violation_phrases: Vec<String> = violations
        .iter()
        .map(|check| {
            format!(
                "{} {} {} {}",
                name(&check.group.to_string()),
                check.metric_label(),
                check.observed.map_or_else(
                    || "--".to_owned(),
                    |observed| format_value(observed, ValueUnit::of(check), style)
                ),
                comparison_text(check, style)
            )
        })
        .collect();
    let counts = report.counts();
    let mut violation_part = count_of(violations.len(), "budget violation", "budget violations");
    if violations.is_empty() {
        violation_part.push_str(&format!(
            " ({})",
            count_of(counts.total as usize, "check", "checks")
        ));
    } else {
        violation_part.push_str(&examples(&violation_phrases));
    }
    if counts.warned > 0 {
        violation_part.push_str(&format!(
            ", {}",
            count_of(counts.warned as usize, "warning", "warnings")
        ));
    }
    // A baseline comparison without budgets (`baseline compare`) has no budget part.
    let mut parts = if counts.total == 0 && report.baseline().is_some() {
        Vec::new()
    } else {
        vec![violation_part]
    };
    if let Some(comparison) = report.baseline() {
        let regressions = regressions_by_change(comparison);
        let mut sized: Vec<(f64, String)> = regressions
            .iter()
            .map(|group| {
                (
                    group.relative_change.unwrap_or(f64::NEG_INFINITY),
                    format!(
                        "{} {} {}",
                        name(&group.key.to_string()),
                        comparison.metric,
                        comparison::change_text(group)
                    ),
                )
            })
            .collect();
        // A regressed measure counts as a regression, named with its measure.
        let regressed_measures = comparison::measure_rows_in_display_order(comparison)
            .into_iter()
            .filter(|row| row.measure.verdict == ChangeVerdict::Regressed);
        sized.extend(regressed_measures.map(|row| {
            (
                row.measure
                    .relative_change
                    .map_or(f64::NEG_INFINITY, f64::abs),
                format!(
                    "{} {} {}",
                    name(&row.group.key.to_string()),
                    row.measure.name,
                    row.change_text()
                ),
            )
        }));
        // Largest change first; the sort is stable, so groups keep their order among equals.
        sized.sort_by(|left, right| right.0.total_cmp(&left.0));
        let phrases: Vec<String> = sized.into_iter().map(|(_, phrase)| phrase).collect();
        let mut part = count_of(phrases.len(), "regression", "regressions");
        if phrases.is_empty() {
            part.push_str(&format!(
                " ({} compared)",
                count_of(comparison.groups.len(), "group", "groups")
            ));
        } else {
            part.push_str(&examples(&phrases));
        }
        // The cause that failed the run comes first.
        if !phrases.is_empty() && violations.is_empty() && !parts.is_empty() {
            parts.insert(0, part);
        } else {
            parts.push(part);
        }
    }
    let mut line = parts.join(", ");
    if report.verdict() == Verdict::Inconclusive {
        line.push_str("; ");
        line.push_str(&inconclusive_cause(report, name));
    }
    line
}

/// Why a run without a violation is inconclusive.
fn inconclusive_cause(report: &Report, name: &dyn Fn(&str) -> String) -> String {
    let blocking = |status: CheckStatus| {
        report
            .checks()
            .iter()
            .filter(move |check| check.status == status && check.severity == Severity::Fail)
    };
    let few: Vec<String> = blocking(CheckStatus::InsufficientSamples)
        .map(|check| {
            format!(
                "{} {} n={} < {}",
                name(&check.group.to_string()),
                check.metric_label(),
                check.sample_count,
                check.min_samples
            )
        })
        .collect();
    let unsure: Vec<String> = blocking(CheckStatus::LowConfidence)
        .map(|check| {
            format!(
                "{} {} n={}",
                name(&check.group.to_string()),
                check.metric_label(),
                check.sample_count
            )
        })
        .collect();
    let none: Vec<String> = blocking(CheckStatus::NoData)
        .map(|check| {
            format!(
                "{} {}",
                name(&check.group.to_string()),
                check.metric_label()
            )
        })
        .collect();
    let mut causes = Vec::new();
    if !few.is_empty() {
        causes.push(format!(
            "{} with too few samples{}",
            count_of(few.len(), "check", "checks"),
            examples(&few)
        ));
    }
    if !unsure.is_empty() {
        causes.push(format!(
            "{} with low confidence{}",
            count_of(unsure.len(), "check", "checks"),
            examples(&unsure)
        ));
    }
    if !none.is_empty() {
        causes.push(format!(
            "{} without data{}",
            count_of(none.len(), "check", "checks"),
            examples(&none)
        ));
    }
    if causes.is_empty() {
        "nothing was checked: no budget entry applies to the data and no group was compared"
            .to_owned()
    } else {
        causes.join(", ")
    }
}
