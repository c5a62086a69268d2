//! Writing records as compact JSONL in a stable field order.

use std::io::{self, Write};

use crate::{Outcome, Record, Timestamp};

/// Writes one record as a compact JSON line ending in `\n`.
///
/// Fields come in the order `ts, sessionId, tool, step, ms, ok, errorReason, measures`;
/// `sessionId` is left out when it is empty (none), `ok` for an unknown outcome, `errorReason`
/// when there is none and `measures` when there are none (measures by name). `ts` is written in UTC with
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
    let mut line = String::with_capacity(128);
    push_record(&mut line, record)?;
    out.write_all(line.as_bytes())
}

/// Appends the line [`write_record`] writes (`\n` included) to `line`, without allocating when
/// `line` has room: the writer for many records into one reused buffer (`collect`). A record
/// that breaks the schema is refused as [`write_record`] refuses it, and nothing is appended.
///
/// ```
/// use perf_record::{parse_line, push_record, write_record, Line};
///
/// let Ok(Line::Record(record)) = parse_line(br#"{"ts":"2025-10-16T23:34:46Z","tool":"t","step":"s","ms":1.5}"#)
/// else { panic!("valid line") };
/// let mut buffer = String::with_capacity(4096);
/// push_record(&mut buffer, &record)?;
/// push_record(&mut buffer, &record)?;
/// let mut written = Vec::new();
/// write_record(&mut written, &record)?;
/// write_record(&mut written, &record)?;
/// assert_eq!(buffer.as_bytes(), written);
/// # Ok::<(), std::io::Error>(())
/// ```
pub fn push_record(line: &mut String, record: &Record<'_>) -> io::Result<()> {
    record
        .validate()
        .map_err(|error| io::Error::new(io::ErrorKind::InvalidInput, error))?;
    write_fields(line, record);
    line.push_str("}\n");
    Ok(())
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
    line.push_str("{\"ts\":\"");
    push_timestamp(line, record.ts);
    line.push('"');
    // An empty session id is none: the field is left out.
    if !record.session_id.is_empty() {
        line.push_str(",\"sessionId\":");
        push_json_string(line, &record.session_id);
    }
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
    if !record.measures.is_empty() {
        line.push_str(",\"measures\":{");
        for (index, (name, value)) in record.measures.iter().enumerate() {
            if index > 0 {
                line.push(',');
            }
            push_json_string(line, name);
            line.push(':');
            push_ms(line, value);
        }
        line.push('}');
    }
}

/// Appends `ts` exactly as jiff displays it (see [`TimestampText`]).
fn push_timestamp(line: &mut String, ts: Timestamp) {
    use std::fmt::Write as _;
    match TimestampText::new(ts) {
        Some(text) => line.push_str(text.as_str()),
        // Writing into a `String` cannot fail.
        None => {
            let _ = write!(line, "{ts}");
        }
    }
}

/// A timestamp's RFC 3339 text exactly as jiff displays it (`2025-10-16T23:34:46.422Z`: UTC,
/// the fraction without trailing zeros, none for whole seconds), formatted without allocating
/// and without jiff's general printer: the one fast timestamp writer of every perf-gate writer.
///
/// ```
/// use perf_record::{Timestamp, TimestampText};
///
/// let ts: Timestamp = "2025-10-16T23:34:46.422Z".parse()?;
/// assert_eq!(TimestampText::new(ts).unwrap().as_str(), ts.to_string());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy)]
pub struct TimestampText {
    bytes: [u8; 30],
    length: usize,
}

impl TimestampText {
    /// The text of `ts`, or `None` outside years 1970 to 9999 (format those with `Display`).
    pub fn new(ts: Timestamp) -> Option<TimestampText> {
        const YEAR_10000: i64 = 253_402_300_800;
        let seconds = ts.as_second();
        let nanoseconds = ts.subsec_nanosecond();
        if !(0..YEAR_10000).contains(&seconds) || nanoseconds < 0 {
            return None;
        }
        // Both are non-negative here: plain division is the Euclidean one.
        let (year, month, day) = civil_from_days(seconds / 86_400);
        let second_of_day = (seconds % 86_400) as u32;
        let mut bytes = *b"0000-00-00T00:00:00.000000000Z";
        // Years 1970 to 9999 have four digits; every other field two.
        let year = year as u32;
        put_pair(&mut bytes, 0, year / 100);
        put_pair(&mut bytes, 2, year % 100);
        put_pair(&mut bytes, 5, month as u32);
        put_pair(&mut bytes, 8, day as u32);
        put_pair(&mut bytes, 11, second_of_day / 3600);
        put_pair(&mut bytes, 14, second_of_day / 60 % 60);
        put_pair(&mut bytes, 17, second_of_day % 60);
        let mut length = 19;
        if nanoseconds > 0 {
            // The fraction without trailing zeros: whole milliseconds and microseconds (the
            // common cases) take three and six digits, of which at most two zeros are dropped.
            let nanoseconds = nanoseconds as u32;
            length = if nanoseconds.is_multiple_of(1_000_000) {
                put_three(&mut bytes, 20, nanoseconds / 1_000_000);
                23
            } else if nanoseconds.is_multiple_of(1000) {
                let micros = nanoseconds / 1000;
                put_three(&mut bytes, 20, micros / 1000);
                put_three(&mut bytes, 23, micros % 1000);
                26
            } else {
                put_three(&mut bytes, 20, nanoseconds / 1_000_000);
                put_three(&mut bytes, 23, nanoseconds / 1000 % 1000);
                put_three(&mut bytes, 26, nanoseconds % 1000);
                29
            };
            while bytes[length - 1] == b'0' {
                length -= 1;
            }
        }
        bytes[length] = b'Z';
        length += 1;
        Some(TimestampText { bytes, length })
    }

    /// The text.
    pub fn as_str(&self) -> &str {
        // Only ASCII digits and separators were written.
        std::str::from_utf8(&self.bytes[..self.length]).unwrap_or_default()
    }
}

/// `00` to `99`, two bytes each: decimal digits two at a time.
const DIGIT_PAIRS: &[u8; 200] = b"\
    0001020304050607080910111213141516171819\
    2021222324252627282930313233343536373839\
    4041424344454647484950515253545556575859\
    6061626364656667686970717273747576777879\
    8081828384858687888990919293949596979899";

/// Writes `value` (below 100) as two digits at `bytes[at..at + 2]`.
#[inline(always)]
fn put_pair(bytes: &mut [u8], at: usize, value: u32) {
    let index = (value as usize % 100) * 2;
    bytes[at..at + 2].copy_from_slice(&DIGIT_PAIRS[index..index + 2]);
}

/// Writes `value` (below 1000) as three digits at `bytes[at..at + 3]`.
#[inline(always)]
fn put_three(bytes: &mut [u8], at: usize, value: u32) {
    bytes[at] = b'0' + (value / 100 % 10) as u8;
    put_pair(bytes, at + 1, value % 100);
}

/// Year, month and day (proleptic Gregorian) of a day counted from 1970-01-01: Howard Hinnant's
/// `civil_from_days`, the one calendar computation of perf-gate's writers (a file per UTC day,
/// timestamps without jiff's general printer).
///
/// ```
/// assert_eq!(perf_record::civil_from_days(0), (1970, 1, 1));
/// assert_eq!(perf_record::civil_from_days(-1), (1969, 12, 31));
/// assert_eq!(perf_record::civil_from_days(20_423), (2025, 12, 1));
/// ```
pub fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z.rem_euclid(146_097);
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let shifted_month = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * shifted_month + 2) / 5 + 1;
    let month = if shifted_month < 10 {
        shifted_month + 3
    } else {
        shifted_month - 9
    };
    (year_of_era + era * 400 + i64::from(month <= 2), month, day)
}

/// Appends `ms` with the shortest digits that read back exactly: plain decimals (`24.723`,
/// `1`) in the usual range, serde_json's exponent form (`1e-7`, `1e300`) outside it.
fn push_ms(line: &mut String, ms: f64) {
    use std::fmt::Write as _;
    if let Some(text) = ShortDecimal::new(ms) {
        line.push_str(text.as_str());
    } else if ms == 0.0 || (1e-5..1e15).contains(&ms) {
        let _ = write!(line, "{ms}");
    } else {
        push_json(line, &ms);
    }
}

/// The text `Display` gives a positive `f64` below 10^9 whose shortest decimal has at most six
/// fractional digits (`24.723`, `131`, `0.05`: what latencies in logs look like), formatted
/// without the general shortest-digits algorithm.
///
/// Why it is the same text: the decimal `m / 10^k` reads back as `value` exactly when the IEEE
/// quotient `m / 10^k` equals `value` (both operands are exact in an `f64`, so the quotient is
/// the correctly rounded decimal, which is what parsing gives). Below 10^9 an `f64`'s spacing is
/// under 10^-6, so for each `k <= 6` at most one `m` can read back, and `value * 10^k` rounded
/// to the nearest integer finds it (it lies within 0.13 of the product). The smallest such `k` has the fewest
/// significant digits, so it is the shortest round-tripping decimal, which is unique, and that is
/// what `Display` writes: the integer part, and for `k > 0` a point and `k` digits, the last
/// one not zero (or `k - 1` would have done).
struct ShortDecimal {
    bytes: [u8; 16],
    length: usize,
}

impl ShortDecimal {
    fn new(value: f64) -> Option<ShortDecimal> {
        const SCALES: [f64; 7] = [1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6];
        const POWERS: [u64; 7] = [1, 10, 100, 1000, 10_000, 100_000, 1_000_000];
        if !(value > 0.0 && value < 1e9) {
            return None;
        }
        let (decimals, scaled) = SCALES.iter().enumerate().find_map(|(decimals, &scale)| {
            // Rounds to the nearest integer (`f64::round` is a library call on baseline x86-64):
            // a candidate is within 0.13 of the product, so adding a half and truncating finds
            // it, and a product with no candidate near it fails the check whatever it gives.
            // (Through i64: one instruction, where a conversion to u64 takes several.)
            let scaled = (value * scale + 0.5) as i64;
            (scaled as f64 / scale == value).then_some((decimals, scaled as u64))
        })?;
        let mut integer = scaled / POWERS[decimals];
        let mut fraction = scaled % POWERS[decimals];
        let mut bytes = [0u8; 16];
        // Written from the end: the fraction's digits, the point, the integer's digits.
        let mut start = bytes.len();
        if decimals > 0 {
            for _ in 0..decimals {
                start -= 1;
                bytes[start] = b'0' + (fraction % 10) as u8;
                fraction /= 10;
            }
            start -= 1;
            bytes[start] = b'.';
        }
        while integer >= 100 {
            start -= 2;
            put_pair(&mut bytes, start, (integer % 100) as u32);
            integer /= 100;
        }
        if integer >= 10 {
            start -= 2;
            put_pair(&mut bytes, start, integer as u32);
        } else {
            start -= 1;
            bytes[start] = b'0' + integer as u8;
        }
        bytes.copy_within(start.., 0);
        Some(ShortDecimal {
            bytes,
            length: 16 - start,
        })
    }

    fn as_str(&self) -> &str {
        // Only ASCII digits and a point were written.
        std::str::from_utf8(&self.bytes[..self.length]).unwrap_or_default()
    }
}

/// Appends a JSON string with serde_json's escaping. serde_json escapes only `"`, `\\` and
/// control characters below U+0020, so a string without them is copied as it is (the common
/// case, without serde_json's intermediate allocation).
pub(crate) fn push_json_string(line: &mut String, text: &str) {
    // The parser's eight-bytes-at-a-time search for a quote, a backslash or a control byte:
    // exactly the bytes serde_json escapes.
    if crate::parse::string_end(text.as_bytes()).is_none() {
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
            measures: crate::Measures::new(),
        }
    }

    #[test]
    fn writes_measures_last_by_name_and_reads_them_back() {
        let mut record = sample();
        record.measures =
            crate::Measures::from_entries([("peak_rss_mb".into(), 12.5), ("allocs".into(), 812.0)])
                .unwrap();
        let line = record_to_line(&record).unwrap();
        assert!(
            line.ends_with(r#""errorReason":"http 429 too many requests","measures":{"allocs":812,"peak_rss_mb":12.5}}"#),
            "{line}"
        );
        assert_eq!(parse_line(line.as_bytes()), Ok(Line::Record(record)));
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
    fn timestamps_are_written_exactly_as_jiff_displays_them() {
        let mut state: u64 = 0x2545_f491_4f6c_dd1d;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let mut cases: Vec<(i64, i32)> = vec![
            (0, 0),
            (0, 1),
            (1, 100_000_000),
            (1_760_657_686, 422_000_000),
            (1_760_657_686, 999_999_999),
            (253_402_300_799, 999_999_999),
            (253_402_300_800, 0),
            (-1, 0),
            (-1, 500_000_000),
            (-62_135_596_800, 0),
        ];
        for _ in 0..20_000 {
            let seconds = (next() % 253_402_300_800) as i64;
            let nanoseconds = match next() % 4 {
                0 => 0,
                1 => (next() % 1000) as i32 * 1_000_000,
                2 => (next() % 1_000_000) as i32 * 1000,
                _ => (next() % 1_000_000_000) as i32,
            };
            cases.push((seconds, nanoseconds));
        }
        for (seconds, nanoseconds) in cases {
            let Ok(ts) = Timestamp::new(seconds, nanoseconds) else {
                continue;
            };
            let mut line = String::new();
            push_timestamp(&mut line, ts);
            assert_eq!(line, ts.to_string(), "{seconds} {nanoseconds}");
        }
    }

    /// The short decimal writer gives `Display`'s text, for every decimal of up to six
    /// fractional digits below 10^9 (where it must take over) and for arbitrary values (where it
    /// may decline).
    #[test]
    fn short_decimals_are_the_text_display_writes() {
        let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let mut cases = vec![
            1.0,
            0.5,
            100.0,
            131.2,
            24.723,
            0.1 + 0.2,
            1.0 / 3.0,
            0.000_001,
            0.000_000_5,
            999_999_999.999_999,
            999_999_999.999_999_9,
            1e9,
            f64::from_bits(1e9_f64.to_bits() - 1),
            123_456_789.0,
            f64::MIN_POSITIVE,
            5e-324,
            0.0,
            -1.5,
            f64::NAN,
            f64::INFINITY,
        ];
        for _ in 0..200_000 {
            cases.push(match next() % 3 {
                // A decimal with up to six fractional digits, as a log writes it.
                0 => {
                    let decimals = (next() % 7) as i32;
                    let mantissa = next() % 1_000_000_000_000_000;
                    mantissa as f64 / 10f64.powi(decimals)
                }
                // Any value below 10^9, most with 16 or 17 significant digits.
                1 => f64::from_bits(next() % 1e9_f64.to_bits()),
                // A computed latency: a nanosecond count in milliseconds.
                _ => (next() % 10_000_000_000) as f64 / 1e6,
            });
        }
        let mut written = 0;
        for value in cases {
            let expected_short = value > 0.0 && value < 1e9 && {
                let text = value.to_string();
                text.split_once('.')
                    .is_none_or(|(_, fraction)| fraction.len() <= 6)
            };
            match ShortDecimal::new(value) {
                Some(text) => {
                    assert_eq!(text.as_str(), value.to_string(), "{value:e}");
                    written += 1;
                }
                None => assert!(!expected_short, "declined {value:e} ({value})"),
            }
        }
        assert!(written > 50_000, "{written} written");
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
