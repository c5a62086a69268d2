//! The distributions behind the exports' numbers and pictures: per group, what the current run
//! measured (outcome counts, sum, count, summary quantiles, an ECDF) and the baseline's ECDF.
//!
//! They are computed once, by [`Report::with_distributions`](crate::Report::with_distributions),
//! with the report's quantile method, and are not part of the JSON report (whose schema they
//! would multiply by the number of knots): a report read back from JSON has none.

use std::collections::{BTreeMap, BTreeSet};

use perf_baseline::Baseline;
use perf_record::{GroupData, GroupKey, OutcomeCounts};
use perf_stats::{QuantileMethod, StatsError, SummaryConfig};
use rayon::prelude::*;

/// The quantiles every exported latency summary has: 0 (the minimum), 0.5, 0.9, 0.95, 0.99,
/// 0.999 and 1 (the maximum), as probabilities.
pub const SUMMARY_QUANTILES: [f64; 7] = [0.0, 0.5, 0.9, 0.95, 0.99, 0.999, 1.0];

/// How many knots an ECDF keeps at most: enough for a smooth curve at report width, and a
/// few kilobytes of SVG per group however many samples it has.
pub const MAX_KNOTS: usize = 128;

/// One point of an empirical distribution function: `cumulative` of the sample is at or below
/// `value_ms`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Knot {
    /// A latency of the sample, ms (an order statistic, never an interpolated value).
    pub value_ms: f64,
    /// The fraction of the sample at or below it, in `(0, 1]`.
    pub cumulative: f64,
}

/// An empirical distribution function, down-sampled to at most [`MAX_KNOTS`] quantile knots.
///
/// The knots are order statistics at evenly spaced ranks, and always include the exact
/// minimum and maximum; when the sample has no more values than knots, every value is a knot
/// and the ECDF is exact.
#[derive(Debug, Clone, PartialEq)]
pub struct Ecdf {
    knots: Vec<Knot>,
    exact: bool,
    sample_count: u64,
}

impl Ecdf {
    /// The ECDF of a sample of `sample_count` values, given by `points`: ascending order
    /// statistics at ranks `round(i * (sample_count - 1) / (points.len() - 1))` (every value when
    /// `points.len() == sample_count`, as a baseline stores them). `None` for no points.
    pub fn of_order_statistics(
        points: &[f64],
        sample_count: u64,
        max_knots: usize,
    ) -> Option<Ecdf> {
        let last_point = points.len().checked_sub(1)?;
        let sample_count = sample_count.max(points.len() as u64);
        let knot_count = points.len().min(max_knots.max(2));
        let rank_of_point = |index: usize| -> u64 {
            if last_point == 0 {
                sample_count - 1
            } else {
                (index as f64 * (sample_count - 1) as f64 / last_point as f64).round() as u64
            }
        };
        let knots = (0..knot_count)
            .map(|knot| {
                let index = if knot_count == 1 {
                    last_point
                } else {
                    (knot as f64 * last_point as f64 / (knot_count - 1) as f64).round() as usize
                };
                Knot {
                    value_ms: points[index],
                    cumulative: (rank_of_point(index) + 1) as f64 / sample_count as f64,
                }
            })
            .collect();
        Some(Ecdf {
            knots,
            exact: knot_count as u64 == sample_count,
            sample_count,
        })
    }

    /// The knots, ascending in value and in cumulative fraction.
    pub fn knots(&self) -> &[Knot] {
        &self.knots
    }

    /// Whether every value of the sample is a knot (otherwise the knots are quantiles of it).
    pub fn is_exact(&self) -> bool {
        self.exact
    }

    /// How many values the sample had.
    pub fn sample_count(&self) -> u64 {
        self.sample_count
    }
}

/// The latencies of one group in the current run.
#[derive(Debug, Clone, PartialEq)]
pub struct LatencyDistribution {
    count: u64,
    sum_ms: f64,
    quantiles: Vec<(f64, f64)>,
    ecdf: Ecdf,
}

impl LatencyDistribution {
    /// The distribution of a group's latencies with `method`'s quantiles (`None` without
    /// latencies): what [`Report::with_distributions`](crate::Report::with_distributions)
    /// computes for each current group. Latencies that come sorted are read in place.
    ///
    /// # Errors
    /// A latency that is not finite.
    pub fn of(latencies_ms: &[f64], method: QuantileMethod) -> Result<Option<Self>, StatsError> {
        if latencies_ms.is_empty() {
            return Ok(None);
        }
        // One sorted sample serves the summary (its sum in sorted order, its quantiles read off
        // by index) and the ECDF.
        let sorted: std::borrow::Cow<'_, [f64]> = if perf_stats::is_sorted_total(latencies_ms) {
            std::borrow::Cow::Borrowed(latencies_ms)
        } else {
            std::borrow::Cow::Owned(perf_stats::sorted_total(latencies_ms.to_vec()))
        };
        let config = SummaryConfig {
            percentiles: SUMMARY_QUANTILES.iter().map(|q| q * 100.0).collect(),
            method,
        };
        let summary = perf_stats::summarize_sorted(&sorted, &config)?;
        let quantiles = SUMMARY_QUANTILES
            .iter()
            .zip(&summary.percentiles)
            .map(|(&probability, value)| (probability, value.value))
            .collect();
        let count = sorted.len() as u64;
        let Some(ecdf) = Ecdf::of_order_statistics(&sorted, count, MAX_KNOTS) else {
            return Ok(None);
        };
        Ok(Some(LatencyDistribution {
            count,
            sum_ms: summary.mean * summary.count as f64,
            quantiles,
            ecdf,
        }))
    }

    /// How many latencies (records with a known outcome).
    pub fn count(&self) -> u64 {
        self.count
    }

    /// Their sum, ms.
    pub fn sum_ms(&self) -> f64 {
        self.sum_ms
    }

    /// `(probability, value_ms)` for each of [`SUMMARY_QUANTILES`], with the report's quantile
    /// method.
    pub fn quantiles(&self) -> &[(f64, f64)] {
        &self.quantiles
    }

    /// The empirical distribution function.
    pub fn ecdf(&self) -> &Ecdf {
        &self.ecdf
    }
}

/// One group's distributions: the current run's, and the baseline's when the run was compared
/// with a baseline that has the group.
#[derive(Debug, Clone, PartialEq)]
pub struct GroupDistribution {
    key: GroupKey,
    counts: OutcomeCounts,
    latency: Option<LatencyDistribution>,
    baseline: Option<Ecdf>,
}

impl GroupDistribution {
    /// The group.
    pub fn key(&self) -> &GroupKey {
        &self.key
    }

    /// The current run's records per outcome (all zero when only the baseline has the group).
    pub fn counts(&self) -> &OutcomeCounts {
        &self.counts
    }

    /// The current run's latencies; `None` when it has none.
    pub fn latency(&self) -> Option<&LatencyDistribution> {
        self.latency.as_ref()
    }

    /// The baseline's latencies, from its stored order statistics.
    pub fn baseline(&self) -> Option<&Ecdf> {
        self.baseline.as_ref()
    }
}

/// Why the distributions could not be computed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DistributionError {
    /// A latency that is not finite.
    #[error("cannot compute a latency distribution")]
    Statistics(#[source] StatsError),
    /// A group's samples, spilled to disk beyond the memory limit, could not be read back.
    #[error("{group}: cannot read the group's samples")]
    Load {
        /// The group.
        group: GroupKey,
        /// What went wrong.
        #[source]
        source: perf_record::LoadError,
    },
}

/// The current groups' latency distributions computed beforehand, by group: what
/// [`LatencyDistribution::of`] gave for each group's latencies (computed while another judge
/// had the group loaded and sorted, so that it is not loaded and sorted again).
pub type ComputedLatencies = BTreeMap<GroupKey, ComputedLatency>;

/// One group's [`LatencyDistribution::of`]: its distribution, none without latencies, or why it
/// could not be computed.
pub type ComputedLatency = Result<Option<LatencyDistribution>, StatsError>;

/// Every group of either side, sorted by key; a current group in `computed` is taken from it.
pub(crate) fn distributions<G: GroupData>(
    groups: &BTreeMap<GroupKey, G>,
    baseline: Option<&Baseline>,
    method: QuantileMethod,
    mut computed: ComputedLatencies,
) -> Result<Vec<GroupDistribution>, DistributionError> {
    let baseline_keys = baseline.into_iter().flat_map(|baseline| {
        baseline
            .groups()
            .iter()
            .map(perf_baseline::BaselineGroup::key)
    });
    let keys: BTreeSet<GroupKey> = groups.keys().cloned().chain(baseline_keys).collect();
    let keys: Vec<(GroupKey, Option<ComputedLatency>)> = keys
        .into_iter()
        .map(|key| {
            let done = computed.remove(&key);
            (key, done)
        })
        .collect();
    // In parallel, each worker loading one group's samples at a time; in the keys' order, with
    // the first error in that order.
    keys.into_par_iter()
        .map(|(key, done)| {
            let current = groups.get(&key);
            let baseline = baseline
                .and_then(|baseline| baseline.group(&key))
                .and_then(|group| group.latency.as_ref())
                .and_then(|latency| {
                    Ecdf::of_order_statistics(
                        &latency.order_statistics,
                        latency.sample_count,
                        MAX_KNOTS,
                    )
                });
            // One group's samples loaded at a time (borrowed when they are in memory).
            let latency = match (current, done) {
                (Some(_), Some(done)) => done.map_err(DistributionError::Statistics)?,
                (Some(group), None) => {
                    let samples = group.samples().map_err(|source| DistributionError::Load {
                        group: key.clone(),
                        source,
                    })?;
                    LatencyDistribution::of(&samples.latencies_ms, method)
                        .map_err(DistributionError::Statistics)?
                }
                (None, _) => None,
            };
            Ok(GroupDistribution {
                counts: current.map(GroupData::counts).unwrap_or_default(),
                key,
                latency,
                baseline,
            })
        })
        .collect::<Vec<Result<GroupDistribution, DistributionError>>>()
        .into_iter()
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_small_sample_is_exact() {
        let ecdf = Ecdf::of_order_statistics(&[1.0, 2.0, 2.0, 5.0], 4, MAX_KNOTS).unwrap();
        assert!(ecdf.is_exact());
        let cumulative: Vec<f64> = ecdf.knots().iter().map(|knot| knot.cumulative).collect();
        assert_eq!(cumulative, [0.25, 0.5, 0.75, 1.0]);
    }

    #[test]
    fn a_large_sample_keeps_exact_extremes_and_order_statistics() {
        let values: Vec<f64> = (0..100_000).map(|i| f64::from(i) * 0.5 + 3.0).collect();
        let ecdf = Ecdf::of_order_statistics(&values, 100_000, 128).unwrap();
        assert!(!ecdf.is_exact());
        let knots = ecdf.knots();
        assert_eq!(knots.len(), 128);
        assert_eq!(knots[0].value_ms, 3.0);
        assert_eq!(knots[0].cumulative, 1.0 / 100_000.0);
        assert_eq!(knots[127].value_ms, 3.0 + 99_999.0 * 0.5);
        assert_eq!(knots[127].cumulative, 1.0);
        // Every knot is a value of the sample at its rank.
        for knot in knots {
            let rank = (knot.cumulative * 100_000.0).round() - 1.0;
            assert_eq!(knot.value_ms, rank * 0.5 + 3.0);
        }
    }

    #[test]
    fn order_statistics_of_a_larger_sample_get_their_ranks() {
        // A baseline of 11 latencies stored as 3 order statistics (ranks 0, 5, 10).
        let ecdf = Ecdf::of_order_statistics(&[1.0, 6.0, 11.0], 11, MAX_KNOTS).unwrap();
        assert!(!ecdf.is_exact());
        let cumulative: Vec<f64> = ecdf.knots().iter().map(|knot| knot.cumulative).collect();
        assert_eq!(cumulative, [1.0 / 11.0, 6.0 / 11.0, 1.0]);
        assert!(Ecdf::of_order_statistics(&[], 0, MAX_KNOTS).is_none());
        let single = Ecdf::of_order_statistics(&[4.0], 1, MAX_KNOTS).unwrap();
        assert_eq!(
            single.knots(),
            [Knot {
                value_ms: 4.0,
                cumulative: 1.0
            }]
        );
    }

    #[test]
    fn summaries_use_the_method_and_sum_every_latency() {
        let latency = LatencyDistribution::of(&[4.0, 1.0, 3.0, 2.0], QuantileMethod::Linear)
            .unwrap()
            .unwrap();
        assert_eq!(latency.count(), 4);
        assert_eq!(latency.sum_ms(), 10.0);
        assert_eq!(latency.quantiles()[0], (0.0, 1.0));
        assert_eq!(latency.quantiles()[1], (0.5, 2.5));
        assert_eq!(latency.quantiles()[6], (1.0, 4.0));
        assert!(
            LatencyDistribution::of(&[], QuantileMethod::Linear)
                .unwrap()
                .is_none()
        );
    }
}
