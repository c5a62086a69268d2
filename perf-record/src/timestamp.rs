//! RFC 3339 timestamps: a fast path for the common shape, jiff for everything else.

use crate::{ErrorKind, Timestamp, parse::FieldError};

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
