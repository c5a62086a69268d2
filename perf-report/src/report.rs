//! The report model: one value that every renderer reads, with the verdict computed once.
//!
//! A [`Report`] has sections: the budget [`Check`]s, the [`LintFinding`]s, the [`Warning`]s and
//! the optional baseline [`Comparison`]. [`Report::new`] is the only way to make one, and the
//! only place the overall [`Verdict`] and the [`CheckCounts`] are computed; the fields are
//! private, so no later step can change a section without the verdict following. A section
//! added later (trends from history, say) is a new argument of `Report::new` and a new term of
//! [`Verdict`]'s computation there, and nowhere else.

use std::collections::BTreeMap;

use perf_baseline::{Baseline, ChangeVerdict, Comparison};
use perf_record::GroupKey;

use crate::distribution::{self, GroupDistribution};
use perf_budget::{Check, CheckStatus, Evaluation, EvaluationWarning, LintFinding, Severity};
use perf_history::HistorySection;
use serde::{Deserialize, Serialize};

/// The `schema_version` of the JSON report this crate writes. Bumped on any incompatible change.
///
/// Version 2: a baseline group's `reason` is a structured object (`{"kind": "tested", "size":
/// "above_tolerance", "significant": true}`) instead of a sentence, and the `baseline` section
/// names its `quantile_method`.
///
/// Version 3: an optional `history` section (the budget entries' `trend` and `consecutive`
/// rules judged over the run history: per group the series, its change points and each rule's
/// verdict).
///
/// Version 4 (issue 19): a check's `status` may be `low_confidence`, `counts` has
/// `low_confidence`, and a check has `headroom_at_bound` (the limit minus the interval's upper
/// bound on a pass); `min_samples` is the check's own (per metric by default).
///
/// Version 5 (issue 16): a baseline group may have `measures`, one comparison per record
/// measure (`name`, `unit`, `direction`, `test`, `metric`, `verdict`, `reason`, values in the
/// measure's unit, change, interval, p-values), and a measure regression fails the run.
pub const REPORT_SCHEMA_VERSION: u32 = 5;

/// The process exit codes of the `perf-gate` command: the contract with CI, defined once.
///
/// Unknown or unexpected failures always exit with [`ExitCode::ERROR`].
#[derive(Debug)]
pub enum ExitCode {}

impl ExitCode {
    /// Every check passed (warnings allowed), or the command had nothing to judge.
    pub const PASS: u8 = 0;
    /// A usage, input or configuration error (bad flags, unreadable or invalid files).
    pub const ERROR: u8 = 1;
    /// No violation, but a budgeted group had insufficient samples or no data.
    pub const INCONCLUSIVE: u8 = 2;
    /// At least one budget violation or baseline regression.
    pub const FAIL: u8 = 3;
    /// `perf-gate lint`: the budget file is valid, but lint found something to fix.
    pub const LINT_FINDINGS: u8 = 2;
}

/// The overall outcome of a gate run, ordered from best to worst.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
pub enum Verdict {
    /// Every check passed (warnings allowed). Exit code 0.
    Pass,
    /// No violation, but a budgeted group had insufficient samples or no data, or nothing was
    /// checked at all. Exit code 2.
    Inconclusive,
    /// At least one violation or regression. Exit code 3.
    Fail,
}

impl Verdict {
    /// The process exit code of the documented contract ([`ExitCode`]).
    pub fn exit_code(self) -> u8 {
        match self {
            Verdict::Pass => ExitCode::PASS,
            Verdict::Inconclusive => ExitCode::INCONCLUSIVE,
            Verdict::Fail => ExitCode::FAIL,
        }
    }

    /// Upper-case label: `PASS`, `INCONCLUSIVE`, `FAIL`.
    pub fn label(self) -> &'static str {
        match self {
            Verdict::Pass => "PASS",
            Verdict::Inconclusive => "INCONCLUSIVE",
            Verdict::Fail => "FAIL",
        }
    }

    /// What one check does to the overall verdict: a `fail` check fails the run; an
    /// insufficient-samples, low-confidence or no-data check of a `severity: fail` entry makes it
    /// inconclusive;
    /// `warn` checks never change the verdict.
    fn of_check(check: &Check) -> Verdict {
        match (check.status, check.severity) {
            (CheckStatus::Fail, _) => Verdict::Fail,
            (
                CheckStatus::InsufficientSamples | CheckStatus::LowConfidence | CheckStatus::NoData,
                Severity::Fail,
            ) => Verdict::Inconclusive,
            _ => Verdict::Pass,
        }
    }

    /// The one computation of the overall verdict, from every section.
    fn of_sections(
        checks: &[Check],
        baseline: Option<&Comparison>,
        history: Option<&HistorySection>,
    ) -> Verdict {
        // A run that judged nothing (no check, no group compared with a baseline, no history
        // rule) has no data: a typo in `--tools`, empty budgets or empty logs must not pass.
        let compared = baseline.is_some_and(|comparison| !comparison.groups.is_empty());
        let history_judged = history
            .is_some_and(|section| section.groups.iter().any(|group| !group.rules.is_empty()));
        if checks.is_empty() && !compared && !history_judged {
            return Verdict::Inconclusive;
        }
        // A history rule that fails fails the gate; not enough history never does.
        if history.is_some_and(HistorySection::has_failure) {
            return Verdict::Fail;
        }
        let checks = checks.iter().map(Verdict::of_check);
        // A regression fails the gate; improved, unchanged and not comparable groups do not
        // change the verdict.
        let regression = baseline
            .filter(|comparison| comparison.has_regression())
            .map(|_| Verdict::Fail);
        checks.chain(regression).max().unwrap_or(Verdict::Pass)
    }
}

/// How many checks ended in each status.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
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
    /// [`CheckStatus::LowConfidence`].
    #[serde(default)]
    pub low_confidence: u64,
    /// [`CheckStatus::NoData`].
    pub no_data: u64,
    /// Checks flagged marginal, whatever their status.
    pub marginal: u64,
}

impl CheckCounts {
    fn of(checks: &[Check]) -> CheckCounts {
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
                CheckStatus::LowConfidence => &mut counts.low_confidence,
                CheckStatus::NoData => &mut counts.no_data,
            };
            *counter += 1;
            counts.marginal += u64::from(check.marginal);
        }
        counts
    }
}

/// The settings a run used, recorded so a report explains its own numbers.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
pub struct ReportSettings {
    /// The quantile definition used for every percentile, in the checks and in the baseline
    /// comparison alike (numpy's name, e.g. `linear`).
    pub quantile_method: perf_stats::QuantileMethod,
    /// Confidence level of the intervals.
    pub confidence_level: f64,
    /// `min_samples` of entries that do not set their own: the budget file's `defaults`, else
    /// 50, the floor of the per-metric automatic value (a p95 check needs 72 at 95%, a p99 368:
    /// each check states its own `min_samples`).
    pub default_min_samples: u64,
    /// Which records entered latency statistics: `ok` (successful records, the default) or
    /// `all` (every known outcome). The error rate is always over every known outcome. A
    /// report written before this setting existed reads as `ok`.
    #[serde(default)]
    pub latency_of: perf_record::LatencyOf,
}

impl ReportSettings {
    /// The settings of a run judged by `budgets` at `confidence_level`: the budget file's
    /// quantile method, default `min_samples` (else [`perf_budget::DEFAULT_MIN_SAMPLES`]) and
    /// `latency_of`.
    pub fn of_budgets(budgets: &perf_budget::Budgets, confidence_level: f64) -> ReportSettings {
        let defaults = budgets.defaults();
        ReportSettings {
            quantile_method: defaults.quantile_method,
            confidence_level,
            default_min_samples: defaults
                .min_samples
                .unwrap_or(perf_budget::DEFAULT_MIN_SAMPLES),
            latency_of: defaults.latency_of,
        }
    }
}

/// A note for the reader that is neither a check nor a lint finding, phrased.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
pub struct Warning {
    /// Stable machine-readable code, e.g. `unknown_outcomes`.
    pub code: String,
    /// What to tell a person.
    pub message: String,
}

impl Warning {
    /// The groups a probe could not load as planned because the generator itself fell behind:
    /// their numbers are not the server's, so their checks are insufficient.
    pub fn generator_bottleneck(groups: &[perf_record::GroupKey]) -> Warning {
        let names: Vec<String> = groups.iter().map(ToString::to_string).collect();
        Warning {
            code: "generator_bottleneck".to_owned(),
            message: format!(
                "the load generator could not keep up with the planned load for {}: their \
                 numbers measure the generator, not the server, so their checks are insufficient",
                names.join(", ")
            ),
        }
    }

    /// Groups whose source reported only aggregates (a k6 summary, Locust's statistics): their
    /// budgets are checked against the reported figures, and nothing that needs raw samples
    /// (intervals, significance, the baseline comparison) is computed for them.
    pub fn no_raw_samples(groups: &[perf_record::GroupKey]) -> Warning {
        let names: Vec<String> = groups.iter().map(ToString::to_string).collect();
        Warning {
            code: "no_raw_samples".to_owned(),
            message: format!(
                "n/a: the source has no raw samples for {} (only the tool's own aggregates): their \
                 budgets are checked against the reported figures, and no interval, significance \
                 or comparison is computed for them",
                names.join(", ")
            ),
        }
    }

    fn of_evaluation(warning: &EvaluationWarning) -> Warning {
        let message = match warning {
            EvaluationWarning::UnknownOutcomes { records, groups } => format!(
                "{records} record(s) in {groups} group(s) have no `ok` field: they are counted but excluded from \
                 latency statistics and error rates"
            ),
            EvaluationWarning::NothingChecked => {
                "no budget entry applies to any group in the data: nothing was checked".to_owned()
            }
            EvaluationWarning::NoThroughput { tool, step, reason } => format!(
                "{} has no throughput_rps: {reason} (it needs two records with different `ts`)",
                perf_record::GroupKey::new(tool.as_str(), step.as_str())
            ),
            // A warning added later is still shown, by its data.
            #[allow(unreachable_patterns)]
            other => format!("{other:?}"),
        };
        Warning {
            code: warning.code().to_owned(),
            message,
        }
    }
}

/// A gate report: every section, ready for any renderer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "ReportData")]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
pub struct Report {
    schema_version: u32,
    verdict: Verdict,
    settings: ReportSettings,
    counts: CheckCounts,
    checks: Vec<Check>,
    lint: Vec<LintFinding>,
    warnings: Vec<Warning>,
    #[serde(skip_serializing_if = "Option::is_none")]
    baseline: Option<Comparison>,
    /// Not part of the JSON report (see [`crate::distribution`]).
    #[serde(skip)]
    distributions: Vec<GroupDistribution>,
    #[serde(skip_serializing_if = "Option::is_none")]
    history: Option<HistorySection>,
}

impl Report {
    /// The report of a run: the evaluation's sections and the baseline comparison, if the run
    /// had one. Computes the counts and the overall verdict, once.
    pub fn new(
        settings: ReportSettings,
        evaluation: Evaluation,
        baseline: Option<Comparison>,
    ) -> Report {
        Report::new_with_history(settings, evaluation, baseline, None)
    }

    /// [`Report::new`] with the history section (the budget entries' `trend` and `consecutive`
    /// rules, judged by perf-gate over the run history), whose failures fail the verdict.
    pub fn new_with_history(
        settings: ReportSettings,
        evaluation: Evaluation,
        baseline: Option<Comparison>,
        history: Option<HistorySection>,
    ) -> Report {
        let Evaluation {
            checks,
            lint,
            warnings,
        } = evaluation;
        let mut warnings: Vec<Warning> = warnings.iter().map(Warning::of_evaluation).collect();
        warnings.sort();
        Report {
            schema_version: REPORT_SCHEMA_VERSION,
            verdict: Verdict::of_sections(&checks, baseline.as_ref(), history.as_ref()),
            settings,
            counts: CheckCounts::of(&checks),
            checks,
            lint,
            warnings,
            baseline,
            distributions: Vec::new(),
            history,
        }
    }

    /// The report with the distributions of every group of `groups` and of `baseline` (the
    /// data the run was judged on), computed here, once, with the report's quantile method.
    /// They feed the OpenMetrics summaries and the HTML charts, and never change the verdict.
    ///
    /// # Errors
    /// A latency that is not finite, or spilled samples that cannot be read back.
    pub fn with_distributions<G: perf_record::GroupData>(
        self,
        groups: &BTreeMap<GroupKey, G>,
        baseline: Option<&Baseline>,
    ) -> Result<Report, distribution::DistributionError> {
        self.with_computed_distributions(groups, baseline, BTreeMap::new())
    }

    /// [`with_distributions`](Report::with_distributions), with the latency distributions of
    /// the current groups in `computed` already computed (by [`LatencyDistribution::of`] with
    /// the report's quantile method, on the group's latencies); the other groups are loaded and
    /// computed here.
    ///
    /// [`LatencyDistribution::of`]: distribution::LatencyDistribution::of
    ///
    /// # Errors
    /// As [`with_distributions`](Report::with_distributions), `computed`'s errors included.
    pub fn with_computed_distributions<G: perf_record::GroupData>(
        mut self,
        groups: &BTreeMap<GroupKey, G>,
        baseline: Option<&Baseline>,
        computed: distribution::ComputedLatencies,
    ) -> Result<Report, distribution::DistributionError> {
        self.distributions =
            distribution::distributions(groups, baseline, self.settings.quantile_method, computed)?;
        Ok(self)
    }

    /// The report with one more warning. A warning never changes the verdict.
    pub fn with_warning(mut self, warning: Warning) -> Report {
        self.warnings.push(warning);
        self.warnings.sort();
        self
    }

    /// The overall verdict of all sections.
    pub fn verdict(&self) -> Verdict {
        self.verdict
    }

    /// What the run used.
    pub fn settings(&self) -> &ReportSettings {
        &self.settings
    }

    /// How many checks ended in each status.
    pub fn counts(&self) -> &CheckCounts {
        &self.counts
    }

    /// Every check, sorted by group and metric.
    pub fn checks(&self) -> &[Check] {
        &self.checks
    }

    /// Lint findings, sorted.
    pub fn lint(&self) -> &[LintFinding] {
        &self.lint
    }

    /// Warnings, sorted.
    pub fn warnings(&self) -> &[Warning] {
        &self.warnings
    }

    /// The baseline comparison, when the run was compared against a baseline.
    pub fn baseline(&self) -> Option<&Comparison> {
        self.baseline.as_ref()
    }

    /// Every group's distributions, sorted by group; empty unless the report was made
    /// [`with_distributions`](Report::with_distributions) (a report read from JSON has none).
    pub fn distributions(&self) -> &[GroupDistribution] {
        &self.distributions
    }

    /// What each group contributes to the verdict, by the same rule as [`Report::verdict`]
    /// restricted to the group's checks and its baseline comparison. Groups that were neither
    /// checked nor compared are absent.
    pub fn group_verdicts(&self) -> BTreeMap<GroupKey, Verdict> {
        let mut verdicts: BTreeMap<GroupKey, Verdict> = BTreeMap::new();
        for check in &self.checks {
            let verdict = verdicts.entry(check.group.clone()).or_insert(Verdict::Pass);
            *verdict = (*verdict).max(Verdict::of_check(check));
        }
        for group in self
            .baseline
            .iter()
            .flat_map(|comparison| &comparison.groups)
        {
            let verdict = verdicts.entry(group.key.clone()).or_insert(Verdict::Pass);
            let measure_regressed = group
                .measures
                .iter()
                .any(|measure| measure.verdict == ChangeVerdict::Regressed);
            if group.verdict == ChangeVerdict::Regressed || measure_regressed {
                *verdict = Verdict::Fail;
            }
        }
        verdicts
    }

    /// The history section, when the budgets have `trend` or `consecutive` rules and the run
    /// was judged with a history.
    pub fn history(&self) -> Option<&HistorySection> {
        self.history.as_ref()
    }
}

/// A report as read from JSON; the verdict and counts are recomputed from its sections, so a
/// report read back has the same invariants as one built by [`Report::new`].
#[derive(Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
struct ReportData {
    schema_version: u32,
    settings: ReportSettings,
    checks: Vec<Check>,
    lint: Vec<LintFinding>,
    warnings: Vec<Warning>,
    #[serde(default)]
    baseline: Option<Comparison>,
    #[serde(default)]
    history: Option<HistorySection>,
}

/// A JSON report whose version this crate does not read.
#[derive(Debug, thiserror::Error)]
#[error("JSON report has schema_version {found}, this perf-gate reads {REPORT_SCHEMA_VERSION}")]
pub struct SchemaVersionError {
    found: u32,
}

impl TryFrom<ReportData> for Report {
    type Error = SchemaVersionError;

    fn try_from(data: ReportData) -> Result<Self, Self::Error> {
        if data.schema_version != REPORT_SCHEMA_VERSION {
            return Err(SchemaVersionError {
                found: data.schema_version,
            });
        }
        Ok(Report {
            schema_version: data.schema_version,
            verdict: Verdict::of_sections(
                &data.checks,
                data.baseline.as_ref(),
                data.history.as_ref(),
            ),
            settings: data.settings,
            counts: CheckCounts::of(&data.checks),
            checks: data.checks,
            lint: data.lint,
            warnings: data.warnings,
            baseline: data.baseline,
            distributions: Vec::new(),
            history: data.history,
        })
    }
}
