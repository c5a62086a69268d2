//! The statistics the baseline module needs, in one place.
//!
//! Every number comes from here, and from perf-stats through here, so that the baseline module
//! has one place to look for how a statistic is computed.
//! INTERIM: the Mann-Whitney test and the Holm adjustment are local until perf-stats' two-sample
//! functions land; then they become calls into perf-stats.

use perf_stats::{QuantileMethod, Summary, SummaryConfig};

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

/// Quantile `q` in [0, 1] of non-empty data, Hyndman & Fan type 7 (numpy's default).
pub(crate) fn quantile(data: &[f64], q: f64) -> Result<f64, String> {
    perf_stats::quantile(data, q, QuantileMethod::Linear).map_err(|error| error.to_string())
}

/// Count, min, max, mean, sample standard deviation and p5, p50, p90, p95, p99 (type 7).
pub(crate) fn summary(data: &[f64]) -> Result<Summary, String> {
    perf_stats::summarize(data, &SummaryConfig::default()).map_err(|error| error.to_string())
}

/// Two-sided p-value of the Mann-Whitney U test (tie-corrected normal approximation) of two
/// sorted samples.
pub(crate) fn mann_whitney_p_value(first: &[f64], second: &[f64]) -> f64 {
    let n1 = first.len() as f64;
    let n2 = second.len() as f64;
    let total = n1 + n2;
    // Walk both sorted samples at once; each run of tied values shares its mid-rank.
    let (mut i, mut j) = (0usize, 0usize);
    let mut rank_sum_first = 0.0;
    let mut tie_term = 0.0;
    let mut rank = 0.0;
    while i < first.len() || j < second.len() {
        let value = match (first.get(i), second.get(j)) {
            (Some(a), Some(b)) => a.min(*b),
            (Some(a), None) => *a,
            (None, Some(b)) => *b,
            (None, None) => break,
        };
        let start_i = i;
        while i < first.len() && first[i] == value {
            i += 1;
        }
        let start_j = j;
        while j < second.len() && second[j] == value {
            j += 1;
        }
        let tied = ((i - start_i) + (j - start_j)) as f64;
        let mid_rank = rank + (tied + 1.0) / 2.0;
        rank_sum_first += mid_rank * (i - start_i) as f64;
        tie_term += tied * tied * tied - tied;
        rank += tied;
    }
    let u = rank_sum_first - n1 * (n1 + 1.0) / 2.0;
    let mean_u = n1 * n2 / 2.0;
    let variance = n1 * n2 / 12.0 * ((total + 1.0) - tie_term / (total * (total - 1.0)));
    if variance <= 0.0 {
        return 1.0;
    }
    // Continuity correction, as scipy's default.
    let z = ((u - mean_u).abs() - 0.5).max(0.0) / variance.sqrt();
    (2.0 * upper_normal_tail(z)).min(1.0)
}

/// P(Z > z) for a standard normal Z (Numerical Recipes' erfc, relative error below 1.2e-7).
fn upper_normal_tail(z: f64) -> f64 {
    let x = z / std::f64::consts::SQRT_2;
    let t = 1.0 / (1.0 + 0.5 * x.abs());
    let polynomial = -x * x - 1.265_512_23
        + t * (1.000_023_68
            + t * (0.374_091_96
                + t * (0.096_784_18
                    + t * (-0.186_288_06
                        + t * (0.278_868_07
                            + t * (-1.135_203_98
                                + t * (1.488_515_87 + t * (-0.822_152_23 + t * 0.170_872_77))))))));
    let erfc = t * polynomial.exp();
    0.5 * if x >= 0.0 { erfc } else { 2.0 - erfc }
}

/// Holm-Bonferroni adjusted p-values, in the order given.
pub(crate) fn holm_adjust(p_values: &[f64]) -> Vec<f64> {
    let count = p_values.len();
    let mut order: Vec<usize> = (0..count).collect();
    order.sort_by(|&a, &b| p_values[a].total_cmp(&p_values[b]).then(a.cmp(&b)));
    let mut adjusted = vec![0.0; count];
    let mut running_max: f64 = 0.0;
    for (position, &index) in order.iter().enumerate() {
        let scaled = ((count - position) as f64 * p_values[index]).min(1.0);
        running_max = running_max.max(scaled);
        adjusted[index] = running_max;
    }
    adjusted
}

/// A conservative 95% confidence interval of the relative change of quantile `q` from
/// `baseline` to `current`: from the distribution-free 97.5% intervals of each side's quantile
/// (so both hold together with at least 95%). `None` when a side is too small for such an
/// interval (e.g. under 146 values for a p95) or the baseline's interval reaches 0.
pub(crate) fn relative_change_interval(
    baseline: &[f64],
    current: &[f64],
    q: f64,
) -> Option<(f64, f64)> {
    let base = perf_stats::quantile_confidence_interval(baseline, q, 0.975).ok()?;
    let now = perf_stats::quantile_confidence_interval(current, q, 0.975).ok()?;
    (base.lower > 0.0).then(|| (now.lower / base.upper - 1.0, now.upper / base.lower - 1.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn type7_quantile_matches_numpy() {
        // numpy.percentile([1, 2, 3, 4], 95) == 3.85
        assert!((quantile(&[1.0, 2.0, 3.0, 4.0], 0.95).unwrap() - 3.85).abs() < 1e-12);
    }

    #[test]
    fn relative_change_interval_brackets_the_change() {
        let baseline: Vec<f64> = (1..=1000).map(f64::from).collect();
        let current: Vec<f64> = baseline.iter().map(|ms| ms * 1.1).collect();
        let (low, high) = relative_change_interval(&baseline, &current, 0.95).unwrap();
        assert!(low < 0.1 && 0.1 < high, "({low}, {high})");
        assert_eq!(
            relative_change_interval(&baseline[..20], &current, 0.95),
            None
        );
    }

    #[test]
    fn mann_whitney_matches_scipy() {
        // U = 0, mean 15, variance 30, continuity corrected: z = 14.5 / sqrt(30),
        // p = erfc(z / sqrt 2) = 0.0081131 (scipy's method="asymptotic").
        let p = mann_whitney_p_value(
            &[1.0, 2.0, 3.0, 4.0, 5.0],
            &[6.0, 7.0, 8.0, 9.0, 10.0, 11.0],
        );
        assert!((p - 0.008_113_117).abs() < 1e-6, "{p}");
    }

    #[test]
    fn holm_is_monotone_and_capped() {
        let adjusted = holm_adjust(&[0.01, 0.04, 0.03, 0.5]);
        assert_eq!(adjusted, vec![0.04, 0.09, 0.09, 0.5]);
    }

    #[test]
    fn rejects_negative_latency() {
        assert!(sorted_latencies(&[1.0, -2.0]).is_err());
        assert!(sorted_latencies(&[1.0, f64::NAN]).is_err());
    }
}
