//! Streaming reading of JSONL logs: every physical line is counted, every rejected line is
//! reported with its location.

use std::fs::File;
use std::io::{self, BufRead, BufReader};

use camino::Utf8Path;

use crate::parse::{is_blank_bytes, parse_non_blank};
use crate::{ErrorKind, FieldMap, LineError, Record};

/// How lines are read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadConfig {
    /// Lines longer than this many bytes (without the `\n`) are rejected with
    /// [`ErrorKind::LineTooLong`] without being buffered whole.
    pub max_line_bytes: usize,
    /// Which key holds each field of the record (`--field ms=duration_ms`).
    pub fields: FieldMap,
}

/// The default line cap of every perf-gate reader: 1 MiB.
pub const DEFAULT_MAX_LINE_BYTES: usize = 1024 * 1024;

impl Default for ReadConfig {
    /// A [`DEFAULT_MAX_LINE_BYTES`] line cap.
    fn default() -> Self {
        ReadConfig {
            max_line_bytes: DEFAULT_MAX_LINE_BYTES,
            fields: FieldMap::default(),
        }
    }
}

/// How many lines a reader has seen, by what they were. `lines() = records + blank + rejected`
/// always holds because `lines()` is that sum and every line lands in exactly one field.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct LineCounts {
    /// Lines that held a valid record.
    pub records: u64,
    /// Empty or white-space-only lines.
    pub blank: u64,
    /// Lines rejected with a [`RecordError`].
    pub rejected: u64,
}

impl LineCounts {
    /// All lines: records, blank and rejected.
    pub fn lines(&self) -> u64 {
        self.records + self.blank + self.rejected
    }

    /// Adds another reader's counts (for totals over many files).
    pub fn merge(&mut self, other: &LineCounts) {
        self.records += other.records;
        self.blank += other.blank;
        self.rejected += other.rejected;
    }
}

/// A rejected line with its location. Displays as one line a producer can act on:
/// `logs/a.jsonl:17:12: field "ms": negative value -3.5`.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{input}:{line}{}: {}", column_suffix(*column), LineError::describe(*field, detail, *kind, others))]
pub struct RecordError {
    /// Where the line came from: a path, or a name such as `<stdin>`.
    pub input: String,
    /// 1-based line number.
    pub line: u64,
    /// 1-based byte column, when known.
    pub column: Option<usize>,
    /// The field concerned, when one is.
    pub field: Option<&'static str>,
    /// The kind of problem.
    pub kind: ErrorKind,
    /// Human-readable detail (without the field).
    pub detail: String,
    /// The line's other problems (see [`LineError::others`]).
    pub others: Vec<crate::Problem>,
}

fn column_suffix(column: Option<usize>) -> String {
    column
        .map(|column| format!(":{column}"))
        .unwrap_or_default()
}

impl RecordError {
    /// Locates a line error.
    pub fn new(input: impl Into<String>, line: u64, error: LineError) -> Self {
        RecordError {
            input: input.into(),
            line,
            column: error.column,
            field: error.field,
            kind: error.kind,
            detail: error.detail,
            others: error.others,
        }
    }
}

/// Why reading stopped or a line was rejected.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    /// One line was rejected; reading goes on.
    #[error(transparent)]
    Record(#[from] RecordError),
    /// The input could not be opened or read; reading stops.
    #[error("{input}: cannot read after line {line}: {error}")]
    Io {
        /// The path or name of the input.
        input: String,
        /// The last line read completely (0 when none).
        line: u64,
        /// The I/O error.
        #[source]
        error: io::Error,
    },
}

impl ReadError {
    /// The rejected line, when this is one.
    pub fn as_record_error(&self) -> Option<&RecordError> {
        match self {
            ReadError::Record(error) => Some(error),
            ReadError::Io { .. } => None,
        }
    }
}

/// Removes a UTF-8 byte order mark from the start of a log's first bytes.
pub fn strip_bom(bytes: &[u8]) -> &[u8] {
    bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes)
}

/// Reads records from any [`BufRead`], line by line, counting every line.
///
/// As an [`Iterator`] it yields owned records and errors (reading goes on after a
/// [`ReadError::Record`] and stops after a [`ReadError::Io`]); [`RecordReader::next_record`]
/// yields records borrowing from the reader's buffer, without allocation. Blank lines are
/// counted, not yielded. A UTF-8 byte order mark at the very start is skipped; `\r\n` endings
/// are accepted; a final line without `\n` that is not valid JSON is reported as
/// [`ErrorKind::TruncatedFinalLine`].
#[derive(Debug)]
pub struct RecordReader<R> {
    input: String,
    reader: R,
    config: ReadConfig,
    buffer: Vec<u8>,
    line_number: u64,
    counts: LineCounts,
    finished: bool,
}

impl RecordReader<BufReader<File>> {
    /// Opens a file for reading.
    pub fn open(path: &Utf8Path, config: ReadConfig) -> Result<Self, ReadError> {
        let file = File::open(path).map_err(|error| ReadError::Io {
            input: path.to_string(),
            line: 0,
            error,
        })?;
        Ok(RecordReader::new(
            path.as_str(),
            BufReader::new(file),
            config,
        ))
    }
}

/// One physical line as read.
struct RawLine {
    /// Whether it ended with `\n` (false only for the last line of the input).
    terminated: bool,
    /// Its length in bytes when it went over the cap (its bytes were not kept).
    too_long: Option<u64>,
}

impl<R: BufRead> RecordReader<R> {
    /// Reads from `reader`; `input` names it in errors (a path, or e.g. `<stdin>`).
    pub fn new(input: impl Into<String>, reader: R, config: ReadConfig) -> Self {
        RecordReader {
            input: input.into(),
            reader,
            config,
            buffer: Vec::new(),
            line_number: 0,
            counts: LineCounts::default(),
            finished: false,
        }
    }

    /// The lines seen so far, by what they were.
    pub fn counts(&self) -> LineCounts {
        self.counts
    }

    /// The name of the input, as given.
    pub fn input(&self) -> &str {
        &self.input
    }

    /// The next record borrowing from the reader's buffer, or the next error; `None` at the end.
    pub fn next_record(&mut self) -> Option<Result<Record<'_>, ReadError>> {
        let (start, terminated) = match self.next_content()? {
            Ok(content) => content,
            Err(error) => return Some(Err(error)),
        };
        match parse_non_blank(&self.buffer[start..], &self.config.fields) {
            Ok(record) => {
                self.counts.records += 1;
                Some(Ok(record))
            }
            Err(mut error) => {
                self.counts.rejected += 1;
                if !terminated && error.kind == ErrorKind::MalformedJson {
                    error.kind = ErrorKind::TruncatedFinalLine;
                    error.detail = format!("last line has no newline: {}", error.detail);
                }
                Some(Err(self.locate(error)))
            }
        }
    }

    /// The next record as a normalized line ([`normalize_line`](crate::normalize_line): explicit
    /// outcomes, stable field order, other fields kept), or the next error; `None` at the end.
    /// Blank lines are counted and skipped, like [`next_record`](Self::next_record) does.
    pub fn next_normalized(&mut self) -> Option<Result<String, ReadError>> {
        let (start, _) = match self.next_content()? {
            Ok(content) => content,
            Err(error) => return Some(Err(error)),
        };
        match crate::normalize_line_with(&self.buffer[start..], &self.config.fields) {
            Ok(Some(line)) => {
                self.counts.records += 1;
                Some(Ok(line))
            }
            // `next_content` skips blank lines already; should the two ever disagree, the line
            // is still counted once, as blank.
            Ok(None) => {
                self.counts.blank += 1;
                self.next_normalized()
            }
            Err(error) => {
                self.counts.rejected += 1;
                Some(Err(self.locate(error)))
            }
        }
    }

    /// Reads up to the next non-blank line that is within the cap: where its content starts in
    /// the buffer (after a BOM) and whether it ended with a newline. Counts blank and over-long
    /// lines on the way.
    fn next_content(&mut self) -> Option<Result<(usize, bool), ReadError>> {
        let (start, terminated) = loop {
            if self.finished {
                return None;
            }
            let raw = match self.read_raw_line() {
                Ok(Some(raw)) => raw,
                Ok(None) => {
                    self.finished = true;
                    return None;
                }
                Err(error) => {
                    self.finished = true;
                    return Some(Err(ReadError::Io {
                        input: self.input.clone(),
                        line: self.line_number,
                        error,
                    }));
                }
            };
            self.line_number += 1;
            if let Some(length) = raw.too_long {
                self.counts.rejected += 1;
                let error = LineError {
                    kind: ErrorKind::LineTooLong,
                    field: None,
                    column: None,
                    detail: format!(
                        "line of {length} bytes is longer than the {}-byte limit",
                        self.config.max_line_bytes
                    ),
                    others: Vec::new(),
                };
                return Some(Err(self.locate(error)));
            }
            let start = if self.line_number == 1 {
                self.buffer.len() - strip_bom(&self.buffer).len()
            } else {
                0
            };
            if is_blank_bytes(&self.buffer[start..]) {
                self.counts.blank += 1;
                continue;
            }
            break (start, raw.terminated);
        };
        Some(Ok((start, terminated)))
    }

    fn locate(&self, error: LineError) -> ReadError {
        ReadError::Record(RecordError::new(
            self.input.clone(),
            self.line_number,
            error,
        ))
    }

    /// Reads the next line into `self.buffer` (without `\n`), or skips it when too long.
    fn read_raw_line(&mut self) -> io::Result<Option<RawLine>> {
        self.buffer.clear();
        let mut length: u64 = 0;
        let mut too_long = false;
        loop {
            let available = match self.reader.fill_buf() {
                Ok(available) => available,
                Err(error) if error.kind() == io::ErrorKind::Interrupted => continue,
                Err(error) => return Err(error),
            };
            if available.is_empty() {
                if length == 0 {
                    return Ok(None);
                }
                return Ok(Some(RawLine {
                    terminated: false,
                    too_long: too_long.then_some(length),
                }));
            }
            let (chunk, consumed, terminated) = match memchr::memchr(b'\n', available) {
                Some(end) => (&available[..end], end + 1, true),
                None => (available, available.len(), false),
            };
            length += chunk.len() as u64;
            if length > self.config.max_line_bytes as u64 {
                too_long = true;
                self.buffer.clear();
            } else {
                self.buffer.extend_from_slice(chunk);
            }
            self.reader.consume(consumed);
            if terminated {
                return Ok(Some(RawLine {
                    terminated: true,
                    too_long: too_long.then_some(length),
                }));
            }
        }
    }
}

impl<R: BufRead> Iterator for RecordReader<R> {
    type Item = Result<Record<'static>, ReadError>;

    fn next(&mut self) -> Option<Self::Item> {
        self.next_record()
            .map(|result| result.map(Record::into_owned))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str =
        r#"{"ts":"2025-10-16T23:34:46Z","sessionId":"s","tool":"t","step":"x","ms":1.5}"#;

    fn read_all(input: &[u8], config: ReadConfig) -> (Vec<Result<f64, RecordError>>, LineCounts) {
        let mut reader = RecordReader::new("mem", input, config);
        let results = reader
            .by_ref()
            .map(|result| match result {
                Ok(record) => Ok(record.ms),
                Err(ReadError::Record(error)) => Err(error),
                Err(error) => panic!("unexpected I/O error {error}"),
            })
            .collect();
        (results, reader.counts())
    }

    #[test]
    fn accepts_bom_crlf_and_blank_lines() {
        let input = format!("\u{feff}{GOOD}\r\n\r\n   \n{GOOD}\r\n");
        let (results, counts) = read_all(input.as_bytes(), ReadConfig::default());
        assert_eq!(results, vec![Ok(1.5), Ok(1.5)]);
        assert_eq!((counts.lines(), counts.records, counts.blank), (4, 2, 2));
    }

    #[test]
    fn bom_is_only_skipped_at_the_start() {
        let input = format!("{GOOD}\n\u{feff}{GOOD}\n");
        let (results, _) = read_all(input.as_bytes(), ReadConfig::default());
        let error = results[1].clone().unwrap_err();
        assert_eq!((error.line, error.kind), (2, ErrorKind::MalformedJson));
    }

    #[test]
    fn truncated_final_line_is_reported() {
        let input = format!("{GOOD}\n{}", &GOOD[..40]);
        let (results, counts) = read_all(input.as_bytes(), ReadConfig::default());
        let error = results[1].clone().unwrap_err();
        assert_eq!((error.line, error.kind), (2, ErrorKind::TruncatedFinalLine));
        assert_eq!((counts.lines(), counts.rejected), (2, 1));
    }

    #[test]
    fn complete_final_line_without_newline_is_a_record() {
        let (results, counts) = read_all(GOOD.as_bytes(), ReadConfig::default());
        assert_eq!(results, vec![Ok(1.5)]);
        assert_eq!(counts.lines(), 1);
    }

    #[test]
    fn too_long_line_is_skipped_and_reading_goes_on() {
        let long = format!(r#"{{"pad":"{}"}}"#, "x".repeat(100_000));
        let input = format!("{GOOD}\n{long}\n{GOOD}\n");
        // A small buffer makes the long line span many reads.
        let reader = std::io::BufReader::with_capacity(64, input.as_bytes());
        let mut reader = RecordReader::new(
            "mem",
            reader,
            ReadConfig {
                max_line_bytes: 1000,
                ..ReadConfig::default()
            },
        );
        let results: Vec<_> = reader.by_ref().collect();
        assert_eq!(results.len(), 3);
        let error = results[1].as_ref().unwrap_err().as_record_error().unwrap();
        assert_eq!((error.line, error.kind), (2, ErrorKind::LineTooLong));
        assert_eq!(
            error.to_string(),
            "mem:2: line of 100010 bytes is longer than the 1000-byte limit"
        );
        assert!(
            reader.buffer.capacity() < 2000,
            "the long line was buffered"
        );
        assert!(results[2].is_ok());
        assert_eq!(reader.counts().lines(), 3);
    }

    #[test]
    fn invalid_utf8_is_reported_with_line_and_column() {
        let mut input = format!("{GOOD}\n").into_bytes();
        input.extend_from_slice(b"{\"ts\":\"\xc3\x28\"}\n");
        let (results, counts) = read_all(&input, ReadConfig::default());
        let error = results[1].clone().unwrap_err();
        assert_eq!(
            (error.line, error.column, error.kind),
            (2, Some(8), ErrorKind::InvalidUtf8)
        );
        assert_eq!(counts.rejected, 1);
    }

    #[test]
    fn io_errors_stop_reading() {
        struct Failing;
        impl std::io::Read for Failing {
            fn read(&mut self, _: &mut [u8]) -> std::io::Result<usize> {
                Err(std::io::Error::other("disk on fire"))
            }
        }
        let mut reader = RecordReader::new(
            "bad",
            std::io::BufReader::new(Failing),
            ReadConfig::default(),
        );
        let error = reader.next().unwrap().unwrap_err();
        assert_eq!(
            error.to_string(),
            "bad: cannot read after line 0: disk on fire"
        );
        assert!(reader.next().is_none());
    }

    #[test]
    fn open_reports_missing_files() {
        let error =
            RecordReader::open(Utf8Path::new("/nonexistent/x.jsonl"), ReadConfig::default())
                .unwrap_err();
        assert!(
            error
                .to_string()
                .starts_with("/nonexistent/x.jsonl: cannot read"),
            "{error}"
        );
    }

    #[test]
    fn next_record_borrows_without_allocation() {
        let input = format!("{GOOD}\n");
        let mut reader = RecordReader::new("mem", input.as_bytes(), ReadConfig::default());
        let record = reader.next_record().unwrap().unwrap();
        assert!(matches!(record.tool, std::borrow::Cow::Borrowed("t")));
    }
}
