//! The probe's sustained request rate next to `wrk`'s, on the same local server in the same run.
//!
//! `cargo run --release -p perf-probe --example versus_wrk -- [SECONDS] [CONNECTIONS] [ROUNDS]`
//! (defaults 3, 32 and 3). The server is the tests' hyper server on its own thread.
//!
//! **The fair peer is `wrk -t1 -cC`**: the probe runs on one thread (a single-threaded tokio
//! runtime), so wrk gets one thread too, and as many connections as the probe has closed-model
//! workers. The two alternate, `ROUNDS` times, so the noise of a shared machine hits both alike;
//! each round prints both rates, their ratio, and the CPU time each spent per request (the
//! probe's thread, wrk's process), which depends far less on what else the machine runs than a
//! rate does. The probe formats every record (into a discarding sink). Then, for information,
//! `wrk -t2` once, and the probe's open model at 80% of its closed rate (does it keep the
//! schedule?). Without `wrk` on the PATH (`apt-get install -y wrk`) only the probe runs.

#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../tests/common/mod.rs"]
mod common;

use std::io::BufWriter;
use std::process::Command;
use std::time::Duration;

use perf_probe::{
    HttpVersion, LoadArgs, Plan, ProbeOutcome, QuickPlan, render_summary, run, validate,
};

/// What one load generator achieved.
struct Measured {
    rate: f64,
    /// CPU seconds per request, when known.
    cpu_per_request: Option<f64>,
}

/// Clock ticks per second of `/proc/*/stat` times.
fn clock_ticks() -> f64 {
    Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|output| String::from_utf8_lossy(&output.stdout).trim().parse().ok())
        .unwrap_or(100.0)
}

/// Fields of a `/proc/.../stat` line after the command name (index 0 is the state).
fn stat_fields(path: &str) -> Vec<f64> {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let after = text.rsplit_once(')').map_or("", |(_, rest)| rest);
    after
        .split_whitespace()
        .map(|field| field.parse().unwrap_or(0.0))
        .collect()
}

/// CPU seconds of this thread (user + system).
fn thread_cpu(ticks: f64) -> f64 {
    let fields = stat_fields("/proc/thread-self/stat");
    (fields.get(11).unwrap_or(&0.0) + fields.get(12).unwrap_or(&0.0)) / ticks
}

/// CPU seconds of this process's waited-for children (user + system).
fn children_cpu(ticks: f64) -> f64 {
    let fields = stat_fields("/proc/self/stat");
    (fields.get(13).unwrap_or(&0.0) + fields.get(14).unwrap_or(&0.0)) / ticks
}

fn wrk(url: &str, threads: u32, connections: u32, seconds: u64, ticks: f64) -> Option<Measured> {
    let before = children_cpu(ticks);
    let output = Command::new("wrk")
        .args([
            format!("-t{threads}"),
            format!("-c{connections}"),
            format!("-d{seconds}s"),
            url.to_owned(),
        ])
        .output()
        .ok()?;
    let cpu = children_cpu(ticks) - before;
    let text = String::from_utf8_lossy(&output.stdout);
    let rate: f64 = text
        .lines()
        .find_map(|line| line.strip_prefix("Requests/sec:"))
        .and_then(|rate| rate.trim().parse().ok())?;
    // "  123456 requests in 3.00s, 9.87MB read"
    let requests: Option<f64> = text
        .lines()
        .find(|line| line.contains(" requests in "))
        .and_then(|line| line.split_whitespace().next())
        .and_then(|count| count.parse().ok());
    Some(Measured {
        rate,
        cpu_per_request: requests.filter(|&n| n > 0.0).map(|n| cpu / n),
    })
}

fn probe(plan: &Plan, load: &LoadArgs, ticks: f64) -> (Measured, ProbeOutcome) {
    let config = validate(load).unwrap();
    let mut sink = BufWriter::new(std::io::sink());
    let before = thread_cpu(ticks);
    let outcome = run(plan, &config, &mut sink).unwrap();
    let cpu = thread_cpu(ticks) - before;
    let endpoint = &outcome.endpoints[0];
    let requests = (endpoint.count + endpoint.warmup) as f64;
    let measured = Measured {
        rate: endpoint.throughput_per_second,
        cpu_per_request: (requests > 0.0).then(|| cpu / requests),
    };
    (measured, outcome)
}

fn micros(cpu_per_request: Option<f64>) -> String {
    cpu_per_request.map_or_else(|| "-".to_owned(), |cpu| format!("{:.1}", cpu * 1e6))
}

fn main() {
    let mut args = std::env::args().skip(1);
    let seconds: u64 = args.next().and_then(|s| s.parse().ok()).unwrap_or(3);
    let connections: u32 = args.next().and_then(|s| s.parse().ok()).unwrap_or(32);
    let rounds: u32 = args.next().and_then(|s| s.parse().ok()).unwrap_or(3);
    let ticks = clock_ticks();
    let server = common::start();
    server
        .state
        .forget_paths
        .store(true, std::sync::atomic::Ordering::Relaxed);
    let url = format!("{}/ok", server.base_url);

    let plan = Plan::quick(&QuickPlan {
        base_url: server.base_url.clone(),
        paths: vec!["/ok".into()],
        tool: "bench".into(),
        api_key: None,
        http_version: HttpVersion::Http1,
    })
    .unwrap();
    let closed = LoadArgs {
        concurrency: Some(connections as usize),
        duration: Some(Duration::from_secs(seconds)),
        warmup_duration: Some(Duration::from_millis(500)),
        ..LoadArgs::default()
    };

    println!(
        "probe (closed model, {connections} workers, 1 thread) vs wrk -t1 -c{connections} (the fair peer), {seconds}s each, alternating"
    );
    let mut ratios = Vec::new();
    // wrk's CPU per request over the probe's: how efficient the probe is, whoever got the CPU.
    let mut efficiencies = Vec::new();
    let mut probe_rates = Vec::new();
    let mut wrk_missing = false;
    for round in 1..=rounds {
        let peer = if wrk_missing {
            None
        } else {
            wrk(&url, 1, connections, seconds, ticks)
        };
        wrk_missing = peer.is_none();
        let (measured, outcome) = probe(&plan, &closed, ticks);
        if round == 1 {
            eprint!("{}", render_summary(&outcome));
        }
        probe_rates.push(measured.rate);
        match peer {
            Some(peer) => {
                let ratio = measured.rate / peer.rate;
                ratios.push(ratio);
                if let (Some(probe_cpu), Some(wrk_cpu)) =
                    (measured.cpu_per_request, peer.cpu_per_request)
                {
                    efficiencies.push(wrk_cpu / probe_cpu);
                }
                println!(
                    "  round {round}: perf-probe {:.0} req/s ({} µs CPU/req), wrk {:.0} req/s ({} µs CPU/req): {:.0}%",
                    measured.rate,
                    micros(measured.cpu_per_request),
                    peer.rate,
                    micros(peer.cpu_per_request),
                    100.0 * ratio
                );
            }
            None => println!(
                "  round {round}: perf-probe {:.0} req/s ({} µs CPU/req); wrk not found or its output not understood: no comparison",
                measured.rate,
                micros(measured.cpu_per_request)
            ),
        }
    }
    if !ratios.is_empty() {
        ratios.sort_by(f64::total_cmp);
        println!(
            "perf-probe / wrk -t1: median {:.0}% (min {:.0}%, max {:.0}%) over {} rounds (target >= 70%)",
            100.0 * ratios[ratios.len() / 2],
            100.0 * ratios[0],
            100.0 * ratios[ratios.len() - 1],
            ratios.len()
        );
        if !efficiencies.is_empty() {
            efficiencies.sort_by(f64::total_cmp);
            println!(
                "CPU per request, wrk / perf-probe: median {:.0}% (min {:.0}%, max {:.0}%): the rate ratio two equal cores would give",
                100.0 * efficiencies[efficiencies.len() / 2],
                100.0 * efficiencies[0],
                100.0 * efficiencies[efficiencies.len() - 1]
            );
        }
        if let Some(two) = wrk(&url, 2, connections, seconds, ticks) {
            println!(
                "for information, wrk -t2 -c{connections}: {:.0} req/s ({} µs CPU/req): two client threads and the server share 2 cores",
                two.rate,
                micros(two.cpu_per_request)
            );
        }
    }

    // The open model at 80% of the closed model's rate: does the generator keep the schedule?
    probe_rates.sort_by(f64::total_cmp);
    let rate = (probe_rates[probe_rates.len() / 2] * 0.8).round().max(1.0);
    let config = validate(&LoadArgs {
        rate: Some(rate),
        max_in_flight: Some(connections as usize * 4),
        duration: Some(Duration::from_secs(seconds)),
        warmup_duration: Some(Duration::from_millis(500)),
        ..LoadArgs::default()
    })
    .unwrap();
    let mut sink = BufWriter::new(std::io::sink());
    let outcome = run(&plan, &config, &mut sink).unwrap();
    eprint!("{}", render_summary(&outcome));
    println!(
        "perf-probe open model at {rate:.0} req/s: {:.0} req/s achieved, lag p99 {:.2}ms, {} dropped",
        outcome.endpoints[0].throughput_per_second,
        outcome.self_check.lag_p99_ms.unwrap_or(f64::NAN),
        outcome.self_check.dropped
    );
}
