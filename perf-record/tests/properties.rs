//! Property tests: the fast scanner agrees with the reference parser, and written records read
//! back equal.

// Strategies are plain functions that clippy does not see as test code.
#![allow(clippy::unwrap_used)]

use std::borrow::Cow;

use perf_record::{
    FieldMap, Line, Measures, Outcome, Record, Timestamp, parse_line, parse_line_reference,
    parse_line_reference_with, parse_line_with, record_to_line,
};
use proptest::prelude::*;

fn timestamp_text() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => (0i64..4_000_000_000, 0u32..1000).prop_map(|(s, ms)| {
            let ts = Timestamp::new(s, (ms * 1_000_000) as i32).unwrap();
            ts.to_string()
        }),
        1 => Just("2025-10-16T23:34:46.422+02:00".to_owned()),
        1 => Just("2025-10-16t23:34:46z".to_owned()),
        1 => Just("2025-10-16 23:34:46Z".to_owned()),
        1 => Just("2025-02-29T00:00:00Z".to_owned()),
        1 => Just("2016-12-31T23:59:60Z".to_owned()),
        1 => Just("2025-10-16T23:34:46".to_owned()),
        1 => "[0-9T:.Z+-]{0,30}",
    ]
}

fn string_value() -> impl Strategy<Value = String> {
    prop_oneof![
        6 => "[a-z_-]{1,12}".prop_map(|s| format!("\"{s}\"")),
        1 => Just("\"\"".to_owned()),
        1 => Just(r#""esc\"aped""#.to_owned()),
        1 => Just(r#""\u00e9t\u00e9""#.to_owned()),
        1 => Just("\"caf\u{e9} \u{1F600}\"".to_owned()),
        1 => Just("\"bad\\x\"".to_owned()),
        1 => Just("\"tab\there\"".to_owned()),
        1 => Just("12".to_owned()),
        1 => Just("null".to_owned()),
        1 => Just("[\"a\"]".to_owned()),
    ]
}

fn number_value() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => (0.0f64..1e6).prop_map(|v| v.to_string()),
        2 => (0u64..100_000).prop_map(|v| v.to_string()),
        1 => "-?(0|[1-9][0-9]{0,25})(\\.[0-9]{1,20})?([eE][+-]?[0-9]{1,3})?",
        1 => "[-+.eE0-9]{1,8}",
        1 => Just("1e400".to_owned()),
        1 => Just("-0".to_owned()),
        1 => Just("\"12\"".to_owned()),
        1 => Just("true".to_owned()),
    ]
}

/// `ts` as a number: epoch seconds and milliseconds, around the boundary between them, and out
/// of range.
fn epoch_value() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => (0u64..4_000_000_000).prop_map(|v| v.to_string()),
        3 => (100_000_000_000u64..4_000_000_000_000).prop_map(|v| v.to_string()),
        2 => (0.0f64..4e9).prop_map(|v| v.to_string()),
        1 => (0.0f64..4e12).prop_map(|v| format!("{v:.3}")),
        1 => prop_oneof![
            Just("99999999999".to_owned()),
            Just("100000000000".to_owned()),
            Just("99999999999999".to_owned()),
            Just("100000000000000".to_owned()),
            Just("1.7e9".to_owned()),
            Just("-1".to_owned()),
            Just("-0".to_owned()),
            Just("\"1760657686422\"".to_owned()),
            Just("\"1760657686.5\"".to_owned()),
        ],
        1 => number_value(),
    ]
}

/// `status`: HTTP statuses, numbers that are none, and other values.
fn status_value() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => (100u32..600).prop_map(|v| v.to_string()),
        1 => (0u32..1000).prop_map(|v| v.to_string()),
        1 => Just("200.0".to_owned()),
        1 => Just("2e2".to_owned()),
        1 => Just("-404".to_owned()),
        1 => Just("\"503\"".to_owned()),
        1 => Just("null".to_owned()),
        1 => Just("99999999999999999999999".to_owned()),
        1 => number_value(),
    ]
}

fn bool_value() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("true".to_owned()),
        Just("false".to_owned()),
        Just("null".to_owned()),
        Just("\"true\"".to_owned()),
        Just("1".to_owned()),
    ]
}

/// Any JSON value, nested objects and arrays included, with white space in every legal place and
/// sometimes an illegal token (a trailing comma, a missing colon, a bare word) somewhere inside.
fn nested_value() -> impl Strategy<Value = String> {
    // Small leaves keep proptest's own (debug-build) stack frames small enough for a test thread.
    let leaf = proptest::sample::select(vec![
        "1",
        "-2.5e3",
        "0",
        "01",
        "\"s\"",
        "\"\"",
        r#""e\n""#,
        r#""\u00e9""#,
        r#""\x""#,
        "true",
        "false",
        "null",
        "nul",
        "[]",
        "{}",
        "{ }",
        "[",
        "}",
    ])
    .prop_map(str::to_owned);
    leaf.prop_recursive(4, 32, 4, |inner| {
        let member = (
            prop_oneof![
                8 => "[a-z]{1,4}".prop_map(|key| format!("\"{key}\"")),
                1 => Just(r#""k\u0065y""#.to_owned()),
                1 => Just("bare".to_owned()),
            ],
            white_space(),
            inner.clone(),
        )
            .prop_map(|(key, space, value)| format!("{space}{key}{space}:{space}{value}{space}"));
        let separator = prop_oneof![12 => Just(","), 1 => Just(",,"), 1 => Just(" ")];
        prop_oneof![
            (proptest::collection::vec(member, 1..4), separator.clone())
                .prop_map(|(members, separator)| format!("{{{}}}", members.join(separator))),
            (
                proptest::collection::vec(inner, 1..4),
                separator,
                white_space()
            )
                .prop_map(|(items, separator, space)| format!(
                    "[{space}{}{space}]",
                    items.join(separator)
                )),
        ]
        .boxed()
    })
    .boxed()
}

/// A measure name: mostly valid, sometimes reserved, escaped, too long or badly spelled.
fn measure_name() -> impl Strategy<Value = String> {
    prop_oneof![
        6 => "[a-z][a-z0-9_]{0,10}",
        1 => Just("peak_rss_mb".to_owned()),
        1 => Just("ms".to_owned()),
        1 => Just("Peak".to_owned()),
        1 => Just("1a".to_owned()),
        1 => Just("_a".to_owned()),
        1 => Just("a-b".to_owned()),
        1 => Just("".to_owned()),
        1 => Just("\\u0061".to_owned()),
        1 => Just("a".repeat(64)),
        1 => Just("a".repeat(65)),
    ]
}

/// The value of `measures`: objects of names and numbers, broken in every way the parsers
/// distinguish (bad names, non-numbers, negative and out-of-range numbers, duplicates), `null`,
/// and values that are not objects.
fn measures_value() -> impl Strategy<Value = String> {
    let member = (
        measure_name(),
        prop_oneof![4 => number_value(), 1 => other_value()],
        white_space(),
    )
        .prop_map(|(name, value, space)| format!("{space}\"{name}\"{space}:{space}{value}"));
    prop_oneof![
        6 => proptest::collection::vec(member, 0..4)
            .prop_map(|members| format!("{{{}}}", members.join(","))),
        1 => Just(r#"{"a":1,"a":2}"#.to_owned()),
        1 => Just(r#"{"b":1e400}"#.to_owned()),
        1 => Just(r#"{"c":-0}"#.to_owned()),
        1 => Just(r#"{"d":2e15}"#.to_owned()),
        1 => Just("null".to_owned()),
        1 => other_value(),
    ]
}

fn other_value() -> impl Strategy<Value = String> {
    prop_oneof![
        string_value(),
        number_value(),
        bool_value(),
        Just(r#"{"nested":{"a":[1,2,{"b":null}]}}"#.to_owned()),
        Just("[]".to_owned()),
        Just("{".to_owned()),
    ]
}

fn white_space() -> impl Strategy<Value = &'static str> {
    prop_oneof![8 => Just(""), 1 => Just(" "), 1 => Just("\t"), 1 => Just(" \r ")]
}

/// A line built from fields, most of them well formed, some of them broken in every way the
/// parsers distinguish.
fn adversarial_line() -> impl Strategy<Value = Vec<u8>> {
    adversarial_line_with(["ts", "sessionId", "tool", "step", "ms"])
}

/// The mapping [`adversarial_line_with`] writes [`MAPPED_KEYS`] for.
fn service_map() -> FieldMap {
    FieldMap::from_mappings(
        ["ms=duration_ms", "tool=service", "step=endpoint", "ts=time"]
            .map(|text| text.parse().unwrap()),
    )
    .unwrap()
}

/// The keys of `ts`, `sessionId`, `tool`, `step`, `ms` under [`service_map`].
const MAPPED_KEYS: [&str; 5] = ["time", "sessionId", "service", "endpoint", "duration_ms"];

/// [`adversarial_line`] with the keys of `ts`, `sessionId`, `tool`, `step` and `ms` given, plus
/// the record's own names as ordinary keys (they are other fields under a mapping).
fn adversarial_line_with(keys: [&'static str; 5]) -> impl Strategy<Value = Vec<u8>> {
    let [ts, session, tool, step, ms] = keys.map(str::to_owned);
    let field = prop_oneof![
        3 => timestamp_text().prop_map(move |t| (ts.clone(), format!("\"{t}\""))),
        2 => epoch_value().prop_map({ let ts = keys[0].to_owned(); move |v| (ts.clone(), v) }),
        2 => string_value().prop_map(move |v| (session.clone(), v)),
        3 => string_value().prop_map(move |v| (tool.clone(), v)),
        3 => string_value().prop_map(move |v| (step.clone(), v)),
        3 => number_value().prop_map(move |v| (ms.clone(), v)),
        2 => bool_value().prop_map(|v| ("ok".to_owned(), v)),
        2 => status_value().prop_map(|v| ("status".to_owned(), v)),
        1 => string_value().prop_map(|v| ("errorReason".to_owned(), v)),
        1 => string_value().prop_map(|v| ("err".to_owned(), v)),
        1 => other_value().prop_map(|v| ("extra".to_owned(), v)),
        1 => other_value().prop_map(|v| ("m\\u0073".to_owned(), v)),
        1 => number_value().prop_map(|v| ("ms".to_owned(), v)),
        1 => string_value().prop_map(|v| ("tool".to_owned(), v)),
        2 => measures_value().prop_map(|v| ("measures".to_owned(), v)),
    ];
    (
        proptest::collection::vec((field, white_space(), white_space()), 0..10),
        white_space(),
        prop_oneof![8 => Just(None), 1 => any::<proptest::sample::Index>().prop_map(Some)],
        prop_oneof![8 => Just(None), 1 => (any::<proptest::sample::Index>(), any::<u8>()).prop_map(Some)],
    )
        .prop_map(|(fields, outer, truncate, mutate)| {
            let body: Vec<String> = fields
                .into_iter()
                // White space before the key, around the `:` and after the value (before the
                // `,` or `}`): every place the fast scanner's separators look at.
                .map(|((key, value), space, after)| {
                    format!("{space}\"{key}\"{space}:{space}{value}{after}")
                })
                .collect();
            let mut line = format!("{outer}{{{}}}{outer}", body.join(",")).into_bytes();
            if let Some(index) = truncate {
                line.truncate(index.index(line.len() + 1));
            }
            if let (Some((index, byte)), false) = (mutate, line.is_empty()) {
                let at = index.index(line.len());
                line[at] = byte;
            }
            line
        })
}

/// A complete valid line with the fields in a random order, so most lines take the fast path.
fn valid_line() -> impl Strategy<Value = Vec<u8>> {
    (
        timestamp_text(),
        "[a-z0-9-]{1,10}",
        "[a-z]{1,8}",
        "[a-z_]{1,8}",
        0.0f64..1e5,
        proptest::option::of(any::<bool>()),
        any::<bool>(),
        proptest::option::of(proptest::collection::btree_map(
            "[a-z][a-z0-9_]{0,8}",
            0.0f64..1e9,
            0..4,
        )),
    )
        .prop_map(|(ts, session, tool, step, ms, ok, extra, measures)| {
            let mut line = format!(
                r#"{{"ts":"{ts}","sessionId":"{session}","tool":"{tool}","step":"{step}","ms":{ms}"#
            );
            if let Some(ok) = ok {
                line.push_str(&format!(r#","ok":{ok}"#));
            }
            if extra {
                line.push_str(r#","host":"ci-1","attempt":2"#);
            }
            if let Some(measures) = measures {
                let members: Vec<String> = measures
                    .iter()
                    .map(|(name, value)| format!("\"{name}\":{value}"))
                    .collect();
                line.push_str(&format!(r#","measures":{{{}}}"#, members.join(",")));
            }
            line.push('}');
            line.into_bytes()
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(4000))]

    /// The fast scanner and the reference parser give the same record or the same error.
    #[test]
    fn fast_path_agrees_with_reference(line in prop_oneof![adversarial_line(), valid_line()]) {
        prop_assert_eq!(parse_line(&line), parse_line_reference(&line));
    }

    /// Under a field mapping too: the same record or the same error, every problem named.
    #[test]
    fn mapped_fast_path_agrees_with_reference(line in adversarial_line_with(MAPPED_KEYS)) {
        let map = service_map();
        prop_assert_eq!(parse_line_with(&line, &map), parse_line_reference_with(&line, &map));
    }

    /// A rejected line's error names each of its problems once, in a message that holds them all.
    #[test]
    fn every_problem_is_named_once(line in adversarial_line()) {
        if let Err(error) = parse_line(&line) {
            let message = error.to_string();
            for (_, field, detail) in error.problems() {
                match field {
                    Some(field) => prop_assert!(message.contains(field), "{} lacks {}", message, field),
                    None => prop_assert!(message.contains(detail), "{} lacks {}", message, detail),
                }
            }
            let problems: Vec<_> = error.problems().collect();
            for (index, problem) in problems.iter().enumerate() {
                prop_assert!(!problems[index + 1..].contains(problem), "{:?} twice", problem);
            }
        }
    }

    /// Nested values in a field the record does not use, valid or broken anywhere inside, and
    /// around both parsers' nesting limits: the fast scanner skips or defers, never disagrees.
    #[test]
    fn nested_values_agree(
        extra in prop_oneof![
            4 => nested_value(),
            1 => (14usize..20).prop_map(|depth| format!("{}1{}", "[".repeat(depth), "]".repeat(depth))),
            1 => (28usize..36).prop_map(|depth| format!("{}{}", "[".repeat(depth), "]".repeat(depth))),
        ],
        first in any::<bool>(),
    ) {
        let fields = r#""ts":"2025-10-16T23:34:46.422Z","sessionId":"s-1","tool":"t","step":"s","ms":1.5,"ok":true"#;
        let line = if first {
            format!(r#"{{"extra":{extra},{fields}}}"#)
        } else {
            format!(r#"{{{fields},"extra":{extra}}}"#)
        };
        prop_assert_eq!(parse_line(line.as_bytes()), parse_line_reference(line.as_bytes()));
    }

    /// Arbitrary bytes never panic, and both parsers agree on them too.
    #[test]
    fn arbitrary_bytes_agree(line in proptest::collection::vec(any::<u8>(), 0..200)) {
        prop_assert_eq!(parse_line(&line), parse_line_reference(&line));
    }
}

fn any_record() -> impl Strategy<Value = Record<'static>> {
    let text = || "\\PC{1,12}".prop_map(Cow::Owned);
    // An empty session id is none: the line is written without `sessionId`.
    let session = prop_oneof![4 => text(), 1 => Just(Cow::Borrowed(""))];
    let outcome = prop_oneof![
        Just(Outcome::Success),
        Just(Outcome::Unknown),
        Just(Outcome::Error(None)),
        "\\PC{1,20}".prop_map(|reason| Outcome::Error(Some(Cow::Owned(reason)))),
    ];
    let ms = prop_oneof![
        0.0f64..1e4,
        // `-0` is excluded: it is valid but reads back as `0`, the parser's one spelling of zero.
        any::<f64>().prop_filter("finite, >= 0 and at most MAX_MS", |v| v.is_finite()
            && v.is_sign_positive()
            && *v <= perf_record::MAX_MS),
        Just(0.0),
        Just(perf_record::MAX_MS),
        Just(f64::MIN_POSITIVE),
        Just(5e-324),
    ];
    let measures = proptest::collection::btree_map(
        "[a-z][a-z0-9_]{0,63}".prop_filter("not ms", |name| name != "ms"),
        prop_oneof![
            0.0f64..1e9,
            Just(0.0),
            Just(perf_record::MAX_MEASURE),
            Just(5e-324)
        ],
        0..4,
    )
    .prop_map(|measures| {
        Measures::from_entries(
            measures
                .into_iter()
                .map(|(name, value)| (Cow::Owned(name), value)),
        )
        .unwrap()
    });
    (
        // From 0000-01-01T00:00:00Z, the first instant RFC 3339 writes in UTC.
        -62_167_219_200i64..253_402_207_200,
        0i32..1_000_000_000,
        session,
        text(),
        text(),
        ms,
        outcome,
        measures,
    )
        .prop_map(
            |(seconds, nanos, session_id, tool, step, ms, outcome, measures)| Record {
                ts: Timestamp::new(seconds, nanos).unwrap(),
                session_id,
                tool,
                step,
                ms,
                outcome,
                measures,
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    /// Any valid record written and read back is the same record, bit for bit in `ms`.
    #[test]
    fn write_then_read_round_trips(record in any_record()) {
        let line = record_to_line(&record).unwrap();
        let parsed = parse_line(line.as_bytes());
        let Ok(Line::Record(parsed)) = parsed else {
            return Err(TestCaseError::fail(format!("{line} did not read back: {parsed:?}")));
        };
        prop_assert_eq!(parsed.ms.to_bits(), record.ms.to_bits());
        prop_assert_eq!(&parsed, &record);
        prop_assert_eq!(parse_line_reference(line.as_bytes()), Ok(Line::Record(record)));
    }
}

proptest! {
    /// Any byte stream: every line is counted once, as a record, a blank line or a rejection,
    /// and the reader yields exactly the records and rejections.
    #[test]
    fn reader_counts_every_line(
        data in proptest::collection::vec(
            prop_oneof![
                4 => any::<u8>(),
                1 => Just(b'\n'),
                1 => Just(b'\r'),
                1 => Just(b' '),
            ],
            0..400,
        ),
        cap in 1usize..80,
    ) {
        let mut reader = perf_record::RecordReader::new(
            "prop",
            std::io::BufReader::with_capacity(16, &data[..]),
            perf_record::ReadConfig { max_line_bytes: cap, ..Default::default() },
        );
        let results = reader.by_ref().count() as u64;
        let counts = reader.counts();
        prop_assert_eq!(results, counts.records + counts.rejected);
        let newlines = data.iter().filter(|&&byte| byte == b'\n').count() as u64;
        let unterminated = u64::from(!data.is_empty() && !data.ends_with(b"\n"));
        prop_assert_eq!(counts.lines(), newlines + unterminated);
    }
}
