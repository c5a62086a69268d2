//! Seeded simulation, modest size (200 series per scenario): the detector does not cry wolf on
//! series without a shift, and finds a 10% shift after run 20 within one run. The larger run is
//! `cargo xtask change-points` (the same code, `xtask/src/change_point_simulation.rs`, and the
//! same seeds: these series are the first 200 of its 1000), whose table is in the README.
#![allow(
    clippy::expect_used,
    reason = "the default settings are valid; an error should stop the test with a message"
)]

#[allow(dead_code, reason = "shared with xtask")]
#[path = "../../xtask/src/change_point_simulation.rs"]
mod simulation;

use perf_stats::ChangePointConfig;
use simulation::{Tally, scenarios, simulate};

const SERIES: usize = 200;
/// `cargo xtask change-points`' default seed; scenario `i` uses `SEED + i`.
const SEED: u64 = 0x5EED_C0DE;

fn tallies(config: &ChangePointConfig) -> Vec<(simulation::Scenario, Tally)> {
    scenarios()
        .into_iter()
        .enumerate()
        .map(|(position, scenario)| {
            let tally = simulate(scenario, SERIES, SEED + position as u64, config)
                .expect("valid settings and finite series");
            println!("{scenario:?}: {tally:?}");
            (scenario, tally)
        })
        .collect()
}

#[test]
fn defaults_rarely_cry_wolf_and_find_a_ten_percent_shift() {
    for (scenario, tally) in tallies(&ChangePointConfig::default()) {
        let quiet = scenario.noise <= 0.02;
        if scenario.shifted {
            let (within_one, within_five) = if quiet { (99.0, 100.0) } else { (65.0, 88.0) };
            assert!(
                tally.found_percent() >= within_one,
                "{scenario:?}: {tally:?}"
            );
            assert!(
                tally.found_wide_percent() >= within_five,
                "{scenario:?}: {tally:?}"
            );
        } else {
            let allowed = if quiet { 0.5 } else { 5.0 };
            assert!(tally.false_per_100() <= allowed, "{scenario:?}: {tally:?}");
        }
    }
}

#[test]
fn the_floor_and_minimum_segment_cut_otavas_false_alarms() {
    let otava = ChangePointConfig {
        min_magnitude: 0.0,
        min_segment: 1,
        ..ChangePointConfig::default()
    };
    let ours = tallies(&ChangePointConfig::default());
    let theirs = tallies(&otava);
    let false_points = |tallies: &[(simulation::Scenario, Tally)]| -> usize {
        tallies
            .iter()
            .filter(|(scenario, _)| !scenario.shifted)
            .map(|(_, tally)| tally.false_points)
            .sum()
    };
    assert!(
        2 * false_points(&ours) < false_points(&theirs),
        "ours {} vs Otava's defaults {}",
        false_points(&ours),
        false_points(&theirs)
    );
}
