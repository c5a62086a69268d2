//! `evaluate` at high cardinality: N exact budget entries against N groups, plus a few globs.
//! Matching goes through an index (one map lookup per group plus the patterned entries), so the
//! cost grows with N, not with N x N.
//!
//! Run: `cargo bench -p perf-budget --bench evaluate`

#![allow(clippy::expect_used)]

use std::collections::BTreeMap;
use std::fmt::Write as _;

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use perf_budget::{EvaluateConfig, evaluate, parse_budgets};
use perf_record::{GroupKey, GroupSamples, OutcomeCounts};

fn budgets_and_groups(n: usize) -> (String, BTreeMap<GroupKey, GroupSamples>) {
    let mut text =
        String::from(r#"{"*": {"*": {"error_rate": 0.05}}, "svc": {"get_*": {"p95": 500}"#);
    let mut groups = BTreeMap::new();
    for index in 0..n {
        let _ = write!(text, r#", "step{index}": {{"p95": 100, "min_samples": 1}}"#);
        let latencies: Vec<f64> = (0..20)
            .map(|sample| f64::from(sample + (index % 7) as u32))
            .collect();
        groups.insert(
            GroupKey::new("svc", format!("step{index}")),
            GroupSamples {
                counts: OutcomeCounts {
                    ok: 20,
                    errors: 0,
                    unknown: 0,
                },
                latencies_ms: latencies,
                ..Default::default()
            },
        );
    }
    text.push_str("}}");
    (text, groups)
}

fn many_entries(criterion: &mut Criterion) {
    let config = EvaluateConfig {
        confidence_level: 0.95,
        quantile_method: Default::default(),
    };
    let mut group = criterion.benchmark_group("evaluate_entries_x_groups");
    group.sample_size(10);
    for n in [1_000, 10_000, 100_000] {
        let (text, groups) = budgets_and_groups(n);
        let budgets = parse_budgets(&text).expect("valid budgets");
        group.bench_with_input(BenchmarkId::from_parameter(n), &n, |bencher, _| {
            bencher.iter(|| evaluate(&budgets, &groups, &config).expect("evaluates"));
        });
    }
    group.finish();
}

criterion_group!(benches, many_entries);
criterion_main!(benches);
