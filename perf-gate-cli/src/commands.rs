//! Each command's wiring: read inputs, call the `perf-gate` library, write outputs, return the
//! exit code. The command modules never import each other; what two of them share is here.

mod baseline;
mod collect;
mod evaluate;
mod history;
mod import;
mod lint;
mod normalize;
mod probe;
mod push;
pub(crate) mod run;
mod summarize;

use std::collections::BTreeMap;
use std::io::Write as _;

use anyhow::{Context as _, Result};
use camino::{Utf8Path, Utf8PathBuf};
use perf_budget::Budgets;
use perf_collect::DEFAULT_SAMPLE_MEMORY_LIMIT;
use perf_collect::GroupBy;
use perf_gate::ComparisonSettings;
use perf_record::{GroupKey, StoredGroup};

use crate::cli::{BaselineCommand, Cli, Command, ComparisonArgs, FilterArgs};
use crate::diagnostics::{Diagnostics, collect_config};
use crate::output::use_color;

/// What every command needs to know about the global options.
#[derive(Debug, Clone, Copy)]
pub struct Context {
    /// What to print on stderr.
    pub diagnostics: Diagnostics,
    /// Whether to colour the text report.
    pub color: bool,
}

/// Runs the parsed command line and returns the process exit code.
pub fn run(cli: Cli) -> Result<u8> {
    let context = Context {
        diagnostics: Diagnostics {
            quiet: cli.global.quiet,
            verbose: cli.global.verbose,
            max_errors: cli.global.max_errors,
        },
        color: use_color(cli.global.color),
    };
    match cli.command {
        Command::Collect(args) => collect::run(&args, context),
        Command::Summarize(args) => summarize::run(&args, context),
        Command::Evaluate(args) => evaluate::run_evaluate(&args, context),
        Command::Gate(args) => evaluate::run_gate(&args, context),
        Command::Normalize(args) => normalize::run(&args, context),
        Command::Lint(args) => lint::run(&args, context),
        Command::Probe(args) => probe::run(&args, context),
        Command::Run(args) => run::run(&args, context),
        Command::Import(args) => import::run(&args, context),
        Command::Completions(args) => {
            let mut script = Vec::new();
            clap_complete::generate(args.shell, &mut crate::command(), "perf-gate", &mut script);
            print_stdout(&String::from_utf8_lossy(&script))?;
            Ok(perf_report::ExitCode::PASS)
        }
        Command::Baseline(BaselineCommand::Save(args)) => baseline::save(&args, context),
        Command::Baseline(BaselineCommand::Compare(args)) => baseline::compare(&args, context),
        Command::Baseline(BaselineCommand::Ratchet(args)) => baseline::ratchet(&args, context),
        Command::Push(args) => push::run(&args, context),
        Command::History(command) => history::run(&command, context),
    }
}

/// What a command read: the (tool, step) groups (their samples possibly spilled beyond the
/// memory limit, loaded one group at a time by the judges), and what aggregate-only sources
/// reported.
struct Input {
    groups: BTreeMap<GroupKey, StoredGroup>,
    /// The figures of groups whose source has no raw samples (`--from` an aggregate-only
    /// format).
    reported: BTreeMap<GroupKey, perf_record::ReportedStatistics>,
}

impl Input {
    /// `report` saying which groups had no raw samples, for reports that do not judge the
    /// reported figures (the baseline comparison).
    fn annotate(&self, report: perf_report::Report) -> perf_report::Report {
        perf_gate::note_missing_raw_samples(report, &self.groups, &self.reported)
    }
}

/// Reads the (tool, step) groups of `inputs` in one pass and prints the accounting on stderr;
/// beyond `memory_limit` bytes of samples ([`perf_collect::DEFAULT_SAMPLE_MEMORY_LIMIT`] when
/// the command has no `--memory-limit`), whole work units' samples wait in a temporary
/// directory.
fn read_groups(
    inputs: &[Utf8PathBuf],
    filter: &FilterArgs,
    memory_limit: u64,
    context: Context,
) -> Result<Input> {
    read_groups_except(inputs, filter, Vec::new(), memory_limit, context)
}

/// [`read_groups`], except that a directory walk does not read the command's own `outputs`.
fn read_groups_except(
    inputs: &[Utf8PathBuf],
    filter: &FilterArgs,
    outputs: Vec<Utf8PathBuf>,
    memory_limit: u64,
    context: Context,
) -> Result<Input> {
    let config = collect_config(filter, outputs, context.diagnostics)?;
    if let Some(format) = filter.from {
        let imported =
            import::import_inputs(format, inputs, &config.filter, GroupBy::ToolStep, context)?;
        return Ok(Input {
            reported: imported.reported,
            groups: perf_collect::into_tool_step_groups(imported.groups)
                .into_iter()
                .map(|(key, samples)| (key, StoredGroup::from(samples)))
                .collect(),
        });
    }
    let read = perf_gate::read_groups_within(inputs, &config, &sample_memory(memory_limit))?;
    context.diagnostics.scan_report(&read.report);
    Ok(Input {
        groups: read.groups,
        reported: BTreeMap::new(),
    })
}

/// Where the samples beyond `memory_limit` go: the system's temporary directory.
fn sample_memory(memory_limit: u64) -> perf_collect::SortConfig {
    perf_collect::SortConfig {
        memory_limit,
        temp_dir: None,
    }
}

/// The comparison settings of the command line; what it does not give keeps its default.
fn comparison_settings(args: &ComparisonArgs) -> ComparisonSettings {
    let defaults = ComparisonSettings::default();
    ComparisonSettings {
        metric: args.metric.unwrap_or(defaults.metric),
        tolerance: args.tolerance.unwrap_or(defaults.tolerance),
        alpha: args.alpha.unwrap_or(defaults.alpha),
    }
}

/// The budget file found in the current directory when `--budgets` is not given.
pub const DEFAULT_BUDGETS_FILE: &str = "perf-budgets.json";

/// The budget file to read: `--budgets` (or `PERF_GATE_BUDGETS`), else `perf-budgets.json` in
/// the current directory, else an error that names all three.
fn budgets_path(given: Option<&Utf8Path>) -> Result<Utf8PathBuf> {
    if let Some(path) = given {
        return Ok(path.to_owned());
    }
    let default = Utf8PathBuf::from(DEFAULT_BUDGETS_FILE);
    if default.is_file() {
        return Ok(default);
    }
    anyhow::bail!(
        "no budget file: pass --budgets FILE, set PERF_GATE_BUDGETS, or create {DEFAULT_BUDGETS_FILE} in the \
         current directory (see `perf-gate lint --help` to check one)"
    )
}

/// Reads a budget file; `--min-samples` replaces every `min_samples` in it.
fn load_budgets(given: Option<&Utf8Path>, min_samples: Option<u64>) -> Result<Budgets> {
    let budgets = perf_budget::read_budgets(&budgets_path(given)?)?;
    Ok(match min_samples {
        Some(min_samples) => budgets.with_min_samples(min_samples),
        None => budgets,
    })
}

/// Writes `text` to stdout. A closed pipe (`perf-gate ... | head`) is not an error.
fn print_stdout(text: &str) -> Result<()> {
    let mut stdout = std::io::stdout().lock();
    match stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
    {
        Err(error) if error.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => other.context("cannot write to stdout"),
    }
}
