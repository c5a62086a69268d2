//! Comparing a current run against a baseline.

use std::collections::{BTreeMap, BTreeSet};

use perf_record::GroupKey;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::error::BaselineError;
use super::fingerprint::{Fingerprint, FingerprintDifference};
use super::format::{Baseline, BaselineGroup};
use super::numbers;
use crate::GroupSample;
use crate::{Budgets, Metric as BudgetMetric, Percentile};

/// Parses the `--metric` of a comparison: a percentile such as `p50`, `p95` or `p99.9`.
///
/// # Errors
/// [`BaselineError::InvalidConfig`] for anything else (`avg` included: a comparison needs a
/// percentile, whose confidence interval is distribution-free).
pub fn parse_metric(text: &str) -> Result<Percentile, BaselineError> {
    match text.parse::<BudgetMetric>() {
        Ok(BudgetMetric::Percentile(percentile)) => Ok(percentile),
        _ => Err(BaselineError::InvalidConfig {
            setting: "metric",
            value: text.to_owned(),
            expected: "a percentile such as p50, p95 or p99.9",
        }),
    }
}

/// `p95`, `p99.9`: the name of a percentile as budget files write it.
fn metric_name(percentile: Percentile) -> String {
    BudgetMetric::Percentile(percentile).to_string()
}

fn serialize_metric<S: Serializer>(
    percentile: &Percentile,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    serializer.collect_str(&metric_name(*percentile))
}

fn deserialize_metric<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Percentile, D::Error> {
    let text = String::deserialize(deserializer)?;
    parse_metric(&text).map_err(serde::de::Error::custom)
}

/// The 95th percentile, the default metric.
#[allow(clippy::expect_used)] // An invariant: 95 is within 0..=100.
fn p95() -> Percentile {
    Percentile::new(95.0).expect("95 is a valid percentile")
}

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
}

impl Default for CompareConfig {
    fn default() -> Self {
        CompareConfig {
            metric: p95(),
            tolerance: 0.05,
            alpha: 0.05,
            min_samples: 50,
            tolerance_overrides: BTreeMap::new(),
        }
    }
}

/// What the comparison concluded for one group.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
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

impl Verdict {
    /// `regressed`, `improved`, `unchanged`, `not comparable`.
    pub fn label(&self) -> &'static str {
        match self {
            Verdict::Regressed => "regressed",
            Verdict::Improved => "improved",
            Verdict::Unchanged => "unchanged",
            Verdict::NotComparable => "not comparable",
        }
    }
}

/// One group's comparison.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GroupComparison {
    /// The (tool, step).
    #[serde(flatten)]
    pub key: GroupKey,
    /// The conclusion.
    pub verdict: Verdict,
    /// Why, in a sentence naming what is missing for another verdict.
    pub reason: String,
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

/// The comparison of a run against a baseline: the `baseline` section of a
/// [`Report`](crate::Report).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Comparison {
    /// The percentile compared (`"p95"` in JSON).
    #[serde(
        serialize_with = "serialize_metric",
        deserialize_with = "deserialize_metric"
    )]
    pub metric: Percentile,
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
            .any(|group| group.verdict == Verdict::Regressed)
    }

    /// How many groups got `verdict`.
    pub fn count(&self, verdict: Verdict) -> usize {
        self.groups
            .iter()
            .filter(|group| group.verdict == verdict)
            .count()
    }

    /// The warning to show when the environments differ, e.g.
    /// `environment differs from the baseline's (cpu_cores: 4 -> 2): the comparison may not be
    /// like for like`.
    pub fn environment_warning(&self) -> Option<String> {
        if self.environment_differences.is_empty() {
            return None;
        }
        let fields: Vec<String> = self
            .environment_differences
            .iter()
            .map(|d| format!("{}: {} -> {}", d.field, d.baseline, d.current))
            .collect();
        Some(format!(
            "environment differs from the baseline's ({}): the comparison may not be like for like",
            fields.join(", ")
        ))
    }
}

/// Adds `comparison` to `report` as its `baseline` section and folds it into the overall verdict:
/// a regression fails the gate (exit code 3); improved, unchanged and not comparable groups do not
/// change the verdict.
pub fn add_to_report(report: &mut crate::Report, comparison: Comparison) {
    if comparison.has_regression() {
        report.verdict = report.verdict.worst(crate::Verdict::Fail);
    }
    report.baseline = Some(comparison);
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
    current: &[GroupSample],
    current_fingerprint: &Fingerprint,
    config: &CompareConfig,
) -> Result<Comparison, BaselineError> {
    validate_config(config)?;
    let mut current_by_key: BTreeMap<&GroupKey, Vec<f64>> = BTreeMap::new();
    for sample in current {
        let sorted = numbers::sorted_latencies(&sample.latencies).map_err(|problem| {
            BaselineError::InvalidGroup {
                source_name: "current run".to_owned(),
                tool: sample.key.tool.clone(),
                step: sample.key.step.clone(),
                field: "latencies",
                problem,
            }
        })?;
        if current_by_key.insert(&sample.key, sorted).is_some() {
            return Err(BaselineError::DuplicateGroup {
                source_name: "current run".to_owned(),
                tool: sample.key.tool.clone(),
                step: sample.key.step.clone(),
            });
        }
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
            config,
        )?;
        let mut comparison = GroupComparison {
            key: key.clone(),
            verdict: Verdict::NotComparable,
            reason: String::new(),
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
    let adjusted =
        numbers::holm_adjust(&p_values).map_err(|message| BaselineError::Statistics {
            tool: "*".to_owned(),
            step: "*".to_owned(),
            message,
        })?;
    for ((index, _), adjusted_p) in tested.iter().zip(adjusted) {
        let group = &mut groups[*index];
        group.adjusted_p_value = Some(adjusted_p);
        let (verdict, reason) = decide(group, adjusted_p, config);
        group.verdict = verdict;
        group.reason = reason;
    }

    Ok(Comparison {
        metric: config.metric,
        tolerance: config.tolerance,
        alpha: config.alpha,
        baseline_hash: baseline.content_hash().to_owned(),
        environment_differences: baseline.fingerprint().differences(current_fingerprint),
        groups,
    })
}

/// The per-group tolerances that budget entries' `regression` rules set, for
/// [`CompareConfig::tolerance_overrides`]: for each group of either side, the rule of the most
/// specific budget entry that covers it, when that entry has one.
pub fn regression_tolerances(
    budgets: &Budgets,
    baseline: &Baseline,
    current: &[GroupSample],
) -> BTreeMap<GroupKey, f64> {
    let baseline_keys = baseline.groups().iter().map(BaselineGroup::key);
    let current_keys = current.iter().map(|sample| sample.key.clone());
    baseline_keys
        .chain(current_keys)
        .filter_map(|key| {
            let rule = budgets.resolve(&key)?.regression?;
            Some((key, rule.max_increase()))
        })
        .collect()
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
            value: format!("{bad} for {}/{}", key.tool, key.step),
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
    tested: Result<Tested, String>,
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
    config: &CompareConfig,
) -> Result<Measured, BaselineError> {
    let metric = config.metric;
    let statistics_error = |message: String| BaselineError::Statistics {
        tool: key.tool.clone(),
        step: key.step.clone(),
        message,
    };
    let latency = baseline.and_then(|group| group.latency.as_ref());
    // A recorded percentile is exact; another one comes from the stored order statistics.
    let baseline_value = match latency {
        None => None,
        Some(stats) => match stats.percentiles.get(&metric_name(metric)) {
            Some(value) => Some(*value),
            None => Some(
                numbers::quantile(&stats.order_statistics, metric.probability())
                    .map_err(statistics_error)?,
            ),
        },
    };
    let current_value = match current.filter(|sorted| !sorted.is_empty()) {
        None => None,
        Some(sorted) => {
            Some(numbers::quantile(sorted, metric.probability()).map_err(statistics_error)?)
        }
    };
    let baseline_count = latency.map_or(0, |stats| stats.sample_count);
    let current_count = current.map_or(0, |sorted| sorted.len() as u64);
    let mut measured = Measured {
        baseline_value,
        current_value,
        baseline_count,
        current_count,
        tested: Err(String::new()),
    };
    let (Some(_), Some(current)) = (baseline, current) else {
        measured.tested = Err(if baseline.is_none() {
            "not in the baseline (a new group)".to_owned()
        } else {
            "not in the current run".to_owned()
        });
        return Ok(measured);
    };
    if baseline_count < config.min_samples || current_count < config.min_samples {
        measured.tested = Err(format!(
            "too few samples: baseline n={baseline_count}, current n={current_count}, need {} on each side",
            config.min_samples
        ));
        return Ok(measured);
    }
    let (Some(stats), Some(base), Some(now)) = (latency, baseline_value, current_value) else {
        measured.tested = Err("no latencies to compare".to_owned());
        return Ok(measured);
    };
    if base <= 0.0 {
        measured.tested = Err(format!(
            "baseline {} is 0 ms, so a relative change is undefined",
            metric_name(metric)
        ));
        return Ok(measured);
    }
    let interval =
        numbers::relative_change_interval(&stats.order_statistics, current, metric.probability());
    measured.tested = Ok(Tested {
        relative_change: now / base - 1.0,
        interval,
        p_value: numbers::mann_whitney_p_value(&stats.order_statistics, current)
            .map_err(statistics_error)?,
    });
    Ok(measured)
}

fn decide(group: &GroupComparison, adjusted_p: f64, config: &CompareConfig) -> (Verdict, String) {
    let change = group.relative_change.unwrap_or(0.0);
    let metric = config.metric;
    let tolerance = group.tolerance;
    // statsmodels' convention: reject when the adjusted p-value is at most alpha.
    let significant = adjusted_p <= config.alpha;
    let change_text = format!("{} {}", metric_name(metric), percent(change));
    let tolerance_text = percent_unsigned(tolerance);
    let p_text = format!("adjusted p = {}", p_value(adjusted_p));
    let alpha = config.alpha;
    match (change > tolerance, change < -tolerance, significant) {
        (true, _, true) => (
            Verdict::Regressed,
            format!(
                "{change_text} exceeds the {tolerance_text} tolerance and is significant ({p_text} <= {alpha})"
            ),
        ),
        (_, true, true) => (
            Verdict::Improved,
            format!(
                "{change_text} is beyond the {tolerance_text} tolerance and significant ({p_text} <= {alpha})"
            ),
        ),
        (true, _, false) | (_, true, false) => (
            Verdict::Unchanged,
            format!(
                "{change_text} is beyond the {tolerance_text} tolerance but not significant ({p_text} > {alpha})"
            ),
        ),
        (false, false, true) => (
            Verdict::Unchanged,
            format!(
                "significant ({p_text} <= {alpha}) but {change_text} is within the {tolerance_text} tolerance"
            ),
        ),
        (false, false, false) => (
            Verdict::Unchanged,
            format!(
                "{change_text} is within the {tolerance_text} tolerance and not significant ({p_text} > {alpha})"
            ),
        ),
    }
}

/// `+12.3%`, `-4.0%`; a change that rounds to zero is `+0.0%`, never `-0.0%`.
fn percent(fraction: f64) -> String {
    format!("{}%", crate::render::signed(fraction * 100.0, 1))
}

/// `5.0%`.
fn percent_unsigned(fraction: f64) -> String {
    format!("{}%", crate::render::fixed(fraction * 100.0, 1))
}

/// `0.0123`, or `3.2e-12` below 0.0001.
fn p_value(p: f64) -> String {
    if p < 0.0001 {
        format!("{p:.1e}")
    } else {
        format!("{p:.4}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_percentile_metrics() {
        assert_eq!(parse_metric("p95").unwrap(), p95());
        assert_eq!(metric_name(parse_metric("p99.9").unwrap()), "p99.9");
        assert!((parse_metric("p50").unwrap().probability() - 0.5).abs() < 1e-15);
        for bad in ["95", "p", "p101", "p-1", "avg", "p9e1", "pNaN"] {
            assert!(parse_metric(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn formats_numbers_for_reasons() {
        assert_eq!(percent(0.123), "+12.3%");
        assert_eq!(percent(-0.04), "-4.0%");
        assert_eq!(percent(-0.00001), "+0.0%");
        assert_eq!(p_value(0.000_012_34), "1.2e-5");
        assert_eq!(p_value(0.5), "0.5000");
    }
}
