//! The materialising path: all accepted records, sorted by time, written atomically.

use std::collections::{BTreeMap, HashMap};

use std::io::{self, Write as _};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use camino::{Utf8Path, Utf8PathBuf};
use perf_record::{
    Measures, Outcome, OutcomeCounts, Record, SpillDirectory, Timestamp, push_record,
    write_atomically,
};
use rayon::prelude::*;

use crate::scan::{RecordSink, Scan, ScanReport};
use crate::{CollectConfig, CollectError, scan};
use rustc_hash::FxBuildHasher;

/// The version of the [`CollectionSummary`] JSON shape.
pub const SUMMARY_SCHEMA_VERSION: u32 = 1;

/// What a collection holds, for a person or a CI log.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct CollectionSummary {
    /// [`SUMMARY_SCHEMA_VERSION`].
    pub schema_version: u32,
    /// Records collected (after filtering).
    pub entries: u64,
    /// Files read (listed files that could be opened).
    pub files_scanned: usize,
    /// Roots walked.
    pub roots_scanned: usize,
    /// Earliest `ts`, RFC 3339; `None` when nothing was collected.
    #[serde(serialize_with = "serialize_timestamp")]
    pub first_ts: Option<Timestamp>,
    /// Latest `ts`, RFC 3339.
    #[serde(serialize_with = "serialize_timestamp")]
    pub last_ts: Option<Timestamp>,
    /// Records per tool.
    pub by_tool: BTreeMap<String, u64>,
    /// Records per session id.
    pub by_session: BTreeMap<String, u64>,
    /// Records per outcome.
    pub by_outcome: OutcomeCounts,
}

fn serialize_timestamp<S: serde::Serializer>(
    ts: &Option<Timestamp>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    match ts {
        Some(ts) => serializer.collect_str(ts),
        None => serializer.serialize_none(),
    }
}

/// Every accepted record, sorted by `ts` (stable: equal timestamps keep source order), with the
/// accounting and a summary. Records are stored compactly (strings interned per chunk).
#[derive(Debug)]
pub struct Collection {
    tables: Vec<CollectingSink>,
    /// The records held in memory, sorted: (ts, table, row within the table's `rows`).
    order: Vec<(Timestamp, u32, u32)>,
    /// The spill area, when some records went to sorted runs on disk.
    spill: Option<Arc<SpillArea>>,
    /// Totals by tool, session and outcome, and the time range.
    pub summary: CollectionSummary,
    /// Lines, rejections and problems, per file and in total.
    pub report: ScanReport,
}

/// Reads every log file under `roots` and keeps the accepted records in `ts` order.
///
/// Errors: a missing root or an invalid filter pattern; in strict mode also any rejected line or
/// unreadable file ([`CollectError::Strict`]).
pub fn collect(roots: &[Utf8PathBuf], config: &CollectConfig) -> Result<Collection, CollectError> {
    collect_with(roots, config, &SortConfig::default())
}

/// [`collect`] within a memory limit: beyond [`SortConfig::memory_limit`] the records go to
/// sorted runs in a temporary directory, and [`Collection::write_jsonl`] merges them into the
/// same bytes the in-memory sort writes.
///
/// Errors: as [`collect`].
pub fn collect_with(
    roots: &[Utf8PathBuf],
    config: &CollectConfig,
    sort: &SortConfig,
) -> Result<Collection, CollectError> {
    let area = Arc::new(SpillArea::new(sort));
    let scan = scan(roots, config, || CollectingSink::spilling(&area))?;
    Ok(Collection::from_scan(scan))
}

/// How much memory `collect` may hold, and where it spills beyond it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SortConfig {
    /// Bytes of records held in memory before sorted runs are written to disk (256 MiB by
    /// default; about 72 bytes a record).
    pub memory_limit: u64,
    /// The directory of the temporary directory for the runs (`None`: the system's, `$TMPDIR`).
    pub temp_dir: Option<Utf8PathBuf>,
}

impl Default for SortConfig {
    fn default() -> Self {
        Self {
            memory_limit: DEFAULT_MEMORY_LIMIT,
            temp_dir: None,
        }
    }
}

/// The default [`SortConfig::memory_limit`]: 256 MiB.
pub const DEFAULT_MEMORY_LIMIT: u64 = 256 * 1024 * 1024;

/// What one record held in memory costs: its row and its place in the sort order.
const BYTES_PER_ROW: u64 =
    (std::mem::size_of::<Row>() + std::mem::size_of::<(Timestamp, u32, u32)>()) as u64;

/// The spill area that the sinks of one scan share: the limit, the rows held in memory by all of
/// them, and the temporary directory ([`perf_record::SpillDirectory`]), made on the first spill
/// and removed when the collection is dropped, or by the next run's stale-temporary rule when
/// the process was killed.
#[derive(Debug)]
pub struct SpillArea {
    limit_rows: usize,
    run_rows: usize,
    held: AtomicUsize,
    directory: SpillDirectory,
}

impl SpillArea {
    /// The area [`CollectingSink::spilling`] sinks share, for a scan of one's own
    /// ([`collect_with`] makes one for its scan).
    pub fn new(config: &SortConfig) -> SpillArea {
        let limit_rows = usize::try_from(config.memory_limit / BYTES_PER_ROW)
            .unwrap_or(usize::MAX)
            .max(1);
        let threads = rayon::current_num_threads();
        SpillArea {
            limit_rows,
            // Each reading thread's sink spills a run when it holds this many rows, and a
            // finished unit's rows stay in memory only while all held rows fit in half the limit.
            run_rows: (limit_rows / (4 * threads)).max(1),
            held: AtomicUsize::new(0),
            directory: SpillDirectory::new(config.temp_dir.as_deref(), "collect-spill"),
        }
    }

    /// A new run file's path, making the directory on first use.
    fn next_run_path(&self) -> io::Result<std::path::PathBuf> {
        self.directory.next_path("run")
    }

    /// The temporary directory, when anything was spilled.
    pub fn directory(&self) -> Option<std::path::PathBuf> {
        self.directory.path()
    }
}

impl Collection {
    /// The records of a scan whose sinks were [`CollectingSink`]s, sorted by `ts`.
    pub fn from_scan(scan: Scan<CollectingSink>) -> Collection {
        let Scan {
            sinks: tables,
            report,
        } = scan;
        sorted(tables, report)
    }
}

fn sorted(tables: Vec<CollectingSink>, report: ScanReport) -> Collection {
    let spill = tables
        .iter()
        .find(|table| !table.runs.is_empty() || table.spill_error.is_some())
        .and_then(|table| table.spill.clone());
    let entries: usize = tables.iter().map(|table| table.rows.len()).sum();
    let mut order = Vec::with_capacity(entries);
    for (table_index, table) in tables.iter().enumerate() {
        for (row_index, row) in table.rows.iter().enumerate() {
            order.push((row.ts, table_index as u32, row_index as u32));
        }
    }
    // (table, row) is source order, so an unstable sort on the whole tuple is a stable sort by ts.
    order.par_sort_unstable();
    let summary = summarize(&tables, &report);
    Collection {
        tables,
        order,
        spill,
        summary,
        report,
    }
}

fn summarize(tables: &[CollectingSink], report: &ScanReport) -> CollectionSummary {
    let mut summary = CollectionSummary {
        schema_version: SUMMARY_SCHEMA_VERSION,
        entries: tables.iter().map(|table| table.outcomes.total()).sum(),
        files_scanned: report.files.len()
            - report
                .problems
                .iter()
                .filter(|problem| matches!(problem, CollectError::Open { .. }))
                .count(),
        roots_scanned: report.roots_scanned,
        first_ts: tables.iter().filter_map(|table| table.first_ts).min(),
        last_ts: tables.iter().filter_map(|table| table.last_ts).max(),
        by_tool: BTreeMap::new(),
        by_session: BTreeMap::new(),
        by_outcome: OutcomeCounts::default(),
    };
    for table in tables {
        summary.by_outcome.merge(&table.outcomes);
        for (id, &count) in table.tool_counts.iter().enumerate() {
            if count > 0 {
                *summary
                    .by_tool
                    .entry(table.strings.get(id as u32).to_owned())
                    .or_default() += count;
            }
        }
        for (id, &count) in table.session_counts.iter().enumerate() {
            if count > 0 {
                *summary
                    .by_session
                    .entry(table.strings.get(id as u32).to_owned())
                    .or_default() += count;
            }
        }
    }
    summary
}

impl Collection {
    /// How many records were collected.
    pub fn len(&self) -> usize {
        usize::try_from(self.summary.entries).unwrap_or(usize::MAX)
    }

    /// Whether nothing was collected.
    pub fn is_empty(&self) -> bool {
        self.summary.entries == 0
    }

    /// The records in `ts` order, when they are all in memory; `None` when the collection went
    /// beyond its memory limit and most records wait in sorted runs on disk, which only
    /// [`Collection::write_jsonl`] reads.
    pub fn records(&self) -> Option<impl ExactSizeIterator<Item = Record<'_>> + '_> {
        self.spill.is_none().then(|| {
            self.order
                .iter()
                .map(|&(_, table, row)| self.tables[table as usize].record(row as usize))
        })
    }

    /// The temporary directory of the sorted runs, when the collection spilled (it is removed
    /// when the collection is dropped).
    pub fn spill_directory(&self) -> Option<std::path::PathBuf> {
        self.spill.as_ref().and_then(|spill| spill.directory())
    }

    /// Writes the records as compact JSONL to `path`, atomically (see [`write_atomically`]).
    pub fn write_jsonl(&self, path: &Utf8Path) -> Result<(), CollectError> {
        if let (Some(error), Some(spill)) = (
            self.tables
                .iter()
                .find_map(|table| table.spill_error.as_ref()),
            &self.spill,
        ) {
            return Err(CollectError::Spill {
                directory: spill.directory.parent().to_path_buf(),
                source: Arc::clone(error),
            });
        }
        if self.spill.is_some() {
            return write_atomically(path, |out| merge_runs(&self.tables, &self.order, out))
                .map_err(CollectError::Write);
        }
        const BATCH: usize = 1 << 18;
        const PART: usize = 1 << 14;
        let written = write_atomically(path, |out| {
            for batch in self.order.chunks(BATCH) {
                // Formatting is the expensive part: do it in parallel, write in order.
                // Each part's lines go into one buffer, no allocation a record.
                let parts: Vec<String> = batch
                    .par_chunks(PART)
                    .map(|part| {
                        let mut text = String::with_capacity(part.len() * 160);
                        for &(_, table, row) in part {
                            let mut record = self.tables[table as usize].record(row as usize);
                            // An error without a reason says so explicitly in the collected file.
                            record.outcome = record.outcome.normalized();
                            push_record(&mut text, &record)?;
                        }
                        Ok(text)
                    })
                    .collect::<io::Result<_>>()?;
                for part in parts {
                    out.write_all(part.as_bytes())?;
                }
            }
            Ok(())
        });
        written.map_err(CollectError::Write)
    }
}

/// Interned strings of one work unit.
#[derive(Debug, Default)]
struct Strings {
    ids: HashMap<Box<str>, u32, FxBuildHasher>,
    names: Vec<Box<str>>,
}

impl Strings {
    fn intern(&mut self, value: &str) -> u32 {
        if let Some(&id) = self.ids.get(value) {
            return id;
        }
        let id = self.names.len() as u32;
        self.names.push(value.into());
        self.ids.insert(value.into(), id);
        id
    }

    fn get(&self, id: u32) -> &str {
        self.names.get(id as usize).map_or("", |name| name)
    }
}

const NO_REASON: u32 = u32::MAX;

#[derive(Debug, Clone, Copy)]
enum RowOutcome {
    Success,
    /// The reason's string id, or [`NO_REASON`].
    Error(u32),
    Unknown,
}

#[derive(Debug, Clone, Copy)]
struct Row {
    ts: Timestamp,
    ms: f64,
    session: u32,
    tool: u32,
    step: u32,
    outcome: RowOutcome,
}

/// The sink of collection: the records of one work unit, in source order, stored compactly.
///
/// A sink made by [`CollectingSink::spilling`] writes its rows as sorted runs to the spill
/// area's directory when the scan holds more than the memory limit.
#[derive(Debug, Default)]
pub struct CollectingSink {
    strings: Strings,
    rows: Vec<Row>,
    outcomes: OutcomeCounts,
    tool_counts: Vec<u64>,
    session_counts: Vec<u64>,
    first_ts: Option<Timestamp>,
    last_ts: Option<Timestamp>,
    spill: Option<Arc<SpillArea>>,
    /// Rows already written to runs: the row index of `rows[0]` within this sink.
    spilled_rows: u32,
    runs: Vec<std::path::PathBuf>,
    spill_error: Option<Arc<io::Error>>,
    /// The measures of the rows held in memory that have any, by index into `rows`
    /// (ascending): kept beside the rows so that latency-only records cost nothing more.
    measures: Vec<(usize, Measures<'static>)>,
}

fn count(counts: &mut Vec<u64>, id: u32) {
    let index = id as usize;
    if counts.len() <= index {
        counts.resize(index + 1, 0);
    }
    counts[index] += 1;
}

impl CollectingSink {
    /// A sink that spills to `area` beyond its memory limit.
    pub fn spilling(area: &Arc<SpillArea>) -> Self {
        Self {
            spill: Some(Arc::clone(area)),
            ..Self::default()
        }
    }

    /// Writes the rows held in memory as one sorted run: per record its `ts` (seconds, then
    /// nanoseconds), its row index within this sink and its JSON line, so that merging the runs
    /// by (ts, sink, row) gives exactly the in-memory order.
    fn spill_rows(&mut self) {
        let Some(area) = self.spill.clone() else {
            return;
        };
        if self.rows.is_empty() || self.spill_error.is_some() {
            return;
        }
        match self.write_run(&area) {
            Ok(path) => self.runs.push(path),
            Err(error) => self.spill_error = Some(Arc::new(error)),
        }
        let count = self.rows.len();
        area.held.fetch_sub(count, Ordering::Relaxed);
        self.spilled_rows = self.spilled_rows.saturating_add(count as u32);
        self.rows.clear();
        self.measures.clear();
    }

    fn write_run(&self, area: &SpillArea) -> io::Result<std::path::PathBuf> {
        let mut order: Vec<(Timestamp, u32)> = self
            .rows
            .iter()
            .enumerate()
            .map(|(index, row)| (row.ts, index as u32))
            .collect();
        order.sort_unstable();
        let path = area.next_run_path()?;
        let mut out = io::BufWriter::with_capacity(256 * 1024, std::fs::File::create(&path)?);
        let mut line = String::with_capacity(256);
        for (ts, index) in order {
            let mut record = self.record(index as usize);
            record.outcome = record.outcome.normalized();
            line.clear();
            push_record(&mut line, &record)?;
            let length = u32::try_from(line.len()).map_err(io::Error::other)?;
            out.write_all(&ts.as_second().to_le_bytes())?;
            out.write_all(&ts.subsec_nanosecond().to_le_bytes())?;
            out.write_all(&(self.spilled_rows + index).to_le_bytes())?;
            out.write_all(&length.to_le_bytes())?;
            out.write_all(line.as_bytes())?;
        }
        out.flush()?;
        Ok(path)
    }

    fn record(&self, index: usize) -> Record<'_> {
        let row = &self.rows[index];
        let outcome = match row.outcome {
            RowOutcome::Success => Outcome::Success,
            RowOutcome::Error(NO_REASON) => Outcome::Error(None),
            RowOutcome::Error(reason) => Outcome::Error(Some(self.strings.get(reason).into())),
            RowOutcome::Unknown => Outcome::Unknown,
        };
        Record {
            ts: row.ts,
            session_id: self.strings.get(row.session).into(),
            tool: self.strings.get(row.tool).into(),
            step: self.strings.get(row.step).into(),
            ms: row.ms,
            outcome,
            measures: self.measures_of(index),
        }
    }

    fn measures_of(&self, index: usize) -> Measures<'static> {
        if self.measures.is_empty() {
            return Measures::new();
        }
        match self.measures.binary_search_by_key(&index, |(row, _)| *row) {
            Ok(found) => self.measures[found].1.clone(),
            Err(_) => Measures::new(),
        }
    }
}

impl RecordSink for CollectingSink {
    fn accept(&mut self, record: &Record<'_>) {
        let session = self.strings.intern(&record.session_id);
        let tool = self.strings.intern(&record.tool);
        let step = self.strings.intern(&record.step);
        let outcome = match &record.outcome {
            Outcome::Success => RowOutcome::Success,
            Outcome::Error(None) => RowOutcome::Error(NO_REASON),
            Outcome::Error(Some(reason)) => RowOutcome::Error(self.strings.intern(reason)),
            Outcome::Unknown => RowOutcome::Unknown,
        };
        self.outcomes.add(&record.outcome);
        count(&mut self.tool_counts, tool);
        count(&mut self.session_counts, session);
        if !record.measures.is_empty() {
            self.measures
                .push((self.rows.len(), record.measures.clone().into_owned()));
        }
        self.rows.push(Row {
            ts: record.ts,
            ms: record.ms,
            session,
            tool,
            step,
            outcome,
        });
        self.first_ts = Some(
            self.first_ts
                .map_or(record.ts, |first| first.min(record.ts)),
        );
        self.last_ts = Some(self.last_ts.map_or(record.ts, |last| last.max(record.ts)));
        if let Some(area) = &self.spill {
            let held = area.held.fetch_add(1, Ordering::Relaxed) + 1;
            if self.rows.len() >= area.run_rows && held > area.limit_rows / 2 {
                self.spill_rows();
            }
        }
    }

    fn finish(&mut self) {
        // A finished unit's rows stay in memory only while all held rows fit in half the limit.
        if let Some(area) = &self.spill
            && area.held.load(Ordering::Relaxed) > area.limit_rows / 2
        {
            self.spill_rows();
        }
    }
}

/// The k-way merge of every sink's runs and the rows still in memory, in (ts, sink, row) order:
/// the same order, and the same bytes, as the in-memory sort.
fn merge_runs(
    tables: &[CollectingSink],
    in_memory: &[(Timestamp, u32, u32)],
    out: &mut dyn io::Write,
) -> io::Result<()> {
    use std::cmp::Reverse;
    use std::collections::BinaryHeap;
    use std::io::Read as _;

    struct RunReader {
        input: io::BufReader<std::fs::File>,
        line: Vec<u8>,
    }
    /// The next entry of a run, or `None` at its end.
    fn next_key(run: &mut RunReader) -> io::Result<Option<(i64, i32, u32)>> {
        let mut header = [0u8; 20];
        match run.input.read_exact(&mut header[..1]) {
            Err(error) if error.kind() == io::ErrorKind::UnexpectedEof => return Ok(None),
            other => other?,
        }
        run.input.read_exact(&mut header[1..])?;
        let seconds = i64::from_le_bytes(bytes_at(&header, 0));
        let nanoseconds = i32::from_le_bytes(bytes_at(&header, 8));
        let row = u32::from_le_bytes(bytes_at(&header, 12));
        let length = u32::from_le_bytes(bytes_at(&header, 16));
        run.line.resize(length as usize, 0);
        run.input.read_exact(&mut run.line)?;
        Ok(Some((seconds, nanoseconds, row)))
    }

    /// `N` bytes of `header` from `start` (the fixed layout of a run entry).
    fn bytes_at<const N: usize>(header: &[u8; 20], start: usize) -> [u8; N] {
        let mut bytes = [0u8; N];
        bytes.copy_from_slice(&header[start..start + N]);
        bytes
    }

    let mut runs: Vec<(u32, RunReader)> = Vec::new();
    for (table_index, table) in tables.iter().enumerate() {
        for path in &table.runs {
            runs.push((
                table_index as u32,
                RunReader {
                    input: io::BufReader::with_capacity(64 * 1024, std::fs::File::open(path)?),
                    line: Vec::new(),
                },
            ));
        }
    }
    // Heap entries: ((seconds, nanoseconds), table, row within the table, source); sources are
    // the runs, then the in-memory rows (one source, already in order).
    let memory_source = runs.len();
    let mut heap = BinaryHeap::with_capacity(runs.len() + 1);
    for (source, (table, run)) in runs.iter_mut().enumerate() {
        if let Some((seconds, nanoseconds, row)) = next_key(run)? {
            heap.push(Reverse(((seconds, nanoseconds), *table, row, source)));
        }
    }
    let memory_key = |&(ts, table, row): &(Timestamp, u32, u32)| {
        let spilled = tables[table as usize].spilled_rows;
        (
            (ts.as_second(), ts.subsec_nanosecond()),
            table,
            spilled + row,
            memory_source,
        )
    };
    let mut memory = in_memory.iter();
    if let Some(entry) = memory.next() {
        heap.push(Reverse(memory_key(entry)));
    }
    let mut memory_row = in_memory.first().map(|entry| entry.2);
    let mut line = String::with_capacity(256);
    while let Some(Reverse((_, table, _, source))) = heap.pop() {
        if source == memory_source {
            if let Some(row) = memory_row {
                let mut record = tables[table as usize].record(row as usize);
                record.outcome = record.outcome.normalized();
                line.clear();
                push_record(&mut line, &record)?;
                out.write_all(line.as_bytes())?;
            }
            let next = memory.next();
            memory_row = next.map(|entry| entry.2);
            if let Some(entry) = next {
                heap.push(Reverse(memory_key(entry)));
            }
            continue;
        }
        let run = &mut runs[source].1;
        out.write_all(&run.line)?;
        if let Some((seconds, nanoseconds, row)) = next_key(run)? {
            heap.push(Reverse(((seconds, nanoseconds), table, row, source)));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interned_rows_give_back_the_record() {
        let mut table = CollectingSink::default();
        let record = Record {
            ts: "2025-10-21T09:00:01Z".parse().unwrap(),
            session_id: "s".into(),
            tool: "t".into(),
            step: "t".into(),
            ms: 1.5,
            outcome: Outcome::Error(Some("http 429".into())),
            measures: perf_record::Measures::new(),
        };
        table.accept(&record);
        assert_eq!(table.record(0), record);
        assert_eq!(table.strings.names.len(), 3);
        // Measures come back with their row, and only with it.
        let measured = Record {
            measures: Measures::from_entries([("peak_rss_mb".into(), 12.5)]).unwrap(),
            ..record.clone()
        };
        table.accept(&measured);
        table.accept(&record);
        assert_eq!(table.record(1), measured);
        assert_eq!(table.record(2), record);
    }
}
