//! Comparing a current run against a baseline.

use std::collections::{BTreeMap, BTreeSet};

use perf_record::GroupKey;
use serde::{Deserialize, Serialize};

use perf_record::GroupSamples;
use perf_stats::{Percentile, QuantileMethod};

use crate::error::BaselineError;
use crate::fingerprint::{Fingerprint, FingerprintDifference};
use crate::format::{Baseline, BaselineGroup};
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
    /// Both sides were tested: how the change compares with the tolerance, and whether the
    /// adjusted p-value is at most alpha.
    Tested {
        /// The change against the tolerance.
        size: ChangeSize,
        /// `adjusted_p_value <= alpha`.
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
    /// A conservative 95% confidence interval of the relative change, `[low, high]`; `None` when
    /// a side is too small for a distribution-free interval.
    pub relative_change_interval: Option<(f64, f64)>,
    /// The Mann-Whitney U two-sided p-value.
    pub p_value: Option<f64>,
    /// The p-value after Holm-Bonferroni adjustment across every group compared.
    pub adjusted_p_value: Option<f64>,
    /// The tolerance applied to this group (a fraction).
    pub tolerance: f64,
    /// Latencies on the baseline side.
    pub baseline_sample_count: u64,
    /// Latencies on the current side.
    pub current_sample_count: u64,
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
    /// Whether any group regressed (the gate fails, exit code 3).
    pub fn has_regression(&self) -> bool {
        self.groups
            .iter()
            .any(|group| group.verdict == ChangeVerdict::Regressed)
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
/// sides and a non-zero baseline metric are tested (Mann-Whitney U of the baseline's order
/// statistics against the current latencies), and the p-values are Holm-Bonferroni adjusted
/// together. A group regresses only when its relative change exceeds its tolerance **and** its
/// adjusted p-value is below `alpha`.
///
/// # Errors
/// An out-of-range setting, a duplicate current group, or a current latency that is negative or
/// not finite.
pub fn compare(
    baseline: &Baseline,
    current: &BTreeMap<GroupKey, GroupSamples>,
    current_fingerprint: &Fingerprint,
    config: &CompareConfig,
) -> Result<Comparison, BaselineError> {
    validate_config(config)?;
    let mut current_by_key: BTreeMap<&GroupKey, Vec<f64>> = BTreeMap::new();
    for (key, samples) in current {
        let sorted = numbers::sorted_latencies(&samples.latencies_ms).map_err(|problem| {
            BaselineError::InvalidGroup {
                source_name: "current run".to_owned(),
                tool: key.tool.clone(),
                step: key.step.clone(),
                field: "latencies",
                problem,
            }
        })?;
        current_by_key.insert(key, sorted);
    }
    let baseline_keys: Vec<GroupKey> = baseline.groups().iter().map(BaselineGroup::key).collect();
    let all_keys: BTreeSet<&GroupKey> = baseline_keys
        .iter()
        .chain(current_by_key.keys().copied())
        .collect();

    let mut groups = Vec::with_capacity(all_keys.len());
    // Index into `groups` and p-value of each tested group, for the Holm adjustment.
    let mut tested: Vec<(usize, f64)> = Vec::new();
    for key in all_keys {
        let tolerance = config
            .tolerance_overrides
            .get(key)
            .copied()
            .unwrap_or(config.tolerance);
        let outcome = measure(
            key,
            baseline.group(key),
            current_by_key.get(key).map(Vec::as_slice),
            baseline.quantile_method(),
            config,
        )?;
        let mut comparison = GroupComparison {
            key: key.clone(),
            verdict: ChangeVerdict::NotComparable,
            reason: Reason::NotInBaseline,
            baseline_value_ms: outcome.baseline_value,
            current_value_ms: outcome.current_value,
            relative_change: None,
            relative_change_interval: None,
            p_value: None,
            adjusted_p_value: None,
            tolerance,
            baseline_sample_count: outcome.baseline_count,
            current_sample_count: outcome.current_count,
        };
        match outcome.tested {
            Ok(test) => {
                comparison.relative_change = Some(test.relative_change);
                comparison.relative_change_interval = test.interval;
                comparison.p_value = Some(test.p_value);
                tested.push((groups.len(), test.p_value));
            }
            Err(reason) => comparison.reason = reason,
        }
        groups.push(comparison);
    }

    let p_values: Vec<f64> = tested.iter().map(|(_, p)| *p).collect();
    let adjusted = numbers::holm_adjust(&p_values).map_err(|source| BaselineError::Statistics {
        group: "every tested group".to_owned(),
        source,
    })?;
    for ((index, _), adjusted_p) in tested.iter().zip(adjusted) {
        let group = &mut groups[*index];
        group.adjusted_p_value = Some(adjusted_p);
        let change = group.relative_change.unwrap_or(0.0);
        let (verdict, reason) = decide(change, group.tolerance, adjusted_p, config.alpha);
        group.verdict = verdict;
        group.reason = reason;
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
    relative_change: f64,
    interval: Option<(f64, f64)>,
    p_value: f64,
}

fn measure(
    key: &GroupKey,
    baseline: Option<&BaselineGroup>,
    current: Option<&[f64]>,
    baseline_method: Option<QuantileMethod>,
    config: &CompareConfig,
) -> Result<Measured, BaselineError> {
    let metric = config.metric;
    let method = config.quantile_method;
    let statistics_error = |source| BaselineError::Statistics {
        group: key.to_string(),
        source,
    };
    let latency = baseline.and_then(|group| group.latency.as_ref());
    // A recorded percentile is exact when the baseline used the run's quantile method; otherwise
    // it comes from the stored order statistics with the run's method.
    let recorded = latency
        .filter(|_| baseline_method == Some(method))
        .and_then(|stats| stats.percentiles.get(&metric.to_string()).copied());
    let baseline_value = match (latency, recorded) {
        (None, _) => None,
        (Some(_), Some(value)) => Some(value),
        (Some(stats), None) => Some(
            numbers::quantile(&stats.order_statistics, metric.probability(), method)
                .map_err(statistics_error)?,
        ),
    };
    let current_value = match current.filter(|sorted| !sorted.is_empty()) {
        None => None,
        Some(sorted) => Some(
            numbers::quantile(sorted, metric.probability(), method).map_err(statistics_error)?,
        ),
    };
    let baseline_count = latency.map_or(0, |stats| stats.sample_count);
    let current_count = current.map_or(0, |sorted| sorted.len() as u64);
    let mut measured = Measured {
        baseline_value,
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
    if baseline_count < config.min_samples || current_count < config.min_samples {
        measured.tested = Err(Reason::TooFewSamples {
            baseline: baseline_count,
            current: current_count,
            needed: config.min_samples,
        });
        return Ok(measured);
    }
    let (Some(stats), Some(base), Some(now)) = (latency, baseline_value, current_value) else {
        return Ok(measured);
    };
    if base <= 0.0 {
        measured.tested = Err(Reason::ZeroBaseline);
        return Ok(measured);
    }
    let interval = numbers::relative_change_interval(
        &stats.order_statistics,
        current,
        metric.probability(),
        method,
    );
    measured.tested = Ok(Tested {
        relative_change: now / base - 1.0,
        interval,
        p_value: numbers::mann_whitney_p_value(&stats.order_statistics, current)
            .map_err(statistics_error)?,
    });
    Ok(measured)
}

fn decide(change: f64, tolerance: f64, adjusted_p: f64, alpha: f64) -> (ChangeVerdict, Reason) {
    // statsmodels' convention: reject when the adjusted p-value is at most alpha.
    let significant = adjusted_p <= alpha;
    let size = if change > tolerance {
        ChangeSize::AboveTolerance
    } else if change < -tolerance {
        ChangeSize::BelowTolerance
    } else {
        ChangeSize::WithinTolerance
    };
    let verdict = match (size, significant) {
        (ChangeSize::AboveTolerance, true) => ChangeVerdict::Regressed,
        (ChangeSize::BelowTolerance, true) => ChangeVerdict::Improved,
        _ => ChangeVerdict::Unchanged,
    };
    (verdict, Reason::Tested { size, significant })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decides_from_size_and_significance() {
        let tested = |size, significant| Reason::Tested { size, significant };
        assert_eq!(
            decide(0.2, 0.05, 0.01, 0.05),
            (
                ChangeVerdict::Regressed,
                tested(ChangeSize::AboveTolerance, true)
            )
        );
        assert_eq!(
            decide(-0.2, 0.05, 0.05, 0.05),
            (
                ChangeVerdict::Improved,
                tested(ChangeSize::BelowTolerance, true)
            )
        );
        assert_eq!(
            decide(0.2, 0.05, 0.2, 0.05),
            (
                ChangeVerdict::Unchanged,
                tested(ChangeSize::AboveTolerance, false)
            )
        );
        assert_eq!(
            decide(0.05, 0.05, 0.0, 0.05),
            (
                ChangeVerdict::Unchanged,
                tested(ChangeSize::WithinTolerance, true)
            )
        );
    }
}
