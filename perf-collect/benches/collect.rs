//! Criterion benchmarks of the two reading paths on a small generated corpus (about 6.5 MB).
//! `cargo xtask bench` measures the full-size corpus and peak memory.
#![allow(
    clippy::expect_used,
    reason = "benchmark setup: failing to build the corpus should stop the benchmark"
)]

use std::fmt::Write as _;
use std::hint::black_box;

use camino::Utf8PathBuf;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use perf_collect::{CollectConfig, GroupBy, ScanConfig, aggregate, collect};

const RECORDS: usize = 50_000;

fn corpus() -> (tempfile::TempDir, Utf8PathBuf, u64) {
    let dir = tempfile::tempdir().expect("temporary directory");
    let root = Utf8PathBuf::from_path_buf(dir.path().to_path_buf()).expect("UTF-8 temporary path");
    let mut text = String::new();
    let mut state = 1u64;
    for index in 0..RECORDS {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        let tool = ["wsap", "registry", "builder", "indexer"][(state >> 60) as usize % 4];
        let step =
            ["import", "parse", "link", "emit", "verify", "fetch"][(state >> 50) as usize % 6];
        let ms = (state >> 40) as f64 / 1e4;
        let ok = if state.is_multiple_of(33) {
            r#","ok":false,"errorReason":"timeout""#
        } else {
            r#","ok":true"#
        };
        let _ = writeln!(
            text,
            r#"{{"ts":"2025-10-16T23:{:02}:{:02}.{:03}Z","sessionId":"{tool}-20251016","tool":"{tool}","step":"{step}","ms":{ms:.3}{ok}}}"#,
            index / 60_000 % 60,
            index / 1000 % 60,
            index % 1000
        );
    }
    std::fs::write(root.join("bench.jsonl"), &text).expect("write corpus");
    (dir, root, text.len() as u64)
}

fn benches(criterion: &mut Criterion) {
    let (_dir, root, bytes) = corpus();
    let roots = [root.clone()];
    let config = CollectConfig {
        scan: ScanConfig {
            progress: None,
            chunk_bytes: 1 << 20,
            ..ScanConfig::default()
        },
        ..CollectConfig::default()
    };
    let mut group = criterion.benchmark_group("perf-collect");
    group.throughput(Throughput::Bytes(bytes));
    group.sample_size(20);
    group.bench_function("aggregate_tool_step", |bencher| {
        bencher.iter(|| {
            black_box(
                aggregate(&roots, &config, GroupBy::ToolStep).map(|result| result.groups.len()),
            )
        })
    });
    group.bench_function("collect_sorted", |bencher| {
        bencher.iter(|| black_box(collect(&roots, &config).map(|collection| collection.len())))
    });
    let output = root.join("out/latest.jsonl");
    let collection = collect(&roots, &config).expect("collect the corpus");
    group.bench_function("write_jsonl_atomically", |bencher| {
        bencher.iter(|| black_box(collection.write_jsonl(&output).is_ok()))
    });
    group.finish();
}

criterion_group!(collect_benches, benches);
criterion_main!(collect_benches);
