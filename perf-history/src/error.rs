//! Why a history operation failed.

use camino::Utf8PathBuf;
use perf_record::GroupKey;

use crate::RunId;

/// A database client's error, kept typed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BackendError {
    /// From SQLite.
    #[error(transparent)]
    Sqlite(#[from] rusqlite::Error),
    /// From PostgreSQL.
    #[error(transparent)]
    Postgres(#[from] postgres::Error),
}

/// Why a history operation failed. Every message names the location with its password redacted.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum HistoryError {
    /// An empty `--history` / `PERF_GATE_HISTORY_URL` value, or `sqlite:` with no path.
    #[error("the history location is empty")]
    EmptyLocation,
    /// A PostgreSQL location the libpq grammar rejects.
    #[error("invalid history location {location}")]
    InvalidLocation {
        /// The text, password redacted.
        location: String,
        /// What the client said.
        #[source]
        source: BackendError,
    },
    /// The directory of an SQLite file could not be created.
    #[error("cannot create the history directory {path}")]
    CreateDirectory {
        /// The directory.
        path: Utf8PathBuf,
        /// What the file system said.
        #[source]
        source: std::io::Error,
    },
    /// The database could not be opened or connected to.
    #[error("cannot open the history {location}")]
    Open {
        /// The location, password redacted.
        location: String,
        /// What the client said.
        #[source]
        source: BackendError,
    },
    /// A statement failed.
    #[error("history {location}: cannot {operation}")]
    Database {
        /// The location, password redacted.
        location: String,
        /// What was being done, e.g. `record the run`.
        operation: &'static str,
        /// What the client said.
        #[source]
        source: BackendError,
    },
    /// The database was written by a newer perf-gate: it has migrations this one does not know.
    /// It is never downgraded.
    #[error(
        "history {location} has schema version {found}, newer than the {supported} this perf-gate knows: \
         upgrade perf-gate (the database is left as it is)"
    )]
    NewerSchema {
        /// The location, password redacted.
        location: String,
        /// The newest version applied to the database.
        found: i64,
        /// The newest version this crate has.
        supported: i64,
    },
    /// An applied migration's text differs from the one this crate embeds: the schema was
    /// changed by hand or by a different build.
    #[error(
        "history {location}: migration {version} ({name}) was applied with checksum {found}, \
         but this perf-gate's has {expected}"
    )]
    ChecksumMismatch {
        /// The location, password redacted.
        location: String,
        /// The migration's version.
        version: i64,
        /// Its name.
        name: String,
        /// The checksum of the embedded migration.
        expected: String,
        /// The checksum recorded in `schema_version`.
        found: String,
    },
    /// A value in the database does not have the shape this crate writes.
    #[error("history {location}: unexpected data in {table}: {detail}")]
    Corrupt {
        /// The location, password redacted.
        location: String,
        /// The table.
        table: &'static str,
        /// What is wrong.
        detail: String,
    },
    /// A group's stored samples cannot be decoded.
    #[error("history: samples of {group} in run {run} cannot be decoded")]
    Samples {
        /// The run.
        run: RunId,
        /// The group.
        group: GroupKey,
        /// Why.
        #[source]
        source: crate::encoding::DecodeError,
    },
    /// Statistics could not be computed from a group's latencies.
    #[error("{group}: cannot compute the statistics to record")]
    Statistics {
        /// The group.
        group: GroupKey,
        /// What perf-stats said.
        #[source]
        source: perf_stats::StatsError,
    },
    /// A group's samples, spilled to disk beyond the memory limit, could not be read back.
    #[error("{group}: cannot read the group's samples")]
    Load {
        /// The group.
        group: GroupKey,
        /// What went wrong.
        #[source]
        source: perf_record::LoadError,
    },
    /// No run has this id.
    #[error("history has no run {run}")]
    NoSuchRun {
        /// The id asked for.
        run: RunId,
    },
    /// A prune policy that keeps everything by saying nothing.
    #[error("prune needs --keep-runs or --keep-days")]
    EmptyPrunePolicy,
    /// The export could not be written.
    #[error("cannot write the history export")]
    Export(#[source] ExportError),
}

/// Why an export could not be written.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ExportError {
    /// Writing failed.
    #[error(transparent)]
    Io(#[from] std::io::Error),
    /// The CSV writer failed.
    #[error(transparent)]
    Csv(#[from] csv::Error),
    /// A JSON line could not be serialized.
    #[error(transparent)]
    Json(#[from] serde_json::Error),
}

/// The error and its causes on one line, each once (for tests: the CLI has its own printer).
#[cfg(test)]
pub(crate) fn chain(error: &dyn std::error::Error) -> String {
    let mut parts = vec![error.to_string()];
    let mut source = error.source();
    while let Some(cause) = source {
        parts.push(cause.to_string());
        source = cause.source();
    }
    parts.join(": ")
}
