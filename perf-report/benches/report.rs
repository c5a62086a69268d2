//! Evaluation and rendering cost on a realistic run: 200 groups of 5,000 latencies, three limits each.

#![allow(missing_docs, clippy::unwrap_used)]

use criterion::{Criterion, criterion_group, criterion_main};
use std::collections::BTreeMap;

use perf_budget::{EvaluateConfig, evaluate, parse_budgets};
use perf_record::{GroupKey, GroupSamples, OutcomeCounts};
use perf_report::render::{markdown, text};
use perf_report::{Report, ReportSettings};
use perf_stats::QuantileMethod;

const CONFIG: EvaluateConfig = EvaluateConfig {
    confidence_level: 0.95,
    quantile_method: QuantileMethod::Linear,
};

fn groups() -> BTreeMap<GroupKey, GroupSamples> {
    // A deterministic pseudo-random sequence (LCG), skewed like latencies.
    let mut state = 0x2545_f491_4f6c_dd1d_u64;
    (0..200)
        .map(|index| {
            let latencies: Vec<f64> = (0..5_000)
                .map(|_| {
                    state = state
                        .wrapping_mul(6_364_136_223_846_793_005)
                        .wrapping_add(1_442_695_040_888_963_407);
                    let uniform = (state >> 11) as f64 / (1_u64 << 53) as f64;
                    10.0 - 5.0 * (1.0 - uniform).ln()
                })
                .collect();
            let key = GroupKey::new(format!("tool{}", index % 10), format!("step{index}"));
            let samples = GroupSamples {
                counts: OutcomeCounts {
                    ok: 5_000,
                    errors: 0,
                    unknown: 0,
                },
                latencies_ms: latencies,
                ..Default::default()
            };
            (key, samples)
        })
        .collect()
}

fn bench(criterion: &mut Criterion) {
    let budgets = parse_budgets(r#"{"*": {"*": {"avg": 20, "p95": 30, "p99": 40}}}"#).unwrap();
    let groups = groups();
    criterion.bench_function(
        "evaluate 200 groups x 5000 latencies, 3 limits",
        |bencher| bencher.iter(|| evaluate(&budgets, &groups, &CONFIG).unwrap()),
    );
    let settings = ReportSettings::of_budgets(&budgets, CONFIG.confidence_level);
    let report = Report::new(
        settings,
        evaluate(&budgets, &groups, &CONFIG).unwrap(),
        None,
    );
    criterion.bench_function("render text + markdown, 600 checks", |bencher| {
        bencher.iter(|| {
            (
                text::render(&report, &text::TextConfig::default()),
                markdown::render(&report, &markdown::MarkdownConfig::default()),
            )
        })
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
