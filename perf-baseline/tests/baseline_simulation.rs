//! Seeded simulation: the regression gate neither cries wolf nor misses a real 20% slowdown.
//!
//! (The wider study, on skewed, heavy-tailed, discrete and bimodal data with tail-only changes,
//! is `quantile_rule_simulation.rs`.)
//!
//! Latencies are log-normal (median 80 ms, sigma 0.15: a coefficient of variation of about 15%,
//! typical of a steady service measured on a shared CI runner). Every trial builds a real
//! baseline with [`baseline::build`] and judges a current run with [`baseline::compare`] at the
//! defaults (p95, 5% tolerance, alpha 0.05, Holm-Bonferroni across the 20 groups).

use std::collections::BTreeMap;

use perf_baseline::{
    self as baseline, BaselineError, BuildConfig, ChangeVerdict as Verdict, CompareConfig,
    Comparison, Fingerprint,
};
use perf_record::{GroupKey, GroupSamples};
use perf_stats::{QuantileMethod, SplitMix64};

const TRIALS: usize = 1000;
const GROUPS: usize = 20;
const SAMPLES_PER_SIDE: usize = 500;

/// `count` log-normal latencies (median 80 ms, sigma 0.15), all multiplied by `scale`; both
/// normals of each Box-Muller pair are used.
fn latencies(rng: &mut SplitMix64, count: usize, scale: f64) -> Vec<f64> {
    let mut values = Vec::with_capacity(count);
    while values.len() < count {
        let (first, second) = rng.next_normal_pair();
        for z in [first, second] {
            if values.len() < count {
                values.push(scale * 80.0 * (0.15 * z).exp());
            }
        }
    }
    values
}

fn sample(group: usize, latencies: Vec<f64>) -> (GroupKey, GroupSamples) {
    let samples = GroupSamples::all_ok(latencies);
    (GroupKey::new("service", format!("step{group:02}")), samples)
}

fn fingerprint() -> Fingerprint {
    Fingerprint {
        os: "linux".into(),
        arch: "x86_64".into(),
        cpu_model: None,
        cpu_cores: 2,
        perf_gate_version: "0.1.0".into(),
    }
}

/// One trial: 20 groups, the current side of group `shifted` (if any) scaled by 1.20.
fn trial(rng: &mut SplitMix64, shifted: Option<usize>) -> Result<Comparison, BaselineError> {
    let before: BTreeMap<GroupKey, GroupSamples> = (0..GROUPS)
        .map(|group| sample(group, latencies(rng, SAMPLES_PER_SIDE, 1.0)))
        .collect();
    let after: BTreeMap<GroupKey, GroupSamples> = (0..GROUPS)
        .map(|group| {
            let scale = if shifted == Some(group) { 1.20 } else { 1.0 };
            sample(group, latencies(rng, SAMPLES_PER_SIDE, scale))
        })
        .collect();
    let config = BuildConfig {
        fingerprint: fingerprint(),
        created_at: None,
        max_points: baseline::DEFAULT_MAX_POINTS,
        quantile_method: QuantileMethod::Linear,
    };
    let passport = baseline::build(&before, &config)?;
    baseline::compare(&passport, &after, &fingerprint(), &CompareConfig::default())
}

#[test]
fn same_distribution_keeps_family_wise_false_alarms_below_alpha() {
    let mut rng = SplitMix64::seeded(0x5EED_0001);
    let mut trials_with_regression = 0;
    let mut trials_with_significance = 0;
    for _ in 0..TRIALS {
        let comparison = trial(&mut rng, None).unwrap();
        assert_eq!(comparison.groups.len(), GROUPS);
        trials_with_regression += usize::from(comparison.has_regression());
        trials_with_significance += usize::from(
            comparison
                .groups
                .iter()
                .any(|group| group.adjusted_p_value.is_some_and(|p| p < 0.05)),
        );
    }
    eprintln!(
        "null: {trials_with_regression}/{TRIALS} trials with a false regression, \
         {trials_with_significance}/{TRIALS} with a significant group"
    );
    let alpha_trials = (0.05 * TRIALS as f64) as usize;
    // The gate: a false regression in at most alpha of the trials.
    assert!(
        trials_with_regression <= alpha_trials,
        "{trials_with_regression} of {TRIALS} trials had a false regression"
    );
    // The test alone (no magnitude condition) is also calibrated: at most alpha plus three
    // binomial standard deviations of the trials have any significant group.
    let allowed = 0.05 + 3.0 * (0.05 * 0.95 / TRIALS as f64).sqrt();
    assert!(
        (trials_with_significance as f64) <= allowed * TRIALS as f64,
        "{trials_with_significance} of {TRIALS} trials had a significant group"
    );
}

#[test]
fn real_twenty_percent_shift_is_detected_in_95_percent_of_trials() {
    let mut rng = SplitMix64::seeded(0x5EED_0002);
    let mut detected = 0;
    let mut false_alarms_elsewhere = 0;
    for trial_index in 0..TRIALS {
        let shifted = trial_index % GROUPS;
        let comparison = trial(&mut rng, Some(shifted)).unwrap();
        for (group, result) in comparison.groups.iter().enumerate() {
            if group == shifted {
                detected += usize::from(result.verdict == Verdict::Regressed);
            } else {
                false_alarms_elsewhere += usize::from(result.verdict == Verdict::Regressed);
            }
        }
    }
    eprintln!(
        "shift: detected in {detected}/{TRIALS} trials, {false_alarms_elsewhere} false alarms \
         among {} unshifted groups",
        TRIALS * (GROUPS - 1)
    );
    assert!(
        detected * 100 >= 95 * TRIALS,
        "the 20% shift was detected in only {detected} of {TRIALS} trials"
    );
    assert!(
        false_alarms_elsewhere <= TRIALS / 20,
        "{false_alarms_elsewhere} unshifted groups were called regressed"
    );
}
