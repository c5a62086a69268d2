//! The reading pipeline shared by collection and aggregation: files are cut into work units
//! (newline-aligned chunks of plain files, whole gzip streams), read in parallel into reused
//! buffers, split into lines, parsed by perf-record, filtered, and handed to a per-unit sink.

use std::fmt;
use std::fs::File;
use std::io::{self, BufReader, Read, Seek, SeekFrom};
use std::sync::{Arc, Mutex};

use camino::Utf8PathBuf;
use perf_record::{ErrorKind, FieldMap, Line, Record, parse_line_with, parse_text_with};
use rayon::prelude::*;

use crate::CollectError;
use crate::discover::{Compression, GZIP_MAGIC, Origin, SourceFile};
use crate::filter::CompiledFilter;
use crate::lines::{RawLine, ScanRange, scan_lines};

/// The default line cap: a longer line is rejected without being buffered whole. The same cap
/// as the record reader's.
pub const DEFAULT_MAX_LINE_BYTES: usize = perf_record::DEFAULT_MAX_LINE_BYTES;

/// Told how far a scan has got, so a caller can draw progress. This crate never draws anything
/// itself; the callbacks come from the reading threads, so they must be cheap.
pub trait Progress: Send + Sync {
    /// The scan starts: this many bytes of input are listed (0 for standard input alone).
    fn start(&self, total_bytes: u64);
    /// Another work unit of this many bytes is done.
    fn advance(&self, bytes: u64);
    /// The scan is over.
    fn finish(&self);
}

/// How to read the files.
#[derive(Debug, Clone)]
pub struct ScanConfig {
    /// Lines longer than this many bytes (without the newline) are rejected as too long.
    pub max_line_bytes: usize,
    /// How many rejected lines to keep for printing; all of them are counted regardless.
    pub rejections_kept: usize,
    /// Plain files larger than this are read as several chunks in parallel.
    pub chunk_bytes: u64,
    /// Who to tell how far the scan has got; `None` tells nobody.
    pub progress: Option<Arc<dyn Progress>>,
    /// Which key of a line holds each field of the record (`--field ms=duration_ms`).
    pub fields: FieldMap,
}

impl fmt::Debug for dyn Progress {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("Progress")
    }
}

impl Default for ScanConfig {
    fn default() -> Self {
        Self {
            max_line_bytes: DEFAULT_MAX_LINE_BYTES,
            rejections_kept: 100,
            chunk_bytes: 8 * 1024 * 1024,
            progress: None,
            fields: FieldMap::default(),
        }
    }
}

/// Size of one read; also the buffer each worker reuses for every chunk it reads. 128 KiB, not
/// 1 MiB: the kernel copies a file's pages into a buffer that stays in the core's cache at half
/// the cost (measured with plain `read` loops over the bench corpora: 0.13-0.18 s of system
/// time with 1 MiB buffers, 0.04-0.08 s with 64-128 KiB ones).
const BLOCK_BYTES: usize = 128 * 1024;

/// What happened to the lines of one file, or of all files. The fields always add up:
/// `lines == accepted + filtered_out + rejected + blank`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LineCounts {
    /// Every line read, including blank and rejected ones.
    pub lines: u64,
    /// Valid records that passed the filter.
    pub accepted: u64,
    /// Valid records that the filter dropped.
    pub filtered_out: u64,
    /// Lines that are not valid records.
    pub rejected: u64,
    /// Empty or white-space-only lines.
    pub blank: u64,
}

impl LineCounts {
    /// Whether `lines == accepted + filtered_out + rejected + blank`.
    pub fn adds_up(&self) -> bool {
        self.lines == self.accepted + self.filtered_out + self.rejected + self.blank
    }

    /// Adds another file's counts.
    pub fn merge(&mut self, other: &LineCounts) {
        self.lines += other.lines;
        self.accepted += other.accepted;
        self.filtered_out += other.filtered_out;
        self.rejected += other.rejected;
        self.blank += other.blank;
    }
}

/// One rejected line, printed as `path:line: reason`.
#[derive(Debug, Clone, PartialEq)]
pub struct Rejection {
    /// The file.
    pub path: Utf8PathBuf,
    /// 1-based line number in the (decompressed) file.
    pub line: u64,
    /// What is wrong.
    pub kind: ErrorKind,
    /// The reason, precise enough to fix the producer.
    pub reason: String,
}

impl fmt::Display for Rejection {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(formatter, "{}:{}: {}", self.path, self.line, self.reason)
    }
}

/// The accounting of one file.
#[derive(Debug, Clone, PartialEq)]
pub struct FileReport {
    /// The file.
    pub path: Utf8PathBuf,
    /// Its size when listed (compressed size for gzip).
    pub bytes: u64,
    /// What happened to its lines.
    pub lines: LineCounts,
}

/// The accounting of a whole run: every line of every file is in exactly one count.
#[derive(Debug, Default)]
pub struct ScanReport {
    /// Roots walked.
    pub roots_scanned: usize,
    /// One entry per file read, in reading order.
    pub files: Vec<FileReport>,
    /// The sum of all files' counts.
    pub totals: LineCounts,
    /// The first [`ScanConfig::rejections_kept`] rejected lines, in file and line order.
    pub rejections: Vec<Rejection>,
    /// Files and directories that could not be (fully) read; the run went on without them.
    pub problems: Vec<CollectError>,
    /// Files the walk found and did not read (other names, symbolic links, own output).
    pub skipped: crate::Skipped,
    /// Rejected lines that one [`JSON_DOCUMENT_REASON`] rejection stands for, besides its own.
    pub lines_in_documents: u64,
}

impl ScanReport {
    /// Rejected lines that [`ScanReport::rejections`] does not list (beyond the cap), not
    /// counting the lines of a JSON document, which its one rejection stands for.
    pub fn unlisted_rejections(&self) -> u64 {
        self.totals
            .rejected
            .saturating_sub(self.rejections.len() as u64 + self.lines_in_documents)
    }

    /// An error when the input held something (a line that is not blank) yet not one record
    /// was accepted: every line rejected or every record filtered out. `summarize` and
    /// `collect` stop with it, so that a schema mismatch is never a silent empty result.
    pub fn check_something_accepted(&self) -> Result<(), CollectError> {
        let totals = &self.totals;
        let non_blank = totals.lines - totals.blank;
        if totals.accepted > 0 || non_blank == 0 {
            return Ok(());
        }
        Err(CollectError::NothingAccepted {
            lines: non_blank,
            files: self.files.len(),
            rejected: totals.rejected,
            filtered_out: totals.filtered_out,
            first: self.rejections.first().map(ToString::to_string),
        })
    }
}

/// The one rejection kept for a file that is a single (pretty-printed) JSON document rather
/// than JSON Lines, instead of one per line.
pub const JSON_DOCUMENT_REASON: &str = "this is one JSON document, not JSON Lines (one record \
    per line); if it is another tool's output (k6, hyperfine, JMeter, ...), read it with \
    `perf-gate import` or `--from auto`";

/// Receives the accepted records of one work unit.
///
/// A scan reads its work units (chunks of plain files, whole gzip files, standard input) in
/// parallel and gives each one a sink of its own, made by the caller's factory; [`Scan::sinks`]
/// comes back in file and offset order, so draining the sinks one after another gives source
/// order. Aggregation ([`GroupingSink`](crate::GroupingSink)), collection
/// ([`CollectingSink`](crate::CollectingSink)) and any caller's own consumer are sinks of one
/// scan; a pair of sinks is a sink too, so one pass over the logs can feed both.
pub trait RecordSink: Send {
    /// Takes one record that passed the filter.
    fn accept(&mut self, record: &Record<'_>);

    /// Its work unit is read to the end: no record comes after this. (A spilling sink may
    /// write what it holds; the default does nothing.)
    fn finish(&mut self) {}
}

impl<A: RecordSink, B: RecordSink> RecordSink for (A, B) {
    fn accept(&mut self, record: &Record<'_>) {
        self.0.accept(record);
        self.1.accept(record);
    }

    fn finish(&mut self) {
        self.0.finish();
        self.1.finish();
    }
}

/// What one scan produced: a sink per work unit, in source order, and the accounting.
#[derive(Debug)]
pub struct Scan<S> {
    /// The sinks, in file and offset order.
    pub sinks: Vec<S>,
    /// Lines, rejections and problems, per file and in total.
    pub report: ScanReport,
}

/// One piece of work: a chunk of a plain file, a whole gzip file, or a batch of consecutive small
/// plain files read whole one after another (so that many small files cost one sink, one
/// buffer and one task, not one each).
#[derive(Debug, Clone, Copy)]
struct Unit {
    /// The first (or only) file.
    file: usize,
    /// How many consecutive files, from `file`, the unit reads whole (1 for a chunk).
    files: usize,
    range: ScanRange,
    bytes: u64,
}

/// A rejection located by its line number within its unit.
struct UnitRejection {
    line: u64,
    kind: ErrorKind,
    reason: String,
}

enum UnitFailure {
    Open(io::Error),
    Read(io::Error),
}

/// What one work unit produced: the sink, and the accounting of each file it read.
struct UnitResult<S> {
    parts: Vec<FilePart>,
    sink: S,
}

/// The accounting of one file (or one chunk of one) within a work unit.
struct FilePart {
    file: usize,
    /// The unit starts at the file's first byte and its first non-blank line opens a JSON
    /// document that does not close on that line (`{` or `[` of a pretty-printed document).
    opens_document: bool,
    counts: LineCounts,
    rejections: Vec<UnitRejection>,
    failure: Option<(u64, UnitFailure)>,
}

/// Cuts the files into work units: large plain files into chunks of `chunk_bytes`, runs of
/// consecutive small plain files into batches of at most `batch_bytes` (at least one file each).
fn plan_units(files: &[SourceFile], chunk_bytes: u64, batch_bytes: u64) -> Vec<Unit> {
    let chunk_bytes = chunk_bytes.max(1);
    let whole = ScanRange {
        start: 0,
        skip_first_line: false,
        owned_end: u64::MAX,
        strip_bom: true,
    };
    let mut units: Vec<Unit> = Vec::new();
    // The batch being filled: the last unit, while it holds small files only.
    let mut batch_open = false;
    for (index, file) in files.iter().enumerate() {
        let sequential = file.compression == Compression::Gzip || file.origin != Origin::File;
        let small = !sequential && file.bytes <= batch_bytes;
        if small {
            match units.last_mut() {
                Some(batch)
                    if batch_open
                        && batch.file + batch.files == index
                        && batch.bytes + file.bytes <= batch_bytes =>
                {
                    batch.files += 1;
                    batch.bytes += file.bytes;
                }
                _ => {
                    units.push(Unit {
                        file: index,
                        files: 1,
                        range: whole,
                        bytes: file.bytes,
                    });
                    batch_open = true;
                }
            }
            continue;
        }
        batch_open = false;
        if sequential || file.bytes <= chunk_bytes {
            units.push(Unit {
                file: index,
                files: 1,
                range: whole,
                bytes: file.bytes,
            });
            continue;
        }
        let mut start = 0u64;
        while start < file.bytes {
            let end = start + chunk_bytes;
            // The last chunk owns everything to the listed size (the reader stops there).
            let owned_end = if end >= file.bytes { u64::MAX } else { end };
            let range = if start == 0 {
                ScanRange { owned_end, ..whole }
            } else {
                ScanRange {
                    start: start - 1,
                    skip_first_line: true,
                    owned_end,
                    strip_bom: false,
                }
            };
            units.push(Unit {
                file: index,
                files: 1,
                range,
                bytes: end.min(file.bytes) - start,
            });
            start = end;
        }
    }
    units
}

/// Reads `files` in parallel and returns the accounting and one sink per work unit, in file and
/// offset order (so concatenating the sinks' contents gives source order).
pub(crate) fn scan_files<S: RecordSink>(
    files: &[SourceFile],
    filter: &CompiledFilter,
    config: &ScanConfig,
    make_sink: impl Fn() -> S + Sync,
) -> (ScanReport, Vec<S>) {
    let total_bytes: u64 = files.iter().map(|file| file.bytes).sum();
    // Batches small enough that every thread gets several, and never larger than a chunk.
    let threads = rayon::current_num_threads() as u64;
    let batch_bytes = (total_bytes / (threads * 4).max(1))
        .max(64 * 1024)
        .min(config.chunk_bytes.max(1));
    let units = plan_units(files, config.chunk_bytes, batch_bytes);
    let progress = config.progress.as_deref();
    if let Some(progress) = progress {
        progress.start(total_bytes);
    }

    // Read buffers are handed from unit to unit: `map_init` would make one per rayon job (a
    // fresh megabyte to map and zero for most units), a pool makes one per thread at most.
    let buffers: Mutex<Vec<Vec<u8>>> = Mutex::new(Vec::new());
    let results: Vec<UnitResult<S>> = units
        .par_iter()
        .map(|unit| {
            let mut buffer = buffers
                .lock()
                .ok()
                .and_then(|mut free| free.pop())
                .unwrap_or_default();
            let result = read_unit(files, unit, filter, config, &mut buffer, make_sink());
            if let Ok(mut free) = buffers.lock() {
                free.push(buffer);
            }
            if let Some(progress) = progress {
                progress.advance(unit.bytes);
            }
            result
        })
        .collect();
    if let Some(progress) = progress {
        progress.finish();
    }

    let mut report = ScanReport {
        files: files
            .iter()
            .map(|file| FileReport {
                path: file.path.clone(),
                bytes: file.bytes,
                lines: LineCounts::default(),
            })
            .collect(),
        ..ScanReport::default()
    };
    let mut sinks = Vec::with_capacity(results.len());
    let mut failed_files = vec![false; files.len()];
    let mut documents = vec![false; files.len()];
    for result in results {
        for part in result.parts {
            absorb_part(
                &mut report,
                files,
                config,
                &mut failed_files,
                &mut documents,
                part,
            );
        }
        sinks.push(result.sink);
    }
    collapse_documents(&mut report, &documents);
    (report, sinks)
}

/// Adds one file part's counts, rejections (numbered within the file) and failure to `report`.
fn absorb_part(
    report: &mut ScanReport,
    files: &[SourceFile],
    config: &ScanConfig,
    failed_files: &mut [bool],
    documents: &mut [bool],
    part: FilePart,
) {
    let file = &mut report.files[part.file];
    let line_offset = file.lines.lines;
    file.lines.merge(&part.counts);
    report.totals.merge(&part.counts);
    for rejection in part.rejections {
        if report.rejections.len() >= config.rejections_kept {
            break;
        }
        report.rejections.push(Rejection {
            path: file.path.clone(),
            line: line_offset + rejection.line,
            kind: rejection.kind,
            reason: rejection.reason,
        });
    }
    if let Some((line, failure)) = part.failure {
        // Every chunk of a vanished file fails the same way: report the file once.
        if !std::mem::replace(&mut failed_files[part.file], true) {
            let path = file.path.clone();
            let line = line_offset + line;
            report.problems.push(match failure {
                UnitFailure::Open(source) => CollectError::Open { path, source },
                UnitFailure::Read(source) if files[part.file].compression == Compression::Gzip => {
                    CollectError::Gzip { path, line, source }
                }
                UnitFailure::Read(source) => CollectError::Read { path, line, source },
            });
        }
    }
    if part.opens_document {
        documents[part.file] = true;
    }
}

/// Replaces the line-by-line rejections of each file that is one JSON document (it opens one
/// and no line of it was a record) with one rejection that says so. Every line stays counted.
fn collapse_documents(report: &mut ScanReport, documents: &[bool]) {
    for (index, file) in report.files.iter().enumerate() {
        let counts = &file.lines;
        if !documents[index] || counts.accepted + counts.filtered_out > 0 {
            continue;
        }
        let Some(first) = report
            .rejections
            .iter()
            .position(|rejection| rejection.path == file.path)
        else {
            continue;
        };
        let line = report.rejections[first].line;
        report
            .rejections
            .retain(|rejection| rejection.path != file.path);
        report.lines_in_documents += counts.rejected.saturating_sub(1);
        report.rejections.insert(
            first,
            Rejection {
                path: file.path.clone(),
                line,
                kind: ErrorKind::MalformedJson,
                reason: format!(
                    "{JSON_DOCUMENT_REASON}; its {} lines are counted as rejected",
                    counts.rejected
                ),
            },
        );
    }
}

/// Whether a file's first non-blank line opens a JSON object or array that it does not close,
/// the way a pretty-printer ends its lines (`{`, `[`, `[{`, `{ "results": [`, `{ "a": 1,`): the
/// first line of a pretty-printed document, not a record cut short.
fn opens_json_document(line: &[u8]) -> bool {
    let trimmed = line.trim_ascii();
    let opens = matches!(trimmed.first(), Some(b'{' | b'['));
    let ends_like_a_printer = matches!(trimmed.last(), Some(b'{' | b'[' | b','));
    opens
        && ends_like_a_printer
        && serde_json::from_slice::<serde::de::IgnoredAny>(trimmed)
            .is_err_and(|error| error.is_eof())
}

fn read_unit<S: RecordSink>(
    files: &[SourceFile],
    unit: &Unit,
    filter: &CompiledFilter,
    config: &ScanConfig,
    buffer: &mut Vec<u8>,
    mut sink: S,
) -> UnitResult<S> {
    let parts = (unit.file..unit.file + unit.files)
        .map(|index| {
            read_part(
                &files[index],
                index,
                unit,
                filter,
                config,
                buffer,
                &mut sink,
            )
        })
        .collect();
    sink.finish();
    UnitResult { parts, sink }
}

/// Reads one file of a unit (the unit's range of it) into `sink`.
fn read_part<S: RecordSink>(
    file: &SourceFile,
    file_index: usize,
    unit: &Unit,
    filter: &CompiledFilter,
    config: &ScanConfig,
    buffer: &mut Vec<u8>,
    sink: &mut S,
) -> FilePart {
    let mut result = FilePart {
        file: file_index,
        opens_document: false,
        counts: LineCounts::default(),
        rejections: Vec::new(),
        failure: None,
    };
    let mut compression = file.compression;
    let opened: io::Result<Box<dyn Read>> = match file.origin {
        // Standard input is one unit (never chunked), read once; gzip by its magic bytes.
        Origin::Stdin => {
            let mut stdin = io::BufReader::with_capacity(256 * 1024, io::stdin().lock());
            match io::BufRead::fill_buf(&mut stdin) {
                Ok(head) if head.starts_with(&GZIP_MAGIC) => compression = Compression::Gzip,
                _ => {}
            }
            Ok(Box::new(stdin))
        }
        // A pipe or device root: one unit, read once; gzip by its magic bytes.
        Origin::Stream => File::open(&file.path).map(|handle| {
            let mut stream = io::BufReader::with_capacity(256 * 1024, handle);
            match io::BufRead::fill_buf(&mut stream) {
                Ok(head) if head.starts_with(&GZIP_MAGIC) => compression = Compression::Gzip,
                _ => {}
            }
            Box::new(stream) as Box<dyn Read>
        }),
        Origin::File => File::open(&file.path).and_then(|mut handle| {
            if unit.range.start > 0 {
                handle.seek(SeekFrom::Start(unit.range.start))?;
            }
            // Up to the size the file had when it was listed, never what a writer appends
            // while it is read (which would never end against a fast writer).
            let listed_rest = file.bytes.saturating_sub(unit.range.start);
            Ok(Box::new(handle.take(listed_rest)) as Box<dyn Read>)
        }),
    };
    let handle = match opened {
        Ok(handle) => handle,
        Err(error) => {
            result.failure = Some((1, UnitFailure::Open(error)));
            return result;
        }
    };
    let max_line_bytes = config.max_line_bytes;
    let rejections_kept = config.rejections_kept;
    let fields = &config.fields;
    let at_file_start = unit.range.start == 0;
    let keeps_every_record = filter.keeps_every_record();
    let FilePart {
        counts,
        rejections,
        opens_document,
        ..
    } = &mut result;
    let mut on_line = |raw: RawLine<'_>| {
        counts.lines += 1;
        let line = counts.lines;
        if at_file_start
            && counts.lines == counts.blank + 1
            && let Some(bytes) = raw.bytes()
        {
            *opens_document = opens_json_document(bytes);
        }
        let mut reject = |kind: ErrorKind, reason: String| {
            counts.rejected += 1;
            if rejections.len() < rejections_kept {
                rejections.push(UnitRejection { line, kind, reason });
            }
        };
        // Not a `(parsed, flag)` pair: the parse result is written where it stays, instead of
        // being copied into the pair (a `memcpy` call a line).
        let is_last_unterminated = matches!(raw, RawLine::Unterminated(_));
        let parsed = match raw {
            RawLine::Text(text) => parse_text_with(text, fields),
            RawLine::Complete(bytes) | RawLine::Unterminated(bytes) => {
                parse_line_with(bytes, fields)
            }
            RawLine::TooLong { length } => {
                reject(
                    ErrorKind::LineTooLong,
                    format!(
                        "line is {length} bytes, longer than the cap of {max_line_bytes} bytes"
                    ),
                );
                return;
            }
        };
        // By reference: binding the record by value would copy it.
        match &parsed {
            Ok(Line::Blank) => counts.blank += 1,
            Ok(Line::Warmup(_)) if !filter.keeps_warmup() => counts.filtered_out += 1,
            Ok(Line::Record(record) | Line::Warmup(record)) => {
                if keeps_every_record || filter.matches(record) {
                    counts.accepted += 1;
                    sink.accept(record);
                } else {
                    counts.filtered_out += 1;
                }
            }
            Err(error) if is_last_unterminated => reject(
                ErrorKind::TruncatedFinalLine,
                format!("truncated final line (no newline at end of file): {error}"),
            ),
            Err(error) => reject(error.kind, error.to_string()),
        }
    };
    let scanned = match compression {
        Compression::None => scan_lines(
            handle,
            unit.range,
            max_line_bytes,
            BLOCK_BYTES,
            buffer,
            &mut on_line,
        ),
        Compression::Gzip => {
            let decoder =
                flate2::read::MultiGzDecoder::new(BufReader::with_capacity(256 * 1024, handle));
            scan_lines(
                decoder,
                unit.range,
                max_line_bytes,
                BLOCK_BYTES,
                buffer,
                &mut on_line,
            )
        }
    };
    if let Err(error) = scanned {
        result.failure = Some((result.counts.lines + 1, UnitFailure::Read(error)));
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(bytes: u64, compression: Compression) -> SourceFile {
        SourceFile {
            path: "x".into(),
            bytes,
            compression,
            origin: Origin::File,
        }
    }

    #[test]
    fn plans_chunks_that_cover_the_file_once() {
        let units = plan_units(
            &[
                file(25, Compression::None),
                file(25, Compression::Gzip),
                file(0, Compression::None),
            ],
            10,
            0,
        );
        let summary: Vec<(usize, u64, bool, u64)> = units
            .iter()
            .map(|unit| {
                (
                    unit.file,
                    unit.range.start,
                    unit.range.skip_first_line,
                    unit.range.owned_end,
                )
            })
            .collect();
        assert_eq!(
            summary,
            [
                (0, 0, false, 10),
                (0, 9, true, 20),
                (0, 19, true, u64::MAX),
                (1, 0, false, u64::MAX),
                (2, 0, false, u64::MAX)
            ]
        );
        assert_eq!(
            units
                .iter()
                .filter(|unit| unit.file == 0)
                .map(|unit| unit.bytes)
                .sum::<u64>(),
            25
        );
    }

    #[test]
    fn batches_runs_of_small_plain_files_and_nothing_else() {
        let files = [
            file(4, Compression::None),
            file(4, Compression::None),
            file(4, Compression::None),
            file(4, Compression::Gzip),
            file(4, Compression::None),
            file(30, Compression::None),
            file(5, Compression::None),
            file(5, Compression::None),
        ];
        let units = plan_units(&files, 20, 10);
        let summary: Vec<(usize, usize, u64, u64)> = units
            .iter()
            .map(|unit| (unit.file, unit.files, unit.range.start, unit.bytes))
            .collect();
        assert_eq!(
            summary,
            [
                (0, 2, 0, 8),  // 4 + 4; a third would exceed 10 bytes
                (2, 1, 0, 4),  // then the gzip file breaks the run
                (3, 1, 0, 4),  // gzip: alone
                (4, 1, 0, 4),  // small, but the 30-byte file after it is chunked
                (5, 1, 0, 20), // chunks of 20
                (5, 1, 19, 10),
                (6, 2, 0, 10), // 5 + 5
            ]
        );
    }

    #[test]
    fn a_batch_of_small_files_counts_each_file_and_numbers_its_lines() {
        let dir = tempfile::tempdir().unwrap();
        let root = Utf8PathBuf::from_path_buf(dir.path().to_path_buf()).unwrap();
        let line = "{\"ts\":\"2025-01-01T00:00:00Z\",\"tool\":\"t\",\"step\":\"x\",\"ms\":1}\n";
        let mut files = Vec::new();
        for index in 0..5 {
            let path = root.join(format!("{index}.jsonl"));
            let text = format!("{line}{}bad {index}\n", line.repeat(index));
            std::fs::write(&path, &text).unwrap();
            files.push(SourceFile {
                path,
                bytes: text.len() as u64,
                compression: Compression::None,
                origin: Origin::File,
            });
        }
        let (report, sinks) = scan_files(
            &files,
            &CompiledFilter::keep_all(),
            &ScanConfig::default(),
            || Count(0),
        );
        assert_eq!(sinks.len(), 1, "five tiny files are one unit");
        assert_eq!(sinks[0].0, 15);
        for (index, file) in report.files.iter().enumerate() {
            assert_eq!(file.lines.accepted, index as u64 + 1);
            assert_eq!(file.lines.rejected, 1);
        }
        let lines: Vec<String> = report
            .rejections
            .iter()
            .map(|r| format!("{}:{}", r.path.file_name().unwrap(), r.line))
            .collect();
        assert_eq!(
            lines,
            [
                "0.jsonl:2",
                "1.jsonl:3",
                "2.jsonl:4",
                "3.jsonl:5",
                "4.jsonl:6"
            ]
        );
    }

    struct Count(u64);
    impl RecordSink for Count {
        fn accept(&mut self, _: &Record<'_>) {
            self.0 += 1;
        }
    }

    #[test]
    fn a_file_that_vanished_after_listing_is_reported_once_and_the_run_goes_on() {
        let dir = tempfile::tempdir().unwrap();
        let root = Utf8PathBuf::from_path_buf(dir.path().to_path_buf()).unwrap();
        let kept = root.join("kept.jsonl");
        std::fs::write(&kept, "{\"ts\":\"2025-01-01T00:00:00Z\",\"sessionId\":\"s\",\"tool\":\"t\",\"step\":\"x\",\"ms\":1}\n").unwrap();
        let files = [
            SourceFile {
                path: root.join("gone.jsonl"),
                bytes: 100,
                compression: Compression::None,
                origin: Origin::File,
            },
            SourceFile {
                path: kept,
                bytes: 80,
                compression: Compression::None,
                origin: Origin::File,
            },
        ];
        let config = ScanConfig {
            chunk_bytes: 10,
            ..ScanConfig::default()
        };
        let (report, sinks) = scan_files(&files, &CompiledFilter::keep_all(), &config, || Count(0));
        assert_eq!(report.problems.len(), 1, "{:?}", report.problems);
        assert!(
            report.problems[0]
                .to_string()
                .contains("gone.jsonl: cannot open")
        );
        assert_eq!(sinks.iter().map(|sink| sink.0).sum::<u64>(), 1);
        assert_eq!(report.totals.accepted, 1);
    }

    #[test]
    fn line_counts_add_up_and_merge() {
        let mut counts = LineCounts {
            lines: 4,
            accepted: 1,
            filtered_out: 1,
            rejected: 1,
            blank: 1,
        };
        assert!(counts.adds_up());
        counts.merge(&LineCounts {
            lines: 1,
            accepted: 1,
            ..Default::default()
        });
        assert_eq!(counts.lines, 5);
        assert!(counts.adds_up());
        assert!(
            !LineCounts {
                lines: 1,
                ..Default::default()
            }
            .adds_up()
        );
    }

    #[test]
    fn rejection_prints_path_line_reason() {
        let rejection = Rejection {
            path: "logs/a.jsonl".into(),
            line: 7,
            kind: ErrorKind::MissingField,
            reason: "missing field `ms`".into(),
        };
        assert_eq!(rejection.to_string(), "logs/a.jsonl:7: missing field `ms`");
    }
}
