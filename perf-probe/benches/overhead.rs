//! The generator's own cost per request: taking the timestamps and writing the record.
//!
//! `cargo bench -p perf-probe --bench overhead`; the target is under 2 µs a request.

use std::borrow::Cow;
use std::hint::black_box;
use std::io::Write;
use std::time::Instant;

use criterion::{Criterion, criterion_group, criterion_main};
use perf_probe::{ProbeFields, write_probe_record};
use perf_record::{Outcome, Record, Timestamp};

fn overhead(criterion: &mut Criterion) {
    let start = Instant::now();
    let start_wall = Timestamp::now();
    let mut sink = std::io::BufWriter::new(std::io::sink());
    let mut line = String::with_capacity(256);
    // The open model: `ms` counts from the intended send, `serviceMs` and `lagMs` differ.
    criterion.bench_function("per_request_timestamps_and_record", |bench| {
        bench.iter(|| {
            // What the runner does per request outside the HTTP exchange.
            let actual = Instant::now();
            let end = Instant::now();
            let ts = start_wall
                .checked_add(actual.saturating_duration_since(start))
                .unwrap_or(start_wall);
            let service = end.saturating_duration_since(actual);
            let record = Record {
                ts,
                session_id: Cow::Borrowed("probe-1764583200000"),
                tool: Cow::Borrowed("registry"),
                step: Cow::Borrowed("GET /v1/registry/{urn}"),
                ms: 1.234_567 + service.as_secs_f64() * 1e3,
                outcome: Outcome::Success,
                measures: perf_record::Measures::new(),
            };
            let fields = ProbeFields {
                service_ms: 1.2,
                lag_ms: Some(0.034_567),
                status: Some(200),
                bytes: 512,
                warmup: false,
            };
            line.clear();
            let _ = write_probe_record(&mut line, black_box(&record), &fields);
            let _ = sink.write_all(line.as_bytes());
        });
    });
}

/// The closed model: `serviceMs` is `ms` and there is no `lagMs`.
fn overhead_closed(criterion: &mut Criterion) {
    let start = Instant::now();
    let start_wall = Timestamp::now();
    let mut sink = std::io::BufWriter::new(std::io::sink());
    let mut line = String::with_capacity(256);
    criterion.bench_function("per_request_timestamps_and_record_closed", |bench| {
        bench.iter(|| {
            let actual = Instant::now();
            let end = Instant::now();
            let ts = start_wall
                .checked_add(actual.saturating_duration_since(start))
                .unwrap_or(start_wall);
            let service = end.saturating_duration_since(actual);
            let ms = 1.234_567 + service.as_secs_f64() * 1e3;
            let record = Record {
                ts,
                session_id: Cow::Borrowed("probe-1764583200000"),
                tool: Cow::Borrowed("registry"),
                step: Cow::Borrowed("GET /v1/registry/{urn}"),
                ms,
                outcome: Outcome::Success,
                measures: perf_record::Measures::new(),
            };
            let fields = ProbeFields {
                service_ms: ms,
                lag_ms: None,
                status: Some(200),
                bytes: 512,
                warmup: false,
            };
            line.clear();
            let _ = write_probe_record(&mut line, black_box(&record), &fields);
            let _ = sink.write_all(line.as_bytes());
        });
    });
}

criterion_group!(benches, overhead, overhead_closed);
criterion_main!(benches);
