//! Commands inside the gate: run a plan, keep its records, judge them in the same run.

use std::collections::BTreeMap;
use std::io::Write;

use perf_record::{GroupKey, GroupSamples};
use perf_run::{Plan, RunConfig, RunError, RunOutcome};

use crate::probe::GroupingWriter;

/// What a run of a plan measured: the groups the gate judges (warm-up runs left out) and the
/// runner's outcome (per command: wall times, peak memory, errors, the memory method).
#[derive(Debug)]
pub struct Ran {
    /// One group per command (`tool`/`step`), from the measured runs.
    pub groups: BTreeMap<GroupKey, GroupSamples>,
    /// The runner's outcome.
    pub outcome: RunOutcome,
}

/// Runs `plan`, writing every record (warm-up included) to `out`, and gathers the measured
/// runs' groups from the same records as they are written (as [`probe`](crate::probe()) does).
///
/// # Errors
/// As [`perf_run::run`].
pub fn run_plan<W: Write + ?Sized>(
    plan: &Plan,
    config: &RunConfig,
    out: &mut W,
) -> Result<Ran, RunError> {
    let mut tee = GroupingWriter::new(out);
    let outcome = perf_run::run(plan, config, &mut tee)?;
    Ok(Ran {
        groups: tee.groups,
        outcome,
    })
}
