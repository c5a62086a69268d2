//! The JSON report: every field of a [`crate::Report`], with its `schema_version`.
//!
//! Pretty-printed, keys in a fixed order, one trailing newline. The schema is documented in the
//! crate README; [`REPORT_SCHEMA_VERSION`](crate::REPORT_SCHEMA_VERSION) changes on any
//! incompatible change.

use std::cell::RefCell;

use perf_record::LatencyOf;
use serde::ser::{Error as _, SerializeSeq as _, SerializeStruct as _};

use crate::report::Report;
use crate::summary::{GroupSummary, SUMMARY_SCHEMA_VERSION, SummaryError, SummaryReport};

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
/// [`owned_group_summaries`](crate::summary::owned_group_summaries)). `out` should be buffered;
/// it is not flushed.
///
/// # Errors
/// The first summary that failed ([`SummaryStreamError::Summary`]; the groups before it are
/// written), or the writer's failure as for [`write_summary`].
pub fn write_summary_stream(
    group_by: &str,
    latency_of: LatencyOf,
    summaries: impl Iterator<Item = Result<GroupSummary, SummaryError>>,
    mut out: impl std::io::Write,
) -> Result<(), SummaryStreamError> {
    let failure = RefCell::new(None);
    let report = StreamedSummary {
        group_by,
        latency_of,
        groups: StreamedGroups {
            summaries: RefCell::new(Some(summaries)),
            failure: &failure,
        },
    };
    let written = serde_json::to_writer_pretty(&mut out, &report);
    if let Some(error) = failure.into_inner() {
        return Err(SummaryStreamError::Summary(error));
    }
    written
        .map_err(JsonReportError::Write)
        .map_err(SummaryStreamError::Json)?;
    out.write_all(b"\n").map_err(|error| {
        SummaryStreamError::Json(JsonReportError::Write(serde_json::Error::io(error)))
    })
}

/// A [`SummaryReport`] whose groups are made while they are written: the same keys in the same
/// order (the test `a_streamed_summary_is_the_rendered_one` holds the two together).
struct StreamedSummary<'a, I> {
    group_by: &'a str,
    latency_of: LatencyOf,
    groups: StreamedGroups<'a, I>,
}

struct StreamedGroups<'a, I> {
    summaries: RefCell<Option<I>>,
    failure: &'a RefCell<Option<SummaryError>>,
}

impl<I> serde::Serialize for StreamedSummary<'_, I>
where
    I: Iterator<Item = Result<GroupSummary, SummaryError>>,
{
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut report = serializer.serialize_struct("SummaryReport", 4)?;
        report.serialize_field("schema_version", &SUMMARY_SCHEMA_VERSION)?;
        report.serialize_field("group_by", self.group_by)?;
        report.serialize_field("latency_of", &self.latency_of)?;
        report.serialize_field("groups", &self.groups)?;
        report.end()
    }
}

impl<I> serde::Serialize for StreamedGroups<'_, I>
where
    I: Iterator<Item = Result<GroupSummary, SummaryError>>,
{
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let summaries =
            self.summaries.borrow_mut().take().ok_or_else(|| {
                S::Error::custom("the groups of a streamed summary are written once")
            })?;
        let mut groups = serializer.serialize_seq(None)?;
        for summary in summaries {
            match summary {
                Ok(summary) => groups.serialize_element(&summary)?,
                Err(error) => {
                    *self.failure.borrow_mut() = Some(error);
                    return Err(S::Error::custom("a group could not be summarized"));
                }
            }
        }
        groups.end()
    }
}
