//! An exactly mergeable accumulator of count, mean, variance, minimum and maximum.

use crate::error::StatsError;

/// Running count, mean, variance, minimum and maximum of a stream of finite values.
///
/// Values are added one at a time with Welford's update and accumulators of separate
/// shards or threads are combined with Chan, Golub & LeVeque's formula, so
/// `merge(a, b)` describes the concatenation of the two streams up to floating-point rounding.
/// `Moments::default()` is the accumulator of an empty stream.
///
/// ```
/// use perf_stats::Moments;
/// let mut first = Moments::from_slice(&[1.0, 2.0, 3.0])?;
/// let second = Moments::from_slice(&[4.0, 5.0])?;
/// first.merge(&second);
/// assert_eq!(first.count(), 5);
/// assert_eq!(first.mean(), Some(3.0));
/// assert_eq!(first.variance(), Some(2.5));
/// assert_eq!(first.max(), Some(5.0));
/// # Ok::<(), perf_stats::StatsError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Moments {
    count: u64,
    mean: f64,
    sum_squared_deviations: f64,
    min: f64,
    max: f64,
}

impl Moments {
    /// The accumulator of every value in `values`.
    ///
    /// # Errors
    /// [`StatsError::NotFinite`] naming the first NaN or infinite value.
    pub fn from_slice(values: &[f64]) -> Result<Moments, StatsError> {
        let mut moments = Moments::default();
        for (index, &value) in values.iter().enumerate() {
            moments
                .push(value)
                .map_err(|_| StatsError::NotFinite { index, value })?;
        }
        Ok(moments)
    }

    /// Adds one value.
    ///
    /// # Errors
    /// [`StatsError::NotFinite`] (with index 0) for NaN or an infinity; the accumulator is unchanged.
    pub fn push(&mut self, value: f64) -> Result<(), StatsError> {
        if !value.is_finite() {
            return Err(StatsError::NotFinite { index: 0, value });
        }
        self.merge(&Moments {
            count: 1,
            mean: value,
            sum_squared_deviations: 0.0,
            min: value,
            max: value,
        });
        Ok(())
    }

    /// Adds everything `other` has seen, as if its values had been pushed here.
    pub fn merge(&mut self, other: &Moments) {
        if other.count == 0 {
            return;
        }
        if self.count == 0 {
            *self = *other;
            return;
        }
        let count = self.count + other.count;
        let delta = other.mean - self.mean;
        let other_share = other.count as f64 / count as f64;
        self.mean += delta * other_share;
        self.sum_squared_deviations +=
            other.sum_squared_deviations + delta * delta * self.count as f64 * other_share;
        self.count = count;
        self.min = self.min.min(other.min);
        self.max = self.max.max(other.max);
    }

    /// Number of values seen.
    pub fn count(&self) -> u64 {
        self.count
    }

    /// Arithmetic mean, or `None` if no value was seen.
    pub fn mean(&self) -> Option<f64> {
        (self.count > 0).then_some(self.mean)
    }

    /// Sample variance (divisor `n - 1`), or `None` with fewer than two values.
    pub fn variance(&self) -> Option<f64> {
        (self.count > 1).then(|| self.sum_squared_deviations / (self.count - 1) as f64)
    }

    /// Sample standard deviation (divisor `n - 1`), or `None` with fewer than two values.
    pub fn stddev(&self) -> Option<f64> {
        self.variance().map(f64::sqrt)
    }

    /// Smallest value, or `None` if no value was seen.
    pub fn min(&self) -> Option<f64> {
        (self.count > 0).then_some(self.min)
    }

    /// Largest value, or `None` if no value was seen.
    pub fn max(&self) -> Option<f64> {
        (self.count > 0).then_some(self.max)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_accumulator_reports_nothing() {
        let moments = Moments::default();
        assert_eq!(moments.count(), 0);
        assert_eq!(moments.mean(), None);
        assert_eq!(moments.variance(), None);
        assert_eq!(moments.min(), None);
    }

    #[test]
    fn one_value_has_mean_but_no_variance() {
        let moments = Moments::from_slice(&[7.0]).unwrap();
        assert_eq!(moments.mean(), Some(7.0));
        assert_eq!(moments.stddev(), None);
    }

    #[test]
    fn rejects_non_finite_and_stays_unchanged() {
        let mut moments = Moments::from_slice(&[1.0, 2.0]).unwrap();
        let before = moments;
        assert!(moments.push(f64::NAN).is_err());
        assert_eq!(moments, before);
        assert!(matches!(
            Moments::from_slice(&[1.0, f64::NEG_INFINITY]),
            Err(StatsError::NotFinite { index: 1, .. })
        ));
    }

    #[test]
    fn is_stable_with_large_offset() {
        let values: Vec<f64> = (0..1000).map(|i| 1e9 + f64::from(i % 2)).collect();
        let variance = Moments::from_slice(&values).unwrap().variance().unwrap();
        assert!(
            (variance - 0.25 * 1000.0 / 999.0).abs() < 1e-9,
            "{variance}"
        );
    }

    #[test]
    fn merging_empty_is_identity() {
        let mut moments = Moments::from_slice(&[1.0, 5.0]).unwrap();
        let before = moments;
        moments.merge(&Moments::default());
        assert_eq!(moments, before);
        let mut empty = Moments::default();
        empty.merge(&before);
        assert_eq!(empty, before);
    }
}
