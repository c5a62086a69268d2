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
    assert_eq!(counted, 300, "every imported request is judged once");
}

#[test]
fn an_aggregate_only_source_says_it_has_no_raw_samples() {
    let tree = TempTree::new();
    let budgets = tree.write("budgets.json", r#"{"*": {"*": {"p95": 100000}}}"#);
    perf_gate!()
        .args([
            "evaluate",
            "--from",
            "k6-summary",
            K6_SUMMARY,
            "--budgets",
            budgets.as_str(),
        ])
        .args(["--format", "json"])
        .assert()
        .stdout(predicate::str::contains(
            "n/a: the source has no raw samples",
        ))
        .stderr(predicate::str::contains("4 summaries"));
}

#[test]
fn the_wrong_format_is_a_clear_error() {
    perf_gate!()
        .args(["summarize", "--from", "jmeter", HYPERFINE])
        .assert()
        .code(1)
        .stderr(predicate::str::starts_with("error: cannot import"));
}
