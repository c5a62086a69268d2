//! What the probe keeps per recorded request, measured as peak RSS (`VmHWM`).
//!
//! `cargo run --release -p perf-probe --example memory -- [SMALL] [LARGE]` (defaults 100000 and
//! 1000000) runs itself twice per load model, once per request count: each child probes the
//! tests' local server (one endpoint; the closed model with 32 workers, then the open model at
//! 10,000 req/s, which also keeps `lagMs`) with the records written to a discarding sink, and
//! reports its `VmHWM` and the requests it recorded. The difference between the two peaks,
//! divided by the difference in recorded requests, is the memory per request beyond the written
//! file; everything that does not grow with the run (runtime, client, server, buffers) cancels
//! out. `-- --child closed|open N` is one such run.

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

fn child(model: &str, requests: u64) {
    let server = common::start();
    server
        .state
        .forget_paths
        .store(true, std::sync::atomic::Ordering::Relaxed);
    let plan = Plan::quick(&QuickPlan {
        base_url: server.base_url.clone(),
        paths: vec!["/ok".into()],
        tool: "bench".into(),
        api_key: None,
        http_version: HttpVersion::Http1,
    })
    .unwrap();
    let load = match model {
        "open" => LoadArgs {
            rate: Some(10_000.0),
            ..LoadArgs::default()
        },
        _ => LoadArgs {
            concurrency: Some(32),
            ..LoadArgs::default()
        },
    };
    let config = validate(&LoadArgs {
        samples: Some(requests),
        ..load
    })
    .unwrap();
    let mut sink = BufWriter::new(std::io::sink());
    let outcome = run(&plan, &config, &mut sink).unwrap();
    // Requests dropped at the in-flight cap are counted, not recorded.
    println!("{} {}", outcome.endpoints[0].count, peak_rss_kib());
}

fn measure(model: &str, requests: u64) -> (f64, f64) {
    let output = Command::new(std::env::current_exe().unwrap())
        .args(["--child", model, &requests.to_string()])
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    let text = String::from_utf8_lossy(&output.stdout);
    let mut fields = text.split_whitespace().map(|field| field.parse().unwrap());
    (fields.next().unwrap(), fields.next().unwrap())
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if let [flag, model, requests] = &args[..]
        && flag == "--child"
    {
        child(model, requests.parse().unwrap());
        return;
    }
    let small: u64 = args.first().and_then(|s| s.parse().ok()).unwrap_or(100_000);
    let large: u64 = args
        .get(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(1_000_000);
    for model in ["closed", "open"] {
        let (small_requests, small_kib) = measure(model, small);
        let (large_requests, large_kib) = measure(model, large);
        println!(
            "{model} model: peak RSS {small_kib:.0} KiB after {small_requests:.0} recorded requests, {large_kib:.0} KiB after {large_requests:.0}: {:.1} bytes per request (target <= ~50)",
            (large_kib - small_kib) * 1024.0 / (large_requests - small_requests)
        );
    }
}
