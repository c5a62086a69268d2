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
    /// The records held in memory, sorted.
    order: Vec<SortKey>,
    /// Where each table's rows start in source order (the tables' rows one after another).
    starts: Vec<u64>,
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
    /// default; 56 bytes a record: its row and its sort key).
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
const BYTES_PER_ROW: u64 = (std::mem::size_of::<Row>() + std::mem::size_of::<SortKey>()) as u64;

/// The spill area that the sinks of one scan share: the limit, the rows held in memory by all of
/// them, and the temporary directory ([`perf_record::SpillDirectory`]), made on the first spill
/// and removed when the collection is dropped, or by the next run's stale-temporary rule when
/// the process was killed.
#[derive(Debug)]
pub struct SpillArea {
    /// Rows are written to runs while more than this many are held.
    spill_above: usize,
    run_rows: usize,
    /// A sink spills whatever it holds once this many rows are held in all: the most the sort
    /// keys can number ([`SortKey::POSITIONS`], less one row for each thread that may be
    /// between its row and its check), whatever the memory limit.
    positions: usize,
    held: AtomicUsize,
    directory: SpillDirectory,
}

impl SpillArea {
    /// The area [`CollectingSink::spilling`] sinks share, for a scan of one's own
    /// ([`collect_with`] makes one for its scan).
    pub fn new(config: &SortConfig) -> SpillArea {
        SpillArea::with_positions(config, SortKey::POSITIONS - THREAD_SLACK)
    }

    /// An area whose sinks hold at most `positions` rows in all (fewer than
    /// [`SortKey::POSITIONS`]; tests make it small to see the runs it cuts).
    fn with_positions(config: &SortConfig, positions: u64) -> SpillArea {
        let positions = positions.clamp(1, SortKey::POSITIONS - THREAD_SLACK);
        let positions = usize::try_from(positions).unwrap_or(usize::MAX);
        let limit_rows = usize::try_from(config.memory_limit / BYTES_PER_ROW)
            .unwrap_or(usize::MAX)
            .clamp(1, positions);
        let threads = rayon::current_num_threads();
        // Beyond the threshold, each reading thread's sink spills a run when it holds this many
        // rows, and a finished unit spills its rows: so the rows held stay within the limit,
        // at most one run a thread above the threshold.
        let run_rows = (limit_rows / (4 * threads)).max(1);
        SpillArea {
            spill_above: limit_rows.saturating_sub(threads * run_rows),
            run_rows,
            positions,
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

/// Rows a spill area's count may run ahead of the rows it caps: one for each thread between
/// adding its row and spilling (65,536 threads).
const THREAD_SLACK: u64 = 1 << 16;

/// Spills the largest tables until the rows left in memory fit in the sort keys' positions (the
/// spill area's, or [`SortKey::POSITIONS`] for sinks made without one, which then get one).
/// Sinks of one spill area never hold more while they read, so this only spills when sinks were
/// made without an area or the threads raced past its count; either way, no position is ever
/// cut short. `false` when the rows still do not fit: a run could not be written (the table
/// keeps its rows and its error, and the collection cannot be written).
fn fit_in_positions(tables: &mut [CollectingSink]) -> bool {
    let area = tables.iter().find_map(|table| table.spill.clone());
    let capacity = area
        .as_ref()
        .map_or(SortKey::POSITIONS, |area| area.positions as u64);
    let mut held: u64 = tables.iter().map(|table| table.rows.len() as u64).sum();
    if held <= capacity {
        return true;
    }
    let area = area.unwrap_or_else(|| Arc::new(SpillArea::new(&SortConfig::default())));
    let mut largest: Vec<usize> = (0..tables.len()).collect();
    largest.sort_by_key(|&index| std::cmp::Reverse(tables[index].rows.len()));
    for index in largest {
        if held <= capacity {
            break;
        }
        let table = &mut tables[index];
        held -= table.rows.len() as u64;
        if table.spill.is_none() {
            // Its rows were never counted in the area's count, which the spill takes them from.
            area.held.fetch_add(table.rows.len(), Ordering::Relaxed);
            table.spill = Some(Arc::clone(&area));
        }
        table.spill_rows();
        held += table.rows.len() as u64;
    }
    held <= capacity
}

fn sorted(mut tables: Vec<CollectingSink>, report: ScanReport) -> Collection {
    let fits = fit_in_positions(&mut tables);
    let spill = tables
        .iter()
        .find(|table| !table.runs.is_empty() || table.spill_error.is_some())
        .and_then(|table| table.spill.clone());
    let mut starts = Vec::with_capacity(tables.len());
    let mut entries = 0u64;
    for table in &tables {
        starts.push(entries);
        entries += table.rows.len() as u64;
    }
    let mut order = Vec::with_capacity(usize::try_from(entries).unwrap_or(0));
    // Rows that do not fit are kept only beside a spill error, which `write_jsonl` reports
    // instead of writing anything: they get no keys.
    for (table, &start) in tables.iter().zip(&starts).filter(|_| fits) {
        order.extend(
            (start..)
                .zip(&table.rows)
                .map(|(position, row)| SortKey::new(row.ts, position)),
        );
    }
    // Keys are unique (the position breaks ties), so any sort of them is the stable sort by ts;
    // the merge sort, because each table's rows mostly come in time order already (it finds
    // the runs: 2.7x fewer instructions than the quicksort on the bench corpus).
    order.par_sort();
    let summary = summarize(&tables, &report);
    Collection {
        tables,
        order,
        starts,
        spill,
        summary,
        report,
    }
}

/// A record's place in the sort, as one integer ordered as (ts, position in source order): the
/// seconds (sign bit flipped, so that negative ones come first) in the high 64 bits, then the
/// nanoseconds (which take the seconds' sign in jiff, so offset by 10^9 to 31 bits) and the
/// position (33 bits). Sorting these integers compares a record's two fields in one go and moves
/// 16 bytes instead of 24; equal timestamps keep source order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct SortKey(u128);

impl SortKey {
    const POSITION_BITS: u32 = 33;

    /// How many positions a key can tell apart: the records held in memory at once never
    /// number more (a spill area's sinks spill before, [`fit_in_positions`] spills what is left
    /// over), so that equal timestamps always keep source order.
    const POSITIONS: u64 = 1 << Self::POSITION_BITS;

    fn new(ts: Timestamp, position: u64) -> SortKey {
        debug_assert!(
            position < Self::POSITIONS,
            "position {position} out of range"
        );
        let seconds = (ts.as_second() as u64) ^ (1 << 63);
        // -999,999,999..=999,999,999 offset to 1..2 * 10^9 - 1, below 2^31.
        let nanoseconds = (i64::from(ts.subsec_nanosecond()) + 1_000_000_000) as u64;
        let low = (nanoseconds << Self::POSITION_BITS) | (position & Self::POSITION_MASK);
        SortKey((u128::from(seconds) << 64) | u128::from(low))
    }

    const POSITION_MASK: u64 = (1 << Self::POSITION_BITS) - 1;

    /// The record's position in source order.
    fn position(self) -> u64 {
        (self.0 as u64) & Self::POSITION_MASK
    }

    /// The timestamp's seconds and nanoseconds, as [`merge_runs`] orders them.
    fn seconds_and_nanoseconds(self) -> (i64, i32) {
        let seconds = ((self.0 >> 64) as u64 ^ (1 << 63)) as i64;
        let nanoseconds = ((self.0 as u64) >> Self::POSITION_BITS) as i64 - 1_000_000_000;
        (seconds, nanoseconds as i32)
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
        self.spill
            .is_none()
            .then(|| self.order.iter().map(|&key| self.record(key)))
    }

    /// The table and the row within it of a record in source order.
    fn locate(&self, position: u64) -> (usize, usize) {
        let table = self.starts.partition_point(|&start| start <= position) - 1;
        (table, (position - self.starts[table]) as usize)
    }

    /// The record a key stands for.
    fn record(&self, key: SortKey) -> Record<'_> {
        let (table, row) = self.locate(key.position());
        self.tables[table].record(row)
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
            return write_atomically(path, |out| merge_runs(self, out))
                .map_err(CollectError::Write);
        }
        write_atomically(path, |out| self.write_sorted(out)).map_err(CollectError::Write)
    }

    /// Writes the records held in memory, in order. Formatting is the expensive part: a thread
    /// of its own formats a batch at a time, in parallel (rayon), while this thread writes the
    /// batch before it, so that the writing (and the file's flushes to disk, see
    /// [`write_atomically`]) overlap the formatting. Each part of a batch is one buffer, and
    /// buffers go back to the formatter once written: no allocation a record, nor a batch.
    fn write_sorted(&self, out: &mut dyn io::Write) -> io::Result<()> {
        /// Records a batch: about 8 MB of text, of which three are in flight at most (one
        /// formatted, one waiting, one written).
        const BATCH: usize = 1 << 16;
        /// Records a part: one task and one buffer.
        const PART: usize = 1 << 12;
        let (formatted_sender, formatted) = std::sync::mpsc::sync_channel::<Vec<String>>(1);
        let (written_sender, written) = std::sync::mpsc::channel::<Vec<String>>();
        std::thread::scope(|scope| {
            let formatter = scope.spawn(move || -> io::Result<()> {
                for batch in self.order.chunks(BATCH) {
                    let mut parts = written.try_recv().unwrap_or_default();
                    parts.resize_with(batch.len().div_ceil(PART), String::new);
                    batch
                        .par_chunks(PART)
                        .zip(parts.par_iter_mut())
                        .try_for_each(|(keys, text)| {
                            text.clear();
                            text.reserve(keys.len() * 160);
                            for &key in keys {
                                let mut record = self.record(key);
                                // An error without a reason says so explicitly in the file.
                                record.outcome = record.outcome.normalized();
                                push_record(text, &record)?;
                            }
                            Ok::<(), io::Error>(())
                        })?;
                    if formatted_sender.send(parts).is_err() {
                        // The writer stopped; its error is the one to report.
                        break;
                    }
                }
                Ok(())
            });
            let mut writing = Ok(());
            for parts in &formatted {
                writing = parts
                    .iter()
                    .try_for_each(|part| out.write_all(part.as_bytes()));
                if writing.is_err() {
                    break;
                }
                // The formatter may have finished already: then the buffers are dropped here.
                let _ = written_sender.send(parts);
            }
            // A formatter still sending sees the writer gone and stops.
            drop(formatted);
            let formatting = formatter
                .join()
                .map_err(|_| io::Error::other("the thread formatting the records panicked"))?;
            writing.and(formatting)
        })
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

/// A row's outcome in one `u32` (so that a row takes 40 bytes, not 48): an error's reason as its
/// string id, or one of the three codes above every id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct RowOutcome(u32);

impl RowOutcome {
    const SUCCESS: RowOutcome = RowOutcome(u32::MAX);
    const UNKNOWN: RowOutcome = RowOutcome(u32::MAX - 1);
    const ERROR_WITHOUT_REASON: RowOutcome = RowOutcome(u32::MAX - 2);
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
    spilled_rows: u64,
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
        self.spilled_rows += count as u64;
        self.rows.clear();
        self.measures.clear();
    }

    fn write_run(&self, area: &SpillArea) -> io::Result<std::path::PathBuf> {
        // By (ts, row): the rows held are fewer than the keys' positions (see `SpillArea`).
        let mut order: Vec<SortKey> = (0u64..)
            .zip(&self.rows)
            .map(|(index, row)| SortKey::new(row.ts, index))
            .collect();
        order.sort_unstable();
        let path = area.next_run_path()?;
        let mut out = io::BufWriter::with_capacity(256 * 1024, std::fs::File::create(&path)?);
        let mut line = String::with_capacity(256);
        for key in order {
            let index = key.position();
            let (seconds, nanoseconds) = key.seconds_and_nanoseconds();
            let mut record = self.record(index as usize);
            record.outcome = record.outcome.normalized();
            line.clear();
            push_record(&mut line, &record)?;
            let length = u32::try_from(line.len()).map_err(io::Error::other)?;
            out.write_all(&seconds.to_le_bytes())?;
            out.write_all(&nanoseconds.to_le_bytes())?;
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
            RowOutcome::SUCCESS => Outcome::Success,
            RowOutcome::UNKNOWN => Outcome::Unknown,
            RowOutcome::ERROR_WITHOUT_REASON => Outcome::Error(None),
            RowOutcome(reason) => Outcome::Error(Some(self.strings.get(reason).into())),
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
            Outcome::Success => RowOutcome::SUCCESS,
            Outcome::Error(None) => RowOutcome::ERROR_WITHOUT_REASON,
            Outcome::Error(Some(reason)) => RowOutcome(self.strings.intern(reason)),
            Outcome::Unknown => RowOutcome::UNKNOWN,
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
            if (self.rows.len() >= area.run_rows && held > area.spill_above)
                || held >= area.positions
            {
                self.spill_rows();
            }
        }
    }

    fn finish(&mut self) {
        // A finished unit's rows stay in memory only while the rows held are below the threshold.
        if let Some(area) = &self.spill
            && area.held.load(Ordering::Relaxed) > area.spill_above
        {
            self.spill_rows();
        }
    }
}

/// The k-way merge of every sink's runs and the rows still in memory, in (ts, sink, row) order:
/// the same order, and the same bytes, as the in-memory sort.
fn merge_runs(collection: &Collection, out: &mut dyn io::Write) -> io::Result<()> {
    use std::cmp::Reverse;
    use std::collections::BinaryHeap;
    use std::io::Read as _;

    struct RunReader {
        input: io::BufReader<std::fs::File>,
        line: Vec<u8>,
    }
    /// The next entry of a run, or `None` at its end.
    fn next_key(run: &mut RunReader) -> io::Result<Option<(i64, i32, u64)>> {
        let mut header = [0u8; HEADER];
        match run.input.read_exact(&mut header[..1]) {
            Err(error) if error.kind() == io::ErrorKind::UnexpectedEof => return Ok(None),
            other => other?,
        }
        run.input.read_exact(&mut header[1..])?;
        let seconds = i64::from_le_bytes(bytes_at(&header, 0));
        let nanoseconds = i32::from_le_bytes(bytes_at(&header, 8));
        let row = u64::from_le_bytes(bytes_at(&header, 12));
        let length = u32::from_le_bytes(bytes_at(&header, 20));
        run.line.resize(length as usize, 0);
        run.input.read_exact(&mut run.line)?;
        Ok(Some((seconds, nanoseconds, row)))
    }

    /// `N` bytes of `header` from `start` (the fixed layout of a run entry).
    /// A run entry's header: seconds (8 bytes), nanoseconds (4), row within its sink (8),
    /// the line's length (4).
    const HEADER: usize = 24;
    fn bytes_at<const N: usize>(header: &[u8; HEADER], start: usize) -> [u8; N] {
        let mut bytes = [0u8; N];
        bytes.copy_from_slice(&header[start..start + N]);
        bytes
    }

    let tables = &collection.tables;
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
    // The in-memory rows' heap entries name the row within the table's in-memory rows.
    let memory_key = |key: &SortKey| {
        let (table, row) = collection.locate(key.position());
        let spilled = tables[table].spilled_rows;
        (
            key.seconds_and_nanoseconds(),
            table as u32,
            spilled + row as u64,
            memory_source,
        )
    };
    let mut memory = collection.order.iter();
    let mut memory_next = memory.next();
    if let Some(key) = memory_next {
        heap.push(Reverse(memory_key(key)));
    }
    let mut line = String::with_capacity(256);
    while let Some(Reverse((_, table, _, source))) = heap.pop() {
        if source == memory_source {
            if let Some(&key) = memory_next {
                let mut record = collection.record(key);
                record.outcome = record.outcome.normalized();
                line.clear();
                push_record(&mut line, &record)?;
                out.write_all(line.as_bytes())?;
            }
            memory_next = memory.next();
            if let Some(key) = memory_next {
                heap.push(Reverse(memory_key(key)));
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
    fn a_record_in_memory_takes_56_bytes() {
        assert_eq!(std::mem::size_of::<Row>(), 40);
        assert_eq!(BYTES_PER_ROW, 56);
    }

    /// Sort keys order as (ts, position) do, negative timestamps and their negative nanoseconds
    /// included, and give both back.
    #[test]
    fn sort_keys_order_as_timestamp_then_position() {
        let mut entries = Vec::new();
        for (seconds, nanoseconds) in [
            (-62_135_596_800, 0),
            (-2, -999_999_999),
            (-1, -500_000_000),
            (-1, 0),
            (0, -999_999_999),
            (0, -1),
            (0, 0),
            (0, 1),
            (0, 999_999_999),
            (1, 0),
            (1_760_657_686, 422_000_000),
            (253_402_207_200, 0),
            (-377_705_023_201, 0),
        ] {
            let ts = Timestamp::new(seconds, nanoseconds).unwrap();
            for position in [0, 1, (1 << 33) - 1] {
                entries.push((ts, position));
            }
        }
        let mut keys: Vec<SortKey> = entries
            .iter()
            .rev()
            .map(|&(ts, position)| SortKey::new(ts, position))
            .collect();
        keys.sort_unstable();
        let mut expected = entries.clone();
        expected.sort();
        let decoded: Vec<(Timestamp, u64)> = keys
            .iter()
            .map(|key| {
                let (seconds, nanoseconds) = key.seconds_and_nanoseconds();
                (
                    Timestamp::new(seconds, nanoseconds).unwrap(),
                    key.position(),
                )
            })
            .collect();
        assert_eq!(decoded, expected);
    }

    /// Records whose timestamps tie often (five distinct values), each told apart by its `ms`.
    fn tying_records(count: usize) -> Vec<Record<'static>> {
        (0..count)
            .map(|index| Record {
                ts: Timestamp::new(1_760_000_000 + (index * 7 % 5) as i64, 0).unwrap(),
                session_id: "s".into(),
                tool: "t".into(),
                step: "x".into(),
                ms: index as f64,
                outcome: Outcome::Success,
                measures: Measures::new(),
            })
            .collect()
    }

    fn written(collection: &Collection, dir: &std::path::Path, name: &str) -> String {
        let path = Utf8PathBuf::from_path_buf(dir.join(name)).unwrap();
        collection.write_jsonl(&path).unwrap();
        std::fs::read_to_string(&path).unwrap()
    }

    /// The in-memory collection of `tables` (their records dealt out as given), written.
    fn in_memory(tables: &[&[Record<'_>]], dir: &std::path::Path) -> String {
        let sinks = tables
            .iter()
            .map(|records| {
                let mut sink = CollectingSink::default();
                records.iter().for_each(|record| sink.accept(record));
                sink
            })
            .collect();
        let collection = sorted(sinks, ScanReport::default());
        assert!(collection.spill.is_none());
        written(&collection, dir, "memory.jsonl")
    }

    /// However large the memory limit, the sinks of an area never hold more rows than the sort
    /// keys have positions: past them a run is cut (a tiny capacity stands in for 2^33 here),
    /// and ties keep source order across the run boundaries.
    #[test]
    fn sinks_spill_a_run_before_the_sort_keys_run_out_of_positions() {
        let dir = tempfile::tempdir().unwrap();
        let config = SortConfig {
            memory_limit: 1 << 40,
            temp_dir: Some(Utf8PathBuf::from_path_buf(dir.path().to_path_buf()).unwrap()),
        };
        let area = Arc::new(SpillArea::with_positions(&config, 10));
        let records = tying_records(45);
        let (first, second) = records.split_at(30);
        let mut sinks = [
            CollectingSink::spilling(&area),
            CollectingSink::spilling(&area),
        ];
        for (sink, records) in sinks.iter_mut().zip([first, second]) {
            for record in records {
                sink.accept(record);
                assert!(area.held.load(Ordering::Relaxed) <= 10);
            }
            sink.finish();
        }
        let runs: Vec<usize> = sinks.iter().map(|sink| sink.runs.len()).collect();
        let held: usize = sinks.iter().map(|sink| sink.rows.len()).sum();
        assert!(runs[0] >= 3, "30 rows in runs of at most 10: {runs:?}");
        assert!(held <= 10, "{held} rows held");
        let collection = sorted(sinks.into(), ScanReport::default());
        assert!(collection.spill.is_some());
        assert_eq!(
            written(&collection, dir.path(), "spilled.jsonl"),
            in_memory(&[first, second], dir.path())
        );
    }

    /// Sinks that hold more rows than the positions at the end of a scan (made without a spill
    /// area, or past its count) are spilled, largest first, before any key is made.
    #[test]
    fn rows_beyond_the_positions_are_spilled_before_the_sort() {
        let dir = tempfile::tempdir().unwrap();
        let config = SortConfig {
            memory_limit: 1 << 40,
            temp_dir: Some(Utf8PathBuf::from_path_buf(dir.path().to_path_buf()).unwrap()),
        };
        let area = Arc::new(SpillArea::with_positions(&config, 10));
        let records = tying_records(24);
        let parts: Vec<&[Record<'_>]> = vec![&records[..5], &records[5..12], &records[12..]];
        let sinks: Vec<CollectingSink> = parts
            .iter()
            .map(|records| {
                let mut sink = CollectingSink::default();
                records.iter().for_each(|record| sink.accept(record));
                // As if it had raced past the area's count.
                area.held.fetch_add(sink.rows.len(), Ordering::Relaxed);
                sink.spill = Some(Arc::clone(&area));
                sink
            })
            .collect();
        let collection = sorted(sinks, ScanReport::default());
        let spilled: Vec<bool> = collection
            .tables
            .iter()
            .map(|table| !table.runs.is_empty())
            .collect();
        // 24 rows: the 12 and then the 7 go to runs, the 5 fit.
        assert_eq!(spilled, [false, true, true]);
        assert_eq!(collection.order.len(), 5);
        assert_eq!(
            written(&collection, dir.path(), "spilled.jsonl"),
            in_memory(&parts, dir.path())
        );
    }

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
