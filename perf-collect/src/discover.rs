//! Finding the log files under a set of roots.

use std::collections::HashSet;
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
    /// [`STDIN_NAME`] in every message.
    Stdin,
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
    /// Its size on disk when it was listed (compressed size for gzip; 0 for stdin).
    pub bytes: u64,
    /// Plain or gzip.
    pub compression: Compression,
    /// A file, or standard input.
    pub origin: Origin,
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
    /// Symbolic links that were not followed because [`DiscoverConfig::follow_symlinks`] is off.
    pub skipped_symlinks: u64,
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

/// Lists the log files under `roots`.
///
/// A root may be a directory (walked recursively, keeping only [`is_log_file_name`] files), a
/// file (always read, whatever its name, even when it is also an excluded output: reading it and
/// then replacing it atomically is safe, and skipping it would lose its records), or `-` for
/// standard input (listed once however often it is given). A root that does not exist is an
/// error; every problem below a root is recorded in [`Discovery::problems`] and the walk goes on.
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
    let mut discovery = Discovery::default();
    let mut seen: HashSet<PathBuf> = HashSet::new();

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
        let metadata = std::fs::metadata(root).map_err(|source| CollectError::Root {
            path: root.clone(),
            source,
        })?;
        discovery.roots_scanned += 1;
        if metadata.is_file() {
            // Named explicitly: read even when it is the output too (no exclusion).
            push_file(
                &mut discovery,
                &mut seen,
                &[],
                &[],
                root.clone(),
                metadata.len(),
            );
            continue;
        }
        let walker = walkdir::WalkDir::new(root)
            .follow_links(config.follow_symlinks)
            .sort_by_file_name();
        for entry in walker {
            let entry = match entry {
                Ok(entry) => entry,
                Err(error) => {
                    discovery.problems.push(walk_problem(root, error));
                    continue;
                }
            };
            if entry.path_is_symlink() && entry.file_type().is_symlink() {
                discovery.skipped_symlinks += 1;
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
            if !is_log_file_name(name) {
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
            // A file that vanished since the walk listed it is reported when it is opened.
            let bytes = entry.metadata().map(|metadata| metadata.len()).unwrap_or(0);
            push_file(
                &mut discovery,
                &mut seen,
                &excluded,
                &excluded_names,
                path,
                bytes,
            );
        }
    }
    Ok(discovery)
}

fn push_file(
    discovery: &mut Discovery,
    seen: &mut HashSet<PathBuf>,
    excluded: &[PathBuf],
    excluded_names: &[&str],
    path: Utf8PathBuf,
    bytes: u64,
) {
    let canonical = path
        .canonicalize()
        .unwrap_or_else(|_| path.clone().into_std_path_buf());
    let may_be_excluded = path
        .file_name()
        .is_some_and(|name| excluded_names.contains(&name));
    if may_be_excluded && excluded.contains(&canonical) {
        return;
    }
    if !seen.insert(canonical) {
        return;
    }
    let compression = compression_of(&path);
    discovery.files.push(SourceFile {
        path,
        bytes,
        compression,
        origin: Origin::File,
    });
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
        assert_eq!(plain.skipped_symlinks, 1);
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
