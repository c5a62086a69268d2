//! A reference reading of RFC 3339 section 5.6, written for obviousness, not speed: the grammar
//! checked piece by piece with string slices, dates counted day by day from 0000-01-01. The
//! `timestamp` target holds perf-record's two parsers to it.
//!
//! ```text
//! date-time  = full-date ("T" / "t" / " ") full-time   ; the RFC's notes allow t and a space
//! full-date  = 4DIGIT "-" 2DIGIT "-" 2DIGIT            ; month 01-12, day valid in the month
//! full-time  = 2DIGIT ":" 2DIGIT ":" 2DIGIT ["." 1*DIGIT] time-offset
//!                                                      ; hour 00-23, minute 00-59, second 00-60
//! time-offset = "Z" / "z" / ("+" / "-") 2DIGIT ":" 2DIGIT   ; hour 00-23, minute 00-59
//! ```
//!
//! Second 60 only where the UTC instant is 23:59:60 on the last day of a month; it reads as
//! 23:59:59.999999999. Fraction digits past the ninth are dropped. Instants before
//! 0000-01-01T00:00:00Z or after 9999-12-30T22:00:00.999999999Z are moved to those ends.

/// Seconds since 1970-01-01T00:00:00Z and nanoseconds, or `None` when `text` is not a date-time.
pub fn parse(text: &str) -> Option<(i64, u32)> {
    if !text.is_ascii() || text.len() < 20 {
        return None;
    }
    let number = |range: std::ops::Range<usize>| -> Option<i64> {
        let part = &text[range];
        if part.chars().all(|c| c.is_ascii_digit()) {
            part.parse().ok()
        } else {
            None
        }
    };
    let char_at = |index: usize| text.as_bytes()[index] as char;
    let year = number(0..4)?;
    let month = number(5..7)?;
    let day = number(8..10)?;
    let hour = number(11..13)?;
    let minute = number(14..16)?;
    let second = number(17..19)?;
    if char_at(4) != '-' || char_at(7) != '-' || !"Tt ".contains(char_at(10)) {
        return None;
    }
    if char_at(13) != ':' || char_at(16) != ':' {
        return None;
    }
    let mut rest = &text[19..];
    let mut nanos: u32 = 0;
    if let Some(after_dot) = rest.strip_prefix('.') {
        let digits: String = after_dot.chars().take_while(|c| c.is_ascii_digit()).collect();
        if digits.is_empty() {
            return None;
        }
        let first_nine: String = format!("{:0<9}", &digits[..digits.len().min(9)]);
        nanos = first_nine.parse().ok()?;
        rest = &after_dot[digits.len()..];
    }
    let offset_minutes: i64 = if rest == "Z" || rest == "z" {
        0
    } else {
        if rest.len() != 6 || !(rest.starts_with('+') || rest.starts_with('-')) {
            return None;
        }
        if &rest[3..4] != ":" {
            return None;
        }
        let offset_hour = &rest[1..3];
        let offset_minute = &rest[4..6];
        if !offset_hour.chars().chain(offset_minute.chars()).all(|c| c.is_ascii_digit()) {
            return None;
        }
        let (offset_hour, offset_minute): (i64, i64) =
            (offset_hour.parse().ok()?, offset_minute.parse().ok()?);
        if offset_hour > 23 || offset_minute > 59 {
            return None;
        }
        let magnitude = offset_hour * 60 + offset_minute;
        if rest.starts_with('-') { -magnitude } else { magnitude }
    };
    if !(1..=12).contains(&month) || day < 1 || day > month_length(year, month) {
        return None;
    }
    if hour > 23 || minute > 59 || second > 60 {
        return None;
    }
    let local_days = days_since_year_zero(year, month, day);
    let counted_second = second.min(59);
    let utc = local_days * 86_400 + hour * 3600 + minute * 60 + counted_second
        - offset_minutes * 60
        - DAYS_FROM_YEAR_ZERO_TO_1970 * 86_400;
    if second == 60 {
        // The next instant must be midnight UTC on the first day of a month.
        let next = utc + 1;
        if next.rem_euclid(86_400) != 0 {
            return None;
        }
        let (_, _, next_day) = date_of(next.div_euclid(86_400) + DAYS_FROM_YEAR_ZERO_TO_1970);
        if next_day != 1 {
            return None;
        }
        nanos = 999_999_999;
    }
    Some(clamp(utc, nanos))
}

const DAYS_FROM_YEAR_ZERO_TO_1970: i64 = 719_528;
const EARLIEST: (i64, u32) = (-62_167_219_200, 0);
const LATEST: (i64, u32) = (253_402_207_200, 999_999_999);

fn clamp(seconds: i64, nanos: u32) -> (i64, u32) {
    if seconds < EARLIEST.0 {
        EARLIEST
    } else if seconds > LATEST.0 {
        LATEST
    } else {
        (seconds, nanos)
    }
}

fn is_leap_year(year: i64) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

fn month_length(year: i64, month: i64) -> i64 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if is_leap_year(year) => 29,
        _ => 28,
    }
}

/// Days from 0000-01-01 to the date, counted year by year and month by month.
fn days_since_year_zero(year: i64, month: i64, day: i64) -> i64 {
    let mut days = 0;
    for earlier_year in 0..year {
        days += if is_leap_year(earlier_year) { 366 } else { 365 };
    }
    for earlier_month in 1..month {
        days += month_length(year, earlier_month);
    }
    days + day - 1
}

/// The date `days` after 0000-01-01 (from -1 on: the day before is 0000-12-31 of year -1).
fn date_of(mut days: i64) -> (i64, i64, i64) {
    let mut year = 0;
    while days < 0 {
        year -= 1;
        days += if is_leap_year(year) { 366 } else { 365 };
    }
    loop {
        let length = if is_leap_year(year) { 366 } else { 365 };
        if days < length {
            break;
        }
        days -= length;
        year += 1;
    }
    let mut month = 1;
    while days >= month_length(year, month) {
        days -= month_length(year, month);
        month += 1;
    }
    (year, month, days + 1)
}
