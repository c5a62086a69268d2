//! Seeded simulation of `perf_stats::detect_change_points`: how often it cries wolf on a series
//! with no shift, and how often it finds a real 10% shift after run 20 within one run.
//!
//! One file, two users: `cargo xtask change-points` runs it at scale and prints the table in
//! `perf-stats/README.md`; perf-stats' `tests/change_point_simulation.rs` includes it (with
//! `#[path]`; the generator is `perf_stats::SplitMix64`) and runs a modest version under `cargo test`.

use perf_stats::{ChangePointConfig, StatsError, detect_change_points};

use perf_stats::SplitMix64;

/// Index of the first run at the shifted level: the shift comes after run 20.
pub const SHIFT_AT: usize = 20;
/// The relative size of the simulated shift.
pub const SHIFT: f64 = 0.10;
/// How far from [`SHIFT_AT`] a detected change point may be and still count as found.
pub const SLACK: usize = 1;
/// A looser distance, to tell a shift found a few runs off from one missed.
pub const WIDE_SLACK: usize = 5;

/// One simulated situation: series length, noise and whether the level shifts.
#[derive(Debug, Clone, Copy)]
pub struct Scenario {
    /// Runs per series.
    pub runs: usize,
    /// Coefficient of variation of one run's value (0.02 is 2%).
    pub noise: f64,
    /// Whether the level rises by [`SHIFT`] at [`SHIFT_AT`].
    pub shifted: bool,
}

/// The scenarios of the issue: 30 and 100 runs, 2% and 5% noise, with and without a shift.
pub fn scenarios() -> Vec<Scenario> {
    let mut all = Vec::new();
    for shifted in [false, true] {
        for runs in [30, 100] {
            for noise in [0.02, 0.05] {
                all.push(Scenario {
                    runs,
                    noise,
                    shifted,
                });
            }
        }
    }
    all
}

/// What happened over many series of one scenario.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tally {
    /// Series simulated.
    pub series: usize,
    /// Series with at least one false change point.
    pub series_with_false: usize,
    /// False change points in all: every one without a shift, otherwise those more than
    /// [`SLACK`] runs from [`SHIFT_AT`].
    pub false_points: usize,
    /// Series where a change point was found within [`SLACK`] of [`SHIFT_AT`].
    pub found: usize,
    /// Series where a change point was found within [`WIDE_SLACK`] of [`SHIFT_AT`].
    pub found_wide: usize,
}

impl Tally {
    /// False change points per 100 series.
    pub fn false_per_100(&self) -> f64 {
        self.false_points as f64 * 100.0 / self.series as f64
    }

    /// Fraction of series where the shift was found, in percent.
    pub fn found_percent(&self) -> f64 {
        self.found as f64 * 100.0 / self.series as f64
    }

    /// Fraction of series where the shift was found within [`WIDE_SLACK`], in percent.
    pub fn found_wide_percent(&self) -> f64 {
        self.found_wide as f64 * 100.0 / self.series as f64
    }
}

/// One series: a level of 100 with normal noise, shifted up by [`SHIFT`] from [`SHIFT_AT`].
pub fn series(rng: &mut SplitMix64, scenario: Scenario) -> Vec<f64> {
    (0..scenario.runs)
        .map(|run| {
            let level = if scenario.shifted && run >= SHIFT_AT {
                100.0 * (1.0 + SHIFT)
            } else {
                100.0
            };
            level * (1.0 + scenario.noise * rng.next_normal())
        })
        .collect()
}

/// Runs `count` series of `scenario` from `seed` through the detector.
///
/// # Errors
/// Those of [`detect_change_points`] (none for valid settings).
pub fn simulate(
    scenario: Scenario,
    count: usize,
    seed: u64,
    config: &ChangePointConfig,
) -> Result<Tally, StatsError> {
    let mut rng = SplitMix64::seeded(seed);
    let mut tally = Tally {
        series: count,
        ..Tally::default()
    };
    for _ in 0..count {
        let values = series(&mut rng, scenario);
        let points = detect_change_points(&values, &[], config)?;
        let near_shift = |index: usize| scenario.shifted && index.abs_diff(SHIFT_AT) <= SLACK;
        let false_points = points
            .iter()
            .filter(|point| !near_shift(point.index))
            .count();
        tally.false_points += false_points;
        tally.series_with_false += usize::from(false_points > 0);
        tally.found += usize::from(points.iter().any(|point| near_shift(point.index)));
        tally.found_wide += usize::from(
            scenario.shifted
                && points
                    .iter()
                    .any(|point| point.index.abs_diff(SHIFT_AT) <= WIDE_SLACK),
        );
    }
    Ok(tally)
}
