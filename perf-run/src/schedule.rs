//! The order of the runs: interleaved round by round, warm-up rounds first.

use crate::plan::Plan;

/// Which kind of run a slot is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// A warm-up run: written with `"phase":"warmup"`, left out of the statistics.
    Warmup,
    /// A measured run.
    Measured,
}

/// One run of the schedule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Slot {
    /// The command's index in the plan.
    pub command: usize,
    /// Warm-up or measured.
    pub phase: Phase,
    /// The run's number within its command and phase, from 1 (the record's `run`).
    pub run: u32,
}

/// Every run of `plan` in the order they happen.
///
/// Warm-up rounds come first, then measured rounds. Round `r` runs every command that has more
/// than `r` runs of that phase, in plan order (`a1 b1 a2 b2 ...`), so a drift of the machine
/// (thermal throttling, a neighbour's build, caches) hits every command alike. With
/// `shuffle_seed`, each round's order is a permutation drawn from a generator seeded once per
/// schedule (`fastrand`'s wyrand), so the same seed gives the same schedule.
///
/// ```
/// use perf_run::{CommandSpec, Phase, Plan, schedule};
/// let mut plan = Plan::new(vec![
///     CommandSpec::new(vec!["a".into()]),
///     CommandSpec::new(vec!["b".into()]),
/// ]);
/// plan.runs = 2;
/// plan.warmup = 1;
/// let order: Vec<(usize, Phase, u32)> =
///     schedule(&plan).iter().map(|slot| (slot.command, slot.phase, slot.run)).collect();
/// assert_eq!(order, [
///     (0, Phase::Warmup, 1), (1, Phase::Warmup, 1),
///     (0, Phase::Measured, 1), (1, Phase::Measured, 1),
///     (0, Phase::Measured, 2), (1, Phase::Measured, 2),
/// ]);
/// ```
pub fn schedule(plan: &Plan) -> Vec<Slot> {
    let mut rng = plan.shuffle_seed.map(fastrand::Rng::with_seed);
    let mut slots = Vec::new();
    for (phase, count) in [
        (Phase::Warmup, Plan::warmup_of as fn(&Plan, &_) -> u32),
        (Phase::Measured, Plan::runs_of),
    ] {
        let rounds = plan
            .commands
            .iter()
            .map(|command| count(plan, command))
            .max()
            .unwrap_or(0);
        for round in 0..rounds {
            let mut order: Vec<usize> = (0..plan.commands.len()).collect();
            if let Some(rng) = &mut rng {
                rng.shuffle(&mut order);
            }
            for command in order {
                if count(plan, &plan.commands[command]) > round {
                    slots.push(Slot {
                        command,
                        phase,
                        run: round + 1,
                    });
                }
            }
        }
    }
    slots
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::CommandSpec;

    fn plan(commands: usize) -> Plan {
        Plan::new(
            (0..commands)
                .map(|index| CommandSpec::new(vec![format!("c{index}").into()]))
                .collect(),
        )
    }

    #[test]
    fn commands_with_fewer_runs_drop_out_of_later_rounds() {
        let mut plan = plan(2);
        plan.warmup = 0;
        plan.runs = 1;
        plan.commands[1].runs = Some(3);
        let order: Vec<(usize, u32)> = schedule(&plan)
            .iter()
            .map(|slot| (slot.command, slot.run))
            .collect();
        assert_eq!(order, [(0, 1), (1, 1), (1, 2), (1, 3)]);
    }

    #[test]
    fn a_seed_shuffles_each_round_reproducibly_and_keeps_the_counts() {
        let mut plan = plan(4);
        plan.warmup = 0;
        plan.runs = 20;
        plan.shuffle_seed = Some(7);
        let first = schedule(&plan);
        assert_eq!(first, schedule(&plan), "same seed, same schedule");
        for round in first.chunks(4) {
            let mut commands: Vec<usize> = round.iter().map(|slot| slot.command).collect();
            commands.sort_unstable();
            assert_eq!(commands, [0, 1, 2, 3], "each command once per round");
        }
        let in_plan_order = first
            .chunks(4)
            .filter(|round| round.iter().map(|slot| slot.command).eq(0..4))
            .count();
        assert!(in_plan_order < 20, "seed 7 never shuffled a round");
        plan.shuffle_seed = Some(8);
        assert_ne!(first, schedule(&plan), "another seed, another schedule");
    }
}
