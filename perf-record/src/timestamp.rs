//! RFC 3339 timestamps: a fast path for the common shape, jiff for everything else.

use crate::{ErrorKind, Timestamp, parse::FieldError};

/// Parses an RFC 3339 timestamp with offset: the fast path when it applies, jiff otherwise.
pub(crate) fn parse(text: &str) -> Result<Timestamp, FieldError> {
    match parse_common_shape(text.as_bytes()) {
        Some(timestamp) => Ok(timestamp),
        None => parse_with_jiff(text),
    }
}

/// Parses an RFC 3339 timestamp with offset with jiff.
pub(crate) fn parse_with_jiff(text: &str) -> Result<Timestamp, FieldError> {
    text.parse::<Timestamp>().map_err(|error| {
        FieldError::new(
            ErrorKind::BadTimestamp,
            "ts",
            format!("{text:?} is not an RFC 3339 timestamp with offset: {error}"),
        )
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
