//! Making every record tell the truth about its outcome.

use crate::parse::KNOWN_FIELDS;
use crate::write::{push_json, push_json_string, write_fields};
use crate::{ErrorKind, Field, FieldMap, Line, LineError, parse_line_with};

/// Normalizes one line; `Ok(None)` for a blank line, the error of [`parse_line`](crate::parse_line) for a bad one.
///
/// - `ok:false` without a reason gets `"errorReason":"unspecified"`;
/// - a record without `ok` but with an integer HTTP `status` from 100 to 599 gets
///   `ok = status < 400` and, for an error without `errorReason`, a reason naming the status
///   (`"http 429 too many requests"`, see [`http_reason`]), as every reader judges it;
/// - an unknown outcome otherwise stays unknown;
/// - the known fields are written in the stable order of [`crate::write_record`] (`err` becomes
///   `errorReason`), followed by every other field, unchanged, in key order.
///
/// ```
/// use perf_record::normalize_line;
///
/// let line = br#"{"ts":"2025-10-21T09:00:01Z","sessionId":"r","tool":"registry","step":"get","ms":131.2,"status":429}"#;
/// assert_eq!(
///     normalize_line(line).unwrap().unwrap(),
///     r#"{"ts":"2025-10-21T09:00:01Z","sessionId":"r","tool":"registry","step":"get","ms":131.2,"ok":false,"errorReason":"http 429 too many requests","status":429}"#
/// );
/// ```
pub fn normalize_line(line: &[u8]) -> Result<Option<String>, LineError> {
    normalize_line_with(line, &FieldMap::default())
}

/// [`normalize_line`] reading each field from its key in `map`: the mapped keys are written
/// under the record's own names (`duration_ms` becomes `ms`; a mapped `status` is kept as it
/// is), and a key that is a field's own name but no longer read is dropped, since the output
/// has its own.
pub fn normalize_line_with(line: &[u8], map: &FieldMap) -> Result<Option<String>, LineError> {
    let mut record = match parse_line_with(line, map)? {
        Line::Blank => return Ok(None),
        Line::Record(record) | Line::Warmup(record) => record,
    };
    let json = line.strip_suffix(b"\r").unwrap_or(line);
    let object: serde_json::Map<String, serde_json::Value> =
        serde_json::from_slice(json).map_err(|error| LineError {
            kind: ErrorKind::MalformedJson,
            field: None,
            column: Some(error.column()),
            detail: format!("cannot keep the other fields: {error}"),
            others: Vec::new(),
        })?;
    // The outcome of a record with an HTTP status and no `ok` was decided by the parser.
    record.outcome = record.outcome.normalized();
    let mut out = String::with_capacity(line.len() + 32);
    write_fields(&mut out, &record);
    for (key, value) in &object {
        let read_as_field = map
            .field_of(key)
            .is_some_and(|field| field != Field::Status);
        if KNOWN_FIELDS.contains(&key.as_str()) || read_as_field {
            continue;
        }
        out.push(',');
        push_json_string(&mut out, key);
        out.push(':');
        push_json(&mut out, value);
    }
    out.push('}');
    Ok(Some(out))
}

/// The reason for an HTTP status: `"http 429 too many requests"`, or `"http 599"` when the
/// status has no standard phrase.
pub fn http_reason(status: u16) -> String {
    match status_phrase(status) {
        Some(phrase) => format!("http {status} {phrase}"),
        None => format!("http {status}"),
    }
}

/// The standard reason phrase (RFC 9110 and the IANA registry), lower case.
fn status_phrase(status: u16) -> Option<&'static str> {
    Some(match status {
        100 => "continue",
        101 => "switching protocols",
        102 => "processing",
        103 => "early hints",
        200 => "ok",
        201 => "created",
        202 => "accepted",
        203 => "non-authoritative information",
        204 => "no content",
        205 => "reset content",
        206 => "partial content",
        207 => "multi-status",
        208 => "already reported",
        226 => "im used",
        300 => "multiple choices",
        301 => "moved permanently",
        302 => "found",
        303 => "see other",
        304 => "not modified",
        305 => "use proxy",
        307 => "temporary redirect",
        308 => "permanent redirect",
        400 => "bad request",
        401 => "unauthorized",
        402 => "payment required",
        403 => "forbidden",
        404 => "not found",
        405 => "method not allowed",
        406 => "not acceptable",
        407 => "proxy authentication required",
        408 => "request timeout",
        409 => "conflict",
        410 => "gone",
        411 => "length required",
        412 => "precondition failed",
        413 => "content too large",
        414 => "uri too long",
        415 => "unsupported media type",
        416 => "range not satisfiable",
        417 => "expectation failed",
        418 => "i'm a teapot",
        421 => "misdirected request",
        422 => "unprocessable content",
        423 => "locked",
        424 => "failed dependency",
        425 => "too early",
        426 => "upgrade required",
        428 => "precondition required",
        429 => "too many requests",
        431 => "request header fields too large",
        451 => "unavailable for legal reasons",
        500 => "internal server error",
        501 => "not implemented",
        502 => "bad gateway",
        503 => "service unavailable",
        504 => "gateway timeout",
        505 => "http version not supported",
        506 => "variant also negotiates",
        507 => "insufficient storage",
        508 => "loop detected",
        510 => "not extended",
        511 => "network authentication required",
        _ => return None,
    })
}

#[cfg(test)]
mod stream_tests {
    use crate::{ErrorKind, ReadConfig, RecordReader};

    const RECORD: &str = r#"{"ts":"2025-10-21T09:00:01Z","sessionId":"r","tool":"registry","step":"get","ms":131.2,"status":429}"#;

    #[test]
    fn normalizes_a_stream_and_counts_every_line() {
        let input = format!("\u{feff}{RECORD}\r\n\nnot json\n{RECORD}");
        let mut reader = RecordReader::new("in.jsonl", input.as_bytes(), ReadConfig::default());
        let mut lines = Vec::new();
        let mut errors = Vec::new();
        while let Some(result) = reader.next_normalized() {
            match result {
                Ok(line) => lines.push(line),
                Err(error) => errors.push(error.to_string()),
            }
        }
        let counts = reader.counts();
        assert_eq!((counts.records, counts.blank, counts.rejected), (2, 1, 1));
        assert!(errors[0].starts_with("in.jsonl:3:"), "{errors:?}");
        assert!(lines[0].contains(r#""ok":false,"errorReason":"http 429 too many requests""#));
    }

    #[test]
    fn an_overlong_line_is_rejected_and_the_next_line_still_read() {
        let input = format!("{}\n{RECORD}\n", "x".repeat(5000));
        let config = ReadConfig {
            max_line_bytes: 1024,
            ..ReadConfig::default()
        };
        let mut reader = RecordReader::new("in", input.as_bytes(), config);
        let first = reader.next_normalized().unwrap().unwrap_err();
        assert_eq!(
            first.as_record_error().unwrap().kind,
            ErrorKind::LineTooLong
        );
        assert!(reader.next_normalized().unwrap().is_ok());
        assert!(reader.next_normalized().is_none());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BASE: &str =
        r#""ts":"2025-10-21T09:00:01Z","sessionId":"r","tool":"t","step":"s","ms":1"#;

    fn normalize(fields: &str) -> String {
        let line = format!("{{{BASE}{fields}}}");
        normalize_line(line.as_bytes()).unwrap().unwrap()
    }

    #[test]
    fn error_without_reason_gets_unspecified() {
        assert_eq!(
            normalize(r#","ok":false"#),
            format!(r#"{{{BASE},"ok":false,"errorReason":"unspecified"}}"#)
        );
    }

    #[test]
    fn status_without_ok_decides_the_outcome() {
        assert_eq!(
            normalize(r#","status":200"#),
            format!(r#"{{{BASE},"ok":true,"status":200}}"#)
        );
        assert_eq!(
            normalize(r#","status":503"#),
            format!(
                r#"{{{BASE},"ok":false,"errorReason":"http 503 service unavailable","status":503}}"#
            )
        );
        assert_eq!(
            normalize(r#","status":599"#),
            format!(r#"{{{BASE},"ok":false,"errorReason":"http 599","status":599}}"#)
        );
    }

    #[test]
    fn status_does_not_override_ok() {
        assert_eq!(
            normalize(r#","ok":true,"status":500"#),
            format!(r#"{{{BASE},"ok":true,"status":500}}"#)
        );
    }

    #[test]
    fn unknown_stays_unknown_and_other_fields_are_kept() {
        assert_eq!(
            normalize(r#","status":"teapot","z":[1,{"a":null}],"a":"x""#),
            format!(r#"{{{BASE},"a":"x","status":"teapot","z":[1,{{"a":null}}]}}"#)
        );
    }

    #[test]
    fn err_alias_becomes_error_reason() {
        assert_eq!(
            normalize(r#","ok":false,"err":"boom""#),
            format!(r#"{{{BASE},"ok":false,"errorReason":"boom"}}"#)
        );
    }

    #[test]
    fn blank_and_bad_lines() {
        assert_eq!(normalize_line(b"  "), Ok(None));
        let error = normalize_line(br#"{"ms":1}"#).unwrap_err();
        assert_eq!(error.kind, ErrorKind::MissingField);
    }
}
