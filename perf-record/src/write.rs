//! Writing records as compact JSONL in a stable field order.

use std::io::{self, Write};

use crate::{Outcome, Record};

/// Writes one record as a compact JSON line ending in `\n`.
///
/// Fields come in the order `ts, sessionId, tool, step, ms, ok, errorReason`; `ok` is left out
/// for an unknown outcome and `errorReason` when there is none. `ts` is written in UTC with
/// the shortest exact fraction, `ms` with the shortest digits that read back to the same `f64`,
/// so [`crate::parse_line`] gives back an equal record. A record that breaks the schema (empty
/// string, negative or non-finite `ms`) is refused with [`io::ErrorKind::InvalidInput`] and
/// nothing is written.
///
/// ```
/// use perf_record::{parse_line, write_record, Line};
///
/// let line = br#"{"sessionId":"s1","ms":24.723,"ts":"2025-10-16T23:34:46.422+00:00","step":"import","tool":"wsap","ok":true,"extra":1}"#;
/// let Ok(Line::Record(record)) = parse_line(line) else { panic!("valid line") };
/// let mut out = Vec::new();
/// write_record(&mut out, &record).unwrap();
/// assert_eq!(
///     String::from_utf8(out).unwrap(),
///     "{\"ts\":\"2025-10-16T23:34:46.422Z\",\"sessionId\":\"s1\",\"tool\":\"wsap\",\"step\":\"import\",\"ms\":24.723,\"ok\":true}\n"
/// );
/// ```
pub fn write_record<W: Write>(out: &mut W, record: &Record<'_>) -> io::Result<()> {
    let mut line = record_to_line(record)?;
    line.push('\n');
    out.write_all(line.as_bytes())
}

/// The record as one compact JSON object without a line ending (see [`write_record`]).
pub fn record_to_line(record: &Record<'_>) -> io::Result<String> {
    record
        .validate()
        .map_err(|error| io::Error::new(io::ErrorKind::InvalidInput, error))?;
    let mut line = String::with_capacity(128);
    write_fields(&mut line, record);
    line.push('}');
    Ok(line)
}

/// Writes `{` and the known fields, without the closing `}`, so callers can append more.
pub(crate) fn write_fields(line: &mut String, record: &Record<'_>) {
    use std::fmt::Write as _;
    line.push_str("{\"ts\":\"");
    // Writing into a `String` cannot fail.
    let _ = write!(line, "{}", record.ts);
    line.push_str("\",\"sessionId\":");
    push_json_string(line, &record.session_id);
    line.push_str(",\"tool\":");
    push_json_string(line, &record.tool);
    line.push_str(",\"step\":");
    push_json_string(line, &record.step);
    line.push_str(",\"ms\":");
    push_ms(line, record.ms);
    match &record.outcome {
        Outcome::Success => line.push_str(",\"ok\":true"),
        Outcome::Error(reason) => {
            line.push_str(",\"ok\":false");
            if let Some(reason) = reason {
                line.push_str(",\"errorReason\":");
                push_json_string(line, reason);
            }
        }
        Outcome::Unknown => {}
    }
}

/// Appends `ms` with the shortest digits that read back exactly: plain decimals (`24.723`,
/// `1`) in the usual range, serde_json's exponent form (`1e-7`, `1e300`) outside it.
fn push_ms(line: &mut String, ms: f64) {
    use std::fmt::Write as _;
    if ms == 0.0 || (1e-5..1e15).contains(&ms) {
        let _ = write!(line, "{ms}");
    } else {
        push_json(line, &ms);
    }
}

/// Appends a JSON string with serde_json's escaping. serde_json escapes only `"`, `\\` and
/// control characters below U+0020, so a string without them is copied as it is (the common
/// case, without serde_json's intermediate allocation).
pub(crate) fn push_json_string(line: &mut String, text: &str) {
    if text
        .bytes()
        .all(|byte| byte >= 0x20 && byte != b'"' && byte != b'\\')
    {
        line.reserve(text.len() + 2);
        line.push('"');
        line.push_str(text);
        line.push('"');
    } else {
        push_json(line, text);
    }
}

/// Appends any value serde_json can write; the values used here (strings, finite numbers,
/// JSON values) cannot fail to serialize, and a failure would leave the line unchanged.
pub(crate) fn push_json<T: serde::Serialize + ?Sized>(line: &mut String, value: &T) {
    if let Ok(text) = serde_json::to_string(value) {
        line.push_str(&text);
    }
}

#[cfg(test)]
mod tests {
    use std::borrow::Cow;

    use super::*;
    use crate::{Line, parse_line};

    fn sample() -> Record<'static> {
        Record {
            ts: "2025-10-21T09:00:01+02:00".parse().unwrap(),
            session_id: Cow::Borrowed("reg-1"),
            tool: Cow::Borrowed("registry"),
            step: Cow::Borrowed("get \"x\"\n"),
            ms: 131.2,
            outcome: Outcome::Error(Some(Cow::Borrowed("http 429 too many requests"))),
        }
    }

    #[test]
    fn writes_stable_field_order_and_escapes() {
        assert_eq!(
            record_to_line(&sample()).unwrap(),
            r#"{"ts":"2025-10-21T07:00:01Z","sessionId":"reg-1","tool":"registry","step":"get \"x\"\n","ms":131.2,"ok":false,"errorReason":"http 429 too many requests"}"#
        );
    }

    #[test]
    fn leaves_out_ok_for_unknown_and_reason_when_absent() {
        let mut record = sample();
        record.outcome = Outcome::Unknown;
        assert!(!record_to_line(&record).unwrap().contains("\"ok\""));
        record.outcome = Outcome::Error(None);
        assert!(record_to_line(&record).unwrap().ends_with(r#""ok":false}"#));
    }

    #[test]
    fn written_line_reads_back_equal() {
        let line = record_to_line(&sample()).unwrap();
        assert_eq!(parse_line(line.as_bytes()), Ok(Line::Record(sample())));
    }

    #[test]
    fn strings_are_escaped_exactly_as_serde_json_does() {
        for text in [
            "plain",
            "",
            "caf\u{e9} \u{1f600}",
            "quote\"",
            "back\\slash",
            "tab\t",
            "nul\0",
            "\u{1f}",
            "\u{7f}",
            "line\u{2028}sep",
            "</script>",
        ] {
            let mut line = String::new();
            push_json_string(&mut line, text);
            assert_eq!(line, serde_json::to_string(text).unwrap(), "{text:?}");
        }
    }

    #[test]
    fn refuses_invalid_records() {
        let mut record = sample();
        record.ms = f64::INFINITY;
        let error = record_to_line(&record).unwrap_err();
        assert_eq!(error.kind(), io::ErrorKind::InvalidInput);
        assert!(error.to_string().contains("not finite"), "{error}");
        let mut out = Vec::new();
        record.ms = 1.0;
        record.tool = Cow::Borrowed("");
        assert!(write_record(&mut out, &record).is_err());
        assert!(out.is_empty());
    }
}
