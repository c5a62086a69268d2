//! Distribution-free confidence intervals for quantiles, from order statistics.

use statrs::distribution::{Binomial, ContinuousCDF, DiscreteCDF, Normal, StudentsT};

use crate::empty_sum;
use crate::error::{StatsError, check_confidence, check_sample};
use crate::moments::Moments;
use crate::quantile::select_order_statistics;
use crate::rng::SplitMix64;

/// A confidence interval `[lower, upper]` for a population quantile, made of two order
/// statistics of the sample.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct QuantileInterval {
    /// Lower bound: the order statistic of rank [`lower_rank`](Self::lower_rank).
    pub lower: f64,
    /// Upper bound: the order statistic of rank [`upper_rank`](Self::upper_rank).
    pub upper: f64,
    /// One-based rank of the lower bound in the sorted sample.
    pub lower_rank: usize,
    /// One-based rank of the upper bound in the sorted sample.
    pub upper_rank: usize,
    /// The exact probability that such an interval covers the quantile of a continuous
    /// distribution; at least the requested confidence.
    pub coverage: f64,
}

/// The smallest sample size for which a two-sided interval at `confidence` exists for `quantile`.
///
/// The lower bound needs `(1 - q)^n <= alpha / 2` and the upper bound `q^n <= alpha / 2`.
pub(crate) fn smallest_sample(quantile: f64, confidence: f64) -> usize {
    let tail = (1.0 - confidence) / 2.0;
    let needed_for = |probability: f64| (tail.ln() / probability.ln()).ceil();
    needed_for(quantile)
        .max(needed_for(1.0 - quantile))
        .max(1.0) as usize
}

/// Largest `k` in `[0, n - 1]` with `predicate(k)` true, given that `predicate` is true up to
/// some point and false after it; `None` if it is false at 0.
fn last_true(count: u64, predicate: impl Fn(u64) -> bool) -> Option<u64> {
    if !predicate(0) {
        return None;
    }
    let (mut good, mut bad) = (0_u64, count);
    while bad - good > 1 {
        let middle = good + (bad - good) / 2;
        if predicate(middle) {
            good = middle
        } else {
            bad = middle
        }
    }
    Some(good)
}

/// A distribution-free two-sided confidence interval for the `quantile` (in `(0, 1)`) of the
/// population `data` was drawn from, at level `confidence` (e.g. `0.95`).
///
/// If `B ~ Binomial(n, q)` counts the values below the true quantile, `[x(l), x(u)]` covers it
/// with probability `P(l <= B < u)`; `l` and `u` are chosen so that each tail has probability
/// at most `(1 - confidence) / 2`. No assumption is made about the distribution, but the
/// values must be independent. Runs in `O(n)` (selection plus `O(log n)` binomial evaluations).
///
/// ```
/// use perf_stats::quantile_confidence_interval;
/// let data: Vec<f64> = (1..=100).map(f64::from).collect();
/// let interval = quantile_confidence_interval(&data, 0.5, 0.95)?;
/// assert_eq!((interval.lower, interval.upper), (40.0, 61.0));
/// assert!(interval.coverage >= 0.95);
/// # Ok::<(), perf_stats::StatsError>(())
/// ```
///
/// # Errors
/// [`StatsError::EmptyInput`], [`StatsError::NotFinite`], [`StatsError::ConfidenceOutOfRange`],
/// [`StatsError::QuantileOutOfRange`] or [`StatsError::ExtremeQuantileInterval`] for a quantile
/// of 0 or 1, and [`StatsError::TooFewSamples`] (with the size that would work) when the sample
/// is too small to reach the confidence, e.g. fewer than 72 values for a 95% interval of a p95.
pub fn quantile_confidence_interval(
    data: &[f64],
    quantile: f64,
    confidence: f64,
) -> Result<QuantileInterval, StatsError> {
    check_sample(data, "sample")?;
    let ranks = interval_ranks(data.len(), quantile, confidence)?;
    let mut copy = data.to_vec();
    select_order_statistics(&mut copy, &ranks.wanted(), 0);
    Ok(ranks.read(&copy))
}

/// Which order statistics bound the distribution-free interval of a quantile in a sample of a
/// given size, and the interval's exact coverage: everything [`quantile_confidence_interval`]
/// decides before it looks at a value.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct IntervalRanks {
    /// One-based.
    lower_rank: usize,
    /// One-based.
    upper_rank: usize,
    coverage: f64,
}

impl IntervalRanks {
    /// The zero-based ranks to select, ascending and distinct.
    pub(crate) fn wanted(&self) -> Vec<usize> {
        if self.lower_rank == self.upper_rank {
            vec![self.lower_rank - 1]
        } else {
            vec![self.lower_rank - 1, self.upper_rank - 1]
        }
    }

    /// The interval, from `data` whose [`wanted`](Self::wanted) ranks hold their order statistics.
    pub(crate) fn read(&self, data: &[f64]) -> QuantileInterval {
        QuantileInterval {
            lower: data[self.lower_rank - 1],
            upper: data[self.upper_rank - 1],
            lower_rank: self.lower_rank,
            upper_rank: self.upper_rank,
            coverage: self.coverage,
        }
    }
}

/// The ranks of [`quantile_confidence_interval`] for a sample of `count >= 1` values.
///
/// # Errors
/// As [`quantile_confidence_interval`], but for the sample's own checks.
pub(crate) fn interval_ranks(
    count: usize,
    quantile: f64,
    confidence: f64,
) -> Result<IntervalRanks, StatsError> {
    check_confidence(confidence)?;
    if !(0.0..=1.0).contains(&quantile) {
        return Err(StatsError::QuantileOutOfRange { quantile });
    }
    if quantile == 0.0 || quantile == 1.0 {
        return Err(StatsError::ExtremeQuantileInterval { quantile });
    }
    let too_few = || StatsError::TooFewSamples {
        what: "a distribution-free quantile confidence interval",
        needed: smallest_sample(quantile, confidence),
        got: count,
    };
    let binomial = Binomial::new(quantile, count as u64).map_err(|_| too_few())?;
    let tail = (1.0 - confidence) / 2.0;
    // Lower rank l: the largest with P(B <= l - 1) <= tail.
    let below = last_true(count as u64, |k| binomial.cdf(k) <= tail).ok_or_else(too_few)?;
    // Upper rank u: the smallest with P(B >= u) = sf(u - 1) <= tail.
    let not_yet = last_true(count as u64, |k| binomial.sf(k) > tail);
    let upper_index = match not_yet {
        None => 0,
        Some(k) if k + 1 < count as u64 => k + 1,
        Some(_) => return Err(too_few()),
    };
    Ok(IntervalRanks {
        lower_rank: below as usize + 1,
        upper_rank: upper_index as usize + 1,
        coverage: binomial.cdf(upper_index) - binomial.cdf(below),
    })
}

/// A two-sided confidence interval `[lower, upper]` around a point estimate.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Interval {
    /// The point estimate the interval surrounds (the sample mean, the observed proportion).
    pub estimate: f64,
    /// Lower bound.
    pub lower: f64,
    /// Upper bound.
    pub upper: f64,
}

/// Student's t confidence interval for the population mean: `mean ± t(1 - α/2, n - 1) · s / √n`.
///
/// Matches `scipy.stats.t.interval(confidence, n - 1, loc=mean, scale=sem)`. It assumes the
/// sample mean is close to normally distributed, which the central limit theorem gives for the
/// sample sizes a budget asks for (`min_samples`, 50 by default) unless the tail is extreme; for
/// heavy-tailed latencies prefer a percentile budget and [`quantile_confidence_interval`].
///
/// ```
/// use perf_stats::mean_confidence_interval;
/// let interval = mean_confidence_interval(&[10.0, 12.0, 11.0, 13.0, 9.0], 0.95)?;
/// assert_eq!(interval.estimate, 11.0);
/// assert!((interval.lower - 9.036756).abs() < 1e-6 && (interval.upper - 12.963244).abs() < 1e-6);
/// # Ok::<(), perf_stats::StatsError>(())
/// ```
///
/// # Errors
/// [`StatsError::EmptyInput`], [`StatsError::NotFinite`], [`StatsError::ConfidenceOutOfRange`],
/// and [`StatsError::TooFewSamples`] for fewer than two values.
pub fn mean_confidence_interval(data: &[f64], confidence: f64) -> Result<Interval, StatsError> {
    check_sample(data, "sample")?;
    check_confidence(confidence)?;
    let moments = Moments::from_slice(data)?;
    let (Some(mean), Some(stddev)) = (moments.mean(), moments.stddev()) else {
        return Err(StatsError::TooFewSamples {
            what: "a confidence interval of the mean",
            needed: 2,
            got: data.len(),
        });
    };
    let count = data.len() as f64;
    let degrees_of_freedom = count - 1.0;
    let t = t_quantile(1.0 - (1.0 - confidence) / 2.0, degrees_of_freedom).ok_or(
        StatsError::TooFewSamples {
            what: "a confidence interval of the mean",
            needed: 2,
            got: data.len(),
        },
    )?;
    let half_width = t * stddev / count.sqrt();
    Ok(Interval {
        estimate: mean,
        lower: mean - half_width,
        upper: mean + half_width,
    })
}

/// Above this many degrees of freedom Student's t quantile comes from its Cornish-Fisher
/// expansion around the normal quantile instead of statrs' inverse of the regularized incomplete
/// beta function, whose iteration takes seconds at 10^7 degrees of freedom and does not end at
/// 1.5 x 10^7 (a 15-million-sample group with an `avg` budget used to hang the gate).
const T_EXPANSION_MIN_DEGREES_OF_FREEDOM: f64 = 1000.0;

/// Student's t quantile at probability `p` (in `(0, 1)`) with `degrees_of_freedom` > 0, in
/// bounded time: statrs up to [`T_EXPANSION_MIN_DEGREES_OF_FREEDOM`], then the Cornish-Fisher
/// expansion of Abramowitz & Stegun 26.7.5 to the fourth order, within 1e-12 of scipy's `t.ppf`
/// from there to 2 x 10^7 degrees of freedom (`fixtures/t_quantiles.json`). `None` for invalid arguments.
pub(crate) fn t_quantile(p: f64, degrees_of_freedom: f64) -> Option<f64> {
    let valid = p > 0.0 && p < 1.0 && degrees_of_freedom > 0.0;
    if !valid {
        return None;
    }
    if degrees_of_freedom <= T_EXPANSION_MIN_DEGREES_OF_FREEDOM {
        let t = StudentsT::new(0.0, 1.0, degrees_of_freedom).ok()?;
        return Some(t.inverse_cdf(p));
    }
    let z = Normal::standard().inverse_cdf(p);
    let n = degrees_of_freedom;
    let z2 = z * z;
    let g1 = z * (z2 + 1.0) / 4.0;
    let g2 = z * ((5.0 * z2 + 16.0) * z2 + 3.0) / 96.0;
    let g3 = z * (((3.0 * z2 + 19.0) * z2 + 17.0) * z2 - 15.0) / 384.0;
    let g4 = z * ((((79.0 * z2 + 776.0) * z2 + 1482.0) * z2 - 1920.0) * z2 - 945.0) / 92160.0;
    Some(z + g1 / n + g2 / (n * n) + g3 / (n * n * n) + g4 / (n * n * n * n))
}

/// Wilson score confidence interval for a proportion `events / trials` (e.g. an error rate).
///
/// Unlike the textbook normal ("Wald") interval it stays inside `[0, 1]` and keeps its coverage
/// for proportions near 0, which is where error rates live. Matches statsmodels'
/// `proportion_confint(events, trials, alpha, method="wilson")`.
///
/// ```
/// use perf_stats::proportion_confidence_interval;
/// let interval = proportion_confidence_interval(3, 200, 0.95)?;
/// assert_eq!(interval.estimate, 0.015);
/// assert!(interval.lower > 0.0 && interval.lower < 0.015 && interval.upper > 0.04);
/// # Ok::<(), perf_stats::StatsError>(())
/// ```
///
/// # Errors
/// [`StatsError::EmptyInput`] for zero trials, [`StatsError::EventsExceedTrials`], and
/// [`StatsError::ConfidenceOutOfRange`].
pub fn proportion_confidence_interval(
    events: u64,
    trials: u64,
    confidence: f64,
) -> Result<Interval, StatsError> {
    let (z, n, proportion) = proportion_inputs(events, trials, confidence)?;
    let z_squared = z * z;
    let denominator = 1.0 + z_squared / n;
    let centre = (proportion + z_squared / (2.0 * n)) / denominator;
    let half_width =
        z / denominator * (proportion * (1.0 - proportion) / n + z_squared / (4.0 * n * n)).sqrt();
    // With no events (or only events) the bound is exactly 0 (or 1); computing it as a
    // difference of two nearly equal numbers would leave a rounding residue.
    let lower = if events == 0 {
        0.0
    } else {
        (centre - half_width).max(0.0)
    };
    let upper = if events == trials {
        1.0
    } else {
        (centre + half_width).min(1.0)
    };
    Ok(Interval {
        estimate: proportion,
        lower,
        upper,
    })
}

/// The inputs both proportion intervals check: a confidence in range, trials, no more events
/// than trials. Returns the two-sided normal quantile `z`, `n` and the proportion.
fn proportion_inputs(
    events: u64,
    trials: u64,
    confidence: f64,
) -> Result<(f64, f64, f64), StatsError> {
    check_confidence(confidence)?;
    if trials == 0 {
        return Err(StatsError::EmptyInput { what: "trials" });
    }
    if events > trials {
        return Err(StatsError::EventsExceedTrials { events, trials });
    }
    let z = Normal::standard().inverse_cdf(1.0 - (1.0 - confidence) / 2.0);
    let n = trials as f64;
    Ok((z, n, events as f64 / n))
}

/// The error-rate interval: Wilson's score interval with continuity correction (Newcombe 1998,
/// "Two-sided confidence intervals for the single proportion", method 4) for `events / trials`.
///
/// Plain Wilson ([`proportion_confidence_interval`]) covers only 84% of the time for error rates
/// near 0.1-1% at 20-200 trials, and Jeffreys 88-91%; with the continuity correction the exact
/// coverage stays at or above 94.9% for every rate at 20, 50, 200 and 2,000 trials
/// (`COVERAGE.md`), which is why perf-gate's error-rate checks use this one. Matches scipy's
/// `binomtest(events, trials).proportion_ci(confidence, method="wilsoncc")`.
///
/// ```
/// use perf_stats::error_rate_confidence_interval;
/// let interval = error_rate_confidence_interval(3, 200, 0.95)?;
/// assert_eq!(interval.estimate, 0.015);
/// assert!((interval.lower - 0.0038819).abs() < 1e-6 && (interval.upper - 0.0467597).abs() < 1e-6);
/// # Ok::<(), perf_stats::StatsError>(())
/// ```
///
/// # Errors
/// As [`proportion_confidence_interval`].
pub fn error_rate_confidence_interval(
    events: u64,
    trials: u64,
    confidence: f64,
) -> Result<Interval, StatsError> {
    let (z, n, proportion) = proportion_inputs(events, trials, confidence)?;
    let complement = 1.0 - proportion;
    let z_squared = z * z;
    let denominator = 2.0 * (n + z_squared);
    let centre = 2.0 * n * proportion + z_squared;
    // Newcombe's bounds; the square roots are of non-negative numbers for 0 < events < trials,
    // and the bound is exactly 0 (or 1) at the ends, where the formula does not apply.
    let lower = if events == 0 {
        0.0
    } else {
        let root = (z_squared - 2.0 - 1.0 / n + 4.0 * proportion * (n * complement + 1.0))
            .max(0.0)
            .sqrt();
        ((centre - 1.0 - z * root) / denominator).max(0.0)
    };
    let upper = if events == trials {
        1.0
    } else {
        let root = (z_squared + 2.0 - 1.0 / n + 4.0 * proportion * (n * complement - 1.0))
            .max(0.0)
            .sqrt();
        ((centre + 1.0 + z * root) / denominator).min(1.0)
    };
    Ok(Interval {
        estimate: proportion,
        lower,
        upper,
    })
}

/// The fewest values for which a two-sided distribution-free (order-statistic) interval of
/// `quantile` (strictly between 0 and 1) exists at `confidence`: at 95%, 72 for a p95, 368 for a
/// p99, 3,688 for a p99.9, 6 for a median; at 90%, 59 for a p95.
///
/// ```
/// assert_eq!(perf_stats::interval_sample_size(0.95, 0.95), 72);
/// assert_eq!(perf_stats::interval_sample_size(0.99, 0.95), 368);
/// ```
pub fn interval_sample_size(quantile: f64, confidence: f64) -> u64 {
    smallest_sample(quantile, confidence) as u64
}

/// Settings of a seeded bootstrap.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BootstrapConfig {
    /// Resamples drawn (1,999 by default: `(B + 1) * 0.025` is then an integer).
    pub resamples: usize,
    /// Seed of the resampling: the same data and seed always give the same interval.
    pub seed: u64,
}

impl Default for BootstrapConfig {
    fn default() -> Self {
        Self {
            resamples: 1999,
            seed: 0x19_B007,
        }
    }
}

/// Up to this many values [`latency_mean_interval`] bootstraps; beyond, Student's t interval
/// covers as well (`COVERAGE.md`) and the bootstrap would cost `resamples x n` additions.
pub const BOOTSTRAP_MAX_SAMPLES: usize = 2000;

/// The share of the nominal tail probability [`latency_mean_interval`] gives each tail of its
/// bootstrap-t: a 95% interval is the bootstrap-t's 97% one (each tail 1.5%, not 2.5%).
///
/// A calibration of the nominal level (Loh 1987, "Calibrating confidence coefficients", *JASA*
/// 82), fixed and measured rather than estimated per sample: on Pareto (a = 3) samples the
/// plain 95% bootstrap-t covers 91.6% (n = 20), 92.1% (50) and 92.8% (100) of the time (10,000
/// trials each), always by an interval that lies wholly below the mean of a sample that drew
/// none of the rare huge values. Such a sample looks light-tailed, so no diagnostic computed from
/// it can tell it needs more width, and the shape's infinite third moment is outside the
/// bootstrap-t's second-order accuracy; measured and rejected in numpy: Hall's (1992)
/// skewness-correcting transformation with bootstrap calibration (89.6% at n = 20), the
/// bootstrap-t of `ln(mean)` (91.3%), the percentile bootstrap (82.3%), moving the 5% between the
/// tails (93.0-93.3% at n = 20), a double bootstrap (92.0%). With 0.6 the same Pareto samples
/// are covered 93.9%, 94.7% and 95.2% of the time, and every cell of `COVERAGE.md` (five
/// distributions, n = 20 to 2,000, 10,000 trials) 94.0-99.2%, for an interval about 11-14% wider
/// (log-normal s=0.5 and whole milliseconds are then covered 96-97% of the time). Student's t
/// beyond [`BOOTSTRAP_MAX_SAMPLES`] keeps the nominal level.
pub const BOOTSTRAP_TAIL_SHARE: f64 = 0.6;

/// The interval perf-gate shows for a mean latency at level `confidence`: up to
/// [`BOOTSTRAP_MAX_SAMPLES`] values [`bootstrap_t_mean_interval`] with the default
/// [`BootstrapConfig`] at the calibrated level `1 - (1 - confidence) * BOOTSTRAP_TAIL_SHARE`
/// (97% for 95%; [`BOOTSTRAP_TAIL_SHARE`] says why), Student's t
/// ([`mean_confidence_interval`]) at `confidence` beyond. Deterministic. Its measured coverage
/// is in `COVERAGE.md`.
///
/// ```
/// use perf_stats::{BootstrapConfig, bootstrap_t_mean_interval, latency_mean_interval};
/// let data = [12.0, 15.0, 11.0, 90.0, 13.0, 14.0, 12.5, 16.0, 13.5, 40.0];
/// let shown = latency_mean_interval(&data, 0.95)?;
/// let calibrated = bootstrap_t_mean_interval(&data, 0.97, &BootstrapConfig::default())?;
/// assert_eq!(shown, calibrated);
/// # Ok::<(), perf_stats::StatsError>(())
/// ```
///
/// # Errors
/// As [`mean_confidence_interval`].
pub fn latency_mean_interval(data: &[f64], confidence: f64) -> Result<Interval, StatsError> {
    if data.len() <= BOOTSTRAP_MAX_SAMPLES {
        check_confidence(confidence)?;
        let calibrated = 1.0 - (1.0 - confidence) * BOOTSTRAP_TAIL_SHARE;
        bootstrap_t_mean_interval(data, calibrated, &BootstrapConfig::default())
    } else {
        mean_confidence_interval(data, confidence)
    }
}

/// The bootstrap-t (percentile-t) interval of the mean (Efron & Tibshirani 1993, ch. 12; Hall
/// 1988): each resample's studentized mean `t* = (mean* - mean) / se*` estimates the
/// distribution of the t statistic, so the interval is `[mean - t*(1 - a/2) se, mean - t*(a/2) se]`
/// with `t*` quantiles by linear interpolation (numpy's default). Unlike Student's t it follows
/// the skew of latencies: on log-normal (sigma 1) samples of 20 it covers 92.1% (10,000
/// trials) where t covers 89%; [`latency_mean_interval`] calibrates its level.
/// Resamples with no spread (every value drawn equal) carry no t statistic and are skipped.
///
/// ```
/// use perf_stats::{BootstrapConfig, bootstrap_t_mean_interval};
/// let data = [12.0, 15.0, 11.0, 90.0, 13.0, 14.0, 12.5, 16.0, 13.5, 40.0];
/// let interval = bootstrap_t_mean_interval(&data, 0.95, &BootstrapConfig::default())?;
/// assert_eq!(interval.estimate, 23.7);
/// // Skewed data: the interval reaches further up than down.
/// assert!(interval.upper - 23.7 > 23.7 - interval.lower);
/// # Ok::<(), perf_stats::StatsError>(())
/// ```
///
/// # Errors
/// [`StatsError::EmptyInput`], [`StatsError::NotFinite`], [`StatsError::ConfidenceOutOfRange`],
/// and [`StatsError::TooFewSamples`] for fewer than two values or no resample with spread.
pub fn bootstrap_t_mean_interval(
    data: &[f64],
    confidence: f64,
    config: &BootstrapConfig,
) -> Result<Interval, StatsError> {
    check_sample(data, "sample")?;
    check_confidence(confidence)?;
    let count = data.len();
    let mut rng = SplitMix64::seeded(config.seed);
    let fill = |values: &mut [f64]| {
        for value in values.iter_mut() {
            *value = data[rng.next_index_multiply_shift(count)];
        }
    };
    bootstrap_t_from_resamples(data, config.resamples, fill, confidence)
}

/// Resamples of the bootstrap-t drawn and summed side by side.
const LANES: usize = 4;

/// One resample's sum and its sum of squared deviations from its mean (`sum / count`), each
/// added in the resample's order.
fn resample_sums(values: &[f64], count: f64) -> (f64, f64) {
    let sum = values.iter().fold(empty_sum(), |sum, value| sum + value);
    let mean = sum / count;
    let square = values
        .iter()
        .fold(empty_sum(), |square, value| square + (value - mean).powi(2));
    (sum, square)
}

/// [`resample_sums`] of the [`LANES`] resamples of `size` values each in `values`, the four sums
/// of each pass added side by side (each in its resample's order: the same bits).
fn four_resample_sums(values: &[f64], size: usize, count: f64) -> ([f64; LANES], [f64; LANES]) {
    let (first, rest) = values.split_at(size);
    let (second, rest) = rest.split_at(size);
    let (third, fourth) = rest.split_at(size);
    let lanes = || first.iter().zip(second).zip(third).zip(&fourth[..size]);
    let mut sums = [empty_sum(); LANES];
    for (((a, b), c), d) in lanes() {
        sums[0] += a;
        sums[1] += b;
        sums[2] += c;
        sums[3] += d;
    }
    let means = sums.map(|sum| sum / count);
    let mut squares = [empty_sum(); LANES];
    for (((a, b), c), d) in lanes() {
        squares[0] += (a - means[0]).powi(2);
        squares[1] += (b - means[1]).powi(2);
        squares[2] += (c - means[2]).powi(2);
        squares[3] += (d - means[3]).powi(2);
    }
    (sums, squares)
}

/// [`bootstrap_t_mean_interval`] over given resamples, the part checked against a Python
/// reimplementation on fixed resamples (`fixtures/bootstrap.py`). `fill` writes one resample's
/// values (drawn from `data`) each time it is called.
pub(crate) fn bootstrap_t_from_resamples(
    data: &[f64],
    resamples: usize,
    mut fill: impl FnMut(&mut [f64]),
    confidence: f64,
) -> Result<Interval, StatsError> {
    let too_few = || StatsError::TooFewSamples {
        what: "a bootstrap interval of the mean",
        needed: 2,
        got: data.len(),
    };
    let moments = Moments::from_slice(data)?;
    let (Some(mean), Some(stddev)) = (moments.mean(), moments.stddev()) else {
        return Err(too_few());
    };
    let count = data.len() as f64;
    let standard_error = stddev / count.sqrt();
    if standard_error == 0.0 {
        return Ok(Interval {
            estimate: mean,
            lower: mean,
            upper: mean,
        });
    }
    // Resamples are drawn and summed a few at a time: each one's sums run in its own order (so
    // every value is what one resample at a time gives, bit for bit), side by side, so that the
    // additions of one do not wait on the previous addition of the same sum. The values drawn
    // are kept (not their indices), so that the two passes read them in order.
    let size = data.len();
    let mut values = vec![0.0_f64; size * LANES];
    let mut statistics = Vec::with_capacity(resamples);
    let mut remaining = resamples;
    let mut push = |sum: f64, square: f64| {
        let resample_mean = sum / count;
        let resample_error = (square / (count - 1.0)).sqrt() / count.sqrt();
        if resample_error > 0.0 {
            statistics.push((resample_mean - mean) / resample_error);
        }
    };
    while remaining > 0 {
        let lanes = remaining.min(LANES);
        remaining -= lanes;
        for lane in values.chunks_exact_mut(size).take(lanes) {
            fill(lane);
        }
        if lanes == LANES {
            let (sums, squares) = four_resample_sums(&values, size, count);
            for (sum, square) in sums.into_iter().zip(squares) {
                push(sum, square);
            }
        } else {
            for lane in values.chunks_exact(size).take(lanes) {
                let (sum, square) = resample_sums(lane, count);
                push(sum, square);
            }
        }
    }
    if statistics.is_empty() {
        return Err(too_few());
    }
    let tail = (1.0 - confidence) / 2.0;
    let quantiles = crate::quantile::quantiles_in_place(
        &mut statistics,
        &[tail, 1.0 - tail],
        crate::QuantileMethod::Linear,
    )?;
    Ok(Interval {
        estimate: mean,
        lower: mean - quantiles[1] * standard_error,
        upper: mean - quantiles[0] * standard_error,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Against scipy's `t.ppf` (`fixtures/t_quantiles.py`): the expansion is within 1e-12 of
    /// scipy from 1,001 to 20 million degrees of freedom (statrs' own inverse is 1.4e-8 off at
    /// 10,000 degrees of freedom, p = 0.9).
    #[test]
    fn t_quantile_above_a_thousand_degrees_of_freedom_matches_scipy() {
        let fixture: serde_json::Value =
            serde_json::from_str(include_str!("../fixtures/t_quantiles.json")).unwrap();
        let cases = fixture["cases"].as_array().unwrap();
        assert_eq!(cases.len(), 54);
        for case in cases {
            let degrees_of_freedom = case["degrees_of_freedom"].as_f64().unwrap();
            let p = case["p"].as_f64().unwrap();
            let expected = case["quantile"].as_f64().unwrap();
            let got = t_quantile(p, degrees_of_freedom).unwrap();
            assert!(
                (got - expected).abs() <= 1e-12 * expected.abs().max(1.0),
                "df {degrees_of_freedom}, p {p}: {got} vs scipy {expected}"
            );
        }
        assert_eq!(t_quantile(0.0, 10.0), None);
        assert_eq!(t_quantile(0.5, 0.0), None);
        assert_eq!(t_quantile(0.5, f64::NAN), None);
    }

    /// 20 million samples: the interval is computed (it used to spin for minutes inside statrs
    /// from about 15 million), and it is the normal interval to within rounding.
    #[test]
    fn mean_interval_of_twenty_million_samples_is_computed() {
        let data: Vec<f64> = (0..20_000_000_u32)
            .map(|index| f64::from(index % 1000))
            .collect();
        let interval = mean_confidence_interval(&data, 0.95).unwrap();
        let moments = Moments::from_slice(&data).unwrap();
        let z = Normal::standard().inverse_cdf(0.975);
        let half_width = z * moments.stddev().unwrap() / (data.len() as f64).sqrt();
        assert!((interval.estimate - 499.5).abs() < 1e-9);
        let width = interval.upper - interval.estimate;
        assert!(
            (width - half_width).abs() < 1e-6 * half_width,
            "{width} vs {half_width}"
        );
    }

    #[test]
    fn median_interval_of_one_hundred_matches_binomial_table() {
        // Classic table value: ranks 40 and 61 give a 95% interval for the median of n = 100
        // (coverage 0.9648).
        let data: Vec<f64> = (1..=100).rev().map(f64::from).collect();
        let interval = quantile_confidence_interval(&data, 0.5, 0.95).unwrap();
        assert_eq!((interval.lower_rank, interval.upper_rank), (40, 61));
        assert!(
            (interval.coverage - 0.9648).abs() < 1e-4,
            "{}",
            interval.coverage
        );
    }

    #[test]
    fn p95_needs_enough_samples() {
        let data: Vec<f64> = (1..=71).map(f64::from).collect();
        assert_eq!(
            quantile_confidence_interval(&data, 0.95, 0.95),
            Err(StatsError::TooFewSamples {
                what: "a distribution-free quantile confidence interval",
                needed: 72,
                got: 71
            })
        );
        let data: Vec<f64> = (1..=72).map(f64::from).collect();
        let interval = quantile_confidence_interval(&data, 0.95, 0.95).unwrap();
        assert_eq!(interval.upper_rank, 72);
        assert!(interval.coverage >= 0.95);
    }

    #[test]
    fn rejects_bad_arguments() {
        let data = [1.0, 2.0, 3.0];
        assert_eq!(
            quantile_confidence_interval(&data, 0.0, 0.95),
            Err(StatsError::ExtremeQuantileInterval { quantile: 0.0 })
        );
        assert_eq!(
            quantile_confidence_interval(&data, 0.5, 1.0),
            Err(StatsError::ConfidenceOutOfRange { confidence: 1.0 })
        );
        assert!(matches!(
            quantile_confidence_interval(&data, f64::NAN, 0.9),
            Err(StatsError::QuantileOutOfRange { .. })
        ));
        assert_eq!(
            quantile_confidence_interval(&[], 0.5, 0.9),
            Err(StatsError::EmptyInput { what: "sample" })
        );
    }

    #[test]
    fn coverage_holds_for_many_sizes() {
        for count in [10_usize, 50, 333, 5000] {
            let data: Vec<f64> = (0..count).map(|i| i as f64).collect();
            for quantile in [0.1, 0.5, 0.9] {
                if let Ok(interval) = quantile_confidence_interval(&data, quantile, 0.9) {
                    assert!(interval.coverage >= 0.9, "{count} {quantile} {interval:?}");
                    assert!(interval.lower <= interval.upper);
                }
            }
        }
    }

    #[test]
    fn mean_interval_of_a_constant_sample_is_the_mean() {
        let interval = mean_confidence_interval(&[3.25; 10], 0.95).unwrap();
        assert_eq!(
            (interval.lower, interval.estimate, interval.upper),
            (3.25, 3.25, 3.25)
        );
    }

    #[test]
    fn mean_interval_needs_two_values() {
        assert_eq!(
            mean_confidence_interval(&[1.0], 0.95),
            Err(StatsError::TooFewSamples {
                what: "a confidence interval of the mean",
                needed: 2,
                got: 1
            })
        );
        assert!(matches!(
            mean_confidence_interval(&[1.0, f64::INFINITY], 0.95),
            Err(StatsError::NotFinite { index: 1, .. })
        ));
    }

    #[test]
    fn proportion_interval_rejects_impossible_counts() {
        assert_eq!(
            proportion_confidence_interval(5, 4, 0.95),
            Err(StatsError::EventsExceedTrials {
                events: 5,
                trials: 4
            })
        );
        assert_eq!(
            proportion_confidence_interval(0, 0, 0.95),
            Err(StatsError::EmptyInput { what: "trials" })
        );
        let none = proportion_confidence_interval(0, 100, 0.95).unwrap();
        assert_eq!(none.lower, 0.0);
        assert!(none.upper > 0.0 && none.upper < 0.05);
    }
    /// On the resamples `fixtures/bootstrap.py` drew and committed, the bootstrap-t bounds are
    /// numpy's to rounding.
    #[test]
    fn bootstrap_t_on_fixed_resamples_matches_numpy() {
        let fixture: serde_json::Value =
            serde_json::from_str(include_str!("../fixtures/bootstrap.json")).unwrap();
        let cases = fixture["cases"].as_array().unwrap();
        assert_eq!(cases.len(), 4);
        for case in cases {
            let name = case["name"].as_str().unwrap();
            let data: Vec<f64> = case["data"]
                .as_array()
                .unwrap()
                .iter()
                .map(|value| value.as_f64().unwrap())
                .collect();
            let resamples: Vec<Vec<usize>> = case["indices"]
                .as_array()
                .unwrap()
                .iter()
                .map(|row| {
                    row.as_array()
                        .unwrap()
                        .iter()
                        .map(|index| index.as_u64().unwrap() as usize)
                        .collect()
                })
                .collect();
            let mut next = resamples.iter();
            let fill = |values: &mut [f64]| {
                for (value, &index) in values.iter_mut().zip(next.next().unwrap()) {
                    *value = data[index];
                }
            };
            let confidence = case["confidence"].as_f64().unwrap();
            let interval =
                bootstrap_t_from_resamples(&data, resamples.len(), fill, confidence).unwrap();
            for (got, key) in [
                (interval.estimate, "mean"),
                (interval.lower, "lower"),
                (interval.upper, "upper"),
            ] {
                let want = case[key].as_f64().unwrap();
                assert!(
                    (got - want).abs() <= 1e-9 * want.abs(),
                    "{name} {key}: {got} vs numpy {want}"
                );
            }
        }
    }

    /// One resample at a time, as the statistic is defined: the side-by-side resamples must give
    /// exactly these bits.
    fn bootstrap_one_at_a_time(
        data: &[f64],
        resamples: usize,
        seed: u64,
        confidence: f64,
    ) -> Interval {
        let count = data.len() as f64;
        let moments = Moments::from_slice(data).unwrap();
        let (mean, stddev) = (moments.mean().unwrap(), moments.stddev().unwrap());
        let standard_error = stddev / count.sqrt();
        let mut rng = SplitMix64::seeded(seed);
        let mut indices = vec![0_usize; data.len()];
        let mut statistics = Vec::new();
        for _ in 0..resamples {
            for index in indices.iter_mut() {
                *index = rng.next_index_multiply_shift(data.len());
            }
            let resample_mean = indices.iter().map(|&index| data[index]).sum::<f64>() / count;
            let squares: f64 = indices
                .iter()
                .map(|&index| (data[index] - resample_mean).powi(2))
                .sum();
            let resample_error = (squares / (count - 1.0)).sqrt() / count.sqrt();
            if resample_error > 0.0 {
                statistics.push((resample_mean - mean) / resample_error);
            }
        }
        let tail = (1.0 - confidence) / 2.0;
        let quantiles = crate::quantile::quantiles_in_place(
            &mut statistics,
            &[tail, 1.0 - tail],
            crate::QuantileMethod::Linear,
        )
        .unwrap();
        Interval {
            estimate: mean,
            lower: mean - quantiles[1] * standard_error,
            upper: mean - quantiles[0] * standard_error,
        }
    }

    #[test]
    fn resamples_side_by_side_give_the_one_at_a_time_bits() {
        let data: Vec<f64> = (0..37)
            .map(|i| f64::from((i * 7919) % 101) * 0.37 + 0.001 * f64::from(i))
            .collect();
        for resamples in [1, 2, 3, 4, 5, 7, 8, 9, 1999] {
            let config = BootstrapConfig {
                resamples,
                seed: 42,
            };
            let interval = bootstrap_t_mean_interval(&data, 0.9, &config).unwrap();
            assert_eq!(interval, bootstrap_one_at_a_time(&data, resamples, 42, 0.9));
        }
    }

    #[test]
    fn bootstrap_is_deterministic_and_degenerate_samples_are_handled() {
        let data: Vec<f64> = (1..=30).map(|i| f64::from(i * i % 37)).collect();
        let config = BootstrapConfig::default();
        let first = bootstrap_t_mean_interval(&data, 0.95, &config).unwrap();
        assert_eq!(
            first,
            bootstrap_t_mean_interval(&data, 0.95, &config).unwrap()
        );
        let other = BootstrapConfig { seed: 7, ..config };
        assert_ne!(
            first,
            bootstrap_t_mean_interval(&data, 0.95, &other).unwrap()
        );
        assert!(first.lower < first.estimate && first.estimate < first.upper);
        let constant = bootstrap_t_mean_interval(&[4.0; 8], 0.95, &config).unwrap();
        assert_eq!((constant.lower, constant.upper), (4.0, 4.0));
        assert!(matches!(
            bootstrap_t_mean_interval(&[4.0], 0.95, &config),
            Err(StatsError::TooFewSamples { needed: 2, .. })
        ));
        // The shown interval is the calibrated bootstrap-t: the 97% one for 95%, which holds
        // the plain 95% one.
        let shown = latency_mean_interval(&data, 0.95).unwrap();
        assert_eq!(
            shown,
            bootstrap_t_mean_interval(&data, 0.97, &config).unwrap()
        );
        assert!(shown.lower < first.lower && first.upper < shown.upper);
        assert!(matches!(
            latency_mean_interval(&data, 1.0),
            Err(StatsError::ConfidenceOutOfRange { .. })
        ));
        // Beyond the bootstrap bound the shown interval is Student's t.
        let many: Vec<f64> = (0..=BOOTSTRAP_MAX_SAMPLES)
            .map(|i| (i % 97) as f64)
            .collect();
        assert_eq!(
            latency_mean_interval(&many, 0.95).unwrap(),
            mean_confidence_interval(&many, 0.95).unwrap()
        );
    }

    #[test]
    fn interval_sample_size_depends_on_the_confidence() {
        assert_eq!(interval_sample_size(0.95, 0.95), 72);
        assert_eq!(interval_sample_size(0.95, 0.9), 59);
        assert_eq!(interval_sample_size(0.99, 0.95), 368);
        assert_eq!(interval_sample_size(0.999, 0.95), 3688);
        assert_eq!(interval_sample_size(0.5, 0.95), 6);
    }
}
