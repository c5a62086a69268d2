//! Parsing one line into a [`Record`]: a fast scanner for the common flat shape, the
//! serde_json reference parser for everything else and for every error.

mod fast;
mod reference;

/// The SWAR search for a byte a JSON string must escape, shared with the writer.
pub(crate) use fast::string_end;

use std::borrow::Cow;

use crate::fields::IDENTITY;
use crate::{ErrorKind, Field, FieldMap, Line, LineError, Outcome, Record};

/// Parses one line (without its `\n`; a trailing `\r` is accepted).
///
/// Blank lines (empty or only JSON white space) give [`Line::Blank`]. Strings without escapes
/// are borrowed from `line`, so a typical record costs no allocation. Fields other than the
/// known ones are allowed and ignored; `null` for an optional field (`sessionId`, `ok`,
/// `errorReason`, `err`) means the field is absent; `errorReason` wins over its alias `err` when
/// both are present; a known field that appears twice is rejected. `ts` is RFC 3339 with an
/// offset, or epoch time as a number (or a string of digits): below 10^11 seconds, from 10^11
/// to below 10^14 milliseconds, read to the microsecond. A record without `ok` but with an HTTP
/// `status` (an integer from 100 to 599) is a success below 400 and an error from 400, its reason
/// the `errorReason` or else the status (`http 503 service unavailable`). A rejected line's error
/// names every problem of the line.
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
/// let service = br#"{"ts":1760657686.422,"tool":"api","step":"get_cart","ms":12,"status":503}"#;
/// let Ok(Line::Record(record)) = parse_line(service) else { panic!("valid line") };
/// assert_eq!(record.ts.to_string(), "2025-10-16T23:34:46.422Z");
/// assert_eq!(record.session_id, "");
/// assert_eq!(record.outcome, Outcome::Error(Some("http 503 service unavailable".into())));
///
/// let error = parse_line(br#"{"ts":"2025-10-16T23:34:46Z","sessionId":"s1","tool":"t","step":"s","ms":-3.5}"#)
///     .unwrap_err();
/// assert_eq!(error.to_string(), r#"field "ms": negative value -3.5"#);
/// let error = parse_line(br#"{"step":"s","ms":"12"}"#).unwrap_err();
/// assert_eq!(error.to_string(), "missing ts, tool; ms: expected a number, found a string");
/// ```
pub fn parse_line(line: &[u8]) -> Result<Line<'_>, LineError> {
    parse_text(line_text(line)?, &IDENTITY)
}

/// [`parse_line`] reading each field from its key in `map` (`--field ms=duration_ms`).
pub fn parse_line_with<'a>(line: &'a [u8], map: &FieldMap) -> Result<Line<'a>, LineError> {
    parse_text(line_text(line)?, map)
}

/// [`parse_line_with`] for a line that is already known to be UTF-8 (a reader that checked a
/// whole block of lines at once, which costs a third of checking each line): the same result
/// for the same line, without checking it again.
// Inline: the caller's match then reads the record where it was built, without moving it.
#[inline]
pub fn parse_text_with<'a>(line: &'a str, map: &FieldMap) -> Result<Line<'a>, LineError> {
    parse_text(line.strip_suffix('\r').unwrap_or(line), map)
}

/// Parses a line without its `\r`, checked to be UTF-8.
fn parse_text<'a>(text: &'a str, map: &FieldMap) -> Result<Line<'a>, LineError> {
    if is_blank(text) {
        return Ok(Line::Blank);
    }
    let fast = if map.is_identity() {
        fast::parse_line::<false>(text, map)
    } else {
        mapped_fast_line(text, map)
    };
    if let Some(line) = fast {
        return Ok(line);
    }
    reference::parse_record(text, map).map(|(record, phase)| phase.line(record))
}

/// The fast scanner under a field mapping, out of line: [`parse_text`] holds one inlined
/// scanner, the unmapped one.
#[inline(never)]
fn mapped_fast_line<'a>(text: &'a str, map: &FieldMap) -> Option<Line<'a>> {
    fast::parse_line::<true>(text, map)
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
    #[inline(always)]
    pub(crate) fn line(self, record: Record<'_>) -> Line<'_> {
        match self {
            Phase::Measured => Line::Record(record),
            Phase::Warmup => Line::Warmup(record),
        }
    }
}

/// [`parse_line_with`] for a line the caller knows is not blank (it would be malformed JSON).
pub(crate) fn parse_non_blank<'a>(line: &'a [u8], map: &FieldMap) -> Result<Record<'a>, LineError> {
    let text = line_text(line)?;
    let fast = if map.is_identity() {
        fast::parse_record::<false>(text, map)
    } else {
        fast::parse_record::<true>(text, map)
    };
    if let Some(record) = fast {
        return Ok(record);
    }
    reference::parse_record(text, map).map(|(record, _)| record)
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
    reference::parse_record(text, &IDENTITY).map(|(record, phase)| phase.line(record))
}

/// [`parse_line_with`] with the serde_json reference parser only (see [`parse_line_reference`]).
pub fn parse_line_reference_with<'a>(
    line: &'a [u8],
    map: &FieldMap,
) -> Result<Line<'a>, LineError> {
    let text = line_text(line)?;
    if is_blank(text) {
        return Ok(Line::Blank);
    }
    reference::parse_record(text, map).map(|(record, phase)| phase.line(record))
}

/// The record's field names in their stable output order, plus the `err` alias (read as
/// `errorReason`): the fields the parser reads and the writer emits itself.
pub(crate) const KNOWN_FIELDS: [&str; 9] = [
    "ts",
    "sessionId",
    "tool",
    "step",
    "ms",
    "ok",
    "errorReason",
    "err",
    "measures",
];

/// The keys the parsers read, by index: the known fields, then `status` (kept by `normalize`
/// as an other field, so not in [`KNOWN_FIELDS`]), then `measures` (never mapped).
pub(crate) const READ_FIELDS: [&str; 10] = [
    "ts",
    "sessionId",
    "tool",
    "step",
    "ms",
    "ok",
    "errorReason",
    "err",
    "status",
    "measures",
];

/// An index into [`READ_FIELDS`].
pub(crate) type ReadField = usize;

/// The index of the `err` alias in [`READ_FIELDS`].
pub(crate) const ERR_ALIAS: ReadField = 7;

/// The index of `measures` in [`READ_FIELDS`].
pub(crate) const MEASURES: ReadField = 9;

/// The index of a mappable field in [`READ_FIELDS`].
pub(crate) fn read_index(field: Field) -> ReadField {
    match field {
        Field::Ts => 0,
        Field::SessionId => 1,
        Field::Tool => 2,
        Field::Step => 3,
        Field::Ms => 4,
        Field::Ok => 5,
        Field::ErrorReason => 6,
        Field::Status => 8,
    }
}

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
        others: Vec::new(),
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
            others: Vec::new(),
        }
    }
}

/// Checks `ms` (finite, from 0 to [`crate::MAX_MS`]) and turns `-0` into `0` so that every zero is written the same way.
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
    if ms > crate::MAX_MS {
        return Err(FieldError::new(
            ErrorKind::MsOutOfRange,
            "ms",
            format!("value {ms} is above the maximum 1e12 (about 31.7 years)"),
        ));
    }
    Ok(ms + 0.0)
}

/// A problem of the `measures` field (the measure it concerns is named in the detail).
pub(crate) fn measure_problem(error: &crate::MeasureError) -> FieldError {
    FieldError::new(ErrorKind::InvalidMeasure, "measures", error.to_string())
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

/// The tri-state outcome from `ok`, the reason and an HTTP `status`; an empty reason counts as
/// no reason. Without `ok`, a status from 100 to 399 is a success and one from 400 to 599 an
/// error whose reason (unless given) names the status; any other number is no HTTP status.
// Inlined, with the status out of line: the common `ok` records pay only for the `ok` match.
#[inline(always)]
pub(crate) fn outcome<'a>(
    ok: Option<bool>,
    reason: Option<Cow<'a, str>>,
    status: Option<u64>,
) -> Outcome<'a> {
    match (ok, status) {
        (Some(true), _) => Outcome::Success,
        (Some(false), _) => Outcome::Error(reason.filter(|reason| !reason.is_empty())),
        (None, None) => Outcome::Unknown,
        (None, Some(status)) => status_outcome(status, reason),
    }
}

/// The outcome of a record without `ok` from its HTTP status (see [`outcome`]).
#[inline(never)]
fn status_outcome(status: u64, reason: Option<Cow<'_, str>>) -> Outcome<'_> {
    match status {
        100..=399 => Outcome::Success,
        400..=599 => Outcome::Error(Some(
            reason
                .filter(|reason| !reason.is_empty())
                .unwrap_or_else(|| Cow::Owned(crate::http_reason(status as u16))),
        )),
        _ => Outcome::Unknown,
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
    fn parse_text_with_gives_what_parse_line_with_gives() {
        let mapped = FieldMap::from_mappings(["ms=duration_ms".parse().unwrap()]).unwrap();
        let lines = [
            r#"{"ts":"2025-10-16T23:34:46.422Z","sessionId":"s1","tool":"t","step":"s","ms":24.7,"ok":true}"#,
            "{\"ts\":\"2025-10-16T23:34:46Z\",\"tool\":\"t\",\"step\":\"s\",\"ms\":1}\r",
            "{\"ts\":\"2025-10-16T23:34:46Z\",\"tool\":\"t\",\"step\":\"s\",\"ms\":1}\r\r",
            r#"{"ts":"2025-10-16T23:34:46Z","tool":"t","step":"s","duration_ms":3}"#,
            r#"{"ts":"2025-10-17T00:00:00Z","tool":"caf\u00e9","step":"s","ms":2,"ok":false,"err":"x"}"#,
            r#"{"step":"s","ms":"12"}"#,
            "  \t",
            "\r",
            "",
            "[1,",
        ];
        for line in lines {
            for map in [&FieldMap::default(), &mapped] {
                assert_eq!(
                    format!("{:?}", parse_text_with(line, map)),
                    format!("{:?}", parse_line_with(line.as_bytes(), map)),
                    "{line:?}"
                );
            }
        }
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
    fn rejects_missing_fields_naming_the_first_missing_one_first() {
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

    /// Both parsers' answer, checked to be the same.
    fn both(line: &str, map: &FieldMap) -> Result<Line<'static>, LineError> {
        let fast = parse_line_with(line.as_bytes(), map);
        let reference = parse_line_reference_with(line.as_bytes(), map);
        assert_eq!(fast, reference, "{line}");
        fast.map(|line| match line {
            Line::Record(record) => Line::Record(record.into_owned()),
            Line::Warmup(record) => Line::Warmup(record.into_owned()),
            Line::Blank => Line::Blank,
        })
    }

    fn both_record(line: &str, map: &FieldMap) -> Record<'static> {
        match both(line, map) {
            Ok(Line::Record(record)) => record,
            other => panic!("expected a record from {line}, got {other:?}"),
        }
    }

    #[test]
    fn a_rejected_line_names_every_problem_in_both_parsers() {
        let error = both(r#"{"step":"x","ms":"12","ok":"yes"}"#, &IDENTITY).unwrap_err();
        assert_eq!(
            error.to_string(),
            "missing ts, tool; ms: expected a number, found a string; ok: expected a boolean, found a string"
        );
        // The first problem keeps its kind, field and column.
        assert_eq!(
            (error.kind, error.field),
            (ErrorKind::WrongType, Some("ms"))
        );
        assert!(error.column.is_some());
        assert_eq!(error.others.len(), 3);

        let error = both(r#"{"sessionId":"s"}"#, &IDENTITY).unwrap_err();
        assert_eq!(error.to_string(), "missing ts, tool, step, ms");
        assert_eq!(
            (error.kind, error.field),
            (ErrorKind::MissingField, Some("ts"))
        );

        let error = both(
            r#"{"ts":"x","tool":"","step":"s","ms":-1,"ms":2,"ms":3}"#,
            &IDENTITY,
        )
        .unwrap_err();
        let message = error.to_string();
        for part in [
            "ts: \"x\" is not a timestamp",
            "tool: must not be empty",
            "ms: negative value -1",
            "ms: appears twice",
        ] {
            assert!(message.contains(part), "{message} lacks {part}");
        }
        assert_eq!(message.matches("appears twice").count(), 1, "{message}");
        // One problem reads as it always did.
        let error = both(
            r#"{"ts":"2025-10-16T23:34:46Z","step":"s","ms":1}"#,
            &IDENTITY,
        )
        .unwrap_err();
        assert_eq!(
            error.to_string(),
            r#"field "tool": required field is missing"#
        );
    }

    #[test]
    fn session_id_is_optional() {
        let record = both_record(
            r#"{"ts":"2025-10-16T23:34:46Z","tool":"t","step":"x","ms":1}"#,
            &IDENTITY,
        );
        assert_eq!(record.session_id, "");
        let null = both_record(
            r#"{"ts":"2025-10-16T23:34:46Z","sessionId":null,"tool":"t","step":"x","ms":1}"#,
            &IDENTITY,
        );
        assert_eq!(null.session_id, "");
        let line = crate::record_to_line(&record).unwrap();
        assert_eq!(
            line,
            r#"{"ts":"2025-10-16T23:34:46Z","tool":"t","step":"x","ms":1}"#
        );
    }

    #[test]
    fn epoch_timestamps_in_both_parsers() {
        for (ts, expected) in [
            ("1760657686", "2025-10-16T23:34:46Z"),
            ("1760657686.422", "2025-10-16T23:34:46.422Z"),
            ("1760657686422", "2025-10-16T23:34:46.422Z"),
            ("1.760657686422e12", "2025-10-16T23:34:46.422Z"),
            ("\"1760657686422\"", "2025-10-16T23:34:46.422Z"),
        ] {
            let line = format!(r#"{{"ts":{ts},"tool":"t","step":"x","ms":1}}"#);
            assert_eq!(
                both_record(&line, &IDENTITY).ts.to_string(),
                expected,
                "{ts}"
            );
        }
        for ts in ["-5", "1e14", "1760657686422000", "true"] {
            let line = format!(r#"{{"ts":{ts},"tool":"t","step":"x","ms":1}}"#);
            let error = both(&line, &IDENTITY).unwrap_err();
            assert_eq!(error.field, Some("ts"), "{ts}");
            assert!(
                error.detail.contains("1760657686422"),
                "{ts}: {}",
                error.detail
            );
        }
    }

    #[test]
    fn an_http_status_without_ok_decides_the_outcome_in_both_parsers() {
        let outcome = |extra: &str| {
            let line =
                format!(r#"{{"ts":"2025-10-16T23:34:46Z","tool":"t","step":"x","ms":1{extra}}}"#);
            both_record(&line, &IDENTITY).outcome
        };
        assert_eq!(outcome(r#","status":200"#), Outcome::Success);
        assert_eq!(outcome(r#","status":304"#), Outcome::Success);
        assert_eq!(
            outcome(r#","status":503"#),
            Outcome::Error(Some("http 503 service unavailable".into()))
        );
        assert_eq!(
            outcome(r#","status":599"#),
            Outcome::Error(Some("http 599".into()))
        );
        assert_eq!(
            outcome(r#","status":404,"errorReason":"no cart""#),
            Outcome::Error(Some("no cart".into()))
        );
        assert_eq!(
            outcome(r#","status":500,"ok":true"#),
            Outcome::Success,
            "ok wins"
        );
        assert_eq!(
            outcome(r#","status":200,"ok":false"#),
            Outcome::Error(None),
            "ok wins"
        );
        for not_http in [
            r#","status":0"#,
            r#","status":600"#,
            r#","status":"503""#,
            r#","status":503.0"#,
            r#","status":null"#,
        ] {
            assert_eq!(outcome(not_http), Outcome::Unknown, "{not_http}");
        }
        let error = both(r#"{"ts":"2025-10-16T23:34:46Z","tool":"t","step":"x","ms":1,"status":200,"status":500}"#, &IDENTITY).unwrap_err();
        assert_eq!(error.to_string(), r#"field "status": appears twice"#);
    }

    #[test]
    fn field_mapping_in_both_parsers() {
        let map = FieldMap::from_mappings(
            [
                "ms=duration_ms",
                "tool=service",
                "step=endpoint",
                "status=code",
            ]
            .map(|text| text.parse().unwrap()),
        )
        .unwrap();
        let record = both_record(
            r#"{"ts":1760657686422,"service":"api","endpoint":"get_cart","duration_ms":12.5,"code":503,"ms":"ignored","tool":7}"#,
            &map,
        );
        assert_eq!(
            (&*record.tool, &*record.step, record.ms),
            ("api", "get_cart", 12.5)
        );
        assert_eq!(
            record.outcome,
            Outcome::Error(Some("http 503 service unavailable".into()))
        );
        let error = both(
            r#"{"ts":1760657686422,"tool":"api","step":"get","ms":1}"#,
            &map,
        )
        .unwrap_err();
        assert_eq!(error.to_string(), "missing tool, step, ms");
        assert_eq!(
            error.detail,
            r#"required field is missing (read from the key "service")"#
        );
        // An escaped key is unescaped before it is looked up.
        let escaped = both_record(
            r#"{"ts":1760657686,"service":"api","endpoint":"e","duration_ms":1}"#,
            &map,
        );
        assert_eq!(escaped.tool, "api");
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
        let error = parse_error(br#"{"ts":true,"sessionId":"s","tool":"t","step":"x","ms":1}"#);
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
    fn rejects_ms_above_the_documented_maximum_in_both_parsers() {
        let line = |ms: &str| {
            format!(r#"{{"ts":"2025-10-16T23:34:46Z","tool":"t","step":"x","ms":{ms},"ok":true}}"#)
        };
        let largest = line("1e12");
        let accepted = parse_line(largest.as_bytes());
        assert!(matches!(&accepted, Ok(Line::Record(record)) if record.ms == crate::MAX_MS));
        assert_eq!(accepted, parse_line_reference(largest.as_bytes()));
        for ms in ["1000000000000.001", "1.7976931348623157e308", "1e13"] {
            let error = parse_error(line(ms).as_bytes());
            assert_eq!(
                (error.kind, error.field),
                (ErrorKind::MsOutOfRange, Some("ms")),
                "{ms}"
            );
            assert!(
                error.detail.contains("above the maximum 1e12"),
                "{}",
                error.detail
            );
            assert_eq!(Err(error), parse_line_reference(line(ms).as_bytes()));
        }
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

    const HEAD: &str = r#"{"ts":"2025-10-16T23:34:46Z","tool":"t","step":"s","ms":1,"ok":true"#;

    #[test]
    fn measures_take_the_fast_path_and_read_the_same_in_both_parsers() {
        for (measures, expected) in [
            (
                r#"{"peak_rss_mb":12.5,"allocs":812}"#,
                vec![("allocs", 812.0), ("peak_rss_mb", 12.5)],
            ),
            (
                r#"{ "a" : 0 , "b" : 1e3 }"#,
                vec![("a", 0.0), ("b", 1000.0)],
            ),
            ("{}", vec![]),
            ("null", vec![]),
        ] {
            let line = format!(r#"{HEAD},"measures":{measures}}}"#);
            let fast = fast::parse_record::<false>(&line, &IDENTITY).expect("fast path");
            let got: Vec<_> = fast.measures.iter().collect();
            assert_eq!(got, expected, "{line}");
            assert_eq!(
                parse_line_reference(line.as_bytes()),
                Ok(Line::Record(fast))
            );
        }
        // Under a field mapping too.
        let map = FieldMap::from_mappings(["ms=duration_ms".parse().unwrap()]).unwrap();
        let line = r#"{"ts":"2025-10-16T23:34:46Z","tool":"t","step":"s","duration_ms":1,"measures":{"allocs":3}}"#;
        let parsed = parse_line_with(line.as_bytes(), &map).unwrap();
        assert_eq!(
            parsed,
            parse_line_reference_with(line.as_bytes(), &map).unwrap()
        );
        let Line::Record(record) = parsed else {
            panic!("a record")
        };
        assert_eq!(record.measures.get("allocs"), Some(3.0));
    }

    #[test]
    fn a_malformed_measures_field_is_rejected_naming_it_in_both_parsers() {
        for (measures, kind, detail) in [
            (
                "[1]",
                ErrorKind::WrongType,
                "expected an object of named numbers, found an array",
            ),
            (
                "12",
                ErrorKind::WrongType,
                "expected an object of named numbers, found a number",
            ),
            (
                r#"{"a":"1"}"#,
                ErrorKind::WrongType,
                r#"measure "a": expected a number, found a string"#,
            ),
            (
                r#"{"a":null}"#,
                ErrorKind::WrongType,
                r#"measure "a": expected a number, found null"#,
            ),
            (
                r#"{"Peak":1}"#,
                ErrorKind::InvalidMeasure,
                r#"measure name "Peak" is not"#,
            ),
            (
                r#"{"ms":1}"#,
                ErrorKind::InvalidMeasure,
                r#""ms" is the record's latency field"#,
            ),
            (
                r#"{"throughput_rps":120}"#,
                ErrorKind::InvalidMeasure,
                r#""throughput_rps" is derived per group"#,
            ),
            (
                r#"{"a":-1}"#,
                ErrorKind::InvalidMeasure,
                r#"measure "a": negative value -1"#,
            ),
            (
                r#"{"a":1e400}"#,
                ErrorKind::InvalidMeasure,
                "does not fit a 64-bit float",
            ),
            (
                r#"{"a":1,"a":2}"#,
                ErrorKind::InvalidMeasure,
                r#"measure "a" appears twice"#,
            ),
        ] {
            let line = format!(r#"{HEAD},"measures":{measures}}}"#);
            let error = parse_line(line.as_bytes()).unwrap_err();
            assert_eq!(
                Err(error.clone()),
                parse_line_reference(line.as_bytes()),
                "{line}"
            );
            assert_eq!(
                (error.kind, error.field),
                (kind, Some("measures")),
                "{line}"
            );
            assert!(error.detail.contains(detail), "{line}: {}", error.detail);
            assert!(
                error.to_string().starts_with(r#"field "measures": "#),
                "{error}"
            );
        }
        let twice = format!(r#"{HEAD},"measures":{{}},"measures":{{}}}}"#);
        let error = parse_line(twice.as_bytes()).unwrap_err();
        assert_eq!(error.to_string(), r#"field "measures": appears twice"#);
        // With other problems, every one is named.
        let both =
            r#"{"ts":"2025-10-16T23:34:46Z","tool":"t","step":"s","ms":-1,"measures":{"a":-2}}"#;
        assert_eq!(
            parse_line(both.as_bytes()).unwrap_err().to_string(),
            r#"ms: negative value -1; measures: measure "a": negative value -2"#
        );
    }
}
