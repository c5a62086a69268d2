//! `cargo xtask perf-gate`: perf-gate gates its own performance with its own tool.
//!
//! 1. builds `perf-gate` in release;
//! 2. generates a deterministic corpus (and a 1,000-record file) under `target/perf-gate/`;
//! 3. times several runs of each of perf-gate's own operations, process start included;
//! 4. writes the timings as perf-gate JSONL records (tool `perf-gate`, step = operation) to
//!    `target/perf-gate/records/` with `perf_record::write_record`;
//! 5. gates them in-process with `perf_gate::gate` against the repository's `perf-budgets.json`,
//!    prints the text report, writes `report.json` to `target/perf-gate/`, and exits with the
//!    gate's code.

use std::collections::BTreeMap;
use std::process::{Command, ExitCode, Stdio};
use std::time::Instant;

use perf_record::{GroupKey, GroupSamples, Outcome, Record};

use anyhow::{Context as _, Result, bail};
use camino::{Utf8Path, Utf8PathBuf};

use crate::bench::ensure_corpus;
use crate::ci::cargo;

/// Options of `cargo xtask perf-gate`.
#[derive(Debug, clap::Args)]
pub struct PerfGateArgs {
    /// Records in the generated corpus.
    #[arg(long, default_value_t = 200_000)]
    pub records: usize,
    /// Timed runs of each operation on the corpus (6: the fewest with a 95% interval of the
    /// p50 its budget limits, so a pass is not low confidence).
    #[arg(long, default_value_t = 6)]
    pub runs: usize,
    /// Timed runs of the 1,000-record evaluation (cheap, so more of them).
    #[arg(long, default_value_t = 50)]
    pub small_runs: usize,
}

/// One timed operation: a name (the record's `step`) and the perf-gate arguments.
struct Operation {
    step: &'static str,
    args: Vec<String>,
    runs: usize,
}

/// `cargo xtask perf-gate`.
pub fn run(workspace: &Utf8Path, args: &PerfGateArgs) -> Result<ExitCode> {
    let target = target_directory(workspace)?;
    let work = target.join("perf-gate");
    let scratch = work.join("scratch");
    std::fs::create_dir_all(&scratch).with_context(|| format!("creating {scratch}"))?;

    let binary = build_release_binary(workspace)?;
    // The benchmark's generator (`cargo xtask bench`), at a smaller size: a directory of files.
    let corpus = scratch.join("corpus");
    let bytes = ensure_corpus(&corpus, args.records as u64)?;
    eprintln!(
        "corpus: {} records, {:.1} MB in {corpus}",
        args.records,
        bytes as f64 / 1e6
    );
    let small = scratch.join("small.jsonl");
    write_first_lines(&corpus, &small, 1_000)?;
    let corpus_budgets = scratch.join("corpus-budgets.json");
    std::fs::write(&corpus_budgets, CORPUS_BUDGETS)
        .with_context(|| format!("writing {corpus_budgets}"))?;

    let operations = operations(&corpus, &small, &corpus_budgets, &scratch, args);
    let session = format!("xtask-perf-gate-{}", jiff::Timestamp::now().as_second());
    let mut records = Vec::new();
    let mut groups: BTreeMap<GroupKey, GroupSamples> = BTreeMap::new();
    for operation in &operations {
        let mut timings = Vec::with_capacity(operation.runs);
        for _ in 0..operation.runs {
            let (ms, ok) = time_once(&binary, &operation.args)?;
            timings.push(ms);
            let record = Record {
                ts: jiff::Timestamp::now(),
                session_id: session.as_str().into(),
                tool: "perf-gate".into(),
                step: operation.step.into(),
                ms,
                outcome: if ok {
                    Outcome::Success
                } else {
                    Outcome::Error(Some("exit status".into()))
                },
            };
            perf_record::write_record(&mut records, &record)?;
            groups
                .entry(record.group_key())
                .or_default()
                .add(&record.outcome, ms);
        }
        timings.sort_by(f64::total_cmp);
        eprintln!(
            "{:<12} runs={:<3} min={:.2}ms median={:.2}ms max={:.2}ms",
            operation.step,
            timings.len(),
            timings.first().copied().unwrap_or(f64::NAN),
            timings.get(timings.len() / 2).copied().unwrap_or(f64::NAN),
            timings.last().copied().unwrap_or(f64::NAN),
        );
    }
    let records_dir = work.join("records");
    std::fs::create_dir_all(&records_dir)?;
    let records_path = records_dir.join("perf-gate.jsonl");
    std::fs::write(&records_path, records).with_context(|| format!("writing {records_path}"))?;

    let budgets_path = workspace.join("perf-budgets.json");
    eprintln!("gating {records_path} against {budgets_path} (in-process)");
    let budgets = perf_budget::read_budgets(&budgets_path)?;
    let report = perf_gate::gate(&budgets, None, &groups, &perf_gate::GateConfig::default())?;
    let text = perf_report::render::text::render(
        &report,
        &perf_report::render::text::TextConfig::default(),
    );
    print!("{text}");
    let json = perf_report::render::json::render(&report)?;
    let report_path = work.join("report.json");
    perf_record::write_atomically(&report_path, |out| out.write_all(json.as_bytes()))?;
    Ok(ExitCode::from(report.verdict().exit_code()))
}

/// Budgets for the corpus that every run passes, so `evaluate` does its full work and exits 0.
const CORPUS_BUDGETS: &str = r#"{
  "defaults": { "min_samples": 1 },
  "*": { "*": { "p50": 100000, "p95": 100000, "p99": 100000, "avg": 100000, "error_rate": 1 } }
}
"#;

fn operations(
    corpus: &Utf8Path,
    small: &Utf8Path,
    budgets: &Utf8Path,
    scratch: &Utf8Path,
    args: &PerfGateArgs,
) -> Vec<Operation> {
    let owned = |parts: &[&str]| {
        parts
            .iter()
            .map(|part| (*part).to_owned())
            .collect::<Vec<_>>()
    };
    let latest = scratch.join("latest.jsonl");
    vec![
        Operation {
            step: "collect",
            args: owned(&[
                "--quiet",
                "collect",
                corpus.as_str(),
                "--out",
                latest.as_str(),
            ]),
            runs: args.runs,
        },
        Operation {
            step: "summarize",
            args: owned(&["--quiet", "summarize", corpus.as_str(), "--format", "json"]),
            runs: args.runs,
        },
        Operation {
            step: "evaluate",
            args: owned(&[
                "--quiet",
                "evaluate",
                corpus.as_str(),
                "--budgets",
                budgets.as_str(),
                "--format",
                "json",
            ]),
            runs: args.runs,
        },
        Operation {
            step: "evaluate-1k",
            args: owned(&[
                "--quiet",
                "evaluate",
                small.as_str(),
                "--budgets",
                budgets.as_str(),
                "--format",
                "json",
            ]),
            runs: args.small_runs,
        },
    ]
}

/// Runs perf-gate once; returns wall-clock milliseconds (process start included) and whether
/// it succeeded.
fn time_once(binary: &Utf8Path, args: &[String]) -> Result<(f64, bool)> {
    let start = Instant::now();
    let status = Command::new(binary)
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .with_context(|| format!("running {binary}"))?;
    Ok((start.elapsed().as_secs_f64() * 1000.0, status.success()))
}

/// Cargo's target directory (honours `CARGO_TARGET_DIR` and config).
fn target_directory(workspace: &Utf8Path) -> Result<Utf8PathBuf> {
    let output = cargo()
        .current_dir(workspace)
        .args(["metadata", "--format-version", "1", "--no-deps"])
        .output()
        .context("running cargo metadata")?;
    if !output.status.success() {
        bail!(
            "cargo metadata failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    let metadata: serde_json::Value = serde_json::from_slice(&output.stdout)?;
    metadata["target_directory"]
        .as_str()
        .map(Utf8PathBuf::from)
        .context("cargo metadata has no target_directory")
}

/// Builds perf-gate in release and returns the path of the binary cargo reports.
fn build_release_binary(workspace: &Utf8Path) -> Result<Utf8PathBuf> {
    let output = cargo()
        .current_dir(workspace)
        .args([
            "build",
            "--release",
            "--package",
            "perf-gate-cli",
            "--bin",
            "perf-gate",
        ])
        .arg("--message-format=json-render-diagnostics")
        .stderr(Stdio::inherit())
        .output()
        .context("running cargo build")?;
    if !output.status.success() {
        bail!("building perf-gate in release failed");
    }
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .filter(|message| message["target"]["name"] == "perf-gate")
        .find_map(|message| message["executable"].as_str().map(Utf8PathBuf::from))
        .context("cargo reported no perf-gate executable")
}

/// Writes the first `count` lines of the corpus (its files in name order) as one file.
fn write_first_lines(corpus: &Utf8Path, path: &Utf8Path, count: usize) -> Result<()> {
    let mut files: Vec<Utf8PathBuf> = std::fs::read_dir(corpus)
        .with_context(|| format!("listing {corpus}"))?
        .filter_map(|entry| Utf8PathBuf::from_path_buf(entry.ok()?.path()).ok())
        .filter(|file| file.extension() == Some("jsonl"))
        .collect();
    files.sort();
    let mut lines = String::new();
    let mut taken = 0;
    for file in files {
        let text = std::fs::read_to_string(&file).with_context(|| format!("reading {file}"))?;
        for line in text.lines().take(count - taken) {
            lines.push_str(line);
            lines.push('\n');
            taken += 1;
        }
        if taken == count {
            break;
        }
    }
    if taken < count {
        bail!("the corpus in {corpus} has only {taken} lines, {count} needed");
    }
    std::fs::write(path, lines).with_context(|| format!("writing {path}"))
}
