//! The perf-gate gate as a library: from logs to a [`Report`] in one straight line.
//!
//! [`read_groups`] reads the logs once (optionally keeping every record for `latest.jsonl` in the
//! same pass), [`gate`] scopes the budgets, evaluates them, compares with the baseline and builds
//! the report, whose [`Verdict`](perf_report::Verdict) maps to the exit code. This crate is the
//! one place where budgets meet baselines: a budget entry's `regression` rule sets its group's
//! tolerance (for its latency and its measures), a measure's `"direction"` which way the
//! comparison judges that measure, its `min_samples` how many latencies each side of the
//! comparison needs, and the
//! budget file's `defaults.quantile_method` is the one quantile definition of the whole run, in the
//! checks and in the comparison alike. [`ratchet`] proposes tighter budgets from a baseline.
//!
//! It is not for command lines, terminals or environment variables (`perf-gate-cli`), nor for
//! formats: render the report with `perf_report::render`. Programs that want the gate's answer
//! in-process (xtask, a test, the probe, `perf-gate run`'s commands) call these functions directly.
//!
//! ```
//! use std::collections::BTreeMap;
//! use perf_gate::{ComparisonSettings, GateConfig, Scope, gate};
//! use perf_record::{GroupKey, GroupSamples, OutcomeCounts};
//! use perf_report::Verdict;
//!
//! let budgets = perf_budget::parse_budgets(r#"{ "api": { "get": { "p95": 50, "min_samples": 3 } } }"#)?;
//! let samples = GroupSamples {
//!     counts: OutcomeCounts { ok: 4, errors: 0, unknown: 0 },
//!     latencies_ms: vec![10.0, 12.0, 11.0, 60.0],
//!     ..Default::default()
//! };
//! let groups = BTreeMap::from([(GroupKey::new("api", "get"), samples)]);
//! let report = gate(&budgets, None, &groups, &GateConfig::default())?;
//! assert_eq!(report.verdict(), Verdict::Fail);
//! assert_eq!(report.verdict().exit_code(), 3);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod history;
mod history_rules;
mod import;
mod probe;
mod ratchet;
mod run;

use std::collections::BTreeMap;

use camino::Utf8PathBuf;
use perf_baseline::{Baseline, BaselineError, BuildConfig, CompareConfig, Comparison, Fingerprint};
use perf_budget::{Budgets, EvaluateConfig, EvaluateError, Evaluation, LintFinding};
use perf_collect::{
    Aggregation, CollectConfig, CollectError, CollectingSink, Collection, Filter, GroupBy,
    GroupingSink, ScanReport, SortConfig, StoredAggregation,
};
use perf_record::{
    Direction, GroupData, GroupKey, GroupSamples, LatencyOf, LatencyOfView, ReportedStatistics,
    StoredGroup, latency_of_view,
};
use perf_report::{Report, ReportSettings};
use perf_stats::{Percentile, QuantileMethod};

pub use history::{Provenance, RecordHistoryError, record_gate_run, record_run};
pub use import::{ImportGroupsError, Imported, import_groups};
pub use probe::{Probed, probe};
pub use ratchet::{RatchetChange, RatchetConfig, RatchetError, RatchetProposal, ratchet};
pub use run::{Ran, run_plan};

/// Which tools and steps a run is about (the CLI's `--tools` / `--steps`): exact names or globs.
/// Empty means everything.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Scope {
    /// Tool names or globs.
    pub tools: Vec<String>,
    /// Step names or globs.
    pub steps: Vec<String>,
}

impl Scope {
    fn is_everything(&self) -> bool {
        self.tools.is_empty() && self.steps.is_empty()
    }
}

/// How to compare with a baseline.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ComparisonSettings {
    /// The percentile compared (default p95).
    pub metric: Percentile,
    /// The relative change that is not yet a regression, as a fraction (default 0.05). A budget
    /// entry's `regression` rule replaces it for the groups the entry covers.
    pub tolerance: f64,
    /// Family-wise significance level across every group compared (default 0.05).
    pub alpha: f64,
}

impl Default for ComparisonSettings {
    fn default() -> Self {
        let defaults = CompareConfig::default();
        ComparisonSettings {
            metric: defaults.metric,
            tolerance: defaults.tolerance,
            alpha: defaults.alpha,
        }
    }
}

/// How to run the gate.
#[derive(Debug, Clone, PartialEq)]
pub struct GateConfig {
    /// Confidence level of every interval (default 0.95).
    pub confidence_level: f64,
    /// The baseline comparison's settings.
    pub comparison: ComparisonSettings,
    /// The tools and steps the run is about: budget entries outside it are not checked.
    pub scope: Scope,
    /// Whether the report carries the latency distributions
    /// ([`Report::with_distributions`]: what the OpenMetrics and HTML renderers draw and sum;
    /// default true). They sort every group's latencies, so a run that renders neither format
    /// leaves them out; nothing else in the report depends on them.
    pub distributions: bool,
}

impl Default for GateConfig {
    fn default() -> Self {
        GateConfig {
            confidence_level: 0.95,
            comparison: ComparisonSettings::default(),
            scope: Scope::default(),
            distributions: true,
        }
    }
}

/// Why the gate could not give a verdict.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum GateError {
    /// A `--tools` / `--steps` pattern is not a valid glob.
    #[error("invalid scope")]
    Scope(#[source] CollectError),
    /// The budgets could not be evaluated.
    #[error("cannot evaluate the budgets")]
    Evaluate(#[source] EvaluateError),
    /// The baseline could not be built or compared.
    #[error("cannot compare with the baseline")]
    Baseline(#[source] BaselineError),
    /// The distributions of the report's charts and exports could not be computed.
    #[error("cannot compute the latency distributions")]
    Distribution(#[source] perf_report::distribution::DistributionError),
    /// A group's samples, spilled to disk beyond the memory limit, could not be read back.
    #[error("{group}: cannot read the group's samples")]
    Load {
        /// The group.
        group: GroupKey,
        /// What went wrong.
        #[source]
        source: perf_record::LoadError,
    },
    /// The history the budgets' `trend` / `consecutive` rules need could not be read.
    #[error("cannot read the run history")]
    History(#[source] perf_history::HistoryError),
    /// A group's series could not be searched for change points.
    #[error("{group}: cannot search the history for change points")]
    ChangePoints {
        /// The group.
        group: GroupKey,
        /// What perf-stats said.
        #[source]
        source: perf_stats::StatsError,
    },
}

/// The environment of this run, as baselines record it (with this perf-gate's version).
pub fn current_fingerprint() -> Fingerprint {
    Fingerprint::current(env!("CARGO_PKG_VERSION"))
}

/// The (tool, step) groups of the logs, with the accounting of every line: in memory
/// ([`read_groups`]), or as [`StoredGroup`]s whose samples may wait in spill files
/// ([`read_groups_within`]).
#[derive(Debug)]
pub struct Groups<G = GroupSamples> {
    /// Every group with at least one accepted record.
    pub groups: BTreeMap<GroupKey, G>,
    /// Lines, rejections and problems, per file and in total.
    pub report: ScanReport,
}

/// Reads the (tool, step) groups of the logs under `roots`, in one parallel pass.
///
/// # Errors
/// As [`perf_collect::scan`].
pub fn read_groups(roots: &[Utf8PathBuf], config: &CollectConfig) -> Result<Groups, CollectError> {
    let Aggregation { groups, report } = perf_collect::aggregate(roots, config, GroupBy::ToolStep)?;
    Ok(Groups {
        groups: perf_collect::into_tool_step_groups(groups),
        report,
    })
}

/// [`read_groups`] within a memory limit for the samples (`memory.memory_limit`, by default
/// [`perf_collect::DEFAULT_SAMPLE_MEMORY_LIMIT`]): beyond it, whole work units' samples wait in
/// a temporary directory (see [`perf_collect::aggregate_within`]) and every judge of this crate
/// loads one group at a time, with exactly the results of the in-memory path.
///
/// # Errors
/// As [`perf_collect::scan`].
pub fn read_groups_within(
    roots: &[Utf8PathBuf],
    config: &CollectConfig,
    memory: &SortConfig,
) -> Result<Groups<StoredGroup>, CollectError> {
    let StoredAggregation { groups, report } =
        perf_collect::aggregate_within(roots, config, GroupBy::ToolStep, memory)?;
    Ok(Groups {
        groups: perf_collect::into_tool_step_groups(groups),
        report,
    })
}

/// Reads the (tool, step) groups and every record of the logs under `roots`, in the same single
/// pass (what `gate --write-latest` needs): each work unit feeds a grouping sink and a collecting
/// sink at once. The records are sorted within `sort`'s memory limit, spilling sorted runs
/// beyond it, as `collect` does; the samples are kept within `samples`' limit, as
/// [`read_groups_within`] keeps them.
///
/// # Errors
/// As [`perf_collect::scan`].
pub fn read_groups_and_records(
    roots: &[Utf8PathBuf],
    config: &CollectConfig,
    sort: &SortConfig,
    samples: &SortConfig,
) -> Result<(BTreeMap<GroupKey, StoredGroup>, Collection), CollectError> {
    let area = std::sync::Arc::new(perf_collect::SpillArea::new(sort));
    let sample_area = std::sync::Arc::new(perf_collect::SampleArea::new(samples));
    let scan = perf_collect::scan(roots, config, || {
        (
            GroupingSink::spilling(GroupBy::ToolStep, &sample_area),
            CollectingSink::spilling(&area),
        )
    })?;
    let (grouping, collecting): (Vec<GroupingSink>, Vec<CollectingSink>) =
        scan.sinks.into_iter().unzip();
    let groups = perf_collect::into_tool_step_groups(perf_collect::merge_groups(grouping));
    let collection = Collection::from_scan(perf_collect::Scan {
        sinks: collecting,
        report: scan.report,
    });
    Ok((groups, collection))
}

/// The per-group tolerances that budget entries' `regression` rules set: for each group of
/// either side, the rule of the most specific budget entry that covers it, when that entry has
/// one.
pub fn regression_tolerances<G>(
    budgets: &Budgets,
    baseline: &Baseline,
    current: &BTreeMap<GroupKey, G>,
) -> BTreeMap<GroupKey, f64> {
    let baseline_keys = baseline
        .groups()
        .iter()
        .map(perf_baseline::BaselineGroup::key);
    let current_keys = current.keys().cloned();
    baseline_keys
        .chain(current_keys)
        .filter_map(|key| {
            let rule = budgets.resolve(&key)?.regression?;
            Some((key, rule.max_increase()))
        })
        .collect()
}

/// Which way each record measure gets worse, per group: the `"direction"` the most specific budget
/// entry covering the group declares for it (groups of either side; a measure no entry names is
/// higher-is-worse, and is left out).
pub fn measure_directions<G>(
    budgets: &Budgets,
    baseline: &Baseline,
    current: &BTreeMap<GroupKey, G>,
) -> BTreeMap<GroupKey, BTreeMap<String, Direction>> {
    let baseline_keys = baseline
        .groups()
        .iter()
        .map(perf_baseline::BaselineGroup::key);
    baseline_keys
        .chain(current.keys().cloned())
        .filter_map(|key| {
            let directions: BTreeMap<String, Direction> = budgets
                .resolve(&key)?
                .measures
                .iter()
                .map(|measure| (measure.name.clone(), measure.direction))
                .collect();
            (!directions.is_empty()).then_some((key, directions))
        })
        .collect()
}

/// The whole gate: scope the budgets, evaluate them, compare with the baseline when there is
/// one, and build the report (whose verdict is computed there, once).
///
/// # Errors
/// An invalid scope pattern, groups whose statistics cannot be computed, or an invalid
/// comparison setting.
pub fn gate<G: GroupData>(
    budgets: &Budgets,
    baseline: Option<&Baseline>,
    groups: &BTreeMap<GroupKey, G>,
    config: &GateConfig,
) -> Result<Report, GateError> {
    judge(
        budgets,
        baseline,
        groups,
        &BTreeMap::new(),
        config,
        &[],
        None,
    )
}

/// [`gate`] with the figures sources reported for groups they kept no raw samples of
/// (`--from k6-summary`, Locust's statistics): their budgets are checked against those
/// figures, with no interval and no comparison, and the report names them ("n/a: the source
/// has no raw samples").
///
/// # Errors
/// As [`gate`].
pub fn gate_with_reported<G: GroupData>(
    budgets: &Budgets,
    baseline: Option<&Baseline>,
    groups: &BTreeMap<GroupKey, G>,
    reported: &BTreeMap<GroupKey, ReportedStatistics>,
    config: &GateConfig,
) -> Result<Report, GateError> {
    let report = judge(budgets, baseline, groups, reported, config, &[], None)?;
    Ok(note_missing_raw_samples(report, groups, reported))
}

/// [`gate_with_reported`] with the budget entries' history rules judged over `history`
/// (`"trend"`: the latest change point of the compared percentile's series within the window, a
/// confirmed rise beyond `max_change`, fails; `"consecutive"`: a limit breach fails only when the
/// last N runs all breached it, else it is a warning). The current run is not in the history yet:
/// record it after the report is final ([`record_gate_run`]).
///
/// # Errors
/// As [`gate`], and a history that cannot be read.
pub fn gate_with_history<G: GroupData>(
    budgets: &Budgets,
    baseline: Option<&Baseline>,
    groups: &BTreeMap<GroupKey, G>,
    reported: &BTreeMap<GroupKey, ReportedStatistics>,
    config: &GateConfig,
    history: &mut perf_history::HistoryStore,
) -> Result<Report, GateError> {
    let report = judge(
        budgets,
        baseline,
        groups,
        reported,
        config,
        &[],
        Some(history),
    )?;
    Ok(note_missing_raw_samples(report, groups, reported))
}

/// The gate's one line: scope, evaluate, mark the `untrusted` groups' checks insufficient,
/// compare, build the report.
fn judge<G: GroupData>(
    budgets: &Budgets,
    baseline: Option<&Baseline>,
    groups: &BTreeMap<GroupKey, G>,
    reported: &BTreeMap<GroupKey, ReportedStatistics>,
    config: &GateConfig,
    untrusted: &[GroupKey],
    history: Option<&mut perf_history::HistoryStore>,
) -> Result<Report, GateError> {
    let budgets = scoped(budgets, &config.scope)?;
    match budgets.defaults().latency_of {
        LatencyOf::Ok => judge_scoped(
            &budgets, baseline, groups, reported, config, untrusted, history,
        ),
        LatencyOf::All => {
            // A view per group, loaded (and its error latencies appended) one group at a time.
            let every_outcome: BTreeMap<GroupKey, LatencyOfView<'_, G>> = groups
                .iter()
                .map(|(key, group)| (key.clone(), latency_of_view(group, LatencyOf::All)))
                .collect();
            judge_scoped(
                &budgets,
                baseline,
                &every_outcome,
                reported,
                config,
                untrusted,
                history,
            )
        }
    }
}

/// [`judge`] with the budgets scoped and the groups in the budgets' `latency_of` view.
fn judge_scoped<G: GroupData>(
    budgets: &Budgets,
    baseline: Option<&Baseline>,
    groups: &BTreeMap<GroupKey, G>,
    reported: &BTreeMap<GroupKey, ReportedStatistics>,
    config: &GateConfig,
    untrusted: &[GroupKey],
    history: Option<&mut perf_history::HistoryStore>,
) -> Result<Report, GateError> {
    let method = budgets.defaults().quantile_method;
    let evaluate_config = EvaluateConfig {
        confidence_level: config.confidence_level,
        quantile_method: method,
    };
    // The evaluation and the comparison are independent: they run side by side, each loading
    // one group at a time. The comparison sorts each group's latencies as it loads it, in
    // parallel within a large group ([`Sorted`]), so that its own sort finds sorted input and
    // costs one linear pass. The checks, the distributions and the history rules keep source
    // order, so their sums (means) are exactly those of a run without a baseline.
    let evaluate =
        || perf_budget::evaluate_with_reported(budgets, groups, reported, &evaluate_config);
    // With a baseline, the comparison loads and sorts every current group, and the report's
    // distributions of each group are computed from that sorted sample while it is loaded, so
    // that no group is loaded and sorted twice.
    let distributions_method = config.distributions.then_some(method);
    let views = sorted_views(groups, distributions_method);
    let compare = || {
        baseline
            .map(|baseline| {
                let compare = CompareConfig {
                    min_samples: budgets
                        .defaults()
                        .min_samples
                        .unwrap_or(perf_budget::DEFAULT_MIN_SAMPLES),
                    tolerance_overrides: regression_tolerances(budgets, baseline, groups),
                    measure_directions: measure_directions(budgets, baseline, groups),
                    ..compare_config(&config.comparison, method)
                };
                compare_with(baseline, &views, &compare)
            })
            .transpose()
    };
    // Samples that went to disk (beyond the memory limit): one judge after the other, so that
    // only one of them holds a loaded group (and its copies) at a time.
    let (evaluation, comparison) = if groups.values().any(GroupData::is_spilled) {
        (evaluate(), compare())
    } else {
        rayon::join(evaluate, compare)
    };
    // An evaluation error first, as when they ran one after the other.
    let mut evaluation = evaluation.map_err(GateError::Evaluate)?;
    let comparison = comparison?;
    for check in &mut evaluation.checks {
        if untrusted.contains(&check.group) && check.observed.is_some() {
            check.status = perf_budget::CheckStatus::InsufficientSamples;
            check.headroom = None;
            check.marginal = false;
        }
    }
    let history = history
        .map(|store| {
            history_rules::judge_history(
                store,
                budgets,
                groups,
                &mut evaluation.checks,
                &config.comparison,
                method,
            )
        })
        .transpose()?
        .flatten();
    let settings = ReportSettings::of_budgets(budgets, config.confidence_level);
    let report = Report::new_with_history(settings, evaluation, comparison, history);
    if config.distributions {
        report
            .with_computed_distributions(groups, baseline, computed_distributions(views))
            .map_err(GateError::Distribution)
    } else {
        Ok(report)
    }
}

/// A group whose latencies come sorted when it is loaded (in parallel within a large group),
/// unless one is not a finite non-negative number: then they come as they are, so that the
/// comparison sees, and names, the bad value exactly as it would in the unsorted samples.
///
/// With a quantile method for the distributions, loading also computes the group's latency
/// distribution ([`perf_report::distribution::LatencyDistribution::of`]) from the latencies it
/// returns (sorted, or as they are), and keeps it (a few kilobytes) for the report.
struct Sorted<'a, G> {
    group: &'a G,
    /// Whether a large group is sorted in parallel.
    parallel: bool,
    /// The quantile method of the distributions to compute, if any.
    distributions: Option<QuantileMethod>,
    distribution: std::sync::OnceLock<LatencyResult>,
}

/// A group's latency distribution, or why it has none.
type LatencyResult = perf_report::distribution::ComputedLatency;

fn sorted_views<G: GroupData>(
    groups: &BTreeMap<GroupKey, G>,
    distributions: Option<QuantileMethod>,
) -> BTreeMap<GroupKey, Sorted<'_, G>> {
    let parallel = groups.len() < rayon::current_num_threads();
    groups
        .iter()
        .map(|(key, group)| {
            let view = Sorted {
                group,
                parallel,
                distributions,
                distribution: std::sync::OnceLock::new(),
            };
            (key.clone(), view)
        })
        .collect()
}

impl<G: GroupData> GroupData for Sorted<'_, G> {
    fn counts(&self) -> perf_record::OutcomeCounts {
        self.group.counts()
    }

    fn span(&self) -> Option<perf_record::TimeSpan> {
        self.group.span()
    }

    fn latency_count(&self) -> usize {
        self.group.latency_count()
    }

    fn error_latency_count(&self) -> usize {
        self.group.error_latency_count()
    }

    fn measure_names(&self) -> Vec<&str> {
        self.group.measure_names()
    }

    fn is_spilled(&self) -> bool {
        self.group.is_spilled()
    }

    fn samples(&self) -> Result<std::borrow::Cow<'_, GroupSamples>, perf_record::LoadError> {
        use rayon::prelude::*;
        const PARALLEL_SORT_SAMPLES: usize = 1 << 16;
        let samples = self.group.samples()?;
        if !perf_stats::all_values(&samples.latencies_ms, |ms| ms.is_finite() && ms >= 0.0) {
            self.note_distribution(&samples.latencies_ms);
            return Ok(samples);
        }
        let mut samples = samples.into_owned();
        let latencies = std::mem::take(&mut samples.latencies_ms);
        // In parallel only when the groups are fewer than the threads: the groups are judged in
        // parallel, and a worker that waits on a parallel sort may start another group, which
        // would hold more than one loaded group per thread.
        samples.latencies_ms = if self.parallel && latencies.len() >= PARALLEL_SORT_SAMPLES {
            perf_stats::sorted_total_with(latencies, |keys| keys.par_sort_unstable())
        } else {
            perf_stats::sorted_total(latencies)
        };
        self.note_distribution(&samples.latencies_ms);
        Ok(std::borrow::Cow::Owned(samples))
    }
}

/// The distributions the views computed while they were loaded, for
/// [`Report::with_computed_distributions`] (which computes the others).
fn computed_distributions<G>(
    views: BTreeMap<GroupKey, Sorted<'_, G>>,
) -> perf_report::distribution::ComputedLatencies {
    views
        .into_iter()
        .filter_map(|(key, view)| Some((key, view.distribution.into_inner()?)))
        .collect()
}

impl<G> Sorted<'_, G> {
    fn note_distribution(&self, latencies_ms: &[f64]) {
        if let Some(method) = self.distributions {
            self.distribution.get_or_init(|| {
                perf_report::distribution::LatencyDistribution::of(latencies_ms, method)
            });
        }
    }
}

/// [`gate`] over what a probe measured: a group whose load the generator could not keep up with
/// is judged insufficient (exit 2, "the numbers are not the server's"), never passed or failed,
/// and the report says which groups and why. Groups of aggregate-only sources read beside the
/// probe (`reported`) are judged as [`gate_with_reported`] does.
///
/// # Errors
/// As [`gate`].
pub fn gate_probed(
    budgets: &Budgets,
    baseline: Option<&Baseline>,
    probed: &Probed,
    reported: &BTreeMap<GroupKey, ReportedStatistics>,
    config: &GateConfig,
) -> Result<Report, GateError> {
    let bottlenecks = probed.outcome.bottleneck_groups();
    let report = judge(
        budgets,
        baseline,
        &probed.groups,
        reported,
        config,
        &bottlenecks,
        None,
    )?;
    let report = note_missing_raw_samples(report, &probed.groups, reported);
    Ok(if bottlenecks.is_empty() {
        report
    } else {
        report.with_warning(perf_report::Warning::generator_bottleneck(&bottlenecks))
    })
}

/// `report` with the "n/a: the source has no raw samples" warning naming the groups known only by
/// what a source reported (in `reported`, without raw samples in `groups`), when there are any.
pub fn note_missing_raw_samples<G>(
    report: Report,
    groups: &BTreeMap<GroupKey, G>,
    reported: &BTreeMap<GroupKey, ReportedStatistics>,
) -> Report {
    let without: Vec<GroupKey> = reported
        .keys()
        .filter(|key| !groups.contains_key(*key))
        .cloned()
        .collect();
    if without.is_empty() {
        report
    } else {
        report.with_warning(perf_report::Warning::no_raw_samples(&without))
    }
}

/// A report with only the baseline section (`perf-gate baseline compare`): no budgets, so the
/// comparison uses the default quantile method and `min_samples`, and the report says so.
///
/// # Errors
/// An invalid comparison setting or current data that cannot be compared.
pub fn compare_only<G: GroupData>(
    baseline: &Baseline,
    groups: &BTreeMap<GroupKey, G>,
    settings: &ComparisonSettings,
) -> Result<Report, GateError> {
    let method = QuantileMethod::default();
    let compare = compare_config(settings, method);
    let report_settings = ReportSettings {
        quantile_method: method,
        confidence_level: 0.95,
        default_min_samples: compare.min_samples,
        latency_of: Default::default(),
    };
    // The distributions come from the samples the comparison loads and sorts, as in the gate.
    let views = sorted_views(groups, Some(method));
    let comparison = compare_with(baseline, &views, &compare)?;
    Report::new(report_settings, Evaluation::default(), Some(comparison))
        .with_computed_distributions(groups, Some(baseline), computed_distributions(views))
        .map_err(GateError::Distribution)
}

/// Lint findings of the budgets in scope against the groups (`perf-gate lint`).
///
/// # Errors
/// An invalid scope pattern.
pub fn lint<G: GroupData>(
    budgets: &Budgets,
    groups: &BTreeMap<GroupKey, G>,
    scope: &Scope,
) -> Result<Vec<LintFinding>, GateError> {
    Ok(perf_budget::lint(&scoped(budgets, scope)?, groups))
}

/// A baseline of `groups`, fingerprinted with this machine, without a creation time (so the same
/// logs always give the same file, which keeps diffs reviewable).
///
/// # Errors
/// Latencies a baseline cannot hold (negative, not finite).
pub fn build_baseline<G: GroupData>(groups: &BTreeMap<GroupKey, G>) -> Result<Baseline, GateError> {
    build_baseline_with(groups, QuantileMethod::default())
}

/// [`build_baseline`] with the exact percentiles computed by `method`: a run judged with a budget
/// file's `defaults.quantile_method` keeps its exact percentiles usable by later comparisons of
/// the same budgets (a comparison reads stored exact percentiles only when the methods agree).
///
/// # Errors
/// As [`build_baseline`].
pub fn build_baseline_with<G: GroupData>(
    groups: &BTreeMap<GroupKey, G>,
    method: QuantileMethod,
) -> Result<Baseline, GateError> {
    let config = BuildConfig {
        fingerprint: current_fingerprint(),
        created_at: None,
        max_points: perf_baseline::DEFAULT_MAX_POINTS,
        quantile_method: method,
    };
    perf_baseline::build(groups, &config).map_err(GateError::Baseline)
}

fn compare_config(settings: &ComparisonSettings, method: QuantileMethod) -> CompareConfig {
    CompareConfig {
        metric: settings.metric,
        tolerance: settings.tolerance,
        alpha: settings.alpha,
        quantile_method: method,
        ..CompareConfig::default()
    }
}

fn compare_with<G: GroupData>(
    baseline: &Baseline,
    groups: &BTreeMap<GroupKey, G>,
    config: &CompareConfig,
) -> Result<Comparison, GateError> {
    perf_baseline::compare(baseline, groups, &current_fingerprint(), config)
        .map_err(GateError::Baseline)
}

fn scoped(budgets: &Budgets, scope: &Scope) -> Result<Budgets, GateError> {
    if scope.is_everything() {
        return Ok(budgets.clone());
    }
    let filter = Filter {
        tools: scope.tools.clone(),
        steps: scope.steps.clone(),
        ..Filter::default()
    }
    .compile()
    .map_err(GateError::Scope)?;
    Ok(budgets.clone().scoped(
        |tool| filter.keeps_tool(tool),
        |step| filter.keeps_step(step),
    ))
}
