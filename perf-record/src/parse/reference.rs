//! The reference parser: serde_json with a map visitor that classifies every failure.
//!
//! It handles every valid JSON line (escapes, nested values, any white space). The fast
//! scanner in [`super::fast`] defers to it for anything unusual and for every error, so error
//! reporting lives in one place.

use std::borrow::Cow;
use std::cell::RefCell;
use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

use super::{FieldError, KNOWN_FIELDS, Phase, validate_ms, validate_required};
use crate::{ErrorKind, LineError, Record, timestamp};

/// Parses a whole line (already UTF-8, not blank, without line ending) with serde_json.
pub(crate) fn parse_record(text: &str) -> Result<(Record<'_>, Phase), LineError> {
    if let Some(position) = too_deep(text.as_bytes()) {
        return Err(LineError {
            kind: ErrorKind::MalformedJson,
            field: None,
            column: Some(position + 1),
            detail: format!("JSON nested deeper than {MAX_NESTING} levels"),
        });
    }
    let state = RefCell::new(State::default());
    let mut deserializer = serde_json::Deserializer::from_str(text);
    let result = RecordSeed { state: &state }
        .deserialize(&mut deserializer)
        .and_then(|fields| deserializer.end().map(|()| fields));
    // Missing fields are checked only once the whole line is known to be JSON, so a truncated
    // or malformed line is reported as such rather than as a missing field.
    result
        .map_err(|error| classify(error, state.into_inner()))
        .and_then(|fields| {
            let phase = fields.phase;
            let record = finish(fields).map_err(|error| error.at(None))?;
            Ok((record, phase))
        })
}

/// The deepest nesting of objects and arrays a line may have. serde_json skips the values of
/// fields the record does not use recursively, without a depth limit: without this bound one long
/// line of `[` would overflow the stack and abort the process. 32 levels is far more than any log
/// record needs and stays well inside a 2 MiB thread stack even in a debug build (serde_json's
/// debug frames take about 30 KiB a level).
const MAX_NESTING: usize = 32;

/// The offset of the first `[` or `{` nested deeper than [`MAX_NESTING`], if any. A linear scan
/// that skips strings (escapes included); it does not validate anything else.
fn too_deep(bytes: &[u8]) -> Option<usize> {
    let mut depth = 0usize;
    let mut in_string = false;
    let mut escaped = false;
    for (position, &byte) in bytes.iter().enumerate() {
        if in_string {
            match byte {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match byte {
            b'"' => in_string = true,
            b'[' | b'{' => {
                depth += 1;
                if depth > MAX_NESTING {
                    return Some(position);
                }
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    None
}

/// What the visitor knew when serde_json reported an error.
#[derive(Default)]
struct State {
    /// The known field whose value was being read.
    reading: Option<&'static str>,
    /// A field-level problem the visitor found itself (serde_json only keeps its message).
    field_error: Option<FieldError>,
}

fn classify(error: serde_json::Error, state: State) -> LineError {
    let column = (error.column() > 0).then_some(error.column());
    if let Some(field_error) = state.field_error {
        return field_error.at(column);
    }
    let message = error.to_string();
    // serde_json appends " at line L column C"; the column is reported separately.
    let detail = match message.rfind(" at line ") {
        Some(end) => message[..end].to_owned(),
        None => message,
    };
    if state.reading == Some("ms") && detail.starts_with("number out of range") {
        return LineError {
            kind: ErrorKind::MsOutOfRange,
            field: Some("ms"),
            column,
            detail: "number does not fit a 64-bit float".to_owned(),
        };
    }
    let detail = if error.is_eof() {
        format!("unexpected end of line: {detail}")
    } else {
        detail
    };
    LineError {
        kind: ErrorKind::MalformedJson,
        field: None,
        column,
        detail,
    }
}

/// A JSON value reduced to what validation needs: strings borrowed where possible.
enum Scalar<'a> {
    Str(Cow<'a, str>),
    Number(f64),
    Bool(bool),
    Null,
    Array,
    Object,
}

impl Scalar<'_> {
    fn type_name(&self) -> &'static str {
        match self {
            Scalar::Str(_) => "a string",
            Scalar::Number(_) => "a number",
            Scalar::Bool(_) => "a boolean",
            Scalar::Null => "null",
            Scalar::Array => "an array",
            Scalar::Object => "an object",
        }
    }
}

impl<'de> de::Deserialize<'de> for Scalar<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(ScalarVisitor)
    }
}

struct ScalarVisitor;

impl<'de> Visitor<'de> for ScalarVisitor {
    type Value = Scalar<'de>;

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("a JSON value")
    }
    fn visit_bool<E>(self, value: bool) -> Result<Self::Value, E> {
        Ok(Scalar::Bool(value))
    }
    fn visit_i64<E>(self, value: i64) -> Result<Self::Value, E> {
        Ok(Scalar::Number(value as f64))
    }
    fn visit_u64<E>(self, value: u64) -> Result<Self::Value, E> {
        Ok(Scalar::Number(value as f64))
    }
    fn visit_f64<E>(self, value: f64) -> Result<Self::Value, E> {
        Ok(Scalar::Number(value))
    }
    fn visit_borrowed_str<E>(self, value: &'de str) -> Result<Self::Value, E> {
        Ok(Scalar::Str(Cow::Borrowed(value)))
    }
    fn visit_str<E>(self, value: &str) -> Result<Self::Value, E> {
        Ok(Scalar::Str(Cow::Owned(value.to_owned())))
    }
    fn visit_string<E>(self, value: String) -> Result<Self::Value, E> {
        Ok(Scalar::Str(Cow::Owned(value)))
    }
    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(Scalar::Null)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(Scalar::Array)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(Scalar::Object)
    }
}

/// The fields of a record as they appear in the object, before validation.
#[derive(Default)]
struct Fields<'a> {
    ts: Option<crate::Timestamp>,
    session_id: Option<Cow<'a, str>>,
    tool: Option<Cow<'a, str>>,
    step: Option<Cow<'a, str>>,
    ms: Option<f64>,
    ok: Option<bool>,
    error_reason: Option<Cow<'a, str>>,
    err: Option<Cow<'a, str>>,
    seen: u8,
    phase: Phase,
    /// `"kind": "summary"`: an import's summary record, not a sample.
    summary: bool,
}

struct RecordSeed<'s> {
    state: &'s RefCell<State>,
}

impl<'de> DeserializeSeed<'de> for RecordSeed<'_> {
    type Value = Fields<'de>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl RecordSeed<'_> {
    fn fail<E: de::Error>(&self, error: FieldError) -> E {
        let message = error.detail.clone();
        self.state.borrow_mut().field_error = Some(error);
        E::custom(message)
    }
}

impl<'de> Visitor<'de> for RecordSeed<'_> {
    type Value = Fields<'de>;

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut fields = Fields::default();
        while let Some(key) = map.next_key::<Cow<'de, str>>()? {
            if key == "kind" {
                if let Scalar::Str(kind) = map.next_value::<Scalar<'de>>()?
                    && kind == "summary"
                {
                    fields.summary = true;
                }
                continue;
            }
            if key == "phase" {
                // Any `"phase": "warmup"` marks a warm-up record; other values are kept as data.
                if let Scalar::Str(phase) = map.next_value::<Scalar<'de>>()?
                    && phase == super::WARMUP
                {
                    fields.phase = Phase::Warmup;
                }
                continue;
            }
            let Some(index) = KNOWN_FIELDS.iter().position(|known| *known == key) else {
                map.next_value::<IgnoredAny>()?;
                continue;
            };
            let name = KNOWN_FIELDS[index];
            if fields.seen & (1 << index) != 0 {
                return Err(self.fail(FieldError::new(
                    ErrorKind::MalformedJson,
                    name,
                    "appears twice".to_owned(),
                )));
            }
            fields.seen |= 1 << index;
            self.state.borrow_mut().reading = Some(name);
            let value = map.next_value::<Scalar<'de>>()?;
            self.state.borrow_mut().reading = None;
            self.store(&mut fields, name, value)?;
        }
        Ok(fields)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, _seq: A) -> Result<Self::Value, A::Error> {
        Err(self.fail(not_an_object("an array")))
    }
    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
        Err(self.fail(not_an_object("a boolean")))
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> {
        Err(self.fail(not_an_object("a number")))
    }
    fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> {
        Err(self.fail(not_an_object("a number")))
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
        Err(self.fail(not_an_object("a number")))
    }
    fn visit_str<E: de::Error>(self, _: &str) -> Result<Self::Value, E> {
        Err(self.fail(not_an_object("a string")))
    }
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Err(self.fail(not_an_object("null")))
    }
}

fn not_an_object(found: &str) -> FieldError {
    FieldError {
        kind: ErrorKind::MalformedJson,
        field: None,
        detail: format!("expected a JSON object, found {found}"),
    }
}

fn wrong_type(field: &'static str, expected: &str, found: &Scalar<'_>) -> FieldError {
    FieldError::new(
        ErrorKind::WrongType,
        field,
        format!("expected {expected}, found {}", found.type_name()),
    )
}

impl RecordSeed<'_> {
    fn store<'de, E: de::Error>(
        &self,
        fields: &mut Fields<'de>,
        name: &'static str,
        value: Scalar<'de>,
    ) -> Result<(), E> {
        match (name, value) {
            ("ms", Scalar::Number(ms)) => {
                fields.ms = Some(validate_ms(ms).map_err(|error| self.fail(error))?);
            }
            ("ms", other) => return Err(self.fail(wrong_type(name, "a number", &other))),
            ("ok", Scalar::Bool(ok)) => fields.ok = Some(ok),
            // `null` for an optional field means the same as leaving it out.
            ("ok" | "errorReason" | "err", Scalar::Null) => {}
            ("ok", other) => return Err(self.fail(wrong_type(name, "a boolean", &other))),
            ("errorReason", Scalar::Str(reason)) => fields.error_reason = Some(reason),
            ("err", Scalar::Str(reason)) => fields.err = Some(reason),
            ("ts", Scalar::Str(text)) => {
                let ts = timestamp::parse_with_jiff(&text).map_err(|error| self.fail(error))?;
                fields.ts = Some(ts);
            }
            ("sessionId", Scalar::Str(text)) => {
                fields.session_id = Some(validate_required(name, text).map_err(|e| self.fail(e))?);
            }
            ("tool", Scalar::Str(text)) => {
                fields.tool = Some(validate_required(name, text).map_err(|e| self.fail(e))?);
            }
            ("step", Scalar::Str(text)) => {
                fields.step = Some(validate_required(name, text).map_err(|e| self.fail(e))?);
            }
            (_, other) => return Err(self.fail(wrong_type(name, "a string", &other))),
        }
        Ok(())
    }
}

fn finish(fields: Fields<'_>) -> Result<Record<'_>, FieldError> {
    if fields.summary {
        return Err(FieldError {
            kind: ErrorKind::SummaryRecord,
            field: None,
            detail: "a summary record of a tool's own aggregates, not a sample: judge its figures \
                     with --from FORMAT on the tool's file"
                .to_owned(),
        });
    }
    let missing = |name: &'static str| {
        FieldError::new(
            ErrorKind::MissingField,
            name,
            "required field is missing".to_owned(),
        )
    };
    let ts = fields.ts.ok_or_else(|| missing("ts"))?;
    let session_id = fields.session_id.ok_or_else(|| missing("sessionId"))?;
    let tool = fields.tool.ok_or_else(|| missing("tool"))?;
    let step = fields.step.ok_or_else(|| missing("step"))?;
    let ms = fields.ms.ok_or_else(|| missing("ms"))?;
    let reason = fields.error_reason.or(fields.err);
    Ok(Record {
        ts,
        session_id,
        tool,
        step,
        ms,
        outcome: super::outcome(fields.ok, reason),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_extra(extra: &str) -> String {
        format!(
            r#"{{"ts":"2025-10-16T23:34:46Z","sessionId":"s","tool":"t","step":"s","ms":1,"x":{extra}}}"#
        )
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_stack_overflow() {
        let deep = with_extra(&format!("{}{}", "[".repeat(100_000), "]".repeat(100_000)));
        let error = parse_record(&deep).unwrap_err();
        assert_eq!(error.kind, ErrorKind::MalformedJson);
        assert_eq!(error.detail, "JSON nested deeper than 32 levels");
        // The record object is level 1, so the 32nd bracket (index 31 of the run) is level 33;
        // columns are 1-based.
        assert_eq!(error.column, Some(deep.find('[').unwrap() + 31 + 1));

        let allowed = with_extra(&format!("{}{}", "[".repeat(31), "]".repeat(31)));
        assert!(parse_record(&allowed).is_ok());
        // Brackets inside strings do not count.
        let in_string = with_extra(&format!("\"{}\\\"{}\"", "[".repeat(500), "{".repeat(500)));
        assert!(parse_record(&in_string).is_ok());
    }
}
