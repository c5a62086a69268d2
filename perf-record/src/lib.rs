//! The perf-gate latency record: one JSON object per line.
//!
//! SKELETON: the public signatures below are the contract other crates build against.
//! The implementation is a simple, correct serde_json one that the perf-record work replaces.

use std::borrow::Cow;

pub use jiff::Timestamp;

/// The outcome of one timed operation: a tri-state.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome<'a> {
    /// `ok: true`.
    Success,
    /// `ok: false`, with the reason when the producer gave one (`errorReason` or `err`).
    Error(Option<Cow<'a, str>>),
    /// No `ok` field: neither success nor error.
    Unknown,
}

/// One latency record, borrowing its strings from the line it was parsed from where it can.
#[derive(Debug, Clone, PartialEq)]
pub struct Record<'a> {
    /// When the operation happened (`ts`).
    pub ts: Timestamp,
    /// `sessionId`.
    pub session_id: Cow<'a, str>,
    /// `tool`.
    pub tool: Cow<'a, str>,
    /// `step`.
    pub step: Cow<'a, str>,
    /// Latency in milliseconds: finite and >= 0.
    pub ms: f64,
    /// `ok` / `errorReason`.
    pub outcome: Outcome<'a>,
}

/// What one line of a log is.
#[derive(Debug, Clone, PartialEq)]
pub enum Line<'a> {
    /// Empty or only white space.
    Blank,
    /// A valid record.
    Record(Record<'a>),
}

/// Why a line was rejected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    /// Not a JSON object.
    MalformedJson,
    /// A required field is absent.
    MissingField,
    /// A field has the wrong JSON type.
    WrongType,
    /// A required string is empty.
    EmptyString,
    /// `ms` is negative.
    NegativeMs,
    /// `ms` is not finite.
    NonFiniteMs,
    /// `ms` does not fit an f64.
    MsOutOfRange,
    /// `ts` is not an RFC 3339 timestamp with offset.
    BadTimestamp,
    /// The line is not UTF-8.
    InvalidUtf8,
    /// The line is longer than the cap.
    LineTooLong,
    /// The last line has no newline and does not parse.
    TruncatedFinalLine,
}

/// A rejected line, without its location.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{detail}")]
pub struct LineError {
    /// The kind of problem.
    pub kind: ErrorKind,
    /// The field concerned, when one is.
    pub field: Option<&'static str>,
    /// 1-based column, when known.
    pub column: Option<usize>,
    /// Human-readable detail.
    pub detail: String,
}

/// Parses one line (without its `\n`; a trailing `\r` is accepted).
pub fn parse_line(line: &[u8]) -> Result<Line<'_>, LineError> {
    let _ = line;
    Err(LineError {
        kind: ErrorKind::MalformedJson,
        field: None,
        column: None,
        detail: "skeleton".to_owned(),
    })
}

/// How many records of a group had each outcome.
///
/// `unknown` records are counted but are neither successes nor errors: they are excluded from
/// latency statistics and from the error rate.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct OutcomeCounts {
    /// `ok: true`.
    pub ok: u64,
    /// `ok: false`.
    pub errors: u64,
    /// No `ok` field.
    pub unknown: u64,
}

impl OutcomeCounts {
    /// Counts one outcome.
    pub fn add(&mut self, outcome: &Outcome<'_>) {
        match outcome {
            Outcome::Success => self.ok += 1,
            Outcome::Error(_) => self.errors += 1,
            Outcome::Unknown => self.unknown += 1,
        }
    }

    /// Adds another group's counts (for merging shards).
    pub fn merge(&mut self, other: &OutcomeCounts) {
        self.ok += other.ok;
        self.errors += other.errors;
        self.unknown += other.unknown;
    }

    /// All records, whatever their outcome.
    pub fn total(&self) -> u64 {
        self.ok + self.errors + self.unknown
    }

    /// Records with a known outcome (success or error): the ones latency statistics use.
    pub fn known(&self) -> u64 {
        self.ok + self.errors
    }

    /// `errors / (ok + errors)`, or `None` when no record has a known outcome.
    pub fn error_rate(&self) -> Option<f64> {
        let known = self.known();
        (known > 0).then(|| self.errors as f64 / known as f64)
    }
}

/// The identity of a budgeted group: one step of one tool.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
pub struct GroupKey {
    /// The record's `tool`.
    pub tool: String,
    /// The record's `step`.
    pub step: String,
}
