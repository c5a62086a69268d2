//! Phrasing the baseline comparison: the sentences and cells every format shows, built from the
//! comparison's numbers and structured reasons. A leaf: formats import it, it imports no format.

use perf_baseline::{ChangeSize, ChangeVerdict as Verdict, Comparison, GroupComparison, Reason};

use super::{fixed, signed};

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

pub(super) fn milliseconds(value: Option<f64>) -> String {
    value.map_or_else(|| "--".to_owned(), |ms| format!("{}ms", fixed(ms, 2)))
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
        Reason::UnresolvedPercentile {
            sample_count,
            stored_points,
        } => format!(
            "the baseline does not store {metric} exactly and its {stored_points} order statistics of {sample_count} latencies cannot resolve it; rebuild the baseline"
        ),
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
                    "{change} exceeds the {tolerance} tolerance: its interval {} lies above it ({p} <= {alpha})",
                    interval_text(group)
                ),
                (ChangeSize::BelowTolerance, true) => format!(
                    "{change} is beyond the {tolerance} tolerance: its interval {} lies below it",
                    interval_text(group)
                ),
                (ChangeSize::AboveTolerance | ChangeSize::BelowTolerance, false) => format!(
                    "{change} is beyond the {tolerance} tolerance but its interval {} reaches into it ({p} > {alpha})",
                    interval_text(group)
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
