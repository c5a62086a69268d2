//! `perf-gate import` and `--from FORMAT` on the reading commands, on real tool outputs
//! (`perf-import/tests/fixtures/`, made by the real tools).

use predicates::prelude::*;
use tests::{TempTree, perf_gate};

const K6: &str = "perf-import/tests/fixtures/k6-login-search.json.gz";
const K6_SUMMARY: &str = "perf-import/tests/fixtures/k6-login-search-summary.json";
const HYPERFINE: &str = "perf-import/tests/fixtures/hyperfine-routes.json";

#[test]
fn import_sniffs_each_file_and_writes_records_the_gate_reads() {
    let tree = TempTree::new();
    let out = tree.path().join("records.jsonl");
    perf_gate!()
        .args(["import", K6, HYPERFINE, "--out", out.as_str()])
        .assert()
        .code(0)
        .stdout(predicate::str::contains(
            "wrote 420 records and 0 summary records",
        ))
        .stderr(predicate::str::contains(
            "k6 (sniffed): 3628 items: 300 records",
        ))
        .stderr(predicate::str::contains(
            "hyperfine (sniffed): 120 items: 120 records",
        ));
    perf_gate!()
        .args(["summarize", out.as_str()])
        .assert()
        .code(0)
        .stderr(predicate::str::contains(
            "420 accepted, 0 filtered out, 0 rejected",
        ));
}

#[test]
fn gate_reads_another_tool_s_output_directly() {
    let tree = TempTree::new();
    let budgets = tree.write(
        "budgets.json",
        r#"{"*": {"*": {"p95": 100000, "min_samples": 5}}}"#,
    );
    perf_gate!()
        .args(["gate", "--from", "k6", K6, "--budgets", budgets.as_str()])
        .args(["--out-dir", tree.path().join("out").as_str()])
        .assert()
        .code(0)
        .stderr(predicate::str::contains("300 records"));
    let report: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(tree.path().join("out/report.json")).expect("report"),
    )
    .expect("JSON");
    let counted: u64 = report["checks"]
        .as_array()
        .expect("checks")
        .iter()
        .map(|check| check["sample_count"].as_u64().expect("a count"))
        .sum();
    // The p95 checks judge the successful requests (the default `latency_of`): 276 of the
    // 300, the other 24 failed.
    assert_eq!(
        counted, 276,
        "every successful imported request is judged once"
    );
}

/// Budgets on the reported figures still work; nothing that needs raw samples is computed, and
/// the report says so.
#[test]
fn an_aggregate_only_source_is_judged_on_its_reported_figures() {
    let tree = TempTree::new();
    let budgets = tree.write(
        "budgets.json",
        r#"{"http_req_duration": {"-": {"p95": 90, "error_rate": 0.5, "min_samples": 100}}}"#,
    );
    let output = perf_gate!()
        .args([
            "evaluate",
            "--from",
            "k6-summary",
            K6_SUMMARY,
            "--budgets",
            budgets.as_str(),
        ])
        .args(["--format", "json"])
        .output()
        .expect("perf-gate runs");
    // The reported p95 (91.78 ms) is over the 90 ms budget.
    assert_eq!(output.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&output.stderr).contains("4 summaries"));
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON");
    let checks = report["checks"].as_array().expect("checks");
    let p95 = checks
        .iter()
        .find(|check| check["metric"] == "p95")
        .expect("a p95 check");
    assert_eq!(
        p95["observed"], 91.78307915,
        "k6's own p(95), never a recomputed one"
    );
    assert_eq!(p95["status"], "fail");
    assert_eq!(p95["sample_count"], 300);
    assert_eq!(p95["confidence_interval"], serde_json::Value::Null);
    // http_req_failed.passes counts failures: 24 of 300.
    let error_rate = checks
        .iter()
        .find(|check| check["metric"] == "error_rate")
        .expect("an error-rate check");
    assert_eq!(error_rate["observed"], 0.08);
    let warnings = report["warnings"].to_string();
    assert!(
        warnings.contains("n/a: the source has no raw samples"),
        "{warnings}"
    );
}

#[test]
fn the_wrong_format_is_a_clear_error() {
    perf_gate!()
        .args(["summarize", "--from", "jmeter", HYPERFINE])
        .assert()
        .code(1)
        .stderr(predicate::str::starts_with("error: cannot import"));
}
