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
    /// A direct-mapped cache in front of `index`: the slot last found for each [`fingerprint`]
    /// (`usize::MAX`: none). A hit, confirmed by comparing the names, skips hashing every byte
    /// of both names and probing the table; a miss (or a collision) costs the fingerprint only.
    recent: Box<[usize; RECENT_SLOTS]>,
    groups: Vec<(GroupName, GroupSamples)>,
}

/// Entries of [`GroupingSink::recent`]: a few times the groups of a typical log, so that they
/// rarely evict each other.
const RECENT_SLOTS: usize = 256;

impl GroupingSink {
    /// An empty sink grouping by `group_by`.
    pub fn new(group_by: GroupBy) -> Self {
        Self {
            group_by,
            index: HashTable::new(),
            recent: Box::new([usize::MAX; RECENT_SLOTS]),
            groups: Vec::new(),
        }
    }

    fn group(&mut self, first: &str, second: &str) -> &mut GroupSamples {
        let recent = fingerprint(first.as_bytes(), second.as_bytes()) % RECENT_SLOTS;
        let cached = self.recent[recent];
        if let Some((name, _)) = self.groups.get(cached) {
            let (stored_first, stored_second) = name_parts(name);
            if same_bytes(stored_first.as_bytes(), first.as_bytes())
                && same_bytes(stored_second.as_bytes(), second.as_bytes())
            {
                return &mut self.groups[cached].1;
            }
        }
        let slot = self.find_or_insert(first, second);
        self.recent[recent] = slot;
        &mut self.groups[slot].1
    }

    /// The slot of a group by the hash of its names, added (empty) if it is new.
    fn find_or_insert(&mut self, first: &str, second: &str) -> usize {
        let hash = hash_parts(first, second);
        let groups = &self.groups;
        let found = self
            .index
            .find(hash, |&slot| name_parts(&groups[slot].0) == (first, second));
        match found {
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
        }
    }
}

/// A cheap hash of a group's two names for [`GroupingSink::recent`]: their lengths and up to
/// eight bytes at each end of each (where names of one log differ). Not the table's hash: names
/// that differ only in their middle share a fingerprint, which costs them the cache, never a
/// wrong answer (a hit is confirmed by comparing the names).
fn fingerprint(first: &[u8], second: &[u8]) -> usize {
    let mixed = (ends(first) ^ ends(second).rotate_left(23))
        .wrapping_add((first.len() as u64) << 40 | second.len() as u64);
    // The high bits of a multiply by an odd constant mix every input bit.
    (mixed.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 40) as usize
}

/// Up to eight bytes from each end of `bytes`, folded into one word.
fn ends(bytes: &[u8]) -> u64 {
    match bytes.len() {
        0 => 0,
        1..=3 => {
            u64::from(bytes[0])
                | u64::from(bytes[bytes.len() / 2]) << 8
                | u64::from(bytes[bytes.len() - 1]) << 16
        }
        4..=7 => u64::from(word_32(bytes, 0)) | u64::from(word_32(bytes, bytes.len() - 4)) << 32,
        _ => word_64(bytes, 0) ^ word_64(bytes, bytes.len() - 8).rotate_left(32),
    }
}

/// Whether two names are equal; short names by two (overlapping) word compares instead of a
/// call to `memcmp`, which costs more than the comparison itself at these lengths.
fn same_bytes(left: &[u8], right: &[u8]) -> bool {
    let length = left.len();
    if length != right.len() {
        return false;
    }
    match length {
        0 => true,
        1..=3 => left == right,
        4..=7 => {
            word_32(left, 0) == word_32(right, 0)
                && word_32(left, length - 4) == word_32(right, length - 4)
        }
        8..=16 => {
            word_64(left, 0) == word_64(right, 0)
                && word_64(left, length - 8) == word_64(right, length - 8)
        }
        _ => left == right,
    }
}

/// The four bytes of `bytes` at `at` (which has at least four bytes from there on).
fn word_32(bytes: &[u8], at: usize) -> u32 {
    let mut word = [0; 4];
    word.copy_from_slice(&bytes[at..at + 4]);
    u32::from_le_bytes(word)
}

/// The eight bytes of `bytes` at `at` (which has at least eight bytes from there on).
fn word_64(bytes: &[u8], at: usize) -> u64 {
    let mut word = [0; 8];
    word.copy_from_slice(&bytes[at..at + 8]);
    u64::from_le_bytes(word)
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
    fn names_that_share_a_fingerprint_stay_apart() {
        // Long names that differ only in their middle: one fingerprint, one cache entry that
        // each evicts the other, every record still in its own group.
        let names: Vec<String> = (0..50)
            .map(|index| format!("GET /api/v1/users/{index:04}/orders/recent"))
            .collect();
        assert!(names.windows(2).all(|pair| {
            fingerprint(b"api", pair[0].as_bytes()) == fingerprint(b"api", pair[1].as_bytes())
        }));
        let mut sink = GroupingSink::new(GroupBy::ToolStep);
        for round in 0..3 {
            for (index, name) in names.iter().enumerate() {
                let record = Record {
                    ts: "2025-10-21T09:00:01Z".parse().unwrap(),
                    session_id: "s".into(),
                    tool: "api".into(),
                    step: name.as_str().into(),
                    ms: (round * 100 + index) as f64,
                    outcome: Outcome::Success,
                    measures: perf_record::Measures::new(),
                };
                sink.accept(&record);
            }
        }
        assert_eq!(sink.groups.len(), names.len());
        for (index, (name, samples)) in sink.groups.iter().enumerate() {
            assert_eq!(name_parts(name), ("api", names[index].as_str()));
            assert_eq!(
                samples.latencies_ms,
                [index as f64, (100 + index) as f64, (200 + index) as f64]
            );
        }
    }

    #[test]
    fn same_bytes_is_equality_at_every_length() {
        let text: Vec<u8> = (0..40u8).map(|byte| b'a' + byte % 26).collect();
        for length in 0..text.len() {
            let left = &text[..length];
            let copy = left.to_vec();
            assert!(same_bytes(left, copy.as_slice()));
            for position in 0..length {
                let mut right = left.to_vec();
                right[position] ^= 0x20;
                assert!(!same_bytes(left, &right), "{length} {position}");
            }
            assert!(!same_bytes(left, &text[..length + 1]));
        }
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
