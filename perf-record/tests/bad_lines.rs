//! Reads the bad-lines fixture end to end: every rejected line is reported with its line,
//! column, field and kind, every good line is read, and the counts add up.

use camino::Utf8PathBuf;
use perf_record::{ErrorKind, LineCounts, Outcome, ReadConfig, ReadError, RecordReader};

fn fixture(name: &str) -> Utf8PathBuf {
    Utf8PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/fixtures/records")
        .join(name)
}

#[test]
fn reports_every_bad_line_and_counts_add_up() {
    let path = fixture("bad-lines.jsonl");
    let mut reader = RecordReader::open(
        &path,
        ReadConfig {
            max_line_bytes: 300,
            ..ReadConfig::default()
        },
    )
    .unwrap();
    let mut records = Vec::new();
    let mut errors = Vec::new();
    for result in reader.by_ref() {
        match result {
            Ok(record) => records.push(record),
            Err(ReadError::Record(error)) => errors.push(error),
            Err(error) => panic!("unexpected I/O error: {error}"),
        }
    }
    let reported: Vec<(u64, ErrorKind, Option<&str>, String)> = errors
        .iter()
        .map(|error| {
            let message = error.to_string();
            let message = message.strip_prefix(path.as_str()).unwrap().to_owned();
            (error.line, error.kind, error.field, message)
        })
        .collect();
    let expected: Vec<(u64, ErrorKind, Option<&str>, &str)> = vec![
        (
            4,
            ErrorKind::MalformedJson,
            None,
            ":4:50: unexpected end of line: EOF while parsing a value",
        ),
        (
            5,
            ErrorKind::MissingField,
            Some("step"),
            ":5: field \"step\": required field is missing",
        ),
        (
            6,
            ErrorKind::WrongType,
            Some("ms"),
            ":6:90: field \"ms\": expected a number, found a string",
        ),
        (
            7,
            ErrorKind::EmptyString,
            Some("sessionId"),
            ":7:47: field \"sessionId\": must not be empty",
        ),
        (
            8,
            ErrorKind::NegativeMs,
            Some("ms"),
            ":8:90: field \"ms\": negative value -3.5",
        ),
        (
            9,
            ErrorKind::MsOutOfRange,
            Some("ms"),
            ":9:90: field \"ms\": number does not fit a 64-bit float",
        ),
        (
            10,
            ErrorKind::BadTimestamp,
            Some("ts"),
            ":10:24: field \"ts\": \"2025-10-16 23:34\" is not a timestamp (expected ':' after the minutes at character 17); expected RFC 3339 with an offset such as \"2025-10-16T23:34:46.422Z\", or epoch seconds or milliseconds such as 1760657686.422 or 1760657686422",
        ),
        (
            11,
            ErrorKind::InvalidUtf8,
            None,
            ":11:44: invalid UTF-8 byte 0xff",
        ),
        (
            13,
            ErrorKind::LineTooLong,
            None,
            ":13: line of 496 bytes is longer than the 300-byte limit",
        ),
        (
            15,
            ErrorKind::MalformedJson,
            Some("ok"),
            ":15:94: field \"ok\": appears twice",
        ),
        (
            16,
            ErrorKind::MalformedJson,
            None,
            ":16:1: expected a JSON object, found an array",
        ),
        (
            17,
            ErrorKind::WrongType,
            Some("ok"),
            ":17:98: field \"ok\": expected a boolean, found a string",
        ),
        (
            18,
            ErrorKind::TruncatedFinalLine,
            None,
            ":18:63: last line has no newline: unexpected end of line: EOF while parsing a string",
        ),
    ];
    let expected: Vec<_> = expected
        .into_iter()
        .map(|(line, kind, field, message)| (line, kind, field, message.to_owned()))
        .collect();
    assert_eq!(reported, expected);

    assert_eq!(records.len(), 3);
    assert_eq!(records[0].ms, 24.723);
    assert_eq!(records[1].outcome, Outcome::Error(None));
    assert_eq!(records[2].outcome, Outcome::Error(Some("boom".into())));
    let counts = reader.counts();
    assert_eq!(
        counts,
        LineCounts {
            records: 3,
            blank: 2,
            rejected: 13
        }
    );
    assert_eq!(counts.lines(), 18);
}

#[test]
fn reads_the_good_fixture() {
    let mut reader = RecordReader::open(&fixture("good.jsonl"), ReadConfig::default()).unwrap();
    let records: Vec<_> = reader.by_ref().map(Result::unwrap).collect();
    let tools: Vec<&str> = records.iter().map(|record| record.tool.as_ref()).collect();
    assert_eq!(tools, ["wsap", "registry", "registry"]);
    // No `ok`, but an HTTP status: judged by it.
    assert_eq!(records[2].outcome, Outcome::Success);
    assert_eq!(records[2].ts.to_string(), "2025-10-21T07:00:02Z");
    assert_eq!(reader.counts().lines(), 3);
}
