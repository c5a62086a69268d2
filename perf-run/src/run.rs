//! Executing a plan: one helper launch per run, one record per run.

use std::borrow::Cow;
use std::ffi::OsString;
use std::fmt::Write as _;
use std::io::{self, Write};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::Duration;

use perf_record::{Measures, Outcome, Record, Timestamp, record_to_line};

use crate::cgroup::{CgroupParent, CgroupUnavailable};
use crate::helper::{Exit, Report, Usage};
use crate::plan::{CommandSpec, Plan, PlanError};
use crate::schedule::{Phase, schedule};

/// How the launch helper is started: a program and the arguments before the helper's own
/// (`perf-run-helper`, or `perf-gate __run-helper`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Helper {
    /// The helper's absolute path (commands may run in another directory).
    pub program: PathBuf,
    /// Arguments before the helper's own.
    pub leading_args: Vec<OsString>,
}

/// Which method measured a record's `peak_rss_mb` (the record's `rssMethod`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RssMethod {
    /// `memory.peak` of a cgroup v2 group created for the run.
    Cgroup,
    /// `ru_maxrss` from the launch helper's `getrusage(RUSAGE_CHILDREN)` after its one child
    /// (the command) was reaped.
    HelperWait4,
}

impl RssMethod {
    /// The record's spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            RssMethod::Cgroup => "cgroup",
            RssMethod::HelperWait4 => "helper-wait4",
        }
    }
}

/// Which peak-memory method to use.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum MemoryChoice {
    /// cgroup v2 when this process's group can have children with the memory controller, else
    /// the helper's `wait4` figure.
    #[default]
    Auto,
    /// cgroup v2 below this process's own group; an error when unavailable.
    Cgroup,
    /// cgroup v2 below this (delegated) group.
    CgroupAt(PathBuf),
    /// The helper's `wait4` figure.
    Helper,
}

/// How to run a plan.
#[derive(Debug, Clone)]
pub struct RunConfig {
    /// The launch helper.
    pub helper: Helper,
    /// The peak-memory method.
    pub memory: MemoryChoice,
    /// The records' `sessionId`.
    pub session_id: String,
    /// The commands' stdout and stderr go to perf-gate's stderr (default: discarded).
    pub show_output: bool,
}

/// What a run of a plan measured, per command, beside the records written.
#[derive(Debug, Clone, PartialEq)]
pub struct RunOutcome {
    /// The peak-memory method of every record.
    pub method: RssMethod,
    /// Why cgroup v2 was not used, when [`MemoryChoice::Auto`] fell back to the helper.
    pub cgroup_fallback: Option<String>,
    /// One per plan command, in plan order.
    pub commands: Vec<CommandRuns>,
}

/// The measured (not warm-up) runs of one command.
#[derive(Debug, Clone, PartialEq)]
pub struct CommandRuns {
    /// The records' `tool`.
    pub tool: String,
    /// The records' `step`.
    pub step: String,
    /// Wall time of each measured run, ms, in run order.
    pub wall_ms: Vec<f64>,
    /// Peak memory of each measured run, MiB.
    pub peak_rss_mb: Vec<f64>,
    /// Runs that exited 0.
    pub ok: u64,
    /// Each error reason (`exit 3`, `signal 9`, `timeout`) with its count, first seen first.
    pub errors: Vec<(String, u64)>,
}

/// A run that could not go on. Nothing of a failed run is a record: the records written before
/// it stay in the writer (the CLI writes its file atomically, so the old file stays).
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// The plan is invalid.
    #[error(transparent)]
    Plan(#[from] PlanError),
    /// cgroup v2 was asked for and is not available.
    #[error("the cgroup peak-memory method is not available here")]
    Cgroup(#[source] CgroupUnavailable),
    /// A run's cgroup could not be created or read.
    #[error("cgroup {} of a run", dir.display())]
    CgroupRun {
        /// The group directory (or its parent).
        dir: PathBuf,
        /// Why.
        #[source]
        source: io::Error,
    },
    /// The command could not be started (not found, not executable): a broken plan, not a
    /// failed run.
    #[error("cannot start `{command}`: {message}")]
    Spawn {
        /// The command line.
        command: String,
        /// The OS error number.
        errno: i32,
        /// The OS error's text.
        message: String,
    },
    /// The helper could not be started.
    #[error("cannot start the launch helper {}", helper.display())]
    HelperStart {
        /// The helper program.
        helper: PathBuf,
        /// Why.
        #[source]
        source: io::Error,
    },
    /// The helper gave no report, or reported its own failure.
    #[error("the launch helper {} failed: {problem}", helper.display())]
    Helper {
        /// The helper program.
        helper: PathBuf,
        /// What it said or how it ended.
        problem: String,
    },
    /// Writing a record failed.
    #[error("cannot write a run record")]
    Write(#[source] io::Error),
}

/// Runs `plan` and writes one record per run (warm-up runs with `"phase":"warmup"`) to `out`
/// as JSON lines, in the order of [`schedule`].
///
/// # Errors
/// [`RunError`]: an invalid plan, a command that cannot be started, a helper or cgroup failure,
/// or a write error. A command that exits non-zero, is killed by a signal or times out is a
/// record (`ok: false`), not an error.
pub fn run<W: Write + ?Sized>(
    plan: &Plan,
    config: &RunConfig,
    out: &mut W,
) -> Result<RunOutcome, RunError> {
    plan.validate()?;
    let (cgroup, cgroup_fallback) = match &config.memory {
        MemoryChoice::Helper => (None, None),
        MemoryChoice::Auto => match CgroupParent::detect() {
            Ok(parent) => (Some(parent), None),
            Err(why) => (None, Some(chain(&why))),
        },
        MemoryChoice::Cgroup => (
            Some(CgroupParent::detect().map_err(RunError::Cgroup)?),
            None,
        ),
        MemoryChoice::CgroupAt(dir) => (
            Some(CgroupParent::at(dir.clone()).map_err(RunError::Cgroup)?),
            None,
        ),
    };
    let method = if cgroup.is_some() {
        RssMethod::Cgroup
    } else {
        RssMethod::HelperWait4
    };
    let mut outcome = RunOutcome {
        method,
        cgroup_fallback,
        commands: plan
            .commands
            .iter()
            .map(|command| CommandRuns {
                tool: command.tool.clone(),
                step: command.step.clone(),
                wall_ms: Vec::new(),
                peak_rss_mb: Vec::new(),
                ok: 0,
                errors: Vec::new(),
            })
            .collect(),
    };
    let mut line = String::with_capacity(256);
    for slot in schedule(plan) {
        let command = &plan.commands[slot.command];
        let ts = Timestamp::now();
        let measured = launch(config, command, plan.timeout_of(command), cgroup.as_ref())?;
        let fields = RunFields {
            measured,
            method,
            run: slot.run,
            warmup: slot.phase == Phase::Warmup,
        };
        line.clear();
        write_run_record(&mut line, &record(config, command, ts, &measured), &fields)
            .map_err(RunError::Write)?;
        out.write_all(line.as_bytes()).map_err(RunError::Write)?;
        if slot.phase == Phase::Measured {
            outcome.commands[slot.command].add(&measured);
        }
    }
    out.flush().map_err(RunError::Write)?;
    Ok(outcome)
}

impl CommandRuns {
    fn add(&mut self, measured: &Measured) {
        self.wall_ms.push(measured.wall_ms());
        self.peak_rss_mb.push(measured.peak_rss_mb);
        match measured.usage.exit {
            Exit::Code(0) => self.ok += 1,
            exit => {
                let reason = exit.to_string();
                match self.errors.iter_mut().find(|(seen, _)| *seen == reason) {
                    Some((_, count)) => *count += 1,
                    None => self.errors.push((reason, 1)),
                }
            }
        }
    }
}

/// One run's figures.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Measured {
    /// What the helper reported.
    pub usage: Usage,
    /// Peak memory in MiB by the run's method (cgroup `memory.peak` / 2^20, or `ru_maxrss`
    /// KiB / 1024).
    pub peak_rss_mb: f64,
}

impl Measured {
    /// Wall time in ms.
    pub fn wall_ms(&self) -> f64 {
        self.usage.wall_ns as f64 / 1e6
    }
}

/// Runs `command` once through the helper (in a fresh cgroup below `cgroup` when given).
///
/// # Errors
/// As [`run`].
pub fn launch(
    config: &RunConfig,
    command: &CommandSpec,
    timeout: Option<Duration>,
    cgroup: Option<&CgroupParent>,
) -> Result<Measured, RunError> {
    let group = cgroup
        .map(|parent| {
            parent
                .create_run_group()
                .map_err(|source| RunError::CgroupRun {
                    dir: parent.dir().to_owned(),
                    source,
                })
        })
        .transpose()?;
    let helper = &config.helper;
    let mut process = Command::new(&helper.program);
    process.args(&helper.leading_args);
    if let Some(timeout) = timeout {
        let ms = u64::try_from(timeout.as_millis())
            .unwrap_or(u64::MAX)
            .max(1);
        process.arg("--timeout-ms").arg(ms.to_string());
    }
    if let Some(group) = &group {
        process.arg("--cgroup").arg(group.dir());
    }
    if config.show_output {
        process.arg("--show-output").stderr(Stdio::inherit());
    } else {
        process.stderr(Stdio::null());
    }
    process
        .arg("--")
        .args(&command.argv)
        .envs(command.env.iter().map(|(key, value)| (key, value)))
        .stdin(Stdio::null())
        .stdout(Stdio::piped());
    if let Some(cwd) = &command.cwd {
        process.current_dir(cwd);
    }
    let output = process.output().map_err(|source| RunError::HelperStart {
        helper: helper.program.clone(),
        source,
    })?;
    let text = String::from_utf8_lossy(&output.stdout);
    let report = text.lines().last().and_then(Report::parse);
    let usage = match report {
        Some(Report::Done(usage)) => usage,
        Some(Report::SpawnError { errno, message }) => {
            return Err(RunError::Spawn {
                command: command.display_argv(),
                errno,
                message,
            });
        }
        Some(Report::Error(problem)) => {
            return Err(RunError::Helper {
                helper: helper.program.clone(),
                problem,
            });
        }
        None => {
            return Err(RunError::Helper {
                helper: helper.program.clone(),
                problem: format!("no report ({}): {:?}", output.status, text.trim_end()),
            });
        }
    };
    let peak_rss_mb = match &group {
        Some(group) => {
            let bytes = group.peak_bytes().map_err(|source| RunError::CgroupRun {
                dir: group.dir().to_owned(),
                source,
            })?;
            bytes as f64 / f64::from(1u32 << 20)
        }
        None => usage.max_rss_kib as f64 / 1024.0,
    };
    Ok(Measured { usage, peak_rss_mb })
}

fn record<'a>(
    config: &'a RunConfig,
    command: &'a CommandSpec,
    ts: Timestamp,
    measured: &Measured,
) -> Record<'a> {
    let outcome = match measured.usage.exit {
        Exit::Code(0) => Outcome::Success,
        exit => Outcome::Error(Some(Cow::Owned(exit.to_string()))),
    };
    Record {
        ts,
        session_id: Cow::Borrowed(&config.session_id),
        tool: Cow::Borrowed(&command.tool),
        step: Cow::Borrowed(&command.step),
        ms: measured.wall_ms(),
        outcome,
        measures: run_measures(measured),
    }
}

/// `cpu_user_ms`, `cpu_sys_ms` and `peak_rss_mb` of a run.
fn run_measures(measured: &Measured) -> Measures<'static> {
    let usage = &measured.usage;
    let entries = [
        ("cpu_user_ms", usage.user_us as f64 / 1e3),
        ("cpu_sys_ms", usage.sys_us as f64 / 1e3),
        ("peak_rss_mb", measured.peak_rss_mb),
    ];
    // Counters converted from integers are finite and non-negative, so every entry is valid.
    Measures::from_entries(entries.map(|(name, value)| (Cow::Borrowed(name), value)))
        .unwrap_or_else(|_| Measures::new())
}

/// The fields a run record adds after perf-record's own.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RunFields {
    /// The run's figures.
    pub measured: Measured,
    /// The peak-memory method.
    pub method: RssMethod,
    /// The run's number within its phase, from 1.
    pub run: u32,
    /// A warm-up run.
    pub warmup: bool,
}

/// Appends the record as one JSON line (with `\n`) to `line`: perf-record's fields (its
/// `measures` included: `cpu_sys_ms`, `cpu_user_ms`, `peak_rss_mb`), then
/// `rssMethod`, `exitCode` or
/// `signal`, `run` and, for a warm-up run, `"phase":"warmup"`.
///
/// # Errors
/// [`io::ErrorKind::InvalidInput`] for a record that breaks the schema (see
/// [`perf_record::write_record`]); nothing is appended then.
pub fn write_run_record(
    line: &mut String,
    record: &Record<'_>,
    fields: &RunFields,
) -> io::Result<()> {
    let base = record_to_line(record)?;
    // `record_to_line` always closes the object with `}`; reopen it to append our fields.
    line.push_str(base.strip_suffix('}').unwrap_or(&base));
    let usage = &fields.measured.usage;
    let _ = write!(line, ",\"rssMethod\":\"{}\"", fields.method.as_str());
    match usage.exit {
        Exit::Code(code) => {
            let _ = write!(line, ",\"exitCode\":{code}");
        }
        Exit::Signal(signal) => {
            let _ = write!(line, ",\"signal\":{signal}");
        }
        Exit::Timeout => line.push_str(",\"signal\":9"),
    }
    let _ = write!(line, ",\"run\":{}", fields.run);
    if fields.warmup {
        line.push_str(",\"phase\":\"warmup\"");
    }
    line.push_str("}\n");
    Ok(())
}

/// An error and its causes on one line.
fn chain(error: &(dyn std::error::Error + 'static)) -> String {
    let mut text = error.to_string();
    let mut cause = error.source();
    while let Some(next) = cause {
        let _ = write!(text, ": {next}");
        cause = next.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use perf_record::{Line, parse_line};

    use super::*;

    fn fields(exit: Exit, warmup: bool) -> RunFields {
        RunFields {
            measured: Measured {
                usage: Usage {
                    exit,
                    wall_ns: 12_500_000,
                    user_us: 1_250,
                    sys_us: 500,
                    max_rss_kib: 2_048,
                },
                peak_rss_mb: 2.0,
            },
            method: RssMethod::HelperWait4,
            run: 4,
            warmup,
        }
    }

    #[test]
    fn run_records_are_read_back_by_perf_record() {
        let record = Record {
            ts: "2026-12-01T10:00:00Z".parse().unwrap(),
            session_id: Cow::Borrowed("run-1"),
            tool: Cow::Borrowed("run"),
            step: Cow::Borrowed("sleep"),
            ms: 12.5,
            outcome: Outcome::Error(Some(Cow::Borrowed("exit 3"))),
            measures: run_measures(&fields(Exit::Code(3), false).measured),
        };
        let mut line = String::new();
        write_run_record(&mut line, &record, &fields(Exit::Code(3), false)).unwrap();
        assert_eq!(
            line,
            concat!(
                r#"{"ts":"2026-12-01T10:00:00Z","sessionId":"run-1","tool":"run","step":"sleep","ms":12.5,"ok":false,"errorReason":"exit 3","#,
                r#""measures":{"cpu_sys_ms":0.5,"cpu_user_ms":1.25,"peak_rss_mb":2},"rssMethod":"helper-wait4","exitCode":3,"run":4}"#,
                "\n"
            )
        );
        assert_eq!(
            parse_line(line.trim_end().as_bytes()).unwrap(),
            Line::Record(record.clone())
        );
        line.clear();
        write_run_record(&mut line, &record, &fields(Exit::Timeout, true)).unwrap();
        assert!(
            line.ends_with(",\"signal\":9,\"run\":4,\"phase\":\"warmup\"}\n"),
            "{line}"
        );
        assert_eq!(
            parse_line(line.trim_end().as_bytes()).unwrap(),
            Line::Warmup(record)
        );
    }

    #[test]
    fn chains_name_every_cause() {
        let error = RunError::HelperStart {
            helper: PathBuf::from("/x/helper"),
            source: io::Error::new(io::ErrorKind::NotFound, "gone"),
        };
        assert_eq!(
            chain(&error),
            "cannot start the launch helper /x/helper: gone"
        );
    }
}
