//! A fixed workload for instruction counts of the line parser under callgrind:
//! `cargo build --release -p perf-record --example parse_instructions` then
//! `valgrind --tool=callgrind target/release/examples/parse_instructions [mapped]`.
//!
//! It parses 200,000 typical latency-only lines (the shape of `benches/parse.rs`) once, so the
//! instruction count per line is the total divided by 200,000 (less the start-up). With
//! `mapped`, the same lines spell `ms`, `tool` and `step` as `duration_ms`, `service` and
//! `endpoint` and are read through the matching `--field` mapping.

#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;

fn lines() -> Vec<String> {
    (0..1000)
        .map(|i| {
            let outcome = match i % 50 {
                0 => r#","ok":false,"errorReason":"http 429 too many requests""#,
                1 => "",
                _ => r#","ok":true"#,
            };
            format!(
                r#"{{"ts":"2025-10-16T23:{:02}:{:02}.{:03}Z","sessionId":"wsap-20251016233446","tool":"wsap","step":"step_{}","ms":{}.{:03}{outcome}}}"#,
                i / 60 % 60,
                i % 60,
                i % 1000,
                i % 24,
                i * 7 % 900,
                i * 37 % 1000
            )
        })
        .collect()
}

fn main() {
    let mapped = std::env::args().nth(1).as_deref() == Some("mapped");
    let mut lines = lines();
    let mut map = perf_record::FieldMap::default();
    if mapped {
        for line in &mut lines {
            *line = line
                .replace("\"ms\":", "\"duration_ms\":")
                .replace("\"tool\":", "\"service\":")
                .replace("\"step\":", "\"endpoint\":");
        }
        map = perf_record::FieldMap::from_mappings(
            ["ms=duration_ms", "tool=service", "step=endpoint"].map(|m| m.parse().unwrap()),
        )
        .unwrap();
    }
    let mut total = 0.0;
    for _ in 0..200 {
        for line in &lines {
            let parsed = if mapped {
                perf_record::parse_line_with(black_box(line.as_bytes()), &map)
            } else {
                perf_record::parse_line(black_box(line.as_bytes()))
            };
            if let Ok(perf_record::Line::Record(record)) = parsed {
                total += record.ms;
            }
        }
    }
    println!("{total}");
}
