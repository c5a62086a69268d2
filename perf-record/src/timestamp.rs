//! Timestamps: RFC 3339 (a fast path for the common shape, jiff for everything else) and epoch
//! seconds or milliseconds.

use crate::{ErrorKind, Timestamp, parse::FieldError};

/// Parses an RFC 3339 timestamp with offset: the fast path when it applies, jiff otherwise.
pub(crate) fn parse(text: &str) -> Result<Timestamp, FieldError> {
    match parse_common_shape(text.as_bytes()) {
        Some(timestamp) => Ok(timestamp),
        None => parse_with_jiff(text),
    }
}

/// Parses an RFC 3339 timestamp with offset with jiff, or a string of digits (with at most one
/// `.`) as epoch time ([`from_epoch`]).
pub(crate) fn parse_with_jiff(text: &str) -> Result<Timestamp, FieldError> {
    if is_plain_decimal(text) {
        let value: f64 = text.parse().map_err(|_| bad_epoch(text))?;
        return from_epoch(value);
    }
    text.parse::<Timestamp>().map_err(|error| {
        FieldError::new(
            ErrorKind::BadTimestamp,
            "ts",
            format!("{text:?} is not a timestamp ({error}); {ACCEPTED}"),
        )
    })
}

/// What `ts` may be, with examples, for every message about a bad one.
const ACCEPTED: &str = "expected RFC 3339 with an offset such as \"2025-10-16T23:34:46.422Z\", \
                        or epoch seconds or milliseconds such as 1760657686.422 or 1760657686422";

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
/// seconds, lower-case letters, longer fractions, …) returns `None` and jiff decides.
pub(crate) fn parse_common_shape(bytes: &[u8]) -> Option<Timestamp> {
    if bytes.len() < 20 {
        return None;
    }
    let year = digits(bytes, 0, 4)? as i64;
    let month = digits(bytes, 5, 2)?;
    let day = digits(bytes, 8, 2)?;
    let hour = digits(bytes, 11, 2)?;
    let minute = digits(bytes, 14, 2)?;
    let second = digits(bytes, 17, 2)?;
    if bytes[4] != b'-'
        || bytes[7] != b'-'
        || bytes[10] != b'T'
        || bytes[13] != b':'
        || bytes[16] != b':'
        || !(1..=12).contains(&month)
        || day == 0
        || day > days_in_month(year, month)
        || hour > 23
        || minute > 59
        || second > 59
    {
        return None;
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
        nanosecond *= 10u32.pow((9 - count) as u32);
    }
    let offset_seconds: i64 = match &bytes[position..] {
        [b'Z'] => 0,
        [sign @ (b'+' | b'-'), _, _, b':', _, _] => {
            let offset_hour = digits(bytes, position + 1, 2)?;
            let offset_minute = digits(bytes, position + 4, 2)?;
            if offset_hour > 23 || offset_minute > 59 {
                return None;
            }
            let magnitude = i64::from(offset_hour * 3600 + offset_minute * 60);
            if *sign == b'-' { -magnitude } else { magnitude }
        }
        _ => return None,
    };
    let days = days_from_civil(year, month, day);
    let seconds = days * 86_400 + i64::from(hour * 3600 + minute * 60 + second) - offset_seconds;
    Timestamp::new(seconds, nanosecond as i32).ok()
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
    fn uncommon_shapes_defer_to_jiff() {
        for text in [
            "2025-10-16t23:34:46Z",
            "2025-10-16 23:34:46Z",
            "2025-10-16T23:34:60Z",
            "2023-02-29T00:00:00Z",
            "2025-10-16T23:34:46.1234567891Z",
            "2025-10-16T23:34:46+0200",
            "2025-10-16T23:34:46.Z",
        ] {
            assert_eq!(parse_common_shape(text.as_bytes()), None, "{text}");
        }
    }

    fn shaped() -> impl Strategy<Value = String> {
        (
            0u32..10000,
            0u32..14,
            0u32..33,
            0u32..25,
            0u32..61,
            0u32..61,
            proptest::option::of("[0-9]{1,10}"),
            prop_oneof![
                Just("Z".to_owned()),
                (any::<bool>(), 0u32..25, 0u32..61).prop_map(|(plus, h, m)| format!(
                    "{}{h:02}:{m:02}",
                    if plus { '+' } else { '-' }
                )),
            ],
        )
            .prop_map(|(y, mo, d, h, mi, s, fraction, offset)| {
                let fraction = fraction.map(|f| format!(".{f}")).unwrap_or_default();
                format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}{fraction}{offset}")
            })
    }

    proptest! {
        /// Wherever the fast path answers, jiff gives the same instant; and jiff accepts
        /// nothing in the fast path's shape that the fast path would reject, except the cases
        /// the fast path deliberately leaves to jiff.
        #[test]
        fn fast_path_agrees_with_jiff(text in shaped()) {
            let jiff = text.parse::<Timestamp>().ok();
            match parse_common_shape(text.as_bytes()) {
                Some(fast) => prop_assert_eq!(Some(fast), jiff),
                None => {
                    let deferred = text.contains(":60") || text.contains("+24") || text.contains("-24")
                        || text.split(['.', 'Z', '+', '-']).any(|part| part.len() == 10);
                    prop_assert!(jiff.is_none() || deferred, "fast path rejected {} jiff accepts", text);
                }
            }
        }

        #[test]
        fn fast_path_agrees_with_jiff_on_any_instant(seconds in -62_135_596_800i64..253_402_300_799, nanos in 0i32..1_000_000_000) {
            let timestamp = Timestamp::new(seconds, nanos).unwrap();
            let text = timestamp.to_string();
            prop_assert_eq!(parse_common_shape(text.as_bytes()), Some(timestamp));
        }
    }
}
