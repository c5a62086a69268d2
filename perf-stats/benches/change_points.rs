//! Change-point detection on a 1,000-run series (default settings, and one unwindowed pass),
//! and confirming a change on raw samples (1,000,000 against 1,000,000).
//!
//! Run: `cargo bench -p perf-stats --bench change_points`

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use perf_stats::{ChangePointConfig, Direction, confirm_change, detect_change_points};

/// Uniform numbers in [0, 1) from a fixed-seed xorshift generator.
fn uniforms(count: usize, mut state: u64) -> Vec<f64> {
    (0..count)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 11) as f64 / (1_u64 << 53) as f64
        })
        .collect()
}

/// 1,000 runs around 100 ms with 5% noise (sum of uniforms, roughly normal) and four shifts.
fn series() -> Vec<f64> {
    let noise = uniforms(4_000, 0x9E37_79B9_7F4A_7C15);
    (0..1_000)
        .map(|run| {
            let level = match run {
                0..200 => 100.0,
                200..450 => 110.0,
                450..700 => 95.0,
                700..900 => 120.0,
                _ => 100.0,
            };
            let centred: f64 = noise[run * 4..run * 4 + 4].iter().sum::<f64>() - 2.0;
            level * (1.0 + 0.05 * centred * 3.0_f64.sqrt())
        })
        .collect()
}

fn detection(criterion: &mut Criterion) {
    let series = series();
    let config = ChangePointConfig::default();
    let found = detect_change_points(&series, &[], &config).unwrap_or_default();
    eprintln!(
        "change points found: {:?}",
        found.iter().map(|point| point.index).collect::<Vec<_>>()
    );
    let mut group = criterion.benchmark_group("detect_change_points");
    group.measurement_time(Duration::from_secs(10));
    group.bench_function("1000 runs, window 50", |bencher| {
        bencher.iter(|| detect_change_points(black_box(&series), &[], &config));
    });
    let unwindowed = ChangePointConfig {
        window: 1_000,
        ..config
    };
    group.sample_size(10);
    group.bench_function("1000 runs, one window", |bencher| {
        bencher.iter(|| detect_change_points(black_box(&series), &[], &unwindowed));
    });
    group.finish();
}

fn confirmation(criterion: &mut Criterion) {
    let before: Vec<f64> = uniforms(1_000_000, 1)
        .iter()
        .map(|u| 80.0 + 20.0 * u)
        .collect();
    let after: Vec<f64> = uniforms(1_000_000, 2)
        .iter()
        .map(|u| 81.0 + 20.0 * u)
        .collect();
    let mut group = criterion.benchmark_group("confirm_change");
    group.sample_size(10);
    group.bench_function("1e6 vs 1e6 raw samples", |bencher| {
        bencher.iter(|| confirm_change(black_box(&before), black_box(&after), Direction::Increase));
    });
    group.finish();
}

criterion_group!(benches, detection, confirmation);
criterion_main!(benches);
