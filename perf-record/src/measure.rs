//! Measures beyond latency: the named numbers a record may carry in its `measures` object
//! (`{"peak_rss_mb": 12.5, "allocs": 812}`), their names, and the unit each name's suffix says.

use std::borrow::Cow;
use std::fmt;

use serde::{Deserialize, Serialize};

/// The longest measure name, in bytes.
pub const MAX_MEASURE_NAME_BYTES: usize = 64;

/// A record's measures: named, finite, non-negative numbers, each name at most once.
///
/// Kept sorted by name, so two records with the same measures are equal whatever order their
/// lines gave them in. Empty (the common case, no `measures` in the line) costs no allocation.
///
/// ```
/// use perf_record::Measures;
///
/// let measures = Measures::from_entries([("peak_rss_mb".into(), 12.5), ("allocs".into(), 812.0)])?;
/// assert_eq!(measures.get("peak_rss_mb"), Some(12.5));
/// assert_eq!(measures.get("cpu_user_ms"), None); // missing, never zero
/// assert_eq!(measures.iter().map(|(name, _)| name).collect::<Vec<_>>(), ["allocs", "peak_rss_mb"]);
/// assert!(Measures::from_entries([("ms".into(), 1.0)]).is_err());
/// # Ok::<(), perf_record::MeasureError>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Measures<'a> {
    /// Sorted by name, names unique and valid, values finite and >= 0; `None` when empty. Boxed
    /// (a thin pointer) so that a record without measures grows by one word only: a larger `Record` is moved by
    /// `memcpy`, which costs latency-only lines about 1% more instructions.
    entries: Option<Box<Entries<'a>>>,
}

/// The entries of non-empty [`Measures`].
#[derive(Debug, Clone, PartialEq)]
struct Entries<'a>(Vec<(Cow<'a, str>, f64)>);

/// Why a measure cannot be part of a record.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum MeasureError {
    /// The name is not `^[a-z][a-z0-9_]{0,63}$`.
    #[error(
        "measure name {0:?} is not a lower-case letter followed by at most 63 lower-case letters, \
         digits or _"
    )]
    BadName(String),
    /// `ms` is the record's latency field, not a measure.
    #[error("\"ms\" is the record's latency field, not a measure")]
    ReservedName,
    /// `throughput_rps` is derived per group from the records' timestamps
    /// ([`crate::GroupSamples::throughput_rps`]); a record cannot carry it.
    #[error(
        "\"throughput_rps\" is derived per group from the records' timestamps, not a record \
         measure (log a rate under another name, such as client_rps)"
    )]
    DerivedName,
    /// The value is negative.
    #[error("measure {name:?}: negative value {value}")]
    Negative {
        /// The measure.
        name: String,
        /// Its value.
        value: f64,
    },
    /// The value is NaN or infinite.
    #[error("measure {name:?}: value {value} is not finite")]
    NonFinite {
        /// The measure.
        name: String,
        /// Its value.
        value: f64,
    },
    /// The value is above [`MAX_MEASURE`].
    #[error("measure {name:?}: value {value} is above the maximum {max:e}", max = MAX_MEASURE)]
    TooLarge {
        /// The measure.
        name: String,
        /// Its value.
        value: f64,
    },
    /// The same name twice.
    #[error("measure {0:?} appears twice")]
    Duplicate(String),
}

/// The largest value a measure may have (1e15: a petabyte in bytes, 31 years in microseconds), so
/// that every statistic and interval of measures stays finite; a larger one is a rejected line.
pub const MAX_MEASURE: f64 = 1e15;

impl<'a> Measures<'a> {
    /// No measures.
    pub const fn new() -> Self {
        Measures { entries: None }
    }

    /// Measures from `(name, value)` pairs in any order, each checked
    /// ([`validate_measure`]); `-0` becomes `0`.
    pub fn from_entries(
        entries: impl IntoIterator<Item = (Cow<'a, str>, f64)>,
    ) -> Result<Self, MeasureError> {
        let mut checked = Vec::new();
        for (name, value) in entries {
            let value = validate_measure(&name, value)?;
            checked.push((name, value));
        }
        Self::from_checked(checked)
    }

    /// Sorts entries already checked one by one and rejects a duplicated name.
    pub(crate) fn from_checked(
        mut entries: Vec<(Cow<'a, str>, f64)>,
    ) -> Result<Self, MeasureError> {
        if entries.len() > 1 {
            entries.sort_by(|(a, _), (b, _)| a.cmp(b));
            if let Some(pair) = entries.windows(2).find(|pair| pair[0].0 == pair[1].0) {
                return Err(MeasureError::Duplicate(pair[0].0.as_ref().to_owned()));
            }
        }
        Ok(Measures {
            entries: (!entries.is_empty()).then(|| Box::new(Entries(entries))),
        })
    }

    fn entries(&self) -> &[(Cow<'a, str>, f64)] {
        self.entries
            .as_deref()
            .map_or(&[], |entries| entries.0.as_slice())
    }

    /// The value of measure `name`, if the record has it.
    pub fn get(&self, name: &str) -> Option<f64> {
        let entries = self.entries();
        entries
            .binary_search_by(|(entry, _)| entry.as_ref().cmp(name))
            .ok()
            .map(|index| entries[index].1)
    }

    /// Every measure, by name.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = (&str, f64)> + '_ {
        self.entries()
            .iter()
            .map(|(name, value)| (name.as_ref(), *value))
    }

    /// No measure at all.
    pub fn is_empty(&self) -> bool {
        self.entries.is_none()
    }

    /// How many measures.
    pub fn len(&self) -> usize {
        self.entries().len()
    }

    /// Copies borrowed names so the measures outlive their line.
    pub fn into_owned(self) -> Measures<'static> {
        Measures {
            entries: self.entries.map(|entries| {
                Box::new(Entries(
                    entries
                        .0
                        .into_iter()
                        .map(|(name, value)| (Cow::Owned(name.into_owned()), value))
                        .collect(),
                ))
            }),
        }
    }
}

/// Checks a record measure's name: `^[a-z][a-z0-9_]{0,63}$`, not `ms` (the latency) and not
/// `throughput_rps` (derived per group, [`crate::THROUGHPUT_MEASURE`]).
pub fn validate_measure_name(name: &str) -> Result<(), MeasureError> {
    let bytes = name.as_bytes();
    let valid = matches!(bytes.first(), Some(b'a'..=b'z'))
        && bytes.len() <= MAX_MEASURE_NAME_BYTES
        && bytes
            .iter()
            .all(|byte| matches!(byte, b'a'..=b'z' | b'0'..=b'9' | b'_'));
    if !valid {
        return Err(MeasureError::BadName(name.to_owned()));
    }
    if name == "ms" {
        return Err(MeasureError::ReservedName);
    }
    if name == crate::THROUGHPUT_MEASURE {
        return Err(MeasureError::DerivedName);
    }
    Ok(())
}

/// Checks one measure (its name, see [`validate_measure_name`], and a finite value from 0 to
/// [`MAX_MEASURE`]) and turns `-0` into `0`.
pub fn validate_measure(name: &str, value: f64) -> Result<f64, MeasureError> {
    validate_measure_name(name)?;
    if !value.is_finite() {
        return Err(MeasureError::NonFinite {
            name: name.to_owned(),
            value,
        });
    }
    if value < 0.0 {
        return Err(MeasureError::Negative {
            name: name.to_owned(),
            value,
        });
    }
    if value > MAX_MEASURE {
        return Err(MeasureError::TooLarge {
            name: name.to_owned(),
            value,
        });
    }
    Ok(value + 0.0)
}

/// The unit a measure's name says by its suffix (see `FORMAT.md`).
///
/// Memory suffixes are binary: `_kb` is KiB (1024 bytes), `_mb` MiB, `_gb` GiB, the units the
/// kernel reports resident memory in.
///
/// ```
/// use perf_record::MeasureUnit;
///
/// assert_eq!(MeasureUnit::of("peak_rss_mb"), MeasureUnit::Mebibytes);
/// assert_eq!(MeasureUnit::of("cpu_user_ms"), MeasureUnit::Milliseconds);
/// assert_eq!(MeasureUnit::of("throughput_rps"), MeasureUnit::PerSecond);
/// assert_eq!(MeasureUnit::of("allocs"), MeasureUnit::Count);
/// assert_eq!(MeasureUnit::of("peak_rss_mb").symbol(), "MiB");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MeasureUnit {
    /// `_ms`.
    Milliseconds,
    /// `_us`.
    Microseconds,
    /// `_s`.
    Seconds,
    /// `_bytes`.
    Bytes,
    /// `_kb`: KiB, 1024 bytes.
    Kibibytes,
    /// `_mb`: MiB, 1024² bytes.
    Mebibytes,
    /// `_gb`: GiB, 1024³ bytes.
    Gibibytes,
    /// `_rps`: per second.
    PerSecond,
    /// No unit suffix: a count (`allocs`).
    Count,
}

impl MeasureUnit {
    /// The unit of measure `name`, from its suffix.
    pub fn of(name: &str) -> MeasureUnit {
        const SUFFIXES: [(&str, MeasureUnit); 8] = [
            ("_ms", MeasureUnit::Milliseconds),
            ("_us", MeasureUnit::Microseconds),
            ("_s", MeasureUnit::Seconds),
            ("_bytes", MeasureUnit::Bytes),
            ("_kb", MeasureUnit::Kibibytes),
            ("_mb", MeasureUnit::Mebibytes),
            ("_gb", MeasureUnit::Gibibytes),
            ("_rps", MeasureUnit::PerSecond),
        ];
        SUFFIXES
            .iter()
            .find(|(suffix, _)| name.len() > suffix.len() && name.ends_with(suffix))
            .map_or(MeasureUnit::Count, |(_, unit)| *unit)
    }

    /// How reports write the unit after a value (`ms`, `us`, `s`, `B`, `KiB`, `MiB`, `GiB`,
    /// `/s`; empty for a count). ASCII only.
    pub fn symbol(self) -> &'static str {
        match self {
            MeasureUnit::Milliseconds => "ms",
            MeasureUnit::Microseconds => "us",
            MeasureUnit::Seconds => "s",
            MeasureUnit::Bytes => "B",
            MeasureUnit::Kibibytes => "KiB",
            MeasureUnit::Mebibytes => "MiB",
            MeasureUnit::Gibibytes => "GiB",
            MeasureUnit::PerSecond => "/s",
            MeasureUnit::Count => "",
        }
    }

    /// The OpenMetrics base unit of the measure and the factor from the measure's unit to it
    /// (`seconds`, `bytes`; `None` for a rate or a count, which have no base unit).
    pub fn base_unit(self) -> Option<(&'static str, f64)> {
        match self {
            MeasureUnit::Milliseconds => Some(("seconds", 1e-3)),
            MeasureUnit::Microseconds => Some(("seconds", 1e-6)),
            MeasureUnit::Seconds => Some(("seconds", 1.0)),
            MeasureUnit::Bytes => Some(("bytes", 1.0)),
            MeasureUnit::Kibibytes => Some(("bytes", 1024.0)),
            MeasureUnit::Mebibytes => Some(("bytes", 1024.0 * 1024.0)),
            MeasureUnit::Gibibytes => Some(("bytes", 1024.0 * 1024.0 * 1024.0)),
            MeasureUnit::PerSecond | MeasureUnit::Count => None,
        }
    }
}

impl fmt::Display for MeasureUnit {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(self.symbol())
    }
}

/// Which way a measure gets worse: declared per measure in the budget file (`"direction"`),
/// used by the budget checks and the baseline comparison alike.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
pub enum Direction {
    /// More is worse (memory, allocations, CPU time): a check passes when `observed <= limit`.
    #[default]
    HigherIsWorse,
    /// More is better (throughput): a check passes when `observed >= limit`.
    HigherIsBetter,
}

impl Direction {
    /// The spelling of the budget file and the JSON report.
    pub fn name(self) -> &'static str {
        match self {
            Direction::HigherIsWorse => "higher_is_worse",
            Direction::HigherIsBetter => "higher_is_better",
        }
    }

    /// Whether `observed` is within `limit` in this direction.
    pub fn within(self, observed: f64, limit: f64) -> bool {
        match self {
            Direction::HigherIsWorse => observed <= limit,
            Direction::HigherIsBetter => observed >= limit,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_measure_above_the_maximum_is_refused() {
        assert_eq!(validate_measure("allocs", MAX_MEASURE), Ok(MAX_MEASURE));
        assert!(matches!(
            validate_measure("allocs", MAX_MEASURE * 10.0),
            Err(MeasureError::TooLarge { .. })
        ));
    }

    #[test]
    fn names_follow_the_grammar() {
        for good in ["a", "allocs", "peak_rss_mb", "x1_", &"a".repeat(64)] {
            assert_eq!(validate_measure_name(good), Ok(()), "{good}");
        }
        for bad in ["", "A", "1a", "_a", "a-b", "aB", "é", &"a".repeat(65)] {
            assert!(
                matches!(validate_measure_name(bad), Err(MeasureError::BadName(_))),
                "{bad}"
            );
        }
        assert_eq!(validate_measure_name("ms"), Err(MeasureError::ReservedName));
        assert_eq!(
            validate_measure_name("throughput_rps"),
            Err(MeasureError::DerivedName)
        );
        // Another rate is a record measure like any other.
        assert_eq!(validate_measure_name("client_rps"), Ok(()));
    }

    #[test]
    fn values_are_finite_and_not_negative() {
        assert_eq!(validate_measure("a", -0.0).map(f64::to_bits), Ok(0));
        assert!(matches!(
            validate_measure("a", -1.0),
            Err(MeasureError::Negative { .. })
        ));
        assert!(matches!(
            validate_measure("a", f64::NAN),
            Err(MeasureError::NonFinite { .. })
        ));
        let duplicated = Measures::from_entries([("b".into(), 1.0), ("b".into(), 2.0)]);
        assert_eq!(duplicated, Err(MeasureError::Duplicate("b".into())));
    }

    #[test]
    fn units_come_from_the_suffix() {
        assert_eq!(MeasureUnit::of("cpu_sys_ms"), MeasureUnit::Milliseconds);
        assert_eq!(MeasureUnit::of("gc_us"), MeasureUnit::Microseconds);
        assert_eq!(MeasureUnit::of("wall_s"), MeasureUnit::Seconds);
        assert_eq!(MeasureUnit::of("heap_bytes"), MeasureUnit::Bytes);
        assert_eq!(MeasureUnit::of("rss_kb"), MeasureUnit::Kibibytes);
        assert_eq!(MeasureUnit::of("rss_gb"), MeasureUnit::Gibibytes);
        // A suffix alone is a name, not a unit.
        assert_eq!(MeasureUnit::of("s"), MeasureUnit::Count);
        assert_eq!(MeasureUnit::of("bytes"), MeasureUnit::Count);
        assert_eq!(MeasureUnit::of("allocs"), MeasureUnit::Count);
        assert_eq!(
            MeasureUnit::Mebibytes.base_unit(),
            Some(("bytes", 1_048_576.0))
        );
    }
}
