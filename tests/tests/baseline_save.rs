//! `perf-gate baseline save` builds its exact percentiles with the quantile method the gate will
//! use: `--quantile-method`, else the budget file's `defaults.quantile_method` (`--budgets` or
//! `PERF_GATE_BUDGETS`), else type 7.
#![allow(
    clippy::unwrap_used,
    reason = "the helpers read files this test just wrote; a failure should stop it"
)]

use predicates::prelude::*;
use tests::{TempTree, perf_gate, svc_get_lines};

/// Saves a baseline of `logs` with `extra` arguments and returns its JSON and stderr.
fn save(tree: &TempTree, logs: &str, extra: &[&str], name: &str) -> (serde_json::Value, String) {
    let out = tree.path().join(name);
    let output = perf_gate!()
        .env_remove("PERF_GATE_BUDGETS")
        .args(["baseline", "save", logs, "--out", out.as_str()])
        .args(extra)
        .assert()
        .code(0)
        .get_output()
        .clone();
    let text = std::fs::read_to_string(&out).unwrap();
    (
        serde_json::from_str(&text).unwrap(),
        String::from_utf8(output.stderr).unwrap(),
    )
}

fn p95(baseline: &serde_json::Value) -> f64 {
    baseline["groups"][0]["latency"]["percentiles"]["p95"]
        .as_f64()
        .unwrap()
}

#[test]
fn baseline_save_uses_the_gates_quantile_method() {
    let tree = TempTree::new();
    // 1, 2, ..., 20 ms: numpy's p95 is 19.05 (linear), 19.65 (median_unbiased), 19.0
    // (inverted_cdf).
    let logs = tree.write("run.jsonl", svc_get_lines(20, |i| f64::from(i + 1)));
    let budgets = tree.write(
        "budgets.json",
        r#"{ "defaults": { "quantile_method": "median_unbiased" }, "svc": { "get": { "p95": 100 } } }"#,
    );
    let (default, _) = save(&tree, logs.as_str(), &[], "default.json");
    assert_eq!(default["quantile_method"], "hyndman-fan-7");
    assert!((p95(&default) - 19.05).abs() < 1e-9, "{}", p95(&default));

    let (from_budgets, quiet) = save(
        &tree,
        logs.as_str(),
        &["--budgets", budgets.as_str()],
        "budgets.json.baseline",
    );
    assert_eq!(from_budgets["quantile_method"], "hyndman-fan-8");
    assert!(
        (p95(&from_budgets) - 19.65).abs() < 1e-9,
        "{}",
        p95(&from_budgets)
    );
    assert!(!quiet.contains("differs"), "{quiet}");

    // The environment variable the gate reads works too.
    let out = tree.path().join("env.json");
    perf_gate!()
        .env("PERF_GATE_BUDGETS", budgets.as_str())
        .args(["baseline", "save", logs.as_str(), "--out", out.as_str()])
        .assert()
        .code(0);
    let from_env: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    assert_eq!(from_env["quantile_method"], "hyndman-fan-8");

    // The flag wins, with a note when it contradicts the budget file.
    let (flagged, stderr) = save(
        &tree,
        logs.as_str(),
        &["--budgets", budgets.as_str(), "--quantile-method", "6"],
        "flag.json",
    );
    assert_eq!(flagged["quantile_method"], "hyndman-fan-6");
    assert!(stderr.contains("differs from the budget file"), "{stderr}");
    let (named, _) = save(
        &tree,
        logs.as_str(),
        &["--quantile-method", "inverted_cdf"],
        "named.json",
    );
    assert_eq!(named["quantile_method"], "hyndman-fan-1");
    assert_eq!(p95(&named), 19.0);
}

#[test]
fn baseline_save_rejects_an_unknown_method_and_a_missing_budget_file() {
    let tree = TempTree::new();
    let logs = tree.write("run.jsonl", svc_get_lines(20, |i| f64::from(i + 1)));
    let out = tree.path().join("b.json");
    perf_gate!()
        .env_remove("PERF_GATE_BUDGETS")
        .args(["baseline", "save", logs.as_str(), "--out", out.as_str()])
        .args(["--quantile-method", "cubic"])
        .assert()
        .code(predicate::ne(0))
        .stderr(predicate::str::contains("cubic"));
    perf_gate!()
        .env_remove("PERF_GATE_BUDGETS")
        .args(["baseline", "save", logs.as_str(), "--out", out.as_str()])
        .args(["--budgets", tree.path().join("missing.json").as_str()])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("missing.json"));
    assert!(!out.exists());
}
