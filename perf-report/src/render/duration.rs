//! Durations for people: the one formatting of a time in every renderer.
//!
//! Values arrive in milliseconds (the unit of every record and of the JSON report, which keeps
//! them raw) and are shown the way hyperfine and criterion show them: scaled to ns, µs, ms or s
//! with 3-4 significant digits (`2.13 µs`, `18.30 ms`, `500.5 ms`, `1.52 s`), so a 2 µs cache
//! lookup never reads `0.00ms`. A table picks one [`TimeUnit`] for all its duration cells
//! ([`TimeUnit::for_column`]) and writes each cell in it with [`format_in`], still with at least
//! three significant digits; a sentence writes each value in its own unit ([`format()`]).
//!
//! ```
//! use perf_report::render::duration::{Symbols, TimeUnit, format, format_in};
//!
//! assert_eq!(format(0.002_13, Symbols::Unicode), "2.13 µs");
//! assert_eq!(format(18.3, Symbols::Ascii), "18.30 ms");
//! assert_eq!(format(1520.0, Symbols::Unicode), "1.52 s");
//! let unit = TimeUnit::for_column([0.5, 0.7, 20.0]);
//! assert_eq!(unit, TimeUnit::Microseconds);
//! assert_eq!(format_in(20.0, unit, Symbols::Unicode), "20000 µs");
//! ```

/// A unit a duration is shown in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum TimeUnit {
    /// Nanoseconds.
    Nanoseconds,
    /// Microseconds.
    Microseconds,
    /// Milliseconds.
    Milliseconds,
    /// Seconds.
    Seconds,
}

/// Which characters a unit symbol may use: `µs` in Markdown, XML and annotations, `us` in the
/// ASCII-only text report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Symbols {
    /// `ns`, `us`, `ms`, `s`.
    Ascii,
    /// `ns`, `µs`, `ms`, `s`.
    Unicode,
}

impl TimeUnit {
    /// Milliseconds in one of this unit.
    pub fn milliseconds(self) -> f64 {
        match self {
            TimeUnit::Nanoseconds => 1e-6,
            TimeUnit::Microseconds => 1e-3,
            TimeUnit::Milliseconds => 1.0,
            TimeUnit::Seconds => 1e3,
        }
    }

    /// The symbol: `ns`, `µs` (`us` in ASCII), `ms`, `s`.
    pub fn symbol(self, symbols: Symbols) -> &'static str {
        match (self, symbols) {
            (TimeUnit::Nanoseconds, _) => "ns",
            (TimeUnit::Microseconds, Symbols::Unicode) => "µs",
            (TimeUnit::Microseconds, Symbols::Ascii) => "us",
            (TimeUnit::Milliseconds, _) => "ms",
            (TimeUnit::Seconds, _) => "s",
        }
    }

    /// The unit a value reads best in: the largest whose value is at least 1 (`ns` below 1 µs,
    /// and for zero or a non-finite value `ms`, the unit of the logs).
    pub fn of(milliseconds: f64) -> TimeUnit {
        let magnitude = milliseconds.abs();
        if !magnitude.is_finite() || magnitude == 0.0 {
            TimeUnit::Milliseconds
        } else if magnitude >= 1e3 {
            TimeUnit::Seconds
        } else if magnitude >= 1.0 {
            TimeUnit::Milliseconds
        } else if magnitude >= 1e-3 {
            TimeUnit::Microseconds
        } else {
            TimeUnit::Nanoseconds
        }
    }

    /// The one unit of a table column: the unit most of its values read best in (ties go to
    /// the larger unit); `ms` for a column without values. Every cell of the column is then
    /// written in it with [`format_in`].
    pub fn for_column(values: impl IntoIterator<Item = f64>) -> TimeUnit {
        let mut votes = [0usize; 4];
        for value in values {
            if value.is_finite() && value != 0.0 {
                votes[TimeUnit::of(value) as usize] += 1;
            }
        }
        let units = [
            TimeUnit::Nanoseconds,
            TimeUnit::Microseconds,
            TimeUnit::Milliseconds,
            TimeUnit::Seconds,
        ];
        // `max_by_key` keeps the last of equal maxima: the larger unit.
        units
            .into_iter()
            .zip(votes)
            .filter(|(_, count)| *count > 0)
            .max_by_key(|(_, count)| *count)
            .map_or(TimeUnit::Milliseconds, |(unit, _)| unit)
    }
}

/// `milliseconds` in its own unit with 3-4 significant digits: `2.13 µs`, `18.30 ms`.
pub fn format(milliseconds: f64, symbols: Symbols) -> String {
    format_in(milliseconds, TimeUnit::of(milliseconds), symbols)
}

/// `milliseconds` written in `unit`: 2 decimals below 100, 1 below 1000, none above, and for a
/// value below 1 as many as three significant digits need (`0.00213 ms`), never `-0.00`.
pub fn format_in(milliseconds: f64, unit: TimeUnit, symbols: Symbols) -> String {
    format!(
        "{} {}",
        number(milliseconds / unit.milliseconds()),
        unit.symbol(symbols)
    )
}

/// [`format()`] with an explicit sign: `+0.59 µs`, `-40.20 ms`.
pub fn format_signed(milliseconds: f64, symbols: Symbols) -> String {
    signed_in(milliseconds, TimeUnit::of(milliseconds), symbols)
}

/// [`format_in`] with an explicit sign.
pub fn signed_in(milliseconds: f64, unit: TimeUnit, symbols: Symbols) -> String {
    let text = format_in(milliseconds, unit, symbols);
    if text.starts_with('-') {
        text
    } else {
        format!("+{text}")
    }
}

/// A number in a unit with 3-4 significant digits.
fn number(value: f64) -> String {
    let magnitude = value.abs();
    let decimals = if !magnitude.is_finite() || magnitude == 0.0 || magnitude >= 1.0 {
        match magnitude {
            m if m >= 1000.0 => 0,
            m if m >= 100.0 => 1,
            _ => 2,
        }
    } else {
        // Three significant digits: 0.5 -> 0.500, 0.00213 -> 0.00213. `floor(log10)` of a
        // magnitude below 1 is at most -1, and above f64's smallest positive value at least
        // -324, so the cast is exact.
        let exponent = magnitude.log10().floor() as i64;
        usize::try_from(2 - exponent).unwrap_or(2).min(20)
    };
    super::fixed(value, decimals)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_scale_like_hyperfine_and_criterion() {
        let cases = [
            (0.000_000_5, "0.500 ns"),
            (0.000_042, "42.00 ns"),
            (0.002, "2.00 µs"),
            (0.002_13, "2.13 µs"),
            (0.999, "999.0 µs"),
            (1.0, "1.00 ms"),
            (18.3, "18.30 ms"),
            (500.5, "500.5 ms"),
            (999.94, "999.9 ms"),
            (1520.0, "1.52 s"),
            (10_000.0, "10.00 s"),
            (4_000_000.0, "4000 s"),
            (0.0, "0.00 ms"),
        ];
        for (milliseconds, expected) in cases {
            assert_eq!(
                format(milliseconds, Symbols::Unicode),
                expected,
                "{milliseconds}"
            );
        }
        assert_eq!(format(0.0021, Symbols::Ascii), "2.10 us");
    }

    #[test]
    fn a_fixed_unit_keeps_three_significant_digits() {
        let unit = TimeUnit::Milliseconds;
        assert_eq!(format_in(0.002_13, unit, Symbols::Unicode), "0.00213 ms");
        assert_eq!(format_in(0.5, unit, Symbols::Unicode), "0.500 ms");
        assert_eq!(
            format_in(-0.000_001, unit, Symbols::Unicode),
            "-0.00000100 ms"
        );
        assert_eq!(format_in(2500.0, unit, Symbols::Unicode), "2500 ms");
        assert_eq!(signed_in(0.0, unit, Symbols::Unicode), "+0.00 ms");
        assert_eq!(format_signed(-0.000_59, Symbols::Unicode), "-590.0 ns");
    }

    #[test]
    fn a_column_takes_the_unit_most_of_its_values_read_best_in() {
        assert_eq!(TimeUnit::for_column([]), TimeUnit::Milliseconds);
        assert_eq!(
            TimeUnit::for_column([0.002, 0.003, 40.0]),
            TimeUnit::Microseconds
        );
        assert_eq!(TimeUnit::for_column([0.002, 40.0]), TimeUnit::Milliseconds);
        assert_eq!(TimeUnit::for_column([0.0, 1500.0]), TimeUnit::Seconds);
    }
}
