//! Groups whose samples may wait on disk: what keeps memory bounded at any input size.
//!
//! A scan that holds more samples than its memory limit writes whole work units' samples to a
//! spill file ([`spill_groups`]) in a [`SpillDirectory`], keeping in memory only each group's
//! counts, span and where its part of the file is. A [`StoredGroup`] is then a list of parts in
//! source (unit) order, some in memory and some on disk, and [`GroupData::samples`] loads them
//! into exactly the [`GroupSamples`] that merging the units in memory gives: the same values in
//! the same order, so every statistic is bit for bit the same. Judges take any [`GroupData`]
//! (a plain [`GroupSamples`] is one) and load one group at a time.

use std::borrow::Cow;
use std::fs::File;
use std::io::{self, BufReader, BufWriter, Seek as _, SeekFrom, Write as _};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use camino::{Utf8Path, Utf8PathBuf};

use crate::group::throughput_of;
use crate::{GroupSamples, LatencyOf, MeasureSamples, NoThroughput, OutcomeCounts, TimeSpan};

/// A group as judges read it: its counts and span at once, its samples on demand.
///
/// [`GroupSamples`] is one (its samples borrowed, never copied), and so is a [`StoredGroup`]
/// whose samples may be on disk. Judges call [`GroupData::samples`] inside their per-group loop
/// and drop the result before the next group, so that memory is bounded by the largest group,
/// not by the input.
pub trait GroupData: Sync {
    /// Records per outcome, unknown included.
    fn counts(&self) -> OutcomeCounts;
    /// The earliest and the latest `ts` of the group's records.
    fn span(&self) -> Option<TimeSpan>;
    /// How many latencies [`GroupSamples::latencies_ms`] holds.
    fn latency_count(&self) -> usize;
    /// How many latencies [`GroupSamples::error_latencies_ms`] holds.
    fn error_latency_count(&self) -> usize;
    /// The names of the group's measures, in name order.
    fn measure_names(&self) -> Vec<&str>;
    /// The samples, borrowed when they are in memory, read from disk otherwise.
    ///
    /// # Errors
    /// A spill file that cannot be read.
    fn samples(&self) -> Result<Cow<'_, GroupSamples>, LoadError>;
    /// Whether loading reads a spill file (judges may then trade parallel work for memory).
    fn is_spilled(&self) -> bool {
        false
    }
    /// [`GroupSamples::throughput_rps`], from the counts and the span alone.
    fn throughput_rps(&self) -> Result<f64, NoThroughput> {
        throughput_of(self.counts(), self.span())
    }
}

impl GroupData for GroupSamples {
    fn counts(&self) -> OutcomeCounts {
        self.counts
    }

    fn span(&self) -> Option<TimeSpan> {
        self.span
    }

    fn latency_count(&self) -> usize {
        self.latencies_ms.len()
    }

    fn error_latency_count(&self) -> usize {
        self.error_latencies_ms.len()
    }

    fn measure_names(&self) -> Vec<&str> {
        self.measures
            .iter()
            .map(|measure| measure.name.as_str())
            .collect()
    }

    fn samples(&self) -> Result<Cow<'_, GroupSamples>, LoadError> {
        Ok(Cow::Borrowed(self))
    }
}

/// A group seen under a [`LatencyOf`] choice ([`GroupSamples::latency_of`] on load): for
/// [`LatencyOf::All`] the error records' latencies and measure values follow the successful
/// ones; for [`LatencyOf::Ok`] the group as it is, borrowed.
#[derive(Debug, Clone, Copy)]
pub struct LatencyOfView<'a, G> {
    group: &'a G,
    latency_of: LatencyOf,
}

/// `group` as judges see it under `latency_of`, loaded one group at a time (no copy of the
/// whole map).
pub fn latency_of_view<G: GroupData>(group: &G, latency_of: LatencyOf) -> LatencyOfView<'_, G> {
    LatencyOfView { group, latency_of }
}

impl<G: GroupData> GroupData for LatencyOfView<'_, G> {
    fn counts(&self) -> OutcomeCounts {
        self.group.counts()
    }

    fn span(&self) -> Option<TimeSpan> {
        self.group.span()
    }

    fn latency_count(&self) -> usize {
        match self.latency_of {
            LatencyOf::Ok => self.group.latency_count(),
            LatencyOf::All => self.group.latency_count() + self.group.error_latency_count(),
        }
    }

    fn error_latency_count(&self) -> usize {
        match self.latency_of {
            LatencyOf::Ok => self.group.error_latency_count(),
            LatencyOf::All => 0,
        }
    }

    fn measure_names(&self) -> Vec<&str> {
        self.group.measure_names()
    }

    fn is_spilled(&self) -> bool {
        self.group.is_spilled()
    }

    fn samples(&self) -> Result<Cow<'_, GroupSamples>, LoadError> {
        let samples = self.group.samples()?;
        Ok(match self.latency_of {
            LatencyOf::Ok => samples,
            LatencyOf::All => Cow::Owned(samples.into_owned().latency_of(LatencyOf::All)),
        })
    }
}

/// Spilled samples that cannot be read back.
#[derive(Debug, Clone, thiserror::Error)]
#[error("cannot read spilled samples from {}", path.display())]
pub struct LoadError {
    /// The spill file.
    pub path: PathBuf,
    /// What the file system said.
    #[source]
    pub source: Arc<io::Error>,
}

/// Two load errors are equal when they name the same file and the same kind of failure.
impl PartialEq for LoadError {
    fn eq(&self, other: &Self) -> bool {
        self.path == other.path && self.source.kind() == other.source.kind()
    }
}

/// A temporary directory for spill files, made on the first file and removed when the last
/// holder drops it (or, for a killed run, by the next run's stale-temporary rule of
/// [`crate::temporary_directory`]).
#[derive(Debug)]
pub struct SpillDirectory {
    parent: Utf8PathBuf,
    purpose: &'static str,
    files: AtomicUsize,
    directory: Mutex<Option<tempfile::TempDir>>,
}

impl SpillDirectory {
    /// A directory named for `purpose` (`collect-spill`) that will be made in `parent` (`None`:
    /// the system's temporary directory, `$TMPDIR`) when the first file is.
    pub fn new(parent: Option<&Utf8Path>, purpose: &'static str) -> SpillDirectory {
        SpillDirectory {
            parent: parent
                .map(Utf8Path::to_path_buf)
                .or_else(|| Utf8PathBuf::from_path_buf(std::env::temp_dir()).ok())
                .unwrap_or_else(|| Utf8PathBuf::from(".")),
            purpose,
            files: AtomicUsize::new(0),
            directory: Mutex::new(None),
        }
    }

    /// Where the temporary directory is (or will be) made.
    pub fn parent(&self) -> &Utf8Path {
        &self.parent
    }

    /// A new file's path (`{prefix}-{n}`), making the directory on first use.
    ///
    /// # Errors
    /// The directory cannot be made.
    pub fn next_path(&self, prefix: &str) -> io::Result<PathBuf> {
        let mut directory = self
            .directory
            .lock()
            .map_err(|_| io::Error::other("a thread panicked while spilling"))?;
        if directory.is_none() {
            *directory = Some(crate::temporary_directory(&self.parent, self.purpose)?);
        }
        let number = self.files.fetch_add(1, Ordering::Relaxed);
        directory
            .as_ref()
            .map(|directory| directory.path().join(format!("{prefix}-{number}")))
            .ok_or_else(|| io::Error::other("no spill directory"))
    }

    /// The temporary directory, when a file was made in it.
    pub fn path(&self) -> Option<PathBuf> {
        let directory = self.directory.lock().ok()?;
        directory
            .as_ref()
            .map(|directory| directory.path().to_path_buf())
    }
}

/// One spill file, kept (with its directory) while a group still points into it.
#[derive(Debug)]
struct SpillFile {
    path: PathBuf,
    _directory: Arc<SpillDirectory>,
}

/// One measure's share of a spilled part: its name and how many values of each outcome.
#[derive(Debug, Clone, PartialEq, Eq)]
struct MeasureShape {
    name: String,
    values: usize,
    error_values: usize,
}

/// One unit's samples of one group, in a spill file.
#[derive(Debug, Clone)]
pub struct SpilledPart {
    file: Arc<SpillFile>,
    offset: u64,
    counts: OutcomeCounts,
    span: Option<TimeSpan>,
    latencies: usize,
    error_latencies: usize,
    measures: Vec<MeasureShape>,
}

/// One unit's share of a group: in memory, or in a spill file.
#[derive(Debug, Clone)]
pub enum GroupPart {
    /// Samples kept in memory.
    Memory(GroupSamples),
    /// Samples written by [`spill_groups`].
    Spilled(SpilledPart),
}

/// Writes every group of one unit to one new file of `directory`, in order: per group its
/// latencies, its error latencies, then per measure (in name order) its values and its error
/// values, as little-endian `f64`s. Returns one part per group, in the same order.
///
/// # Errors
/// The directory or the file cannot be made or written.
pub fn spill_groups<'a>(
    directory: &Arc<SpillDirectory>,
    groups: impl IntoIterator<Item = &'a GroupSamples>,
) -> io::Result<Vec<SpilledPart>> {
    let path = directory.next_path("samples")?;
    let file = Arc::new(SpillFile {
        path,
        _directory: Arc::clone(directory),
    });
    let mut out = BufWriter::with_capacity(256 * 1024, File::create(&file.path)?);
    let mut offset = 0u64;
    let mut parts = Vec::new();
    let write = |out: &mut BufWriter<File>, values: &[f64]| -> io::Result<u64> {
        for value in values {
            out.write_all(&value.to_le_bytes())?;
        }
        Ok(8 * values.len() as u64)
    };
    for group in groups {
        let start = offset;
        offset += write(&mut out, &group.latencies_ms)?;
        offset += write(&mut out, &group.error_latencies_ms)?;
        let mut measures = Vec::with_capacity(group.measures.len());
        for measure in &group.measures {
            offset += write(&mut out, &measure.values)?;
            offset += write(&mut out, &measure.error_values)?;
            measures.push(MeasureShape {
                name: measure.name.clone(),
                values: measure.values.len(),
                error_values: measure.error_values.len(),
            });
        }
        parts.push(SpilledPart {
            file: Arc::clone(&file),
            offset: start,
            counts: group.counts,
            span: group.span,
            latencies: group.latencies_ms.len(),
            error_latencies: group.error_latencies_ms.len(),
            measures,
        });
    }
    out.flush()?;
    Ok(parts)
}

/// A group whose samples are in memory, or partly in spill files: see the module doc.
#[derive(Debug, Clone)]
pub struct StoredGroup {
    repr: Repr,
}

#[derive(Debug, Clone)]
enum Repr {
    /// Everything in memory, in one piece: loading borrows it.
    Memory(GroupSamples),
    /// Parts in unit order, some on disk.
    Parts(Parts),
}

#[derive(Debug, Clone)]
struct Parts {
    counts: OutcomeCounts,
    span: Option<TimeSpan>,
    latencies: usize,
    error_latencies: usize,
    /// Every measure name of any part, in name order.
    measure_names: Vec<String>,
    parts: Vec<GroupPart>,
}

impl From<GroupSamples> for StoredGroup {
    fn from(samples: GroupSamples) -> Self {
        StoredGroup {
            repr: Repr::Memory(samples),
        }
    }
}

impl Default for StoredGroup {
    fn default() -> Self {
        StoredGroup::from(GroupSamples::default())
    }
}

impl StoredGroup {
    /// Appends another source's samples of the same group after this one's (as
    /// [`GroupSamples::merge`] does).
    pub fn append(&mut self, samples: GroupSamples) {
        match &mut self.repr {
            Repr::Memory(mine) => mine.merge(&samples),
            Repr::Parts(parts) => {
                let mut all = std::mem::take(&mut parts.parts);
                all.push(GroupPart::Memory(samples));
                *self = StoredGroup::from_parts(all);
            }
        }
    }

    /// The group of these parts, in source order (loading appends them in this order, as
    /// [`GroupSamples::merge`] does).
    pub fn from_parts(parts: Vec<GroupPart>) -> StoredGroup {
        let mut counts = OutcomeCounts::default();
        let mut span: Option<TimeSpan> = None;
        let (mut latencies, mut error_latencies) = (0, 0);
        let mut measure_names: Vec<String> = Vec::new();
        let mut add_name = |name: &str| {
            if let Err(index) = measure_names.binary_search_by(|known| known.as_str().cmp(name)) {
                measure_names.insert(index, name.to_owned());
            }
        };
        for part in &parts {
            let (part_counts, part_span) = match part {
                GroupPart::Memory(samples) => {
                    latencies += samples.latencies_ms.len();
                    error_latencies += samples.error_latencies_ms.len();
                    samples.measures.iter().for_each(|m| add_name(&m.name));
                    (samples.counts, samples.span)
                }
                GroupPart::Spilled(spilled) => {
                    latencies += spilled.latencies;
                    error_latencies += spilled.error_latencies;
                    spilled.measures.iter().for_each(|m| add_name(&m.name));
                    (spilled.counts, spilled.span)
                }
            };
            counts.merge(&part_counts);
            span = match (span, part_span) {
                (Some(mine), Some(theirs)) => Some(mine.union(theirs)),
                (mine, theirs) => mine.or(theirs),
            };
        }
        StoredGroup {
            repr: Repr::Parts(Parts {
                counts,
                span,
                latencies,
                error_latencies,
                measure_names,
                parts,
            }),
        }
    }

    /// Whether some of the samples are in a spill file.
    pub fn is_spilled(&self) -> bool {
        match &self.repr {
            Repr::Memory(_) => false,
            Repr::Parts(parts) => parts
                .parts
                .iter()
                .any(|part| matches!(part, GroupPart::Spilled(_))),
        }
    }

    /// The samples, moved out when they are in memory, read from disk otherwise.
    ///
    /// # Errors
    /// A spill file that cannot be read.
    pub fn into_samples(self) -> Result<GroupSamples, LoadError> {
        match self.repr {
            Repr::Memory(samples) => Ok(samples),
            Repr::Parts(parts) => parts.load(),
        }
    }
}

impl GroupData for StoredGroup {
    fn counts(&self) -> OutcomeCounts {
        match &self.repr {
            Repr::Memory(samples) => samples.counts,
            Repr::Parts(parts) => parts.counts,
        }
    }

    fn span(&self) -> Option<TimeSpan> {
        match &self.repr {
            Repr::Memory(samples) => samples.span,
            Repr::Parts(parts) => parts.span,
        }
    }

    fn latency_count(&self) -> usize {
        match &self.repr {
            Repr::Memory(samples) => samples.latencies_ms.len(),
            Repr::Parts(parts) => parts.latencies,
        }
    }

    fn error_latency_count(&self) -> usize {
        match &self.repr {
            Repr::Memory(samples) => samples.error_latencies_ms.len(),
            Repr::Parts(parts) => parts.error_latencies,
        }
    }

    fn measure_names(&self) -> Vec<&str> {
        match &self.repr {
            Repr::Memory(samples) => samples.measure_names(),
            Repr::Parts(parts) => parts.measure_names.iter().map(String::as_str).collect(),
        }
    }

    fn samples(&self) -> Result<Cow<'_, GroupSamples>, LoadError> {
        match &self.repr {
            Repr::Memory(samples) => Ok(Cow::Borrowed(samples)),
            Repr::Parts(parts) => parts.load().map(Cow::Owned),
        }
    }

    fn is_spilled(&self) -> bool {
        StoredGroup::is_spilled(self)
    }
}

impl Parts {
    /// Every part appended in order into one group, each vector allocated once at its size.
    fn load(&self) -> Result<GroupSamples, LoadError> {
        let mut sizes: Vec<(usize, usize)> = vec![(0, 0); self.measure_names.len()];
        for part in &self.parts {
            let shapes: Vec<(&str, usize, usize)> = match part {
                GroupPart::Memory(samples) => samples
                    .measures
                    .iter()
                    .map(|m| (m.name.as_str(), m.values.len(), m.error_values.len()))
                    .collect(),
                GroupPart::Spilled(spilled) => spilled
                    .measures
                    .iter()
                    .map(|m| (m.name.as_str(), m.values, m.error_values))
                    .collect(),
            };
            for (name, values, error_values) in shapes {
                if let Ok(index) = self
                    .measure_names
                    .binary_search_by(|n| n.as_str().cmp(name))
                {
                    sizes[index].0 += values;
                    sizes[index].1 += error_values;
                }
            }
        }
        let mut group = GroupSamples {
            counts: self.counts,
            span: self.span,
            latencies_ms: Vec::with_capacity(self.latencies),
            error_latencies_ms: Vec::with_capacity(self.error_latencies),
            measures: self
                .measure_names
                .iter()
                .zip(sizes)
                .map(|(name, (values, error_values))| MeasureSamples {
                    name: name.clone(),
                    values: Vec::with_capacity(values),
                    error_values: Vec::with_capacity(error_values),
                })
                .collect(),
        };
        for part in &self.parts {
            match part {
                GroupPart::Memory(samples) => group.append_values(samples),
                GroupPart::Spilled(spilled) => {
                    read_part(spilled, &mut group).map_err(|source| LoadError {
                        path: spilled.file.path.clone(),
                        source: Arc::new(source),
                    })?;
                }
            }
        }
        Ok(group)
    }
}

/// Appends one spilled part's values to `group`, in the order [`spill_groups`] wrote them.
fn read_part(part: &SpilledPart, group: &mut GroupSamples) -> io::Result<()> {
    let mut input = BufReader::with_capacity(64 * 1024, open_at(&part.file.path, part.offset)?);
    read_values(&mut input, part.latencies, &mut group.latencies_ms)?;
    read_values(
        &mut input,
        part.error_latencies,
        &mut group.error_latencies_ms,
    )?;
    for shape in &part.measures {
        let measure = group.measure_mut(&shape.name);
        read_values(&mut input, shape.values, &mut measure.values)?;
        read_values(&mut input, shape.error_values, &mut measure.error_values)?;
    }
    Ok(())
}

fn open_at(path: &Path, offset: u64) -> io::Result<File> {
    let mut file = File::open(path)?;
    file.seek(SeekFrom::Start(offset))?;
    Ok(file)
}

fn read_values(input: &mut impl io::Read, count: usize, into: &mut Vec<f64>) -> io::Result<()> {
    let mut buffer = [0u8; 8 * 1024];
    let mut left = count;
    while left > 0 {
        let take = left.min(buffer.len() / 8);
        let bytes = &mut buffer[..take * 8];
        input.read_exact(bytes)?;
        into.extend(bytes.chunks_exact(8).map(|chunk| {
            let mut value = [0u8; 8];
            value.copy_from_slice(chunk);
            f64::from_le_bytes(value)
        }));
        left -= take;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Outcome, Timestamp};

    fn unit(seed: u64, measures: bool) -> GroupSamples {
        let mut group = GroupSamples::default();
        for index in 0..(50 + seed * 7) {
            let outcome = match (index + seed) % 5 {
                0 => Outcome::Error(None),
                1 => Outcome::Unknown,
                _ => Outcome::Success,
            };
            group.add(&outcome, (seed * 1000 + index) as f64 + 0.25);
        }
        let ts: Timestamp = "2025-10-21T09:00:01Z".parse().unwrap();
        group.span = Some(TimeSpan::at(
            ts + jiff::SignedDuration::from_secs(seed as i64),
        ));
        if measures {
            group = group.with_ok_measure(&format!("m{}", seed % 2), vec![seed as f64; 3]);
        }
        group
    }

    #[test]
    fn parts_on_disk_and_in_memory_load_as_the_in_memory_merge() {
        let root = tempfile::tempdir().unwrap();
        let parent = Utf8Path::from_path(root.path()).unwrap();
        let directory = Arc::new(SpillDirectory::new(Some(parent), "test-spill"));
        let units: Vec<GroupSamples> = (0..6).map(|seed| unit(seed, seed != 2)).collect();
        let mut merged = GroupSamples::default();
        units.iter().for_each(|unit| merged.merge(unit));
        // Units 1, 3 and 4 spilled (3 and 4 into one file, as one work unit's two groups
        // would not be: each file holds one unit, but a file holds any number of parts).
        let first = spill_groups(&directory, [&units[1]]).unwrap();
        let second = spill_groups(&directory, [&units[3], &units[4]]).unwrap();
        let mut spilled = first.into_iter().chain(second).map(GroupPart::Spilled);
        let parts = vec![
            GroupPart::Memory(units[0].clone()),
            spilled.next().unwrap(),
            GroupPart::Memory(units[2].clone()),
            spilled.next().unwrap(),
            spilled.next().unwrap(),
            GroupPart::Memory(units[5].clone()),
        ];
        let stored = StoredGroup::from_parts(parts);
        assert!(stored.is_spilled());
        assert_eq!(stored.counts(), merged.counts);
        assert_eq!(stored.span(), merged.span);
        assert_eq!(stored.latency_count(), merged.latencies_ms.len());
        assert_eq!(
            stored.error_latency_count(),
            merged.error_latencies_ms.len()
        );
        assert_eq!(stored.measure_names(), ["m0", "m1"]);
        assert_eq!(stored.throughput_rps(), merged.throughput_rps());
        assert_eq!(stored.samples().unwrap().as_ref(), &merged);
        let all = latency_of_view(&stored, LatencyOf::All);
        assert_eq!(
            all.samples().unwrap().into_owned(),
            merged.clone().latency_of(LatencyOf::All)
        );
        assert_eq!(all.latency_count(), merged.counts.known() as usize);
        let spill_path = directory.path().unwrap();
        assert!(spill_path.is_dir());
        drop(directory);
        assert!(spill_path.is_dir(), "the groups keep their files");
        assert_eq!(stored.into_samples().unwrap(), merged);
        assert!(
            !spill_path.exists(),
            "the last holder removes the directory"
        );
    }

    #[test]
    fn a_group_in_memory_is_borrowed_and_a_missing_file_is_an_error() {
        let group = unit(3, true);
        let stored = StoredGroup::from(group.clone());
        assert!(!stored.is_spilled());
        assert!(matches!(stored.samples().unwrap(), Cow::Borrowed(_)));
        assert_eq!(stored.into_samples().unwrap(), group);

        let root = tempfile::tempdir().unwrap();
        let parent = Utf8Path::from_path(root.path()).unwrap();
        let directory = Arc::new(SpillDirectory::new(Some(parent), "test-spill"));
        let parts = spill_groups(&directory, [&group]).unwrap();
        let stored = StoredGroup::from_parts(parts.into_iter().map(GroupPart::Spilled).collect());
        std::fs::remove_dir_all(directory.path().unwrap()).unwrap();
        let error = stored.samples().unwrap_err();
        assert_eq!(error.source.kind(), io::ErrorKind::NotFound);
        assert!(
            error
                .to_string()
                .starts_with("cannot read spilled samples from ")
        );
    }
}
