//! Any text as `ts`: both of perf-record's parsers (the fast scanner with its common-shape path,
//! and the serde_json reference parser with the complete RFC 3339 parser) accept exactly the
//! date-times the reference grammar in `common/rfc3339.rs` accepts, at the same instant.
//!
//! The first byte picks how the rest becomes text: mutations of a valid leap-second timestamp,
//! characters from the grammar's alphabet, or the bytes themselves.

#![no_main]

#[path = "common/rfc3339.rs"]
mod rfc3339;

use libfuzzer_sys::fuzz_target;
use perf_record::{ErrorKind, Line, parse_line, parse_line_reference};

const ALPHABET: &[u8] = b"0123456789012345-:-:T Zz.+-tx[]/";
const TEMPLATE: &str = "2016-12-31T23:59:60.123456789+05:30";

fn text_from(data: &[u8]) -> Option<String> {
    let (&mode, rest) = data.split_first()?;
    match mode % 3 {
        0 => {
            let mut text = TEMPLATE.as_bytes().to_vec();
            for pair in rest.chunks(2) {
                let [position, replacement] = pair else { break };
                let position = usize::from(*position);
                let character = ALPHABET[usize::from(*replacement) % ALPHABET.len()];
                match position % 4 {
                    // Replace, insert or delete one character, or cut the text short.
                    0 | 1 if !text.is_empty() => {
                        let index = position / 4 % text.len();
                        text[index] = character;
                    }
                    2 => {
                        let index = position / 4 % (text.len() + 1);
                        text.insert(index, character);
                    }
                    _ if !text.is_empty() => {
                        let index = position / 4 % text.len();
                        text.remove(index);
                    }
                    _ => {}
                }
            }
            String::from_utf8(text).ok()
        }
        1 => Some(
            rest.iter()
                .map(|&byte| ALPHABET[usize::from(byte) % ALPHABET.len()] as char)
                .collect(),
        ),
        _ => std::str::from_utf8(rest).ok().map(str::to_owned),
    }
}

/// Digits with at most one `.` between them are epoch times, not RFC 3339.
fn is_epoch(text: &str) -> bool {
    !text.is_empty()
        && !text.starts_with('.')
        && !text.ends_with('.')
        && text.bytes().all(|byte| byte.is_ascii_digit() || byte == b'.')
        && text.bytes().filter(|&byte| byte == b'.').count() <= 1
}

fn json_string(text: &str) -> String {
    let mut out = String::from("\"");
    for character in text.chars() {
        match character {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if u32::from(c) < 0x20 => out.push_str(&format!("\\u{:04x}", u32::from(c))),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Whole seconds rounded down and the nanoseconds after them (jiff gives an instant before
/// 1970 a negative fraction).
fn floor_parts(ts: perf_record::Timestamp) -> (i64, u32) {
    let (seconds, nanos) = (ts.as_second(), ts.subsec_nanosecond());
    if nanos < 0 {
        (seconds - 1, (nanos + 1_000_000_000) as u32)
    } else {
        (seconds, nanos as u32)
    }
}

fuzz_target!(|data: &[u8]| {
    let Some(text) = text_from(data) else {
        return;
    };
    if is_epoch(&text) {
        return;
    }
    let line = format!(
        r#"{{"ts":{},"tool":"t","step":"s","ms":1,"ok":true}}"#,
        json_string(&text)
    );
    let expected = rfc3339::parse(&text);
    for (parser, parsed) in [
        ("fast", parse_line(line.as_bytes())),
        ("reference", parse_line_reference(line.as_bytes())),
    ] {
        match (&parsed, expected) {
            (Ok(Line::Record(record)), Some((seconds, nanos))) => assert_eq!(
                floor_parts(record.ts),
                (seconds, nanos),
                "{parser} parser read {text:?} as {}",
                record.ts
            ),
            (Err(error), None) => assert_eq!(error.kind, ErrorKind::BadTimestamp, "{text:?}"),
            _ => panic!("{parser} parser: {parsed:?}, reference grammar: {expected:?} for {text:?}"),
        }
    }
});
