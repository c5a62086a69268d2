//! The history section of a gate report: per group, the series the history rules looked at,
//! the change points found, and each rule's verdict, as facts with numbers.

use perf_record::GroupKey;
use serde::{Deserialize, Serialize};

use crate::{ChangeKind, Rule, RunId};

/// What the history rules of a run found (the `history` section of a report).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
pub struct HistorySection {
    /// The metric of the `trend` series (`p95`).
    pub metric: String,
    /// The magnitude floor of the change-point search: the gate's tolerance, a fraction.
    pub min_magnitude: f64,
    /// The family-wise significance level of the confirmations.
    pub alpha: f64,
    /// Every group with a history rule, sorted.
    pub groups: Vec<GroupHistory>,
}

impl HistorySection {
    /// Whether any history rule failed (the gate fails, exit code 3).
    pub fn has_failure(&self) -> bool {
        self.groups
            .iter()
            .flat_map(|group| &group.rules)
            .any(|rule| rule.status == HistoryStatus::Fail)
    }
}

/// One run's value in a group's series.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
pub struct SeriesPoint {
    /// The recorded run, or `None` for the run being gated.
    pub run: Option<RunId>,
    /// The metric's value.
    pub value: f64,
    /// The environment differs from the previous point's (a forced boundary).
    pub environment_changed: bool,
}

/// A change point of a series, as the report shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
pub struct SeriesChangePoint {
    /// Position of the first point after the change, in [`GroupHistory::series`].
    pub index: usize,
    /// The run there (`None`: the run being gated).
    pub run: Option<RunId>,
    /// What it is.
    pub kind: ChangeKind,
    /// Mean of the segment before.
    pub before: f64,
    /// Mean of the segment after.
    pub after: f64,
    /// `after / before - 1`.
    pub change: f64,
    /// The detector's t-test p-value between the two segments.
    pub p_value: f64,
    /// The one-sided Mann-Whitney p-value on the segments' raw samples, Holm-adjusted across
    /// groups; `None` when not confirmed (a forced boundary, a fall, or not the latest).
    pub confirmation_p_value: Option<f64>,
}

/// How a history rule ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
pub enum HistoryStatus {
    /// The rule holds.
    Pass,
    /// The rule is broken: the gate fails.
    Fail,
    /// Too few recorded runs to judge (never a failure).
    NotEnoughHistory,
}

/// One history rule's verdict for one group.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
pub struct HistoryRuleVerdict {
    /// `trend` or `consecutive`.
    pub rule: Rule,
    /// The metric (for `consecutive`, the breached limit's).
    pub metric: String,
    /// The outcome.
    pub status: HistoryStatus,
    /// `trend`: the latest change point's rise, a fraction (`None` when there is none);
    /// `consecutive`: how many runs in a row breached, this one included.
    pub observed: Option<f64>,
    /// `trend`: `max_change`; `consecutive`: the runs required.
    pub limit: f64,
    /// `trend`: the confirmation's adjusted p-value, when a candidate was tested.
    pub p_value: Option<f64>,
    /// Runs the rule looked at, this one included.
    pub runs: u64,
}

/// A group's history as the rules saw it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
pub struct GroupHistory {
    /// The group.
    #[serde(flatten)]
    pub group: GroupKey,
    /// The series of [`HistorySection::metric`], oldest first, the gated run last.
    pub series: Vec<SeriesPoint>,
    /// Change points found in it, in order.
    pub change_points: Vec<SeriesChangePoint>,
    /// The verdict of each rule of the group's budget entry.
    pub rules: Vec<HistoryRuleVerdict>,
}
