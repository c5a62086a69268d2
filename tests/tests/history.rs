//! `perf-gate gate --record-history` and `perf-gate history ...` end to end, on an SQLite file
//! (the store's own suite runs both backends; here the binary's wiring is under test).

use predicates::prelude::*;
use tests::{TempTree, perf_gate, svc_get_lines};

const FAIL: &str = "examples/budgets-fail.json";
const PASS: &str = "examples/budgets-pass.json";

fn history(tree: &TempTree) -> String {
    format!("sqlite:{}/h/history.sqlite", tree.path())
}

#[test]
fn gate_records_the_final_report_and_history_reads_it_back() {
    let tree = TempTree::new();
    let location = history(&tree);
    let out_dir = tree.path().join("out");
    perf_gate!()
        .args([
            "-q",
            "gate",
            "examples/logs",
            "--budgets",
            FAIL,
            "--out-dir",
            out_dir.as_str(),
        ])
        .args([
            "--record-history",
            "--history",
            &location,
            "--commit",
            "c0ffee",
            "--branch",
            "main",
        ])
        .assert()
        .code(3);
    // The environment names the history when --history does not.
    perf_gate!()
        .args([
            "-q",
            "history",
            "record",
            "examples/logs",
            "--budgets",
            PASS,
            "--commit",
            "beef",
        ])
        .env("PERF_GATE_HISTORY_URL", &location)
        .assert()
        .code(0);
    let list = perf_gate!()
        .args([
            "history",
            "list",
            "--history",
            &location,
            "--format",
            "json",
        ])
        .assert()
        .code(0)
        .get_output()
        .stdout
        .clone();
    let list: serde_json::Value = serde_json::from_slice(&list).unwrap();
    assert_eq!(list["schema_version"], 1);
    let runs = list["runs"].as_array().unwrap();
    assert_eq!(runs.len(), 2);
    assert_eq!(
        (runs[1]["commit"].as_str(), runs[1]["source"].as_str()),
        (Some("c0ffee"), Some("gate"))
    );
    assert_eq!(runs[1]["branch"], "main");
    assert_eq!(runs[0]["source"], "record");
    assert_eq!(runs[0]["failures"], 0);

    // Every check of the JSON report is a recorded verdict, in the report's order.
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out_dir.join("report.json")).unwrap()).unwrap();
    let show = perf_gate!()
        .args([
            "history",
            "show",
            "1",
            "--history",
            &location,
            "--format",
            "json",
        ])
        .assert()
        .code(0)
        .get_output()
        .stdout
        .clone();
    let show: serde_json::Value = serde_json::from_slice(&show).unwrap();
    let checks = report["checks"].as_array().unwrap();
    let verdicts = show["verdicts"].as_array().unwrap();
    assert_eq!(verdicts.len(), checks.len());
    for (verdict, check) in verdicts.iter().zip(checks) {
        assert_eq!(verdict["status"], check["status"]);
        assert_eq!(verdict["metric"], check["metric"]);
        assert_eq!(verdict["observed"], check["observed"]);
    }
    assert_eq!(show["run"]["failures"], report["counts"]["failed"]);

    perf_gate!()
        .args([
            "history",
            "trend",
            "a2a/echo",
            "--metric",
            "avg",
            "--history",
            &location,
        ])
        .assert()
        .code(0)
        .stdout(predicate::str::starts_with("a2a/echo avg, 2 run(s)\n"))
        .stdout(predicate::str::contains("18.84ms"));
    perf_gate!()
        .args([
            "history",
            "export",
            "--format",
            "csv",
            "--history",
            &location,
        ])
        .assert()
        .code(0)
        .stdout(predicate::str::starts_with(
            "run,time,commit,branch,source,environment,tool,step,statistic",
        ));
}

#[test]
fn prune_keeps_the_annotated_run() {
    let tree = TempTree::new();
    let location = history(&tree);
    let logs = tree.write(
        "logs/svc.jsonl",
        svc_get_lines(20, |i| 10.0 + f64::from(i % 5)),
    );
    let budgets = tree.write(
        "budgets.json",
        r#"{ "svc": { "get": { "p95": 50, "min_samples": 5 } } }"#,
    );
    for _ in 0..3 {
        perf_gate!()
            .args([
                "-q",
                "history",
                "record",
                logs.as_str(),
                "--budgets",
                budgets.as_str(),
            ])
            .args(["--history", &location])
            .assert()
            .code(0);
    }
    perf_gate!()
        .args([
            "-q",
            "history",
            "annotate",
            "1",
            "--kind",
            "environment-changed",
            "--note",
            "new runner",
        ])
        .args(["--history", &location])
        .assert()
        .code(0);
    perf_gate!()
        .args(["history", "prune", "--keep-runs", "1", "--history", &location])
        .assert()
        .code(0)
        .stdout("deleted 1 run(s), 2 left\n  deleted: 2\n  kept because an annotation or a baseline refers to them: 1\n");
    perf_gate!()
        .args(["history", "show", "1", "--history", &location])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("environment_changed (whole run, "))
        .stdout(predicate::str::contains("new runner"));
}

#[test]
fn history_errors_exit_1_and_never_print_the_password() {
    perf_gate!()
        .args([
            "history",
            "list",
            "--history",
            "postgres://ci:hunter2@127.0.0.1:1/perf",
        ])
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "postgres://ci:***@127.0.0.1:1/perf",
        ))
        .stderr(predicate::str::contains("hunter2").not());
    perf_gate!()
        .args([
            "-v",
            "history",
            "list",
            "--history",
            "host=127.0.0.1 port=1 password=hunter2",
        ])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("hunter2").not());
    let tree = TempTree::new();
    perf_gate!()
        .args(["history", "show", "7", "--history", &history(&tree)])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("history has no run 7"));
    perf_gate!()
        .args(["history", "trend", "no-slash", "--history", &history(&tree)])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("is not TOOL/STEP"));
}

#[test]
fn recording_nothing_exits_2() {
    let tree = TempTree::new();
    let empty = tree.write("logs/empty.jsonl", "");
    perf_gate!()
        .args([
            "-q",
            "history",
            "record",
            empty.as_str(),
            "--budgets",
            PASS,
            "--history",
            &history(&tree),
        ])
        .assert()
        .code(2);
}
