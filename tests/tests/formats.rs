//! Every output format, snapshotted with insta on the bundled examples (relative paths, no
//! timestamps: the snapshots are the same on every machine). Review changes with
//! `cargo insta review`.

use tests::{TempTree, perf_gate, redact_hashes, stdout_of, svc_get_lines};

const FAIL: &str = "examples/budgets-fail.json";

fn evaluate_as(format: &str) -> String {
    stdout_of(
        perf_gate!(),
        &[
            "-q",
            "evaluate",
            "examples/logs",
            "--budgets",
            FAIL,
            "--format",
            format,
        ],
        3,
    )
}

#[test]
fn evaluate_text() {
    let text = evaluate_as("text");
    assert!(text.is_ascii());
    assert!(
        !text.contains('\u{1b}'),
        "no colour when NO_COLOR is set and stdout is a pipe"
    );
    insta::assert_snapshot!(text);
}

#[test]
fn evaluate_markdown() {
    insta::assert_snapshot!(evaluate_as("markdown"));
}

#[test]
fn evaluate_json() {
    let json = evaluate_as("json");
    let value: serde_json::Value = serde_json::from_str(&json).expect("valid JSON");
    assert_eq!(value["schema_version"], perf_report::REPORT_SCHEMA_VERSION);
    assert_eq!(value["verdict"], "fail");
    insta::assert_snapshot!(json);
}

#[test]
fn evaluate_junit() {
    let xml = evaluate_as("junit");
    assert!(xml.starts_with("<?xml"));
    assert_eq!(xml.matches("<failure").count(), 3);
    insta::assert_snapshot!(xml);
}

#[test]
fn evaluate_github_annotations() {
    let annotations = evaluate_as("github");
    assert!(
        annotations.lines().all(|line| line.starts_with("::")),
        "{annotations}"
    );
    insta::assert_snapshot!(annotations);
}

#[test]
fn color_auto_does_not_colour_a_pipe_even_without_no_color() {
    let output = perf_gate!()
        .env_remove("NO_COLOR")
        .args(["-q", "evaluate", "examples/logs", "--budgets", FAIL])
        .output()
        .expect("perf-gate runs");
    assert_eq!(output.status.code(), Some(3));
    assert!(
        !output.stdout.contains(&0x1b),
        "stdout is a pipe: no escape codes"
    );
}

#[test]
fn color_always_colours_the_text_report() {
    let text = stdout_of(
        perf_gate!(),
        &[
            "-q",
            "--color",
            "always",
            "evaluate",
            "examples/logs",
            "--budgets",
            FAIL,
        ],
        3,
    );
    assert!(text.contains("\u{1b}["), "{text}");
}

#[test]
fn summarize_text() {
    insta::assert_snapshot!(stdout_of(
        perf_gate!(),
        &["-q", "summarize", "examples/logs"],
        0
    ));
}

#[test]
fn summarize_markdown_by_tool() {
    insta::assert_snapshot!(stdout_of(
        perf_gate!(),
        &[
            "-q",
            "summarize",
            "examples/logs",
            "--group-by",
            "tool",
            "--format",
            "markdown"
        ],
        0
    ));
}

#[test]
fn summarize_json_by_session_is_versioned() {
    let json = stdout_of(
        perf_gate!(),
        &[
            "-q",
            "summarize",
            "examples/logs/wsap",
            "--group-by",
            "session",
            "--format",
            "json",
        ],
        0,
    );
    let value: serde_json::Value = serde_json::from_str(&json).expect("valid JSON");
    assert_eq!(
        value["schema_version"],
        perf_report::summary::SUMMARY_SCHEMA_VERSION
    );
    assert_eq!(value["group_by"], "session");
    assert_eq!(value["groups"].as_array().map(Vec::len), Some(120));
}

#[test]
fn summarize_json_tool_step() {
    insta::assert_snapshot!(stdout_of(
        perf_gate!(),
        &["-q", "summarize", "examples/logs", "--format", "json"],
        0
    ));
}

#[test]
fn diagnostics_name_every_bad_line_and_count_all_lines() {
    let output = perf_gate!()
        .args(["summarize", "examples/logs"])
        .output()
        .expect("perf-gate runs");
    assert_eq!(output.status.code(), Some(0));
    insta::assert_snapshot!(String::from_utf8_lossy(&output.stderr));
}

#[test]
fn lint_with_data() {
    let tree = TempTree::new();
    let budgets = tree.write(
        "budgets.json",
        r#"{ "wsap": { "import": { "p95": 80 }, "teleport": { "p95": 10 } }, "a2a": { "*": { "p95": 500 } } }"#,
    );
    let output = perf_gate!()
        .args(["-q", "lint", "--budgets", budgets.as_str(), "examples/logs"])
        .output()
        .expect("perf-gate runs");
    assert_eq!(output.status.code(), Some(2));
    let stdout = String::from_utf8_lossy(&output.stdout).replace(tree.path().as_str(), "[TMP]");
    insta::assert_snapshot!(stdout);
}

#[test]
fn lint_without_data_only_validates() {
    let stdout = stdout_of(
        perf_gate!(),
        &["lint", "--budgets", "examples/budgets-pass.json"],
        0,
    );
    assert_eq!(
        stdout,
        "examples/budgets-pass.json: valid budget file, 8 entries\n"
    );
}

#[test]
fn baseline_comparison_in_every_format() {
    let tree = TempTree::new();
    let before = tree.write(
        "before.jsonl",
        svc_get_lines(200, |i| 20.0 + f64::from(i * 37 % 101) / 10.0),
    );
    let after = tree.write(
        "after.jsonl",
        svc_get_lines(200, |i| 1.3 * (20.0 + f64::from(i * 53 % 101) / 10.0)),
    );
    let baseline = tree.path().join("baseline.json");
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
    let compare = |format: &str| {
        let stdout = stdout_of(
            perf_gate!(),
            &[
                "-q",
                "baseline",
                "compare",
                after.as_str(),
                "--baseline",
                baseline.as_str(),
                "--format",
                format,
            ],
            3,
        );
        redact_hashes(&stdout).replace(baseline.as_str(), "[baseline]")
    };
    insta::assert_snapshot!("comparison_text", compare("text"));
    insta::assert_snapshot!("comparison_markdown", compare("markdown"));
    insta::assert_snapshot!("comparison_github", compare("github"));
    insta::assert_snapshot!("comparison_junit", compare("junit"));
    let json: serde_json::Value = serde_json::from_str(&compare("json")).expect("valid JSON");
    assert_eq!(json["schema_version"], perf_report::REPORT_SCHEMA_VERSION);
    assert_eq!(json["verdict"], "fail");
    assert_eq!(json["baseline"]["groups"][0]["verdict"], "regressed");
}

#[test]
fn clicolor_force_colours_a_pipe_and_no_color_or_never_still_win() {
    let run = |env: &[(&str, &str)], extra: &[&str]| {
        let mut command = perf_gate!();
        command.env_remove("NO_COLOR");
        for (key, value) in env {
            command.env(key, value);
        }
        let output = command
            .args(["-q", "evaluate", "examples/logs", "--budgets", FAIL])
            .args(extra)
            .output()
            .expect("perf-gate runs");
        assert_eq!(output.status.code(), Some(3));
        String::from_utf8_lossy(&output.stdout).into_owned()
    };
    let forced = run(&[("CLICOLOR_FORCE", "1")], &[]);
    assert!(forced.contains("\u{1b}[31m[FAIL]\u{1b}[0m"), "{forced}");
    assert!(
        forced.starts_with("perf-gate \u{1b}[31mFAIL\u{1b}[0m: "),
        "{forced}"
    );
    for (env, extra) in [
        (&[("CLICOLOR_FORCE", "1"), ("NO_COLOR", "1")][..], &[][..]),
        (&[("CLICOLOR_FORCE", "1")][..], &["--color", "never"][..]),
        (&[("CLICOLOR", "0")][..], &[][..]),
        (&[("TERM", "dumb")][..], &[][..]),
    ] {
        let plain = run(env, extra);
        assert!(!plain.contains('\u{1b}'), "{env:?} {extra:?}: {plain}");
    }
}

#[test]
fn max_bytes_bounds_the_markdown_report_and_says_what_was_left_out() {
    let tree = TempTree::new();
    let out_dir = tree.path().join("out");
    let stdout = stdout_of(
        perf_gate!(),
        &[
            "-q",
            "gate",
            "examples/logs",
            "--budgets",
            FAIL,
            "--format",
            "markdown",
            "--max-bytes",
            "1500",
            "--out-dir",
            out_dir.as_str(),
        ],
        3,
    );
    assert!(stdout.len() <= 1500, "{} bytes", stdout.len());
    assert!(
        stdout.starts_with("## perf-gate FAIL: 3 budget violations"),
        "{stdout}"
    );
    assert!(stdout.contains("| **FAIL** | a2a/echo |"), "{stdout}");
    let note = stdout.lines().last().unwrap_or_default();
    assert!(
        note.starts_with("_Left out to stay under 1,500 bytes: ")
            && note.contains("passing checks"),
        "{stdout}"
    );
    let written = std::fs::read_to_string(out_dir.join("report.md")).expect("report.md");
    assert_eq!(written, stdout, "report.md honours --max-bytes too");
}
