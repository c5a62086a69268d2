//! The budget entries' history rules (`trend`, `consecutive`), judged over the run history
//! before the report is built, so the verdict includes them.

use std::collections::BTreeMap;

use perf_budget::{Budgets, Check, CheckStatus};
use perf_history::{
    ChangeKind, GroupHistory, HistoryRuleVerdict, HistorySection, HistoryStatus, HistoryStore,
    Rule, RunId, SeriesChangePoint, SeriesPoint, TrendMetric,
};
use perf_record::{GroupData, GroupKey, GroupSamples};
use perf_stats::{ChangePointConfig, Direction, QuantileMethod};

use crate::{ComparisonSettings, GateError, current_fingerprint};

/// A trend candidate waiting for its Holm-adjusted confirmation.
struct Candidate {
    group: usize,
    change_point: usize,
    rule: usize,
    p_value: f64,
    max_change: f64,
}

/// Statuses of a recorded budget check that breached its limit.
fn is_breach(status: &str) -> bool {
    matches!(status, "fail" | "warn")
}

/// The history section of a run, or `None` when no budget entry in scope has a history rule.
/// `checks` are the run's budget checks: a breach that `consecutive` has not yet confirmed is
/// turned from `fail` into `warn` here.
pub(crate) fn judge_history(
    store: &mut HistoryStore,
    budgets: &Budgets,
    groups: &BTreeMap<GroupKey, impl GroupData>,
    checks: &mut [Check],
    settings: &ComparisonSettings,
    method: QuantileMethod,
) -> Result<Option<HistorySection>, GateError> {
    let with_rules = |key: &GroupKey| {
        budgets
            .resolve(key)
            .filter(|entry| entry.trend.is_some() || entry.consecutive.is_some())
    };
    if !groups.keys().any(|key| with_rules(key).is_some()) {
        return Ok(None);
    }
    let environment = perf_history::environment_hash(&current_fingerprint());
    let history_error = GateError::History;
    let mut section = HistorySection {
        metric: settings.metric.to_string(),
        min_magnitude: settings.tolerance,
        alpha: settings.alpha,
        groups: Vec::new(),
    };
    let mut candidates = Vec::new();
    for (key, group) in groups {
        let Some(entry) = with_rules(key) else {
            continue;
        };
        // One group's samples loaded at a time (borrowed when they are in memory).
        let samples = group.samples().map_err(|source| GateError::Load {
            group: key.clone(),
            source,
        })?;
        let samples = samples.as_ref();
        let mut history = GroupHistory {
            group: key.clone(),
            series: Vec::new(),
            change_points: Vec::new(),
            rules: Vec::new(),
        };
        if let Some(rule) = entry.trend {
            let past = store
                .trend(
                    key,
                    TrendMetric::Percentile(settings.metric),
                    u64::from(rule.window()) - 1,
                )
                .map_err(history_error)?;
            let mut environments = Vec::new();
            for point in past {
                if let Some(value) = point.value {
                    history.series.push(SeriesPoint {
                        run: Some(point.run),
                        value,
                        environment_changed: false,
                    });
                    environments.push(point.environment);
                }
            }
            if let Ok(value) =
                perf_stats::quantile(&samples.latencies_ms, settings.metric.probability(), method)
            {
                history.series.push(SeriesPoint {
                    run: None,
                    value,
                    environment_changed: false,
                });
                environments.push(environment.clone());
            }
            let mut forced = Vec::new();
            for index in 1..environments.len() {
                if environments[index] != environments[index - 1] {
                    history.series[index].environment_changed = true;
                    forced.push(index);
                }
            }
            let runs = history.series.len() as u64;
            let mut verdict = HistoryRuleVerdict {
                rule: Rule::Trend,
                metric: settings.metric.to_string(),
                status: HistoryStatus::Pass,
                observed: None,
                limit: rule.max_change(),
                p_value: None,
                runs,
            };
            if runs < u64::from(perf_budget::TrendRule::MIN_WINDOW) {
                verdict.status = HistoryStatus::NotEnoughHistory;
            } else {
                let values: Vec<f64> = history.series.iter().map(|point| point.value).collect();
                let config = ChangePointConfig {
                    min_magnitude: settings.tolerance,
                    ..ChangePointConfig::default()
                };
                let found = perf_stats::detect_change_points(&values, &forced, &config).map_err(
                    |source| GateError::ChangePoints {
                        group: key.clone(),
                        source,
                    },
                )?;
                for point in &found {
                    let kind = if point.forced {
                        ChangeKind::EnvironmentChange
                    } else if point.direction() == Some(Direction::Increase) {
                        ChangeKind::Regression
                    } else {
                        ChangeKind::Improvement
                    };
                    history.change_points.push(SeriesChangePoint {
                        index: point.index,
                        run: history.series[point.index].run,
                        kind,
                        before: point.mean_before,
                        after: point.mean_after,
                        change: point.relative_change,
                        p_value: point.p_value,
                        confirmation_p_value: None,
                    });
                }
                // The latest change point decides; only a rise can fail.
                if let Some(latest) = found
                    .last()
                    .filter(|point| !point.forced && point.direction() == Some(Direction::Increase))
                {
                    let before =
                        pooled(store, key, &history.series, latest.before.clone(), samples)?;
                    let after = pooled(store, key, &history.series, latest.after.clone(), samples)?;
                    let confirmation =
                        perf_stats::confirm_change(&before, &after, Direction::Increase).map_err(
                            |source| GateError::ChangePoints {
                                group: key.clone(),
                                source,
                            },
                        )?;
                    verdict.observed = Some(latest.relative_change);
                    candidates.push(Candidate {
                        group: section.groups.len(),
                        change_point: found.len() - 1,
                        rule: history.rules.len(),
                        p_value: confirmation.p_value,
                        max_change: rule.max_change(),
                    });
                }
            }
            history.rules.push(verdict);
        }
        if let Some(rule) = entry.consecutive {
            for check in checks.iter_mut().filter(|check| &check.group == key) {
                let breached = matches!(check.status, CheckStatus::Fail | CheckStatus::Warn);
                let metric = check.metric_label();
                let mut streak = u64::from(breached);
                if breached {
                    let past = store
                        .verdict_history(key, Rule::Budget, &metric, u64::from(rule.runs()) - 1)
                        .map_err(history_error)?;
                    streak += past
                        .iter()
                        .take_while(|(_, status): &&(RunId, String)| is_breach(status))
                        .count() as u64;
                }
                let confirmed = streak >= u64::from(rule.runs());
                if breached && !confirmed && check.status == CheckStatus::Fail {
                    // Not yet confirmed: reported, but it does not fail the gate.
                    check.status = CheckStatus::Warn;
                }
                history.rules.push(HistoryRuleVerdict {
                    rule: Rule::Consecutive,
                    metric,
                    status: if confirmed && check.status == CheckStatus::Fail {
                        HistoryStatus::Fail
                    } else {
                        HistoryStatus::Pass
                    },
                    observed: Some(streak as f64),
                    limit: f64::from(rule.runs()),
                    p_value: None,
                    runs: streak.max(1),
                });
            }
        }
        section.groups.push(history);
    }
    if !candidates.is_empty() {
        let raw: Vec<f64> = candidates
            .iter()
            .map(|candidate| candidate.p_value)
            .collect();
        let adjusted =
            perf_stats::holm_bonferroni(&raw).map_err(|source| GateError::ChangePoints {
                group: section.groups[candidates[0].group].group.clone(),
                source,
            })?;
        for (candidate, p_value) in candidates.iter().zip(adjusted) {
            let group = &mut section.groups[candidate.group];
            let change_point = &mut group.change_points[candidate.change_point];
            change_point.confirmation_p_value = Some(p_value);
            let change = change_point.change;
            let verdict = &mut group.rules[candidate.rule];
            verdict.p_value = Some(p_value);
            if p_value <= settings.alpha && change > candidate.max_change {
                verdict.status = HistoryStatus::Fail;
            }
        }
    }
    Ok(Some(section))
}

/// The raw samples of `group` in the runs `range` of `series`, pooled (the gated run's from
/// `current`).
fn pooled(
    store: &mut HistoryStore,
    group: &GroupKey,
    series: &[SeriesPoint],
    range: std::ops::Range<usize>,
    current: &GroupSamples,
) -> Result<Vec<f64>, GateError> {
    let mut pooled = Vec::new();
    for point in &series[range] {
        match point.run {
            Some(run) => pooled.extend(
                store
                    .samples(run, group)
                    .map_err(GateError::History)?
                    .unwrap_or_default(),
            ),
            None => pooled.extend_from_slice(&current.latencies_ms),
        }
    }
    Ok(pooled)
}
