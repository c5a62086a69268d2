//! A fixed workload for instruction counts of the line parser under callgrind:
//! `cargo build --release -p perf-record --example parse_instructions` then
//! `valgrind --tool=callgrind target/release/examples/parse_instructions [mapped]`.
//!
//! It parses 200,000 typical latency-only lines (the shape of `benches/parse.rs`) once, so the
//! instruction count per line is the total divided by 200,000 (less the start-up). With
//! `mapped`, the same lines spell `ms`, `tool` and `step` as `duration_ms`, `service` and
//! `endpoint` and are read through the matching `--field` mapping. With `measures`, every line
//! also carries `"measures":{"allocs":812,"peak_rss_mb":12.5}` (the cost of two measures).

#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;

#[path = "../benches/support/lines.rs"]
mod corpus;
use corpus::lines;

fn main() {
    let mode = std::env::args().nth(1);
    let mapped = mode.as_deref() == Some("mapped");
    let mut lines = lines();
    if mode.as_deref() == Some("measures") {
        for line in &mut lines {
            let end = line.rfind('}').unwrap();
            line.insert_str(end, r#","measures":{"allocs":812,"peak_rss_mb":12.5}"#);
        }
    }
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
                // Read the measures only where there are some: the default workload stays the
                // one earlier counts were taken with.
                if !record.measures.is_empty() {
                    total += record.measures.get("allocs").unwrap_or(0.0);
                }
            }
        }
    }
    println!("{total}");
}
