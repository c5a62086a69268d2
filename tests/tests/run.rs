//! `perf-gate run` and `perf-gate gate --run` with real commands.

// Helpers outside #[test] functions may fail loudly: a failure is a test failure.
#![allow(clippy::unwrap_used)]

use predicates::prelude::*;
use tests::{TempTree, perf_gate};

const TOUCH_MEMORY: &str = env!("CARGO_BIN_EXE_touch-memory");

/// The records of a JSONL file, as JSON values.
fn records(path: &camino::Utf8Path) -> Vec<serde_json::Value> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect()
}

fn measure(record: &serde_json::Value, name: &str) -> f64 {
    record["measures"][name]
        .as_f64()
        .unwrap_or_else(|| panic!("{name} in {record}"))
}

#[test]
fn a_command_touching_200_mib_reports_200_mib() {
    let tree = TempTree::new();
    let out = tree.path().join("runs.jsonl");
    perf_gate!()
        .args([
            "run",
            "--runs",
            "2",
            "--warmup",
            "0",
            "--out",
            out.as_str(),
            "--",
        ])
        .args([TOUCH_MEMORY, "200"])
        .assert()
        .success()
        .stderr(predicate::str::contains(
            "run/touch-memory: 2 runs, 2 ok, 0 errors",
        ));
    let records = records(&out);
    assert_eq!(records.len(), 2);
    for record in &records {
        let peak = measure(record, "peak_rss_mb");
        assert!((180.0..=220.0).contains(&peak), "200 MiB +- 10%: {record}");
        assert_eq!(record["ok"], true);
        assert_eq!(record["exitCode"], 0);
        assert!(measure(record, "cpu_sys_ms") >= 0.0);
        assert!(["helper-wait4", "cgroup"].contains(&record["rssMethod"].as_str().unwrap()));
    }
}

#[test]
fn several_commands_are_named_interleaved_and_summarized() {
    let tree = TempTree::new();
    let out = tree.path().join("runs.jsonl");
    perf_gate!()
        .args(["run", "--runs", "3", "--warmup", "1", "--tool", "demo"])
        .args([
            "--name",
            "small",
            "--out",
            out.as_str(),
            "--",
            TOUCH_MEMORY,
            "1",
        ])
        .args([":::", "--name", "fail", "--", "sh", "-c", "exit 3"])
        .args([":::", "true"])
        .assert()
        .success()
        .stderr(
            predicate::str::contains("demo/small: 3 runs, 3 ok, 0 errors")
                .and(predicate::str::contains(
                    "run/fail: 3 runs, 0 ok, 3 errors (3x exit 3)",
                ))
                .and(predicate::str::contains("run/true: 3 runs, 3 ok")),
        );
    let records = records(&out);
    let steps: Vec<&str> = records
        .iter()
        .map(|record| record["step"].as_str().unwrap())
        .collect();
    assert_eq!(steps, ["small", "fail", "true"].repeat(4));
    // The first round is the warm-up, kept in the file and out of the statistics.
    assert!(
        records[..3]
            .iter()
            .all(|record| record["phase"] == "warmup")
    );
    assert!(
        records[3..]
            .iter()
            .all(|record| record.get("phase").is_none())
    );
    assert_eq!(records[1]["errorReason"], "exit 3");
    // The records are input for the rest of perf-gate.
    let summary = tests::stdout_of(
        perf_gate!(),
        &["summarize", "--format", "json", out.as_str()],
        0,
    );
    let summary: serde_json::Value = serde_json::from_str(&summary).unwrap();
    let counts: Vec<(&str, u64, u64)> = summary["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|group| {
            (
                group["step"].as_str().unwrap(),
                group["ok"].as_u64().unwrap(),
                group["errors"].as_u64().unwrap(),
            )
        })
        .collect();
    // Three measured runs each: the warm-up round is not counted.
    assert_eq!(counts, [("small", 3, 0), ("fail", 0, 3), ("true", 3, 0)]);
}

#[test]
fn a_command_that_cannot_start_fails_the_run_and_keeps_the_old_file() {
    let tree = TempTree::new();
    let out = tree.write("runs.jsonl", "old\n");
    perf_gate!()
        .args([
            "run",
            "--out",
            out.as_str(),
            "--",
            "/nonexistent/perf-gate-test",
        ])
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "error: cannot start `/nonexistent/perf-gate-test`: No such file or directory",
        ));
    assert_eq!(std::fs::read_to_string(&out).unwrap(), "old\n");
}

#[test]
fn a_timeout_is_a_failed_record() {
    perf_gate!()
        .args([
            "run",
            "--runs",
            "1",
            "--warmup",
            "0",
            "--timeout",
            "100ms",
            "--",
            "sleep",
            "30",
        ])
        .timeout(std::time::Duration::from_secs(20))
        .assert()
        .success()
        .stdout(predicate::str::contains("\"errorReason\":\"timeout\""))
        .stderr(predicate::str::contains("1x timeout"));
}

#[test]
fn names_are_escaped_on_stderr() {
    perf_gate!()
        .args([
            "run",
            "--runs",
            "1",
            "--warmup",
            "0",
            "--name",
            "evil\u{1b}[31m\u{7}name",
        ])
        .args(["--", "true"])
        .assert()
        .success()
        .stderr(
            predicate::str::contains('\u{1b}')
                .not()
                .and(predicate::str::contains('\u{7}').not()),
        );
}

#[test]
fn bad_command_lines_are_usage_errors() {
    for args in [
        &["run"][..],
        &["run", "--", "true", ":::"],
        &["run", "--", "true", ":::", "--name", "x"],
        &["run", "--timeout", "0s", "--", "true"],
        &["run", "--plan", "p.toml", "--", "true"],
        &["run", "--cgroup-parent", "/tmp", "--", "true"],
    ] {
        perf_gate!().args(args).assert().code(1);
    }
}

#[test]
fn gate_runs_the_plan_and_judges_what_it_measured() {
    let tree = TempTree::new();
    let plan = tree.write(
        "plan.toml",
        format!(
            "runs = 5\nwarmup = 1\n\n[[command]]\ntool = \"self\"\nname = \"small\"\nargv = [\"{TOUCH_MEMORY}\", \"1\"]\n\n[[command]]\ntool = \"self\"\nname = \"failing\"\nargv = [\"sh\", \"-c\", \"exit 1\"]\n"
        ),
    );
    let passing = tree.write(
        "pass.json",
        r#"{ "defaults": { "min_samples": 5 }, "self": { "small": { "max": 60000, "error_rate": 0 } } }"#,
    );
    let failing = tree.write(
        "fail.json",
        r#"{ "defaults": { "min_samples": 5 }, "self": { "*": { "max": 60000, "error_rate": 0 } } }"#,
    );
    let out_dir = tree.path().join("artifacts");
    perf_gate!()
        .args([
            "gate",
            "--run",
            plan.as_str(),
            "--budgets",
            passing.as_str(),
        ])
        .args(["--out-dir", out_dir.as_str()])
        .assert()
        .code(0)
        .stderr(predicate::str::contains("self/small: 5 runs, 5 ok"));
    let written = records(&out_dir.join("run.jsonl"));
    assert_eq!(written.len(), 12, "2 commands x (1 warm-up + 5 runs)");
    perf_gate!()
        .args([
            "gate",
            "--run",
            plan.as_str(),
            "--budgets",
            failing.as_str(),
        ])
        .args(["--out-dir", out_dir.as_str()])
        .assert()
        .code(3)
        .stdout(predicate::str::contains("failing"));
}

#[test]
fn the_binary_itself_is_a_launch_helper() {
    // `perf-gate run` falls back to `perf-gate __run-helper` when perf-gate-run-helper is not
    // installed beside it: the same protocol line, from the same helper code.
    let output = perf_gate!()
        .args([
            "__run-helper",
            "--timeout-ms",
            "60000",
            "--",
            "sh",
            "-c",
            "exit 3",
        ])
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    let line = String::from_utf8(output.stdout).unwrap();
    let report = perf_run::helper::Report::parse(&line);
    match report {
        Some(perf_run::helper::Report::Done(usage)) => {
            assert_eq!(usage.exit, perf_run::helper::Exit::Code(3));
            assert!(usage.max_rss_kib > 0, "{line}");
        }
        other => panic!("{other:?} from {line:?}"),
    }
}
