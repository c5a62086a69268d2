//! Bounded memory (issue 20): beyond `--memory-limit`, whole work units' samples wait in a
//! temporary directory, and every output is byte for byte the in-memory path's; the directory
//! is gone after success, after an error, and (by the next run) after a kill.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "tests: a failed unwrap is a failed test"
)]

use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use camino::{Utf8Path, Utf8PathBuf};
use tests::{TempTree, perf_gate, sorted_entries};

/// Twelve files of about 100 KB (one work unit each: small files are batched only up to an
/// eighth of the input): five groups, errors, unknown outcomes, measures on some records.
fn corpus(tree: &TempTree) -> Utf8PathBuf {
    let mut state = 0x9e37_79b9_7f4a_7c15_u64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    for file in 0..12 {
        let mut text = String::new();
        for index in 0..700u64 {
            let group = next() % 5;
            let ms = (next() % 100_000) as f64 / 997.0 + group as f64;
            let outcome = match next() % 20 {
                0 => r#","ok":false,"errorReason":"timeout""#,
                1 => "",
                _ => r#","ok":true"#,
            };
            let measures = if group % 2 == 0 && index % 3 == 0 {
                format!(r#","measures":{{"peak_rss_mb":{}}}"#, next() % 500)
            } else {
                String::new()
            };
            let second = file * 700 + index;
            text.push_str(&format!(
                r#"{{"ts":"2025-10-16T{:02}:{:02}:{:02}.{:03}Z","sessionId":"s{}","tool":"svc","step":"op{group}","ms":{ms}{outcome}{measures}}}"#,
                10 + second / 3600,
                second / 60 % 60,
                second % 60,
                next() % 1000,
                file % 3,
            ));
            text.push('\n');
        }
        tree.write(&format!("logs/part-{file:02}.jsonl"), text);
    }
    tree.path().join("logs")
}

const BUDGETS: &str = r#"{
  "defaults": { "min_samples": 5 },
  "svc": {
    "op0": { "p95": 90, "avg": 60, "error_rate": 0.2, "peak_rss_mb": { "p95": 400 }, "throughput_rps": { "min": 0.1 } },
    "op1": { "p50": 40, "max": 200 },
    "*": { "p99": 100, "error_rate": 0.1 }
  }
}"#;

/// Runs perf-gate with `TMPDIR` set to `temporary`, and checks that nothing is left in it.
fn run(temporary: &Utf8Path, arguments: &[&str]) -> Output {
    std::fs::create_dir_all(temporary).unwrap();
    let output = perf_gate!()
        .env("TMPDIR", temporary)
        .args(arguments)
        .output()
        .unwrap();
    assert_eq!(
        sorted_entries(temporary),
        Vec::<String>::new(),
        "{arguments:?}: the spill directory is gone"
    );
    output
}

/// The stdout of each limit's run of `arguments` (with `{out}` replaced by a directory of
/// the run's own), checked to exit with `code`.
fn outputs_per_limit(tree: &TempTree, arguments: &[&str], code: i32) -> Vec<(String, Vec<u8>)> {
    // 1 byte: every unit spills. 24K: the first units stay in memory, the later ones spill.
    // The default (16M): nothing spills.
    [None, Some("1"), Some("24K")]
        .into_iter()
        .enumerate()
        .map(|(run_index, limit)| {
            let out = tree.path().join(format!("out-{run_index}"));
            let mut arguments: Vec<String> = arguments
                .iter()
                .map(|argument| argument.replace("{out}", out.as_str()))
                .collect();
            if let Some(limit) = limit {
                arguments.extend(["--memory-limit".to_owned(), limit.to_owned()]);
            }
            let arguments: Vec<&str> = arguments.iter().map(String::as_str).collect();
            let output = run(&tree.path().join(format!("tmp-{run_index}")), &arguments);
            assert_eq!(
                output.status.code(),
                Some(code),
                "{arguments:?}: {}",
                String::from_utf8_lossy(&output.stderr)
            );
            (limit.unwrap_or("default").to_owned(), output.stdout)
        })
        .collect()
}

fn assert_all_identical(outputs: &[(String, Vec<u8>)]) {
    let (_, reference) = &outputs[0];
    assert!(!reference.is_empty());
    for (limit, output) in &outputs[1..] {
        assert!(
            output == reference,
            "--memory-limit {limit} changed the output:\n{}\n---\n{}",
            String::from_utf8_lossy(reference),
            String::from_utf8_lossy(output)
        );
    }
}

#[test]
fn summarize_is_byte_identical_at_any_memory_limit() {
    let tree = TempTree::new();
    let logs = corpus(&tree);
    for extra in [
        &[][..],
        &["--latency-of", "all"],
        &["--group-by", "session"],
    ] {
        let mut arguments = vec!["summarize", logs.as_str(), "--format", "json"];
        arguments.extend_from_slice(extra);
        assert_all_identical(&outputs_per_limit(&tree, &arguments, 0));
    }
}

#[test]
fn evaluate_and_gate_with_a_baseline_are_byte_identical_at_any_memory_limit() {
    let tree = TempTree::new();
    let logs = corpus(&tree);
    let budgets = tree.write("budgets.json", BUDGETS);
    // The evaluation fails some checks (exit 3): the corpus's p99 is above 100.
    let evaluate = [
        "evaluate",
        logs.as_str(),
        "--budgets",
        budgets.as_str(),
        "--format",
        "json",
    ];
    let code = perf_gate!().args(evaluate).output().unwrap().status.code();
    assert!(matches!(code, Some(0 | 3)), "{code:?}");
    let code = code.unwrap();
    assert_all_identical(&outputs_per_limit(&tree, &evaluate, code));
    let mut all = evaluate.to_vec();
    all.extend(["--latency-of", "all"]);
    let code_all = perf_gate!()
        .args(&all)
        .output()
        .unwrap()
        .status
        .code()
        .unwrap();
    assert_all_identical(&outputs_per_limit(&tree, &all, code_all));

    // A baseline of the first half of the files, then a gate of all of them against it.
    let half = tree.path().join("half");
    std::fs::create_dir_all(&half).unwrap();
    for file in 0..6 {
        let name = format!("part-{file:02}.jsonl");
        std::fs::copy(logs.join(&name), half.join(&name)).unwrap();
    }
    let baseline = tree.path().join("baseline.json");
    let saved = run(
        &tree.path().join("tmp-save"),
        &[
            "baseline",
            "save",
            half.as_str(),
            "--out",
            baseline.as_str(),
        ],
    );
    assert!(saved.status.success());
    let gate = [
        "gate",
        logs.as_str(),
        "--budgets",
        budgets.as_str(),
        "--baseline",
        baseline.as_str(),
        "--format",
        "json",
        "--out-dir",
        "{out}",
    ];
    let code = perf_gate!()
        .args(gate.map(|a| a.replace("{out}", tree.path().join("out-probe").as_str())))
        .output()
        .unwrap()
        .status
        .code()
        .unwrap();
    let outputs = outputs_per_limit(&tree, &gate, code);
    assert!(
        String::from_utf8_lossy(&outputs[0].1).contains("\"baseline\""),
        "the report has a baseline section"
    );
    assert_all_identical(&outputs);
    let report = |run: usize| std::fs::read(tree.path().join(format!("out-{run}/report.json")));
    assert_eq!(report(0).unwrap(), report(1).unwrap());
    assert_eq!(report(0).unwrap(), report(2).unwrap());
}

#[test]
fn baseline_save_writes_the_same_file_at_any_memory_limit() {
    let tree = TempTree::new();
    let logs = corpus(&tree);
    let files: Vec<Vec<u8>> = [None, Some("1"), Some("24K")]
        .into_iter()
        .enumerate()
        .map(|(index, limit)| {
            let out = tree.path().join(format!("baseline-{index}.json"));
            let mut arguments = vec!["baseline", "save", logs.as_str(), "--out", out.as_str()];
            if let Some(limit) = limit {
                arguments.extend(["--memory-limit", limit]);
            }
            let output = run(&tree.path().join(format!("tmp-{index}")), &arguments);
            assert!(output.status.success(), "{arguments:?}");
            std::fs::read(&out).unwrap()
        })
        .collect();
    assert!(files[0].len() > 1000);
    assert_eq!(files[0], files[1]);
    assert_eq!(files[0], files[2]);
}

#[test]
fn an_error_after_spilling_leaves_no_spill_directory() {
    let tree = TempTree::new();
    let logs = corpus(&tree);
    // A rejected line in the last file: strict mode stops after every unit was read (and
    // spilled).
    tree.write("logs/zz-bad.jsonl", "{\"not\":\"a record\"}\n");
    let output = run(
        &tree.path().join("tmp"),
        &[
            "summarize",
            logs.as_str(),
            "--strict",
            "--memory-limit",
            "1",
        ],
    );
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr).contains("strict"));
}

/// The spill directories (`.samples-spill.perf-gate-*`) in `directory`.
fn spill_directories(directory: &Utf8Path) -> Vec<String> {
    sorted_entries(directory)
        .into_iter()
        .filter(|name| name.starts_with(".samples-spill.perf-gate-"))
        .collect()
}

#[test]
fn a_killed_runs_spill_directory_is_removed_by_the_next_run() {
    let tree = TempTree::new();
    let logs = corpus(&tree);
    let temporary = tree.path().join("tmp");
    std::fs::create_dir_all(&temporary).unwrap();
    // The files' units spill while standard input (the last root) is still open.
    let mut child = Command::new(env!("CARGO_BIN_EXE_perf-gate-dup"))
        .env("TMPDIR", &temporary)
        .args(["-q", "summarize", logs.as_str(), "-", "--memory-limit", "1"])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // Wait for a spill file, not only the directory: the directory is made just before its
    // first file, and a kill between the two would leave it empty.
    let holds_a_file = |name: &String| {
        std::fs::read_dir(temporary.join(name)).is_ok_and(|mut entries| entries.next().is_some())
    };
    let started = Instant::now();
    while !spill_directories(&temporary).iter().any(holds_a_file) {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "no spill file appeared"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let killed = spill_directories(&temporary);
    assert_eq!(killed.len(), 1, "the killed run left its directory");
    assert!(
        std::fs::read_dir(temporary.join(&killed[0]))
            .unwrap()
            .next()
            .is_some(),
        "with spill files in it"
    );
    // The next run that spills removes it (its writer is gone), then its own.
    let output = run(
        &temporary,
        &["summarize", logs.as_str(), "--memory-limit", "1"],
    );
    assert!(output.status.success());
}
