//! The one way perf-gate reads "a share of something": `5%` or `0.05`.

/// Text that is not a fraction such as `0.05` or a percentage such as `5%`.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum FractionError {
    /// Not a number, a percentage, or it is negative or not finite.
    #[error("{text:?} is not a percentage such as 5% or a fraction such as 0.05")]
    Invalid {
        /// The text given.
        text: String,
    },
    /// A bare number above 1, which almost always means a percentage.
    #[error("{value} is above 1, so it is not a fraction: write {value}% for {value} percent")]
    BareNumberAboveOne {
        /// The number given.
        value: f64,
    },
}

/// Reads `5%` (a percentage, any non-negative size: `150%` is 1.5) or `0.05` (a fraction in
/// `0 ..= 1`) as the fraction `0.05`. A bare number above 1 is an error whose message says to write
/// a percentage: `--tolerance 5` never silently means 500%.
///
/// The command line (`--tolerance`) and the budget file (`"regression"`) both read fractions
/// through this function.
///
/// ```
/// use perf_budget::parse_fraction;
///
/// assert_eq!(parse_fraction("5%"), Ok(0.05));
/// assert_eq!(parse_fraction("0.05"), Ok(0.05));
/// assert_eq!(parse_fraction("150%"), Ok(1.5));
/// let error = parse_fraction("5").unwrap_err();
/// assert!(error.to_string().contains("write 5%"), "{error}");
/// ```
pub fn parse_fraction(text: &str) -> Result<f64, FractionError> {
    let invalid = || FractionError::Invalid {
        text: text.to_owned(),
    };
    let trimmed = text.trim();
    let (number, is_percentage) = match trimmed.strip_suffix('%') {
        Some(percent) => (percent.trim_end(), true),
        None => (trimmed, false),
    };
    // Plain decimal digits only: no sign, exponent, `inf` or `NaN`.
    let plain = !number.is_empty()
        && number
            .bytes()
            .all(|byte| byte.is_ascii_digit() || byte == b'.')
        && number.bytes().filter(|&byte| byte == b'.').count() <= 1
        && number != ".";
    if !plain {
        return Err(invalid());
    }
    let value: f64 = number.parse().map_err(|_| invalid())?;
    if is_percentage {
        Ok(value / 100.0)
    } else {
        fraction_from_number(value).map_err(|error| match error {
            FractionError::Invalid { .. } => invalid(),
            other => other,
        })
    }
}

/// A number already read (a JSON number in the budget file) as a fraction: finite, `0 ..= 1`.
pub fn fraction_from_number(value: f64) -> Result<f64, FractionError> {
    if !(value.is_finite() && value >= 0.0) {
        return Err(FractionError::Invalid {
            text: value.to_string(),
        });
    }
    if value > 1.0 {
        return Err(FractionError::BareNumberAboveOne { value });
    }
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_percentages_and_fractions() {
        for (text, expected) in [
            ("5%", 0.05),
            ("5 %", 0.05),
            (" 12.5% ", 0.125),
            ("0.05", 0.05),
            ("0", 0.0),
            ("1", 1.0),
            ("150%", 1.5),
            ("0%", 0.0),
        ] {
            let got = parse_fraction(text).unwrap();
            assert!((got - expected).abs() < 1e-15, "{text}: {got}");
        }
    }

    #[test]
    fn a_bare_number_above_one_asks_for_a_percentage() {
        let error = parse_fraction("5").unwrap_err();
        assert_eq!(error, FractionError::BareNumberAboveOne { value: 5.0 });
        assert_eq!(
            error.to_string(),
            "5 is above 1, so it is not a fraction: write 5% for 5 percent"
        );
    }

    #[test]
    fn rejects_what_is_not_a_plain_number() {
        for bad in [
            "", "%", "-5%", "-0.1", "abc", "1e-2", "inf", "NaN", "5%%", "1.2.3", ".",
        ] {
            assert!(
                matches!(parse_fraction(bad), Err(FractionError::Invalid { .. })),
                "{bad}"
            );
        }
    }
}
