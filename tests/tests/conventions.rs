//! What users expect of a command-line tool beyond its own flags: defaults found in the current
//! directory, `PERF_GATE_*` environment variables, options refused before any log is read, and
//! hints that name the next command.

use predicates::prelude::*;
use tests::{TempTree, perf_gate, svc_get_lines, workspace_path};

const PASSING_BUDGETS: &str = r#"{ "svc": { "get": { "max": 1000, "min_samples": 10 } } }"#;

#[test]
fn without_budgets_a_perf_budgets_json_in_the_current_directory_is_used() {
    let tree = TempTree::new();
    tree.write("logs/run.jsonl", svc_get_lines(50, |i| 10.0 + f64::from(i)));
    perf_gate!()
        .current_dir(tree.path())
        .args(["evaluate", "logs"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "no budget file: pass --budgets FILE, set PERF_GATE_BUDGETS, or create perf-budgets.json",
        ));
    tree.write("perf-budgets.json", PASSING_BUDGETS);
    perf_gate!()
        .current_dir(tree.path())
        .args(["evaluate", "logs"])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("svc/get"));
    perf_gate!()
        .current_dir(tree.path())
        .args(["lint"])
        .assert()
        .code(0)
        .stdout(predicate::str::starts_with(
            "perf-budgets.json: valid budget file, 1 entries",
        ));
}

#[test]
fn perf_gate_budgets_and_baseline_come_from_the_environment() {
    let tree = TempTree::new();
    let logs = tree.write(
        "logs/run.jsonl",
        svc_get_lines(100, |i| 10.0 + f64::from(i % 7)),
    );
    let budgets = tree.write("budgets.json", r#"{ "svc": { "get": { "p95": 1 } } }"#);
    let baseline = tree.path().join("baseline.json");
    perf_gate!()
        .args([
            "-q",
            "baseline",
            "save",
            logs.as_str(),
            "--out",
            baseline.as_str(),
        ])
        .assert()
        .code(0);
    // The environment's budgets are used (p95 <= 1 ms fails) ...
    perf_gate!()
        .env("PERF_GATE_BUDGETS", budgets.as_str())
        .env("PERF_GATE_BASELINE", baseline.as_str())
        .args(["gate", logs.as_str(), "--out-dir"])
        .arg(tree.path().join("artifacts").as_str())
        .assert()
        .code(3)
        .stdout(predicate::str::contains("unchanged"));
    // ... and the command line wins over it.
    let passing = tree.write("passing.json", PASSING_BUDGETS);
    perf_gate!()
        .env("PERF_GATE_BUDGETS", budgets.as_str())
        .args(["evaluate", logs.as_str(), "--budgets", passing.as_str()])
        .assert()
        .code(0);
    perf_gate!()
        .env("PERF_GATE_BASELINE", baseline.as_str())
        .args(["-q", "baseline", "compare", logs.as_str()])
        .assert()
        .code(0);
}

#[test]
fn a_missing_baseline_names_baseline_save_and_baseline_if_exists_gates_without_it() {
    let tree = TempTree::new();
    let logs = tree.write("logs/run.jsonl", svc_get_lines(50, |i| 10.0 + f64::from(i)));
    let budgets = tree.write("budgets.json", PASSING_BUDGETS);
    let missing = tree.path().join("perf-baseline.json");
    let out_dir = tree.path().join("artifacts");
    let gate = [
        "gate",
        logs.as_str(),
        "--budgets",
        budgets.as_str(),
        "--out-dir",
        out_dir.as_str(),
    ];
    perf_gate!()
        .args(gate)
        .args(["--baseline", missing.as_str()])
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "does not exist: create it with `perf-gate baseline save LOGS --out",
        ))
        .stderr(predicate::str::contains("--baseline-if-exists"));
    perf_gate!()
        .args(gate)
        .args(["--baseline-if-exists", missing.as_str()])
        .assert()
        .code(0)
        .stderr(predicate::str::contains("no baseline at"))
        .stderr(predicate::str::contains("gating on the budgets alone"));
    perf_gate!()
        .args([
            "-q",
            "baseline",
            "save",
            logs.as_str(),
            "--out",
            missing.as_str(),
        ])
        .assert()
        .code(0);
    perf_gate!()
        .args(gate)
        .args(["--baseline-if-exists", missing.as_str()])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("unchanged"))
        .stderr(predicate::str::contains("no baseline at").not());
}

#[test]
fn comparison_options_without_a_baseline_warn_and_bad_values_fail_before_reading_logs() {
    let budgets = workspace_path("examples/budgets-pass.json");
    let out_dir = TempTree::new();
    perf_gate!()
        .args(["gate", "examples/logs", "--budgets", budgets.as_str(), "--tolerance", "10%", "--alpha", "0.01"])
        .args(["--out-dir", out_dir.path().as_str()])
        .assert()
        .code(0)
        .stderr(predicate::str::contains(
            "warning: --tolerance, --alpha only change(s) a baseline comparison, and no --baseline is given",
        ));
    // A root that does not exist would be an input error: the bad value is refused first.
    perf_gate!()
        .args([
            "gate",
            "no/such/logs",
            "--budgets",
            budgets.as_str(),
            "--alpha",
            "5",
        ])
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "invalid value '5' for '--alpha <ALPHA>'",
        ))
        .stderr(predicate::str::contains("no/such/logs").not());
}

/// The README's first command is `cargo run -p perf-gate-cli -- gate ...`; the package also
/// builds the launch helper `perf-gate-run-helper`, so without `default-run` cargo refuses to
/// pick a binary.
#[test]
fn cargo_run_of_the_cli_package_runs_perf_gate() {
    let readme = std::fs::read_to_string(workspace_path("README.md")).expect("README");
    assert!(readme.contains("cargo run --release -p perf-gate-cli -- gate"));
    let manifest =
        std::fs::read_to_string(workspace_path("perf-gate-cli/Cargo.toml")).expect("manifest");
    assert!(
        manifest
            .lines()
            .any(|line| line.trim() == r#"default-run = "perf-gate""#),
        "perf-gate-cli/Cargo.toml must say default-run = \"perf-gate\""
    );
}
