//! Comparing against a baseline: every verdict with its reason, budget regression rules,
//! environment warnings, and ratcheting budgets.

// Test helpers outside #[test] functions may unwrap: a failure is a test failure.
#![allow(clippy::unwrap_used)]

use perf_budget::GroupSample;
use perf_budget::baseline::{
    self, Baseline, BaselineError, BuildConfig, CompareConfig, Fingerprint, RatchetConfig, Verdict,
};
use perf_record::{GroupKey, OutcomeCounts};

fn fingerprint() -> Fingerprint {
    Fingerprint {
        os: "linux".into(),
        arch: "x86_64".into(),
        cpu_model: Some("Test CPU".into()),
        cpu_cores: 4,
        perf_gate_version: "0.1.0".into(),
    }
}

fn group(tool: &str, step: &str, latencies: Vec<f64>) -> GroupSample {
    GroupSample {
        key: GroupKey {
            tool: tool.into(),
            step: step.into(),
        },
        counts: OutcomeCounts {
            ok: latencies.len() as u64,
            errors: 0,
            unknown: 0,
        },
        latencies,
    }
}

/// `count` latencies spread evenly over `[low, low * 1.5]`, scaled by `scale`.
fn spread(count: usize, low: f64, scale: f64) -> Vec<f64> {
    (0..count)
        .map(|index| scale * (low + low * 0.5 * index as f64 / count as f64))
        .collect()
}

fn passport(groups: &[GroupSample]) -> Baseline {
    let config = BuildConfig {
        fingerprint: fingerprint(),
        created_at: None,
        max_points: baseline::DEFAULT_MAX_POINTS,
    };
    baseline::build(groups, &config).unwrap()
}

#[test]
fn every_verdict_has_its_reason() {
    let before = passport(&[
        group("api", "slower", spread(400, 100.0, 1.0)),
        group("api", "faster", spread(400, 100.0, 1.0)),
        group("api", "same", spread(400, 100.0, 1.0)),
        group("api", "tiny", spread(400, 100.0, 1.0)),
        group("api", "gone", spread(400, 100.0, 1.0)),
    ]);
    let after = [
        group("api", "slower", spread(400, 100.0, 1.3)),
        group("api", "faster", spread(400, 100.0, 0.7)),
        group("api", "same", spread(400, 100.0, 1.0)),
        group("api", "tiny", spread(10, 100.0, 2.0)),
        group("api", "new", spread(400, 100.0, 1.0)),
    ];
    let comparison =
        baseline::compare(&before, &after, &fingerprint(), &CompareConfig::default()).unwrap();
    let verdicts: Vec<(&str, Verdict, &str)> = comparison
        .groups
        .iter()
        .map(|g| (g.key.step.as_str(), g.verdict, g.reason.as_str()))
        .collect();
    assert_eq!(verdicts[0].0, "faster");
    assert_eq!(verdicts[0].1, Verdict::Improved);
    assert!(
        verdicts[0]
            .2
            .starts_with("p95 -30.0% is beyond the 5.0% tolerance and significant")
    );
    assert_eq!(
        verdicts[1],
        ("gone", Verdict::NotComparable, "not in the current run")
    );
    assert_eq!(
        verdicts[2],
        (
            "new",
            Verdict::NotComparable,
            "not in the baseline (a new group)"
        )
    );
    assert_eq!(verdicts[3].0, "same");
    assert_eq!(verdicts[3].1, Verdict::Unchanged);
    assert!(
        verdicts[3]
            .2
            .starts_with("p95 +0.0% is within the 5.0% tolerance and not significant")
    );
    assert_eq!(verdicts[4].0, "slower");
    assert_eq!(verdicts[4].1, Verdict::Regressed);
    assert!(
        verdicts[4]
            .2
            .starts_with("p95 +30.0% exceeds the 5.0% tolerance and is significant")
    );
    assert_eq!(
        verdicts[5],
        (
            "tiny",
            Verdict::NotComparable,
            "too few samples: baseline n=400, current n=10, need 50 on each side"
        )
    );
    assert!(comparison.has_regression());
    assert_eq!(comparison.count(Verdict::NotComparable), 3);
    let slower = &comparison.groups[4];
    let (low, high) = slower.relative_change_interval.unwrap();
    assert!(low < 0.3 && 0.3 < high, "({low}, {high})");
    assert!(slower.adjusted_p_value.unwrap() >= slower.p_value.unwrap());
    assert_eq!(comparison.environment_warning(), None);
}

#[test]
fn big_but_noisy_change_is_not_a_regression() {
    // 60 values each side, the current p95 12% higher but the bulk of the distribution the same:
    // over the tolerance, yet no evidence of a shift.
    let before_values: Vec<f64> = (0..60).map(|i| 100.0 + f64::from(i % 30)).collect();
    let mut after_values = before_values.clone();
    after_values.sort_by(f64::total_cmp);
    for value in &mut after_values[56..] {
        *value = 160.0;
    }
    let before = passport(&[group("api", "get", before_values)]);
    let comparison = baseline::compare(
        &before,
        &[group("api", "get", after_values)],
        &fingerprint(),
        &CompareConfig::default(),
    )
    .unwrap();
    let result = &comparison.groups[0];
    assert!(result.relative_change.unwrap() > 0.05, "{result:?}");
    assert_eq!(result.verdict, Verdict::Unchanged, "{}", result.reason);
    assert!(
        result
            .reason
            .contains("beyond the 5.0% tolerance but not significant")
    );
}

#[test]
fn significant_but_small_change_is_not_a_regression() {
    let before = passport(&[group("api", "get", spread(2000, 100.0, 1.0))]);
    let comparison = baseline::compare(
        &before,
        &[group("api", "get", spread(2000, 100.0, 1.03))],
        &fingerprint(),
        &CompareConfig::default(),
    )
    .unwrap();
    let result = &comparison.groups[0];
    assert_eq!(result.verdict, Verdict::Unchanged);
    assert!(
        result.reason.starts_with("significant (adjusted p = "),
        "{}",
        result.reason
    );
    assert!(
        result
            .reason
            .ends_with("but p95 +3.0% is within the 5.0% tolerance")
    );
}

#[test]
fn budget_regression_rule_overrides_the_tolerance() {
    let before = passport(&[
        group("api", "get", spread(400, 100.0, 1.0)),
        group("api", "put", spread(400, 100.0, 1.0)),
    ]);
    let after = [
        group("api", "get", spread(400, 100.0, 1.08)),
        group("api", "put", spread(400, 100.0, 1.08)),
    ];
    let budgets = perf_budget::parse_budgets(
        r#"{ "api": { "get": { "p95": 500, "regression": "10%" }, "*": { "p95": 500 } } }"#,
    )
    .unwrap();
    let config = CompareConfig {
        tolerance_overrides: baseline::regression_tolerances(&budgets, &before, &after),
        ..CompareConfig::default()
    };
    let comparison = baseline::compare(&before, &after, &fingerprint(), &config).unwrap();
    let get = &comparison.groups[0];
    assert_eq!(get.tolerance, 0.1);
    assert_eq!(get.verdict, Verdict::Unchanged, "{}", get.reason);
    let put = &comparison.groups[1];
    assert_eq!(put.tolerance, 0.05);
    assert_eq!(put.verdict, Verdict::Regressed, "{}", put.reason);
}

#[test]
fn different_environment_gives_a_warning() {
    let before = passport(&[group("api", "get", spread(100, 100.0, 1.0))]);
    let mut elsewhere = fingerprint();
    elsewhere.cpu_cores = 2;
    elsewhere.cpu_model = None;
    let comparison = baseline::compare(
        &before,
        &[group("api", "get", spread(100, 100.0, 1.0))],
        &elsewhere,
        &CompareConfig::default(),
    )
    .unwrap();
    assert_eq!(
        comparison.environment_warning().unwrap(),
        "environment differs from the baseline's (cpu_model: Test CPU -> unknown, cpu_cores: 4 -> 2): the comparison may not be like for like"
    );
}

#[test]
fn comparison_is_deterministic() {
    let before = passport(&[group("api", "get", spread(300, 100.0, 1.0))]);
    let after = [group("api", "get", spread(300, 100.0, 1.2))];
    let first = baseline::compare(&before, &after, &fingerprint(), &CompareConfig::default());
    let second = baseline::compare(&before, &after, &fingerprint(), &CompareConfig::default());
    assert_eq!(
        serde_json::to_string(&first.unwrap()).unwrap(),
        serde_json::to_string(&second.unwrap()).unwrap()
    );
}

#[test]
fn zero_baseline_is_not_comparable() {
    let before = passport(&[group("api", "get", vec![0.0; 100])]);
    let comparison = baseline::compare(
        &before,
        &[group("api", "get", vec![1.0; 100])],
        &fingerprint(),
        &CompareConfig::default(),
    )
    .unwrap();
    assert_eq!(comparison.groups[0].verdict, Verdict::NotComparable);
    assert_eq!(
        comparison.groups[0].reason,
        "baseline p95 is 0 ms, so a relative change is undefined"
    );
}

#[test]
fn rejects_bad_settings_and_bad_current_data() {
    let before = passport(&[group("api", "get", spread(100, 100.0, 1.0))]);
    let current = [group("api", "get", spread(100, 100.0, 1.0))];
    let with = |config: CompareConfig| {
        baseline::compare(&before, &current, &fingerprint(), &config)
            .unwrap_err()
            .to_string()
    };
    assert_eq!(
        with(CompareConfig {
            alpha: 1.5,
            ..CompareConfig::default()
        }),
        "invalid alpha: 1.5 (a probability strictly between 0 and 1)"
    );
    assert_eq!(
        with(CompareConfig {
            tolerance: -0.1,
            ..CompareConfig::default()
        }),
        "invalid tolerance: -0.1 (a finite fraction >= 0, e.g. 0.05 for 5%)"
    );
    let error = baseline::compare(
        &before,
        &[group("api", "get", vec![f64::NAN])],
        &fingerprint(),
        &CompareConfig::default(),
    )
    .unwrap_err();
    assert!(
        matches!(error, BaselineError::InvalidGroup { .. }),
        "{error}"
    );
    assert_eq!(
        baseline::parse_metric("avg").unwrap_err().to_string(),
        "invalid metric: avg (a percentile such as p50, p95 or p99.9)"
    );
}

#[test]
fn ratchet_tightens_but_never_loosens() {
    let before = passport(&[group("api", "get", spread(1000, 100.0, 1.0))]);
    let budgets = r#"{
  "defaults": { "min_samples": 20 },
  "api": {
    "get": { "avg": 500, "p95": 100, "max": 1000, "error_rate": 0.01, "regression": "10%" },
    "*": { "p95": 900 }
  },
  "other": { "step": { "p95": 10 } }
}"#;
    let proposal =
        baseline::ratchet(&before, budgets, "budgets.json", &RatchetConfig::default()).unwrap();
    // avg 125 -> 150; p95 147.5 * 1.2 = 177 > 100, kept; max 149.9 * 1.2 = 179.9 -> 180.
    let changed: Vec<(&str, f64, f64)> = proposal
        .changes
        .iter()
        .map(|c| (c.metric.as_str(), c.current_limit, c.proposed_limit))
        .collect();
    assert_eq!(changed, vec![("avg", 500.0, 150.0), ("max", 1000.0, 180.0)]);
    insta::assert_snapshot!(proposal.diff);
    let reparsed = perf_budget::parse_budgets(&proposal.budget_json).unwrap();
    assert_eq!(reparsed.entries().len(), 3);
    let again = baseline::ratchet(
        &before,
        &proposal.budget_json,
        "budgets.json",
        &RatchetConfig::default(),
    )
    .unwrap();
    assert!(again.changes.is_empty());
    assert_eq!(again.diff, "");
}

#[test]
fn ratchet_reports_a_bad_budget_file() {
    let before = passport(&[group("api", "get", spread(100, 100.0, 1.0))]);
    let error = baseline::ratchet(
        &before,
        r#"{ "api": { "get": { "p95": -1 } } }"#,
        "budgets.json",
        &RatchetConfig::default(),
    )
    .unwrap_err();
    assert!(
        matches!(error, BaselineError::InvalidBudgetFile { .. }),
        "{error}"
    );
    assert!(error.to_string().contains("$.api.get.p95"), "{error}");
}
