//! The budget file: what a team writes and reviews.
//!
//! See the crate README for the full format. In short: `{ tool: { step: { metric: limit, ... } } }`,
//! plus an optional top-level `defaults` section, `"*"` wildcards and per-entry `min_samples`,
//! `severity` and `regression`.

use std::cmp::Ordering;
use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use perf_record::GroupKey;
use perf_stats::QuantileMethod;
use serde::{Deserialize, Serialize};

use crate::json_tree::{JsonPath, Node};

/// `defaults.min_samples` when the file does not set it.
pub const DEFAULT_MIN_SAMPLES: u64 = 50;

/// The only `schema_version` of the budget file format this crate reads (the key is optional).
pub const BUDGET_FILE_SCHEMA_VERSION: u64 = 1;

/// Why a budget file was rejected. Every variant about content names the JSON path of the
/// offending key, e.g. `$.wsap.import.p95`.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum BudgetError {
    /// The text is not valid JSON.
    #[error("invalid JSON at line {line}, column {column}: {message}")]
    Syntax {
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// What the JSON parser reported.
        message: String,
    },
    /// The same key appears twice in one object.
    #[error("{path}: duplicate key (the key already appears earlier in the same object)")]
    DuplicateKey {
        /// The path of the second occurrence.
        path: String,
    },
    /// Two keys of one entry name the same metric (e.g. `p95` and `p95.0`).
    #[error("{path}: metric {metric} is already budgeted in this entry by key {first:?}")]
    DuplicateMetric {
        /// The path of the second key.
        path: String,
        /// The canonical metric name.
        metric: String,
        /// The key that named it first.
        first: String,
    },
    /// A value has the wrong JSON type.
    #[error("{path}: expected {expected}, found {found}")]
    WrongType {
        /// The path of the value.
        path: String,
        /// What the format wants there.
        expected: &'static str,
        /// The JSON type found.
        found: &'static str,
    },
    /// An entry key that is neither a metric nor an entry option.
    #[error(
        "{path}: unknown metric {name:?} (expected avg, min, max, error_rate, a percentile such as p95 or p99.9, \
         or one of the options min_samples, severity, regression)"
    )]
    UnknownMetric {
        /// The path of the key.
        path: String,
        /// The key as written.
        name: String,
    },
    /// A key that is not allowed where it appears (e.g. in `defaults`).
    #[error("{path}: unknown key {name:?} (allowed here: {allowed})")]
    UnknownKey {
        /// The path of the key.
        path: String,
        /// The key as written.
        name: String,
        /// The keys allowed at this place.
        allowed: &'static str,
    },
    /// A value of the right type outside its allowed range.
    #[error("{path}: invalid value {value}: {reason}")]
    InvalidValue {
        /// The path of the value.
        path: String,
        /// The value as found in the file.
        value: String,
        /// What is allowed instead.
        reason: String,
    },
    /// An entry with no limit and no regression rule: it would check nothing.
    #[error("{path}: entry has no limits (add a metric such as \"p95\": 100, or remove the entry)")]
    EmptyEntry {
        /// The path of the entry.
        path: String,
    },
}

/// A budget file that could not be read or parsed, with its path.
#[derive(Debug, thiserror::Error)]
pub enum BudgetFileError {
    /// The file could not be read.
    #[error("cannot read budget file {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The file was read but its content is invalid.
    #[error("budget file {path}: {error}")]
    Invalid {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        error: BudgetError,
    },
}

/// Whether breaking a limit fails the gate or only warns.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// A violation fails the gate (exit code 3); insufficient samples make it inconclusive (2).
    #[default]
    Fail,
    /// A violation is reported as a warning and never changes the exit code.
    Warn,
}

/// A percentile rank in percent, `0 ..= 100` (`p99.9` is `99.9`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Percentile(f64);

impl Percentile {
    /// The rank in percent, `0 ..= 100`, or `None` when out of range or not finite.
    pub fn new(percent: f64) -> Option<Self> {
        (percent.is_finite() && (0.0..=100.0).contains(&percent)).then_some(Percentile(percent))
    }

    /// The rank in percent, e.g. `95.0`.
    pub fn percent(self) -> f64 {
        self.0
    }

    /// The rank as a probability in `0 ..= 1`, as quantile functions take it.
    pub fn probability(self) -> f64 {
        self.0 / 100.0
    }
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
}

impl Metric {
    /// The unit of the metric's observed values and limits.
    pub fn unit(self) -> Unit {
        match self {
            Metric::ErrorRate => Unit::Fraction,
            Metric::Mean | Metric::Min | Metric::Max | Metric::Percentile(_) => Unit::Milliseconds,
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
            // f64's Display is the shortest round-trip form: 95.0 -> "95", 99.9 -> "99.9".
            Metric::Percentile(percentile) => write!(formatter, "p{}", percentile.percent()),
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
            _ => {
                let digits = name.strip_prefix('p').ok_or_else(unknown)?;
                let (whole, fraction) = match digits.split_once('.') {
                    Some((whole, fraction)) => (whole, Some(fraction)),
                    None => (digits, None),
                };
                let all_digits =
                    |text: &str| !text.is_empty() && text.bytes().all(|byte| byte.is_ascii_digit());
                if !all_digits(whole) || fraction.is_some_and(|fraction| !all_digits(fraction)) {
                    return Err(unknown());
                }
                let percent: f64 = digits.parse().map_err(|_| unknown())?;
                Percentile::new(percent)
                    .map(Metric::Percentile)
                    .ok_or_else(unknown)
            }
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

/// One absolute limit of an entry: the metric must be `<=` the value.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Limit {
    /// What is limited.
    pub metric: Metric,
    /// The largest acceptable value (ms, or a fraction for `error_rate`).
    pub value: f64,
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

/// A tool or step name in a budget entry, or the `"*"` wildcard.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Pattern {
    /// `"*"`: any name.
    Any,
    /// Exactly this name.
    Exact(String),
}

impl Pattern {
    fn from_key(key: &str) -> Self {
        if key == "*" {
            Pattern::Any
        } else {
            Pattern::Exact(key.to_owned())
        }
    }

    /// Whether `name` matches.
    pub fn matches(&self, name: &str) -> bool {
        match self {
            Pattern::Any => true,
            Pattern::Exact(exact) => exact == name,
        }
    }

    /// The exact name, or `None` for the wildcard.
    pub fn exact(&self) -> Option<&str> {
        match self {
            Pattern::Any => None,
            Pattern::Exact(exact) => Some(exact),
        }
    }
}

impl fmt::Display for Pattern {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Pattern::Any => formatter.write_str("*"),
            Pattern::Exact(exact) => formatter.write_str(exact),
        }
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
    /// Fewer latencies than this make the entry's checks inconclusive; `None` uses the default.
    pub min_samples: Option<u64>,
    /// What a violation does.
    pub severity: Severity,
    /// The relative rule against a baseline, when the entry has one.
    pub regression: Option<RegressionRule>,
}

impl BudgetEntry {
    /// How specific the entry is: 3 for `tool/step`, 2 for `tool/*`, 1 for `*/step`, 0 for `*/*`.
    /// When several entries match a group, the most specific one wins, whole.
    pub fn specificity(&self) -> u8 {
        match (&self.tool, &self.step) {
            (Pattern::Exact(_), Pattern::Exact(_)) => 3,
            (Pattern::Exact(_), Pattern::Any) => 2,
            (Pattern::Any, Pattern::Exact(_)) => 1,
            (Pattern::Any, Pattern::Any) => 0,
        }
    }

    /// Whether the entry applies to `key` (it may still lose to a more specific one).
    pub fn matches(&self, key: &GroupKey) -> bool {
        self.tool.matches(&key.tool) && self.step.matches(&key.step)
    }

    /// `tool/step` as written, wildcards included.
    pub fn label(&self) -> String {
        format!("{}/{}", self.tool, self.step)
    }
}

/// The `defaults` section.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Defaults {
    /// `min_samples` of entries that do not set their own (default 50).
    pub min_samples: u64,
    /// The quantile definition for every percentile (default Hyndman-Fan type 7, numpy's
    /// `linear`). Written as a type number `1`..`9` or a numpy name such as `"linear"`.
    pub quantile_method: QuantileMethod,
}

impl Default for Defaults {
    fn default() -> Self {
        Defaults {
            min_samples: DEFAULT_MIN_SAMPLES,
            quantile_method: QuantileMethod::default(),
        }
    }
}

/// A parsed, validated budget file.
#[derive(Debug, Clone, PartialEq)]
pub struct Budgets {
    defaults: Defaults,
    entries: Vec<BudgetEntry>,
}

impl Budgets {
    /// The `defaults` section (or the defaults of the format when absent).
    pub fn defaults(&self) -> &Defaults {
        &self.defaults
    }

    /// Every entry, sorted by (tool, step) with wildcards first; no two share a (tool, step).
    pub fn entries(&self) -> &[BudgetEntry] {
        &self.entries
    }

    /// The entry that applies to `key`: the most specific match, or `None` when no entry covers it.
    pub fn resolve(&self, key: &GroupKey) -> Option<&BudgetEntry> {
        self.entries
            .iter()
            .filter(|entry| entry.matches(key))
            .max_by_key(|entry| entry.specificity())
    }

    /// The `min_samples` that applies to `entry`.
    pub fn min_samples_for(&self, entry: &BudgetEntry) -> u64 {
        entry.min_samples.unwrap_or(self.defaults.min_samples)
    }

    /// The same budgets with `min_samples` replaced everywhere: in the defaults and in every entry
    /// that sets its own (what the CLI's `--min-samples` means).
    pub fn with_min_samples(mut self, min_samples: u64) -> Budgets {
        self.defaults.min_samples = min_samples;
        for entry in &mut self.entries {
            if entry.min_samples.is_some() {
                entry.min_samples = Some(min_samples);
            }
        }
        self
    }
}

/// Reads and parses the budget file at `path`.
pub fn read_budgets(path: &Path) -> Result<Budgets, BudgetFileError> {
    let text = std::fs::read_to_string(path).map_err(|source| BudgetFileError::Read {
        path: path.to_owned(),
        source,
    })?;
    parse_budgets(&text).map_err(|error| BudgetFileError::Invalid {
        path: path.to_owned(),
        error,
    })
}

/// Parses budget file text.
///
/// ```
/// let budgets = perf_budget::parse_budgets(r#"{ "wsap": { "import": { "avg": 40, "p95": 80 } } }"#)?;
/// assert_eq!(budgets.entries().len(), 1);
/// assert_eq!(budgets.defaults().min_samples, 50);
/// # Ok::<(), perf_budget::BudgetError>(())
/// ```
pub fn parse_budgets(text: &str) -> Result<Budgets, BudgetError> {
    let root: Node = serde_json::from_str(text).map_err(|error| BudgetError::Syntax {
        line: error.line(),
        column: error.column(),
        message: strip_position(&error.to_string()),
    })?;
    let path = JsonPath::root();
    let members = object(&root, &path, "an object of tools")?;
    let mut defaults = Defaults::default();
    let mut entries = Vec::new();
    for (key, value) in members {
        let key_path = path.key(key);
        match key.as_str() {
            "defaults" => defaults = parse_defaults(value, &key_path)?,
            "schema_version" => {
                let version = non_negative_integer(value, &key_path)?;
                if version != BUDGET_FILE_SCHEMA_VERSION {
                    return Err(BudgetError::InvalidValue {
                        path: key_path.to_string(),
                        value: value.short_display(),
                        reason: format!(
                            "this perf-gate reads budget file schema_version {BUDGET_FILE_SCHEMA_VERSION}"
                        ),
                    });
                }
            }
            tool => {
                let steps = object(value, &key_path, "an object of steps")?;
                for (step, entry) in steps {
                    entries.push(parse_entry(tool, step, entry, &key_path.key(step))?);
                }
            }
        }
    }
    entries.sort_by(|left, right| (&left.tool, &left.step).cmp(&(&right.tool, &right.step)));
    Ok(Budgets { defaults, entries })
}

/// serde_json appends " at line L column C"; the variant carries those as fields.
fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(index) => message[..index].to_owned(),
        None => message.to_owned(),
    }
}

/// The members of an object node, after rejecting duplicate keys.
fn object<'a>(
    node: &'a Node,
    path: &JsonPath,
    expected: &'static str,
) -> Result<&'a [(String, Node)], BudgetError> {
    let Node::Object(members) = node else {
        return Err(BudgetError::WrongType {
            path: path.to_string(),
            expected,
            found: node.type_name(),
        });
    };
    let mut seen = HashMap::with_capacity(members.len());
    for (key, _) in members {
        if seen.insert(key.as_str(), ()).is_some() {
            return Err(BudgetError::DuplicateKey {
                path: path.key(key).to_string(),
            });
        }
    }
    Ok(members)
}

fn parse_defaults(node: &Node, path: &JsonPath) -> Result<Defaults, BudgetError> {
    let mut defaults = Defaults::default();
    for (key, value) in object(node, path, "an object")? {
        let key_path = path.key(key);
        match key.as_str() {
            "min_samples" => defaults.min_samples = non_negative_integer(value, &key_path)?,
            "quantile_method" => {
                defaults.quantile_method = parse_quantile_method(value, &key_path)?
            }
            _ => {
                return Err(BudgetError::UnknownKey {
                    path: key_path.to_string(),
                    name: key.clone(),
                    allowed: "min_samples, quantile_method",
                });
            }
        }
    }
    Ok(defaults)
}

fn parse_quantile_method(node: &Node, path: &JsonPath) -> Result<QuantileMethod, BudgetError> {
    let method = match node {
        Node::Number(number) => u8::try_from(*number as i64)
            .ok()
            .filter(|_| number.fract() == 0.0)
            .and_then(QuantileMethod::from_hyndman_fan_type),
        Node::String(name) => name.parse().ok(),
        other => {
            return Err(BudgetError::WrongType {
                path: path.to_string(),
                expected: "a Hyndman-Fan type 1 to 9 or a numpy method name",
                found: other.type_name(),
            });
        }
    };
    method.ok_or_else(|| BudgetError::InvalidValue {
        path: path.to_string(),
        value: node.short_display(),
        reason: "the quantile method is a Hyndman-Fan type from 1 to 9 or a numpy name such as \"linear\" (type 7, \
                 the default)"
            .to_owned(),
    })
}

fn parse_entry(
    tool: &str,
    step: &str,
    node: &Node,
    path: &JsonPath,
) -> Result<BudgetEntry, BudgetError> {
    let mut entry = BudgetEntry {
        tool: Pattern::from_key(tool),
        step: Pattern::from_key(step),
        limits: Vec::new(),
        min_samples: None,
        severity: Severity::Fail,
        regression: None,
    };
    let mut metric_keys: Vec<(Metric, &str)> = Vec::new();
    for (key, value) in object(node, path, "an object of limits")? {
        let key_path = path.key(key);
        match key.as_str() {
            "min_samples" => entry.min_samples = Some(non_negative_integer(value, &key_path)?),
            "severity" => entry.severity = parse_severity(value, &key_path)?,
            "regression" => entry.regression = Some(parse_regression(value, &key_path)?),
            name => {
                let metric: Metric = name.parse().map_err(|_| BudgetError::UnknownMetric {
                    path: key_path.to_string(),
                    name: name.to_owned(),
                })?;
                if let Some((_, first)) = metric_keys.iter().find(|(known, _)| *known == metric) {
                    return Err(BudgetError::DuplicateMetric {
                        path: key_path.to_string(),
                        metric: metric.to_string(),
                        first: (*first).to_owned(),
                    });
                }
                metric_keys.push((metric, name));
                let value = parse_limit(metric, value, &key_path)?;
                entry.limits.push(Limit { metric, value });
            }
        }
    }
    if entry.limits.is_empty() && entry.regression.is_none() {
        return Err(BudgetError::EmptyEntry {
            path: path.to_string(),
        });
    }
    entry.limits.sort_by_key(|limit| limit.metric);
    Ok(entry)
}

fn number(node: &Node, path: &JsonPath, expected: &'static str) -> Result<f64, BudgetError> {
    match node {
        Node::Number(value) => Ok(*value),
        other => Err(BudgetError::WrongType {
            path: path.to_string(),
            expected,
            found: other.type_name(),
        }),
    }
}

fn parse_limit(metric: Metric, node: &Node, path: &JsonPath) -> Result<f64, BudgetError> {
    let (expected, reason) = match metric.unit() {
        Unit::Milliseconds => (
            "a number of milliseconds",
            "a limit is a finite number of milliseconds >= 0",
        ),
        Unit::Fraction => (
            "a fraction such as 0.01",
            "error_rate is a fraction from 0 to 1 (0.01 for 1%)",
        ),
    };
    let value = number(node, path, expected)?;
    let in_range = match metric.unit() {
        Unit::Milliseconds => value.is_finite() && value >= 0.0,
        Unit::Fraction => (0.0..=1.0).contains(&value),
    };
    if !in_range {
        return Err(BudgetError::InvalidValue {
            path: path.to_string(),
            value: node.short_display(),
            reason: reason.to_owned(),
        });
    }
    Ok(value)
}

fn non_negative_integer(node: &Node, path: &JsonPath) -> Result<u64, BudgetError> {
    let value = number(node, path, "a whole number")?;
    // 2^53: beyond it f64 no longer holds every integer, and no real count gets there.
    if value >= 0.0 && value.fract() == 0.0 && value <= 9_007_199_254_740_992.0 {
        Ok(value as u64)
    } else {
        Err(BudgetError::InvalidValue {
            path: path.to_string(),
            value: node.short_display(),
            reason: "expected a whole number >= 0".to_owned(),
        })
    }
}

fn parse_severity(node: &Node, path: &JsonPath) -> Result<Severity, BudgetError> {
    match node {
        Node::String(text) if text == "fail" => Ok(Severity::Fail),
        Node::String(text) if text == "warn" => Ok(Severity::Warn),
        Node::String(_) => Err(BudgetError::InvalidValue {
            path: path.to_string(),
            value: node.short_display(),
            reason: "severity is \"fail\" or \"warn\"".to_owned(),
        }),
        other => Err(BudgetError::WrongType {
            path: path.to_string(),
            expected: "\"fail\" or \"warn\"",
            found: other.type_name(),
        }),
    }
}

fn parse_regression(node: &Node, path: &JsonPath) -> Result<RegressionRule, BudgetError> {
    let invalid = |reason: &str| BudgetError::InvalidValue {
        path: path.to_string(),
        value: node.short_display(),
        reason: reason.to_owned(),
    };
    let fraction = match node {
        Node::String(text) => {
            let percent = text
                .trim()
                .strip_suffix('%')
                .map(str::trim_end)
                .filter(|digits| !digits.is_empty() && digits.bytes().all(|byte| byte.is_ascii_digit() || byte == b'.'))
                .and_then(|digits| digits.parse::<f64>().ok())
                .ok_or_else(|| invalid("a regression tolerance is a percentage such as \"10%\" or a fraction such as 0.1"))?;
            percent / 100.0
        }
        Node::Number(value) => {
            if *value > 1.0 {
                return Err(invalid(
                    "a fraction above 1 is probably a percentage: write \"10%\" for ten percent (or \"150%\")",
                ));
            }
            *value
        }
        other => {
            return Err(BudgetError::WrongType {
                path: path.to_string(),
                expected: "a percentage such as \"10%\" or a fraction such as 0.1",
                found: other.type_name(),
            });
        }
    };
    RegressionRule::new(fraction).ok_or_else(|| invalid("a regression tolerance is >= 0"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(tool: &str, step: &str) -> GroupKey {
        GroupKey {
            tool: tool.to_owned(),
            step: step.to_owned(),
        }
    }

    #[test]
    fn loads_the_legacy_format_unchanged() {
        let budgets = parse_budgets(
            r#"{ "registry": { "health": { "avg": 50, "p95": 100 }, "registry_get": { "avg": 100, "p95": 150 } },
                 "wsap": { "import": { "avg": 40, "p95": 80 }, "plan": { "avg": 1800, "p95": 3200 } } }"#,
        )
        .unwrap();
        assert_eq!(*budgets.defaults(), Defaults::default());
        let labels: Vec<String> = budgets.entries().iter().map(BudgetEntry::label).collect();
        assert_eq!(
            labels,
            [
                "registry/health",
                "registry/registry_get",
                "wsap/import",
                "wsap/plan"
            ]
        );
        let plan = budgets.resolve(&key("wsap", "plan")).unwrap();
        let p95 = Metric::Percentile(Percentile::new(95.0).unwrap());
        assert_eq!(
            plan.limits,
            [
                Limit {
                    metric: Metric::Mean,
                    value: 1800.0
                },
                Limit {
                    metric: p95,
                    value: 3200.0
                }
            ]
        );
        assert_eq!(plan.severity, Severity::Fail);
        assert_eq!(plan.min_samples, None);
    }

    #[test]
    fn reads_extensions_and_defaults() {
        let budgets = parse_budgets(
            r#"{ "schema_version": 1,
                 "defaults": { "min_samples": 20, "quantile_method": "median_unbiased" },
                 "a": { "b": { "p99.9": 500, "p50": 10, "min": 1, "max": 900, "error_rate": 0.01,
                               "min_samples": 5, "severity": "warn", "regression": "12.5%" } } }"#,
        )
        .unwrap();
        assert_eq!(budgets.defaults().min_samples, 20);
        assert_eq!(
            budgets.defaults().quantile_method,
            QuantileMethod::MedianUnbiased
        );
        let by_number = parse_budgets(r#"{"defaults": {"quantile_method": 1}}"#).unwrap();
        assert_eq!(
            by_number.defaults().quantile_method,
            QuantileMethod::InvertedCdf
        );
        let entry = &budgets.entries()[0];
        let names: Vec<String> = entry
            .limits
            .iter()
            .map(|limit| limit.metric.to_string())
            .collect();
        assert_eq!(names, ["min", "p50", "p99.9", "max", "error_rate"]);
        assert_eq!(entry.min_samples, Some(5));
        assert_eq!(budgets.min_samples_for(entry), 5);
        assert_eq!(entry.severity, Severity::Warn);
        assert_eq!(entry.regression.unwrap().max_increase(), 0.125);
    }

    #[test]
    fn regression_accepts_a_fraction_and_rejects_nonsense() {
        let parse =
            |value: &str| parse_budgets(&format!(r#"{{"a": {{"b": {{"regression": {value}}}}}}}"#));
        assert_eq!(
            parse("0.1").unwrap().entries()[0]
                .regression
                .unwrap()
                .max_increase(),
            0.1
        );
        assert_eq!(
            parse(r#""5 %""#).unwrap().entries()[0]
                .regression
                .unwrap()
                .max_increase(),
            0.05
        );
        for bad in [
            r#""ten""#, r#""10""#, r#""-5%""#, "-0.1", "10", "true", r#""%""#,
        ] {
            let error = parse(bad).unwrap_err();
            assert!(
                error.to_string().starts_with("$.a.b.regression: "),
                "{bad}: {error}"
            );
        }
    }

    #[test]
    fn most_specific_entry_wins() {
        let budgets = parse_budgets(
            r#"{ "*": { "*": { "p95": 1 }, "plan": { "p95": 2 } },
                 "wsap": { "*": { "p95": 3 }, "plan": { "p95": 4 } } }"#,
        )
        .unwrap();
        let limit =
            |tool: &str, step: &str| budgets.resolve(&key(tool, step)).unwrap().limits[0].value;
        assert_eq!(limit("wsap", "plan"), 4.0);
        assert_eq!(limit("wsap", "import"), 3.0);
        assert_eq!(limit("other", "plan"), 2.0);
        assert_eq!(limit("other", "import"), 1.0);
    }

    #[test]
    fn resolve_returns_none_without_a_match() {
        let budgets = parse_budgets(r#"{ "a": { "b": { "avg": 1 } } }"#).unwrap();
        assert!(budgets.resolve(&key("a", "c")).is_none());
    }

    #[test]
    fn errors_name_the_json_path() {
        let cases = [
            (
                r#"{"a": {"b": {"p95": 1, "p95": 2}}}"#,
                "$.a.b.p95: duplicate key",
            ),
            (r#"{"a": {"b": {"p95": 1}}, "a": {}}"#, "$.a: duplicate key"),
            (
                r#"{"a": {"b": {"p95": 1, "p95.0": 2}}}"#,
                "$.a.b[\"p95.0\"]: metric p95 is already budgeted",
            ),
            (
                r#"{"a": {"b": {"p95": -1}}}"#,
                "$.a.b.p95: invalid value -1",
            ),
            (
                r#"{"a": {"b": {"p95": "100"}}}"#,
                "$.a.b.p95: expected a number of milliseconds, found a string",
            ),
            (
                r#"{"a": {"b": {"median": 1}}}"#,
                "$.a.b.median: unknown metric \"median\"",
            ),
            (r#"{"a": {"b": {"p101": 1}}}"#, "$.a.b.p101: unknown metric"),
            (r#"{"a": {"b": {"p": 1}}}"#, "$.a.b.p: unknown metric"),
            (r#"{"a": {"b": {"p9e1": 1}}}"#, "$.a.b.p9e1: unknown metric"),
            (
                r#"{"a": {"b": {"error_rate": 5}}}"#,
                "$.a.b.error_rate: invalid value 5",
            ),
            (
                r#"{"a": {"b": {"severity": "fatal", "avg": 1}}}"#,
                "$.a.b.severity: invalid value \"fatal\"",
            ),
            (
                r#"{"a": {"b": {"min_samples": 2.5, "avg": 1}}}"#,
                "$.a.b.min_samples: invalid value 2.5",
            ),
            (r#"{"a": {"b": {}}}"#, "$.a.b: entry has no limits"),
            (
                r#"{"a": {"*": 5}}"#,
                "$.a[\"*\"]: expected an object of limits, found a number",
            ),
            (
                r#"{"a": []}"#,
                "$.a: expected an object of steps, found an array",
            ),
            (r#"[]"#, "$: expected an object of tools"),
            (
                r#"{"defaults": {"min_sample": 3}}"#,
                "$.defaults.min_sample: unknown key",
            ),
            (
                r#"{"defaults": {"quantile_method": 10}}"#,
                "$.defaults.quantile_method: invalid value 10",
            ),
            (
                r#"{"schema_version": 2}"#,
                "$.schema_version: invalid value 2",
            ),
        ];
        for (text, expected) in cases {
            let error = parse_budgets(text).unwrap_err().to_string();
            assert!(
                error.starts_with(expected),
                "{text}\n  got: {error}\n want: {expected}"
            );
        }
    }

    #[test]
    fn syntax_errors_carry_line_and_column() {
        let error = parse_budgets("{\n  \"a\": {\n    \"b\": { \"avg\": 1, }\n  }\n}").unwrap_err();
        let BudgetError::Syntax { line, column, .. } = error else {
            panic!("{error:?}")
        };
        assert_eq!((line, column), (3, 22));
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_crash() {
        let text = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
        assert!(matches!(
            parse_budgets(&text),
            Err(BudgetError::Syntax { .. })
        ));
    }

    #[test]
    fn metric_names_round_trip() {
        for name in [
            "avg",
            "min",
            "max",
            "error_rate",
            "p50",
            "p99.9",
            "p0",
            "p100",
            "p0.1",
        ] {
            assert_eq!(name.parse::<Metric>().unwrap().to_string(), name);
        }
        assert_eq!("p95.0".parse::<Metric>().unwrap().to_string(), "p95");
    }

    #[test]
    fn read_budgets_names_the_file() {
        let error = read_budgets(Path::new("/nonexistent/budgets.json")).unwrap_err();
        assert!(
            error.to_string().contains("/nonexistent/budgets.json"),
            "{error}"
        );
    }

    #[test]
    fn with_min_samples_replaces_the_default_and_every_entry_setting() {
        let budgets = parse_budgets(
            r#"{"defaults": {"min_samples": 50}, "a": {"b": {"p95": 1, "min_samples": 200}, "c": {"p95": 1}}}"#,
        )
        .unwrap()
        .with_min_samples(7);
        assert_eq!(budgets.defaults().min_samples, 7);
        for entry in budgets.entries() {
            assert_eq!(budgets.min_samples_for(entry), 7, "{entry:?}");
        }
    }
}
