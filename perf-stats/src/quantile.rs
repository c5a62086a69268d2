//! Sample quantiles: the nine Hyndman & Fan definitions, computed by selection.

use std::cmp::Ordering;
use std::fmt;
use std::str::FromStr;

use crate::error::{StatsError, check_quantile, check_sample};

/// Which of the nine Hyndman & Fan (1996) sample-quantile definitions to use.
///
/// The variants carry numpy's names (`numpy.quantile(method=...)`); the numbers are
/// Hyndman & Fan's types, which R's `quantile(type = N)` also uses. Results agree with numpy
/// to within floating-point rounding. The default, [`QuantileMethod::Linear`] (type 7), is
/// what numpy, R, Excel's `PERCENTILE.INC` and k6's `p(N)` report by default.
///
/// | Tool | Definition it uses |
/// |------|--------------------|
/// | numpy `quantile`/`percentile` (default `linear`) | type 7, [`Linear`](Self::Linear) |
/// | R `quantile()` (default `type = 7`) | type 7 |
/// | Excel `PERCENTILE.INC` / `PERCENTILE` | type 7 |
/// | Excel `PERCENTILE.EXC` | type 6, [`Weibull`](Self::Weibull) |
/// | k6 thresholds `p(N)` | type 7 |
/// | statrs `Data::quantile`/`percentile` | type 8, [`MedianUnbiased`](Self::MedianUnbiased) |
/// | HdrHistogram `value_at_quantile` | nearest rank: type 1, [`InvertedCdf`](Self::InvertedCdf), up to the histogram's bucket precision |
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
pub enum QuantileMethod {
    /// Type 1: the inverse of the empirical CDF, `x[ceil(n*q)]` (nearest rank, no interpolation).
    InvertedCdf,
    /// Type 2: like type 1 but averages the two neighbours where the CDF is flat.
    AveragedInvertedCdf,
    /// Type 3: the nearest order statistic, ties to the even one (SAS definition 2).
    ClosestObservation,
    /// Type 4: linear interpolation of the empirical CDF, `p_k = k / n`.
    InterpolatedInvertedCdf,
    /// Type 5: piecewise linear with `p_k = (k - 1/2) / n` (hydrologists' choice).
    Hazen,
    /// Type 6: `p_k = k / (n + 1)` (Minitab, SPSS, Excel `PERCENTILE.EXC`).
    Weibull,
    /// Type 7 (default): `p_k = (k - 1) / (n - 1)`; numpy, R, Excel `PERCENTILE.INC`, k6.
    #[default]
    Linear,
    /// Type 8: `p_k = (k - 1/3) / (n + 1/3)`, approximately median-unbiased; statrs uses it.
    MedianUnbiased,
    /// Type 9: `p_k = (k - 3/8) / (n + 1/4)`, approximately unbiased for normal data.
    NormalUnbiased,
}

impl QuantileMethod {
    /// All nine methods, in Hyndman & Fan order (type 1 first).
    pub const ALL: [QuantileMethod; 9] = [
        QuantileMethod::InvertedCdf,
        QuantileMethod::AveragedInvertedCdf,
        QuantileMethod::ClosestObservation,
        QuantileMethod::InterpolatedInvertedCdf,
        QuantileMethod::Hazen,
        QuantileMethod::Weibull,
        QuantileMethod::Linear,
        QuantileMethod::MedianUnbiased,
        QuantileMethod::NormalUnbiased,
    ];

    /// The Hyndman & Fan type number, 1 to 9 (R's `quantile(type = N)`).
    pub fn hyndman_fan_type(self) -> u8 {
        match self {
            QuantileMethod::InvertedCdf => 1,
            QuantileMethod::AveragedInvertedCdf => 2,
            QuantileMethod::ClosestObservation => 3,
            QuantileMethod::InterpolatedInvertedCdf => 4,
            QuantileMethod::Hazen => 5,
            QuantileMethod::Weibull => 6,
            QuantileMethod::Linear => 7,
            QuantileMethod::MedianUnbiased => 8,
            QuantileMethod::NormalUnbiased => 9,
        }
    }

    /// The method with Hyndman & Fan type `number` (1 to 9), if there is one.
    pub fn from_hyndman_fan_type(number: u8) -> Option<QuantileMethod> {
        let index = usize::from(number).checked_sub(1)?;
        QuantileMethod::ALL.get(index).copied()
    }

    /// numpy's name for the method, as accepted by `numpy.quantile(method=...)`.
    pub fn numpy_name(self) -> &'static str {
        match self {
            QuantileMethod::InvertedCdf => "inverted_cdf",
            QuantileMethod::AveragedInvertedCdf => "averaged_inverted_cdf",
            QuantileMethod::ClosestObservation => "closest_observation",
            QuantileMethod::InterpolatedInvertedCdf => "interpolated_inverted_cdf",
            QuantileMethod::Hazen => "hazen",
            QuantileMethod::Weibull => "weibull",
            QuantileMethod::Linear => "linear",
            QuantileMethod::MedianUnbiased => "median_unbiased",
            QuantileMethod::NormalUnbiased => "normal_unbiased",
        }
    }
}

impl fmt::Display for QuantileMethod {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(self.numpy_name())
    }
}

impl FromStr for QuantileMethod {
    type Err = StatsError;

    /// Parses a numpy name (`"linear"`, `"median_unbiased"`, ...), or a Hyndman & Fan
    /// type as `"7"` or `"type7"`.
    fn from_str(name: &str) -> Result<Self, Self::Err> {
        let trimmed = name.trim();
        let number = trimmed.strip_prefix("type").unwrap_or(trimmed);
        let by_number = number
            .parse::<u8>()
            .ok()
            .and_then(QuantileMethod::from_hyndman_fan_type);
        by_number
            .or_else(|| {
                QuantileMethod::ALL
                    .into_iter()
                    .find(|method| method.numpy_name() == trimmed)
            })
            .ok_or_else(|| StatsError::UnknownQuantileMethod {
                name: name.to_owned(),
            })
    }
}

/// Where a quantile lies in the sorted sample: two order statistics (zero-based) and the
/// weight of the upper one. Discrete methods use `lower == upper`.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Position {
    lower: usize,
    upper: usize,
    weight: f64,
}

/// numpy's `_compute_virtual_index`, kept in the same operation order so results match bit for bit.
fn virtual_index(count: f64, quantile: f64, alpha: f64, beta: f64) -> f64 {
    count * quantile + (alpha + quantile * (1.0 - alpha - beta)) - 1.0
}

/// The position of a discrete (non-interpolating) quantile: `previous` when `take_previous` says so.
fn discrete_position(
    index: f64,
    count: usize,
    take_previous: impl Fn(f64, f64) -> bool,
) -> Position {
    let previous = index.floor();
    let fraction = index - previous;
    let chosen = if take_previous(fraction, index) {
        previous
    } else {
        previous + 1.0
    };
    // The float-to-usize cast saturates: negative indices become 0.
    let chosen = (chosen.max(0.0) as usize).min(count - 1);
    Position {
        lower: chosen,
        upper: chosen,
        weight: 0.0,
    }
}

/// The position of an interpolating quantile at zero-based `index`, clamped to the sample.
fn continuous_position(index: f64, count: usize, fix_weight: impl Fn(f64) -> f64) -> Position {
    let last = count - 1;
    if index >= last as f64 {
        return Position {
            lower: last,
            upper: last,
            weight: 0.0,
        };
    }
    if index < 0.0 {
        return Position {
            lower: 0,
            upper: 0,
            weight: 0.0,
        };
    }
    let previous = index.floor();
    let lower = previous as usize;
    Position {
        lower,
        upper: lower + 1,
        weight: fix_weight(index - previous),
    }
}

/// Where the `quantile` of a sample of `count` values lies. `count` must be at least 1 and
/// `quantile` in `[0, 1]`.
fn position(method: QuantileMethod, count: usize, quantile: f64) -> Position {
    let n = count as f64;
    let identity = |weight: f64| weight;
    match method {
        QuantileMethod::InvertedCdf => {
            discrete_position(n * quantile - 1.0, count, |fraction, _| fraction == 0.0)
        }
        QuantileMethod::ClosestObservation => {
            // Ties go to the even order statistic (one-based), i.e. the odd zero-based index.
            discrete_position(n * quantile - 1.0 - 0.5, count, |fraction, index| {
                fraction == 0.0 && index.floor().rem_euclid(2.0) == 1.0
            })
        }
        QuantileMethod::AveragedInvertedCdf => {
            continuous_position(n * quantile - 1.0, count, |fraction| {
                if fraction == 0.0 { 0.5 } else { 1.0 }
            })
        }
        QuantileMethod::InterpolatedInvertedCdf => {
            continuous_position(virtual_index(n, quantile, 0.0, 1.0), count, identity)
        }
        QuantileMethod::Hazen => {
            continuous_position(virtual_index(n, quantile, 0.5, 0.5), count, identity)
        }
        QuantileMethod::Weibull => {
            continuous_position(virtual_index(n, quantile, 0.0, 0.0), count, identity)
        }
        QuantileMethod::Linear => continuous_position((n - 1.0) * quantile, count, identity),
        QuantileMethod::MedianUnbiased => continuous_position(
            virtual_index(n, quantile, 1.0 / 3.0, 1.0 / 3.0),
            count,
            identity,
        ),
        QuantileMethod::NormalUnbiased => continuous_position(
            virtual_index(n, quantile, 3.0 / 8.0, 3.0 / 8.0),
            count,
            identity,
        ),
    }
}

/// Linear interpolation in numpy's form, which is exact at both ends.
fn interpolate(lower: f64, upper: f64, weight: f64) -> f64 {
    let difference = upper - lower;
    if !difference.is_finite() {
        // Only for values near f64::MAX of opposite signs: avoid the overflowing difference.
        return lower * (1.0 - weight) + upper * weight;
    }
    if weight >= 0.5 {
        upper - difference * (1.0 - weight)
    } else {
        lower + difference * weight
    }
}

/// Rearranges `data` so that every index in `wanted` (sorted, distinct, in bounds) holds the
/// order statistic of that rank, like a full sort would, in `O(n log |wanted|)` time.
pub(crate) fn select_order_statistics(data: &mut [f64], wanted: &[usize], offset: usize) {
    let Some(middle) = wanted.len().checked_sub(1).map(|last| last / 2) else {
        return;
    };
    let rank = wanted[middle] - offset;
    // Callers have rejected NaN, so `partial_cmp` is total here and cheaper than `total_cmp`.
    let (left, _, right) =
        data.select_nth_unstable_by(rank, |a, b| a.partial_cmp(b).unwrap_or(Ordering::Equal));
    // A neighbour of a selected rank is the extreme of its side: one scan instead of a selection.
    match wanted[..middle].split_last() {
        Some((&last, rest)) if last + 1 == wanted[middle] => {
            if let Some(last_slot) = left.len().checked_sub(1) {
                move_extreme_to(left, last_slot, |a, b| a > b);
                select_order_statistics(&mut left[..last_slot], rest, offset);
            }
        }
        _ => select_order_statistics(left, &wanted[..middle], offset),
    }
    let right_offset = wanted[middle] + 1;
    match wanted[middle + 1..].split_first() {
        Some((&first, rest)) if first == right_offset => {
            if !right.is_empty() {
                move_extreme_to(right, 0, |a, b| a < b);
                select_order_statistics(&mut right[1..], rest, right_offset + 1);
            }
        }
        _ => select_order_statistics(right, &wanted[middle + 1..], right_offset),
    }
}

/// Swaps the most extreme value of `data` (by `better`) into position `target`.
fn move_extreme_to(data: &mut [f64], target: usize, better: impl Fn(f64, f64) -> bool) {
    if target >= data.len() {
        return;
    }
    let mut best = target;
    for (index, &value) in data.iter().enumerate() {
        if better(value, data[best]) {
            best = index;
        }
    }
    data.swap(best, target);
}

/// Several quantiles of `data`, rearranging it in place (no copy, no full sort).
///
/// Returns one value per entry of `quantiles`, in the same order. Costs `O(n log k)` for
/// `k` quantiles by chaining `select_nth_unstable`; `data` is left partially ordered.
///
/// # Errors
/// [`StatsError::EmptyInput`] for an empty `data`, [`StatsError::NotFinite`] if it holds a NaN or
/// an infinity, [`StatsError::QuantileOutOfRange`] for a probability outside `[0, 1]`.
pub fn quantiles_in_place(
    data: &mut [f64],
    quantiles: &[f64],
    method: QuantileMethod,
) -> Result<Vec<f64>, StatsError> {
    check_sample(data, "sample")?;
    for &quantile in quantiles {
        check_quantile(quantile)?;
    }
    Ok(quantiles_of_checked(data, quantiles, method))
}

/// [`quantiles_in_place`] for input already known to be non-empty, finite and with valid probabilities.
pub(crate) fn quantiles_of_checked(
    data: &mut [f64],
    quantiles: &[f64],
    method: QuantileMethod,
) -> Vec<f64> {
    let positions = QuantilePositions::new(data.len(), quantiles, method);
    let wanted = positions.ranks(&[]);
    select_order_statistics(data, &wanted, 0);
    positions.values(data)
}

/// Where some quantiles of a sample of a given size lie, before any value is looked at: the
/// order statistics (zero-based ranks) they need, and how to read them off once those ranks hold
/// their order statistics (after a selection, or in a sorted sample).
pub(crate) struct QuantilePositions {
    positions: Vec<Position>,
}

impl QuantilePositions {
    /// `count` at least 1, every quantile in `[0, 1]`.
    pub(crate) fn new(count: usize, quantiles: &[f64], method: QuantileMethod) -> Self {
        QuantilePositions {
            positions: quantiles
                .iter()
                .map(|&quantile| position(method, count, quantile))
                .collect(),
        }
    }

    /// The ranks the quantiles need and the `extra` ones, sorted and distinct.
    pub(crate) fn ranks(&self, extra: &[usize]) -> Vec<usize> {
        let mut wanted: Vec<usize> = self
            .positions
            .iter()
            .flat_map(|position| [position.lower, position.upper])
            .chain(extra.iter().copied())
            .collect();
        wanted.sort_unstable();
        wanted.dedup();
        wanted
    }

    /// The quantiles, from `data` whose needed ranks hold their order statistics.
    pub(crate) fn values(&self, data: &[f64]) -> Vec<f64> {
        self.positions
            .iter()
            .map(|position| {
                interpolate(data[position.lower], data[position.upper], position.weight)
            })
            .collect()
    }
}

/// Several quantiles of `sorted`, a sample already sorted ascending: read off by index, with no
/// copy and no selection, so a sample sorted once serves every judge. The values are those of
/// [`quantiles`] on the same sample.
///
/// ```
/// use perf_stats::{QuantileMethod, quantiles, quantiles_sorted};
/// let sorted = [11.0, 12.0, 14.0, 15.0, 30.0];
/// let values = quantiles_sorted(&sorted, &[0.5, 0.95], QuantileMethod::Linear)?;
/// assert_eq!(values, quantiles(&[12.0, 15.0, 11.0, 30.0, 14.0], &[0.5, 0.95], QuantileMethod::Linear)?);
/// # Ok::<(), perf_stats::StatsError>(())
/// ```
///
/// # Errors
/// As [`quantiles_in_place`], and [`StatsError::NotMonotonic`] when `sorted` is not ascending.
pub fn quantiles_sorted(
    sorted: &[f64],
    quantiles: &[f64],
    method: QuantileMethod,
) -> Result<Vec<f64>, StatsError> {
    check_sample(sorted, "sample")?;
    for &quantile in quantiles {
        check_quantile(quantile)?;
    }
    check_ascending(sorted)?;
    Ok(QuantilePositions::new(sorted.len(), quantiles, method).values(sorted))
}

/// [`StatsError::NotMonotonic`] naming the first pair of `values` out of ascending order.
pub(crate) fn check_ascending(values: &[f64]) -> Result<(), StatsError> {
    match values.windows(2).position(|pair| pair[0] > pair[1]) {
        None => Ok(()),
        Some(index) => Err(StatsError::NotMonotonic {
            lower_name: format!("value {index}"),
            lower_value: values[index],
            higher_name: format!("value {}", index + 1),
            higher_value: values[index + 1],
        }),
    }
}

/// One quantile of `data`, rearranging it in place (see [`quantiles_in_place`]).
///
/// # Errors
/// As [`quantiles_in_place`].
pub fn quantile_in_place(
    data: &mut [f64],
    quantile: f64,
    method: QuantileMethod,
) -> Result<f64, StatsError> {
    let values = quantiles_in_place(data, &[quantile], method)?;
    Ok(values[0])
}

/// Several quantiles of `data`, leaving it untouched (works on a copy).
///
/// ```
/// use perf_stats::{quantiles, QuantileMethod};
/// let latencies_ms = [12.0, 15.0, 11.0, 30.0, 14.0];
/// let values = quantiles(&latencies_ms, &[0.5, 0.95], QuantileMethod::Linear)?;
/// assert_eq!(values[0], 14.0);
/// assert!((values[1] - 26.999999999999996).abs() < 1e-12);
/// # Ok::<(), perf_stats::StatsError>(())
/// ```
///
/// # Errors
/// As [`quantiles_in_place`].
pub fn quantiles(
    data: &[f64],
    quantiles: &[f64],
    method: QuantileMethod,
) -> Result<Vec<f64>, StatsError> {
    quantiles_in_place(&mut data.to_vec(), quantiles, method)
}

/// One quantile of `data`, leaving it untouched (works on a copy).
///
/// ```
/// use perf_stats::{quantile, QuantileMethod};
/// assert_eq!(quantile(&[1.0, 2.0, 3.0, 4.0], 0.5, QuantileMethod::default())?, 2.5);
/// assert_eq!(quantile(&[1.0, 2.0, 3.0, 4.0], 0.5, QuantileMethod::InvertedCdf)?, 2.0);
/// # Ok::<(), perf_stats::StatsError>(())
/// ```
///
/// # Errors
/// As [`quantiles_in_place`].
pub fn quantile(data: &[f64], quantile: f64, method: QuantileMethod) -> Result<f64, StatsError> {
    let values = quantiles(data, &[quantile], method)?;
    Ok(values[0])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_numpy_names_and_type_numbers() {
        assert_eq!(
            "linear".parse::<QuantileMethod>().unwrap(),
            QuantileMethod::Linear
        );
        assert_eq!(
            "8".parse::<QuantileMethod>().unwrap(),
            QuantileMethod::MedianUnbiased
        );
        assert_eq!(
            "type1".parse::<QuantileMethod>().unwrap(),
            QuantileMethod::InvertedCdf
        );
        assert!(matches!(
            "nearest".parse::<QuantileMethod>(),
            Err(StatsError::UnknownQuantileMethod { .. })
        ));
        for method in QuantileMethod::ALL {
            assert_eq!(
                QuantileMethod::from_hyndman_fan_type(method.hyndman_fan_type()),
                Some(method)
            );
            assert_eq!(
                method.to_string().parse::<QuantileMethod>().unwrap(),
                method
            );
        }
        assert_eq!(QuantileMethod::from_hyndman_fan_type(0), None);
        assert_eq!(QuantileMethod::from_hyndman_fan_type(10), None);
    }

    #[test]
    fn default_is_type_seven() {
        assert_eq!(QuantileMethod::default().hyndman_fan_type(), 7);
    }

    #[test]
    fn rejects_bad_input() {
        assert_eq!(
            quantile(&[], 0.5, QuantileMethod::Linear),
            Err(StatsError::EmptyInput { what: "sample" })
        );
        assert!(matches!(
            quantile(&[1.0, f64::NAN], 0.5, QuantileMethod::Linear),
            Err(StatsError::NotFinite { index: 1, .. })
        ));
        assert!(matches!(
            quantile(&[1.0, f64::INFINITY], 0.5, QuantileMethod::Linear),
            Err(StatsError::NotFinite { index: 1, .. })
        ));
        assert_eq!(
            quantile(&[1.0], 1.5, QuantileMethod::Linear),
            Err(StatsError::QuantileOutOfRange { quantile: 1.5 })
        );
        assert!(matches!(
            quantile(&[1.0], f64::NAN, QuantileMethod::Linear),
            Err(StatsError::QuantileOutOfRange { .. })
        ));
    }

    #[test]
    fn selection_matches_sorting_for_many_ranks() {
        let data: Vec<f64> = (0..1000).map(|i| ((i * 7919) % 1009) as f64).collect();
        let mut sorted = data.clone();
        sorted.sort_by(f64::total_cmp);
        for wanted in [
            vec![0, 1, 2, 3],
            vec![10, 11, 500, 501, 998, 999],
            vec![999],
            vec![0, 999],
        ] {
            let mut copy = data.clone();
            select_order_statistics(&mut copy, &wanted, 0);
            for &rank in &wanted {
                assert_eq!(copy[rank], sorted[rank], "rank {rank} of {wanted:?}");
            }
        }
    }

    #[test]
    fn single_value_is_every_quantile() {
        for method in QuantileMethod::ALL {
            for q in [0.0, 0.3, 0.5, 1.0] {
                assert_eq!(quantile(&[4.5], q, method).unwrap(), 4.5, "{method} at {q}");
            }
        }
    }

    #[test]
    fn in_place_agrees_with_copying_version() {
        let data = [5.0, 1.0, 4.0, 2.0, 3.0, 9.0, 0.5];
        let expected = quantiles(&data, &[0.1, 0.5, 0.99], QuantileMethod::Hazen).unwrap();
        let mut copy = data;
        let got = quantiles_in_place(&mut copy, &[0.1, 0.5, 0.99], QuantileMethod::Hazen).unwrap();
        assert_eq!(got, expected);
        assert_eq!(
            quantile_in_place(&mut copy, 0.5, QuantileMethod::Hazen).unwrap(),
            expected[1]
        );
    }
}
