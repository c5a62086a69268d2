//! The materialising path: all accepted records, sorted by time, written atomically.

use std::collections::{BTreeMap, HashMap};

use std::io;

use camino::{Utf8Path, Utf8PathBuf};
use perf_record::{Outcome, OutcomeCounts, Record, Timestamp, push_record, write_atomically};
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
    order: Vec<(Timestamp, u32, u32)>,
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
    let scan = scan(roots, config, CollectingSink::default)?;
    Ok(Collection::from_scan(scan))
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
    let entries: usize = tables.iter().map(|table| table.rows.len()).sum();
    let mut order = Vec::with_capacity(entries);
    for (table_index, table) in tables.iter().enumerate() {
        for (row_index, row) in table.rows.iter().enumerate() {
            order.push((row.ts, table_index as u32, row_index as u32));
        }
    }
    // (table, row) is source order, so an unstable sort on the whole tuple is a stable sort by ts.
    order.par_sort_unstable();
    let summary = summarize(&tables, &order, &report);
    Collection {
        tables,
        order,
        summary,
        report,
    }
}

fn summarize(
    tables: &[CollectingSink],
    order: &[(Timestamp, u32, u32)],
    report: &ScanReport,
) -> CollectionSummary {
    let mut summary = CollectionSummary {
        schema_version: SUMMARY_SCHEMA_VERSION,
        entries: order.len() as u64,
        files_scanned: report.files.len()
            - report
                .problems
                .iter()
                .filter(|problem| matches!(problem, CollectError::Open { .. }))
                .count(),
        roots_scanned: report.roots_scanned,
        first_ts: order.first().map(|entry| entry.0),
        last_ts: order.last().map(|entry| entry.0),
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
        self.order.len()
    }

    /// Whether nothing was collected.
    pub fn is_empty(&self) -> bool {
        self.order.is_empty()
    }

    /// The records in `ts` order.
    pub fn records(&self) -> impl ExactSizeIterator<Item = Record<'_>> + '_ {
        self.order
            .iter()
            .map(|&(_, table, row)| self.tables[table as usize].record(row as usize))
    }

    /// Writes the records as compact JSONL to `path`, atomically (see [`write_atomically`]).
    pub fn write_jsonl(&self, path: &Utf8Path) -> Result<(), CollectError> {
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
#[derive(Debug, Default)]
pub struct CollectingSink {
    strings: Strings,
    rows: Vec<Row>,
    outcomes: OutcomeCounts,
    tool_counts: Vec<u64>,
    session_counts: Vec<u64>,
}

fn count(counts: &mut Vec<u64>, id: u32) {
    let index = id as usize;
    if counts.len() <= index {
        counts.resize(index + 1, 0);
    }
    counts[index] += 1;
}

impl CollectingSink {
    fn record(&self, row: usize) -> Record<'_> {
        let row = &self.rows[row];
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
        self.rows.push(Row {
            ts: record.ts,
            ms: record.ms,
            session,
            tool,
            step,
            outcome,
        });
    }
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
        };
        table.accept(&record);
        assert_eq!(table.record(0), record);
        assert_eq!(table.strings.names.len(), 3);
    }
}
