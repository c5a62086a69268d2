//! Inputs and artifacts: stdin, directories with bad lines, empty directories, the files `gate`
//! and `collect` write, `normalize`, and the GitHub Actions integration.

use predicates::prelude::*;
use tests::{TempTree, perf_gate, svc_get_lines};

const PASS: &str = "examples/budgets-pass.json";

#[test]
fn stdin_is_read_with_a_dash() {
    let logs = svc_get_lines(60, |i| 10.0 + f64::from(i));
    let tree = TempTree::new();
    let budgets = tree.write("budgets.json", r#"{ "svc": { "get": { "p50": 100 } } }"#);
    perf_gate!()
        .args(["evaluate", "-", "--budgets", budgets.as_str()])
        .write_stdin(logs.clone() + "garbage\n")
        .assert()
        .code(0)
        .stdout(predicate::str::contains("svc/get"))
        .stderr(predicate::str::contains("warning: <stdin>:61: "))
        .stderr(predicate::str::contains(
            "read 61 lines from 1 files: 60 accepted",
        ));
    perf_gate!()
        .args(["-q", "summarize", "-", "--format", "json"])
        .write_stdin(logs)
        .assert()
        .code(0)
        .stdout(predicate::str::contains(
            "\"tool\": \"svc\",\n      \"step\": \"get\"",
        ));
}

#[test]
fn gate_reads_stdin_once_for_the_report_and_latest_jsonl() {
    let tree = TempTree::new();
    let budgets = tree.write("budgets.json", r#"{ "svc": { "get": { "p50": 100 } } }"#);
    let out_dir = tree.path().join("artifacts");
    perf_gate!()
        .args([
            "-q",
            "gate",
            "-",
            "--budgets",
            budgets.as_str(),
            "--write-latest",
        ])
        .args(["--out-dir", out_dir.as_str()])
        .write_stdin(svc_get_lines(60, |i| 10.0 + f64::from(i)))
        .assert()
        .code(0);
    let latest = std::fs::read_to_string(out_dir.join("latest.jsonl")).expect("latest.jsonl");
    assert_eq!(latest.lines().count(), 60);
}

#[test]
fn directory_with_bad_lines_reports_each_with_path_and_line_and_counts_all() {
    let tree = TempTree::new();
    let good = svc_get_lines(3, |i| 10.0 + f64::from(i));
    tree.write(
        "logs/a.jsonl",
        format!("{good}\n{{\"ts\":1}}\nnot json at all\n"),
    );
    tree.write("logs/nested/b.ndjson", "{\"tool\":\"svc\"}\n");
    tree.write("logs/ignored.txt", "not a log file, never read\n");
    let output = perf_gate!()
        .current_dir(tree.path())
        .args(["summarize", "logs"])
        .output()
        .expect("perf-gate runs");
    assert_eq!(output.status.code(), Some(0));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("warning: logs/a.jsonl:5: "), "{stderr}");
    assert!(stderr.contains("warning: logs/a.jsonl:6: "), "{stderr}");
    assert!(
        stderr.contains("warning: logs/nested/b.ndjson:1: "),
        "{stderr}"
    );
    assert!(
        stderr
            .contains("read 7 lines from 2 files: 3 accepted, 0 filtered out, 3 rejected, 1 blank"),
        "{stderr}"
    );
    assert!(!stderr.contains("ignored.txt"), "{stderr}");
}

#[test]
fn record_fixture_of_bad_lines_end_to_end() {
    // perf-record's fixture: one line per kind of error, plus BOM, CRLF and blank lines.
    let output = perf_gate!()
        .args(["summarize", "tests/fixtures/records"])
        .output()
        .expect("perf-gate runs");
    assert_eq!(output.status.code(), Some(0));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains(
            "read 21 lines from 2 files: 7 accepted, 0 filtered out, 12 rejected, 2 blank"
        ),
        "{stderr}"
    );
    insta::assert_snapshot!(stderr);
    perf_gate!()
        .args([
            "evaluate",
            "tests/fixtures/records",
            "--budgets",
            PASS,
            "--strict",
        ])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("12"));
}

#[test]
fn quiet_silences_diagnostics_but_not_the_report() {
    perf_gate!()
        .args(["--quiet", "summarize", "examples/logs"])
        .assert()
        .code(0)
        .stderr("")
        .stdout(predicate::str::contains("wsap/import"));
}

#[test]
fn empty_directory_has_no_data_for_budgets_and_exits_2() {
    let tree = TempTree::new();
    std::fs::create_dir(tree.path().join("empty")).expect("mkdir");
    let empty = tree.path().join("empty");
    perf_gate!()
        .args(["evaluate", empty.as_str(), "--budgets", PASS])
        .assert()
        .code(2)
        .stdout(predicate::str::contains("no data"))
        .stderr(predicate::str::contains("read 0 lines from 0 files"));
    perf_gate!()
        .args(["-q", "summarize", empty.as_str()])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("(no records)"));
}

#[test]
fn gate_writes_every_artifact_matching_evaluate() {
    let tree = TempTree::new();
    let out_dir = tree.path().join("artifacts/perf");
    perf_gate!()
        .args([
            "-q",
            "gate",
            "examples/logs",
            "--budgets",
            PASS,
            "--write-latest",
        ])
        .args(["--out-dir", out_dir.as_str()])
        .assert()
        .code(0)
        .stdout(predicate::str::starts_with("perf-gate PASS: "));
    let read = |name: &str| std::fs::read_to_string(out_dir.join(name)).expect(name);
    let evaluate = |format: &str| {
        let output = perf_gate!()
            .args([
                "-q",
                "evaluate",
                "examples/logs",
                "--budgets",
                PASS,
                "--format",
                format,
            ])
            .output()
            .expect("perf-gate runs");
        String::from_utf8(output.stdout).expect("UTF-8")
    };
    assert_eq!(read("report.json"), evaluate("json"));
    assert_eq!(read("report.md"), evaluate("markdown"));
    assert_eq!(read("junit.xml"), evaluate("junit"));
    assert_eq!(read("metrics.txt"), evaluate("openmetrics"));
    assert_eq!(read("report.html"), evaluate("html"));
    let latest = read("latest.jsonl");
    assert_eq!(latest.lines().count(), 1030, "every accepted record");
    let days: Vec<&str> = latest.lines().map(|line| &line[7..17]).collect();
    assert!(days.is_sorted(), "records are sorted by time");
    assert_eq!(
        (days[0], days[days.len() - 1]),
        ("2025-10-15", "2025-10-17")
    );
    let names: Vec<String> = std::fs::read_dir(&out_dir)
        .expect("artifacts")
        .map(|entry| {
            entry
                .expect("entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    // The six artifacts and the tag that keeps walks out of them (PERF-GATE.TAG).
    assert!(
        names.iter().any(|name| name == "PERF-GATE.TAG"),
        "{names:?}"
    );
    assert_eq!(names.len(), 7, "no temporary files left behind: {names:?}");
}

#[test]
fn gate_does_not_read_its_own_latest_jsonl_back() {
    let tree = TempTree::new();
    tree.write("logs/run.jsonl", svc_get_lines(60, |i| 10.0 + f64::from(i)));
    let budgets = tree.write("budgets.json", r#"{ "svc": { "get": { "p50": 100 } } }"#);
    for _ in 0..2 {
        perf_gate!()
            .current_dir(tree.path())
            .args([
                "gate",
                "logs",
                "--budgets",
                budgets.as_str(),
                "--write-latest",
            ])
            .args(["--out-dir", "logs/artifacts"])
            .assert()
            .code(0)
            .stderr(predicate::str::contains("read 60 lines from 1 files"));
    }
}

#[test]
fn evaluate_writes_the_report_files_it_is_asked_for() {
    let tree = TempTree::new();
    let json = tree.path().join("out/report.json");
    let junit = tree.path().join("out/junit.xml");
    let markdown = tree.path().join("out/report.md");
    perf_gate!()
        .args([
            "-q",
            "evaluate",
            "examples/logs",
            "--budgets",
            "examples/budgets-fail.json",
        ])
        .args(["--json", json.as_str(), "--junit", junit.as_str()])
        .args(["--markdown", markdown.as_str()])
        .assert()
        .code(3);
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).expect("json")).expect("valid");
    assert_eq!(report["verdict"], "fail");
    assert!(
        std::fs::read_to_string(&junit)
            .expect("junit")
            .contains("<failure")
    );
    assert!(
        std::fs::read_to_string(&markdown)
            .expect("md")
            .starts_with("## perf-gate FAIL: ")
    );
}

#[test]
fn github_actions_gets_a_step_summary_and_annotations() {
    let tree = TempTree::new();
    let summary = tree.write("step-summary.md", "# earlier step\n");
    let out_dir = tree.path().join("artifacts");
    perf_gate!()
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_STEP_SUMMARY", summary.as_str())
        .args([
            "-q",
            "gate",
            "examples/logs",
            "--budgets",
            "examples/budgets-fail.json",
        ])
        .args(["--out-dir", out_dir.as_str()])
        .assert()
        .code(3)
        .stdout(predicate::str::contains(
            "::error file=examples/budgets-fail.json,title=perf-gate budget exceeded%3A a2a/echo avg::",
        ));
    let written = std::fs::read_to_string(&summary).expect("summary");
    assert!(
        written.starts_with("# earlier step\n## perf-gate FAIL: "),
        "{written}"
    );
}

#[test]
fn github_annotations_never_mix_into_a_machine_format_on_stdout() {
    let tree = TempTree::new();
    let output = perf_gate!()
        .env("GITHUB_ACTIONS", "true")
        .args([
            "-q",
            "gate",
            "examples/logs",
            "--budgets",
            "examples/budgets-fail.json",
        ])
        .args([
            "--out-dir",
            tree.path().join("a").as_str(),
            "--format",
            "json",
        ])
        .output()
        .expect("perf-gate runs");
    assert_eq!(output.status.code(), Some(3));
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).expect("pure JSON");
    assert_eq!(report["verdict"], "fail");
    assert!(
        String::from_utf8_lossy(&output.stderr)
            .contains("::error file=examples/budgets-fail.json,title=")
    );
}

#[test]
fn outside_github_actions_there_are_no_annotations() {
    let tree = TempTree::new();
    perf_gate!()
        .args([
            "-q",
            "gate",
            "examples/logs",
            "--budgets",
            "examples/budgets-fail.json",
        ])
        .args(["--out-dir", tree.path().join("a").as_str()])
        .assert()
        .code(3)
        .stdout(predicate::str::contains("::error").not());
}

#[test]
fn collect_writes_sorted_jsonl_and_prints_a_summary() {
    let tree = TempTree::new();
    let out = tree.path().join("latest.jsonl");
    perf_gate!()
        .args([
            "-q",
            "collect",
            "examples/logs",
            "--tools",
            "registry",
            "--out",
            out.as_str(),
        ])
        .assert()
        .code(0)
        .stdout(predicate::str::starts_with(
            "400 entries from 5 files in 1 roots\n",
        ))
        .stdout(predicate::str::contains(
            "outcomes: 381 ok, 15 errors, 4 unknown",
        ));
    let written = std::fs::read_to_string(&out).expect("output");
    assert_eq!(written.lines().count(), 400);
    assert!(
        written
            .lines()
            .all(|line| line.contains(r#""tool":"registry""#))
    );
    let json = perf_gate!()
        .args([
            "-q",
            "collect",
            "examples/logs",
            "--out",
            out.as_str(),
            "--format",
            "json",
        ])
        .args([
            "--since",
            "2025-10-16T00:00:00Z",
            "--until",
            "2025-10-17T00:00:00Z",
        ])
        .output()
        .expect("perf-gate runs");
    let summary: serde_json::Value = serde_json::from_slice(&json.stdout).expect("JSON");
    assert_eq!(summary["schema_version"], 1);
    assert_eq!(summary["by_tool"]["wsap"], 180);
}

#[test]
fn bad_filter_value_is_an_input_error() {
    perf_gate!()
        .args(["summarize", "examples/logs", "--since", "last tuesday"])
        .assert()
        .code(1)
        .stderr(predicate::str::starts_with(
            "error: --since \"last tuesday\"",
        ));
}

#[test]
fn normalize_makes_outcomes_explicit() {
    let tree = TempTree::new();
    let input = tree.write(
        "raw.jsonl",
        concat!(
            r#"{"ts":"2025-10-21T09:00:01Z","sessionId":"r","tool":"registry","step":"get","ms":131.2,"status":429}"#,
            "\n",
            r#"{"ts":"2025-10-21T09:00:02Z","sessionId":"r","tool":"registry","step":"get","ms":12,"ok":false,"extra":{"a":1}}"#,
            "\n\nbroken\n",
        ),
    );
    let out = tree.path().join("normalized.jsonl");
    perf_gate!()
        .args(["normalize", input.as_str(), "--out", out.as_str()])
        .assert()
        .code(0)
        // The same `path:line:column: reason` as every other reader.
        .stderr(predicate::str::contains("raw.jsonl:4:1: "))
        .stderr(predicate::str::contains(
            "normalized 2 records from 1 files (1 rejected, 1 blank lines dropped)",
        ));
    insta::assert_snapshot!(std::fs::read_to_string(&out).expect("output"));
    perf_gate!()
        .args(["-q", "normalize", "-", "--out", "-"])
        .write_stdin(std::fs::read(&input).expect("input"))
        .assert()
        .code(0)
        .stdout(predicate::str::contains(
            r#""errorReason":"http 429 too many requests""#,
        ));
}

#[test]
fn ratchet_changes_only_the_numbers_it_tightens_and_its_diff_applies_with_patch() {
    let tree = TempTree::new();
    let logs = tree.write(
        "run.jsonl",
        svc_get_lines(200, |i| 20.0 + f64::from(i % 10)),
    );
    // The user's own layout: keys out of order, two entries on one line, odd spacing.
    let budgets_text = "{\n  \"svc\": {\"get\": {\"p95\": 1000,   \"avg\": 500, \"error_rate\": 0.01},\n           \"*\": {\"p95\": 900}},\n  \"defaults\": {\"min_samples\": 10}\n}\n";
    let budgets = tree.write("budgets.json", budgets_text);
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
    let ratchet = ["baseline", "ratchet", "--baseline", baseline.as_str()];
    let output = perf_gate!()
        .args(ratchet)
        .args(["--budgets", budgets.as_str(), "--headroom", "20%"])
        .output()
        .expect("ratchet runs");
    assert_eq!(output.status.code(), Some(0));
    let diff = String::from_utf8(output.stdout).expect("UTF-8 diff");
    assert!(
        diff.contains("-  \"svc\": {\"get\": {\"p95\": 1000,   \"avg\": 500, \"error_rate\": 0.01},\n+  \"svc\": {\"get\": {\"p95\": 35,   \"avg\": 30, \"error_rate\": 0.01},\n"),
        "{diff}"
    );
    assert_eq!(
        std::fs::read_to_string(&budgets).expect("budgets"),
        budgets_text,
        "nothing is written without --write"
    );
    perf_gate!()
        .args(ratchet)
        .args(["--budgets", budgets.as_str(), "--write"])
        .assert()
        .code(0);
    let written = std::fs::read_to_string(&budgets).expect("budgets");
    assert_eq!(
        written,
        budgets_text
            .replace("\"p95\": 1000", "\"p95\": 35")
            .replace("\"avg\": 500", "\"avg\": 30"),
        "only the tightened numbers change"
    );
    // The printed diff applies to the user's real file with patch(1).
    let copy = tree.write("copy/budgets.json", budgets_text);
    match std::process::Command::new("patch")
        .arg("--silent")
        .arg(copy.as_str())
        .stdin(std::process::Stdio::piped())
        .spawn()
    {
        Ok(mut patch) => {
            use std::io::Write as _;
            patch
                .stdin
                .take()
                .expect("stdin")
                .write_all(diff.as_bytes())
                .expect("diff written to patch");
            assert!(patch.wait().expect("patch ran").success());
            assert_eq!(std::fs::read_to_string(&copy).expect("patched"), written);
        }
        Err(error) if std::env::var_os("CI").is_none() => {
            eprintln!("skipped applying the diff: patch(1) is not available ({error})");
        }
        Err(error) => panic!("patch(1) is needed under CI=true (.ci/run installs it): {error}"),
    }
    perf_gate!()
        .args([
            "-q",
            "evaluate",
            logs.as_str(),
            "--budgets",
            budgets.as_str(),
        ])
        .assert()
        .code(0);
}

#[test]
fn baseline_save_is_deterministic() {
    let tree = TempTree::new();
    let first = tree.path().join("first.json");
    let second = tree.path().join("second.json");
    for out in [&first, &second] {
        perf_gate!()
            .args([
                "-q",
                "baseline",
                "save",
                "examples/logs",
                "--out",
                out.as_str(),
            ])
            .assert()
            .code(0);
    }
    assert_eq!(
        std::fs::read(&first).expect("first"),
        std::fs::read(&second).expect("second")
    );
}

#[test]
fn verbose_adds_the_accounting_of_every_file() {
    perf_gate!()
        .args(["--verbose", "summarize", "examples/logs/wsap"])
        .assert()
        .code(0)
        .stderr(predicate::str::contains(
            "examples/logs/wsap/2025-10-16.jsonl: 180 lines, 180 accepted, 0 filtered out, 0 rejected, 0 blank\n",
        ));
}

#[test]
fn corrupt_gzip_file_is_reported_and_the_rest_still_read() {
    let tree = TempTree::new();
    tree.write("logs/good.jsonl", svc_get_lines(5, |i| 10.0 + f64::from(i)));
    tree.write(
        "logs/broken.jsonl.gz",
        b"\x1f\x8b\x08\x00 this is not deflate data",
    );
    perf_gate!()
        .current_dir(tree.path())
        .args(["summarize", "logs"])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("svc/get"))
        .stderr(predicate::str::contains("warning: logs/broken.jsonl.gz"));
}

#[test]
fn gzip_logs_are_read() {
    perf_gate!()
        .args([
            "-q",
            "summarize",
            "examples/logs/registry/archive",
            "--format",
            "json",
        ])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("\"step\": \"registry_get\""));
}

/// `collect` wrote `latest.jsonl` as 0600 and `gate` its reports as 0644: every artifact now goes
/// through one atomic writer with mode 0644 (less the umask).
#[cfg(unix)]
#[test]
fn every_artifact_is_shared_readable() {
    use std::os::unix::fs::PermissionsExt as _;
    let tree = TempTree::new();
    let latest = tree.path().join("collected/latest.jsonl");
    perf_gate!()
        .args(["-q", "collect", "examples/logs", "--out", latest.as_str()])
        .assert()
        .code(0);
    let out_dir = tree.path().join("gate");
    perf_gate!()
        .args([
            "-q",
            "gate",
            "examples/logs",
            "--budgets",
            "examples/budgets-pass.json",
        ])
        .args(["--write-latest", "--out-dir", out_dir.as_str()])
        .assert()
        .code(0);
    let baseline = tree.path().join("baseline.json");
    perf_gate!()
        .args([
            "-q",
            "baseline",
            "save",
            "examples/logs",
            "--out",
            baseline.as_str(),
        ])
        .assert()
        .code(0);
    for path in [
        latest,
        out_dir.join("latest.jsonl"),
        out_dir.join("report.json"),
        out_dir.join("report.md"),
        out_dir.join("junit.xml"),
        baseline,
    ] {
        let mode = std::fs::metadata(&path)
            .expect("written")
            .permissions()
            .mode()
            & 0o777;
        // 0644 less a umask of at most 022 (the test runner's).
        assert_eq!(mode & 0o644, mode, "{path}: {mode:o}");
        assert_eq!(mode & 0o600, 0o600, "{path}: {mode:o}");
        assert_eq!(mode & 0o044, 0o044, "{path}: {mode:o}");
    }
}

/// `collect a.jsonl --out a.jsonl` used to empty `a.jsonl`: a file named as a root is read, then
/// replaced atomically.
#[test]
fn collecting_a_file_onto_itself_keeps_its_records() {
    let tree = TempTree::new();
    let log = tree.write("a.jsonl", svc_get_lines(10, |i| f64::from(i) + 1.0));
    perf_gate!()
        .args(["collect", log.as_str(), "--out", log.as_str()])
        .assert()
        .code(0)
        .stderr(predicate::str::contains("10 accepted"));
    let text = std::fs::read_to_string(&log).expect("still there");
    assert_eq!(text.lines().count(), 10);
}

/// `gate --write-latest` reads its input once: from stdin, which cannot be read twice, the
/// report and latest.jsonl both see every record.
#[test]
fn gate_write_latest_reads_stdin_once_for_both() {
    let tree = TempTree::new();
    let budgets = tree.write(
        "budgets.json",
        r#"{"svc": {"get": {"max": 1000, "min_samples": 5}}}"#,
    );
    let out_dir = tree.path().join("out");
    perf_gate!()
        .args(["gate", "-", "--budgets", budgets.as_str(), "--write-latest"])
        .args(["--out-dir", out_dir.as_str()])
        .write_stdin(svc_get_lines(30, |i| f64::from(i) + 1.0))
        .assert()
        .code(0)
        .stderr(predicate::str::contains(
            "read 30 lines from 1 files: 30 accepted",
        ));
    let latest = std::fs::read_to_string(out_dir.join("latest.jsonl")).expect("latest");
    assert_eq!(latest.lines().count(), 30);
    let report: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(out_dir.join("report.json")).expect("report"),
    )
    .expect("JSON");
    assert_eq!(report["checks"][0]["sample_count"], 30);
}

/// A name whose escaped width exceeds 65,535 characters used to panic every text renderer
/// (`{:<width$}` takes at most u16::MAX), after `gate` had written its reports: columns are now
/// at most 80 wide and a longer cell overflows.
#[test]
fn a_seventy_thousand_character_name_is_reported_not_a_crash() {
    let tree = TempTree::new();
    let tool = "é".repeat(11_000) + &"T".repeat(60_000);
    let line = format!(
        "{{\"ts\":\"2025-10-16T10:00:00Z\",\"sessionId\":\"s\",\"tool\":\"{tool}\",\"step\":\"get\",\"ms\":1,\"ok\":true}}\n"
    );
    let log = tree.write("long.jsonl", line.repeat(3));
    let budgets = tree.write(
        "budgets.json",
        r#"{"*": {"*": {"max": 100, "min_samples": 1}}}"#,
    );
    perf_gate!()
        .args(["gate", log.as_str(), "--budgets", budgets.as_str()])
        .args(["--out-dir", tree.path().join("out").as_str()])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("\\u{e9}"));
    perf_gate!()
        .args(["summarize", log.as_str()])
        .assert()
        .code(0);
    perf_gate!()
        .args([
            "collect",
            log.as_str(),
            "--out",
            tree.path().join("c.jsonl").as_str(),
        ])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("by tool:"));
}

/// File names and tool names can hold newlines, ESC and `::error::`: no line perf-gate prints,
/// on stdout or stderr, starts a GitHub workflow command or carries a raw control character
/// (issue 18, items 11 and 13).
#[cfg(unix)]
#[test]
fn hostile_file_and_tool_names_never_start_a_workflow_command() {
    let tree = TempTree::new();
    let hostile_dir = "logs\n::error title=pwned::x\n\u{1b}[31m";
    let line = "{\"ts\":\"2025-10-16T10:00:00Z\",\"sessionId\":\"s\",\"tool\":\"::error::pwned\",\"step\":\"get\",\"ms\":1,\"ok\":true}\nnot json\n";
    tree.write(&format!("{hostile_dir}/a.jsonl"), line);
    let out = tree.path().join("out/latest.jsonl");
    for command in [
        &["summarize"][..],
        &["-v", "collect", "--out", out.as_str()][..],
    ] {
        let output = perf_gate!()
            .args(command)
            .arg(tree.path().as_str())
            .output()
            .expect("perf-gate runs");
        for stream in [&output.stdout, &output.stderr] {
            let text = String::from_utf8_lossy(stream);
            for printed in text.lines() {
                assert!(!printed.starts_with("::"), "{command:?}: {printed:?}");
                assert!(
                    !printed.chars().any(|c| c.is_control() && c != '\t'),
                    "{command:?}: {printed:?}"
                );
            }
        }
    }
}
