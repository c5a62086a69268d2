//! The budget file's vocabulary: entries, limits, metrics, patterns, defaults.
//!
//! See the crate README for the format. In short: `{ tool: { step: { metric: limit, ... } } }`,
//! plus an optional top-level `defaults` section, `"*"` wildcards and per-entry `min_samples`,
//! `severity` and `regression`.

use std::cmp::Ordering;
use std::fmt;
use std::str::FromStr;

use perf_record::{GroupKey, LatencyOf};
use perf_stats::{Percentile, QuantileMethod};
use serde::{Deserialize, Serialize};

/// The least `min_samples` of a check when the budget file sets none: the floor under
/// [`automatic_min_samples`].
pub const DEFAULT_MIN_SAMPLES: u64 = 50;

/// The `min_samples` of a check of `metric` when neither its entry nor `defaults` sets one: the
/// sample size from which a two-sided order-statistic interval of the percentile exists at
/// `confidence` (perf-stats' [`interval_sample_size`](perf_stats::interval_sample_size): 72 for
/// a p95 and 368 for a p99 at 95%, 3,688 for a p99.9), never less than
/// [`DEFAULT_MIN_SAMPLES`]. Every other metric (and `p0`/`p100`) needs [`DEFAULT_MIN_SAMPLES`].
///
/// ```
/// use perf_budget::{Metric, automatic_min_samples};
/// assert_eq!(automatic_min_samples(Metric::Mean, 0.95), 50);
/// assert_eq!(automatic_min_samples("p50".parse()?, 0.95), 50);
/// assert_eq!(automatic_min_samples("p95".parse()?, 0.95), 72);
/// assert_eq!(automatic_min_samples("p99".parse()?, 0.95), 368);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn automatic_min_samples(metric: Metric, confidence: f64) -> u64 {
    let needed = match metric.interval_quantile() {
        Some(quantile) => perf_stats::interval_sample_size(quantile, confidence),
        None => 0,
    };
    needed.max(DEFAULT_MIN_SAMPLES)
}

/// The only `schema_version` of the budget file format this crate reads (the key is optional).
pub const BUDGET_FILE_SCHEMA_VERSION: u32 = 1;

/// Whether breaking a limit fails the gate or only warns.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
pub enum Severity {
    /// A violation fails the gate (exit code 3); insufficient samples make it inconclusive (2).
    #[default]
    Fail,
    /// A violation is reported as a warning and never changes the exit code.
    Warn,
}

/// What a limit constrains.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Metric {
    /// The arithmetic mean latency (`avg`).
    Mean,
    /// The smallest latency.
    Min,
    /// The largest latency.
    Max,
    /// A percentile of the latencies (`p95`, `p99.9`).
    Percentile(Percentile),
    /// `errors / (ok + errors)`, a fraction.
    ErrorRate,
}

/// The unit a metric's values are in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    /// Milliseconds.
    Milliseconds,
    /// A fraction in `0 ..= 1`, shown as a percentage.
    Fraction,
    /// The unit of a record measure, which its name says (`peak_rss_mb`: MiB; see
    /// [`perf_record::MeasureUnit::of`]).
    Measure,
}

impl Metric {
    /// The unit of the metric's observed values and limits.
    pub fn unit(self) -> Unit {
        match self {
            Metric::ErrorRate => Unit::Fraction,
            Metric::Mean | Metric::Min | Metric::Max | Metric::Percentile(_) => Unit::Milliseconds,
        }
    }

    /// The quantile (strictly between 0 and 1) whose order-statistic interval a check of this
    /// metric shows: `Some` for every percentile but `p0` and `p100`, `None` otherwise.
    pub fn interval_quantile(self) -> Option<f64> {
        match self {
            Metric::Percentile(percentile) => {
                let quantile = percentile.probability();
                (quantile > 0.0 && quantile < 1.0).then_some(quantile)
            }
            Metric::Mean | Metric::Min | Metric::Max | Metric::ErrorRate => None,
        }
    }

    /// Whether a check of this metric has a confidence interval when the sample is large
    /// enough: the mean, the error rate and every percentile but `p0`/`p100`. `min` and `max` are
    /// the sample's own extremes, limits on what was observed, with no interval.
    pub fn has_interval(self) -> bool {
        match self {
            Metric::Mean | Metric::ErrorRate => true,
            Metric::Percentile(_) => self.interval_quantile().is_some(),
            Metric::Min | Metric::Max => false,
        }
    }

    /// Position in reports: min, avg, percentiles ascending, max, error_rate.
    fn sort_key(self) -> (u8, f64) {
        match self {
            Metric::Min => (0, 0.0),
            Metric::Mean => (1, 0.0),
            Metric::Percentile(percentile) => (2, percentile.percent()),
            Metric::Max => (3, 0.0),
            Metric::ErrorRate => (4, 0.0),
        }
    }
}

impl Eq for Metric {}

impl PartialOrd for Metric {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Metric {
    fn cmp(&self, other: &Self) -> Ordering {
        let (rank, percent) = self.sort_key();
        let (other_rank, other_percent) = other.sort_key();
        rank.cmp(&other_rank)
            .then(percent.total_cmp(&other_percent))
    }
}

impl fmt::Display for Metric {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Metric::Mean => formatter.write_str("avg"),
            Metric::Min => formatter.write_str("min"),
            Metric::Max => formatter.write_str("max"),
            Metric::Percentile(percentile) => percentile.fmt(formatter),
            Metric::ErrorRate => formatter.write_str("error_rate"),
        }
    }
}

/// A metric name that is not one of `avg`, `min`, `max`, `error_rate`, `pN`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown metric {0:?}")]
pub struct UnknownMetricName(pub String);

impl FromStr for Metric {
    type Err = UnknownMetricName;

    fn from_str(name: &str) -> Result<Self, Self::Err> {
        let unknown = || UnknownMetricName(name.to_owned());
        match name {
            "avg" => Ok(Metric::Mean),
            "min" => Ok(Metric::Min),
            "max" => Ok(Metric::Max),
            "error_rate" => Ok(Metric::ErrorRate),
            _ => name
                .parse::<Percentile>()
                .map(Metric::Percentile)
                .map_err(|_| unknown()),
        }
    }
}

impl Serialize for Metric {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Metric {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let name = String::deserialize(deserializer)?;
        name.parse().map_err(serde::de::Error::custom)
    }
}

/// A metric is written as its budget-file key: `avg`, `min`, `max`, `error_rate` or a percentile.
#[cfg(feature = "schemars")]
impl schemars::JsonSchema for Metric {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Metric".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "description": "avg, min, max, error_rate, or a percentile such as p95 or p99.9.",
            "anyOf": [
                { "enum": ["avg", "min", "max", "error_rate"] },
                { "type": "string", "pattern": perf_stats::PERCENTILE_PATTERN }
            ]
        })
    }
}

/// One absolute limit of an entry: the metric must be `<=` the value.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Limit {
    /// What is limited.
    pub metric: Metric,
    /// The largest acceptable value (ms, or a fraction for `error_rate`).
    pub value: f64,
}

pub use perf_record::Direction;

/// The limits an entry sets on one record measure (`"peak_rss_mb": {"max": 10}`).
#[derive(Debug, Clone, PartialEq)]
pub struct MeasureLimits {
    /// The measure's name (`peak_rss_mb`), valid by [`perf_record::validate_measure_name`].
    pub name: String,
    /// Which way the measure gets worse (`"direction"`, default higher is worse).
    pub direction: Direction,
    /// Its limits, sorted by metric; never `error_rate`, values in the measure's unit.
    pub limits: Vec<Limit>,
}

/// A relative rule against a baseline: the metric may not grow by more than this fraction.
///
/// Written `"regression": "10%"` or `"regression": 0.1` in the budget file; evaluated by the
/// baseline comparison, not by [`crate::evaluate`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct RegressionRule {
    max_increase: f64,
}

impl RegressionRule {
    /// A rule allowing `max_increase` (a fraction, `0.1` for 10%), or `None` when negative or not
    /// finite.
    pub fn new(max_increase: f64) -> Option<Self> {
        (max_increase.is_finite() && max_increase >= 0.0).then_some(RegressionRule { max_increase })
    }

    /// The largest allowed relative increase as a fraction (`0.1` for 10%).
    pub fn max_increase(self) -> f64 {
        self.max_increase
    }
}

/// A rule on a group's history: fail when the latest change point within the last `window`
/// runs (this one included) is a confirmed regression of more than `max_change`.
///
/// Written `"trend": {"max_change": "10%", "window": 20}`; evaluated by perf-gate over the run
/// history, not by [`crate::evaluate`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct TrendRule {
    max_change: f64,
    window: u32,
}

impl TrendRule {
    /// Fewest runs a trend window may span: two segments of three runs (the change-point
    /// detector's minimum segment).
    pub const MIN_WINDOW: u32 = 6;
    /// Most runs a trend window may span.
    pub const MAX_WINDOW: u32 = 1_000;

    /// A rule, or `None` when `max_change` is not a finite fraction > 0 or `window` is outside
    /// [`TrendRule::MIN_WINDOW`]`..=`[`TrendRule::MAX_WINDOW`].
    pub fn new(max_change: f64, window: u32) -> Option<Self> {
        (max_change.is_finite()
            && max_change > 0.0
            && (Self::MIN_WINDOW..=Self::MAX_WINDOW).contains(&window))
        .then_some(TrendRule { max_change, window })
    }

    /// The largest relative rise of a change point that passes (`0.1` for 10%).
    pub fn max_change(self) -> f64 {
        self.max_change
    }

    /// How many of the newest runs (this one included) the rule looks at.
    pub fn window(self) -> u32 {
        self.window
    }
}

/// The confirm-before-fail rule: a budget breach fails the gate only when the last `runs` runs
/// (this one included) all breached it; until then the breach is a warning.
///
/// Written `"consecutive": 3`; evaluated by perf-gate over the run history.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsecutiveRule {
    runs: u32,
}

impl ConsecutiveRule {
    /// Most runs the rule may ask for.
    pub const MAX_RUNS: u32 = 1_000;

    /// A rule, or `None` when `runs` is 0 or above [`ConsecutiveRule::MAX_RUNS`].
    pub fn new(runs: u32) -> Option<Self> {
        (1..=Self::MAX_RUNS)
            .contains(&runs)
            .then_some(ConsecutiveRule { runs })
    }

    /// How many runs in a row must breach.
    pub fn runs(self) -> u32 {
        self.runs
    }
}

/// A tool or step name in a budget entry: an exact name, the `"*"` wildcard, or a glob.
///
/// Keys use the same glob syntax as `--tools` / `--steps` (globset: `*`, `?`, `[abc]`, `{a,b}`;
/// `/` is not special). A key without glob metacharacters, or one that is not a valid glob, is
/// an exact name; a glob also matches its own literal text.
#[derive(Debug, Clone)]
pub enum Pattern {
    /// `"*"`: any name.
    Any,
    /// Exactly this name.
    Exact(String),
    /// A glob such as `get_*` or `{cart,checkout}`.
    Glob(GlobPattern),
}

/// A compiled glob key of a budget entry, with the text it was written as.
#[derive(Debug, Clone)]
pub struct GlobPattern {
    text: String,
    matcher: globset::GlobMatcher,
}

impl GlobPattern {
    /// The glob as written.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Characters of the glob that are not metacharacters: among two globs that match the same
    /// name, the one with more literal characters is the more specific.
    pub fn literal_len(&self) -> usize {
        self.text
            .chars()
            .filter(|character| !matches!(character, '*' | '?' | '[' | ']' | '{' | '}' | ',' | '!'))
            .count()
    }
}

/// The characters that make a budget key a glob rather than an exact name.
const GLOB_METACHARACTERS: &[char] = &['*', '?', '[', '{'];

impl Pattern {
    /// The pattern a budget-file key stands for. A key with glob characters that is not a valid
    /// glob (`get_[`, `\u{1b}[31m`) is an exact name: names in logs may hold any character, and
    /// such an entry that matches nothing is reported by lint as unused.
    pub fn from_key(key: &str) -> Self {
        if key == "*" {
            return Pattern::Any;
        }
        if !key.contains(GLOB_METACHARACTERS) {
            return Pattern::Exact(key.to_owned());
        }
        match globset::GlobBuilder::new(key)
            .literal_separator(false)
            .build()
        {
            Ok(glob) => Pattern::Glob(GlobPattern {
                text: key.to_owned(),
                matcher: glob.compile_matcher(),
            }),
            Err(_) => Pattern::Exact(key.to_owned()),
        }
    }

    /// Whether `name` matches.
    pub fn matches(&self, name: &str) -> bool {
        match self {
            Pattern::Any => true,
            Pattern::Exact(exact) => exact == name,
            // A key is also its own literal text, so a name with glob characters in it
            // (`[x]`) is matched by the key that spells it.
            Pattern::Glob(glob) => glob.text == name || glob.matcher.is_match(name),
        }
    }

    /// The exact name, or `None` for the wildcard and globs.
    pub fn exact(&self) -> Option<&str> {
        match self {
            Pattern::Exact(exact) => Some(exact),
            Pattern::Any | Pattern::Glob(_) => None,
        }
    }

    /// The key as written in the budget file.
    pub fn as_str(&self) -> &str {
        match self {
            Pattern::Any => "*",
            Pattern::Exact(exact) => exact,
            Pattern::Glob(glob) => glob.as_str(),
        }
    }

    /// How specific the pattern is: `(class, literal characters)`, class 2 for an exact name,
    /// 1 for a glob, 0 for `"*"`.
    fn specificity(&self) -> (u8, usize) {
        match self {
            Pattern::Any => (0, 0),
            Pattern::Glob(glob) => (1, glob.literal_len()),
            Pattern::Exact(exact) => (2, exact.chars().count()),
        }
    }

    /// Orders wildcards first, then globs, then exact names; by text within each.
    fn sort_key(&self) -> (u8, &str) {
        match self {
            Pattern::Any => (0, "*"),
            Pattern::Glob(glob) => (1, glob.as_str()),
            Pattern::Exact(exact) => (2, exact),
        }
    }
}

impl PartialEq for Pattern {
    fn eq(&self, other: &Self) -> bool {
        self.sort_key() == other.sort_key()
    }
}

impl Eq for Pattern {}

impl PartialOrd for Pattern {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Pattern {
    fn cmp(&self, other: &Self) -> Ordering {
        self.sort_key().cmp(&other.sort_key())
    }
}

impl std::hash::Hash for Pattern {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.sort_key().hash(state);
    }
}

impl fmt::Display for Pattern {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(self.as_str())
    }
}

/// A pattern is written as its key: a name, a glob or `*`.
#[cfg(feature = "schemars")]
impl schemars::JsonSchema for Pattern {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Pattern".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "string",
            "description": "A tool or step key as written in the budget file: an exact name, a glob (get_*) or *."
        })
    }
}

impl Serialize for Pattern {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Pattern {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Ok(Pattern::from_key(&String::deserialize(deserializer)?))
    }
}

/// One `tool -> step -> { ... }` entry of the budget file.
#[derive(Debug, Clone, PartialEq)]
pub struct BudgetEntry {
    /// The tool it applies to.
    pub tool: Pattern,
    /// The step it applies to.
    pub step: Pattern,
    /// Absolute limits, sorted by metric (min, avg, percentiles, max, error_rate).
    pub limits: Vec<Limit>,
    /// Limits on record measures, sorted by measure name.
    pub measures: Vec<MeasureLimits>,
    /// Fewer latencies than this make the entry's checks inconclusive; `None` uses the default.
    pub min_samples: Option<u64>,
    /// What a violation does.
    pub severity: Severity,
    /// The relative rule against a baseline, when the entry has one.
    pub regression: Option<RegressionRule>,
    /// The change-point rule over the run history (`"trend"`), when the entry has one.
    pub trend: Option<TrendRule>,
    /// The confirm-before-fail rule over the run history (`"consecutive"`), when the entry has
    /// one.
    pub consecutive: Option<ConsecutiveRule>,
}

impl BudgetEntry {
    /// How specific the entry is. The tool decides first, then the step; for each, an exact name
    /// beats a glob, which beats `"*"`, and of two globs the one with more literal characters
    /// wins. So `tool/step` > `tool/get_*` > `tool/*` > `get_*/step` > `*/step` > `*/*`. When
    /// several entries match a group, the most specific one wins, whole.
    pub fn specificity(&self) -> Specificity {
        let (tool_class, tool_literals) = self.tool.specificity();
        let (step_class, step_literals) = self.step.specificity();
        Specificity {
            rank: (tool_class, tool_literals, step_class, step_literals),
        }
    }

    /// Whether the entry applies to `key` (it may still lose to a more specific one).
    pub fn matches(&self, key: &GroupKey) -> bool {
        self.tool.matches(&key.tool) && self.step.matches(&key.step)
    }

    /// `tool/step` as written, wildcards included.
    pub fn label(&self) -> EntryRef {
        EntryRef {
            tool: self.tool.clone(),
            step: self.step.clone(),
        }
    }
}

/// The entry of `matches` that wins: the most specific, the first of equally specific ones
/// (what [`Budgets::resolve`] returns, with its position).
pub(crate) fn most_specific<'a>(
    matches: impl IntoIterator<Item = (usize, &'a BudgetEntry)>,
) -> Option<(usize, &'a BudgetEntry)> {
    let mut best: Option<(usize, &BudgetEntry)> = None;
    for (position, entry) in matches {
        if best.is_none_or(|(_, best)| entry.specificity() > best.specificity()) {
            best = Some((position, entry));
        }
    }
    best
}

/// How specific a budget entry is; see [`BudgetEntry::specificity`]. Greater is more specific.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Specificity {
    rank: (u8, usize, u8, usize),
}

/// The `defaults` section.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Defaults {
    /// `min_samples` of entries that do not set their own; `None` (the default) picks each check's
    /// from its metric ([`automatic_min_samples`]).
    pub min_samples: Option<u64>,
    /// The quantile definition for every percentile (default Hyndman-Fan type 7, numpy's
    /// `linear`). Written as a type number `1`..`9` or a numpy name such as `"linear"`.
    pub quantile_method: QuantileMethod,
    /// Which records enter latency statistics, for the whole run (default `"ok"`: successful
    /// records only; `"all"`: every known outcome). The error rate is always over every known
    /// outcome.
    pub latency_of: LatencyOf,
}

/// A parsed, validated budget file.
#[derive(Debug, Clone, PartialEq)]
pub struct Budgets {
    defaults: Defaults,
    entries: Vec<BudgetEntry>,
    index: EntryIndex,
}

/// Where to look for the entries that match a group, so matching costs one map lookup plus the
/// entries with a wildcard or glob, not one test per entry (100,000 exact entries against
/// 100,000 groups stay fast).
#[derive(Debug, Clone, Default, PartialEq)]
struct EntryIndex {
    /// `tool/step` entries with an exact name on both sides, by (tool, step).
    exact: std::collections::HashMap<GroupKey, usize>,
    /// Every other entry (a `*` or a glob on either side), in entry order.
    patterned: Vec<usize>,
}

impl EntryIndex {
    fn of(entries: &[BudgetEntry]) -> EntryIndex {
        let mut index = EntryIndex::default();
        for (position, entry) in entries.iter().enumerate() {
            match (entry.tool.exact(), entry.step.exact()) {
                (Some(tool), Some(step)) => {
                    index.exact.insert(GroupKey::new(tool, step), position);
                }
                _ => index.patterned.push(position),
            }
        }
        index
    }
}

impl Budgets {
    /// Budgets from parsed parts; `entries` sorted, no two sharing a (tool, step).
    pub(super) fn from_parts(defaults: Defaults, entries: Vec<BudgetEntry>) -> Budgets {
        let index = EntryIndex::of(&entries);
        Budgets {
            defaults,
            entries,
            index,
        }
    }

    /// Every entry that matches `key` with its position in [`Budgets::entries`]: the exact
    /// `tool/step` entry first when there is one, then the others in entry order.
    pub fn matching<'a, 'k>(
        &'a self,
        key: &'k GroupKey,
    ) -> impl Iterator<Item = (usize, &'a BudgetEntry)> + use<'a, 'k> {
        let exact = self.index.exact.get(key).copied();
        exact
            .into_iter()
            .chain(self.index.patterned.iter().copied())
            .map(|position| (position, &self.entries[position]))
            .filter(|(_, entry)| entry.matches(key))
    }

    /// The `defaults` section (or the defaults of the format when absent).
    pub fn defaults(&self) -> &Defaults {
        &self.defaults
    }

    /// Every entry, sorted by (tool, step) with wildcards first; no two share a (tool, step).
    pub fn entries(&self) -> &[BudgetEntry] {
        &self.entries
    }

    /// The entry that applies to `key`: the most specific match, or `None` when no entry covers it.
    /// Of equally specific matches (two globs with as many literal characters) the first in
    /// [`Budgets::entries`] order wins; `lint` reports such ties as ambiguous.
    pub fn resolve(&self, key: &GroupKey) -> Option<&BudgetEntry> {
        most_specific(self.matching(key)).map(|(_, entry)| entry)
    }

    /// The `min_samples` the budget file sets for `entry` (its own, else `defaults`), if any.
    pub fn explicit_min_samples(&self, entry: &BudgetEntry) -> Option<u64> {
        entry.min_samples.or(self.defaults.min_samples)
    }

    /// The `min_samples` of `entry`'s check of `metric` at `confidence`: the budget file's
    /// ([`Budgets::explicit_min_samples`]), which always wins, else [`automatic_min_samples`].
    pub fn min_samples_for(&self, entry: &BudgetEntry, metric: Metric, confidence: f64) -> u64 {
        self.explicit_min_samples(entry)
            .unwrap_or_else(|| automatic_min_samples(metric, confidence))
    }

    /// The most any check of `entry` needs ([`Budgets::min_samples_for`] over its limits;
    /// [`DEFAULT_MIN_SAMPLES`] for an entry without limits): what `lint` holds a group to.
    pub fn entry_min_samples(&self, entry: &BudgetEntry, confidence: f64) -> u64 {
        entry
            .limits
            .iter()
            .map(|limit| self.min_samples_for(entry, limit.metric, confidence))
            .max()
            .unwrap_or_else(|| {
                self.explicit_min_samples(entry)
                    .unwrap_or(DEFAULT_MIN_SAMPLES)
            })
    }

    /// The budgets a scoped run applies (the CLI's `--tools` / `--steps`): entries whose exact tool
    /// or step the scope leaves out are dropped, so they report neither "no data" nor "unused".
    /// A wildcard or a glob is always in scope. The groups in scope resolve to the same entries as before,
    /// because an entry that names a tool or step outside the scope matches no group inside it.
    pub fn scoped(
        mut self,
        keeps_tool: impl Fn(&str) -> bool,
        keeps_step: impl Fn(&str) -> bool,
    ) -> Budgets {
        self.entries.retain(|entry| {
            entry.tool.exact().is_none_or(&keeps_tool) && entry.step.exact().is_none_or(&keeps_step)
        });
        self.index = EntryIndex::of(&self.entries);
        self
    }

    /// The same budgets with `defaults.latency_of` replaced (what the CLI's `--latency-of`
    /// means).
    pub fn with_latency_of(mut self, latency_of: LatencyOf) -> Budgets {
        self.defaults.latency_of = latency_of;
        self
    }

    /// The same budgets with `min_samples` replaced everywhere: in the defaults and in every entry
    /// that sets its own (what the CLI's `--min-samples` means).
    pub fn with_min_samples(mut self, min_samples: u64) -> Budgets {
        self.defaults.min_samples = Some(min_samples);
        for entry in &mut self.entries {
            if entry.min_samples.is_some() {
                entry.min_samples = Some(min_samples);
            }
        }
        self
    }
}

/// Which budget entry produced a check: its tool and step as written, wildcards included.
///
/// Displays as `tool/step` (`*/import`, `wsap/*`, `api/get_*`), spelled as
/// [`perf_record::GroupKey`] spells a group (a `/` inside the tool key written `\/`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
pub struct EntryRef {
    /// The entry's tool: a name, a glob or `*`.
    pub tool: Pattern,
    /// The entry's step: a name, a glob or `*`.
    pub step: Pattern,
}

impl fmt::Display for EntryRef {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        perf_record::GroupKey::new(self.tool.as_str(), self.step.as_str()).fmt(formatter)
    }
}
