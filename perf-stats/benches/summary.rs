//! A summary with five percentiles of 1e6 values: selection (`summarize_in_place`) against
//! sorting the same data and reading the same numbers off the sorted slice.
//!
//! Run: `cargo bench -p perf-stats --bench summary`

use std::hint::black_box;
use std::time::Duration;

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use perf_stats::{SummaryConfig, summarize_in_place};

const COUNT: usize = 1_000_000;

/// Latency-like data (log-normal-ish, heavy right tail) from a fixed-seed xorshift generator.
fn latencies() -> Vec<f64> {
    let mut state = 0x9E37_79B9_7F4A_7C15_u64;
    (0..COUNT)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let uniform = (state >> 11) as f64 / (1_u64 << 53) as f64;
            20.0 * (-(1.0 - uniform).ln()).powf(1.5) + 1.0
        })
        .collect()
}

/// The same statistics as `summarize_in_place`, computed the usual way: sort, then index.
fn summarize_by_sorting(data: &mut [f64], percents: &[f64]) -> (f64, f64, f64, f64, Vec<f64>) {
    data.sort_unstable_by(f64::total_cmp);
    let count = data.len() as f64;
    let mean = data.iter().sum::<f64>() / count;
    let variance = data.iter().map(|value| (value - mean).powi(2)).sum::<f64>() / (count - 1.0);
    let percentiles = percents
        .iter()
        .map(|percent| {
            let position = (count - 1.0) * percent / 100.0;
            let lower = position.floor() as usize;
            let upper = (lower + 1).min(data.len() - 1);
            data[lower] + (data[upper] - data[lower]) * (position - lower as f64)
        })
        .collect();
    (
        data[0],
        data[data.len() - 1],
        mean,
        variance.sqrt(),
        percentiles,
    )
}

fn bench_summary(criterion: &mut Criterion) {
    let data = latencies();
    let config = SummaryConfig::default();
    let mut group = criterion.benchmark_group("summary_1e6_five_percentiles");
    group.bench_function("selection", |bencher| {
        bencher.iter_batched_ref(
            || data.clone(),
            |copy| black_box(summarize_in_place(copy, &config)),
            BatchSize::LargeInput,
        )
    });
    group.bench_function("sort_then_compute", |bencher| {
        bencher.iter_batched_ref(
            || data.clone(),
            |copy| black_box(summarize_by_sorting(copy, &config.percentiles)),
            BatchSize::LargeInput,
        )
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .sample_size(20)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(5));
    targets = bench_summary
}
criterion_main!(benches);
