//! Why a budget file was rejected.

use camino::Utf8PathBuf;

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
        "{path}: unknown metric {name:?}{} (expected avg, min, max, error_rate, a percentile such as p95 or p99.9, \
         or one of the options min_samples, severity, regression, trend, consecutive)",
        did_you_mean_text(did_you_mean.as_deref())
    )]
    UnknownMetric {
        /// The path of the key.
        path: String,
        /// The key as written.
        name: String,
        /// The spelling this file format uses for what the key most likely means (k6's `p(95)`,
        /// `median`), when there is one.
        did_you_mean: Option<String>,
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
    /// A regression tolerance that is not a fraction or a percentage.
    #[error("{path}: invalid value {value}")]
    InvalidFraction {
        /// The path of the value.
        path: String,
        /// The value as found in the file.
        value: String,
        /// Why it is not a fraction.
        #[source]
        source: crate::FractionError,
    },
    /// An entry with no limit and no regression rule: it would check nothing.
    #[error("{path}: entry has no limits (add a metric such as \"p95\": 100, or remove the entry)")]
    EmptyEntry {
        /// The path of the entry.
        path: String,
    },
}

fn did_you_mean_text(suggestion: Option<&str>) -> String {
    suggestion.map_or_else(String::new, |suggestion| {
        format!("; did you mean {suggestion:?}?")
    })
}

/// A budget file that could not be read or parsed, with its path.
#[derive(Debug, thiserror::Error)]
pub enum BudgetFileError {
    /// The file could not be read.
    #[error("cannot read budget file {path}")]
    Read {
        /// The file.
        path: Utf8PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The file was read but its content is invalid.
    #[error("invalid budget file {path}")]
    Invalid {
        /// The file.
        path: Utf8PathBuf,
        /// What is wrong with it.
        #[source]
        error: BudgetError,
    },
}
