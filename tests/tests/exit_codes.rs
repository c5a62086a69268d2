//! The exit-code contract: 0 pass, 3 violation or regression, 2 insufficient samples or no data,
//! 1 usage, input or configuration error, which always comes with one `error:` line on stderr.

use predicates::prelude::*;
use tests::{TempTree, perf_gate, svc_get_lines};

const PASS: &str = "examples/budgets-pass.json";
const FAIL: &str = "examples/budgets-fail.json";

#[test]
fn passing_budgets_exit_0() {
    perf_gate!()
        .args(["-q", "evaluate", "examples/logs", "--budgets", PASS])
        .assert()
        .code(0)
        .stdout(predicate::str::starts_with("perf-gate PASS: "))
        .stderr("");
}

#[test]
fn violated_budgets_exit_3() {
    perf_gate!()
        .args(["-q", "evaluate", "examples/logs", "--budgets", FAIL])
        .assert()
        .code(3)
        .stdout(predicate::str::starts_with("perf-gate FAIL: "))
        .stdout(predicate::str::contains("[FAIL] a2a/echo"));
}

#[test]
fn too_few_samples_exit_2() {
    perf_gate!()
        .args([
            "-q",
            "evaluate",
            "examples/logs",
            "--budgets",
            PASS,
            "--min-samples",
            "1000",
        ])
        .assert()
        .code(2)
        .stdout(predicate::str::contains("insufficient"));
}

#[test]
fn budgeted_step_without_data_exits_2() {
    let tree = TempTree::new();
    let budgets = tree.write(
        "budgets.json",
        r#"{ "wsap": { "import": { "p95": 80 }, "teleport": { "p95": 10 } } }"#,
    );
    perf_gate!()
        .args([
            "-q",
            "evaluate",
            "examples/logs",
            "--budgets",
            budgets.as_str(),
        ])
        .assert()
        .code(2)
        .stdout(predicate::str::contains("wsap/teleport"));
}

#[test]
fn a_violation_wins_over_missing_data() {
    let tree = TempTree::new();
    let budgets = tree.write(
        "budgets.json",
        r#"{ "a2a": { "echo": { "avg": 1 } }, "wsap": { "teleport": { "p95": 10 } } }"#,
    );
    perf_gate!()
        .args([
            "-q",
            "evaluate",
            "examples/logs",
            "--budgets",
            budgets.as_str(),
        ])
        .assert()
        .code(3);
}

#[test]
fn broken_budget_file_exits_1_with_one_error_line() {
    let tree = TempTree::new();
    let budgets = tree.write(
        "budgets.json",
        r#"{ "wsap": { "import": { "p95": "fast" } } }"#,
    );
    let assert = perf_gate!()
        .args([
            "-q",
            "evaluate",
            "examples/logs",
            "--budgets",
            budgets.as_str(),
        ])
        .assert()
        .code(1)
        .stdout("");
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr).into_owned();
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.starts_with("error: "), "{stderr}");
    assert!(stderr.contains("budgets.json"), "{stderr}");
    assert!(stderr.contains("p95"), "{stderr}");
}

#[test]
fn budget_file_that_is_not_json_exits_1() {
    let tree = TempTree::new();
    let budgets = tree.write("budgets.json", "{ \"wsap\": ");
    perf_gate!()
        .args(["evaluate", "examples/logs", "--budgets", budgets.as_str()])
        .assert()
        .code(1)
        .stderr(predicate::str::starts_with("error: ").and(predicate::str::contains("line 1")));
}

#[test]
fn missing_budget_file_exits_1_naming_it() {
    perf_gate!()
        .args(["gate", "examples/logs", "--budgets", "no/such/budgets.json"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("no/such/budgets.json"));
}

#[test]
fn missing_input_root_exits_1() {
    perf_gate!()
        .args(["evaluate", "no/such/logs", "--budgets", PASS])
        .assert()
        .code(1)
        .stderr(
            predicate::str::starts_with("error: ").and(predicate::str::contains("no/such/logs")),
        );
}

#[test]
fn verbose_prints_the_error_chain() {
    let arguments = ["evaluate", "examples/logs", "--budgets", "missing.json"];
    perf_gate!()
        .arg("--verbose")
        .args(arguments)
        .assert()
        .code(1)
        .stderr(
            predicate::str::starts_with("error: ").and(predicate::str::contains("\n  caused by: ")),
        );
    perf_gate!()
        .args(arguments)
        .assert()
        .code(1)
        .stderr(predicate::str::contains("caused by").not());
}

#[test]
fn invalid_limit_error_names_the_json_path() {
    let tree = TempTree::new();
    let budgets = tree.write("budgets.json", r#"{ "wsap": { "import": { "p95": -1 } } }"#);
    perf_gate!()
        .args(["evaluate", "examples/logs", "--budgets", budgets.as_str()])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("$.wsap.import.p95").and(predicate::str::contains("-1")));
}

#[test]
fn strict_mode_turns_a_bad_line_into_exit_1() {
    perf_gate!()
        .args(["evaluate", "examples/logs", "--budgets", PASS, "--strict"])
        .assert()
        .code(1)
        .stderr(predicate::str::starts_with("error: ").and(predicate::str::contains("4")));
}

#[test]
fn gate_exits_3_on_a_baseline_regression_even_when_budgets_pass() {
    let tree = TempTree::new();
    let before = tree.write(
        "before/run.jsonl",
        svc_get_lines(200, |i| 20.0 + f64::from(i % 10)),
    );
    let after = tree.write(
        "after/run.jsonl",
        svc_get_lines(200, |i| 30.0 + f64::from(i % 10)),
    );
    let budgets = tree.write("budgets.json", r#"{ "svc": { "get": { "p95": 1000 } } }"#);
    let baseline = tree.path().join("baseline.json");
    perf_gate!()
        .args([
            "-q",
            "baseline",
            "save",
            before.as_str(),
            "--out",
            baseline.as_str(),
        ])
        .assert()
        .code(0);
    let out_dir = tree.path().join("artifacts");
    let common = [
        "-q",
        "gate",
        "--budgets",
        budgets.as_str(),
        "--out-dir",
        out_dir.as_str(),
    ];
    perf_gate!()
        .args(common)
        .args([before.as_str(), "--baseline", baseline.as_str()])
        .assert()
        .code(0);
    perf_gate!()
        .args(common)
        .args([after.as_str(), "--baseline", baseline.as_str()])
        .assert()
        .code(3)
        .stdout(predicate::str::contains("regressed"));
    perf_gate!()
        .args([
            "-q",
            "baseline",
            "compare",
            after.as_str(),
            "--baseline",
            baseline.as_str(),
        ])
        .assert()
        .code(3);
}

#[test]
fn unreadable_baseline_exits_1() {
    let tree = TempTree::new();
    let baseline = tree.write("baseline.json", r#"{ "not": "a baseline" }"#);
    perf_gate!()
        .args([
            "gate",
            "examples/logs",
            "--budgets",
            PASS,
            "--baseline",
            baseline.as_str(),
        ])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("not a perf-gate baseline"));
}

#[test]
fn tools_filter_scopes_the_budgets_too() {
    // Budget entries of tools left out are not reported as "no data".
    perf_gate!()
        .args([
            "-q",
            "evaluate",
            "examples/logs",
            "--budgets",
            FAIL,
            "--tools",
            "ws*",
        ])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("a2a/").not())
        .stdout(predicate::str::contains("(6 checks"));
    perf_gate!()
        .args([
            "-q",
            "gate",
            "examples/logs",
            "--budgets",
            FAIL,
            "--tools",
            "a2a",
        ])
        .args([
            "--steps",
            "echo",
            "--out-dir",
            TempTree::new().path().as_str(),
        ])
        .assert()
        .code(3)
        .stdout(predicate::str::contains("(2 checks"));
}

#[test]
fn invalid_glob_in_a_filter_exits_1() {
    perf_gate!()
        .args([
            "evaluate",
            "examples/logs",
            "--budgets",
            PASS,
            "--tools",
            "[wsap",
        ])
        .assert()
        .code(1)
        .stderr(predicate::str::starts_with("error: ").and(predicate::str::contains("[wsap")));
}

/// Nothing checked is not a pass: a typo in `--tools` reads no record and exits 2, saying why
/// (issue 18, item 5).
#[test]
fn a_run_that_checked_nothing_exits_2() {
    let tree = TempTree::new();
    perf_gate!()
        .args([
            "gate",
            "examples/logs",
            "--budgets",
            "examples/budgets-pass.json",
        ])
        .args([
            "--tools",
            "wsapp",
            "--out-dir",
            tree.path().join("out").as_str(),
        ])
        .assert()
        .code(2)
        .stdout(predicates::str::contains("nothing was checked"));
}

/// `baseline save` with no data writes nothing and exits 2 (issue 18, item 10).
#[test]
fn a_baseline_of_nothing_is_not_written() {
    let tree = TempTree::new();
    let empty = tree.write("empty.jsonl", "");
    let out = tree.path().join("baseline.json");
    perf_gate!()
        .args(["baseline", "save", empty.as_str(), "--out", out.as_str()])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("not written"));
    assert!(!out.exists());
}

/// An unwritable GitHub job summary keeps the gate's exit code (issue 18, item 9).
#[test]
fn an_unwritable_step_summary_keeps_the_exit_code() {
    let tree = TempTree::new();
    perf_gate!()
        .env("GITHUB_ACTIONS", "true")
        .env(
            "GITHUB_STEP_SUMMARY",
            tree.path().join("missing/dir/summary.md").as_str(),
        )
        .args([
            "gate",
            "examples/logs",
            "--budgets",
            "examples/budgets-pass.json",
        ])
        .args(["--out-dir", tree.path().join("out").as_str()])
        .assert()
        .code(0)
        .stderr(predicates::str::contains(
            "warning: cannot open the GitHub step summary",
        ));
}

#[cfg(unix)]
#[test]
fn a_budget_or_baseline_path_to_an_endless_file_fails_at_once_naming_the_limit() {
    perf_gate!()
        .args(["evaluate", "examples/logs", "--budgets", "/dev/zero"])
        .timeout(std::time::Duration::from_secs(60))
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "cannot read budget file /dev/zero",
        ))
        .stderr(predicate::str::contains("larger than 16777216 bytes"));
    perf_gate!()
        .args([
            "gate",
            "examples/logs",
            "--budgets",
            PASS,
            "--baseline",
            "/dev/zero",
        ])
        .timeout(std::time::Duration::from_secs(60))
        .assert()
        .code(1)
        .stderr(predicate::str::contains("larger than 268435456 bytes"));
}
