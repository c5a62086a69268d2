//! The statistics the baseline module needs, in one place.
//!
//! Every number of the baseline module comes from perf-stats through here, so there is one place
//! to look for which statistic, quantile definition and settings are used.

use perf_stats::{
    MannWhitneyConfig, QuantileMethod, RelativeChangeConfig, StatsError, Summary, SummaryConfig,
};

/// Sorts a copy of `latencies_ms`, rejecting values a latency cannot have.
pub(crate) fn sorted_latencies(latencies_ms: &[f64]) -> Result<Vec<f64>, String> {
    if let Some(bad) = latencies_ms.iter().find(|ms| !ms.is_finite() || **ms < 0.0) {
        return Err(format!(
            "latency {bad} ms is not a finite, non-negative number"
        ));
    }
    let mut sorted = latencies_ms.to_vec();
    sorted.sort_unstable_by(f64::total_cmp);
    Ok(sorted)
}

/// Quantile `q` in [0, 1] of non-empty data with `method`.
pub(crate) fn quantile(data: &[f64], q: f64, method: QuantileMethod) -> Result<f64, StatsError> {
    perf_stats::quantile(data, q, method)
}

/// Count, min, max, mean, sample standard deviation and p5, p50, p90, p95, p99 with `method`.
pub(crate) fn summary(data: &[f64], method: QuantileMethod) -> Result<Summary, StatsError> {
    let config = SummaryConfig {
        method,
        ..SummaryConfig::default()
    };
    perf_stats::summarize(data, &config)
}

/// Two-sided p-value of the Mann-Whitney U test of `current` against `baseline` (scipy's
/// defaults: tie-corrected normal approximation with continuity correction for samples this
/// large).
pub(crate) fn mann_whitney_p_value(baseline: &[f64], current: &[f64]) -> Result<f64, StatsError> {
    perf_stats::mann_whitney_u(current, baseline, &MannWhitneyConfig::default())
        .map(|result| result.p_value)
}

/// Holm-Bonferroni adjusted p-values, in the order given.
pub(crate) fn holm_adjust(p_values: &[f64]) -> Result<Vec<f64>, StatsError> {
    perf_stats::holm_bonferroni(p_values)
}

/// A 95% distribution-free confidence interval of the relative change of quantile `q` from
/// `baseline` to `current`, `(low, high)`. `None` when a side is too small for such an interval
/// (e.g. under about 150 values for a p95) or the baseline's lower bound is 0.
pub(crate) fn relative_change_interval(
    baseline: &[f64],
    current: &[f64],
    q: f64,
    method: QuantileMethod,
) -> Option<(f64, f64)> {
    let config = RelativeChangeConfig {
        quantile: q,
        confidence: 0.95,
        method,
    };
    let change = perf_stats::relative_change(baseline, current, &config).ok()?;
    Some((change.lower, change.upper))
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
    fn relative_change_interval_brackets_the_change() {
        let baseline: Vec<f64> = (1..=1000).map(f64::from).collect();
        let current: Vec<f64> = baseline.iter().map(|ms| ms * 1.1).collect();
        let (low, high) =
            relative_change_interval(&baseline, &current, 0.95, QuantileMethod::Linear).unwrap();
        assert!(low < 0.1 && 0.1 < high, "({low}, {high})");
        assert_eq!(
            relative_change_interval(&baseline[..20], &current, 0.95, QuantileMethod::Linear),
            None
        );
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
