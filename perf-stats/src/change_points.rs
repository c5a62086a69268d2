//! Change points in a series of per-run values (say the p95 of one tool/step over the last 200
//! gate runs): where did the level shift, by how much, and how sure are we?
//!
//! # Method
//!
//! E-divisive means (Matteson & James, "A Nonparametric Approach for Multiple Change Point
//! Analysis of Multivariate Data", JASA 2014) with the deterministic significance test of Apache
//! Otava (formerly Hunter; Fleming et al., "Hunter: Using Change Point Detection to Hunt for
//! Performance Regressions", ICPE 2023, doi 10.1145/3578244.3583719), read from Otava 0.8.0's
//! `otava/analysis.py` and `otava/change_point_divisive/`:
//!
//! 1. **Split.** The series is cut into overlapping windows of [`ChangePointConfig::window`]
//!    values, each starting half a window (or at the last change point found) after the previous
//!    one. In each window, E-divisive picks the split `τ` (and end `κ`) maximising the energy
//!    statistic `Q̂ = τ(κ−τ)/κ · Ê`, `Ê = 2·mean|X−Y| − mean|X−X'| − mean|Y−Y'|`, and keeps it
//!    when a Student's t-test between the two sides of the split has a p-value at most a
//!    *relaxed* threshold (10× [`ChangePointConfig::max_p_value`] below 0.05, as Otava does);
//!    it then splits the pieces again, until a split is not significant. The union over all
//!    windows is the set of "weak" change points.
//! 2. **Merge.** Bottom-up: while some weak point has a p-value (against its neighbouring
//!    points, not the window) of at least `max_p_value`, the weakest is removed and its
//!    neighbours are re-tested; then points bounding a segment shorter than
//!    [`ChangePointConfig::min_segment`] are removed the same way; then, while the smallest
//!    relative change is at most [`ChangePointConfig::min_magnitude`], that point is removed.
//!
//! The permutation test of the original method is replaced by the t-test, as in Otava, so the
//! answer is deterministic: the same series and settings always give the same change points.
//!
//! # Where we differ from Otava 0.8.0, on purpose
//!
//! - **Minimum segment length** (apache/otava#150 asks for it): after the p-value rule and before
//!   the magnitude rule, the merge removes points that bound a segment shorter than
//!   `min_segment` (the one with the highest p-value first) and re-tests their neighbours. Two
//!   slow runs then do not become two change points around them: once one is gone, the other is
//!   rarely significant against its new neighbours. The search itself is Otava's (restricting it,
//!   as the `ecp` package's `min.size` does, lets a short spike plus one ordinary run pass as a
//!   segment). `min_segment = 1` is Otava's behaviour.
//! - **Forced boundaries**: positions the caller knows to be breaks (the environment fingerprint
//!   changed). The series is cut there first; detection runs inside each piece, and every forced
//!   boundary is reported with [`ChangePoint::forced`] set. Callers label it an environment
//!   change, never a regression.
//! - **Neighbours re-tested after a removal**: when Otava's merge removes the point at position
//!   `k` it re-tests the points now at `k` and `k + 1`, so the left neighbour (`k − 1`), whose
//!   right segment just grew, keeps stale statistics (the maintainers suspect this bug in
//!   apache/otava#96). We re-test `k − 1` and `k`, the two points whose segments changed.
//! - A p-value that is undefined (both sides constant and equal, where scipy gives NaN) counts
//!   as 1: no evidence of a change.
//!
//! Kept from Otava, to stay comparable: the t-test is Student's pooled-variance test fed with the
//! sides' *population* standard deviations (numpy's default `ddof = 0`), which makes it a little
//! more willing to split short segments than the textbook test; the relative change used by the
//! magnitude floor is the larger of `after/before − 1` and `before/after − 1` in absolute value
//! (so a 5% floor treats a ×1.05 rise and a ÷1.05 fall alike).
//!
//! `fixtures/change_points.py` runs Otava itself on generated series and `tests/change_points.rs`
//! holds this module to its answers.

use std::ops::Range;

use statrs::distribution::{ContinuousCDF, StudentsT};

use crate::compare::{Alternative, MannWhitneyConfig, MannWhitneyMethod, mann_whitney_u};
use crate::error::{StatsError, check_finite};
use crate::summary::mean_of;

/// Settings of [`detect_change_points`].
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct ChangePointConfig {
    /// Significance threshold of the final change points, in `(0, 1]`: a change point is kept only
    /// when the t-test between its neighbouring segments gives a p-value below this. The split
    /// step uses a relaxed threshold (10× this below 0.05, 2× below 0.5), as Otava does.
    pub max_p_value: f64,
    /// Smallest relative change of the segment means worth reporting, as a fraction (`0.05` is
    /// 5%): a change point is kept only when its [`ChangePoint::magnitude`] is above it. Callers
    /// pass the gate's tolerance, so the history never flags a change the gate would accept.
    pub min_magnitude: f64,
    /// Fewest values a segment may have, at least 1. Applies to every segment between detected
    /// change points (including the first and the last); a piece between forced boundaries may be
    /// shorter (it then holds no detected change point).
    pub min_segment: usize,
    /// Length of the split step's sliding windows, at least 2 (they overlap by half).
    pub window: usize,
}

impl ChangePointConfig {
    /// The p-value threshold of the split step ("weak" change points), derived from
    /// `max_p_value` exactly as Otava 0.8.0 does.
    pub fn first_pass_p_value(&self) -> f64 {
        if self.max_p_value < 0.05 {
            self.max_p_value * 10.0
        } else if self.max_p_value < 0.5 {
            self.max_p_value * 2.0
        } else {
            self.max_p_value
        }
    }

    fn validate(&self) -> Result<(), StatsError> {
        let reason = if !(self.max_p_value > 0.0 && self.max_p_value <= 1.0) {
            format!("max_p_value {} is not in (0, 1]", self.max_p_value)
        } else if !(self.min_magnitude.is_finite() && self.min_magnitude >= 0.0) {
            format!(
                "min_magnitude {} is not a finite fraction >= 0",
                self.min_magnitude
            )
        } else if self.min_segment == 0 {
            "min_segment must be at least 1".to_owned()
        } else if self.window < 2 {
            format!("window {} must be at least 2", self.window)
        } else {
            return Ok(());
        };
        Err(StatsError::InvalidChangePointConfig { reason })
    }
}

impl Default for ChangePointConfig {
    /// - `max_p_value: 0.001`: Otava's default. With the floor on, 0.0001 finds a 10% shift at
    ///   5% noise in 30 runs 10 points less often, and 0.01 gives 15 times the false change
    ///   points (the simulation tables in the README).
    /// - `min_magnitude: 0.05`: the gate's default tolerance (5%). Otava's default is 0, which
    ///   is why it reports 11 change points on its own tigerbeetle test series where a 5% floor
    ///   leaves 2: the floor, not the p-value, is what tames noise.
    /// - `min_segment: 3`: one or two slow runs (a noisy CI neighbour) are not a change point;
    ///   three runs in a row at a new level are.
    /// - `window: 50`: Otava's default; history rules look at far fewer runs than that, so the
    ///   window only matters for long series.
    fn default() -> Self {
        ChangePointConfig {
            max_p_value: 0.001,
            min_magnitude: 0.05,
            min_segment: 3,
            window: 50,
        }
    }
}

/// Which way the level moved.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "kebab-case"))]
pub enum Direction {
    /// The values after the change are larger (for latencies: a regression).
    Increase,
    /// The values after the change are smaller (for latencies: an improvement).
    Decrease,
}

/// One change point: the series' level differs between `before` and `after`.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct ChangePoint {
    /// Index of the first value of the new segment (`after.start`).
    pub index: usize,
    /// The segment before the change: from the previous reported change point (or 0).
    pub before: Range<usize>,
    /// The segment after the change: up to the next reported change point (or the end). Pool
    /// the raw samples of these runs for [`confirm_change`].
    pub after: Range<usize>,
    /// Mean of the series over `before`.
    pub mean_before: f64,
    /// Mean of the series over `after`.
    pub mean_after: f64,
    /// `mean_after / mean_before - 1` (`0.10` is 10% higher); 0 when `mean_before` is 0.
    pub relative_change: f64,
    /// Two-sided p-value of Otava's t-test between the values of `before` and `after`.
    pub p_value: f64,
    /// A boundary given by the caller (e.g. the environment changed), reported whatever the
    /// data say: an environment change, never a regression.
    pub forced: bool,
}

impl ChangePoint {
    /// Which way the mean moved, `None` when the means are equal (possible only when forced).
    pub fn direction(&self) -> Option<Direction> {
        if self.mean_after > self.mean_before {
            Some(Direction::Increase)
        } else if self.mean_after < self.mean_before {
            Some(Direction::Decrease)
        } else {
            None
        }
    }

    /// The size of the change as the magnitude floor sees it: the larger of
    /// `|after/before - 1|` and `|before/after - 1|` (Otava's `change_magnitude`).
    pub fn magnitude(&self) -> f64 {
        magnitude(self.mean_before, self.mean_after)
    }
}

/// Change points of `series`, in increasing index order, forced boundaries included.
///
/// `forced_boundaries` are indices where a new segment must start (e.g. the first run on a new
/// runner type); they may be unsorted or repeated. Series shorter than two values have no change
/// points. Deterministic: same series, same boundaries, same config, same answer.
///
/// ```
/// use perf_stats::{detect_change_points, ChangePointConfig, Direction};
/// // 30 runs around 100 ms, then 30 runs around 120 ms, with a little deterministic noise.
/// let series: Vec<f64> = (0..60)
///     .map(|run| if run < 30 { 100.0 } else { 120.0 } + f64::from(run % 7) - 3.0)
///     .collect();
/// let found = detect_change_points(&series, &[], &ChangePointConfig::default())?;
/// assert_eq!(found.len(), 1);
/// assert_eq!(found[0].index, 30);
/// assert_eq!(found[0].direction(), Some(Direction::Increase));
/// assert!(found[0].p_value < 1e-10 && !found[0].forced);
///
/// // The runner changed at run 45: reported as a forced boundary, not detected.
/// let found = detect_change_points(&series, &[45], &ChangePointConfig::default())?;
/// assert_eq!(found.iter().map(|c| (c.index, c.forced)).collect::<Vec<_>>(), [(30, false), (45, true)]);
/// # Ok::<(), perf_stats::StatsError>(())
/// ```
///
/// # Errors
/// [`StatsError::NotFinite`] for a NaN or infinite value, [`StatsError::BoundaryOutOfRange`] for a
/// forced boundary outside `1..series.len()`, [`StatsError::InvalidChangePointConfig`].
pub fn detect_change_points(
    series: &[f64],
    forced_boundaries: &[usize],
    config: &ChangePointConfig,
) -> Result<Vec<ChangePoint>, StatsError> {
    config.validate()?;
    check_finite(series)?;
    let length = series.len();
    if let Some(&index) = forced_boundaries
        .iter()
        .find(|&&index| index == 0 || index >= length)
    {
        return Err(StatsError::BoundaryOutOfRange { index, length });
    }
    let mut forced = forced_boundaries.to_vec();
    forced.sort_unstable();
    forced.dedup();

    let mut boundaries: Vec<(usize, bool)> = forced.iter().map(|&index| (index, true)).collect();
    let mut piece_start = 0;
    for piece_end in forced.iter().copied().chain([length]) {
        let piece = &series[piece_start..piece_end];
        let weak = split(piece, config);
        let kept = merge(weak, piece, config);
        boundaries.extend(kept.into_iter().map(|index| (index + piece_start, false)));
        piece_start = piece_end;
    }
    boundaries.sort_unstable();

    let edges: Vec<usize> = std::iter::once(0)
        .chain(boundaries.iter().map(|&(index, _)| index))
        .chain([length])
        .collect();
    Ok(boundaries
        .iter()
        .enumerate()
        .map(|(position, &(index, forced))| {
            let before = edges[position]..index;
            let after = index..edges[position + 2];
            let stats = SegmentTest::between(&series[before.clone()], &series[after.clone()]);
            ChangePoint {
                index,
                before,
                after,
                mean_before: stats.mean_before,
                mean_after: stats.mean_after,
                relative_change: forward_change(stats.mean_before, stats.mean_after),
                p_value: stats.p_value,
                forced,
            }
        })
        .collect())
}

/// Outcome of [`confirm_change`].
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Confirmation {
    /// The direction tested.
    pub direction: Direction,
    /// One-sided Mann-Whitney p-value that the `after` samples tend to be larger
    /// ([`Direction::Increase`]) or smaller ([`Direction::Decrease`]) than the `before` samples.
    /// Adjust across groups with [`holm_bonferroni`](crate::holm_bonferroni) before deciding.
    pub p_value: f64,
    /// U of the `after` sample against the `before` sample (pairs where `after` is larger, ties
    /// counting one half).
    pub u_statistic: f64,
    /// `u_statistic / (before_count · after_count)`: the probability that a random `after`
    /// sample is larger than a random `before` one (0.5 means no shift).
    pub probability_after_larger: f64,
    /// Exact or asymptotic (scipy's `method="auto"` rule).
    pub method: MannWhitneyMethod,
    /// Number of raw samples before the change.
    pub before_count: usize,
    /// Number of raw samples after the change.
    pub after_count: usize,
}

/// Confirms a change point on raw samples: a one-sided Mann-Whitney U test between the pooled
/// raw samples of the runs before and after the change, in the direction of the change. Per-run
/// means can move because of a few outliers; this asks whether the whole distribution shifted.
///
/// ```
/// use perf_stats::{confirm_change, Direction};
/// let before: Vec<f64> = (0..200).map(|i| 10.0 + f64::from(i % 10) * 0.1).collect();
/// let after: Vec<f64> = before.iter().map(|value| value * 1.1).collect();
/// let confirmation = confirm_change(&before, &after, Direction::Increase)?;
/// assert!(confirmation.p_value < 1e-6);
/// let wrong_way = confirm_change(&before, &after, Direction::Decrease)?;
/// assert!(wrong_way.p_value > 0.99);
/// # Ok::<(), perf_stats::StatsError>(())
/// ```
///
/// # Errors
/// Those of [`mann_whitney_u`]: [`StatsError::EmptyInput`], [`StatsError::NotFinite`].
pub fn confirm_change(
    before: &[f64],
    after: &[f64],
    direction: Direction,
) -> Result<Confirmation, StatsError> {
    let alternative = match direction {
        Direction::Increase => Alternative::Greater,
        Direction::Decrease => Alternative::Less,
    };
    let config = MannWhitneyConfig {
        alternative,
        ..MannWhitneyConfig::default()
    };
    let result = mann_whitney_u(after, before, &config)?;
    let pairs = before.len() as f64 * after.len() as f64;
    Ok(Confirmation {
        direction,
        p_value: result.p_value,
        u_statistic: result.u_statistic,
        probability_after_larger: result.u_statistic / pairs,
        method: result.method,
        before_count: before.len(),
        after_count: after.len(),
    })
}

/// `after / before - 1`, 0 when undefined (Otava's `forward_rel_change`).
fn forward_change(before: f64, after: f64) -> f64 {
    if before == 0.0 {
        0.0
    } else {
        after / before - 1.0
    }
}

/// Otava's `change_magnitude`: the larger relative change, forwards or backwards.
fn magnitude(before: f64, after: f64) -> f64 {
    let backward = if after == 0.0 {
        0.0
    } else {
        before / after - 1.0
    };
    forward_change(before, after).abs().max(backward.abs())
}

/// Otava's significance test between the two sides of a split.
struct SegmentTest {
    mean_before: f64,
    mean_after: f64,
    p_value: f64,
}

impl SegmentTest {
    /// Student's two-sided pooled-variance t-test, fed with population standard deviations as
    /// Otava does (`scipy.stats.ttest_ind_from_stats(mean, np.std(x), n, ...)`). A p-value of 1
    /// with no degrees of freedom (two values in all); 0 when both sides are constant but differ;
    /// 1 when they are constant and equal (scipy: NaN).
    fn between(before: &[f64], after: &[f64]) -> SegmentTest {
        let mean_before = mean_of(before);
        let mean_after = mean_of(after);
        let p_value = Self::p_value(before, after, mean_before, mean_after);
        SegmentTest {
            mean_before,
            mean_after,
            p_value,
        }
    }

    fn p_value(before: &[f64], after: &[f64], mean_before: f64, mean_after: f64) -> f64 {
        let (n1, n2) = (before.len() as f64, after.len() as f64);
        let degrees_of_freedom = n1 + n2 - 2.0;
        if degrees_of_freedom <= 0.0 {
            return 1.0;
        }
        let population_variance = |values: &[f64], mean: f64| {
            values
                .iter()
                .map(|value| (value - mean).powi(2))
                .sum::<f64>()
                / values.len() as f64
        };
        let pooled = ((n1 - 1.0) * population_variance(before, mean_before)
            + (n2 - 1.0) * population_variance(after, mean_after))
            / degrees_of_freedom;
        let spread = (pooled * (1.0 / n1 + 1.0 / n2)).sqrt();
        let difference = mean_before - mean_after;
        if spread == 0.0 {
            return if difference == 0.0 { 1.0 } else { 0.0 };
        }
        let t_statistic = difference / spread;
        match StudentsT::new(0.0, 1.0, degrees_of_freedom) {
            Ok(distribution) => (2.0 * distribution.sf(t_statistic.abs())).clamp(0.0, 1.0),
            // Unreachable: degrees_of_freedom is positive and finite here.
            Err(_) => 1.0,
        }
    }
}

/// Pairwise distances of one window and the running sums Otava's calculator derives from them,
/// so that every `Q̂(τ, κ)` of an interval costs O(1).
struct Energy {
    /// `distance[i * len + j] = |x_i - x_j|`.
    distance: Vec<f64>,
    /// `row_sum[t * (len + 1) + k] = Σ_{u=t+1}^{k-1} |x_t - x_u|` (Otava's `H(t, k)`).
    row_sum: Vec<f64>,
    /// `right_sum[t * (len + 1) + k] = Σ_{u=t}^{k-2} H(u, k)`, summed from `u = k - 2` down as
    /// Otava's reversed cumulative sum does: the within-distance sum of `t..k`.
    right_sum: Vec<f64>,
    /// `column_sum[t] = Σ_{u<t} |x_u - x_t|` (Otava's `V(0, t)`).
    column_sum: Vec<f64>,
    len: usize,
}

/// The best split of one interval: `Q̂` is largest at `index` (with some end `κ`).
#[derive(Debug, Clone, Copy)]
struct Candidate {
    index: usize,
    q_hat: f64,
}

impl Energy {
    fn new(values: &[f64]) -> Energy {
        let len = values.len();
        let mut distance = vec![0.0; len * len];
        for i in 0..len {
            for j in 0..len {
                distance[i * len + j] = (values[i] - values[j]).abs();
            }
        }
        let mut row_sum = vec![0.0; len * (len + 1)];
        for t in 0..len {
            let mut sum = 0.0;
            for k in (t + 2)..=len {
                sum += distance[t * len + k - 1];
                row_sum[t * (len + 1) + k] = sum;
            }
        }
        let mut right_sum = vec![0.0; len * (len + 1)];
        for k in 2..=len {
            let mut sum = 0.0;
            for t in (0..=(k - 2)).rev() {
                sum += row_sum[t * (len + 1) + k];
                right_sum[t * (len + 1) + k] = sum;
            }
        }
        let column_sum = (0..len)
            .map(|t| {
                let mut sum = 0.0;
                for u in 0..t {
                    sum += distance[u * len + t];
                }
                sum
            })
            .collect();
        Energy {
            distance,
            row_sum,
            right_sum,
            column_sum,
            len,
        }
    }

    fn h(&self, t: usize, k: usize) -> f64 {
        self.row_sum[t * (self.len + 1) + k]
    }

    /// The split `τ` of `start..end` maximising `Q̂(τ, κ)` over `start < τ < κ <= end`, first
    /// maximum in (τ, κ) order as numpy's argmax; `None` when the interval is too short to split. The arithmetic follows Otava's
    /// `PairDistanceCalculator._get_Q_vals` term by term (`Q = A - B - C`), so that exactly tied
    /// values stay tied and the same split wins.
    fn best_split(&self, start: usize, end: usize) -> Option<Candidate> {
        if end < start + 2 {
            return None;
        }
        // V(start, t) = V(0, t) - Σ_{u<start} D(u, t), for t in start+1..end.
        let within_left: Vec<f64> = ((start + 1)..end)
            .map(|t| {
                let mut prefix = 0.0;
                for u in 0..start {
                    prefix += self.distance[u * self.len + t];
                }
                self.column_sum[t] - prefix
            })
            .collect();
        let mut best: Option<Candidate> = None;
        // cumulative_v = Σ_{t=start+1}^{τ-1} V(start, t); cumulative_h[κ] = Σ_{t=start}^{τ-1} H(t, κ).
        let mut cumulative_v = 0.0;
        let mut cumulative_h = vec![0.0; end + 1];
        for tau in (start + 1)..end {
            if tau > start + 1 {
                cumulative_v += within_left[tau - start - 2];
            }
            for (kappa, cross_sum) in cumulative_h.iter_mut().enumerate().skip(tau + 1) {
                *cross_sum += self.h(tau - 1, kappa);
                let a = 2.0 / (kappa - start) as f64 * (*cross_sum - cumulative_v);
                let b = if tau - start > 1 {
                    (2 * (kappa - tau)) as f64 / ((kappa - start) * (tau - start - 1)) as f64
                        * cumulative_v
                } else {
                    0.0
                };
                let c = if kappa - tau > 1 {
                    (2 * (tau - start)) as f64 / ((kappa - start) * (kappa - tau - 1)) as f64
                        * self.right_sum[tau * (self.len + 1) + kappa]
                } else {
                    0.0
                };
                let q_hat = a - b - c;
                if best.is_none_or(|best| q_hat > best.q_hat) {
                    best = Some(Candidate { index: tau, q_hat });
                }
            }
        }
        best
    }
}

/// E-divisive within one window with the t-test stopping rule: indices (into `window`) of the
/// change points found, sorted.
fn divide_window(window: &[f64], config: &ChangePointConfig) -> Vec<usize> {
    let energy = Energy::new(window);
    let threshold = config.first_pass_p_value();
    let mut points: Vec<usize> = Vec::new();
    // Intervals between the points found so far, each with its best split, cached: only the two
    // halves of a split interval need a new search.
    let mut intervals: Vec<(Range<usize>, Option<Candidate>)> =
        vec![(0..window.len(), energy.best_split(0, window.len()))];
    loop {
        let mut chosen: Option<(usize, Candidate)> = None;
        for (position, (_, candidate)) in intervals.iter().enumerate() {
            if let Some(candidate) = candidate
                && chosen.is_none_or(|(_, best)| candidate.q_hat > best.q_hat)
            {
                chosen = Some((position, *candidate));
            }
        }
        let Some((position, candidate)) = chosen else {
            break;
        };
        let interval = intervals[position].0.clone();
        let test = SegmentTest::between(
            &window[interval.start..candidate.index],
            &window[candidate.index..interval.end],
        );
        if test.p_value > threshold {
            break;
        }
        let left = interval.start..candidate.index;
        let right = candidate.index..interval.end;
        let left_best = energy.best_split(left.start, left.end);
        let right_best = energy.best_split(right.start, right.end);
        intervals.splice(
            position..=position,
            [(left, left_best), (right, right_best)],
        );
        points.push(candidate.index);
    }
    points.sort_unstable();
    points
}

/// The split step: weak change points of `series` from overlapping windows (Otava's `split`).
fn split(series: &[f64], config: &ChangePointConfig) -> Vec<usize> {
    let step = config.window / 2;
    let mut points: Vec<usize> = Vec::new();
    let mut start = 0;
    while start < series.len() {
        let end = (start + config.window).min(series.len());
        let found: Vec<usize> = divide_window(&series[start..end], config)
            .into_iter()
            .map(|index| index + start)
            .collect();
        let last_found = found.last().copied().unwrap_or(0);
        for index in found {
            if !points.contains(&index) {
                points.push(index);
            }
        }
        start = last_found.max(start + step);
    }
    points.sort_unstable();
    points
}

/// A change point during the merge, with its test against its current neighbours.
struct Weak {
    index: usize,
    p_value: f64,
    magnitude: f64,
}

/// The merge step: removes weak points bottom-up until every remaining one is significant,
/// bounds segments of at least `min_segment` values and changes the mean by more than
/// `min_magnitude` (Otava's `merge`, plus the segment rule). Returns the kept indices, sorted.
fn merge(points: Vec<usize>, series: &[f64], config: &ChangePointConfig) -> Vec<usize> {
    let test = |points: &[Weak], position: usize| {
        let start = position.checked_sub(1).map_or(0, |left| points[left].index);
        let end = points
            .get(position + 1)
            .map_or(series.len(), |right| right.index);
        let index = points[position].index;
        let stats = SegmentTest::between(&series[start..index], &series[index..end]);
        (
            stats.p_value,
            magnitude(stats.mean_before, stats.mean_after),
        )
    };
    let mut weak: Vec<Weak> = points
        .into_iter()
        .map(|index| Weak {
            index,
            p_value: 1.0,
            magnitude: 0.0,
        })
        .collect();
    for position in 0..weak.len() {
        (weak[position].p_value, weak[position].magnitude) = test(&weak, position);
    }
    while let Some(position) = weakest(&weak, series.len(), config) {
        weak.remove(position);
        // The two points whose segments just grew: the left and the right neighbour.
        for neighbour in [position.checked_sub(1), Some(position)]
            .into_iter()
            .flatten()
        {
            if neighbour < weak.len() {
                (weak[neighbour].p_value, weak[neighbour].magnitude) = test(&weak, neighbour);
            }
        }
    }
    weak.into_iter().map(|point| point.index).collect()
}

/// The point the merge removes next, or `None` when every point passes. Ties go to the first
/// point, as Python's `max`/`min` do.
fn weakest(points: &[Weak], length: usize, config: &ChangePointConfig) -> Option<usize> {
    let first_max_p = |positions: &mut dyn Iterator<Item = usize>| {
        positions.fold(None::<usize>, |best, position| match best {
            Some(best) if points[position].p_value <= points[best].p_value => Some(best),
            _ => Some(position),
        })
    };
    let highest_p = first_max_p(&mut (0..points.len()))?;
    if points[highest_p].p_value >= config.max_p_value {
        return Some(highest_p);
    }
    // Points bounding a segment shorter than min_segment (the edges of the piece count as
    // bounds, but only points can be removed).
    let short = |position: usize| {
        let start = position.checked_sub(1).map_or(0, |left| points[left].index);
        let end = points.get(position + 1).map_or(length, |right| right.index);
        let index = points[position].index;
        index - start < config.min_segment || end - index < config.min_segment
    };
    if let Some(position) = first_max_p(&mut (0..points.len()).filter(|&position| short(position)))
    {
        return Some(position);
    }
    let smallest = (0..points.len()).fold(0, |best, position| {
        if points[position].magnitude < points[best].magnitude {
            position
        } else {
            best
        }
    });
    (points[smallest].magnitude <= config.min_magnitude).then_some(smallest)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn otava_like() -> ChangePointConfig {
        ChangePointConfig {
            max_p_value: 0.001,
            min_magnitude: 0.0,
            min_segment: 1,
            window: 50,
        }
    }

    /// Q̂ straight from Matteson & James' definition, for checking the running sums.
    fn q_hat_by_definition(values: &[f64], start: usize, tau: usize, kappa: usize) -> f64 {
        let (x, y) = (&values[start..tau], &values[tau..kappa]);
        let (n, m) = (x.len() as f64, y.len() as f64);
        let cross: f64 = x
            .iter()
            .flat_map(|a| y.iter().map(move |b| (a - b).abs()))
            .sum();
        let within = |z: &[f64]| {
            let mut sum = 0.0;
            for i in 0..z.len() {
                for j in (i + 1)..z.len() {
                    sum += (z[i] - z[j]).abs();
                }
            }
            sum
        };
        let left = if n > 1.0 {
            2.0 * m / ((m + n) * (n - 1.0)) * within(x)
        } else {
            0.0
        };
        let right = if m > 1.0 {
            2.0 * n / ((m + n) * (m - 1.0)) * within(y)
        } else {
            0.0
        };
        2.0 / (m + n) * cross - left - right
    }

    #[test]
    fn best_split_maximises_the_definition() {
        let values = [3.0, 1.0, 4.0, 1.0, 5.0, 9.0, 2.0, 6.0, 5.0, 3.0, 5.0, 8.0];
        let energy = Energy::new(&values);
        for (start, end) in [(0, values.len()), (2, values.len()), (3, 9), (4, 6)] {
            let candidate = energy.best_split(start, end).unwrap();
            let mut best = (f64::NEG_INFINITY, 0);
            for tau in (start + 1)..end {
                for kappa in (tau + 1)..=end {
                    let q = q_hat_by_definition(&values, start, tau, kappa);
                    if q > best.0 + 1e-12 {
                        best = (q, tau);
                    }
                }
            }
            assert_eq!(candidate.index, best.1, "{start}..{end}");
            assert!((candidate.q_hat - best.0).abs() < 1e-12);
        }
        assert!(energy.best_split(4, 5).is_none());
    }

    #[test]
    fn t_test_edge_cases() {
        assert_eq!(SegmentTest::between(&[1.0], &[2.0]).p_value, 1.0);
        assert_eq!(SegmentTest::between(&[1.0, 1.0], &[2.0, 2.0]).p_value, 0.0);
        assert_eq!(SegmentTest::between(&[1.0, 1.0], &[1.0]).p_value, 1.0);
        // scipy: ttest_ind_from_stats(2, np.std([1,2,3]), 3, 5, np.std([4,5,6]), 3)
        let p = SegmentTest::between(&[1.0, 2.0, 3.0], &[4.0, 5.0, 6.0]).p_value;
        assert!((p - 0.010822550462608247).abs() < 1e-15, "{p}");
    }

    #[test]
    fn constant_and_tiny_series_have_no_change_points() {
        for length in 0..5 {
            let series = vec![7.0; length];
            assert_eq!(
                detect_change_points(&series, &[], &otava_like()),
                Ok(vec![])
            );
        }
        assert_eq!(
            detect_change_points(&[5.0; 40], &[], &ChangePointConfig::default()),
            Ok(vec![])
        );
    }

    #[test]
    fn rejects_bad_input() {
        let config = ChangePointConfig::default();
        assert!(matches!(
            detect_change_points(&[1.0, f64::NAN], &[], &config),
            Err(StatsError::NotFinite { index: 1, .. })
        ));
        for index in [0, 3] {
            assert_eq!(
                detect_change_points(&[1.0, 2.0, 3.0], &[index], &config),
                Err(StatsError::BoundaryOutOfRange { index, length: 3 })
            );
        }
        for bad in [
            ChangePointConfig {
                max_p_value: 0.0,
                ..config
            },
            ChangePointConfig {
                max_p_value: f64::NAN,
                ..config
            },
            ChangePointConfig {
                min_magnitude: -0.1,
                ..config
            },
            ChangePointConfig {
                min_segment: 0,
                ..config
            },
            ChangePointConfig {
                window: 1,
                ..config
            },
        ] {
            assert!(matches!(
                detect_change_points(&[1.0, 2.0], &[], &bad),
                Err(StatsError::InvalidChangePointConfig { .. })
            ));
        }
    }

    fn step_series() -> Vec<f64> {
        (0..40)
            .map(|run| if run < 20 { 100.0 } else { 110.0 } + f64::from((run * 7) % 5) - 2.0)
            .collect()
    }

    #[test]
    fn finds_a_step_and_describes_it() {
        let found =
            detect_change_points(&step_series(), &[], &ChangePointConfig::default()).unwrap();
        assert_eq!(found.len(), 1);
        let point = &found[0];
        assert_eq!(
            (point.index, point.before.clone(), point.after.clone()),
            (20, 0..20, 20..40)
        );
        assert!((point.mean_before - 100.0).abs() < 1.0 && (point.mean_after - 110.0).abs() < 1.0);
        assert!(
            (point.relative_change - (point.mean_after / point.mean_before - 1.0)).abs() < 1e-15
        );
        assert_eq!(point.direction(), Some(Direction::Increase));
        assert!(!point.forced);
    }

    #[test]
    fn magnitude_floor_drops_small_steps() {
        let config = ChangePointConfig {
            min_magnitude: 0.15,
            ..ChangePointConfig::default()
        };
        assert_eq!(
            detect_change_points(&step_series(), &[], &config),
            Ok(vec![])
        );
    }

    #[test]
    fn a_two_run_spike_is_not_a_change_point_with_a_minimum_segment() {
        // Otava 0.8.0 itself answers [25, 27] here (window 30, p 0.001, no floor): two change
        // points around two slow runs. The segment rule removes one, and the other is no longer
        // significant against its new neighbours.
        let mut series: Vec<f64> = (0..60).map(|run| 100.0 + f64::from(run % 3)).collect();
        series[25] = 130.0;
        series[26] = 131.0;
        let otava = ChangePointConfig {
            window: 30,
            ..otava_like()
        };
        let indices: Vec<usize> = detect_change_points(&series, &[], &otava)
            .unwrap()
            .iter()
            .map(|point| point.index)
            .collect();
        assert_eq!(indices, [25, 27]);
        let ours = ChangePointConfig {
            window: 30,
            ..ChangePointConfig::default()
        };
        assert_eq!(detect_change_points(&series, &[], &ours), Ok(vec![]));
        let no_floor = ChangePointConfig {
            min_magnitude: 0.0,
            ..ours
        };
        assert_eq!(detect_change_points(&series, &[], &no_floor), Ok(vec![]));
    }

    #[test]
    fn forced_boundaries_are_reported_and_cut_the_series() {
        let series = step_series();
        let found =
            detect_change_points(&series, &[30, 10, 30], &ChangePointConfig::default()).unwrap();
        let summary: Vec<(usize, bool, Range<usize>, Range<usize>)> = found
            .iter()
            .map(|point| {
                (
                    point.index,
                    point.forced,
                    point.before.clone(),
                    point.after.clone(),
                )
            })
            .collect();
        assert_eq!(
            summary,
            vec![
                (10, true, 0..10, 10..20),
                (20, false, 10..20, 20..30),
                (30, true, 20..30, 30..40)
            ]
        );
        // A forced boundary at the step itself: reported once, as forced.
        let found = detect_change_points(&series, &[20], &ChangePointConfig::default()).unwrap();
        assert_eq!(found.len(), 1);
        assert!(found[0].forced && found[0].index == 20 && found[0].p_value < 1e-6);
    }

    #[test]
    fn merge_retests_the_left_neighbour() {
        // Three levels; the middle point is weak. After removing a point, both neighbours must
        // carry statistics against their new neighbours.
        let series: Vec<f64> = [10.0; 10]
            .iter()
            .chain(&[10.2; 3])
            .chain(&[20.0; 10])
            .copied()
            .enumerate()
            .map(|(i, v)| v + 0.01 * (i % 2) as f64)
            .collect();
        let found = detect_change_points(&series, &[], &otava_like()).unwrap();
        for point in &found {
            let fresh =
                SegmentTest::between(&series[point.before.clone()], &series[point.after.clone()]);
            assert_eq!(point.p_value, fresh.p_value);
        }
    }

    #[test]
    fn confirmation_is_one_sided_in_the_direction_given() {
        let before = [10.0, 10.5, 9.8, 10.1, 10.3, 9.9];
        let after = [11.0, 11.2, 10.9, 11.4, 11.1, 11.3];
        let up = confirm_change(&before, &after, Direction::Increase).unwrap();
        // scipy.stats.mannwhitneyu(after, before, alternative="greater"): exact, 1/924.
        assert!((up.p_value - 1.0 / 924.0).abs() < 1e-15);
        assert_eq!((up.u_statistic, up.probability_after_larger), (36.0, 1.0));
        assert_eq!((up.before_count, up.after_count), (6, 6));
        let down = confirm_change(&before, &after, Direction::Decrease).unwrap();
        assert!((down.p_value - 1.0).abs() < 1e-15);
        assert!(confirm_change(&[], &after, Direction::Increase).is_err());
    }
}
