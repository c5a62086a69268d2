//! One-call description of a sample: count, extremes, mean, standard deviation, percentiles.

use std::cmp::Ordering;

use crate::error::{StatsError, check_sample};
use crate::interval::{IntervalRanks, QuantileInterval, interval_ranks};
use crate::quantile::{
    QuantileMethod, QuantilePositions, check_ascending, quantiles_of_checked,
    select_order_statistics,
};

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
    let figures = Figures::of(data);
    let values = quantiles_of_checked(data, &probabilities(config), config.method);
    figures.with_percentiles(config, values)
}

/// [`summarize`] of `sorted`, a sample already sorted ascending: the summary `summarize` gives for
/// the same slice, bit for bit, with its percentiles read off by index instead of selected from
/// a copy. One sort then serves the summary and every other reader of the order statistics.
///
/// ```
/// use perf_stats::{summarize, summarize_sorted, SummaryConfig};
/// let config = SummaryConfig::default();
/// let sorted = [10.0, 11.0, 12.5, 13.0, 50.0];
/// assert_eq!(summarize_sorted(&sorted, &config)?, summarize(&sorted, &config)?);
/// # Ok::<(), perf_stats::StatsError>(())
/// ```
///
/// # Errors
/// As [`summarize`], and [`StatsError::NotMonotonic`] when `sorted` is not ascending.
pub fn summarize_sorted(sorted: &[f64], config: &SummaryConfig) -> Result<Summary, StatsError> {
    check_summary_input(sorted, config)?;
    check_ascending(sorted)?;
    let figures = Figures::of(sorted);
    let values =
        QuantilePositions::new(sorted.len(), &probabilities(config), config.method).values(sorted);
    Ok(figures.with_percentiles(config, values))
}

/// [`summarize`] and, for each probability of `intervals`, the
/// [`quantile_confidence_interval`](crate::quantile_confidence_interval) at `confidence`, from one
/// copy of `data` and one selection of every order statistic they need (where separately each
/// interval would copy and select again). Each interval is what that function returns, error
/// included (a sample too small for the level, a probability of 0 or 1).
///
/// ```
/// use perf_stats::{quantile_confidence_interval, summarize, summarize_with_intervals, SummaryConfig};
/// let data: Vec<f64> = (1..=200).map(|i| f64::from((i * 37) % 101)).collect();
/// let config = SummaryConfig::default();
/// let (summary, intervals) = summarize_with_intervals(&data, &config, &[0.5, 0.95], 0.95)?;
/// assert_eq!(summary, summarize(&data, &config)?);
/// assert_eq!(intervals[1], quantile_confidence_interval(&data, 0.95, 0.95));
/// # Ok::<(), perf_stats::StatsError>(())
/// ```
///
/// # Errors
/// As [`summarize`].
#[allow(clippy::type_complexity)]
pub fn summarize_with_intervals(
    data: &[f64],
    config: &SummaryConfig,
    intervals: &[f64],
    confidence: f64,
) -> Result<(Summary, Vec<Result<QuantileInterval, StatsError>>), StatsError> {
    check_summary_input(data, config)?;
    let ranks: Vec<Result<IntervalRanks, StatsError>> = intervals
        .iter()
        .map(|&quantile| interval_ranks(data.len(), quantile, confidence))
        .collect();
    let interval_wanted: Vec<usize> = ranks
        .iter()
        .flatten()
        .flat_map(IntervalRanks::wanted)
        .collect();
    let figures = Figures::of(data);
    let positions = QuantilePositions::new(data.len(), &probabilities(config), config.method);
    let mut copy = data.to_vec();
    select_order_statistics(&mut copy, &positions.ranks(&interval_wanted), 0);
    let summary = figures.with_percentiles(config, positions.values(&copy));
    let intervals = ranks
        .into_iter()
        .map(|ranks| ranks.map(|ranks| ranks.read(&copy)))
        .collect();
    Ok((summary, intervals))
}

/// numpy's percentile divides by 100 in the same way, so fractional percentiles match.
fn probabilities(config: &SummaryConfig) -> Vec<f64> {
    config
        .percentiles
        .iter()
        .map(|percent| percent / 100.0)
        .collect()
}

/// The figures of a summary that do not depend on the order statistics, computed in the
/// sample's own order (the sums' order decides their last bits).
struct Figures {
    count: usize,
    min: f64,
    max: f64,
    mean: f64,
    stddev: Option<f64>,
}

impl Figures {
    fn of(data: &[f64]) -> Figures {
        let count = data.len();
        let (min, max) = data
            .iter()
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(min, max), &value| {
                (min.min(value), max.max(value))
            });
        let mean = mean_of(data);
        let stddev = (count >= 2).then(|| {
            let squared_deviations =
                compensated_sum(data.iter().map(|value| (value - mean).powi(2)));
            (squared_deviations / (count - 1) as f64).sqrt()
        });
        Figures {
            count,
            min,
            max,
            mean,
            stddev,
        }
    }

    fn with_percentiles(self, config: &SummaryConfig, values: Vec<f64>) -> Summary {
        let percentiles = config
            .percentiles
            .iter()
            .zip(values)
            .map(|(&percent, value)| PercentileValue { percent, value })
            .collect();
        Summary {
            count: self.count,
            min: self.min,
            max: self.max,
            mean: self.mean,
            stddev: self.stddev,
            percentiles,
        }
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

    /// A skewed sample with ties, from a seeded generator.
    fn skewed(count: usize, seed: u64) -> Vec<f64> {
        let mut rng = crate::SplitMix64::seeded(seed);
        (0..count)
            .map(|_| {
                let uniform = rng.next_index_multiply_shift(1_000_000) as f64 / 1e6;
                (5.0 + 30.0 * (-(1.0 - uniform).ln()))
                    .mul_add(1000.0, 0.0)
                    .round()
                    / 1000.0
            })
            .collect()
    }

    #[test]
    fn one_selection_gives_the_separate_summary_and_intervals_bit_for_bit() {
        let probabilities = [0.5, 0.9, 0.95, 0.99, 0.999, 0.0, 1.0];
        for (count, seed) in [
            (1, 1),
            (2, 2),
            (10, 3),
            (71, 4),
            (72, 5),
            (500, 6),
            (20_000, 7),
        ] {
            let data = skewed(count, seed);
            for method in QuantileMethod::ALL {
                for confidence in [0.9, 0.95, 0.99] {
                    let config = SummaryConfig {
                        percentiles: vec![0.0, 50.0, 95.0, 99.0, 99.9, 100.0],
                        method,
                    };
                    let (summary, intervals) =
                        summarize_with_intervals(&data, &config, &probabilities, confidence)
                            .unwrap();
                    assert_eq!(summary, summarize(&data, &config).unwrap());
                    for (&quantile, interval) in probabilities.iter().zip(&intervals) {
                        let alone =
                            crate::quantile_confidence_interval(&data, quantile, confidence);
                        assert_eq!(interval, &alone, "n = {count}, q = {quantile}");
                    }
                    let sorted = crate::sorted_total(data.clone());
                    assert_eq!(
                        summarize_sorted(&sorted, &config).unwrap(),
                        summarize(&sorted, &config).unwrap()
                    );
                    let quantiles: Vec<f64> = probabilities.to_vec();
                    assert_eq!(
                        crate::quantiles_sorted(&sorted, &quantiles, method).unwrap(),
                        crate::quantiles(&data, &quantiles, method).unwrap()
                    );
                }
            }
        }
    }

    #[test]
    fn sorted_readers_reject_unsorted_input() {
        let config = SummaryConfig::default();
        assert!(matches!(
            summarize_sorted(&[1.0, 3.0, 2.0], &config),
            Err(StatsError::NotMonotonic { .. })
        ));
        assert!(matches!(
            crate::quantiles_sorted(&[2.0, 1.0], &[0.5], QuantileMethod::Linear),
            Err(StatsError::NotMonotonic { .. })
        ));
        assert!(matches!(
            summarize_with_intervals(&[], &config, &[0.5], 0.95),
            Err(StatsError::EmptyInput { .. })
        ));
    }

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
