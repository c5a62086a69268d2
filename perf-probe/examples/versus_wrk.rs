//! The probe's sustained request rate next to `wrk`'s, on the same local server in the same run.
//!
//! `cargo run --release -p perf-probe --example versus_wrk -- [SECONDS] [CONNECTIONS]`
//! (defaults 5 and 32). The server is the tests' hyper server on its own thread. wrk runs with
//! one thread and with two; the probe runs its closed model (one thread) with as many workers
//! as wrk has connections, formatting every record (written to a discarding sink). Without
//! `wrk` on the PATH (`apt-get install -y wrk`) only the probe runs.

#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../tests/common/mod.rs"]
mod common;

use std::io::BufWriter;
use std::process::Command;
use std::time::Duration;

use perf_probe::{HttpVersion, LoadArgs, Plan, QuickPlan, render_summary, run, validate};

fn wrk_rate(url: &str, threads: u32, connections: u32, seconds: u64) -> Option<f64> {
    let output = Command::new("wrk")
        .args([
            format!("-t{threads}"),
            format!("-c{connections}"),
            format!("-d{seconds}s"),
            url.to_owned(),
        ])
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&output.stdout);
    text.lines()
        .find_map(|line| line.strip_prefix("Requests/sec:"))
        .and_then(|rate| rate.trim().parse().ok())
}

fn main() {
    let mut args = std::env::args().skip(1);
    let seconds: u64 = args.next().and_then(|s| s.parse().ok()).unwrap_or(5);
    let connections: u32 = args.next().and_then(|s| s.parse().ok()).unwrap_or(32);
    let server = common::start();
    let url = format!("{}/ok", server.base_url);

    let plan = Plan::quick(&QuickPlan {
        base_url: server.base_url.clone(),
        paths: vec!["/ok".into()],
        tool: "bench".into(),
        api_key: None,
        http_version: HttpVersion::Http1,
    })
    .unwrap();
    let config = validate(&LoadArgs {
        concurrency: Some(connections as usize),
        duration: Some(Duration::from_secs(seconds)),
        warmup_duration: Some(Duration::from_millis(500)),
        ..LoadArgs::default()
    })
    .unwrap();
    let mut sink = BufWriter::new(std::io::sink());
    let outcome = run(&plan, &config, &mut sink).unwrap();
    let probe_rate = outcome.endpoints[0].throughput_per_second;
    eprint!("{}", render_summary(&outcome));
    println!("perf-probe closed model, {connections} workers, 1 thread: {probe_rate:.0} req/s");

    // The open model at 80% of the closed model's rate: does the generator keep the schedule?
    let rate = (probe_rate * 0.8).round().max(1.0);
    let config = validate(&LoadArgs {
        rate: Some(rate),
        max_in_flight: Some(connections as usize * 4),
        duration: Some(Duration::from_secs(seconds)),
        warmup_duration: Some(Duration::from_millis(500)),
        ..LoadArgs::default()
    })
    .unwrap();
    let outcome = run(&plan, &config, &mut sink).unwrap();
    eprint!("{}", render_summary(&outcome));
    println!(
        "perf-probe open model at {rate:.0} req/s: {:.0} req/s achieved, lag p99 {:.2}ms, {} dropped",
        outcome.endpoints[0].throughput_per_second,
        outcome.self_check.lag_p99_ms.unwrap_or(f64::NAN),
        outcome.self_check.dropped
    );

    for threads in [1, 2] {
        match wrk_rate(&url, threads, connections, seconds) {
            Some(rate) => println!(
                "wrk -t{threads} -c{connections}: {rate:.0} req/s; perf-probe / wrk = {:.0}%",
                100.0 * probe_rate / rate
            ),
            None => {
                println!("wrk not found or its output not understood: comparison skipped");
                break;
            }
        }
    }
}
