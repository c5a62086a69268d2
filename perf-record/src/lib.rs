//! The perf-gate latency record: one JSON object per line.
//!
//! This crate is the contract between the programs that produce latency logs and the rest of
//! perf-gate. It parses one line into a [`Record`] (borrowing its strings, with a fast scanner
//! for the common shape and serde_json for everything else), reads whole streams and files while
//! accounting for every line ([`RecordReader`], [`LineCounts`]), writes records back as compact
//! JSONL in a stable field order ([`write_record`]) and normalizes outcomes
//! ([`normalize_line`]). Every rejected line gets an error that names the line, the column where
//! known, the field and the kind of problem, and every other problem of the line besides. Logs
//! that spell the fields otherwise are read through a [`FieldMap`] ([`parse_line_with`]). The
//! format is documented in [`LOG_FORMAT`] (`FORMAT.md`).
//!
//! Speed (`cargo bench -p perf-record --bench parse`, 1,000 lines of about 125 bytes, 2026-11-22,
//! 2-vCPU AMD EPYC VM): [`parse_line`] about 145 ns a line with full validation (timestamps,
//! `ms` range, required fields), the serde_json reference parser about 570 ns, and a plain
//! `#[derive(Deserialize)]` struct without any validation about 270 ns. A line nested deeper than
//! 32 levels is rejected as malformed rather than recursed into.
//!
//! It is not for statistics (`perf-stats`), for walking directories or filtering
//! (`perf-collect`) or for judging budgets (`perf-budget`).
//!
//! ```
//! use perf_record::{ReadConfig, RecordReader, ErrorKind};
//!
//! let log = concat!(
//!     r#"{"ts":"2025-10-16T23:34:46.422Z","sessionId":"s1","tool":"wsap","step":"import","ms":24.723,"ok":true}"#, "\n",
//!     "\n",
//!     r#"{"ts":"2025-10-16T23:34:47Z","sessionId":"s1","tool":"wsap","step":"import","ms":-3.5}"#, "\n",
//! );
//! let mut reader = RecordReader::new("logs/a.jsonl", log.as_bytes(), ReadConfig::default());
//! let results: Vec<_> = reader.by_ref().collect();
//! assert_eq!(results[0].as_ref().map(|record| record.ms).ok(), Some(24.723));
//! let error = results[1].as_ref().unwrap_err().as_record_error().unwrap();
//! assert_eq!(error.kind, ErrorKind::NegativeMs);
//! assert_eq!(error.to_string(), r#"logs/a.jsonl:3:86: field "ms": negative value -3.5"#);
//! let counts = reader.counts();
//! assert_eq!((counts.lines(), counts.records, counts.blank, counts.rejected), (3, 1, 1, 1));
//! ```

/// The log format, every field with its type and whether it is required, and two example lines
/// (Markdown; the README's "Log format" section and `perf-gate help format`).
pub const LOG_FORMAT: &str = include_str!("../FORMAT.md");

mod atomic;
mod directory;
mod fields;
mod group;
mod measure;
mod normalize;
mod parse;
mod read;
mod stored;
mod timestamp;
mod write;

use std::borrow::Cow;
use std::fmt;

pub use atomic::{WriteError, read_to_string_capped, temporary_directory, write_atomically};
pub use directory::{Replacement, StagedDirectory, SwapRefusal};
pub use fields::{Field, FieldMap, FieldMapError, FieldMapping};
pub use group::{
    GroupKey, GroupKeyError, GroupName, GroupSamples, LatencyOf, LatencyOfError, MeasureSamples,
    NoThroughput, OutcomeCounts, ReportedStatistics, THROUGHPUT_MEASURE, TimeSpan,
};
pub use jiff::Timestamp;
pub use measure::{
    Direction, MAX_MEASURE, MAX_MEASURE_NAME_BYTES, MeasureError, MeasureUnit, Measures,
    validate_measure, validate_measure_name,
};
pub use normalize::{http_reason, normalize_line, normalize_line_with};
pub use parse::{
    parse_line, parse_line_reference, parse_line_reference_with, parse_line_with, parse_text_with,
};
pub use read::{
    DEFAULT_MAX_LINE_BYTES, LineCounts, ReadConfig, ReadError, RecordError, RecordReader, strip_bom,
};
pub use stored::{
    GroupData, GroupPart, LatencyOfView, LoadError, SpillDirectory, SpilledPart, StoredGroup,
    latency_of_view, spill_groups,
};
pub use write::{TimestampText, civil_from_days, push_record, record_to_line, write_record};

/// The largest `ms` a record may hold: 10^12 ms, about 31.7 years. A larger latency is a rejected
/// line (`ms-out-of-range`), so that no sum, moment or interval bound of a group's latencies can
/// overflow to infinity (10^12 squared times any realistic sample count is far below
/// `f64::MAX`).
pub const MAX_MS: f64 = 1e12;

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
    /// `sessionId`, optional: empty when the line has none (a `sessionId` given in a line is
    /// never empty).
    pub session_id: Cow<'a, str>,
    /// `tool`.
    pub tool: Cow<'a, str>,
    /// `step`.
    pub step: Cow<'a, str>,
    /// Latency in milliseconds: finite and >= 0.
    pub ms: f64,
    /// `ok` / `errorReason`.
    pub outcome: Outcome<'a>,
    /// `measures`: further named numbers (peak memory, allocations, ...); empty when the line
    /// has none.
    pub measures: Measures<'a>,
}

/// What one line of a log is.
#[derive(Debug, Clone, PartialEq)]
pub enum Line<'a> {
    /// Empty or only white space.
    Blank,
    /// A valid record.
    Record(Record<'a>),
    /// A valid record written during a warm-up (`"phase": "warmup"`, as `perf-gate probe` writes
    /// them): kept in the file, left out of statistics unless asked for.
    Warmup(Record<'a>),
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
    /// `ms` does not fit an f64, or is above [`MAX_MS`].
    MsOutOfRange,
    /// `ts` is neither an RFC 3339 timestamp with offset nor epoch seconds or milliseconds.
    BadTimestamp,
    /// The line is not UTF-8.
    InvalidUtf8,
    /// The line is longer than the cap.
    LineTooLong,
    /// The last line has no newline and does not parse.
    TruncatedFinalLine,
    /// A summary record (`"kind": "summary"`, written by `perf-gate import` for a tool that
    /// reports only aggregates): it has no raw sample to read as a record.
    SummaryRecord,
    /// A measure in `measures` has a bad name (not `^[a-z][a-z0-9_]{0,63}$`, or `ms`), a
    /// negative value or one that does not fit an f64, or appears twice.
    InvalidMeasure,
}

/// A rejected line, without its location.
///
/// `kind`, `field`, `column` and `detail` describe the line's first problem; `others` holds
/// every further problem of the same line, so that one message names them all. With one
/// problem it displays as `field "ms": negative value -3.5` (or just the detail when no field is
/// concerned); with more, missing fields come first, then every other problem in line order:
/// `missing ts, tool; ms: expected a number, found a string`. [`RecordError`] adds the source and
/// line.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub struct LineError {
    /// The kind of the first problem.
    pub kind: ErrorKind,
    /// The field concerned, when one is.
    pub field: Option<&'static str>,
    /// 1-based column in bytes, when known.
    pub column: Option<usize>,
    /// Human-readable detail.
    pub detail: String,
    /// The line's other problems, besides the first (empty when it has one).
    pub others: Vec<Problem>,
}

/// One more problem of a rejected line (see [`LineError::others`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The kind of problem.
    pub kind: ErrorKind,
    /// The field concerned, when one is.
    pub field: Option<&'static str>,
    /// Human-readable detail.
    pub detail: String,
}

impl fmt::Display for LineError {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(&LineError::describe(
            self.field,
            &self.detail,
            self.kind,
            &self.others,
        ))
    }
}

impl LineError {
    /// `field "ms": detail`, or just the detail when no field is concerned; with other problems,
    /// `missing ts, tool; ms: detail; ...` (missing fields first, then the rest in order).
    fn describe(field: Option<&str>, detail: &str, kind: ErrorKind, others: &[Problem]) -> String {
        if others.is_empty() {
            return match field {
                Some(field) => format!("field {field:?}: {detail}"),
                None => detail.to_owned(),
            };
        }
        let all = std::iter::once((kind, field, detail)).chain(
            others
                .iter()
                .map(|problem| (problem.kind, problem.field, problem.detail.as_str())),
        );
        let mut missing = Vec::new();
        let mut rest = Vec::new();
        for (kind, field, detail) in all {
            match (kind, field) {
                (ErrorKind::MissingField, Some(field)) => missing.push(field),
                (_, Some(field)) => rest.push(format!("{field}: {detail}")),
                (_, None) => rest.push(detail.to_owned()),
            }
        }
        let mut parts = Vec::with_capacity(rest.len() + 1);
        if !missing.is_empty() {
            parts.push(format!("missing {}", missing.join(", ")));
        }
        parts.extend(rest);
        parts.join("; ")
    }

    /// The line's problems, first one first: `(kind, field, detail)`.
    pub fn problems(&self) -> impl Iterator<Item = (ErrorKind, Option<&'static str>, &str)> {
        std::iter::once((self.kind, self.field, self.detail.as_str())).chain(
            self.others
                .iter()
                .map(|problem| (problem.kind, problem.field, problem.detail.as_str())),
        )
    }
}

impl ErrorKind {
    /// A short stable name for reports (`negative-ms`).
    pub fn name(self) -> &'static str {
        match self {
            ErrorKind::MalformedJson => "malformed-json",
            ErrorKind::MissingField => "missing-field",
            ErrorKind::WrongType => "wrong-type",
            ErrorKind::EmptyString => "empty-string",
            ErrorKind::NegativeMs => "negative-ms",
            ErrorKind::NonFiniteMs => "non-finite-ms",
            ErrorKind::MsOutOfRange => "ms-out-of-range",
            ErrorKind::BadTimestamp => "bad-timestamp",
            ErrorKind::InvalidUtf8 => "invalid-utf8",
            ErrorKind::LineTooLong => "line-too-long",
            ErrorKind::TruncatedFinalLine => "truncated-final-line",
            ErrorKind::SummaryRecord => "summary-record",
            ErrorKind::InvalidMeasure => "invalid-measure",
        }
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(self.name())
    }
}

impl Outcome<'_> {
    /// Copies borrowed strings so the outcome outlives its line.
    pub fn into_owned(self) -> Outcome<'static> {
        match self {
            Outcome::Success => Outcome::Success,
            Outcome::Error(reason) => Outcome::Error(reason.map(|r| Cow::Owned(r.into_owned()))),
            Outcome::Unknown => Outcome::Unknown,
        }
    }

    /// The same outcome telling the truth explicitly: an error without a reason gets
    /// `"unspecified"`.
    pub fn normalized(self) -> Self {
        match self {
            Outcome::Error(None) => Outcome::Error(Some(Cow::Borrowed("unspecified"))),
            other => other,
        }
    }
}

impl Record<'_> {
    /// Copies borrowed strings so the record outlives its line.
    pub fn into_owned(self) -> Record<'static> {
        Record {
            ts: self.ts,
            session_id: Cow::Owned(self.session_id.into_owned()),
            tool: Cow::Owned(self.tool.into_owned()),
            step: Cow::Owned(self.step.into_owned()),
            ms: self.ms,
            outcome: self.outcome.into_owned(),
            measures: self.measures.into_owned(),
        }
    }

    /// The group this record belongs to (allocates the two strings).
    pub fn group_key(&self) -> GroupKey {
        GroupKey {
            tool: self.tool.as_ref().to_owned(),
            step: self.step.as_ref().to_owned(),
        }
    }

    /// Checks the rules a parsed record always satisfies (for records built in code):
    /// non-empty `tool`, `step`; finite `ms` from 0 to [`MAX_MS`]; `ts` from 0000-01-01T00:00:00Z on (`sessionId` may be empty: none).
    pub fn validate(&self) -> Result<(), LineError> {
        for (field, text) in [("tool", &self.tool), ("step", &self.step)] {
            parse::validate_required(field, Cow::Borrowed(text.as_ref()))
                .map_err(|error| error.at(None))?;
        }
        parse::validate_ms(self.ms).map_err(|error| error.at(None))?;
        timestamp::validate(self.ts).map_err(|error| error.at(None))?;
        Ok(())
    }
}
