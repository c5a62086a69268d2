//! The fast scanner for the common flat record: one pass over the bytes, strings borrowed.
//!
//! It either returns exactly the record the reference parser would return, or `None` to defer
//! to it: for any error, any escape in a string, a nested value in another field, a duplicate
//! known field, or anything else it does not recognise. Property tests check the agreement.

use std::borrow::Cow;

use super::Phase;
use crate::{Field, FieldMap, Line, Measures, Record, Timestamp, timestamp};

/// Parses the common flat record shape into the [`Line`] it is (a record or a warm-up record),
/// or returns `None` to defer to the reference parser.
///
/// `MAPPED` is whether `map` reads any field from another key: without a mapping the keys are
/// recognised by their bytes, and the mapping costs latency-only logs nothing.
// Inlined, with the scanner's record loop: the record is then built once, where the caller's
// `Line` is, instead of being moved from a `(Record, Phase)` into it (a `memcpy` call a line).
#[inline(always)]
pub(crate) fn parse_line<'a, const MAPPED: bool>(
    text: &'a str,
    map: &FieldMap,
) -> Option<Line<'a>> {
    let mut scanner = Scanner {
        text,
        bytes: text.as_bytes(),
        position: 0,
        phase: Phase::Measured,
    };
    scanner.record::<MAPPED>(map)
}

/// [`parse_line`]'s record, whatever its phase.
pub(crate) fn parse_record<'a, const MAPPED: bool>(
    text: &'a str,
    map: &FieldMap,
) -> Option<Record<'a>> {
    match parse_line::<MAPPED>(text, map)? {
        Line::Record(record) | Line::Warmup(record) => Some(record),
        Line::Blank => None,
    }
}

struct Scanner<'a> {
    text: &'a str,
    bytes: &'a [u8],
    position: usize,
    /// `Warmup` once a `"phase": "warmup"` field was seen.
    phase: Phase,
}

/// A `ts` value as written: read in place (the common RFC 3339 shape), other RFC 3339 text, or
/// the span of an epoch number.
#[derive(Clone, Copy)]
enum TsValue<'a> {
    Read(Timestamp),
    Text(&'a str),
    Epoch((usize, usize)),
}

impl<'a> Scanner<'a> {
    /// The record of the line, as a [`Line::Record`] or (after `"phase": "warmup"`) a
    /// [`Line::Warmup`].
    #[inline(always)]
    fn record<const MAPPED: bool>(&mut self, map: &FieldMap) -> Option<Line<'a>> {
        let mut ts = None;
        let mut session_id = None;
        let mut tool = None;
        let mut step = None;
        let mut ms = None;
        let mut ok = None;
        let mut error_reason: Option<Option<&'a str>> = None;
        let mut err: Option<Option<&'a str>> = None;
        let mut status: Option<Option<u64>> = None;
        let mut measures: Option<Measures<'a>> = None;
        self.skip_white_space();
        self.expect(b'{')?;
        self.skip_white_space();
        if self.peek()? != b'}' {
            loop {
                let key = if MAPPED {
                    self.mapped_key(map)?
                } else {
                    self.key()?
                };
                self.colon()?;
                match key {
                    Key::Ts => set_once(&mut ts, self.ts_value()?)?,
                    Key::Status => set_once(&mut status, self.status()?)?,
                    Key::SessionId => set_once(&mut session_id, self.string()?)?,
                    Key::Tool => set_once(&mut tool, self.string()?)?,
                    Key::Step => set_once(&mut step, self.string()?)?,
                    Key::Ms => set_once(&mut ms, self.decimal()?)?,
                    Key::Ok => set_once(&mut ok, self.optional_bool()?)?,
                    Key::ErrorReason => set_once(&mut error_reason, self.optional_string()?)?,
                    Key::Err => set_once(&mut err, self.optional_string()?)?,
                    Key::Measures => set_once(&mut measures, self.measures()?)?,
                    // Only a plain string is read here; any other value defers to the reference.
                    Key::Phase => {
                        if self.string()? == super::WARMUP {
                            self.phase = Phase::Warmup;
                        }
                    }
                    // A summary record is the reference parser's to reject, with its reason.
                    Key::Kind => {
                        if self.string()? == "summary" {
                            return None;
                        }
                    }
                    Key::Other => self.skip_value(MAX_NESTING)?,
                }
                if self.member_end()? {
                    break;
                }
            }
        } else {
            self.position += 1;
        }
        self.skip_white_space();
        if self.position != self.bytes.len() {
            return None;
        }
        // `validate_ms`'s answer where it accepts (finite, 0 to the maximum, `-0` made `0`), in
        // line; what it rejects, the reference parser reports.
        let ms = ms?;
        if !(0.0..=crate::MAX_MS).contains(&ms) {
            return None;
        }
        let ms = ms + 0.0;
        let required = |text: Option<&'a str>| text.filter(|text| !text.is_empty());
        let reason = error_reason.flatten().or(err.flatten()).map(Cow::Borrowed);
        let ts = match ts? {
            TsValue::Read(timestamp) => timestamp,
            TsValue::Text(text) => timestamp::parse(text).ok()?,
            TsValue::Epoch((start, end)) => {
                timestamp::from_epoch(self.text.get(start..end)?.parse().ok()?).ok()?
            }
        };
        let session_id = match session_id {
            Some(id) => required(Some(id))?,
            None => "",
        };
        let record = Record {
            ts,
            session_id: Cow::Borrowed(session_id),
            tool: Cow::Borrowed(required(tool)?),
            step: Cow::Borrowed(required(step)?),
            ms,
            outcome: super::outcome(ok.flatten(), reason, status.flatten()),
            measures: measures.unwrap_or_default(),
        };
        Some(self.phase.line(record))
    }

    /// `measures`: `null` or a flat object of valid names with plain numbers >= 0; anything
    /// else (a bad name or value, an escape, a duplicate) defers to the reference parser.
    // Out of line: latency-only lines never reach it.
    #[inline(never)]
    fn measures(&mut self) -> Option<Measures<'a>> {
        if self.literal(b"null") {
            return Some(Measures::new());
        }
        self.expect(b'{')?;
        self.skip_white_space();
        let mut entries = Vec::new();
        if self.close(b'}') {
            return Some(Measures::new());
        }
        loop {
            let name = self.string()?;
            self.colon()?;
            let value = crate::validate_measure(name, self.decimal()?).ok()?;
            entries.push((Cow::Borrowed(name), value));
            if self.separator(b'}')? {
                break;
            }
        }
        Measures::from_checked(entries).ok()
    }

    /// `ts`: a plain string, or a number (epoch time). The common RFC 3339 shape is read in
    /// place, its closing quote checked after it: none of its bytes ends or escapes a string, so
    /// this is the string [`Scanner::string`] would return, read as [`timestamp::parse`] would.
    // Inlined: its one caller then keeps the value in registers.
    #[inline(always)]
    fn ts_value(&mut self) -> Option<TsValue<'a>> {
        if self.peek()? == b'"' {
            let start = self.position + 1;
            if let Some((timestamp, length)) = timestamp::parse_common_prefix(&self.bytes[start..])
                && self.bytes.get(start + length) == Some(&b'"')
            {
                self.position = start + length + 1;
                return Some(TsValue::Read(timestamp));
            }
            return self.string().map(TsValue::Text);
        }
        self.number().map(TsValue::Epoch)
    }

    /// `status`: a number, an HTTP status when it is a plain non-negative integer; any other
    /// value defers to the reference parser.
    fn status(&mut self) -> Option<Option<u64>> {
        let (start, end) = self.number()?;
        let digits = &self.bytes[start..end];
        if !digits.iter().all(u8::is_ascii_digit) {
            return Some(None);
        }
        Some(self.text.get(start..end)?.parse().ok())
    }

    /// An object key under a field mapping: scanned as a string (an escaped key defers), then
    /// looked up in the map.
    fn mapped_key(&mut self, map: &FieldMap) -> Option<Key> {
        let key = self.string()?;
        Some(match map.field_of(key) {
            Some(Field::Ts) => Key::Ts,
            Some(Field::SessionId) => Key::SessionId,
            Some(Field::Tool) => Key::Tool,
            Some(Field::Step) => Key::Step,
            Some(Field::Ms) => Key::Ms,
            Some(Field::Ok) => Key::Ok,
            Some(Field::ErrorReason) => Key::ErrorReason,
            Some(Field::Status) => Key::Status,
            None => match key {
                "err" => Key::Err,
                "measures" => Key::Measures,
                "phase" => Key::Phase,
                "kind" => Key::Kind,
                _ => Key::Other,
            },
        })
    }

    /// A number's value (`ms`, a measure): the common plain decimal read and converted in one
    /// pass ([`plain_decimal`]), any other number scanned and parsed by `str::parse`.
    // Inlined: on its own it costs latency-only logs about 5% more instructions a line.
    #[inline(always)]
    fn decimal(&mut self) -> Option<f64> {
        if let Some((value, length)) = plain_decimal(&self.bytes[self.position..]) {
            self.position += length;
            return Some(value);
        }
        let (start, end) = self.number()?;
        let value: f64 = self.text.get(start..end)?.parse().ok()?;
        // Out of range: the reference parser reports it.
        value.is_finite().then_some(value)
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.position).copied()
    }

    fn next_byte(&mut self) -> Option<u8> {
        let byte = self.peek()?;
        self.position += 1;
        Some(byte)
    }

    fn expect(&mut self, expected: u8) -> Option<()> {
        (self.next_byte()? == expected).then_some(())
    }

    /// After a member of the record: `,` (more follow: `false`, with the white space after it
    /// consumed) or `}` (done: `true`), white space before either; compact JSON costs one
    /// comparison before the separator's.
    #[inline(always)]
    fn member_end(&mut self) -> Option<bool> {
        let byte = match self.peek()? {
            byte @ (b',' | b'}') => byte,
            _ => {
                self.skip_white_space();
                self.peek()?
            }
        };
        self.position += 1;
        match byte {
            b',' => {
                self.skip_white_space();
                Some(false)
            }
            b'}' => Some(true),
            _ => None,
        }
    }

    /// The `:` after a key, with any white space around it; compact JSON (`"ms":1`) costs one
    /// comparison before the value's white space check.
    #[inline(always)]
    fn colon(&mut self) -> Option<()> {
        if self.peek() == Some(b':') {
            self.position += 1;
        } else {
            self.skip_white_space();
            self.expect(b':')?;
        }
        self.skip_white_space();
        Some(())
    }

    fn skip_white_space(&mut self) {
        while let Some(b' ' | b'\t' | b'\r' | b'\n') = self.peek() {
            self.position += 1;
        }
    }

    /// An object key. The record's own field names are recognised by their bytes, quotes
    /// included, without a string scan (they are most of the keys of a line); any other key is
    /// scanned as a string (an escaped spelling of a known name, such as `"m\u0073"`, defers to
    /// the reference parser there).
    // Inlined (as `string_end`): out of line they cost the record loop a call a key.
    #[inline(always)]
    fn key(&mut self) -> Option<Key> {
        let rest = &self.bytes[self.position..];
        // One branch on the name's first letter, then one comparison of constant length (a few
        // word compares), instead of trying the names one after another.
        let candidate = match rest.get(1) {
            Some(b't') if rest.starts_with(b"\"ts\"") => Some((Key::Ts, 4)),
            Some(b't') if rest.starts_with(b"\"tool\"") => Some((Key::Tool, 6)),
            Some(b's') if rest.starts_with(b"\"sessionId\"") => Some((Key::SessionId, 11)),
            Some(b's') if rest.starts_with(b"\"step\"") => Some((Key::Step, 6)),
            Some(b's') if rest.starts_with(b"\"status\"") => Some((Key::Status, 8)),
            Some(b'm') if rest.starts_with(b"\"ms\"") => Some((Key::Ms, 4)),
            Some(b'm') if rest.starts_with(b"\"measures\"") => Some((Key::Measures, 10)),
            Some(b'o') if rest.starts_with(b"\"ok\"") => Some((Key::Ok, 4)),
            Some(b'e') if rest.starts_with(b"\"errorReason\"") => Some((Key::ErrorReason, 13)),
            Some(b'e') if rest.starts_with(b"\"err\"") => Some((Key::Err, 5)),
            Some(b'p') if rest.starts_with(b"\"phase\"") => Some((Key::Phase, 7)),
            Some(b'k') if rest.starts_with(b"\"kind\"") => Some((Key::Kind, 6)),
            _ => None,
        };
        let Some((key, length)) = candidate else {
            self.string()?;
            return Some(Key::Other);
        };
        self.position += length;
        Some(key)
    }

    /// A string without escapes or control characters, borrowed.
    // Inlined: a call's prologue and epilogue cost about a sixth of a typical string.
    #[inline(always)]
    fn string(&mut self) -> Option<&'a str> {
        self.expect(b'"')?;
        let start = self.position;
        let end = start + string_end(&self.bytes[start..])?;
        if self.bytes[end] != b'"' {
            return None;
        }
        self.position = end + 1;
        // Both ends are ASCII quotes, so they are character boundaries; two `split_at_checked`
        // check that in line, where `str::get` was a call a string.
        let (head, _) = self.text.split_at_checked(end)?;
        Some(head.split_at_checked(start)?.1)
    }

    fn optional_string(&mut self) -> Option<Option<&'a str>> {
        if self.literal(b"null") {
            return Some(None);
        }
        self.string().map(Some)
    }

    fn optional_bool(&mut self) -> Option<Option<bool>> {
        if self.literal(b"true") {
            Some(Some(true))
        } else if self.literal(b"false") {
            Some(Some(false))
        } else if self.literal(b"null") {
            Some(None)
        } else {
            None
        }
    }

    fn literal(&mut self, word: &[u8]) -> bool {
        let matches = self.bytes[self.position..].starts_with(word);
        if matches {
            self.position += word.len();
        }
        matches
    }

    /// A JSON number: `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`; returns its span.
    fn number(&mut self) -> Option<(usize, usize)> {
        let start = self.position;
        if self.peek() == Some(b'-') {
            self.position += 1;
        }
        match self.next_byte()? {
            b'0' => {}
            b'1'..=b'9' => self.digits(),
            _ => return None,
        }
        if self.peek() == Some(b'.') {
            self.position += 1;
            self.at_least_one_digit()?;
        }
        if let Some(b'e' | b'E') = self.peek() {
            self.position += 1;
            if let Some(b'+' | b'-') = self.peek() {
                self.position += 1;
            }
            self.at_least_one_digit()?;
        }
        Some((start, self.position))
    }

    fn digits(&mut self) {
        while let Some(b'0'..=b'9') = self.peek() {
            self.position += 1;
        }
    }

    fn at_least_one_digit(&mut self) -> Option<()> {
        let start = self.position;
        self.digits();
        (self.position > start).then_some(())
    }

    /// Skips the value of a field the record does not use, validating it as the reference
    /// parser would: any scalar, and objects and arrays nested up to `depth` levels (deeper
    /// ones defer, which keeps the fast path clear of serde_json's own recursion limit).
    fn skip_value(&mut self, depth: u8) -> Option<()> {
        match self.peek()? {
            b'{' => {
                self.enter(depth)?;
                if self.close(b'}') {
                    return Some(());
                }
                loop {
                    self.string()?;
                    self.colon()?;
                    self.skip_value(depth - 1)?;
                    if self.separator(b'}')? {
                        return Some(());
                    }
                }
            }
            b'[' => {
                self.enter(depth)?;
                if self.close(b']') {
                    return Some(());
                }
                loop {
                    self.skip_value(depth - 1)?;
                    if self.separator(b']')? {
                        return Some(());
                    }
                }
            }
            b'"' => self.string().map(|_| ()),
            b'-' | b'0'..=b'9' => self.number().map(|_| ()),
            _ if self.literal(b"true") || self.literal(b"false") || self.literal(b"null") => {
                Some(())
            }
            _ => None,
        }
    }

    /// Steps into an object or array, unless `depth` is used up (then defers).
    fn enter(&mut self, depth: u8) -> Option<()> {
        if depth == 0 {
            return None;
        }
        self.position += 1;
        self.skip_white_space();
        Some(())
    }

    /// Consumes `closing` if it comes next (an empty object or array).
    fn close(&mut self, closing: u8) -> bool {
        let empty = self.peek() == Some(closing);
        if empty {
            self.position += 1;
        }
        empty
    }

    /// After a member: `,` (more follow: `false`) or `closing` (done: `true`).
    fn separator(&mut self, closing: u8) -> Option<bool> {
        self.skip_white_space();
        let byte = self.next_byte()?;
        if byte == closing {
            return Some(true);
        }
        (byte == b',').then_some(())?;
        self.skip_white_space();
        Some(false)
    }
}

/// An object key of the record: one of its fields, or any other.
#[derive(Clone, Copy)]
enum Key {
    Ts,
    SessionId,
    Tool,
    Step,
    Ms,
    Ok,
    ErrorReason,
    Err,
    Status,
    Phase,
    Kind,
    Measures,
    Other,
}

/// How deep the fast scanner follows nested values in fields it does not use.
const MAX_NESTING: u8 = 16;

/// The index of the first byte of `bytes` that ends an unescaped JSON string's contents: a quote,
/// a backslash or a control character (below 0x20); `None` if there is none.
///
/// Eight bytes at a time (SWAR): for each word, a byte's high bit is set in `quote`, `backslash`
/// or `control` where that byte may match. The classic "has zero byte" trick can also flag bytes
/// *after* a true match (through the borrow), never before one, so the lowest flagged byte is
/// exact. Strings in logs are short, but this still halves the scanner's time on them.
#[inline(always)]
pub(crate) fn string_end(bytes: &[u8]) -> Option<usize> {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH_BITS: u64 = 0x8080_8080_8080_8080;
    let flagged = |word: u64| {
        let zero_byte = |x: u64| x.wrapping_sub(ONES) & !x;
        let quote = zero_byte(word ^ (ONES * u64::from(b'"')));
        let backslash = zero_byte(word ^ (ONES * u64::from(b'\\')));
        let control = word.wrapping_sub(ONES * 0x20) & !word;
        (quote | backslash | control) & HIGH_BITS
    };
    let mut chunks = bytes.chunks_exact(8);
    let mut offset = 0;
    for chunk in &mut chunks {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        let found = flagged(u64::from_le_bytes(word));
        if found != 0 {
            return Some(offset + (found.trailing_zeros() / 8) as usize);
        }
        offset += 8;
    }
    chunks
        .remainder()
        .iter()
        .position(|&byte| byte == b'"' || byte == b'\\' || byte < 0x20)
        .map(|position| offset + position)
}

/// Clinger's fast path for the common `ms` shape, read where it starts: `0` or `[1-9][0-9]*`, then
/// optionally `.` and digits, with at most 15 digits in all and neither an exponent nor another
/// digit after it (`24.723`, `131`). Returns the value and the length read. Its digits form an
/// integer below 10^15 < 2^53 and its scale a power of ten up to 10^14, both exact in an f64, so
/// one IEEE division gives the correctly rounded value, the same as `str::parse`. Anything else
/// (a sign, an exponent, more digits, a leading zero before a digit) returns `None`, and the
/// caller scans the number as JSON.
#[inline(always)]
fn plain_decimal(bytes: &[u8]) -> Option<(f64, usize)> {
    const POWERS_OF_TEN: [f64; 16] = [
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
    ];
    let digit = |position: usize| {
        bytes
            .get(position)
            .map(|byte| byte.wrapping_sub(b'0'))
            .filter(|value| *value < 10)
    };
    // Wrapping: a run too long to be exact is refused below, whatever it summed to.
    let mut mantissa: u64 = 0;
    let mut position = 0;
    match digit(0)? {
        0 => position = 1,
        _ => {
            while let Some(value) = digit(position) {
                mantissa = mantissa.wrapping_mul(10).wrapping_add(u64::from(value));
                position += 1;
            }
        }
    }
    let mut fraction_digits = 0;
    if bytes.get(position) == Some(&b'.') {
        let start = position + 1;
        position = start;
        while let Some(value) = digit(position) {
            mantissa = mantissa.wrapping_mul(10).wrapping_add(u64::from(value));
            position += 1;
        }
        fraction_digits = position - start;
        if fraction_digits == 0 {
            return None;
        }
    }
    // Digits counted with the `.` and a leading `0`: at most 15 of them, fewer than 16 bytes.
    if position > 16 || (fraction_digits == 0 && position > 15) {
        return None;
    }
    if matches!(bytes.get(position), Some(b'0'..=b'9' | b'e' | b'E')) {
        return None;
    }
    let scale = POWERS_OF_TEN[fraction_digits];
    Some((mantissa as f64 / scale, position))
}

/// Stores a field's value; a second occurrence defers to the reference parser.
fn set_once<T>(slot: &mut Option<T>, value: T) -> Option<()> {
    if slot.is_some() {
        return None;
    }
    *slot = Some(value);
    Some(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn string_end_finds_the_first_quote_backslash_or_control_byte() {
        let naive = |bytes: &[u8]| {
            bytes
                .iter()
                .position(|&byte| byte == b'"' || byte == b'\\' || byte < 0x20)
        };
        let mut cases: Vec<Vec<u8>> = vec![
            b"".to_vec(),
            b"plain".to_vec(),
            b"registry_get\",rest".to_vec(),
            b"0123456789abcdef\"".to_vec(),
            b"a\\b".to_vec(),
            "caf\u{e9} \u{1f600}\"".as_bytes().to_vec(),
            vec![b'x'; 40],
        ];
        // Every special byte at every position of a 20-byte run, with high-bit bytes around it.
        for special in [b'"', b'\\', 0x00, 0x1f, b'\n'] {
            for position in 0..20 {
                let mut bytes = vec![0xc3; 20];
                bytes[position] = special;
                cases.push(bytes);
            }
        }
        for byte in 0..=255u8 {
            cases.push(vec![b'a', b'b', b'c', b'd', b'e', b'f', b'g', byte, b'"']);
        }
        for case in cases {
            assert_eq!(string_end(&case), naive(&case), "{case:?}");
        }
    }

    /// What [`plain_decimal`] must answer: the correctly rounded value of the whole JSON number at
    /// the start of `text` (`str::parse` of its span), or `None`.
    fn check_plain_decimal(text: &str) -> Option<f64> {
        let answer = plain_decimal(text.as_bytes());
        if let Some((value, length)) = answer {
            let parsed: f64 = text[..length].parse().unwrap();
            assert_eq!(value.to_bits(), parsed.to_bits(), "{text}");
            let mut scanner = Scanner {
                text,
                bytes: text.as_bytes(),
                position: 0,
                phase: Phase::Measured,
            };
            assert_eq!(scanner.number(), Some((0, length)), "{text}");
        }
        answer.map(|(value, _)| value)
    }

    #[test]
    fn plain_decimal_agrees_with_str_parse() {
        let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let mut checked = 0;
        for _ in 0..200_000 {
            let integer = next() % 10_u64.pow((next() % 9) as u32);
            let fraction_digits = (next() % 8) as usize;
            let fraction = next() % 10_u64.pow(fraction_digits as u32);
            let text = if fraction_digits == 0 {
                integer.to_string()
            } else {
                format!("{integer}.{fraction:0fraction_digits$}")
            };
            match check_plain_decimal(&format!("{text},")) {
                Some(_) => checked += 1,
                None => assert!(text.len() > 15, "{text} should take the fast path"),
            }
        }
        assert!(checked > 150_000);
        for text in [
            "1e3",
            "1.5E3",
            "-1.5",
            "",
            ".5",
            "5.",
            "5.}",
            "01",
            "007.5",
            "1234567890123456",
            "0.123456789012345",
            "-0",
        ] {
            assert_eq!(check_plain_decimal(text), None, "{text}");
        }
        assert_eq!(check_plain_decimal("0.1"), Some(0.1));
        assert_eq!(check_plain_decimal("0"), Some(0.0));
        assert_eq!(check_plain_decimal("0,"), Some(0.0));
        assert_eq!(check_plain_decimal("24.723}"), Some(24.723));
        // The first number only: what follows is the scanner's to judge.
        assert_eq!(check_plain_decimal("1.2.3"), Some(1.2));
        for text in ["999999999999999", "0.12345678901234", "99999999999.9999"] {
            let parsed: f64 = text.parse().unwrap();
            assert_eq!(
                check_plain_decimal(text).map(f64::to_bits),
                Some(parsed.to_bits())
            );
        }
    }

    proptest::proptest! {
        /// Any digits, `.` and exponent characters: where the one-pass decimal answers, it reads
        /// the same number as the JSON scanner and gives `str::parse`'s value.
        #[test]
        fn plain_decimal_is_str_parse_where_it_answers(text in "[0-9]{0,12}[.]?[0-9]{0,12}[eE.0-9,}]{0,2}") {
            check_plain_decimal(&text);
        }

        /// Every decimal of up to 15 digits takes the one pass.
        #[test]
        fn plain_decimal_takes_every_short_decimal(integer in 0u64..100_000_000, fraction in proptest::option::of("[0-9]{1,7}")) {
            let text = match fraction {
                Some(fraction) => format!("{integer}.{fraction}"),
                None => integer.to_string(),
            };
            proptest::prop_assert!(check_plain_decimal(&text).is_some(), "{}", text);
        }
    }

    #[test]
    fn takes_the_common_shapes() {
        for line in [
            r#"{"ts":"2025-10-16T23:34:46.422Z","sessionId":"wsap-1","tool":"wsap","step":"import","ms":24.723,"ok":true}"#,
            r#"{"ts":"2025-10-21T09:00:01.000Z","sessionId":"reg-1","tool":"registry","step":"get","ms":131.2,"ok":false,"errorReason":"http 429 too many requests"}"#,
            r#"{"ms": 1e3, "step": "s", "tool": "t", "sessionId": "s", "ts": "2025-10-21T09:00:01+02:00", "host": "ci", "n": -1.5, "x": null}"#,
            r#"{"ts":"2025-10-16T23:34:46Z","sessionId":"s","tool":"t","step":"s","ms":1,"x":{"a":[1,{"b":null},[]],"c":{}}}"#,
            r#"{"ts":"2025-10-16T23:34:46Z","x":[ { "a" : [ true , false ] } ] ,"sessionId":"s","tool":"t","step":"s","ms":1}"#,
        ] {
            let record = parse_record::<false>(line, &FieldMap::default());
            assert!(record.is_some(), "{line}");
            assert!(
                matches!(
                    parse_line::<false>(line, &FieldMap::default()),
                    Some(Line::Record(_))
                ),
                "{line}"
            );
        }
        let nested = |depth: usize| {
            format!(
                r#"{{"ts":"2025-10-16T23:34:46Z","sessionId":"s","tool":"t","step":"s","ms":1,"x":{}1{}}}"#,
                "[".repeat(depth),
                "]".repeat(depth)
            )
        };
        assert!(
            parse_record::<false>(&nested(usize::from(MAX_NESTING)), &FieldMap::default())
                .is_some()
        );
        assert!(
            parse_record::<false>(&nested(usize::from(MAX_NESTING) + 1), &FieldMap::default())
                .is_none()
        );
        for malformed in [
            r#"{"a" 1}"#,
            r#"{"a":1,}"#,
            "[1,]",
            "[1 2]",
            "{1:2}",
            "[",
            r#"{"a":}"#,
        ] {
            let line = format!(
                r#"{{"ts":"2025-10-16T23:34:46Z","sessionId":"s","tool":"t","step":"s","ms":1,"x":{malformed}}}"#
            );
            assert!(
                parse_record::<false>(&line, &FieldMap::default()).is_none(),
                "{line}"
            );
        }
    }

    #[test]
    fn defers_the_unusual() {
        for line in [
            r#"{"ts":"2025-10-16T23:34:46Z","sessionId":"a\"b","tool":"t","step":"s","ms":1}"#,
            r#"{"ts":"2025-10-16T23:34:46Z","sessionId":"s","tool":"t","step":"s","ms":1,"x":{"a":"\n"}}"#,
            r#"{"ts":"2025-10-16T23:34:46Z","sessionId":"s","tool":"t","step":"s","ms":1,"ms":2}"#,
            r#"{"ts":"2025-10-16T23:34:46Z","sessionId":"s","tool":"t","step":"s","ms":-1}"#,
            r#"{"ts":"2025-10-16T23:34:46Z","sessionId":"s","tool":"t","step":"s","ms":01}"#,
            r#"{"ts":"2025-10-16T23:34:46Z","sessionId":"s","tool":"t","step":"s","ms":1}x"#,
        ] {
            assert!(
                parse_record::<false>(line, &FieldMap::default()).is_none(),
                "{line}"
            );
        }
    }
}
