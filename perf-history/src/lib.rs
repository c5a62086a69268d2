//! perf-gate's history: every gate run remembered, in an SQLite file by default or in
//! PostgreSQL for a team whose CI runners share one history.
//!
//! A [`HistoryStore`] is opened at a [`HistoryLocation`] (`postgres://...`, a libpq
//! `key=value` string, `sqlite:PATH` or a plain path; [`DEFAULT_HISTORY_FILE`] by default),
//! which creates or upgrades its schema with embedded, versioned, checksummed migrations.
//! [`HistoryStore::record`] writes a run in one transaction: its metadata (time, commit,
//! branch, budget and baseline hashes, environment), each group's statistics (counts by
//! outcome, mean, min, max, error rate, percentiles, with their confidence intervals), each
//! group's raw samples in a compact encoding ([`SAMPLES_ENCODING`]), the verdict of every
//! check and the change points found. Then [`HistoryStore::runs`], [`run`](HistoryStore::run),
//! [`trend`](HistoryStore::trend), [`samples`](HistoryStore::samples),
//! [`annotate`](HistoryStore::annotate), [`prune`](HistoryStore::prune) and
//! [`export`](HistoryStore::export) read and maintain it. Both backends have the same logical
//! schema, including the `budget_violations` view (see the README).
//!
//! It is not for reading logs (perf-collect), judging budgets or baselines (perf-budget,
//! perf-baseline; perf-gate turns their results into [`VerdictRecord`]s), detecting change
//! points (perf-stats) or phrasing anything for people (perf-report). It never reads the
//! environment: the caller resolves `--history` and `PERF_GATE_HISTORY_URL` with
//! [`HistoryLocation::resolve`].
//!
//! ```
//! use std::collections::BTreeMap;
//! use perf_history::{HistoryLocation, HistoryStore, NewRun, RecordConfig, RunMetadata, RunSource, TrendMetric};
//! use perf_record::{GroupKey, GroupSamples};
//!
//! let directory = tempfile::tempdir()?;
//! let location = HistoryLocation::parse(&format!("sqlite:{}/history.sqlite", directory.path().display()))?;
//! let mut store = HistoryStore::open(&location)?;
//! let key = GroupKey::new("api", "get");
//! for level in [10.0, 10.0, 12.0] {
//!     let groups = BTreeMap::from([(key.clone(), GroupSamples::all_ok(vec![level; 20]))]);
//!     let run = NewRun {
//!         metadata: RunMetadata {
//!             time: jiff::Timestamp::now(),
//!             commit: None,
//!             branch: None,
//!             source: RunSource::Record,
//!             budgets_hash: None,
//!             baseline_hash: None,
//!             run_baseline_hash: None,
//!             environment: perf_baseline::Fingerprint::current("0.1.0"),
//!         },
//!         groups: &groups,
//!         verdicts: Vec::new(),
//!         change_points: Vec::new(),
//!         config: RecordConfig {
//!             quantile_method: Default::default(),
//!             confidence_level: 0.95,
//!             percentiles: Vec::new(),
//!         },
//!     };
//!     store.record(&run)?;
//! }
//! let trend = store.trend(&key, "p95".parse()?, 10)?;
//! let values: Vec<Option<f64>> = trend.iter().map(|point| point.value).collect();
//! assert_eq!(values, [Some(10.0), Some(10.0), Some(12.0)]);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod encoding;
mod error;
mod location;
mod migrations;
mod model;
mod section;
mod sql;
mod store;

#[cfg(test)]
mod suite;

pub use encoding::{DecodeError, SAMPLES_ENCODING, decode_samples, encode_samples};
pub use error::{BackendError, ExportError, HistoryError};
pub use location::{DEFAULT_HISTORY_FILE, HistoryLocation};
pub use migrations::SCHEMA_VERSION;
pub use model::{
    Annotation, AnnotationKind, ChangeKind, ChangePointRecord, ExportFormat, GroupRecord,
    HistoryMetric, MeasureRecord, NewAnnotation, NewRun, PruneOutcome, PrunePolicy, RecordConfig,
    Rule, Run, RunDetail, RunId, RunMetadata, RunSource, StoredPercentile, TrendMetric, TrendPoint,
    UnknownAnnotationKind, UnknownTrendMetric, VerdictRecord,
};
pub use section::{
    GroupHistory, HistoryRuleVerdict, HistorySection, HistoryStatus, SeriesChangePoint, SeriesPoint,
};
pub use store::{HistoryStore, SQLITE_BUSY_TIMEOUT, content_hash, environment_hash};
