//! ns/line of the fast scanner (`parse_line`) against the serde_json reference parser and a
//! plain serde_json derive into a borrowed struct, on typical ~128-byte lines.

#![allow(missing_docs, clippy::unwrap_used)]

use std::borrow::Cow;
use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use perf_record::{parse_line, parse_line_reference};

/// The derive a hand-rolled tool would write: what "plain serde_json" means here.
#[path = "support/lines.rs"]
mod corpus;
use corpus::lines;

#[derive(serde::Deserialize)]
#[allow(dead_code)]
struct Plain<'a> {
    #[serde(borrow)]
    ts: Cow<'a, str>,
    #[serde(rename = "sessionId", borrow)]
    session_id: Cow<'a, str>,
    #[serde(borrow)]
    tool: Cow<'a, str>,
    #[serde(borrow)]
    step: Cow<'a, str>,
    ms: f64,
    ok: Option<bool>,
    #[serde(rename = "errorReason", borrow)]
    error_reason: Option<Cow<'a, str>>,
}

fn bench(criterion: &mut Criterion) {
    let lines = lines();
    let bytes: usize = lines.iter().map(|line| line.len() + 1).sum();
    let mut group = criterion.benchmark_group("parse_1000_lines");
    group.throughput(Throughput::Bytes(bytes as u64));
    group.bench_function("parse_line (fast scanner)", |bencher| {
        bencher.iter(|| {
            for line in &lines {
                black_box(parse_line(black_box(line.as_bytes())).unwrap());
            }
        })
    });
    group.bench_function("parse_line_reference (serde_json visitor)", |bencher| {
        bencher.iter(|| {
            for line in &lines {
                black_box(parse_line_reference(black_box(line.as_bytes())).unwrap());
            }
        })
    });
    group.bench_function("plain serde_json derive (no validation)", |bencher| {
        bencher.iter(|| {
            for line in &lines {
                black_box(serde_json::from_slice::<Plain<'_>>(black_box(line.as_bytes())).unwrap());
            }
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
