//! Comparing against a baseline: every verdict with its reason, environment differences, and
//! clear errors for bad settings and bad data.

// Test helpers outside #[test] functions may unwrap: a failure is a test failure.
#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;

use perf_baseline::{
    self as baseline, Baseline, BaselineError, BuildConfig, ChangeSize, ChangeVerdict as Verdict,
    CompareConfig, Fingerprint, Reason,
};
use perf_record::{GroupKey, GroupSamples};
use perf_stats::QuantileMethod;

fn fingerprint() -> Fingerprint {
    Fingerprint {
        os: "linux".into(),
        arch: "x86_64".into(),
        cpu_model: Some("Test CPU".into()),
        cpu_cores: 4,
        perf_gate_version: "0.1.0".into(),
    }
}

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
        .map(|index| scale * (low + low * 0.5 * index as f64 / count as f64))
        .collect()
}

fn passport(groups: &BTreeMap<GroupKey, GroupSamples>) -> Baseline {
    let config = BuildConfig {
        fingerprint: fingerprint(),
        created_at: None,
        max_points: baseline::DEFAULT_MAX_POINTS,
        quantile_method: QuantileMethod::Linear,
    };
    baseline::build(groups, &config).unwrap()
}

#[test]
fn every_verdict_has_its_reason() {
    let before = passport(&groups([
        group("api", "slower", spread(400, 100.0, 1.0)),
        group("api", "faster", spread(400, 100.0, 1.0)),
        group("api", "same", spread(400, 100.0, 1.0)),
        group("api", "tiny", spread(400, 100.0, 1.0)),
        group("api", "gone", spread(400, 100.0, 1.0)),
    ]));
    let after = groups([
        group("api", "slower", spread(400, 100.0, 1.3)),
        group("api", "faster", spread(400, 100.0, 0.7)),
        group("api", "same", spread(400, 100.0, 1.0)),
        group("api", "tiny", spread(10, 100.0, 2.0)),
        group("api", "new", spread(400, 100.0, 1.0)),
    ]);
    let comparison =
        baseline::compare(&before, &after, &fingerprint(), &CompareConfig::default()).unwrap();
    let verdicts: Vec<(&str, Verdict, Reason)> = comparison
        .groups
        .iter()
        .map(|g| (g.key.step.as_str(), g.verdict, g.reason))
        .collect();
    let tested = |size, significant| Reason::Tested { size, significant };
    assert_eq!(
        verdicts,
        [
            (
                "faster",
                Verdict::Improved,
                tested(ChangeSize::BelowTolerance, true)
            ),
            ("gone", Verdict::NotComparable, Reason::NotInCurrent),
            ("new", Verdict::NotComparable, Reason::NotInBaseline),
            (
                "same",
                Verdict::Unchanged,
                tested(ChangeSize::WithinTolerance, false)
            ),
            (
                "slower",
                Verdict::Regressed,
                tested(ChangeSize::AboveTolerance, true)
            ),
            (
                "tiny",
                Verdict::NotComparable,
                Reason::TooFewSamples {
                    baseline: 400,
                    current: 10,
                    needed: 72
                }
            ),
        ]
    );
    assert!((comparison.groups[0].relative_change.unwrap() + 0.3).abs() < 1e-9);
    assert!(comparison.has_regression());
    assert_eq!(comparison.count(Verdict::NotComparable), 3);
    let slower = &comparison.groups[4];
    let (low, high) = slower.relative_change_interval.unwrap();
    assert!(low < 0.3 && 0.3 < high, "({low}, {high})");
    assert!(slower.adjusted_p_value.unwrap() >= slower.p_value.unwrap());
    assert!(comparison.environment_differences.is_empty());
}

#[test]
fn a_tail_regression_with_the_bulk_unchanged_is_caught() {
    // 100 values each side, the slowest 6 of the current run 200 ms: the bulk is the same (the
    // whole-distribution Mann-Whitney test sees nothing), the p95 is 36% higher, and the rule
    // tests the p95.
    let before_values: Vec<f64> = (0..100).map(|i| 100.0 + f64::from(i % 50)).collect();
    let mut after_values = before_values.clone();
    after_values.sort_by(f64::total_cmp);
    for value in &mut after_values[94..] {
        *value = 200.0;
    }
    let before = passport(&groups([group("api", "get", before_values)]));
    let comparison = baseline::compare(
        &before,
        &groups([group("api", "get", after_values)]),
        &fingerprint(),
        &CompareConfig::default(),
    )
    .unwrap();
    let result = &comparison.groups[0];
    assert!(result.relative_change.unwrap() > 0.05, "{result:?}");
    assert_eq!(result.verdict, Verdict::Regressed, "{result:?}");
    assert_eq!(
        result.reason,
        Reason::Tested {
            size: ChangeSize::AboveTolerance,
            significant: true
        }
    );
    assert!(result.mann_whitney_p_value.unwrap() > 0.05, "{result:?}");
    let (low, _) = result.relative_change_interval.unwrap();
    assert!(low > result.tolerance, "{result:?}");
}

#[test]
fn big_but_noisy_change_is_not_a_regression() {
    // 100 values each side, the current p95 7% higher: over the tolerance, but the p95 of 100
    // values is too uncertain for the interval to lie above it.
    let before_values: Vec<f64> = (0..100).map(|i| 100.0 + f64::from(i % 50)).collect();
    let mut after_values = before_values.clone();
    after_values.sort_by(f64::total_cmp);
    for value in &mut after_values[94..] {
        *value *= 1.07;
    }
    let before = passport(&groups([group("api", "get", before_values)]));
    let comparison = baseline::compare(
        &before,
        &groups([group("api", "get", after_values)]),
        &fingerprint(),
        &CompareConfig::default(),
    )
    .unwrap();
    let result = &comparison.groups[0];
    assert!(result.relative_change.unwrap() > 0.05, "{result:?}");
    assert_eq!(result.verdict, Verdict::Unchanged, "{result:?}");
    assert_eq!(
        result.reason,
        Reason::Tested {
            size: ChangeSize::AboveTolerance,
            significant: false
        }
    );
    let (low, _) = result.relative_change_interval.unwrap();
    assert!(low <= result.tolerance, "{result:?}");
}

#[test]
fn a_small_change_is_not_a_regression_however_many_samples() {
    let before = passport(&groups([group("api", "get", spread(2000, 100.0, 1.0))]));
    let comparison = baseline::compare(
        &before,
        &groups([group("api", "get", spread(2000, 100.0, 1.03))]),
        &fingerprint(),
        &CompareConfig::default(),
    )
    .unwrap();
    let result = &comparison.groups[0];
    assert_eq!(result.verdict, Verdict::Unchanged);
    assert_eq!(
        result.reason,
        Reason::Tested {
            size: ChangeSize::WithinTolerance,
            significant: false
        }
    );
    assert!((result.relative_change.unwrap() - 0.03).abs() < 1e-9);
    // 3% up, tested against "at most 5% up": the interval lies under the tolerance.
    let (low, high) = result.relative_change_interval.unwrap();
    assert!(low < 0.03 && 0.03 < high && high < 0.05, "({low}, {high})");
}

#[test]
fn different_environment_gives_a_warning() {
    let before = passport(&groups([group("api", "get", spread(100, 100.0, 1.0))]));
    let mut elsewhere = fingerprint();
    elsewhere.cpu_cores = 2;
    elsewhere.cpu_model = None;
    let comparison = baseline::compare(
        &before,
        &groups([group("api", "get", spread(100, 100.0, 1.0))]),
        &elsewhere,
        &CompareConfig::default(),
    )
    .unwrap();
    let differences: Vec<(&str, &str, &str)> = comparison
        .environment_differences
        .iter()
        .map(|d| (d.field.as_str(), d.baseline.as_str(), d.current.as_str()))
        .collect();
    assert_eq!(
        differences,
        [
            ("cpu_model", "Test CPU", "unknown"),
            ("cpu_cores", "4", "2")
        ]
    );
}

#[test]
fn comparison_is_deterministic() {
    let before = passport(&groups([group("api", "get", spread(300, 100.0, 1.0))]));
    let after = groups([group("api", "get", spread(300, 100.0, 1.2))]);
    let first = baseline::compare(&before, &after, &fingerprint(), &CompareConfig::default());
    let second = baseline::compare(&before, &after, &fingerprint(), &CompareConfig::default());
    assert_eq!(
        serde_json::to_string(&first.unwrap()).unwrap(),
        serde_json::to_string(&second.unwrap()).unwrap()
    );
}

#[test]
fn zero_baseline_is_not_comparable() {
    let before = passport(&groups([group("api", "get", vec![0.0; 100])]));
    let comparison = baseline::compare(
        &before,
        &groups([group("api", "get", vec![1.0; 100])]),
        &fingerprint(),
        &CompareConfig::default(),
    )
    .unwrap();
    assert_eq!(comparison.groups[0].verdict, Verdict::NotComparable);
    assert_eq!(comparison.groups[0].reason, Reason::ZeroBaseline);
}

#[test]
fn rejects_bad_settings_and_bad_current_data() {
    let before = passport(&groups([group("api", "get", spread(100, 100.0, 1.0))]));
    let current = groups([group("api", "get", spread(100, 100.0, 1.0))]);
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
        &groups([group("api", "get", vec![f64::NAN])]),
        &fingerprint(),
        &CompareConfig::default(),
    )
    .unwrap_err();
    assert!(
        matches!(error, BaselineError::InvalidGroup { .. }),
        "{error}"
    );
}

#[test]
fn the_comparison_uses_the_run_s_quantile_method_on_both_sides() {
    // 1..=100: type 7 (linear) p95 = 95.05, type 1 (inverted_cdf) p95 = 95.
    let values: Vec<f64> = (1..=100).map(f64::from).collect();
    let before = passport(&groups([group("api", "get", values.clone())]));
    let config = CompareConfig {
        quantile_method: QuantileMethod::InvertedCdf,
        ..CompareConfig::default()
    };
    let comparison = baseline::compare(
        &before,
        &groups([group("api", "get", values)]),
        &fingerprint(),
        &config,
    )
    .unwrap();
    let result = &comparison.groups[0];
    assert_eq!(comparison.quantile_method, QuantileMethod::InvertedCdf);
    assert_eq!(result.current_value_ms, Some(95.0));
    assert_eq!(
        result.baseline_value_ms,
        Some(95.0),
        "recomputed from the order statistics"
    );
    let linear = baseline::compare(
        &before,
        &groups([group("api", "get", (1..=100).map(f64::from).collect())]),
        &fingerprint(),
        &CompareConfig::default(),
    )
    .unwrap();
    assert!((linear.groups[0].baseline_value_ms.unwrap() - 95.05).abs() < 1e-9);
}
