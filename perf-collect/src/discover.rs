//! Finding the log files under a set of roots.

use std::path::PathBuf;

use camino::{Utf8Path, Utf8PathBuf};

use crate::CollectError;

/// How to walk the roots.
#[derive(Debug, Clone, Default)]
pub struct DiscoverConfig {
    /// Follow symbolic links inside the roots (a root that is itself a link is always followed).
    /// A link that loops back is reported as [`CollectError::SymlinkLoop`], never walked twice.
    pub follow_symlinks: bool,
    /// Files never to read, typically the collector's own output file when it lies under a root.
    /// Compared by canonical path, so `./out/x.jsonl` and `out/x.jsonl` are the same file.
    pub exclude: Vec<Utf8PathBuf>,
    /// More file patterns a directory walk reads besides [`is_log_file_name`] (`*.log`): a glob
    /// matched against the file name, or, when it holds a `/`, against the path below the root.
    pub include: Vec<String>,
}

/// How a log file is stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compression {
    /// Plain JSONL: read in parallel, newline-aligned chunks.
    None,
    /// gzip (`*.gz`): decompressed as one sequential stream.
    Gzip,
}

/// Where a log's bytes come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Origin {
    /// A file on disk.
    #[default]
    File,
    /// The process's standard input (the root `-`), read once, sequentially, and named
    /// [`STDIN_NAME`] in every message. gzip is recognised by its magic bytes.
    Stdin,
    /// A root that is neither a regular file nor a directory: a named pipe (`mkfifo`, a shell's
    /// `<(...)`, which is `/dev/fd/N`), `/dev/stdin` on a pipe, or a character device. Read
    /// once, sequentially, by its path, like standard input; gzip by its magic bytes.
    Stream,
}

/// The root that means standard input.
pub const STDIN_ROOT: &str = "-";

/// How standard input is named in messages: `<stdin>:3: ...`.
pub const STDIN_NAME: &str = "<stdin>";

/// One log to read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceFile {
    /// The path as found under its root, or [`STDIN_NAME`].
    pub path: Utf8PathBuf,
    /// Its size on disk when it was listed (compressed size for gzip; 0 for stdin and
    /// streams). A file is read up to this size only: what is appended while the run reads it
    /// belongs to the next run.
    pub bytes: u64,
    /// Plain or gzip.
    pub compression: Compression,
    /// A file, or standard input.
    pub origin: Origin,
}

/// The first two bytes of every gzip stream.
pub(crate) const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];

impl SourceFile {
    /// Opens the whole input for sequential reading, decompressed: a `.gz` file, or standard
    /// input that starts with gzip's magic bytes, is gunzipped (for a reader of its own, such as
    /// `normalize`'s; [`crate::scan`] reads files in parallel chunks itself).
    pub fn open(&self) -> std::io::Result<Box<dyn std::io::BufRead>> {
        use std::io::Read as _;
        use std::io::{BufRead as _, BufReader};
        let (reader, gzip): (Box<dyn std::io::Read>, bool) = match self.origin {
            Origin::Stdin => {
                let mut stdin = BufReader::new(std::io::stdin());
                let gzip = stdin.fill_buf()?.starts_with(&GZIP_MAGIC);
                (Box::new(stdin), gzip)
            }
            Origin::Stream => {
                let mut stream = BufReader::new(std::fs::File::open(&self.path)?);
                let gzip = stream.fill_buf()?.starts_with(&GZIP_MAGIC);
                (Box::new(stream), gzip)
            }
            Origin::File => (
                // Up to the size it had when listed: a file appended while it is read ends.
                Box::new(std::fs::File::open(&self.path)?.take(self.bytes)),
                self.compression == Compression::Gzip,
            ),
        };
        Ok(if gzip {
            Box::new(BufReader::new(flate2::read::MultiGzDecoder::new(reader)))
        } else {
            Box::new(BufReader::new(reader))
        })
    }
}

/// Why a file a walk found was not read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SkipReason {
    /// Its name is not a log file name ([`is_log_file_name`]) and no `include` pattern matches.
    OtherName,
    /// A symbolic link, and following links was not asked for.
    Symlink,
    /// The command's own output ([`DiscoverConfig::exclude`]).
    OwnOutput,
    /// A directory of perf-gate's artifacts (it holds [`ARTIFACTS_TAG`]) below a root: its files
    /// are perf-gate's own outputs (`latest.jsonl`, `probe.jsonl`, `run.jsonl`, reports), which
    /// would otherwise count every record a second time. Counted once per directory.
    ArtifactsDirectory,
}

/// The file that marks a directory as perf-gate's artifacts directory (the `--out-dir` of
/// `gate` and `evaluate`): a walk that meets it below a root skips the whole directory. A root
/// named explicitly is read whatever it holds.
pub const ARTIFACTS_TAG: &str = "PERF-GATE.TAG";

/// The text of [`ARTIFACTS_TAG`].
pub const ARTIFACTS_TAG_TEXT: &str = "Signature: perf-gate artifacts\n\
# This directory holds perf-gate's reports and records (report.json, latest.jsonl, ...).\n\
# perf-gate skips it when it walks a log tree, so its own outputs are never read twice.\n";

impl SkipReason {
    /// How the reason reads in a message (`other file name`).
    pub fn describe(self) -> &'static str {
        match self {
            SkipReason::OtherName => "other file name (add --include GLOB)",
            SkipReason::Symlink => "symbolic link (add --follow-symlinks)",
            SkipReason::OwnOutput => "the command's own output",
            SkipReason::ArtifactsDirectory => {
                "perf-gate's artifacts directory (holds PERF-GATE.TAG)"
            }
        }
    }
}

/// The files a walk did not read, counted by reason, with the first few paths of each.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Skipped {
    /// How many files were skipped for each reason.
    pub counts: std::collections::BTreeMap<SkipReason, u64>,
    /// The first [`Skipped::EXAMPLES`] paths skipped for each reason, in walk order.
    pub examples: Vec<(SkipReason, Utf8PathBuf)>,
}

impl Skipped {
    /// How many paths are kept per reason.
    pub const EXAMPLES: u64 = 3;

    /// All files skipped.
    pub fn total(&self) -> u64 {
        self.counts.values().sum()
    }

    /// How many files were skipped for `reason`.
    pub fn count(&self, reason: SkipReason) -> u64 {
        self.counts.get(&reason).copied().unwrap_or(0)
    }

    fn note(&mut self, reason: SkipReason, path: &std::path::Path) {
        let count = self.counts.entry(reason).or_insert(0);
        *count += 1;
        if *count <= Self::EXAMPLES {
            let path = Utf8PathBuf::from(path.to_string_lossy().into_owned());
            self.examples.push((reason, path));
        }
    }
}

/// The files found under the roots, in the order they will be read, and what could not be walked.
#[derive(Debug, Default)]
pub struct Discovery {
    /// Log files in a deterministic order: roots in the order given, each walked in file-name
    /// order; a file reachable from two roots is listed once, where it was first seen.
    pub files: Vec<SourceFile>,
    /// Directories or entries that could not be walked (permission, symlink loop, non-UTF-8 name).
    pub problems: Vec<CollectError>,
    /// How many roots were walked.
    pub roots_scanned: usize,
    /// Files a walk found and did not read, and why.
    pub skipped: Skipped,
}

/// Whether a file name is one perf-gate reads when it finds it inside a directory root:
/// `*.jsonl`, `*.ndjson`, and their gzip forms `*.jsonl.gz`, `*.ndjson.gz`.
pub fn is_log_file_name(name: &str) -> bool {
    [".jsonl", ".ndjson", ".jsonl.gz", ".ndjson.gz"]
        .iter()
        .any(|suffix| name.len() > suffix.len() && name.ends_with(suffix))
}

fn compression_of(path: &Utf8Path) -> Compression {
    if path.extension() == Some("gz") {
        Compression::Gzip
    } else {
        Compression::None
    }
}

/// Whether a root is a glob pattern rather than a path: it holds `*`, `?`, `[` or `{`.
fn is_glob(root: &str) -> bool {
    root.contains(['*', '?', '[', '{'])
}

/// A glob root split into the directory to walk (its components before the first one with glob
/// syntax, `.` when none) and the matcher of the whole pattern.
fn glob_root(root: &Utf8Path) -> Result<(Utf8PathBuf, globset::GlobMatcher), CollectError> {
    let mut base = Utf8PathBuf::new();
    for component in root.components() {
        if is_glob(component.as_str()) {
            break;
        }
        base.push(component);
    }
    let matcher = globset::GlobBuilder::new(root.as_str())
        .literal_separator(true)
        .build()
        .map_err(|source| CollectError::Pattern {
            field: "roots",
            pattern: root.to_string(),
            source,
        })?
        .compile_matcher();
    if base.as_str().is_empty() {
        base.push(".");
    }
    Ok((base, matcher))
}

/// The `include` patterns, compiled: a pattern with a `/` matches the path below the root,
/// one without matches the file name.
struct Includes {
    names: globset::GlobSet,
    paths: globset::GlobSet,
}

impl Includes {
    fn new(patterns: &[String]) -> Result<Includes, CollectError> {
        let mut names = globset::GlobSetBuilder::new();
        let mut paths = globset::GlobSetBuilder::new();
        for pattern in patterns {
            let glob = globset::GlobBuilder::new(pattern)
                .literal_separator(true)
                .build()
                .map_err(|source| CollectError::Pattern {
                    field: "include",
                    pattern: pattern.clone(),
                    source,
                })?;
            if pattern.contains('/') {
                paths.add(glob);
            } else {
                names.add(glob);
            }
        }
        let build = |builder: globset::GlobSetBuilder| {
            builder.build().map_err(|source| CollectError::Pattern {
                field: "include",
                pattern: patterns.join(","),
                source,
            })
        };
        Ok(Includes {
            names: build(names)?,
            paths: build(paths)?,
        })
    }

    fn matches(&self, name: &str, below_root: &std::path::Path) -> bool {
        self.names.is_match(name) || self.paths.is_match(below_root)
    }
}

/// What a walk keeps.
enum Wanted<'a> {
    /// A directory root: log file names and `include` matches.
    LogFiles(&'a Includes),
    /// A glob root: whatever the pattern matches.
    Pattern(&'a globset::GlobMatcher),
}

/// Lists the log files under `roots`.
///
/// A root may be a directory (walked recursively, keeping [`is_log_file_name`] files and those
/// an [`DiscoverConfig::include`] pattern matches), a file (always read, whatever its name, even
/// when it is also an excluded output: reading it and then replacing it atomically is safe, and
/// skipping it would lose its records), a glob such as `logs/**/*.log` (as a shell would expand
/// it, for roots quoted in CI scripts: `*` stays within a directory, `**` crosses them; every
/// file it matches is read, whatever its name) or `-` for standard input (listed once however
/// often it is given). A root that does not exist, or a glob that matches no file, is an
/// error; every problem below a root is recorded in [`Discovery::problems`] and the walk goes on;
/// every file a walk finds and does not read is counted in [`Discovery::skipped`].
pub fn discover(roots: &[Utf8PathBuf], config: &DiscoverConfig) -> Result<Discovery, CollectError> {
    let excluded: Vec<PathBuf> = config
        .exclude
        .iter()
        .filter_map(|path| path.canonicalize().ok())
        .collect();
    let excluded_names: Vec<&str> = config
        .exclude
        .iter()
        .filter_map(|path| path.file_name())
        .collect();
    let includes = Includes::new(&config.include)?;
    let mut discovery = Discovery::default();
    // Within one walk that does not follow links every file has one path, so only several
    // roots or followed links can list a file twice: the set of canonical paths (a path to
    // build, hash and keep a file) is kept only then.
    let mut seen = Seen {
        tracking: roots.len() > 1 || config.follow_symlinks,
        canonical: rustc_hash::FxHashSet::default(),
    };
    // The files a walk lists, whose sizes are read after the walks (see `read_sizes`).
    let mut unsized_files = Vec::new();
    let exclusion = Exclusion {
        canonical: &excluded,
        names: &excluded_names,
    };

    let mut stdin_listed = false;
    for root in roots {
        if root.as_str() == STDIN_ROOT {
            discovery.roots_scanned += 1;
            if !std::mem::replace(&mut stdin_listed, true) {
                discovery.files.push(SourceFile {
                    path: Utf8PathBuf::from(STDIN_NAME),
                    bytes: 0,
                    compression: Compression::None,
                    origin: Origin::Stdin,
                });
            }
            continue;
        }
        let metadata = match std::fs::metadata(root) {
            Ok(metadata) => metadata,
            Err(error)
                if error.kind() == std::io::ErrorKind::NotFound && is_glob(root.as_str()) =>
            {
                let (base, matcher) = glob_root(root)?;
                discovery.roots_scanned += 1;
                let before = discovery.files.len();
                walk(
                    &mut discovery,
                    &mut seen,
                    &mut unsized_files,
                    &exclusion,
                    &base,
                    &Wanted::Pattern(&matcher),
                    config.follow_symlinks,
                );
                read_sizes(&mut discovery.files, &mut unsized_files);
                if discovery.files.len() == before {
                    return Err(CollectError::NoMatch {
                        pattern: root.clone(),
                    });
                }
                continue;
            }
            Err(source) => {
                return Err(CollectError::Root {
                    path: root.clone(),
                    source,
                });
            }
        };
        discovery.roots_scanned += 1;
        if !metadata.is_file() && !metadata.is_dir() {
            // A pipe or a device named as a root (`<(zcat logs.gz)`, `/dev/stdin`, a FIFO) is
            // read as a stream, once, even when named twice.
            if !discovery.files.iter().any(|file| file.path == *root) {
                discovery.files.push(SourceFile {
                    path: root.clone(),
                    bytes: 0,
                    compression: Compression::None,
                    origin: Origin::Stream,
                });
            }
            continue;
        }
        if metadata.is_file() {
            // Named explicitly: read even when it is the output too (no exclusion).
            let none = Exclusion {
                canonical: &[],
                names: &[],
            };
            push_file(
                &mut discovery,
                &mut seen,
                &none,
                root.clone(),
                || canonical_path(root.as_std_path()),
                metadata.len(),
            );
            continue;
        }
        walk(
            &mut discovery,
            &mut seen,
            &mut unsized_files,
            &exclusion,
            root,
            &Wanted::LogFiles(&includes),
            config.follow_symlinks,
        );
    }
    read_sizes(&mut discovery.files, &mut unsized_files);
    Ok(discovery)
}

/// Reads the sizes of the files a walk listed (the indices in `unsized_files`, which it
/// empties), on the scan's threads when there are many: a `statx` a file, a fifth of the
/// walk's time at 10,000 small files when it was made one by one. The sizes are still read
/// before any file is, so a file is read up to its size when listed. A file that vanished since
/// the walk listed it gets size 0 and is reported when it is opened.
fn read_sizes(files: &mut [SourceFile], unsized_files: &mut Vec<usize>) {
    use rayon::prelude::*;
    let size = |file: &SourceFile| {
        std::fs::metadata(&file.path)
            .map(|metadata| metadata.len())
            .unwrap_or(0)
    };
    if unsized_files.len() < 64 {
        for &index in unsized_files.iter() {
            files[index].bytes = size(&files[index]);
        }
    } else {
        let sizes: Vec<u64> = unsized_files
            .par_iter()
            .map(|&index| size(&files[index]))
            .collect();
        for (&index, bytes) in unsized_files.iter().zip(sizes) {
            files[index].bytes = bytes;
        }
    }
    unsized_files.clear();
}

/// The canonical paths of the files listed so far, when a file can be met twice.
struct Seen {
    tracking: bool,
    canonical: rustc_hash::FxHashSet<PathBuf>,
}

/// Walks `root` in file-name order and lists the files `wanted` keeps.
fn walk(
    discovery: &mut Discovery,
    seen: &mut Seen,
    unsized_files: &mut Vec<usize>,
    exclusion: &Exclusion<'_>,
    root: &Utf8Path,
    wanted: &Wanted<'_>,
    follow_symlinks: bool,
) {
    // In file-name order. Siblings' paths are their directory's path, a separator and their
    // names, so comparing the paths' bytes orders them as their names do, without taking each
    // name apart from its path again at every comparison (`sort_by_file_name` does: it was
    // half the instructions of listing 10,000 files).
    let walker = walkdir::WalkDir::new(root)
        .follow_links(follow_symlinks)
        .sort_by(|left, right| left.path().as_os_str().cmp(right.path().as_os_str()));
    let mut entries = walker.into_iter();
    // The canonical path of the directory whose files come now: a file that is not a symbolic
    // link is that directory's canonical path and its name, so the walk resolves each
    // directory once instead of every file's every component (four `readlink`s and a `getcwd`
    // a file in a tree three deep: most of the system time of 10,000 small files).
    let mut directory: Option<(PathBuf, Option<PathBuf>)> = None;
    while let Some(entry) = entries.next() {
        let entry = match entry {
            Ok(entry) => entry,
            Err(error) => {
                discovery.problems.push(walk_problem(root, error));
                continue;
            }
        };
        if entry.depth() > 0
            && entry.file_type().is_dir()
            && entry.path().join(ARTIFACTS_TAG).is_file()
        {
            discovery
                .skipped
                .note(SkipReason::ArtifactsDirectory, entry.path());
            entries.skip_current_dir();
            continue;
        }
        if entry.path_is_symlink() && entry.file_type().is_symlink() {
            discovery.skipped.note(SkipReason::Symlink, entry.path());
            continue;
        }
        if !entry.file_type().is_file() {
            continue;
        }
        let Some(name) = entry.file_name().to_str() else {
            discovery.problems.push(CollectError::NonUtf8Path {
                path: entry.path().to_string_lossy().into_owned(),
            });
            continue;
        };
        let keep = match wanted {
            Wanted::LogFiles(includes) => {
                is_log_file_name(name) || {
                    let below_root = entry.path().strip_prefix(root).unwrap_or(entry.path());
                    includes.matches(name, below_root)
                }
            }
            Wanted::Pattern(matcher) => matcher.is_match(entry.path()),
        };
        if !keep {
            // Under a glob root, the files the pattern does not name were never asked for.
            if matches!(wanted, Wanted::LogFiles(_)) {
                discovery.skipped.note(SkipReason::OtherName, entry.path());
            }
            continue;
        }
        let path = match Utf8PathBuf::from_path_buf(entry.path().to_path_buf()) {
            Ok(path) => path,
            Err(path) => {
                discovery.problems.push(CollectError::NonUtf8Path {
                    path: path.to_string_lossy().into_owned(),
                });
                continue;
            }
        };
        let canonical = || match entry.path().parent() {
            Some(parent) if !entry.path_is_symlink() => {
                // Compared as bytes: the walk spells a directory's path the same way for each
                // of its files (`Path`'s `==` takes both apart into components).
                if directory
                    .as_ref()
                    .is_none_or(|(walked, _)| walked.as_os_str() != parent.as_os_str())
                {
                    directory = Some((parent.to_path_buf(), parent.canonicalize().ok()));
                }
                match directory
                    .as_ref()
                    .and_then(|(_, canonical)| canonical.as_ref())
                {
                    Some(canonical) => canonical.join(entry.file_name()),
                    None => canonical_path(entry.path()),
                }
            }
            _ => canonical_path(entry.path()),
        };
        // Its size is read after the walk (`read_sizes`).
        if push_file(discovery, seen, exclusion, path, canonical, 0) {
            unsized_files.push(discovery.files.len() - 1);
        }
    }
}

/// The files a walk must not read: the command's outputs.
struct Exclusion<'a> {
    canonical: &'a [PathBuf],
    names: &'a [&'a str],
}

/// The path with every symbolic link resolved, or the path itself when that fails: what a file
/// is told apart by (from the outputs, and from itself listed twice).
fn canonical_path(path: &std::path::Path) -> PathBuf {
    path.canonicalize().unwrap_or_else(|_| path.to_path_buf())
}

/// Lists `path` unless it is an excluded output or its canonical path (made by `canonical`, only
/// when it is needed) was listed already; whether it was listed.
fn push_file(
    discovery: &mut Discovery,
    seen: &mut Seen,
    exclusion: &Exclusion<'_>,
    path: Utf8PathBuf,
    canonical: impl FnOnce() -> PathBuf,
    bytes: u64,
) -> bool {
    let may_be_excluded = path
        .file_name()
        .is_some_and(|name| exclusion.names.contains(&name));
    let mut canonical = Some(canonical);
    let mut canonical_path = None;
    if may_be_excluded {
        let made = canonical.take().map(|make| make());
        if made
            .as_ref()
            .is_some_and(|made| exclusion.canonical.contains(made))
        {
            discovery
                .skipped
                .note(SkipReason::OwnOutput, path.as_std_path());
            return false;
        }
        canonical_path = made;
    }
    if seen.tracking {
        let canonical = canonical_path.or_else(|| canonical.map(|make| make()));
        if let Some(canonical) = canonical
            && !seen.canonical.insert(canonical)
        {
            return false;
        }
    }
    let compression = compression_of(&path);
    discovery.files.push(SourceFile {
        path,
        bytes,
        compression,
        origin: Origin::File,
    });
    true
}

fn walk_problem(root: &Utf8Path, error: walkdir::Error) -> CollectError {
    let path = error
        .path()
        .map(|path| Utf8PathBuf::from(path.to_string_lossy().into_owned()))
        .unwrap_or_else(|| root.to_path_buf());
    if let Some(ancestor) = error.loop_ancestor() {
        return CollectError::SymlinkLoop {
            path,
            ancestor: Utf8PathBuf::from(ancestor.to_string_lossy().into_owned()),
        };
    }
    let source = error
        .into_io_error()
        .unwrap_or_else(|| std::io::Error::other("directory walk failed"));
    CollectError::Walk { path, source }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Files are told apart by their canonical paths, resolved a directory at a time: the same
    /// file through another spelling of its directory, through a symbolic link to it or to its
    /// directory, and the command's own output under any spelling, are what they were.
    #[cfg(unix)]
    #[test]
    fn a_file_is_listed_once_whatever_path_reaches_it() {
        let (_dir, root) = temp_root();
        for name in ["logs/a.jsonl", "logs/deep/b.jsonl", "logs/out.jsonl"] {
            let path = root.join(name);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, "{}\n").unwrap();
        }
        std::os::unix::fs::symlink(root.join("logs/deep"), root.join("linked-dir")).unwrap();
        std::os::unix::fs::symlink(root.join("logs/a.jsonl"), root.join("logs/deep/c.jsonl"))
            .unwrap();
        let config = DiscoverConfig {
            exclude: vec![root.join("logs/deep/../out.jsonl")],
            follow_symlinks: true,
            ..DiscoverConfig::default()
        };
        let roots = [
            root.join("logs"),
            root.join("logs/deep/.."),
            root.join("linked-dir"),
            root.join("logs/./deep"),
        ];
        let discovery = discover(&roots, &config).unwrap();
        let listed: Vec<&str> = discovery
            .files
            .iter()
            .map(|file| file.path.strip_prefix(&root).unwrap().as_str())
            .collect();
        assert_eq!(listed, ["logs/a.jsonl", "logs/deep/b.jsonl"]);
        assert_eq!(discovery.skipped.count(SkipReason::OwnOutput), 2);
    }

    fn temp_root() -> (tempfile::TempDir, Utf8PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let root = Utf8PathBuf::from_path_buf(dir.path().to_path_buf()).unwrap();
        (dir, root)
    }

    #[test]
    fn a_root_named_explicitly_is_read_even_when_it_is_the_output() {
        let (_dir, root) = temp_root();
        let log = root.join("a.jsonl");
        std::fs::write(&log, "{}\n").unwrap();
        let config = DiscoverConfig {
            exclude: vec![log.clone()],
            ..DiscoverConfig::default()
        };
        let named = discover(std::slice::from_ref(&log), &config).unwrap();
        assert_eq!(
            named.files.len(),
            1,
            "named as a root: read, then replaced atomically"
        );
        let walked = discover(std::slice::from_ref(&root), &config).unwrap();
        assert!(
            walked.files.is_empty(),
            "found by walking: the own output is skipped"
        );
    }

    #[test]
    fn stdin_is_one_source_however_often_it_is_named() {
        let roots = [Utf8PathBuf::from("-"), Utf8PathBuf::from("-")];
        let discovery = discover(&roots, &DiscoverConfig::default()).unwrap();
        assert_eq!(discovery.roots_scanned, 2);
        assert_eq!(discovery.files.len(), 1);
        assert_eq!(discovery.files[0].origin, Origin::Stdin);
        assert_eq!(discovery.files[0].path, STDIN_NAME);
    }

    #[test]
    fn recognises_log_file_names() {
        assert!(is_log_file_name("a.jsonl"));
        assert!(is_log_file_name("a.ndjson"));
        assert!(is_log_file_name("a.jsonl.gz"));
        assert!(!is_log_file_name("a.json"));
        assert!(!is_log_file_name("a.gz"));
        assert!(!is_log_file_name(".jsonl"));
    }

    #[test]
    fn siblings_come_in_the_byte_order_of_their_names() {
        let (_dir, root) = temp_root();
        let mut names = vec![
            "a.jsonl",
            "a.b.jsonl",
            "a-b.jsonl",
            "A.jsonl",
            "a b.jsonl",
            "\u{e9}.jsonl",
            "z.jsonl",
            "a.jsonl.jsonl",
            "0.jsonl",
            "_.jsonl",
        ];
        std::fs::create_dir_all(root.join("logs")).unwrap();
        for name in &names {
            std::fs::write(root.join("logs").join(name), "").unwrap();
        }
        names.sort_by(|left, right| left.as_bytes().cmp(right.as_bytes()));
        let discovery = discover(&[root.join("logs")], &DiscoverConfig::default()).unwrap();
        let listed: Vec<&str> = discovery
            .files
            .iter()
            .map(|file| file.path.file_name().unwrap())
            .collect();
        assert_eq!(listed, names);
    }

    #[test]
    fn lists_log_files_recursively_in_name_order() {
        let (_dir, root) = temp_root();
        std::fs::create_dir_all(root.join("b/deep")).unwrap();
        for name in [
            "b/deep/z.jsonl",
            "b/a.ndjson",
            "a.jsonl.gz",
            "notes.txt",
            "c.jsonl",
        ] {
            std::fs::write(root.join(name), "").unwrap();
        }
        let discovery = discover(std::slice::from_ref(&root), &DiscoverConfig::default()).unwrap();
        let names: Vec<String> = discovery
            .files
            .iter()
            .map(|file| file.path.strip_prefix(&root).unwrap().to_string())
            .collect();
        assert_eq!(
            names,
            ["a.jsonl.gz", "b/a.ndjson", "b/deep/z.jsonl", "c.jsonl"]
        );
        assert_eq!(discovery.files[0].compression, Compression::Gzip);
        assert_eq!(discovery.files[1].compression, Compression::None);
        assert_eq!(discovery.roots_scanned, 1);
    }

    #[test]
    fn missing_root_is_an_error_with_its_path() {
        let (_dir, root) = temp_root();
        let missing = root.join("nope");
        let error =
            discover(std::slice::from_ref(&missing), &DiscoverConfig::default()).unwrap_err();
        assert!(error.to_string().contains(missing.as_str()), "{error}");
    }

    #[test]
    fn excludes_output_file_and_deduplicates_overlapping_roots() {
        let (_dir, root) = temp_root();
        std::fs::create_dir_all(root.join("sub")).unwrap();
        std::fs::write(root.join("sub/latest.jsonl"), "").unwrap();
        std::fs::write(root.join("sub/run.jsonl"), "").unwrap();
        let config = DiscoverConfig {
            exclude: vec![root.join("sub/../sub/latest.jsonl")],
            ..Default::default()
        };
        let discovery = discover(&[root.clone(), root.join("sub")], &config).unwrap();
        assert_eq!(discovery.files.len(), 1);
        assert!(discovery.files[0].path.ends_with("sub/run.jsonl"));
        assert_eq!(discovery.roots_scanned, 2);
    }

    #[cfg(unix)]
    #[test]
    fn symlinks_are_skipped_by_default_and_loops_reported_when_followed() {
        let (_dir, root) = temp_root();
        std::fs::create_dir_all(root.join("a")).unwrap();
        std::fs::write(root.join("a/x.jsonl"), "").unwrap();
        std::os::unix::fs::symlink(root.join("a"), root.join("a/loop")).unwrap();

        let plain = discover(std::slice::from_ref(&root), &DiscoverConfig::default()).unwrap();
        assert_eq!(plain.files.len(), 1);
        assert_eq!(plain.skipped.count(SkipReason::Symlink), 1);
        assert!(plain.problems.is_empty());

        let followed = discover(
            std::slice::from_ref(&root),
            &DiscoverConfig {
                follow_symlinks: true,
                ..Default::default()
            },
        )
        .unwrap();
        assert_eq!(followed.files.len(), 1);
        assert!(
            followed
                .problems
                .iter()
                .any(|problem| matches!(problem, CollectError::SymlinkLoop { .. })),
            "{:?}",
            followed.problems
        );
    }
}
