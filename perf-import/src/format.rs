//! The formats, their names, and sniffing.

use std::fmt;
use std::str::FromStr;

use memchr::memmem;

/// A tool output format this crate reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Format {
    /// k6 `--out json` (one JSON object per line; `.gz` allowed). Raw samples.
    K6,
    /// k6 `--summary-export` (one JSON document). Summaries only.
    K6Summary,
    /// hyperfine `--export-json`. Raw samples (one per run).
    Hyperfine,
    /// JMeter JTL, CSV (with or without header) or XML. Raw samples.
    Jmeter,
    /// Go `testing` benchmark text (`go test -bench`). One sample per `-count` run (a mean over
    /// `b.N` iterations).
    GoBench,
    /// cargo-criterion `--message-format=json`. One sample per criterion sample (total time
    /// divided by its iteration count).
    Criterion,
    /// OTLP/JSON traces (file exporter JSON Lines, or one document). Raw samples (spans).
    Otlp,
    /// Locust `--csv` statistics (`*_stats.csv`). Summaries only.
    Locust,
    /// Gatling report statistics (`js/stats.json`, `js/global_stats.json`). Summaries only.
    Gatling,
    /// oha `--output-format csv`. Raw samples.
    Oha,
    /// vegeta `encode --to csv` (or `--to json`). Raw samples.
    Vegeta,
}

impl Format {
    /// Every format, in documentation order.
    pub const ALL: [Format; 11] = [
        Format::K6,
        Format::K6Summary,
        Format::Hyperfine,
        Format::Jmeter,
        Format::GoBench,
        Format::Criterion,
        Format::Otlp,
        Format::Locust,
        Format::Gatling,
        Format::Oha,
        Format::Vegeta,
    ];

    /// The names [`FormatChoice`] accepts, `auto` included.
    pub const NAMES: [&'static str; 12] = [
        "k6",
        "k6-summary",
        "hyperfine",
        "jmeter",
        "gobench",
        "criterion",
        "otlp",
        "locust",
        "gatling",
        "oha",
        "vegeta",
        "auto",
    ];

    /// The stable name (`k6-summary`), also written as a record's `source`.
    pub fn name(self) -> &'static str {
        match self {
            Format::K6 => "k6",
            Format::K6Summary => "k6-summary",
            Format::Hyperfine => "hyperfine",
            Format::Jmeter => "jmeter",
            Format::GoBench => "gobench",
            Format::Criterion => "criterion",
            Format::Otlp => "otlp",
            Format::Locust => "locust",
            Format::Gatling => "gatling",
            Format::Oha => "oha",
            Format::Vegeta => "vegeta",
        }
    }

    /// Whether the format carries raw samples (`false`: it produces
    /// [`crate::SummaryRecord`]s only).
    pub fn has_raw_samples(self) -> bool {
        !matches!(self, Format::K6Summary | Format::Locust | Format::Gatling)
    }

    /// The default `tool` and `step` templates.
    pub fn default_templates(self) -> (&'static str, &'static str) {
        match self {
            Format::K6 => ("{name|url}", "{method}"),
            Format::K6Summary => ("{name|metric}", "{method|filter}"),
            Format::Hyperfine => ("{command}", "{parameters}"),
            Format::Jmeter => ("{threadGroup}", "{label}"),
            Format::GoBench => ("{top}", "{sub}"),
            Format::Criterion => ("{group}", "{function}"),
            Format::Otlp => ("{service.name}", "{name}"),
            Format::Locust => ("{name}", "{method}"),
            Format::Gatling => ("{group}", "{name}"),
            Format::Oha => ("oha", "{file}"),
            Format::Vegeta => ("{url}", "{method}"),
        }
    }

    /// The fields a template may use, or `None` when the set is open (k6 tags, OTLP
    /// attributes, hyperfine parameters are looked up by name). `file` (the input's file stem)
    /// exists for every format.
    pub fn template_fields(self) -> Option<&'static [&'static str]> {
        match self {
            Format::K6 | Format::K6Summary | Format::Otlp | Format::Hyperfine => None,
            Format::Jmeter => Some(&[
                "file",
                "label",
                "threadName",
                "threadGroup",
                "responseCode",
                "dataType",
                "URL",
            ]),
            Format::GoBench => Some(&[
                "file", "name", "top", "sub", "procs", "pkg", "goos", "goarch", "cpu",
            ]),
            Format::Criterion => Some(&["file", "id", "group", "function"]),
            Format::Locust => Some(&["file", "name", "method"]),
            Format::Gatling => Some(&["file", "name", "group", "path"]),
            Format::Oha => Some(&["file", "status"]),
            Format::Vegeta => Some(&["file", "url", "method", "attack", "code"]),
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(self.name())
    }
}

/// A `--from` value that is not a format name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown format {given:?}; expected one of: {}", Format::NAMES.join(", "))]
pub struct UnknownFormatName {
    /// What was given.
    pub given: String,
}

impl FromStr for Format {
    type Err = UnknownFormatName;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Ok(match text.to_ascii_lowercase().as_str() {
            "k6" | "k6-json" => Format::K6,
            "k6-summary" => Format::K6Summary,
            "hyperfine" => Format::Hyperfine,
            "jmeter" | "jtl" => Format::Jmeter,
            "gobench" | "go" => Format::GoBench,
            "criterion" | "cargo-criterion" => Format::Criterion,
            "otlp" | "otel" => Format::Otlp,
            "locust" => Format::Locust,
            "gatling" => Format::Gatling,
            "oha" | "oha-csv" => Format::Oha,
            "vegeta" | "vegeta-csv" => Format::Vegeta,
            _ => {
                return Err(UnknownFormatName {
                    given: text.to_owned(),
                });
            }
        })
    }
}

/// What `--from` asks for: one format, or `auto` (sniff each input).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FormatChoice {
    /// Sniff the format from the first bytes ([`sniff`]).
    Auto,
    /// This format.
    Exact(Format),
}

impl fmt::Display for FormatChoice {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FormatChoice::Auto => formatter.write_str("auto"),
            FormatChoice::Exact(format) => format.fmt(formatter),
        }
    }
}

impl FromStr for FormatChoice {
    type Err = UnknownFormatName;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        if text.eq_ignore_ascii_case("auto") {
            Ok(FormatChoice::Auto)
        } else {
            text.parse().map(FormatChoice::Exact)
        }
    }
}

/// How many bytes [`sniff`] wants to see (it works with fewer).
pub const SNIFF_BYTES: usize = 16 * 1024;

/// Guesses the format from the first bytes of an input (up to [`SNIFF_BYTES`]), or `None`.
///
/// ```
/// use perf_import::{sniff, Format};
///
/// assert_eq!(sniff(b"request-start,DNS,DNS+dialup,Response-delay,request-duration,bytes,status\n"), Some(Format::Oha));
/// assert_eq!(sniff(br#"{"results":[{"command":"sleep 0.1","times":[0.1]}]}"#), Some(Format::Hyperfine));
/// assert_eq!(sniff(b"hello"), None);
/// ```
pub fn sniff(head: &[u8]) -> Option<Format> {
    let head = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head);
    let start = head.iter().position(|byte| !byte.is_ascii_whitespace())?;
    let text = &head[start..];
    let has = |needle: &str| memmem::find(text, needle.as_bytes()).is_some();
    let has_key = |key: &str| memmem::find(text, format!("\"{key}\"").as_bytes()).is_some();
    let first_line = text.split(|&byte| byte == b'\n').next().unwrap_or(text);
    if text.starts_with(b"{") || text.starts_with(b"[") {
        return if has_key("resourceSpans") {
            Some(Format::Otlp)
        } else if has_key("metric") && (has("\"type\":\"Point\"") || has("\"type\":\"Metric\"")) {
            Some(Format::K6)
        } else if has("\"reason\":\"benchmark-complete\"") || has("\"reason\":\"group-complete\"") {
            Some(Format::Criterion)
        } else if has_key("results") && has_key("command") {
            Some(Format::Hyperfine)
        } else if has_key("root_group") || (has_key("metrics") && has("http_req")) {
            Some(Format::K6Summary)
        } else if has_key("attack") && has_key("latency") {
            Some(Format::Vegeta)
        } else if has_key("numberOfRequests") {
            Some(Format::Gatling)
        } else {
            None
        };
    }
    if text.starts_with(b"<?xml") || text.starts_with(b"<testResults") {
        return has("<testResults").then_some(Format::Jmeter);
    }
    if first_line.starts_with(b"request-start,") {
        return Some(Format::Oha);
    }
    if first_line.starts_with(b"Type,Name,Request Count")
        || first_line.starts_with(b"Timestamp,User Count,Type,Name")
        || first_line.starts_with(b"Method,Name,Error,Occurrences")
    {
        return Some(Format::Locust);
    }
    if first_line.starts_with(b"timeStamp,") {
        return Some(Format::Jmeter);
    }
    let fields: Vec<&[u8]> = first_line.split(|&byte| byte == b',').collect();
    let digits = |field: &[u8]| !field.is_empty() && field.iter().all(u8::is_ascii_digit);
    if fields.len() >= 7 && digits(fields[0]) && digits(fields[1]) && digits(fields[2]) {
        // vegeta: Unix nanoseconds (19 digits), code, latency; JMeter: epoch ms (13 digits),
        // elapsed, then the label.
        if fields[0].len() >= 16 {
            return Some(Format::Vegeta);
        }
    }
    if fields.len() >= 8 && digits(fields[0]) && fields[0].len() <= 14 && digits(fields[1]) {
        return Some(Format::Jmeter);
    }
    let go_like = text.split(|&byte| byte == b'\n').any(|line| {
        line.starts_with(b"Benchmark")
            && line
                .split(|byte| byte.is_ascii_whitespace())
                .any(|word| word == b"ns/op")
    }) || first_line.starts_with(b"goos:")
        || first_line.starts_with(b"goarch:")
        || first_line.starts_with(b"pkg:");
    go_like.then_some(Format::GoBench)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for format in Format::ALL {
            assert_eq!(format.name().parse::<Format>(), Ok(format));
            assert_eq!(
                format.name().parse::<FormatChoice>(),
                Ok(FormatChoice::Exact(format))
            );
        }
        assert_eq!("auto".parse::<FormatChoice>(), Ok(FormatChoice::Auto));
        assert_eq!(FormatChoice::Auto.to_string(), "auto");
        assert_eq!(
            FormatChoice::Exact(Format::K6Summary).to_string(),
            "k6-summary"
        );
        assert!("xml".parse::<Format>().is_err());
    }
}
