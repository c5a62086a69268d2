//! A gate run as a history record: the report's verdicts and the run's groups, written to a
//! [`HistoryStore`] after the report is final.

use std::collections::BTreeMap;

use perf_budget::{Budgets, Metric};
use perf_history::{
    HistoryError, HistoryStore, NewRun, RecordConfig, Rule, RunId, RunMetadata, RunSource,
    VerdictRecord,
};
use perf_record::{GroupData, GroupKey};
use perf_report::Report;

use crate::{GateError, build_baseline_with, current_fingerprint};

/// Where a run comes from, as the command line knows it.
#[derive(Debug, Clone, PartialEq)]
pub struct Provenance {
    /// When the run is recorded.
    pub time: jiff::Timestamp,
    /// The commit measured (`--commit`, or the CI's variable).
    pub commit: Option<String>,
    /// The branch measured.
    pub branch: Option<String>,
    /// The budget file's bytes, hashed into the run (`None` without a budget file).
    pub budgets_hash: Option<String>,
}

/// Why a run could not be recorded.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RecordHistoryError {
    /// The run's own baseline (whose hash pruning uses) could not be built.
    #[error("cannot fingerprint the run's groups")]
    Baseline(#[source] GateError),
    /// The history refused the run.
    #[error("cannot record the run in the history")]
    History(#[source] HistoryError),
}

/// Records a gated run: every group's statistics and raw samples, and the verdict of every
/// check and baseline comparison of `report` (which is final: recording changes nothing in it).
///
/// # Errors
/// Groups a baseline cannot hold, or a history that refuses the write (nothing is recorded).
pub fn record_gate_run<G: GroupData>(
    store: &mut HistoryStore,
    report: &Report,
    budgets: &Budgets,
    groups: &BTreeMap<GroupKey, G>,
    provenance: &Provenance,
) -> Result<RunId, RecordHistoryError> {
    let mut verdicts: Vec<VerdictRecord> = report.checks().iter().map(check_verdict).collect();
    if let Some(comparison) = report.baseline() {
        verdicts.extend(comparison.groups.iter().map(|group| VerdictRecord {
            group: group.key.clone(),
            rule: Rule::Baseline,
            metric: comparison.metric.to_string(),
            status: snake_case(&group.verdict),
            severity: None,
            observed: group.current_value_ms,
            limit: group.baseline_value_ms,
            delta: group.relative_change,
            p_value: group.adjusted_p_value,
        }));
    }
    let mut change_points = Vec::new();
    if let Some(section) = report.history() {
        for group in &section.groups {
            verdicts.extend(group.rules.iter().map(|rule| VerdictRecord {
                group: group.group.clone(),
                rule: rule.rule,
                metric: rule.metric.clone(),
                status: snake_case(&rule.status),
                severity: None,
                observed: rule.observed,
                limit: Some(rule.limit),
                delta: None,
                p_value: rule.p_value,
            }));
            change_points.extend(group.change_points.iter().map(|point| {
                perf_history::ChangePointRecord {
                    group: group.group.clone(),
                    metric: section.metric.clone(),
                    at_run: point.run,
                    kind: point.kind,
                    before: point.before,
                    after: point.after,
                    change: point.change,
                    p_value: point.confirmation_p_value,
                }
            }));
        }
    }
    let baseline_hash = report
        .baseline()
        .map(|comparison| comparison.baseline_hash.clone());
    let judged = Judged {
        source: RunSource::Gate,
        baseline_hash,
        verdicts,
        change_points,
    };
    record(store, budgets, groups, provenance, judged)
}

/// Records a run without gating it (`perf-gate history record`): statistics and raw samples,
/// computed with the budget file's quantile method and percentiles, no verdicts.
///
/// # Errors
/// As [`record_gate_run`].
pub fn record_run<G: GroupData>(
    store: &mut HistoryStore,
    budgets: &Budgets,
    groups: &BTreeMap<GroupKey, G>,
    provenance: &Provenance,
) -> Result<RunId, RecordHistoryError> {
    let judged = Judged {
        source: RunSource::Record,
        baseline_hash: None,
        verdicts: Vec::new(),
        change_points: Vec::new(),
    };
    record(store, budgets, groups, provenance, judged)
}

/// What the gate made of a run (nothing, for `history record`).
struct Judged {
    source: RunSource,
    baseline_hash: Option<String>,
    verdicts: Vec<VerdictRecord>,
    change_points: Vec<perf_history::ChangePointRecord>,
}

fn record<G: GroupData>(
    store: &mut HistoryStore,
    budgets: &Budgets,
    groups: &BTreeMap<GroupKey, G>,
    provenance: &Provenance,
    judged: Judged,
) -> Result<RunId, RecordHistoryError> {
    let Judged {
        source,
        baseline_hash,
        verdicts,
        change_points,
    } = judged;
    // The run's own baseline in the budgets' quantile method, the one the history rules and
    // later comparisons of these budgets use.
    let run_baseline = build_baseline_with(groups, budgets.defaults().quantile_method)
        .map_err(RecordHistoryError::Baseline)?;
    let run = NewRun {
        metadata: RunMetadata {
            time: provenance.time,
            commit: provenance.commit.clone(),
            branch: provenance.branch.clone(),
            source,
            budgets_hash: provenance.budgets_hash.clone(),
            baseline_hash,
            run_baseline_hash: Some(run_baseline.content_hash().to_owned()),
            environment: current_fingerprint(),
        },
        groups,
        verdicts,
        change_points,
        config: record_config(budgets),
    };
    store.record(&run).map_err(RecordHistoryError::History)
}

/// The run's one quantile method and every percentile its budgets check.
fn record_config(budgets: &Budgets) -> RecordConfig {
    let mut percentiles: Vec<perf_stats::Percentile> = budgets
        .entries()
        .iter()
        .flat_map(|entry| entry.limits.iter())
        .filter_map(|limit| match limit.metric {
            Metric::Percentile(percentile) => Some(percentile),
            _ => None,
        })
        .collect();
    percentiles.sort_by(|a, b| a.percent().total_cmp(&b.percent()));
    percentiles.dedup();
    RecordConfig {
        quantile_method: budgets.defaults().quantile_method,
        confidence_level: 0.95,
        percentiles,
    }
}

fn check_verdict(check: &perf_budget::Check) -> VerdictRecord {
    VerdictRecord {
        group: check.group.clone(),
        rule: Rule::Budget,
        metric: check.metric_label(),
        status: snake_case(&check.status),
        severity: Some(snake_case(&check.severity)),
        observed: check.observed,
        limit: Some(check.limit),
        delta: check.difference,
        p_value: None,
    }
}

/// A unit enum's JSON spelling (`insufficient_samples`), the one the report uses.
fn snake_case<T: serde::Serialize>(value: &T) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(text)) => text,
        // Every status and severity is a unit variant, serialised as a string.
        _ => String::from("unknown"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_gated_run_is_recorded_with_every_verdict() {
        let directory = tempfile::tempdir().unwrap();
        let location = perf_history::HistoryLocation::parse(
            directory.path().join("h.sqlite").to_str().unwrap(),
        )
        .unwrap();
        let mut store = HistoryStore::open(&location).unwrap();
        let budgets = perf_budget::parse_budgets(
            r#"{ "api": { "get": { "p95": 50, "p97": 60, "avg": 10, "min_samples": 3 } } }"#,
        )
        .unwrap();
        let groups = BTreeMap::from([(
            GroupKey::new("api", "get"),
            perf_record::GroupSamples::all_ok(vec![10.0, 12.0, 11.0, 60.0]),
        )]);
        let report = crate::gate(&budgets, None, &groups, &crate::GateConfig::default()).unwrap();
        let provenance = Provenance {
            time: jiff::Timestamp::from_second(1_780_000_000).unwrap(),
            commit: Some("abc".into()),
            branch: None,
            budgets_hash: Some(perf_history::content_hash(b"budgets")),
        };
        let id = record_gate_run(&mut store, &report, &budgets, &groups, &provenance).unwrap();
        let detail = store.run(id).unwrap();
        assert_eq!(detail.run.source, "gate");
        assert_eq!(detail.verdicts.len(), report.checks().len());
        let statuses: Vec<(&str, &str)> = detail
            .verdicts
            .iter()
            .map(|verdict| (verdict.metric.as_str(), verdict.status.as_str()))
            .collect();
        // Four latencies give a p97 no interval: within its limit, but low confidence.
        assert_eq!(
            statuses,
            [("avg", "fail"), ("p95", "fail"), ("p97", "low_confidence")]
        );
        assert_eq!(detail.verdicts[0].severity.as_deref(), Some("fail"));
        // The budgets' p97 is stored beside the standard percentiles.
        let ranks: Vec<f64> = detail.groups[0]
            .percentiles
            .iter()
            .map(|p| p.rank)
            .collect();
        assert!(ranks.contains(&97.0), "{ranks:?}");
        assert!(detail.run.run_baseline_hash.is_some());
        let again = record_run(&mut store, &budgets, &groups, &provenance).unwrap();
        let recorded = store.run(again).unwrap();
        assert!(recorded.verdicts.is_empty());
        // The same groups make the same baseline.
        assert_eq!(recorded.run.run_baseline_hash, detail.run.run_baseline_hash);
    }
}
