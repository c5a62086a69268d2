//! One probe record: perf-record's line plus the probe's own fields.

use std::fmt::Write as _;
use std::io;

use perf_record::{Record, push_record};

/// The fields a probe record adds after perf-record's own (readers ignore unknown fields).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ProbeFields {
    /// `serviceMs`: actual send to end of body.
    pub service_ms: f64,
    /// `lagMs`: actual minus intended send (open model only).
    pub lag_ms: Option<f64>,
    /// `status`, when a response arrived.
    pub status: Option<u16>,
    /// `bytes`: response body bytes received.
    pub bytes: u64,
    /// `phase: "warmup"` when true (the field is absent for measured requests).
    pub warmup: bool,
}

/// Appends the record as one JSON line (with `\n`) to `line`: perf-record's fields in their
/// stable order, then `serviceMs`, `lagMs`, `status`, `bytes`, `phase`.
///
/// ```
/// use std::borrow::Cow;
/// use perf_probe::{write_probe_record, ProbeFields};
/// use perf_record::{Outcome, Record};
///
/// let record = Record {
///     ts: "2026-12-01T10:00:00Z".parse()?,
///     session_id: Cow::Borrowed("probe-1"),
///     tool: Cow::Borrowed("registry"),
///     step: Cow::Borrowed("GET /health"),
///     ms: 12.5,
///     outcome: Outcome::Error(Some(Cow::Borrowed("http_404"))),
///     measures: perf_record::Measures::new(),
/// };
/// let fields = ProbeFields { service_ms: 2.25, lag_ms: Some(10.25), status: Some(404), bytes: 9, warmup: false };
/// let mut line = String::new();
/// write_probe_record(&mut line, &record, &fields)?;
/// assert_eq!(line, concat!(
///     r#"{"ts":"2026-12-01T10:00:00Z","sessionId":"probe-1","tool":"registry","step":"GET /health","ms":12.5,"ok":false,"errorReason":"http_404","#,
///     r#""serviceMs":2.25,"lagMs":10.25,"status":404,"bytes":9}"#, "\n"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
/// [`io::ErrorKind::InvalidInput`] for a record that breaks the schema (see
/// [`perf_record::write_record`]); nothing is appended then.
pub fn write_probe_record(
    line: &mut String,
    record: &Record<'_>,
    fields: &ProbeFields,
) -> io::Result<()> {
    push_record(line, record)?;
    // `push_record` always closes the object with `}\n`; reopen it to append our fields.
    line.truncate(line.len() - "}\n".len());
    line.push_str(",\"serviceMs\":");
    push_number(line, fields.service_ms);
    if let Some(lag) = fields.lag_ms {
        line.push_str(",\"lagMs\":");
        push_number(line, lag);
    }
    if let Some(status) = fields.status {
        let _ = write!(line, ",\"status\":{status}");
    }
    let _ = write!(line, ",\"bytes\":{}", fields.bytes);
    if fields.warmup {
        line.push_str(",\"phase\":\"warmup\"");
    }
    line.push_str("}\n");
    Ok(())
}

/// A finite, non-negative millisecond value with the shortest round-trip digits.
fn push_number(line: &mut String, value: f64) {
    let value = if value.is_finite() && value >= 0.0 {
        value
    } else {
        0.0
    };
    let _ = write!(line, "{value}");
}

#[cfg(test)]
mod tests {
    use std::borrow::Cow;

    use perf_record::{Line, Outcome, parse_line};

    use super::*;

    #[test]
    fn the_existing_reader_accepts_probe_records() {
        let record = Record {
            ts: "2026-12-01T10:00:00.123Z".parse().unwrap(),
            session_id: Cow::Borrowed("s"),
            tool: Cow::Borrowed("t"),
            step: Cow::Borrowed("GET /x"),
            ms: 1.5,
            outcome: Outcome::Success,
            measures: perf_record::Measures::new(),
        };
        let fields = ProbeFields {
            service_ms: 1.25,
            lag_ms: None,
            status: Some(200),
            bytes: 2,
            warmup: true,
        };
        let mut line = String::new();
        write_probe_record(&mut line, &record, &fields).unwrap();
        assert!(line.ends_with(",\"phase\":\"warmup\"}\n"), "{line}");
        // A warm-up record reads back as such: kept in the file, out of the statistics.
        let parsed = parse_line(line.trim_end().as_bytes()).unwrap();
        assert_eq!(parsed, Line::Warmup(record.clone()));
        let measured = ProbeFields {
            warmup: false,
            ..fields
        };
        let mut line = String::new();
        write_probe_record(&mut line, &record, &measured).unwrap();
        assert_eq!(
            parse_line(line.trim_end().as_bytes()).unwrap(),
            Line::Record(record)
        );
    }
}
