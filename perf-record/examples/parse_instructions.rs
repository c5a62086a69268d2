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

#[path = "../benches/support/lines.rs"]
mod corpus;
use corpus::lines;

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
