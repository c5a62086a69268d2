//! Two-sample comparisons: Mann-Whitney U, Welch's t-test, relative change of a quantile with a
//! confidence interval, and Holm-Bonferroni adjustment of many p-values.

use statrs::distribution::{ContinuousCDF, Normal, StudentsT};

use crate::error::{StatsError, check_confidence, check_quantile, check_sample};
use crate::interval::quantile_confidence_interval;
use crate::quantile::{QuantileMethod, quantiles_of_checked};
use crate::summary::{compensated_sum, mean_of};

/// The alternative hypothesis of a two-sample test, as in scipy's `alternative=`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "kebab-case"))]
pub enum Alternative {
    /// The two samples come from different distributions (either direction).
    #[default]
    TwoSided,
    /// The first sample tends to be smaller than the second.
    Less,
    /// The first sample tends to be larger than the second (e.g. a slower candidate).
    Greater,
}

/// How the Mann-Whitney p-value is computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum MannWhitneyMethod {
    /// scipy's rule: exact when a sample has at most 8 values and there are no ties, otherwise
    /// asymptotic. Also asymptotic when the exact distribution is too costly
    /// (`n1 * n2 > MannWhitneyConfig::EXACT_SIZE_LIMIT`), where scipy would still be exact.
    #[default]
    Auto,
    /// The exact null distribution of U (no ties allowed).
    Exact,
    /// The normal approximation with tie correction (and optional continuity correction).
    Asymptotic,
}

/// Settings of [`mann_whitney_u`]; the default matches scipy's `mannwhitneyu` defaults.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct MannWhitneyConfig {
    /// The alternative hypothesis.
    pub alternative: Alternative,
    /// Exact, asymptotic, or chosen from the sizes.
    pub method: MannWhitneyMethod,
    /// Apply the 0.5 continuity correction in the normal approximation (scipy's `use_continuity`).
    pub continuity_correction: bool,
}

impl MannWhitneyConfig {
    /// Largest product of sample sizes for which the exact distribution is computed.
    pub const EXACT_SIZE_LIMIT: usize = 20_000;
}

impl Default for MannWhitneyConfig {
    fn default() -> Self {
        MannWhitneyConfig {
            alternative: Alternative::TwoSided,
            method: MannWhitneyMethod::Auto,
            continuity_correction: true,
        }
    }
}

/// Outcome of [`mann_whitney_u`].
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct MannWhitneyResult {
    /// U of the first sample: the number of (first, second) pairs where the first value is larger,
    /// ties counting one half (scipy's `statistic`).
    pub u_statistic: f64,
    /// The p-value under the chosen alternative.
    pub p_value: f64,
    /// The method actually used: [`MannWhitneyMethod::Exact`] or [`MannWhitneyMethod::Asymptotic`].
    pub method: MannWhitneyMethod,
}

/// What the Mann-Whitney test reads of the combined sample: the sum of the average ranks
/// (one-based, ties sharing their average) of the first sample's values, whether any value occurs
/// more than once, and the tie correction's `sum(t^3 - t)` over the groups of `t` tied values,
/// summed in increasing value order.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Ranks {
    first_rank_sum: f64,
    has_ties: bool,
    tie_term: f64,
}

/// The [`Ranks`] of `first` against `second`.
///
/// Sorts each sample on its own (a sample that comes sorted is read in place): sorting
/// contiguous `f64`s is several times faster than sorting indices into the concatenation, which
/// matters for raw samples of a million values. Then [`ranks_by_counting`] when its integer sums
/// are provably the floating-point sums of [`ranks_by_merge`] (always, unless the samples hold
/// tens of millions of values or huge groups of ties), else the merge.
fn ranks(first: &[f64], second: &[f64]) -> Ranks {
    fn sorted(sample: &[f64]) -> std::borrow::Cow<'_, [f64]> {
        if crate::is_sorted_total(sample) {
            std::borrow::Cow::Borrowed(sample)
        } else {
            std::borrow::Cow::Owned(crate::sorted_total(sample.to_vec()))
        }
    }
    let (first, second) = (sorted(first), sorted(second));
    ranks_by_counting(&first, &second).unwrap_or_else(|| ranks_by_merge(&first, &second))
}

/// [`Ranks`] of two sorted samples by walking them in step, every tie group in value order (the
/// definition; [`ranks_by_counting`] is held to it).
fn ranks_by_merge(first: &[f64], second: &[f64]) -> Ranks {
    let (n1, n2) = (first.len(), second.len());
    let (mut i, mut j) = (0, 0);
    let mut rank_sum = 0.0;
    let mut tie_sizes = Vec::new();
    while i < n1 || j < n2 {
        let value = if j == n2 || (i < n1 && first[i].total_cmp(&second[j]).is_le()) {
            first[i]
        } else {
            second[j]
        };
        let (start_first, start_second) = (i, j);
        // Equal as with `==`: signed zeros are one value.
        while i < n1 && first[i] == value {
            i += 1;
        }
        while j < n2 && second[j] == value {
            j += 1;
        }
        let in_first = i - start_first;
        let size = in_first + (j - start_second);
        if in_first > 0 {
            // Ranks start+1 ..= start+size share their average. Ranks are half-integers and
            // their sum stays far below 2^53, so this is exact (and adding nothing would add 0).
            let average = (2 * (start_first + start_second) + size + 1) as f64 / 2.0;
            rank_sum += in_first as f64 * average;
        }
        if size > 1 {
            tie_sizes.push(size);
        }
    }
    Ranks {
        first_rank_sum: rank_sum,
        has_ties: !tie_sizes.is_empty(),
        tie_term: tie_sizes
            .iter()
            .map(|&size| (size as f64).powi(3) - size as f64)
            .sum(),
    }
}

/// The index of the first element of `slice` for which `holds` is false (it holds for a prefix
/// of `slice`, as [`slice::partition_point`] requires) by an exponential search from the start:
/// about `2 log2(index)` tests, fewer than a binary search of the whole slice when the answer is
/// near its start, as it is for consecutive stored points in a large current sample.
fn partition_point_near_start(slice: &[f64], holds: impl Fn(f64) -> bool) -> usize {
    let mut bound = 1;
    while bound <= slice.len() && holds(slice[bound - 1]) {
        bound *= 2;
    }
    // `holds` holds for the first `bound / 2` elements and fails at or before `bound - 1`.
    let known = bound / 2;
    known + slice[known..bound.min(slice.len())].partition_point(|x| holds(*x))
}

/// `t^3 - t`, a group of `t` tied values' share of the tie correction (0 for 0 and 1).
fn tie_weight(size: u128) -> u128 {
    size * size * size - size
}

/// [`ranks_by_merge`] for two sorted samples without walking the first value by value, which
/// the baseline comparison needs (a current sample of any size against at most a few thousand
/// stored order statistics): the second sample's rank sum from where each of its values falls in
/// the first (binary searches), the first's as the rest of `N (N + 1) / 2`, and the first's own
/// ties in one pass of adjacent comparisons. Exact integer arithmetic, so it is `None` unless
/// every floating-point sum of the merge is exact too (then both give the same bits): twice the
/// rank sum and `sum(t^3 - t) + N` below 2^53.
fn ranks_by_counting(first: &[f64], second: &[f64]) -> Option<Ranks> {
    const EXACT: u128 = 1 << 53;
    let (n1, n2) = (first.len(), second.len());
    let total = (n1 + n2) as u128;
    if total * (total + 1) >= EXACT {
        return None;
    }
    // The first sample's own tie groups (`==`: signed zeros are one value).
    let mut tie_total: u128 = 0;
    let mut run: u128 = 1;
    for pair in first.windows(2) {
        if pair[0] == pair[1] {
            run += 1;
        } else if run > 1 {
            tie_total += tie_weight(run);
            run = 1;
        }
    }
    if run > 1 {
        tie_total += tie_weight(run);
    }
    let mut has_ties = tie_total > 0;
    // Each group of equal values of the second sample: the first's values below it and equal
    // to it, found from where the previous group's search ended.
    let mut doubled_second_rank_sum: u128 = 0;
    let (mut start, mut j) = (0_usize, 0_usize);
    while j < n2 {
        let value = second[j];
        let group_start = j;
        while j < n2 && second[j] == value {
            j += 1;
        }
        let in_second = (j - group_start) as u128;
        let below = start + partition_point_near_start(&first[start..], |x| x < value);
        let equal = partition_point_near_start(&first[below..], |x| x == value);
        start = below + equal;
        let equal = equal as u128;
        let size = equal + in_second;
        let ranks_before = (below + group_start) as u128;
        doubled_second_rank_sum += in_second * (2 * ranks_before + size + 1);
        // The first's group of this value (if any) joins the second's.
        tie_total = tie_total - tie_weight(equal) + tie_weight(size);
        has_ties |= size > 1;
    }
    if tie_total + total >= EXACT {
        return None;
    }
    let doubled_first_rank_sum = total * (total + 1) - doubled_second_rank_sum;
    Some(Ranks {
        // Both below 2^53: the conversions and the halving are exact.
        first_rank_sum: doubled_first_rank_sum as f64 / 2.0,
        has_ties,
        tie_term: if has_ties {
            tie_total as f64
        } else {
            // What summing no tie group gives.
            crate::empty_sum()
        },
    })
}

/// `P(U >= threshold)` under the null hypothesis of no difference, without ties, for samples of
/// sizes `small <= large`.
///
/// Uses the recurrence over the largest value of the combined sample: it belongs to the first
/// sample with probability `i / (i + j)` (adding `j` to U) or to the second. Every step adds
/// non-negative terms, so tail probabilities keep full relative precision.
fn exact_upper_tail(small: usize, large: usize, threshold: u64) -> f64 {
    // column[i] is the distribution of U for sizes (i, j) at the current j.
    let mut column: Vec<Vec<f64>> = (0..=small).map(|_| vec![1.0]).collect();
    for j in 1..=large {
        for i in 1..=small {
            let total = (i + j) as f64;
            let mut next = vec![0.0; i * j + 1];
            for (u, probability) in column[i].iter().enumerate() {
                next[u] += probability * j as f64 / total;
            }
            for (u, probability) in column[i - 1].iter().enumerate() {
                next[u + j] += probability * i as f64 / total;
            }
            column[i] = next;
        }
    }
    let distribution = &column[small];
    let threshold = usize::try_from(threshold).unwrap_or(usize::MAX);
    let middle = distribution.len() / 2;
    if threshold > middle {
        distribution.iter().skip(threshold).sum()
    } else {
        // Sum the short lower tail and complement, as scipy does.
        1.0 - distribution.iter().take(threshold).sum::<f64>()
    }
}

/// The Mann-Whitney U test (Wilcoxon rank-sum) of `first` against `second`, as scipy's
/// `mannwhitneyu`: ties get average ranks; the normal approximation is tie-corrected; the exact
/// distribution is used for small samples without ties.
///
/// ```
/// use perf_stats::{mann_whitney_u, Alternative, MannWhitneyConfig, MannWhitneyMethod};
/// let baseline = [10.1, 10.3, 9.9, 10.0, 10.2];
/// let candidate = [11.0, 11.4, 10.9, 11.2, 11.1];
/// let config = MannWhitneyConfig { alternative: Alternative::Greater, ..Default::default() };
/// let result = mann_whitney_u(&candidate, &baseline, &config)?;
/// assert_eq!(result.u_statistic, 25.0);
/// assert_eq!(result.method, MannWhitneyMethod::Exact);
/// assert!((result.p_value - 1.0 / 252.0).abs() < 1e-15);
/// # Ok::<(), perf_stats::StatsError>(())
/// ```
///
/// # Errors
/// [`StatsError::EmptyInput`], [`StatsError::NotFinite`]; with [`MannWhitneyMethod::Exact`],
/// [`StatsError::ExactTestWithTies`] and [`StatsError::ExactTestTooLarge`].
pub fn mann_whitney_u(
    first: &[f64],
    second: &[f64],
    config: &MannWhitneyConfig,
) -> Result<MannWhitneyResult, StatsError> {
    check_sample(first, "first sample")?;
    check_sample(second, "second sample")?;
    let (n1, n2) = (first.len(), second.len());
    let Ranks {
        first_rank_sum,
        has_ties,
        tie_term,
    } = ranks(first, second);
    let n1_f = n1 as f64;
    let n2_f = n2 as f64;
    let u_first = first_rank_sum - n1_f * (n1_f + 1.0) / 2.0;
    let u_second = n1_f * n2_f - u_first;
    let exact_affordable = n1.saturating_mul(n2) <= MannWhitneyConfig::EXACT_SIZE_LIMIT;
    let method = match config.method {
        MannWhitneyMethod::Auto if (n1 > 8 && n2 > 8) || has_ties || !exact_affordable => {
            MannWhitneyMethod::Asymptotic
        }
        MannWhitneyMethod::Auto => MannWhitneyMethod::Exact,
        MannWhitneyMethod::Exact if has_ties => return Err(StatsError::ExactTestWithTies),
        MannWhitneyMethod::Exact if !exact_affordable => {
            return Err(StatsError::ExactTestTooLarge {
                first: n1,
                second: n2,
                limit: MannWhitneyConfig::EXACT_SIZE_LIMIT,
            });
        }
        chosen => chosen,
    };
    let (u_tested, sides) = match config.alternative {
        Alternative::Greater => (u_first, 1.0),
        // By symmetry, the lower tail of U1 is the upper tail of U2.
        Alternative::Less => (u_second, 1.0),
        Alternative::TwoSided => (u_first.max(u_second), 2.0),
    };
    let one_tail = if method == MannWhitneyMethod::Exact {
        // Without ties U is a whole number; the cast cannot lose anything.
        exact_upper_tail(n1.min(n2), n1.max(n2), u_tested as u64)
    } else {
        let total = n1_f + n2_f;
        let spread =
            (n1_f * n2_f / 12.0 * ((total + 1.0) - tie_term / (total * (total - 1.0)))).sqrt();
        let mut numerator = u_tested - n1_f * n2_f / 2.0;
        if config.continuity_correction {
            numerator -= 0.5;
        }
        if spread > 0.0 {
            Normal::standard().sf(numerator / spread)
        } else {
            // Every value is tied: no evidence of a difference.
            1.0
        }
    };
    Ok(MannWhitneyResult {
        u_statistic: u_first,
        p_value: (one_tail * sides).clamp(0.0, 1.0),
        method,
    })
}

/// Outcome of [`welch_t_test`].
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct WelchResult {
    /// `(mean(first) - mean(second)) / sqrt(var1/n1 + var2/n2)`.
    pub t_statistic: f64,
    /// Welch-Satterthwaite degrees of freedom.
    pub degrees_of_freedom: f64,
    /// The p-value under the chosen alternative.
    pub p_value: f64,
}

/// Mean and sample variance by two compensated passes.
fn mean_and_variance(sample: &[f64]) -> (f64, f64) {
    let count = sample.len() as f64;
    let mean = mean_of(sample);
    let squares = compensated_sum(sample.iter().map(|value| (value - mean).powi(2)));
    (mean, squares / (count - 1.0))
}

/// Welch's unequal-variances t-test of `first` against `second`, as scipy's
/// `ttest_ind(first, second, equal_var=False, alternative=...)`.
///
/// ```
/// use perf_stats::{welch_t_test, Alternative};
/// let result = welch_t_test(&[1.0, 2.0, 3.0], &[4.0, 5.0, 6.0, 7.0], Alternative::TwoSided)?;
/// assert!(result.t_statistic < 0.0);
/// assert!(result.p_value < 0.05);
/// # Ok::<(), perf_stats::StatsError>(())
/// ```
///
/// # Errors
/// [`StatsError::TooFewSamples`] when a sample has fewer than two values,
/// [`StatsError::NotFinite`], and [`StatsError::ZeroVariance`] when both samples are constant.
pub fn welch_t_test(
    first: &[f64],
    second: &[f64],
    alternative: Alternative,
) -> Result<WelchResult, StatsError> {
    for sample in [first, second] {
        if sample.len() < 2 {
            return Err(StatsError::TooFewSamples {
                what: "Welch's t-test (each sample)",
                needed: 2,
                got: sample.len(),
            });
        }
    }
    check_sample(first, "first sample")?;
    check_sample(second, "second sample")?;
    let (mean1, variance1) = mean_and_variance(first);
    let (mean2, variance2) = mean_and_variance(second);
    let share1 = variance1 / first.len() as f64;
    let share2 = variance2 / second.len() as f64;
    if share1 + share2 <= 0.0 {
        return Err(StatsError::ZeroVariance { what: "Welch t" });
    }
    let degrees_of_freedom = (share1 + share2).powi(2)
        / (share1.powi(2) / (first.len() - 1) as f64 + share2.powi(2) / (second.len() - 1) as f64);
    let t_statistic = (mean1 - mean2) / (share1 + share2).sqrt();
    let distribution = StudentsT::new(0.0, 1.0, degrees_of_freedom)
        .map_err(|_| StatsError::ZeroVariance { what: "Welch t" })?;
    let p_value = match alternative {
        Alternative::TwoSided => 2.0 * distribution.sf(t_statistic.abs()),
        Alternative::Less => distribution.cdf(t_statistic),
        Alternative::Greater => distribution.sf(t_statistic),
    };
    Ok(WelchResult {
        t_statistic,
        degrees_of_freedom,
        p_value: p_value.clamp(0.0, 1.0),
    })
}

/// Settings of [`relative_change`].
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct RelativeChangeConfig {
    /// The quantile compared, in `(0, 1)`; `0.95` (p95) by default.
    pub quantile: f64,
    /// Confidence level of the interval, in `(0, 1)`; `0.95` by default.
    pub confidence: f64,
    /// Quantile definition of the point estimate; type 7 by default.
    pub method: QuantileMethod,
}

impl Default for RelativeChangeConfig {
    fn default() -> Self {
        RelativeChangeConfig {
            quantile: 0.95,
            confidence: 0.95,
            method: QuantileMethod::default(),
        }
    }
}

/// Relative change of a quantile from a baseline to a candidate sample, with a confidence interval.
/// Changes are fractions: `0.10` means the candidate's quantile is 10% higher.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct RelativeChange {
    /// The baseline sample's quantile.
    pub baseline: f64,
    /// The candidate sample's quantile.
    pub candidate: f64,
    /// `candidate / baseline - 1`.
    pub estimate: f64,
    /// Lower bound of the interval for the change.
    pub lower: f64,
    /// Upper bound of the interval for the change.
    pub upper: f64,
    /// Probability that the interval covers the true change (at least the requested confidence).
    pub coverage: f64,
}

/// The relative change of a quantile between two independent samples, with a deterministic,
/// distribution-free confidence interval.
///
/// Each sample gets an order-statistic interval for the quantile at level `sqrt(confidence)`
/// (see [`quantile_confidence_interval`]); since the samples are independent both hold together
/// with probability at least `confidence`, and then the change lies in
/// `[candidate_lower / baseline_upper - 1, candidate_upper / baseline_lower - 1]`. The interval is
/// conservative (wider than a bootstrap one) but needs no random numbers and costs `O(n)`.
///
/// ```
/// use perf_stats::{relative_change, RelativeChangeConfig};
/// let baseline: Vec<f64> = (0..500).map(|i| 100.0 + f64::from(i % 50)).collect();
/// let candidate: Vec<f64> = baseline.iter().map(|value| value * 1.2).collect();
/// let change = relative_change(&baseline, &candidate, &RelativeChangeConfig::default())?;
/// assert!((change.estimate - 0.2).abs() < 1e-12);
/// assert!(change.lower > 0.0 && change.lower <= 0.2 && change.upper >= 0.2);
/// # Ok::<(), perf_stats::StatsError>(())
/// ```
///
/// # Errors
/// Those of [`quantile_confidence_interval`] for either sample (notably
/// [`StatsError::TooFewSamples`]), and [`StatsError::NonPositiveBaseline`] when the baseline
/// quantile or its lower bound is not positive.
pub fn relative_change(
    baseline: &[f64],
    candidate: &[f64],
    config: &RelativeChangeConfig,
) -> Result<RelativeChange, StatsError> {
    check_sample(baseline, "baseline sample")?;
    check_sample(candidate, "candidate sample")?;
    check_quantile(config.quantile)?;
    check_confidence(config.confidence)?;
    let each_confidence = config.confidence.sqrt();
    let baseline_interval =
        quantile_confidence_interval(baseline, config.quantile, each_confidence)?;
    let candidate_interval =
        quantile_confidence_interval(candidate, config.quantile, each_confidence)?;
    let baseline_value =
        quantiles_of_checked(&mut baseline.to_vec(), &[config.quantile], config.method)[0];
    let candidate_value =
        quantiles_of_checked(&mut candidate.to_vec(), &[config.quantile], config.method)[0];
    let smallest_baseline = baseline_interval.lower.min(baseline_value);
    if smallest_baseline <= 0.0 {
        return Err(StatsError::NonPositiveBaseline {
            value: smallest_baseline,
        });
    }
    Ok(RelativeChange {
        baseline: baseline_value,
        candidate: candidate_value,
        estimate: candidate_value / baseline_value - 1.0,
        lower: candidate_interval.lower / baseline_interval.upper - 1.0,
        upper: candidate_interval.upper / baseline_interval.lower - 1.0,
        coverage: baseline_interval.coverage * candidate_interval.coverage,
    })
}

/// Holm-Bonferroni adjusted p-values, in the order given, for testing many groups at once
/// while bounding the family-wise error rate: reject hypothesis `i` at level `alpha` when
/// `adjusted[i] <= alpha`. Same values as statsmodels' `multipletests(method="holm")`.
///
/// ```
/// use perf_stats::holm_bonferroni;
/// let adjusted = holm_bonferroni(&[0.01, 0.04, 0.03])?;
/// assert_eq!(adjusted, vec![0.03, 0.06, 0.06]);
/// # Ok::<(), perf_stats::StatsError>(())
/// ```
///
/// # Errors
/// [`StatsError::PValueOutOfRange`] for a value outside `[0, 1]` or NaN. An empty slice gives an
/// empty result.
pub fn holm_bonferroni(p_values: &[f64]) -> Result<Vec<f64>, StatsError> {
    if let Some(index) = p_values
        .iter()
        .position(|value| !(0.0..=1.0).contains(value))
    {
        return Err(StatsError::PValueOutOfRange {
            index,
            value: p_values[index],
        });
    }
    let count = p_values.len();
    let mut order: Vec<usize> = (0..count).collect();
    order.sort_by(|&a, &b| p_values[a].total_cmp(&p_values[b]));
    let mut adjusted = vec![0.0; count];
    let mut running_max = 0.0_f64;
    for (position, &index) in order.iter().enumerate() {
        let scaled = ((count - position) as f64 * p_values[index]).min(1.0);
        running_max = running_max.max(scaled);
        adjusted[index] = running_max;
    }
    Ok(adjusted)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partition_point_near_start_is_partition_point() {
        let values: Vec<f64> = (0..100).map(f64::from).collect();
        for length in [0, 1, 2, 3, 7, 8, 9, 64, 100] {
            let slice = &values[..length];
            for threshold in 0..=101 {
                let threshold = f64::from(threshold);
                assert_eq!(
                    partition_point_near_start(slice, |x| x < threshold),
                    slice.partition_point(|x| *x < threshold),
                    "{length} {threshold}"
                );
            }
        }
    }

    #[test]
    fn ranks_are_shared_by_ties() {
        let ranked = |first: &[f64], second: &[f64]| {
            let ranked = ranks(first, second);
            (ranked.first_rank_sum, ranked.has_ties, ranked.tie_term)
        };
        // Combined 1, 2, 2, 3: ranks 1, 2.5, 2.5, 4.
        assert_eq!(ranked(&[2.0, 1.0], &[3.0, 2.0]), (3.5, true, 6.0));
        assert_eq!(ranked(&[3.0, 2.0], &[2.0, 1.0]), (6.5, true, 6.0));
        // Signed zeros are equal values, as with `==`.
        assert_eq!(ranked(&[0.0], &[-0.0, 5.0]), (1.5, true, 6.0));
        assert_eq!(ranked(&[4.0, 4.0, 4.0], &[4.0]), (7.5, true, 60.0));
        assert_eq!(ranked(&[1.0, 3.0], &[2.0]), (4.0, false, 0.0));
        // Ties within the first sample alone, and of both with the second.
        assert_eq!(
            ranked(&[1.0, 1.0, 2.0, 5.0, 5.0, 5.0], &[2.0, 3.0]),
            (1.5 * 2.0 + 3.5 + 7.0 * 3.0, true, 6.0 + 6.0 + 24.0)
        );
    }

    /// The counting path gives the merge's bits (rank sum, ties, tie term) on sorted samples with
    /// ties inside either sample and across them, signed zeros, and either sample empty or
    /// larger.
    #[test]
    fn counting_ranks_are_the_merge_ranks() {
        let mut rng = crate::SplitMix64::seeded(20);
        for trial in 0..3_000 {
            let distinct = 1 + rng.below(if trial % 3 == 0 { 4 } else { 400 });
            let draw = |rng: &mut crate::SplitMix64, count: u64| -> Vec<f64> {
                let values = (0..count).map(|_| {
                    let value = rng.below(distinct) as f64 / 4.0;
                    if value == 0.0 && rng.below(2) == 0 {
                        -0.0
                    } else {
                        value
                    }
                });
                crate::sorted_total(values.collect())
            };
            let count = rng.below(300);
            let first = draw(&mut rng, count);
            let count = rng.below(if trial % 2 == 0 { 30 } else { 300 });
            let second = draw(&mut rng, count);
            let merged = ranks_by_merge(&first, &second);
            let counted = ranks_by_counting(&first, &second).unwrap();
            assert_eq!(
                (
                    merged.first_rank_sum.to_bits(),
                    merged.has_ties,
                    merged.tie_term.to_bits()
                ),
                (
                    counted.first_rank_sum.to_bits(),
                    counted.has_ties,
                    counted.tie_term.to_bits()
                ),
                "{first:?} / {second:?}"
            );
        }
        // Beyond exact integers in a double, the merge decides.
        let ties = vec![1.0; 300_000];
        assert_eq!(ranks_by_counting(&ties, &[1.0]), None);
        assert_eq!(ranks(&ties, &[1.0]), ranks_by_merge(&ties, &[1.0]));
    }

    #[test]
    fn exact_tail_matches_enumeration() {
        // Sizes 2 and 3: C(5, 2) = 10 arrangements, U in 0..=6 with counts 1,1,2,2,2,1,1.
        let counts = [1.0, 1.0, 2.0, 2.0, 2.0, 1.0, 1.0];
        for threshold in 0..=7_u64 {
            let expected: f64 = counts.iter().skip(threshold as usize).sum::<f64>() / 10.0;
            let got = exact_upper_tail(2, 3, threshold);
            assert!(
                (got - expected).abs() < 1e-15,
                "{threshold}: {got} vs {expected}"
            );
        }
    }

    #[test]
    fn exact_rejects_ties_and_large_sizes() {
        let config = MannWhitneyConfig {
            method: MannWhitneyMethod::Exact,
            ..Default::default()
        };
        assert_eq!(
            mann_whitney_u(&[1.0, 2.0], &[2.0, 3.0], &config),
            Err(StatsError::ExactTestWithTies)
        );
        let big: Vec<f64> = (0..200).map(f64::from).collect();
        let other: Vec<f64> = (0..200).map(|i| f64::from(i) + 0.5).collect();
        assert!(matches!(
            mann_whitney_u(&big, &other, &config),
            Err(StatsError::ExactTestTooLarge { .. })
        ));
        let auto = mann_whitney_u(&big[..5], &other, &MannWhitneyConfig::default()).unwrap();
        assert_eq!(auto.method, MannWhitneyMethod::Exact);
    }

    #[test]
    fn all_tied_samples_give_p_one() {
        let result = mann_whitney_u(&[2.0; 10], &[2.0; 12], &MannWhitneyConfig::default()).unwrap();
        assert_eq!(result.p_value, 1.0);
        assert_eq!(result.u_statistic, 60.0);
    }

    #[test]
    fn welch_rejects_tiny_and_constant_samples() {
        assert!(matches!(
            welch_t_test(&[1.0], &[1.0, 2.0], Alternative::TwoSided),
            Err(StatsError::TooFewSamples {
                needed: 2,
                got: 1,
                ..
            })
        ));
        assert_eq!(
            welch_t_test(&[1.0, 1.0], &[2.0, 2.0], Alternative::TwoSided),
            Err(StatsError::ZeroVariance { what: "Welch t" })
        );
    }

    #[test]
    fn holm_rejects_bad_p_values_and_accepts_empty() {
        assert_eq!(holm_bonferroni(&[]), Ok(vec![]));
        assert_eq!(
            holm_bonferroni(&[0.5, 1.5]),
            Err(StatsError::PValueOutOfRange {
                index: 1,
                value: 1.5
            })
        );
        assert!(holm_bonferroni(&[f64::NAN]).is_err());
    }

    #[test]
    fn holm_is_monotone_in_sorted_order_and_capped() {
        let adjusted = holm_bonferroni(&[0.2, 0.001, 0.9, 0.04]).unwrap();
        assert_eq!(adjusted, vec![0.4, 0.004, 0.9, 0.12]);
    }

    #[test]
    fn relative_change_rejects_non_positive_baseline() {
        let baseline: Vec<f64> = (0..200).map(|i| f64::from(i) - 100.0).collect();
        let candidate: Vec<f64> = (0..200).map(f64::from).collect();
        let config = RelativeChangeConfig {
            quantile: 0.5,
            ..Default::default()
        };
        assert!(matches!(
            relative_change(&baseline, &candidate, &config),
            Err(StatsError::NonPositiveBaseline { .. })
        ));
    }

    #[test]
    fn relative_change_of_identical_samples_straddles_zero() {
        let sample: Vec<f64> = (1..=400).map(|i| f64::from(i).ln() + 1.0).collect();
        let change = relative_change(&sample, &sample, &RelativeChangeConfig::default()).unwrap();
        assert_eq!(change.estimate, 0.0);
        assert!(change.lower < 0.0 && change.upper > 0.0);
        assert!(change.coverage >= 0.95);
    }
}
