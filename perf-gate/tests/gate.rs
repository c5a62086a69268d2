//! The gate as a library: where budgets meet baselines, one quantile method per run, scope
//! before evaluation.

// Test helpers outside #[test] functions may unwrap: a failure is a test failure.
#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;

use perf_baseline::{Baseline, BuildConfig, ChangeVerdict, Fingerprint};
use perf_budget::{CheckStatus, Metric, parse_budgets};
use perf_gate::{GateConfig, Scope, gate, regression_tolerances};
use perf_record::{GroupKey, GroupSamples};
use perf_report::Verdict;
use perf_stats::QuantileMethod;

fn group(tool: &str, step: &str, latencies: Vec<f64>) -> (GroupKey, GroupSamples) {
    let samples = GroupSamples::all_ok(latencies);
    (GroupKey::new(tool, step), samples)
}

fn groups<const N: usize>(
    items: [(GroupKey, GroupSamples); N],
) -> BTreeMap<GroupKey, GroupSamples> {
    BTreeMap::from(items)
}

/// `count` latencies spread evenly over `[low, low * 1.5]`, scaled by `scale`.
fn spread(count: usize, low: f64, scale: f64) -> Vec<f64> {
    (0..count)
        .map(|index| scale * low * (1.0 + 0.5 * index as f64 / count as f64))
        .collect()
}

fn passport(groups: &BTreeMap<GroupKey, GroupSamples>, method: QuantileMethod) -> Baseline {
    let config = BuildConfig {
        fingerprint: perf_gate::current_fingerprint(),
        created_at: None,
        max_points: perf_baseline::DEFAULT_MAX_POINTS,
        quantile_method: method,
    };
    perf_baseline::build(groups, &config).unwrap()
}

#[test]
fn budget_regression_rule_overrides_the_tolerance() {
    let before = passport(
        &groups([
            group("api", "get", spread(400, 100.0, 1.0)),
            group("api", "put", spread(400, 100.0, 1.0)),
        ]),
        QuantileMethod::Linear,
    );
    let after = groups([
        group("api", "get", spread(400, 100.0, 1.08)),
        group("api", "put", spread(400, 100.0, 1.08)),
    ]);
    let budgets = parse_budgets(
        r#"{ "api": { "get": { "p95": 500, "regression": "10%" }, "*": { "p95": 500 } } }"#,
    )
    .unwrap();
    let tolerances = regression_tolerances(&budgets, &before, &after);
    assert_eq!(
        tolerances,
        BTreeMap::from([(GroupKey::new("api", "get"), 0.1)])
    );
    let report = gate(&budgets, Some(&before), &after, &GateConfig::default()).unwrap();
    let comparison = report.baseline().unwrap();
    let get = &comparison.groups[0];
    assert_eq!(get.tolerance, 0.1);
    assert_eq!(get.verdict, ChangeVerdict::Unchanged, "{:?}", get.reason);
    let put = &comparison.groups[1];
    assert_eq!(put.tolerance, 0.05);
    assert_eq!(put.verdict, ChangeVerdict::Regressed, "{:?}", put.reason);
    assert_eq!(
        report.verdict(),
        Verdict::Fail,
        "a regression fails the gate"
    );
    assert!(
        report
            .checks()
            .iter()
            .all(|check| check.status == CheckStatus::Pass)
    );
}

/// With a non-default quantile method, a group's p95 is the same number in the checks and in the
/// baseline comparison, and the report says which method made it.
#[test]
fn one_p95_per_group_across_checks_and_baseline_with_a_non_default_method() {
    let data: Vec<f64> = (1..=200).map(|index| f64::from(index) * 1.37).collect();
    let budgets = parse_budgets(
        r#"{ "defaults": { "quantile_method": 1 }, "api": { "get": { "p95": 1000 } } }"#,
    )
    .unwrap();
    // The baseline was saved with the default (type 7) method; the run uses type 1.
    let before = passport(
        &groups([group("api", "get", data.clone())]),
        QuantileMethod::Linear,
    );
    let current = groups([group("api", "get", data)]);
    let report = gate(&budgets, Some(&before), &current, &GateConfig::default()).unwrap();
    let check = report
        .checks()
        .iter()
        .find(|check| matches!(check.metric, Metric::Percentile(_)))
        .unwrap();
    let compared = &report.baseline().unwrap().groups[0];
    assert_eq!(
        report.settings().quantile_method,
        QuantileMethod::InvertedCdf
    );
    assert_eq!(
        report.baseline().unwrap().quantile_method,
        QuantileMethod::InvertedCdf
    );
    assert_eq!(check.observed, compared.current_value_ms);
    // numpy.percentile(1.37 * arange(1, 201), 95, method="inverted_cdf") == 1.37 * 190
    assert!((check.observed.unwrap() - 1.37 * 190.0).abs() < 1e-9);
    assert_eq!(compared.baseline_value_ms, compared.current_value_ms);
    let json = perf_report::render::json::render(&report).unwrap();
    assert!(
        json.contains("\"quantile_method\": \"inverted_cdf\""),
        "{json}"
    );
}

#[test]
fn scope_comes_before_evaluation() {
    let budgets = parse_budgets(
        r#"{ "a": { "b": { "p50": 1000 } }, "other": { "step": { "p50": 1 } }, "*": { "*": { "max": 1e9 } } }"#,
    )
    .unwrap();
    let current = groups([group("a", "b", spread(100, 1.0, 1.0))]);
    let unscoped = gate(&budgets, None, &current, &GateConfig::default()).unwrap();
    assert_eq!(
        unscoped.verdict(),
        Verdict::Inconclusive,
        "other/step has no data"
    );
    let config = GateConfig {
        scope: Scope {
            tools: vec!["a".into()],
            steps: Vec::new(),
        },
        ..GateConfig::default()
    };
    let scoped = gate(&budgets, None, &current, &config).unwrap();
    assert_eq!(scoped.verdict(), Verdict::Pass);
    assert!(scoped.checks().iter().all(|check| check.group.tool == "a"));
    assert_eq!(scoped.counts().no_data, 0);
    let bad = GateConfig {
        scope: Scope {
            tools: vec!["[".into()],
            steps: Vec::new(),
        },
        ..GateConfig::default()
    };
    assert!(gate(&budgets, None, &current, &bad).is_err());
}

#[test]
fn baseline_comparison_needs_the_budget_file_s_min_samples_on_each_side() {
    let before = passport(
        &groups([group("api", "get", spread(80, 100.0, 1.0))]),
        QuantileMethod::Linear,
    );
    let after = groups([group("api", "get", spread(80, 100.0, 2.0))]);
    let strict = parse_budgets(
        r#"{ "defaults": { "min_samples": 100 }, "api": { "get": { "p95": 1000 } } }"#,
    )
    .unwrap();
    let report = gate(&strict, Some(&before), &after, &GateConfig::default()).unwrap();
    // defaults.min_samples is 100, more than the 80 latencies on each side.
    assert_eq!(
        report.baseline().unwrap().groups[0].verdict,
        ChangeVerdict::NotComparable
    );
    let relaxed = parse_budgets(
        r#"{ "defaults": { "min_samples": 30 }, "api": { "get": { "p95": 1000 } } }"#,
    )
    .unwrap();
    let report = gate(&relaxed, Some(&before), &after, &GateConfig::default()).unwrap();
    assert_eq!(
        report.baseline().unwrap().groups[0].verdict,
        ChangeVerdict::Regressed
    );
    // However low min_samples is, a p95 is compared only from 72 latencies a side (where a 95%
    // order-statistic interval of it exists).
    let few_before = passport(
        &groups([group("api", "get", spread(40, 100.0, 1.0))]),
        QuantileMethod::Linear,
    );
    let few_after = groups([group("api", "get", spread(40, 100.0, 2.0))]);
    let report = gate(
        &relaxed,
        Some(&few_before),
        &few_after,
        &GateConfig::default(),
    )
    .unwrap();
    assert_eq!(
        report.baseline().unwrap().groups[0].verdict,
        ChangeVerdict::NotComparable
    );
}

#[test]
fn the_fingerprint_names_this_perf_gate() {
    let fingerprint: Fingerprint = perf_gate::current_fingerprint();
    assert_eq!(fingerprint.perf_gate_version, env!("CARGO_PKG_VERSION"));
}

#[test]
fn latency_statistics_are_of_successful_records_unless_the_budget_file_says_all() {
    // 30% of requests fail in 1 ms while the successful ones got slower: the default judges the
    // successful ones, so the slowdown cannot hide behind fast failures.
    let mut samples = GroupSamples::default();
    for ms in spread(700, 100.0, 1.0) {
        samples.add(&perf_record::Outcome::Success, ms);
    }
    for _ in 0..300 {
        samples.add(&perf_record::Outcome::Error(None), 1.0);
    }
    let data = groups([(GroupKey::new("api", "get"), samples)]);
    let judged = |budgets: &str| {
        let report = gate(
            &parse_budgets(budgets).unwrap(),
            None,
            &data,
            &GateConfig::default(),
        )
        .unwrap();
        let avg = report
            .checks()
            .iter()
            .find(|check| check.metric == Metric::Mean)
            .unwrap()
            .clone();
        let errors = report
            .checks()
            .iter()
            .find(|check| check.metric == Metric::ErrorRate)
            .unwrap()
            .clone();
        (report.verdict(), report.settings().latency_of, avg, errors)
    };
    let limits = r#""api": { "get": { "avg": 110, "error_rate": 0.5 } }"#;
    let (verdict, latency_of, avg, errors) = judged(&format!("{{ {limits} }}"));
    assert_eq!(
        (verdict, latency_of),
        (Verdict::Fail, perf_record::LatencyOf::Ok)
    );
    assert_eq!((avg.status, avg.sample_count), (CheckStatus::Fail, 700));
    assert!((avg.observed.unwrap() - 124.964_285_714_285_71).abs() < 1e-9);
    // The error rate is over every known outcome either way.
    assert_eq!(errors.observed, Some(0.3));

    let (verdict, latency_of, avg, errors) = judged(&format!(
        r#"{{ "defaults": {{ "latency_of": "all" }}, {limits} }}"#
    ));
    assert_eq!(
        (verdict, latency_of),
        (Verdict::Pass, perf_record::LatencyOf::All)
    );
    assert_eq!((avg.status, avg.sample_count), (CheckStatus::Pass, 1000));
    assert!((avg.observed.unwrap() - (0.7 * 124.964_285_714_285_71 + 0.3)).abs() < 1e-9);
    assert_eq!(errors.observed, Some(0.3));
}
