//! The streaming path: per-group latency samples straight from the files, no records kept.

use std::collections::{BTreeMap, HashMap};

use camino::Utf8PathBuf;
use perf_record::{GroupKey, GroupName, GroupSamples, Record};

use crate::scan::{RecordSink, Scan, ScanReport};
use crate::{CollectConfig, CollectError, scan};
use hashbrown::HashTable;
use rayon::prelude::*;
use rustc_hash::FxBuildHasher;
use std::hash::BuildHasher as _;

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
///
/// The work is parallel at any cardinality: each table's groups are dealt into shards by the
/// hash of their name, the shards are merged independently (each group's exact size reserved
/// first, so merging never holds two growing copies; a group seen in one unit only is moved,
/// not copied), and the names are sorted once at the end.
pub fn merge_groups(tables: Vec<GroupingSink>) -> BTreeMap<GroupName, GroupSamples> {
    let entries: usize = tables.iter().map(|table| table.groups.len()).sum();
    let shard_count = if entries < PARALLEL_MERGE_ENTRIES {
        1
    } else {
        rayon::current_num_threads() * 8
    };
    let dealt: Vec<Vec<Shard>> = tables
        .into_par_iter()
        .map(|table| {
            let mut shards: Vec<Shard> = (0..shard_count).map(|_| Vec::new()).collect();
            for (name, samples) in table.groups {
                shards[shard_of(&name, shard_count)].push((name, samples));
            }
            shards
        })
        .collect();
    let mut shards: Vec<Vec<Shard>> = (0..shard_count)
        .map(|_| Vec::with_capacity(dealt.len()))
        .collect();
    for table in dealt {
        for (shard, part) in shards.iter_mut().zip(table) {
            shard.push(part);
        }
    }
    let mut merged: Vec<(GroupName, GroupSamples)> =
        shards.into_par_iter().flat_map_iter(merge_shard).collect();
    merged.par_sort_unstable_by(|left, right| left.0.cmp(&right.0));
    // Sorted input: the map is built in one pass.
    merged.into_iter().collect()
}

/// Below this many (unit, group) entries the merge runs on one thread: 24 groups in 32 chunks
/// cost nothing to merge serially.
const PARALLEL_MERGE_ENTRIES: usize = 4096;

/// The groups of one unit that fall into one shard, in the unit's order.
type Shard = Vec<(GroupName, GroupSamples)>;

fn shard_of(name: &GroupName, shard_count: usize) -> usize {
    if shard_count == 1 {
        return 0;
    }
    // The high bits of FxHash are the well-mixed ones.
    ((FxBuildHasher.hash_one(name) >> 32) as usize) % shard_count
}

/// Merges one shard's parts (one per unit, in source order) into one entry per group.
fn merge_shard(parts: Vec<Shard>) -> Vec<(GroupName, GroupSamples)> {
    // First pass: a slot per distinct name and its exact sample count.
    let mut slots: HashMap<&GroupName, usize, FxBuildHasher> = HashMap::default();
    let mut sizes: Vec<usize> = Vec::new();
    let mut order: Vec<usize> = Vec::with_capacity(parts.iter().map(Vec::len).sum());
    for (name, samples) in parts.iter().flatten() {
        let slot = *slots.entry(name).or_insert_with(|| {
            sizes.push(0);
            sizes.len() - 1
        });
        sizes[slot] += samples.latencies_ms.len();
        order.push(slot);
    }
    drop(slots);
    let mut merged: Vec<Option<(GroupName, GroupSamples)>> =
        std::iter::repeat_with(|| None).take(sizes.len()).collect();
    for ((name, samples), slot) in parts.into_iter().flatten().zip(order) {
        match &mut merged[slot] {
            Some((_, group)) => group.merge(&samples),
            empty @ None if samples.latencies_ms.len() == sizes[slot] => {
                *empty = Some((name, samples));
            }
            empty @ None => {
                let mut group = GroupSamples {
                    latencies_ms: Vec::with_capacity(sizes[slot]),
                    ..GroupSamples::default()
                };
                group.merge(&samples);
                *empty = Some((name, group));
            }
        }
    }
    merged.into_iter().flatten().collect()
}

/// The sink of aggregation: the groups of one work unit, looked up by borrowed names so that a
/// record costs no allocation.
#[derive(Debug)]
pub struct GroupingSink {
    group_by: GroupBy,
    /// Slots of `groups`, by the hash of a group's two name parts ([`name_parts`]): one lookup
    /// a record, comparing the record's borrowed strings with the stored names.
    index: HashTable<usize>,
    groups: Vec<(GroupName, GroupSamples)>,
}

impl GroupingSink {
    /// An empty sink grouping by `group_by`.
    pub fn new(group_by: GroupBy) -> Self {
        Self {
            group_by,
            index: HashTable::new(),
            groups: Vec::new(),
        }
    }

    fn group(&mut self, first: &str, second: &str) -> &mut GroupSamples {
        let hash = hash_parts(first, second);
        let groups = &self.groups;
        let found = self
            .index
            .find(hash, |&slot| name_parts(&groups[slot].0) == (first, second));
        let slot = match found {
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
                let groups = &self.groups;
                self.index.insert_unique(hash, slot, |&slot| {
                    let (first, second) = name_parts(&groups[slot].0);
                    hash_parts(first, second)
                });
                slot
            }
        };
        &mut self.groups[slot].1
    }
}

/// The two strings a group is looked up by: (tool, step), or the one name and `""`.
fn name_parts(name: &GroupName) -> (&str, &str) {
    match name {
        GroupName::ToolStep(key) => (&key.tool, &key.step),
        GroupName::Tool(name) | GroupName::Session(name) => (name, ""),
    }
}

fn hash_parts(first: &str, second: &str) -> u64 {
    FxBuildHasher.hash_one((first, second))
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

#[cfg(test)]
mod tests {
    use super::*;
    use perf_record::Outcome;

    /// The merge as it was written before it was sharded: the reference.
    fn merge_serially(tables: &[GroupingSink]) -> BTreeMap<GroupName, GroupSamples> {
        let mut merged: BTreeMap<GroupName, GroupSamples> = BTreeMap::new();
        for table in tables {
            for (name, samples) in &table.groups {
                merged.entry(name.clone()).or_default().merge(samples);
            }
        }
        merged
    }

    fn tables(units: usize, records_per_unit: usize, groups: u64) -> Vec<GroupingSink> {
        let mut state = 0x1234_5678_u64;
        let mut next = move || {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            state >> 33
        };
        (0..units)
            .map(|unit| {
                let mut sink = GroupingSink::new(GroupBy::ToolStep);
                for index in 0..records_per_unit {
                    let group = next() % groups;
                    let outcome = match next() % 10 {
                        0 => Outcome::Error(None),
                        1 => Outcome::Unknown,
                        _ => Outcome::Success,
                    };
                    let record = Record {
                        ts: "2025-10-21T09:00:01Z".parse().unwrap(),
                        session_id: "s".into(),
                        tool: format!("tool-{}", group % 7).into(),
                        step: format!("step-{group}").into(),
                        ms: (unit * records_per_unit + index) as f64,
                        outcome,
                        // Every third record carries a measure, so the merge keeps those too.
                        measures: if index % 3 == 0 {
                            perf_record::Measures::from_entries([("allocs".into(), index as f64)])
                                .unwrap()
                        } else {
                            perf_record::Measures::new()
                        },
                    };
                    sink.accept(&record);
                }
                sink
            })
            .collect()
    }

    fn assert_same_merge(tables: Vec<GroupingSink>) {
        let expected = merge_serially(&tables);
        let merged = merge_groups(tables);
        assert_eq!(merged.len(), expected.len());
        for ((name, samples), (expected_name, expected_samples)) in merged.iter().zip(&expected) {
            assert_eq!(name, expected_name);
            assert_eq!(samples, expected_samples, "{name:?}");
        }
    }

    #[test]
    fn the_sharded_merge_of_many_groups_equals_the_serial_merge_in_source_order() {
        // 12 units of 2,000 records over 20,000 groups: far above the parallel threshold, most
        // groups in one unit only (moved), many in several (merged in unit order).
        let tables = tables(12, 2_000, 20_000);
        assert!(tables.iter().map(|table| table.groups.len()).sum::<usize>() > 4096);
        assert_same_merge(tables);
    }

    #[test]
    fn the_merge_of_few_groups_equals_the_serial_merge() {
        assert_same_merge(tables(5, 1_000, 24));
        assert_same_merge(Vec::new());
    }

    #[test]
    fn merged_samples_keep_source_order() {
        let merged = merge_groups(tables(8, 3_000, 3));
        for samples in merged.values() {
            assert!(
                samples.latencies_ms.is_sorted(),
                "source order is ascending ms here"
            );
            assert!(samples.latencies_ms.len() > 5_000);
        }
    }
}
