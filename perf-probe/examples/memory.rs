//! What the probe keeps per recorded request, measured as peak RSS (`VmHWM`).
//!
//! `cargo run --release -p perf-probe --example memory -- [SMALL] [LARGE]` (defaults 100000 and
//! 1000000) runs itself twice, once per request count: each child probes the tests' local
//! server (closed model, 32 workers, one endpoint) with the records written to a discarding
//! sink, and reports its `VmHWM`. The difference between the two peaks, divided by the
//! difference in requests, is the memory per request beyond the written file; everything that
//! does not grow with the run (runtime, client, server, buffers) cancels out.
//! `-- --child N` is one such run.

#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../tests/common/mod.rs"]
mod common;

use std::io::BufWriter;
use std::process::Command;

use perf_probe::{HttpVersion, LoadArgs, Plan, QuickPlan, run, validate};

fn peak_rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .unwrap_or_default()
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|value| value.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

fn child(requests: u64) {
    let server = common::start();
    let plan = Plan::quick(&QuickPlan {
        base_url: server.base_url.clone(),
        paths: vec!["/ok".into()],
        tool: "bench".into(),
        api_key: None,
        http_version: HttpVersion::Http1,
    })
    .unwrap();
    let config = validate(&LoadArgs {
        concurrency: Some(32),
        samples: Some(requests),
        ..LoadArgs::default()
    })
    .unwrap();
    let mut sink = BufWriter::new(std::io::sink());
    let outcome = run(&plan, &config, &mut sink).unwrap();
    assert_eq!(outcome.endpoints[0].count, requests);
    println!("{requests} {}", peak_rss_kib());
}

fn measure(requests: u64) -> (f64, f64) {
    let output = Command::new(std::env::current_exe().unwrap())
        .args(["--child", &requests.to_string()])
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    let text = String::from_utf8_lossy(&output.stdout);
    let mut fields = text.split_whitespace().map(|field| field.parse().unwrap());
    (fields.next().unwrap(), fields.next().unwrap())
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if let [flag, requests] = &args[..]
        && flag == "--child"
    {
        child(requests.parse().unwrap());
        return;
    }
    let small: u64 = args.first().and_then(|s| s.parse().ok()).unwrap_or(100_000);
    let large: u64 = args
        .get(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(1_000_000);
    let (small_requests, small_kib) = measure(small);
    let (large_requests, large_kib) = measure(large);
    println!(
        "peak RSS: {small_kib:.0} KiB after {small_requests:.0} requests, {large_kib:.0} KiB after {large_requests:.0}: {:.1} bytes per request (target <= ~50)",
        (large_kib - small_kib) * 1024.0 / (large_requests - small_requests)
    );
}
