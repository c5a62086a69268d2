#![doc = include_str!("../README.md")]
//!
//! ## Example
//!
//! A JMeter CSV with a header, a sampler, a transaction-controller row and a failed sampler:
//!
//! ```
//! use perf_import::{Format, ImportConfig, Item, import_reader, write_sample};
//!
//! let jtl = "\
//! timeStamp,elapsed,label,responseCode,responseMessage,threadName,dataType,success
//! 1796117766594,134,login,200,OK,users 1-3,text,true
//! 1796117766163,206,login-flow,,\"Number of samples in transaction : 2, number of failing samples : 1\",users 1-3,,false
//! 1796117766595,133,login,500,Internal Server Error,users 1-2,text,false
//! ";
//! let config = ImportConfig::new("2026-12-01T00:00:00Z".parse().unwrap());
//! let mut out = Vec::new();
//! let report = import_reader(Format::Jmeter, "plan.jtl", jtl.as_bytes(), &config, |item| match item {
//!     Item::Sample(sample) => write_sample(&mut out, &sample),
//!     Item::Summary(_) | Item::Rejected(_) => Ok(()),
//! })
//! .unwrap();
//! // The header and the transaction-controller row (it duplicates its children) are skipped.
//! assert_eq!((report.items, report.records, report.skipped_total()), (4, 2, 2));
//! assert!(report.is_balanced());
//! let text = String::from_utf8(out).unwrap();
//! assert_eq!(
//!     text.lines().nth(1).unwrap(),
//!     r#"{"ts":"2026-12-01T09:36:06.595Z","sessionId":"plan.jtl","tool":"users","step":"login","ms":133,"ok":false,"errorReason":"500 Internal Server Error","source":"jmeter","sourceLine":4}"#
//! );
//! ```

mod error;
mod format;
mod formats;
mod input;
mod item;
mod template;
mod writer;

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fs::File;
use std::io::{self, BufRead, BufReader, Cursor, Read};

use camino::Utf8Path;
use perf_record::{Outcome, Record, Timestamp};

pub use error::{ImportError, Rejection};
pub use format::{Format, FormatChoice, SNIFF_BYTES, UnknownFormatName, sniff};
pub use formats::xml::XmlError;
pub use item::{Item, ReportedPercentile, Sample, SummaryRecord, write_sample, write_summary};
pub use template::{Template, TemplateError};
pub use writer::SampleWriter;

/// The default cap on one line (or one CSV record, or one XML tag): 64 MiB.
pub const DEFAULT_MAX_LINE_BYTES: usize = 64 * 1024 * 1024;

/// The default cap on a single-document input (hyperfine, k6 summary, Gatling, OTLP written
/// as one document): 256 MiB. Such a document is parsed in memory, so it must be bounded.
pub const DEFAULT_MAX_DOCUMENT_BYTES: u64 = 256 * 1024 * 1024;

/// How to import: names, limits and per-format choices.
#[derive(Debug, Clone, PartialEq)]
pub struct ImportConfig {
    /// The timestamp for formats that have none (hyperfine, Go, criterion, Locust, Gatling)
    /// and the origin of relative ones (oha's `request-start`). The CLI passes the file's
    /// modification time or the current time.
    pub timestamp: Timestamp,
    /// The `sessionId` of every record; `None`: the input's display name.
    pub session_id: Option<String>,
    /// The `tool` template; `None`: the format's default ([`Format::default_templates`]).
    pub tool: Option<Template>,
    /// The `step` template; `None`: the format's default.
    pub step: Option<Template>,
    /// k6 and k6-summary: the trend metric to import; `None`: `http_req_duration`.
    pub metric: Option<String>,
    /// JMeter: also import transaction-controller rows (they duplicate their children's time,
    /// so they are skipped by default; a plan in "generate parent sample" mode writes only the
    /// parent rows to CSV and needs this).
    pub include_transactions: bool,
    /// The cap on one line, CSV record or XML tag ([`DEFAULT_MAX_LINE_BYTES`]). A longer
    /// line is rejected unread where the format is line-oriented, or stops the import.
    pub max_line_bytes: usize,
    /// The cap on a single document ([`DEFAULT_MAX_DOCUMENT_BYTES`]).
    pub max_document_bytes: u64,
}

impl ImportConfig {
    /// The defaults, with `timestamp` for sources that have none.
    pub fn new(timestamp: Timestamp) -> Self {
        ImportConfig {
            timestamp,
            session_id: None,
            tool: None,
            step: None,
            metric: None,
            include_transactions: false,
            max_line_bytes: DEFAULT_MAX_LINE_BYTES,
            max_document_bytes: DEFAULT_MAX_DOCUMENT_BYTES,
        }
    }
}

/// What one import read and produced. Every item is counted exactly once:
/// `items == records + summaries + blank + skipped_total() + rejected`.
///
/// An item is the format's unit: a line (k6, Go, criterion messages other than samples,
/// vegeta JSON), a CSV row (JMeter, oha, vegeta, Locust), an XML sample element (JMeter XML),
/// a run (hyperfine `times[i]`), a sample (criterion `measured_values[i]`), a span (OTLP; a
/// line that does not parse counts as one), a metric (k6 summary) or a statistics entry
/// (Gatling).
#[derive(Debug, Clone, PartialEq)]
pub struct ImportReport {
    /// The input's display name.
    pub input: String,
    /// The format read.
    pub format: Format,
    /// Whether the format was sniffed (`--from auto`).
    pub sniffed: bool,
    /// Items read.
    pub items: u64,
    /// Raw samples produced.
    pub records: u64,
    /// Summary records produced.
    pub summaries: u64,
    /// Blank lines.
    pub blank: u64,
    /// Items deliberately not imported, by reason (`"other-metric"`, `"transaction"`, ...).
    pub skipped: BTreeMap<&'static str, u64>,
    /// Items rejected (each was pushed to the sink as [`Item::Rejected`]).
    pub rejected: u64,
    /// Caveats about the whole input (rounded percentiles, skipped transaction rows, ...).
    pub warnings: Vec<String>,
}

impl ImportReport {
    fn new(input: &str, format: Format) -> Self {
        ImportReport {
            input: input.to_owned(),
            format,
            sniffed: false,
            items: 0,
            records: 0,
            summaries: 0,
            blank: 0,
            skipped: BTreeMap::new(),
            rejected: 0,
            warnings: Vec::new(),
        }
    }

    /// All skipped items, whatever the reason.
    pub fn skipped_total(&self) -> u64 {
        self.skipped.values().sum()
    }

    /// Whether the counts add up (they always do; tests check it).
    pub fn is_balanced(&self) -> bool {
        self.items
            == self.records + self.summaries + self.blank + self.skipped_total() + self.rejected
    }
}

/// The caller's sink: receives every sample, summary and rejection in input order.
pub(crate) type Sink<'s> = dyn FnMut(Item<'_>) -> io::Result<()> + 's;

/// Imports one input in a known format, pushing every item to `sink` as it is read.
///
/// `input` is the display name used in rejections and as the default `sessionId`. Memory
/// stays bounded for line- and row-oriented formats whatever the input size; single
/// documents are capped by [`ImportConfig::max_document_bytes`].
///
/// # Errors
///
/// [`ImportError`] when the input cannot be read at all, a document is too large or
/// malformed, a template names an unknown field, or the sink fails. Bad items do not stop
/// the import: they become [`Item::Rejected`].
pub fn import_reader<R: BufRead>(
    format: Format,
    input: &str,
    reader: R,
    config: &ImportConfig,
    mut sink: impl FnMut(Item<'_>) -> io::Result<()>,
) -> Result<ImportReport, ImportError> {
    let mut context = Context::new(format, input, config, &mut sink)?;
    formats::run(format, reader, &mut context)?;
    Ok(context.report)
}

/// Imports one input, sniffing the format first when `choice` is [`FormatChoice::Auto`]
/// ([`ImportReport::format`] and [`ImportReport::sniffed`] say what was chosen).
///
/// # Errors
///
/// As [`import_reader`], plus [`ImportError::UnknownFormat`] when sniffing fails.
pub fn import_choice<R: BufRead>(
    choice: FormatChoice,
    input: &str,
    mut reader: R,
    config: &ImportConfig,
    sink: impl FnMut(Item<'_>) -> io::Result<()>,
) -> Result<ImportReport, ImportError> {
    match choice {
        FormatChoice::Exact(format) => import_reader(format, input, reader, config, sink),
        FormatChoice::Auto => {
            let mut head = Vec::with_capacity(SNIFF_BYTES);
            (&mut reader)
                .take(SNIFF_BYTES as u64)
                .read_to_end(&mut head)
                .map_err(|source| io_error(input, source))?;
            let format = sniff(&head).ok_or_else(|| ImportError::UnknownFormat {
                input: input.to_owned(),
            })?;
            let mut report =
                import_reader(format, input, Cursor::new(head).chain(reader), config, sink)?;
            report.sniffed = true;
            Ok(report)
        }
    }
}

/// Opens a file (gzip-compressed when it starts with the gzip magic bytes) and imports it;
/// the display name is the path.
///
/// # Errors
///
/// As [`import_choice`]; [`ImportError::Io`] when the file cannot be opened.
pub fn import_path(
    choice: FormatChoice,
    path: &Utf8Path,
    config: &ImportConfig,
    sink: impl FnMut(Item<'_>) -> io::Result<()>,
) -> Result<ImportReport, ImportError> {
    let input = path.as_str();
    let file = File::open(path).map_err(|source| io_error(input, source))?;
    let mut reader = BufReader::with_capacity(256 * 1024, file);
    let gzipped = reader
        .fill_buf()
        .map_err(|source| io_error(input, source))?
        .starts_with(&[0x1f, 0x8b]);
    if gzipped {
        let decoder = flate2::bufread::MultiGzDecoder::new(reader);
        import_choice(
            choice,
            input,
            BufReader::with_capacity(256 * 1024, decoder),
            config,
            sink,
        )
    } else {
        import_choice(choice, input, reader, config, sink)
    }
}

fn io_error(input: &str, source: io::Error) -> ImportError {
    ImportError::Io {
        input: input.to_owned(),
        source,
    }
}

/// The state every importer shares: names, counts and the sink.
pub(crate) struct Context<'s> {
    pub(crate) format: Format,
    pub(crate) config: &'s ImportConfig,
    pub(crate) report: ImportReport,
    pub(crate) file_stem: String,
    pub(crate) tool: Template,
    pub(crate) step: Template,
    session: String,
    sink: &'s mut Sink<'s>,
}

impl<'s> Context<'s> {
    fn new(
        format: Format,
        input: &str,
        config: &'s ImportConfig,
        sink: &'s mut Sink<'s>,
    ) -> Result<Self, ImportError> {
        let (default_tool, default_step) = format.default_templates();
        let tool = config
            .tool
            .clone()
            .unwrap_or_else(|| Template::builtin(default_tool));
        let step = config
            .step
            .clone()
            .unwrap_or_else(|| Template::builtin(default_step));
        if let Some(known) = format.template_fields() {
            for field in tool.fields().chain(step.fields()) {
                if !known.contains(&field) {
                    return Err(ImportError::UnknownTemplateField {
                        format,
                        field: field.to_owned(),
                        known: known.join(", "),
                    });
                }
            }
        }
        let file_name = input.rsplit(['/', '\\']).next().unwrap_or(input);
        let file_stem = file_name
            .split('.')
            .next()
            .filter(|stem| !stem.is_empty())
            .unwrap_or(file_name)
            .to_owned();
        Ok(Context {
            format,
            config,
            report: ImportReport::new(input, format),
            file_stem,
            tool,
            step,
            session: config
                .session_id
                .clone()
                .unwrap_or_else(|| input.to_owned()),
            sink,
        })
    }

    pub(crate) fn input(&self) -> &str {
        &self.report.input
    }

    /// Renders the tool and step names into the buffers, falling back to the format's name
    /// and `-` when a template renders empty.
    pub(crate) fn names<'v>(
        &self,
        lookup: impl Fn(&str) -> Option<&'v str> + Copy,
        tool: &mut String,
        step: &mut String,
    ) {
        let file_stem = self.file_stem.as_str();
        let with_file = |field: &str| -> Option<&str> {
            if field == "file" {
                Some(file_stem)
            } else {
                lookup(field)
            }
        };
        self.tool.render_into(tool, with_file);
        if tool.is_empty() {
            tool.push_str(self.format.name());
        }
        self.step.render_into(step, with_file);
        if step.is_empty() {
            step.push('-');
        }
    }

    /// Pushes one raw sample, or a rejection when the record breaks the schema.
    pub(crate) fn sample(
        &mut self,
        ts: Timestamp,
        tool: &str,
        step: &str,
        ms: f64,
        outcome: Outcome<'_>,
        line: Option<u64>,
    ) -> Result<(), ImportError> {
        let record = Record {
            ts,
            session_id: Cow::Borrowed(&self.session),
            tool: Cow::Borrowed(tool),
            step: Cow::Borrowed(step),
            ms,
            outcome,
            measures: perf_record::Measures::new(),
        };
        if let Err(error) = record.validate() {
            return self.reject(line, None, error.to_string());
        }
        self.report.items += 1;
        self.report.records += 1;
        let sample = Sample {
            record,
            source: self.format,
            source_line: line,
        };
        (self.sink)(Item::Sample(sample)).map_err(|source| ImportError::Sink {
            input: self.report.input.clone(),
            source,
        })
    }

    /// Pushes one summary record.
    pub(crate) fn summary(&mut self, summary: SummaryRecord) -> Result<(), ImportError> {
        self.report.items += 1;
        self.report.summaries += 1;
        (self.sink)(Item::Summary(summary)).map_err(|source| ImportError::Sink {
            input: self.report.input.clone(),
            source,
        })
    }

    /// Counts one item deliberately not imported.
    pub(crate) fn skip(&mut self, reason: &'static str) {
        self.report.items += 1;
        *self.report.skipped.entry(reason).or_insert(0) += 1;
    }

    /// Counts one blank line.
    pub(crate) fn blank(&mut self) {
        self.report.items += 1;
        self.report.blank += 1;
    }

    /// Counts and pushes one rejected item.
    pub(crate) fn reject(
        &mut self,
        line: Option<u64>,
        path: Option<String>,
        reason: impl Into<String>,
    ) -> Result<(), ImportError> {
        self.report.items += 1;
        self.report.rejected += 1;
        let rejection = Rejection {
            input: self.report.input.clone(),
            line,
            path,
            reason: reason.into(),
        };
        (self.sink)(Item::Rejected(rejection)).map_err(|source| ImportError::Sink {
            input: self.report.input.clone(),
            source,
        })
    }

    /// A summary record with this context's names and nothing reported yet.
    pub(crate) fn empty_summary(&self, tool: &str, step: &str, line: Option<u64>) -> SummaryRecord {
        SummaryRecord {
            ts: self.config.timestamp,
            session_id: self.session.clone(),
            tool: tool.to_owned(),
            step: step.to_owned(),
            source: self.format,
            source_line: line,
            count: None,
            errors: None,
            min_ms: None,
            mean_ms: None,
            max_ms: None,
            std_dev_ms: None,
            percentiles: Vec::new(),
            notes: Vec::new(),
        }
    }

    pub(crate) fn document_error(&self, error: input::DocumentError) -> ImportError {
        match error {
            input::DocumentError::Io(source) => io_error(self.input(), source),
            input::DocumentError::TooLarge => ImportError::DocumentTooLarge {
                input: self.input().to_owned(),
                format: self.format,
                limit: self.config.max_document_bytes,
            },
        }
    }

    pub(crate) fn io_error(&self, source: io::Error) -> ImportError {
        io_error(self.input(), source)
    }

    pub(crate) fn json_error(&self, source: serde_json::Error) -> ImportError {
        ImportError::Json {
            input: self.input().to_owned(),
            format: self.format,
            source,
        }
    }

    pub(crate) fn csv_error(&self, source: csv::Error) -> ImportError {
        ImportError::Csv {
            input: self.input().to_owned(),
            format: self.format,
            source,
        }
    }
}
