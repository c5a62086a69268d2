//! The reference parser: serde_json with a map visitor that classifies every failure.
//!
//! It handles every valid JSON line (escapes, nested values, any white space). The fast
//! scanner in [`super::fast`] defers to it for anything unusual and for every error, so error
//! reporting lives in one place.

use std::borrow::Cow;
use std::cell::RefCell;
use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

use super::{
    FieldError, MEASURES, Phase, READ_FIELDS, ReadField, measure_problem, validate_ms,
    validate_required,
};
use crate::{ErrorKind, Field, FieldMap, LineError, Measures, Problem, Record, timestamp};

/// Parses a whole line (already UTF-8, not blank, without line ending) with serde_json,
/// reading each field from its key in `map`.
///
/// A line with field-level problems is read a second time, without stopping at the first one,
/// so that the error names every problem of the line ([`LineError::others`]); the first pass
/// gives the first problem its column.
pub(crate) fn parse_record<'a>(
    text: &'a str,
    map: &FieldMap,
) -> Result<(Record<'a>, Phase), LineError> {
    if let Some(position) = too_deep(text.as_bytes()) {
        return Err(LineError {
            kind: ErrorKind::MalformedJson,
            field: None,
            column: Some(position + 1),
            detail: format!("JSON nested deeper than {MAX_NESTING} levels"),
            others: Vec::new(),
        });
    }
    let (result, state) = read_fields(text, map, false);
    // Missing fields are checked only once the whole line is known to be JSON, so a truncated
    // or malformed line is reported as such rather than as a missing field.
    let error = match result {
        Ok(fields) => {
            let phase = fields.phase;
            match finish(fields, map) {
                Ok(record) => return Ok((record, phase)),
                Err(error) => error.at(None),
            }
        }
        Err(error) => {
            let field_level = state.field_error.is_some();
            let error = classify(error, state);
            if !field_level {
                return Err(error);
            }
            error
        }
    };
    Err(with_other_problems(error, text, map))
}

/// Reads the line's fields; in `collect` mode a field-level problem is noted in
/// [`State::problems`] and reading goes on.
fn read_fields<'a>(
    text: &'a str,
    map: &FieldMap,
    collect: bool,
) -> (Result<Fields<'a>, serde_json::Error>, State) {
    let state = RefCell::new(State::default());
    let mut deserializer = serde_json::Deserializer::from_str(text);
    let result = RecordSeed {
        state: &state,
        map,
        collect,
    }
    .deserialize(&mut deserializer)
    .and_then(|fields| deserializer.end().map(|()| fields));
    (result, state.into_inner())
}

/// `error` (the line's first problem) with every other problem of the line added, found by a
/// second pass that does not stop at a field-level problem.
fn with_other_problems(mut error: LineError, text: &str, map: &FieldMap) -> LineError {
    let (result, state) = read_fields(text, map, true);
    let mut problems = state.problems;
    if let Ok(fields) = result {
        problems.extend(missing_fields(&fields, map));
    }
    let mut first_skipped = false;
    error.others = problems
        .into_iter()
        .filter(|problem| {
            let is_first = problem.kind == error.kind
                && problem.field == error.field
                && problem.detail == error.detail;
            !is_first || std::mem::replace(&mut first_skipped, true)
        })
        .map(|problem| Problem {
            kind: problem.kind,
            field: problem.field,
            detail: problem.detail,
        })
        .collect();
    error
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
    /// In collect mode, every field-level problem, in line order.
    problems: Vec<FieldError>,
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
            others: Vec::new(),
        };
    }
    if state.reading == Some("measures") && detail.starts_with("number out of range") {
        return LineError {
            kind: ErrorKind::InvalidMeasure,
            field: Some("measures"),
            column,
            detail: "a measure's number does not fit a 64-bit float".to_owned(),
            others: Vec::new(),
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
        others: Vec::new(),
    }
}

/// A JSON value reduced to what validation needs: strings borrowed where possible.
enum Scalar<'a> {
    Str(Cow<'a, str>),
    /// A non-negative JSON integer that fits a u64 (an HTTP status is one).
    Unsigned(u64),
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
            Scalar::Unsigned(_) | Scalar::Number(_) => "a number",
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
        Ok(Scalar::Unsigned(value))
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
    status: Option<u64>,
    measures: Measures<'a>,
    /// The [`READ_FIELDS`] seen, by bit.
    seen: u16,
    /// The [`READ_FIELDS`] seen more than once, by bit.
    duplicated: u16,
    phase: Phase,
    /// `"kind": "summary"`: an import's summary record, not a sample.
    summary: bool,
}

struct RecordSeed<'s> {
    state: &'s RefCell<State>,
    map: &'s FieldMap,
    /// Note field-level problems and read on, instead of stopping at the first.
    collect: bool,
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

    /// A field-level problem: the end of reading, or in collect mode a note.
    fn problem<E: de::Error>(&self, error: FieldError) -> Result<(), E> {
        if self.collect {
            self.state.borrow_mut().problems.push(error);
            return Ok(());
        }
        Err(self.fail(error))
    }

    /// Which of the record's fields `key` holds under the map.
    fn read_field(&self, key: &str) -> Option<ReadField> {
        if self.map.is_identity() {
            return READ_FIELDS.iter().position(|known| *known == key);
        }
        match self.map.field_of(key) {
            Some(field) => Some(super::read_index(field)),
            None => match key {
                "err" => Some(super::ERR_ALIAS),
                "measures" => Some(MEASURES),
                _ => None,
            },
        }
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
            let Some(index) = self.read_field(&key) else {
                map.next_value::<IgnoredAny>()?;
                continue;
            };
            let name = READ_FIELDS[index];
            if fields.seen & (1 << index) != 0 {
                // A field given three times is still one problem.
                let first_duplicate = fields.duplicated & (1 << index) == 0;
                fields.duplicated |= 1 << index;
                if first_duplicate {
                    self.problem(FieldError::new(
                        ErrorKind::MalformedJson,
                        name,
                        "appears twice".to_owned(),
                    ))?;
                }
                map.next_value::<IgnoredAny>()?;
                continue;
            }
            fields.seen |= 1 << index;
            if index == MEASURES {
                self.state.borrow_mut().reading = Some(name);
                let value = map.next_value::<MeasuresValue<'de>>()?;
                self.state.borrow_mut().reading = None;
                match measures(value) {
                    Ok(measures) => fields.measures = measures,
                    Err(error) => self.problem(error)?,
                }
                continue;
            }
            self.state.borrow_mut().reading = Some(name);
            let value = map.next_value::<Scalar<'de>>()?;
            self.state.borrow_mut().reading = None;
            if let Err(error) = store(&mut fields, name, value) {
                self.problem(error)?;
            }
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

/// The value of `measures` as written, before validation.
enum MeasuresValue<'a> {
    Null,
    /// An object: its members in line order.
    Object(Vec<(Cow<'a, str>, Scalar<'a>)>),
    /// Any other JSON value: its type, for the message.
    Other(&'static str),
}

impl<'de> de::Deserialize<'de> for MeasuresValue<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(MeasuresVisitor)
    }
}

struct MeasuresVisitor;

impl<'de> Visitor<'de> for MeasuresVisitor {
    type Value = MeasuresValue<'de>;

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("a JSON value")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut members = Vec::new();
        while let Some(key) = map.next_key::<Scalar<'de>>()? {
            let value = map.next_value::<Scalar<'de>>()?;
            if let Scalar::Str(name) = key {
                members.push((name, value));
            }
        }
        Ok(MeasuresValue::Object(members))
    }
    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(MeasuresValue::Null)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(MeasuresValue::Other("an array"))
    }
    fn visit_bool<E>(self, _: bool) -> Result<Self::Value, E> {
        Ok(MeasuresValue::Other("a boolean"))
    }
    fn visit_i64<E>(self, _: i64) -> Result<Self::Value, E> {
        Ok(MeasuresValue::Other("a number"))
    }
    fn visit_u64<E>(self, _: u64) -> Result<Self::Value, E> {
        Ok(MeasuresValue::Other("a number"))
    }
    fn visit_f64<E>(self, _: f64) -> Result<Self::Value, E> {
        Ok(MeasuresValue::Other("a number"))
    }
    fn visit_str<E>(self, _: &str) -> Result<Self::Value, E> {
        Ok(MeasuresValue::Other("a string"))
    }
}

/// Checks `measures`: `null` (none) or an object of valid names with finite numbers >= 0, each
/// name once; the first problem names the measure.
fn measures(value: MeasuresValue<'_>) -> Result<Measures<'_>, FieldError> {
    let members = match value {
        MeasuresValue::Null => return Ok(Measures::new()),
        MeasuresValue::Other(found) => {
            return Err(FieldError::new(
                ErrorKind::WrongType,
                "measures",
                format!("expected an object of named numbers, found {found}"),
            ));
        }
        MeasuresValue::Object(members) => members,
    };
    let mut entries = Vec::with_capacity(members.len());
    for (name, value) in members {
        crate::validate_measure_name(&name).map_err(|error| measure_problem(&error))?;
        let number = match value {
            Scalar::Number(number) => number,
            Scalar::Unsigned(number) => number as f64,
            other => {
                return Err(FieldError::new(
                    ErrorKind::WrongType,
                    "measures",
                    format!(
                        "measure {name:?}: expected a number, found {}",
                        other.type_name()
                    ),
                ));
            }
        };
        let number =
            crate::validate_measure(&name, number).map_err(|error| measure_problem(&error))?;
        entries.push((name, number));
    }
    Measures::from_checked(entries).map_err(|error| measure_problem(&error))
}

/// Stores one known field's value, or says what is wrong with it.
fn store<'de>(
    fields: &mut Fields<'de>,
    name: &'static str,
    value: Scalar<'de>,
) -> Result<(), FieldError> {
    match (name, value) {
        ("ms", Scalar::Number(ms)) => fields.ms = Some(validate_ms(ms)?),
        ("ms", Scalar::Unsigned(ms)) => fields.ms = Some(validate_ms(ms as f64)?),
        ("ms", other) => return Err(wrong_type(name, "a number", &other)),
        ("ok", Scalar::Bool(ok)) => fields.ok = Some(ok),
        // `null` for an optional field means the same as leaving it out.
        ("ok" | "errorReason" | "err" | "sessionId", Scalar::Null) => {}
        ("ok", other) => return Err(wrong_type(name, "a boolean", &other)),
        ("errorReason", Scalar::Str(reason)) => fields.error_reason = Some(reason),
        ("err", Scalar::Str(reason)) => fields.err = Some(reason),
        // Only a non-negative integer is an HTTP status; anything else is ignored, as it was
        // before `status` meant anything.
        ("status", Scalar::Unsigned(status)) => fields.status = Some(status),
        ("status", _) => {}
        ("ts", Scalar::Str(text)) => fields.ts = Some(timestamp::parse_text(&text)?),
        ("ts", Scalar::Number(epoch)) => fields.ts = Some(timestamp::from_epoch(epoch)?),
        ("ts", Scalar::Unsigned(epoch)) => {
            fields.ts = Some(timestamp::from_epoch(epoch as f64)?);
        }
        ("ts", other) => {
            return Err(wrong_type(
                name,
                "an RFC 3339 string such as \"2025-10-16T23:34:46.422Z\" or epoch seconds or \
                 milliseconds such as 1760657686.422 or 1760657686422",
                &other,
            ));
        }
        ("sessionId", Scalar::Str(text)) => {
            fields.session_id = Some(validate_required(name, text)?);
        }
        ("tool", Scalar::Str(text)) => fields.tool = Some(validate_required(name, text)?),
        ("step", Scalar::Str(text)) => fields.step = Some(validate_required(name, text)?),
        (_, other) => return Err(wrong_type(name, "a string", &other)),
    }
    Ok(())
}

/// The summary-record problem, if the line is one.
fn summary_problem(fields: &Fields<'_>) -> Option<FieldError> {
    fields.summary.then(|| FieldError {
        kind: ErrorKind::SummaryRecord,
        field: None,
        detail: "a summary record of a tool's own aggregates, not a sample: judge its figures \
                 with --from FORMAT on the tool's file"
            .to_owned(),
    })
}

/// The required fields the line lacks, in the record's field order (a field that is present
/// with a bad value is not missing: its value's problem is reported).
fn missing_fields(fields: &Fields<'_>, map: &FieldMap) -> Vec<FieldError> {
    if let Some(summary) = summary_problem(fields) {
        return vec![summary];
    }
    [Field::Ts, Field::Tool, Field::Step, Field::Ms]
        .into_iter()
        .filter(|field| fields.seen & (1 << super::read_index(*field)) == 0)
        .map(|field| {
            let detail = match map.key(field) {
                key if key == field.name() => "required field is missing".to_owned(),
                key => format!("required field is missing (read from the key {key:?})"),
            };
            FieldError::new(ErrorKind::MissingField, field.name(), detail)
        })
        .collect()
}

fn finish<'a>(fields: Fields<'a>, map: &FieldMap) -> Result<Record<'a>, FieldError> {
    if let Some(first) = missing_fields(&fields, map).into_iter().next() {
        return Err(first);
    }
    let (Some(ts), Some(tool), Some(step), Some(ms)) =
        (fields.ts, fields.tool, fields.step, fields.ms)
    else {
        // `missing_fields` names every absent one of these.
        return Err(FieldError::new(
            ErrorKind::MissingField,
            "ts",
            "required field is missing".to_owned(),
        ));
    };
    let reason = fields.error_reason.or(fields.err);
    Ok(Record {
        ts,
        session_id: fields.session_id.unwrap_or(Cow::Borrowed("")),
        tool,
        step,
        ms,
        outcome: super::outcome(fields.ok, reason, fields.status),
        measures: fields.measures,
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
        let error = parse_record(&deep, &FieldMap::default()).unwrap_err();
        assert_eq!(error.kind, ErrorKind::MalformedJson);
        assert_eq!(error.detail, "JSON nested deeper than 32 levels");
        // The record object is level 1, so the 32nd bracket (index 31 of the run) is level 33;
        // columns are 1-based.
        assert_eq!(error.column, Some(deep.find('[').unwrap() + 31 + 1));

        let allowed = with_extra(&format!("{}{}", "[".repeat(31), "]".repeat(31)));
        assert!(parse_record(&allowed, &FieldMap::default()).is_ok());
        // Brackets inside strings do not count.
        let in_string = with_extra(&format!("\"{}\\\"{}\"", "[".repeat(500), "{".repeat(500)));
        assert!(parse_record(&in_string, &FieldMap::default()).is_ok());
    }
}
