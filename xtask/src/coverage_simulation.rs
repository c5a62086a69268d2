//! Seeded coverage simulation of every interval a perf-gate report shows: how often the interval
//! contains the true value it estimates, on the distributions of issue 19 (log-normal sigma 0.5
//! and 1.0, Pareto a = 3, integer milliseconds, a 70/30 bimodal mix) at n = 20, 50, 200, 2000.
//!
//! - the mean: [`perf_stats::latency_mean_interval`] (bootstrap-t at the calibrated 97% up to
//!   2,000 values, Student's t beyond);
//! - percentiles p50, p95, p99: the order-statistic [`perf_stats::quantile_confidence_interval`],
//!   shown only from the n at which it exists ([`perf_stats::interval_sample_size`]);
//! - the relative change of a p50 and a p95 between two samples of n each (the candidate 10%
//!   slower): each bound of [`perf_stats::QuantileChangeTest::bounds`] at alpha 0.05, one-sided
//!   (the lower bound decides "regressed", the upper "improved"), shown from
//!   [`perf_stats::min_sample_size`];
//! - the error rate: [`perf_stats::error_rate_confidence_interval`], whose coverage is computed
//!   exactly (a binomial sum), not simulated.
//!
//! One file, two users: `cargo xtask coverage` runs it at scale and writes
//! `perf-stats/COVERAGE.md`; perf-stats' `tests/coverage.rs` includes it (with `#[path]`; the generator
//! is `perf_stats::SplitMix64`) and runs a modest version under `cargo test`.

use perf_stats::{
    QuantileMethod, SortedSample, StatsError, error_rate_confidence_interval, interval_sample_size,
    latency_mean_interval, min_sample_size, quantile_change_test, quantile_confidence_interval,
    quantile_estimate,
};
use statrs::distribution::{Binomial, ContinuousCDF, Discrete, Normal};

use perf_stats::SplitMix64;

/// The sample sizes of the tables.
pub const SIZES: [usize; 4] = [20, 50, 200, 2000];
/// The coverage every shown figure must reach (nominal 95%).
pub const TARGET: f64 = 0.93;
/// The relative change of the candidate in the change-interval rows.
pub const CHANGE: f64 = 1.10;

/// A latency distribution with known quantiles and mean.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Distribution {
    /// 20 ms median, log-space sigma 0.5.
    LogNormalHalf,
    /// 20 ms median, log-space sigma 1.0.
    LogNormalOne,
    /// Pareto, shape 3, scale 10 ms (finite variance, infinite third moment).
    Pareto,
    /// Log-normal sigma 0.5 rounded to whole milliseconds (at least 1): ties.
    IntegerMs,
    /// 70% around 10 ms, 30% around 50 ms (log-space sigma 0.2 each).
    Bimodal,
}

/// Every distribution, in table order.
pub const DISTRIBUTIONS: [Distribution; 5] = [
    Distribution::LogNormalHalf,
    Distribution::LogNormalOne,
    Distribution::Pareto,
    Distribution::IntegerMs,
    Distribution::Bimodal,
];

fn normal_cdf(z: f64) -> f64 {
    Normal::standard().cdf(z)
}

impl Distribution {
    /// The table's name.
    pub fn name(self) -> &'static str {
        match self {
            Distribution::LogNormalHalf => "log-normal s=0.5",
            Distribution::LogNormalOne => "log-normal s=1.0",
            Distribution::Pareto => "Pareto a=3",
            Distribution::IntegerMs => "integer ms",
            Distribution::Bimodal => "bimodal",
        }
    }

    /// One latency, every value times `scale` (the integer distribution rounds after scaling).
    pub fn draw(self, rng: &mut SplitMix64, scale: f64) -> f64 {
        match self {
            Distribution::LogNormalHalf => scale * 20.0 * (0.5 * rng.next_normal()).exp(),
            Distribution::IntegerMs => (scale * 20.0 * (0.5 * rng.next_normal()).exp())
                .round()
                .max(1.0),
            Distribution::LogNormalOne => scale * 20.0 * rng.next_normal().exp(),
            Distribution::Pareto => scale * 10.0 * rng.next_unit().powf(-1.0 / 3.0),
            Distribution::Bimodal => {
                let centre = if rng.next_unit() < 0.7 { 10.0 } else { 50.0 };
                scale * centre * (0.2 * rng.next_normal()).exp()
            }
        }
    }

    /// One latency before any rounding: [`draw`](Self::draw) at scale 1, the integer
    /// distribution's log-normal not yet rounded (the same generator calls, so the same stream).
    pub fn draw_unrounded(self, rng: &mut SplitMix64) -> f64 {
        match self {
            Distribution::IntegerMs => 20.0 * (0.5 * rng.next_normal()).exp(),
            _ => self.draw(rng, 1.0),
        }
    }

    /// The rounding the integer distribution applies after a change (whole milliseconds, at
    /// least 1); the others keep the value.
    pub fn finish(self, value: f64) -> f64 {
        match self {
            Distribution::IntegerMs => value.round().max(1.0),
            _ => value,
        }
    }

    /// `P(X <= x)` of [`draw_unrounded`](Self::draw_unrounded)'s continuous distribution.
    pub fn continuous_cdf(self, x: f64) -> f64 {
        match self {
            Distribution::IntegerMs => Distribution::LogNormalHalf.cdf(x, 1.0),
            _ => self.cdf(x, 1.0),
        }
    }

    /// `P(X <= x)` of the scaled distribution.
    fn cdf(self, x: f64, scale: f64) -> f64 {
        if x <= 0.0 {
            return 0.0;
        }
        match self {
            Distribution::LogNormalHalf => normal_cdf((x / (20.0 * scale)).ln() / 0.5),
            Distribution::LogNormalOne => normal_cdf((x / (20.0 * scale)).ln()),
            Distribution::Pareto => {
                let minimum = 10.0 * scale;
                if x < minimum {
                    0.0
                } else {
                    1.0 - (minimum / x).powi(3)
                }
            }
            Distribution::IntegerMs => {
                if x < 1.0 {
                    0.0
                } else {
                    // Values below k + 0.5 round to at most k.
                    normal_cdf(((x.floor() + 0.5) / (20.0 * scale)).ln() / 0.5)
                }
            }
            Distribution::Bimodal => {
                0.7 * normal_cdf((x / (10.0 * scale)).ln() / 0.2)
                    + 0.3 * normal_cdf((x / (50.0 * scale)).ln() / 0.2)
            }
        }
    }

    /// The true `quantile`: the smallest `x` with `P(X <= x) >= quantile` (bisection; a whole
    /// number for the integer distribution).
    pub fn quantile(self, quantile: f64, scale: f64) -> f64 {
        let (mut low, mut high) = (0.0_f64, 1e7 * scale);
        for _ in 0..200 {
            let middle = 0.5 * (low + high);
            if self.cdf(middle, scale) >= quantile {
                high = middle;
            } else {
                low = middle;
            }
        }
        match self {
            Distribution::IntegerMs => high.floor().max(1.0),
            _ => high,
        }
    }

    /// The true mean.
    pub fn mean(self, scale: f64) -> f64 {
        match self {
            Distribution::LogNormalHalf => scale * 20.0 * (0.125_f64).exp(),
            Distribution::LogNormalOne => scale * 20.0 * (0.5_f64).exp(),
            Distribution::Pareto => scale * 15.0,
            Distribution::Bimodal => scale * (0.7 * 10.0 + 0.3 * 50.0) * (0.02_f64).exp(),
            // E[V] = sum over k >= 0 of P(V > k), V >= 1.
            Distribution::IntegerMs => {
                1.0 + (1..200_000)
                    .map(|k| 1.0 - self.cdf(f64::from(k), scale))
                    .sum::<f64>()
            }
        }
    }

    fn sample(self, rng: &mut SplitMix64, size: usize, scale: f64) -> Vec<f64> {
        (0..size).map(|_| self.draw(rng, scale)).collect()
    }
}

/// An interval of the report.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Figure {
    /// The mean latency.
    Mean,
    /// A percentile (in percent) of the latencies.
    Percentile(f64),
    /// The lower bound of a percentile's relative change (one-sided 95%).
    ChangeLower(f64),
    /// The upper bound of a percentile's relative change (one-sided 95%).
    ChangeUpper(f64),
}

impl Figure {
    /// Every simulated figure, in table order.
    pub const ALL: [Figure; 7] = [
        Figure::Mean,
        Figure::Percentile(50.0),
        Figure::Percentile(95.0),
        Figure::Percentile(99.0),
        Figure::ChangeLower(50.0),
        Figure::ChangeLower(95.0),
        Figure::ChangeUpper(95.0),
    ];

    /// The table's name.
    pub fn name(self) -> String {
        match self {
            Figure::Mean => "mean (bootstrap-t at 97%, t beyond 2,000)".to_owned(),
            Figure::Percentile(percent) => format!("p{percent} (order statistics)"),
            Figure::ChangeLower(percent) => format!("p{percent} change, lower bound"),
            Figure::ChangeUpper(percent) => format!("p{percent} change, upper bound"),
        }
    }

    /// Whether a report shows this figure at `size` values (a side).
    pub fn shown(self, size: usize) -> bool {
        let size = size as u64;
        match self {
            Figure::Mean => size >= 2,
            Figure::Percentile(percent) => size >= interval_sample_size(percent / 100.0, 0.95),
            Figure::ChangeLower(percent) | Figure::ChangeUpper(percent) => {
                size >= min_sample_size(percent / 100.0)
            }
        }
    }
}

/// How often the figure's interval covered the truth in `trials` seeded trials; `None` where the
/// report does not show it.
///
/// # Errors
/// A statistic that could not be computed (a bug: the samples are finite and large enough).
pub fn coverage(
    figure: Figure,
    distribution: Distribution,
    size: usize,
    trials: usize,
    seed: u64,
) -> Result<Option<f64>, StatsError> {
    if !figure.shown(size) {
        return Ok(None);
    }
    let truth = match figure {
        Figure::Mean => distribution.mean(1.0),
        Figure::Percentile(percent) => distribution.quantile(percent / 100.0, 1.0),
        Figure::ChangeLower(percent) | Figure::ChangeUpper(percent) => {
            distribution.quantile(percent / 100.0, CHANGE)
                / distribution.quantile(percent / 100.0, 1.0)
                - 1.0
        }
    };
    let mut rng = SplitMix64::seeded(seed);
    let mut covered = 0_usize;
    for _ in 0..trials {
        let hit = match figure {
            Figure::Mean => {
                let sample = distribution.sample(&mut rng, size, 1.0);
                let interval = latency_mean_interval(&sample, 0.95)?;
                interval.lower <= truth && truth <= interval.upper
            }
            Figure::Percentile(percent) => {
                let sample = distribution.sample(&mut rng, size, 1.0);
                let interval = quantile_confidence_interval(&sample, percent / 100.0, 0.95)?;
                interval.lower <= truth && truth <= interval.upper
            }
            Figure::ChangeLower(percent) | Figure::ChangeUpper(percent) => {
                let quantile = percent / 100.0;
                let mut baseline = distribution.sample(&mut rng, size, 1.0);
                let mut candidate = distribution.sample(&mut rng, size, CHANGE);
                baseline.sort_by(f64::total_cmp);
                candidate.sort_by(f64::total_cmp);
                let method = QuantileMethod::Linear;
                let baseline_estimate =
                    quantile_estimate(SortedSample::full(&baseline)?, quantile, method)?;
                let candidate_estimate =
                    quantile_estimate(SortedSample::full(&candidate)?, quantile, method)?;
                let test = quantile_change_test(baseline_estimate, candidate_estimate, 0.0)?;
                let (lower, upper) = test.bounds(0.05)?;
                match figure {
                    Figure::ChangeLower(_) => lower <= truth,
                    _ => truth <= upper,
                }
            }
        };
        covered += usize::from(hit);
    }
    Ok(Some(covered as f64 / trials as f64))
}

/// The exact coverage of the 95% error-rate interval at `trials` known outcomes and a true rate
/// `rate`: the probability of the error counts whose interval contains `rate`.
pub fn error_rate_coverage(trials: u64, rate: f64) -> Result<f64, StatsError> {
    let binomial =
        Binomial::new(rate, trials).map_err(|_| StatsError::EmptyInput { what: "binomial" })?;
    let mut coverage = 0.0;
    for events in 0..=trials {
        let interval = error_rate_confidence_interval(events, trials, 0.95)?;
        if interval.lower <= rate && rate <= interval.upper {
            coverage += binomial.pmf(events);
        }
    }
    Ok(coverage)
}

/// The rates of the exact error-rate table: 200 log-spaced from 0.01% to 1%, 200 even from 1% to
/// 50%.
pub fn error_rate_grid() -> Vec<f64> {
    let low = (0..200).map(|step| 1e-4 * 100f64.powf(f64::from(step) / 199.0));
    let high = (1..=200).map(|step| 0.01 + 0.49 * f64::from(step) / 200.0);
    low.chain(high).collect()
}

/// The least exact coverage over [`error_rate_grid`] at `trials`, and the rate where it is.
pub fn error_rate_min_coverage(trials: u64) -> Result<(f64, f64), StatsError> {
    let mut least = (f64::INFINITY, 0.0);
    for rate in error_rate_grid() {
        let coverage = error_rate_coverage(trials, rate)?;
        if coverage < least.0 {
            least = (coverage, rate);
        }
    }
    Ok(least)
}

/// The least observed coverage of `trials` trials that is not evidence against a true coverage of
/// [`TARGET`]: three binomial standard errors below it (the cargo-test runs are small; the
/// committed table's trial counts make the allowance small).
pub fn monte_carlo_floor(trials: usize) -> f64 {
    TARGET - 3.0 * (TARGET * (1.0 - TARGET) / trials as f64).sqrt()
}

/// The seed of one table cell: distinct per figure, distribution and size.
pub fn cell_seed(seed: u64, figure: usize, distribution: usize, size: usize) -> u64 {
    seed ^ ((figure as u64) << 48) ^ ((distribution as u64) << 32) ^ size as u64
}
