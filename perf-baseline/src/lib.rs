//! Baselines ("performance passports") for perf-gate, and regression detection against them.
//!
//! A budget says "p95 must stay under 80 ms"; a baseline says "p95 must not creep up from what it
//! was". This crate is the passport file and the comparison:
//!
//! - [`build`] turns per-(tool, step) [`GroupSamples`](perf_record::GroupSamples) into a
//!   [`Baseline`]: outcome counts, the true sample count, mean, standard deviation, exact
//!   percentiles (p5 .. p99.99) and up to [`DEFAULT_MAX_POINTS`] evenly spaced order statistics
//!   of the latencies (an evenly spaced subsample, used as one: the test's standard error is over
//!   the true count), an environment [`Fingerprint`] and a SHA-256 content hash over
//!   canonical JSON, so identical data always gives an identical hash. [`Baseline::to_json`],
//!   [`save`] (atomic), [`parse`] and [`load`] move it to and from its versioned file format
//!   (documented in `BASELINE.md`).
//! - [`compare`] judges a current run against a baseline. A group is
//!   [`ChangeVerdict::Regressed`] only when a one-sided test of the chosen percentile itself
//!   (`H0: it grew by at most the tolerance`) rejects after Holm-Bonferroni adjustment across
//!   every group compared in the run, which is exactly when the lower bound of the relative-change
//!   interval the report shows exceeds the tolerance. Otherwise it is unchanged, improved (the
//!   interval's upper bound below minus the tolerance; never a failure) or not comparable, always
//!   with a structured [`Reason`]. Each record measure of a group is judged the same way in its
//!   direction ([`MeasureComparison`]; for a handful of values, the rank test of a change of
//!   scale), in the same Holm family.
//!
//! It is not for reading logs (perf-collect), computing the statistics themselves (perf-stats),
//! deciding which budget rule sets a group's tolerance (perf-gate) or phrasing the result for
//! people (perf-report).
//!
//! ```
//! use std::collections::BTreeMap;
//! use perf_baseline::{BuildConfig, ChangeVerdict, CompareConfig, DEFAULT_MAX_POINTS, Fingerprint};
//! use perf_record::{GroupKey, GroupSamples, OutcomeCounts};
//!
//! let groups = |ms: &[f64]| {
//!     let counts = OutcomeCounts { ok: ms.len() as u64, errors: 0, unknown: 0 };
//!     let samples = GroupSamples { counts, latencies_ms: ms.to_vec(), ..Default::default() };
//!     BTreeMap::from([(GroupKey::new("api", "get"), samples)])
//! };
//! let fingerprint = Fingerprint::current("0.1.0");
//! let before: Vec<f64> = (0..200).map(|i| 10.0 + f64::from(i % 20)).collect();
//! let after: Vec<f64> = before.iter().map(|ms| ms * 1.5).collect();
//!
//! let config = BuildConfig {
//!     fingerprint: fingerprint.clone(),
//!     created_at: None,
//!     max_points: DEFAULT_MAX_POINTS,
//!     quantile_method: Default::default(),
//! };
//! let passport = perf_baseline::build(&groups(&before), &config)?;
//! let reloaded = perf_baseline::parse(&passport.to_json(), "perf-baseline.json")?;
//! assert_eq!(reloaded.content_hash(), passport.content_hash());
//!
//! let comparison =
//!     perf_baseline::compare(&reloaded, &groups(&after), &fingerprint, &CompareConfig::default())?;
//! assert_eq!(comparison.groups[0].verdict, ChangeVerdict::Regressed);
//! assert!(comparison.has_regression());
//! # Ok::<(), perf_baseline::BaselineError>(())
//! ```

mod canonical;
mod compare;
mod error;
mod fingerprint;
mod format;
mod measures;
mod numbers;

pub use compare::{
    ChangeSize, ChangeVerdict, CompareConfig, Comparison, GroupComparison, MIN_POINTS_BEYOND,
    Reason, compare,
};
pub use error::BaselineError;
pub use fingerprint::{Fingerprint, FingerprintDifference};
pub use format::{
    BASELINE_FORMAT, BASELINE_SCHEMA_VERSION, Baseline, BaselineGroup, BuildConfig,
    DEFAULT_MAX_POINTS, LatencyStats, MAX_BASELINE_FILE_BYTES, build, load, parse, save,
};
pub use measures::{MeasureComparison, MeasureTest};
