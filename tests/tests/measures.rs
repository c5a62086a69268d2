//! Budgets over record measures (issue 16): a memory budget fails when exceeded, passes when
//! under, and has no data when the records do not carry the measure.

use predicates::prelude::*;
use tests::{TempTree, perf_gate, svc_get_lines};

/// 20 records of svc/get at 5 ms, with `measures.peak_rss_mb` = `peak_mb(i)` when given.
fn records(peak_mb: Option<fn(u32) -> f64>) -> String {
    let lines = svc_get_lines(20, |_| 5.0);
    match peak_mb {
        None => lines,
        Some(peak_mb) => lines
            .lines()
            .enumerate()
            .map(|(index, line)| {
                let peak = peak_mb(index as u32);
                format!(
                    "{},\"measures\":{{\"peak_rss_mb\":{peak},\"allocs\":812}}}}\n",
                    line.trim_end_matches('}')
                )
            })
            .collect(),
    }
}

const BUDGET: &str =
    r#"{ "svc": { "get": { "max": 50, "min_samples": 10, "peak_rss_mb": { "max": 10 } } } }"#;

fn gate(tree: &TempTree, logs: &str) -> assert_cmd::assert::Assert {
    let log = tree.write("logs/run.jsonl", logs);
    let budgets = tree.write("budgets.json", BUDGET);
    perf_gate!()
        .args(["evaluate", log.as_str(), "--budgets", budgets.as_str()])
        .assert()
}

#[test]
fn a_memory_budget_fails_when_exceeded() {
    let tree = TempTree::new();
    gate(&tree, &records(Some(|i| if i == 7 { 12.5 } else { 8.0 })))
        .code(3)
        .stdout(predicate::str::starts_with(
            "perf-gate FAIL: 1 budget violation (svc/get peak_rss_mb max 12.50 MiB > 10.00 MiB)",
        ));
}

#[test]
fn a_memory_budget_passes_when_under() {
    let tree = TempTree::new();
    gate(&tree, &records(Some(|i| 4.0 + f64::from(i) / 10.0)))
        .code(0)
        .stdout(predicate::str::contains("peak_rss_mb max"))
        .stdout(predicate::str::contains(
            "5.90 MiB <= 10.00 MiB (4.10 MiB headroom)",
        ));
}

#[test]
fn a_memory_budget_has_no_data_without_the_measure() {
    let tree = TempTree::new();
    gate(&tree, &records(None))
        .code(2)
        .stdout(predicate::str::contains(
            "1 check without data (svc/get peak_rss_mb max)",
        ));
}

#[test]
fn the_json_report_names_the_measure_and_its_unit() {
    let tree = TempTree::new();
    let log = tree.write("logs/run.jsonl", records(Some(|_| 12.0)));
    let budgets = tree.write("budgets.json", BUDGET);
    let output = perf_gate!()
        .args([
            "evaluate",
            log.as_str(),
            "--budgets",
            budgets.as_str(),
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(3));
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let checks = report["checks"].as_array().unwrap();
    let memory = checks
        .iter()
        .find(|check| check.get("measure").is_some())
        .unwrap();
    assert_eq!(memory["metric"], "max");
    assert_eq!(memory["unit"], "measure");
    assert_eq!(memory["measure"]["name"], "peak_rss_mb");
    assert_eq!(memory["measure"]["unit"], "MiB");
    assert_eq!(memory["measure"]["direction"], "higher_is_worse");
    assert_eq!(memory["observed"], 12.0);
    assert_eq!(memory["status"], "fail");
}

/// `count` records of svc/get, `spacing_ms` apart from 10:00:00.
fn spaced(count: u32, spacing_ms: u32) -> String {
    (0..count)
        .map(|i| {
            let at = i * spacing_ms;
            format!(
                "{{\"ts\":\"2025-10-16T10:{:02}:{:02}.{:03}Z\",\"tool\":\"svc\",\"step\":\"get\",\"ms\":5,\"ok\":{}}}\n",
                at / 60_000,
                at / 1000 % 60,
                at % 1000,
                i % 10 != 0
            )
        })
        .collect()
}

#[test]
fn a_throughput_floor_is_checked_on_the_records_own_clock() {
    let tree = TempTree::new();
    let budgets = tree.write(
        "budgets.json",
        r#"{ "svc": { "get": { "throughput_rps": { "min": 100 } } } }"#,
    );
    let evaluate = |logs: String| {
        let log = tree.write("logs/run.jsonl", logs);
        perf_gate!()
            .args(["evaluate", log.as_str(), "--budgets", budgets.as_str()])
            .assert()
    };
    // 501 records 8 ms apart (every tenth an error, still a record served): 125 per second.
    evaluate(spaced(501, 8))
        .code(0)
        .stdout(predicate::str::contains(
            "throughput_rps min  125.00 /s >= 100.00 /s (25.00 /s headroom)  n=501",
        ));
    // 20 ms apart: 50 per second, under the floor.
    evaluate(spaced(501, 20))
        .code(3)
        .stdout(predicate::str::starts_with(
            "perf-gate FAIL: 1 budget violation (svc/get throughput_rps min 50.00 /s < 100.00 /s)",
        ));
    // One record: no throughput, no data with the reason, never a made-up rate.
    evaluate(spaced(1, 8))
        .code(2)
        .stdout(predicate::str::contains("svc/get throughput_rps min"))
        .stdout(predicate::str::contains(
            "svc/get has no throughput_rps: fewer than two records",
        ));
    // A record that carries throughput_rps itself is rejected, naming the field.
    let own = r#"{"ts":"2025-10-16T10:00:00Z","tool":"svc","step":"get","ms":5,"ok":true,"measures":{"throughput_rps":120}}"#;
    evaluate(format!("{own}\n{}", spaced(10, 8))).stderr(predicate::str::contains(
        "\"throughput_rps\" is derived per group",
    ));
}

#[test]
fn summarize_shows_the_throughput() {
    let tree = TempTree::new();
    let log = tree.write("logs/run.jsonl", spaced(501, 8));
    let output = perf_gate!()
        .args(["summarize", log.as_str(), "--format", "json"])
        .assert()
        .code(0)
        .get_output()
        .stdout
        .clone();
    let summary: serde_json::Value = serde_json::from_slice(&output).unwrap();
    assert_eq!(summary["groups"][0]["throughput_rps"], 125.0);
    perf_gate!()
        .args(["summarize", log.as_str()])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("125.00/s"));
}
