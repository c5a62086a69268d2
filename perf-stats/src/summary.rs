//! One-call description of a sample: count, extremes, mean, standard deviation, percentiles.

use std::cmp::Ordering;

use crate::error::{StatsError, check_sample};
use crate::quantile::{QuantileMethod, quantiles_of_checked};

/// Which percentiles a [`Summary`] reports and how they are computed.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct SummaryConfig {
    /// Percentiles to report, in percent (`95.0` is p95, `99.9` is p99.9), each in `[0, 100]`.
    /// Reported in this order.
    pub percentiles: Vec<f64>,
    /// The quantile definition; type 7 ([`QuantileMethod::Linear`]) by default.
    pub method: QuantileMethod,
}

impl SummaryConfig {
    /// The percentiles reported by default: p5, p50, p90, p95, p99.
    pub const DEFAULT_PERCENTILES: [f64; 5] = [5.0, 50.0, 90.0, 95.0, 99.0];
}

impl Default for SummaryConfig {
    fn default() -> Self {
        SummaryConfig {
            percentiles: SummaryConfig::DEFAULT_PERCENTILES.to_vec(),
            method: QuantileMethod::default(),
        }
    }
}

/// One reported percentile.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct PercentileValue {
    /// The percentile, in percent (`99.9` for p99.9).
    pub percent: f64,
    /// The sample's value at that percentile.
    pub value: f64,
}

impl PercentileValue {
    /// The conventional name: `"p95"`, `"p99.9"`, `"p0"`.
    pub fn name(&self) -> String {
        // The same grammar as `Percentile`'s Display; a summary's ranks are validated on entry.
        match crate::Percentile::new(self.percent) {
            Some(percentile) => percentile.to_string(),
            None => format!("p{}", self.percent),
        }
    }
}

/// A description of a non-empty sample of finite values.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Summary {
    /// Number of values.
    pub count: usize,
    /// Smallest value.
    pub min: f64,
    /// Largest value.
    pub max: f64,
    /// Arithmetic mean (compensated summation).
    pub mean: f64,
    /// Sample standard deviation (divisor `n - 1`, two-pass); `None` for a single value,
    /// where it is undefined.
    pub stddev: Option<f64>,
    /// The configured percentiles, in the configured order.
    pub percentiles: Vec<PercentileValue>,
}

impl Summary {
    /// The value of percentile `percent` if the summary has it (exact match, e.g. `95.0`).
    pub fn percentile(&self, percent: f64) -> Option<f64> {
        self.percentiles
            .iter()
            .find(|entry| entry.percent == percent)
            .map(|entry| entry.value)
    }
}

/// Adds `values` with Neumaier's compensated summation, accurate to about one rounding.
pub(crate) fn compensated_sum(values: impl Iterator<Item = f64>) -> f64 {
    let mut sum = 0.0_f64;
    let mut compensation = 0.0_f64;
    for value in values {
        let total = sum + value;
        compensation += if sum.abs() >= value.abs() {
            (sum - total) + value
        } else {
            (value - total) + sum
        };
        sum = total;
    }
    sum + compensation
}

/// The mean of a non-empty finite sample, without overflow for values near `f64::MAX`.
pub(crate) fn mean_of(data: &[f64]) -> f64 {
    let count = data.len() as f64;
    let sum = compensated_sum(data.iter().copied());
    if sum.is_finite() {
        sum / count
    } else {
        compensated_sum(data.iter().map(|value| value / count))
    }
}

/// Summarizes `data`, leaving it untouched (works on a copy). `O(n log k)` for `k` percentiles.
///
/// ```
/// use perf_stats::{summarize, SummaryConfig};
/// let latencies_ms = [10.0, 12.0, 11.0, 50.0, 13.0];
/// let summary = summarize(&latencies_ms, &SummaryConfig::default())?;
/// assert_eq!(summary.count, 5);
/// assert_eq!(summary.max, 50.0);
/// assert_eq!(summary.mean, 19.2);
/// assert_eq!(summary.percentile(50.0), Some(12.0));
/// # Ok::<(), perf_stats::StatsError>(())
/// ```
///
/// # Errors
/// [`StatsError::EmptyInput`], [`StatsError::NotFinite`] for a NaN or infinite value,
/// [`StatsError::PercentileOutOfRange`] for a configured percentile outside `[0, 100]`.
pub fn summarize(data: &[f64], config: &SummaryConfig) -> Result<Summary, StatsError> {
    check_summary_input(data, config)?;
    let mut copy = data.to_vec();
    Ok(summarize_checked(&mut copy, config))
}

/// Summarizes `data`, rearranging it in place instead of copying it (see [`summarize`]).
///
/// # Errors
/// As [`summarize`].
pub fn summarize_in_place(data: &mut [f64], config: &SummaryConfig) -> Result<Summary, StatsError> {
    check_summary_input(data, config)?;
    Ok(summarize_checked(data, config))
}

fn check_summary_input(data: &[f64], config: &SummaryConfig) -> Result<(), StatsError> {
    check_sample(data, "sample")?;
    match config
        .percentiles
        .iter()
        .find(|percent| !(0.0..=100.0).contains(*percent))
    {
        Some(&percent) => Err(StatsError::PercentileOutOfRange { percent }),
        None => Ok(()),
    }
}

fn summarize_checked(data: &mut [f64], config: &SummaryConfig) -> Summary {
    let count = data.len();
    let (min, max) = data
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(min, max), &value| {
            (min.min(value), max.max(value))
        });
    let mean = mean_of(data);
    let stddev = (count >= 2).then(|| {
        let squared_deviations = compensated_sum(data.iter().map(|value| (value - mean).powi(2)));
        (squared_deviations / (count - 1) as f64).sqrt()
    });
    // numpy's percentile divides by 100 in the same way, so fractional percentiles match.
    let probabilities: Vec<f64> = config
        .percentiles
        .iter()
        .map(|percent| percent / 100.0)
        .collect();
    let values = quantiles_of_checked(data, &probabilities, config.method);
    let percentiles = config
        .percentiles
        .iter()
        .zip(values)
        .map(|(&percent, value)| PercentileValue { percent, value })
        .collect();
    Summary {
        count,
        min,
        max,
        mean,
        stddev,
        percentiles,
    }
}

/// Checks `min <= p_a <= p_b <= ... <= max` over the summary's percentiles taken in increasing
/// percent order, so a caller can assert that a summary is self-consistent.
///
/// ```
/// use perf_stats::{check_monotonic, summarize, SummaryConfig};
/// let summary = summarize(&[3.0, 1.0, 2.0], &SummaryConfig::default())?;
/// check_monotonic(&summary)?;
/// # Ok::<(), perf_stats::StatsError>(())
/// ```
///
/// # Errors
/// [`StatsError::NotMonotonic`] naming the first pair out of order.
pub fn check_monotonic(summary: &Summary) -> Result<(), StatsError> {
    // Values first, names only for the pair out of order: a million groups summarized check
    // this a million times.
    let mut ordered: Vec<&PercentileValue> = summary.percentiles.iter().collect();
    ordered.sort_by(|a, b| a.percent.total_cmp(&b.percent));
    let chain = std::iter::once((None, summary.min))
        .chain(ordered.into_iter().map(|entry| (Some(entry), entry.value)))
        .chain(std::iter::once((None, summary.max)));
    // `None`: `min` before the percentiles, `max` after them.
    let mut previous: Option<(Option<&PercentileValue>, f64)> = None;
    for (entry, value) in chain {
        if let Some((lower_entry, lower_value)) = previous.take()
            && !matches!(
                lower_value.partial_cmp(&value),
                Some(Ordering::Less | Ordering::Equal)
            )
        {
            let name_of = |entry: Option<&PercentileValue>, end: &str| {
                entry.map_or_else(|| end.to_owned(), PercentileValue::name)
            };
            return Err(StatsError::NotMonotonic {
                lower_name: name_of(lower_entry, "min"),
                lower_value,
                higher_name: name_of(entry, "max"),
                higher_value: value,
            });
        }
        previous = Some((entry, value));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summarizes_small_sample() {
        let summary = summarize(
            &[2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0],
            &SummaryConfig::default(),
        )
        .unwrap();
        assert_eq!(summary.count, 8);
        assert_eq!(summary.min, 2.0);
        assert_eq!(summary.max, 9.0);
        assert_eq!(summary.mean, 5.0);
        assert!((summary.stddev.unwrap() - (32.0_f64 / 7.0).sqrt()).abs() < 1e-15);
        assert_eq!(summary.percentile(50.0), Some(4.5));
        assert_eq!(summary.percentile(42.0), None);
        assert_eq!(summary.percentiles.len(), 5);
    }

    #[test]
    fn single_value_has_no_stddev() {
        let summary = summarize(&[3.5], &SummaryConfig::default()).unwrap();
        assert_eq!(summary.stddev, None);
        assert!(summary.percentiles.iter().all(|entry| entry.value == 3.5));
    }

    #[test]
    fn fractional_percentiles_are_reported_and_named() {
        let data: Vec<f64> = (1..=1000).map(f64::from).collect();
        let config = SummaryConfig {
            percentiles: vec![99.9, 0.0, 100.0],
            ..SummaryConfig::default()
        };
        let summary = summarize(&data, &config).unwrap();
        assert_eq!(summary.percentiles[0].name(), "p99.9");
        assert!((summary.percentiles[0].value - 999.001).abs() < 1e-9);
        assert_eq!(summary.percentiles[1].value, 1.0);
        assert_eq!(summary.percentiles[2].value, 1000.0);
    }

    #[test]
    fn rejects_bad_percentile_and_bad_data() {
        let config = SummaryConfig {
            percentiles: vec![101.0],
            ..SummaryConfig::default()
        };
        assert_eq!(
            summarize(&[1.0], &config),
            Err(StatsError::PercentileOutOfRange { percent: 101.0 })
        );
        assert_eq!(
            summarize(&[], &SummaryConfig::default()),
            Err(StatsError::EmptyInput { what: "sample" })
        );
        let mut data = [1.0, f64::NAN];
        assert!(matches!(
            summarize_in_place(&mut data, &SummaryConfig::default()),
            Err(StatsError::NotFinite { index: 1, .. })
        ));
    }

    #[test]
    fn monotonic_check_accepts_real_summary_and_names_violation() {
        let summary = summarize(&[1.0, 9.0, 3.0, 3.0, 7.0], &SummaryConfig::default()).unwrap();
        assert_eq!(check_monotonic(&summary), Ok(()));
        let mut broken = summary.clone();
        broken.percentiles[3].value = 100.0; // p95 above max
        assert_eq!(
            check_monotonic(&broken),
            Err(StatsError::NotMonotonic {
                lower_name: "p95".to_owned(),
                lower_value: 100.0,
                higher_name: "p99".to_owned(),
                higher_value: summary.percentiles[4].value,
            })
        );
        // The ends are named `min` and `max`.
        let mut low = summary.clone();
        low.percentiles[0].value = 0.5;
        assert_eq!(
            check_monotonic(&low),
            Err(StatsError::NotMonotonic {
                lower_name: "min".to_owned(),
                lower_value: 1.0,
                higher_name: low.percentiles[0].name(),
                higher_value: 0.5,
            })
        );
        let mut high = summary.clone();
        high.percentiles[4].value = 10.0;
        assert_eq!(
            check_monotonic(&high),
            Err(StatsError::NotMonotonic {
                lower_name: high.percentiles[4].name(),
                lower_value: 10.0,
                higher_name: "max".to_owned(),
                higher_value: 9.0,
            })
        );
    }

    #[test]
    fn extreme_values_give_finite_mean_and_percentiles() {
        let summary =
            summarize(&[-f64::MAX, f64::MAX, f64::MAX], &SummaryConfig::default()).unwrap();
        assert!(summary.mean.is_finite());
        assert!(
            summary
                .percentiles
                .iter()
                .all(|entry| entry.value.is_finite())
        );
    }

    #[test]
    fn monotonic_check_rejects_nan() {
        let mut summary = summarize(&[1.0, 2.0], &SummaryConfig::default()).unwrap();
        summary.percentiles[0].value = f64::NAN;
        assert!(matches!(
            check_monotonic(&summary),
            Err(StatsError::NotMonotonic { .. })
        ));
    }

    #[test]
    fn compensated_sum_keeps_small_terms() {
        assert_eq!(compensated_sum([1e16, 1.0, -1e16].into_iter()), 1.0);
    }
}
