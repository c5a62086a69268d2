//! Comparing record measures against a baseline (issue 16): the latency rule per measure, in its
//! direction, the rank test for a handful of command runs, one Holm family with the latencies,
//! and baselines without measures compared as before. Seeded; no timing.

// Test helpers outside #[test] functions may unwrap: a failure is a test failure.
#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;

use perf_baseline::{
    self as baseline, Baseline, BuildConfig, ChangeSize, ChangeVerdict as Verdict, CompareConfig,
    Comparison, Fingerprint, MeasureComparison, MeasureTest, Reason,
};
use perf_record::{Direction, GroupKey, GroupSamples};
use perf_stats::{Percentile, QuantileMethod, SplitMix64};

/// `count` values around `center` with a relative standard deviation `noise`.
fn around(rng: &mut SplitMix64, count: usize, center: f64, noise: f64) -> Vec<f64> {
    (0..count)
        .map(|_| (center * (1.0 + noise * rng.next_normal())).max(0.0))
        .collect()
}

fn fingerprint() -> Fingerprint {
    Fingerprint {
        os: "linux".into(),
        arch: "x86_64".into(),
        cpu_model: Some("Test CPU".into()),
        cpu_cores: 4,
        perf_gate_version: "0.1.0".into(),
    }
}

/// A group of successful records with these latencies and measures.
fn samples(latencies: Vec<f64>, measures: &[(&str, Vec<f64>)]) -> GroupSamples {
    measures
        .iter()
        .fold(GroupSamples::all_ok(latencies), |group, (name, values)| {
            group.with_ok_measure(name, values.clone())
        })
}

fn one(samples: GroupSamples) -> BTreeMap<GroupKey, GroupSamples> {
    BTreeMap::from([(GroupKey::new("cli", "build"), samples)])
}

fn passport(groups: &BTreeMap<GroupKey, GroupSamples>) -> Baseline {
    let config = BuildConfig {
        fingerprint: fingerprint(),
        created_at: None,
        max_points: baseline::DEFAULT_MAX_POINTS,
        quantile_method: QuantileMethod::Linear,
    };
    let built = baseline::build(groups, &config).unwrap();
    // Through the file, as a gate reads it.
    baseline::parse(&built.to_json(), "perf-baseline.json").unwrap()
}

fn compare(
    before: &Baseline,
    now: &BTreeMap<GroupKey, GroupSamples>,
    config: &CompareConfig,
) -> Comparison {
    baseline::compare(before, now, &fingerprint(), config).unwrap()
}

fn measure<'a>(comparison: &'a Comparison, name: &str) -> &'a MeasureComparison {
    comparison.groups[0]
        .measures
        .iter()
        .find(|measure| measure.name == name)
        .unwrap()
}

/// `runs` command runs: wall time, peak RSS around `rss_mb` (1% noise) and a deterministic
/// allocation count.
fn command_runs(rng: &mut SplitMix64, runs: usize, rss_mb: f64, allocs: f64) -> GroupSamples {
    let wall = around(rng, runs, 250.0, 0.05);
    let rss = around(rng, runs, rss_mb, 0.01);
    samples(
        wall,
        &[("peak_rss_mb", rss), ("allocs", vec![allocs; runs])],
    )
}

#[test]
fn the_baseline_catches_a_twenty_percent_memory_growth() {
    for runs in [10, 20, 30] {
        let mut rng = SplitMix64::seeded(0x16 + runs as u64);
        let mut caught = 0;
        let trials = 100;
        for _ in 0..trials {
            let before = passport(&one(command_runs(&mut rng, runs, 120.0, 812.0)));
            let now = one(command_runs(&mut rng, runs, 144.0, 812.0));
            let comparison = compare(&before, &now, &CompareConfig::default());
            let rss = measure(&comparison, "peak_rss_mb");
            assert_eq!(rss.test, Some(MeasureTest::Rank), "{runs} runs: {rss:?}");
            assert_eq!(rss.metric, Percentile::P50);
            assert_eq!(rss.unit, "MiB");
            // The shown interval is the one the verdict uses.
            let (low, high) = rss.relative_change_interval.unwrap();
            let change = rss.relative_change.unwrap();
            assert!(low <= change && change <= high, "{rss:?}");
            assert_eq!(rss.verdict == Verdict::Regressed, low > rss.tolerance);
            if rss.verdict == Verdict::Regressed {
                caught += 1;
                assert!((change - 0.2).abs() < 0.03, "{rss:?}");
                assert_eq!(
                    rss.reason,
                    Reason::Tested {
                        size: ChangeSize::AboveTolerance,
                        significant: true
                    }
                );
            }
            assert_eq!(measure(&comparison, "allocs").verdict, Verdict::Unchanged);
            // Too few latencies for a p95: the latency is not comparable, the measure fails.
            assert_eq!(comparison.groups[0].verdict, Verdict::NotComparable);
            assert_eq!(
                comparison.has_regression(),
                rss.verdict == Verdict::Regressed
            );
        }
        assert_eq!(caught, trials, "{runs} runs: caught {caught} of {trials}");
    }
}

#[test]
fn unchanged_measures_raise_no_false_regression() {
    // Latency, peak RSS and CPU time of the same distribution on both sides; one Holm family.
    let mut rng = SplitMix64::seeded(0x5EED_0016);
    let trials = 400;
    let mut false_alarms = 0;
    let mut improved = 0;
    for _ in 0..trials {
        let side = |rng: &mut SplitMix64| {
            samples(
                around(rng, 10, 250.0, 0.05),
                &[
                    ("peak_rss_mb", around(rng, 10, 120.0, 0.02)),
                    ("cpu_user_ms", around(rng, 10, 180.0, 0.05)),
                ],
            )
        };
        let before = passport(&one(side(&mut rng)));
        let comparison = compare(&before, &one(side(&mut rng)), &CompareConfig::default());
        false_alarms += usize::from(comparison.has_regression());
        improved += comparison.measure_count(Verdict::Improved);
    }
    println!(
        "unchanged: {false_alarms} of {trials} trials with a false regression, {improved} measures improved"
    );
    // At most alpha (5%) plus three binomial standard deviations, over the family.
    let bound = trials as f64 * (0.05 + 3.0 * (0.05f64 * 0.95 / trials as f64).sqrt());
    assert!((false_alarms as f64) <= bound, "{false_alarms} of {trials}");
    assert!((improved as f64) <= bound, "{improved} of {trials}");
}

#[test]
fn a_higher_is_better_measure_dropping_twenty_percent_regresses() {
    let mut rng = SplitMix64::seeded(0x0D0B);
    let side = |rng: &mut SplitMix64, rps: f64| {
        samples(
            around(rng, 20, 40.0, 0.05),
            &[("client_rps", around(rng, 20, rps, 0.02))],
        )
    };
    let before = passport(&one(side(&mut rng, 1000.0)));
    let dropped = one(side(&mut rng, 800.0));
    let key = GroupKey::new("cli", "build");
    let better = CompareConfig {
        measure_directions: BTreeMap::from([(
            key.clone(),
            BTreeMap::from([("client_rps".to_owned(), Direction::HigherIsBetter)]),
        )]),
        ..CompareConfig::default()
    };
    let comparison = compare(&before, &dropped, &better);
    let rps = measure(&comparison, "client_rps");
    assert_eq!(rps.direction, Direction::HigherIsBetter);
    assert_eq!(rps.verdict, Verdict::Regressed, "{rps:?}");
    assert_eq!(
        rps.reason,
        Reason::Tested {
            size: ChangeSize::BelowTolerance,
            significant: true
        }
    );
    assert!(rps.relative_change_interval.unwrap().1 < -0.05);
    assert!(comparison.has_regression());
    // The same fall with the default direction is an improvement, never a failure.
    let default = compare(&before, &dropped, &CompareConfig::default());
    assert_eq!(measure(&default, "client_rps").verdict, Verdict::Improved);
    assert!(!default.has_regression());
    // A 20% rise of a higher-is-better measure is an improvement.
    let risen = compare(&before, &one(side(&mut rng, 1200.0)), &better);
    assert_eq!(measure(&risen, "client_rps").verdict, Verdict::Improved);
    assert!(!risen.has_regression());
}

#[test]
fn many_values_use_the_latency_rule_in_both_directions() {
    let mut rng = SplitMix64::seeded(0xA110C);
    let side = |rng: &mut SplitMix64, allocs: f64, rps: f64| {
        samples(
            around(rng, 400, 40.0, 0.1),
            &[
                ("allocs", around(rng, 400, allocs, 0.05)),
                ("client_rps", around(rng, 400, rps, 0.05)),
            ],
        )
    };
    let before = passport(&one(side(&mut rng, 1000.0, 500.0)));
    let config = CompareConfig {
        measure_directions: BTreeMap::from([(
            GroupKey::new("cli", "build"),
            BTreeMap::from([("client_rps".to_owned(), Direction::HigherIsBetter)]),
        )]),
        ..CompareConfig::default()
    };
    let comparison = compare(&before, &one(side(&mut rng, 1200.0, 400.0)), &config);
    for name in ["allocs", "client_rps"] {
        let compared = measure(&comparison, name);
        assert_eq!(compared.test, Some(MeasureTest::Quantile), "{compared:?}");
        assert_eq!(compared.metric, Percentile::P95);
        assert_eq!(compared.verdict, Verdict::Regressed, "{compared:?}");
        let (low, high) = compared.relative_change_interval.unwrap();
        let change = compared.relative_change.unwrap();
        assert!(low <= change && change <= high);
    }
    let rps = measure(&comparison, "client_rps");
    assert!(rps.relative_change_interval.unwrap().1 < -0.05, "{rps:?}");
    assert_eq!(measure(&comparison, "allocs").unit, "");
    // Latency unchanged: the group itself does not regress.
    assert_ne!(comparison.groups[0].verdict, Verdict::Regressed);
    assert!(comparison.has_regression());
}

#[test]
fn latencies_and_measures_share_one_holm_family() {
    let mut rng = SplitMix64::seeded(0xF0F0);
    let side = |rng: &mut SplitMix64, scale: f64| {
        samples(
            around(rng, 400, 40.0 * scale, 0.1),
            &[("allocs", around(rng, 400, 1000.0 * scale, 0.05))],
        )
    };
    let before = passport(&one(side(&mut rng, 1.0)));
    let comparison = compare(
        &before,
        &one(side(&mut rng, 1.3)),
        &CompareConfig::default(),
    );
    let latency = &comparison.groups[0];
    let allocs = measure(&comparison, "allocs");
    let mut p = [latency.p_value.unwrap(), allocs.p_value.unwrap()];
    p.sort_by(f64::total_cmp);
    // Holm over two pairs: the smallest p-value doubled.
    let smallest_adjusted = latency
        .adjusted_p_value
        .unwrap()
        .min(allocs.adjusted_p_value.unwrap());
    assert!((smallest_adjusted - (2.0 * p[0]).min(1.0)).abs() <= 1e-12 * p[0].max(1e-300));
    assert_eq!(latency.verdict, Verdict::Regressed);
    assert_eq!(allocs.verdict, Verdict::Regressed);
}

#[test]
fn measures_on_one_side_or_with_few_values_are_not_comparable() {
    let before = passport(&one(samples(
        vec![10.0; 8],
        &[("peak_rss_mb", vec![100.0; 8]), ("old_mb", vec![5.0; 8])],
    )));
    let now = one(samples(
        vec![10.0; 4],
        &[("peak_rss_mb", vec![100.0; 4]), ("allocs", vec![3.0; 4])],
    ));
    let comparison = compare(&before, &now, &CompareConfig::default());
    let names: Vec<&str> = comparison.groups[0]
        .measures
        .iter()
        .map(|m| m.name.as_str())
        .collect();
    assert_eq!(names, ["allocs", "old_mb", "peak_rss_mb"]);
    assert_eq!(measure(&comparison, "allocs").reason, Reason::NotInBaseline);
    assert_eq!(measure(&comparison, "old_mb").reason, Reason::NotInCurrent);
    assert_eq!(
        measure(&comparison, "peak_rss_mb").reason,
        Reason::TooFewSamples {
            baseline: 8,
            current: 4,
            needed: 5
        }
    );
    assert_eq!(comparison.measure_count(Verdict::NotComparable), 3);
    assert!(!comparison.has_regression());
}

#[test]
fn a_baseline_without_measures_compares_latency_only() {
    let latencies: Vec<f64> = (0..200).map(|i| 10.0 + f64::from(i % 20)).collect();
    let before = passport(&one(GroupSamples::all_ok(latencies.clone())));
    assert!(before.to_json().contains("\"schema_version\": 1"));
    let now = one(samples(latencies, &[("peak_rss_mb", vec![50.0; 10])]));
    let comparison = compare(&before, &now, &CompareConfig::default());
    assert_eq!(comparison.groups[0].verdict, Verdict::Unchanged);
    assert_eq!(
        measure(&comparison, "peak_rss_mb").reason,
        Reason::NotInBaseline
    );
    // Without measures on either side, nothing changes in the JSON.
    let plain = compare(
        &before,
        &one(GroupSamples::all_ok(
            (0..200).map(|i| 10.0 + f64::from(i % 20)).collect(),
        )),
        &CompareConfig::default(),
    );
    let json = serde_json::to_string(&plain).unwrap();
    assert!(!json.contains("measures"), "{json}");
}
