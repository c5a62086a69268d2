//! The streaming path: per-group latency samples straight from the files, no records kept.

use std::collections::{BTreeMap, HashMap};
use std::io;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use camino::Utf8PathBuf;
use perf_record::{
    GroupKey, GroupName, GroupPart, GroupSamples, Record, SpillDirectory, SpilledPart, StoredGroup,
};

use crate::scan::{RecordSink, Scan, ScanReport};
use crate::{CollectConfig, CollectError, SortConfig, scan};
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

/// The result of [`aggregate_within`]: groups in name order, whose samples may wait in spill
/// files (loaded one group at a time with [`perf_record::GroupData::samples`]), and the full
/// accounting.
#[derive(Debug)]
pub struct StoredAggregation {
    /// Every group with at least one accepted record.
    pub groups: BTreeMap<GroupName, StoredGroup>,
    /// Lines, rejections and problems, per file and in total (a spill file that could not be
    /// written is a [`CollectError::Spill`] problem: its samples stayed in memory).
    pub report: ScanReport,
}

/// Reads every log file under `roots` and returns per-group samples, without materialising
/// records or writing anything. Memory grows with the samples kept (8 bytes per record with a
/// known outcome), not with file size; [`aggregate_within`] bounds it.
///
/// Errors: a missing root or an invalid filter pattern; in strict mode also any rejected line or
/// unreadable file ([`CollectError::Strict`]).
pub fn aggregate(
    roots: &[Utf8PathBuf],
    config: &CollectConfig,
    group_by: GroupBy,
) -> Result<Aggregation, CollectError> {
    let scan = scan(roots, config, || GroupingSink::new(group_by))?;
    Aggregation::from_scan(scan)
}

/// [`aggregate`] within a memory limit: once the finished work units hold more than
/// [`SortConfig::memory_limit`] bytes of samples, each further unit writes all its samples to
/// one file of a temporary directory in [`SortConfig::temp_dir`] (removed when the last group
/// is dropped, or by the next run's stale-temporary rule after a kill), keeping in memory only
/// each group's counts, span and where its samples are. Loading a group gives exactly the
/// samples [`aggregate`] gives, in the same order. A tiny limit never fails: it spills more.
///
/// Memory stays bounded by the limit while reading and, once anything spilled (then every unit
/// is written at the end of the scan), by the samples of the groups the judges hold loaded
/// (one per thread) while they work: a single group of 20M latencies still needs 160 MB.
///
/// Errors: as [`aggregate`].
pub fn aggregate_within(
    roots: &[Utf8PathBuf],
    config: &CollectConfig,
    group_by: GroupBy,
    memory: &SortConfig,
) -> Result<StoredAggregation, CollectError> {
    let area = Arc::new(SampleArea::new(memory));
    let scan = scan(roots, config, || GroupingSink::spilling(group_by, &area))?;
    Ok(StoredAggregation::from_scan(scan))
}

/// The default memory limit of [`aggregate_within`] for the samples it holds: 16 MiB (the
/// 2M-record corpus, 15.3 MiB of samples, does not spill; see the README's memory table).
pub const DEFAULT_SAMPLE_MEMORY_LIMIT: u64 = 16 * 1024 * 1024;

/// A unit is spilled only when its groups average at least this share of the sample limit
/// (see [`SampleArea`]'s `worth_spilling`).
const SPILL_PART_SHARE: u64 = 16 * 1024;

impl Aggregation {
    /// The groups of a scan whose sinks were [`GroupingSink`]s (the samples of sinks that
    /// spilled are read back into memory).
    ///
    /// # Errors
    /// A spill file that cannot be read back ([`CollectError::Load`]).
    pub fn from_scan(scan: Scan<GroupingSink>) -> Result<Aggregation, CollectError> {
        let groups = if scan.sinks.iter().all(|table| table.spilled.is_none()) {
            merge_in_memory::<GroupSamples>(scan.sinks)
                .into_iter()
                .collect()
        } else {
            merge_groups(scan.sinks)
                .into_iter()
                .map(|(name, group)| Ok((name, group.into_samples()?)))
                .collect::<Result<_, perf_record::LoadError>>()
                .map_err(CollectError::Load)?
        };
        Ok(Aggregation {
            groups,
            report: scan.report,
        })
    }

    /// The (tool, step) groups, for a scan grouped by [`GroupBy::ToolStep`]; groups of another
    /// kind are left out.
    pub fn tool_step_groups(self) -> BTreeMap<GroupKey, GroupSamples> {
        into_tool_step_groups(self.groups)
    }
}

impl StoredAggregation {
    /// The groups of a scan whose sinks were [`GroupingSink`]s, left where they are.
    pub fn from_scan(scan: Scan<GroupingSink>) -> StoredAggregation {
        let Scan { sinks, mut report } = scan;
        if let Some(problem) = sinks.iter().find_map(|sink| sink.spill_problem()) {
            report.problems.push(problem);
        }
        StoredAggregation {
            groups: merge_groups(sinks),
            report,
        }
    }
}

/// The (tool, step) groups of merged groups; groups of another kind are left out.
pub fn into_tool_step_groups<G>(groups: BTreeMap<GroupName, G>) -> BTreeMap<GroupKey, G> {
    groups
        .into_iter()
        .filter_map(|(name, samples)| match name {
            GroupName::ToolStep(key) => Some((key, samples)),
            GroupName::Tool(_) | GroupName::Session(_) => None,
        })
        .collect()
}

/// What the sinks of one scan share when they may spill: the limit, the sample bytes that the
/// finished units hold in memory, and the spill directory.
#[derive(Debug)]
pub struct SampleArea {
    limit_bytes: u64,
    held: AtomicU64,
    directory: Arc<SpillDirectory>,
    error: Mutex<Option<Arc<io::Error>>>,
}

impl SampleArea {
    /// The area [`GroupingSink::spilling`] sinks share ([`aggregate_within`] makes one for its
    /// scan).
    pub fn new(config: &SortConfig) -> SampleArea {
        SampleArea {
            limit_bytes: config.memory_limit,
            held: AtomicU64::new(0),
            directory: Arc::new(SpillDirectory::new(
                config.temp_dir.as_deref(),
                "samples-spill",
            )),
            error: Mutex::new(None),
        }
    }

    /// Whether a unit of `groups` groups holding `bytes` of samples is worth writing out: its
    /// groups must average at least 1/[`SPILL_PART_SHARE`] of the limit (1 KiB at the default
    /// 16 MiB). Every spilled part keeps its index entry in memory and costs one read when its
    /// group is loaded, so a unit of many tiny groups (a million groups of two records each)
    /// would save nothing and be read back part by part; it stays in memory instead.
    fn worth_spilling(&self, bytes: u64, groups: usize) -> bool {
        bytes > 0
            && u128::from(bytes) * u128::from(SPILL_PART_SHARE)
                >= groups as u128 * u128::from(self.limit_bytes)
    }

    /// The temporary directory, when anything was spilled.
    pub fn directory(&self) -> Option<std::path::PathBuf> {
        self.directory.path()
    }
}

/// Merges the groups of every work unit's sink, keeping source order within each group: when no
/// sink spilled, every group is in memory in one piece (the merge below, no further copy);
/// otherwise each group is the list of its units' parts, on disk, in unit order.
///
/// Once any unit spilled, the units still in memory are written too: the judges that load
/// the groups one at a time then hold only the groups they load, not the limit's worth of early
/// units beside them (at 20M records that is the difference between 70 MB and the target).
pub fn merge_groups(mut tables: Vec<GroupingSink>) -> BTreeMap<GroupName, StoredGroup> {
    if tables.iter().all(|table| table.spilled.is_none()) {
        // Sorted by name, each name once: the map is built from the merge's own vector.
        return merge_in_memory(tables).into_iter().collect();
    }
    tables
        .par_iter_mut()
        .filter(|table| table.spilled.is_none())
        .for_each(|table| {
            if let Some(area) = table.area.clone() {
                let bytes = table.sample_bytes();
                if area.worth_spilling(bytes, table.groups.len()) {
                    table.spill(&area, bytes);
                }
            }
        });
    let mut slots: HashMap<GroupName, Vec<GroupPart>, FxBuildHasher> = HashMap::default();
    for table in tables {
        match table.spilled {
            Some(parts) => {
                for ((name, _), part) in table.groups.into_iter().zip(parts) {
                    slots
                        .entry(name)
                        .or_default()
                        .push(GroupPart::Spilled(part));
                }
            }
            None => {
                for (name, samples) in table.groups {
                    slots
                        .entry(name)
                        .or_default()
                        .push(GroupPart::Memory(samples));
                }
            }
        }
    }
    let mut merged: Vec<(GroupName, StoredGroup)> = slots
        .into_iter()
        .map(|(name, parts)| (name, StoredGroup::from_parts(parts)))
        .collect();
    sort_by_name(&mut merged);
    merged.into_iter().collect()
}

/// The in-memory merge of sinks that kept everything.
///
/// The work is parallel at any cardinality: each table's groups are dealt into shards by the
/// hash of their name, the shards are merged independently (each group's exact size reserved
/// first, so merging never holds two growing copies; a group seen in one unit only is moved,
/// not copied), and the names are sorted once at the end: the groups in name order, each name
/// once, each as the `G` its caller keeps (made as each group is complete, so that no second
/// vector of a million groups is made to convert them).
fn merge_in_memory<G: From<GroupSamples> + Send>(tables: Vec<GroupingSink>) -> Vec<(GroupName, G)> {
    let entries: usize = tables.iter().map(|table| table.groups.len()).sum();
    let shard_count = if entries < PARALLEL_MERGE_ENTRIES {
        1
    } else {
        rayon::current_num_threads() * 8
    };
    let dealt: Vec<Vec<Shard>> = tables
        .into_par_iter()
        .map(|table| {
            // Each shard's exact size first: no vector grows (and is copied) while dealing.
            let targets: Vec<usize> = table
                .groups
                .iter()
                .map(|(name, _)| shard_of(name, shard_count))
                .collect();
            let mut sizes = vec![0_usize; shard_count];
            for &target in &targets {
                sizes[target] += 1;
            }
            let mut shards: Vec<Shard> = sizes.into_iter().map(Vec::with_capacity).collect();
            for ((name, samples), target) in table.groups.into_iter().zip(targets) {
                shards[target].push((name, samples));
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
    let merged: Vec<Vec<(GroupName, G)>> = shards
        .into_par_iter()
        .map(|shard| {
            merge_shard(shard)
                .into_iter()
                .map(|(name, samples)| (name, G::from(samples)))
                .collect()
        })
        .collect();
    // One vector of exactly the groups, each shard's freed once moved (never two vectors of a
    // million groups at once), then put in name order without moving any group more than once.
    let mut flat = Vec::with_capacity(merged.iter().map(Vec::len).sum());
    for shard in merged {
        flat.extend(shard);
    }
    sort_by_name(&mut flat);
    flat
}

/// Puts `groups` in name order (`GroupName`'s `Ord`): the sort moves small keys (the name's
/// strings and a position), not the groups, which then move once each, to where they belong.
fn sort_by_name<G: Send>(groups: &mut [(GroupName, G)]) {
    let mut order: Vec<(NameKey<'_>, usize)> = groups
        .iter()
        .enumerate()
        .map(|(position, (name, _))| (NameKey::of(name), position))
        .collect();
    // Unstable is exact here: every name is once in the merge, so no two keys are equal.
    order.par_sort_unstable_by(|left, right| left.0.cmp(&right.0));
    let mut order: Vec<usize> = order.into_iter().map(|(_, position)| position).collect();
    apply_order(groups, &mut order);
}

/// A group name as its `Ord` compares it, in the same order: the kind (the variants'
/// declaration order), then tool and step, or the one name; each string led by its first bytes
/// as a big-endian number (zero-padded), which orders as the string does or ties, so that most
/// comparisons of a million names are two integer compares instead of two `memcmp` calls.
#[derive(PartialEq, Eq, PartialOrd, Ord)]
struct NameKey<'a> {
    kind: u8,
    first_prefix: u64,
    first: &'a [u8],
    second_prefix: u128,
    second: &'a [u8],
}

impl<'a> NameKey<'a> {
    fn of(name: &'a GroupName) -> NameKey<'a> {
        let kind = match name {
            GroupName::ToolStep(_) => 0,
            GroupName::Tool(_) => 1,
            GroupName::Session(_) => 2,
        };
        let (first, second) = name_parts(name);
        let (first, second) = (first.as_bytes(), second.as_bytes());
        NameKey {
            kind,
            first_prefix: u64::from_be_bytes(padded_prefix(first)),
            first,
            second_prefix: u128::from_be_bytes(padded_prefix(second)),
            second,
        }
    }
}

/// The first `N` bytes of `bytes`, zeros after its end.
fn padded_prefix<const N: usize>(bytes: &[u8]) -> [u8; N] {
    let mut prefix = [0; N];
    let length = bytes.len().min(N);
    prefix[..length].copy_from_slice(&bytes[..length]);
    prefix
}

/// Rearranges `items` so that position `k` holds what was at `order[k]` (`order` a permutation
/// of the positions, used up as it is applied), by following each cycle of the permutation:
/// every item is moved at most once by a swap.
fn apply_order<T>(items: &mut [T], order: &mut [usize]) {
    for start in 0..items.len() {
        let mut current = start;
        loop {
            let next = order[current];
            order[current] = current;
            if next == start || next == current {
                break;
            }
            items.swap(current, next);
            current = next;
        }
    }
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
    let entries = parts.iter().map(Vec::len).sum();
    let mut slots: HashMap<&GroupName, usize, FxBuildHasher> =
        HashMap::with_capacity_and_hasher(entries, FxBuildHasher);
    let mut sizes: Vec<usize> = Vec::with_capacity(entries);
    let mut order: Vec<usize> = Vec::with_capacity(entries);
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
    /// The area this sink spills to, for a scan within a memory limit.
    area: Option<Arc<SampleArea>>,
    /// After a spill: where each group's samples went, in `groups` order (whose samples are
    /// then empty).
    spilled: Option<Vec<SpilledPart>>,
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
            area: None,
            spilled: None,
        }
    }

    /// An empty sink that, once its unit is read, writes its samples to `area`'s spill
    /// directory when the finished units of the scan would hold more than the limit.
    pub fn spilling(group_by: GroupBy, area: &Arc<SampleArea>) -> Self {
        Self {
            area: Some(Arc::clone(area)),
            ..Self::new(group_by)
        }
    }

    /// The bytes this unit's samples take (their allocations).
    fn sample_bytes(&self) -> u64 {
        let values: usize = self
            .groups
            .iter()
            .map(|(_, group)| {
                group.latencies_ms.capacity()
                    + group.error_latencies_ms.capacity()
                    + group
                        .measures
                        .iter()
                        .map(|m| m.values.capacity() + m.error_values.capacity())
                        .sum::<usize>()
            })
            .sum();
        8 * values as u64
    }

    /// Writes every group's samples to one spill file and frees them.
    fn spill(&mut self, area: &SampleArea, bytes: u64) {
        match perf_record::spill_groups(&area.directory, self.groups.iter().map(|(_, g)| g)) {
            Ok(parts) => {
                for (_, group) in &mut self.groups {
                    // Counts and span live on in the part; the samples are on disk.
                    *group = GroupSamples::default();
                }
                self.spilled = Some(parts);
                area.held.fetch_sub(bytes, Ordering::Relaxed);
            }
            Err(error) => {
                // The samples stay in memory: the result is exact, only larger.
                if let Ok(mut first) = area.error.lock() {
                    first.get_or_insert_with(|| Arc::new(error));
                }
            }
        }
    }

    /// The first spill failure of the scan, as a problem of its report.
    fn spill_problem(&self) -> Option<CollectError> {
        let area = self.area.as_ref()?;
        let error = area.error.lock().ok()?.clone()?;
        Some(CollectError::Spill {
            directory: area.directory.parent().to_path_buf(),
            source: error,
        })
    }

    // Inlined into `accept`: its prologue and epilogue were an eighth of a lookup.
    #[inline(always)]
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

    fn finish(&mut self) {
        // No record comes after this: the lookup's table goes before the merge (about 10 bytes
        // a group of the unit).
        self.index = HashTable::new();
        let Some(area) = self.area.clone() else {
            return;
        };
        let bytes = self.sample_bytes();
        let worth_spilling = area.worth_spilling(bytes, self.groups.len());
        if area.held.load(Ordering::Relaxed) + bytes > area.limit_bytes && worth_spilling {
            area.held.fetch_add(bytes, Ordering::Relaxed);
            self.spill(&area, bytes);
            return;
        }
        // Kept: without the growth slack of its vectors (a third of them on average).
        for (_, group) in &mut self.groups {
            group.latencies_ms.shrink_to_fit();
            group.error_latencies_ms.shrink_to_fit();
            for measure in &mut group.measures {
                measure.values.shrink_to_fit();
                measure.error_values.shrink_to_fit();
            }
        }
        let bytes = self.sample_bytes();
        let held = area.held.fetch_add(bytes, Ordering::Relaxed) + bytes;
        if held > area.limit_bytes && worth_spilling {
            // Another unit finished at the same time: this one goes after all.
            self.spill(&area, bytes);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use perf_record::GroupKey;
    use perf_record::{GroupData as _, Outcome};

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
        tables_of(units, records_per_unit, groups, None)
    }

    /// The sinks of `units` units, finished as a scan finishes them (spilling to `area`).
    fn tables_of(
        units: usize,
        records_per_unit: usize,
        groups: u64,
        area: Option<&Arc<SampleArea>>,
    ) -> Vec<GroupingSink> {
        let mut rng = perf_stats::SplitMix64::seeded(0x1234_5678);
        let mut next = move || rng.next_u64() >> 33;
        (0..units)
            .map(|unit| {
                let mut sink = match area {
                    Some(area) => GroupingSink::spilling(GroupBy::ToolStep, area),
                    None => GroupingSink::new(GroupBy::ToolStep),
                };
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
                sink.finish();
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
            assert_eq!(
                samples.samples().unwrap().as_ref(),
                expected_samples,
                "{name:?}"
            );
            assert_eq!(samples.counts(), expected_samples.counts);
            assert_eq!(samples.latency_count(), expected_samples.latencies_ms.len());
        }
    }

    fn area(limit: u64, parent: &camino::Utf8Path) -> Arc<SampleArea> {
        Arc::new(SampleArea::new(&SortConfig {
            memory_limit: limit,
            temp_dir: Some(parent.to_owned()),
        }))
    }

    #[test]
    fn spilled_units_merge_to_the_in_memory_groups_and_their_directory_goes_with_them() {
        let root = tempfile::tempdir().unwrap();
        let parent = camino::Utf8Path::from_path(root.path()).unwrap();
        // A limit of one byte: every unit spills. 8 KiB: the first units stay in memory, the
        // rest spill (one unit of 1,000 records holds about 10 KiB of samples).
        for (limit, all_spilled) in [(1, true), (24 * 1024, false)] {
            let area = area(limit, parent);
            let reference = tables(9, 1_000, 24);
            let spilling = tables_of(9, 1_000, 24, Some(&area));
            let spilled_units = spilling.iter().filter(|t| t.spilled.is_some()).count();
            if all_spilled {
                assert_eq!(spilled_units, 9);
            } else {
                assert!((1..9).contains(&spilled_units), "{spilled_units}");
            }
            let directory = area.directory().unwrap();
            assert_eq!(
                std::fs::read_dir(&directory).unwrap().count(),
                spilled_units
            );
            let expected = merge_serially(&reference);
            let merged = merge_groups(spilling);
            assert!(merged.values().all(StoredGroup::is_spilled));
            // Once one unit spilled, the merge wrote the others too.
            assert_eq!(std::fs::read_dir(&directory).unwrap().count(), 9);
            assert_eq!(merged.len(), expected.len());
            for ((name, group), (expected_name, samples)) in merged.iter().zip(&expected) {
                assert_eq!(name, expected_name);
                assert_eq!(group.samples().unwrap().as_ref(), samples);
            }
            drop(area);
            assert!(directory.is_dir(), "the groups still read it");
            drop(merged);
            assert!(!directory.exists(), "removed with the last group");
        }
        assert_eq!(std::fs::read_dir(parent).unwrap().count(), 0);
    }

    #[test]
    fn a_limit_above_the_samples_spills_nothing() {
        let root = tempfile::tempdir().unwrap();
        let parent = camino::Utf8Path::from_path(root.path()).unwrap();
        let area = area(u64::MAX, parent);
        let tables = tables_of(5, 1_000, 24, Some(&area));
        assert!(tables.iter().all(|table| table.spilled.is_none()));
        assert!(area.directory().is_none());
        let merged = merge_groups(tables);
        assert!(!merged.values().any(StoredGroup::is_spilled));
    }

    #[test]
    fn units_of_many_tiny_groups_stay_in_memory_even_over_the_limit() {
        // 60 units of 4,000 records over 100,000 groups: about one sample a group a unit, far
        // below 1/16384 of the 1 MiB limit (64 bytes), while the units together hold more than
        // the limit. Spilling them would keep an index entry per sample and read each back alone.
        let root = tempfile::tempdir().unwrap();
        let parent = camino::Utf8Path::from_path(root.path()).unwrap();
        let limit = 1024 * 1024;
        let area = area(limit, parent);
        let tables = tables_of(60, 4_000, 100_000, Some(&area));
        let held: u64 = tables.iter().map(GroupingSink::sample_bytes).sum();
        assert!(held > limit, "the test must exceed the limit: {held}");
        assert!(tables.iter().all(|table| table.spilled.is_none()));
        let merged = merge_groups(tables);
        assert!(!merged.values().any(StoredGroup::is_spilled));
        assert!(area.directory().is_none());
        let expected = merge_serially(&tables_of(60, 4_000, 100_000, None));
        assert_eq!(merged.len(), expected.len());
        for ((name, group), (expected_name, samples)) in merged.iter().zip(&expected) {
            assert_eq!(name, expected_name);
            assert_eq!(group.samples().unwrap().as_ref(), samples);
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
    fn many_groups_in_mixed_spilled_and_kept_units_merge_to_the_serial_merge() {
        // 10 units of 2,000 records over 5,000 groups (about 1,700 groups a unit, most in
        // several units): with a 100 KiB limit the first units stay in memory and the rest spill
        // (their groups average over 1/16384 of the limit), then the merge writes the kept ones.
        let root = tempfile::tempdir().unwrap();
        let parent = camino::Utf8Path::from_path(root.path()).unwrap();
        let area = area(100 * 1024, parent);
        let spilling = tables_of(10, 2_000, 5_000, Some(&area));
        let spilled_units = spilling.iter().filter(|t| t.spilled.is_some()).count();
        assert!((1..10).contains(&spilled_units), "{spilled_units}");
        let expected = merge_serially(&tables(10, 2_000, 5_000));
        assert!(expected.len() > 4_000, "{}", expected.len());
        let merged = merge_groups(spilling);
        assert!(merged.values().all(StoredGroup::is_spilled));
        assert_eq!(merged.len(), expected.len());
        for ((name, group), (expected_name, samples)) in merged.iter().zip(&expected) {
            assert_eq!(name, expected_name);
            assert_eq!(group.counts(), samples.counts);
            assert_eq!(group.samples().unwrap().as_ref(), samples);
        }
    }

    #[test]
    fn the_in_memory_merge_gives_name_ordered_groups_of_either_type() {
        // The two callers' types, from the same units: GroupSamples for `aggregate`,
        // StoredGroup for `aggregate_within`; both the serial merge, each name once.
        let expected = merge_serially(&tables(12, 2_000, 20_000));
        let samples: Vec<(GroupName, GroupSamples)> = merge_in_memory(tables(12, 2_000, 20_000));
        let stored: Vec<(GroupName, StoredGroup)> = merge_in_memory(tables(12, 2_000, 20_000));
        assert!(samples.windows(2).all(|pair| pair[0].0 < pair[1].0));
        assert_eq!(samples.len(), expected.len());
        assert_eq!(stored.len(), expected.len());
        for (((name, group), (stored_name, stored)), (expected_name, expected)) in
            samples.iter().zip(&stored).zip(&expected)
        {
            assert_eq!((name, stored_name), (expected_name, expected_name));
            assert_eq!(group, expected);
            assert!(!stored.is_spilled());
            assert_eq!(stored.samples().unwrap().as_ref(), expected);
        }
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
    fn apply_order_puts_every_item_where_the_order_says() {
        let mut rng = perf_stats::SplitMix64::seeded(0x9e37_79b9);
        for length in [0, 1, 2, 3, 7, 64, 1_000] {
            // A shuffled permutation (Fisher-Yates on the fixed generator): cycles of every length.
            let mut order: Vec<usize> = (0..length).collect();
            for index in (1..length).rev() {
                order.swap(index, (rng.next_u64() >> 33) as usize % (index + 1));
            }
            let items: Vec<String> = (0..length).map(|index| format!("item-{index}")).collect();
            let expected: Vec<String> = order.iter().map(|&from| items[from].clone()).collect();
            let mut arranged = items;
            apply_order(&mut arranged, &mut order.clone());
            assert_eq!(arranged, expected, "{length}");
        }
    }

    #[test]
    fn names_sort_as_their_ord_sorts_them() {
        // Prefix ties (a zero byte against the end of a string, 8- and 16-byte prefixes that
        // agree), strings beyond the prefixes, non-ASCII bytes and the three kinds of names.
        let strings = [
            "",
            "a",
            "a\0",
            "a\0\0",
            "b",
            "builder",
            "builder\0",
            "builderX",
            "package-",
            "package-764678",
            "package-764678\0",
            "package-7646789",
            "package-76467890",
            "package-764678900",
            "package-764678901",
            "package-76467890\u{ff}",
            "\u{e9}t\u{e9}",
            "\u{ff}",
            "z\u{10ffff}",
        ];
        let mut names: Vec<GroupName> = Vec::new();
        for first in strings {
            names.push(GroupName::Tool(first.to_owned()));
            names.push(GroupName::Session(first.to_owned()));
            for second in strings {
                names.push(GroupName::ToolStep(GroupKey::new(first, second)));
            }
        }
        let mut expected = names.clone();
        expected.sort();
        // Reversed and interleaved, so that the sort has work to do.
        names.reverse();
        let (even, odd): (Vec<_>, Vec<_>) = names
            .into_iter()
            .enumerate()
            .partition(|(index, _)| index % 2 == 0);
        let mut groups: Vec<(GroupName, String)> = odd
            .into_iter()
            .chain(even)
            .map(|(_, name)| {
                let payload = format!("{name:?}");
                (name, payload)
            })
            .collect();
        sort_by_name(&mut groups);
        let sorted: Vec<GroupName> = groups.iter().map(|(name, _)| name.clone()).collect();
        assert_eq!(sorted, expected);
        // Each name kept its own payload.
        assert!(
            groups
                .iter()
                .all(|(name, payload)| format!("{name:?}") == *payload)
        );
    }

    #[test]
    fn the_merge_of_few_groups_equals_the_serial_merge() {
        assert_same_merge(tables(5, 1_000, 24));
        assert_same_merge(Vec::new());
    }

    #[test]
    fn merged_samples_keep_source_order() {
        let merged = merge_groups(tables(8, 3_000, 3));
        for group in merged.values() {
            let samples = group.samples().unwrap();
            assert!(
                samples.latencies_ms.is_sorted(),
                "source order is ascending ms here"
            );
            assert!(samples.latencies_ms.len() > 5_000);
        }
    }
}
