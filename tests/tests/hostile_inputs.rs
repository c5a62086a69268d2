//! Hostile inputs and faults (issue 18): rejected lines beyond `--max-errors`, pipe roots,
//! `normalize` streaming in bounded memory.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "tests: a failed unwrap is a failed test"
)]

use std::io::{BufRead as _, BufReader, Write as _};
use std::process::{Command, Stdio};
use std::time::Duration;

use tests::{TempTree, perf_gate, sorted_entries, svc_get_lines, workspace_root};

fn bad_lines(count: usize) -> String {
    (0..count).map(|i| format!("{{\"bad\":{i}}}\n")).collect()
}

/// The stderr of `perf-gate arguments...` (its exit code checked).
fn stderr_of(arguments: &[&str], code: i32) -> String {
    let output = perf_gate!().args(arguments).output().unwrap();
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert_eq!(output.status.code(), Some(code), "{arguments:?}: {stderr}");
    stderr
}

fn rejection_lines(stderr: &str) -> usize {
    stderr
        .lines()
        .filter(|line| line.starts_with("warning: ") && line.contains(".jsonl:"))
        .count()
}

#[test]
fn rejected_lines_beyond_max_errors_say_how_many_more_and_zero_prints_all() {
    let tree = TempTree::new();
    let logs = tree.write(
        "logs/app.jsonl",
        format!("{}{}", svc_get_lines(3, |_| 1.0), bad_lines(266)),
    );
    let logs = logs.as_str();
    for command in [
        vec!["summarize", logs],
        vec!["normalize", logs, "--out", "-"],
    ] {
        let name = command[0];
        let stderr = stderr_of(&command, 0);
        assert_eq!(rejection_lines(&stderr), 100, "{name}: {stderr}");
        assert!(
            stderr.contains("warning: ... and 166 more rejected lines (--max-errors 0 prints all)"),
            "{name}: {stderr}"
        );
        let all = [&["--max-errors", "0"][..], &command].concat();
        let stderr = stderr_of(&all, 0);
        assert_eq!(rejection_lines(&stderr), 266, "{name}: {stderr}");
        assert!(!stderr.contains("more rejected"), "{name}: {stderr}");
        let five = [&command[..], &["--max-errors", "5"][..]].concat();
        let stderr = stderr_of(&five, 0);
        assert_eq!(rejection_lines(&stderr), 5, "{name}: {stderr}");
        assert!(
            stderr.contains("... and 261 more rejected lines"),
            "{name}: {stderr}"
        );
    }
}

#[test]
fn a_dev_stdin_root_on_a_pipe_is_read_as_a_stream() {
    let output = perf_gate!()
        .args(["summarize", "/dev/stdin", "--format", "json"])
        .write_stdin(svc_get_lines(40, f64::from))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert!(
        stderr.contains("read 40 lines from 1 files: 40 accepted"),
        "{stderr}"
    );
}

fn spawn_normalize(out: &str) -> std::process::Child {
    Command::new(env!("CARGO_BIN_EXE_perf-gate-dup"))
        .current_dir(workspace_root())
        .args(["-q", "normalize", "-", "--out", out])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

#[test]
fn normalize_writes_its_output_while_the_input_is_still_open() {
    let mut child = spawn_normalize("-");
    let mut stdin = child.stdin.take().unwrap();
    let stdout = child.stdout.take().unwrap();
    let (sender, receiver) = std::sync::mpsc::channel();
    let reader = std::thread::spawn(move || {
        let mut lines = BufReader::new(stdout).lines();
        let first = lines.next().map(Result::unwrap);
        sender.send(first).unwrap();
        lines.count()
    });
    // 20,000 lines (2.2 MB, more than any read buffer); stdin stays open after them, so a
    // normalize that held its output until the end of its input would print nothing yet.
    stdin
        .write_all(svc_get_lines(20_000, f64::from).as_bytes())
        .unwrap();
    stdin.flush().unwrap();
    let first = receiver
        .recv_timeout(Duration::from_secs(120))
        .expect("no output line while the input was still open: normalize buffers");
    assert!(
        first
            .as_deref()
            .is_some_and(|line| line.contains("\"tool\":\"svc\"")),
        "{first:?}"
    );
    drop(stdin);
    let rest = reader.join().unwrap();
    assert_eq!(rest + 1, 20_000);
    assert!(child.wait().unwrap().success());
}

/// The peak resident set size of a running process, in KiB.
fn peak_rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let line = status
        .lines()
        .find(|line| line.starts_with("VmHWM:"))
        .expect("a VmHWM line");
    line.split_whitespace().nth(1).unwrap().parse().unwrap()
}

#[cfg(target_os = "linux")]
#[test]
fn normalize_memory_stays_bounded_on_a_large_input() {
    let tree = TempTree::new();
    let out = tree.path().join("normalized.jsonl");
    let mut child = spawn_normalize(out.as_str());
    let mut stdin = child.stdin.take().unwrap();
    // 64 MiB of records, generated as they are written: the child holds at most a buffer's
    // worth of them at any time.
    let block = svc_get_lines(10_000, f64::from);
    let mut written = 0usize;
    while written < 64 << 20 {
        stdin.write_all(block.as_bytes()).unwrap();
        written += block.len();
    }
    stdin.flush().unwrap();
    // Everything but the pipe's buffer has been read; the process is still running.
    let peak_kib = peak_rss_kib(child.id());
    drop(stdin);
    let output = child.wait_with_output().unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let size = std::fs::metadata(&out).unwrap().len();
    assert!(
        size > 60 << 20,
        "the output holds every record: {size} bytes"
    );
    println!("normalize of {written} bytes: peak RSS {peak_kib} KiB");
    // Holding the output in memory would take more than 64 MiB.
    assert!(
        peak_kib < 32 * 1024,
        "peak RSS {peak_kib} KiB for a {written}-byte input"
    );
}

/// The number of records `summarize ROOT` reads, from its JSON summary.
fn records_read(root: &str) -> u64 {
    let output = perf_gate!()
        .args(["summarize", root, "--format", "json"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    let summary: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    summary["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|group| group["count"].as_u64().unwrap())
        .sum()
}

#[test]
fn the_artifacts_directory_is_skipped_by_every_walk_so_no_record_counts_twice() {
    let tree = TempTree::new();
    tree.write("logs/app.jsonl", svc_get_lines(1030, |i| f64::from(i % 40)));
    tree.write(
        "budgets.json",
        r#"{"svc": {"get": {"p50": 1000, "error_rate": 0.5}}}"#,
    );
    let root = tree.path().as_str();
    let budgets = tree.path().join("budgets.json");
    let artifacts = tree.path().join("artifacts/perf");
    assert_eq!(records_read(root), 1030);
    stderr_of(
        &[
            "gate",
            root,
            "--budgets",
            budgets.as_str(),
            "--out-dir",
            artifacts.as_str(),
            "--write-latest",
        ],
        0,
    );
    assert!(artifacts.join("latest.jsonl").is_file());
    assert!(artifacts.join("PERF-GATE.TAG").is_file());
    // Walking the tree again skips the artifacts (latest.jsonl holds the same 1030 records) and
    // says so under -v; every command reads the same 1030.
    assert_eq!(records_read(root), 1030);
    let verbose = stderr_of(&["-v", "summarize", root], 0);
    assert!(
        verbose.contains("perf-gate's artifacts directory"),
        "{verbose}"
    );
    let baseline = tree.path().join("baseline.json");
    stderr_of(&["baseline", "save", root, "--out", baseline.as_str()], 0);
    let saved: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&baseline).unwrap()).unwrap();
    assert!(saved.to_string().contains("1030"), "{saved}");
    let other = tree.path().join("other");
    let stderr = stderr_of(
        &[
            "gate",
            root,
            "--budgets",
            budgets.as_str(),
            "--out-dir",
            other.as_str(),
        ],
        0,
    );
    assert!(stderr.contains("1030 accepted"), "{stderr}");
    // Named explicitly, the artifacts directory is read like any root.
    assert_eq!(records_read(artifacts.as_str()), 1030);
}

/// What every artifact of a gate run says: (report.json's verdict, junit.xml's failure count
/// attribute, report.md's headline).
fn artifact_verdicts(artifacts: &camino::Utf8Path) -> (String, bool, bool) {
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(artifacts.join("report.json")).unwrap())
            .unwrap();
    let junit = std::fs::read_to_string(artifacts.join("junit.xml")).unwrap();
    let markdown = std::fs::read_to_string(artifacts.join("report.md")).unwrap();
    (
        json["verdict"].as_str().unwrap().to_owned(),
        junit.contains("<failure"),
        markdown.contains("FAIL"),
    )
}

/// 200 `svc/get` records in `logs/`, budgets `pass.json` and `fail.json`, and the artifacts
/// directory `out/perf` (not created).
fn pass_and_fail_tree() -> (TempTree, camino::Utf8PathBuf, camino::Utf8PathBuf) {
    let tree = TempTree::new();
    tree.write("logs/app.jsonl", svc_get_lines(200, |i| f64::from(i % 40)));
    tree.write("pass.json", r#"{"svc": {"get": {"p50": 1000}}}"#);
    tree.write("fail.json", r#"{"svc": {"get": {"p50": 1}}}"#);
    let logs = tree.path().join("logs");
    let artifacts = tree.path().join("out/perf");
    (tree, logs, artifacts)
}

#[test]
fn the_artifact_set_is_replaced_as_a_set_and_other_files_are_kept() {
    let (tree, logs, artifacts) = pass_and_fail_tree();
    let gate = |budgets: &str, code: i32| {
        let budgets = tree.path().join(budgets);
        stderr_of(
            &[
                "gate",
                logs.as_str(),
                "--budgets",
                budgets.as_str(),
                "--out-dir",
                artifacts.as_str(),
            ],
            code,
        )
    };
    gate("pass.json", 0);
    assert_eq!(
        artifact_verdicts(&artifacts),
        ("pass".to_owned(), false, false)
    );
    std::fs::write(artifacts.join("notes.txt"), "mine").unwrap();
    gate("fail.json", 3);
    assert_eq!(
        artifact_verdicts(&artifacts),
        ("fail".to_owned(), true, true),
        "every file of the set says the same"
    );
    assert_eq!(
        std::fs::read_to_string(artifacts.join("notes.txt")).unwrap(),
        "mine",
        "a file the gate does not write is kept"
    );
    assert_eq!(
        sorted_entries(&tree.path().join("out")),
        ["perf"],
        "no staged or previous set is left beside it"
    );
    // A run that fails before its reports (a root that does not exist) leaves the last set.
    let before = std::fs::read(artifacts.join("report.json")).unwrap();
    let missing = tree.path().join("no-such-logs");
    let budgets = tree.path().join("pass.json");
    stderr_of(
        &[
            "gate",
            missing.as_str(),
            "--budgets",
            budgets.as_str(),
            "--out-dir",
            artifacts.as_str(),
        ],
        1,
    );
    assert_eq!(
        std::fs::read(artifacts.join("report.json")).unwrap(),
        before
    );
    assert_eq!(sorted_entries(&tree.path().join("out")), ["perf"]);
}

#[cfg(target_os = "linux")]
#[test]
fn a_gate_killed_mid_run_leaves_the_previous_set_and_the_next_run_cleans_up() {
    let tree = TempTree::new();
    tree.write("pass.json", r#"{"self": {"slow": {"max": 100000}}}"#);
    tree.write(
        "plan.toml",
        "runs = 1\n\n[[command]]\ntool = \"self\"\nname = \"slow\"\nargv = [\"sleep\", \"30.0123\"]\n",
    );
    tree.write(
        "quick.toml",
        "runs = 2\n\n[[command]]\ntool = \"self\"\nname = \"slow\"\nargv = [\"true\"]\n",
    );
    let artifacts = tree.path().join("out/perf");
    let budgets = tree.path().join("pass.json");
    let gate_args = |plan: &str| {
        [
            "gate".to_owned(),
            "--run".to_owned(),
            tree.path().join(plan).to_string(),
            "--budgets".to_owned(),
            budgets.to_string(),
            "--min-samples".to_owned(),
            "1".to_owned(),
            "--out-dir".to_owned(),
            artifacts.to_string(),
        ]
    };
    let quick = gate_args("quick.toml");
    let quick: Vec<&str> = quick.iter().map(String::as_str).collect();
    stderr_of(&quick, 0);
    let before = std::fs::read(artifacts.join("report.json")).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_perf-gate-dup"))
        .args(gate_args("plan.toml"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // Wait until the staged set exists and the command runs, then kill the gate.
    let out = tree.path().join("out");
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while sorted_entries(&out).len() < 2 || sleeping_commands("30.0123") == 0 {
        assert!(
            std::time::Instant::now() < deadline,
            "no staged set appeared"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    // The command dies with the gate (the helper's parent-death signal), not 30 s later.
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while sleeping_commands("30.0123") > 0 {
        assert!(
            std::time::Instant::now() < deadline,
            "the command outlived the killed gate"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(
        std::fs::read(artifacts.join("report.json")).unwrap(),
        before,
        "the killed run changed nothing visible"
    );
    let left = sorted_entries(&out);
    assert_eq!(left.len(), 2, "{left:?}");
    assert!(
        left[0].starts_with(".perf.perf-gate-") && left[0].ends_with(".tmp"),
        "{left:?}"
    );
    stderr_of(&quick, 0);
    assert_eq!(
        sorted_entries(&out),
        ["perf"],
        "the next run removed the stale set"
    );
}

/// How many processes run `sleep SECONDS`.
#[cfg(target_os = "linux")]
fn sleeping_commands(seconds: &str) -> usize {
    let wanted = format!("sleep\0{seconds}\0");
    std::fs::read_dir("/proc")
        .unwrap()
        .filter_map(|entry| std::fs::read(entry.ok()?.path().join("cmdline")).ok())
        .filter(|cmdline| cmdline == wanted.as_bytes())
        .count()
}

#[test]
fn concurrent_gates_leave_one_runs_set_whole() {
    let (tree, logs, artifacts) = pass_and_fail_tree();
    for round in 0..3 {
        let gates: Vec<_> = (0..6)
            .map(|i| {
                let budgets = tree.path().join(if (i + round) % 2 == 0 {
                    "pass.json"
                } else {
                    "fail.json"
                });
                Command::new(env!("CARGO_BIN_EXE_perf-gate-dup"))
                    .args(["gate", logs.as_str(), "--budgets", budgets.as_str()])
                    .args(["--out-dir", artifacts.as_str()])
                    .stdout(Stdio::null())
                    .stderr(Stdio::null())
                    .spawn()
                    .unwrap()
            })
            .collect();
        for mut gate in gates {
            let code = gate.wait().unwrap().code();
            assert!(matches!(code, Some(0 | 3)), "{code:?}");
        }
        let (verdict, junit_fails, markdown_fails) = artifact_verdicts(&artifacts);
        assert_eq!(
            (verdict == "fail", verdict == "fail"),
            (junit_fails, markdown_fails),
            "round {round}: the files disagree"
        );
        assert_eq!(sorted_entries(&tree.path().join("out")), ["perf"]);
    }
}

#[test]
fn gate_write_latest_spills_beyond_its_memory_limit_into_the_same_bytes_as_collect() {
    let (tree, logs, artifacts) = pass_and_fail_tree();
    tree.write(
        "logs/more.jsonl",
        svc_get_lines(3000, |i| f64::from(i % 97)),
    );
    let collected = tree.path().join("collected.jsonl");
    stderr_of(&["collect", logs.as_str(), "--out", collected.as_str()], 0);
    let budgets = tree.path().join("pass.json");
    stderr_of(
        &[
            "gate",
            logs.as_str(),
            "--budgets",
            budgets.as_str(),
            "--out-dir",
            artifacts.as_str(),
            "--write-latest",
            "--memory-limit",
            "16K",
        ],
        0,
    );
    assert_eq!(
        std::fs::read(artifacts.join("latest.jsonl")).unwrap(),
        std::fs::read(&collected).unwrap()
    );
    let left = sorted_entries(&artifacts);
    assert!(
        left.iter().all(|name| !name.starts_with('.')),
        "the spilled runs are gone: {left:?}"
    );
    assert_eq!(sorted_entries(&tree.path().join("out")), ["perf"]);
}

/// The peak RSS (KiB) of `baseline compare --baseline BASELINE -` once it has loaded the
/// baseline and waits for its logs on stdin, and the process's success after one record.
#[cfg(target_os = "linux")]
fn compare_peak_rss_kib(baseline: &camino::Utf8Path) -> u64 {
    let mut child = Command::new(env!("CARGO_BIN_EXE_perf-gate-dup"))
        .args([
            "-q",
            "baseline",
            "compare",
            "--baseline",
            baseline.as_str(),
            "-",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Loaded when the process blocks reading stdin: its CPU time stops growing.
    let cpu = |pid: u32| {
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
        let fields: Vec<&str> = stat
            .rsplit(')')
            .next()
            .unwrap_or("")
            .split_whitespace()
            .collect();
        fields
            .get(11)
            .and_then(|t| t.parse::<u64>().ok())
            .unwrap_or(0)
            + fields
                .get(12)
                .and_then(|t| t.parse::<u64>().ok())
                .unwrap_or(0)
    };
    let mut last = u64::MAX;
    loop {
        std::thread::sleep(Duration::from_millis(300));
        let now = cpu(child.id());
        if now == last {
            break;
        }
        last = now;
    }
    let peak = peak_rss_kib(child.id());
    let mut stdin = child.stdin.take().unwrap();
    stdin
        .write_all(svc_get_lines(1, f64::from).as_bytes())
        .unwrap();
    drop(stdin);
    let output = child.wait_with_output().unwrap();
    assert!(
        matches!(output.status.code(), Some(0 | 2 | 3)),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    peak
}

#[cfg(target_os = "linux")]
#[test]
fn a_large_baseline_loads_in_memory_proportional_to_its_size() {
    let tree = TempTree::new();
    let small = tree.path().join("small.json");
    let large = tree.path().join("large.json");
    tree.write("small.jsonl", svc_get_lines(100, f64::from));
    let lines: String = (0..200u32)
        .flat_map(|group| {
            (0..2_100u32).map(move |i| {
                format!(
                    "{{\"ts\":\"2025-10-16T10:00:00.000Z\",\"tool\":\"t\",\"step\":\"s{group}\",\"ms\":{}.{:03},\"ok\":true}}\n",
                    1 + (i * 7919 + group) % 500,
                    i % 1000
                )
            })
        })
        .collect();
    tree.write("large.jsonl", lines);
    for (log, out) in [("small.jsonl", &small), ("large.jsonl", &large)] {
        let log = tree.path().join(log);
        stderr_of(
            &[
                "-q",
                "baseline",
                "save",
                log.as_str(),
                "--out",
                out.as_str(),
            ],
            0,
        );
    }
    let size_kib = std::fs::metadata(&large).unwrap().len() / 1024;
    let growth = compare_peak_rss_kib(&large).saturating_sub(compare_peak_rss_kib(&small));
    println!("a {size_kib} KiB baseline: {growth} KiB more peak RSS than a small one");
    // The text, the parsed groups and one group's canonical form at a time: about twice the
    // file. Hashing the whole file as one serde_json::Value took about seven times it.
    assert!(
        growth < 4 * size_kib,
        "{growth} KiB for a {size_kib} KiB baseline"
    );
}
