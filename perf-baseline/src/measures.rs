//! Comparing a group's record measures (`peak_rss_mb`, `allocs`, `throughput_rps`) against the
//! baseline: the latency rule in each measure's direction, and the rank test of a change of
//! scale for measures with too few values for a quantile's standard error (10 command runs).

use std::collections::{BTreeMap, BTreeSet};

use perf_record::{Direction, GroupKey, GroupSamples, MeasureUnit};
use perf_stats::{Percentile, QuantileChangeTest, QuantileMethod, ScaleChangeTest, StatsError};
use serde::{Deserialize, Serialize};

use crate::compare::{ChangeSize, ChangeVerdict, CompareConfig, Reason, baseline_metric};
use crate::error::BaselineError;
use crate::format::{BaselineGroup, LatencyStats};
use crate::numbers;

/// Which test compared a measure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
pub enum MeasureTest {
    /// The latency rule: the one-sided test of the compared percentile's relative change
    /// (both sides have at least as many values as the latency comparison needs).
    Quantile,
    /// Too few values for that (but at least 5 a side): the one-sided rank test of a change of
    /// scale (Mann-Whitney U against the baseline scaled by the tolerance), its bounds inverted
    /// from the test, the change its Hodges-Lehmann estimate; the values shown are medians.
    Rank,
}

/// One measure's comparison within a group.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
pub struct MeasureComparison {
    /// The measure (`peak_rss_mb`).
    pub name: String,
    /// Its unit, as reports write it after a value (`MiB`, `ms`, `/s`; empty for a count), from
    /// the name's suffix.
    pub unit: String,
    /// Which way it gets worse (the budget entry's `"direction"`, default `higher_is_worse`).
    pub direction: Direction,
    /// The test used, when the measure was tested.
    pub test: Option<MeasureTest>,
    /// The percentile whose values are shown: the run's metric for the quantile test, `p50` for
    /// the rank test.
    pub metric: Percentile,
    /// The conclusion, in the measure's direction (a fall of a higher-is-better measure
    /// regresses).
    pub verdict: ChangeVerdict,
    /// Why. `size` is where the change of the value lies (above: it grew).
    pub reason: Reason,
    /// The metric in the baseline, in the measure's unit.
    pub baseline_value: Option<f64>,
    /// The metric in the current run, in the measure's unit.
    pub current_value: Option<f64>,
    /// `current / baseline - 1` (the quantile test) or the Hodges-Lehmann estimate of the scale
    /// ratio minus one (the rank test).
    pub relative_change: Option<f64>,
    /// Confidence bounds of the relative change, each one-sided at `interval_confidence`: the
    /// interval the verdict uses.
    pub relative_change_interval: Option<(f64, f64)>,
    /// The one-sided confidence level of each bound (the pair's Holm level).
    pub interval_confidence: Option<f64>,
    /// The one-sided p-value of "no worse than the tolerance" in the measure's direction.
    pub p_value: Option<f64>,
    /// The p-value after Holm-Bonferroni adjustment across every pair compared (latencies and
    /// measures of every group).
    pub adjusted_p_value: Option<f64>,
    /// The tolerance applied (the group's).
    pub tolerance: f64,
    /// Values on the baseline side.
    pub baseline_sample_count: u64,
    /// Values on the current side.
    pub current_sample_count: u64,
}

/// A tested pair's test, before the Holm adjustment.
pub(crate) enum PairTest {
    /// The quantile test of `current / baseline` (latency, higher-is-worse measures).
    Quantile(QuantileChangeTest),
    /// The quantile test of `baseline / current` (higher-is-better measures).
    QuantileInverted(QuantileChangeTest),
    /// The rank test of a change of scale.
    Rank(ScaleChangeTest),
}

impl PairTest {
    pub(crate) fn p_value(&self) -> f64 {
        match self {
            PairTest::Quantile(test) | PairTest::QuantileInverted(test) => test.p_value,
            PairTest::Rank(test) => test.p_value,
        }
    }

    /// One-sided bounds at `level` of `current / baseline - 1`.
    pub(crate) fn bounds(&self, level: f64) -> Result<(f64, f64), StatsError> {
        match self {
            PairTest::Quantile(test) => test.bounds(level),
            PairTest::QuantileInverted(test) => {
                let (low, high) = test.bounds(level)?;
                Ok((1.0 / (1.0 + high) - 1.0, 1.0 / (1.0 + low) - 1.0))
            }
            PairTest::Rank(test) => test.bounds(level),
        }
    }
}

/// The measures of a group on both sides of the comparison, by name, each with its test when it
/// was tested.
pub(crate) fn compare_group(
    key: &GroupKey,
    before: &BaselineGroup,
    now: &GroupSamples,
    baseline_method: Option<QuantileMethod>,
    config: &CompareConfig,
    tolerance: f64,
    directions: Option<&BTreeMap<String, Direction>>,
) -> Result<Vec<(MeasureComparison, Option<PairTest>)>, BaselineError> {
    let current: BTreeMap<&str, &[f64]> = now
        .measures
        .iter()
        .filter(|measure| !measure.values.is_empty())
        .map(|measure| (measure.name.as_str(), measure.values.as_slice()))
        .collect();
    let names: BTreeSet<&str> = before
        .measures
        .keys()
        .map(String::as_str)
        .chain(current.keys().copied())
        .collect();
    names
        .into_iter()
        .map(|name| {
            let direction = directions
                .and_then(|directions| directions.get(name))
                .copied()
                .unwrap_or_default();
            let sorted = current
                .get(name)
                .map(|values| {
                    numbers::sorted_latencies(values).map_err(|problem| {
                        BaselineError::InvalidGroup {
                            source_name: "current run".to_owned(),
                            tool: key.tool.clone(),
                            step: key.step.clone(),
                            field: "measures",
                            problem: format!("{name}: {problem}"),
                        }
                    })
                })
                .transpose()?;
            let pair = Pair {
                name,
                direction,
                tolerance,
                baseline: before.measures.get(name),
                current: sorted.as_deref(),
            };
            pair.compare(baseline_method, config)
                .map_err(|source| BaselineError::Statistics {
                    group: format!("{key} {name}"),
                    source,
                })
        })
        .collect()
}

/// One measure of one group.
struct Pair<'a> {
    name: &'a str,
    direction: Direction,
    tolerance: f64,
    baseline: Option<&'a LatencyStats>,
    /// Ascending.
    current: Option<&'a [f64]>,
}

impl Pair<'_> {
    fn compare(
        &self,
        baseline_method: Option<QuantileMethod>,
        config: &CompareConfig,
    ) -> Result<(MeasureComparison, Option<PairTest>), StatsError> {
        let baseline_count = self.baseline.map_or(0, |stats| stats.sample_count);
        let current_count = self.current.map_or(0, |values| values.len() as u64);
        let mut comparison = MeasureComparison {
            name: self.name.to_owned(),
            unit: MeasureUnit::of(self.name).symbol().to_owned(),
            direction: self.direction,
            test: None,
            metric: config.metric,
            verdict: ChangeVerdict::NotComparable,
            reason: Reason::NotInBaseline,
            baseline_value: None,
            current_value: None,
            relative_change: None,
            relative_change_interval: None,
            interval_confidence: None,
            p_value: None,
            adjusted_p_value: None,
            tolerance: self.tolerance,
            baseline_sample_count: baseline_count,
            current_sample_count: current_count,
        };
        let needed = config
            .min_samples
            .max(perf_stats::min_sample_size(config.metric.probability()));
        let rank_needed = perf_stats::SCALE_TEST_MIN_SAMPLES as u64;
        let large = baseline_count >= needed && current_count >= needed;
        let test = if large {
            MeasureTest::Quantile
        } else {
            MeasureTest::Rank
        };
        comparison.metric = match test {
            MeasureTest::Quantile => config.metric,
            MeasureTest::Rank => Percentile::P50,
        };
        let metric = comparison.metric;
        let method = config.quantile_method;
        let base = match self.baseline {
            Some(stats) => baseline_metric(stats, baseline_method, config, metric)?,
            None => Err(Reason::NotInBaseline),
        };
        comparison.baseline_value = base.as_ref().ok().copied();
        comparison.current_value = self
            .current
            .map(|values| numbers::quantile(values, metric.probability(), method))
            .transpose()?;
        let (Some(stats), Some(current)) = (self.baseline, self.current) else {
            comparison.reason = if self.baseline.is_none() {
                Reason::NotInBaseline
            } else {
                Reason::NotInCurrent
            };
            return Ok((comparison, None));
        };
        if !large && (baseline_count < rank_needed || current_count < rank_needed) {
            comparison.reason = Reason::TooFewSamples {
                baseline: baseline_count,
                current: current_count,
                needed: rank_needed,
            };
            return Ok((comparison, None));
        }
        let base = match base {
            Ok(value) => value,
            Err(reason) => {
                comparison.reason = reason;
                return Ok((comparison, None));
            }
        };
        if base <= 0.0 {
            comparison.reason = Reason::ZeroBaseline;
            return Ok((comparison, None));
        }
        let now = comparison.current_value.unwrap_or(0.0);
        let worse = match self.direction {
            Direction::HigherIsWorse => perf_stats::Direction::Increase,
            Direction::HigherIsBetter => perf_stats::Direction::Decrease,
        };
        let pair_test = match (test, self.direction) {
            (MeasureTest::Quantile, Direction::HigherIsWorse) => {
                let (before, after) = self.estimates(stats, current, base, now, config)?;
                PairTest::Quantile(numbers::quantile_change_test(
                    before,
                    after,
                    self.tolerance,
                )?)
            }
            // A fall to 0 has no log ratio: the rank test judges it.
            (MeasureTest::Quantile, Direction::HigherIsBetter) if now > 0.0 => {
                let (before, after) = self.estimates(stats, current, base, now, config)?;
                // "fell by at most t" is "baseline / current <= 1 / (1 - t)".
                let margin = if self.tolerance < 1.0 {
                    self.tolerance / (1.0 - self.tolerance)
                } else {
                    f64::MAX.sqrt()
                };
                PairTest::QuantileInverted(numbers::quantile_change_test(after, before, margin)?)
            }
            _ => {
                comparison.metric = Percentile::P50;
                PairTest::Rank(numbers::scale_change_test(
                    &stats.order_statistics,
                    current,
                    self.tolerance,
                    worse,
                )?)
            }
        };
        comparison.test = Some(match pair_test {
            PairTest::Rank(_) => MeasureTest::Rank,
            _ => MeasureTest::Quantile,
        });
        if comparison.metric != metric {
            // The rank test of a higher-is-better measure that fell to 0: show medians.
            comparison.baseline_value =
                baseline_metric(stats, baseline_method, config, comparison.metric)?.ok();
            comparison.current_value = Some(numbers::quantile(current, 0.5, method)?);
        }
        comparison.relative_change = Some(match &pair_test {
            PairTest::Rank(test) => test.relative_change,
            _ => now / base - 1.0,
        });
        comparison.p_value = Some(pair_test.p_value());
        Ok((comparison, Some(pair_test)))
    }

    /// The quantile estimates of both sides, each with its exact point value.
    fn estimates(
        &self,
        stats: &LatencyStats,
        current: &[f64],
        base: f64,
        now: f64,
        config: &CompareConfig,
    ) -> Result<(perf_stats::QuantileEstimate, perf_stats::QuantileEstimate), StatsError> {
        let q = config.metric.probability();
        let method = config.quantile_method;
        let mut before =
            numbers::quantile_estimate(&stats.order_statistics, stats.sample_count, q, method)?;
        before.value = base;
        let mut after = numbers::quantile_estimate(current, current.len() as u64, q, method)?;
        after.value = now;
        Ok((before, after))
    }
}

/// A tested measure's verdict from its Holm-adjusted p-value and the bounds at its Holm level.
/// `rejected` ("worse by more than the tolerance", adjusted p <= alpha) is the same as the bound
/// on the worse side lying beyond the tolerance.
pub(crate) fn conclude(
    measure: &mut MeasureComparison,
    adjusted_p: f64,
    confidence: f64,
    bounds: (f64, f64),
    rejected: bool,
) {
    measure.adjusted_p_value = Some(adjusted_p);
    measure.interval_confidence = Some(confidence);
    measure.relative_change_interval = Some(bounds);
    let change = measure.relative_change.unwrap_or(0.0);
    let tolerance = measure.tolerance;
    let size = if change > tolerance {
        ChangeSize::AboveTolerance
    } else if change < -tolerance {
        ChangeSize::BelowTolerance
    } else {
        ChangeSize::WithinTolerance
    };
    let (low, high) = bounds;
    let (verdict, significant) = match (measure.direction, size) {
        (Direction::HigherIsWorse, ChangeSize::AboveTolerance) if rejected => {
            (ChangeVerdict::Regressed, true)
        }
        (Direction::HigherIsWorse, ChangeSize::BelowTolerance) if high < -tolerance => {
            (ChangeVerdict::Improved, true)
        }
        (Direction::HigherIsBetter, ChangeSize::BelowTolerance) if rejected => {
            (ChangeVerdict::Regressed, true)
        }
        (Direction::HigherIsBetter, ChangeSize::AboveTolerance) if low > tolerance => {
            (ChangeVerdict::Improved, true)
        }
        _ => (ChangeVerdict::Unchanged, false),
    };
    measure.verdict = verdict;
    measure.reason = Reason::Tested { size, significant };
}
