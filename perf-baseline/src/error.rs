//! The one error type of perf-baseline.

use camino::Utf8PathBuf;

/// Everything that can go wrong while building, reading, comparing or ratcheting a baseline.
///
/// Each variant carries what a user needs to fix the problem: the file, the JSON location, the
/// group and the offending value.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BaselineError {
    /// The baseline file could not be read or written.
    #[error("cannot read baseline file {path}")]
    Read {
        /// The file concerned.
        path: Utf8PathBuf,
        /// The operating-system error.
        #[source]
        source: std::io::Error,
    },
    /// The baseline file could not be written; the previous file, if any, is still in place.
    #[error("cannot save the baseline")]
    Write(#[source] perf_record::WriteError),
    /// The file is not valid JSON, or a field has the wrong type.
    #[error("{source_name}:{line}:{column}: not a valid baseline file")]
    Json {
        /// The file name (or another label) the text came from.
        source_name: String,
        /// 1-based line of the problem.
        line: usize,
        /// 1-based column of the problem.
        column: usize,
        /// What serde_json reported.
        #[source]
        source: serde_json::Error,
    },
    /// The JSON is not a perf-gate baseline at all (for example a budget file).
    #[error(
        "{source_name}: not a perf-gate baseline: expected a JSON object with \"format\": \"{expected_format}\" and a \"schema_version\""
    )]
    NotABaseline {
        /// The file name the text came from.
        source_name: String,
        /// The `format` marker a baseline carries.
        expected_format: &'static str,
    },
    /// The file was written by a perf-gate with a baseline format this one does not know.
    #[error(
        "{source_name}: baseline schema_version {found} is not supported (this perf-gate reads versions 1 to {supported}); re-create the baseline with `perf-gate baseline save`"
    )]
    UnsupportedSchemaVersion {
        /// The file name the text came from.
        source_name: String,
        /// The version in the file.
        found: u64,
        /// The newest version this code reads (it reads every one from 1).
        supported: u32,
    },
    /// The stored content hash does not match the content: the file was edited or damaged.
    #[error(
        "{source_name}: content hash mismatch: the file says {stored} but its content hashes to {computed}; the baseline was edited by hand or damaged, re-create it with `perf-gate baseline save`"
    )]
    HashMismatch {
        /// The file name the text came from.
        source_name: String,
        /// The hash written in the file.
        stored: String,
        /// The hash of the content as read.
        computed: String,
    },
    /// A value in an input group or a baseline file breaks the format's rules.
    #[error("{source_name}: group {}: field `{field}`: {problem}", perf_record::GroupKey::new(.tool.as_str(), .step.as_str()))]
    InvalidGroup {
        /// Where the group came from (a file name, or `input`).
        source_name: String,
        /// The group's tool.
        tool: String,
        /// The group's step.
        step: String,
        /// The field concerned.
        field: &'static str,
        /// What is wrong, with the offending value.
        problem: String,
    },
    /// A group's samples, spilled to disk beyond the memory limit, could not be read back.
    #[error("{group}: cannot read the group's samples")]
    Load {
        /// The group.
        group: perf_record::GroupKey,
        /// What went wrong.
        #[source]
        source: perf_record::LoadError,
    },
    /// The same (tool, step) appears twice.
    #[error("{source_name}: group {} appears more than once", perf_record::GroupKey::new(.tool.as_str(), .step.as_str()))]
    DuplicateGroup {
        /// Where the groups came from.
        source_name: String,
        /// The group's tool.
        tool: String,
        /// The group's step.
        step: String,
    },
    /// A configuration value is out of range.
    #[error("invalid {setting}: {value} ({expected})")]
    InvalidConfig {
        /// The setting, as the user knows it (`tolerance`, `alpha`, `headroom`, `metric`).
        setting: &'static str,
        /// The offending value, as given.
        value: String,
        /// What would be accepted.
        expected: &'static str,
    },
    /// A statistic could not be computed.
    #[error("group {group}: cannot compute the comparison's statistics")]
    Statistics {
        /// The group (`tool/step`), or which groups.
        group: String,
        /// What perf-stats reported.
        #[source]
        source: perf_stats::StatsError,
    },
}
