//! Any byte sequence: `parse_line` never panics, agrees with the serde_json reference parser,
//! and every record it accepts writes back to a line that reads as the same record.

#![no_main]

use libfuzzer_sys::fuzz_target;
use perf_record::{Line, parse_line, parse_line_reference, record_to_line};

fuzz_target!(|data: &[u8]| {
    let parsed = parse_line(data);
    assert_eq!(parsed, parse_line_reference(data), "fast and reference parsers disagree");
    if let Ok(Line::Record(record)) = parsed {
        let written = record_to_line(&record).expect("a parsed record is valid");
        assert_eq!(parse_line(written.as_bytes()), Ok(Line::Record(record)));
    }
    let _ = perf_record::normalize_line(data);
});
