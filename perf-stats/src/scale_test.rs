//! The one-sided rank test of a change of scale, for samples too small for a quantile's standard
//! error: "the candidate is the baseline times `theta`", `H0: theta <= 1 + margin` (or, when
//! higher is better, `theta >= 1 - margin`), tested by Mann-Whitney U of the candidate against
//! the baseline scaled by the margin, with confidence bounds of `theta` inverted from the same
//! test and the Hodges-Lehmann estimate of `theta` (the median of the pairwise ratios).

use crate::change_points::Direction;
use crate::compare::{Alternative, MannWhitneyConfig, mann_whitney_u};
use crate::error::{StatsError, check_confidence, check_sample};

/// The fewest values each side of a [`scale_change_test`] needs: with 5 a side the smallest
/// one-sided exact p-value is 1/252 (0.004), so a clear change stays significant after a Holm
/// adjustment over a handful of comparisons.
pub const SCALE_TEST_MIN_SAMPLES: usize = 5;

/// The result of [`scale_change_test`].
#[derive(Debug, Clone, PartialEq)]
pub struct ScaleChangeTest {
    /// The baseline values, ascending.
    baseline: Vec<f64>,
    /// The candidate values, ascending.
    candidate: Vec<f64>,
    /// Which way is worse: [`Direction::Increase`] (a larger candidate is a regression) or
    /// [`Direction::Decrease`].
    pub worse: Direction,
    /// The margin of the null hypothesis (a fraction).
    pub margin: f64,
    /// The Hodges-Lehmann estimate of `theta - 1`: the median of the ratios `candidate_i /
    /// baseline_j` (pairs with a positive baseline value), minus one.
    pub relative_change: f64,
    /// The one-sided p-value of "no worse than the margin": Mann-Whitney U (scipy's
    /// `mannwhitneyu` defaults: exact for small samples without ties, otherwise the
    /// tie-corrected normal approximation with continuity correction) of the candidate against
    /// the baseline times `1 + margin` (`alternative="greater"`) or times `1 - margin`
    /// (`alternative="less"`).
    pub p_value: f64,
}

/// Tests whether `candidate` is worse than `baseline` by more than `margin` under a change of
/// scale (`candidate ~ theta * baseline`).
///
/// With `worse = Increase` the null hypothesis is `theta <= 1 + margin`; with `worse = Decrease`
/// it is `theta >= 1 - margin` (a `margin` of 1 or more can never be rejected: p = 1).
///
/// ```
/// use perf_stats::{Direction, scale_change_test};
/// let baseline = [100.0, 101.0, 99.5, 100.4, 100.8, 99.9];
/// let grown: Vec<f64> = baseline.iter().map(|mb| mb * 1.2).collect();
/// let test = scale_change_test(&baseline, &grown, 0.05, Direction::Increase)?;
/// assert!(test.p_value < 0.01);
/// assert!((test.relative_change - 0.2).abs() < 0.02);
/// let (lower, _) = test.bounds(0.05)?;
/// assert!(lower > 0.05);
/// # Ok::<(), perf_stats::StatsError>(())
/// ```
///
/// # Errors
/// [`StatsError::TooFewSamples`] below [`SCALE_TEST_MIN_SAMPLES`] a side,
/// [`StatsError::NotFinite`], [`StatsError::NegativeValue`] (a value or the margin), and
/// [`StatsError::NonPositiveBaseline`] when no baseline value is positive.
pub fn scale_change_test(
    baseline: &[f64],
    candidate: &[f64],
    margin: f64,
    worse: Direction,
) -> Result<ScaleChangeTest, StatsError> {
    check_sample(baseline, "baseline")?;
    check_sample(candidate, "candidate")?;
    check_sample(&[margin], "margin")?;
    let smallest = baseline.len().min(candidate.len());
    if smallest < SCALE_TEST_MIN_SAMPLES {
        return Err(StatsError::TooFewSamples {
            what: "the scale change test",
            needed: SCALE_TEST_MIN_SAMPLES,
            got: smallest,
        });
    }
    if let Some(value) = std::iter::once(&margin)
        .chain(baseline)
        .chain(candidate)
        .find(|value| **value < 0.0)
    {
        return Err(StatsError::NegativeValue {
            what: "the scale change test",
            value: *value,
        });
    }
    let sorted = |sample: &[f64]| {
        let mut copy = sample.to_vec();
        copy.sort_unstable_by(f64::total_cmp);
        copy
    };
    let baseline = sorted(baseline);
    let candidate = sorted(candidate);
    let Some(ratio) = median_ratio(&baseline, &candidate) else {
        return Err(StatsError::NonPositiveBaseline { value: 0.0 });
    };
    let mut test = ScaleChangeTest {
        baseline,
        candidate,
        worse,
        margin,
        relative_change: ratio - 1.0,
        p_value: 1.0,
    };
    test.p_value = match worse {
        Direction::Decrease if margin >= 1.0 => 1.0,
        Direction::Decrease => test.p_at(1.0 - margin, Alternative::Less)?,
        Direction::Increase => test.p_at(1.0 + margin, Alternative::Greater)?,
    };
    Ok(test)
}

impl ScaleChangeTest {
    /// The one-sided p-value of the candidate against the baseline times `theta`.
    fn p_at(&self, theta: f64, alternative: Alternative) -> Result<f64, StatsError> {
        let scaled: Vec<f64> = self.baseline.iter().map(|value| value * theta).collect();
        let config = MannWhitneyConfig {
            alternative,
            ..MannWhitneyConfig::default()
        };
        Ok(mann_whitney_u(&self.candidate, &scaled, &config)?.p_value)
    }

    /// Confidence bounds `(lower, upper)` of `theta - 1`, each one-sided at level `1 - alpha`,
    /// inverted from the test: `lower` is the largest `theta` the `greater` test rejects at
    /// `alpha` (minus one), `upper` the smallest the `less` test rejects. So with `worse =
    /// Increase`, `lower > margin` exactly when `p_value <= alpha` (up to the bisection's 1e-12
    /// relative precision at a tie); with `worse = Decrease`, `upper < -margin` exactly then.
    ///
    /// # Errors
    /// [`StatsError::ConfidenceOutOfRange`] unless `alpha` is strictly between 0 and 1.
    pub fn bounds(&self, alpha: f64) -> Result<(f64, f64), StatsError> {
        check_confidence(alpha)?;
        let (low, high) = self.search_range();
        // Lower: p_greater(theta) grows with theta; the last theta with p <= alpha.
        let lower = if self.p_at(low, Alternative::Greater)? > alpha {
            0.0
        } else {
            self.bisect(low, high, |theta| {
                Ok(self.p_at(theta, Alternative::Greater)? <= alpha)
            })?
            .0
        };
        // Upper: p_less(theta) falls as theta grows; the first theta with p <= alpha.
        let upper = if self.p_at(high, Alternative::Less)? > alpha {
            high
        } else if self.p_at(low, Alternative::Less)? <= alpha {
            low
        } else {
            self.bisect(low, high, |theta| {
                Ok(self.p_at(theta, Alternative::Less)? > alpha)
            })?
            .1
        };
        Ok((lower - 1.0, upper - 1.0))
    }

    /// A range of `theta` wide enough to hold every pairwise ratio (positive values only).
    fn search_range(&self) -> (f64, f64) {
        let positive = |sorted: &[f64]| sorted.iter().copied().find(|value| *value > 0.0);
        let largest = |sorted: &[f64]| sorted.last().copied().unwrap_or(0.0);
        let base_low = positive(&self.baseline).unwrap_or(1.0);
        let base_high = largest(&self.baseline).max(base_low);
        let cand_low = positive(&self.candidate).unwrap_or(base_low * 1e-9);
        let cand_high = largest(&self.candidate).max(cand_low);
        (cand_low / base_high / 4.0, cand_high / base_low * 4.0)
    }

    /// Bisection in log space of a predicate true at `low` and false at `high`: the last point
    /// where it holds and the first where it does not, 1e-12 apart in relative terms.
    fn bisect(
        &self,
        mut low: f64,
        mut high: f64,
        holds: impl Fn(f64) -> Result<bool, StatsError>,
    ) -> Result<(f64, f64), StatsError> {
        for _ in 0..200 {
            if high / low - 1.0 <= 1e-12 {
                break;
            }
            let middle = (low * high).sqrt();
            if holds(middle)? {
                low = middle;
            } else {
                high = middle;
            }
        }
        Ok((low, high))
    }
}

/// The median of the ratios `candidate_i / baseline_j` over pairs with `baseline_j > 0`
/// (both sorted ascending), by bisection on the count of ratios at most `theta`; `None` when no
/// baseline value is positive.
fn median_ratio(baseline: &[f64], candidate: &[f64]) -> Option<f64> {
    let positive: Vec<f64> = baseline.iter().copied().filter(|v| *v > 0.0).collect();
    let first = *positive.first()?;
    let pairs = (positive.len() * candidate.len()) as f64;
    // #{(i, j): candidate_i <= theta * baseline_j}, by one merge-like walk.
    let at_most = |theta: f64| -> f64 {
        let mut count = 0usize;
        let mut i = 0;
        for value in &positive {
            let limit = theta * value;
            while i < candidate.len() && candidate[i] <= limit {
                i += 1;
            }
            count += i;
        }
        count as f64
    };
    let top = candidate.last().copied().unwrap_or(0.0);
    if top == 0.0 {
        return Some(0.0);
    }
    let bottom = candidate
        .iter()
        .copied()
        .find(|value| *value > 0.0)
        .unwrap_or(top);
    let (low, high) = (
        bottom / positive[positive.len() - 1] / 2.0,
        top / first * 2.0,
    );
    if at_most(low) >= pairs / 2.0 {
        return Some(0.0);
    }
    // The lower and upper medians of an even count are averaged, as a median is.
    let median_at = |target: f64, mut low: f64, mut high: f64| {
        for _ in 0..200 {
            if high / low - 1.0 <= 1e-13 {
                break;
            }
            let middle = (low * high).sqrt();
            if at_most(middle) >= target {
                high = middle;
            } else {
                low = middle;
            }
        }
        high
    };
    let count = positive.len() * candidate.len();
    let upper_rank = count / 2 + 1;
    let lower_rank = count.div_ceil(2);
    let upper = median_at(upper_rank as f64, low, high);
    let lower = if lower_rank == upper_rank {
        upper
    } else {
        median_at(lower_rank as f64, low, high)
    };
    Some((lower + upper) / 2.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_ratio_is_the_median_of_pairwise_ratios() {
        let baseline = [1.0, 2.0, 4.0];
        let candidate = [2.0, 3.0];
        // Ratios: 2, 1, 0.5, 3, 1.5, 0.75 -> sorted 0.5 0.75 1 1.5 2 3 -> median 1.25.
        let median = median_ratio(&baseline, &candidate).unwrap();
        assert!((median - 1.25).abs() < 1e-9, "{median}");
        let odd = median_ratio(&[1.0, 2.0, 4.0], &[2.0]).unwrap();
        assert!((odd - 1.0).abs() < 1e-9, "{odd}");
        assert_eq!(median_ratio(&[0.0, 0.0], &[1.0]), None);
    }

    #[test]
    fn the_bounds_agree_with_the_p_value() {
        let baseline: Vec<f64> = (0..12).map(|i| 100.0 + f64::from(i) * 0.7).collect();
        for factor in [1.0, 1.04, 1.06, 1.1, 1.2] {
            let candidate: Vec<f64> = baseline.iter().map(|v| v * factor + 0.31).collect();
            let test = scale_change_test(&baseline, &candidate, 0.05, Direction::Increase).unwrap();
            for alpha in [0.05, 0.01, 0.001] {
                let (lower, upper) = test.bounds(alpha).unwrap();
                assert!(lower <= test.relative_change && test.relative_change <= upper);
                assert_eq!(
                    lower > 0.05,
                    test.p_value <= alpha,
                    "{factor} {alpha} {lower}"
                );
            }
        }
    }

    #[test]
    fn higher_is_better_tests_the_other_tail() {
        let baseline: Vec<f64> = (0..10).map(|i| 500.0 + f64::from(i)).collect();
        let dropped: Vec<f64> = baseline.iter().map(|v| v * 0.8).collect();
        let test = scale_change_test(&baseline, &dropped, 0.05, Direction::Decrease).unwrap();
        assert!(test.p_value < 0.001, "{}", test.p_value);
        let (_, upper) = test.bounds(0.05).unwrap();
        assert!(upper < -0.05, "{upper}");
        let grown = scale_change_test(&baseline, &baseline, 0.05, Direction::Decrease).unwrap();
        assert!(grown.p_value > 0.5);
        let never = scale_change_test(&baseline, &dropped, 1.0, Direction::Decrease).unwrap();
        assert_eq!(never.p_value, 1.0);
    }

    #[test]
    fn refuses_tiny_or_bad_samples() {
        let five = [1.0, 2.0, 3.0, 4.0, 5.0];
        let increase = Direction::Increase;
        assert!(scale_change_test(&five[..4], &five, 0.05, increase).is_err());
        assert!(scale_change_test(&[0.0; 5], &five, 0.05, increase).is_err());
        let negative = [-1.0, 1.0, 1.0, 1.0, 1.0];
        assert!(matches!(
            scale_change_test(&five, &negative, 0.0, increase),
            Err(StatsError::NegativeValue { .. })
        ));
    }
}
