//! `perf-gate run`, and the command half of `perf-gate gate --run`.

use std::ffi::{OsStr, OsString};
use std::fmt::Write as _;
use std::io::Write as _;

use anyhow::{Context as _, Result, bail};
use camino::Utf8Path;
use clap::Parser as _;
use perf_gate::Ran;
use perf_report::render::duration::{Symbols, format as format_ms};
use perf_report::render::escape;
use perf_run::{CommandSpec, Helper, MemoryChoice, Plan, RunConfig, RunOutcome};
use perf_stats::QuantileMethod;

use super::Context;
use crate::cli::{RssMethodArg, RunArgs, RunCommandArgs, RunSegment};

/// The hidden first argument that makes the perf-gate binary the launch helper (see
/// [`perf_run::helper`]); dispatched in `main` before anything else runs, so the helper's
/// memory floor is the binary's start-up.
pub const HELPER_ARG: &str = "__run-helper";

/// The separator between commands on the command line.
const SEPARATOR: &str = ":::";

/// `perf-gate run`: the records go to `--out` or stdout, the summary to stderr.
pub fn run(args: &RunArgs, context: Context) -> Result<u8> {
    let mut plan = match &args.plan {
        Some(path) => Plan::load(path.as_std_path())?,
        None => Plan::new(command_line_specs(args)?),
    };
    if let Some(runs) = args.runs {
        plan.runs = runs;
    }
    if let Some(warmup) = args.warmup {
        plan.warmup = warmup;
    }
    if let Some(timeout) = args.timeout {
        plan.timeout = timeout.0;
    }
    if let Some(seed) = args.seed {
        plan.shuffle_seed = Some(seed);
    }
    let config = run_config(args)?;
    match &args.out {
        Some(out) => {
            run_to(&plan, &config, out, out, context)?;
        }
        None => {
            // Line-buffered: each record reaches a reader as soon as its run ends.
            let mut stdout = std::io::stdout().lock();
            let ran = perf_gate::run_plan(&plan, &config, &mut stdout);
            // A closed pipe (`perf-gate run ... | head`) ends the run, like any other reader.
            let ran = match ran {
                Err(perf_run::RunError::Write(error))
                    if error.kind() == std::io::ErrorKind::BrokenPipe =>
                {
                    return Ok(perf_report::ExitCode::PASS);
                }
                other => other?,
            };
            let _ = stdout.flush();
            note_summary(&ran.outcome, context);
        }
    }
    Ok(perf_report::ExitCode::PASS)
}

/// `gate --run PLAN`: the plan as written, with the default memory method and helper.
pub fn run_plan_file(
    plan: &Utf8Path,
    out: &Utf8Path,
    shown: &Utf8Path,
    context: Context,
) -> Result<Ran> {
    let plan = Plan::load(plan.as_std_path())?;
    let config = RunConfig {
        helper: helper()?,
        memory: MemoryChoice::Auto,
        session_id: default_session_id(),
        show_output: false,
    };
    run_to(&plan, &config, out, shown, context)
}

/// Runs `plan`, writes every record to `out` atomically, and prints the summary on stderr
/// (naming the file `shown`: where `out` ends up).
fn run_to(
    plan: &Plan,
    config: &RunConfig,
    out: &Utf8Path,
    shown: &Utf8Path,
    context: Context,
) -> Result<Ran> {
    let mut ran = None;
    perf_record::write_atomically(out, |writer| {
        let result = perf_gate::run_plan(plan, config, writer).map_err(std::io::Error::other);
        ran = Some(result?);
        Ok(())
    })
    .map_err(
        |error| match error.source.downcast::<perf_run::RunError>() {
            // The run failed, not the file: report the run's error, with its cause.
            Ok(run_error) => anyhow::Error::new(run_error),
            Err(source) => anyhow::Error::new(perf_record::WriteError {
                path: error.path,
                source,
            }),
        },
    )?;
    let ran = ran.context("the run wrote no records")?;
    note_summary(&ran.outcome, context);
    context.diagnostics.note(&format!(
        "run records written to {}",
        escape::line(shown.as_str())
    ));
    Ok(ran)
}

/// The run options of the command line.
fn run_config(args: &RunArgs) -> Result<RunConfig> {
    let memory = match (args.rss_method, args.cgroup_parent.clone()) {
        (RssMethodArg::Cgroup, Some(dir)) => MemoryChoice::CgroupAt(dir),
        (_, Some(_)) => bail!("--cgroup-parent needs --rss-method cgroup"),
        (RssMethodArg::Cgroup, None) => MemoryChoice::Cgroup,
        (RssMethodArg::Helper, None) => MemoryChoice::Helper,
        (RssMethodArg::Auto, None) => MemoryChoice::Auto,
    };
    Ok(RunConfig {
        helper: helper()?,
        memory,
        session_id: args.session_id.clone().unwrap_or_else(default_session_id),
        show_output: args.show_output,
    })
}

/// The small helper binary installed beside `perf-gate` (`cargo install` puts both in one
/// directory).
pub const HELPER_BINARY: &str = "perf-gate-run-helper";

/// The launch helper: [`HELPER_BINARY`] beside this binary when it is there (the lower floor),
/// else this very binary with [`HELPER_ARG`].
fn helper() -> Result<Helper> {
    let program = std::env::current_exe()
        .context("cannot find the perf-gate binary to launch commands through")?;
    let sibling = program.with_file_name(HELPER_BINARY);
    Ok(if sibling.is_file() {
        Helper {
            program: sibling,
            leading_args: Vec::new(),
        }
    } else {
        Helper {
            program,
            leading_args: vec![OsString::from(HELPER_ARG)],
        }
    })
}

fn default_session_id() -> String {
    format!(
        "run-{}-{}",
        jiff::Timestamp::now().as_second(),
        std::process::id()
    )
}

/// The commands of the command line: the first with the options before `--`, then one per
/// `::: [OPTIONS] -- CMD ARGS...` (or `::: CMD ARGS...` without options).
fn command_line_specs(args: &RunArgs) -> Result<Vec<CommandSpec>> {
    let mut segments = args.command.split(|word| word == SEPARATOR);
    let first = segments.next().unwrap_or_default();
    let mut specs = vec![spec(&args.first, first.to_vec())?];
    for (index, segment) in segments.enumerate() {
        let (options, argv) = if segment.iter().any(|word| word == "--")
            || segment.first().is_some_and(|word| starts_with_dash(word))
        {
            let parsed = RunSegment::try_parse_from(segment).with_context(|| {
                format!(
                    "command {} (after `:::` number {}): expected `[--name N] [--tool T] [--step S] [--env K=V] [--cwd DIR] -- CMD ARGS...`",
                    index + 2,
                    index + 1
                )
            })?;
            (parsed.options, parsed.command)
        } else {
            (RunCommandArgs::default(), segment.to_vec())
        };
        specs.push(spec(&options, argv)?);
    }
    Ok(specs)
}

fn starts_with_dash(word: &OsStr) -> bool {
    word.as_encoded_bytes().first() == Some(&b'-')
}

fn spec(options: &RunCommandArgs, argv: Vec<OsString>) -> Result<CommandSpec> {
    if argv.is_empty() {
        bail!("a command is missing: every `:::` must be followed by `[OPTIONS] -- CMD ARGS...`");
    }
    let mut spec = CommandSpec::new(argv);
    if let Some(tool) = &options.tool {
        spec.tool = tool.clone();
    }
    if let Some(step) = options.name.as_ref().or(options.step.as_ref()) {
        spec.step = step.clone();
    }
    spec.env = options
        .env
        .iter()
        .map(|(name, value)| (OsString::from(name), OsString::from(value)))
        .collect();
    spec.cwd = options.cwd.clone();
    Ok(spec)
}

/// One line per command on stderr: runs, ok/errors (by reason), wall p50/p95, peak memory max.
fn note_summary(outcome: &RunOutcome, context: Context) {
    context.diagnostics.note(&render_summary(outcome));
}

fn render_summary(outcome: &RunOutcome) -> String {
    let mut out = String::new();
    let method = outcome.method.as_str();
    let _ = write!(out, "run: peak memory by {method}");
    if let Some(why) = &outcome.cgroup_fallback {
        let _ = write!(out, " (cgroup v2 not used: {})", escape::line(why));
    }
    out.push('\n');
    for command in &outcome.commands {
        let name = escape::line(&format!("{}/{}", command.tool, command.step));
        let runs = command.wall_ms.len();
        let errors: u64 = command.errors.iter().map(|(_, count)| count).sum();
        let _ = write!(
            out,
            "  {name}: {runs} runs, {} ok, {errors} errors",
            command.ok
        );
        if !command.errors.is_empty() {
            let reasons: Vec<String> = command
                .errors
                .iter()
                .map(|(reason, count)| format!("{count}x {}", escape::line(reason)))
                .collect();
            let _ = write!(out, " ({})", reasons.join(", "));
        }
        if let Ok(quantiles) =
            perf_stats::quantiles(&command.wall_ms, &[0.5, 0.95], QuantileMethod::default())
        {
            let _ = write!(
                out,
                "; wall p50 {}, p95 {}",
                format_ms(quantiles[0], Symbols::Ascii),
                format_ms(quantiles[1], Symbols::Ascii)
            );
        }
        let peak = command.peak_rss_mb.iter().copied().fold(f64::NAN, f64::max);
        if peak.is_finite() {
            let _ = write!(out, "; peak memory max {peak:.1} MiB");
        }
        out.push('\n');
    }
    out.pop();
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use perf_run::{CommandRuns, RssMethod};

    #[test]
    fn the_summary_escapes_names_and_counts_errors_by_reason() {
        let outcome = RunOutcome {
            method: RssMethod::HelperWait4,
            cgroup_fallback: Some("no memory controller".to_owned()),
            commands: vec![CommandRuns {
                tool: "run".to_owned(),
                step: "evil\u{1b}[31m\nname".to_owned(),
                wall_ms: vec![10.0, 20.0, 30.0],
                peak_rss_mb: vec![1.5, 2.25, 2.0],
                ok: 1,
                errors: vec![("exit 3".to_owned(), 1), ("signal 9".to_owned(), 1)],
            }],
        };
        let text = render_summary(&outcome);
        assert!(!text.contains('\u{1b}'), "{text}");
        assert_eq!(text.lines().count(), 2, "{text}");
        assert!(
            text.starts_with(
                "run: peak memory by helper-wait4 (cgroup v2 not used: no memory controller)"
            ),
            "{text}"
        );
        assert!(
            text.contains(": 3 runs, 1 ok, 2 errors (1x exit 3, 1x signal 9); wall p50 20.00 ms, p95 29.00 ms; peak memory max 2.2 MiB"),
            "{text}"
        );
    }
}
