//! A bounded-memory, mergeable quantile sketch for samples too large to keep.

use hdrhistogram::Histogram;

use crate::error::{StatsError, check_quantile};

/// Settings of a [`QuantileSketch`].
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct SketchConfig {
    /// The smallest difference the sketch must tell apart, in the values' unit (`0.001` with
    /// milliseconds is one microsecond). Values are rounded to a multiple of it. Must be positive.
    pub resolution: f64,
    /// Significant decimal digits kept, 1 to 5: the relative error bound is `10^-digits`.
    pub significant_digits: u8,
}

impl Default for SketchConfig {
    /// One-thousandth resolution (1 us for millisecond values) and 3 significant digits (0.1%).
    fn default() -> Self {
        SketchConfig {
            resolution: 0.001,
            significant_digits: 3,
        }
    }
}

/// An HdrHistogram of non-negative values: fixed relative precision, memory that grows only
/// with the logarithm of the value range, and exact merging across threads or shards.
///
/// **Error bound.** For any `q`, let `x` be the exact nearest-rank quantile (type 1,
/// [`QuantileMethod::InvertedCdf`](crate::QuantileMethod::InvertedCdf)) of the recorded values.
/// Then `|sketch.quantile(q) - x| <= x * 10^-significant_digits + resolution`
/// ([`error_bound`](Self::error_bound)). With 3 digits and values up to 10^9 resolutions
/// (e.g. 1000 s at 1 us) the histogram holds about 23,000 counters (under 200 KB), however many
/// values are recorded.
///
/// ```
/// use perf_stats::{QuantileSketch, SketchConfig};
/// let mut sketch = QuantileSketch::new(&SketchConfig::default())?;
/// for i in 1..=10_000 {
///     sketch.record(f64::from(i) / 10.0)?;
/// }
/// let p99 = sketch.quantile(0.99)?;
/// assert!((p99 - 990.0).abs() <= sketch.error_bound(990.0));
/// # Ok::<(), perf_stats::StatsError>(())
/// ```
#[derive(Debug, Clone)]
pub struct QuantileSketch {
    histogram: Histogram<u64>,
    config: SketchConfig,
}

/// The largest number of resolution units the histogram can hold.
const MAX_UNITS: f64 = (1_u64 << 62) as f64;

impl QuantileSketch {
    /// An empty sketch.
    ///
    /// # Errors
    /// [`StatsError::InvalidSketchConfig`] for a resolution that is not positive and finite, or
    /// significant digits outside 1 to 5.
    pub fn new(config: &SketchConfig) -> Result<QuantileSketch, StatsError> {
        if !(config.resolution.is_finite() && config.resolution > 0.0) {
            return Err(StatsError::InvalidSketchConfig {
                reason: format!(
                    "resolution must be positive and finite, got {}",
                    config.resolution
                ),
            });
        }
        if !(1..=5).contains(&config.significant_digits) {
            return Err(StatsError::InvalidSketchConfig {
                reason: format!(
                    "significant digits must be 1 to 5, got {}",
                    config.significant_digits
                ),
            });
        }
        let histogram = Histogram::new(config.significant_digits).map_err(|error| {
            StatsError::InvalidSketchConfig {
                reason: error.to_string(),
            }
        })?;
        Ok(QuantileSketch {
            histogram,
            config: *config,
        })
    }

    /// The settings the sketch was made with.
    pub fn config(&self) -> &SketchConfig {
        &self.config
    }

    /// Records one value.
    ///
    /// # Errors
    /// [`StatsError::NotFinite`] for NaN or an infinity, [`StatsError::SketchValueOutOfRange`] for
    /// a negative value or one beyond `2^62` resolutions.
    pub fn record(&mut self, value: f64) -> Result<(), StatsError> {
        if !value.is_finite() {
            return Err(StatsError::NotFinite { index: 0, value });
        }
        if value < 0.0 {
            return Err(StatsError::SketchValueOutOfRange {
                value,
                reason: "it is negative",
            });
        }
        let units = (value / self.config.resolution).round();
        if units >= MAX_UNITS {
            return Err(StatsError::SketchValueOutOfRange {
                value,
                reason: "it exceeds 2^62 times the resolution",
            });
        }
        // `units` is a whole number in [0, 2^62): the cast is exact.
        self.histogram
            .record(units as u64)
            .map_err(|_| StatsError::SketchValueOutOfRange {
                value,
                reason: "the histogram cannot grow to hold it",
            })
    }

    /// Adds every value recorded in `other`, exactly as if it had been recorded here.
    ///
    /// # Errors
    /// [`StatsError::IncompatibleSketches`] when the two configurations differ.
    pub fn merge(&mut self, other: &QuantileSketch) -> Result<(), StatsError> {
        if self.config != other.config {
            return Err(StatsError::IncompatibleSketches {
                reason: format!(
                    "configurations differ: {:?} vs {:?}",
                    self.config, other.config
                ),
            });
        }
        self.histogram
            .add(&other.histogram)
            .map_err(|error| StatsError::IncompatibleSketches {
                reason: format!("{error:?}"),
            })
    }

    /// Number of values recorded.
    pub fn count(&self) -> u64 {
        self.histogram.len()
    }

    /// The `quantile` (in `[0, 1]`) of the recorded values, within [`error_bound`](Self::error_bound)
    /// of the exact nearest-rank quantile.
    ///
    /// # Errors
    /// [`StatsError::EmptyInput`] when nothing was recorded, [`StatsError::QuantileOutOfRange`].
    pub fn quantile(&self, quantile: f64) -> Result<f64, StatsError> {
        check_quantile(quantile)?;
        if self.histogram.is_empty() {
            return Err(StatsError::EmptyInput { what: "sketch" });
        }
        Ok(self.histogram.value_at_quantile(quantile) as f64 * self.config.resolution)
    }

    /// The largest possible absolute error of [`quantile`](Self::quantile) when the exact
    /// nearest-rank quantile is `exact`: `exact * 10^-significant_digits + resolution`.
    pub fn error_bound(&self, exact: f64) -> f64 {
        exact.abs() * 10_f64.powi(-i32::from(self.config.significant_digits))
            + self.config.resolution
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_bad_config_and_values() {
        for config in [
            SketchConfig {
                resolution: 0.0,
                significant_digits: 3,
            },
            SketchConfig {
                resolution: f64::NAN,
                significant_digits: 3,
            },
            SketchConfig {
                resolution: 1.0,
                significant_digits: 0,
            },
            SketchConfig {
                resolution: 1.0,
                significant_digits: 6,
            },
        ] {
            assert!(matches!(
                QuantileSketch::new(&config),
                Err(StatsError::InvalidSketchConfig { .. })
            ));
        }
        let mut sketch = QuantileSketch::new(&SketchConfig::default()).unwrap();
        assert!(matches!(
            sketch.record(-1.0),
            Err(StatsError::SketchValueOutOfRange { .. })
        ));
        assert!(matches!(
            sketch.record(f64::NAN),
            Err(StatsError::NotFinite { .. })
        ));
        assert!(matches!(
            sketch.record(1e300),
            Err(StatsError::SketchValueOutOfRange { .. })
        ));
        assert_eq!(
            sketch.quantile(0.5),
            Err(StatsError::EmptyInput { what: "sketch" })
        );
        sketch.record(1.0).unwrap();
        assert!(matches!(
            sketch.quantile(2.0),
            Err(StatsError::QuantileOutOfRange { .. })
        ));
    }

    #[test]
    fn merge_requires_same_config() {
        let mut coarse = QuantileSketch::new(&SketchConfig {
            resolution: 1.0,
            significant_digits: 2,
        })
        .unwrap();
        let fine = QuantileSketch::new(&SketchConfig::default()).unwrap();
        assert!(matches!(
            coarse.merge(&fine),
            Err(StatsError::IncompatibleSketches { .. })
        ));
    }

    #[test]
    fn merged_sketch_equals_sketch_of_everything() {
        let config = SketchConfig::default();
        let mut whole = QuantileSketch::new(&config).unwrap();
        let mut first = QuantileSketch::new(&config).unwrap();
        let mut second = QuantileSketch::new(&config).unwrap();
        for i in 0..5000 {
            let value = f64::from(i).powf(1.7) / 100.0;
            whole.record(value).unwrap();
            if i % 3 == 0 {
                first.record(value)
            } else {
                second.record(value)
            }
            .unwrap();
        }
        first.merge(&second).unwrap();
        assert_eq!(first.count(), 5000);
        for q in [0.0, 0.01, 0.5, 0.9, 0.999, 1.0] {
            assert_eq!(first.quantile(q).unwrap(), whole.quantile(q).unwrap());
        }
    }
}
