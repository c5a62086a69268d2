//! The measuring harness behind `cargo xtask bench`: runs one operation on a corpus and prints one
//! JSON line with wall time, throughput and its own peak RSS (`VmHWM`), so that each measurement
//! is a fresh process.
//!
//! ```text
//! collect_bench aggregate <root>          # per-(tool, step) samples + p5/p50/p90/p95/p99
//! collect_bench collect <root> <output>   # sorted latest.jsonl, written atomically
//! ```

use std::process::ExitCode;
use std::time::Instant;

use camino::Utf8PathBuf;
use perf_collect::{CollectConfig, GroupBy, ScanConfig, aggregate, collect};
use perf_record::GroupName;
use perf_stats::SummaryConfig;

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let config = CollectConfig {
        scan: ScanConfig {
            progress: None,
            ..ScanConfig::default()
        },
        ..CollectConfig::default()
    };
    let started = Instant::now();
    let (mode, report_bytes, records, groups) = match args.as_slice() {
        [mode, root] if mode == "aggregate" => {
            let aggregation = aggregate(&[Utf8PathBuf::from(root)], &config, GroupBy::ToolStep)?;
            let groups: Vec<serde_json::Value> = aggregation
                .groups
                .into_iter()
                .map(|(name, mut samples)| {
                    // The same computation `perf-gate summarize` makes: five percentiles by selection.
                    let summary =
                        perf_stats::summarize_in_place(&mut samples.latencies_ms, &SummaryConfig::default())
                            .ok();
                    let percentile = |percent| summary.as_ref().and_then(|summary| summary.percentile(percent));
                    let [p5, p50, p90, p95, p99] = [5.0, 50.0, 90.0, 95.0, 99.0].map(percentile);
                    let name = match name {
                        GroupName::ToolStep(key) => key.to_string(),
                        GroupName::Tool(name) | GroupName::Session(name) => name,
                    };
                    serde_json::json!({
                        "group": name, "samples": samples.latencies_ms.len(), "errors": samples.counts.errors,
                        "unknown": samples.counts.unknown, "p5": p5, "p50": p50, "p90": p90, "p95": p95, "p99": p99,
                    })
                })
                .collect();
            let bytes: u64 = aggregation.report.files.iter().map(|file| file.bytes).sum();
            (
                "aggregate",
                bytes,
                aggregation.report.totals.accepted,
                groups,
            )
        }
        [mode, root, output] if mode == "collect" => {
            let output = Utf8PathBuf::from(output);
            let config = CollectConfig {
                discover: perf_collect::DiscoverConfig {
                    exclude: vec![output.clone()],
                    ..Default::default()
                },
                ..config
            };
            let collection = collect(&[Utf8PathBuf::from(root)], &config)?;
            collection.write_jsonl(&output)?;
            let bytes: u64 = collection.report.files.iter().map(|file| file.bytes).sum();
            ("collect", bytes, collection.summary.entries, Vec::new())
        }
        _ => return Err("usage: collect_bench aggregate <root> | collect <root> <output>".into()),
    };
    let seconds = started.elapsed().as_secs_f64();
    let line = serde_json::json!({
        "mode": mode,
        "bytes": report_bytes,
        "records": records,
        "seconds": seconds,
        "mb_per_s": report_bytes as f64 / 1e6 / seconds,
        "records_per_s": records as f64 / seconds,
        "peak_rss_kib": peak_rss_kib(),
        "cpu_seconds": cpu_seconds(),
        "threads": rayon::current_num_threads(),
        "groups": groups,
    });
    println!("{line}");
    Ok(())
}

/// User plus system CPU time of this process so far, from `/proc/self/stat` (Linux only): on a
/// shared machine it says what the work cost even when the wall clock waited for other processes.
fn cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the parenthesised command name; utime and stime are fields 14 and 15.
    let after_name = stat.rsplit_once(')')?.1;
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    let user: f64 = fields.get(11)?.parse().ok()?;
    let system: f64 = fields.get(12)?.parse().ok()?;
    // Linux reports these in USER_HZ ticks, 100 per second on every mainstream configuration.
    Some((user + system) / 100.0)
}

/// Peak resident set size of this process in KiB, from `/proc/self/status` (Linux only).
fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|line| line.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}
