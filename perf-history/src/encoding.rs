//! The compact encoding of a group's raw samples: a format contract (see the README).
//!
//! `sorted-f64-delta-leb128-zlib/1`:
//! 1. the latencies are sorted ascending in IEEE 754 total order (the order of the log is not
//!    kept: every statistic and test the history needs is order-free);
//! 2. each value becomes the 64-bit key `bits | 1 << 63` when its sign bit is clear and `!bits`
//!    when it is set, which is monotone in that order, so successive keys never decrease;
//! 3. the first key and then each difference to the previous key are written as unsigned
//!    LEB128 varints;
//! 4. the byte stream is compressed with zlib (RFC 1950).
//!
//! Decoding is bit-exact. The stored `sample_count` must match the number of varints, and a
//! stream with bytes after the last varint is rejected.

use std::io::{Read, Write};

use flate2::Compression;
use flate2::read::ZlibDecoder;
use flate2::write::ZlibEncoder;

/// The name stored in `samples.encoding` for this encoding.
pub const SAMPLES_ENCODING: &str = "sorted-f64-delta-leb128-zlib/1";

/// Why stored samples cannot be decoded.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DecodeError {
    /// An encoding this crate does not know.
    #[error("unknown sample encoding {0:?}")]
    UnknownEncoding(String),
    /// The zlib stream is damaged.
    #[error("the compressed stream is damaged")]
    Inflate(#[source] std::io::Error),
    /// A varint runs past the end or beyond 64 bits, or the keys overflow.
    #[error("malformed varint at byte {offset}")]
    Varint {
        /// Offset in the inflated stream.
        offset: usize,
    },
    /// The number of values differs from the stored count.
    #[error("{found} values where {expected} were recorded")]
    Count {
        /// The stored `sample_count`.
        expected: u64,
        /// Values decoded.
        found: u64,
    },
}

fn key_of(value: f64) -> u64 {
    let bits = value.to_bits();
    if bits >> 63 == 0 {
        bits | 1 << 63
    } else {
        !bits
    }
}

fn value_of(key: u64) -> f64 {
    let bits = if key >> 63 == 1 {
        key & !(1 << 63)
    } else {
        !key
    };
    f64::from_bits(bits)
}

/// Encodes `latencies` (any order) as [`SAMPLES_ENCODING`].
///
/// # Errors
/// Only what the compressor reports (writing into memory does not fail in practice).
pub fn encode_samples(latencies: &[f64]) -> std::io::Result<Vec<u8>> {
    let mut keys: Vec<u64> = latencies.iter().map(|value| key_of(*value)).collect();
    keys.sort_unstable();
    let mut raw = Vec::with_capacity(keys.len() * 3);
    let mut previous = 0u64;
    for key in keys {
        write_varint(&mut raw, key - previous);
        previous = key;
    }
    let mut encoder = ZlibEncoder::new(Vec::with_capacity(raw.len() / 2 + 16), Compression::fast());
    encoder.write_all(&raw)?;
    encoder.finish()
}

/// Decodes samples stored as `encoding` with `sample_count` values, sorted ascending.
///
/// # Errors
/// An unknown encoding, a damaged stream or a count that does not match.
pub fn decode_samples(
    encoding: &str,
    data: &[u8],
    sample_count: u64,
) -> Result<Vec<f64>, DecodeError> {
    if encoding != SAMPLES_ENCODING {
        return Err(DecodeError::UnknownEncoding(encoding.to_owned()));
    }
    let mut raw = Vec::new();
    ZlibDecoder::new(data)
        .read_to_end(&mut raw)
        .map_err(DecodeError::Inflate)?;
    let capacity = usize::try_from(sample_count).unwrap_or(0).min(raw.len());
    let mut values = Vec::with_capacity(capacity);
    let mut offset = 0;
    let mut key = 0u64;
    while offset < raw.len() {
        let start = offset;
        let (delta, used) = read_varint(&raw[offset..]).ok_or(DecodeError::Varint { offset })?;
        offset += used;
        key = key
            .checked_add(delta)
            .ok_or(DecodeError::Varint { offset: start })?;
        values.push(value_of(key));
    }
    if values.len() as u64 != sample_count {
        return Err(DecodeError::Count {
            expected: sample_count,
            found: values.len() as u64,
        });
    }
    Ok(values)
}

fn write_varint(out: &mut Vec<u8>, mut value: u64) {
    while value >= 0x80 {
        out.push((value as u8) | 0x80);
        value >>= 7;
    }
    out.push(value as u8);
}

/// The value and the bytes it took, or `None` when it is cut off or longer than 64 bits.
fn read_varint(bytes: &[u8]) -> Option<(u64, usize)> {
    let mut value = 0u64;
    for (index, byte) in bytes.iter().enumerate().take(10) {
        let part = u64::from(byte & 0x7f);
        let shift = 7 * index as u32;
        if index == 9 && part > 1 {
            return None;
        }
        value |= part << shift;
        if byte & 0x80 == 0 {
            return Some((value, index + 1));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn round_trips_sorted_and_bit_exact() {
        let values = [12.5, -0.0, 0.0, 3.25, f64::MAX, 1e-300, -7.0, 12.5];
        let encoded = encode_samples(&values).unwrap();
        let decoded = decode_samples(SAMPLES_ENCODING, &encoded, values.len() as u64).unwrap();
        let mut expected = values.to_vec();
        expected.sort_by(f64::total_cmp);
        let bits = |values: &[f64]| values.iter().map(|v| v.to_bits()).collect::<Vec<_>>();
        assert_eq!(bits(&decoded), bits(&expected));
    }

    #[test]
    fn the_empty_sample_round_trips() {
        let encoded = encode_samples(&[]).unwrap();
        assert_eq!(
            decode_samples(SAMPLES_ENCODING, &encoded, 0).unwrap(),
            Vec::<f64>::new()
        );
    }

    #[test]
    fn the_format_is_stable() {
        // The contract: this exact byte stream (inflated) for these values.
        let mut raw = Vec::new();
        ZlibDecoder::new(encode_samples(&[2.0, 1.0]).unwrap().as_slice())
            .read_to_end(&mut raw)
            .unwrap();
        let one = 1.0f64.to_bits() | 1 << 63;
        let two = 2.0f64.to_bits() | 1 << 63;
        let mut expected = Vec::new();
        write_varint(&mut expected, one);
        write_varint(&mut expected, two - one);
        assert_eq!(raw, expected);
        assert_eq!(expected[..2], [0x80, 0x80]);
    }

    #[test]
    fn damage_is_an_error_not_a_wrong_answer() {
        let encoded = encode_samples(&[1.0, 2.0, 3.0]).unwrap();
        assert!(matches!(
            decode_samples(SAMPLES_ENCODING, &encoded, 4),
            Err(DecodeError::Count {
                expected: 4,
                found: 3
            })
        ));
        assert!(matches!(
            decode_samples(SAMPLES_ENCODING, &encoded[..encoded.len() - 3], 3),
            Err(DecodeError::Inflate(_))
        ));
        assert!(matches!(
            decode_samples("raw-f64/0", &encoded, 3),
            Err(DecodeError::UnknownEncoding(_))
        ));
        let mut cut = Vec::new();
        write_varint(&mut cut, u64::MAX);
        cut.pop();
        let mut encoder = ZlibEncoder::new(Vec::new(), Compression::fast());
        encoder.write_all(&cut).unwrap();
        let cut = encoder.finish().unwrap();
        assert!(matches!(
            decode_samples(SAMPLES_ENCODING, &cut, 1),
            Err(DecodeError::Varint { offset: 0 })
        ));
    }

    proptest! {
        #[test]
        fn any_sample_round_trips(values in proptest::collection::vec(any::<f64>(), 0..300)) {
            let encoded = encode_samples(&values).unwrap();
            let decoded = decode_samples(SAMPLES_ENCODING, &encoded, values.len() as u64).unwrap();
            let mut expected: Vec<u64> = values.iter().map(|v| key_of(*v)).collect();
            expected.sort_unstable();
            let found: Vec<u64> = decoded.iter().map(|v| key_of(*v)).collect();
            prop_assert_eq!(found, expected);
        }
    }
}
