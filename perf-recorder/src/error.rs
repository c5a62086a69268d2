//! What can go wrong building a recorder and writing its records.

use std::io;
use std::path::PathBuf;

/// Why [`RecorderBuilder::build`](crate::RecorderBuilder::build) refused to make a recorder.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BuildError {
    /// No `tool` was given: every record needs one.
    #[error("no tool name: call `.tool(..)` on the builder")]
    MissingTool,
    /// Neither a directory nor a writer was given.
    #[error("no destination: call `.dir(..)` or `.writer(..)` on the builder")]
    MissingDestination,
    /// A name that goes into every record is empty.
    #[error("the {field} is empty")]
    EmptyField {
        /// `"tool"` or `"session id"`.
        field: &'static str,
    },
    /// The session id names the file, so it cannot hold a path separator or be `.`/`..`.
    #[error(
        "the session id {session_id:?} cannot be a file name (it has a path separator or is `.`/`..`)"
    )]
    InvalidSessionId {
        /// The offending session id.
        session_id: String,
    },
    /// The buffer must hold at least one record.
    #[error("the buffer capacity must be at least 1 record")]
    ZeroCapacity,
    /// The sketch settings of [`Statistics::Sketch`](crate::Statistics::Sketch) are invalid.
    #[error("invalid sketch settings")]
    InvalidSketch {
        /// perf-stats' reason.
        #[source]
        source: perf_stats::StatsError,
    },
    /// The operating system would not start the writer thread.
    #[error("cannot start the writer thread")]
    SpawnWriter {
        /// The error from `std::thread::Builder::spawn`.
        #[source]
        source: io::Error,
    },
}

/// A failure of the background writer, reported to the error callback
/// ([`RecorderBuilder::on_error`](crate::RecorderBuilder::on_error)) and returned by the next
/// [`Recorder::flush`](crate::Recorder::flush).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RecorderError {
    /// The day's directory could not be created.
    #[error("cannot create directory {}", path.display())]
    CreateDir {
        /// The directory.
        path: PathBuf,
        /// The operating system's error.
        #[source]
        source: io::Error,
    },
    /// The day's file could not be opened for appending.
    #[error("cannot open {} for appending", path.display())]
    Open {
        /// The file.
        path: PathBuf,
        /// The operating system's error.
        #[source]
        source: io::Error,
    },
    /// Writing or flushing buffered records failed; those records are lost.
    #[error("cannot write {records} record(s) to {destination}")]
    Write {
        /// The file's path, or `"the writer"` for a [`RecorderBuilder::writer`](crate::RecorderBuilder::writer).
        destination: String,
        /// How many records were in the failed write (0 for a failed flush).
        records: usize,
        /// The operating system's or writer's error.
        #[source]
        source: io::Error,
    },
    /// A record broke the schema (an empty step or error reason name, for instance) and was not
    /// written.
    #[error("record for tool {tool:?} step {step:?} not written")]
    InvalidRecord {
        /// The record's tool.
        tool: String,
        /// The record's step.
        step: String,
        /// perf-record's reason.
        #[source]
        source: io::Error,
    },
    /// The writer thread is gone, so nothing more can be written.
    #[error("the writer thread has stopped")]
    WriterStopped,
}
