//! Names from logs are data, never commands: a tool and a step holding newlines, ESC, BEL, NUL,
//! C1 controls, bidi overrides, `::error::`, `%0A` and 70,000 characters go through every
//! command and every output format, stdout, stderr and the files `gate` writes. No line a
//! person or a CI runner reads starts a GitHub workflow command (except the annotations
//! perf-gate itself writes in the `github` format) or carries a raw control or bidi character
//! (issue 18, "one rule for every human-readable output").

#![allow(clippy::expect_used)]

use camino::Utf8Path;
use tests::{TempTree, perf_gate};

/// The names, as JSON string contents (escaped where JSON requires it).
const HOSTILE_TOOLS: [&str; 4] = [
    "::error::pwned",
    "new\\nline\\r::warning::x\\u0007\\u0000",
    "\\u001b[31mred\\u001b[0m\\u009b\\u0085",
    "bidi\\u202eevil\\u2066x\\u2069%0A::notice::y",
];

fn hostile_logs(tree: &TempTree) -> camino::Utf8PathBuf {
    let long = "L".repeat(70_000);
    let mut text = String::new();
    for (index, tool) in HOSTILE_TOOLS.iter().chain([&long.as_str()]).enumerate() {
        for sample in 0..60 {
            text.push_str(&format!(
                "{{\"ts\":\"2025-10-16T10:00:{:02}Z\",\"sessionId\":\"s{index}\",\"tool\":\"{tool}\",\"step\":\"::error::{index}\\n\",\"ms\":{},\"ok\":true}}\n",
                sample % 60,
                1 + sample % 7
            ));
        }
    }
    text.push_str("{\"tool\": \"\\u001b]0;title\\u0007\", \"broken\n");
    tree.write("logs/hostile.jsonl", text)
}

/// A budget file naming the hostile groups (so they are checked, not only counted).
fn hostile_budgets(tree: &TempTree) -> camino::Utf8PathBuf {
    let mut text = String::from("{");
    for (index, tool) in HOSTILE_TOOLS.iter().enumerate() {
        if index > 0 {
            text.push(',');
        }
        // One passes, one fails, so both kinds of rows are rendered.
        let limit = if index % 2 == 0 { 100 } else { 2 };
        text.push_str(&format!(
            "\"{tool}\": {{\"::error::{index}\\n\": {{\"p95\": {limit}, \"min_samples\": 10}}}}"
        ));
    }
    text.push_str(", \"*\": {\"*\": {\"avg\": 1000}}}");
    tree.write("budgets.json", text)
}

fn is_forbidden(character: char) -> bool {
    (character.is_control() && character != '\n' && character != '\t')
        || matches!(character, '\u{200e}' | '\u{200f}' | '\u{061c}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// What an output is for.
#[derive(Clone, Copy, PartialEq)]
enum Kind {
    /// Read by people (and CI logs): no workflow command, no raw control or bidi character.
    Human,
    /// perf-gate's own GitHub annotations: only its commands, no raw control or bidi character.
    Annotations,
    /// JSON for machines: serde_json escapes C0 controls and a JSON line never starts with
    /// `::`; other characters are data, as JSON defines them.
    Machine,
}

fn kind_of(format: &str) -> Kind {
    match format {
        "github" => Kind::Annotations,
        "json" => Kind::Machine,
        _ => Kind::Human,
    }
}

/// Checks one output.
fn check(what: &str, text: &str, kind: Kind) {
    let annotations = kind == Kind::Annotations;
    for (number, line) in text.lines().enumerate() {
        let command_like = line.trim_start().starts_with("::");
        if annotations {
            assert!(
                line.starts_with("::error ")
                    || line.starts_with("::warning ")
                    || line.starts_with("::notice ")
                    || line.is_empty(),
                "{what}:{}: not one of perf-gate's annotations: {:.200?}",
                number + 1,
                line
            );
        } else {
            assert!(
                !command_like,
                "{what}:{}: starts a workflow command: {:.200?}",
                number + 1,
                line
            );
        }
        if kind == Kind::Machine {
            continue;
        }
        if let Some(bad) = line.chars().find(|&character| is_forbidden(character)) {
            panic!("{what}:{}: raw {:?} in {:.200?}", number + 1, bad, line);
        }
    }
}

fn run(what: &str, args: &[&str], kind: Kind) -> std::process::Output {
    let output = perf_gate!()
        .args(args)
        .timeout(std::time::Duration::from_secs(120))
        .output()
        .expect("perf-gate runs");
    let code = output.status.code();
    assert!(
        matches!(code, Some(0..=3)),
        "{what}: exit {code:?}: {}",
        String::from_utf8_lossy(&output.stderr)
            .chars()
            .take(2000)
            .collect::<String>()
    );
    check(
        &format!("{what} stdout"),
        &String::from_utf8_lossy(&output.stdout),
        kind,
    );
    check(
        &format!("{what} stderr"),
        &String::from_utf8_lossy(&output.stderr),
        Kind::Human,
    );
    output
}

#[test]
fn hostile_names_never_reach_any_output_raw() {
    let tree = TempTree::new();
    let logs = hostile_logs(&tree);
    let budgets = hostile_budgets(&tree);
    let logs = logs.as_str();
    let budgets = budgets.as_str();
    let out = tree.path().join("out");
    let baseline = tree.path().join("baseline.json");
    let latest = out.join("latest.jsonl");
    let normalized = out.join("normalized.jsonl");

    for format in ["text", "json"] {
        run(
            &format!("collect --format {format}"),
            &[
                "-v",
                "collect",
                logs,
                "--out",
                latest.as_str(),
                "--format",
                format,
            ],
            kind_of(format),
        );
    }
    for format in ["text", "markdown", "json"] {
        for group_by in ["tool,step", "tool", "session"] {
            run(
                &format!("summarize --format {format} --group-by {group_by}"),
                &[
                    "-v",
                    "summarize",
                    logs,
                    "--format",
                    format,
                    "--group-by",
                    group_by,
                ],
                kind_of(format),
            );
        }
    }
    for format in ["text", "markdown", "json", "junit", "github"] {
        run(
            &format!("evaluate --format {format}"),
            &[
                "-v",
                "evaluate",
                logs,
                "--budgets",
                budgets,
                "--format",
                format,
            ],
            kind_of(format),
        );
    }
    run(
        "lint",
        &["-v", "lint", "--budgets", budgets, logs],
        Kind::Human,
    );
    run(
        "normalize",
        &["-v", "normalize", logs, "--out", normalized.as_str()],
        Kind::Human,
    );
    run(
        "baseline save",
        &["-v", "baseline", "save", logs, "--out", baseline.as_str()],
        Kind::Human,
    );
    for format in ["text", "markdown", "json", "junit", "github"] {
        run(
            &format!("baseline compare --format {format}"),
            &[
                "-v",
                "baseline",
                "compare",
                logs,
                "--baseline",
                baseline.as_str(),
                "--format",
                format,
            ],
            kind_of(format),
        );
    }
    run(
        "baseline ratchet",
        &[
            "-v",
            "baseline",
            "ratchet",
            "--baseline",
            baseline.as_str(),
            "--budgets",
            budgets,
        ],
        Kind::Human,
    );
    let artifacts = out.join("gate");
    for format in ["text", "markdown", "json", "junit", "github"] {
        run(
            &format!("gate --format {format}"),
            &[
                "-v",
                "gate",
                logs,
                "--budgets",
                budgets,
                "--baseline",
                baseline.as_str(),
                "--out-dir",
                artifacts.as_str(),
                "--format",
                format,
            ],
            kind_of(format),
        );
    }
    // The files gate writes for people (JSON is for machines: serde escapes its control
    // characters, and a JSON string is never a line of its own).
    let mut files = 0;
    for entry in std::fs::read_dir(&artifacts).expect("artifacts") {
        let path = camino::Utf8PathBuf::try_from(entry.expect("entry").path()).expect("UTF-8");
        let name = path.file_name().unwrap_or_default().to_owned();
        if name.ends_with(".json") || name.ends_with(".jsonl") || name.starts_with('.') {
            continue;
        }
        check(&name, &read(&path), Kind::Human);
        files += 1;
    }
    assert!(files >= 2, "report.md and junit.xml at least");
}

fn read(path: &Utf8Path) -> String {
    String::from_utf8_lossy(&std::fs::read(path).expect("artifact")).into_owned()
}
