//! The report model: one value that every renderer reads.
//!
//! A [`Report`] has sections: the overall [`Verdict`], the budget [`Check`]s, the [`LintFinding`]s
//! and free-form [`Warning`]s. A later section (such as a baseline comparison) is added as a new
//! field and a new renderer function per format, without reshaping the existing ones; its verdict
//! is folded in with [`Verdict::worst`].

use perf_record::GroupKey;
use serde::{Deserialize, Serialize};

use crate::budget_file::{Metric, Pattern, Severity, Unit};

/// The `schema_version` of the JSON report this crate writes. Bumped on any incompatible change.
pub const REPORT_SCHEMA_VERSION: u32 = 1;

/// Exit code for a usage, input or configuration error (bad flags, unreadable or invalid files).
/// The CLI returns it; no [`Verdict`] maps to it.
pub const EXIT_USAGE_ERROR: u8 = 1;

/// The overall outcome of a gate run, ordered from best to worst.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// Every check passed (warnings allowed). Exit code 0.
    Pass,
    /// No violation, but a budgeted group had insufficient samples or no data. Exit code 2.
    Inconclusive,
    /// At least one violation. Exit code 3.
    Fail,
}

impl Verdict {
    /// The process exit code of the documented contract: 0 pass, 2 inconclusive, 3 fail.
    /// (1 is [`EXIT_USAGE_ERROR`].)
    pub fn exit_code(self) -> u8 {
        match self {
            Verdict::Pass => 0,
            Verdict::Inconclusive => 2,
            Verdict::Fail => 3,
        }
    }

    /// The worse of two verdicts: how sections combine into the overall verdict.
    pub fn worst(self, other: Verdict) -> Verdict {
        self.max(other)
    }

    /// The verdict that a set of checks implies.
    ///
    /// A `fail` check fails the run; an insufficient-samples or no-data check of a
    /// `severity: fail` entry makes it inconclusive; `warn` checks never change the verdict.
    pub fn of_checks(checks: &[Check]) -> Verdict {
        checks
            .iter()
            .map(Check::verdict_contribution)
            .max()
            .unwrap_or(Verdict::Pass)
    }

    /// Upper-case label used by the text and Markdown renderers.
    pub fn label(self) -> &'static str {
        match self {
            Verdict::Pass => "PASS",
            Verdict::Inconclusive => "INCONCLUSIVE",
            Verdict::Fail => "FAIL",
        }
    }
}

/// The outcome of one check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CheckStatus {
    /// A `severity: fail` limit is exceeded.
    Fail,
    /// A `severity: warn` limit is exceeded.
    Warn,
    /// The group has fewer latencies than the entry's `min_samples`.
    InsufficientSamples,
    /// The budget names a group with no data (no records, or none with a known outcome).
    NoData,
    /// The observed value is within the limit.
    Pass,
}

/// Which budget entry produced a check (wildcards as written).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct EntryRef {
    /// The entry's tool, or `*`.
    pub tool: Pattern,
    /// The entry's step, or `*`.
    pub step: Pattern,
}

/// A confidence interval of an observed value.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
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
pub struct Check {
    /// The group's tool.
    pub tool: String,
    /// The group's step.
    pub step: String,
    /// The budget entry that applied (the most specific match).
    pub entry: EntryRef,
    /// What is checked.
    pub metric: Metric,
    /// `ms` for latencies, `fraction` for `error_rate`.
    #[serde(with = "unit_name")]
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
    /// How many values the observation is based on (latencies, or known outcomes for
    /// `error_rate`).
    pub sample_count: u64,
    /// The entry's `min_samples`.
    pub min_samples: u64,
    /// Confidence interval of an observed percentile, when it exists for this sample size.
    pub confidence_interval: Option<ConfidenceInterval>,
    /// The verdict could flip inside the confidence interval (the limit lies within it).
    pub marginal: bool,
}

impl Check {
    /// `tool/step` of the group.
    pub fn group_label(&self) -> String {
        format!("{}/{}", self.tool, self.step)
    }

    /// The group's key.
    pub fn group_key(&self) -> GroupKey {
        GroupKey {
            tool: self.tool.clone(),
            step: self.step.clone(),
        }
    }

    /// What this check does to the overall verdict (see [`Verdict::of_checks`]).
    pub fn verdict_contribution(&self) -> Verdict {
        match (self.status, self.severity) {
            (CheckStatus::Fail, _) => Verdict::Fail,
            (CheckStatus::InsufficientSamples | CheckStatus::NoData, Severity::Fail) => {
                Verdict::Inconclusive
            }
            _ => Verdict::Pass,
        }
    }
}

/// Something in the budgets or the data that deserves attention but is not a check.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
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

/// A note for the reader that is neither a check nor a lint finding.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Warning {
    /// Stable machine-readable code, e.g. `unknown_outcomes`.
    pub code: String,
    /// What to tell a person.
    pub message: String,
}

/// How many checks ended in each status.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckCounts {
    /// All checks.
    pub total: u64,
    /// [`CheckStatus::Pass`].
    pub passed: u64,
    /// [`CheckStatus::Fail`].
    pub failed: u64,
    /// [`CheckStatus::Warn`].
    pub warned: u64,
    /// [`CheckStatus::InsufficientSamples`].
    pub insufficient_samples: u64,
    /// [`CheckStatus::NoData`].
    pub no_data: u64,
    /// Checks flagged marginal, whatever their status.
    pub marginal: u64,
}

impl CheckCounts {
    /// Counts `checks`.
    pub fn of(checks: &[Check]) -> CheckCounts {
        let mut counts = CheckCounts {
            total: checks.len() as u64,
            ..CheckCounts::default()
        };
        for check in checks {
            let counter = match check.status {
                CheckStatus::Pass => &mut counts.passed,
                CheckStatus::Fail => &mut counts.failed,
                CheckStatus::Warn => &mut counts.warned,
                CheckStatus::InsufficientSamples => &mut counts.insufficient_samples,
                CheckStatus::NoData => &mut counts.no_data,
            };
            *counter += 1;
            counts.marginal += u64::from(check.marginal);
        }
        counts
    }
}

/// The settings an evaluation used, recorded so a report explains its own numbers.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ReportSettings {
    /// The quantile definition used for every percentile (numpy's name, e.g. `linear`).
    pub quantile_method: perf_stats::QuantileMethod,
    /// Confidence level of the intervals.
    pub confidence_level: f64,
    /// `min_samples` of entries that do not set their own.
    pub default_min_samples: u64,
}

/// A gate report: every section, ready for any renderer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    /// [`REPORT_SCHEMA_VERSION`].
    pub schema_version: u32,
    /// The overall verdict of all sections.
    pub verdict: Verdict,
    /// What the evaluation used.
    pub settings: ReportSettings,
    /// How many checks ended in each status.
    pub counts: CheckCounts,
    /// Every check, sorted by tool, step, metric.
    pub checks: Vec<Check>,
    /// Lint findings, sorted.
    pub lint: Vec<LintFinding>,
    /// Other notes, sorted.
    pub warnings: Vec<Warning>,
    /// The baseline comparison, when the run was compared against a baseline
    /// (see [`baseline::add_to_report`](crate::baseline::add_to_report)).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub baseline: Option<crate::baseline::Comparison>,
}

impl Report {
    /// Keeps only the checks and lint findings of the tools and steps a scope keeps (the CLI's
    /// `--tools` / `--steps`), then recomputes the counts and the verdict, so entries for tools
    /// the run deliberately left out do not report "no data". A wildcard entry is always in
    /// scope; a baseline regression still fails the run.
    pub fn retain_scope(
        &mut self,
        keeps_tool: impl Fn(&str) -> bool,
        keeps_step: impl Fn(&str) -> bool,
    ) {
        let keeps_pattern = |pattern: &Pattern, keeps: &dyn Fn(&str) -> bool| match pattern {
            Pattern::Any => true,
            Pattern::Exact(name) => keeps(name),
        };
        self.checks
            .retain(|check| keeps_tool(&check.tool) && keeps_step(&check.step));
        self.lint.retain(|finding| match finding {
            LintFinding::UnusedEntry { entry, .. } => {
                keeps_pattern(&entry.tool, &keeps_tool) && keeps_pattern(&entry.step, &keeps_step)
            }
            LintFinding::UncoveredGroup { tool, step, .. }
            | LintFinding::TooFewSamples { tool, step, .. } => keeps_tool(tool) && keeps_step(step),
        });
        self.counts = CheckCounts::of(&self.checks);
        let regressed = self
            .baseline
            .as_ref()
            .is_some_and(crate::baseline::Comparison::has_regression);
        let checks_verdict = Verdict::of_checks(&self.checks);
        self.verdict = if regressed {
            checks_verdict.worst(Verdict::Fail)
        } else {
            checks_verdict
        };
    }
}

/// `Unit` as the JSON report spells it.
mod unit_name {
    use serde::{Deserialize, Deserializer, Serializer};

    use crate::budget_file::Unit;

    pub(super) fn serialize<S: Serializer>(unit: &Unit, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(match unit {
            Unit::Milliseconds => "ms",
            Unit::Fraction => "fraction",
        })
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Unit, D::Error> {
        match String::deserialize(deserializer)?.as_str() {
            "ms" => Ok(Unit::Milliseconds),
            "fraction" => Ok(Unit::Fraction),
            other => Err(serde::de::Error::custom(format!("unknown unit {other:?}"))),
        }
    }
}
