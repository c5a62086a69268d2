//! The one error type of perf-collect.

use camino::Utf8PathBuf;

/// Everything that can go wrong while collecting, each with the path (and line) a user needs.
///
/// Per-file problems (an unreadable file, a corrupt gzip stream, a symlink loop) do not stop a run:
/// they are listed in [`crate::ScanReport::problems`] and the run goes on, unless the caller asked
/// for strict mode, in which case they come back as [`CollectError::Strict`].
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CollectError {
    /// A root given by the caller does not exist or cannot be inspected.
    #[error("{path}: cannot read root: {source}")]
    Root {
        /// The root as given.
        path: Utf8PathBuf,
        /// The operating-system error.
        source: std::io::Error,
    },
    /// A path found under a root is not valid UTF-8 (camino paths are UTF-8 only).
    #[error("{path}: path is not valid UTF-8, skipped")]
    NonUtf8Path {
        /// The path, lossily converted for display.
        path: String,
    },
    /// Following symbolic links led back to a directory already being walked.
    #[error("{path}: symlink loop back to {ancestor}, not followed")]
    SymlinkLoop {
        /// The link that closes the loop.
        path: Utf8PathBuf,
        /// The directory it points back to.
        ancestor: Utf8PathBuf,
    },
    /// Walking a directory failed (permission denied, vanished directory, ...).
    #[error("{path}: cannot walk directory: {source}")]
    Walk {
        /// The entry that failed.
        path: Utf8PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// A log file could not be opened (permission denied, vanished since it was listed, ...).
    #[error("{path}: cannot open: {source}")]
    Open {
        /// The file.
        path: Utf8PathBuf,
        /// The operating-system error.
        source: std::io::Error,
    },
    /// Reading a log file failed part-way; the lines before `line` were counted.
    #[error("{path}:{line}: read failed: {source}")]
    Read {
        /// The file.
        path: Utf8PathBuf,
        /// 1-based number of the line being read when the error happened.
        line: u64,
        /// The operating-system error.
        source: std::io::Error,
    },
    /// A `.gz` file is not a valid gzip stream (corrupt or truncated); the lines before `line`
    /// were counted.
    #[error("{path}:{line}: corrupt gzip stream: {source}")]
    Gzip {
        /// The file.
        path: Utf8PathBuf,
        /// 1-based number of the line being decompressed when the stream broke.
        line: u64,
        /// The decoder's error.
        source: std::io::Error,
    },
    /// The input was not empty, yet not one record was accepted.
    #[error(
        "no record accepted from {lines} non-blank lines in {files} files: {rejected} rejected, \
         {filtered_out} filtered out{}",
        first.as_ref().map(|first| format!(" (first: {first})")).unwrap_or_default()
    )]
    NothingAccepted {
        /// Lines that were not blank.
        lines: u64,
        /// Files read.
        files: usize,
        /// Lines rejected.
        rejected: u64,
        /// Records the filter dropped.
        filtered_out: u64,
        /// The first rejection, when there is one.
        first: Option<String>,
    },
    /// A glob root matched no file.
    #[error("{pattern}: no file matches this pattern")]
    NoMatch {
        /// The root as given.
        pattern: Utf8PathBuf,
    },
    /// A tool, step or session pattern of a [`crate::Filter`] (or an include or root glob) is
    /// not a valid glob.
    #[error("invalid {field} pattern {pattern:?}: {source}")]
    Pattern {
        /// `tools`, `steps`, `sessions`, `include` or `roots`.
        field: &'static str,
        /// The pattern as given.
        pattern: String,
        /// Why globset refused it.
        source: globset::Error,
    },
    /// Writing a sorted run to the spill directory failed (beyond the memory limit of
    /// `collect`; nothing was written to the output), or writing samples to it failed (beyond
    /// the memory limit of `aggregate_within`; they stayed in memory).
    #[error("cannot spill to a temporary directory in {directory}")]
    Spill {
        /// The directory the temporary directory is made in.
        directory: camino::Utf8PathBuf,
        /// What the file system said.
        #[source]
        source: std::sync::Arc<std::io::Error>,
    },
    /// Samples spilled beyond the memory limit could not be read back.
    #[error("cannot read back the samples spilled beyond the memory limit")]
    Load(#[source] perf_record::LoadError),
    /// Writing the output file failed; the previous file at `path`, if any, is untouched.
    #[error("cannot write the output file")]
    Write(#[source] perf_record::WriteError),
    /// Strict mode: at least one line was rejected or one file could not be read.
    #[error(
        "strict mode: {rejected_lines} rejected line(s) and {file_problems} unreadable file(s){}",
        first.as_deref().map(|first| format!("; first: {first}")).unwrap_or_default()
    )]
    Strict {
        /// How many lines were rejected in total.
        rejected_lines: u64,
        /// How many files or directories could not be read.
        file_problems: usize,
        /// The first problem, formatted (`path:line: reason`).
        first: Option<String>,
    },
}
