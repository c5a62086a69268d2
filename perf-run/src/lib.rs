//! The perf-gate command runner: run commands, measure each run, write perf-record lines.
//!
//! One job: run the commands of a [`Plan`] N times each (after W warm-up runs), **interleaved run
//! by run** (`a1 b1 a2 b2 ...`, see [`schedule`]) so a drifting machine hits them alike, and
//! write **one record per run** in perf-gate's JSONL schema: wall `ms`, `ok` (exit code 0),
//! `errorReason` (`exit 3`, `signal 9`, `timeout`), and a `measures` object with
//! `cpu_user_ms`, `cpu_sys_ms` and `peak_rss_mb` (MiB), plus `rssMethod`, `exitCode` or
//! `signal`, `run` and, for warm-up runs, `"phase":"warmup"`. It returns a [`RunOutcome`] with
//! the measured runs per command.
//!
//! **Peak memory is the command's own.** Linux copies the old address space's RSS high-water
//! mark into `maxrss` at `execve`, so `wait4` of a command spawned straight from a 300 MB
//! process says 300 MB. perf-run never spawns a command itself: it starts a tiny launch
//! [`helper`] which starts the command and reports its `getrusage(RUSAGE_CHILDREN)`, so the
//! inherited mark is only the helper's (the floor; measured in the README). Where a cgroup v2
//! hierarchy with the memory controller is writable, each run gets its own cgroup and
//! `peak_rss_mb` is its `memory.peak` ([`cgroup`]); each record names its method
//! (`rssMethod`: `cgroup` or `helper-wait4`).
//!
//! A command that cannot be started is an error ([`RunError::Spawn`]), not a record; a command
//! that fails, dies of a signal or outlives its timeout (10 minutes by default, killed with
//! `SIGKILL` through a pidfd) is a failed record. Linux only (pidfd: 5.3 or later).
//!
//! ```no_run
//! use perf_run::{CommandSpec, Helper, MemoryChoice, Plan, RunConfig};
//!
//! let plan = Plan::new(vec![CommandSpec::new(vec!["sleep".into(), "0.01".into()])]);
//! let config = RunConfig {
//!     helper: Helper { program: "/usr/local/bin/perf-run-helper".into(), leading_args: vec![] },
//!     memory: MemoryChoice::Auto,
//!     session_id: "run-1".to_owned(),
//!     show_output: false,
//! };
//! let mut records = Vec::new();
//! let outcome = perf_run::run(&plan, &config, &mut records)?;
//! assert_eq!(outcome.commands[0].wall_ms.len(), 10);
//! # Ok::<(), perf_run::RunError>(())
//! ```
//!
//! It is not a benchmark harness with statistics (the records go to `perf-gate summarize` /
//! `gate`), and it runs no shell: `argv` is executed as given.

pub mod cgroup;
pub mod helper;
mod plan;
mod run;
mod schedule;

pub use cgroup::{CgroupParent, CgroupUnavailable};
pub use plan::{
    CommandSpec, DEFAULT_RUNS, DEFAULT_TIMEOUT, DEFAULT_TOOL, DEFAULT_WARMUP, Plan, PlanError,
    program_name,
};
pub use run::{
    CommandRuns, Helper, Measured, MemoryChoice, RssMethod, RunConfig, RunError, RunFields,
    RunOutcome, launch, run, write_run_record,
};
pub use schedule::{Phase, Slot, schedule};
