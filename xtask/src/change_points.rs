//! `cargo xtask change-points`: the seeded change-point simulation at scale, printed as the
//! Markdown table kept in `perf-stats/README.md`.

use std::time::Instant;

use anyhow::Result;
use perf_stats::ChangePointConfig;

use crate::change_point_simulation::{SHIFT, SHIFT_AT, SLACK, WIDE_SLACK, scenarios, simulate};

/// Settings of the simulation run. The false change points of a shifted series are those more
/// than one run from the shift, so a shift found two runs off counts as missed *and* false.
#[derive(Debug, clap::Args)]
pub struct ChangePointArgs {
    /// Series per scenario.
    #[arg(long, default_value_t = 1000)]
    pub series: usize,
    /// Seed of the first scenario (each scenario adds its position).
    #[arg(long, default_value_t = 0x5EED_C0DE)]
    pub seed: u64,
    /// Also run Otava's defaults (no magnitude floor, no minimum segment) for comparison.
    #[arg(long)]
    pub otava: bool,
    /// Significance threshold (default: `ChangePointConfig::default()`).
    #[arg(long)]
    pub max_p_value: Option<f64>,
    /// Magnitude floor, a fraction (default: `ChangePointConfig::default()`).
    #[arg(long)]
    pub min_magnitude: Option<f64>,
    /// Minimum segment length (default: `ChangePointConfig::default()`).
    #[arg(long)]
    pub min_segment: Option<usize>,
    /// Window length (default: `ChangePointConfig::default()`).
    #[arg(long)]
    pub window: Option<usize>,
}

/// Runs every scenario under the chosen settings (and Otava's with `--otava`) and prints a table.
pub fn run(args: &ChangePointArgs) -> Result<()> {
    let defaults = ChangePointConfig::default();
    let ours = ChangePointConfig {
        max_p_value: args.max_p_value.unwrap_or(defaults.max_p_value),
        min_magnitude: args.min_magnitude.unwrap_or(defaults.min_magnitude),
        min_segment: args.min_segment.unwrap_or(defaults.min_segment),
        window: args.window.unwrap_or(defaults.window),
    };
    let mut configs = vec![("perf-gate", ours)];
    if args.otava {
        let otava = ChangePointConfig {
            max_p_value: 0.001,
            min_magnitude: 0.0,
            min_segment: 1,
            window: 50,
        };
        configs.push(("Otava defaults", otava));
    }
    println!(
        "{} series per scenario, seed {:#x}; shift +{:.0}% from run index {SHIFT_AT}, found = a change point within +/-{SLACK} run",
        args.series,
        args.seed,
        SHIFT * 100.0
    );
    for (name, config) in &configs {
        println!(
            "{name}: max_p_value {}, min_magnitude {}, min_segment {}, window {}",
            config.max_p_value, config.min_magnitude, config.min_segment, config.window
        );
    }
    println!();
    println!(
        "| settings | runs | noise (CV) | shift | series with a false change point | false change points per 100 series | shift found within +/-{SLACK} | within +/-{WIDE_SLACK} |"
    );
    println!("|---|---:|---:|---|---:|---:|---:|---:|");
    let started = Instant::now();
    for (name, config) in &configs {
        for (position, scenario) in scenarios().into_iter().enumerate() {
            let tally = simulate(scenario, args.series, args.seed + position as u64, config)?;
            let (found, found_wide) = if scenario.shifted {
                (
                    format!("{:.1}%", tally.found_percent()),
                    format!("{:.1}%", tally.found_wide_percent()),
                )
            } else {
                ("-".to_owned(), "-".to_owned())
            };
            println!(
                "| {name} | {} | {:.0}% | {} | {:.1}% | {:.1} | {found} | {found_wide} |",
                scenario.runs,
                scenario.noise * 100.0,
                if scenario.shifted { "+10%" } else { "none" },
                tally.series_with_false as f64 * 100.0 / tally.series as f64,
                tally.false_per_100(),
            );
        }
    }
    eprintln!("simulated in {:.1} s", started.elapsed().as_secs_f64());
    Ok(())
}
