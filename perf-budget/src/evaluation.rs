//! What an evaluation found: checks, lint findings and warnings, as facts with their numbers.
//! Phrasing them for people is the report's job.

use perf_record::GroupKey;
use serde::{Deserialize, Serialize};

use crate::budget::{Direction, EntryRef, Metric, Severity, Unit};

/// The outcome of one check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
pub enum CheckStatus {
    /// A `severity: fail` limit is exceeded.
    Fail,
    /// A `severity: warn` limit is exceeded.
    Warn,
    /// The group has fewer latencies than the entry's `min_samples`.
    InsufficientSamples,
    /// Not enough evidence either way, so never a plain pass: a check that should have a
    /// confidence interval has none (an explicit `min_samples` let fewer values in than the
    /// percentile's interval needs), or an error rate is over its limit while its interval still
    /// reaches down to the limit. Inconclusive like [`CheckStatus::InsufficientSamples`] (exit 2
    /// at `severity: fail`, a warning at `warn`).
    LowConfidence,
    /// The budget names a group with no data (no records, or none with a known outcome).
    NoData,
    /// The observed value is within the limit.
    Pass,
}

/// A confidence interval of an observed value.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
pub struct ConfidenceInterval {
    /// Lower bound.
    pub low: f64,
    /// Upper bound.
    pub high: f64,
    /// Confidence level, e.g. `0.95`.
    pub level: f64,
}

/// One (tool, step, metric) check against its limit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
pub struct Check {
    /// The group (`tool` and `step` in JSON).
    #[serde(flatten)]
    pub group: GroupKey,
    /// The budget entry that applied (the most specific match).
    pub entry: EntryRef,
    /// What is checked: the statistic (of the latencies, or of [`Check::measure`]).
    pub metric: Metric,
    /// The record measure checked (`peak_rss_mb`), absent for a latency or error-rate check.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub measure: Option<CheckMeasure>,
    /// `ms` for latencies, `fraction` for `error_rate`, `measure` for a measure (its unit is
    /// [`CheckMeasure::unit`]).
    #[serde(with = "unit_name")]
    #[cfg_attr(feature = "schemars", schemars(with = "unit_name::UnitName"))]
    pub unit: Unit,
    /// The outcome.
    pub status: CheckStatus,
    /// The entry's severity.
    pub severity: Severity,
    /// The observed value; `None` when there is no data to compute it from.
    pub observed: Option<f64>,
    /// The limit (`observed <= limit` passes).
    pub limit: f64,
    /// `observed - limit` (negative when within the limit).
    pub difference: Option<f64>,
    /// `(observed - limit) / limit`; `None` when the limit is 0 or nothing was observed.
    pub relative_difference: Option<f64>,
    /// `limit - observed` on a pass.
    pub headroom: Option<f64>,
    /// `limit - upper bound of the confidence interval` on a pass with an interval: how much room
    /// is left at the interval's pessimistic end (negative when the limit lies inside it).
    #[serde(default)]
    pub headroom_at_bound: Option<f64>,
    /// How many values the observation is based on (latencies, or known outcomes for
    /// `error_rate`).
    pub sample_count: u64,
    /// The `min_samples` of this check: the budget file's, else the metric's automatic one
    /// ([`automatic_min_samples`](crate::automatic_min_samples)).
    pub min_samples: u64,
    /// Confidence interval of the observed value (percentile: order statistics; mean: bootstrap-t
    /// up to 2,000 values, Student's t beyond; error rate: Wilson with continuity correction),
    /// when it exists for this sample size.
    pub confidence_interval: Option<ConfidenceInterval>,
    /// The verdict could flip inside the confidence interval (the limit lies within it).
    pub marginal: bool,
}

/// The record measure a check is about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
pub struct CheckMeasure {
    /// Its name (`peak_rss_mb`).
    pub name: String,
    /// The unit its name says, as reports write it (`MiB`, `ms`; empty for a count): see
    /// [`perf_record::MeasureUnit::symbol`].
    pub unit: String,
    /// Which way it gets worse: with `higher_is_better` a check passes when
    /// `observed >= limit`, and `headroom` is `observed - limit`.
    pub direction: Direction,
}

impl Check {
    /// What the check is about, as reports name it: the metric (`p95`, `error_rate`), or the
    /// measure and its statistic (`peak_rss_mb max`).
    pub fn metric_label(&self) -> String {
        match &self.measure {
            Some(measure) => format!("{} {}", measure.name, self.metric),
            None => self.metric.to_string(),
        }
    }
}

/// Something the evaluation noticed that is neither a check nor a lint finding.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(tag = "code", rename_all = "snake_case")]
#[non_exhaustive]
pub enum EvaluationWarning {
    /// Records without an `ok` field: counted, but excluded from latency statistics and error
    /// rates.
    UnknownOutcomes {
        /// How many such records.
        records: u64,
        /// In how many groups.
        groups: u64,
    },
    /// No budget entry applies to any group in the data: nothing was checked.
    NothingChecked,
    /// A group whose `throughput_rps` is limited has no throughput (its checks are no data).
    NoThroughput {
        /// The group's tool.
        tool: String,
        /// The group's step.
        step: String,
        /// Why: too few records, or every record at the same instant.
        reason: perf_record::NoThroughput,
    },
}

impl EvaluationWarning {
    /// The stable machine-readable code, e.g. `unknown_outcomes`.
    pub fn code(&self) -> &'static str {
        match self {
            EvaluationWarning::UnknownOutcomes { .. } => "unknown_outcomes",
            EvaluationWarning::NothingChecked => "nothing_checked",
            EvaluationWarning::NoThroughput { .. } => "no_throughput",
        }
    }
}

/// Something in the budgets or the data that deserves attention but is not a check.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
pub enum LintFinding {
    /// A budget entry that no group used: its step no longer exists, or more specific entries
    /// always win over it.
    UnusedEntry {
        /// The entry, wildcards as written.
        entry: EntryRef,
        /// Groups it matched but lost to a more specific entry.
        shadowed_groups: u64,
    },
    /// A group in the data that no budget entry covers: nothing checks it.
    UncoveredGroup {
        /// The group's tool.
        tool: String,
        /// The group's step.
        step: String,
        /// Its latencies (known outcomes).
        sample_count: u64,
    },
    /// A less specific entry limits metrics that the entries winning over it do not, so those
    /// limits do not apply to the groups they win (entries replace, never merge). Copy the
    /// metrics into the winners if they should apply.
    ShadowedMetrics {
        /// The less specific entry whose limits were lost.
        shadowed: EntryRef,
        /// The metrics it limits that the winners lack.
        metrics: Vec<crate::Metric>,
        /// The measure limits it sets that the winners lack, as
        /// [`Check::metric_label`] spells them (`peak_rss_mb max`).
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        measures: Vec<String>,
        /// The more specific entries that won without those metrics, sorted.
        winners: Vec<EntryRef>,
        /// Groups the limits did not reach.
        groups: u64,
    },
    /// Two equally specific entries (globs with as many literal characters) both match some
    /// groups; the first in file order (sorted by key) wins, which is rarely what was meant.
    AmbiguousEntries {
        /// The entry that won.
        winner: EntryRef,
        /// The equally specific entry that lost.
        other: EntryRef,
        /// Groups both match.
        groups: u64,
    },
    /// An entry limits a record measure that none of the groups it applies to carries: a typo,
    /// or a measure the source no longer writes. Its checks are no data.
    UnknownMeasure {
        /// The entry.
        entry: EntryRef,
        /// The measure it names.
        measure: String,
        /// The nearest measure the data has, when one is close.
        did_you_mean: Option<String>,
    },
    /// A budgeted group with fewer latencies than its entry's `min_samples`.
    TooFewSamples {
        /// The group's tool.
        tool: String,
        /// The group's step.
        step: String,
        /// The entry that applies.
        entry: EntryRef,
        /// Its latencies (known outcomes).
        sample_count: u64,
        /// The entry's `min_samples`.
        min_samples: u64,
    },
}

/// Everything [`evaluate`](crate::evaluate) found.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Evaluation {
    /// Every check, sorted by group and metric.
    pub checks: Vec<Check>,
    /// Lint findings, sorted.
    pub lint: Vec<LintFinding>,
    /// Warnings, sorted.
    pub warnings: Vec<EvaluationWarning>,
}

/// `Unit` as the JSON report spells it.
mod unit_name {
    use serde::{Deserialize, Deserializer, Serializer};

    use crate::budget::Unit;

    /// The JSON spelling of a [`Unit`], for the schema.
    #[cfg(feature = "schemars")]
    #[derive(schemars::JsonSchema)]
    #[serde(rename_all = "snake_case")]
    #[allow(dead_code)]
    pub(super) enum UnitName {
        /// Milliseconds.
        Ms,
        /// A fraction in 0..=1.
        Fraction,
        /// A record measure, in the unit of the check's `measure`.
        Measure,
    }

    pub(super) fn serialize<S: Serializer>(unit: &Unit, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(match unit {
            Unit::Milliseconds => "ms",
            Unit::Fraction => "fraction",
            Unit::Measure => "measure",
        })
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Unit, D::Error> {
        match String::deserialize(deserializer)?.as_str() {
            "ms" => Ok(Unit::Milliseconds),
            "fraction" => Ok(Unit::Fraction),
            "measure" => Ok(Unit::Measure),
            other => Err(serde::de::Error::custom(format!("unknown unit {other:?}"))),
        }
    }
}
