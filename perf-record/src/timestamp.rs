//! Timestamps: RFC 3339 section 5.6 date-times (a fast path for the common shape, a complete
//! strict parser for everything else) and epoch seconds or milliseconds.
//!
//! The grammar is RFC 3339's, exactly: `YYYY-MM-DD` `T` `HH:MM:SS` `[.fraction]` then `Z` or
//! `+hh:mm` / `-hh:mm`. `T` and `Z` may be lower case (the RFC's note on ISO 8601), a space may
//! stand for `T` (the note in section 5.6); a fraction has any number of digits (those past the
//! ninth, below a nanosecond, are dropped). Everything else ISO 8601 or jiff would take is
//! refused: the basic format `20251016T090000Z`, offsets `+24:00`, `+02` or `+0200`, a
//! `[Europe/Paris]` suffix. A leap second (`:60`) is accepted where the leap-second rule allows
//! one, at 23:59:60 UTC on the last day of a month (whatever the offset it is written in), and
//! is read as the last nanosecond of that minute, `23:59:59.999999999Z`: it sorts after every
//! instant of the minute and before the next one. An instant after 9999-12-30T22:00:00.999999999Z
//! (the end of jiff's range; RFC 3339 reaches 9999-12-31T23:59:59Z) is read as that instant, one
//! before 0000-01-01T00:00:00Z (`0000-01-01T00:00:00+01:00`, which UTC cannot write) as that one.

use std::cell::Cell;
use std::fmt;

use crate::{ErrorKind, Timestamp, parse::FieldError};

/// Parses an RFC 3339 timestamp with offset: the fast path when it applies, the complete parser
/// otherwise.
pub(crate) fn parse(text: &str) -> Result<Timestamp, FieldError> {
    match parse_common_shape(text.as_bytes()) {
        Some(timestamp) => Ok(timestamp),
        None => parse_text(text),
    }
}

/// Parses an RFC 3339 date-time with the complete parser ([`parse_rfc3339`]), or a string of
/// digits (with at most one `.`) as epoch time ([`from_epoch`]).
pub(crate) fn parse_text(text: &str) -> Result<Timestamp, FieldError> {
    if is_plain_decimal(text) {
        let value: f64 = text.parse().map_err(|_| bad_epoch(text))?;
        return from_epoch(value);
    }
    parse_rfc3339(text.as_bytes()).map_err(|problem| {
        FieldError::new(
            ErrorKind::BadTimestamp,
            "ts",
            format!("{text:?} is not a timestamp ({problem}); {ACCEPTED}"),
        )
    })
}

/// What `ts` may be, with examples, for every message about a bad one.
const ACCEPTED: &str = "expected RFC 3339 with an offset such as \"2025-10-16T23:34:46.422Z\", \
                        or epoch seconds or milliseconds such as 1760657686.422 or 1760657686422";

/// Why a text is not an RFC 3339 date-time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Problem {
    /// The text does not have the grammar's shape at a 1-based character position.
    Expected { what: &'static str, position: usize },
    /// A field is outside its range.
    OutOfRange {
        field: &'static str,
        value: u32,
        range: &'static str,
    },
    /// The month has no such day.
    NoSuchDay { year: u32, month: u32, day: u32 },
    /// `:60` anywhere but 23:59:60 UTC on the last day of a month.
    MisplacedLeapSecond,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Problem::Expected { what, position } => {
                write!(f, "expected {what} at character {position}")
            }
            Problem::OutOfRange {
                field,
                value,
                range,
            } => write!(f, "{field} {value:02} is not in {range}"),
            Problem::NoSuchDay { year, month, day } => {
                write!(f, "{year:04}-{month:02} has no day {day:02}")
            }
            Problem::MisplacedLeapSecond => f.write_str(
                "second 60 is a leap second, which only 23:59:60 UTC on the last day of a month can be",
            ),
        }
    }
}

/// Reads the grammar's fixed-width pieces left to right.
struct Cursor<'a> {
    bytes: &'a [u8],
    position: usize,
}

impl Cursor<'_> {
    fn expected(&self, what: &'static str) -> Problem {
        Problem::Expected {
            what,
            position: self.position + 1,
        }
    }

    /// Exactly `count` ASCII digits.
    fn digits(&mut self, count: usize, what: &'static str) -> Result<u32, Problem> {
        let mut value = 0;
        for _ in 0..count {
            match self.bytes.get(self.position) {
                Some(&byte) if byte.is_ascii_digit() => {
                    value = value * 10 + u32::from(byte - b'0');
                    self.position += 1;
                }
                _ => return Err(self.expected(what)),
            }
        }
        Ok(value)
    }

    /// One byte out of `allowed`, returned.
    fn one_of(&mut self, allowed: &[u8], what: &'static str) -> Result<u8, Problem> {
        match self.bytes.get(self.position) {
            Some(byte) if allowed.contains(byte) => {
                self.position += 1;
                Ok(*byte)
            }
            _ => Err(self.expected(what)),
        }
    }
}

/// Parses an RFC 3339 section 5.6 `date-time` (see the module documentation for the exact
/// rules, leap seconds and the end of the range).
fn parse_rfc3339(bytes: &[u8]) -> Result<Timestamp, Problem> {
    let mut cursor = Cursor { bytes, position: 0 };
    let year = cursor.digits(4, "a four-digit year")?;
    cursor.one_of(b"-", "'-' after the year")?;
    let month = cursor.digits(2, "a two-digit month")?;
    cursor.one_of(b"-", "'-' after the month")?;
    let day = cursor.digits(2, "a two-digit day")?;
    cursor.one_of(b"Tt ", "'T' between the date and the time")?;
    let hour = cursor.digits(2, "a two-digit hour")?;
    cursor.one_of(b":", "':' after the hour")?;
    let minute = cursor.digits(2, "two-digit minutes")?;
    cursor.one_of(b":", "':' after the minutes")?;
    let second = cursor.digits(2, "two-digit seconds")?;
    let mut nanosecond: u32 = 0;
    if bytes.get(cursor.position) == Some(&b'.') {
        cursor.position += 1;
        let start = cursor.position;
        while let Some(&digit) = bytes.get(cursor.position).filter(|b| b.is_ascii_digit()) {
            if cursor.position - start < 9 {
                nanosecond = nanosecond * 10 + u32::from(digit - b'0');
            }
            cursor.position += 1;
        }
        let count = cursor.position - start;
        if count == 0 {
            return Err(cursor.expected("a digit after '.'"));
        }
        if count < 9 {
            nanosecond *= [
                1,
                10,
                100,
                1_000,
                10_000,
                100_000,
                1_000_000,
                10_000_000,
                100_000_000,
            ][9 - count];
        }
    }
    let offset_seconds = match cursor.one_of(b"Zz+-", "an offset ('Z', '+hh:mm' or '-hh:mm')")? {
        b'Z' | b'z' => 0,
        sign => {
            let offset_hour = cursor.digits(2, "a two-digit offset hour")?;
            cursor.one_of(b":", "':' in the offset")?;
            let offset_minute = cursor.digits(2, "two-digit offset minutes")?;
            in_range("offset hour", offset_hour, 0, 23, "00-23")?;
            in_range("offset minutes", offset_minute, 0, 59, "00-59")?;
            let magnitude = i64::from(offset_hour * 3600 + offset_minute * 60);
            if sign == b'-' { -magnitude } else { magnitude }
        }
    };
    if cursor.position != bytes.len() {
        return Err(cursor.expected("the end after the offset"));
    }
    in_range("month", month, 1, 12, "01-12")?;
    if day == 0 || day > days_in_month(i64::from(year), month) {
        return Err(Problem::NoSuchDay { year, month, day });
    }
    in_range("hour", hour, 0, 23, "00-23")?;
    in_range("minutes", minute, 0, 59, "00-59")?;
    in_range("seconds", second, 0, 60, "00-60")?;
    let days = days_from_civil(i64::from(year), month, day);
    let local = days * 86_400 + i64::from(hour * 3600 + minute * 60 + second.min(59));
    let seconds = local - offset_seconds;
    if second == 60 {
        // The leap second follows 23:59:59 UTC of a month's last day: the next second is the
        // first of a month.
        let next = seconds + 1;
        let (_, _, next_day) = crate::civil_from_days(next.div_euclid(86_400));
        if next.rem_euclid(86_400) != 0 || next_day != 1 {
            return Err(Problem::MisplacedLeapSecond);
        }
        nanosecond = 999_999_999;
    }
    Ok(clamped(seconds, nanosecond))
}

fn in_range(
    field: &'static str,
    value: u32,
    low: u32,
    high: u32,
    range: &'static str,
) -> Result<(), Problem> {
    if (low..=high).contains(&value) {
        Ok(())
    } else {
        Err(Problem::OutOfRange {
            field,
            value,
            range,
        })
    }
}

/// 0000-01-01T00:00:00Z in seconds since the epoch: the first instant RFC 3339 can write in UTC.
const EARLIEST_SECOND: i64 = -62_167_219_200;

/// The instant, or the nearest end of the range a record's `ts` may hold (see [`validate`]).
fn clamped(seconds: i64, nanosecond: u32) -> Timestamp {
    if seconds < EARLIEST_SECOND {
        // An offset moved 0000-01-01 before the year 0000, which UTC cannot write.
        return Timestamp::new(EARLIEST_SECOND, 0).unwrap_or(Timestamp::MIN);
    }
    // Below 10^9, so it fits an i32.
    Timestamp::new(seconds, nanosecond as i32).unwrap_or(Timestamp::MAX)
}

/// Checks that a record built in code has a `ts` its line can write and read back: from
/// 0000-01-01T00:00:00Z to [`Timestamp::MAX`] (jiff's last instant, 9999-12-30T22:00:00.999999999Z).
pub(crate) fn validate(ts: Timestamp) -> Result<(), FieldError> {
    if ts.as_second() < EARLIEST_SECOND {
        return Err(FieldError::new(
            ErrorKind::BadTimestamp,
            "ts",
            format!("{ts} is before 0000-01-01T00:00:00Z, the first instant RFC 3339 writes"),
        ));
    }
    Ok(())
}

/// Epoch times below this are seconds, from it milliseconds: 10^11 seconds is the year 5138,
/// 10^11 milliseconds is 1973-03-03.
pub(crate) const EPOCH_MILLISECONDS_FROM: f64 = 1e11;

/// Epoch times from this on are refused (10^14 milliseconds is the year 5138; a larger number
/// is probably micro- or nanoseconds).
pub(crate) const EPOCH_LIMIT: f64 = 1e14;

/// Epoch time as a number: below 10^11 seconds, from 10^11 to below 10^14 milliseconds (the
/// magnitude tells them apart: every date from 1973 to 5138 has one reading only), rounded to
/// the microsecond (an f64 holds no more of today's epoch times). Negative and larger numbers
/// are refused.
pub(crate) fn from_epoch(value: f64) -> Result<Timestamp, FieldError> {
    if !(0.0..EPOCH_LIMIT).contains(&value) {
        return Err(bad_epoch(&value.to_string()));
    }
    let micros = if value < EPOCH_MILLISECONDS_FROM {
        value * 1e6
    } else {
        value * 1e3
    };
    // Below 10^17, so the conversion is exact and in range.
    Timestamp::from_microsecond(micros.round() as i64).map_err(|_| bad_epoch(&value.to_string()))
}

fn bad_epoch(text: &str) -> FieldError {
    FieldError::new(
        ErrorKind::BadTimestamp,
        "ts",
        format!(
            "epoch time {text} is out of range (seconds below 1e11, milliseconds below 1e14); \
             {ACCEPTED}"
        ),
    )
}

/// `123`, `123.456`: digits with at most one `.` between them.
fn is_plain_decimal(text: &str) -> bool {
    let mut dots = 0;
    !text.is_empty()
        && !text.starts_with('.')
        && !text.ends_with('.')
        && text.bytes().all(|byte| match byte {
            b'0'..=b'9' => true,
            b'.' => {
                dots += 1;
                dots == 1
            }
            _ => false,
        })
}

/// `YYYY-MM-DDTHH:MM:SS[.fraction](Z|+hh:mm|-hh:mm)` with a fraction of 1 to 9 digits, a valid
/// date, hours < 24, minutes and seconds < 60 and offset hours < 24. Anything else (leap
/// seconds, lower-case letters, longer fractions, the end of the range, …) returns `None` and
/// [`parse_rfc3339`] decides; where this answers, it answers as that does.
pub(crate) fn parse_common_shape(bytes: &[u8]) -> Option<Timestamp> {
    parse_common_prefix(bytes)
        .and_then(|(timestamp, length)| (length == bytes.len()).then_some(timestamp))
}

/// [`parse_common_shape`] of the longest prefix of `bytes` that has the common shape, and that
/// prefix's length: the JSON scanner reads a `ts` string with it in place, without scanning the
/// string first (every byte of the shape is a digit, `-`, `T`, `:`, `.`, `Z` or `+`, none of which
/// ends or escapes a JSON string). `None` where the shape does not start `bytes`.
pub(crate) fn parse_common_prefix(bytes: &[u8]) -> Option<(Timestamp, usize)> {
    if bytes.len() < 20 {
        return None;
    }
    let minute_seconds = minute_seconds(bytes.first_chunk::<16>()?)?;
    let second = two_digits(bytes[17], bytes[18])?;
    if bytes[16] != b':' || second > 59 {
        return None;
    }
    // The commonest shape of all, milliseconds in UTC (`.422Z`), in one comparison; any other
    // fraction or offset is read below (which reads this one the same way).
    if let Some(&[b'.', high, middle, low, b'Z']) = bytes.get(19..24)
        && let Some(millisecond) = three_digits(high, middle, low)
    {
        let timestamp = Timestamp::new(
            minute_seconds + i64::from(second),
            millisecond as i32 * 1_000_000,
        )
        .ok()?;
        return Some((timestamp, 24));
    }
    let mut position = 19;
    let mut nanosecond: u32 = 0;
    if bytes[position] == b'.' {
        position += 1;
        let start = position;
        while let Some(digit @ b'0'..=b'9') = bytes.get(position) {
            if position - start == 9 {
                return None;
            }
            nanosecond = nanosecond * 10 + u32::from(digit - b'0');
            position += 1;
        }
        let count = position - start;
        if count == 0 {
            return None;
        }
        nanosecond *= [
            1,
            10,
            100,
            1_000,
            10_000,
            100_000,
            1_000_000,
            10_000_000,
            100_000_000,
        ][9 - count];
    }
    let (offset_seconds, length): (i64, usize) = match &bytes[position..] {
        [b'Z', ..] => (0, position + 1),
        [sign @ (b'+' | b'-'), _, _, b':', _, _, ..] => {
            let offset_hour = digits(bytes, position + 1, 2)?;
            let offset_minute = digits(bytes, position + 4, 2)?;
            if offset_hour > 23 || offset_minute > 59 {
                return None;
            }
            let magnitude = i64::from(offset_hour * 3600 + offset_minute * 60);
            let offset = if *sign == b'-' { -magnitude } else { magnitude };
            (offset, position + 6)
        }
        _ => return None,
    };
    let seconds = minute_seconds + i64::from(second) - offset_seconds;
    let timestamp = Timestamp::new(seconds, nanosecond as i32).ok()?;
    Some((timestamp, length))
}

thread_local! {
    /// The last minute (`YYYY-MM-DDTHH:MM`) [`minute_seconds`] read on this thread and its
    /// seconds since the epoch: the records of a log mostly share their minute with the record
    /// before, so most timestamps skip the date's and the time's digits, their checks and the
    /// calendar arithmetic (two word compares instead, about a third of a timestamp).
    static LAST_MINUTE: Cell<Option<([u8; 16], i64)>> = const { Cell::new(None) };
    /// The last date (`YYYY-MM-DD`) [`date_days`] read on this thread and its day number: when
    /// the minute changes (records seconds or minutes apart), the date mostly does not.
    static LAST_DATE: Cell<Option<([u8; 10], i64)>> = const { Cell::new(None) };
}

/// The seconds since 1970-01-01T00:00:00 (before the offset) of a valid `YYYY-MM-DDTHH:MM`, with
/// hours below 24 and minutes below 60, or `None`.
fn minute_seconds(prefix: &[u8; 16]) -> Option<i64> {
    if let Some((last, seconds)) = LAST_MINUTE.get()
        && last == *prefix
    {
        return Some(seconds);
    }
    let days = date_days(prefix.first_chunk::<10>()?)?;
    let hour = two_digits(prefix[11], prefix[12])?;
    let minute = two_digits(prefix[14], prefix[15])?;
    if prefix[10] != b'T' || prefix[13] != b':' || hour > 23 || minute > 59 {
        return None;
    }
    let seconds = days * 86_400 + i64::from(hour * 3600 + minute * 60);
    LAST_MINUTE.set(Some((*prefix, seconds)));
    Some(seconds)
}

/// The days since 1970-01-01 of a valid `YYYY-MM-DD` date, or `None`.
fn date_days(date: &[u8; 10]) -> Option<i64> {
    if let Some((last, days)) = LAST_DATE.get()
        && last == *date
    {
        return Some(days);
    }
    let year = i64::from(digits(date, 0, 4)?);
    let month = digits(date, 5, 2)?;
    let day = digits(date, 8, 2)?;
    if date[4] != b'-'
        || date[7] != b'-'
        || !(1..=12).contains(&month)
        || day == 0
        || day > days_in_month(year, month)
    {
        return None;
    }
    let days = days_from_civil(year, month, day);
    LAST_DATE.set(Some((*date, days)));
    Some(days)
}

/// Two ASCII digits as a number.
fn two_digits(high: u8, low: u8) -> Option<u32> {
    let (high, low) = (high.wrapping_sub(b'0'), low.wrapping_sub(b'0'));
    (high < 10 && low < 10).then(|| u32::from(high) * 10 + u32::from(low))
}

/// Three ASCII digits as a number, or `None`.
fn three_digits(high: u8, middle: u8, low: u8) -> Option<u32> {
    let (high, middle, low) = (
        high.wrapping_sub(b'0'),
        middle.wrapping_sub(b'0'),
        low.wrapping_sub(b'0'),
    );
    (high < 10 && middle < 10 && low < 10)
        .then(|| u32::from(high) * 100 + u32::from(middle) * 10 + u32::from(low))
}

/// `count` ASCII digits at `start`, as a number.
fn digits(bytes: &[u8], start: usize, count: usize) -> Option<u32> {
    let mut value = 0;
    for &byte in bytes.get(start..start + count)? {
        if !byte.is_ascii_digit() {
            return None;
        }
        value = value * 10 + u32::from(byte - b'0');
    }
    Some(value)
}

fn days_in_month(year: i64, month: u32) -> u32 {
    match month {
        2 if year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let month = i64::from(month);
    let day_of_year =
        (153 * (if month > 2 { month - 3 } else { month + 9 }) + 2) / 5 + i64::from(day) - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn epoch_seconds_and_milliseconds_are_told_apart_by_magnitude() {
        let ts = |value: f64| {
            from_epoch(value)
                .map(|ts| ts.to_string())
                .map_err(|e| e.detail)
        };
        assert_eq!(ts(1760657686.0).unwrap(), "2025-10-16T23:34:46Z");
        assert_eq!(ts(1760657686.422).unwrap(), "2025-10-16T23:34:46.422Z");
        assert_eq!(ts(1760657686422.0).unwrap(), "2025-10-16T23:34:46.422Z");
        assert_eq!(ts(1760657686422.5).unwrap(), "2025-10-16T23:34:46.4225Z");
        assert_eq!(ts(0.0).unwrap(), "1970-01-01T00:00:00Z");
        assert_eq!(ts(99_999_999_999.0).unwrap(), "5138-11-16T09:46:39Z");
        assert_eq!(ts(100_000_000_000.0).unwrap(), "1973-03-03T09:46:40Z");
        for bad in [-1.0, 1e14, 1.7e15, f64::INFINITY, f64::NAN] {
            let detail = ts(bad).unwrap_err();
            assert!(detail.contains("out of range"), "{detail}");
            assert!(detail.contains("2025-10-16T23:34:46.422Z"), "{detail}");
        }
    }

    #[test]
    fn digit_strings_are_epoch_times_and_a_bad_string_shows_what_is_accepted() {
        assert_eq!(
            parse("1760657686422")
                .map(|ts| ts.to_string())
                .ok()
                .as_deref(),
            Some("2025-10-16T23:34:46.422Z")
        );
        assert_eq!(
            parse("1760657686.5")
                .map(|ts| ts.to_string())
                .ok()
                .as_deref(),
            Some("2025-10-16T23:34:46.5Z")
        );
        let Err(error) = parse("yesterday") else {
            panic!("not a time")
        };
        assert_eq!(error.kind, ErrorKind::BadTimestamp);
        assert!(
            error
                .detail
                .starts_with("\"yesterday\" is not a timestamp ("),
            "{}",
            error.detail
        );
        assert!(error.detail.ends_with(ACCEPTED), "{}", error.detail);
        for text in ["1.2.3", ".5", "5.", "", "-5"] {
            assert!(!is_plain_decimal(text), "{text}");
        }
    }

    #[test]
    fn common_shapes() {
        for text in [
            "2025-10-16T23:34:46.422Z",
            "2025-10-16T23:34:46Z",
            "2024-02-29T00:00:00.000000001+05:30",
            "1970-01-01T00:00:00-23:59",
            "0001-01-01T00:00:00Z",
            "2000-03-01T12:00:00.5-00:00",
        ] {
            let fast = parse_common_shape(text.as_bytes());
            assert!(fast.is_some(), "{text}");
            assert_eq!(fast, text.parse::<Timestamp>().ok(), "{text}");
        }
    }

    #[test]
    fn consecutive_timestamps_of_one_minute_read_as_each_alone() {
        // The minute cache: hits, misses, and lines whose cached minute comes with a bad rest.
        let texts = [
            "2025-10-16T23:34:46.422Z",
            "2025-10-16T23:34:59Z",
            "2025-10-16T23:34:00.000000001+05:30",
            "2025-10-16T23:34:60Z",
            "2025-10-16T23:34:61Z",
            "2025-10-16T23:34:4xZ",
            "2025-10-16T23:34-01Z",
            "2025-10-16T23:34:07-23:59",
            "2025-10-16T23:35:07Z",
            "2025-10-16T23:34:07Z",
            "2023-02-29T00:00:00Z",
            "2023-02-29T00:00:01Z",
            "2024-02-29T00:00:00Z",
            "2024-02-29T00:00:01Z",
        ];
        for round in 0..2 {
            for text in texts {
                let fast = parse_common_shape(text.as_bytes());
                let complete = parse_rfc3339(text.as_bytes()).ok();
                if let Some(fast) = fast {
                    assert_eq!(Some(fast), complete, "{text} (round {round})");
                }
                assert_eq!(parse(text).ok(), complete, "{text} (round {round})");
            }
        }
        assert!(parse_common_shape(b"2025-10-16T23:34:07Z").is_some());
        assert_eq!(parse_common_shape(b"2025-10-16T23:34:61Z"), None);
        assert_eq!(parse_common_shape(b"2023-02-29T00:00:01Z"), None);
    }

    #[test]
    fn uncommon_shapes_defer_to_the_complete_parser() {
        for text in [
            "2025-10-16t23:34:46Z",
            "2025-10-16 23:34:46Z",
            "2025-12-31T23:59:60Z",
            "2023-02-29T00:00:00Z",
            "2025-10-16T23:34:46.1234567891Z",
            "2025-10-16T23:34:46+0200",
            "2025-10-16T23:34:46.Z",
            "9999-12-31T23:59:59Z",
        ] {
            assert_eq!(parse_common_shape(text.as_bytes()), None, "{text}");
        }
    }

    fn rfc3339(text: &str) -> Result<String, String> {
        parse_rfc3339(text.as_bytes())
            .map(|ts| ts.to_string())
            .map_err(|problem| problem.to_string())
    }

    #[test]
    fn rfc3339_accepts_what_section_5_6_allows() {
        for (text, instant) in [
            ("9999-12-31T23:59:59Z", "9999-12-30T22:00:00.999999999Z"),
            (
                "9999-12-30T22:00:00.999999999Z",
                "9999-12-30T22:00:00.999999999Z",
            ),
            ("0000-01-01T00:00:00Z", "0000-01-01T00:00:00Z"),
            ("0000-01-01T00:00:00+23:59", "0000-01-01T00:00:00Z"),
            ("0000-01-01T23:59:00+23:59", "0000-01-01T00:00:00Z"),
            ("0000-01-01T23:59:01+23:59", "0000-01-01T00:00:01Z"),
            (
                "2025-10-16T09:00:00.123456789012Z",
                "2025-10-16T09:00:00.123456789Z",
            ),
            (
                "2025-10-16T09:00:00.999999999999999Z",
                "2025-10-16T09:00:00.999999999Z",
            ),
            ("2025-10-16t09:00:00z", "2025-10-16T09:00:00Z"),
            ("2025-10-16 09:00:00+02:00", "2025-10-16T07:00:00Z"),
            ("2025-10-16T09:00:00-00:00", "2025-10-16T09:00:00Z"),
            ("2016-12-31T23:59:60Z", "2016-12-31T23:59:59.999999999Z"),
            ("2016-12-31T23:59:60.5Z", "2016-12-31T23:59:59.999999999Z"),
            (
                "2017-01-01T05:29:60+05:30",
                "2016-12-31T23:59:59.999999999Z",
            ),
            (
                "2016-12-31T15:59:60-08:00",
                "2016-12-31T23:59:59.999999999Z",
            ),
            ("2024-02-29T23:59:60Z", "2024-02-29T23:59:59.999999999Z"),
        ] {
            assert_eq!(rfc3339(text).as_deref(), Ok(instant), "{text}");
        }
    }

    #[test]
    fn rfc3339_refuses_what_section_5_6_does_not_allow() {
        for (text, problem) in [
            (
                "20251016T090000Z",
                "expected '-' after the year at character 5",
            ),
            (
                "2025-10-16T09:00:00+24:00",
                "offset hour 24 is not in 00-23",
            ),
            (
                "2025-10-16T09:00:00+02",
                "expected ':' in the offset at character 23",
            ),
            (
                "2025-10-16T09:00:00+0200",
                "expected ':' in the offset at character 23",
            ),
            (
                "2025-10-16T09:00:00+02:00[Europe/Paris]",
                "expected the end after the offset at character 26",
            ),
            (
                "2025-10-16T09:00:00Z[UTC]",
                "expected the end after the offset at character 21",
            ),
            (
                "2025-10-16T09:00:00",
                "expected an offset ('Z', '+hh:mm' or '-hh:mm') at character 20",
            ),
            (
                "2025-10-16T09:00Z",
                "expected ':' after the minutes at character 17",
            ),
            (
                "2025-10-16_09:00:00Z",
                "expected 'T' between the date and the time at character 11",
            ),
            (
                "2025-10-16T09:00:00.Z",
                "expected a digit after '.' at character 21",
            ),
            (
                "2025-10-16T09:00:00,5Z",
                "expected an offset ('Z', '+hh:mm' or '-hh:mm') at character 20",
            ),
            (
                "+2025-10-16T09:00:00Z",
                "expected a four-digit year at character 1",
            ),
            ("2025-13-16T09:00:00Z", "month 13 is not in 01-12"),
            ("2023-02-29T09:00:00Z", "2023-02 has no day 29"),
            ("2025-10-16T24:00:00Z", "hour 24 is not in 00-23"),
            ("2025-10-16T09:60:00Z", "minutes 60 is not in 00-59"),
            ("2025-10-16T09:00:61Z", "seconds 61 is not in 00-60"),
            (
                "2025-10-16T09:00:00+02:60",
                "offset minutes 60 is not in 00-59",
            ),
            (
                "2016-12-31T23:58:60Z",
                "second 60 is a leap second, which only 23:59:60 UTC on the last day of a month can be",
            ),
            (
                "2016-12-30T23:59:60Z",
                "second 60 is a leap second, which only 23:59:60 UTC on the last day of a month can be",
            ),
            (
                "2016-12-31T23:59:60+01:00",
                "second 60 is a leap second, which only 23:59:60 UTC on the last day of a month can be",
            ),
            (
                "2025-10-16T09:00:00Z ",
                "expected the end after the offset at character 21",
            ),
        ] {
            assert_eq!(rfc3339(text).err().as_deref(), Some(problem), "{text}");
        }
    }

    #[test]
    fn a_bad_timestamp_names_its_problem_and_what_is_accepted() {
        let Err(error) = parse("20251016T090000Z") else {
            panic!("the basic format is not RFC 3339")
        };
        assert_eq!(
            error.detail,
            format!(
                "\"20251016T090000Z\" is not a timestamp (expected '-' after the year at character 5); {ACCEPTED}"
            )
        );
    }

    fn shaped() -> impl Strategy<Value = String> {
        (
            0u32..10000,
            0u32..14,
            0u32..33,
            0u32..25,
            0u32..61,
            0u32..62,
            proptest::option::of("[0-9]{1,14}"),
            prop_oneof![
                Just("Z".to_owned()),
                Just("z".to_owned()),
                (any::<bool>(), 0u32..25, 0u32..61).prop_map(|(plus, h, m)| format!(
                    "{}{h:02}:{m:02}",
                    if plus { '+' } else { '-' }
                )),
            ],
            prop_oneof![Just('T'), Just('t'), Just(' ')],
        )
            .prop_map(|(y, mo, d, h, mi, s, fraction, offset, separator)| {
                let fraction = fraction.map(|f| format!(".{f}")).unwrap_or_default();
                format!("{y:04}-{mo:02}-{d:02}{separator}{h:02}:{mi:02}:{s:02}{fraction}{offset}")
            })
    }

    proptest! {
        /// Wherever the fast path answers, the complete parser gives the same instant; the
        /// public entry point always answers as the complete parser does.
        #[test]
        fn fast_path_agrees_with_the_complete_parser(text in shaped()) {
            let complete = parse_rfc3339(text.as_bytes()).ok();
            if let Some(fast) = parse_common_shape(text.as_bytes()) {
                prop_assert_eq!(Some(fast), complete);
            }
            prop_assert_eq!(parse(&text).ok(), complete);
        }

        /// The prefix form the JSON scanner uses reads exactly what the whole-text form reads,
        /// whatever follows it.
        #[test]
        fn the_prefix_path_reads_what_the_whole_text_path_reads(text in shaped(), suffix in "[\"0-9Z:+.a-]{0,3}") {
            let whole = parse_common_shape(text.as_bytes());
            let followed = format!("{text}{suffix}");
            let prefix = parse_common_prefix(followed.as_bytes());
            if let Some((timestamp, length)) = prefix {
                prop_assert_eq!(parse_common_shape(&followed.as_bytes()[..length]), Some(timestamp));
            }
            // The shape ends with its offset: what follows is never read.
            if let Some(timestamp) = whole {
                prop_assert_eq!(prefix, Some((timestamp, text.len())));
            }
        }

        /// The millisecond UTC shortcut (`.422Z`): the complete parser's instant, with any digits,
        /// valid or not, and with a digit or other byte after the `Z` or in place of it.
        #[test]
        fn the_millisecond_shortcut_agrees_with_the_complete_parser(
            text in shaped(),
            milliseconds in "[0-9/:]{3}",
            end in prop_oneof![Just("Z"), Just("Z\""), Just("Z1"), Just("1Z"), Just("z"), Just("+01:00")],
        ) {
            let text = format!("{}.{milliseconds}{end}", &text[..19]);
            let complete = parse_rfc3339(text.as_bytes()).ok();
            if let Some((fast, length)) = parse_common_prefix(text.as_bytes()) {
                prop_assert_eq!(parse_rfc3339(&text.as_bytes()[..length]).ok(), Some(fast));
                if length == text.len() {
                    prop_assert_eq!(Some(fast), complete);
                }
            }
            prop_assert_eq!(parse(&text).ok(), complete);
        }

        #[test]
        fn fast_path_agrees_with_jiff_on_any_instant(seconds in -62_135_596_800i64..253_402_207_200, nanos in 0i32..1_000_000_000) {
            let timestamp = Timestamp::new(seconds, nanos).unwrap();
            let text = timestamp.to_string();
            prop_assert_eq!(parse_common_shape(text.as_bytes()), Some(timestamp));
            prop_assert_eq!(parse_rfc3339(text.as_bytes()), Ok(timestamp));
        }
    }
}
