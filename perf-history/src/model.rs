//! What a history holds: runs, their groups' statistics, verdicts, change points and
//! annotations, as facts with numbers.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use perf_baseline::Fingerprint;
use perf_record::{GroupKey, GroupSamples, OutcomeCounts};
use perf_stats::{Percentile, QuantileMethod};
use serde::{Deserialize, Serialize};

/// The id of a recorded run: increasing in the order runs were committed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
pub struct RunId(pub i64);

impl fmt::Display for RunId {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(formatter)
    }
}

impl FromStr for RunId {
    type Err = std::num::ParseIntError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        text.trim().parse().map(RunId)
    }
}

/// Which command recorded a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RunSource {
    /// `perf-gate gate --record-history`: the run was gated, its verdicts are recorded.
    Gate,
    /// `perf-gate history record`: recorded without gating.
    Record,
}

impl RunSource {
    /// The stored spelling: `gate`, `record`.
    pub fn as_str(self) -> &'static str {
        match self {
            RunSource::Gate => "gate",
            RunSource::Record => "record",
        }
    }
}

/// Who, where and against what a run was measured: what the caller knows about it.
#[derive(Debug, Clone, PartialEq)]
pub struct RunMetadata {
    /// When the run was recorded.
    pub time: jiff::Timestamp,
    /// The commit measured, when known.
    pub commit: Option<String>,
    /// The branch measured, when known.
    pub branch: Option<String>,
    /// The command that recorded it.
    pub source: RunSource,
    /// The content hash of the budget file used (see [`content_hash`](crate::content_hash)).
    pub budgets_hash: Option<String>,
    /// The content hash of the baseline the run was compared against.
    pub baseline_hash: Option<String>,
    /// The content hash of the baseline this run's own groups make: a later run compared
    /// against that hash refers to this run, so pruning keeps it.
    pub run_baseline_hash: Option<String>,
    /// The machine; its hash (without the perf-gate version) is the run's environment.
    pub environment: Fingerprint,
}

/// Which rule a verdict is the outcome of.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
pub enum Rule {
    /// A budget limit (`p95`, `avg`, `error_rate`, ...).
    Budget,
    /// The baseline comparison.
    Baseline,
    /// A budget entry's `trend` rule (change points over the history).
    Trend,
    /// A budget entry's `consecutive` rule (N runs in a row breaching).
    Consecutive,
}

impl Rule {
    /// The stored spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Rule::Budget => "budget",
            Rule::Baseline => "baseline",
            Rule::Trend => "trend",
            Rule::Consecutive => "consecutive",
        }
    }

    fn parse(text: &str) -> Option<Rule> {
        [Rule::Budget, Rule::Baseline, Rule::Trend, Rule::Consecutive]
            .into_iter()
            .find(|rule| rule.as_str() == text)
    }
}

/// The outcome of one check of a run, as its report stated it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VerdictRecord {
    /// The group checked.
    #[serde(flatten)]
    pub group: GroupKey,
    /// The rule.
    pub rule: Rule,
    /// The metric (`p95`, `avg`, `error_rate`, ...).
    pub metric: String,
    /// The status in the JSON report's spelling (`pass`, `fail`, `warn`,
    /// `insufficient_samples`, `low_confidence`, `no_data`; `regressed`, `improved`, `unchanged`,
    /// `not_comparable` for the baseline).
    pub status: String,
    /// The entry's severity (`fail`, `warn`), for budget rules.
    pub severity: Option<String>,
    /// The observed value.
    pub observed: Option<f64>,
    /// The limit, or the baseline's value for a comparison.
    pub limit: Option<f64>,
    /// `observed - limit`, or the relative change for a comparison.
    pub delta: Option<f64>,
    /// The adjusted p-value, for statistical rules.
    pub p_value: Option<f64>,
}

impl VerdictRecord {
    pub(crate) fn rule_from(text: &str) -> Option<Rule> {
        Rule::parse(text)
    }
}

/// What a change point is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
pub enum ChangeKind {
    /// The metric got worse.
    Regression,
    /// The metric got better.
    Improvement,
    /// The environment fingerprint changed here: a forced boundary, never a regression.
    EnvironmentChange,
}

impl ChangeKind {
    /// The stored spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            ChangeKind::Regression => "regression",
            ChangeKind::Improvement => "improvement",
            ChangeKind::EnvironmentChange => "environment_change",
        }
    }

    pub(crate) fn parse(text: &str) -> Option<ChangeKind> {
        [
            ChangeKind::Regression,
            ChangeKind::Improvement,
            ChangeKind::EnvironmentChange,
        ]
        .into_iter()
        .find(|kind| kind.as_str() == text)
    }
}

/// A change point found in a group's series when a run was gated.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChangePointRecord {
    /// The group.
    #[serde(flatten)]
    pub group: GroupKey,
    /// The metric of the series.
    pub metric: String,
    /// The first run after the change; `None` when recording means the run being recorded
    /// (read back, it is always that run's id).
    pub at_run: Option<RunId>,
    /// What it is.
    pub kind: ChangeKind,
    /// The metric's level before (mean of the segment).
    pub before: f64,
    /// The level after.
    pub after: f64,
    /// `(after - before) / before`.
    pub change: f64,
    /// The confirmation's adjusted p-value, when one was computed.
    pub p_value: Option<f64>,
}

/// How to compute the statistics stored with each group.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordConfig {
    /// The quantile definition (the run's one method).
    pub quantile_method: QuantileMethod,
    /// The confidence level of the stored intervals.
    pub confidence_level: f64,
    /// The percentiles stored, besides [`RecordConfig::STANDARD_PERCENTILES`].
    pub percentiles: Vec<Percentile>,
}

impl RecordConfig {
    /// Ranks every run stores: p50, p90, p95, p99, p99.9.
    pub const STANDARD_PERCENTILES: [f64; 5] = [50.0, 90.0, 95.0, 99.0, 99.9];
}

/// A run to record.
#[derive(Debug, Clone)]
pub struct NewRun<'a, G = GroupSamples> {
    /// Who, where, against what.
    pub metadata: RunMetadata,
    /// Every group's raw samples (stored compact, with their statistics). Groups whose samples
    /// wait on disk ([`perf_record::StoredGroup`]) are all read back while the run is written.
    pub groups: &'a BTreeMap<GroupKey, G>,
    /// The verdict of every check of the run (empty for `history record`).
    pub verdicts: Vec<VerdictRecord>,
    /// Change points found when it was gated.
    pub change_points: Vec<ChangePointRecord>,
    /// How to compute the stored statistics.
    pub config: RecordConfig,
}

/// A recorded run, as `history list` shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Run {
    /// Its id.
    pub id: RunId,
    /// When it was recorded (RFC 3339, UTC, microseconds).
    pub time: String,
    /// The commit, when known.
    pub commit: Option<String>,
    /// The branch, when known.
    pub branch: Option<String>,
    /// `gate` or `record`.
    pub source: String,
    /// The budget file's hash.
    pub budgets_hash: Option<String>,
    /// The baseline compared against.
    pub baseline_hash: Option<String>,
    /// The baseline this run makes.
    pub run_baseline_hash: Option<String>,
    /// The environment's hash.
    pub environment: String,
    /// The perf-gate version that recorded it.
    pub perf_gate_version: String,
    /// Its quantile method (numpy's name).
    pub quantile_method: String,
    /// Groups recorded.
    pub groups: u64,
    /// Verdicts with status `fail` or `regressed`.
    pub failures: u64,
    /// Annotations on it.
    pub annotations: u64,
}

/// A stored percentile with its interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct StoredPercentile {
    /// Rank in percent (`95.0`).
    pub rank: f64,
    /// Value, ms.
    pub value: f64,
    /// Lower bound of its confidence interval, when one exists for the sample size.
    pub ci_low: Option<f64>,
    /// Upper bound.
    pub ci_high: Option<f64>,
}

/// A group's stored statistics in one run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GroupRecord {
    /// The group.
    #[serde(flatten)]
    pub group: GroupKey,
    /// Records by outcome.
    pub counts: OutcomeCounts,
    /// Latencies stored (known outcomes).
    pub sample_count: u64,
    /// Mean latency, ms.
    pub mean: Option<f64>,
    /// Its confidence interval (Student's t).
    pub mean_ci: Option<(f64, f64)>,
    /// Smallest latency.
    pub min: Option<f64>,
    /// Largest latency.
    pub max: Option<f64>,
    /// `errors / (ok + errors)`.
    pub error_rate: Option<f64>,
    /// Its Wilson interval.
    pub error_rate_ci: Option<(f64, f64)>,
    /// Stored percentiles, by rank.
    pub percentiles: Vec<StoredPercentile>,
    /// Records per second over the group's records' time span
    /// (`perf_record::GroupSamples::throughput_rps`); `None` when the group had none, or for a
    /// run recorded before schema version 3.
    #[serde(default)]
    pub throughput_rps: Option<f64>,
    /// The record measures of the group, by name (schema version 3).
    #[serde(default)]
    pub measures: Vec<MeasureRecord>,
}

/// The statistics of one record measure of one group in one run, in the measure's unit (its
/// name's suffix), of the same records as the latency statistics (`latency_of`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MeasureRecord {
    /// The measure (`peak_rss_mb`).
    pub name: String,
    /// Values stored.
    pub sample_count: u64,
    /// Mean.
    pub mean: Option<f64>,
    /// Its confidence interval (bootstrap-t up to 2,000 values, Student's t beyond).
    pub mean_ci: Option<(f64, f64)>,
    /// Smallest value.
    pub min: Option<f64>,
    /// Largest value.
    pub max: Option<f64>,
    /// Stored percentiles, by rank (values in the measure's unit).
    pub percentiles: Vec<StoredPercentile>,
}

/// What annotates a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AnnotationKind {
    /// A regression a person accepted: the new level is the expected one.
    AcceptedRegression,
    /// The environment changed (new runner type, new dependency): a boundary.
    EnvironmentChanged,
}

impl AnnotationKind {
    /// The stored spelling: `accepted_regression`, `environment_changed`.
    pub fn as_str(self) -> &'static str {
        match self {
            AnnotationKind::AcceptedRegression => "accepted_regression",
            AnnotationKind::EnvironmentChanged => "environment_changed",
        }
    }
}

impl FromStr for AnnotationKind {
    type Err = UnknownAnnotationKind;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let normal = text.trim().replace('-', "_");
        [
            AnnotationKind::AcceptedRegression,
            AnnotationKind::EnvironmentChanged,
        ]
        .into_iter()
        .find(|kind| kind.as_str() == normal)
        .ok_or_else(|| UnknownAnnotationKind(text.to_owned()))
    }
}

/// An annotation kind that is not `accepted_regression` or `environment_changed`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown annotation kind {0:?} (expected accepted-regression or environment-changed)")]
pub struct UnknownAnnotationKind(pub String);

/// An annotation to add.
#[derive(Debug, Clone, PartialEq)]
pub struct NewAnnotation {
    /// The run annotated.
    pub run: RunId,
    /// The group, or `None` for the whole run.
    pub group: Option<GroupKey>,
    /// What it says.
    pub kind: AnnotationKind,
    /// Free text from a person.
    pub note: String,
    /// When.
    pub time: jiff::Timestamp,
}

/// A stored annotation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Annotation {
    /// Its id.
    pub id: i64,
    /// The run annotated.
    pub run: RunId,
    /// The group, or `None` for the whole run.
    pub group: Option<GroupKey>,
    /// `accepted_regression` or `environment_changed`.
    pub kind: String,
    /// Free text.
    pub note: String,
    /// When (RFC 3339).
    pub time: String,
}

/// Everything stored about one run (`history show`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunDetail {
    /// The run.
    pub run: Run,
    /// Its groups, sorted.
    pub groups: Vec<GroupRecord>,
    /// Its verdicts, in report order.
    pub verdicts: Vec<VerdictRecord>,
    /// Change points found when it was gated.
    pub change_points: Vec<ChangePointRecord>,
    /// Annotations on it.
    pub annotations: Vec<Annotation>,
}

/// Which number of a group a trend follows.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub enum TrendMetric {
    /// A percentile (`p95`); one the run did not store is computed from its raw samples.
    Percentile(Percentile),
    /// The mean (`avg`).
    Mean,
    /// The largest latency (`max`).
    Max,
    /// The error rate (`error_rate`).
    ErrorRate,
}

impl fmt::Display for TrendMetric {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TrendMetric::Percentile(percentile) => percentile.fmt(formatter),
            TrendMetric::Mean => formatter.write_str("avg"),
            TrendMetric::Max => formatter.write_str("max"),
            TrendMetric::ErrorRate => formatter.write_str("error_rate"),
        }
    }
}

impl FromStr for TrendMetric {
    type Err = UnknownTrendMetric;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text.trim() {
            "avg" | "mean" => Ok(TrendMetric::Mean),
            "max" => Ok(TrendMetric::Max),
            "error_rate" => Ok(TrendMetric::ErrorRate),
            other => other
                .parse::<Percentile>()
                .map(TrendMetric::Percentile)
                .map_err(|_| UnknownTrendMetric(text.to_owned())),
        }
    }
}

/// What a history series follows: a latency statistic, a statistic of a record measure, or the
/// group's derived throughput.
///
/// Written as reports name checks (`perf_budget::Check::metric_label`): `p95`, `avg`, `max`,
/// `error_rate`; `peak_rss_mb p95`, `allocs avg`; `throughput_rps`.
///
/// ```
/// use perf_history::{HistoryMetric, TrendMetric};
///
/// let rss: HistoryMetric = "peak_rss_mb p95".parse()?;
/// assert_eq!(rss, HistoryMetric::Measure { name: "peak_rss_mb".into(), statistic: "p95".parse()? });
/// assert_eq!(rss.to_string(), "peak_rss_mb p95");
/// assert_eq!("p95".parse::<HistoryMetric>()?, HistoryMetric::Latency("p95".parse()?));
/// assert_eq!("throughput_rps".parse::<HistoryMetric>()?, HistoryMetric::Throughput);
/// assert!("peak_rss_mb error_rate".parse::<HistoryMetric>().is_err());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub enum HistoryMetric {
    /// A statistic of the latencies (or the error rate).
    Latency(TrendMetric),
    /// A statistic of one record measure; never the error rate.
    Measure {
        /// The measure (`peak_rss_mb`).
        name: String,
        /// Its statistic.
        statistic: TrendMetric,
    },
    /// Records per second over the group's time span.
    Throughput,
}

impl fmt::Display for HistoryMetric {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HistoryMetric::Latency(metric) => metric.fmt(formatter),
            HistoryMetric::Measure { name, statistic } => write!(formatter, "{name} {statistic}"),
            HistoryMetric::Throughput => formatter.write_str(perf_record::THROUGHPUT_MEASURE),
        }
    }
}

impl FromStr for HistoryMetric {
    type Err = UnknownTrendMetric;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let unknown = || UnknownTrendMetric(text.to_owned());
        let trimmed = text.trim();
        if trimmed == perf_record::THROUGHPUT_MEASURE {
            return Ok(HistoryMetric::Throughput);
        }
        match trimmed.split_once(char::is_whitespace) {
            None => trimmed.parse().map(HistoryMetric::Latency),
            Some((name, statistic)) => {
                perf_record::validate_measure_name(name).map_err(|_| unknown())?;
                let statistic: TrendMetric = statistic.parse().map_err(|_| unknown())?;
                if statistic == TrendMetric::ErrorRate {
                    return Err(unknown());
                }
                Ok(HistoryMetric::Measure {
                    name: name.to_owned(),
                    statistic,
                })
            }
        }
    }
}

/// A metric name a trend cannot follow.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown metric {0:?} (expected pNN such as p95, avg, max or error_rate; a measure and its \
     statistic such as \"peak_rss_mb p95\"; or throughput_rps)"
)]
pub struct UnknownTrendMetric(pub String);

/// One run's value in a group's series.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrendPoint {
    /// The run.
    pub run: RunId,
    /// When.
    pub time: String,
    /// Its commit.
    pub commit: Option<String>,
    /// Its environment's hash.
    pub environment: String,
    /// The metric's value (`None` when the group had no latency).
    pub value: Option<f64>,
    /// Its confidence interval, when stored.
    pub interval: Option<(f64, f64)>,
    /// Latencies behind it.
    pub sample_count: u64,
}

/// Which runs `prune` may delete.
#[derive(Debug, Clone, PartialEq)]
pub struct PrunePolicy {
    /// Keep the newest N runs.
    pub keep_runs: Option<u64>,
    /// Keep runs recorded within D days of `now`.
    pub keep_days: Option<u64>,
    /// The time the days count back from.
    pub now: jiff::Timestamp,
    /// Hashes of baselines that refer to runs beyond those the history knows of (the committed
    /// baseline file): runs whose own baseline has one of these hashes are kept.
    pub protected_baselines: Vec<String>,
}

/// What `prune` did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PruneOutcome {
    /// Runs deleted, ascending.
    pub deleted: Vec<RunId>,
    /// Runs the policy would delete but that an annotation or a baseline refers to, ascending.
    pub kept_referenced: Vec<RunId>,
    /// Runs left.
    pub remaining: u64,
}

/// The format of `history export`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    /// One JSON object per run (its detail), one per line.
    Jsonl,
    /// One row per (run, group, statistic), with a header.
    Csv,
}
