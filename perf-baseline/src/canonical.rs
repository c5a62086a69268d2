//! Canonical JSON and the content hash.
//!
//! Canonical form: no white space, object keys sorted by their UTF-8 bytes, integers as written,
//! every other number with exactly six decimals (`12.500000`), strings escaped as serde_json
//! escapes them. Six decimals of a millisecond is a nanosecond, below any clock's resolution, and a
//! fixed format does not depend on the float formatter or on a one-ulp parse difference.

use std::fmt::Write as _;

use serde_json::Value;
use sha2::{Digest, Sha256};

/// Decimals kept for every non-integer number in a baseline.
pub(crate) const DECIMALS: i32 = 6;

/// Rounds `value` to [`DECIMALS`] decimals, the precision a baseline stores.
pub(crate) fn round_stored(value: f64) -> f64 {
    let scale = 10f64.powi(DECIMALS);
    let rounded = (value * scale).round() / scale;
    // Very large values overflow the scaling; they are already far coarser than a nanosecond.
    if rounded.is_finite() { rounded } else { value }
}

/// Writes `value` in canonical form (for the hash, one element of the streamed array at a time;
/// for the tests, the whole document at once: their definition).
pub(crate) fn canonical_json(value: &Value) -> String {
    let mut out = String::new();
    write_value(value, &mut out);
    out
}

/// `sha256:` followed by the lower-case hex SHA-256 of the canonical form of `value` (the
/// definition [`content_hash_streaming`] computes without the whole document; kept for the
/// tests that hold the two equal).
#[cfg(test)]
pub(crate) fn content_hash(value: &Value) -> String {
    hex_hash(&Sha256::digest(canonical_json(value).as_bytes()))
}

/// [`content_hash`] of `head` with its member `key` set to the array of the elements whose
/// [`canonical_json`] texts `items` gives, each hashed as it comes, so the whole document never
/// exists at once (and the caller may write a batch of elements in parallel).
pub(crate) fn content_hash_streaming(
    head: &Value,
    key: &str,
    items: impl Iterator<Item = String>,
) -> String {
    let mut hasher = Sha256::new();
    let mut out = String::new();
    let empty = serde_json::Map::new();
    let map = head.as_object().unwrap_or(&empty);
    let mut entries: Vec<(&str, Option<&Value>)> = map
        .iter()
        .map(|(name, item)| (name.as_str(), Some(item)))
        .collect();
    entries.retain(|(name, _)| *name != key);
    entries.push((key, None));
    entries.sort_by(|(left, _), (right, _)| left.as_bytes().cmp(right.as_bytes()));
    out.push('{');
    let mut items = Some(items);
    for (index, (name, item)) in entries.into_iter().enumerate() {
        if index > 0 {
            out.push(',');
        }
        out.push_str(&Value::String(name.to_owned()).to_string());
        out.push(':');
        match item {
            Some(item) => write_value(item, &mut out),
            None => {
                out.push('[');
                for (position, element) in items.take().into_iter().flatten().enumerate() {
                    if position > 0 {
                        out.push(',');
                    }
                    out.push_str(&element);
                    hasher.update(out.as_bytes());
                    out.clear();
                }
                out.push(']');
            }
        }
    }
    out.push('}');
    hasher.update(out.as_bytes());
    hex_hash(&hasher.finalize())
}

/// `sha256:` and the digest in lower-case hex.
fn hex_hash(digest: &[u8]) -> String {
    let mut hash = String::with_capacity(7 + 64);
    hash.push_str("sha256:");
    for byte in digest {
        hash.push_str(&format!("{byte:02x}"));
    }
    hash
}

/// Scalars per line when an array of numbers is pretty-printed.
const SCALARS_PER_LINE: usize = 10;

/// Pretty JSON for people: two-space indent, and arrays of scalars ten to a line, so a group's
/// 2,000 order statistics take 200 lines rather than 2,000 and the file stays small.
pub(crate) fn pretty_json(value: &Value) -> String {
    let mut out = String::new();
    write_pretty(value, 0, &mut out);
    out.push('\n');
    out
}

fn write_pretty(value: &Value, indent: usize, out: &mut String) {
    let pad = |out: &mut String, width: usize| out.extend(std::iter::repeat_n(' ', width));
    match value {
        Value::Object(map) if !map.is_empty() => {
            out.push_str("{\n");
            for (index, (key, item)) in map.iter().enumerate() {
                pad(out, indent + 2);
                out.push_str(&Value::String(key.clone()).to_string());
                out.push_str(": ");
                write_pretty(item, indent + 2, out);
                out.push_str(if index + 1 < map.len() { ",\n" } else { "\n" });
            }
            pad(out, indent);
            out.push('}');
        }
        Value::Array(items) if !items.is_empty() => {
            out.push_str("[\n");
            let scalars = items
                .iter()
                .all(|item| !item.is_array() && !item.is_object());
            let per_line = if scalars { SCALARS_PER_LINE } else { 1 };
            let lines = items.len().div_ceil(per_line);
            for (line, chunk) in items.chunks(per_line).enumerate() {
                pad(out, indent + 2);
                for (index, item) in chunk.iter().enumerate() {
                    if index > 0 {
                        out.push_str(", ");
                    }
                    write_pretty(item, indent + 2, out);
                }
                out.push_str(if line + 1 < lines { ",\n" } else { "\n" });
            }
            pad(out, indent);
            out.push(']');
        }
        scalar_or_empty => out.push_str(&scalar_or_empty.to_string()),
    }
}

/// Writes `float` with exactly [`DECIMALS`] decimals, as `format!("{:.6}")` does (the decimal
/// nearest the exact binary value), except that a result of zero has no minus sign.
fn write_fixed(float: f64, out: &mut String) {
    let start = out.len();
    match fixed_micros(float) {
        Some(micros) => {
            if micros < 0 {
                out.push('-');
            }
            // The digits of |micros| with the decimal point six from the end, at least one
            // digit before it (the formatter's machinery costs more than the number).
            let mut digits = [0_u8; 24];
            let mut rest = micros.unsigned_abs();
            let mut start = digits.len();
            let mut written: i32 = 0;
            while rest > 0 || written < DECIMALS + 1 {
                if written == DECIMALS {
                    start -= 1;
                    digits[start] = b'.';
                }
                start -= 1;
                digits[start] = b'0' + (rest % 10) as u8;
                rest /= 10;
                written += 1;
            }
            out.extend(digits[start..].iter().map(|&digit| char::from(digit)));
        }
        None => {
            let _ = write!(out, "{:.*}", DECIMALS as usize, float);
        }
    }
    // "-0.000000" (negative zero, tiny negatives) is written as "0.000000".
    if out.as_bytes()[start] == b'-'
        && out.as_bytes()[start + 1..]
            .iter()
            .all(|b| *b == b'0' || *b == b'.')
    {
        out.remove(start);
    }
}

/// `float` in millionths, rounded to the nearest, when that is certain without the exact
/// decimal expansion: below 10^9 in magnitude the product `float * 10^6` is below 2^50, so its
/// rounding error is at most 1/16; a product within 0.4 of an integer is then within 0.47 of it
/// exactly, so that integer is the nearest and no tie is possible. Every number a baseline stores
/// was rounded to millionths ([`round_stored`]), so this is the common case; the rest (`None`)
/// go through the exact formatter.
fn fixed_micros(float: f64) -> Option<i64> {
    // NaN and infinities fail this too.
    if !float.is_finite() || float.abs() >= 1e9 {
        return None;
    }
    let scaled = float * 1e6;
    let nearest = scaled.round();
    // Both are below 2^50 in magnitude: the cast is exact.
    ((scaled - nearest).abs() <= 0.4).then_some(nearest as i64)
}

fn write_value(value: &Value, out: &mut String) {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(flag) => out.push_str(if *flag { "true" } else { "false" }),
        Value::Number(number) => {
            // Writing to a String cannot fail.
            if let Some(integer) = number.as_u64() {
                let _ = write!(out, "{integer}");
            } else if let Some(integer) = number.as_i64() {
                let _ = write!(out, "{integer}");
            } else if let Some(float) = number.as_f64() {
                write_fixed(float, out);
            }
        }
        Value::String(text) => out.push_str(&Value::String(text.clone()).to_string()),
        Value::Array(items) => {
            out.push('[');
            for (index, item) in items.iter().enumerate() {
                if index > 0 {
                    out.push(',');
                }
                write_value(item, out);
            }
            out.push(']');
        }
        Value::Object(map) => {
            // Sort explicitly: serde_json's map order depends on a cargo feature.
            let mut entries: Vec<_> = map.iter().collect();
            entries.sort_by(|(left, _), (right, _)| left.as_bytes().cmp(right.as_bytes()));
            out.push('{');
            for (index, (key, item)) in entries.into_iter().enumerate() {
                if index > 0 {
                    out.push(',');
                }
                out.push_str(&Value::String(key.clone()).to_string());
                out.push(':');
                write_value(item, out);
            }
            out.push('}');
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_streamed_hash_is_the_hash_of_the_whole_document() {
        let groups = vec![json!({"b": [1.5, 2.0], "a": "x"}), json!({"c": -0.0000001})];
        let head = json!({"format": "f", "zeta": 1, "alpha": {"k": 2}});
        let mut whole = head.clone();
        whole["groups"] = Value::Array(groups.clone());
        assert_eq!(
            content_hash_streaming(&head, "groups", groups.iter().map(canonical_json)),
            content_hash(&whole)
        );
        let mut empty = head.clone();
        empty["groups"] = json!([]);
        assert_eq!(
            content_hash_streaming(&head, "groups", std::iter::empty()),
            content_hash(&empty)
        );
    }
    use serde_json::json;

    #[test]
    fn sorts_keys_and_fixes_number_format() {
        let value = json!({ "b": 1.5, "a": [1, -2, 0.1, -0.0000001], "c": "x\"y" });
        assert_eq!(
            canonical_json(&value),
            r#"{"a":[1,-2,0.100000,0.000000],"b":1.500000,"c":"x\"y"}"#
        );
    }

    #[test]
    fn hash_ignores_key_order_and_one_ulp() {
        let first = json!({ "x": 0.1 + 0.2, "y": 1 });
        let second = json!({ "y": 1, "x": 0.3 });
        assert_eq!(content_hash(&first), content_hash(&second));
        assert_ne!(
            content_hash(&first),
            content_hash(&json!({ "y": 1, "x": 0.300001 }))
        );
    }

    #[test]
    fn pretty_puts_ten_numbers_a_line() {
        let numbers: Vec<u32> = (0..12).collect();
        let value = json!({ "a": numbers, "b": { "c": [], "d": {} } });
        assert_eq!(
            pretty_json(&value),
            "{\n  \"a\": [\n    0, 1, 2, 3, 4, 5, 6, 7, 8, 9,\n    10, 11\n  ],\n  \"b\": {\n    \"c\": [],\n    \"d\": {}\n  }\n}\n"
        );
        let reparsed: Value = serde_json::from_str(&pretty_json(&value)).unwrap();
        assert_eq!(reparsed, value);
    }

    #[test]
    fn the_fast_fixed_format_is_the_exact_one() {
        let mut rng = perf_stats::SplitMix64::seeded(0x9e37_79b9_7f4a_7c15);
        let mut values = vec![
            0.0,
            -0.0,
            1e-7,
            -1e-7,
            4e-7,
            5e-7,
            6e-7,
            -5e-7,
            0.5e-6,
            1.0,
            -1.0,
            0.1,
            0.7,
            123.456789,
            999_999_999.999_999,
            1e9,
            -1e9,
            1e15,
            2.5e-6,
            0.000_000_5,
            f64::MAX,
            f64::MIN_POSITIVE,
            12.3456785,
            0.1234565,
        ];
        for _ in 0..200_000 {
            let state = rng.next_u64();
            let magnitude = 10f64.powi((state >> 59) as i32 - 8);
            let value = (state >> 11) as f64 / (1u64 << 53) as f64 * magnitude;
            values.push(value);
            values.push(-value);
            values.push(round_stored(value));
        }
        for value in values {
            let mut fast = String::new();
            write_fixed(value, &mut fast);
            let mut exact = format!("{value:.6}");
            if exact.starts_with('-') && exact[1..].bytes().all(|b| b == b'0' || b == b'.') {
                exact.remove(0);
            }
            assert_eq!(fast, exact, "{value:e}");
        }
    }

    #[test]
    fn rounds_to_nanoseconds() {
        assert_eq!(round_stored(1.234_567_89), 1.234_568);
        assert_eq!(round_stored(f64::MAX), f64::MAX);
    }
}
