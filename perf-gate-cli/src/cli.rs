//! The command line: clap definitions only, no logic.

use camino::Utf8PathBuf;
use clap::{Args, Parser, Subcommand, ValueEnum};
use perf_budget::parse_fraction;
use perf_stats::Percentile;

/// Turn JSONL latency logs into a CI performance gate.
///
/// Exit codes: 0 every check passed, 3 a budget violation or regression, 2 no violation but a
/// budgeted group had too few samples or no data, 1 a usage, input or configuration error.
#[derive(Debug, Parser)]
#[command(
    name = "perf-gate",
    version,
    max_term_width = 100,
    after_help = "Log format (every field, its type, examples): perf-gate help format\n\nExample:\n  perf-gate gate examples/logs --budgets examples/budgets-pass.json"
)]
pub struct Cli {
    /// Options every command takes.
    #[command(flatten)]
    pub global: GlobalArgs,
    /// The command to run.
    #[command(subcommand)]
    pub command: Command,
}

/// Options every command takes.
#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// Print nothing on stderr but errors.
    #[arg(long, short, global = true, conflicts_with = "verbose")]
    pub quiet: bool,
    /// Print the full chain of causes of an error, and more detail while working.
    #[arg(long, short, global = true)]
    pub verbose: bool,
    /// Colour the text report: `auto` colours only on a terminal, honouring NO_COLOR,
    /// CLICOLOR=0, CLICOLOR_FORCE and TERM=dumb.
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto, value_name = "WHEN")]
    pub color: ColorChoice,
    /// Print at most N rejected lines (or import items) on stderr, then "... and M more"; 0
    /// prints all of them. Every rejected line is counted either way.
    #[arg(long, global = true, default_value_t = 100, value_name = "N")]
    pub max_errors: u64,
}

/// When to colour output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    /// On a terminal that supports colour, unless NO_COLOR or CLICOLOR=0 is set; always with
    /// CLICOLOR_FORCE.
    Auto,
    /// Always.
    Always,
    /// Never.
    Never,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Collect log trees into one sorted, validated JSONL file.
    #[command(
        after_help = "Example:\n  perf-gate collect examples/logs --out artifacts/perf/latest.jsonl --tools wsap,registry"
    )]
    Collect(CollectArgs),
    /// Per-group outcome counts and latency statistics.
    #[command(
        after_help = "Example:\n  perf-gate summarize examples/logs --group-by tool,step --format markdown"
    )]
    Summarize(SummarizeArgs),
    /// Check logs against a budget file and print the report.
    #[command(
        after_help = "Example:\n  perf-gate evaluate examples/logs --budgets examples/budgets-pass.json --junit junit.xml"
    )]
    Evaluate(EvaluateArgs),
    /// Collect, evaluate (and compare with a baseline) in one pass; write every CI artifact.
    #[command(
        after_help = "Example:\n  perf-gate gate logs/ --budgets perf-budgets.json --baseline perf-baseline.json"
    )]
    Gate(Box<GateArgs>),
    /// Make every record tell the truth about its outcome (explicit error reasons, HTTP status).
    #[command(after_help = "Example:\n  perf-gate normalize raw.jsonl --out normalized.jsonl")]
    Normalize(NormalizeArgs),
    /// Check a budget file, and with logs: budgets that match no data, groups no budget covers.
    ///
    /// Exits 0 when the file is valid and (with logs) nothing was found, 2 when lint found
    /// something to fix, 1 when the budget file is invalid.
    #[command(
        after_help = "Example:\n  perf-gate lint --budgets examples/budgets-pass.json examples/logs"
    )]
    Lint(LintArgs),
    /// Convert other tools' outputs (k6, hyperfine, JMeter, Go benchmarks, criterion, OTLP,
    /// Locust, Gatling, oha, vegeta) into perf-gate records.
    #[command(
        after_help = "Example:\n  perf-gate import --from auto results/k6.json results/hyperfine.json --out records.jsonl"
    )]
    Import(ImportArgs),
    /// Print a shell completion script (bash, zsh, fish, powershell, elvish) on stdout.
    #[command(
        after_help = "Example:\n  perf-gate completions bash > ~/.local/share/bash-completion/completions/perf-gate"
    )]
    Completions(CompletionsArgs),
    /// Measure HTTP endpoints: one record per request, a summary per endpoint on stderr.
    ///
    /// Exits 0 when the run measured what was planned, 2 when the load generator itself was the
    /// bottleneck (the numbers are not the server's), 1 on a usage or plan error.
    #[command(
        after_help = "Example:\n  perf-gate probe --base-url http://127.0.0.1:3000 --get /health --samples 50"
    )]
    Probe(ProbeArgs),
    /// Run commands N times each, interleaved run by run: one record per run with wall time,
    /// CPU time, the command's own peak memory and its exit status; a summary per command on
    /// stderr.
    ///
    /// Several commands: `--name a -- cmd1 ARGS ::: --name b -- cmd2 ARGS`, or `--plan FILE`.
    /// Exits 0 when every run was measured and recorded (a failing command is a record with
    /// `ok: false`), 1 when a command cannot be started or on a usage or plan error.
    #[command(
        after_help = "Examples:\n  perf-gate run --runs 20 --out runs.jsonl -- ./target/release/app --input big.json\n  perf-gate run --name old -- ./app-old x.json ::: --name new -- ./app-new x.json\n  perf-gate run --plan perf-run.toml --out runs.jsonl && perf-gate summarize runs.jsonl"
    )]
    Run(RunArgs),
    /// Save, compare against, and ratchet a committed performance baseline.
    #[command(
        subcommand,
        after_help = "Example:\n  perf-gate baseline save examples/logs --out examples/baseline.json"
    )]
    Baseline(BaselineCommand),
    /// Remember runs in a history (SQLite or PostgreSQL), list them, follow a group's trend,
    /// annotate, prune and export.
    #[command(
        subcommand,
        after_help = "Example:\n  perf-gate history trend wsap/import --metric p95\n\nThe history is --history URL, else $PERF_GATE_HISTORY_URL, else .perf/history.sqlite."
    )]
    History(HistoryCommand),
    /// Push a metrics.txt written by `gate` to a Prometheus Pushgateway (HTTP PUT: replaces the
    /// group of the grouping key).
    #[command(
        after_help = "Example:\n  perf-gate push --gateway http://127.0.0.1:9091 --label branch=main artifacts/perf/metrics.txt"
    )]
    Push(PushArgs),
}

/// `perf-gate push`.
#[derive(Debug, Args)]
pub struct PushArgs {
    /// The Pushgateway's URL (`http://host:9091`; credentials in it are sent, never printed).
    #[arg(long, value_name = "URL")]
    pub gateway: String,
    /// The `job` of the grouping key.
    #[arg(long, default_value = "perf-gate")]
    pub job: String,
    /// A further grouping label (repeatable); values with `/` are sent base64-encoded.
    #[arg(long = "label", value_name = "NAME=VALUE", value_parser = parse_grouping_label)]
    pub labels: Vec<(String, String)>,
    /// How long the push may take.
    #[arg(long, default_value = "10s", value_parser = perf_probe::parse_duration)]
    pub timeout: std::time::Duration,
    /// The metrics file (OpenMetrics or Prometheus text; `gate` writes metrics.txt).
    #[arg(value_name = "METRICS_FILE")]
    pub metrics_file: Utf8PathBuf,
}

/// `NAME=VALUE` of a grouping label: a Prometheus label name other than `job` (`--job` sets it).
pub fn parse_grouping_label(text: &str) -> Result<(String, String), String> {
    let (name, value) = text
        .split_once('=')
        .ok_or_else(|| format!("expected NAME=VALUE, got {text:?}"))?;
    if !crate::push::is_label_name(name) {
        return Err(format!(
            "{name:?} is not a label name ([a-zA-Z_][a-zA-Z0-9_]*)"
        ));
    }
    if name == "job" {
        return Err("the job is set with --job".to_owned());
    }
    Ok((name.to_owned(), value.to_owned()))
}

/// Which records to keep, shared by every command that reads logs.
#[derive(Debug, Clone, Default, Args)]
pub struct FilterArgs {
    /// Keep only these tools (comma-separated).
    #[arg(long, value_delimiter = ',', value_name = "TOOL,...")]
    pub tools: Vec<String>,
    /// Keep only these steps (comma-separated).
    #[arg(long, value_delimiter = ',', value_name = "STEP,...")]
    pub steps: Vec<String>,
    /// Keep only these session ids: exact or glob (comma-separated).
    #[arg(long = "session", value_delimiter = ',', value_name = "ID,...")]
    pub sessions: Vec<String>,
    /// Keep records at or after this RFC 3339 time.
    #[arg(long, value_name = "RFC3339")]
    pub since: Option<String>,
    /// Keep records before this RFC 3339 time.
    #[arg(long, value_name = "RFC3339")]
    pub until: Option<String>,
    /// Keep only records with these outcomes (comma-separated).
    #[arg(
        long = "outcome",
        value_enum,
        value_delimiter = ',',
        value_name = "OUTCOME,..."
    )]
    pub outcomes: Vec<OutcomeArg>,
    /// Fail (exit 1) on any rejected line instead of reporting and going on.
    #[arg(long)]
    pub strict: bool,
    /// Also use warm-up records (`"phase": "warmup"`, written by `perf-gate probe --warmup`),
    /// which are otherwise counted as filtered out.
    #[arg(long)]
    pub include_warmup: bool,
    /// Read the inputs as another tool's output instead of perf-gate JSONL: k6, k6-summary,
    /// hyperfine, jmeter, gobench, criterion, otlp, locust, gatling, oha, vegeta, or auto
    /// (sniffed per file). Inputs are then files, not directories.
    #[arg(long, value_name = "FORMAT")]
    pub from: Option<perf_import::FormatChoice>,
    /// How the roots are walked and their lines read.
    #[command(flatten)]
    pub roots: RootArgs,
}

/// How roots are walked and lines read, shared by every command that reads logs.
#[derive(Debug, Clone, Default, Args)]
pub struct RootArgs {
    /// Also read files matching this glob in directory roots (besides *.jsonl, *.ndjson and
    /// their .gz forms): matched against the file name, or with a `/` against the path below
    /// the root. Repeatable: --include '*.log' --include 'app/*.txt'.
    #[arg(long, value_name = "GLOB")]
    pub include: Vec<String>,
    /// Follow symbolic links inside directory roots (a root that is a link is always followed;
    /// loops are reported, never walked twice).
    #[arg(long)]
    pub follow_symlinks: bool,
    /// Read a record field from another key of the log line: --field ms=duration_ms
    /// --field tool=service --field step=endpoint. Fields: ts, sessionId, tool, step, ms, ok,
    /// errorReason, status. Repeatable.
    #[arg(long = "field", value_name = "FIELD=KEY")]
    pub fields: Vec<perf_record::FieldMapping>,
}

/// An outcome to filter on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutcomeArg {
    /// `ok: true`.
    Ok,
    /// `ok: false`.
    Error,
    /// No `ok` field.
    Unknown,
}

/// `perf-gate collect`.
#[derive(Debug, Args)]
pub struct CollectArgs {
    /// Log files, directories or quoted globs such as 'logs/**/*.log' (`-` reads stdin).
    #[arg(required = true, value_name = "ROOT")]
    pub roots: Vec<Utf8PathBuf>,
    /// Where to write the merged JSONL (atomically).
    #[arg(long, default_value = "artifacts/perf/latest.jsonl")]
    pub out: Utf8PathBuf,
    /// Format of the collection summary on stdout.
    #[arg(long, value_enum, default_value_t = CollectFormat::Text)]
    pub format: CollectFormat,
    /// Memory for sorting the records (`256M`, `1G`, `64MiB`; K, M, G and T are powers of 1024,
    /// a plain number is bytes). Beyond it, sorted runs go to a temporary directory beside
    /// --out (removed at the end) and are merged into the same file.
    #[arg(long, value_name = "SIZE", default_value = "256M", value_parser = parse_size)]
    pub memory_limit: u64,
    /// Which records to keep.
    #[command(flatten)]
    pub filter: FilterArgs,
}

/// A size in bytes: a whole number with an optional binary unit (`K`, `M`, `G`, `T`, each
/// optionally followed by `B` or `iB`; case-insensitive), such as `256M` or `1GiB`.
pub fn parse_size(text: &str) -> Result<u64, String> {
    let text = text.trim();
    let digits = text.bytes().take_while(u8::is_ascii_digit).count();
    let (number, unit) = text.split_at(digits);
    let unit = unit.trim_start().to_ascii_lowercase();
    let unit = unit
        .strip_suffix("ib")
        .or_else(|| unit.strip_suffix('b'))
        .unwrap_or(&unit);
    let shift = match unit {
        "" => 0,
        "k" => 10,
        "m" => 20,
        "g" => 30,
        "t" => 40,
        _ => {
            return Err(format!(
                "unknown unit in {text:?}: use K, M, G or T (powers of 1024)"
            ));
        }
    };
    let number: u64 = number
        .parse()
        .map_err(|_| format!("expected a size such as 256M or 1G, not {text:?}"))?;
    number
        .checked_mul(1 << shift)
        .filter(|bytes| *bytes > 0)
        .ok_or_else(|| format!("{text:?} is not a size between 1 byte and 16 EiB"))
}

/// A collection summary format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CollectFormat {
    /// Plain text.
    Text,
    /// Versioned JSON.
    Json,
}

/// How to group records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum GroupBy {
    /// One group per (tool, step).
    #[value(name = "tool,step")]
    ToolStep,
    /// One group per tool.
    Tool,
    /// One group per session id.
    Session,
}

/// A report format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ReportFormat {
    /// Aligned ASCII text.
    Text,
    /// Versioned JSON.
    Json,
    /// A Markdown table (GitHub job summaries, PR comments).
    Markdown,
    /// JUnit XML.
    Junit,
    /// GitHub Actions workflow commands (`::error ...`).
    Github,
    /// OpenMetrics 1.0 text (GitLab's `metrics.txt`), ending in `# EOF`.
    Openmetrics,
    /// The Prometheus text format 0.0.4 (what a Pushgateway reads).
    Prometheus,
    /// One self-contained HTML page with charts (no JavaScript, no network).
    Html,
}

/// A summary format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SummaryFormat {
    /// Aligned ASCII text.
    Text,
    /// Versioned JSON.
    Json,
    /// A Markdown table.
    Markdown,
}

/// `perf-gate summarize`.
#[derive(Debug, Args)]
pub struct SummarizeArgs {
    /// Log files, directories or quoted globs such as 'logs/**/*.log' (`-` reads stdin).
    #[arg(required = true, value_name = "INPUT")]
    pub inputs: Vec<Utf8PathBuf>,
    /// How to group records.
    #[arg(long, value_enum, default_value = "tool,step")]
    pub group_by: GroupBy,
    /// Which records enter latency statistics: `ok` (successful records only, the default) or
    /// `all` (every known outcome, errors included). The error rate is always over every known
    /// outcome.
    #[arg(long, value_name = "ok|all")]
    pub latency_of: Option<perf_record::LatencyOf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = SummaryFormat::Text)]
    pub format: SummaryFormat,
    /// Memory for the latency samples (`16M`, `1G`; sizes as `collect --memory-limit`): beyond
    /// it, whole chunks' samples wait in a temporary directory (removed at the end) and each
    /// group is read back when it is used, with exactly the same results. A single group still
    /// needs 8 bytes a record.
    #[arg(long, value_name = "SIZE", default_value = "16M", value_parser = parse_size)]
    pub memory_limit: u64,
    /// Which records to keep.
    #[command(flatten)]
    pub filter: FilterArgs,
}

/// Where to write report files besides stdout.
#[derive(Debug, Clone, Default, Args)]
pub struct ReportFiles {
    /// Also write the JSON report here.
    #[arg(long, value_name = "FILE")]
    pub json: Option<Utf8PathBuf>,
    /// Also write the Markdown report here.
    #[arg(long, value_name = "FILE")]
    pub markdown: Option<Utf8PathBuf>,
    /// Also write the JUnit XML report here.
    #[arg(long, value_name = "FILE")]
    pub junit: Option<Utf8PathBuf>,
}

/// `perf-gate evaluate`.
#[derive(Debug, Args)]
pub struct EvaluateArgs {
    /// Log files, directories or quoted globs such as 'logs/**/*.log' (`-` reads stdin).
    #[arg(required = true, value_name = "INPUT")]
    pub inputs: Vec<Utf8PathBuf>,
    /// The budget file (default: `perf-budgets.json` in the current directory, when it exists).
    #[arg(long, value_name = "FILE", env = "PERF_GATE_BUDGETS")]
    pub budgets: Option<Utf8PathBuf>,
    /// Override every budget's minimum sample count.
    #[arg(long, value_name = "N")]
    pub min_samples: Option<u64>,
    /// Which records enter latency statistics: `ok` (successful records only, the default) or
    /// `all` (every known outcome, errors included); overrides the budget file's
    /// `defaults.latency_of`. The error rate is always over every known outcome.
    #[arg(long, value_name = "ok|all")]
    pub latency_of: Option<perf_record::LatencyOf>,
    /// Format of the report on stdout.
    #[arg(long, value_enum, default_value_t = ReportFormat::Text)]
    pub format: ReportFormat,
    /// Extra report files.
    #[command(flatten)]
    pub files: ReportFiles,
    /// The Markdown report's size.
    #[command(flatten)]
    pub markdown: MarkdownArgs,
    /// Memory for the latency samples (`16M`, `1G`; sizes as `collect --memory-limit`): beyond
    /// it, whole chunks' samples wait in a temporary directory (removed at the end) and each
    /// group is read back when it is used, with exactly the same results. A single group still
    /// needs 8 bytes a record.
    #[arg(long, value_name = "SIZE", default_value = "16M", value_parser = parse_size)]
    pub memory_limit: u64,
    /// Which records to keep.
    #[command(flatten)]
    pub filter: FilterArgs,
}

/// `perf-gate gate`.
#[derive(Debug, Args)]
pub struct GateArgs {
    /// Log files, directories or quoted globs such as 'logs/**/*.log' (`-` reads stdin).
    #[arg(required_unless_present_any = ["probe", "run_plan"], value_name = "ROOT")]
    pub roots: Vec<Utf8PathBuf>,
    /// Probe the endpoints of this plan file first and gate what it measured (its records go to
    /// `probe.jsonl` in the artifacts directory); logs given as roots are judged with them.
    #[arg(long, value_name = "PLAN.toml")]
    pub probe: Option<Utf8PathBuf>,
    /// The probe's load options (with `--probe`; they override the plan's `[load]`).
    #[command(flatten)]
    pub probe_load: ProbeLoadArgs,
    /// Run the commands of this plan file first (see `perf-gate run --plan`) and gate what they
    /// measured (their records go to `run.jsonl` in the artifacts directory); logs given as
    /// roots are judged with them.
    #[arg(long = "run", value_name = "PLAN.toml")]
    pub run_plan: Option<Utf8PathBuf>,
    /// The budget file (default: `perf-budgets.json` in the current directory, when it exists).
    #[arg(long, value_name = "FILE", env = "PERF_GATE_BUDGETS")]
    pub budgets: Option<Utf8PathBuf>,
    /// Also compare with this baseline (a regression fails the gate).
    #[arg(long, value_name = "FILE", env = "PERF_GATE_BASELINE")]
    pub baseline: Option<Utf8PathBuf>,
    /// Compare with this baseline when the file exists, and gate on the budgets alone (with a
    /// note) while it does not: for the first runs of a repository, before `baseline save`.
    #[arg(long, value_name = "FILE", conflicts_with = "baseline")]
    pub baseline_if_exists: Option<Utf8PathBuf>,
    /// Options of the baseline comparison.
    #[command(flatten)]
    pub comparison: ComparisonArgs,
    /// Override every budget's minimum sample count.
    #[arg(long, value_name = "N")]
    pub min_samples: Option<u64>,
    /// Which records enter latency statistics: `ok` (successful records only, the default) or
    /// `all` (every known outcome, errors included); overrides the budget file's
    /// `defaults.latency_of`. The error rate is always over every known outcome.
    #[arg(long, value_name = "ok|all")]
    pub latency_of: Option<perf_record::LatencyOf>,
    /// Directory for report.json, report.md, junit.xml, metrics.txt, report.html (and
    /// latest.jsonl, probe.jsonl, run.jsonl), replaced as one set when the reports are done.
    #[arg(long, default_value = "artifacts/perf", value_name = "DIR")]
    pub out_dir: Utf8PathBuf,
    /// Also push the metrics to this Prometheus Pushgateway (as `perf-gate push` does).
    #[arg(long, value_name = "URL")]
    pub push_gateway: Option<String>,
    /// The `job` of the push's grouping key.
    #[arg(long, default_value = "perf-gate", requires = "push_gateway")]
    pub push_job: String,
    /// A further grouping label of the push (repeatable).
    #[arg(long = "push-label", value_name = "NAME=VALUE", value_parser = parse_grouping_label, requires = "push_gateway")]
    pub push_labels: Vec<(String, String)>,
    /// How long the push may take.
    #[arg(long, default_value = "10s", value_parser = perf_probe::parse_duration, requires = "push_gateway")]
    pub push_timeout: std::time::Duration,
    /// Also write the merged records as latest.jsonl in the artifacts directory.
    #[arg(long, conflicts_with = "from")]
    pub write_latest: bool,
    /// Memory for the latency samples (default 16M; sizes as `collect --memory-limit`): beyond
    /// it, whole chunks' samples wait in a temporary directory (removed at the end) and each
    /// group is read back when it is judged, with exactly the same results. A single group still
    /// needs 8 bytes a record. With --write-latest also the memory for sorting the records
    /// (default 256M; beyond it, sorted runs spill into the artifacts directory's staged set).
    #[arg(long, value_name = "SIZE", value_parser = parse_size)]
    pub memory_limit: Option<u64>,
    /// Format of the report on stdout.
    #[arg(long, value_enum, default_value_t = ReportFormat::Text)]
    pub format: ReportFormat,
    /// Record the run in the history once the report is final (a failed write exits 1, after
    /// the reports are written).
    #[arg(long)]
    pub record_history: bool,
    /// The history (with --record-history).
    #[command(flatten)]
    pub history: HistoryLocationArg,
    /// The run's commit and branch (with --record-history).
    #[command(flatten)]
    pub provenance: ProvenanceArgs,
    /// The Markdown report's size.
    #[command(flatten)]
    pub markdown: MarkdownArgs,
    /// Which records to keep.
    #[command(flatten)]
    pub filter: FilterArgs,
}

/// The size of the Markdown report (`report.md`, `--format markdown`).
#[derive(Debug, Clone, Args)]
pub struct MarkdownArgs {
    /// Largest Markdown report in bytes (never fewer than characters); the default fits a
    /// pull-request comment. Passing rows are left out first, and the report says what was left
    /// out. The GitHub job summary is capped at 1 MiB instead.
    #[arg(long, value_name = "N", default_value_t = perf_report::render::markdown::PR_COMMENT_MAX_BYTES)]
    pub max_bytes: usize,
}

/// `perf-gate normalize`.
#[derive(Debug, Args)]
pub struct NormalizeArgs {
    /// Log files, directories or globs to normalize, in order (`-` reads stdin).
    #[arg(required = true, value_name = "ROOT")]
    pub roots: Vec<Utf8PathBuf>,
    /// Where to write the normalized JSONL (`-` writes stdout).
    #[arg(long, value_name = "OUTPUT")]
    pub out: Utf8PathBuf,
    /// How the roots are walked and their lines read.
    #[command(flatten)]
    pub read: RootArgs,
}

/// `perf-gate lint`.
#[derive(Debug, Args)]
pub struct LintArgs {
    /// The budget file (default: `perf-budgets.json` in the current directory, when it exists).
    #[arg(long, value_name = "FILE", env = "PERF_GATE_BUDGETS")]
    pub budgets: Option<Utf8PathBuf>,
    /// Log files or directories to check the budgets against (`-` reads stdin).
    #[arg(value_name = "INPUT")]
    pub inputs: Vec<Utf8PathBuf>,
    /// Which records to keep.
    #[command(flatten)]
    pub filter: FilterArgs,
}

/// Options of a baseline comparison. `None` is "not given": the defaults apply, and `gate`
/// warns about an option given without a baseline to compare with.
#[derive(Debug, Clone, Default, Args)]
pub struct ComparisonArgs {
    /// The percentile compared (`p50`, `p95`, `p99.9`, ...) [default: p95].
    #[arg(long, value_name = "PERCENTILE")]
    pub metric: Option<Percentile>,
    /// The relative change that counts as a regression (`5%` or `0.05`; a bare number above 1
    /// is refused) [default: 5%].
    #[arg(long, value_name = "FRACTION", value_parser = parse_fraction)]
    pub tolerance: Option<f64>,
    /// Significance level of the one-sided test of the compared percentile, Holm-Bonferroni
    /// adjusted across groups, strictly between 0 and 1 [default: 0.05].
    #[arg(long, value_name = "ALPHA", value_parser = parse_alpha)]
    pub alpha: Option<f64>,
}

impl ComparisonArgs {
    /// The options given on the command line, by flag name (for the "no baseline" warning).
    pub fn given(&self) -> Vec<&'static str> {
        [
            ("--metric", self.metric.is_some()),
            ("--tolerance", self.tolerance.is_some()),
            ("--alpha", self.alpha.is_some()),
        ]
        .into_iter()
        .filter_map(|(flag, given)| given.then_some(flag))
        .collect()
    }
}

/// A significance level: a number strictly between 0 and 1.
fn parse_alpha(text: &str) -> Result<f64, String> {
    match text.trim().parse::<f64>() {
        Ok(alpha) if alpha > 0.0 && alpha < 1.0 => Ok(alpha),
        Ok(_) => Err("a significance level is strictly between 0 and 1, such as 0.05".to_owned()),
        Err(_) => Err("expected a number strictly between 0 and 1, such as 0.05".to_owned()),
    }
}

/// `perf-gate baseline ...`.
#[derive(Debug, Subcommand)]
pub enum BaselineCommand {
    /// Write a baseline ("performance passport") from logs.
    #[command(
        after_help = "Example:\n  perf-gate baseline save examples/logs --out perf-baseline.json"
    )]
    Save(BaselineSaveArgs),
    /// Compare logs with a baseline: regressed, unchanged, improved or not comparable.
    #[command(
        after_help = "Example:\n  perf-gate baseline compare examples/logs --baseline examples/baseline.json --tolerance 5%"
    )]
    Compare(BaselineCompareArgs),
    /// Propose tighter budgets from a baseline (written only with --write).
    #[command(
        after_help = "Example:\n  perf-gate baseline ratchet --baseline examples/baseline.json --budgets examples/budgets-pass.json"
    )]
    Ratchet(BaselineRatchetArgs),
}

/// `perf-gate baseline save`.
#[derive(Debug, Args)]
pub struct BaselineSaveArgs {
    /// Log files, directories or quoted globs such as 'logs/**/*.log' (`-` reads stdin).
    #[arg(required = true, value_name = "INPUT")]
    pub inputs: Vec<Utf8PathBuf>,
    /// Where to write the baseline.
    #[arg(long, default_value = "perf-baseline.json")]
    pub out: Utf8PathBuf,
    /// The budget file the gate will use: the baseline's exact percentiles are computed with its
    /// `defaults.quantile_method`, so the gate can use them (it reads a baseline's stored
    /// percentiles only when the methods agree). Not read otherwise.
    #[arg(long, value_name = "FILE", env = "PERF_GATE_BUDGETS")]
    pub budgets: Option<Utf8PathBuf>,
    /// The quantile method of the exact percentiles (numpy name such as `linear` or
    /// `median_unbiased`, or Hyndman & Fan type `1`..`9`); wins over the budget file's.
    /// Default: the budget file's, else type 7 (`linear`).
    #[arg(long, value_name = "METHOD")]
    pub quantile_method: Option<perf_stats::QuantileMethod>,
    /// Memory for the latency samples (`16M`, `1G`; sizes as `collect --memory-limit`): beyond
    /// it, whole chunks' samples wait in a temporary directory (removed at the end) and each
    /// group is read back when it is used, with exactly the same results. A single group still
    /// needs 8 bytes a record.
    #[arg(long, value_name = "SIZE", default_value = "16M", value_parser = parse_size)]
    pub memory_limit: u64,
    /// Which records to keep.
    #[command(flatten)]
    pub filter: FilterArgs,
}

/// `perf-gate baseline compare`.
#[derive(Debug, Args)]
pub struct BaselineCompareArgs {
    /// Log files, directories or quoted globs such as 'logs/**/*.log' (`-` reads stdin).
    #[arg(required = true, value_name = "INPUT")]
    pub inputs: Vec<Utf8PathBuf>,
    /// The baseline file.
    #[arg(long, value_name = "FILE", env = "PERF_GATE_BASELINE")]
    pub baseline: Utf8PathBuf,
    /// Options of the comparison.
    #[command(flatten)]
    pub comparison: ComparisonArgs,
    /// Format of the report on stdout.
    #[arg(long, value_enum, default_value_t = ReportFormat::Text)]
    pub format: ReportFormat,
    /// The Markdown report's size.
    #[command(flatten)]
    pub markdown: MarkdownArgs,
    /// Which records to keep.
    #[command(flatten)]
    pub filter: FilterArgs,
}

/// `perf-gate baseline ratchet`.
#[derive(Debug, Args)]
pub struct BaselineRatchetArgs {
    /// The baseline file.
    #[arg(long, value_name = "FILE", env = "PERF_GATE_BASELINE")]
    pub baseline: Utf8PathBuf,
    /// The budget file to tighten (default: `perf-budgets.json` in the current directory, when
    /// it exists).
    #[arg(long, value_name = "FILE", env = "PERF_GATE_BUDGETS")]
    pub budgets: Option<Utf8PathBuf>,
    /// Room left above the observed value (`20%` or `0.2`).
    #[arg(long, default_value = "20%", value_parser = parse_fraction)]
    pub headroom: f64,
    /// Write the proposed budgets back to the budget file (otherwise only print the diff).
    #[arg(long)]
    pub write: bool,
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory as _;

    #[test]
    fn command_line_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn sizes_read_binary_units() {
        assert_eq!(parse_size("256M"), Ok(256 << 20));
        assert_eq!(parse_size("1g"), Ok(1 << 30));
        assert_eq!(parse_size("64MiB"), Ok(64 << 20));
        assert_eq!(parse_size("512 KB"), Ok(512 << 10));
        assert_eq!(parse_size("1000"), Ok(1000));
        assert!(parse_size("0").is_err());
        assert!(parse_size("12X").unwrap_err().contains("unknown unit"));
        assert!(parse_size("M").is_err());
        assert!(parse_size("-1M").is_err());
        assert!(parse_size("99999999T").is_err());
    }

    #[test]
    fn a_bare_tolerance_above_one_is_refused_with_the_hint() {
        let error = Cli::try_parse_from([
            "perf-gate",
            "baseline",
            "compare",
            "logs",
            "--baseline",
            "b.json",
            "--tolerance",
            "5",
        ])
        .unwrap_err()
        .to_string();
        assert!(error.contains("write 5%"), "{error}");
        let parsed = Cli::try_parse_from([
            "perf-gate",
            "baseline",
            "compare",
            "logs",
            "--baseline",
            "b.json",
            "--tolerance",
            "5%",
        ])
        .unwrap();
        let Command::Baseline(BaselineCommand::Compare(args)) = parsed.command else {
            panic!("parsed another command");
        };
        assert_eq!(args.comparison.tolerance, Some(0.05));
        assert_eq!(args.comparison.metric, None);
        assert_eq!(args.comparison.given(), ["--tolerance"]);
    }

    #[test]
    fn invalid_comparison_options_fail_at_parsing() {
        for (flag, value, needle) in [
            ("--alpha", "0", "strictly between 0 and 1"),
            ("--alpha", "1.5", "strictly between 0 and 1"),
            ("--alpha", "often", "expected a number"),
            ("--metric", "p(95)", "p(95)"),
            ("--tolerance", "fast", "fast"),
        ] {
            let error = Cli::try_parse_from([
                "perf-gate",
                "gate",
                "logs",
                "--budgets",
                "b.json",
                flag,
                value,
            ])
            .unwrap_err()
            .to_string();
            assert!(error.contains(needle), "{flag} {value}: {error}");
        }
    }
}

/// The load and timing options of a probe run; every one overrides the plan file's `[load]`.
#[derive(Debug, Clone, Default, Args)]
pub struct ProbeLoadArgs {
    /// Open model: send R requests per second in total, at fixed intended times; latency counts
    /// from the intended time (coordinated omission corrected).
    #[arg(long, value_name = "R", conflicts_with = "concurrency")]
    pub rate: Option<f64>,
    /// Closed model: C workers sending back to back.
    #[arg(long, value_name = "C")]
    pub concurrency: Option<usize>,
    /// Open model: the most requests outstanding at once; a request due beyond it is dropped
    /// and counted (default 256).
    #[arg(long, value_name = "N")]
    pub max_in_flight: Option<usize>,
    /// Measured requests per endpoint.
    #[arg(long, value_name = "N", conflicts_with = "duration")]
    pub samples: Option<u64>,
    /// Measure for this long (`500ms`, `30s`, `2m`).
    #[arg(long, value_name = "D", value_parser = perf_probe::parse_duration)]
    pub duration: Option<std::time::Duration>,
    /// Warm-up before measuring: N requests per endpoint, or a duration (`5s`). Warm-up records
    /// are written with `"phase":"warmup"` and left out of the statistics.
    #[arg(long, value_name = "N|D")]
    pub warmup: Option<String>,
    /// Shuffle the order of the endpoints in each round with this seed (default round-robin).
    #[arg(long, value_name = "S")]
    pub seed: Option<u64>,
    /// Per-request timeout (default 10s); a timed-out request is a failed sample.
    #[arg(long, value_name = "D", value_parser = perf_probe::parse_duration)]
    pub timeout: Option<std::time::Duration>,
    /// Connect timeout (default 3s).
    #[arg(long, value_name = "D", value_parser = perf_probe::parse_duration)]
    pub connect_timeout: Option<std::time::Duration>,
    /// The records' `sessionId` (default: one per run).
    #[arg(long, value_name = "ID")]
    pub session_id: Option<String>,
    /// Self-check: a group whose lag p99 (open model) is over D is called a generator
    /// bottleneck, exit 2 (default 10ms).
    #[arg(long, value_name = "D", value_parser = perf_probe::parse_duration)]
    pub max_lag_p99: Option<std::time::Duration>,
    /// Self-check: a timer oversleep p99 over D (the generator's runtime woke late, e.g. on an
    /// overloaded machine) calls every group a generator bottleneck, exit 2 (default 10ms).
    #[arg(long, value_name = "D", value_parser = perf_probe::parse_duration)]
    pub max_oversleep_p99: Option<std::time::Duration>,
}

/// `perf-gate probe`.
#[derive(Debug, Args)]
pub struct ProbeArgs {
    /// A plan file (TOML): endpoints, headers, bodies, expected statuses, checks, secrets.
    #[arg(long, value_name = "PLAN.toml", conflicts_with_all = ["base_url", "get"])]
    pub plan: Option<Utf8PathBuf>,
    /// Quick mode: the base URL of the service.
    #[arg(
        long,
        value_name = "URL",
        required_unless_present = "plan",
        requires = "get"
    )]
    pub base_url: Option<String>,
    /// Quick mode: GET this path (repeat for more endpoints; the step is `GET PATH`).
    #[arg(long, value_name = "PATH")]
    pub get: Vec<String>,
    /// Quick mode: the records' `tool`.
    #[arg(long, default_value = "probe", value_name = "TOOL")]
    pub tool: String,
    /// Quick mode: send the API key read from this environment variable (never printed).
    #[arg(long, value_name = "VAR", conflicts_with = "api_key_file")]
    pub api_key_env: Option<String>,
    /// Quick mode: send the API key read from this file (never printed).
    #[arg(long, value_name = "FILE")]
    pub api_key_file: Option<Utf8PathBuf>,
    /// Quick mode: the header that carries the API key.
    #[arg(long, default_value = perf_probe::DEFAULT_API_KEY_HEADER, value_name = "NAME")]
    pub api_key_header: String,
    /// The load and timing options.
    #[command(flatten)]
    pub load: ProbeLoadArgs,
    /// Where to write the records (atomically).
    #[arg(
        long,
        default_value = "artifacts/perf/probe.jsonl",
        value_name = "FILE"
    )]
    pub out: Utf8PathBuf,
}

/// `perf-gate run`.
#[derive(Debug, Args)]
pub struct RunArgs {
    /// A plan file (TOML): commands with name/tool/step, argv, env, cwd, runs, warm-up, timeout.
    #[arg(long, value_name = "PLAN.toml")]
    pub plan: Option<Utf8PathBuf>,
    /// Measured runs of each command (default 10; over the plan's `runs`).
    #[arg(long, value_name = "N")]
    pub runs: Option<u32>,
    /// Warm-up runs of each command before the measured ones (default 1; over the plan's
    /// `warmup`); written with `"phase":"warmup"` and left out of the statistics.
    #[arg(long, value_name = "W")]
    pub warmup: Option<u32>,
    /// Kill a run still going after this long and record it as `timeout` (default 10m; `none`
    /// for no limit; over the plan's `timeout`).
    #[arg(long, value_name = "D|none", value_parser = parse_timeout)]
    pub timeout: Option<RunTimeout>,
    /// Shuffle the commands' order in each round with this seed (default: the order given).
    #[arg(long, value_name = "S")]
    pub seed: Option<u64>,
    /// Where to write the records (atomically); default stdout.
    #[arg(long, value_name = "FILE")]
    pub out: Option<Utf8PathBuf>,
    /// The records' `sessionId` (default: `run-` and the start time).
    #[arg(long, value_name = "ID")]
    pub session_id: Option<String>,
    /// How peak memory is measured: `cgroup` (cgroup v2 `memory.peak` of a group per run),
    /// `helper` (`wait4` of the launch helper's one child), or `auto` (cgroup where available).
    #[arg(long, value_enum, default_value_t = RssMethodArg::Auto)]
    pub rss_method: RssMethodArg,
    /// With `--rss-method cgroup`: create the per-run groups below this delegated cgroup v2
    /// directory instead of perf-gate's own group.
    #[arg(long, value_name = "DIR")]
    pub cgroup_parent: Option<std::path::PathBuf>,
    /// Send the commands' stdout and stderr to stderr (default: discarded).
    #[arg(long)]
    pub show_output: bool,
    /// The first command's options.
    #[command(flatten)]
    pub first: RunCommandArgs,
    /// The command and its arguments; `:::` starts another command with its own options.
    #[arg(
        last = true,
        value_name = "CMD",
        conflicts_with = "plan",
        required_unless_present = "plan"
    )]
    pub command: Vec<std::ffi::OsString>,
}

/// One command's own options on the `perf-gate run` command line.
#[derive(Debug, Clone, Default, Args)]
pub struct RunCommandArgs {
    /// The command's name: its records' `step` (default: the program's file name).
    #[arg(long, value_name = "NAME", conflicts_with = "step")]
    pub name: Option<String>,
    /// The records' `tool` (default `run`).
    #[arg(long, value_name = "T")]
    pub tool: Option<String>,
    /// The records' `step` (the same as --name).
    #[arg(long, value_name = "S")]
    pub step: Option<String>,
    /// Set an environment variable for the command (repeatable).
    #[arg(long = "env", value_name = "NAME=VALUE", value_parser = parse_env)]
    pub env: Vec<(String, String)>,
    /// Run the command in this directory.
    #[arg(long, value_name = "DIR")]
    pub cwd: Option<std::path::PathBuf>,
}

/// A command after `:::` on the `perf-gate run` command line.
#[derive(Debug, Parser)]
#[command(name = ":::", no_binary_name = true)]
pub struct RunSegment {
    /// Its options.
    #[command(flatten)]
    pub options: RunCommandArgs,
    /// The command.
    #[arg(last = true, required = true, value_name = "CMD")]
    pub command: Vec<std::ffi::OsString>,
}

/// `--timeout`: a duration or no limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RunTimeout(pub Option<std::time::Duration>);

fn parse_timeout(text: &str) -> Result<RunTimeout, String> {
    if text.trim() == "none" {
        return Ok(RunTimeout(None));
    }
    let duration = perf_probe::parse_duration(text).map_err(|error| error.to_string())?;
    if duration.is_zero() {
        return Err("must be more than 0 (or `none`)".to_owned());
    }
    Ok(RunTimeout(Some(duration)))
}

fn parse_env(text: &str) -> Result<(String, String), String> {
    match text.split_once('=') {
        Some((name, value)) if !name.is_empty() => Ok((name.to_owned(), value.to_owned())),
        _ => Err(format!("expected NAME=VALUE, got {text:?}")),
    }
}

/// `perf-gate run --rss-method`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RssMethodArg {
    /// cgroup v2 where available, else the helper.
    Auto,
    /// cgroup v2 `memory.peak` (an error where unavailable).
    Cgroup,
    /// `wait4` of the launch helper's child.
    Helper,
}

/// `perf-gate completions`.
#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to complete for.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

/// `perf-gate import`.
#[derive(Debug, Args)]
pub struct ImportArgs {
    /// The other tool's output files.
    #[arg(required = true, value_name = "FILE")]
    pub inputs: Vec<Utf8PathBuf>,
    /// Their format (`auto` sniffs each file and says what it chose).
    #[arg(long, default_value = "auto", value_name = "FORMAT")]
    pub from: perf_import::FormatChoice,
    /// Where to write the records (atomically).
    #[arg(
        long,
        default_value = "artifacts/perf/imported.jsonl",
        value_name = "FILE"
    )]
    pub out: Utf8PathBuf,
    /// The records' `tool`, a template over the format's fields (e.g. `{name}`).
    #[arg(long, value_name = "TEMPLATE")]
    pub tool: Option<perf_import::Template>,
    /// The records' `step`, a template over the format's fields (e.g. `{method} {name}`).
    #[arg(long, value_name = "TEMPLATE")]
    pub step: Option<perf_import::Template>,
    /// The records' `sessionId` (default: the input's name).
    #[arg(long, value_name = "ID")]
    pub session: Option<String>,
    /// k6: the trend metric to import (default `http_req_duration`).
    #[arg(long, value_name = "NAME")]
    pub metric: Option<String>,
    /// JMeter: also import transaction-controller rows, which duplicate their children.
    #[arg(long)]
    pub include_transactions: bool,
}

/// Which history database to use.
#[derive(Debug, Clone, Default, Args)]
pub struct HistoryLocationArg {
    /// The history: a postgres:// URL, a libpq `key=value` string, `sqlite:PATH` or a path
    /// (default: $PERF_GATE_HISTORY_URL, else .perf/history.sqlite). Printed with its
    /// password redacted.
    #[arg(long = "history", value_name = "URL")]
    pub location: Option<String>,
}

/// What the run measured, for the history.
#[derive(Debug, Clone, Default, Args)]
pub struct ProvenanceArgs {
    /// The commit measured (default: $GITHUB_SHA).
    #[arg(long, value_name = "SHA")]
    pub commit: Option<String>,
    /// The branch measured (default: $GITHUB_HEAD_REF, else $GITHUB_REF_NAME).
    #[arg(long, value_name = "NAME")]
    pub branch: Option<String>,
}

/// A format of `perf-gate history list | show | trend | prune`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum HistoryFormat {
    /// Aligned ASCII text.
    Text,
    /// Versioned JSON.
    Json,
}

/// A format of `perf-gate history export`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExportFormatArg {
    /// One JSON object per run and line.
    Jsonl,
    /// One row per run, group and statistic.
    Csv,
}

/// `perf-gate history ...`.
#[derive(Debug, Subcommand)]
pub enum HistoryCommand {
    /// Record logs as a run without gating them (statistics, raw samples, no verdicts).
    ///
    /// Exits 0 when a run was recorded, 2 when the logs had no group (nothing is recorded).
    #[command(
        after_help = "Example:\n  perf-gate history record logs/ --budgets perf-budgets.json --commit $(git rev-parse HEAD)"
    )]
    Record(Box<HistoryRecordArgs>),
    /// The newest runs, newest first.
    #[command(after_help = "Example:\n  perf-gate history list --limit 10")]
    List(HistoryListArgs),
    /// Everything recorded about one run.
    #[command(after_help = "Example:\n  perf-gate history show 42")]
    Show(HistoryShowArgs),
    /// A group's series of one metric, oldest first, with environment changes marked.
    #[command(
        after_help = "Example:\n  perf-gate history trend wsap/import --metric p99 --last 30"
    )]
    Trend(HistoryTrendArgs),
    /// Mark a run: an accepted regression, or a change of environment. Annotated runs are
    /// never pruned.
    #[command(
        after_help = "Example:\n  perf-gate history annotate 42 --kind accepted-regression --group wsap/import --note \"new parser\""
    )]
    Annotate(HistoryAnnotateArgs),
    /// Delete old runs, except those an annotation or a baseline refers to.
    #[command(after_help = "Example:\n  perf-gate history prune --keep-runs 500 --keep-days 90")]
    Prune(HistoryPruneArgs),
    /// Write every run as JSON lines or CSV.
    #[command(after_help = "Example:\n  perf-gate history export --format csv --out history.csv")]
    Export(HistoryExportArgs),
}

/// `perf-gate history record`.
#[derive(Debug, Args)]
pub struct HistoryRecordArgs {
    /// Log files or directories (`-` reads stdin).
    #[arg(required = true, value_name = "INPUT")]
    pub inputs: Vec<Utf8PathBuf>,
    /// The budget file: its quantile method and percentiles are the ones stored, its hash is
    /// recorded.
    #[arg(long, value_name = "FILE")]
    pub budgets: Utf8PathBuf,
    /// The history.
    #[command(flatten)]
    pub history: HistoryLocationArg,
    /// The run's commit and branch.
    #[command(flatten)]
    pub provenance: ProvenanceArgs,
    /// Which records to keep.
    #[command(flatten)]
    pub filter: FilterArgs,
}

/// `perf-gate history list`.
#[derive(Debug, Args)]
pub struct HistoryListArgs {
    /// How many runs to show.
    #[arg(long, default_value_t = 20, value_name = "N")]
    pub limit: u64,
    /// Output format.
    #[arg(long, value_enum, default_value_t = HistoryFormat::Text)]
    pub format: HistoryFormat,
    /// The history.
    #[command(flatten)]
    pub history: HistoryLocationArg,
}

/// `perf-gate history show`.
#[derive(Debug, Args)]
pub struct HistoryShowArgs {
    /// The run's id (see `history list`).
    #[arg(value_name = "RUN")]
    pub run: perf_history::RunId,
    /// Output format.
    #[arg(long, value_enum, default_value_t = HistoryFormat::Text)]
    pub format: HistoryFormat,
    /// The history.
    #[command(flatten)]
    pub history: HistoryLocationArg,
}

/// `perf-gate history trend`.
#[derive(Debug, Args)]
pub struct HistoryTrendArgs {
    /// The group, `TOOL/STEP` (split at the first `/`).
    #[arg(value_name = "TOOL/STEP")]
    pub group: String,
    /// The metric: `p95` (any percentile), `avg`, `max` or `error_rate` of the latencies; a
    /// record measure and its statistic, `"peak_rss_mb p95"` (`avg`, `max`, `pNN`); or
    /// `throughput_rps`, the group's records per second.
    #[arg(long, default_value = "p95")]
    pub metric: perf_history::HistoryMetric,
    /// How many of the newest runs.
    #[arg(long, default_value_t = 50, value_name = "N")]
    pub last: u64,
    /// Output format.
    #[arg(long, value_enum, default_value_t = HistoryFormat::Text)]
    pub format: HistoryFormat,
    /// The history.
    #[command(flatten)]
    pub history: HistoryLocationArg,
}

/// `perf-gate history annotate`.
#[derive(Debug, Args)]
pub struct HistoryAnnotateArgs {
    /// The run's id.
    #[arg(value_name = "RUN")]
    pub run: perf_history::RunId,
    /// `accepted-regression` or `environment-changed`.
    #[arg(long)]
    pub kind: perf_history::AnnotationKind,
    /// The group it is about, `TOOL/STEP` (default: the whole run).
    #[arg(long, value_name = "TOOL/STEP")]
    pub group: Option<String>,
    /// Why, for the next reader.
    #[arg(long, default_value = "")]
    pub note: String,
    /// The history.
    #[command(flatten)]
    pub history: HistoryLocationArg,
}

/// `perf-gate history prune`.
#[derive(Debug, Args)]
pub struct HistoryPruneArgs {
    /// Keep the newest N runs.
    #[arg(long, value_name = "N", required_unless_present = "keep_days")]
    pub keep_runs: Option<u64>,
    /// Keep the runs of the last D days.
    #[arg(long, value_name = "D")]
    pub keep_days: Option<u64>,
    /// The committed baseline file: the runs it was made from are kept.
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<Utf8PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = HistoryFormat::Text)]
    pub format: HistoryFormat,
    /// The history.
    #[command(flatten)]
    pub history: HistoryLocationArg,
}

/// `perf-gate history export`.
#[derive(Debug, Args)]
pub struct HistoryExportArgs {
    /// The format.
    #[arg(long, value_enum)]
    pub format: ExportFormatArg,
    /// Where to write (atomically); default stdout.
    #[arg(long, value_name = "FILE")]
    pub out: Option<Utf8PathBuf>,
    /// The history.
    #[command(flatten)]
    pub history: HistoryLocationArg,
}
