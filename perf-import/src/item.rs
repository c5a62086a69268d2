//! What an importer produces: samples, summary records and rejections.

use std::io::{self, Write};

use perf_record::{Record, Timestamp, record_to_line};
use serde::Serialize;

use crate::{Format, Rejection};

/// One thing an importer pushes to the caller's sink.
#[derive(Debug, Clone, PartialEq)]
pub enum Item<'a> {
    /// A raw sample: one measured operation, a `perf_record::Record`.
    Sample(Sample<'a>),
    /// The statistics a tool reported for a group, from a format without raw samples.
    Summary(SummaryRecord),
    /// An item of the input that could not be imported; counted in
    /// [`crate::ImportReport::rejected`].
    Rejected(Rejection),
}

/// A raw sample with its provenance.
#[derive(Debug, Clone, PartialEq)]
pub struct Sample<'a> {
    /// The record (write it with [`write_sample`] or `perf_record::write_record`).
    pub record: Record<'a>,
    /// The format it came from.
    pub source: Format,
    /// The 1-based line of the input it came from, for line-oriented formats.
    pub source_line: Option<u64>,
}

/// A reported percentile: `q` in [0, 1], the value in milliseconds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ReportedPercentile {
    /// The quantile, in [0, 1] (`0.95` for p95).
    pub q: f64,
    /// The tool's value, in milliseconds.
    pub ms: f64,
}

/// Aggregate statistics a tool reported for one group, **not** raw samples.
///
/// Formats that only carry aggregates (k6 `--summary-export`, Locust `--csv`, Gatling
/// statistics) produce these instead of inventing samples. A judge that needs raw samples
/// (significance, confidence intervals) must say "n/a: the source has no raw samples";
/// budgets on the reported figures can still be checked. Every figure is optional because
/// every tool reports a different subset.
#[derive(Debug, Clone, PartialEq)]
pub struct SummaryRecord {
    /// When the run happened, when the source says; otherwise
    /// [`crate::ImportConfig::timestamp`].
    pub ts: Timestamp,
    /// The session ([`crate::ImportConfig::session_id`] or the input name).
    pub session_id: String,
    /// The group's tool.
    pub tool: String,
    /// The group's step.
    pub step: String,
    /// The format it came from.
    pub source: Format,
    /// The 1-based line of the input, for line-oriented formats.
    pub source_line: Option<u64>,
    /// How many operations the tool counted, when it says.
    pub count: Option<u64>,
    /// How many of them failed, when it says.
    pub errors: Option<u64>,
    /// Smallest latency, ms.
    pub min_ms: Option<f64>,
    /// Mean latency, ms.
    pub mean_ms: Option<f64>,
    /// Largest latency, ms.
    pub max_ms: Option<f64>,
    /// Standard deviation, ms.
    pub std_dev_ms: Option<f64>,
    /// Reported percentiles, in ascending `q`.
    pub percentiles: Vec<ReportedPercentile>,
    /// Caveats a reader must know (`"percentiles rounded by Locust ..."`).
    pub notes: Vec<String>,
}

impl SummaryRecord {
    /// Summary records never carry raw samples; this is the capability flag written as
    /// `"rawSamples": false`.
    pub const RAW_SAMPLES: bool = false;

    /// The reported value for quantile `q`, if the tool reported exactly that one.
    pub fn percentile(&self, q: f64) -> Option<f64> {
        self.percentiles
            .iter()
            .find(|percentile| (percentile.q - q).abs() < 1e-9)
            .map(|percentile| percentile.ms)
    }
}

/// Writes a sample as one perf-gate JSONL line with its provenance appended:
/// `{...record fields...,"source":"k6","sourceLine":12}`. `perf_record::parse_line` reads the
/// line back (it ignores the extra fields).
///
/// A record that breaks the schema is refused with [`io::ErrorKind::InvalidInput`].
pub fn write_sample<W: Write>(out: &mut W, sample: &Sample<'_>) -> io::Result<()> {
    let mut line = record_to_line(&sample.record)?;
    line.pop(); // the closing brace, reopened to append the provenance
    line.push_str(",\"source\":\"");
    line.push_str(sample.source.name());
    line.push('"');
    if let Some(source_line) = sample.source_line {
        line.push_str(",\"sourceLine\":");
        line.push_str(&source_line.to_string());
    }
    line.push_str("}\n");
    out.write_all(line.as_bytes())
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SummaryLine<'a> {
    kind: &'static str,
    raw_samples: bool,
    ts: String,
    session_id: &'a str,
    tool: &'a str,
    step: &'a str,
    source: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    source_line: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    count: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    errors: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    min_ms: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    mean_ms: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    max_ms: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    std_dev_ms: Option<f64>,
    percentiles: OrderedPercentiles<'a>,
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    notes: &'a [String],
}

/// Writes a summary record as one JSON line:
/// `{"kind":"summary","rawSamples":false,"ts":..,"sessionId":..,"tool":..,"step":..,
/// "source":"locust","count":124,"errors":4,"minMs":..,"meanMs":..,"maxMs":..,
/// "percentiles":{"p50":18,"p95":30},"notes":[..]}`.
///
/// The line has no `ms`, so `perf_record::parse_line` rejects it: summary lines are for a
/// reader that knows them, never mixed up with raw samples.
pub fn write_summary<W: Write>(out: &mut W, summary: &SummaryRecord) -> io::Result<()> {
    let percentiles = OrderedPercentiles(&summary.percentiles);
    let finite = |value: Option<f64>| value.filter(|value| value.is_finite());
    let line = SummaryLine {
        kind: "summary",
        raw_samples: SummaryRecord::RAW_SAMPLES,
        ts: summary.ts.to_string(),
        session_id: &summary.session_id,
        tool: &summary.tool,
        step: &summary.step,
        source: summary.source.name(),
        source_line: summary.source_line,
        count: summary.count,
        errors: summary.errors,
        min_ms: finite(summary.min_ms),
        mean_ms: finite(summary.mean_ms),
        max_ms: finite(summary.max_ms),
        std_dev_ms: finite(summary.std_dev_ms),
        percentiles,
        notes: &summary.notes,
    };
    let mut text = serde_json::to_string(&line).map_err(io::Error::other)?;
    text.push('\n');
    out.write_all(text.as_bytes())
}

/// The percentiles as a JSON object in ascending order (`{"p50":..,"p95":..}`), leaving out
/// non-finite values.
struct OrderedPercentiles<'a>(&'a [ReportedPercentile]);

impl Serialize for OrderedPercentiles<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_map(
            self.0
                .iter()
                .filter(|percentile| percentile.ms.is_finite())
                .map(|percentile| (percentile_key(percentile.q), percentile.ms)),
        )
    }
}

/// `0.95` -> `"p95"`, `0.999` -> `"p99.9"`.
fn percentile_key(q: f64) -> String {
    let percent = (q * 100.0 * 1e6).round() / 1e6;
    format!("p{percent}")
}

#[cfg(test)]
mod tests {
    use std::borrow::Cow;

    use perf_record::{Line, Outcome, parse_line};

    use super::*;

    #[test]
    fn sample_line_reads_back_with_provenance() {
        let sample = Sample {
            record: Record {
                ts: "2026-12-01T09:31:49.426698577Z".parse().unwrap(),
                session_id: Cow::Borrowed("s"),
                tool: Cow::Borrowed("login"),
                step: Cow::Borrowed("POST"),
                ms: 16.618053,
                outcome: Outcome::Success,
                measures: perf_record::Measures::new(),
            },
            source: Format::K6,
            source_line: Some(4),
        };
        let mut out = Vec::new();
        write_sample(&mut out, &sample).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(
            text.ends_with(",\"ok\":true,\"source\":\"k6\",\"sourceLine\":4}\n"),
            "{text}"
        );
        let Ok(Line::Record(record)) = parse_line(text.trim_end().as_bytes()) else {
            panic!("{text}")
        };
        assert_eq!(record, sample.record);
    }

    #[test]
    fn summary_line_says_no_raw_samples() {
        let summary = SummaryRecord {
            ts: Timestamp::UNIX_EPOCH,
            session_id: "s".into(),
            tool: "login".into(),
            step: "POST".into(),
            source: Format::Locust,
            source_line: Some(2),
            count: Some(124),
            errors: Some(4),
            min_ms: Some(7.5),
            mean_ms: None,
            max_ms: Some(f64::NAN),
            std_dev_ms: None,
            percentiles: vec![
                ReportedPercentile { q: 0.5, ms: 18.0 },
                ReportedPercentile {
                    q: 0.999,
                    ms: 150.0,
                },
                ReportedPercentile { q: 1.0, ms: 170.0 },
            ],
            notes: vec![],
        };
        let mut out = Vec::new();
        write_summary(&mut out, &summary).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "{\"kind\":\"summary\",\"rawSamples\":false,\"ts\":\"1970-01-01T00:00:00Z\",\"sessionId\":\"s\",\"tool\":\"login\",\"step\":\"POST\",\"source\":\"locust\",\"sourceLine\":2,\"count\":124,\"errors\":4,\"minMs\":7.5,\"maxMs\":null,\"percentiles\":{\"p50\":18.0,\"p99.9\":150.0,\"p100\":170.0}}\n"
                .replace(",\"maxMs\":null", "")
        );
        assert!(parse_line(b"{\"kind\":\"summary\"}").is_err());
    }
}
