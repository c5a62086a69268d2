//! The one seeded generator of xtask's synthetic data (example logs, the benchmark corpus).

/// A small, fast, deterministic pseudo-random generator (SplitMix64).
///
/// Good enough for synthetic latencies, and it keeps the generated files byte-for-byte stable
/// across platforms and dependency upgrades, which a general-purpose RNG crate does not promise.
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

    /// A uniform number in the open interval (0, 1).
    pub fn next_unit(&mut self) -> f64 {
        // 53 random bits, shifted by half a step so that neither 0 nor 1 can come out.
        ((self.next_u64() >> 11) as f64 + 0.5) / (1u64 << 53) as f64
    }

    /// A standard normal deviate (Box-Muller).
    pub fn next_normal(&mut self) -> f64 {
        let radius = (-2.0 * self.next_unit().ln()).sqrt();
        let angle = 2.0 * std::f64::consts::PI * self.next_unit();
        radius * angle.cos()
    }

    /// A log-normal latency with the given median and log-space spread.
    pub fn next_log_normal(&mut self, median: f64, sigma: f64) -> f64 {
        median * (sigma * self.next_normal()).exp()
    }

    /// A uniform index in `0..len` (`len > 0`).
    pub fn next_index(&mut self, len: usize) -> usize {
        (self.next_u64() % len as u64) as usize
    }

    /// A uniform number in `0..bound` (0 when `bound` is 0).
    pub fn below(&mut self, bound: u64) -> u64 {
        if bound == 0 { 0 } else { self.next_u64() % bound }
    }
}
