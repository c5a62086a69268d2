//! Ratcheting budgets from a baseline: tighter, never looser, with a diff and clear errors.

// Test helpers outside #[test] functions may unwrap: a failure is a test failure.
#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;

use perf_baseline::{Baseline, BuildConfig, Fingerprint};
use perf_gate::{RatchetConfig, RatchetError, ratchet};
use perf_record::{GroupKey, GroupSamples};
use perf_stats::QuantileMethod;

fn passport(latencies: Vec<f64>) -> Baseline {
    let samples = GroupSamples::all_ok(latencies);
    let config = BuildConfig {
        fingerprint: Fingerprint {
            os: "linux".into(),
            arch: "x86_64".into(),
            cpu_model: Some("Test CPU".into()),
            cpu_cores: 4,
            perf_gate_version: "0.1.0".into(),
        },
        created_at: None,
        max_points: perf_baseline::DEFAULT_MAX_POINTS,
        quantile_method: QuantileMethod::Linear,
    };
    let groups = BTreeMap::from([(GroupKey::new("api", "get"), samples)]);
    perf_baseline::build(&groups, &config).unwrap()
}

/// `count` latencies spread evenly over `[low, low * 1.5]`.
fn spread(count: usize, low: f64) -> Vec<f64> {
    (0..count)
        .map(|index| low * (1.0 + 0.5 * index as f64 / count as f64))
        .collect()
}

#[test]
fn ratchet_tightens_but_never_loosens() {
    let before = passport(spread(1000, 100.0));
    let budgets = r#"{
  "defaults": { "min_samples": 20 },
  "api": {
    "get": { "avg": 500, "p95": 100, "max": 1000, "error_rate": 0.01, "regression": "10%" },
    "*": { "p95": 900 }
  },
  "other": { "step": { "p95": 10 } }
}"#;
    let proposal = ratchet(&before, budgets, "budgets.json", &RatchetConfig::default()).unwrap();
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
    let again = ratchet(
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
fn ratchet_reports_a_bad_budget_file_with_its_path() {
    let before = passport(spread(100, 100.0));
    let error = ratchet(
        &before,
        r#"{ "api": { "get": { "p95": -1 } } }"#,
        "budgets.json",
        &RatchetConfig::default(),
    )
    .unwrap_err();
    assert!(
        matches!(error, RatchetError::InvalidBudgetFile { .. }),
        "{error}"
    );
    assert_eq!(error.to_string(), "invalid budget file budgets.json");
    let cause = std::error::Error::source(&error).unwrap().to_string();
    assert!(cause.contains("$.api.get.p95"), "{cause}");
}
