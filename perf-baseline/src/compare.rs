//! Comparing a current run against a baseline.

use std::collections::{BTreeMap, BTreeSet};

use perf_record::GroupKey;
use serde::{Deserialize, Serialize};

use std::borrow::Cow;

use perf_record::{Direction, GroupData, GroupSamples};
use perf_stats::{Percentile, QuantileChangeTest, QuantileMethod, StatsError};
use rayon::prelude::*;

use crate::error::BaselineError;
use crate::fingerprint::{Fingerprint, FingerprintDifference};
use crate::format::{Baseline, BaselineGroup, LatencyStats};
use crate::measures::{self, MeasureComparison, PairTest};
use crate::numbers;

/// How to compare.
#[derive(Debug, Clone, PartialEq)]
pub struct CompareConfig {
    /// The percentile compared (default p95).
    pub metric: Percentile,
    /// The largest relative change that is not a regression, as a fraction (default 0.05 = 5%).
    pub tolerance: f64,
    /// Family-wise significance level across all groups compared (default 0.05).
    pub alpha: f64,
    /// Fewest latencies each side needs to be compared (default 50, as a budget's `min_samples`).
    pub min_samples: u64,
    /// Per-group tolerances that replace `tolerance` (a budget entry's `regression` rule).
    pub tolerance_overrides: BTreeMap<GroupKey, f64>,
    /// The quantile definition of the compared percentile, on both sides. A gate run uses one
    /// method for every judge, so the comparison shows the same p95 as the budget checks.
    pub quantile_method: QuantileMethod,
    /// Which way each record measure gets worse, per group (a budget entry's `"direction"`);
    /// a measure not listed is higher-is-worse.
    pub measure_directions: BTreeMap<GroupKey, BTreeMap<String, Direction>>,
}

impl Default for CompareConfig {
    fn default() -> Self {
        CompareConfig {
            metric: Percentile::P95,
            tolerance: 0.05,
            alpha: 0.05,
            min_samples: 50,
            tolerance_overrides: BTreeMap::new(),
            quantile_method: QuantileMethod::default(),
            measure_directions: BTreeMap::new(),
        }
    }
}

/// What the comparison concluded for one group.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
pub enum ChangeVerdict {
    /// The metric grew beyond the tolerance and the change is significant: a failure.
    Regressed,
    /// The metric shrank beyond the tolerance and the change is significant: reported, never a
    /// failure.
    Improved,
    /// Neither: too small a change, or not significant.
    Unchanged,
    /// Missing from one side, too few samples, or a baseline value of zero.
    NotComparable,
}

/// Where the relative change lies against the tolerance.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
pub enum ChangeSize {
    /// Above `+tolerance`.
    AboveTolerance,
    /// Below `-tolerance`.
    BelowTolerance,
    /// Within `[-tolerance, +tolerance]`.
    WithinTolerance,
}

/// Why a group got its verdict: the facts, with their numbers. Phrasing them is the report's job.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
pub enum Reason {
    /// The group is new: it is not in the baseline.
    NotInBaseline,
    /// The group is in the baseline but not in the current run.
    NotInCurrent,
    /// A side has fewer latencies than the comparison needs.
    TooFewSamples {
        /// Latencies in the baseline.
        baseline: u64,
        /// Latencies in the current run.
        current: u64,
        /// The fewest each side needs.
        needed: u64,
    },
    /// A side has records but no latency (every outcome unknown).
    NoLatencies,
    /// The baseline's metric is 0 ms, so a relative change is undefined.
    ZeroBaseline,
    /// The baseline keeps only an evenly spaced subsample of its latencies and does not store
    /// the metric exactly (with the run's quantile method), and the subsample is too coarse to
    /// read it from: fewer than [`MIN_POINTS_BEYOND`] stored points on one side of it.
    UnresolvedPercentile {
        /// Latencies the baseline was built from.
        sample_count: u64,
        /// Order statistics it keeps.
        stored_points: u64,
    },
    /// Both sides were tested: where the point estimate of the change lies against the
    /// tolerance, and whether the confidence interval lies wholly beyond the tolerance on that
    /// side (for a growth: its lower bound above `+tolerance`, which is exactly "the adjusted
    /// p-value is at most alpha"; for a fall: its upper bound below `-tolerance`).
    Tested {
        /// The point estimate of the change against the tolerance.
        size: ChangeSize,
        /// The interval lies beyond the tolerance on the side of `size`.
        significant: bool,
    },
}

/// One group's comparison.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
pub struct GroupComparison {
    /// The (tool, step).
    #[serde(flatten)]
    pub key: GroupKey,
    /// The conclusion.
    pub verdict: ChangeVerdict,
    /// Why.
    pub reason: Reason,
    /// The metric in the baseline, ms.
    pub baseline_value_ms: Option<f64>,
    /// The metric in the current run, ms.
    pub current_value_ms: Option<f64>,
    /// `current / baseline - 1`.
    pub relative_change: Option<f64>,
    /// Confidence bounds of the relative change, `[low, high]`, each one-sided at level
    /// `interval_confidence`: the interval the verdict uses (regressed exactly when `low` is
    /// above the tolerance, improved when `high` is below minus the tolerance).
    pub relative_change_interval: Option<(f64, f64)>,
    /// The one-sided confidence level of each bound: `1 - alpha * p_value / adjusted_p_value`,
    /// the level Holm's step-down applies to this group (`1 - alpha / m` for the smallest of `m`
    /// p-values).
    #[serde(default)]
    pub interval_confidence: Option<f64>,
    /// The one-sided p-value of "the metric grew by at most the tolerance" (the quantile test:
    /// log-ratio z-test with Siddiqui-Bloch-Gastwirth standard errors; see `BASELINE.md`).
    pub p_value: Option<f64>,
    /// The p-value after Holm-Bonferroni adjustment across every group compared.
    pub adjusted_p_value: Option<f64>,
    /// Information only, not part of the verdict: the two-sided Mann-Whitney U p-value of the
    /// current latencies against the baseline's stored order statistics ("did the whole
    /// distribution move?"; conservative when the baseline is subsampled).
    #[serde(default)]
    pub mann_whitney_p_value: Option<f64>,
    /// The tolerance applied to this group (a fraction).
    pub tolerance: f64,
    /// Latencies on the baseline side.
    pub baseline_sample_count: u64,
    /// Latencies on the current side.
    pub current_sample_count: u64,
    /// Every record measure of the group on either side (groups on both sides only), by name:
    /// each compared by the same rule, in its own unit and direction. Absent when none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub measures: Vec<MeasureComparison>,
}

/// The comparison of a run against a baseline (the `baseline` section of a perf-gate report).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
pub struct Comparison {
    /// The percentile compared (`"p95"` in JSON).
    pub metric: Percentile,
    /// The quantile definition of the compared percentile.
    pub quantile_method: QuantileMethod,
    /// The default tolerance (a fraction).
    pub tolerance: f64,
    /// The family-wise significance level.
    pub alpha: f64,
    /// The baseline's content hash.
    pub baseline_hash: String,
    /// How the current environment differs from the baseline's; non-empty means the comparison
    /// may not be like for like.
    pub environment_differences: Vec<FingerprintDifference>,
    /// Every group of either side, sorted by (tool, step).
    pub groups: Vec<GroupComparison>,
}

impl Comparison {
    /// Whether any group's latency or any of its measures regressed (the gate fails, exit
    /// code 3).
    pub fn has_regression(&self) -> bool {
        self.groups.iter().any(|group| {
            group.verdict == ChangeVerdict::Regressed
                || group
                    .measures
                    .iter()
                    .any(|measure| measure.verdict == ChangeVerdict::Regressed)
        })
    }

    /// How many (group, measure) pairs got `verdict`.
    pub fn measure_count(&self, verdict: ChangeVerdict) -> usize {
        self.groups
            .iter()
            .flat_map(|group| &group.measures)
            .filter(|measure| measure.verdict == verdict)
            .count()
    }

    /// Whether any group has a measure comparison.
    pub fn has_measures(&self) -> bool {
        self.groups.iter().any(|group| !group.measures.is_empty())
    }

    /// How many groups got `verdict`.
    pub fn count(&self, verdict: ChangeVerdict) -> usize {
        self.groups
            .iter()
            .filter(|group| group.verdict == verdict)
            .count()
    }
}

/// Compares `current` against `baseline`.
///
/// Every group of either side gets a verdict. Groups with at least `min_samples` latencies on both
/// sides and a non-zero baseline metric are tested with a one-sided test of the metric itself
/// (`H0: current / baseline <= 1 + tolerance`, perf-stats' `quantile_change_test`, the baseline's
/// standard error over its true sample count), and the p-values are Holm-Bonferroni adjusted
/// together. A group regresses exactly when its adjusted p-value is at most `alpha`, which is
/// exactly when the lower bound of its shown interval (at the group's Holm level) exceeds the
/// tolerance; it improved when the upper bound is below minus the tolerance.
///
/// A current group's samples (its latencies taken out) and its latencies sorted.
fn sorted_current<'a, G: GroupData>(
    key: &GroupKey,
    group: &'a G,
) -> Result<(Cow<'a, GroupSamples>, Vec<f64>), BaselineError> {
    let samples = group.samples().map_err(|source| BaselineError::Load {
        group: key.clone(),
        source,
    })?;
    let (rest, latencies) = match samples {
        Cow::Owned(mut samples) => {
            let latencies = std::mem::take(&mut samples.latencies_ms);
            (Cow::Owned(samples), latencies)
        }
        Cow::Borrowed(samples) => (Cow::Borrowed(samples), samples.latencies_ms.clone()),
    };
    let sorted = numbers::sorted_latencies_owned(latencies).map_err(|problem| {
        BaselineError::InvalidGroup {
            source_name: "current run".to_owned(),
            tool: key.tool.clone(),
            step: key.step.clone(),
            field: "latencies",
            problem,
        }
    })?;
    Ok((rest, sorted))
}

/// Each record measure of a group on both sides is compared by the same rule in its direction
/// (`measure_directions`), with the group's tolerance, and its p-value joins the same Holm family
/// as the latencies, so the family-wise false-alarm rate holds over every (group, latency or
/// measure) pair reported. A measure with too few values for the quantile test (fewer than the
/// latency test needs) is compared by the rank test of a change of scale
/// (`perf_stats::scale_change_test`), from 5 values a side. See `BASELINE.md`, "Measures".
///
/// # Errors
/// An out-of-range setting, a duplicate current group, or a current latency that is negative or
/// not finite.
pub fn compare<G: GroupData>(
    baseline: &Baseline,
    current: &BTreeMap<GroupKey, G>,
    current_fingerprint: &Fingerprint,
    config: &CompareConfig,
) -> Result<Comparison, BaselineError> {
    validate_config(config)?;
    let baseline_keys: Vec<GroupKey> = baseline.groups().iter().map(BaselineGroup::key).collect();
    let all_keys: BTreeSet<&GroupKey> = baseline_keys.iter().chain(current.keys()).collect();

    // The groups are measured in parallel, each worker loading one current group at a time
    // (its latencies sorted, in place when loading gave an owned copy) and dropping it before
    // the next; the results keep the keys' order, and the first error in that order is the one
    // reported, as when they were measured one after the other.
    let all_keys: Vec<&GroupKey> = all_keys.into_iter().collect();
    let measured: Vec<Result<MeasuredGroup, BaselineError>> = all_keys
        .par_iter()
        .map(|key| measure_group(baseline, current, key, config))
        .collect();
    let mut groups = Vec::with_capacity(all_keys.len());
    // Where each tested pair's result goes (a group's latency or one of its measures) and its
    // test, for the Holm adjustment over every pair.
    let mut tested: Vec<(Slot, PairTest)> = Vec::new();
    for measured in measured {
        let MeasuredGroup { comparison, tests } = measured?;
        for (measure, test) in tests {
            let slot = match measure {
                None => Slot::Latency(groups.len()),
                Some(index) => Slot::Measure(groups.len(), index),
            };
            tested.push((slot, test));
        }
        groups.push(comparison);
    }

    let p_values: Vec<f64> = tested.iter().map(|(_, test)| test.p_value()).collect();
    let adjusted = numbers::holm_adjust(&p_values).map_err(|source| BaselineError::Statistics {
        group: "every tested group".to_owned(),
        source,
    })?;
    let tested_count = tested.len();
    for ((slot, test), adjusted_p) in tested.iter().zip(adjusted) {
        let level = holm_level(config.alpha, test.p_value(), adjusted_p, tested_count);
        let rejected = adjusted_p <= config.alpha;
        match *slot {
            Slot::Latency(index) => {
                let group = &mut groups[index];
                group.adjusted_p_value = Some(adjusted_p);
                let bounds = test
                    .bounds(level)
                    .map_err(|source| BaselineError::Statistics {
                        group: group.key.to_string(),
                        source,
                    })?;
                group.relative_change_interval = Some(bounds);
                group.interval_confidence = Some(1.0 - level);
                let change = group.relative_change.unwrap_or(0.0);
                let (verdict, reason) = decide(change, bounds.1, group.tolerance, rejected);
                group.verdict = verdict;
                group.reason = reason;
            }
            Slot::Measure(index, measure) => {
                let group = &mut groups[index];
                let key = group.key.to_string();
                let measure = &mut group.measures[measure];
                let bounds = test
                    .bounds(level)
                    .map_err(|source| BaselineError::Statistics {
                        group: format!("{key} {}", measure.name),
                        source,
                    })?;
                measures::conclude(measure, adjusted_p, 1.0 - level, bounds, rejected);
            }
        }
    }

    Ok(Comparison {
        metric: config.metric,
        quantile_method: config.quantile_method,
        tolerance: config.tolerance,
        alpha: config.alpha,
        baseline_hash: baseline.content_hash().to_owned(),
        environment_differences: baseline.fingerprint().differences(current_fingerprint),
        groups,
    })
}

/// One group's comparison before the Holm adjustment, and its tests: the latency's (`None`) and
/// each tested measure's (by index).
struct MeasuredGroup {
    comparison: GroupComparison,
    tests: Vec<(Option<usize>, PairTest)>,
}

fn measure_group<G: GroupData>(
    baseline: &Baseline,
    current: &BTreeMap<GroupKey, G>,
    key: &GroupKey,
    config: &CompareConfig,
) -> Result<MeasuredGroup, BaselineError> {
    let now = current
        .get(key)
        .map(|group| sorted_current(key, group))
        .transpose()?;
    let tolerance = config
        .tolerance_overrides
        .get(key)
        .copied()
        .unwrap_or(config.tolerance);
    let outcome = measure(
        key,
        baseline.group(key),
        now.as_ref().map(|(_, sorted)| sorted.as_slice()),
        baseline.quantile_method(),
        config,
        tolerance,
    )?;
    let mut comparison = GroupComparison {
        key: key.clone(),
        verdict: ChangeVerdict::NotComparable,
        reason: Reason::NotInBaseline,
        baseline_value_ms: outcome.baseline_value,
        current_value_ms: outcome.current_value,
        relative_change: None,
        relative_change_interval: None,
        interval_confidence: None,
        p_value: None,
        adjusted_p_value: None,
        mann_whitney_p_value: None,
        tolerance,
        baseline_sample_count: outcome.baseline_count,
        current_sample_count: outcome.current_count,
        measures: Vec::new(),
    };
    let mut tests = Vec::new();
    match outcome.tested {
        Ok(test) => {
            comparison.relative_change = Some(test.test.relative_change);
            comparison.p_value = Some(test.test.p_value);
            comparison.mann_whitney_p_value = Some(test.mann_whitney_p_value);
            tests.push((None, PairTest::Quantile(test.test)));
        }
        Err(reason) => comparison.reason = reason,
    }
    if let (Some(before), Some((now, _))) = (baseline.group(key), &now) {
        let directions = config.measure_directions.get(key);
        let compared = measures::compare_group(
            key,
            before,
            now,
            baseline.quantile_method(),
            config,
            tolerance,
            directions,
        )?;
        for (index, (measure, test)) in compared.into_iter().enumerate() {
            if let Some(test) = test {
                tests.push((Some(index), test));
            }
            comparison.measures.push(measure);
        }
    }
    Ok(MeasuredGroup { comparison, tests })
}

fn validate_config(config: &CompareConfig) -> Result<(), BaselineError> {
    let tolerance_ok = |t: f64| t.is_finite() && t >= 0.0;
    if !tolerance_ok(config.tolerance) {
        return Err(BaselineError::InvalidConfig {
            setting: "tolerance",
            value: config.tolerance.to_string(),
            expected: "a finite fraction >= 0, e.g. 0.05 for 5%",
        });
    }
    if let Some((key, bad)) = config
        .tolerance_overrides
        .iter()
        .find(|(_, t)| !tolerance_ok(**t))
    {
        return Err(BaselineError::InvalidConfig {
            setting: "regression",
            value: format!("{bad} for {key}"),
            expected: "a finite fraction >= 0, e.g. 0.10 for 10%",
        });
    }
    if !(config.alpha > 0.0 && config.alpha < 1.0) {
        return Err(BaselineError::InvalidConfig {
            setting: "alpha",
            value: config.alpha.to_string(),
            expected: "a probability strictly between 0 and 1",
        });
    }
    if config.min_samples == 0 {
        return Err(BaselineError::InvalidConfig {
            setting: "min_samples",
            value: "0".to_owned(),
            expected: "at least 1",
        });
    }
    Ok(())
}

/// Where a tested pair's conclusion goes.
#[derive(Debug, Clone, Copy)]
enum Slot {
    /// The latency of `groups[index]`.
    Latency(usize),
    /// Measure `.1` of `groups[.0]`.
    Measure(usize, usize),
}

/// The fewest stored order statistics a percentile that is not stored exactly needs on each
/// side of it to be read from a subsampled baseline (about 1% of the default 2,000 points: p99
/// is resolved, p99.9 is not).
pub const MIN_POINTS_BEYOND: u64 = 20;

/// What can be measured for one group before the adjustment.
struct Measured {
    baseline_value: Option<f64>,
    current_value: Option<f64>,
    baseline_count: u64,
    current_count: u64,
    /// The test results, or why the group is not comparable.
    tested: Result<Tested, Reason>,
}

struct Tested {
    test: QuantileChangeTest,
    mann_whitney_p_value: f64,
}

/// The baseline's value of the metric: exact when stored (with the run's method) or when every
/// latency is stored; read from a subsample only when it resolves the percentile.
pub(crate) fn baseline_metric(
    stats: &LatencyStats,
    baseline_method: Option<QuantileMethod>,
    config: &CompareConfig,
    metric: Percentile,
) -> Result<Result<f64, Reason>, StatsError> {
    let recorded = stats
        .percentiles
        .get(&metric.to_string())
        .copied()
        .filter(|_| baseline_method == Some(config.quantile_method));
    if let Some(value) = recorded {
        return Ok(Ok(value));
    }
    let points = stats.order_statistics.len() as u64;
    let q = metric.probability();
    let beyond = q.min(1.0 - q) * points.saturating_sub(1) as f64;
    if points < stats.sample_count && beyond < MIN_POINTS_BEYOND as f64 {
        return Ok(Err(Reason::UnresolvedPercentile {
            sample_count: stats.sample_count,
            stored_points: points,
        }));
    }
    numbers::quantile(&stats.order_statistics, q, config.quantile_method).map(Ok)
}

fn measure(
    key: &GroupKey,
    baseline: Option<&BaselineGroup>,
    current: Option<&[f64]>,
    baseline_method: Option<QuantileMethod>,
    config: &CompareConfig,
    tolerance: f64,
) -> Result<Measured, BaselineError> {
    let metric = config.metric;
    let method = config.quantile_method;
    let statistics_error = |source| BaselineError::Statistics {
        group: key.to_string(),
        source,
    };
    let latency = baseline.and_then(|group| group.latency.as_ref());
    let baseline_value = match latency {
        None => Err(Reason::NoLatencies),
        Some(stats) => {
            baseline_metric(stats, baseline_method, config, metric).map_err(statistics_error)?
        }
    };
    let current_value = match current.filter(|sorted| !sorted.is_empty()) {
        None => None,
        Some(sorted) => Some(
            numbers::quantile_of_sorted(sorted, metric.probability(), method)
                .map_err(statistics_error)?,
        ),
    };
    let baseline_count = latency.map_or(0, |stats| stats.sample_count);
    let current_count = current.map_or(0, |sorted| sorted.len() as u64);
    let mut measured = Measured {
        baseline_value: baseline_value.as_ref().ok().copied(),
        current_value,
        baseline_count,
        current_count,
        tested: Err(Reason::NoLatencies),
    };
    let (Some(_), Some(current)) = (baseline, current) else {
        measured.tested = Err(if baseline.is_none() {
            Reason::NotInBaseline
        } else {
            Reason::NotInCurrent
        });
        return Ok(measured);
    };
    // A percentile needs enough samples for an order-statistic interval to exist (72 for a p95):
    // below that its standard error is not to be trusted, whatever `min_samples` says.
    let needed = config
        .min_samples
        .max(perf_stats::min_sample_size(metric.probability()));
    if baseline_count < needed || current_count < needed {
        measured.tested = Err(Reason::TooFewSamples {
            baseline: baseline_count,
            current: current_count,
            needed,
        });
        return Ok(measured);
    }
    let (Some(stats), Some(now)) = (latency, current_value) else {
        return Ok(measured);
    };
    let base = match baseline_value {
        Ok(value) => value,
        Err(reason) => {
            measured.tested = Err(reason);
            return Ok(measured);
        }
    };
    if base <= 0.0 {
        measured.tested = Err(Reason::ZeroBaseline);
        return Ok(measured);
    }
    let q = metric.probability();
    let mut before =
        numbers::quantile_estimate(&stats.order_statistics, stats.sample_count, q, method)
            .map_err(statistics_error)?;
    before.value = base;
    let mut after =
        numbers::quantile_estimate(current, current_count, q, method).map_err(statistics_error)?;
    after.value = now;
    measured.tested = Ok(Tested {
        test: numbers::quantile_change_test(before, after, tolerance).map_err(statistics_error)?,
        mann_whitney_p_value: numbers::mann_whitney_p_value(&stats.order_statistics, current)
            .map_err(statistics_error)?,
    });
    Ok(measured)
}

/// The one-sided level of a group's bounds that makes them agree with Holm's step-down: the
/// group is rejected exactly when `adjusted_p <= alpha`, that is when `p <= alpha * p /
/// adjusted_p`, and the lower bound at that level exceeds the tolerance exactly then.
fn holm_level(alpha: f64, p: f64, adjusted_p: f64, tested: usize) -> f64 {
    let level = if p > 0.0 && adjusted_p > 0.0 {
        alpha * p / adjusted_p
    } else {
        // p underflowed to 0: Bonferroni's level, the smallest Holm applies.
        alpha / tested.max(1) as f64
    };
    level.clamp(f64::MIN_POSITIVE, alpha)
}

/// The verdict from the point estimate `change`, the interval's `upper` bound and whether the
/// one-sided test `rejected` "grew by at most the tolerance" (the same as "the interval's lower
/// bound exceeds the tolerance", see [`holm_level`]).
fn decide(change: f64, upper: f64, tolerance: f64, rejected: bool) -> (ChangeVerdict, Reason) {
    let size = if change > tolerance {
        ChangeSize::AboveTolerance
    } else if change < -tolerance {
        ChangeSize::BelowTolerance
    } else {
        ChangeSize::WithinTolerance
    };
    let improved = upper < -tolerance;
    let (verdict, significant) = match size {
        ChangeSize::AboveTolerance if rejected => (ChangeVerdict::Regressed, true),
        ChangeSize::BelowTolerance if improved => (ChangeVerdict::Improved, true),
        _ => (ChangeVerdict::Unchanged, false),
    };
    (verdict, Reason::Tested { size, significant })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decides_from_the_interval() {
        let tested = |size, significant| Reason::Tested { size, significant };
        assert_eq!(
            decide(0.2, 0.3, 0.05, true),
            (
                ChangeVerdict::Regressed,
                tested(ChangeSize::AboveTolerance, true)
            )
        );
        assert_eq!(
            decide(-0.2, -0.1, 0.05, false),
            (
                ChangeVerdict::Improved,
                tested(ChangeSize::BelowTolerance, true)
            )
        );
        assert_eq!(
            decide(0.2, 0.4, 0.05, false),
            (
                ChangeVerdict::Unchanged,
                tested(ChangeSize::AboveTolerance, false)
            )
        );
        assert_eq!(
            decide(-0.2, 0.0, 0.05, false),
            (
                ChangeVerdict::Unchanged,
                tested(ChangeSize::BelowTolerance, false)
            )
        );
        assert_eq!(
            decide(0.01, 0.03, 0.05, false),
            (
                ChangeVerdict::Unchanged,
                tested(ChangeSize::WithinTolerance, false)
            )
        );
    }

    #[test]
    fn holm_level_is_bonferroni_for_the_smallest_p_value() {
        assert_eq!(holm_level(0.05, 0.001, 0.004, 4), 0.05 / 4.0);
        assert_eq!(holm_level(0.05, 0.3, 0.3, 4), 0.05);
        assert_eq!(holm_level(0.05, 0.0, 0.0, 5), 0.01);
    }
}
