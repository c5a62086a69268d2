//! Phrasing the baseline comparison: the sentences and cells every format shows, built from the
//! comparison's numbers and structured reasons. A leaf: formats import it, it imports no format.

use perf_baseline::{ChangeSize, ChangeVerdict as Verdict, Comparison, GroupComparison, Reason};

use super::duration::{Symbols, TimeUnit};
use super::{Style, fixed, signed};

/// `regressed`, `improved`, `unchanged`, `not comparable`.
pub(super) fn verdict_label(verdict: Verdict) -> &'static str {
    match verdict {
        Verdict::Regressed => "regressed",
        Verdict::Improved => "improved",
        Verdict::Unchanged => "unchanged",
        Verdict::NotComparable => "not comparable",
    }
}

/// Display order: regressions first, then groups that could not be compared, then improvements.
pub(super) fn verdict_rank(verdict: Verdict) -> u8 {
    match verdict {
        Verdict::Regressed => 0,
        Verdict::NotComparable => 1,
        Verdict::Improved => 2,
        Verdict::Unchanged => 3,
    }
}

/// The groups in display order; within a verdict, the comparison's (tool, step) order.
pub(super) fn groups_in_display_order(comparison: &Comparison) -> Vec<&GroupComparison> {
    let mut groups: Vec<&GroupComparison> = comparison.groups.iter().collect();
    groups.sort_by_key(|group| verdict_rank(group.verdict));
    groups
}

/// `p95, tolerance 5.0%, alpha 0.05, baseline sha256:0123456789ab`.
pub(super) fn settings_sentence(comparison: &Comparison) -> String {
    let metric = comparison.metric;
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
    .map(|verdict| format!("{} {}", comparison.count(*verdict), verdict_label(*verdict)))
    .collect::<Vec<_>>()
    .join(", ")
}

/// The style of a comparison table: the baseline and current values of every group in one unit.
pub(super) fn table_style(symbols: Symbols, groups: &[&GroupComparison]) -> Style {
    let values = groups.iter().flat_map(|group| {
        group
            .baseline_value_ms
            .into_iter()
            .chain(group.current_value_ms)
    });
    Style {
        symbols,
        unit: Some(TimeUnit::for_column(values)),
    }
}

/// A baseline or current value, `--` when that side has none.
pub(super) fn value_text(value: Option<f64>, style: Style) -> String {
    value.map_or_else(|| "--".to_owned(), |ms| style.duration(ms))
}

/// The largest current value that is not a regression by size: the baseline value plus the
/// group's tolerance.
pub(super) fn limit_ms(group: &GroupComparison) -> Option<f64> {
    group
        .baseline_value_ms
        .map(|baseline| baseline * (1.0 + group.tolerance))
}

/// A group's change in numbers, each value in its own unit: `p95 147.4 ms -> 103.2 ms, -30.0%,
/// 95% CI [-31.2%, -28.8%], adjusted p 5.2e-128`.
pub(super) fn change_detail(
    comparison: &Comparison,
    group: &GroupComparison,
    symbols: Symbols,
) -> String {
    let style = Style::sentence(symbols);
    format!(
        "{} {} -> {}, {}, 95% CI {}, adjusted p {}",
        comparison.metric,
        value_text(group.baseline_value_ms, style),
        value_text(group.current_value_ms, style),
        change_text(group),
        interval_text(group),
        p_text(group)
    )
}

/// What a regression means in numbers, each value in its own unit:
/// `p95 191.6 ms > 154.3 ms (baseline 147.0 ms +5.0% tolerance), +30.0%, 95% CI [+27.8%, +32.2%],
/// adjusted p 1.1e-101`.
pub(super) fn regression_detail(
    comparison: &Comparison,
    group: &GroupComparison,
    symbols: Symbols,
) -> String {
    let style = Style::sentence(symbols);
    format!(
        "{} {} > {} (baseline {} + {}% tolerance), {}, 95% CI {}, adjusted p {}",
        comparison.metric,
        value_text(group.current_value_ms, style),
        value_text(limit_ms(group), style),
        value_text(group.baseline_value_ms, style),
        fixed(group.tolerance * 100.0, 1),
        change_text(group),
        interval_text(group),
        p_text(group)
    )
}

pub(super) fn change_text(group: &GroupComparison) -> String {
    group.relative_change.map_or_else(
        || "--".to_owned(),
        |change| format!("{}%", signed(change * 100.0, 1)),
    )
}

pub(super) fn interval_text(group: &GroupComparison) -> String {
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

pub(super) fn p_text(group: &GroupComparison) -> String {
    match group.adjusted_p_value {
        None => "--".to_owned(),
        Some(p) if p < 0.0001 => format!("{p:.1e}"),
        Some(p) => fixed(p, 4),
    }
}

pub(super) fn group_label(group: &GroupComparison) -> String {
    group.key.to_string()
}

/// Why the group got its verdict, in a sentence naming what is missing for another verdict:
/// `p95 +30.0% exceeds the 5.0% tolerance and is significant (adjusted p = 1.2e-5 <= 0.05)`.
pub(super) fn reason_sentence(comparison: &Comparison, group: &GroupComparison) -> String {
    let metric = comparison.metric;
    match group.reason {
        Reason::NotInBaseline => "not in the baseline (a new group)".to_owned(),
        Reason::NotInCurrent => "not in the current run".to_owned(),
        Reason::TooFewSamples {
            baseline,
            current,
            needed,
        } => format!(
            "too few samples: baseline n={baseline}, current n={current}, need {needed} on each side"
        ),
        Reason::NoLatencies => "no latencies to compare".to_owned(),
        Reason::ZeroBaseline => {
            format!("baseline {metric} is 0 ms, so a relative change is undefined")
        }
        Reason::Tested { size, significant } => {
            let change = format!(
                "{metric} {}%",
                signed(group.relative_change.unwrap_or(0.0) * 100.0, 1)
            );
            let tolerance = format!("{}%", fixed(group.tolerance * 100.0, 1));
            let p = format!("adjusted p = {}", p_text(group));
            let alpha = comparison.alpha;
            match (size, significant) {
                (ChangeSize::AboveTolerance, true) => format!(
                    "{change} exceeds the {tolerance} tolerance and is significant ({p} <= {alpha})"
                ),
                (ChangeSize::BelowTolerance, true) => format!(
                    "{change} is beyond the {tolerance} tolerance and significant ({p} <= {alpha})"
                ),
                (ChangeSize::AboveTolerance | ChangeSize::BelowTolerance, false) => format!(
                    "{change} is beyond the {tolerance} tolerance but not significant ({p} > {alpha})"
                ),
                (ChangeSize::WithinTolerance, true) => format!(
                    "significant ({p} <= {alpha}) but {change} is within the {tolerance} tolerance"
                ),
                (ChangeSize::WithinTolerance, false) => format!(
                    "{change} is within the {tolerance} tolerance and not significant ({p} > {alpha})"
                ),
            }
        }
        // A reason added later is still shown, by its data.
        #[allow(unreachable_patterns)]
        other => format!("{other:?}"),
    }
}

/// The warning to show when the environments differ, e.g.
/// `environment differs from the baseline's (cpu_cores: 4 -> 2): the comparison may not be like
/// for like`.
pub(super) fn environment_warning(comparison: &Comparison) -> Option<String> {
    if comparison.environment_differences.is_empty() {
        return None;
    }
    let fields: Vec<String> = comparison
        .environment_differences
        .iter()
        .map(|d| format!("{}: {} -> {}", d.field, d.baseline, d.current))
        .collect();
    Some(format!(
        "environment differs from the baseline's ({}): the comparison may not be like for like",
        fields.join(", ")
    ))
}
