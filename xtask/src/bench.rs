//! `cargo xtask bench`: generates deterministic corpora and measures perf-gate on them, beside
//! the Node.js peer, in one invocation (issue 20).
//!
//! A corpus (records, tool/step groups, files; log-normal latencies, about 3% `ok:false` with a
//! reason, 2% without `ok`, 5% with an extra nested object) is written under
//! `target/bench-corpus/records-N-groups-G-files-F/` by a tiny seeded PRNG and reused while its
//! parameters are unchanged. Each measurement is a fresh process of the release-built
//! `perf-gate` binary (`summarize`, `evaluate`, `gate --baseline`, `collect`) or of `node` on
//! `xtask/bench/summarize.mjs` (readline + `JSON.parse`), run in interleaved rounds so that the
//! machine's drift hits every operation alike. Wall time is measured here; CPU time and peak RSS
//! come from GNU time (`/usr/bin/time`, shown as "n/a" without it). Instructions per record come
//! from callgrind (one thread, the 250,000-record corpus) when valgrind is installed.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::process::{Command, Stdio};
use std::time::Instant;

use anyhow::{Context, Result, bail};
use camino::{Utf8Path, Utf8PathBuf};
use perf_stats::SplitMix64;

/// Options of `cargo xtask bench`.
#[derive(Debug, clap::Args)]
pub struct BenchArgs {
    /// Measure one corpus of this many records (with `--groups`, `--files`) instead of the
    /// standard set (0.25M and 2M records; 10k and 1M groups; 1 and 10k files).
    #[arg(long)]
    pub records: Option<u64>,
    /// Tool/step groups of the `--records` corpus.
    #[arg(long, default_value_t = 24)]
    pub groups: u64,
    /// Files of the `--records` corpus.
    #[arg(long, default_value_t = 8)]
    pub files: u64,
    /// Interleaved rounds: each operation runs once per round; min/median/max over the rounds.
    #[arg(long, default_value_t = 5)]
    pub runs: u32,
    /// Also measure 8M and 20M records (about 1 GB and 2.6 GB of corpus, and minutes).
    #[arg(long)]
    pub large: bool,
    /// Also run every perf-gate operation with this other `perf-gate` binary (an older build),
    /// interleaved in the same rounds, shown as "before: ..." rows.
    #[arg(long, value_name = "BINARY")]
    pub before: Option<Utf8PathBuf>,
    /// Skip the callgrind instruction counts.
    #[arg(long)]
    pub no_callgrind: bool,
    /// Also run the importers' benchmark (one criterion group per raw-sample format).
    #[arg(long)]
    pub import: bool,
    /// Also measure the HTTP probe's sustained rate next to `wrk -t1`'s on one local server
    /// (installs Debian's `wrk` with apt-get when it is missing and we are root; skips the
    /// comparison with a message otherwise) and its memory per recorded request.
    #[arg(long)]
    pub probe: bool,
}

/// The parameters of one generated corpus.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct CorpusSpec {
    pub records: u64,
    pub groups: u64,
    pub files: u64,
}

impl CorpusSpec {
    /// The corpus of `records` records in the standard shape (24 groups, 8 files).
    pub(crate) fn standard(records: u64) -> Self {
        Self {
            records,
            groups: STANDARD_GROUPS,
            files: 8,
        }
    }

    fn directory_name(&self) -> String {
        format!(
            "records-{}-groups-{}-files-{}",
            self.records, self.groups, self.files
        )
    }

    fn describe(&self) -> String {
        format!(
            "{} records, {} groups, {} files",
            millions(self.records),
            self.groups,
            self.files
        )
    }
}

const GENERATOR_VERSION: u32 = 2;
const STANDARD_GROUPS: u64 = 24;
const SEED: u64 = 0x5EED_2025_1016;
const TOOLS: [&str; 4] = ["wsap", "registry", "builder", "indexer"];
const STEPS: [[&str; 6]; 4] = [
    ["import", "parse", "resolve", "link", "emit", "verify"],
    [
        "registry_get",
        "registry_put",
        "registry_list",
        "auth",
        "manifest",
        "blob_upload",
    ],
    ["fetch", "compile", "test", "package", "sign", "publish"],
    [
        "scan",
        "tokenize",
        "index_write",
        "merge",
        "compact",
        "query",
    ],
];

/// One thing to time: a name and a command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Operation {
    Summarize,
    Evaluate,
    Gate,
    Collect,
    Node,
}

impl Operation {
    fn name(self) -> &'static str {
        match self {
            Operation::Summarize => "summarize",
            Operation::Evaluate => "evaluate",
            Operation::Gate => "gate --baseline",
            Operation::Collect => "collect",
            Operation::Node => "node peer",
        }
    }
}

const ALL: [Operation; 5] = [
    Operation::Summarize,
    Operation::Evaluate,
    Operation::Gate,
    Operation::Collect,
    Operation::Node,
];

/// A corpus and what to measure on it.
struct Scenario {
    corpus: CorpusSpec,
    operations: &'static [Operation],
}

fn scenarios(args: &BenchArgs) -> Vec<Scenario> {
    if let Some(records) = args.records {
        return vec![Scenario {
            corpus: CorpusSpec {
                records,
                groups: args.groups,
                files: args.files,
            },
            operations: &ALL,
        }];
    }
    let summarize_and_node: &[Operation] = &[Operation::Summarize, Operation::Node];
    let mut scenarios = vec![
        Scenario {
            corpus: CorpusSpec::standard(250_000),
            operations: &ALL,
        },
        Scenario {
            corpus: CorpusSpec::standard(2_000_000),
            operations: &ALL,
        },
        Scenario {
            corpus: CorpusSpec {
                groups: 10_000,
                ..CorpusSpec::standard(2_000_000)
            },
            // evaluate too: its `avg` checks bootstrap 10,000 groups of 200 latencies, the
            // judging's cost at high cardinality (6.7 s against summarize's 0.58 s).
            operations: &[Operation::Summarize, Operation::Evaluate, Operation::Node],
        },
        Scenario {
            corpus: CorpusSpec {
                groups: 1_000_000,
                ..CorpusSpec::standard(2_000_000)
            },
            operations: summarize_and_node,
        },
        Scenario {
            corpus: CorpusSpec {
                files: 1,
                ..CorpusSpec::standard(2_000_000)
            },
            operations: &[Operation::Summarize],
        },
        Scenario {
            corpus: CorpusSpec {
                files: 10_000,
                ..CorpusSpec::standard(2_000_000)
            },
            operations: &[Operation::Summarize],
        },
    ];
    if args.large {
        for records in [8_000_000, 20_000_000] {
            scenarios.push(Scenario {
                corpus: CorpusSpec::standard(records),
                operations: &ALL,
            });
        }
    }
    scenarios
}

/// What one run of an operation cost.
#[derive(Debug, Clone, Copy)]
struct Sample {
    wall: f64,
    cpu: Option<f64>,
    peak_rss_kib: Option<u64>,
}

/// The runs of one operation on one corpus.
struct Row {
    corpus: CorpusSpec,
    operation: Operation,
    /// Measured with `--before`'s binary.
    before: bool,
    samples: Vec<Sample>,
}

impl Row {
    fn walls(&self) -> Vec<f64> {
        let mut walls: Vec<f64> = self.samples.iter().map(|sample| sample.wall).collect();
        walls.sort_by(f64::total_cmp);
        walls
    }

    fn median_wall(&self) -> f64 {
        median(&self.walls())
    }

    fn median_cpu(&self) -> Option<f64> {
        let mut cpus: Vec<f64> = self
            .samples
            .iter()
            .filter_map(|sample| sample.cpu)
            .collect();
        cpus.sort_by(f64::total_cmp);
        (!cpus.is_empty()).then(|| median(&cpus))
    }

    fn peak_rss_mb(&self) -> Option<f64> {
        self.samples
            .iter()
            .filter_map(|sample| sample.peak_rss_kib)
            .max()
            .map(|kib| kib as f64 * 1024.0 / 1e6)
    }
}

fn median(sorted: &[f64]) -> f64 {
    match sorted.len() {
        0 => f64::NAN,
        length if !length.is_multiple_of(2) => sorted[length / 2],
        length => (sorted[length / 2 - 1] + sorted[length / 2]) / 2.0,
    }
}

/// Runs the benchmark from the workspace root.
pub fn run(root: &Utf8Path, args: &BenchArgs) -> Result<()> {
    let target = std::env::var("CARGO_TARGET_DIR")
        .map(Utf8PathBuf::from)
        .unwrap_or_else(|_| root.join("target"));
    let binary = crate::perf_gate::build_release_binary(root)?;
    let scratch = target.join("bench-output");
    std::fs::create_dir_all(&scratch).with_context(|| format!("creating {scratch}"))?;
    let budgets = scratch.join("budgets.json");
    std::fs::write(&budgets, crate::perf_gate::CORPUS_BUDGETS)
        .with_context(|| format!("writing {budgets}"))?;
    let node = node_peer(root);
    let time = Utf8Path::new("/usr/bin/time");
    let time = time.exists().then_some(time);
    if time.is_none() {
        println!("/usr/bin/time (GNU time) is missing: CPU time and peak RSS are not measured");
    }
    println!(
        "machine: {} cores, {}; load average {}",
        available_cores(),
        cpu_model(),
        load_average()
    );

    let mut rows = Vec::new();
    for scenario in scenarios(args) {
        let dir = target
            .join("bench-corpus")
            .join(scenario.corpus.directory_name());
        let bytes = ensure_corpus(&dir, scenario.corpus)?;
        println!(
            "\ncorpus: {} ({:.1} MB) in {dir}",
            scenario.corpus.describe(),
            bytes as f64 / 1e6
        );
        let baseline = scratch.join("baseline.json");
        let mut commands = Vec::new();
        for &operation in scenario.operations {
            let command = match operation {
                Operation::Node => match &node {
                    Ok(script) => vec!["node".to_owned(), script.to_string(), dir.to_string()],
                    Err(reason) => {
                        println!("    node peer skipped: {reason}");
                        continue;
                    }
                },
                _ => perf_gate_command(&binary, operation, &dir, &budgets, &baseline, &scratch),
            };
            if let (Some(before), true) = (&args.before, operation != Operation::Node) {
                let command =
                    perf_gate_command(before, operation, &dir, &budgets, &baseline, &scratch);
                commands.push((operation, true, command));
            }
            commands.push((operation, false, command));
        }
        if scenario.operations.contains(&Operation::Gate) {
            let save = [
                binary.as_str(),
                "--quiet",
                "baseline",
                "save",
                dir.as_str(),
                "--out",
                baseline.as_str(),
            ];
            run_quiet(&save).context("saving the corpus's baseline")?;
        }
        // One warm-up run of each operation fills the page cache and checks that it works.
        for (operation, _, command) in &commands {
            time_once(time, command).with_context(|| format!("warming up {}", operation.name()))?;
        }
        let mut scenario_rows: Vec<Row> = commands
            .iter()
            .map(|(operation, before, _)| Row {
                corpus: scenario.corpus,
                operation: *operation,
                before: *before,
                samples: Vec::new(),
            })
            .collect();
        for _ in 0..args.runs.max(1) {
            for ((_, _, command), row) in commands.iter().zip(&mut scenario_rows) {
                row.samples.push(time_once(time, command)?);
            }
        }
        print_rows(&scenario_rows);
        rows.extend(scenario_rows);
    }
    print_targets(&rows);
    if !args.no_callgrind {
        instructions_per_record(root, &target)?;
    }
    if args.import {
        println!("(c) importers, MiB/s per format (target >= 200 MB/s each)");
        let mut bench = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
        bench
            .current_dir(root)
            .args(["bench", "-p", "perf-import", "--bench", "import"]);
        run_checked(bench, "the importers' benchmark")?;
    }
    if args.probe {
        ensure_wrk();
        println!(
            "(d) probe vs wrk -t1 on one local server, alternating rounds (target: probe >= 70% of wrk)"
        );
        run_checked(
            probe_example(root, "versus_wrk"),
            "the probe's comparison with wrk",
        )?;
        println!("(e) probe memory per recorded request, from peak RSS at 100k and 1M requests");
        run_checked(
            probe_example(root, "memory"),
            "the probe's memory measurement",
        )?;
    }
    Ok(())
}

/// `cargo run --release -p perf-probe --example NAME`.
fn probe_example(root: &Utf8Path, name: &str) -> Command {
    let mut command = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    command.current_dir(root).args([
        "run",
        "--release",
        "--quiet",
        "-p",
        "perf-probe",
        "--example",
        name,
    ]);
    command
}

fn perf_gate_command(
    binary: &Utf8Path,
    operation: Operation,
    dir: &Utf8Path,
    budgets: &Utf8Path,
    baseline: &Utf8Path,
    scratch: &Utf8Path,
) -> Vec<String> {
    let mut command = vec![binary.to_string(), "--quiet".to_owned()];
    let words: Vec<&str> = match operation {
        Operation::Summarize => vec!["summarize", dir.as_str(), "--format", "json"],
        Operation::Evaluate => vec![
            "evaluate",
            dir.as_str(),
            "--budgets",
            budgets.as_str(),
            "--format",
            "json",
        ],
        Operation::Gate => vec![
            "gate",
            dir.as_str(),
            "--budgets",
            budgets.as_str(),
            "--baseline",
            baseline.as_str(),
            "--format",
            "json",
            "--out-dir",
            scratch.as_str(),
        ],
        Operation::Collect => vec!["collect", dir.as_str(), "--out", scratch.as_str()],
        Operation::Node => Vec::new(),
    };
    command.extend(words.into_iter().map(str::to_owned));
    if operation == Operation::Collect {
        // The output file, not the directory.
        if let Some(last) = command.last_mut() {
            *last = scratch.join("latest.jsonl").to_string();
        }
    }
    command
}

/// The Node peer's script when `node` runs, or why it is skipped.
fn node_peer(root: &Utf8Path) -> Result<Utf8PathBuf, String> {
    let script = root.join("xtask/bench/summarize.mjs");
    match Command::new("node").arg("--version").output() {
        Ok(output) if output.status.success() => Ok(script),
        Ok(output) => Err(format!("`node --version` failed ({})", output.status)),
        Err(error) => Err(format!(
            "`node` is not installed ({error}); .ci/report-tools.sh installs it"
        )),
    }
}

fn run_quiet(command: &[&str]) -> Result<()> {
    let output = Command::new(command[0])
        .args(&command[1..])
        .stdout(Stdio::null())
        .output()
        .with_context(|| format!("running {}", command[0]))?;
    if !output.status.success() {
        bail!(
            "{command:?} failed ({}): {}",
            output.status,
            String::from_utf8_lossy(&output.stderr)
        );
    }
    Ok(())
}

/// Runs `command` once (through GNU time when there is one) and measures it.
fn time_once(time: Option<&Utf8Path>, command: &[String]) -> Result<Sample> {
    let report = std::env::temp_dir().join(format!("perf-gate-bench-{}.time", std::process::id()));
    let mut process = match time {
        Some(time) => {
            let mut process = Command::new(time);
            process
                .arg("-o")
                .arg(&report)
                .args(["-f", "%U %S %M"])
                .args(command);
            process
        }
        None => {
            let mut process = Command::new(&command[0]);
            process.args(&command[1..]);
            process
        }
    };
    let started = Instant::now();
    let output = process
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .output()
        .with_context(|| format!("running {}", command[0]))?;
    let wall = started.elapsed().as_secs_f64();
    if !output.status.success() {
        bail!(
            "{command:?} failed ({}): {}",
            output.status,
            String::from_utf8_lossy(&output.stderr)
        );
    }
    let mut sample = Sample {
        wall,
        cpu: None,
        peak_rss_kib: None,
    };
    if time.is_some() {
        let text = std::fs::read_to_string(&report).context("reading GNU time's report")?;
        let fields: Vec<&str> = text.split_whitespace().collect();
        if let [user, system, rss] = fields[fields.len().saturating_sub(3)..] {
            sample.cpu = Some(user.parse::<f64>()? + system.parse::<f64>()?);
            sample.peak_rss_kib = Some(rss.parse()?);
        }
    }
    Ok(sample)
}

fn print_rows(rows: &[Row]) {
    let node = rows
        .iter()
        .find(|row| row.operation == Operation::Node)
        .map(Row::median_wall);
    let node_cpu = rows
        .iter()
        .find(|row| row.operation == Operation::Node)
        .and_then(Row::median_cpu);
    println!(
        "    {:<24} {:>26} {:>9} {:>9} {:>11} {:>14}",
        "operation", "wall min / median / max", "CPU med", "peak RSS", "records/s", "vs node w/cpu"
    );
    for row in rows {
        let walls = row.walls();
        let median_wall = median(&walls);
        let versus = match (node, row.operation) {
            (Some(node), operation) if operation != Operation::Node => format!(
                "{:.1}x / {}",
                node / median_wall,
                match (node_cpu, row.median_cpu()) {
                    (Some(node_cpu), Some(cpu)) => format!("{:.1}x", node_cpu / cpu),
                    _ => "n/a".to_owned(),
                }
            ),
            _ => String::new(),
        };
        let name = if row.before {
            format!("before: {}", row.operation.name())
        } else {
            row.operation.name().to_owned()
        };
        println!(
            "    {:<24} {:>8.3} / {:>6.3} / {:>6.3} s {:>9} {:>9} {:>9.2} M {:>14}",
            name,
            walls.first().copied().unwrap_or(f64::NAN),
            median_wall,
            walls.last().copied().unwrap_or(f64::NAN),
            row.median_cpu()
                .map_or("n/a".to_owned(), |cpu| format!("{cpu:.2} s")),
            row.peak_rss_mb()
                .map_or("n/a".to_owned(), |rss| format!("{rss:.1} MB")),
            row.corpus.records as f64 / median_wall / 1e6,
            versus,
        );
    }
}

/// The issue's targets, as ratios of medians measured in this invocation.
fn print_targets(rows: &[Row]) {
    let find = |corpus: CorpusSpec, operation: Operation| {
        rows.iter()
            .find(|row| row.corpus == corpus && row.operation == operation && !row.before)
    };
    let two = CorpusSpec::standard(2_000_000);
    println!("\ntargets (issue 20; medians of this invocation)");
    let line = |what: &str, value: Option<f64>, target: &str, holds: fn(f64) -> bool| match value {
        Some(value) => println!(
            "    {what:<52} {value:>7.2}  ({target}: {})",
            if holds(value) { "met" } else { "NOT met" }
        ),
        None => println!("    {what:<52}     n/a  ({target}: not measured)"),
    };
    let node = find(two, Operation::Node);
    for operation in [Operation::Summarize, Operation::Evaluate, Operation::Gate] {
        let ours = find(two, operation);
        line(
            &format!("2M: node wall / {} wall", operation.name()),
            ours.zip(node)
                .map(|(ours, node)| node.median_wall() / ours.median_wall()),
            ">= 14 on an idle 2-core machine",
            |ratio| ratio >= 14.0,
        );
        line(
            &format!("2M: node CPU / {} CPU", operation.name()),
            ours.zip(node)
                .and_then(|(ours, node)| Some(node.median_cpu()? / ours.median_cpu()?)),
            ">= 12",
            |ratio| ratio >= 12.0,
        );
    }
    let per_record = |row: &Row| row.median_wall() / row.corpus.records as f64;
    // CPU beside wall: on a shared machine the wall ratios wait for other processes, the CPU
    // ratios do not (the goal is the same work per record, whoever else runs).
    let cpu_per_record = |row: &Row| Some(row.median_cpu()? / row.corpus.records as f64);
    let high = CorpusSpec {
        groups: 1_000_000,
        ..two
    };
    line(
        "1M groups / 24 groups, summarize wall per record",
        find(high, Operation::Summarize)
            .zip(find(two, Operation::Summarize))
            .map(|(high, low)| per_record(high) / per_record(low)),
        "<= 4",
        |ratio| ratio <= 4.0,
    );
    line(
        "1M groups / 24 groups, summarize CPU per record",
        find(high, Operation::Summarize)
            .zip(find(two, Operation::Summarize))
            .and_then(|(high, low)| Some(cpu_per_record(high)? / cpu_per_record(low)?)),
        "<= 4",
        |ratio| ratio <= 4.0,
    );
    line(
        "1M groups: summarize peak RSS / node peak RSS",
        find(high, Operation::Summarize)
            .zip(find(high, Operation::Node))
            .and_then(|(ours, node)| Some(ours.peak_rss_mb()? / node.peak_rss_mb()?)),
        "<= 1",
        |ratio| ratio <= 1.0,
    );
    let files = |files| CorpusSpec { files, ..two };
    line(
        "10k files / 1 file, summarize wall",
        find(files(10_000), Operation::Summarize)
            .zip(find(files(1), Operation::Summarize))
            .map(|(many, one)| many.median_wall() / one.median_wall()),
        "<= 1.3",
        |ratio| ratio <= 1.3,
    );
    line(
        "10k files / 1 file, summarize CPU",
        find(files(10_000), Operation::Summarize)
            .zip(find(files(1), Operation::Summarize))
            .and_then(|(many, one)| Some(many.median_cpu()? / one.median_cpu()?)),
        "<= 1.3",
        |ratio| ratio <= 1.3,
    );
    line(
        "2M: collect wall (s)",
        find(two, Operation::Collect).map(Row::median_wall),
        "<= 1.2 s",
        |seconds| seconds <= 1.2,
    );
    line(
        "2M: gate --baseline wall / evaluate wall",
        find(two, Operation::Gate)
            .zip(find(two, Operation::Evaluate))
            .map(|(gate, evaluate)| gate.median_wall() / evaluate.median_wall()),
        "<= 1.15",
        |ratio| ratio <= 1.15,
    );
    for records in [2_000_000, 20_000_000] {
        for operation in [Operation::Summarize, Operation::Evaluate, Operation::Gate] {
            line(
                &format!("{}: {} peak RSS (MB)", millions(records), operation.name()),
                find(CorpusSpec::standard(records), operation).and_then(Row::peak_rss_mb),
                "<= 64 MB",
                |mb| mb <= 64.0,
            );
        }
    }
}

/// Instructions per record (callgrind, one thread) of aggregation and collection on the
/// 250,000-record corpus: the noise-free figure to compare changes by.
fn instructions_per_record(root: &Utf8Path, target: &Utf8Path) -> Result<()> {
    if Command::new("valgrind").arg("--version").output().is_err() {
        println!("\ninstructions: valgrind is not installed, skipped");
        return Ok(());
    }
    let status = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
        .current_dir(root)
        .args([
            "build",
            "--release",
            "--quiet",
            "-p",
            "perf-collect",
            "--example",
            "collect_bench",
        ])
        .status()
        .context("running cargo build")?;
    if !status.success() {
        bail!("building the collect_bench harness failed");
    }
    let harness = target.join("release/examples/collect_bench");
    let corpus = CorpusSpec::standard(250_000);
    let dir = target.join("bench-corpus").join(corpus.directory_name());
    ensure_corpus(&dir, corpus)?;
    let output = target.join("bench-output/callgrind-latest.jsonl");
    println!(
        "\ninstructions per record (callgrind, 1 thread, {})",
        corpus.describe()
    );
    for mode in ["aggregate", "collect"] {
        let mut args = vec![mode, dir.as_str()];
        if mode == "collect" {
            args.push(output.as_str());
        }
        let instructions = callgrind_instructions(&harness, &args)?;
        let per_record = instructions as f64 / corpus.records as f64;
        // Issue 20: about 20% fewer than the 2,702 a record of aggregation when it was filed.
        let target = match mode {
            "aggregate" => format!(
                "  (target <= {AGGREGATE_INSTRUCTIONS_TARGET:.0}: {})",
                if per_record <= AGGREGATE_INSTRUCTIONS_TARGET {
                    "met"
                } else {
                    "NOT met"
                }
            ),
            _ => String::new(),
        };
        println!(
            "    {mode:<10} {:>8.1} M instructions, {per_record:>6.0} a record{target}",
            instructions as f64 / 1e6,
        );
    }
    Ok(())
}

/// Issue 20's target for aggregation: 20% under the 2,702 instructions a record it was filed at.
const AGGREGATE_INSTRUCTIONS_TARGET: f64 = 2_702.0 * 0.8;

/// The total instruction count callgrind reports for one run of `harness args`.
fn callgrind_instructions(harness: &Utf8Path, args: &[&str]) -> Result<u64> {
    let out_file = std::env::temp_dir().join(format!("perf-gate-callgrind-{}", std::process::id()));
    let output = Command::new("valgrind")
        .arg("--tool=callgrind")
        .arg(format!("--callgrind-out-file={}", out_file.display()))
        .arg(harness.as_str())
        .args(args)
        .env("RAYON_NUM_THREADS", "1")
        .stdout(Stdio::null())
        .output()
        .context("running valgrind")?;
    let _ = std::fs::remove_file(&out_file);
    if !output.status.success() {
        bail!(
            "callgrind of {harness} {args:?} failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    let stderr = String::from_utf8_lossy(&output.stderr);
    stderr
        .lines()
        .find_map(|line| {
            let (_, count) = line.split_once("Collected :")?;
            count.trim().parse().ok()
        })
        .context("callgrind printed no instruction count")
}

fn millions(records: u64) -> String {
    if records.is_multiple_of(1_000_000) {
        format!("{}M", records / 1_000_000)
    } else {
        format!("{}M", records as f64 / 1e6)
    }
}

fn run_checked(mut command: Command, what: &str) -> Result<()> {
    let status = command
        .status()
        .with_context(|| format!("running {what}"))?;
    if !status.success() {
        bail!("{what} failed ({status})");
    }
    Ok(())
}

/// `wrk` on the PATH, installed from Debian's packages when missing (as root); otherwise the
/// comparison runs the probe alone and says why.
fn ensure_wrk() {
    let present = |name: &str| {
        Command::new("sh")
            .args(["-c", &format!("command -v {name}")])
            .output()
            .is_ok_and(|output| output.status.success())
    };
    if present("wrk") {
        return;
    }
    if present("apt-get") {
        eprintln!("installing wrk (apt-get install -y wrk) ...");
        let installed = Command::new("apt-get")
            .args(["install", "-y", "wrk"])
            .status()
            .is_ok_and(|status| status.success());
        if !installed {
            let _ = Command::new("apt-get").arg("update").status();
            let _ = Command::new("apt-get")
                .args(["install", "-y", "wrk"])
                .status();
        }
    }
    if !present("wrk") {
        eprintln!("wrk is not installed and could not be installed: the probe runs without it");
    }
}

fn available_cores() -> usize {
    std::thread::available_parallelism()
        .map(usize::from)
        .unwrap_or(1)
}

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|text| text.split_whitespace().next().map(str::to_owned))
        .unwrap_or_else(|| "unknown".to_owned())
}

fn cpu_model() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| {
            info.lines()
                .find(|line| line.starts_with("model name"))
                .and_then(|line| line.split_once(':'))
                .map(|(_, model)| model.trim().to_owned())
        })
        .unwrap_or_else(|| "unknown CPU".to_owned())
}

/// Writes the corpus unless a complete one with the same parameters is already there.
/// Returns its size in bytes.
pub(crate) fn ensure_corpus(dir: &Utf8Path, spec: CorpusSpec) -> Result<u64> {
    let CorpusSpec {
        records,
        groups,
        files,
    } = spec;
    if groups == 0 || files == 0 {
        bail!("a corpus needs at least one group and one file");
    }
    let stamp_path = dir.join("corpus.stamp");
    let stamp = format!(
        "generator={GENERATOR_VERSION} records={records} groups={groups} files={files} seed={SEED:#x}\n"
    );
    if std::fs::read_to_string(&stamp_path).is_ok_and(|existing| existing == stamp) {
        return corpus_bytes(dir);
    }
    if dir.exists() {
        std::fs::remove_dir_all(dir).with_context(|| format!("removing stale {dir}"))?;
    }
    std::fs::create_dir_all(dir).with_context(|| format!("creating {dir}"))?;
    eprintln!("generating {} under {dir} ...", spec.describe());
    let mut rng = SplitMix64::seeded(SEED);
    let mut line = String::with_capacity(256);
    for file_index in 0..files {
        let path = dir.join(format!("run-{file_index:05}.jsonl"));
        let mut out = BufWriter::with_capacity(
            256 * 1024,
            File::create(&path).with_context(|| format!("creating {path}"))?,
        );
        let count = records / files + u64::from(file_index < records % files);
        // Every file covers the same hour, so the collected output interleaves them.
        let mut millis: u64 = 1_760_657_686_000 + file_index * 37;
        for index in 0..count {
            millis += 1 + rng.below(3_600_000 * files / records.max(1) * 2 + 1);
            line.clear();
            write_record(&mut line, &mut rng, groups, millis, file_index, index);
            out.write_all(line.as_bytes())
                .with_context(|| format!("writing {path}"))?;
        }
        out.flush().with_context(|| format!("writing {path}"))?;
    }
    std::fs::write(&stamp_path, stamp).with_context(|| format!("writing {stamp_path}"))?;
    corpus_bytes(dir)
}

fn corpus_bytes(dir: &Utf8Path) -> Result<u64> {
    let mut total = 0;
    for entry in std::fs::read_dir(dir).with_context(|| format!("listing {dir}"))? {
        let entry = entry?;
        if entry.file_name().to_string_lossy().ends_with(".jsonl") {
            total += entry.metadata()?.len();
        }
    }
    Ok(total)
}

/// Appends one record. With the standard 24 groups the tool and step come from the fixed
/// lists; with more, group `g` is tool `g % 4` and a numbered step, so every group is distinct.
fn write_record(
    out: &mut String,
    rng: &mut SplitMix64,
    groups: u64,
    millis: u64,
    file_index: u64,
    index: u64,
) {
    use std::fmt::Write as _;
    let (tool_index, step_index, numbered) = if groups == STANDARD_GROUPS {
        let tool_index = rng.below(TOOLS.len() as u64) as usize;
        (tool_index, rng.below(6) as usize, None)
    } else {
        let group = rng.below(groups);
        ((group % 4) as usize, (group / 4 % 6) as usize, Some(group))
    };
    let tool = TOOLS[tool_index];
    let step = STEPS[tool_index][step_index];
    // Log-normal: each group has its own median (exp(mu)) and spread.
    let mu = 2.0 + tool_index as f64 * 0.6 + step_index as f64 * 0.25;
    let sigma = 0.35 + step_index as f64 * 0.05;
    let ms = (mu + sigma * rng.next_normal()).exp();
    let ts = format_millis(millis);
    let session = 20_251_016_000_000 + file_index * 1_000 + index / 5_000;
    let _ = write!(
        out,
        r#"{{"ts":"{ts}","sessionId":"{tool}-{session}","tool":"{tool}","step":"{step}"#
    );
    if let Some(group) = numbered {
        let _ = write!(out, "-{group}");
    }
    let _ = write!(out, r#"","ms":{ms:.3}"#);
    let outcome = rng.below(1000);
    if outcome < 30 {
        let reason = [
            "http 429 too many requests",
            "timeout after 30s",
            "connection reset by peer",
        ][rng.below(3) as usize];
        let _ = write!(out, r#","ok":false,"errorReason":"{reason}""#);
    } else if outcome >= 50 {
        out.push_str(r#","ok":true"#);
    }
    if rng.below(100) < 5 {
        let _ = write!(
            out,
            r#","meta":{{"host":"ci-runner-{}","attempt":{},"labels":["linux","x86_64"]}}"#,
            rng.below(64),
            rng.below(3) + 1
        );
    }
    out.push_str("}\n");
}

/// RFC 3339 UTC with milliseconds, from Unix milliseconds.
fn format_millis(millis: u64) -> String {
    let seconds = millis / 1000;
    let days = (seconds / 86_400) as i64;
    let of_day = seconds % 86_400;
    let (year, month, day) = perf_record::civil_from_days(days);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:03}Z",
        of_day / 3600,
        of_day / 60 % 60,
        of_day % 60,
        millis % 1000
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_unix_millis_as_rfc3339() {
        assert_eq!(format_millis(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(format_millis(1_760_657_686_422), "2025-10-16T23:34:46.422Z");
        assert_eq!(format_millis(951_782_400_000), "2000-02-29T00:00:00.000Z");
    }

    #[test]
    fn generator_is_deterministic() {
        let mut first = String::new();
        let mut second = String::new();
        write_record(&mut first, &mut SplitMix64::seeded(7), 24, 0, 0, 0);
        write_record(&mut second, &mut SplitMix64::seeded(7), 24, 0, 0, 0);
        assert_eq!(first, second);
        assert!(first.ends_with("}\n"));
    }

    #[test]
    fn many_groups_get_numbered_steps_that_parse() {
        let mut rng = SplitMix64::seeded(7);
        let mut keys = std::collections::BTreeSet::new();
        for _ in 0..2_000 {
            let mut line = String::new();
            write_record(&mut line, &mut rng, 10_000, 0, 0, 0);
            let perf_record::Line::Record(record) =
                perf_record::parse_line(line.trim_end().as_bytes()).unwrap()
            else {
                panic!("not a record: {line}");
            };
            keys.insert(record.group_key().to_string());
        }
        // 2,000 draws from 10,000 groups: almost all distinct, far more than the 24 fixed ones.
        assert!(keys.len() > 1_500, "{}", keys.len());
    }

    #[test]
    fn corpus_spreads_records_over_files_and_is_reused() {
        let dir = tempfile::tempdir().unwrap();
        let dir = Utf8PathBuf::from_path_buf(dir.path().join("c")).unwrap();
        let spec = CorpusSpec {
            records: 101,
            groups: 3,
            files: 10,
        };
        let bytes = ensure_corpus(&dir, spec).unwrap();
        let mut lines = 0;
        for index in 0..10 {
            let text = std::fs::read_to_string(dir.join(format!("run-{index:05}.jsonl"))).unwrap();
            lines += text.lines().count();
        }
        assert_eq!(lines, 101);
        assert_eq!(ensure_corpus(&dir, spec).unwrap(), bytes);
    }
}
