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
    let start = line.len();
    push_record(line, record)?;
    // `push_record` always closes the object with `}\n`; reopen it to append our fields.
    line.truncate(line.len() - "}\n".len());
    line.push_str(",\"serviceMs\":");
    if fields.service_ms.to_bits() == record.ms.to_bits() {
        // The closed model's `serviceMs` is its `ms`: copy the digits instead of formatting
        // the same number twice (a third of the record's cost).
        push_copy_of_ms(line, start, fields.service_ms);
    } else {
        push_number(line, fields.service_ms);
    }
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

/// Appends the digits of the `ms` field of the record that starts at `start` in `line`, when
/// perf-record wrote them as [`push_number`] would (its plain form, for values in
/// `1e-5..1e15` or zero); otherwise formats `value`. The field is found by its key: the string
/// fields before it escape every `"`, so `,"ms":` occurs only as the key.
fn push_copy_of_ms(line: &mut String, start: usize, value: f64) {
    let plain = value == 0.0 || (1e-5..1e15).contains(&value);
    let digits = line.get(start..).and_then(|record| {
        let from = record.find(",\"ms\":")? + ",\"ms\":".len();
        let length = record.get(from..)?.find(',')?;
        Some((start + from, length))
    });
    let mut copy = [0u8; 32];
    match digits {
        Some((from, length)) if plain && length <= copy.len() => {
            copy[..length].copy_from_slice(&line.as_bytes()[from..from + length]);
            // The bytes are ASCII digits and `.` copied from a `str`.
            match std::str::from_utf8(&copy[..length]) {
                Ok(text) => line.push_str(text),
                Err(_) => push_number(line, value),
            }
        }
        _ => push_number(line, value),
    }
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
    fn a_service_time_equal_to_ms_is_written_as_if_formatted() {
        for value in [
            0.0,
            1.0,
            0.125,
            12.345_678_9,
            1e-6,
            3e-5,
            123_456.789_012,
            9.99e11,
        ] {
            let record = Record {
                ts: "2026-12-01T10:00:00.123Z".parse().unwrap(),
                session_id: Cow::Borrowed("s,\"ms\":7,"),
                tool: Cow::Borrowed("t"),
                step: Cow::Borrowed("GET /x?\"ms\":9,"),
                ms: value,
                outcome: Outcome::Success,
                measures: perf_record::Measures::new(),
            };
            let fields = ProbeFields {
                service_ms: value,
                lag_ms: None,
                status: Some(200),
                bytes: 2,
                warmup: false,
            };
            let mut line = String::from("an earlier line\n");
            write_probe_record(&mut line, &record, &fields).unwrap();
            assert!(
                line.contains(&format!(",\"serviceMs\":{value},")),
                "{value}: {line}"
            );
            let value_back: serde_json::Value =
                serde_json::from_str(line.lines().nth(1).unwrap()).unwrap();
            assert_eq!(value_back["serviceMs"].as_f64(), Some(value));
            assert_eq!(value_back["ms"].as_f64(), Some(value));
        }
    }

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
