//! [`SplitMix64`], the one seeded generator of perf-gate: the bootstrap's resampling, and the
//! synthetic data of the simulations, examples and benchmark corpus.

/// A small, fast, deterministic pseudo-random generator: SplitMix64 (Steele, Lea & Flood,
/// "Fast splittable pseudorandom number generators", OOPSLA 2014; the reference constants of
/// Vigna's `splitmix64.c`).
///
/// The same seed gives the same stream on every platform and with every dependency version,
/// which a general-purpose RNG crate does not promise; perf-gate's reports (the bootstrap
/// interval of a mean), committed tables (`COVERAGE.md`, `BASELINE.md`) and generated files
/// (`examples/logs/`) depend on that. Not for cryptography.
///
/// ```
/// use perf_stats::SplitMix64;
/// let mut rng = SplitMix64::seeded(0);
/// // The first output of Vigna's reference implementation for seed 0.
/// assert_eq!(rng.next_u64(), 0xE220_A839_7B1D_CDAF);
/// let unit = rng.next_unit();
/// assert!(0.0 < unit && unit < 1.0);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SplitMix64 {
    state: u64,
}

impl SplitMix64 {
    /// A generator that always produces the same sequence for the same seed.
    pub fn seeded(seed: u64) -> Self {
        Self { state: seed }
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A uniform number in the open interval (0, 1): 53 random bits, shifted by half a step so
    /// that neither 0 nor 1 can come out (so `ln` and `powf(-1/a)` of it are finite).
    pub fn next_unit(&mut self) -> f64 {
        ((self.next_u64() >> 11) as f64 + 0.5) / (1u64 << 53) as f64
    }

    /// A pair of independent standard normal deviates (Box-Muller: `r cos`, `r sin`), from two
    /// [`next_unit`](Self::next_unit)s.
    pub fn next_normal_pair(&mut self) -> (f64, f64) {
        let radius = (-2.0 * self.next_unit().ln()).sqrt();
        let angle = 2.0 * std::f64::consts::PI * self.next_unit();
        (radius * angle.cos(), radius * angle.sin())
    }

    /// A standard normal deviate: the first of [`next_normal_pair`](Self::next_normal_pair)
    /// (the second is dropped, so each call uses two uniforms).
    pub fn next_normal(&mut self) -> f64 {
        self.next_normal_pair().0
    }

    /// A log-normal value with the given median and log-space spread `sigma`.
    pub fn next_log_normal(&mut self, median: f64, sigma: f64) -> f64 {
        median * (sigma * self.next_normal()).exp()
    }

    /// A number in `0..bound` (0 when `bound` is 0) by `next_u64() % bound`; the modulo bias is
    /// below `bound / 2^64`.
    pub fn below(&mut self, bound: u64) -> u64 {
        if bound == 0 {
            0
        } else {
            self.next_u64() % bound
        }
    }

    /// An index in `0..len` (`len > 0`; 0 for 0) by `next_u64() % len`, as [`below`](Self::below).
    pub fn next_index(&mut self, len: usize) -> usize {
        self.below(len as u64) as usize
    }

    /// An index in `0..len` by Lemire's multiply-shift (the high half of `next_u64() * len`;
    /// bias below `len / 2^64`, no division): the bootstrap's resampling. A different stream from
    /// [`next_index`](Self::next_index) for the same seed; both are kept because committed
    /// outputs depend on each.
    pub fn next_index_multiply_shift(&mut self, len: usize) -> usize {
        ((u128::from(self.next_u64()) * len as u128) >> 64) as usize
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Vigna's `splitmix64.c` from seed 1234567 (values from a Python transcription of it).
    #[test]
    fn matches_the_reference_stream() {
        let mut rng = SplitMix64::seeded(1_234_567);
        let first: Vec<u64> = (0..5).map(|_| rng.next_u64()).collect();
        assert_eq!(
            first,
            [
                6_457_827_717_110_365_317,
                3_203_168_211_198_807_973,
                9_817_491_932_198_370_423,
                4_593_380_528_125_082_431,
                16_408_922_859_458_223_821
            ]
        );
    }

    #[test]
    fn derived_draws_stay_in_range() {
        let mut rng = SplitMix64::seeded(7);
        for _ in 0..10_000 {
            let unit = rng.next_unit();
            assert!(0.0 < unit && unit < 1.0);
            assert!(rng.below(10) < 10);
            assert!(rng.next_index(3) < 3);
            assert!(rng.next_index_multiply_shift(5) < 5);
            assert!(rng.next_normal().is_finite());
        }
        assert_eq!(rng.below(0), 0);
        let mut a = SplitMix64::seeded(9);
        let mut b = a.clone();
        let (first, _) = a.next_normal_pair();
        assert_eq!(first, b.next_normal());
        assert_eq!(a, b);
    }
}
