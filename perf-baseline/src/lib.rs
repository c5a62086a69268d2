//! Baselines ("performance passports") and regression detection against them.
//!
//! A budget says "p95 must stay under 80 ms"; a baseline says "p95 must not creep up from what it
//! was". This module is the library half of that:
//!
//! - [`build`] turns per-(tool, step) samples into a [`Baseline`]: outcome counts, mean, standard
//!   deviation, percentiles and up to [`DEFAULT_MAX_POINTS`] evenly spaced order statistics of the
//!   latencies (what a later significance test needs), an environment [`Fingerprint`] and a
//!   SHA-256 content hash over canonical JSON, so identical data always gives an identical hash.
//!   [`Baseline::to_json`], [`save`], [`parse`] and [`load`] move it to and from its versioned file
//!   format (documented in `perf-budget/BASELINE.md`).
//! - [`compare`] judges a current run against a baseline. A group is
//!   [`Verdict::Regressed`] only when the relative change of the chosen metric exceeds the
//!   tolerance **and** a Mann-Whitney U test is significant after Holm-Bonferroni adjustment across
//!   every group compared in the run. Otherwise it is unchanged, improved (never a failure) or not
//!   comparable, always with the reason.
//! - [`ratchet`] proposes tighter budgets from a baseline, as a new budget file and a diff; writing
//!   it is the caller's choice.
//!
//! It is not for reading logs (perf-collect), computing the statistics themselves (perf-stats) or
//! rendering reports (the report module of this crate).
//!
//! ```
//! use perf_budget::GroupSample;
//! use perf_budget::baseline::{self, BuildConfig, CompareConfig, Fingerprint, Verdict};
//! use perf_record::{GroupKey, OutcomeCounts};
//!
//! let sample = |ms: &[f64]| GroupSample {
//!     key: GroupKey { tool: "api".into(), step: "get".into() },
//!     counts: OutcomeCounts { ok: ms.len() as u64, errors: 0, unknown: 0 },
//!     latencies: ms.to_vec(),
//! };
//! let fingerprint = Fingerprint::current("0.1.0");
//! let before: Vec<f64> = (0..200).map(|i| 10.0 + f64::from(i % 20)).collect();
//! let after: Vec<f64> = before.iter().map(|ms| ms * 1.5).collect();
//!
//! let config = BuildConfig { fingerprint: fingerprint.clone(), ..BuildConfig::default() };
//! let passport = baseline::build(&[sample(&before)], &config)?;
//! let reloaded = baseline::parse(&passport.to_json(), "perf-baseline.json")?;
//! assert_eq!(reloaded.content_hash(), passport.content_hash());
//!
//! let comparison =
//!     baseline::compare(&reloaded, &[sample(&after)], &fingerprint, &CompareConfig::default())?;
//! assert_eq!(comparison.groups[0].verdict, Verdict::Regressed);
//! assert!(comparison.has_regression());
//! # Ok::<(), baseline::BaselineError>(())
//! ```

mod canonical;
mod compare;
mod error;
mod fingerprint;
mod format;
mod numbers;
mod ratchet;

pub use compare::{
    CompareConfig, Comparison, GroupComparison, Verdict, add_to_report, compare, parse_metric,
    regression_tolerances,
};
pub use error::BaselineError;
pub use fingerprint::{Fingerprint, FingerprintDifference};
pub use format::{
    BASELINE_FORMAT, BASELINE_SCHEMA_VERSION, Baseline, BaselineGroup, BuildConfig,
    DEFAULT_MAX_POINTS, LatencyStats, build, load, parse, save,
};
pub use ratchet::{RatchetChange, RatchetConfig, RatchetProposal, ratchet};
