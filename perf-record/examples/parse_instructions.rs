//! A fixed workload for instruction counts of the line parser under callgrind:
//! `cargo build --release -p perf-record --example parse_instructions` then
//! `valgrind --tool=callgrind target/release/examples/parse_instructions [mapped]`.
//!
//! It parses 200,000 typical latency-only lines (the shape of `benches/parse.rs`) once, so the
//! instruction count per line is the total divided by 200,000 (less the start-up).

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
    let lines = lines();
    let mut total = 0.0;
    for _ in 0..200 {
        for line in &lines {
            if let Ok(perf_record::Line::Record(record)) =
                perf_record::parse_line(black_box(line.as_bytes()))
            {
                total += record.ms;
            }
        }
    }
    println!("{total}");
}
