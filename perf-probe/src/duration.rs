//! Durations written like `500ms`, `1s`, `2m`, `1m30s`.

use std::time::Duration;

/// A duration that could not be parsed.
#[derive(Debug, thiserror::Error)]
#[error("invalid duration {value:?} (write it like 500ms, 1s, 2m or 1m30s)")]
pub struct DurationError {
    /// The text as given.
    pub value: String,
    /// humantime's explanation.
    #[source]
    pub source: humantime::DurationError,
}

/// Parses `500ms`, `1s`, `2m`, `1m30s` (humantime's syntax; a unit is required).
///
/// ```
/// use std::time::Duration;
/// assert_eq!(perf_probe::parse_duration("500ms")?, Duration::from_millis(500));
/// assert_eq!(perf_probe::parse_duration("2m")?, Duration::from_secs(120));
/// assert!(perf_probe::parse_duration("10").is_err());
/// # Ok::<(), perf_probe::DurationError>(())
/// ```
///
/// # Errors
/// [`DurationError`] with the text and humantime's reason.
pub fn parse_duration(text: &str) -> Result<Duration, DurationError> {
    humantime::parse_duration(text.trim()).map_err(|source| DurationError {
        value: text.to_owned(),
        source,
    })
}

/// Formats a duration for messages: `10s`, `500ms`.
pub(crate) fn format_duration(duration: Duration) -> String {
    humantime::format_duration(duration).to_string()
}

/// serde support: a duration as a humantime string.
pub(crate) mod serde_text {
    use std::time::Duration;

    use serde::{Deserialize, Deserializer};

    pub(crate) fn option<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Option<Duration>, D::Error> {
        let text: Option<String> = Option::deserialize(deserializer)?;
        text.map(|text| super::parse_duration(&text).map_err(serde::de::Error::custom))
            .transpose()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_documented_forms() {
        assert_eq!(parse_duration("1s").unwrap(), Duration::from_secs(1));
        assert_eq!(parse_duration(" 1m30s ").unwrap(), Duration::from_secs(90));
        let error = parse_duration("fast").unwrap_err();
        assert!(error.to_string().contains("\"fast\""), "{error}");
    }
}
