//! Exact latency statistics on plain `f64` slices.
//!
//! `perf-stats` is the number-crunching core of perf-gate, usable on its own by any crate
//! that has a sample of numbers and needs honest statistics about it:
//!
//! - quantiles under all nine Hyndman & Fan definitions ([`QuantileMethod`], type 7 by default,
//!   matching numpy, R, Excel and k6), several at once in `O(n)`-ish time by selection;
//! - a [`Summary`] (count, min, max, mean, standard deviation, any percentiles, p99.9 included);
//! - mergeable accumulators: exact [`Moments`] and a bounded-memory [`QuantileSketch`];
//! - confidence intervals: distribution-free [`quantile_confidence_interval`]s, Student's t
//!   [`mean_confidence_interval`], the seeded bootstrap-t [`bootstrap_t_mean_interval`] (shown
//!   for means through [`latency_mean_interval`]), the Wilson [`proportion_confidence_interval`] and, for error
//!   rates, Wilson with continuity correction ([`error_rate_confidence_interval`], coverage
//!   measured in `COVERAGE.md`); [`interval_sample_size`] says from which n a quantile has one;
//! - two-sample comparisons: [`mann_whitney_u`], [`welch_t_test`], [`relative_change`] of a
//!   quantile with a confidence interval, [`holm_bonferroni`] adjustment, and a one-sided
//!   [`quantile_change_test`] of one quantile's relative change (standard errors from
//!   [`quantile_estimate`]: Siddiqui-Bloch-Gastwirth sparsity, Hall-Sheather bandwidth), whose
//!   [`QuantileChangeTest::bounds`] agree with its p-value; a side may be an evenly spaced
//!   subsample standing for a larger sample ([`SortedSample::subsample`]); for samples too small
//!   for a quantile's standard error, the rank test of a change of scale [`scale_change_test`]
//!   (Mann-Whitney U against the scaled baseline, bounds inverted from it, Hodges-Lehmann
//!   estimate);
//! - [`SplitMix64`], the seeded generator behind the bootstrap (and perf-gate's simulations),
//!   the same stream on every platform;
//! - change points in a series of per-run values: [`detect_change_points`] (E-divisive means with
//!   Otava's deterministic t-test, a magnitude floor, a minimum segment length and forced
//!   boundaries) and [`confirm_change`] on the raw samples (one-sided Mann-Whitney).
//!
//! It is **not** for reading files, knowing about record types, or deciding whether a budget
//! passes: it does no I/O and depends on no other perf-gate crate. Every function checks its
//! input and returns a [`StatsError`] instead of panicking. Results agree with numpy and scipy
//! (see `fixtures/generate.py`). With the `serde` feature, result types derive
//! `Serialize`/`Deserialize`.
//!
//! ```
//! use perf_stats::{summarize, quantile_confidence_interval, QuantileMethod, SummaryConfig};
//!
//! let latencies_ms: Vec<f64> = (1..=200).map(|i| 10.0 + f64::from(i % 17)).collect();
//! let config = SummaryConfig { percentiles: vec![50.0, 95.0, 99.9], method: QuantileMethod::Linear };
//! let summary = summarize(&latencies_ms, &config)?;
//! assert_eq!(summary.count, 200);
//! assert_eq!(summary.percentile(50.0), Some(18.0));
//!
//! // How sure are we of that p95? A 95% interval from order statistics, no distribution assumed.
//! let interval = quantile_confidence_interval(&latencies_ms, 0.95, 0.95)?;
//! assert!(interval.lower <= summary.percentile(95.0).unwrap_or(f64::NAN));
//! assert!(interval.coverage >= 0.95);
//! # Ok::<(), perf_stats::StatsError>(())
//! ```

mod change_points;
mod compare;
mod error;
mod interval;
mod moments;
mod percentile;
mod quantile;
mod quantile_test;
mod rng;
mod scale_test;
mod sketch;
mod sort;
mod summary;

pub use change_points::{
    ChangePoint, ChangePointConfig, Confirmation, Direction, confirm_change, detect_change_points,
};
pub use compare::{
    Alternative, MannWhitneyConfig, MannWhitneyMethod, MannWhitneyResult, RelativeChange,
    RelativeChangeConfig, WelchResult, holm_bonferroni, mann_whitney_u, relative_change,
    welch_t_test,
};
pub use error::{StatsError, all_values};
pub use interval::{
    BOOTSTRAP_MAX_SAMPLES, BOOTSTRAP_TAIL_SHARE, BootstrapConfig, Interval, QuantileInterval,
    bootstrap_t_mean_interval, error_rate_confidence_interval, interval_sample_size,
    latency_mean_interval, mean_confidence_interval, proportion_confidence_interval,
    quantile_confidence_interval,
};
pub use moments::Moments;
#[cfg(feature = "schemars")]
pub use percentile::PERCENTILE_PATTERN;
pub use percentile::{Percentile, PercentileError};
pub use quantile::{
    QuantileMethod, quantile, quantile_in_place, quantiles, quantiles_in_place, quantiles_sorted,
};
pub use quantile_test::{
    QuantileChangeTest, QuantileEstimate, SortedSample, TAIL_BEYOND_WINDOW,
    hall_sheather_bandwidth, min_sample_size, quantile_change_test, quantile_estimate,
};
pub use rng::SplitMix64;
pub use scale_test::{SCALE_TEST_MIN_SAMPLES, ScaleChangeTest, scale_change_test};
pub use sketch::{QuantileSketch, SketchConfig};
pub use sort::{is_sorted_total, sorted_total, sorted_total_with};
pub use summary::{
    PercentileValue, Summary, SummaryConfig, check_monotonic, summarize, summarize_in_place,
    summarize_sorted, summarize_with_intervals,
};

/// The neutral element of `Iterator::sum` for `f64`, whatever the standard library uses: a sum
/// written as a loop (the bootstrap's side-by-side resamples, the counted rank test's tie term)
/// starts from it, so its bits are those of the `sum()` it replaces.
pub(crate) fn empty_sum() -> f64 {
    std::iter::empty::<f64>().sum()
}
