//! The `summarize` report: per-group outcome counts and latency statistics.
//!
//! FIXME: this is presentation of perf-stats results and would sit better in perf-budget's report
//! module beside the other renderers; it lives here until that module offers a summary report.

use std::fmt::Write as _;

use perf_collect::{GroupName, GroupSamples};
use perf_record::OutcomeCounts;
use perf_stats::{Summary, SummaryConfig, check_monotonic, summarize};
use serde::Serialize;

/// Version of the JSON `summarize` prints.
pub const SUMMARY_REPORT_SCHEMA_VERSION: u32 = 1;

/// The whole `summarize` output.
#[derive(Debug, Clone, Serialize)]
pub struct SummaryReport {
    /// [`SUMMARY_REPORT_SCHEMA_VERSION`].
    pub schema_version: u32,
    /// `tool,step`, `tool` or `session`.
    pub group_by: &'static str,
    /// One entry per group, in name order.
    pub groups: Vec<GroupSummary>,
}

/// One group's line of the summary.
#[derive(Debug, Clone, Serialize)]
pub struct GroupSummary {
    /// `tool/step`, `tool` or the session id.
    pub group: String,
    /// Records per outcome (unknown included).
    pub outcomes: OutcomeCounts,
    /// `errors / (ok + errors)`.
    pub error_rate: Option<f64>,
    /// Statistics of the latencies of records with a known outcome; `None` when there are none.
    pub latency_ms: Option<Summary>,
    /// Whether min <= p5 <= ... <= p99 <= max holds (a sanity check of the statistics).
    pub monotonic: bool,
}

/// The display name of a group.
pub fn group_label(name: &GroupName) -> String {
    match name {
        GroupName::ToolStep(key) => format!("{}/{}", key.tool, key.step),
        GroupName::Tool(tool) => tool.clone(),
        GroupName::Session(session) => session.clone(),
    }
}

/// Summarizes every group.
pub fn build<'a>(
    group_by: &'static str,
    groups: impl IntoIterator<Item = (&'a GroupName, &'a GroupSamples)>,
) -> anyhow::Result<SummaryReport> {
    let config = SummaryConfig::default();
    let mut summaries = Vec::new();
    for (name, samples) in groups {
        let latency_ms = if samples.latencies_ms.is_empty() {
            None
        } else {
            Some(summarize(&samples.latencies_ms, &config)?)
        };
        let monotonic = latency_ms
            .as_ref()
            .is_none_or(|summary| check_monotonic(summary).is_ok());
        summaries.push(GroupSummary {
            group: group_label(name),
            outcomes: samples.outcomes,
            error_rate: samples.outcomes.error_rate(),
            latency_ms,
            monotonic,
        });
    }
    Ok(SummaryReport {
        schema_version: SUMMARY_REPORT_SCHEMA_VERSION,
        group_by,
        groups: summaries,
    })
}

const PERCENTILES: [f64; 4] = [50.0, 90.0, 95.0, 99.0];

fn columns(group: &GroupSummary) -> Vec<String> {
    let counts = &group.outcomes;
    let mut row = vec![
        group.group.clone(),
        counts.total().to_string(),
        counts.ok.to_string(),
        counts.errors.to_string(),
        counts.unknown.to_string(),
        group
            .error_rate
            .map_or_else(|| "-".to_owned(), |rate| format!("{:.1}%", rate * 100.0)),
    ];
    match &group.latency_ms {
        Some(summary) => {
            row.push(format_ms(summary.mean));
            for percent in PERCENTILES {
                row.push(
                    summary
                        .percentile(percent)
                        .map_or_else(|| "-".to_owned(), format_ms),
                );
            }
            row.push(format_ms(summary.max));
        }
        None => row.extend(std::iter::repeat_n("-".to_owned(), 2 + PERCENTILES.len())),
    }
    row.push(if group.monotonic { "yes" } else { "NO" }.to_owned());
    row
}

const HEADER: [&str; 13] = [
    "group",
    "records",
    "ok",
    "errors",
    "unknown",
    "error%",
    "avg",
    "p50",
    "p90",
    "p95",
    "p99",
    "max",
    "monotonic",
];

fn format_ms(value: f64) -> String {
    format!("{value:.2}ms")
}

/// Aligned ASCII text: the group left-aligned, numbers right-aligned.
pub fn render_text(report: &SummaryReport) -> String {
    let rows: Vec<Vec<String>> = std::iter::once(HEADER.iter().map(|h| (*h).to_owned()).collect())
        .chain(report.groups.iter().map(columns))
        .collect();
    let widths: Vec<usize> = (0..HEADER.len())
        .map(|column| rows.iter().map(|row| row[column].len()).max().unwrap_or(0))
        .collect();
    let mut out = String::new();
    for row in &rows {
        let mut line = String::new();
        for (column, cell) in row.iter().enumerate() {
            if column == 0 {
                let _ = write!(line, "{cell:<width$}", width = widths[column]);
            } else {
                let _ = write!(line, "  {cell:>width$}", width = widths[column]);
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    if report.groups.is_empty() {
        out.push_str("(no records)\n");
    }
    out
}

/// A Markdown table; group names from logs are escaped so they cannot break the table.
pub fn render_markdown(report: &SummaryReport) -> String {
    let mut out = String::from("| ");
    out.push_str(&HEADER.join(" | "));
    out.push_str(" |\n|");
    out.push_str(
        &HEADER
            .iter()
            .enumerate()
            .map(|(i, _)| if i == 0 { "---|" } else { "---:|" })
            .collect::<String>(),
    );
    out.push('\n');
    for group in &report.groups {
        let mut cells = columns(group);
        cells[0] = escape_markdown(&cells[0]);
        out.push_str("| ");
        out.push_str(&cells.join(" | "));
        out.push_str(" |\n");
    }
    out
}

fn escape_markdown(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for character in text.chars() {
        match character {
            '\\' | '`' | '*' | '_' | '[' | ']' | '|' | '<' | '>' | '#' | '!' | '(' | ')' => {
                escaped.push('\\');
                escaped.push(character);
            }
            '\n' | '\r' => escaped.push(' '),
            other => escaped.push(other),
        }
    }
    escaped
}

/// Pretty JSON with a `schema_version`.
pub fn render_json(report: &SummaryReport) -> anyhow::Result<String> {
    Ok(serde_json::to_string_pretty(report)? + "\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use perf_record::GroupKey;

    fn sample() -> SummaryReport {
        let name = GroupName::ToolStep(GroupKey {
            tool: "a|b".into(),
            step: "get".into(),
        });
        let samples = GroupSamples {
            latencies_ms: (1..=100).map(f64::from).collect(),
            outcomes: OutcomeCounts {
                ok: 99,
                errors: 1,
                unknown: 3,
            },
        };
        let empty_name = GroupName::Tool("only-unknown".into());
        let empty = GroupSamples {
            latencies_ms: Vec::new(),
            outcomes: OutcomeCounts {
                ok: 0,
                errors: 0,
                unknown: 2,
            },
        };
        build("tool,step", [(&name, &samples), (&empty_name, &empty)]).unwrap()
    }

    #[test]
    fn statistics_match_numpy_type_7() {
        let report = sample();
        let summary = report.groups[0].latency_ms.as_ref().unwrap();
        // numpy.percentile(range(1, 101), 95) == 95.05
        assert!((summary.percentile(95.0).unwrap() - 95.05).abs() < 1e-12);
        assert_eq!(report.groups[0].error_rate, Some(0.01));
        assert!(report.groups[0].monotonic);
        assert!(report.groups[1].latency_ms.is_none());
    }

    #[test]
    fn text_is_aligned_and_shows_dashes_without_latencies() {
        let text = render_text(&sample());
        let lines: Vec<&str> = text.lines().collect();
        assert!(lines[0].starts_with("group "));
        assert!(lines[1].starts_with("a|b/get"), "{text}");
        assert!(lines[1].contains("95.05ms"), "{text}");
        assert!(lines[2].contains(" - "), "{text}");
        assert_eq!(lines[0].find(" n"), lines[0].find(" n"));
    }

    #[test]
    fn markdown_escapes_group_names() {
        let markdown = render_markdown(&sample());
        assert!(markdown.contains("| a\\|b/get |"), "{markdown}");
    }

    #[test]
    fn json_has_a_schema_version() {
        let json: serde_json::Value =
            serde_json::from_str(&render_json(&sample()).unwrap()).unwrap();
        assert_eq!(json["schema_version"], 1);
        assert_eq!(json["groups"][0]["outcomes"]["unknown"], 3);
    }
}
