//! The statistics the baseline module needs, in one place.
//!
//! Every number of the baseline module comes from perf-stats through here, so there is one place
//! to look for which statistic, quantile definition and settings are used.

use perf_stats::{
    MannWhitneyConfig, QuantileChangeTest, QuantileEstimate, QuantileMethod, SortedSample,
    StatsError, Summary, SummaryConfig,
};

/// The percentiles a baseline stores exactly, in percent: every one a budget names by default
/// and the tail a `--metric` may ask for, which the stored order statistics cannot resolve.
pub(crate) const STORED_PERCENTILES: [f64; 9] =
    [5.0, 50.0, 75.0, 90.0, 95.0, 99.0, 99.5, 99.9, 99.99];

/// Sorts a copy of `latencies_ms`, rejecting values a latency cannot have.
pub(crate) fn sorted_latencies(latencies_ms: &[f64]) -> Result<Vec<f64>, String> {
    check_latencies(latencies_ms)?;
    Ok(perf_stats::sorted_total(latencies_ms.to_vec()))
}

/// [`sorted_latencies`] in place, for latencies the caller owns (no copy; sorted input costs one
/// pass).
pub(crate) fn sorted_latencies_owned(latencies_ms: Vec<f64>) -> Result<Vec<f64>, String> {
    check_latencies(&latencies_ms)?;
    Ok(perf_stats::sorted_total(latencies_ms))
}

fn check_latencies(latencies_ms: &[f64]) -> Result<(), String> {
    // The bad value is searched only when there is one.
    if perf_stats::all_values(latencies_ms, |ms| ms.is_finite() && ms >= 0.0) {
        return Ok(());
    }
    match latencies_ms.iter().find(|ms| !ms.is_finite() || **ms < 0.0) {
        Some(bad) => Err(format!(
            "latency {bad} ms is not a finite, non-negative number"
        )),
        None => Ok(()),
    }
}

/// Quantile `q` in [0, 1] of non-empty data with `method`.
pub(crate) fn quantile(data: &[f64], q: f64, method: QuantileMethod) -> Result<f64, StatsError> {
    perf_stats::quantile(data, q, method)
}

/// [`quantile`] of data sorted ascending, read off by index.
pub(crate) fn quantile_of_sorted(
    sorted: &[f64],
    q: f64,
    method: QuantileMethod,
) -> Result<f64, StatsError> {
    perf_stats::quantiles_sorted(sorted, &[q], method).map(|values| values[0])
}

/// Count, min, max, mean, sample standard deviation and the [`STORED_PERCENTILES`] with `method`.
pub(crate) fn summary(data: &[f64], method: QuantileMethod) -> Result<Summary, StatsError> {
    let config = SummaryConfig {
        method,
        percentiles: STORED_PERCENTILES.to_vec(),
    };
    perf_stats::summarize(data, &config)
}

/// Two-sided p-value of the Mann-Whitney U test of `current` against `baseline` (scipy's
/// defaults: tie-corrected normal approximation with continuity correction for samples this
/// large). Information only: with a subsampled baseline it is conservative.
pub(crate) fn mann_whitney_p_value(baseline: &[f64], current: &[f64]) -> Result<f64, StatsError> {
    perf_stats::mann_whitney_u(current, baseline, &MannWhitneyConfig::default())
        .map(|result| result.p_value)
}

/// Holm-Bonferroni adjusted p-values, in the order given.
pub(crate) fn holm_adjust(p_values: &[f64]) -> Result<Vec<f64>, StatsError> {
    perf_stats::holm_bonferroni(p_values)
}

/// Quantile `q` of the sample `points` stand for (`count` values; every value when they are
/// as many, else an evenly spaced subsample) with `method`, and its standard error over the
/// true `count` (Siddiqui-Bloch-Gastwirth sparsity, Hall-Sheather bandwidth).
pub(crate) fn quantile_estimate(
    points: &[f64],
    count: u64,
    q: f64,
    method: QuantileMethod,
) -> Result<QuantileEstimate, StatsError> {
    perf_stats::quantile_estimate(SortedSample::subsample(points, count)?, q, method)
}

/// The one-sided test of "the quantile grew by more than `tolerance`" (log-ratio z-test).
pub(crate) fn quantile_change_test(
    baseline: QuantileEstimate,
    current: QuantileEstimate,
    tolerance: f64,
) -> Result<QuantileChangeTest, StatsError> {
    perf_stats::quantile_change_test(baseline, current, tolerance)
}

/// The one-sided rank test of a change of scale (small samples), `baseline` as stored: every
/// value, or an evenly spaced subsample used as a sample of its size (conservative).
pub(crate) fn scale_change_test(
    baseline: &[f64],
    current: &[f64],
    tolerance: f64,
    worse: perf_stats::Direction,
) -> Result<perf_stats::ScaleChangeTest, StatsError> {
    perf_stats::scale_change_test(baseline, current, tolerance, worse)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn type7_quantile_matches_numpy() {
        // numpy.percentile([1, 2, 3, 4], 95) == 3.85
        assert!(
            (quantile(&[1.0, 2.0, 3.0, 4.0], 0.95, QuantileMethod::Linear).unwrap() - 3.85).abs()
                < 1e-12
        );
    }

    #[test]
    fn quantile_test_sees_a_ten_percent_growth() {
        let baseline: Vec<f64> = (1..=1000).map(f64::from).collect();
        let current: Vec<f64> = baseline.iter().map(|ms| ms * 1.1).collect();
        let before = quantile_estimate(&baseline, 1000, 0.95, QuantileMethod::Linear).unwrap();
        let after = quantile_estimate(&current, 1000, 0.95, QuantileMethod::Linear).unwrap();
        let test = quantile_change_test(before, after, 0.05).unwrap();
        assert!((test.relative_change - 0.1).abs() < 1e-12);
        let (low, high) = test.bounds(0.05).unwrap();
        assert!(low < 0.1 && 0.1 < high, "({low}, {high})");
    }

    #[test]
    fn mann_whitney_orients_current_against_baseline() {
        let baseline = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0];
        let current = [11.0, 12.0, 13.0, 14.0, 15.0, 16.0, 17.0, 18.0, 19.0, 20.0];
        let p = mann_whitney_p_value(&baseline, &current).unwrap();
        assert!(p < 0.001, "{p}");
        assert_eq!(p, mann_whitney_p_value(&current, &baseline).unwrap());
    }

    #[test]
    fn holm_matches_statsmodels() {
        assert_eq!(
            holm_adjust(&[0.01, 0.04, 0.03]).unwrap(),
            vec![0.03, 0.06, 0.06]
        );
    }

    #[test]
    fn rejects_negative_latency() {
        assert!(sorted_latencies(&[1.0, -2.0]).is_err());
        assert!(sorted_latencies(&[1.0, f64::NAN]).is_err());
    }
}
