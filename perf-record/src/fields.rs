//! Field mapping: reading logs whose producers use other names for the record's fields.

use std::fmt;
use std::str::FromStr;

/// A field of the record that a log may spell under another key (`--field ms=duration_ms`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Field {
    /// `ts`.
    Ts,
    /// `sessionId`.
    SessionId,
    /// `tool`.
    Tool,
    /// `step`.
    Step,
    /// `ms`.
    Ms,
    /// `ok`.
    Ok,
    /// `errorReason`.
    ErrorReason,
    /// `status`: an HTTP status that decides the outcome of a record without `ok`.
    Status,
}

impl Field {
    /// Every mappable field, in the record's field order.
    pub const ALL: [Field; 8] = [
        Field::Ts,
        Field::SessionId,
        Field::Tool,
        Field::Step,
        Field::Ms,
        Field::Ok,
        Field::ErrorReason,
        Field::Status,
    ];

    /// The field's own key in a log line (`sessionId`).
    pub fn name(self) -> &'static str {
        match self {
            Field::Ts => "ts",
            Field::SessionId => "sessionId",
            Field::Tool => "tool",
            Field::Step => "step",
            Field::Ms => "ms",
            Field::Ok => "ok",
            Field::ErrorReason => "errorReason",
            Field::Status => "status",
        }
    }

    fn index(self) -> usize {
        self as usize
    }
}

impl fmt::Display for Field {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(self.name())
    }
}

impl FromStr for Field {
    type Err = FieldMapError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Field::ALL
            .into_iter()
            .find(|field| field.name() == text)
            .ok_or_else(|| FieldMapError::UnknownField {
                name: text.to_owned(),
            })
    }
}

/// The map of a log that uses the record's own names.
pub(crate) static IDENTITY: FieldMap = FieldMap {
    keys: [const { None }; 8],
    identity: true,
};

/// Keys no field may be mapped to: they mean something of their own in a line (`err` is the
/// alias of `errorReason`, `phase` marks warm-up records, `kind` summary records).
const RESERVED_KEYS: [&str; 3] = ["err", "phase", "kind"];

/// Why a field mapping is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FieldMapError {
    /// Not `FIELD=KEY`.
    #[error("{text:?} is not FIELD=KEY (for example ms=duration_ms)")]
    Syntax {
        /// What was given.
        text: String,
    },
    /// The left-hand side is not a field of the record.
    #[error(
        "{name:?} is not a record field; fields: ts, sessionId, tool, step, ms, ok, errorReason, \
         status"
    )]
    UnknownField {
        /// What was given.
        name: String,
    },
    /// The key is empty.
    #[error("the key for {field} is empty")]
    EmptyKey {
        /// The field.
        field: Field,
    },
    /// The same field was mapped twice.
    #[error("{field} is mapped twice ({first:?} and {second:?})")]
    FieldTwice {
        /// The field.
        field: Field,
        /// The first key.
        first: String,
        /// The second key.
        second: String,
    },
    /// Two fields would be read from one key.
    #[error(
        "{first} and {second} would both be read from the key {key:?}; map {second} to another key too"
    )]
    KeyTwice {
        /// The key.
        key: String,
        /// One field read from it.
        first: Field,
        /// The other field read from it.
        second: Field,
    },
    /// A key that means something else in a line.
    #[error("{field} cannot be read from {key:?}: the key has its own meaning in a record")]
    Reserved {
        /// The field.
        field: Field,
        /// The key.
        key: String,
    },
}

/// One mapping as `--field` takes it: `ms=duration_ms` reads `ms` from the key `duration_ms`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldMapping {
    /// The record's field.
    pub field: Field,
    /// The key of the log line that holds it.
    pub key: String,
}

impl FromStr for FieldMapping {
    type Err = FieldMapError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let Some((field, key)) = text.split_once('=') else {
            return Err(FieldMapError::Syntax {
                text: text.to_owned(),
            });
        };
        let field: Field = field.trim().parse()?;
        if key.is_empty() {
            return Err(FieldMapError::EmptyKey { field });
        }
        Ok(FieldMapping {
            field,
            key: key.to_owned(),
        })
    }
}

/// Which key of a log line holds each field of the record: each field's own name
/// ([`FieldMap::default`]) unless mapped. Under a mapping the field's own name is an ordinary
/// key, kept and ignored like any other.
///
/// ```
/// use perf_record::{Field, FieldMap, Line, parse_line_with};
///
/// let map = FieldMap::from_mappings(["ms=duration_ms".parse()?, "tool=service".parse()?])?;
/// assert_eq!(map.key(Field::Ms), "duration_ms");
/// let line = br#"{"ts":1760657686422,"service":"api","step":"get","duration_ms":12.5,"status":200}"#;
/// let Ok(Line::Record(record)) = parse_line_with(line, &map) else { panic!() };
/// assert_eq!((&*record.tool, record.ms), ("api", 12.5));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldMap {
    /// The key of each field by [`Field::index`]; `None` for its own name.
    keys: [Option<Box<str>>; 8],
    /// Every key is `None`: asked once a line by the reader, so kept, not recomputed.
    identity: bool,
}

impl Default for FieldMap {
    /// Every field read from its own name.
    fn default() -> Self {
        IDENTITY.clone()
    }
}

impl FieldMap {
    /// The map of these mappings, checked: every field at most once, no two fields from one
    /// key, no reserved key (`err`, `phase`, `kind`).
    pub fn from_mappings(
        mappings: impl IntoIterator<Item = FieldMapping>,
    ) -> Result<FieldMap, FieldMapError> {
        let mut map = FieldMap::default();
        for FieldMapping { field, key } in mappings {
            if let Some(first) = &map.keys[field.index()] {
                return Err(FieldMapError::FieldTwice {
                    field,
                    first: first.to_string(),
                    second: key,
                });
            }
            if RESERVED_KEYS.contains(&key.as_str()) {
                return Err(FieldMapError::Reserved { field, key });
            }
            map.keys[field.index()] = (key != field.name()).then(|| key.into_boxed_str());
        }
        map.identity = map.keys.iter().all(Option::is_none);
        for (index, first) in Field::ALL.into_iter().enumerate() {
            for second in &Field::ALL[index + 1..] {
                if map.key(first) == map.key(*second) {
                    return Err(FieldMapError::KeyTwice {
                        key: map.key(first).to_owned(),
                        first,
                        second: *second,
                    });
                }
            }
        }
        Ok(map)
    }

    /// Whether every field is read from its own name (the fast path).
    pub fn is_identity(&self) -> bool {
        self.identity
    }

    /// The key `field` is read from.
    pub fn key(&self, field: Field) -> &str {
        self.keys[field.index()]
            .as_deref()
            .unwrap_or_else(|| field.name())
    }

    /// The fields read from other keys than their own names, with those keys.
    pub fn mapped(&self) -> impl Iterator<Item = (Field, &str)> {
        Field::ALL
            .into_iter()
            .filter_map(|field| self.keys[field.index()].as_deref().map(|key| (field, key)))
    }

    /// The field read from `key`, if any.
    pub fn field_of(&self, key: &str) -> Option<Field> {
        Field::ALL.into_iter().find(|field| self.key(*field) == key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(mappings: &[&str]) -> Result<FieldMap, FieldMapError> {
        let mappings: Vec<FieldMapping> = mappings
            .iter()
            .map(|text| text.parse())
            .collect::<Result<_, _>>()?;
        FieldMap::from_mappings(mappings)
    }

    #[test]
    fn maps_fields_to_keys() {
        let map = map(&["ms=duration_ms", "tool=service", "step=endpoint"]).unwrap();
        assert_eq!(map.key(Field::Ms), "duration_ms");
        assert_eq!(map.key(Field::Ts), "ts");
        assert_eq!(map.field_of("service"), Some(Field::Tool));
        assert_eq!(
            map.field_of("tool"),
            None,
            "the own name is an ordinary key now"
        );
        assert_eq!(map.field_of("ts"), Some(Field::Ts));
        assert!(!map.is_identity());
        assert_eq!(map.mapped().count(), 3);
        assert!(FieldMap::default().is_identity());
        assert!(self::map(&["ms=ms"]).unwrap().is_identity());
    }

    #[test]
    fn a_swap_is_allowed_but_two_fields_from_one_key_are_not() {
        let swapped = map(&["tool=step", "step=tool"]).unwrap();
        assert_eq!(swapped.field_of("step"), Some(Field::Tool));
        let error = map(&["tool=step"]).unwrap_err();
        assert_eq!(
            error.to_string(),
            "tool and step would both be read from the key \"step\"; map step to another key too"
        );
    }

    #[test]
    fn refuses_bad_mappings_with_their_reason() {
        for (mappings, expected) in [
            (
                &["ms"][..],
                "\"ms\" is not FIELD=KEY (for example ms=duration_ms)",
            ),
            (
                &["latency=duration_ms"][..],
                "\"latency\" is not a record field",
            ),
            (&["ms="][..], "the key for ms is empty"),
            (
                &["ms=a", "ms=b"][..],
                "ms is mapped twice (\"a\" and \"b\")",
            ),
            (&["step=phase"][..], "step cannot be read from \"phase\""),
        ] {
            let error = map(mappings).unwrap_err().to_string();
            assert!(error.starts_with(expected), "{error}");
        }
    }
}
