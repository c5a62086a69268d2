//! The statistics evaluation needs, all from perf-stats.
//!
//! TEMPORARY: a stand-in until the perf-stats API is merged; replaced by calls into perf-stats.

/// What can go wrong computing a statistic.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{0}")]
pub struct StatsError(String);

fn check(data: &[f64]) -> Result<Vec<f64>, StatsError> {
    if data.is_empty() {
        return Err(StatsError("empty".to_owned()));
    }
    if let Some(index) = data.iter().position(|value| !value.is_finite()) {
        return Err(StatsError(format!(
            "value at index {index} is not a finite number"
        )));
    }
    let mut sorted = data.to_vec();
    sorted.sort_by(f64::total_cmp);
    Ok(sorted)
}

pub(crate) fn quantiles(
    data: &[f64],
    probabilities: &[f64],
    _method: u8,
) -> Result<Vec<f64>, StatsError> {
    let sorted = check(data)?;
    Ok(probabilities
        .iter()
        .map(|p| {
            let h = (sorted.len() - 1) as f64 * p;
            let lo = h.floor() as usize;
            let hi = (lo + 1).min(sorted.len() - 1);
            sorted[lo] + (h - lo as f64) * (sorted[hi] - sorted[lo])
        })
        .collect())
}

pub(crate) fn mean(data: &[f64]) -> Result<f64, StatsError> {
    let sorted = check(data)?;
    Ok(sorted.iter().sum::<f64>() / sorted.len() as f64)
}

pub(crate) fn min(data: &[f64]) -> Result<f64, StatsError> {
    Ok(check(data)?[0])
}

pub(crate) fn max(data: &[f64]) -> Result<f64, StatsError> {
    let sorted = check(data)?;
    Ok(sorted[sorted.len() - 1])
}

pub(crate) fn quantile_interval(
    data: &[f64],
    p: f64,
    _level: f64,
    _method: u8,
) -> Option<(f64, f64)> {
    let sorted = check(data).ok()?;
    let n = sorted.len() as f64;
    let half = 1.959964 * (n * p * (1.0 - p)).sqrt();
    let lo = (n * p - half).floor();
    let hi = (n * p + half).ceil();
    if lo < 1.0 || hi > n || p <= 0.0 || p >= 1.0 {
        return None;
    }
    Some((sorted[lo as usize - 1], sorted[hi as usize - 1]))
}
