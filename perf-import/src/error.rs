//! Errors that stop an import, and rejections that do not.

use std::fmt;
use std::io;

use crate::Format;

/// Why an import stopped. Items already pushed to the sink stay pushed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ImportError {
    /// Reading the input failed.
    #[error("{input}: cannot read")]
    Io {
        /// The input's display name.
        input: String,
        /// The I/O error.
        #[source]
        source: io::Error,
    },
    /// A single-document format (hyperfine, k6 summary, Gatling, OTLP as one document) is
    /// larger than [`crate::ImportConfig::max_document_bytes`].
    #[error(
        "{input}: the {format} document is larger than the limit of {limit} bytes; \
         raise the limit if the file is genuine"
    )]
    DocumentTooLarge {
        /// The input's display name.
        input: String,
        /// The format being read.
        format: Format,
        /// The limit in bytes.
        limit: u64,
    },
    /// A single JSON document does not parse or does not have the format's shape.
    #[error("{input}: not a valid {format} document")]
    Json {
        /// The input's display name.
        input: String,
        /// The format being read.
        format: Format,
        /// serde_json's error, with line and column.
        #[source]
        source: serde_json::Error,
    },
    /// The CSV reader failed in a way that cannot be skipped past.
    #[error("{input}: cannot read the {format} CSV")]
    Csv {
        /// The input's display name.
        input: String,
        /// The format being read.
        format: Format,
        /// The csv crate's error, with its position.
        #[source]
        source: csv::Error,
    },
    /// The XML cannot be read further (a tag over the cap, or the file ends inside a tag
    /// outside any sample).
    #[error("{input}: malformed XML at byte {position}")]
    Xml {
        /// The input's display name.
        input: String,
        /// Byte offset where the reader stopped.
        position: u64,
        /// What is wrong.
        #[source]
        source: crate::XmlError,
    },
    /// The input is recognisably something this format's importer does not read.
    #[error("{input}: {detail}")]
    Unsupported {
        /// The input's display name.
        input: String,
        /// What the file is and what to use instead.
        detail: String,
    },
    /// `--from auto` could not tell the format.
    #[error(
        "{input}: cannot tell the format from the first bytes; pass one of: {}",
        Format::NAMES.join(", ")
    )]
    UnknownFormat {
        /// The input's display name.
        input: String,
    },
    /// A `--tool`/`--step` template names a field the format does not have.
    #[error("{format}: template field {{{field}}} does not exist; known fields: {known}")]
    UnknownTemplateField {
        /// The format being read.
        format: Format,
        /// The unknown field.
        field: String,
        /// The format's fields, comma-separated.
        known: String,
    },
    /// The sink refused an item (typically: writing the output failed).
    #[error("{input}: the output refused a record")]
    Sink {
        /// The input's display name.
        input: String,
        /// The sink's error.
        #[source]
        source: io::Error,
    },
}

/// One item of the input that was rejected; the import goes on.
///
/// Displays as `input:line: path: reason`, leaving out what is not known.
#[derive(Debug, Clone, PartialEq)]
pub struct Rejection {
    /// The input's display name.
    pub input: String,
    /// 1-based line, when the format is line-oriented.
    pub line: Option<u64>,
    /// JSON path (`results[2].times[5]`) or other position within the line or document.
    pub path: Option<String>,
    /// What is wrong.
    pub reason: String,
}

impl fmt::Display for Rejection {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(&self.input)?;
        if let Some(line) = self.line {
            write!(formatter, ":{line}")?;
        }
        if let Some(path) = &self.path {
            write!(formatter, ": {path}")?;
        }
        write!(formatter, ": {}", self.reason)
    }
}
