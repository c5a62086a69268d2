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
        .stdout(predicate::str::contains("18.91ms"));
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

/// One gated run of 50 `svc/get` records at `level` ms (plus a little per-run jitter), recorded.
fn gate_run(tree: &TempTree, location: &str, budgets: &str, run: u32, level: f64) -> (i32, String) {
    let jitter = f64::from(run) * 0.01;
    let logs = tree.write(
        &format!("logs{run}/svc.jsonl"),
        // 80 latencies: enough for a p95 interval (72), so a pass is a plain pass.
        svc_get_lines(80, |i| level + f64::from(i % 5) + jitter),
    );
    let out_dir = tree.path().join(format!("out{run}"));
    let output = perf_gate!()
        .args([
            "-q",
            "gate",
            logs.as_str(),
            "--budgets",
            budgets,
            "--out-dir",
            out_dir.as_str(),
        ])
        .args(["--record-history", "--history", location])
        .output()
        .unwrap_or_else(|error| panic!("perf-gate: {error}"));
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
    )
}

#[test]
fn trend_and_consecutive_rules_fail_only_when_the_history_confirms() {
    let tree = TempTree::new();
    let location = history(&tree);
    let budgets = tree.write(
        "budgets.json",
        r#"{ "svc": { "get": { "p95": 20, "min_samples": 5,
                               "trend": {"max_change": "10%", "window": 20}, "consecutive": 3 } } }"#,
    );
    for run in 1..=8 {
        let (code, text) = gate_run(&tree, &location, budgets.as_str(), run, 10.0);
        assert_eq!(code, 0, "run {run}: {text}");
    }
    // The first two breaches of p95 <= 20 are warnings ("1 of 3", "2 of 3"), and two slow runs
    // are not yet a change point (a segment needs three).
    for run in 9..=10 {
        let (code, text) = gate_run(&tree, &location, budgets.as_str(), run, 20.0);
        assert_eq!(code, 0, "run {run}: {text}");
        assert!(
            text.contains(&format!("consecutive p95 breaches: {} of 3", run - 8)),
            "{text}"
        );
        assert!(text.contains("[PASS] trend over"), "{text}");
    }
    let (code, text) = gate_run(&tree, &location, budgets.as_str(), 11, 20.0);
    assert_eq!(code, 3, "{text}");
    assert!(
        text.contains("[FAIL] consecutive p95 breaches: 3 of 3"),
        "{text}"
    );
    assert!(
        text.contains("[FAIL] trend over 11 run(s): latest change point +"),
        "{text}"
    );
    assert!(text.contains("regression at run 9: "), "{text}");
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(tree.path().join("out11/report.json")).unwrap())
            .unwrap();
    assert_eq!(report["schema_version"], perf_report::REPORT_SCHEMA_VERSION);
    assert_eq!(report["verdict"], "fail");
    let group = &report["history"]["groups"][0];
    assert_eq!(group["series"].as_array().unwrap().len(), 11);
    assert_eq!(group["change_points"][0]["index"], 8);
    assert_eq!(group["change_points"][0]["kind"], "regression");
    assert!(
        group["change_points"][0]["confirmation_p_value"]
            .as_f64()
            .unwrap()
            < 0.05
    );
    let junit = std::fs::read_to_string(tree.path().join("out11/junit.xml")).unwrap();
    assert!(
        junit.contains("<testsuite name=\"perf-gate history\" tests=\"2\" failures=\"2\""),
        "{junit}"
    );
    // Its test cases carry a `time` like every other suite's (0: a rule is not a duration).
    let history_cases: Vec<&str> = junit
        .lines()
        .filter(|line| line.contains("<testcase classname=\"history."))
        .collect();
    assert_eq!(history_cases.len(), 2, "{junit}");
    assert!(
        history_cases
            .iter()
            .all(|case| case.ends_with(" time=\"0\">")),
        "{junit}"
    );
    let markdown = std::fs::read_to_string(tree.path().join("out11/report.md")).unwrap();
    assert!(markdown.contains("### History"), "{markdown}");
    // report.html draws the series, with its change point, in the group's section.
    let page = std::fs::read_to_string(tree.path().join("out11/report.html")).unwrap();
    assert!(page.contains("id=\"g0-series\""), "no series chart");
    assert!(page.contains("over the run history"), "no series caption");
    assert!(
        page.contains(">change</text>"),
        "the change point is not marked"
    );
    // The rules' verdicts and the change point are recorded with the run.
    let show = perf_gate!()
        .args([
            "history",
            "show",
            "11",
            "--history",
            &location,
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    let show: serde_json::Value = serde_json::from_slice(&show.stdout).unwrap();
    let rules: Vec<&str> = show["verdicts"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|verdict| verdict["rule"].as_str())
        .collect();
    assert_eq!(rules, ["budget", "trend", "consecutive"]);
    assert_eq!(show["change_points"][0]["at_run"], 9);
}

#[test]
fn history_stores_measures_and_throughput_and_trends_them() {
    let tree = TempTree::new();
    let location = history(&tree);
    for (run, base) in [(0, 40.0), (1, 48.0)] {
        // 20 records a second apart: 19 intervals over 19 s, one per second.
        let logs: String = svc_get_lines(20, |_| 5.0)
            .lines()
            .enumerate()
            .map(|(index, line)| {
                format!(
                    "{},\"measures\":{{\"peak_rss_mb\":{}}}}}\n",
                    line.trim_end_matches('}'),
                    base + index as f64
                )
            })
            .collect();
        let log = tree.write(&format!("logs-{run}/run.jsonl"), logs);
        let budgets = tree.write(
            "budgets.json",
            r#"{ "svc": { "get": { "max": 50, "min_samples": 10, "peak_rss_mb": { "max": 100 },
                 "throughput_rps": { "min": 0.5 } } } }"#,
        );
        let out_dir = tree.path().join(format!("out-{run}"));
        perf_gate!()
            .args(["-q", "gate", log.as_str(), "--budgets", budgets.as_str()])
            .args(["--out-dir", out_dir.as_str(), "--record-history"])
            .args(["--history", &location, "--commit", &format!("c{run}")])
            .assert()
            .code(0);
    }
    let trend = |metric: &str, format: &str| {
        let output = perf_gate!()
            .args(["history", "trend", "svc/get", "--metric", metric])
            .args(["--history", &location, "--format", format])
            .assert()
            .code(0)
            .get_output()
            .stdout
            .clone();
        String::from_utf8(output).unwrap()
    };
    let rss: serde_json::Value = serde_json::from_str(&trend("peak_rss_mb max", "json")).unwrap();
    assert_eq!(rss["metric"], "peak_rss_mb max");
    let values: Vec<f64> = rss["points"]
        .as_array()
        .unwrap()
        .iter()
        .map(|point| point["value"].as_f64().unwrap())
        .collect();
    assert_eq!(values, [59.0, 67.0]);
    let text = trend("peak_rss_mb max", "text");
    assert!(text.contains("67.00 MiB"), "{text}");
    let throughput = trend("throughput_rps", "text");
    assert!(
        throughput.starts_with("svc/get throughput_rps, 2 run(s)"),
        "{throughput}"
    );
    assert_eq!(throughput.matches("1.00/s").count(), 2, "{throughput}");
    // `history show` lists the measures; a statistic a measure cannot have is a usage error.
    perf_gate!()
        .args(["history", "show", "2", "--history", &location])
        .assert()
        .code(0)
        .stdout(
            predicate::str::contains("\nmeasures\n")
                .and(predicate::str::contains("throughput_rps"))
                .and(predicate::str::contains("67.00 MiB")),
        );
    perf_gate!()
        .args([
            "history",
            "trend",
            "svc/get",
            "--metric",
            "peak_rss_mb error_rate",
        ])
        .args(["--history", &location])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("peak_rss_mb p95"));
    // The measure verdicts are recorded beside the latency ones, by their label.
    let show = perf_gate!()
        .args([
            "history",
            "show",
            "2",
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
    let metrics: Vec<&str> = show["verdicts"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|verdict| verdict["metric"].as_str())
        .collect();
    assert!(metrics.contains(&"peak_rss_mb max"), "{metrics:?}");
    assert!(metrics.contains(&"throughput_rps min"), "{metrics:?}");
    assert_eq!(show["groups"][0]["throughput_rps"], 1.0);
}
