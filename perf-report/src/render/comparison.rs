//! Phrasing the baseline comparison: the sentences and cells every format shows, built from the
//! comparison's numbers and structured reasons. A leaf: formats import it, it imports no format.

use perf_baseline::{
    ChangeSize, ChangeVerdict as Verdict, Comparison, GroupComparison, MeasureComparison,
    MeasureTest, Reason,
};
use perf_record::{Direction, MeasureUnit};

use super::duration::{Symbols, TimeUnit};
use super::{Style, ValueUnit, fixed, format_value, signed};

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

/// `3 regressed, 1 improved, 10 unchanged, 2 not comparable`, and `; measures: 1 regressed, ...`
/// when groups have measures.
pub(super) fn counts_sentence(comparison: &Comparison) -> String {
    let counts = |count: &dyn Fn(Verdict) -> usize| {
        [
            Verdict::Regressed,
            Verdict::Improved,
            Verdict::Unchanged,
            Verdict::NotComparable,
        ]
        .iter()
        .map(|verdict| format!("{} {}", count(*verdict), verdict_label(*verdict)))
        .collect::<Vec<_>>()
        .join(", ")
    };
    let mut sentence = counts(&|verdict| comparison.count(verdict));
    if comparison.has_measures() {
        sentence.push_str("; measures: ");
        sentence.push_str(&counts(&|verdict| comparison.measure_count(verdict)));
    }
    sentence
}

/// A measure of a group, as the report shows it: beside the group's latency row, with the
/// measure's own unit, direction and test.
#[derive(Debug, Clone, Copy)]
pub(super) struct MeasureRow<'a> {
    /// The group.
    pub group: &'a GroupComparison,
    /// Its measure.
    pub measure: &'a MeasureComparison,
}

/// Every group's measures in display order (regressions first, as the groups); within a
/// verdict, by (tool, step) and name.
pub(super) fn measure_rows_in_display_order(comparison: &Comparison) -> Vec<MeasureRow<'_>> {
    let mut rows: Vec<MeasureRow<'_>> = comparison
        .groups
        .iter()
        .flat_map(|group| {
            group
                .measures
                .iter()
                .map(move |measure| MeasureRow { group, measure })
        })
        .collect();
    rows.sort_by_key(|row| verdict_rank(row.measure.verdict));
    rows
}

impl MeasureRow<'_> {
    /// `cli/build peak_rss_mb`.
    pub(super) fn label(&self) -> String {
        format!("{} {}", self.group.key, self.measure.name)
    }

    fn unit(&self) -> ValueUnit {
        ValueUnit::Measure(MeasureUnit::of(&self.measure.name))
    }

    /// A value in the measure's unit (`120.00 MiB`, `812.00`), `--` when there is none.
    pub(super) fn value_text(&self, value: Option<f64>, symbols: Symbols) -> String {
        value.map_or_else(
            || "--".to_owned(),
            |value| format_value(value, self.unit(), Style::sentence(symbols)),
        )
    }

    /// `p50 120.00 MiB -> 144.00 MiB`.
    pub(super) fn values_text(&self, symbols: Symbols) -> String {
        format!(
            "{} {} -> {}",
            self.measure.metric,
            self.value_text(self.measure.baseline_value, symbols),
            self.value_text(self.measure.current_value, symbols)
        )
    }

    pub(super) fn change_text(&self) -> String {
        percent(self.measure.relative_change)
    }

    pub(super) fn interval_text(&self) -> String {
        interval(self.measure.relative_change_interval)
    }

    pub(super) fn p_text(&self) -> String {
        p_value(self.measure.adjusted_p_value)
    }

    /// `rank test` / `p95 test`, and `higher is better` when declared.
    pub(super) fn test_text(&self) -> String {
        let test = match self.measure.test {
            Some(MeasureTest::Rank) => "rank test".to_owned(),
            Some(MeasureTest::Quantile) => format!("{} test", self.measure.metric),
            None => "not tested".to_owned(),
        };
        match self.measure.direction {
            Direction::HigherIsWorse => test,
            Direction::HigherIsBetter => format!("{test}, higher is better"),
        }
    }

    /// Why the measure got its verdict, in a sentence, as [`reason_sentence`] for a group.
    pub(super) fn reason_sentence(&self, comparison: &Comparison) -> String {
        let measure = self.measure;
        let name = &measure.name;
        match measure.reason {
            Reason::NotInBaseline => format!("{name} is not in the baseline (a new measure)"),
            Reason::NotInCurrent => format!("{name} is not in the current run"),
            Reason::TooFewSamples {
                baseline,
                current,
                needed,
            } => format!(
                "too few values of {name}: baseline n={baseline}, current n={current}, need {needed} on each side"
            ),
            Reason::ZeroBaseline => format!(
                "baseline {} of {name} is 0, so a relative change is undefined",
                measure.metric
            ),
            Reason::UnresolvedPercentile {
                sample_count,
                stored_points,
            } => format!(
                "the baseline does not store {} of {name} exactly and its {stored_points} order statistics of {sample_count} values cannot resolve it; rebuild the baseline",
                measure.metric
            ),
            Reason::Tested { size, significant } => {
                let change = format!("{name} {}", self.change_text());
                let tolerance = format!("{}%", fixed(measure.tolerance * 100.0, 1));
                let p = format!("adjusted p = {}", self.p_text());
                let alpha = comparison.alpha;
                let interval = self.interval_text();
                let worse = match (measure.direction, size) {
                    (Direction::HigherIsWorse, ChangeSize::AboveTolerance)
                    | (Direction::HigherIsBetter, ChangeSize::BelowTolerance) => Some(true),
                    (_, ChangeSize::WithinTolerance) => None,
                    _ => Some(false),
                };
                let side = match size {
                    ChangeSize::BelowTolerance => "below",
                    _ => "above",
                };
                match (worse, significant) {
                    (Some(true), true) => format!(
                        "{change} is worse by more than the {tolerance} tolerance: its interval {interval} lies {side} it ({p} <= {alpha})"
                    ),
                    (Some(false), true) => format!(
                        "{change} is better by more than the {tolerance} tolerance: its interval {interval} lies {side} it"
                    ),
                    (Some(_), false) => format!(
                        "{change} is beyond the {tolerance} tolerance but its interval {interval} reaches into it ({p} > {alpha})"
                    ),
                    (None, _) => format!("{change} is within the {tolerance} tolerance ({p})"),
                }
            }
            Reason::NoLatencies => format!("no values of {name} to compare"),
            #[allow(unreachable_patterns)]
            other => format!("{other:?}"),
        }
    }

    /// The change in numbers: `p50 120.00 MiB -> 144.00 MiB, +20.0%, interval [+19.1%, +20.9%],
    /// adjusted p 1.8e-4 (rank test)`.
    pub(super) fn change_detail(&self, symbols: Symbols) -> String {
        format!(
            "{}, {}, interval {}, adjusted p {} ({})",
            self.values_text(symbols),
            self.change_text(),
            self.interval_text(),
            self.p_text(),
            self.test_text()
        )
    }
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
/// interval [-31.2%, -28.8%], adjusted p 5.2e-128`.
pub(super) fn change_detail(
    comparison: &Comparison,
    group: &GroupComparison,
    symbols: Symbols,
) -> String {
    let style = Style::sentence(symbols);
    format!(
        "{} {} -> {}, {}, interval {}, adjusted p {}",
        comparison.metric,
        value_text(group.baseline_value_ms, style),
        value_text(group.current_value_ms, style),
        change_text(group),
        interval_text(group),
        p_text(group)
    )
}

/// What a regression means in numbers, each value in its own unit:
/// `p95 191.6 ms > 154.3 ms (baseline 147.0 ms +5.0% tolerance), +30.0%, interval [+27.8%, +32.2%],
/// adjusted p 1.1e-101`.
pub(super) fn regression_detail(
    comparison: &Comparison,
    group: &GroupComparison,
    symbols: Symbols,
) -> String {
    let style = Style::sentence(symbols);
    format!(
        "{} {} > {} (baseline {} + {}% tolerance), {}, interval {}, adjusted p {}",
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
    percent(group.relative_change)
}

pub(super) fn interval_text(group: &GroupComparison) -> String {
    interval(group.relative_change_interval)
}

pub(super) fn p_text(group: &GroupComparison) -> String {
    p_value(group.adjusted_p_value)
}

/// `+30.0%`, `--` without a value.
fn percent(change: Option<f64>) -> String {
    change.map_or_else(
        || "--".to_owned(),
        |change| format!("{}%", signed(change * 100.0, 1)),
    )
}

/// `[+27.8%, +32.2%]`, `--` without an interval.
fn interval(bounds: Option<(f64, f64)>) -> String {
    bounds.map_or_else(
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

/// `0.0123`, `1.1e-101`, `--` without a p-value.
fn p_value(p: Option<f64>) -> String {
    match p {
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
