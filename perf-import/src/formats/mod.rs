//! One module per format; [`run`] dispatches.

use std::borrow::Cow;
use std::fmt;
use std::io::BufRead;

use perf_record::{Outcome, Timestamp, http_reason};
use serde::Deserialize;
use serde::de::{self, Deserializer, MapAccess, Visitor};

use crate::input::{LineReader, NextLine};
use crate::{Context, Format, ImportError};

mod criterion;
mod gatling;
mod gobench;
mod hyperfine;
mod jmeter;
mod k6;
mod k6_summary;
mod locust;
mod oha;
mod otlp;
mod vegeta;
pub(crate) mod xml;

pub(crate) fn run<R: BufRead>(
    format: Format,
    reader: R,
    context: &mut Context<'_>,
) -> Result<(), ImportError> {
    match format {
        Format::K6 => k6::import(reader, context),
        Format::K6Summary => k6_summary::import(reader, context),
        Format::Hyperfine => hyperfine::import(reader, context),
        Format::Jmeter => jmeter::import(reader, context),
        Format::GoBench => gobench::import(reader, context),
        Format::Criterion => criterion::import(reader, context),
        Format::Otlp => otlp::import(reader, context),
        Format::Locust => locust::import(reader, context),
        Format::Gatling => gatling::import(reader, context),
        Format::Oha => oha::import(reader, context),
        Format::Vegeta => vegeta::import(reader, context),
    }
}

/// Runs `each` on every non-blank line; blank and over-long lines are counted here.
pub(crate) fn for_each_line<R: BufRead>(
    reader: R,
    context: &mut Context<'_>,
    mut each: impl FnMut(&[u8], u64, &mut Context<'_>) -> Result<(), ImportError>,
) -> Result<(), ImportError> {
    let max_line_bytes = context.config.max_line_bytes;
    let mut lines = LineReader::new(reader, max_line_bytes);
    loop {
        let next = lines.next_line().map_err(|error| context.io_error(error))?;
        let Some((number, next)) = next else {
            return Ok(());
        };
        match next {
            NextLine::TooLong(length) => context.reject(
                Some(number),
                None,
                format!("line of {length} bytes is longer than the limit of {max_line_bytes}"),
            )?,
            NextLine::Line(line) if line.iter().all(u8::is_ascii_whitespace) => context.blank(),
            NextLine::Line(line) => each(line, number, context)?,
        }
    }
}

/// The outcome for an HTTP status under the usual rule: 1xx-3xx success, otherwise an error
/// named after the status.
pub(crate) fn http_outcome(status: u16) -> Outcome<'static> {
    if (100..400).contains(&status) {
        Outcome::Success
    } else {
        Outcome::Error(Some(Cow::Owned(http_reason(status))))
    }
}

/// A timestamp from milliseconds since the Unix epoch.
pub(crate) fn timestamp_from_millis(millis: i64) -> Option<Timestamp> {
    Timestamp::from_millisecond(millis).ok()
}

/// A timestamp from nanoseconds since the Unix epoch.
pub(crate) fn timestamp_from_nanos(nanos: i128) -> Option<Timestamp> {
    Timestamp::from_nanosecond(nanos).ok()
}

/// `config.timestamp` plus a number of seconds (oha's relative `request-start`), to the
/// nearest nanosecond.
pub(crate) fn offset_timestamp(origin: Timestamp, seconds: f64) -> Option<Timestamp> {
    let nanos = seconds * 1e9;
    if !nanos.is_finite() || nanos.abs() > 1e20 {
        return None;
    }
    Timestamp::from_nanosecond(origin.as_nanosecond() + nanos.round() as i128).ok()
}

/// Parses ASCII bytes as a number.
pub(crate) fn parse_number<T: std::str::FromStr>(bytes: &[u8]) -> Option<T> {
    std::str::from_utf8(bytes).ok()?.trim().parse().ok()
}

/// A JSON object of string keys and string values, kept in order without a hash map.
#[derive(Debug, Default)]
pub(crate) struct StringMap<'a>(pub(crate) Vec<(Cow<'a, str>, Cow<'a, str>)>);

impl StringMap<'_> {
    pub(crate) fn get(&self, key: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(name, _)| name == key)
            .map(|(_, value)| value.as_ref())
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for StringMap<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct MapVisitor;
        impl<'de> Visitor<'de> for MapVisitor {
            type Value = StringMap<'de>;
            fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
                formatter.write_str("an object of strings")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut entries = Vec::with_capacity(map.size_hint().unwrap_or(8).min(64));
                while let Some(key) = map.next_key::<Cow<'de, str>>()? {
                    let value = map.next_value::<ScalarText<'de>>()?;
                    entries.push((key, value.0));
                }
                Ok(StringMap(entries))
            }
        }
        deserializer.deserialize_map(MapVisitor)
    }
}

/// A JSON string, number or boolean read as text (`null` reads as empty).
pub(crate) struct ScalarText<'a>(pub(crate) Cow<'a, str>);

impl<'de: 'a, 'a> Deserialize<'de> for ScalarText<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct TextVisitor;
        impl<'de> Visitor<'de> for TextVisitor {
            type Value = ScalarText<'de>;
            fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
                formatter.write_str("a string, number or boolean")
            }
            fn visit_borrowed_str<E: de::Error>(self, value: &'de str) -> Result<Self::Value, E> {
                Ok(ScalarText(Cow::Borrowed(value)))
            }
            fn visit_str<E: de::Error>(self, value: &str) -> Result<Self::Value, E> {
                Ok(ScalarText(Cow::Owned(value.to_owned())))
            }
            fn visit_string<E: de::Error>(self, value: String) -> Result<Self::Value, E> {
                Ok(ScalarText(Cow::Owned(value)))
            }
            fn visit_u64<E: de::Error>(self, value: u64) -> Result<Self::Value, E> {
                Ok(ScalarText(Cow::Owned(value.to_string())))
            }
            fn visit_i64<E: de::Error>(self, value: i64) -> Result<Self::Value, E> {
                Ok(ScalarText(Cow::Owned(value.to_string())))
            }
            fn visit_f64<E: de::Error>(self, value: f64) -> Result<Self::Value, E> {
                Ok(ScalarText(Cow::Owned(value.to_string())))
            }
            fn visit_bool<E: de::Error>(self, value: bool) -> Result<Self::Value, E> {
                Ok(ScalarText(Cow::Borrowed(if value {
                    "true"
                } else {
                    "false"
                })))
            }
            fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(ScalarText(Cow::Borrowed("")))
            }
        }
        deserializer.deserialize_any(TextVisitor)
    }
}

/// A nanosecond count written as a JSON number or a decimal string (OTLP int64).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Nanos(pub(crate) u64);

impl<'de> Deserialize<'de> for Nanos {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct NanosVisitor;
        impl Visitor<'_> for NanosVisitor {
            type Value = Nanos;
            fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
                formatter.write_str("a non-negative integer as a number or a decimal string")
            }
            fn visit_u64<E: de::Error>(self, value: u64) -> Result<Nanos, E> {
                Ok(Nanos(value))
            }
            fn visit_i64<E: de::Error>(self, value: i64) -> Result<Nanos, E> {
                u64::try_from(value)
                    .map(Nanos)
                    .map_err(|_| E::custom(format!("negative nanoseconds {value}")))
            }
            fn visit_f64<E: de::Error>(self, value: f64) -> Result<Nanos, E> {
                // Integers beyond u64 or written with an exponent arrive here; nanosecond
                // timestamps above 2^53 are not exact as f64, so refuse rather than round.
                if value.fract() == 0.0 && (0.0..9_007_199_254_740_992.0).contains(&value) {
                    Ok(Nanos(value as u64))
                } else {
                    Err(E::custom(format!(
                        "nanoseconds {value} is not an exact integer"
                    )))
                }
            }
            fn visit_str<E: de::Error>(self, value: &str) -> Result<Nanos, E> {
                value.parse().map(Nanos).map_err(|_| {
                    E::custom(format!("nanoseconds {value:?} is not a decimal integer"))
                })
            }
        }
        deserializer.deserialize_any(NanosVisitor)
    }
}

/// A CSV reader failure: I/O errors (a line over the cap included) keep their kind.
pub(crate) fn csv_failure(context: &Context<'_>, error: csv::Error) -> ImportError {
    if error.is_io_error() {
        match error.into_kind() {
            csv::ErrorKind::Io(error) => context.io_error(error),
            other => context.csv_error(csv::Error::from(std::io::Error::other(format!(
                "{other:?}"
            )))),
        }
    } else {
        context.csv_error(error)
    }
}

/// A CSV reader over a line-capped input that reports correct line numbers.
///
/// The csv crate ends a CRLF record at the `\r` and counts the `\n` only while reading the
/// next record, so every record after the first of a CRLF file would be reported one line
/// early; this corrects that.
pub(crate) struct CsvRows<R> {
    reader: csv::Reader<crate::input::CappedLines<R>>,
    record: csv::ByteRecord,
    crlf: bool,
    rows: u64,
}

impl<R: BufRead> CsvRows<R> {
    pub(crate) fn new(mut reader: R, context: &Context<'_>) -> Result<Self, ImportError> {
        let head = reader.fill_buf().map_err(|error| context.io_error(error))?;
        let crlf = memchr::memchr(b'\n', head).is_some_and(|end| end > 0 && head[end - 1] == b'\r');
        let reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(crate::input::CappedLines::new(
                reader,
                context.config.max_line_bytes,
            ));
        Ok(CsvRows {
            reader,
            record: csv::ByteRecord::new(),
            crlf,
            rows: 0,
        })
    }

    /// Reads the next row; `Ok(None)` at the end. The row is then [`CsvRows::record`].
    pub(crate) fn next_row(
        &mut self,
        context: &Context<'_>,
    ) -> Result<Option<Option<u64>>, ImportError> {
        match self.reader.read_byte_record(&mut self.record) {
            Ok(true) => {}
            Ok(false) => return Ok(None),
            Err(error) => return Err(csv_failure(context, error)),
        }
        let correction = u64::from(self.crlf && self.rows > 0);
        self.rows += 1;
        Ok(Some(
            self.record
                .position()
                .map(|position| position.line() + correction),
        ))
    }

    /// The row last read.
    pub(crate) fn record(&self) -> &csv::ByteRecord {
        &self.record
    }
}
