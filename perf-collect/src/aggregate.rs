//! The streaming path: per-group latency samples straight from the files, no records kept.

use std::collections::{BTreeMap, HashMap};

use camino::Utf8PathBuf;
use perf_record::{GroupKey, Outcome, OutcomeCounts, Record};

use crate::scan::{RecordSink, ScanReport, scan_files};
use crate::{CollectConfig, CollectError, discover, strict_check};
use rustc_hash::FxBuildHasher;

/// How records are grouped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum GroupBy {
    /// One group per (tool, step): what budgets are written against.
    #[default]
    ToolStep,
    /// One group per tool, all steps together.
    Tool,
    /// One group per session id.
    Session,
}

/// The name of one group, of the kind [`GroupBy`] asked for.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum GroupName {
    /// A (tool, step) group.
    ToolStep(GroupKey),
    /// All steps of one tool.
    Tool(String),
    /// All records of one session.
    Session(String),
}

/// What one group holds: the latencies statistics need, and how many records had each outcome.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct GroupSamples {
    /// Latencies in milliseconds of records with a known outcome (success or error), in source
    /// order. Unknown-outcome records are counted in `outcomes` but have no sample here.
    pub latencies_ms: Vec<f64>,
    /// Records per outcome, unknown included.
    pub outcomes: OutcomeCounts,
}

/// The result of [`aggregate`]: groups in name order and the full accounting.
#[derive(Debug)]
pub struct Aggregation {
    /// Every group with at least one accepted record.
    pub groups: BTreeMap<GroupName, GroupSamples>,
    /// Lines, rejections and problems, per file and in total.
    pub report: ScanReport,
}

/// Reads every log file under `roots` and returns per-group samples, without materialising
/// records or writing anything. Memory grows with the samples kept (8 bytes per record with a
/// known outcome), not with file size.
///
/// Errors: a missing root or an invalid filter pattern; in strict mode also any rejected line or
/// unreadable file ([`CollectError::Strict`]).
pub fn aggregate(
    roots: &[Utf8PathBuf],
    config: &CollectConfig,
    group_by: GroupBy,
) -> Result<Aggregation, CollectError> {
    let filter = config.filter.compile()?;
    let discovery = discover(roots, &config.discover)?;
    let (mut report, tables) = scan_files(&discovery.files, &filter, &config.scan, || {
        GroupTable::new(group_by)
    });
    report.roots_scanned = discovery.roots_scanned;
    report.skipped_symlinks = discovery.skipped_symlinks;
    report.problems.splice(0..0, discovery.problems);
    strict_check(config, &report)?;
    Ok(Aggregation {
        groups: merge_tables(tables),
        report,
    })
}

fn merge_tables(tables: Vec<GroupTable>) -> BTreeMap<GroupName, GroupSamples> {
    // Reserve each group's exact size first so that merging never holds two growing copies.
    let mut sizes: HashMap<GroupName, usize> = HashMap::new();
    for table in &tables {
        for (name, samples) in &table.groups {
            *sizes.entry(name.clone()).or_default() += samples.latencies_ms.len();
        }
    }
    let mut merged: BTreeMap<GroupName, GroupSamples> = BTreeMap::new();
    for table in tables {
        for (name, samples) in table.groups {
            let group = merged.entry(name).or_insert_with_key(|name| GroupSamples {
                latencies_ms: Vec::with_capacity(sizes.get(name).copied().unwrap_or(0)),
                outcomes: OutcomeCounts::default(),
            });
            group.latencies_ms.extend_from_slice(&samples.latencies_ms);
            group.outcomes.merge(&samples.outcomes);
        }
    }
    merged
}

/// The groups of one work unit, looked up by borrowed names so that a record costs no allocation.
struct GroupTable {
    group_by: GroupBy,
    index: HashMap<Box<str>, HashMap<Box<str>, usize, FxBuildHasher>, FxBuildHasher>,
    groups: Vec<(GroupName, GroupSamples)>,
}

impl GroupTable {
    fn new(group_by: GroupBy) -> Self {
        Self {
            group_by,
            index: HashMap::default(),
            groups: Vec::new(),
        }
    }

    fn group(&mut self, first: &str, second: &str) -> &mut GroupSamples {
        let slot = match self.index.get(first).and_then(|inner| inner.get(second)) {
            Some(&slot) => slot,
            None => {
                let slot = self.groups.len();
                let name = match self.group_by {
                    GroupBy::ToolStep => GroupName::ToolStep(GroupKey {
                        tool: first.to_owned(),
                        step: second.to_owned(),
                    }),
                    GroupBy::Tool => GroupName::Tool(first.to_owned()),
                    GroupBy::Session => GroupName::Session(first.to_owned()),
                };
                self.groups.push((name, GroupSamples::default()));
                self.index
                    .entry(first.into())
                    .or_default()
                    .insert(second.into(), slot);
                slot
            }
        };
        &mut self.groups[slot].1
    }
}

impl RecordSink for GroupTable {
    fn accept(&mut self, record: Record<'_>) {
        let group = match self.group_by {
            GroupBy::ToolStep => self.group(&record.tool, &record.step),
            GroupBy::Tool => self.group(&record.tool, ""),
            GroupBy::Session => self.group(&record.session_id, ""),
        };
        group.outcomes.add(&record.outcome);
        if !matches!(record.outcome, Outcome::Unknown) {
            group.latencies_ms.push(record.ms);
        }
    }
}
