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
