//! A service's own logs, written the way services write them (epoch milliseconds in `time`,
//! `status` instead of `ok`, `duration_ms`, `service`/`endpoint`, no `sessionId`, a `.log` file
//! and a symlinked file), gated through `--field`, `--include` and `--follow-symlinks`; and the
//! log format's documentation checked against the parser and the JSON Schema.
#![allow(
    clippy::expect_used,
    reason = "tests and their fixtures: a failed expect is a failed test"
)]

use predicates::prelude::*;
use serde_json::Value;
use tests::{TempTree, perf_gate};

/// One line as a Go or Node service's structured logger writes it.
fn service_line(time_ms: u64, endpoint: &str, duration_ms: f64, status: u16) -> String {
    format!(
        r#"{{"time":{time_ms},"level":"info","msg":"request","service":"shop","endpoint":"{endpoint}","duration_ms":{duration_ms},"status":{status},"bytes":512}}"#
    )
}

const MAPPING: [&str; 8] = [
    "--field",
    "ts=time",
    "--field",
    "ms=duration_ms",
    "--field",
    "tool=service",
    "--field",
    "step=endpoint",
];

/// `logs/app/service.log`: 40 `get_cart` requests (10 to 49 ms, two of them 503) and 30
/// `checkout` requests (100 to 129 ms, all 200 or 302, p95 127.55 ms); `logs/rotated.jsonl`, a symlink to a file
/// outside the root: 20 more `get_cart` requests (50 to 69 ms, one 404).
fn service_tree() -> (TempTree, camino::Utf8PathBuf) {
    let tree = TempTree::new();
    let start = 1_760_657_686_000u64;
    let mut log = String::new();
    for i in 0..40u32 {
        let status = if i == 7 || i == 31 { 503 } else { 200 };
        let line = service_line(
            start + u64::from(i) * 250,
            "get_cart",
            10.0 + f64::from(i),
            status,
        );
        log.push_str(&line);
        log.push('\n');
    }
    for i in 0..30u32 {
        let status = if i % 10 == 0 { 302 } else { 200 };
        let line = service_line(
            start + u64::from(i) * 300,
            "checkout",
            100.0 + f64::from(i),
            status,
        );
        log.push_str(&line);
        log.push('\n');
    }
    tree.write("logs/app/service.log", log);
    let mut rotated = String::new();
    for i in 0..20u32 {
        let status = if i == 3 { 404 } else { 200 };
        let line = service_line(
            start - 60_000 + u64::from(i) * 1000,
            "get_cart",
            50.0 + f64::from(i),
            status,
        );
        rotated.push_str(&line);
        rotated.push('\n');
    }
    let outside = tree.write("elsewhere/service.1.jsonl", rotated);
    let logs = tree.path().join("logs");
    #[cfg(unix)]
    std::os::unix::fs::symlink(&outside, logs.join("rotated.jsonl")).expect("symlink");
    (tree, logs)
}

#[cfg(unix)]
#[test]
fn a_services_own_logs_are_gated_to_the_right_verdict() {
    let (tree, logs) = service_tree();
    // get_cart: 60 requests, 3 errors (5%, its 95% interval from 1.3%: over the 0.5% budget);
    // checkout: 30 requests, no error, p95 127.55 ms.
    let budgets = tree.write(
        "budgets.json",
        r#"{
  "defaults": { "min_samples": 20 },
  "shop": {
    "get_cart": { "p95": 100, "error_rate": 0.005 },
    "checkout": { "p95": 150, "error_rate": 0.01 }
  }
}"#,
    );
    let out_dir = tree.path().join("artifacts");
    let output = perf_gate!()
        .args(["-v", "gate", logs.as_str(), "--budgets", budgets.as_str()])
        .args(["--out-dir", out_dir.as_str()])
        .args(MAPPING)
        .args(["--include", "*.log", "--follow-symlinks"])
        .output()
        .expect("run perf-gate");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(3), "{stderr}");
    assert!(
        stderr.contains("read 90 lines from 2 files: 90 accepted, 0 filtered out, 0 rejected"),
        "{stderr}"
    );
    let report: Value = serde_json::from_str(
        &std::fs::read_to_string(out_dir.join("report.json")).expect("report.json"),
    )
    .expect("JSON report");
    assert_eq!(report["verdict"], "fail");
    let check = |step: &str, metric: &str| -> &Value {
        report["checks"]
            .as_array()
            .and_then(|checks| {
                checks
                    .iter()
                    .find(|check| check["step"] == step && check["metric"] == metric)
            })
            .unwrap_or_else(|| panic!("no {step} {metric} check in {report}"))
    };
    let errors = check("get_cart", "error_rate");
    assert_eq!(errors["status"], "fail", "{errors}");
    assert_eq!(errors["sample_count"], 60);
    assert_eq!(errors["observed"], 0.05);
    let latency = check("get_cart", "p95");
    // Within its limit, but 57 latencies give a p95 no 95% interval (72 would): the explicit
    // min_samples 20 lets it be judged, never as a plain pass (issue 19).
    assert_eq!(latency["status"], "low_confidence", "{latency}");
    // The latencies are of the 57 successful requests (the default `latency_of`): 10..=69
    // without the errors' 17, 41 and 53 ms. numpy.percentile of them at 95 (type 7) is 66.2.
    assert_eq!(latency["sample_count"], 57);
    assert!(
        (latency["observed"].as_f64().expect("p95") - 66.2).abs() < 1e-9,
        "{latency}"
    );
    let checkout = check("checkout", "p95");
    assert_eq!(checkout["status"], "low_confidence");
    assert!(
        (checkout["observed"].as_f64().expect("p95") - 127.55).abs() < 1e-9,
        "{checkout}"
    );
    assert_eq!(check("checkout", "error_rate")["observed"], 0.0);
    assert_eq!(report["counts"]["failed"], 1, "{}", report["counts"]);
}

#[cfg(unix)]
#[test]
fn without_the_flags_the_skipped_files_and_unmapped_fields_are_named() {
    let (tree, logs) = service_tree();
    // The `.log` file is skipped until included, and -v says so and names it.
    perf_gate!()
        .args(["-v", "summarize", logs.as_str(), "--follow-symlinks"])
        .args(MAPPING)
        .assert()
        .code(0)
        .stdout(predicate::str::contains("get_cart"))
        .stderr(predicate::str::contains(
            "skipped 1 file: other file name (add --include GLOB): ",
        ))
        .stderr(predicate::str::contains("app/service.log"))
        .stderr(predicate::str::contains(
            "read 20 lines from 1 files: 20 accepted",
        ));
    // The symlink is skipped until followed.
    perf_gate!()
        .args(["-v", "summarize", logs.as_str(), "--include", "*.log"])
        .args(MAPPING)
        .assert()
        .code(0)
        .stderr(predicate::str::contains(
            "skipped 1 file: symbolic link (add --follow-symlinks): ",
        ))
        .stderr(predicate::str::contains("rotated.jsonl"))
        .stderr(predicate::str::contains(
            "read 70 lines from 1 files: 70 accepted",
        ));
    // When no file at all is read, the skipped files are named even without -v.
    let output = perf_gate!()
        .args(["summarize", logs.as_str()])
        .args(MAPPING)
        .args(["--include", "*.txt"])
        .output()
        .expect("run perf-gate");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("skipped 1 file: other file name"),
        "{stderr}"
    );
    assert!(stderr.contains("skipped 1 file: symbolic link"), "{stderr}");
    assert!(stderr.contains("read 0 lines from 0 files"), "{stderr}");
    // Without the mapping every line is rejected with every missing field named, and summarize
    // stops with exit 1 and the reason instead of an empty table.
    perf_gate!()
        .args(["summarize", logs.as_str(), "--include", "*.log", "--follow-symlinks"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "service.log:1: missing ts, tool, step, ms",
        ))
        .stderr(predicate::str::contains(
            "error: no record accepted from 90 non-blank lines in 2 files: 90 rejected, 0 filtered out",
        ));
    // A quoted glob root reads what it names, whatever the extension.
    let glob = format!("{logs}/**/*.log");
    let out = tree.path().join("latest.jsonl");
    perf_gate!()
        .args(["collect", &glob, "--out", out.as_str()])
        .args(MAPPING)
        .assert()
        .code(0)
        .stderr(predicate::str::contains(
            "read 70 lines from 1 files: 70 accepted",
        ));
    let collected = std::fs::read_to_string(&out).expect("latest.jsonl");
    assert_eq!(collected.lines().count(), 70);
    assert!(
        collected.starts_with(
            r#"{"ts":"2025-10-16T23:34:46Z","tool":"shop","step":"get_cart","ms":10,"ok":true}"#
        ),
        "{collected}"
    );
}

#[test]
fn collect_exits_1_when_nothing_is_accepted_and_keeps_the_old_output() {
    let tree = TempTree::new();
    let out = tree.write("latest.jsonl", "old\n");
    perf_gate!()
        .args(["collect", "-", "--out", out.as_str()])
        .write_stdin("{\"ms\":\"1\"}\nnot json\n\n")
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "error: no record accepted from 2 non-blank lines in 1 files: 2 rejected, 0 filtered out (first: <stdin>:1: missing ts, tool, step; ms: expected a number, found a string)",
        ));
    assert_eq!(std::fs::read_to_string(&out).expect("old output"), "old\n");
    // Filtered out is nothing accepted too, with its count.
    perf_gate!()
        .args(["summarize", "-", "--tools", "other"])
        .write_stdin(tests::svc_get_lines(3, f64::from))
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "3 non-blank lines in 1 files: 0 rejected, 3 filtered out",
        ));
    // An empty input is no error.
    perf_gate!()
        .args(["summarize", "-"])
        .write_stdin("\n")
        .assert()
        .code(0);
}

#[test]
fn gzip_on_stdin_and_a_json_document_as_input() {
    use std::io::Write as _;
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    encoder
        .write_all(tests::svc_get_lines(5, |i| f64::from(i) + 1.0).as_bytes())
        .expect("gzip");
    let gzipped = encoder.finish().expect("gzip");
    perf_gate!()
        .args(["summarize", "-"])
        .write_stdin(gzipped.clone())
        .assert()
        .code(0)
        .stderr(predicate::str::contains(
            "read 5 lines from 1 files: 5 accepted",
        ));
    let tree = TempTree::new();
    let out = tree.path().join("normalized.jsonl");
    perf_gate!()
        .args(["normalize", "-", "--out", out.as_str()])
        .write_stdin(gzipped)
        .assert()
        .code(0);
    assert_eq!(
        std::fs::read_to_string(&out)
            .expect("normalized")
            .lines()
            .count(),
        5
    );

    let document = "{\n  \"results\": [\n    {\n      \"command\": \"sleep 0.1\",\n      \"mean\": 0.1\n    }\n  ]\n}\n";
    let output = perf_gate!()
        .args(["summarize", "-"])
        .write_stdin(document)
        .output()
        .expect("run perf-gate");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert_eq!(
        stderr.matches("warning: ").count(),
        1,
        "one message, not one per line: {stderr}"
    );
    assert!(
        stderr.contains("warning: <stdin>:1: this is one JSON document, not JSON Lines"),
        "{stderr}"
    );
    assert!(stderr.contains("perf-gate import"), "{stderr}");
}

#[cfg(unix)]
#[test]
fn normalize_takes_roots_like_every_other_command() {
    let (tree, logs) = service_tree();
    let out = tree.path().join("normalized.jsonl");
    perf_gate!()
        .args(["normalize", logs.as_str(), "--out", out.as_str()])
        .args(MAPPING)
        .args(["--include", "*.log", "--follow-symlinks"])
        .assert()
        .code(0)
        .stderr(predicate::str::contains(
            "normalized 90 records from 2 files",
        ));
    let normalized = std::fs::read_to_string(&out).expect("normalized");
    let first: Value =
        serde_json::from_str(normalized.lines().next().expect("a line")).expect("JSON");
    // Mapped keys are written under the record's names, the status kept, other fields kept.
    assert_eq!(first["ts"], "2025-10-16T23:34:46Z");
    assert_eq!(first["tool"], "shop");
    assert_eq!(first["step"], "get_cart");
    assert_eq!(first["ms"], 10.0);
    assert_eq!(first["ok"], true);
    assert_eq!(first["status"], 200);
    assert_eq!(first["level"], "info");
    assert!(
        first.get("duration_ms").is_none() && first.get("sessionId").is_none(),
        "{first}"
    );
    let errors: Vec<&str> = normalized
        .lines()
        .filter(|line| line.contains("\"ok\":false"))
        .collect();
    assert_eq!(errors.len(), 3);
    assert!(
        errors[0].contains(r#""errorReason":"http 503 service unavailable""#),
        "{}",
        errors[0]
    );
}

#[test]
fn a_bad_field_mapping_is_a_usage_error() {
    perf_gate!()
        .args(["summarize", "-", "--field", "latency=duration_ms"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "\"latency\" is not a record field",
        ));
    perf_gate!()
        .args(["summarize", "-", "--field", "tool=step"])
        .write_stdin("")
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "tool and step would both be read from the key \"step\"",
        ));
}

/// The example lines of the format documentation (the ```json block of FORMAT.md).
fn documented_examples(format: &str) -> Vec<&str> {
    let block = format
        .split("```json\n")
        .nth(1)
        .and_then(|rest| rest.split("```").next())
        .expect("a ```json block in FORMAT.md");
    block.lines().collect()
}

#[test]
fn the_log_format_is_documented_once_and_its_examples_hold() {
    let format = perf_record::LOG_FORMAT;
    let readme = std::fs::read_to_string(tests::workspace_path("README.md")).expect("README");
    assert!(
        readme.contains(format.trim_end()),
        "README.md's Log format section must be perf-record/FORMAT.md word for word"
    );
    perf_gate!()
        .args(["help", "format"])
        .assert()
        .code(0)
        .stdout(format);
    perf_gate!()
        .arg("--help")
        .assert()
        .code(0)
        .stdout(predicate::str::contains("perf-gate help format"));

    let schema: Value = serde_json::from_str(
        &std::fs::read_to_string(tests::workspace_path("schemas/record.schema.json"))
            .expect("schemas/record.schema.json"),
    )
    .expect("the schema is JSON");
    let validator = jsonschema::validator_for(&schema).expect("a valid JSON Schema");
    let examples = documented_examples(format);
    assert_eq!(examples.len(), 3);
    for line in &examples {
        let value: Value = serde_json::from_str(line).expect("an example is JSON");
        let problems: Vec<String> = validator
            .iter_errors(&value)
            .map(|e| e.to_string())
            .collect();
        assert!(problems.is_empty(), "{line}: {problems:?}");
        assert!(
            matches!(
                perf_record::parse_line(line.as_bytes()),
                Ok(perf_record::Line::Record(_))
            ),
            "{line}"
        );
    }
    // The schema and the parser agree on what they refuse, too.
    for bad in [
        r#"{"tool":"t","step":"s","ms":1}"#,
        r#"{"ts":"2025-10-16T23:34:46Z","tool":"","step":"s","ms":1}"#,
        r#"{"ts":"2025-10-16T23:34:46Z","tool":"t","step":"s","ms":-1}"#,
        r#"{"ts":"2025-10-16T23:34:46Z","tool":"t","step":"s","ms":"1"}"#,
        r#"{"ts":"2025-10-16T23:34:46Z","sessionId":"","tool":"t","step":"s","ms":1}"#,
        r#"{"ts":100000000000000,"tool":"t","step":"s","ms":1}"#,
        r#"{"ts":"yesterday","tool":"t","step":"s","ms":1}"#,
        r#"{"ts":"2025-10-16T23:34:46Z","tool":"t","step":"s","ms":1,"ok":"yes"}"#,
        r#"{"ts":"2025-10-16T23:34:46Z","tool":"t","step":"s","ms":1,"kind":"summary"}"#,
        r#"{"ts":"2025-10-16T23:34:46Z","tool":"t","step":"s","ms":1,"measures":[1]}"#,
        r#"{"ts":"2025-10-16T23:34:46Z","tool":"t","step":"s","ms":1,"measures":{"Rss":1}}"#,
        r#"{"ts":"2025-10-16T23:34:46Z","tool":"t","step":"s","ms":1,"measures":{"ms":1}}"#,
        r#"{"ts":"2025-10-16T23:34:46Z","tool":"t","step":"s","ms":1,"measures":{"a":-1}}"#,
        r#"{"ts":"2025-10-16T23:34:46Z","tool":"t","step":"s","ms":1,"measures":{"a":"1"}}"#,
    ] {
        let value: Value = serde_json::from_str(bad).expect("JSON");
        assert!(!validator.is_valid(&value), "the schema accepts {bad}");
        assert!(
            perf_record::parse_line(bad.as_bytes()).is_err(),
            "the parser accepts {bad}"
        );
    }
    for good in [
        r#"{"ts":1760657686.422,"tool":"t","step":"s","ms":0,"status":"n/a","phase":3}"#,
        r#"{"ts":"1760657686","sessionId":null,"tool":"t","step":"s","ms":1,"ok":null,"err":"x"}"#,
        r#"{"ts":"2025-10-16T23:34:46+02:00","tool":"t","step":"s","ms":1e2,"extra":{"a":[1]}}"#,
        r#"{"ts":"2025-10-16T23:34:46Z","tool":"t","step":"s","ms":1,"measures":null,"rssMethod":"x"}"#,
        r#"{"ts":"2025-10-16T23:34:46Z","tool":"t","step":"s","ms":1,"measures":{"peak_rss_mb":0}}"#,
    ] {
        let value: Value = serde_json::from_str(good).expect("JSON");
        assert!(validator.is_valid(&value), "the schema refuses {good}");
        assert!(
            perf_record::parse_line(good.as_bytes()).is_ok(),
            "the parser refuses {good}"
        );
    }
}
