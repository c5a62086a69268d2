//! `cargo xtask coverage [--trials N] [--write]`: the seeded coverage simulation of every interval
//! a report shows, at scale, as the Markdown table of `perf-stats/COVERAGE.md`.

use std::fmt::Write as _;
use std::time::Instant;

use anyhow::Result;
use camino::Utf8Path;

use crate::coverage_simulation::{
    DISTRIBUTIONS, Figure, SIZES, TARGET, cell_seed, coverage, error_rate_coverage,
    error_rate_min_coverage, monte_carlo_floor,
};

/// Settings of the coverage run.
#[derive(Debug, clap::Args)]
pub struct CoverageArgs {
    /// Trials per cell (the bootstrap cells at n = 2,000 run a quarter of them): 10,000 put one
    /// binomial standard error at 0.25 points, so 93% and 92% are four of them apart.
    #[arg(long, default_value_t = 10_000)]
    pub trials: usize,
    /// Seed (each cell derives its own).
    #[arg(long, default_value_t = 0x19_C0FE)]
    pub seed: u64,
    /// Write perf-stats/COVERAGE.md instead of printing.
    #[arg(long)]
    pub write: bool,
}

/// Runs every cell and prints (or writes) the table.
pub fn run(root: &Utf8Path, args: &CoverageArgs) -> Result<()> {
    let started = Instant::now();
    let mut out = String::new();
    writeln!(out, "# Coverage of perf-gate's intervals")?;
    writeln!(out)?;
    writeln!(
        out,
        "Written by `cargo xtask coverage --write` (seed {:#x}, {} trials per cell, {} for the mean \
         at n = 2,000, where every trial bootstraps 1,999 resamples); the same code runs with fewer \
         trials in `perf-stats/tests/coverage.rs`. Nominal level 95%; the target is {:.0}% \
         wherever a report shows the figure. One binomial standard error is about {:.1} points at \
         {} trials. `-` marks a figure the report does not show at that n (no order-statistic \
         interval, or below `min_sample_size` for the change test).",
        args.seed,
        args.trials,
        args.trials / 4,
        TARGET * 100.0,
        100.0 * (0.95_f64 * 0.05 / args.trials as f64).sqrt(),
        args.trials
    )?;
    writeln!(out)?;
    writeln!(
        out,
        "Change rows: two samples of n each, the candidate every value 10% slower (the integer \
         distribution rounds after scaling); each bound of `QuantileChangeTest::bounds(0.05)` is \
         one-sided 95%, so the lower bound covers when it is at most the true change (it decides \
         \"regressed\"), the upper when it is at least (it decides \"improved\")."
    )?;
    writeln!(out)?;
    write!(out, "| interval | distribution |")?;
    for size in SIZES {
        write!(out, " n = {size} |")?;
    }
    writeln!(out)?;
    write!(out, "|---|---|")?;
    for _ in SIZES {
        write!(out, "---:|")?;
    }
    writeln!(out)?;
    let mut short = Vec::new();
    for (figure_index, figure) in Figure::ALL.into_iter().enumerate() {
        for (distribution_index, distribution) in DISTRIBUTIONS.into_iter().enumerate() {
            write!(out, "| {} | {} |", figure.name(), distribution.name())?;
            for size in SIZES {
                let trials = if figure == Figure::Mean && size > 200 {
                    args.trials / 4
                } else {
                    args.trials
                };
                let seed = cell_seed(args.seed, figure_index, distribution_index, size);
                match coverage(figure, distribution, size, trials, seed)? {
                    None => write!(out, " - |")?,
                    Some(covered) => {
                        if covered < TARGET {
                            let evidence = if covered < monte_carlo_floor(trials) {
                                "more than 3 standard errors below the target"
                            } else {
                                "within 3 standard errors of the target"
                            };
                            let error = (covered * (1.0 - covered) / trials as f64).sqrt();
                            short.push(format!(
                                "{} on {} at n = {size}: {:.1}% (standard error {:.2} points, \
                                 {trials} trials, {evidence})",
                                figure.name(),
                                distribution.name(),
                                covered * 100.0,
                                error * 100.0
                            ));
                            write!(out, " **{:.1}%** |", covered * 100.0)?;
                        } else {
                            write!(out, " {:.1}% |", covered * 100.0)?;
                        }
                    }
                }
            }
            writeln!(out)?;
        }
    }
    writeln!(out)?;
    if short.is_empty() {
        writeln!(out, "Every shown figure reaches {:.0}%.", TARGET * 100.0)?;
    } else {
        writeln!(out, "Below {:.0}% (bold above):", TARGET * 100.0)?;
        writeln!(out)?;
        for line in &short {
            writeln!(out, "- {line}")?;
        }
    }
    writeln!(out)?;
    writeln!(out, "## Error rate (exact, not simulated)")?;
    writeln!(out)?;
    writeln!(
        out,
        "`error_rate_confidence_interval` (Wilson with continuity correction): the exact coverage \
         `sum over k of P(K = k) [rate in interval(k)]`, least over 400 rates from 0.01% to 50%, \
         and at a few rates."
    )?;
    writeln!(out)?;
    writeln!(
        out,
        "| n | least coverage (at rate) | 0.1% | 1% | 5% | 20% |"
    )?;
    writeln!(out, "|---:|---:|---:|---:|---:|---:|")?;
    for size in SIZES {
        let trials = size as u64;
        let (least, rate) = error_rate_min_coverage(trials)?;
        write!(
            out,
            "| {size} | {:.2}% ({:.3}%) |",
            least * 100.0,
            rate * 100.0
        )?;
        for rate in [0.001, 0.01, 0.05, 0.2] {
            write!(out, " {:.2}% |", error_rate_coverage(trials, rate)? * 100.0)?;
        }
        writeln!(out)?;
    }
    eprintln!("coverage: {:.1} s", started.elapsed().as_secs_f64());
    if args.write {
        let path = root.join("perf-stats/COVERAGE.md");
        std::fs::write(&path, out)?;
        eprintln!("wrote {path}");
    } else {
        print!("{out}");
    }
    Ok(())
}
