//! `Percentile`: a percentile rank, and the one grammar that names it (`p95`, `p99.9`).

use std::fmt;
use std::str::FromStr;

/// A percentile rank in percent, `0 ..= 100` (`p99.9` is `99.9`).
///
/// Its text form is `p` followed by the rank in plain decimal digits: `p50`, `p95`, `p99.9`,
/// `p0`, `p100`. [`FromStr`] accepts exactly that (no exponent, sign, spaces or `NaN`), and
/// [`Display`](fmt::Display) writes the shortest form that reads back to the same rank.
///
/// ```
/// use perf_stats::Percentile;
///
/// let p = "p99.9".parse::<Percentile>()?;
/// assert_eq!(p.percent(), 99.9);
/// assert_eq!(p.to_string(), "p99.9");
/// assert_eq!(Percentile::P95.probability(), 0.95);
/// assert!("p9e1".parse::<Percentile>().is_err());
/// # Ok::<(), perf_stats::PercentileError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Percentile(f64);

/// Text that is not a percentile name such as `p95` or `p99.9`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{text:?} is not a percentile such as p50, p95 or p99.9")]
pub struct PercentileError {
    /// The text given.
    pub text: String,
}

impl Percentile {
    /// The median.
    pub const P50: Percentile = Percentile(50.0);
    /// The 95th percentile, the usual gate metric.
    pub const P95: Percentile = Percentile(95.0);
    /// The 99th percentile.
    pub const P99: Percentile = Percentile(99.0);

    /// The rank in percent, `0 ..= 100`, or `None` when out of range or not finite.
    pub fn new(percent: f64) -> Option<Self> {
        (percent.is_finite() && (0.0..=100.0).contains(&percent)).then_some(Percentile(percent))
    }

    /// The rank in percent, e.g. `95.0`.
    pub fn percent(self) -> f64 {
        self.0
    }

    /// The rank as a probability in `0 ..= 1`, as quantile functions take it.
    pub fn probability(self) -> f64 {
        self.0 / 100.0
    }
}

impl fmt::Display for Percentile {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        // f64's Display is the shortest round-trip form: 95.0 -> "95", 99.9 -> "99.9".
        write!(formatter, "p{}", self.0)
    }
}

impl FromStr for Percentile {
    type Err = PercentileError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let invalid = || PercentileError {
            text: text.to_owned(),
        };
        let digits = text.strip_prefix('p').ok_or_else(invalid)?;
        let (whole, fraction) = match digits.split_once('.') {
            Some((whole, fraction)) => (whole, Some(fraction)),
            None => (digits, None),
        };
        let all_digits =
            |part: &str| !part.is_empty() && part.bytes().all(|byte| byte.is_ascii_digit());
        if !all_digits(whole) || fraction.is_some_and(|fraction| !all_digits(fraction)) {
            return Err(invalid());
        }
        let percent: f64 = digits.parse().map_err(|_| invalid())?;
        Percentile::new(percent).ok_or_else(invalid)
    }
}

#[cfg(feature = "serde")]
impl serde::Serialize for Percentile {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

#[cfg(feature = "serde")]
impl<'de> serde::Deserialize<'de> for Percentile {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// A percentile is written as its name, `p95` or `p99.9`.
#[cfg(feature = "schemars")]
impl schemars::JsonSchema for Percentile {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Percentile".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "string",
            "pattern": PERCENTILE_PATTERN,
            "description": "A percentile name: p0 to p100, with decimals where needed (p99.9)."
        })
    }
}

/// The JSON Schema `pattern` of a percentile name (what [`Percentile::from_str`] accepts).
#[cfg(feature = "schemars")]
pub const PERCENTILE_PATTERN: &str = r"^p(100(\.0+)?|[0-9]{1,2}(\.[0-9]+)?)$";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for name in ["p0", "p5", "p50", "p95", "p99", "p99.9", "p99.99", "p100"] {
            assert_eq!(name.parse::<Percentile>().unwrap().to_string(), name);
        }
        assert_eq!("p95.0".parse::<Percentile>().unwrap().to_string(), "p95");
        assert!(("p50".parse::<Percentile>().unwrap().probability() - 0.5).abs() < 1e-15);
    }

    #[test]
    fn rejects_everything_else() {
        for bad in [
            "", "p", "95", "P95", "p101", "p-1", "p+1", "avg", "p9e1", "pNaN", "pinf", "p 95",
            "p95 ", "p.5", "p5.", "p1..2",
        ] {
            let error = bad.parse::<Percentile>().unwrap_err();
            assert_eq!(error.text, bad);
        }
    }
}
