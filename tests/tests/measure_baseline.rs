//! The baseline over record measures through the binary (issue 16): `baseline save` stores the
//! measures, `baseline compare` and `gate` catch a 20% peak-memory growth of a dozen command runs,
//! a budget's `higher_is_better` makes a throughput drop a regression, and unchanged measures
//! pass. Snapshots of `summarize`, `evaluate` and `baseline compare` with two measures.

use tests::{TempTree, perf_gate, redact_hashes, stdout_of};

/// `count` records of cli/build (one per command run) with wall `ms`, `peak_rss_mb` around
/// `rss_mb` (within +-1%, a fixed pseudo-random order) and `allocs` around 812.
fn runs(count: u32, rss_mb: f64, seed: u32) -> String {
    (0..count)
        .map(|i| {
            let jitter = f64::from((i * 37 + seed * 11) % 21) / 10.0 - 1.0; // -1.0 ..= 1.0
            format!(
                "{{\"ts\":\"2025-10-16T10:00:{i:02}.000Z\",\"tool\":\"cli\",\"step\":\"build\",\"ms\":{},\"ok\":true,\
                 \"measures\":{{\"peak_rss_mb\":{},\"allocs\":{}}}}}\n",
                250.0 + 3.0 * jitter,
                rss_mb * (1.0 + jitter / 100.0),
                812 + (i + seed) % 3
            )
        })
        .collect()
}

/// `count` requests of svc/get with a `client_rps` measure around `rps`.
fn requests(count: u32, rps: f64, seed: u32) -> String {
    (0..count)
        .map(|i| {
            let jitter = f64::from((i * 53 + seed * 7) % 41) / 20.0 - 1.0;
            format!(
                "{{\"ts\":\"2025-10-16T11:{:02}:{:02}.000Z\",\"tool\":\"svc\",\"step\":\"get\",\"ms\":{},\"ok\":true,\
                 \"measures\":{{\"client_rps\":{}}}}}\n",
                i / 60 % 60,
                i % 60,
                20.0 + 2.0 * jitter,
                rps * (1.0 + jitter / 50.0)
            )
        })
        .collect()
}

fn save(tree: &TempTree, logs: &str) -> String {
    let before = tree.write("before.jsonl", logs);
    let baseline = tree.path().join("perf-baseline.json");
    stdout_of(
        perf_gate!(),
        &[
            "-q",
            "baseline",
            "save",
            before.as_str(),
            "--out",
            baseline.as_str(),
        ],
        0,
    );
    baseline.to_string()
}

#[test]
fn baseline_compare_catches_a_twenty_percent_memory_growth() {
    let tree = TempTree::new();
    let baseline = save(&tree, &runs(12, 120.0, 1));
    let stored = std::fs::read_to_string(&baseline).unwrap_or_default();
    assert!(stored.contains("\"peak_rss_mb\""), "{stored}");
    assert!(stored.contains("\"schema_version\": 2"), "{stored}");
    let after = tree.write("after.jsonl", runs(12, 144.0, 2));
    let compare = |format: &str, code: i32| {
        let stdout = stdout_of(
            perf_gate!(),
            &[
                "-q",
                "baseline",
                "compare",
                after.as_str(),
                "--baseline",
                &baseline,
                "--format",
                format,
            ],
            code,
        );
        redact_hashes(&stdout)
    };
    let text = compare("text", 3);
    assert!(
        text.contains("[REGRESSED]  cli/build peak_rss_mb"),
        "{text}"
    );
    insta::assert_snapshot!("baseline_compare_two_measures_text", text);
    insta::assert_snapshot!(
        "baseline_compare_two_measures_markdown",
        compare("markdown", 3)
    );
    let json: serde_json::Value = serde_json::from_str(&compare("json", 3)).unwrap_or_default();
    let measures = &json["baseline"]["groups"][0]["measures"];
    assert_eq!(measures[1]["name"], "peak_rss_mb");
    assert_eq!(measures[1]["verdict"], "regressed");
    assert_eq!(measures[1]["unit"], "MiB");
    assert_eq!(measures[1]["test"], "rank");
    assert_eq!(measures[0]["name"], "allocs");
    assert_eq!(measures[0]["verdict"], "unchanged");
}

#[test]
fn unchanged_measures_do_not_regress() {
    let tree = TempTree::new();
    let baseline = save(&tree, &runs(12, 120.0, 1));
    let after = tree.write("after.jsonl", runs(12, 120.0, 5));
    let stdout = stdout_of(
        perf_gate!(),
        &[
            "-q",
            "baseline",
            "compare",
            after.as_str(),
            "--baseline",
            &baseline,
        ],
        // A dozen latencies cannot give a p95 (72 needed): the latency is not comparable (never a
        // failure); the measures are compared and unchanged, so the run passes.
        0,
    );
    assert!(stdout.contains("measures: 0 regressed"), "{stdout}");
    assert!(
        stdout.contains("[UNCHANGED]  cli/build peak_rss_mb"),
        "{stdout}"
    );
}

#[test]
fn a_budget_declares_throughput_higher_is_better_for_the_baseline() {
    let tree = TempTree::new();
    let baseline = save(&tree, &requests(300, 500.0, 1));
    let after = tree.write("after.jsonl", requests(300, 400.0, 2));
    let budgets = tree.write(
        "budgets.json",
        r#"{ "svc": { "get": { "p95": 100,
             "client_rps": { "min": 100, "direction": "higher_is_better" } } } }"#,
    );
    let out_dir = tree.path().join("artifacts");
    let gate = |budgets: &str| {
        perf_gate!()
            .args([
                "-q",
                "gate",
                after.as_str(),
                "--budgets",
                budgets,
                "--baseline",
                &baseline,
                "--out-dir",
                out_dir.as_str(),
            ])
            .output()
            .ok()
    };
    let output = gate(budgets.as_str());
    let stdout = output
        .as_ref()
        .map(|output| String::from_utf8_lossy(&output.stdout).into_owned())
        .unwrap_or_default();
    assert_eq!(output.and_then(|o| o.status.code()), Some(3), "{stdout}");
    assert!(
        stdout.starts_with("perf-gate FAIL: 1 regression (svc/get client_rps -20.0%)"),
        "{stdout}"
    );
    assert!(stdout.contains("p95 test, higher is better"), "{stdout}");
    // Without the declaration the same drop reads as higher-is-worse: an improvement, a pass.
    let plain = tree.write("plain.json", r#"{ "svc": { "get": { "p95": 100 } } }"#);
    let output = gate(plain.as_str());
    let stdout = output
        .as_ref()
        .map(|output| String::from_utf8_lossy(&output.stdout).into_owned())
        .unwrap_or_default();
    assert_eq!(output.and_then(|o| o.status.code()), Some(0), "{stdout}");
    assert!(
        stdout.contains("[IMPROVED]  svc/get client_rps"),
        "{stdout}"
    );
}

#[test]
fn summarize_and_evaluate_show_two_measures() {
    let tree = TempTree::new();
    let logs = tree.write("logs.jsonl", runs(12, 120.0, 1));
    let summary = stdout_of(perf_gate!(), &["-q", "summarize", logs.as_str()], 0);
    insta::assert_snapshot!("summarize_two_measures_text", summary);
    let budgets = tree.write(
        "budgets.json",
        r#"{ "cli": { "build": { "max": 400, "min_samples": 10,
             "peak_rss_mb": { "max": 121 }, "allocs": { "p50": 1000 } } } }"#,
    );
    let evaluation = stdout_of(
        perf_gate!(),
        &[
            "-q",
            "evaluate",
            logs.as_str(),
            "--budgets",
            budgets.as_str(),
        ],
        3,
    );
    insta::assert_snapshot!("evaluate_two_measures_text", evaluation);
}
