//! `perf-gate history ...`, and the history half of `perf-gate gate --record-history`.

use anyhow::{Context as _, Result, bail};
use perf_history::{ExportFormat, HistoryLocation, HistoryStore, NewAnnotation, PrunePolicy};
use perf_record::GroupKey;
use perf_report::ExitCode;
use perf_report::history as render;
use perf_report::render::escape::ascii;

use super::{Context, load_budgets, print_stdout, read_groups};
use crate::cli::{
    ExportFormatArg, HistoryCommand, HistoryFormat, HistoryLocationArg, ProvenanceArgs,
};

/// The variable that names the history when `--history` does not.
const HISTORY_URL_VARIABLE: &str = "PERF_GATE_HISTORY_URL";

/// Runs one `history` subcommand.
pub fn run(command: &HistoryCommand, context: Context) -> Result<u8> {
    match command {
        HistoryCommand::Record(args) => {
            let budgets = load_budgets(Some(&args.budgets), None)?;
            let input = read_groups(
                &args.inputs,
                &args.filter,
                super::DEFAULT_SAMPLE_MEMORY_LIMIT,
                context,
            )?;
            if input.groups.is_empty() {
                context
                    .diagnostics
                    .note("no group with raw samples in the input: nothing recorded");
                return Ok(ExitCode::INCONCLUSIVE);
            }
            let mut store = open(&args.history)?;
            let provenance = provenance(&args.provenance, Some(&args.budgets))?;
            let id = perf_gate::record_run(&mut store, &budgets, &input.groups, &provenance)?;
            context.diagnostics.note(&format!(
                "recorded run {id} in {}",
                ascii(&store.location().to_string())
            ));
            Ok(ExitCode::PASS)
        }
        HistoryCommand::List(args) => {
            let runs = open(&args.history)?.runs(Some(args.limit))?;
            print_stdout(&match args.format {
                HistoryFormat::Text => render::runs_text(&runs),
                HistoryFormat::Json => render::runs_json(&runs),
            })?;
            Ok(ExitCode::PASS)
        }
        HistoryCommand::Show(args) => {
            let detail = open(&args.history)?.run(args.run)?;
            print_stdout(&match args.format {
                HistoryFormat::Text => render::run_text(&detail),
                HistoryFormat::Json => render::run_json(&detail),
            })?;
            Ok(ExitCode::PASS)
        }
        HistoryCommand::Trend(args) => {
            let group = group_key(&args.group)?;
            let points = open(&args.history)?.series(&group, &args.metric, args.last)?;
            print_stdout(&match args.format {
                HistoryFormat::Text => render::trend_text(&group, &args.metric, &points),
                HistoryFormat::Json => render::trend_json(&group, &args.metric, &points),
            })?;
            Ok(ExitCode::PASS)
        }
        HistoryCommand::Annotate(args) => {
            let group = args.group.as_deref().map(group_key).transpose()?;
            let mut store = open(&args.history)?;
            let id = store.annotate(&NewAnnotation {
                run: args.run,
                group,
                kind: args.kind,
                note: args.note.clone(),
                time: jiff::Timestamp::now(),
            })?;
            context
                .diagnostics
                .note(&format!("annotation {id} added to run {}", args.run));
            Ok(ExitCode::PASS)
        }
        HistoryCommand::Prune(args) => {
            let protected_baselines = match &args.baseline {
                Some(path) => vec![perf_baseline::load(path)?.content_hash().to_owned()],
                None => Vec::new(),
            };
            let outcome = open(&args.history)?.prune(&PrunePolicy {
                keep_runs: args.keep_runs,
                keep_days: args.keep_days,
                now: jiff::Timestamp::now(),
                protected_baselines,
            })?;
            print_stdout(&match args.format {
                HistoryFormat::Text => render::prune_text(&outcome),
                HistoryFormat::Json => render::prune_json(&outcome),
            })?;
            Ok(ExitCode::PASS)
        }
        HistoryCommand::Export(args) => {
            let format = match args.format {
                ExportFormatArg::Jsonl => ExportFormat::Jsonl,
                ExportFormatArg::Csv => ExportFormat::Csv,
            };
            let mut store = open(&args.history)?;
            let runs = match &args.out {
                Some(path) => {
                    let mut runs = 0;
                    perf_record::write_atomically(path, |out| {
                        runs = store.export(format, out).map_err(std::io::Error::other)?;
                        Ok(())
                    })
                    .with_context(|| format!("cannot write {path}"))?;
                    runs
                }
                None => {
                    let mut stdout = std::io::stdout().lock();
                    match store.export(format, &mut stdout) {
                        // `perf-gate history export ... | head` is not an error.
                        Err(error) if is_broken_pipe(&error) => return Ok(ExitCode::PASS),
                        other => other?,
                    }
                }
            };
            context.diagnostics.note(&format!("exported {runs} run(s)"));
            Ok(ExitCode::PASS)
        }
    }
}

/// Opens the history named by `--history`, else `$PERF_GATE_HISTORY_URL`, else the default
/// file.
pub fn open(arg: &HistoryLocationArg) -> Result<HistoryStore> {
    let environment = std::env::var(HISTORY_URL_VARIABLE).ok();
    let location = HistoryLocation::resolve(arg.location.as_deref(), environment.as_deref())?;
    Ok(HistoryStore::open(&location)?)
}

/// What the command line and the CI environment say the run measured.
pub fn provenance(
    args: &ProvenanceArgs,
    budgets: Option<&camino::Utf8Path>,
) -> Result<perf_gate::Provenance> {
    let variable = |name: &str| std::env::var(name).ok().filter(|value| !value.is_empty());
    let budgets_hash = budgets
        .map(|path| {
            std::fs::read(path)
                .map(|bytes| perf_history::content_hash(&bytes))
                .with_context(|| format!("cannot read {path}"))
        })
        .transpose()?;
    Ok(perf_gate::Provenance {
        time: jiff::Timestamp::now(),
        commit: args.commit.clone().or_else(|| variable("GITHUB_SHA")),
        branch: args
            .branch
            .clone()
            .or_else(|| variable("GITHUB_HEAD_REF"))
            .or_else(|| variable("GITHUB_REF_NAME")),
        budgets_hash,
    })
}

/// Whether an export stopped because stdout was closed.
fn is_broken_pipe(error: &perf_history::HistoryError) -> bool {
    use perf_history::{ExportError, HistoryError};
    match error {
        HistoryError::Export(ExportError::Io(error)) => {
            error.kind() == std::io::ErrorKind::BrokenPipe
        }
        HistoryError::Export(ExportError::Csv(error)) => {
            matches!(error.kind(), csv::ErrorKind::Io(error) if error.kind() == std::io::ErrorKind::BrokenPipe)
        }
        _ => false,
    }
}

/// `TOOL/STEP` as reports spell it (`GroupKey`'s form: a `/` inside the tool written `\/`,
/// the step as it is).
fn group_key(text: &str) -> Result<GroupKey> {
    match text.parse::<GroupKey>() {
        Ok(key) => Ok(key),
        Err(error) => bail!("{} is not TOOL/STEP: {error}", ascii(text)),
    }
}
