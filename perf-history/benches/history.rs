//! The history's two costs that grow with use, on both backends: recording one run of 24 groups
//! of 100,000 samples each, and reading a group's `trend` over 1,000 runs.
//!
//! Run: `cargo bench -p perf-history --bench history`. The PostgreSQL half runs when
//! `PERF_GATE_TEST_POSTGRES_URL` names a server whose user may create databases
//! (`source .ci/postgres.sh` starts one); otherwise it prints why it is skipped.

use std::collections::BTreeMap;
use std::hint::black_box;
use std::str::FromStr;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use perf_baseline::Fingerprint;
use perf_history::{
    HistoryLocation, HistoryStore, NewRun, RecordConfig, RunMetadata, RunSource, TrendMetric,
};
use perf_record::{GroupKey, GroupSamples};

const GROUPS: usize = 24;
const SAMPLES: usize = 100_000;
const TREND_RUNS: usize = 1_000;

/// Latency-like data (log-normal-ish, heavy right tail) from a fixed-seed xorshift generator.
fn latencies(seed: u64, count: usize) -> Vec<f64> {
    let mut state = 0x9E37_79B9_7F4A_7C15_u64 ^ seed.wrapping_mul(0x2545_F491_4F6C_DD1D);
    (0..count)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let uniform = (state >> 11) as f64 / (1_u64 << 53) as f64;
            // Microsecond resolution, as timers report.
            ((20.0 * (-(1.0 - uniform).ln()).powf(1.5) + 1.0) * 1000.0).round() / 1000.0
        })
        .collect()
}

fn groups(count: usize, samples: usize, seed: u64) -> BTreeMap<GroupKey, GroupSamples> {
    (0..count)
        .map(|index| {
            (
                GroupKey::new("bench", format!("step{index:02}")),
                GroupSamples::all_ok(latencies(seed * 100 + index as u64, samples)),
            )
        })
        .collect()
}

fn new_run(groups: &BTreeMap<GroupKey, GroupSamples>) -> NewRun<'_> {
    NewRun {
        metadata: RunMetadata {
            time: jiff::Timestamp::now(),
            commit: Some("0123456789abcdef".into()),
            branch: Some("main".into()),
            source: RunSource::Record,
            budgets_hash: None,
            baseline_hash: None,
            run_baseline_hash: None,
            environment: Fingerprint::current("bench"),
        },
        groups,
        verdicts: Vec::new(),
        change_points: Vec::new(),
        config: RecordConfig {
            quantile_method: perf_stats::QuantileMethod::Linear,
            confidence_level: 0.95,
            percentiles: Vec::new(),
        },
    }
}

/// A fresh history of each available backend, with a name for the benchmark.
fn backends(directory: &std::path::Path, name: &str) -> Vec<(&'static str, HistoryLocation)> {
    let mut found = vec![(
        "sqlite",
        HistoryLocation::Sqlite(
            camino::Utf8PathBuf::from_path_buf(directory.join(format!("{name}.sqlite")))
                .unwrap_or_default(),
        ),
    )];
    match std::env::var("PERF_GATE_TEST_POSTGRES_URL") {
        Ok(url) if !url.is_empty() => {
            let database = format!("perf_history_bench_{name}");
            if let Ok(mut admin) = postgres::Client::connect(&url, postgres::NoTls) {
                let _ = admin
                    .batch_execute(&format!("DROP DATABASE IF EXISTS {database} WITH (FORCE)"));
                let _ = admin.batch_execute(&format!("CREATE DATABASE {database}"));
            }
            if let Ok(mut config) = postgres::Config::from_str(&url) {
                config.dbname(&database);
                found.push(("postgres", HistoryLocation::Postgres(Box::new(config))));
            }
        }
        _ => eprintln!(
            "postgres benchmarks skipped: PERF_GATE_TEST_POSTGRES_URL is not set \
             (source .ci/postgres.sh starts a throwaway server)"
        ),
    }
    found
}

fn record(criterion: &mut Criterion) {
    let directory = tempfile::tempdir().unwrap_or_else(|error| panic!("temp dir: {error}"));
    let data = groups(GROUPS, SAMPLES, 1);
    let mut group = criterion.benchmark_group("record");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(20));
    for (backend, location) in backends(directory.path(), "record") {
        let mut store = HistoryStore::open(&location).unwrap_or_else(|error| panic!("{error}"));
        let run = new_run(&data);
        group.bench_function(format!("{backend}/24 groups x 100k samples"), |bench| {
            bench.iter(|| black_box(store.record(&run).unwrap_or_else(|error| panic!("{error}"))));
        });
    }
    group.finish();
}

fn trend(criterion: &mut Criterion) {
    let directory = tempfile::tempdir().unwrap_or_else(|error| panic!("temp dir: {error}"));
    let mut group = criterion.benchmark_group("trend");
    group.sample_size(20);
    for (backend, location) in backends(directory.path(), "trend") {
        let mut store = HistoryStore::open(&location).unwrap_or_else(|error| panic!("{error}"));
        // 1,000 runs of 4 groups of 1,000 samples: the trend reads one group's series.
        for run in 0..TREND_RUNS {
            let data = groups(4, 1_000, run as u64);
            store
                .record(&new_run(&data))
                .unwrap_or_else(|error| panic!("{error}"));
        }
        let key = GroupKey::new("bench", "step01");
        let p95 = TrendMetric::from_str("p95").unwrap_or(TrendMetric::Mean);
        group.bench_function(format!("{backend}/p95 over 1,000 runs"), |bench| {
            bench.iter(|| {
                let points = store
                    .trend(&key, p95, 1_000)
                    .unwrap_or_else(|error| panic!("{error}"));
                assert_eq!(points.len(), TREND_RUNS);
                black_box(points)
            });
        });
        // A percentile not stored: every run's samples are decoded.
        let p97 = TrendMetric::from_str("p97").unwrap_or(TrendMetric::Mean);
        group.bench_function(
            format!("{backend}/p97 (from raw samples) over 1,000 runs"),
            |bench| {
                bench.iter(|| {
                    black_box(
                        store
                            .trend(&key, p97, 1_000)
                            .unwrap_or_else(|error| panic!("{error}")),
                    )
                });
            },
        );
    }
    group.finish();
}

criterion_group!(benches, record, trend);
criterion_main!(benches);
