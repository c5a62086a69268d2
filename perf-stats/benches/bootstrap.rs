//! The bootstrap-t interval of a mean latency (`latency_mean_interval`, 1,999 seeded resamples)
//! at n = 20, 200 and 2,000 log-normal latencies, beside Student's t interval of the same data.
//!
//! Run: `cargo bench -p perf-stats --bench bootstrap`

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use perf_stats::{SplitMix64, latency_mean_interval, mean_confidence_interval};

fn latencies(count: usize) -> Vec<f64> {
    let mut rng = SplitMix64::seeded(0xB007);
    (0..count).map(|_| rng.next_log_normal(20.0, 0.5)).collect()
}

fn mean_interval(criterion: &mut Criterion) {
    let mut group = criterion.benchmark_group("mean_interval");
    for count in [20, 200, 2000] {
        let data = latencies(count);
        group.bench_with_input(
            BenchmarkId::new("bootstrap_t", count),
            &data,
            |bencher, data| bencher.iter(|| latency_mean_interval(black_box(data), 0.95)),
        );
        group.bench_with_input(
            BenchmarkId::new("student_t", count),
            &data,
            |bencher, data| bencher.iter(|| mean_confidence_interval(black_box(data), 0.95)),
        );
    }
    group.finish();
}

criterion_group!(benches, mean_interval);
criterion_main!(benches);
