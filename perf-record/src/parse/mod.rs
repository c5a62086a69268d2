//! Parsing one line into a [`Record`]: a fast scanner for the common flat shape, the
//! serde_json reference parser for everything else and for every error.

mod fast;
mod reference;

use std::borrow::Cow;

use crate::{ErrorKind, Line, LineError, Outcome, Record};

/// Parses one line (without its `\n`; a trailing `\r` is accepted).
///
/// Blank lines (empty or only JSON white space) give [`Line::Blank`]. Strings without escapes
/// are borrowed from `line`, so a typical record costs no allocation. Fields other than the
/// known ones are allowed and ignored; `null` for an optional field (`ok`, `errorReason`, `err`)
/// means the field is absent; `errorReason` wins over its alias `err` when both are present; a
/// known field that appears twice is rejected.
///
/// ```
/// use perf_record::{parse_line, Line, Outcome};
///
/// let line = br#"{"ts":"2025-10-16T23:34:46.422Z","sessionId":"s1","tool":"wsap","step":"import","ms":24.723,"ok":true}"#;
/// let Ok(Line::Record(record)) = parse_line(line) else { panic!("valid line") };
/// assert_eq!(record.tool, "wsap");
/// assert_eq!(record.ms, 24.723);
/// assert_eq!(record.outcome, Outcome::Success);
///
/// let error = parse_line(br#"{"ts":"2025-10-16T23:34:46Z","sessionId":"s1","tool":"t","step":"s","ms":-3.5}"#)
///     .unwrap_err();
/// assert_eq!(error.to_string(), r#"field "ms": negative value -3.5"#);
/// ```
pub fn parse_line(line: &[u8]) -> Result<Line<'_>, LineError> {
    let text = line_text(line)?;
    if is_blank(text) {
        return Ok(Line::Blank);
    }
    if let Some((record, phase)) = fast::parse_record(text) {
        return Ok(phase.line(record));
    }
    reference::parse_record(text).map(|(record, phase)| phase.line(record))
}

/// The value of `phase` that marks a warm-up record.
pub(crate) const WARMUP: &str = "warmup";

/// Whether a record was measured or written during a warm-up (`"phase": "warmup"`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) enum Phase {
    #[default]
    Measured,
    Warmup,
}

impl Phase {
    fn line(self, record: Record<'_>) -> Line<'_> {
        match self {
            Phase::Measured => Line::Record(record),
            Phase::Warmup => Line::Warmup(record),
        }
    }
}

/// [`parse_line`] for a line the caller knows is not blank (it would be malformed JSON).
pub(crate) fn parse_non_blank(line: &[u8]) -> Result<Record<'_>, LineError> {
    let text = line_text(line)?;
    if let Some((record, _)) = fast::parse_record(text) {
        return Ok(record);
    }
    reference::parse_record(text).map(|(record, _)| record)
}

/// Parses one line with the serde_json reference parser only, skipping the fast scanner.
///
/// It gives exactly the same results as [`parse_line`], only slower. It exists so that the
/// agreement of the two parsers can be tested and their speed compared; use [`parse_line`].
pub fn parse_line_reference(line: &[u8]) -> Result<Line<'_>, LineError> {
    let text = line_text(line)?;
    if is_blank(text) {
        return Ok(Line::Blank);
    }
    reference::parse_record(text).map(|(record, phase)| phase.line(record))
}

/// The record's field names in their stable output order, plus the `err` alias (read as
/// `errorReason`): the fields the parser reads and the writer emits itself.
pub(crate) const KNOWN_FIELDS: [&str; 8] = [
    "ts",
    "sessionId",
    "tool",
    "step",
    "ms",
    "ok",
    "errorReason",
    "err",
];

/// Removes one trailing `\r` and checks UTF-8.
fn line_text(line: &[u8]) -> Result<&str, LineError> {
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    std::str::from_utf8(line).map_err(|error| LineError {
        kind: ErrorKind::InvalidUtf8,
        field: None,
        column: Some(error.valid_up_to() + 1),
        detail: format!(
            "invalid UTF-8 byte 0x{:02x}",
            line.get(error.valid_up_to()).copied().unwrap_or(0)
        ),
    })
}

/// JSON white space only (not every ASCII white space: a form feed is not blank).
fn is_blank(text: &str) -> bool {
    is_blank_bytes(text.as_bytes())
}

/// [`is_blank`] on bytes.
pub(crate) fn is_blank_bytes(bytes: &[u8]) -> bool {
    bytes
        .iter()
        .all(|byte| matches!(byte, b' ' | b'\t' | b'\r' | b'\n'))
}

/// A field-level problem before its column is known.
pub(crate) struct FieldError {
    pub(crate) kind: ErrorKind,
    pub(crate) field: Option<&'static str>,
    pub(crate) detail: String,
}

impl FieldError {
    pub(crate) fn new(kind: ErrorKind, field: &'static str, detail: String) -> Self {
        FieldError {
            kind,
            field: Some(field),
            detail,
        }
    }

    pub(crate) fn at(self, column: Option<usize>) -> LineError {
        LineError {
            kind: self.kind,
            field: self.field,
            column,
            detail: self.detail,
        }
    }
}

/// Checks `ms` and turns `-0` into `0` so that every zero is written the same way.
pub(crate) fn validate_ms(ms: f64) -> Result<f64, FieldError> {
    if !ms.is_finite() {
        return Err(FieldError::new(
            ErrorKind::NonFiniteMs,
            "ms",
            format!("value {ms} is not finite"),
        ));
    }
    if ms < 0.0 {
        return Err(FieldError::new(
            ErrorKind::NegativeMs,
            "ms",
            format!("negative value {ms}"),
        ));
    }
    Ok(ms + 0.0)
}

/// Checks that a required string is not empty.
pub(crate) fn validate_required<'a>(
    field: &'static str,
    text: Cow<'a, str>,
) -> Result<Cow<'a, str>, FieldError> {
    if text.is_empty() {
        return Err(FieldError::new(
            ErrorKind::EmptyString,
            field,
            "must not be empty".to_owned(),
        ));
    }
    Ok(text)
}

/// The tri-state outcome from `ok` and the reason; an empty reason counts as no reason.
pub(crate) fn outcome<'a>(ok: Option<bool>, reason: Option<Cow<'a, str>>) -> Outcome<'a> {
    match ok {
        Some(true) => Outcome::Success,
        Some(false) => Outcome::Error(reason.filter(|reason| !reason.is_empty())),
        None => Outcome::Unknown,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_summary_record_is_rejected_with_its_reason_by_both_parsers() {
        let line = r#"{"kind":"summary","rawSamples":false,"ts":"2025-10-21T09:00:01Z","sessionId":"k6","tool":"t","step":"s","count":300,"percentiles":{"p95":91.7}}"#;
        let with_ms = r#"{"ts":"2025-10-21T09:00:01Z","sessionId":"k6","tool":"t","step":"s","ms":1,"kind":"summary"}"#;
        for text in [line, with_ms] {
            let fast = parse_line(text.as_bytes()).unwrap_err();
            assert_eq!(fast, parse_line_reference(text.as_bytes()).unwrap_err());
            assert_eq!(fast.kind, ErrorKind::SummaryRecord, "{text}");
            assert!(fast.detail.contains("--from"), "{}", fast.detail);
        }
    }

    #[test]
    fn a_warmup_phase_marks_the_line_in_both_parsers() {
        let base = r#"{"ts":"2025-10-21T09:00:01Z","sessionId":"p","tool":"t","step":"s","ms":1.5,"ok":true"#;
        for (extra, warmup) in [
            (r#","phase":"warmup"}"#, true),
            (r#","phase":"warm\u0075p"}"#, true),
            (r#","phase":"measure"}"#, false),
            (r#","phase":1}"#, false),
            (r#","phase":{"a":"warmup"}}"#, false),
            (r#","phase":"measure","phase":"warmup"}"#, true),
            (r#","x":"warmup"}"#, false),
            (r#","kind":"sample"}"#, false),
            (r#","kind":7}"#, false),
            ("}", false),
        ] {
            let line = format!("{base}{extra}");
            let fast = parse_line(line.as_bytes()).unwrap();
            let reference = parse_line_reference(line.as_bytes()).unwrap();
            assert_eq!(fast, reference, "{line}");
            assert_eq!(matches!(fast, Line::Warmup(_)), warmup, "{line}");
        }
    }

    const VALID: &str = r#"{"ts":"2025-10-16T23:34:46.422Z","sessionId":"wsap-1","tool":"wsap","step":"import","ms":24.723,"ok":true}"#;

    fn record(line: &str) -> Record<'_> {
        match parse_line(line.as_bytes()) {
            Ok(Line::Record(record)) => record,
            other => panic!("expected a record from {line}, got {other:?}"),
        }
    }

    fn parse_error(line: &[u8]) -> LineError {
        match parse_line(line) {
            Err(error) => error,
            Ok(other) => panic!("expected an error, got {other:?}"),
        }
    }

    #[test]
    fn parses_the_issue_examples() {
        let first = record(VALID);
        assert_eq!(first.ts.to_string(), "2025-10-16T23:34:46.422Z");
        assert_eq!(first.session_id, "wsap-1");
        assert_eq!((&*first.tool, &*first.step), ("wsap", "import"));
        assert_eq!(first.ms, 24.723);
        assert_eq!(first.outcome, Outcome::Success);
        let second = record(
            r#"{"ts":"2025-10-21T09:00:01.000Z","sessionId":"reg-1","tool":"registry","step":"registry_get","ms":131.2,"ok":false,"errorReason":"http 429 too many requests"}"#,
        );
        assert_eq!(
            second.outcome,
            Outcome::Error(Some(Cow::Borrowed("http 429 too many requests")))
        );
    }

    #[test]
    fn borrows_unescaped_strings() {
        let record = record(VALID);
        assert!(matches!(record.session_id, Cow::Borrowed(_)));
        assert!(matches!(record.tool, Cow::Borrowed(_)));
    }

    #[test]
    fn missing_ok_is_unknown_and_err_is_an_alias() {
        let unknown =
            record(r#"{"ts":"2025-10-16T23:34:46Z","sessionId":"s","tool":"t","step":"x","ms":1}"#);
        assert_eq!(unknown.outcome, Outcome::Unknown);
        let alias = record(
            r#"{"ts":"2025-10-16T23:34:46Z","sessionId":"s","tool":"t","step":"x","ms":1,"ok":false,"err":"boom"}"#,
        );
        assert_eq!(alias.outcome, Outcome::Error(Some(Cow::Borrowed("boom"))));
        let both = record(
            r#"{"ts":"2025-10-16T23:34:46Z","sessionId":"s","tool":"t","step":"x","ms":1,"ok":false,"err":"alias","errorReason":"main"}"#,
        );
        assert_eq!(both.outcome, Outcome::Error(Some(Cow::Borrowed("main"))));
        let null_ok = record(
            r#"{"ts":"2025-10-16T23:34:46Z","sessionId":"s","tool":"t","step":"x","ms":1,"ok":null,"errorReason":null}"#,
        );
        assert_eq!(null_ok.outcome, Outcome::Unknown);
    }

    #[test]
    fn accepts_escapes_extra_fields_white_space_and_crlf() {
        let record = record(
            "{ \"ts\": \"2025-10-16T23:34:46+02:00\", \"sessionId\": \"s\\u00e9\", \"tool\": \"t\\\"q\", \"step\": \"x\", \"ms\": 1e2, \"extra\": {\"a\": [1, 2]} }\r",
        );
        assert_eq!(record.ts.to_string(), "2025-10-16T21:34:46Z");
        assert_eq!(record.session_id, "s\u{e9}");
        assert_eq!(record.tool, "t\"q");
        assert_eq!(record.ms, 100.0);
    }

    #[test]
    fn blank_lines_are_blank() {
        for line in ["", "   ", "\t \r", "\r"] {
            assert_eq!(parse_line(line.as_bytes()), Ok(Line::Blank), "{line:?}");
        }
    }

    #[test]
    fn rejects_malformed_json_with_column() {
        let error = parse_error(br#"{"ts":"2025-10-16T23:34:46Z","ms":}"#);
        assert_eq!(error.kind, ErrorKind::MalformedJson);
        assert_eq!(error.column, Some(35));
        assert_eq!(error.field, None);
        assert_eq!(parse_error(b"[1,2]").kind, ErrorKind::MalformedJson);
        assert_eq!(parse_error(b"{} trailing").kind, ErrorKind::MalformedJson);
        assert_eq!(parse_error(b"\x0c").kind, ErrorKind::MalformedJson);
    }

    #[test]
    fn rejects_duplicate_known_fields() {
        let error = parse_error(
            br#"{"ts":"2025-10-16T23:34:46Z","sessionId":"s","tool":"t","step":"x","ms":1,"ms":2}"#,
        );
        assert_eq!(
            (error.kind, error.field),
            (ErrorKind::MalformedJson, Some("ms"))
        );
    }

    #[test]
    fn rejects_missing_fields_naming_the_first_missing_one() {
        let error =
            parse_error(br#"{"ts":"2025-10-16T23:34:46Z","sessionId":"s","step":"x","ms":1}"#);
        assert_eq!(
            (error.kind, error.field),
            (ErrorKind::MissingField, Some("tool"))
        );
        assert_eq!(
            error.to_string(),
            r#"field "tool": required field is missing"#
        );
    }

    #[test]
    fn rejects_wrong_types() {
        let error = parse_error(
            br#"{"ts":"2025-10-16T23:34:46Z","sessionId":"s","tool":"t","step":"x","ms":"12"}"#,
        );
        assert_eq!(
            (error.kind, error.field),
            (ErrorKind::WrongType, Some("ms"))
        );
        assert_eq!(error.detail, "expected a number, found a string");
        let error = parse_error(br#"{"ts":"2025-10-16T23:34:46Z","sessionId":"s","tool":"t","step":"x","ms":1,"ok":"yes"}"#);
        assert_eq!(
            (error.kind, error.field),
            (ErrorKind::WrongType, Some("ok"))
        );
        let error = parse_error(br#"{"ts":1,"sessionId":"s","tool":"t","step":"x","ms":1}"#);
        assert_eq!(
            (error.kind, error.field),
            (ErrorKind::WrongType, Some("ts"))
        );
    }

    #[test]
    fn rejects_empty_required_strings() {
        let error = parse_error(
            br#"{"ts":"2025-10-16T23:34:46Z","sessionId":"","tool":"t","step":"x","ms":1}"#,
        );
        assert_eq!(
            (error.kind, error.field),
            (ErrorKind::EmptyString, Some("sessionId"))
        );
    }

    #[test]
    fn rejects_negative_ms() {
        let error = parse_error(
            br#"{"ts":"2025-10-16T23:34:46Z","sessionId":"s","tool":"t","step":"x","ms":-3.5}"#,
        );
        assert_eq!(
            (error.kind, error.field),
            (ErrorKind::NegativeMs, Some("ms"))
        );
        assert_eq!(error.to_string(), r#"field "ms": negative value -3.5"#);
        assert!(error.column.is_some());
    }

    #[test]
    fn negative_zero_is_zero() {
        let record = record(
            r#"{"ts":"2025-10-16T23:34:46Z","sessionId":"s","tool":"t","step":"x","ms":-0.0}"#,
        );
        assert!(record.ms == 0.0 && record.ms.is_sign_positive());
    }

    #[test]
    fn rejects_ms_out_of_range() {
        let error = parse_error(
            br#"{"ts":"2025-10-16T23:34:46Z","sessionId":"s","tool":"t","step":"x","ms":1e400}"#,
        );
        assert_eq!(
            (error.kind, error.field),
            (ErrorKind::MsOutOfRange, Some("ms"))
        );
        // Other fields are only checked for JSON grammar, so a huge number there is fine.
        let error = parse_error(br#"{"other":1e400}"#);
        assert_eq!(error.kind, ErrorKind::MissingField);
    }

    #[test]
    fn non_finite_ms_is_rejected_by_validation() {
        // JSON cannot spell NaN; records built in code are checked by `validate`.
        let error = validate_ms(f64::NAN).err().map(|error| error.kind);
        assert_eq!(error, Some(ErrorKind::NonFiniteMs));
        assert_eq!(error_kind(br#"{"ms":NaN}"#), ErrorKind::MalformedJson);
    }

    fn error_kind(line: &[u8]) -> ErrorKind {
        parse_error(line).kind
    }

    #[test]
    fn rejects_bad_timestamps() {
        for ts in [
            "2025-10-16",
            "2025-10-16T23:34:46",
            "2025-02-30T00:00:00Z",
            "yesterday",
        ] {
            let line = format!(r#"{{"ts":"{ts}","sessionId":"s","tool":"t","step":"x","ms":1}}"#);
            let error = parse_error(line.as_bytes());
            assert_eq!(
                (error.kind, error.field),
                (ErrorKind::BadTimestamp, Some("ts")),
                "{ts}"
            );
        }
    }

    #[test]
    fn rejects_invalid_utf8_with_column() {
        let error = parse_error(b"{\"ts\":\"\xff\"}");
        assert_eq!(
            (error.kind, error.column),
            (ErrorKind::InvalidUtf8, Some(8))
        );
        assert_eq!(error.detail, "invalid UTF-8 byte 0xff");
    }

    #[test]
    fn reference_parser_agrees_on_examples() {
        for line in [VALID, r#"{"ms":-1}"#, "", "nope"] {
            assert_eq!(
                parse_line(line.as_bytes()),
                parse_line_reference(line.as_bytes())
            );
        }
    }
}
