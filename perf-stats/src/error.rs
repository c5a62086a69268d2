//! The one error type of this crate.

/// Everything that can go wrong when computing a statistic.
///
/// Each variant carries the offending value so that a caller can report it without
/// re-deriving context. No function of this crate panics on bad input: it returns one of these.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum StatsError {
    /// The input sample has no values.
    #[error("{what} is empty: at least one value is needed")]
    EmptyInput {
        /// Which input was empty, e.g. `"sample"`, `"baseline sample"`.
        what: &'static str,
    },
    /// A value is NaN or infinite.
    #[error("value {value} at index {index} is not a finite number")]
    NotFinite {
        /// Zero-based position of the value in the input slice.
        index: usize,
        /// The offending value (NaN, `inf` or `-inf`).
        value: f64,
    },
    /// A quantile probability is outside `[0, 1]` (or NaN).
    #[error("quantile {quantile} is outside [0, 1]")]
    QuantileOutOfRange {
        /// The offending probability.
        quantile: f64,
    },
    /// A percentile is outside `[0, 100]` (or NaN).
    #[error("percentile {percent} is outside [0, 100]")]
    PercentileOutOfRange {
        /// The offending percentile, in percent.
        percent: f64,
    },
    /// A confidence level is not strictly between 0 and 1.
    #[error("confidence level {confidence} is not strictly between 0 and 1")]
    ConfidenceOutOfRange {
        /// The offending confidence level.
        confidence: f64,
    },
    /// A distribution-free interval does not exist for the 0 or 1 quantile (the minimum or maximum).
    #[error(
        "a distribution-free confidence interval needs a quantile strictly between 0 and 1, got {quantile}"
    )]
    ExtremeQuantileInterval {
        /// The offending probability.
        quantile: f64,
    },
    /// The sample is too small for the requested test or interval.
    #[error("{what} needs at least {needed} values, got {got}")]
    TooFewSamples {
        /// The test or interval that was requested.
        what: &'static str,
        /// The smallest sample size that works.
        needed: usize,
        /// The sample size that was given.
        got: usize,
    },
    /// The exact Mann-Whitney distribution assumes no ties, but the samples have some.
    #[error(
        "the exact Mann-Whitney U test assumes no ties, but the samples share equal values; use the asymptotic method"
    )]
    ExactTestWithTies,
    /// The exact Mann-Whitney distribution would cost too much to compute for these sizes.
    #[error(
        "the exact Mann-Whitney U distribution for sizes {first} and {second} is too costly (product must be at most {limit}); use the asymptotic method"
    )]
    ExactTestTooLarge {
        /// Size of the first sample.
        first: usize,
        /// Size of the second sample.
        second: usize,
        /// The largest supported product of the two sizes.
        limit: usize,
    },
    /// Both samples are constant, so a test statistic is undefined.
    #[error("both samples have zero variance: the {what} statistic is undefined")]
    ZeroVariance {
        /// The test that was requested.
        what: &'static str,
    },
    /// A relative change is undefined because the baseline quantile (or its lower bound) is not positive.
    #[error(
        "the baseline quantile's lower confidence bound is {value}; a relative change needs a positive baseline"
    )]
    NonPositiveBaseline {
        /// The offending baseline value.
        value: f64,
    },
    /// A p-value is outside `[0, 1]` (or NaN).
    #[error("p-value {value} at index {index} is outside [0, 1]")]
    PValueOutOfRange {
        /// Zero-based position of the p-value.
        index: usize,
        /// The offending value.
        value: f64,
    },
    /// A name does not match any quantile method.
    #[error(
        "unknown quantile method {name:?}: use a numpy name such as \"linear\" or a Hyndman-Fan type \"1\"..\"9\""
    )]
    UnknownQuantileMethod {
        /// The name that was given.
        name: String,
    },
    /// A sketch was configured with values it cannot honour.
    #[error("invalid sketch configuration: {reason}")]
    InvalidSketchConfig {
        /// Why the configuration is invalid.
        reason: String,
    },
    /// A value cannot be recorded in a sketch (negative, or beyond what the sketch can represent).
    #[error("value {value} cannot be recorded in the sketch: {reason}")]
    SketchValueOutOfRange {
        /// The offending value.
        value: f64,
        /// Why it cannot be recorded.
        reason: &'static str,
    },
    /// Two sketches with different settings cannot be merged.
    #[error("sketches cannot be merged: {reason}")]
    IncompatibleSketches {
        /// Why they cannot be merged.
        reason: String,
    },
    /// A proportion's count of events is larger than its number of trials.
    #[error("{events} events out of {trials} trials: events cannot exceed trials")]
    EventsExceedTrials {
        /// The number of events (e.g. errors).
        events: u64,
        /// The number of trials (e.g. records with a known outcome).
        trials: u64,
    },
    /// A change-point detection was configured with values it cannot honour.
    #[error("invalid change-point configuration: {reason}")]
    InvalidChangePointConfig {
        /// Why the configuration is invalid.
        reason: String,
    },
    /// A forced segment boundary does not fall strictly inside the series.
    #[error(
        "forced boundary {index} is outside 1..{length}: a boundary is the index of the first value of a new segment"
    )]
    BoundaryOutOfRange {
        /// The offending boundary.
        index: usize,
        /// The length of the series.
        length: usize,
    },
    /// A value that cannot be negative is.
    #[error("{what} needs values >= 0, got {value}")]
    NegativeValue {
        /// The test that was requested.
        what: &'static str,
        /// The offending value.
        value: f64,
    },
    /// A summary's percentiles are not in increasing order.
    #[error(
        "not monotonic: {lower_name} = {lower_value} is greater than {higher_name} = {higher_value}"
    )]
    NotMonotonic {
        /// Name of the statistic that should be the smaller one, e.g. `"p95"`.
        lower_name: String,
        /// Its value.
        lower_value: f64,
        /// Name of the statistic that should be the larger one, e.g. `"p99"`.
        higher_name: String,
        /// Its value.
        higher_value: f64,
    },
}

/// Whether `test` holds for every value: the values are tested in chunks of 64 without an early
/// exit inside one, so that the test vectorizes (a check of every latency of a group before it
/// is sorted or judged). Find the value that fails, if one does, with an ordinary search.
///
/// ```
/// assert!(perf_stats::all_values(&[0.0, 1.5, 2.0], |ms| ms.is_finite() && ms >= 0.0));
/// assert!(!perf_stats::all_values(&[0.0, f64::NAN], f64::is_finite));
/// ```
pub fn all_values(values: &[f64], test: impl Fn(f64) -> bool) -> bool {
    values
        .chunks(64)
        .all(|chunk| chunk.iter().fold(true, |all, &value| all & test(value)))
}

/// Checks that every value of `sample` is finite, naming the first one that is not.
pub(crate) fn check_finite(sample: &[f64]) -> Result<(), StatsError> {
    // The position is searched only when there is a value to name.
    if all_values(sample, f64::is_finite) {
        return Ok(());
    }
    match sample.iter().position(|value| !value.is_finite()) {
        Some(index) => Err(StatsError::NotFinite {
            index,
            value: sample[index],
        }),
        None => Ok(()),
    }
}

/// Checks that `sample` is non-empty and finite.
pub(crate) fn check_sample(sample: &[f64], what: &'static str) -> Result<(), StatsError> {
    if sample.is_empty() {
        return Err(StatsError::EmptyInput { what });
    }
    check_finite(sample)
}

/// Checks that `quantile` is in `[0, 1]`.
pub(crate) fn check_quantile(quantile: f64) -> Result<(), StatsError> {
    if (0.0..=1.0).contains(&quantile) {
        Ok(())
    } else {
        Err(StatsError::QuantileOutOfRange { quantile })
    }
}

/// Checks that `confidence` is strictly between 0 and 1.
pub(crate) fn check_confidence(confidence: f64) -> Result<(), StatsError> {
    if confidence > 0.0 && confidence < 1.0 {
        Ok(())
    } else {
        Err(StatsError::ConfidenceOutOfRange { confidence })
    }
}
