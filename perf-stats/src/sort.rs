//! Sorting a sample once, cheaply, for every judge that reads its order statistics.
//!
//! [`sorted_total`] gives exactly the order of `sort_unstable_by(f64::total_cmp)` (every bit
//! pattern has one place, so any correct sort gives the same sequence), by sorting integer keys
//! that order as `total_cmp` does: about 40% fewer instructions than comparing floats, and no
//! copy (the keys reuse the values' allocation). Already sorted input costs one pass. Samples of
//! [`RADIX_SORT_MIN`] to [`RADIX_SORT_MAX`] values sort their keys by a least-significant-digit
//! radix sort (about half the instructions of the comparison sort again), with a scratch copy of
//! at most 2 MiB.

/// The integer whose unsigned order is `f64::total_cmp`'s order: the sign bit flipped for
/// positive values, every bit flipped for negative ones (the mapping `total_cmp` itself uses).
fn total_order_key(value: f64) -> u64 {
    let bits = value.to_bits();
    let negative_mask = ((bits as i64) >> 63) as u64;
    bits ^ (negative_mask | (1 << 63))
}

/// The inverse of [`total_order_key`].
fn from_total_order_key(key: u64) -> f64 {
    let bits = if key >> 63 == 1 {
        key ^ (1 << 63)
    } else {
        !key
    };
    f64::from_bits(bits)
}

/// Whether `values` are ascending in `f64::total_cmp` order.
pub fn is_sorted_total(values: &[f64]) -> bool {
    // Chunks of pairs without an early exit inside a chunk, so that the comparisons vectorize
    // (several times fewer instructions than `is_sorted_by(total_cmp)`).
    const CHUNK: usize = 64;
    let Some(next) = values.get(1..) else {
        return true;
    };
    values
        .chunks(CHUNK)
        .zip(next.chunks(CHUNK))
        .all(|(left, right)| {
            left.iter().zip(right).fold(true, |sorted, (a, b)| {
                sorted & (total_order_key(*a) <= total_order_key(*b))
            })
        })
}

/// `values` sorted ascending in `f64::total_cmp` order (NaN and `-0.0` included), exactly the
/// sequence `sort_unstable_by(f64::total_cmp)` gives, in place of the vector.
///
/// ```
/// let sorted = perf_stats::sorted_total(vec![3.0, -0.0, 1.5, 0.0, -2.0]);
/// assert_eq!(format!("{sorted:?}"), "[-2.0, -0.0, 0.0, 1.5, 3.0]");
/// ```
pub fn sorted_total(values: Vec<f64>) -> Vec<f64> {
    sorted_total_with(values, sort_keys)
}

/// The fewest values whose keys [`sorted_total`] radix-sorts: below it the six histograms of
/// 2,048 buckets cost more than comparisons.
const RADIX_SORT_MIN: usize = 1 << 10;

/// The most values whose keys [`sorted_total`] radix-sorts, so that its scratch copy stays at
/// 2 MiB (memory stays bounded while every thread judges a group); larger samples are sorted in
/// place by comparisons.
const RADIX_SORT_MAX: usize = 1 << 18;

/// Sorts `keys` ascending: by [`radix_sort`] between [`RADIX_SORT_MIN`] and [`RADIX_SORT_MAX`]
/// keys, else by `sort_unstable` (equal keys are the same bits, so every correct sort gives the
/// same sequence).
fn sort_keys(keys: &mut [u64]) {
    if (RADIX_SORT_MIN..=RADIX_SORT_MAX).contains(&keys.len()) {
        radix_sort(keys);
    } else {
        keys.sort_unstable();
    }
}

/// Bits of one radix sort digit: six digits cover a key, and a digit's 2,048 counters (16 KiB)
/// stay in the first-level cache.
const DIGIT_BITS: u32 = 11;
const DIGITS: usize = 64_usize.div_ceil(DIGIT_BITS as usize);
const BUCKETS: usize = 1 << DIGIT_BITS;

/// A least-significant-digit radix sort of `keys`: one pass counts every digit, then one
/// scattering pass per digit, skipping a digit all keys share (a sample's sign, and often the
/// top of its exponents).
fn radix_sort(keys: &mut [u64]) {
    let digit = |key: u64, position: usize| {
        (key >> (position as u32 * DIGIT_BITS)) as usize & (BUCKETS - 1)
    };
    let mut counts = vec![[0_usize; BUCKETS]; DIGITS];
    for &key in keys.iter() {
        for (position, count) in counts.iter_mut().enumerate() {
            count[digit(key, position)] += 1;
        }
    }
    let mut scratch = vec![0_u64; keys.len()];
    let mut in_scratch = false;
    {
        let (mut from, mut to): (&mut [u64], &mut [u64]) = (&mut *keys, &mut scratch[..]);
        for (position, count) in counts.iter().enumerate() {
            if count.contains(&from.len()) {
                continue;
            }
            let mut offsets = [0_usize; BUCKETS];
            let mut sum = 0;
            for (offset, &keys_in_bucket) in offsets.iter_mut().zip(count) {
                *offset = sum;
                sum += keys_in_bucket;
            }
            for &key in from.iter() {
                let offset = &mut offsets[digit(key, position)];
                to[*offset] = key;
                *offset += 1;
            }
            std::mem::swap(&mut from, &mut to);
            in_scratch = !in_scratch;
        }
    }
    if in_scratch {
        keys.copy_from_slice(&scratch);
    }
}

/// [`sorted_total`] with the integer keys sorted by `sort` (which must sort them ascending), e.g.
/// a parallel sort for a large sample.
pub fn sorted_total_with(values: Vec<f64>, sort: impl FnOnce(&mut [u64])) -> Vec<f64> {
    if is_sorted_total(&values) {
        return values;
    }
    // Both collections reuse the vector's allocation (same size and alignment).
    let mut keys: Vec<u64> = values.into_iter().map(total_order_key).collect();
    sort(&mut keys);
    keys.into_iter().map(from_total_order_key).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sorts_exactly_as_total_cmp_does() {
        let mut values = vec![
            f64::NAN,
            -f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
            -0.0,
            0.0,
            f64::MIN_POSITIVE,
            -f64::MIN_POSITIVE,
            5e-324,
            -5e-324,
            1.0,
            -1.0,
            f64::MAX,
            f64::MIN,
            12.345,
            12.345,
            0.001,
        ];
        let mut rng = crate::SplitMix64::seeded(0x2545_f491_4f6c_dd1d);
        for _ in 0..5_000 {
            let state = rng.next_u64();
            values.push(f64::from_bits(state));
            values.push(((state >> 40) % 1_000) as f64 / 8.0);
        }
        let mut expected = values.clone();
        expected.sort_unstable_by(f64::total_cmp);
        let sorted = sorted_total(values);
        let bits = |values: &[f64]| values.iter().map(|v| v.to_bits()).collect::<Vec<_>>();
        assert_eq!(bits(&sorted), bits(&expected));
        assert!(is_sorted_total(&sorted));
        // Sorted input comes back as it is.
        assert_eq!(bits(&sorted_total(sorted.clone())), bits(&expected));
    }

    /// The radix sort sorts keys as the comparison sort does, for every size around its bounds,
    /// keys sharing digits or not.
    #[test]
    fn radix_sort_is_a_sort() {
        let mut rng = crate::SplitMix64::seeded(7);
        let mut next = || rng.next_u64();
        for count in [
            0,
            1,
            2,
            3,
            100,
            RADIX_SORT_MIN - 1,
            RADIX_SORT_MIN,
            5_000,
            RADIX_SORT_MAX,
        ] {
            for shape in 0..4 {
                let mut keys: Vec<u64> = (0..count)
                    .map(|_| match shape {
                        0 => next(),
                        1 => next() >> 40,
                        2 => (next() % 7) << 30 | 1 << 63,
                        _ => total_order_key(((next() >> 40) % 100_000) as f64 / 1_000.0),
                    })
                    .collect();
                let mut expected = keys.clone();
                expected.sort_unstable();
                radix_sort(&mut keys);
                assert_eq!(keys, expected, "{count} keys of shape {shape}");
            }
        }
    }

    #[test]
    fn keys_round_trip_and_order() {
        for value in [-3.5, -0.0, 0.0, 2.25, f64::INFINITY, f64::NEG_INFINITY] {
            assert_eq!(
                from_total_order_key(total_order_key(value)).to_bits(),
                value.to_bits()
            );
        }
        assert!(total_order_key(-0.0) < total_order_key(0.0));
        assert!(total_order_key(-1.0) < total_order_key(-0.5));
        let mut unsorted = vec![2.0, 1.0];
        unsorted = sorted_total_with(unsorted, |keys| keys.sort_unstable());
        assert_eq!(unsorted, [1.0, 2.0]);
        assert!(sorted_total(Vec::new()).is_empty());
    }
}
