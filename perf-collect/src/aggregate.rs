//! The streaming path: per-group latency samples straight from the files, no records kept.

use std::collections::{BTreeMap, HashMap};

use camino::Utf8PathBuf;
use perf_record::{GroupKey, GroupName, GroupSamples, Record};

use crate::scan::{RecordSink, Scan, ScanReport};
use crate::{CollectConfig, CollectError, scan};
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
    let scan = scan(roots, config, || GroupingSink::new(group_by))?;
    Ok(Aggregation::from_scan(scan))
}

impl Aggregation {
    /// The groups of a scan whose sinks were [`GroupingSink`]s.
    pub fn from_scan(scan: Scan<GroupingSink>) -> Aggregation {
        Aggregation {
            groups: merge_groups(scan.sinks),
            report: scan.report,
        }
    }

    /// The (tool, step) groups, for a scan grouped by [`GroupBy::ToolStep`]; groups of another
    /// kind are left out.
    pub fn tool_step_groups(self) -> BTreeMap<GroupKey, GroupSamples> {
        into_tool_step_groups(self.groups)
    }
}

/// The (tool, step) groups of merged groups; groups of another kind are left out.
pub fn into_tool_step_groups(
    groups: BTreeMap<GroupName, GroupSamples>,
) -> BTreeMap<GroupKey, GroupSamples> {
    groups
        .into_iter()
        .filter_map(|(name, samples)| match name {
            GroupName::ToolStep(key) => Some((key, samples)),
            GroupName::Tool(_) | GroupName::Session(_) => None,
        })
        .collect()
}

/// Merges the groups of every work unit's sink, keeping source order within each group.
pub fn merge_groups(tables: Vec<GroupingSink>) -> BTreeMap<GroupName, GroupSamples> {
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
                ..GroupSamples::default()
            });
            group.merge(&samples);
        }
    }
    merged
}

/// The sink of aggregation: the groups of one work unit, looked up by borrowed names so that a
/// record costs no allocation.
#[derive(Debug)]
pub struct GroupingSink {
    group_by: GroupBy,
    index: HashMap<Box<str>, HashMap<Box<str>, usize, FxBuildHasher>, FxBuildHasher>,
    groups: Vec<(GroupName, GroupSamples)>,
}

impl GroupingSink {
    /// An empty sink grouping by `group_by`.
    pub fn new(group_by: GroupBy) -> Self {
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

impl RecordSink for GroupingSink {
    fn accept(&mut self, record: &Record<'_>) {
        let group = match self.group_by {
            GroupBy::ToolStep => self.group(&record.tool, &record.step),
            GroupBy::Tool => self.group(&record.tool, ""),
            GroupBy::Session => self.group(&record.session_id, ""),
        };
        group.add_record(record);
    }
}
