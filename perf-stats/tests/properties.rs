//! Invariants that must hold for every input (proptest).

use perf_stats::{
    Moments, QuantileMethod, QuantileSketch, SketchConfig, SummaryConfig, check_monotonic,
    mann_whitney_u, quantile, quantiles, summarize, welch_t_test,
};
use proptest::prelude::*;

fn sample() -> impl Strategy<Value = Vec<f64>> {
    prop::collection::vec(-1e6..1e6_f64, 1..300)
}

fn method() -> impl Strategy<Value = QuantileMethod> {
    prop::sample::select(QuantileMethod::ALL.to_vec())
}

proptest! {
    #[test]
    fn quantile_is_monotone_in_q_and_within_range(
        data in sample(),
        method in method(),
        mut probabilities in prop::collection::vec(0.0..=1.0_f64, 2..20),
    ) {
        probabilities.sort_by(f64::total_cmp);
        let values = quantiles(&data, &probabilities, method).unwrap();
        let min = data.iter().copied().fold(f64::INFINITY, f64::min);
        let max = data.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        for pair in values.windows(2) {
            prop_assert!(pair[0] <= pair[1], "{method}: {values:?} at {probabilities:?}");
        }
        for value in &values {
            prop_assert!(min <= *value && *value <= max);
        }
    }

    #[test]
    fn quantile_does_not_depend_on_input_order(
        data in sample(),
        method in method(),
        q in 0.0..=1.0_f64,
        rotation in 0usize..300,
    ) {
        let mut reordered = data.clone();
        reordered.reverse();
        let len = reordered.len();
        reordered.rotate_left(rotation % len);
        prop_assert_eq!(quantile(&data, q, method).unwrap(), quantile(&reordered, q, method).unwrap());
    }

    #[test]
    fn linear_quantile_matches_textbook_formula_on_sorted_data(data in sample(), q in 0.0..=1.0_f64) {
        let mut sorted = data.clone();
        sorted.sort_by(f64::total_cmp);
        let position = (sorted.len() - 1) as f64 * q;
        let lower = position.floor() as usize;
        let upper = (lower + 1).min(sorted.len() - 1);
        let fraction = position - lower as f64;
        let expected = sorted[lower] + (sorted[upper] - sorted[lower]) * fraction;
        let actual = quantile(&data, q, QuantileMethod::Linear).unwrap();
        let scale = sorted[lower].abs().max(sorted[upper].abs()).max(1.0);
        prop_assert!((actual - expected).abs() <= 1e-12 * scale, "{actual} vs {expected}");
    }

    #[test]
    fn merged_moments_equal_moments_of_whole(data in sample(), split in 0usize..300) {
        let split = split % (data.len() + 1);
        let whole = Moments::from_slice(&data).unwrap();
        let mut merged = Moments::from_slice(&data[..split]).unwrap();
        merged.merge(&Moments::from_slice(&data[split..]).unwrap());
        prop_assert_eq!(merged.count(), whole.count());
        prop_assert_eq!(merged.min(), whole.min());
        prop_assert_eq!(merged.max(), whole.max());
        let (got, want) = (merged.mean().unwrap(), whole.mean().unwrap());
        prop_assert!((got - want).abs() <= 1e-9 * want.abs().max(1.0));
        if let (Some(got), Some(want)) = (merged.variance(), whole.variance()) {
            prop_assert!((got - want).abs() <= 1e-9 * want.max(1.0), "{got} vs {want}");
        }
        // And the streaming moments agree with the two-pass summary.
        let summary = summarize(&data, &SummaryConfig::default()).unwrap();
        prop_assert!((summary.mean - want_mean(&whole)).abs() <= 1e-9 * summary.mean.abs().max(1.0));
    }

    #[test]
    fn sketch_stays_within_its_error_bound(
        data in prop::collection::vec(0.0..1e5_f64, 1..500),
        q in 0.0..=1.0_f64,
        significant_digits in 1u8..=4,
    ) {
        let config = SketchConfig { resolution: 0.01, significant_digits };
        let mut sketch = QuantileSketch::new(&config).unwrap();
        for &value in &data {
            sketch.record(value).unwrap();
        }
        let exact = quantile(&data, q, QuantileMethod::InvertedCdf).unwrap();
        let estimate = sketch.quantile(q).unwrap();
        prop_assert!(
            (estimate - exact).abs() <= sketch.error_bound(exact),
            "q={q} estimate {estimate} exact {exact} bound {}", sketch.error_bound(exact)
        );
    }

    #[test]
    fn summary_is_always_monotonic(data in sample(), method in method()) {
        let config = SummaryConfig { percentiles: vec![5.0, 50.0, 95.0, 99.0, 99.9], method };
        let summary = summarize(&data, &config).unwrap();
        prop_assert_eq!(check_monotonic(&summary), Ok(()));
    }

    #[test]
    fn arbitrary_input_never_panics(
        data in prop::collection::vec(any::<f64>(), 0..50),
        other in prop::collection::vec(any::<f64>(), 0..50),
        q in any::<f64>(),
    ) {
        // Whatever comes in, the answer is an error or a finite number.
        if let Ok(value) = quantile(&data, q, QuantileMethod::Linear) {
            prop_assert!(value.is_finite());
        }
        if let Ok(summary) = summarize(&data, &SummaryConfig { percentiles: vec![q], ..Default::default() }) {
            prop_assert!(summary.mean.is_finite() && summary.percentiles[0].value.is_finite());
        }
        if let Ok(result) = mann_whitney_u(&data, &other, &Default::default()) {
            prop_assert!((0.0..=1.0).contains(&result.p_value));
        }
        if let Ok(result) = welch_t_test(&data, &other, Default::default()) {
            prop_assert!(!result.p_value.is_nan());
        }
        if let Ok(interval) = perf_stats::quantile_confidence_interval(&data, q, 0.95) {
            prop_assert!(interval.lower <= interval.upper);
        }
        if let Ok(change) = perf_stats::relative_change(&data, &other, &Default::default()) {
            prop_assert!(change.lower <= change.upper);
        }
        if let Ok(adjusted) = perf_stats::holm_bonferroni(&data) {
            prop_assert!(adjusted.iter().all(|p| (0.0..=1.0).contains(p)));
        }
    }

    #[test]
    fn mann_whitney_p_value_is_a_probability(
        first in prop::collection::vec(0.0..100.0_f64, 1..30),
        second in prop::collection::vec(0.0..100.0_f64, 1..30),
    ) {
        let result = mann_whitney_u(&first, &second, &Default::default()).unwrap();
        prop_assert!((0.0..=1.0).contains(&result.p_value));
        prop_assert!(result.u_statistic >= 0.0);
        prop_assert!(result.u_statistic <= (first.len() * second.len()) as f64);
    }
}

fn want_mean(moments: &Moments) -> f64 {
    moments.mean().unwrap_or(f64::NAN)
}

/// Series of per-run values: a few levels (so there are change points to find) plus noise,
/// with coarse rounding now and then so that ties happen.
fn level_series() -> impl Strategy<Value = Vec<f64>> {
    (
        prop::collection::vec((1usize..40, 50.0..150.0_f64), 1..6),
        prop::collection::vec(-5.0..5.0_f64, 200),
        any::<bool>(),
    )
        .prop_map(|(levels, noise, rounded)| {
            levels
                .iter()
                .flat_map(|&(length, level)| std::iter::repeat_n(level, length))
                .zip(noise.iter().cycle())
                .map(|(level, noise)| {
                    let value = level + noise;
                    if rounded { value.round() } else { value }
                })
                .collect()
        })
}

proptest! {
    #[test]
    fn change_points_respect_their_settings(
        series in level_series(),
        forced_seed in prop::collection::vec(any::<usize>(), 0..3),
        min_segment in 1usize..6,
        window in 2usize..60,
        min_magnitude in 0.0..0.2_f64,
    ) {
        use perf_stats::{ChangePointConfig, detect_change_points};
        let config = ChangePointConfig {
            max_p_value: 0.01,
            min_magnitude,
            min_segment,
            window,
        };
        let forced: Vec<usize> = if series.len() > 1 {
            forced_seed.iter().map(|seed| 1 + seed % (series.len() - 1)).collect()
        } else {
            Vec::new()
        };
        let found = detect_change_points(&series, &forced, &config).unwrap();
        prop_assert_eq!(&found, &detect_change_points(&series, &forced, &config).unwrap());
        let mut expected_forced = forced.clone();
        expected_forced.sort_unstable();
        expected_forced.dedup();
        let reported_forced: Vec<usize> =
            found.iter().filter(|point| point.forced).map(|point| point.index).collect();
        prop_assert_eq!(reported_forced, expected_forced);
        let mut previous_end = 0;
        for point in &found {
            // Segments tile the series, in order.
            prop_assert_eq!(point.before.start, previous_end);
            prop_assert_eq!(point.before.end, point.index);
            prop_assert_eq!(point.after.start, point.index);
            previous_end = point.index;
            prop_assert!(point.index >= 1 && point.index < series.len());
            prop_assert!((0.0..=1.0).contains(&point.p_value));
            if !point.forced {
                prop_assert!(point.p_value < config.max_p_value, "{point:?}");
                prop_assert!(point.magnitude() > min_magnitude, "{point:?}");
                prop_assert!(point.after.len() >= min_segment && point.before.len() >= min_segment);
            }
        }
        if let Some(last) = found.last() {
            prop_assert_eq!(last.after.end, series.len());
        }
    }
}
