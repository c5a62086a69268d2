//! Generates a large run in memory and writes its exports, to measure their size:
//! `cargo run --release -p perf-report --example large_report -- OUT_DIR [GROUPS] [SAMPLES]`
//! (defaults 1,500 groups of 100,000 latencies, compared with a baseline of the same shape
//! 10% faster). Writes `OUT_DIR/report.html` and `OUT_DIR/metrics.txt` and prints their sizes
//! and the time each step took. Nothing of it is committed: it is the test-data generator
//! behind the numbers in the README.

#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::time::Instant;

use perf_baseline::{BuildConfig, CompareConfig, Fingerprint};
use perf_budget::{EvaluateConfig, evaluate, parse_budgets};
use perf_record::{GroupKey, GroupSamples, OutcomeCounts};
use perf_report::render::html;
use perf_report::render::openmetrics::{ExpositionFormat, render};
use perf_report::{Report, ReportSettings};
use perf_stats::QuantileMethod;

fn groups(count: usize, samples: usize, scale: f64, seed: u64) -> BTreeMap<GroupKey, GroupSamples> {
    // A deterministic pseudo-random sequence (LCG), skewed like latencies.
    let mut state = seed;
    (0..count)
        .map(|index| {
            let latencies: Vec<f64> = (0..samples)
                .map(|_| {
                    state = state
                        .wrapping_mul(6_364_136_223_846_793_005)
                        .wrapping_add(1_442_695_040_888_963_407);
                    let uniform = (state >> 11) as f64 / (1_u64 << 53) as f64;
                    scale * (10.0 - 5.0 * (1.0 - uniform).ln())
                })
                .collect();
            let errors = (index % 7) as u64;
            let key = GroupKey::new(format!("tool{}", index % 10), format!("step{index}"));
            let counts = OutcomeCounts {
                ok: samples as u64 - errors,
                errors,
                unknown: 0,
            };
            (
                key,
                GroupSamples {
                    counts,
                    latencies_ms: latencies,
                    ..Default::default()
                },
            )
        })
        .collect()
}

fn main() {
    let mut arguments = std::env::args().skip(1);
    let out_dir = std::path::PathBuf::from(arguments.next().expect("OUT_DIR"));
    let group_count: usize = arguments.next().map_or(1_500, |text| text.parse().unwrap());
    let sample_count: usize = arguments
        .next()
        .map_or(100_000, |text| text.parse().unwrap());
    let started = Instant::now();
    let before = groups(group_count, sample_count, 0.9, 7);
    let build = BuildConfig {
        fingerprint: Fingerprint::current("0.1.0"),
        created_at: None,
        max_points: perf_baseline::DEFAULT_MAX_POINTS,
        quantile_method: QuantileMethod::Linear,
    };
    let baseline = perf_baseline::build(&before, &build).unwrap();
    drop(before);
    let current = groups(group_count, sample_count, 1.0, 11);
    eprintln!("generated in {:.1?}", started.elapsed());
    let budgets =
        parse_budgets(r#"{ "*": { "*": { "p95": 40, "avg": 20, "error_rate": 0.01 } } }"#).unwrap();
    let config = EvaluateConfig {
        confidence_level: 0.95,
        quantile_method: QuantileMethod::Linear,
    };
    let settings = ReportSettings::of_budgets(&budgets, config.confidence_level);
    let step = Instant::now();
    let comparison = perf_baseline::compare(
        &baseline,
        &current,
        &Fingerprint::current("0.1.0"),
        &CompareConfig::default(),
    )
    .unwrap();
    let report = Report::new(
        settings,
        evaluate(&budgets, &current, &config).unwrap(),
        Some(comparison),
    );
    eprintln!("judged in {:.1?}", step.elapsed());
    let step = Instant::now();
    let report = report
        .with_distributions(&current, Some(&baseline))
        .unwrap();
    eprintln!("distributions in {:.1?}", step.elapsed());
    let step = Instant::now();
    let page = html::render(&report);
    eprintln!(
        "report.html rendered in {:.1?}: {} bytes",
        step.elapsed(),
        page.len()
    );
    let step = Instant::now();
    let metrics = render(&report, ExpositionFormat::OpenMetrics);
    eprintln!(
        "metrics.txt rendered in {:.1?}: {} bytes",
        step.elapsed(),
        metrics.len()
    );
    std::fs::create_dir_all(&out_dir).unwrap();
    std::fs::write(out_dir.join("report.html"), page).unwrap();
    std::fs::write(out_dir.join("metrics.txt"), metrics).unwrap();
}
