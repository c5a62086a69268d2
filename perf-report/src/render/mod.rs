//! Renderers: one report ([`crate::Report`]), several formats.
//!
//! Each format is a module with a `render` function; inside, each report section has its own
//! function, so a new section is a new function per format. Every renderer is deterministic:
//! the same report always gives the same bytes.

mod comparison;
pub mod duration;
pub mod escape;
pub mod github;
mod headline;
mod history;
pub mod html;
pub mod json;
pub mod junit;
pub mod markdown;
pub mod openmetrics;
pub mod text;

use perf_budget::{Check, CheckStatus, Direction, LintFinding, Unit};
use perf_record::{LatencyOf, MeasureUnit};

use self::duration::{Symbols, TimeUnit};
use crate::report::Report;

/// Position of a status in rendered reports: violations first, passes last.
fn status_rank(status: CheckStatus) -> u8 {
    match status {
        CheckStatus::Fail => 0,
        CheckStatus::Warn => 1,
        CheckStatus::InsufficientSamples => 2,
        CheckStatus::LowConfidence => 3,
        CheckStatus::NoData => 4,
        CheckStatus::Pass => 5,
    }
}

/// The report's checks in display order: by status (violations first), then tool, step, metric.
fn checks_in_display_order(report: &Report) -> Vec<&Check> {
    let mut checks: Vec<&Check> = report.checks().iter().collect();
    // Stable: within a status the model's (tool, step, metric) order is kept.
    checks.sort_by_key(|check| status_rank(check.status));
    checks
}

/// The widest a padded column gets: a longer cell (a very long tool or step name) is written
/// whole and overflows its column instead of widening every row, and no width that comes from
/// data reaches a format width unclamped (`{:<width$}` accepts at most 65,535).
pub(crate) const MAX_COLUMN_WIDTH: usize = 80;

/// The width of a column of `cells`: the widest, at most [`MAX_COLUMN_WIDTH`].
pub(crate) fn column_width<'a>(cells: impl Iterator<Item = &'a str>) -> usize {
    cells.map(str::len).max().unwrap_or(0).min(MAX_COLUMN_WIDTH)
}

/// `value` with `decimals` decimals, never `-0.00`.
pub(crate) fn fixed(value: f64, decimals: usize) -> String {
    let text = format!("{value:.decimals$}");
    match text.strip_prefix('-') {
        Some(rest) if rest.bytes().all(|byte| byte == b'0' || byte == b'.') => rest.to_owned(),
        _ => text,
    }
}

/// A rate: two decimals, or three significant digits below 1, so that a slow rate (a few records
/// an hour) never reads `0.00`.
pub(crate) fn rate(value: f64) -> String {
    if value != 0.0 && value.abs() < 1.0 && value.is_finite() {
        let decimals = (2.0 - value.abs().log10().floor()).clamp(2.0, 12.0) as usize;
        return fixed(value, decimals);
    }
    fixed(value, 2)
}

/// `fixed` with an explicit `+` on non-negative values.
pub(crate) fn signed(value: f64, decimals: usize) -> String {
    let text = fixed(value, decimals);
    if text.starts_with('-') {
        text
    } else {
        format!("+{text}")
    }
}

/// How values are written: which unit symbols, and whether durations share one unit (a table
/// column) or each takes its own (a sentence).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Style {
    /// `us` or `µs`.
    pub(crate) symbols: Symbols,
    /// The one unit of a table's duration columns; `None` scales each value on its own.
    pub(crate) unit: Option<TimeUnit>,
}

impl Style {
    /// Each duration in its own unit.
    pub(crate) fn sentence(symbols: Symbols) -> Style {
        Style {
            symbols,
            unit: None,
        }
    }

    /// Every duration of `checks` in the one unit most of their observed values read best in
    /// (most of their limits when nothing was observed).
    pub(crate) fn table(symbols: Symbols, checks: &[&Check]) -> Style {
        let durations = || {
            checks
                .iter()
                .filter(|check| check.unit == Unit::Milliseconds)
        };
        let unit = if durations().any(|check| check.observed.is_some()) {
            TimeUnit::for_column(durations().filter_map(|check| check.observed))
        } else {
            TimeUnit::for_column(durations().map(|check| check.limit))
        };
        Style {
            symbols,
            unit: Some(unit),
        }
    }

    /// A duration: `18.30 ms`, `2.13 µs`.
    pub(crate) fn duration(self, milliseconds: f64) -> String {
        match self.unit {
            Some(unit) => duration::format_in(milliseconds, unit, self.symbols),
            None => duration::format(milliseconds, self.symbols),
        }
    }

    /// A signed duration: `+8.30 ms`.
    pub(crate) fn signed_duration(self, milliseconds: f64) -> String {
        match self.unit {
            Some(unit) => duration::signed_in(milliseconds, unit, self.symbols),
            None => duration::format_signed(milliseconds, self.symbols),
        }
    }
}

/// The unit a value of a check is written in: a latency or error-rate [`Unit`], or the unit the
/// name of a record measure says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ValueUnit {
    /// Milliseconds or a fraction.
    Plain(Unit),
    /// A record measure's unit.
    Measure(MeasureUnit),
}

impl From<Unit> for ValueUnit {
    fn from(unit: Unit) -> Self {
        ValueUnit::Plain(unit)
    }
}

impl ValueUnit {
    /// The unit of `check`'s observed value and limit.
    pub(crate) fn of(check: &Check) -> ValueUnit {
        match &check.measure {
            Some(measure) => ValueUnit::Measure(MeasureUnit::of(&measure.name)),
            None => ValueUnit::Plain(check.unit),
        }
    }
}

/// A metric value with its unit: `18.30 ms`, `1.25%` for a fraction, `12.50 MiB` or `812.00`
/// (a count) for a measure.
fn format_value(value: f64, unit: impl Into<ValueUnit>, style: Style) -> String {
    match unit.into() {
        ValueUnit::Plain(Unit::Milliseconds)
        | ValueUnit::Plain(Unit::Measure)
        | ValueUnit::Measure(MeasureUnit::Milliseconds) => style.duration(value),
        ValueUnit::Plain(Unit::Fraction) => format!("{}%", fixed(value * 100.0, 2)),
        ValueUnit::Measure(MeasureUnit::PerSecond) => {
            with_symbol(rate(value), MeasureUnit::PerSecond)
        }
        ValueUnit::Measure(measure) => with_symbol(fixed(value, 2), measure),
    }
}

/// A signed difference with its unit: `+8.30 ms`, `+0.25pp` (percentage points) for a
/// fraction, `+2.50 MiB` for a measure.
fn format_difference(value: f64, unit: impl Into<ValueUnit>, style: Style) -> String {
    match unit.into() {
        ValueUnit::Plain(Unit::Milliseconds)
        | ValueUnit::Plain(Unit::Measure)
        | ValueUnit::Measure(MeasureUnit::Milliseconds) => style.signed_duration(value),
        ValueUnit::Plain(Unit::Fraction) => format!("{}pp", signed(value * 100.0, 2)),
        ValueUnit::Measure(measure) => with_symbol(signed(value, 2), measure),
    }
}

/// `12.50 MiB`; a count has no symbol.
fn with_symbol(number: String, unit: MeasureUnit) -> String {
    match unit.symbol() {
        "" => number,
        symbol => format!("{number} {symbol}"),
    }
}

/// The observed value, or `--` when there is none.
fn observed_text(check: &Check, style: Style) -> String {
    check.observed.map_or_else(
        || "--".to_owned(),
        |value| format_value(value, ValueUnit::of(check), style),
    )
}

/// `> 10.00 ms` or `<= 80.00 ms` (`<= 80.00 ms` too when nothing was observed).
fn comparison_text(check: &Check, style: Style) -> String {
    let higher_is_better = check
        .measure
        .as_ref()
        .is_some_and(|measure| measure.direction == Direction::HigherIsBetter);
    let operator = match (check.observed, higher_is_better) {
        (Some(observed), false) if observed > check.limit => ">",
        (_, false) => "<=",
        (Some(observed), true) if observed < check.limit => "<",
        (_, true) => ">=",
    };
    format!(
        "{operator} {}",
        format_value(check.limit, ValueUnit::of(check), style)
    )
}

/// What the check's numbers mean, without parentheses: `+8.30 ms, +83.0%`, `40.20 ms headroom`
/// (`, 1.00 ms at the upper bound` when there is an interval), `insufficient samples: 10 < 50`,
/// `low confidence: ...`, `no data`.
fn detail_text(check: &Check, style: Style) -> String {
    match check.status {
        CheckStatus::NoData => "no data".to_owned(),
        CheckStatus::InsufficientSamples => {
            format!(
                "insufficient samples: {} < {}",
                check.sample_count, check.min_samples
            )
        }
        CheckStatus::LowConfidence => match check.confidence_interval {
            Some(interval) => format!(
                "low confidence: over the budget, but the {}% CI {}..{} reaches down to it",
                fixed(interval.level * 100.0, 0),
                format_value(interval.low, ValueUnit::of(check), style),
                format_value(interval.high, ValueUnit::of(check), style)
            ),
            None => format!(
                "low confidence: no confidence interval from {} samples",
                check.sample_count
            ),
        },
        CheckStatus::Pass => match (check.headroom, check.headroom_at_bound) {
            (Some(headroom), Some(at_bound)) if at_bound >= 0.0 => format!(
                "{} headroom, {} at the upper bound",
                format_value(headroom, ValueUnit::of(check), style),
                format_value(at_bound, ValueUnit::of(check), style)
            ),
            (Some(headroom), Some(at_bound)) => format!(
                "{} headroom, the upper bound {} over",
                format_value(headroom, ValueUnit::of(check), style),
                format_value(-at_bound, ValueUnit::of(check), style)
            ),
            (Some(headroom), None) => {
                format!(
                    "{} headroom",
                    format_value(headroom, ValueUnit::of(check), style)
                )
            }
            (None, _) => "within budget".to_owned(),
        },
        CheckStatus::Fail | CheckStatus::Warn => {
            let absolute = check.difference.map_or_else(String::new, |value| {
                format_difference(value, ValueUnit::of(check), style)
            });
            match check.relative_difference {
                Some(relative) => format!("{absolute}, {}%", signed(relative * 100.0, 1)),
                None => absolute,
            }
        }
    }
}

/// `marginal: 95% CI 469.0 ms..532.0 ms` for a marginal check.
fn marginal_text(check: &Check, style: Style) -> Option<String> {
    let interval = check.confidence_interval.filter(|_| check.marginal)?;
    Some(format!(
        "marginal: {}% CI {}..{}",
        fixed(interval.level * 100.0, 0),
        format_value(interval.low, ValueUnit::of(check), style),
        format_value(interval.high, ValueUnit::of(check), style)
    ))
}

/// One line describing a check, names as they are (each format escapes the whole), each value
/// in its own unit: `a2a/echo avg 18.30 ms > 10.00 ms (+8.30 ms, +83.0%) n=1486`.
fn check_sentence(check: &Check, symbols: Symbols) -> String {
    let style = Style::sentence(symbols);
    let mut sentence = format!(
        "{} {} {} {} ({}) n={}",
        check.group,
        check.metric_label(),
        observed_text(check, style),
        comparison_text(check, style),
        detail_text(check, style),
        check.sample_count
    );
    if let Some(marginal) = marginal_text(check, style) {
        sentence.push_str(", ");
        sentence.push_str(&marginal);
    }
    sentence
}

/// One sentence per lint finding; `name` formats each log-derived name (identity, or a
/// format's escape function).
fn lint_sentence(finding: &LintFinding, name: &dyn Fn(&str) -> String) -> String {
    match finding {
        LintFinding::UnusedEntry {
            entry,
            shadowed_groups: 0,
        } => {
            format!("budget entry {} matched no data", name(&entry.to_string()))
        }
        LintFinding::UnusedEntry {
            entry,
            shadowed_groups,
        } => format!(
            "budget entry {} is never used: a more specific entry wins for all {shadowed_groups} group(s) it matches",
            name(&entry.to_string())
        ),
        LintFinding::UncoveredGroup {
            tool,
            step,
            sample_count,
        } => {
            format!(
                "group {} ({sample_count} samples) is not covered by any budget entry",
                name(&perf_record::GroupKey::new(tool.as_str(), step.as_str()).to_string())
            )
        }
        LintFinding::ShadowedMetrics {
            shadowed,
            metrics,
            measures,
            winners,
            groups,
        } => {
            const SHOWN: usize = 5;
            let metrics: Vec<String> = metrics
                .iter()
                .map(ToString::to_string)
                .chain(measures.iter().cloned())
                .collect();
            let mut names: Vec<String> = winners
                .iter()
                .take(SHOWN)
                .map(|winner| name(&winner.to_string()))
                .collect();
            if winners.len() > SHOWN {
                names.push(format!("{} more", winners.len() - SHOWN));
            }
            format!(
                "the {} limit(s) of budget entry {} do not apply to {groups} group(s) where a more specific entry wins without them ({}); entries replace, never merge: copy the limits there if they should apply",
                metrics.join(", "),
                name(&shadowed.to_string()),
                names.join(", "),
            )
        }
        LintFinding::AmbiguousEntries {
            winner,
            other,
            groups,
        } => format!(
            "budget entries {} and {} are equally specific and both match {groups} group(s); {} wins because it sorts first (make one of them more specific)",
            name(&winner.to_string()),
            name(&other.to_string()),
            name(&winner.to_string()),
        ),
        LintFinding::UnknownMeasure {
            entry,
            measure,
            did_you_mean,
        } => {
            let suggestion = did_you_mean
                .as_ref()
                .map(|meant| format!(" (did you mean {meant}?)"))
                .unwrap_or_default();
            format!(
                "budget entry {} limits measure {measure}, which no group it applies to carries{suggestion}",
                name(&entry.to_string())
            )
        }
        LintFinding::TooFewSamples {
            tool,
            step,
            entry,
            sample_count,
            min_samples,
        } => format!(
            "group {} has {sample_count} samples, fewer than min_samples {min_samples} of entry {}",
            name(&perf_record::GroupKey::new(tool.as_str(), step.as_str()).to_string()),
            name(&entry.to_string())
        ),
    }
}

/// Which records the latencies are of, as the count line says it.
fn latency_of_phrase(latency_of: LatencyOf) -> &'static str {
    match latency_of {
        LatencyOf::Ok => "latencies of successful records",
        LatencyOf::All => "latencies of every known outcome",
    }
}

/// The identity name formatter, for formats that escape whole lines.
fn verbatim(name: &str) -> String {
    name.to_owned()
}

/// The count line: `1 failed, 0 warned, 2 inconclusive, 30 passed (33 checks, 1 marginal;
/// latencies of successful records)`. The headline counts and which records the latencies are
/// of (`latency_of`); with a baseline comparison, its counts too, so a run failed only by a
/// regression says so in its first line.
fn counts_sentence(report: &Report) -> String {
    let counts = report.counts();
    // "low confidence" appears only when a check has that status, so reports of budgets that
    // never lower `min_samples` read as before.
    let low_confidence = if counts.low_confidence > 0 {
        format!(", {} low confidence", counts.low_confidence)
    } else {
        String::new()
    };
    let mut sentence = format!(
        "{} failed, {} warned, {} insufficient samples{low_confidence}, {} no data, {} passed ({} checks, {} marginal; {})",
        counts.failed,
        counts.warned,
        counts.insufficient_samples,
        counts.no_data,
        counts.passed,
        counts.total,
        counts.marginal,
        latency_of_phrase(report.settings().latency_of)
    );
    if let Some(comparison) = report.baseline() {
        sentence.push_str("; baseline: ");
        sentence.push_str(&comparison::counts_sentence(comparison));
    }
    sentence
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_slow_rate_keeps_three_significant_digits() {
        assert_eq!(rate(0.000_903_9), "0.000904");
        assert_eq!(rate(0.038_876), "0.0389");
        assert_eq!(rate(0.5), "0.500");
        assert_eq!(rate(125.0), "125.00");
        assert_eq!(rate(0.0), "0.00");
    }

    #[test]
    fn fixed_never_prints_negative_zero() {
        assert_eq!(fixed(-0.001, 2), "0.00");
        assert_eq!(fixed(-0.006, 2), "-0.01");
        assert_eq!(signed(0.0, 1), "+0.0");
        assert_eq!(signed(-0.0, 1), "+0.0");
    }

    #[test]
    fn values_carry_units() {
        let style = Style::sentence(Symbols::Unicode);
        assert_eq!(format_value(18.3, Unit::Milliseconds, style), "18.30 ms");
        assert_eq!(format_value(0.002, Unit::Milliseconds, style), "2.00 µs");
        assert_eq!(format_value(0.0125, Unit::Fraction, style), "1.25%");
        assert_eq!(format_difference(0.0025, Unit::Fraction, style), "+0.25pp");
        assert_eq!(
            format_difference(-40.2, Unit::Milliseconds, style),
            "-40.20 ms"
        );
    }
}
