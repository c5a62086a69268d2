//! Any byte sequence: `parse_line` never panics, agrees with the serde_json reference parser,
//! and every record it accepts writes back to a line that reads as the same record; the same
//! under a field mapping (`--field ms=duration_ms ...`), where the mapped fast scanner must agree
//! with the mapped reference parser. Epoch timestamps, HTTP `status` outcomes, an absent
//! `sessionId`, `measures` and errors naming every problem are all on these paths. Input that
//! starts with `M` is also read as the body of a `measures` object inside a valid record, so the
//! fuzzer reaches the measure grammar (names, numbers, duplicates) without having to find a
//! whole record first.

#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use perf_record::{
    FieldMap, Line, parse_line, parse_line_reference, parse_line_reference_with, parse_line_with,
    record_to_line,
};

/// A service's spelling of the fields.
fn service_map() -> &'static FieldMap {
    static MAP: OnceLock<FieldMap> = OnceLock::new();
    MAP.get_or_init(|| {
        let mappings = ["ts=time", "ms=duration_ms", "tool=service", "step=endpoint", "status=code"]
            .map(|text| text.parse().expect("a valid mapping"));
        FieldMap::from_mappings(mappings).expect("a valid map")
    })
}

fuzz_target!(|data: &[u8]| {
    if let Some(body) = data.strip_prefix(b"M") {
        let mut line = br#"{"ts":"2025-10-16T23:34:46Z","tool":"t","step":"s","ms":1,"ok":true,"measures":{"#.to_vec();
        line.extend_from_slice(body);
        line.extend_from_slice(b"}}");
        check(&line);
    }
    check(data);
});

fn check(data: &[u8]) {
    let parsed = parse_line(data);
    assert_eq!(parsed, parse_line_reference(data), "fast and reference parsers disagree");
    if let Err(error) = &parsed {
        // The message names every problem; it never panics on any of them.
        let _ = error.to_string();
    }
    if let Ok(Line::Record(record) | Line::Warmup(record)) = &parsed {
        // Every accepted measure obeys the grammar, by name order.
        for (name, value) in record.measures.iter() {
            assert_eq!(perf_record::validate_measure(name, value), Ok(value), "{name}");
        }
        let names: Vec<&str> = record.measures.iter().map(|(name, _)| name).collect();
        assert!(names.windows(2).all(|pair| pair[0] < pair[1]), "{names:?}");
    }
    if let Ok(Line::Record(record)) = parsed {
        let written = record_to_line(&record).expect("a parsed record is valid");
        assert_eq!(parse_line(written.as_bytes()), Ok(Line::Record(record)));
    }
    let map = service_map();
    let mapped = parse_line_with(data, map);
    assert_eq!(
        mapped,
        parse_line_reference_with(data, map),
        "mapped fast and reference parsers disagree"
    );
    let _ = perf_record::normalize_line(data);
    let _ = perf_record::normalize_line_with(data, map);
}
