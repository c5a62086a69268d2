//! The JSON report: every field of a [`crate::Report`], with its `schema_version`.
//!
//! Pretty-printed, keys in a fixed order, one trailing newline. The schema is documented in the
//! crate README; [`REPORT_SCHEMA_VERSION`](crate::REPORT_SCHEMA_VERSION) changes on any
//! incompatible change.

use perf_record::LatencyOf;
use rayon::prelude::*;

use crate::report::Report;
use crate::summary::{
    GroupSummary, SUMMARY_BATCH, SUMMARY_SCHEMA_VERSION, SummaryError, SummaryReport,
};

/// Why a JSON report could not be written or read.
#[derive(Debug, thiserror::Error)]
pub enum JsonReportError {
    /// serde_json failed (a non-finite number cannot be written as JSON).
    #[error("cannot write the JSON report")]
    Write(#[source] serde_json::Error),
    /// The text is not a JSON report of this schema.
    #[error("not a perf-gate JSON report")]
    Read(#[source] serde_json::Error),
    /// The report has another `schema_version`.
    #[error("JSON report has schema_version {found}, this perf-gate reads {expected}")]
    SchemaVersion {
        /// The version found.
        found: u64,
        /// The version this crate reads.
        expected: u32,
    },
}

/// Renders the report as pretty JSON ending in a newline.
///
/// Non-finite numbers (which a valid evaluation never produces) are written as `null` by
/// serde_json, so this cannot fail on a report built by [`Report::new`](crate::Report::new).
pub fn render(report: &Report) -> Result<String, JsonReportError> {
    let mut text = serde_json::to_string_pretty(report).map_err(JsonReportError::Write)?;
    text.push('\n');
    Ok(text)
}

/// Reads a JSON report back (e.g. to re-render a saved report in another format).
pub fn parse(text: &str) -> Result<Report, JsonReportError> {
    let value: serde_json::Value = serde_json::from_str(text).map_err(JsonReportError::Read)?;
    let found = value
        .get("schema_version")
        .and_then(serde_json::Value::as_u64)
        .unwrap_or(0);
    if found != u64::from(crate::REPORT_SCHEMA_VERSION) {
        return Err(JsonReportError::SchemaVersion {
            found,
            expected: crate::REPORT_SCHEMA_VERSION,
        });
    }
    serde_json::from_value(value).map_err(JsonReportError::Read)
}

/// The `summarize` report as pretty JSON with a `schema_version`, ending in a newline.
///
/// # Errors
/// Only if serde_json fails, which a summary of finite numbers never makes it do.
pub fn render_summary(report: &SummaryReport) -> Result<String, JsonReportError> {
    let text = serde_json::to_string_pretty(report).map_err(JsonReportError::Write)?;
    Ok(text + "\n")
}

/// Writes the bytes of [`render_summary`] to `out` as they are made, without holding the whole
/// text (at a million groups it is 380 MB). `out` should be buffered; it is not flushed.
///
/// # Errors
/// [`JsonReportError::Write`] when `out` fails (its [`serde_json::Error::io_error_kind`] says
/// how, e.g. a closed pipe), or serde_json does as for [`render_summary`].
pub fn write_summary(
    report: &SummaryReport,
    mut out: impl std::io::Write,
) -> Result<(), JsonReportError> {
    serde_json::to_writer_pretty(&mut out, report).map_err(JsonReportError::Write)?;
    out.write_all(b"\n")
        .map_err(|error| JsonReportError::Write(serde_json::Error::io(error)))
}

/// Why a streamed summary stopped.
#[derive(Debug, thiserror::Error)]
pub enum SummaryStreamError {
    /// A group could not be summarized (what was written before it stays written).
    #[error(transparent)]
    Summary(SummaryError),
    /// The JSON could not be written.
    #[error(transparent)]
    Json(JsonReportError),
}

/// Writes the bytes [`write_summary`] writes for the [`SummaryReport`] of these summaries
/// (`group_by`, `latency_of`, the groups in order), taking each summary as it is made: neither
/// the summaries nor the text are held (see
/// [`owned_group_summaries`](crate::summary::owned_group_summaries)), only one batch of
/// [`SUMMARY_BATCH`] summaries and its text, formatted in parallel (one buffer per
/// 64 summaries) and written in order. `out` should be buffered; it is not
/// flushed.
///
/// # Errors
/// The first summary that failed ([`SummaryStreamError::Summary`]; the groups before it are
/// written), or the writer's failure as for [`write_summary`].
pub fn write_summary_stream(
    group_by: &str,
    latency_of: LatencyOf,
    mut summaries: impl Iterator<Item = Result<GroupSummary, SummaryError>>,
    mut out: impl std::io::Write,
) -> Result<(), SummaryStreamError> {
    let written = |result: std::io::Result<()>| {
        result.map_err(|error| {
            SummaryStreamError::Json(JsonReportError::Write(serde_json::Error::io(error)))
        })
    };
    let formatted = |result: Result<(), serde_json::Error>| {
        result.map_err(|error| SummaryStreamError::Json(JsonReportError::Write(error)))
    };
    // The keys of `SummaryReport` in its order, as serde_json's pretty printer writes them (the
    // values by serde_json itself; the tests hold the bytes to `write_summary`'s).
    let mut head = b"{\n  \"schema_version\": ".to_vec();
    formatted(serde_json::to_writer(&mut head, &SUMMARY_SCHEMA_VERSION))?;
    head.extend_from_slice(b",\n  \"group_by\": ");
    formatted(serde_json::to_writer(&mut head, group_by))?;
    head.extend_from_slice(b",\n  \"latency_of\": ");
    formatted(serde_json::to_writer(&mut head, &latency_of))?;
    head.extend_from_slice(b",\n  \"groups\": [");
    written(out.write_all(&head))?;
    let mut first = true;
    let mut batch: Vec<GroupSummary> = Vec::with_capacity(SUMMARY_BATCH);
    loop {
        // Up to one batch, or the summaries before the first failure.
        let mut failure = None;
        for summary in summaries.by_ref() {
            match summary {
                Ok(summary) => batch.push(summary),
                Err(error) => {
                    failure = Some(error);
                    break;
                }
            }
            if batch.len() == SUMMARY_BATCH {
                break;
            }
        }
        if batch.is_empty() && failure.is_none() {
            break;
        }
        // Formatted side by side, written in order.
        let parts = batch
            .par_chunks(FORMAT_CHUNK)
            .map(format_elements)
            .collect::<Result<Vec<Vec<u8>>, serde_json::Error>>()
            .map_err(|error| SummaryStreamError::Json(JsonReportError::Write(error)))?;
        for part in &parts {
            // Every element is written after a `,`, but the first of the array.
            let bytes = if first { &part[1..] } else { &part[..] };
            first = false;
            written(out.write_all(bytes))?;
        }
        batch.clear();
        if let Some(error) = failure {
            return Err(SummaryStreamError::Summary(error));
        }
    }
    written(out.write_all(if first { b"]\n}\n" } else { b"\n  ]\n}\n" }))
}

/// How many summaries one task of [`write_summary_stream`] formats into one buffer.
const FORMAT_CHUNK: usize = 64;

/// The indentation of an element of the summary's `groups` array: two levels of two spaces.
const ELEMENT_INDENT: &[u8] = b"    ";

/// Summaries as elements of the `groups` array, each after `,` and a new line, indented as
/// serde_json's pretty printer indents them there.
fn format_elements(summaries: &[GroupSummary]) -> Result<Vec<u8>, serde_json::Error> {
    let mut part = Vec::with_capacity(summaries.len() * 512);
    for summary in summaries {
        part.push(b',');
        part.push(b'\n');
        part.extend_from_slice(ELEMENT_INDENT);
        serde_json::to_writer_pretty(Indented(&mut part), summary)?;
    }
    Ok(part)
}

/// A writer that indents every line after the first by [`ELEMENT_INDENT`]: a summary printed on
/// its own, moved to where it stands in the report. Exact, because serde_json writes a new line
/// only between tokens (inside strings it is escaped).
struct Indented<'a>(&'a mut Vec<u8>);

impl std::io::Write for Indented<'_> {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.write_all(bytes)?;
        Ok(bytes.len())
    }

    fn write_all(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        let mut rest = bytes;
        while let Some(at) = rest.iter().position(|&byte| byte == b'\n') {
            let (line, after) = rest.split_at(at + 1);
            self.0.extend_from_slice(line);
            self.0.extend_from_slice(ELEMENT_INDENT);
            rest = after;
        }
        self.0.extend_from_slice(rest);
        Ok(())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}
