//! Evaluation: budgets + per-group data -> an [`Evaluation`].

use std::collections::BTreeMap;

use perf_record::{
    GroupData, GroupKey, GroupSamples, MeasureUnit, ReportedStatistics, THROUGHPUT_MEASURE,
};
use perf_stats::{
    QuantileInterval, QuantileMethod, StatsError, Summary, SummaryConfig,
    error_rate_confidence_interval, latency_mean_interval, summarize_with_intervals,
};
use rayon::prelude::*;

use crate::budget::{
    BudgetEntry, Budgets, Direction, EntryRef, Limit, MeasureLimits, Metric, Severity, Unit,
    most_specific,
};
use crate::evaluation::{
    Check, CheckMeasure, CheckStatus, ConfidenceInterval, Evaluation, EvaluationWarning,
    LintFinding,
};

/// How to evaluate.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EvaluateConfig {
    /// Confidence level of the intervals around observed values, strictly between 0 and 1.
    pub confidence_level: f64,
    /// The quantile definition of every percentile. A gate run uses one method for every
    /// judge; `perf-gate` takes it from the budget file's `defaults.quantile_method`.
    pub quantile_method: QuantileMethod,
}

/// Why an evaluation could not run.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum EvaluateError {
    /// The confidence level is not strictly between 0 and 1.
    #[error("confidence level {value} is not strictly between 0 and 1")]
    InvalidConfidenceLevel {
        /// The level given.
        value: f64,
    },
    /// Statistics could not be computed from a group's latencies (e.g. a NaN latency).
    #[error("{group}: cannot compute latency statistics")]
    Statistics {
        /// The group.
        group: GroupKey,
        /// What perf-stats reported.
        #[source]
        source: StatsError,
    },
    /// A group's samples, spilled to disk beyond the memory limit, could not be read back.
    #[error("{group}: cannot read the group's samples")]
    Load {
        /// The group.
        group: GroupKey,
        /// What went wrong.
        #[source]
        source: perf_record::LoadError,
    },
}

/// Checks every budgeted group against its most specific budget entry and lints the rest.
///
/// Exact `tool/step` entries with no group in the data yield `no_data` checks; wildcard entries
/// that match nothing only yield a lint finding.
///
/// ```
/// use std::collections::BTreeMap;
/// use perf_budget::{CheckStatus, EvaluateConfig, evaluate, parse_budgets};
/// use perf_record::{GroupKey, GroupSamples, OutcomeCounts};
///
/// let budgets = parse_budgets(r#"{ "a2a": { "echo": { "avg": 10, "min_samples": 3 } } }"#)?;
/// let group = GroupSamples {
///     counts: OutcomeCounts { ok: 3, errors: 0, unknown: 0 },
///     latencies_ms: vec![12.0, 14.0, 16.0],
///     ..Default::default()
/// };
/// let groups = BTreeMap::from([(GroupKey::new("a2a", "echo"), group)]);
/// let config = EvaluateConfig { confidence_level: 0.95, quantile_method: Default::default() };
/// let evaluation = evaluate(&budgets, &groups, &config)?;
/// assert_eq!(evaluation.checks[0].status, CheckStatus::Fail);
/// assert_eq!(evaluation.checks[0].difference, Some(4.0));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn evaluate<G: GroupData>(
    budgets: &Budgets,
    groups: &BTreeMap<GroupKey, G>,
    config: &EvaluateConfig,
) -> Result<Evaluation, EvaluateError> {
    evaluate_with_reported(budgets, groups, &BTreeMap::new(), config)
}

/// [`evaluate`], plus the groups a source described only by its own aggregates: their checks
/// compare the reported figures (`p95`, `avg`, `min`, `max`, the error rate) with the limits, with
/// no confidence interval and never marginal, and a limit on a figure the source did not report
/// has no data. A group with raw samples is judged on them, whatever was reported for it.
///
/// # Errors
/// As [`evaluate`].
pub fn evaluate_with_reported<G: GroupData>(
    budgets: &Budgets,
    groups: &BTreeMap<GroupKey, G>,
    reported: &BTreeMap<GroupKey, ReportedStatistics>,
    config: &EvaluateConfig,
) -> Result<Evaluation, EvaluateError> {
    let level = config.confidence_level;
    if !(level > 0.0 && level < 1.0) {
        return Err(EvaluateError::InvalidConfidenceLevel { value: level });
    }
    // The groups are judged in parallel, each worker loading one group's samples at a time
    // (borrowed when they are in memory); the checks keep the groups' order, and the first
    // error in that order is the one reported, as when they were judged one after the other.
    let judged: Vec<Result<Vec<Check>, EvaluateError>> = groups
        .par_iter()
        .filter_map(|(key, group)| {
            let entry = budgets.resolve(key)?;
            Some(group.samples().map_or_else(
                |source| {
                    Err(EvaluateError::Load {
                        group: key.clone(),
                        source,
                    })
                },
                |samples| check_group(budgets, entry, key, &samples, config),
            ))
        })
        .collect();
    let mut checks = Vec::new();
    for group_checks in judged {
        checks.extend(group_checks?);
    }
    for (key, statistics) in reported {
        if groups.contains_key(key) {
            continue;
        }
        if let Some(entry) = budgets.resolve(key) {
            checks.extend(check_reported(budgets, entry, key, statistics, level));
        }
    }
    for entry in budgets.entries() {
        if let (Some(tool), Some(step)) = (entry.tool.exact(), entry.step.exact()) {
            let key = GroupKey::new(tool, step);
            if !groups.contains_key(&key) && !reported.contains_key(&key) {
                let empty = GroupSamples::default();
                checks.extend(check_group(budgets, entry, &key, &empty, config)?);
            }
        }
    }
    checks.sort_by(|left, right| {
        fn measure(check: &Check) -> Option<&str> {
            check.measure.as_ref().map(|measure| measure.name.as_str())
        }
        (&left.group, measure(left), left.metric).cmp(&(&right.group, measure(right), right.metric))
    });
    let mut warnings = outcome_warnings(groups);
    warnings.extend(throughput_warnings(&checks, groups));
    if checks.is_empty() {
        warnings.push(EvaluationWarning::NothingChecked);
    }
    warnings.sort();
    warnings.dedup();
    Ok(Evaluation {
        checks,
        lint: lint_at(budgets, groups, level),
        warnings,
    })
}

fn entry_ref(entry: &BudgetEntry) -> EntryRef {
    entry.label()
}

fn check_group(
    budgets: &Budgets,
    entry: &BudgetEntry,
    key: &GroupKey,
    group: &GroupSamples,
    config: &EvaluateConfig,
) -> Result<Vec<Check>, EvaluateError> {
    let level = config.confidence_level;
    let mut checks = Vec::new();
    let latency = ValueChecks::of(&group.latencies_ms, &entry.limits, key, config)?;
    for limit in &entry.limits {
        let (sample_count, value, interval) = match limit.metric {
            Metric::ErrorRate => {
                let known = group.counts.known();
                let interval = error_rate_interval(group.counts.errors, known, level);
                (known, group.counts.error_rate(), interval)
            }
            metric => latency.observe(metric, level),
        };
        let observation = Observation {
            sample_count,
            min_samples: budgets.min_samples_for(entry, limit.metric, level),
            value,
            interval,
            interval_possible: true,
        };
        checks.push(build_check(entry, None, key, limit, observation));
    }
    for measure in &entry.measures {
        if measure.name == THROUGHPUT_MEASURE {
            for limit in &measure.limits {
                checks.push(throughput_check(
                    budgets, entry, measure, key, group, limit, level,
                ));
            }
            continue;
        }
        // A group without the measure has no data for it, never 0.
        let values = group
            .measure(&measure.name)
            .map_or(&[][..], |samples| samples.values.as_slice());
        let statistics = ValueChecks::of(values, &measure.limits, key, config)?;
        for limit in &measure.limits {
            let (sample_count, value, interval) = statistics.observe(limit.metric, level);
            let observation = Observation {
                sample_count,
                min_samples: budgets.min_samples_for(entry, limit.metric, level),
                value,
                interval,
                interval_possible: true,
            };
            checks.push(build_check(entry, Some(measure), key, limit, observation));
        }
    }
    Ok(checks)
}

/// A bound on the group's derived throughput ([`GroupSamples::throughput_rps`]): one figure,
/// resting on every record of the group, with no interval; `min` is a floor and `max` a ceiling,
/// so each check carries its bound's direction. No throughput (fewer than two records, a zero
/// span) is no data, with an [`EvaluationWarning::NoThroughput`] saying why.
fn throughput_check(
    budgets: &Budgets,
    entry: &BudgetEntry,
    measure: &MeasureLimits,
    key: &GroupKey,
    group: &GroupSamples,
    limit: &Limit,
    level: f64,
) -> Check {
    let bound = MeasureLimits {
        name: measure.name.clone(),
        direction: match limit.metric {
            Metric::Max => Direction::HigherIsWorse,
            _ => Direction::HigherIsBetter,
        },
        limits: Vec::new(),
    };
    let observation = Observation {
        sample_count: group.counts.total(),
        min_samples: budgets.min_samples_for(entry, limit.metric, level),
        value: group.throughput_rps().ok(),
        interval: None,
        interval_possible: false,
    };
    build_check(entry, Some(&bound), key, limit, observation)
}

/// Why the throughput checks of groups with records have no value.
fn throughput_warnings<G: GroupData>(
    checks: &[Check],
    groups: &BTreeMap<GroupKey, G>,
) -> Vec<EvaluationWarning> {
    checks
        .iter()
        .filter(|check| {
            check.observed.is_none()
                && check
                    .measure
                    .as_ref()
                    .is_some_and(|measure| measure.name == THROUGHPUT_MEASURE)
        })
        .filter_map(|check| {
            let reason = groups.get(&check.group)?.throughput_rps().err()?;
            Some(EvaluationWarning::NoThroughput {
                tool: check.group.tool.clone(),
                step: check.group.step.clone(),
                reason,
            })
        })
        .collect()
}

/// The values a group's limits on one quantity (its latencies, or one measure) are checked on,
/// with every statistic those limits need computed at once: the summary and the percentiles'
/// intervals from one copy and one selection.
struct ValueChecks<'a> {
    values: &'a [f64],
    summary: Option<Summary>,
    /// Per percentile limit, its probability and its interval (or why it has none).
    intervals: Vec<(f64, Result<QuantileInterval, StatsError>)>,
}

impl<'a> ValueChecks<'a> {
    fn of(
        values: &'a [f64],
        limits: &[Limit],
        key: &GroupKey,
        config: &EvaluateConfig,
    ) -> Result<Self, EvaluateError> {
        if values.is_empty() {
            return Ok(ValueChecks {
                values,
                summary: None,
                intervals: Vec::new(),
            });
        }
        let percentiles: Vec<perf_stats::Percentile> = limits
            .iter()
            .filter_map(|limit| match limit.metric {
                Metric::Percentile(percentile) => Some(percentile),
                _ => None,
            })
            .collect();
        let summary_config = SummaryConfig {
            percentiles: percentiles.iter().map(|p| p.percent()).collect(),
            method: config.quantile_method,
        };
        let probabilities: Vec<f64> = percentiles.iter().map(|p| p.probability()).collect();
        let (summary, intervals) = summarize_with_intervals(
            values,
            &summary_config,
            &probabilities,
            config.confidence_level,
        )
        .map_err(|source| EvaluateError::Statistics {
            group: key.clone(),
            source,
        })?;
        Ok(ValueChecks {
            values,
            summary: Some(summary),
            intervals: probabilities.into_iter().zip(intervals).collect(),
        })
    }

    /// `(sample count, observed value, confidence interval)` of `metric` (not `error_rate`).
    fn observe(
        &self,
        metric: Metric,
        level: f64,
    ) -> (u64, Option<f64>, Option<ConfidenceInterval>) {
        let Some(summary) = &self.summary else {
            return (0, None, None);
        };
        let count = self.values.len() as u64;
        let to_interval = |(low, high): (f64, f64)| ConfidenceInterval { low, high, level };
        match metric {
            // Bootstrap-t up to 2,000 values, Student's t beyond; none for one value.
            Metric::Mean => (
                count,
                Some(summary.mean),
                latency_mean_interval(self.values, level)
                    .ok()
                    .map(|interval| to_interval((interval.lower, interval.upper))),
            ),
            Metric::Min => (count, Some(summary.min), None),
            Metric::Max => (count, Some(summary.max), None),
            // No interval for p0/p100 or a sample too small to reach the level: the check is
            // then never marginal, which the report shows as no interval.
            Metric::Percentile(percentile) => (
                count,
                summary.percentile(percentile.percent()),
                self.intervals
                    .iter()
                    .find(|(probability, _)| *probability == percentile.probability())
                    .and_then(|(_, interval)| interval.as_ref().ok())
                    .map(|interval| to_interval((interval.lower, interval.upper))),
            ),
            Metric::ErrorRate => (0, None, None),
        }
    }
}

/// The checks of a group known only by a source's reported figures.
fn check_reported(
    budgets: &Budgets,
    entry: &BudgetEntry,
    key: &GroupKey,
    statistics: &ReportedStatistics,
    level: f64,
) -> Vec<Check> {
    let count = statistics.count.unwrap_or(0);
    entry
        .limits
        .iter()
        .map(|limit| {
            let observed = match limit.metric {
                Metric::Mean => statistics.mean_ms,
                Metric::Min => statistics.min_ms,
                Metric::Max => statistics.max_ms,
                Metric::Percentile(percentile) => statistics.percentile(percentile.percent()),
                Metric::ErrorRate => statistics.error_rate(),
            };
            // The error rate's interval needs only the counts; the latency figures have none
            // without raw samples, and are trusted from the size at which they would have one.
            let interval = match (limit.metric, statistics.errors) {
                (Metric::ErrorRate, Some(errors)) => error_rate_interval(errors, count, level),
                _ => None,
            };
            let interval_possible = limit.metric == Metric::ErrorRate
                || count < crate::automatic_min_samples(limit.metric, level);
            let observation = Observation {
                sample_count: count,
                min_samples: budgets.min_samples_for(entry, limit.metric, level),
                value: observed,
                interval,
                interval_possible,
            };
            build_check(entry, None, key, limit, observation)
        })
        .collect()
}

/// The error-rate interval (Wilson with continuity correction), `None` without known outcomes.
fn error_rate_interval(errors: u64, known: u64, level: f64) -> Option<ConfidenceInterval> {
    error_rate_confidence_interval(errors, known, level)
        .ok()
        .map(|interval| ConfidenceInterval {
            low: interval.lower,
            high: interval.upper,
            level,
        })
}

/// What a check observed, before it is judged.
struct Observation {
    /// Values the observation rests on.
    sample_count: u64,
    /// The check's `min_samples`.
    min_samples: u64,
    /// The observed figure, `None` without data.
    value: Option<f64>,
    /// Its confidence interval, when there is one.
    interval: Option<ConfidenceInterval>,
    /// Whether a missing interval means too little evidence: false for a figure a source reported
    /// from enough values for an interval to exist, which perf-gate cannot recompute.
    interval_possible: bool,
}

/// Judges one observation against its limit (the rules are in the crate README, "Small samples
/// and confidence"):
/// - no value: no data; fewer values than `min_samples`: insufficient samples;
/// - a metric that has an interval but got none (an explicit `min_samples` let in fewer values
///   than the interval needs): a pass is never plain, it is low confidence; a value over the
///   limit is still a violation;
/// - an error rate is violated only when its interval lies wholly above the limit (the lower
///   bound, one-sided at `(1 + level) / 2`, exceeds it); over the limit with the interval
///   reaching down to it is low confidence;
/// - otherwise the observed value decides, and the check is marginal when the limit lies
///   strictly inside the interval.
fn build_check(
    entry: &BudgetEntry,
    measure: Option<&MeasureLimits>,
    key: &GroupKey,
    limit: &Limit,
    observation: Observation,
) -> Check {
    let Observation {
        sample_count,
        min_samples,
        value: observed,
        interval,
        interval_possible,
    } = observation;
    let direction = measure.map_or(Direction::HigherIsWorse, |measure| measure.direction);
    let within = |value: f64| direction.within(value, limit.value);
    let violated = match entry.severity {
        Severity::Fail => CheckStatus::Fail,
        Severity::Warn => CheckStatus::Warn,
    };
    let without_interval = limit.metric.has_interval() && interval.is_none() && interval_possible;
    let status = match observed {
        None => CheckStatus::NoData,
        Some(_) if sample_count < min_samples => CheckStatus::InsufficientSamples,
        Some(value) if within(value) && without_interval => CheckStatus::LowConfidence,
        Some(value) if within(value) => CheckStatus::Pass,
        Some(_) if limit.metric == Metric::ErrorRate => match interval {
            Some(interval) if interval.low <= limit.value => CheckStatus::LowConfidence,
            _ => violated,
        },
        Some(_) => violated,
    };
    let difference = observed.map(|value| value - limit.value);
    let relative_difference = difference
        .filter(|_| limit.value > 0.0)
        .map(|difference| difference / limit.value);
    let headroom = observed
        .filter(|_| status == CheckStatus::Pass)
        .map(|value| match direction {
            Direction::HigherIsWorse => limit.value - value,
            Direction::HigherIsBetter => value - limit.value,
        });
    // The headroom left at the interval's far bound: the upper one when higher is worse.
    let headroom_at_bound = interval
        .filter(|_| status == CheckStatus::Pass)
        .map(|interval| match direction {
            Direction::HigherIsWorse => limit.value - interval.high,
            Direction::HigherIsBetter => interval.low - limit.value,
        });
    // Marginal: the limit lies strictly inside the interval, so the verdict could flip. Strictly,
    // so that a zero-tolerance rule (`error_rate: 0` with no error, whose interval starts at 0)
    // is not marginal.
    let marginal = match (status, interval) {
        (CheckStatus::Pass | CheckStatus::Fail | CheckStatus::Warn, Some(interval)) => {
            interval.low < limit.value && limit.value < interval.high
        }
        _ => false,
    };
    Check {
        group: key.clone(),
        entry: entry_ref(entry),
        metric: limit.metric,
        measure: measure.map(|measure| CheckMeasure {
            name: measure.name.clone(),
            unit: MeasureUnit::of(&measure.name).symbol().to_owned(),
            direction: measure.direction,
        }),
        unit: if measure.is_some() {
            Unit::Measure
        } else {
            limit.metric.unit()
        },
        status,
        severity: entry.severity,
        observed,
        limit: limit.value,
        difference,
        relative_difference,
        headroom,
        headroom_at_bound,
        sample_count,
        min_samples,
        confidence_interval: interval,
        marginal,
    }
}

fn outcome_warnings<G: GroupData>(groups: &BTreeMap<GroupKey, G>) -> Vec<EvaluationWarning> {
    let with_unknown = groups.values().filter(|group| group.counts().unknown > 0);
    let (records, group_count) = with_unknown.fold((0, 0), |(records, count), group| {
        (records + group.counts().unknown, count + 1)
    });
    if group_count == 0 {
        return Vec::new();
    }
    vec![EvaluationWarning::UnknownOutcomes {
        records,
        groups: group_count,
    }]
}

/// Lint findings alone (the `lint` command): budget entries no group used, groups no entry
/// covers, and budgeted groups with fewer latencies than `min_samples`. Sorted.
///
/// A group is held to the most any limit of its entry needs at a 95% level (see
/// [`Budgets::entry_min_samples`]); [`evaluate`] lints at its own level.
pub fn lint<G: GroupData>(budgets: &Budgets, groups: &BTreeMap<GroupKey, G>) -> Vec<LintFinding> {
    lint_at(budgets, groups, 0.95)
}

fn lint_at<G: GroupData>(
    budgets: &Budgets,
    groups: &BTreeMap<GroupKey, G>,
    level: f64,
) -> Vec<LintFinding> {
    let mut findings = Vec::new();
    let mut used = vec![false; budgets.entries().len()];
    let mut shadowed = vec![0_u64; budgets.entries().len()];
    // (loser, metrics and measure limits it lost) -> (winners, groups); (winner, other) ties ->
    // groups.
    type Lost = (usize, (Vec<Metric>, Vec<String>));
    let mut lost_metrics: BTreeMap<Lost, (std::collections::BTreeSet<usize>, u64)> =
        BTreeMap::new();
    let mut ties: BTreeMap<(usize, usize), u64> = BTreeMap::new();
    let entries = budgets.entries();
    // Per entry, the measures of the groups it won.
    let mut won_measures: Vec<std::collections::BTreeSet<&str>> =
        vec![std::collections::BTreeSet::new(); entries.len()];
    for (key, group) in groups {
        let sample_count = group.latency_count() as u64;
        let matching: Vec<(usize, &BudgetEntry)> = budgets.matching(key).collect();
        let Some((winner_index, winner)) = most_specific(matching.iter().copied()) else {
            findings.push(LintFinding::UncoveredGroup {
                tool: key.tool.clone(),
                step: key.step.clone(),
                sample_count,
            });
            continue;
        };
        used[winner_index] = true;
        won_measures[winner_index].extend(group.measure_names());
        for &(index, entry) in &matching {
            if index == winner_index {
                continue;
            }
            shadowed[index] += 1;
            if entry.specificity() == winner.specificity() {
                *ties.entry((winner_index, index)).or_default() += 1;
            }
            let lost = (
                metrics_lost(winner, entry),
                measure_limits_lost(winner, entry),
            );
            if !lost.0.is_empty() || !lost.1.is_empty() {
                let (winners, groups) = lost_metrics.entry((index, lost)).or_default();
                winners.insert(winner_index);
                *groups += 1;
            }
        }
        let min_samples = budgets.entry_min_samples(winner, level);
        if sample_count < min_samples {
            findings.push(LintFinding::TooFewSamples {
                tool: key.tool.clone(),
                step: key.step.clone(),
                entry: entry_ref(winner),
                sample_count,
                min_samples,
            });
        }
    }
    for ((loser, (metrics, measures)), (winners, groups)) in lost_metrics {
        let mut winners: Vec<EntryRef> = winners
            .iter()
            .map(|&index| entry_ref(&entries[index]))
            .collect();
        winners.sort();
        findings.push(LintFinding::ShadowedMetrics {
            shadowed: entry_ref(&entries[loser]),
            metrics,
            measures,
            winners,
            groups,
        });
    }
    for ((winner, other), groups) in ties {
        findings.push(LintFinding::AmbiguousEntries {
            winner: entry_ref(&entries[winner]),
            other: entry_ref(&entries[other]),
            groups,
        });
    }
    let every_measure: std::collections::BTreeSet<&str> = groups
        .values()
        .flat_map(|group| group.measure_names())
        .collect();
    for (index, entry) in entries.iter().enumerate() {
        if !used[index] {
            continue;
        }
        for measure in &entry.measures {
            let name = measure.name.as_str();
            if name == THROUGHPUT_MEASURE || won_measures[index].contains(name) {
                continue;
            }
            let candidates = if won_measures[index].is_empty() {
                &every_measure
            } else {
                &won_measures[index]
            };
            findings.push(LintFinding::UnknownMeasure {
                entry: entry_ref(entry),
                measure: name.to_owned(),
                did_you_mean: closest_name(name, candidates.iter().copied()),
            });
        }
    }
    for (index, entry) in entries.iter().enumerate() {
        if !used[index] {
            findings.push(LintFinding::UnusedEntry {
                entry: entry_ref(entry),
                shadowed_groups: shadowed[index],
            });
        }
    }
    findings.sort();
    findings
}

/// The measure limits (`peak_rss_mb max`, as [`Check::metric_label`] spells them) that `shadowed`
/// sets and `winner` does not.
fn measure_limits_lost(winner: &BudgetEntry, shadowed: &BudgetEntry) -> Vec<String> {
    let labels = |entry: &BudgetEntry| -> Vec<String> {
        entry
            .measures
            .iter()
            .flat_map(|measure| {
                measure
                    .limits
                    .iter()
                    .map(move |limit| format!("{} {}", measure.name, limit.metric))
            })
            .collect()
    };
    let kept = labels(winner);
    labels(shadowed)
        .into_iter()
        .filter(|label| !kept.contains(label))
        .collect()
}

/// The name among `candidates` a typo of `name` most likely meant: the nearest other name by edit
/// distance, at most a third of the longer name away (and at most 3 edits).
fn closest_name<'a>(name: &str, candidates: impl Iterator<Item = &'a str>) -> Option<String> {
    candidates
        .map(|candidate| (strsim::levenshtein(name, candidate), candidate))
        .filter(|(distance, candidate)| {
            (1..=3).contains(distance) && *distance * 3 <= name.len().max(candidate.len())
        })
        .min()
        .map(|(_, candidate)| candidate.to_owned())
}

/// The metrics `shadowed` limits that `winner` does not.
fn metrics_lost(winner: &BudgetEntry, shadowed: &BudgetEntry) -> Vec<Metric> {
    shadowed
        .limits
        .iter()
        .map(|limit| limit.metric)
        .filter(|metric| !winner.limits.iter().any(|limit| limit.metric == *metric))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::budget::parse_budgets;
    use perf_record::OutcomeCounts;

    const CONFIG: EvaluateConfig = EvaluateConfig {
        confidence_level: 0.95,
        quantile_method: QuantileMethod::Linear,
    };

    fn group(tool: &str, step: &str, latencies: &[f64]) -> (GroupKey, GroupSamples) {
        let samples = GroupSamples {
            counts: OutcomeCounts {
                ok: latencies.len() as u64,
                errors: 0,
                unknown: 0,
            },
            latencies_ms: latencies.to_vec(),
            ..Default::default()
        };
        (GroupKey::new(tool, step), samples)
    }

    fn run_with(
        budgets: &str,
        groups: &[(GroupKey, GroupSamples)],
        config: &EvaluateConfig,
    ) -> Evaluation {
        let budgets = parse_budgets(budgets).unwrap();
        evaluate(&budgets, &groups.iter().cloned().collect(), config).unwrap()
    }

    fn run(budgets: &str, groups: &[(GroupKey, GroupSamples)]) -> Evaluation {
        run_with(budgets, groups, &CONFIG)
    }

    fn one_to(n: usize) -> Vec<f64> {
        (1..=n).map(|value| value as f64).collect()
    }

    fn with_measure(
        (key, mut samples): (GroupKey, GroupSamples),
        name: &str,
        values: &[f64],
    ) -> (GroupKey, GroupSamples) {
        samples.measures.push(perf_record::MeasureSamples {
            name: name.to_owned(),
            values: values.to_vec(),
            error_values: vec![1e9],
        });
        // GroupSamples keeps its measures sorted by name.
        samples
            .measures
            .sort_by(|left, right| left.name.cmp(&right.name));
        (key, samples)
    }

    const MEMORY_BUDGET: &str = r#"{"a": {"b": {"p95": 1000, "min_samples": 3,
        "peak_rss_mb": {"max": 10}, "allocs": {"p50": 1000}}}}"#;

    #[test]
    fn measure_limits_check_the_measure_values() {
        let group = with_measure(
            group("a", "b", &[1.0, 2.0, 3.0]),
            "peak_rss_mb",
            &[8.0, 12.5, 9.0],
        );
        let group = with_measure(group, "allocs", &[700.0, 800.0, 900.0]);
        let evaluation = run(MEMORY_BUDGET, &[group]);
        let found: Vec<(String, CheckStatus, Option<f64>, Unit)> = evaluation
            .checks
            .iter()
            .map(|check| {
                (
                    check.metric_label(),
                    check.status,
                    check.observed,
                    check.unit,
                )
            })
            .collect();
        // Error records' values (1e9) stay out under the default latency_of. Three values give
        // a p95 or a p50 no interval, so within their limits those checks are low confidence,
        // a measure's as much as the latency's; `max` has no interval to lack.
        assert_eq!(
            found,
            [
                (
                    "p95".to_owned(),
                    CheckStatus::LowConfidence,
                    Some(2.9),
                    Unit::Milliseconds
                ),
                (
                    "allocs p50".to_owned(),
                    CheckStatus::LowConfidence,
                    Some(800.0),
                    Unit::Measure
                ),
                (
                    "peak_rss_mb max".to_owned(),
                    CheckStatus::Fail,
                    Some(12.5),
                    Unit::Measure
                ),
            ]
        );
        let memory = &evaluation.checks[2];
        assert_eq!(memory.difference, Some(2.5));
        assert_eq!(
            memory.measure,
            Some(CheckMeasure {
                name: "peak_rss_mb".into(),
                unit: "MiB".into(),
                direction: Direction::HigherIsWorse,
            })
        );
        let json = serde_json::to_value(memory).unwrap();
        assert_eq!(json["measure"]["unit"], "MiB");
        assert_eq!(json["unit"], "measure");
        assert!(
            serde_json::to_value(&evaluation.checks[0])
                .unwrap()
                .get("measure")
                .is_none()
        );
        let back: Check = serde_json::from_value(json).unwrap();
        assert_eq!(&back, memory);
    }

    #[test]
    fn a_group_without_the_measure_has_no_data_for_it_never_zero() {
        let evaluation = run(MEMORY_BUDGET, &[group("a", "b", &[1.0, 2.0, 3.0])]);
        let memory: Vec<_> = evaluation
            .checks
            .iter()
            .filter(|check| check.measure.is_some())
            .map(|check| (check.status, check.observed, check.sample_count))
            .collect();
        assert_eq!(memory, [(CheckStatus::NoData, None, 0); 2]);
        // Under the limit passes, with its headroom.
        let group = with_measure(group("a", "b", &[1.0, 2.0, 3.0]), "peak_rss_mb", &[4.0; 3]);
        let evaluation = run(
            r#"{"a": {"b": {"min_samples": 3, "peak_rss_mb": {"max": 10}}}}"#,
            &[group],
        );
        assert_eq!(evaluation.checks.len(), 1);
        assert_eq!(evaluation.checks[0].status, CheckStatus::Pass);
        assert_eq!(evaluation.checks[0].headroom, Some(6.0));
    }

    #[test]
    fn higher_is_better_flips_the_comparison() {
        let budgets = r#"{"a": {"b": {"min_samples": 1,
            "client_rps": {"min": 100, "avg": 150, "direction": "higher_is_better"}}}}"#;
        let group = with_measure(group("a", "b", &[1.0]), "client_rps", &[120.0, 140.0]);
        let evaluation = run(budgets, &[group]);
        let found: Vec<_> = evaluation
            .checks
            .iter()
            .map(|check| {
                (
                    check.metric_label(),
                    check.status,
                    check.headroom,
                    check.difference,
                )
            })
            .collect();
        assert_eq!(
            found,
            [
                (
                    "client_rps min".to_owned(),
                    CheckStatus::Pass,
                    Some(20.0),
                    Some(20.0)
                ),
                (
                    "client_rps avg".to_owned(),
                    CheckStatus::Fail,
                    None,
                    Some(-20.0)
                ),
            ]
        );
        assert_eq!(
            evaluation.checks[0].measure.as_ref().map(|m| m.direction),
            Some(Direction::HigherIsBetter)
        );
    }

    /// A group of `records` successful records, `spacing` seconds apart.
    fn timed(records: usize, spacing: f64) -> (GroupKey, GroupSamples) {
        let (key, mut samples) = group("a", "b", &vec![1.0; records]);
        let first: perf_record::Timestamp = "2025-10-16T10:00:00Z".parse().unwrap();
        let span = std::time::Duration::from_secs_f64(spacing * records.saturating_sub(1) as f64);
        samples.span = Some(perf_record::TimeSpan {
            first,
            last: first + span,
        });
        (key, samples)
    }

    #[test]
    fn throughput_bounds_check_the_derived_rate_each_in_its_direction() {
        let budgets = r#"{"a": {"b": {"throughput_rps": {"min": 100, "max": 150}}}}"#;
        // 501 records 8 ms apart: 500 intervals over 4 s, 125 per second.
        let evaluation = run(budgets, &[timed(501, 0.008)]);
        let found: Vec<_> = evaluation
            .checks
            .iter()
            .map(|check| {
                (
                    check.metric_label(),
                    check.status,
                    check.observed.map(|value| (value * 1e6).round() / 1e6),
                    check.headroom.map(|value| (value * 1e6).round() / 1e6),
                    check
                        .measure
                        .as_ref()
                        .map(|m| (m.unit.clone(), m.direction)),
                    check.sample_count,
                )
            })
            .collect();
        let per_second = Some(("/s".to_owned(), Direction::HigherIsBetter));
        let ceiling = Some(("/s".to_owned(), Direction::HigherIsWorse));
        assert_eq!(
            found,
            [
                (
                    "throughput_rps min".to_owned(),
                    CheckStatus::Pass,
                    Some(125.0),
                    Some(25.0),
                    per_second,
                    501
                ),
                (
                    "throughput_rps max".to_owned(),
                    CheckStatus::Pass,
                    Some(125.0),
                    Some(25.0),
                    ceiling,
                    501
                ),
            ]
        );
        assert!(evaluation.warnings.is_empty(), "{:?}", evaluation.warnings);
        // 20 ms apart: 50 per second, under the floor.
        let slow = run(budgets, &[timed(501, 0.02)]);
        assert_eq!(slow.checks[0].status, CheckStatus::Fail);
        assert_eq!(slow.checks[0].difference.map(f64::round), Some(-50.0));
        assert_eq!(slow.checks[1].status, CheckStatus::Pass);
        // 4 ms apart: 250 per second, over the ceiling.
        let fast = run(budgets, &[timed(501, 0.004)]);
        assert_eq!(
            (fast.checks[0].status, fast.checks[1].status),
            (CheckStatus::Pass, CheckStatus::Fail)
        );
    }

    #[test]
    fn no_throughput_is_no_data_with_its_reason_never_a_made_up_rate() {
        let budgets = r#"{"a": {"b": {"throughput_rps": {"min": 1}}}}"#;
        for (group, reason) in [
            (timed(1, 1.0), perf_record::NoThroughput::TooFewRecords),
            (timed(50, 0.0), perf_record::NoThroughput::ZeroSpan),
            (
                group("a", "b", &[1.0, 2.0]),
                perf_record::NoThroughput::NoTimestamps,
            ),
        ] {
            let evaluation = run(budgets, &[group]);
            assert_eq!(evaluation.checks[0].status, CheckStatus::NoData);
            assert_eq!(evaluation.checks[0].observed, None);
            assert_eq!(
                evaluation.warnings,
                [EvaluationWarning::NoThroughput {
                    tool: "a".into(),
                    step: "b".into(),
                    reason
                }]
            );
            let json = serde_json::to_value(&evaluation.warnings[0]).unwrap();
            assert_eq!(json["code"], "no_throughput");
            assert_eq!(json["reason"], reason.code());
        }
        // A budgeted group absent from the data is no data without a throughput warning.
        assert!(
            run(budgets, &[])
                .warnings
                .iter()
                .all(|warning| !matches!(warning, EvaluationWarning::NoThroughput { .. }))
        );
    }

    #[test]
    fn throughput_needs_min_samples_records() {
        let budgets = r#"{"a": {"b": {"min_samples": 600, "throughput_rps": {"min": 1}}}}"#;
        let evaluation = run(budgets, &[timed(501, 0.008)]);
        assert_eq!(
            evaluation.checks[0].status,
            CheckStatus::InsufficientSamples
        );
        assert_eq!(evaluation.checks[0].sample_count, 501);
    }

    #[test]
    fn measure_checks_need_min_samples_like_latency() {
        let group = with_measure(group("a", "b", &[1.0, 2.0, 3.0]), "peak_rss_mb", &[20.0]);
        let evaluation = run(MEMORY_BUDGET, &[group]);
        let memory = evaluation
            .checks
            .iter()
            .find(|check| check.metric_label() == "peak_rss_mb max")
            .unwrap();
        assert_eq!(memory.status, CheckStatus::InsufficientSamples);
        assert_eq!(memory.sample_count, 1);
    }

    #[test]
    fn violation_fails_with_differences() {
        let report = run(
            r#"{"a2a": {"echo": {"avg": 10, "min_samples": 1}}}"#,
            &[group("a2a", "echo", &[18.0, 18.6])],
        );
        let check = &report.checks[0];
        assert_eq!(check.status, CheckStatus::Fail);
        assert!((check.observed.unwrap() - 18.3).abs() < 1e-12);
        assert!((check.difference.unwrap() - 8.3).abs() < 1e-12);
        assert!((check.relative_difference.unwrap() - 0.83).abs() < 1e-12);
        assert_eq!(check.headroom, None);
    }

    #[test]
    fn pass_reports_headroom_and_equal_passes() {
        let report = run(
            r#"{"w": {"i": {"max": 100, "min": 1, "min_samples": 1}}}"#,
            &[group("w", "i", &one_to(100))],
        );
        assert_eq!(report.checks.len(), 2);
        assert!(
            report
                .checks
                .iter()
                .all(|check| check.status == CheckStatus::Pass)
        );
        assert_eq!(report.checks[0].metric, Metric::Min);
        assert_eq!(report.checks[0].headroom, Some(0.0));
    }

    #[test]
    fn percentiles_use_the_configured_quantile_method() {
        // numpy: np.percentile([1,2,3,4], 50) == 2.5 (linear, type 7); inverted_cdf (type 1) gives 2.
        let data = [4.0, 1.0, 3.0, 2.0];
        let linear = run(
            r#"{"a": {"b": {"p50": 100, "min_samples": 1}}}"#,
            &[group("a", "b", &data)],
        );
        assert_eq!(linear.checks[0].observed, Some(2.5));
        let nearest = run_with(
            r#"{"a": {"b": {"p50": 100, "min_samples": 1}}}"#,
            &[group("a", "b", &data)],
            &EvaluateConfig {
                quantile_method: QuantileMethod::InvertedCdf,
                ..CONFIG
            },
        );
        assert_eq!(nearest.checks[0].observed, Some(2.0));
    }

    #[test]
    fn warn_severity_never_fails_the_run() {
        let report = run(
            r#"{"a": {"b": {"avg": 1, "severity": "warn", "min_samples": 1}}}"#,
            &[group("a", "b", &[5.0])],
        );
        assert_eq!(report.checks[0].status, CheckStatus::Warn);
    }

    #[test]
    fn too_few_samples_is_inconclusive_with_exit_code_2() {
        let report = run(
            r#"{"a": {"b": {"avg": 100}}}"#,
            &[group("a", "b", &one_to(10))],
        );
        let check = &report.checks[0];
        assert_eq!(check.status, CheckStatus::InsufficientSamples);
        assert_eq!((check.sample_count, check.min_samples), (10, 50));
        assert_eq!(check.observed, Some(5.5));
        assert!(report.lint.iter().any(|finding| matches!(
            finding,
            LintFinding::TooFewSamples {
                sample_count: 10,
                ..
            }
        )));
    }

    #[test]
    fn budgeted_group_without_data_is_no_data() {
        let report = run(r#"{"a": {"gone": {"p95": 10, "error_rate": 0.1}}}"#, &[]);
        assert_eq!(report.checks.len(), 2);
        assert!(
            report
                .checks
                .iter()
                .all(|check| check.status == CheckStatus::NoData && check.observed.is_none())
        );
        assert!(matches!(
            &report.lint[..],
            [LintFinding::UnusedEntry {
                shadowed_groups: 0,
                ..
            }]
        ));
    }

    #[test]
    fn error_rate_counts_known_outcomes_only() {
        let mut sample = group("a", "b", &[1.0; 4]);
        sample.1.counts = OutcomeCounts {
            ok: 3,
            errors: 1,
            unknown: 6,
        };
        let report = run(
            r#"{"a": {"b": {"error_rate": 0.2, "min_samples": 4}}}"#,
            &[sample],
        );
        let check = &report.checks[0];
        assert_eq!(
            (check.observed, check.sample_count, check.status),
            (Some(0.25), 4, CheckStatus::LowConfidence)
        );
        assert!(
            report
                .warnings
                .iter()
                .any(|warning| warning.code() == "unknown_outcomes")
        );
    }

    #[test]
    fn glob_keys_match_like_the_command_line_and_the_most_specific_wins() {
        let report = run(
            r#"{"api": {"get_*": {"p95": 100, "min_samples": 1}, "get_cart": {"p95": 50, "min_samples": 1},
                        "*": {"p95": 900, "min_samples": 1}},
                "{web,api}": {"post_*": {"p95": 300, "min_samples": 1}}}"#,
            &[
                group("api", "get_cart", &[10.0]),
                group("api", "get_user", &[10.0]),
                group("api", "delete", &[10.0]),
                group("web", "post_order", &[10.0]),
            ],
        );
        let applied: Vec<(String, String)> = report
            .checks
            .iter()
            .map(|check| (check.group.to_string(), check.entry.to_string()))
            .collect();
        assert_eq!(
            applied,
            [
                ("api/delete".to_owned(), "api/*".to_owned()),
                ("api/get_cart".to_owned(), "api/get_cart".to_owned()),
                ("api/get_user".to_owned(), "api/get_*".to_owned()),
                ("web/post_order".to_owned(), "{web,api}/post_*".to_owned()),
            ]
        );
    }

    #[test]
    fn lint_names_the_metrics_a_catch_all_loses_and_equally_specific_globs() {
        let report = run(
            r#"{"api": {"*": {"p95": 900, "error_rate": 0.01, "min_samples": 1},
                        "get_cart": {"p95": 50, "min_samples": 1},
                        "get_*": {"p99": 100, "min_samples": 1}, "*_cart": {"p99": 100, "min_samples": 1}}}"#,
            &[
                group("api", "get_cart", &[10.0]),
                group("api", "get_items", &[10.0]),
            ],
        );
        let shadowed: Vec<String> = report
            .lint
            .iter()
            .filter_map(|finding| match finding {
                LintFinding::ShadowedMetrics {
                    shadowed,
                    metrics,
                    measures,
                    winners,
                    groups,
                } => Some(format!(
                    "{shadowed} loses {:?} to {:?} in {groups} group(s)",
                    metrics
                        .iter()
                        .map(ToString::to_string)
                        .chain(measures.iter().cloned())
                        .collect::<Vec<_>>(),
                    winners.iter().map(ToString::to_string).collect::<Vec<_>>()
                )),
                _ => None,
            })
            .collect();
        assert_eq!(
            shadowed,
            [
                r#"api/* loses ["p95", "error_rate"] to ["api/get_*"] in 1 group(s)"#,
                r#"api/* loses ["error_rate"] to ["api/get_cart"] in 1 group(s)"#,
                r#"api/*_cart loses ["p99"] to ["api/get_cart"] in 1 group(s)"#,
                r#"api/get_* loses ["p99"] to ["api/get_cart"] in 1 group(s)"#,
            ]
        );
        // get_cart is exact, so neither glob ties with it; get_items matches only get_*.
        assert!(
            !report
                .lint
                .iter()
                .any(|finding| matches!(finding, LintFinding::AmbiguousEntries { .. }))
        );
        let tie = run(
            r#"{"api": {"get_*": {"p99": 100, "min_samples": 1}, "*_all": {"p99": 200, "min_samples": 1}}}"#,
            &[group("api", "get_all", &[10.0])],
        );
        assert!(
            tie.lint.iter().any(|finding| matches!(
                finding,
                LintFinding::AmbiguousEntries { winner, other, groups: 1 }
                    if winner.to_string() == "api/*_all" && other.to_string() == "api/get_*"
            )),
            "{:?}",
            tie.lint
        );
    }

    #[test]
    fn lint_names_the_measure_limits_a_catch_all_loses() {
        let report = run(
            r#"{"api": {"*": {"p95": 900, "peak_rss_mb": {"max": 10, "p95": 8},
                              "throughput_rps": {"min": 5}, "min_samples": 1},
                        "get": {"p95": 50, "peak_rss_mb": {"max": 12}, "min_samples": 1}}}"#,
            &[group("api", "get", &[10.0])],
        );
        let lost: Vec<_> = report
            .lint
            .iter()
            .filter_map(|finding| match finding {
                LintFinding::ShadowedMetrics {
                    metrics, measures, ..
                } => Some((metrics.clone(), measures.clone())),
                _ => None,
            })
            .collect();
        // p95 and `peak_rss_mb max` are in the winner; `peak_rss_mb p95` and the throughput
        // floor are not.
        assert_eq!(
            lost,
            [(
                vec![],
                vec![
                    "peak_rss_mb p95".to_owned(),
                    "throughput_rps min".to_owned()
                ]
            )]
        );
        let json = serde_json::to_value(
            report
                .lint
                .iter()
                .find(|finding| matches!(finding, LintFinding::ShadowedMetrics { .. }))
                .unwrap(),
        )
        .unwrap();
        assert_eq!(json["measures"][0], "peak_rss_mb p95");
        // A latency-only loss keeps its JSON as it was: no `measures` key.
        let latency_only = run(
            r#"{"api": {"*": {"p99": 900, "min_samples": 1}, "get": {"p95": 50, "min_samples": 1}}}"#,
            &[group("api", "get", &[10.0])],
        );
        let finding = latency_only
            .lint
            .iter()
            .find(|finding| matches!(finding, LintFinding::ShadowedMetrics { .. }))
            .unwrap();
        assert!(
            serde_json::to_value(finding)
                .unwrap()
                .get("measures")
                .is_none()
        );
    }

    #[test]
    fn lint_flags_a_measure_no_group_of_the_entry_carries_with_a_did_you_mean() {
        let budgets = r#"{"api": {"get": {"min_samples": 1, "peak_rss_md": {"max": 10},
            "allocs": {"p50": 5}, "cpu_user_ms": {"max": 5}, "throughput_rps": {"min": 1}}}}"#;
        let data = with_measure(group("api", "get", &[1.0]), "peak_rss_mb", &[4.0]);
        let data = with_measure(data, "allocs", &[3.0]);
        // Another entry's group carries cpu_user_ms: this entry's groups still do not, and the
        // name is never its own suggestion.
        let other = with_measure(group("web", "x", &[1.0]), "cpu_user_ms", &[1.0]);
        let with_web = r#"{"api": {"get": {"min_samples": 1, "peak_rss_md": {"max": 10},
            "allocs": {"p50": 5}, "cpu_user_ms": {"max": 5}, "throughput_rps": {"min": 1}}},
            "web": {"x": {"p95": 1}}}"#;
        let report = run(with_web, &[data, other]);
        let unknown: Vec<_> = report
            .lint
            .iter()
            .filter_map(|finding| match finding {
                LintFinding::UnknownMeasure {
                    entry,
                    measure,
                    did_you_mean,
                } => Some((entry.to_string(), measure.clone(), did_you_mean.clone())),
                _ => None,
            })
            .collect();
        // allocs is carried; the derived throughput is never unknown; cpu_user_ms is nothing
        // like a carried name.
        assert_eq!(
            unknown,
            [
                ("api/get".to_owned(), "cpu_user_ms".to_owned(), None),
                (
                    "api/get".to_owned(),
                    "peak_rss_md".to_owned(),
                    Some("peak_rss_mb".to_owned())
                ),
            ]
        );
        // The lint command finds the same.
        let budgets = crate::budget::parse_budgets(budgets).unwrap();
        let data = with_measure(group("api", "get", &[1.0]), "peak_rss_mb", &[4.0]);
        let findings = lint(&budgets, &[data].into_iter().collect());
        assert_eq!(
            findings
                .iter()
                .filter(|finding| matches!(finding, LintFinding::UnknownMeasure { .. }))
                .count(),
            3
        );
    }

    #[test]
    fn wildcards_apply_and_lint_reports_uncovered_and_shadowed() {
        let report = run(
            r#"{"*": {"plan": {"avg": 100, "min_samples": 1}}, "wsap": {"plan": {"avg": 50, "min_samples": 1}}}"#,
            &[
                group("wsap", "plan", &[10.0]),
                group("other", "plan", &[10.0]),
                group("other", "x", &[1.0]),
            ],
        );
        let limits: Vec<(&str, f64)> = report
            .checks
            .iter()
            .map(|check| (check.group.tool.as_str(), check.limit))
            .collect();
        assert_eq!(limits, [("other", 100.0), ("wsap", 50.0)]);
        assert_eq!(
            report.lint,
            [LintFinding::UncoveredGroup {
                tool: "other".to_owned(),
                step: "x".to_owned(),
                sample_count: 1
            }]
        );
        let shadowed = run(
            r#"{"*": {"plan": {"avg": 100}}, "wsap": {"plan": {"avg": 50, "min_samples": 1}}}"#,
            &[group("wsap", "plan", &[10.0])],
        );
        assert!(matches!(
            &shadowed.lint[..],
            [LintFinding::UnusedEntry {
                shadowed_groups: 1,
                ..
            }]
        ));
    }

    #[test]
    fn marginal_when_the_limit_is_inside_the_interval() {
        let data = one_to(1000);
        // p50 = 500.5; its 95% interval spans roughly 469..532.
        let marginal = run(r#"{"a": {"b": {"p50": 510}}}"#, &[group("a", "b", &data)]);
        let check = &marginal.checks[0];
        assert_eq!(check.status, CheckStatus::Pass);
        let interval = check.confidence_interval.unwrap();
        assert!(
            interval.low < 500.5 && interval.high > 510.0,
            "{interval:?}"
        );
        assert!(check.marginal);
        let clear = run(r#"{"a": {"b": {"p50": 700}}}"#, &[group("a", "b", &data)]);
        assert!(!clear.checks[0].marginal);
        let clear_fail = run(r#"{"a": {"b": {"p50": 300}}}"#, &[group("a", "b", &data)]);
        assert_eq!(clear_fail.checks[0].status, CheckStatus::Fail);
        assert!(!clear_fail.checks[0].marginal);
        let marginal_fail = run(r#"{"a": {"b": {"p50": 495}}}"#, &[group("a", "b", &data)]);
        assert!(marginal_fail.checks[0].marginal);
    }

    #[test]
    fn mean_and_error_rate_checks_are_marginal_inside_their_intervals() {
        // Mean 500.5, standard error ~9.1: the 95% t interval is about 482.6..518.4.
        let data = one_to(1000);
        let marginal = run(r#"{"a": {"b": {"avg": 510}}}"#, &[group("a", "b", &data)]);
        let interval = marginal.checks[0].confidence_interval.unwrap();
        assert!(
            interval.low < 500.5 && interval.high > 510.0,
            "{interval:?}"
        );
        assert!(marginal.checks[0].marginal);
        let clear = run(r#"{"a": {"b": {"avg": 600}}}"#, &[group("a", "b", &data)]);
        assert!(!clear.checks[0].marginal);

        // 20 errors in 1000: the Wilson interval is about 0.013..0.031.
        let mut errors = group("a", "b", &data);
        errors.1.counts = OutcomeCounts {
            ok: 980,
            errors: 20,
            unknown: 7,
        };
        let near = run(r#"{"a": {"b": {"error_rate": 0.025}}}"#, &[errors.clone()]);
        let interval = near.checks[0].confidence_interval.unwrap();
        assert!(interval.low < 0.02 && interval.high > 0.025, "{interval:?}");
        assert_eq!(near.checks[0].status, CheckStatus::Pass);
        assert!(near.checks[0].marginal);
        let far = run(r#"{"a": {"b": {"error_rate": 0.05}}}"#, &[errors]);
        assert!(!far.checks[0].marginal);

        // A zero-tolerance rule met exactly is not marginal: its interval starts at the limit.
        let clean = run(
            r#"{"a": {"b": {"error_rate": 0}}}"#,
            &[group("a", "b", &data)],
        );
        assert_eq!(clean.checks[0].status, CheckStatus::Pass);
        assert_eq!(clean.checks[0].confidence_interval.unwrap().low, 0.0);
        assert!(!clean.checks[0].marginal);
    }

    #[test]
    fn scoped_budgets_drop_out_of_scope_entries_and_keep_wildcards() {
        let text = r#"{"a": {"b": {"p50": 1000}}, "other": {"step": {"p50": 1}}, "*": {"*": {"max": 1e9}}}"#;
        let full = run(text, &[group("a", "b", &one_to(100))]);
        assert!(
            full.checks
                .iter()
                .any(|check| check.status == CheckStatus::NoData)
        );
        let budgets = parse_budgets(text)
            .unwrap()
            .scoped(|tool| tool == "a", |_| true);
        let groups = [group("a", "b", &one_to(100))].into_iter().collect();
        let scoped = evaluate(&budgets, &groups, &CONFIG).unwrap();
        assert!(scoped.checks.iter().all(|check| check.group.tool == "a"));
        assert!(
            scoped
                .checks
                .iter()
                .all(|check| check.status == CheckStatus::Pass)
        );
        assert_eq!(
            scoped.checks.len(),
            1,
            "the most specific entry, a/b, wins whole"
        );
        // The wildcard stays in scope (shadowed by a/b); other/step is neither checked nor linted.
        assert!(
            matches!(&scoped.lint[..], [
                LintFinding::UnusedEntry { entry, shadowed_groups: 1 },
                LintFinding::ShadowedMetrics { shadowed, groups: 1, .. },
            ] if entry.to_string() == "*/*" && shadowed.to_string() == "*/*"),
            "{:?}",
            scoped.lint
        );
    }

    #[test]
    fn reported_figures_are_checked_without_intervals_and_raw_samples_win() {
        let budgets = parse_budgets(
            r#"{"a": {"*": {"p95": 100, "p99": 100, "avg": 10, "min_samples": 50}}}"#,
        )
        .unwrap();
        let reported = ReportedStatistics {
            count: Some(200),
            errors: Some(2),
            mean_ms: Some(12.0),
            percentiles: vec![(95.0, 80.0)],
            ..ReportedStatistics::default()
        };
        let few = ReportedStatistics {
            count: Some(10),
            ..reported.clone()
        };
        let reported_groups = BTreeMap::from([
            (GroupKey::new("a", "summary"), reported.clone()),
            (GroupKey::new("a", "few"), few),
            (GroupKey::new("a", "raw"), reported),
        ]);
        let raw = [group("a", "raw", &one_to(100))].into_iter().collect();
        let evaluation = evaluate_with_reported(&budgets, &raw, &reported_groups, &CONFIG).unwrap();
        let status = |step: &str, metric: &str| {
            let check = evaluation
                .checks
                .iter()
                .find(|check| check.group.step == step && check.metric.to_string() == metric)
                .unwrap();
            (
                check.status,
                check.observed,
                check.confidence_interval.is_some(),
            )
        };
        assert_eq!(
            status("summary", "p95"),
            (CheckStatus::Pass, Some(80.0), false)
        );
        assert_eq!(
            status("summary", "avg"),
            (CheckStatus::Fail, Some(12.0), false)
        );
        // The tool did not report a p99: no data, never a guess.
        assert_eq!(status("summary", "p99"), (CheckStatus::NoData, None, false));
        assert_eq!(
            status("few", "p95"),
            (CheckStatus::InsufficientSamples, Some(80.0), false)
        );
        // Raw samples win over what was reported: 1..=100 has a mean of 50.5.
        assert_eq!(status("raw", "avg").1, Some(50.5));
    }

    #[test]
    fn nan_latency_is_an_error_naming_the_group() {
        let error = evaluate(
            &parse_budgets(r#"{"a": {"b": {"avg": 1}}}"#).unwrap(),
            &[group("a", "b", &[1.0, f64::NAN])].into_iter().collect(),
            &CONFIG,
        )
        .unwrap_err();
        assert_eq!(error.to_string(), "a/b: cannot compute latency statistics");
        let cause = std::error::Error::source(&error).unwrap().to_string();
        assert!(cause.starts_with("value NaN at index 1"), "{cause}");
    }

    #[test]
    fn rejects_a_confidence_level_outside_0_1() {
        let budgets = parse_budgets(r#"{"a": {"b": {"avg": 1}}}"#).unwrap();
        for level in [0.0, 1.0, f64::NAN, 1.5] {
            let error = evaluate(
                &budgets,
                &BTreeMap::<GroupKey, GroupSamples>::new(),
                &EvaluateConfig {
                    confidence_level: level,
                    ..CONFIG
                },
            )
            .unwrap_err();
            assert!(matches!(
                error,
                EvaluateError::InvalidConfidenceLevel { .. }
            ));
        }
    }

    #[test]
    fn empty_budgets_warn_that_nothing_was_checked() {
        let report = run("{}", &[group("a", "b", &[1.0])]);
        assert!(
            report
                .warnings
                .iter()
                .any(|warning| warning.code() == "nothing_checked")
        );
    }
    fn with_errors(step: &str, ok: u64, errors: u64) -> (GroupKey, GroupSamples) {
        let mut sample = group("a", step, &one_to(usize::try_from(ok + errors).unwrap()));
        sample.1.counts = OutcomeCounts {
            ok,
            errors,
            unknown: 0,
        };
        sample
    }

    #[test]
    fn min_samples_default_to_what_the_percentile_interval_needs() {
        let budget = r#"{"a": {"b": {"p95": 1000, "p99": 1000, "avg": 1000}}}"#;
        let status = |report: &Evaluation| -> Vec<(String, CheckStatus, u64)> {
            report
                .checks
                .iter()
                .map(|check| (check.metric.to_string(), check.status, check.min_samples))
                .collect()
        };
        let report = run(budget, &[group("a", "b", &one_to(100))]);
        assert_eq!(
            status(&report),
            [
                ("avg".to_owned(), CheckStatus::Pass, 50),
                ("p95".to_owned(), CheckStatus::Pass, 72),
                ("p99".to_owned(), CheckStatus::InsufficientSamples, 368),
            ]
        );
        // 71 latencies are enough for the mean but not for a p95 interval.
        let report = run(budget, &[group("a", "b", &one_to(71))]);
        assert_eq!(report.checks[1].status, CheckStatus::InsufficientSamples);
        assert!(report.lint.iter().any(|finding| matches!(
            finding,
            LintFinding::TooFewSamples {
                sample_count: 71,
                min_samples: 368,
                ..
            }
        )));
        // At 90% the p95 interval exists from 59 values.
        let lower = run_with(
            budget,
            &[group("a", "b", &one_to(60))],
            &EvaluateConfig {
                confidence_level: 0.9,
                ..CONFIG
            },
        );
        assert_eq!(
            (lower.checks[1].status, lower.checks[1].min_samples),
            (CheckStatus::Pass, 59)
        );
    }

    #[test]
    fn a_check_without_its_interval_is_never_a_plain_pass() {
        // min_samples 10 is explicit and wins, but 30 values give no 95% interval of a p95.
        let data = one_to(30);
        let under = run(
            r#"{"a": {"b": {"p95": 100, "max": 100, "min_samples": 10}}}"#,
            &[group("a", "b", &data)],
        );
        let by_metric = |report: &Evaluation, metric: &str| {
            report
                .checks
                .iter()
                .find(|check| check.metric.to_string() == metric)
                .unwrap()
                .clone()
        };
        let p95 = by_metric(&under, "p95");
        assert_eq!(
            (p95.status, p95.min_samples, p95.confidence_interval),
            (CheckStatus::LowConfidence, 10, None)
        );
        assert_eq!(p95.headroom, None);
        // max is the sample's own extreme: no interval to miss.
        assert_eq!(by_metric(&under, "max").status, CheckStatus::Pass);
        // Over the limit is still a violation, and warn severity is low confidence too.
        let over = run(
            r#"{"a": {"b": {"p95": 20, "min_samples": 10}}}"#,
            &[group("a", "b", &data)],
        );
        assert_eq!(over.checks[0].status, CheckStatus::Fail);
        let warn = run(
            r#"{"a": {"b": {"p95": 100, "min_samples": 10, "severity": "warn"}}}"#,
            &[group("a", "b", &data)],
        );
        assert_eq!(warn.checks[0].status, CheckStatus::LowConfidence);
    }

    #[test]
    fn headroom_is_also_given_at_the_upper_bound_of_the_interval() {
        let data = one_to(1000);
        let report = run(r#"{"a": {"b": {"p50": 600}}}"#, &[group("a", "b", &data)]);
        let check = &report.checks[0];
        let interval = check.confidence_interval.unwrap();
        assert_eq!(check.headroom, Some(600.0 - 500.5));
        assert_eq!(check.headroom_at_bound, Some(600.0 - interval.high));
        assert!(check.headroom_at_bound.unwrap() < check.headroom.unwrap());
        let fail = run(r#"{"a": {"b": {"p50": 300}}}"#, &[group("a", "b", &data)]);
        assert_eq!(fail.checks[0].headroom_at_bound, None);
    }

    #[test]
    fn an_error_rate_is_violated_only_when_its_interval_is_above_the_limit() {
        let budget = r#"{"a": {"*": {"error_rate": 0.01, "min_samples": 1}}}"#;
        let report = run(
            budget,
            &[
                // 2 in 100: 2% over the 1% limit, but the interval reaches down to 0.35%.
                with_errors("few", 98, 2),
                // 20 in 200: 10%, the interval starts near 6%.
                with_errors("many", 180, 20),
                with_errors("clean", 100, 0),
            ],
        );
        let status: Vec<(&str, CheckStatus)> = report
            .checks
            .iter()
            .map(|check| (check.group.step.as_str(), check.status))
            .collect();
        assert_eq!(
            status,
            [
                ("clean", CheckStatus::Pass),
                ("few", CheckStatus::LowConfidence),
                ("many", CheckStatus::Fail),
            ]
        );
        let few = &report.checks[1];
        assert!(few.confidence_interval.unwrap().low < 0.01);
        // Zero tolerance stays zero tolerance: one error in 1,000 has a lower bound above 0.
        let zero = run(
            r#"{"a": {"*": {"error_rate": 0}}}"#,
            &[with_errors("one", 999, 1), with_errors("none", 1000, 0)],
        );
        let status: Vec<CheckStatus> = zero.checks.iter().map(|check| check.status).collect();
        assert_eq!(status, [CheckStatus::Pass, CheckStatus::Fail]);
    }
}
