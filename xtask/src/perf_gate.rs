//! `cargo xtask perf-gate`: perf-gate gates its own performance with its own tool.
//!
//! 1. builds `perf-gate` and its launch helper `perf-gate-run-helper` in release;
//! 2. generates a deterministic corpus (and a 1,000-record file) under `target/perf-gate/`;
//! 3. writes a `perf-gate run` plan (`target/perf-gate/plan.toml`) with one command per
//!    operation of perf-gate's own (tool `perf-gate`, step = operation), one warm-up run each;
//! 4. runs `perf-gate gate --run plan.toml --budgets perf-budgets.json`: the operations run
//!    interleaved, each record carries the wall time (process start included), CPU time and the
//!    run's own peak memory (`measures.peak_rss_mb`), the records and every report land in
//!    `target/perf-gate/gate/` (`run.jsonl`, `report.json`, ...), and the gate's exit code is
//!    this command's. The budgets limit the times and the peak memory of each operation
//!    (`"peak_rss_mb": {"max": ...}`): a run over either fails. The memory limits (20-100 MiB)
//!    are about 2-3 times the peak RSS of release builds on the 200,000-record corpus, measured
//!    with GNU time on 2026-12-01 (collect 50 MB, collect with `--memory-limit 2M` 16 MB).

use std::process::{Command, ExitCode, Stdio};

use anyhow::{Context as _, Result, bail};
use camino::{Utf8Path, Utf8PathBuf};

use crate::bench::{CorpusSpec, ensure_corpus};
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
    let bytes = ensure_corpus(&corpus, CorpusSpec::standard(args.records as u64))?;
    eprintln!(
        "corpus: {} records, {:.1} MB in {corpus}",
        args.records,
        bytes as f64 / 1e6
    );
    // The high-cardinality and many-files shapes of `cargo xtask bench`, at the same size.
    let many_groups = scratch.join("corpus-10k-groups");
    ensure_corpus(
        &many_groups,
        CorpusSpec {
            groups: 10_000,
            ..CorpusSpec::standard(args.records as u64)
        },
    )?;
    let many_files = scratch.join("corpus-2k-files");
    ensure_corpus(
        &many_files,
        CorpusSpec {
            files: 2_000,
            ..CorpusSpec::standard(args.records as u64)
        },
    )?;
    let baseline = scratch.join("baseline.json");
    let save = Command::new(&binary)
        .args([
            "--quiet",
            "baseline",
            "save",
            corpus.as_str(),
            "--out",
            baseline.as_str(),
        ])
        .stdout(Stdio::null())
        .status()
        .context("running perf-gate baseline save")?;
    if !save.success() {
        bail!("perf-gate baseline save failed ({save})");
    }
    let small = scratch.join("small.jsonl");
    write_first_lines(&corpus, &small, 1_000)?;
    let corpus_budgets = scratch.join("corpus-budgets.json");
    std::fs::write(&corpus_budgets, CORPUS_BUDGETS)
        .with_context(|| format!("writing {corpus_budgets}"))?;

    let inputs = Inputs {
        corpus: &corpus,
        many_groups: &many_groups,
        many_files: &many_files,
        small: &small,
        budgets: &corpus_budgets,
        baseline: &baseline,
        scratch: &scratch,
    };
    let operations = operations(&inputs, args);
    let plan = work.join("plan.toml");
    std::fs::write(&plan, plan_toml(&binary, &operations))
        .with_context(|| format!("writing {plan}"))?;
    let out_dir = work.join("gate");
    let budgets = workspace.join("perf-budgets.json");
    eprintln!("running and gating {plan} against {budgets}");
    let status = Command::new(&binary)
        .args([
            "gate",
            "--run",
            plan.as_str(),
            "--budgets",
            budgets.as_str(),
        ])
        .args(["--out-dir", out_dir.as_str()])
        .status()
        .with_context(|| format!("running {binary}"))?;
    let code = status.code().context("perf-gate gate was killed")?;

    // A budget file this perf-gate cannot read is exit 1: a failure, like a breach (3).
    Ok(ExitCode::from(u8::try_from(code).unwrap_or(1)))
}

/// The `perf-gate run` plan of the operations: tool `perf-gate`, step = operation, one warm-up
/// run each (the first run pays for cold page cache), no shell.
fn plan_toml(binary: &Utf8Path, operations: &[Operation]) -> String {
    let quote = |text: &str| serde_json::Value::from(text).to_string();
    let mut plan = String::from("warmup = 1\ntimeout = \"10m\"\n");
    for operation in operations {
        let argv: Vec<String> = std::iter::once(binary.as_str())
            .chain(operation.args.iter().map(String::as_str))
            .map(quote)
            .collect();
        plan.push_str(&format!(
            "\n[[command]]\ntool = \"perf-gate\"\nname = {}\nruns = {}\nargv = [{}]\n",
            quote(operation.step),
            operation.runs,
            argv.join(", ")
        ));
    }
    plan
}

/// Budgets for the corpus that every run passes, so `evaluate` does its full work and exits 0.
/// At warn severity: the 1,000-record file gives a group about 40 latencies, too few for a p95
/// or p99 interval, and a low-confidence check at fail severity would exit 2.
pub(crate) const CORPUS_BUDGETS: &str = r#"{
  "defaults": { "min_samples": 1 },
  "*": { "*": { "p50": 100000, "p95": 100000, "p99": 100000, "avg": 100000, "error_rate": 1, "severity": "warn" } }
}
"#;

/// The files the operations read.
struct Inputs<'a> {
    corpus: &'a Utf8Path,
    many_groups: &'a Utf8Path,
    many_files: &'a Utf8Path,
    small: &'a Utf8Path,
    budgets: &'a Utf8Path,
    baseline: &'a Utf8Path,
    scratch: &'a Utf8Path,
}

fn operations(inputs: &Inputs<'_>, args: &PerfGateArgs) -> Vec<Operation> {
    let Inputs {
        corpus,
        many_groups,
        many_files,
        small,
        budgets,
        baseline,
        scratch,
    } = *inputs;
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
            step: "gate-baseline",
            args: owned(&[
                "--quiet",
                "gate",
                corpus.as_str(),
                "--budgets",
                budgets.as_str(),
                "--baseline",
                baseline.as_str(),
                "--format",
                "json",
                "--out-dir",
                scratch.join("gate-artifacts").as_str(),
            ]),
            runs: args.runs,
        },
        Operation {
            // A memory limit far below the corpus: the external sort's spill and merge.
            step: "collect-spill",
            args: owned(&[
                "--quiet",
                "collect",
                corpus.as_str(),
                "--out",
                latest.as_str(),
                "--memory-limit",
                "2M",
            ]),
            runs: args.runs,
        },
        Operation {
            step: "summarize-10k-groups",
            args: owned(&[
                "--quiet",
                "summarize",
                many_groups.as_str(),
                "--format",
                "json",
            ]),
            runs: args.runs,
        },
        Operation {
            step: "summarize-2k-files",
            args: owned(&[
                "--quiet",
                "summarize",
                many_files.as_str(),
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
pub(crate) fn build_release_binary(workspace: &Utf8Path) -> Result<Utf8PathBuf> {
    let output = cargo()
        .current_dir(workspace)
        .args([
            "build",
            "--release",
            "--package",
            "perf-gate-cli",
            "--bin",
            "perf-gate",
            "--bin",
            "perf-gate-run-helper",
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_plan_is_a_perf_run_plan_of_every_operation() {
        let operations = [
            Operation {
                step: "collect",
                args: vec![
                    "--quiet".to_owned(),
                    "collect".to_owned(),
                    "a \"b\"".to_owned(),
                ],
                runs: 5,
            },
            Operation {
                step: "evaluate-1k",
                args: vec!["evaluate".to_owned()],
                runs: 50,
            },
        ];
        let text = plan_toml(Utf8Path::new("/t/perf-gate"), &operations);
        let plan = perf_run::Plan::parse(&text, std::path::Path::new("/")).unwrap();
        assert_eq!(plan.warmup, 1);
        let commands: Vec<(&str, &str, u32, usize)> = plan
            .commands
            .iter()
            .map(|command| {
                (
                    command.tool.as_str(),
                    command.step.as_str(),
                    plan.runs_of(command),
                    command.argv.len(),
                )
            })
            .collect();
        assert_eq!(
            commands,
            [
                ("perf-gate", "collect", 5, 4),
                ("perf-gate", "evaluate-1k", 50, 2)
            ]
        );
        assert_eq!(plan.commands[0].argv[3], "a \"b\"");
        assert_eq!(plan.commands[0].argv[0], "/t/perf-gate");
    }
}
