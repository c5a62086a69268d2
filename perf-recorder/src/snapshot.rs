//! In-process statistics: per-step outcome counts and latency summaries.

use std::borrow::Cow;
use std::collections::HashMap;

use perf_record::{Outcome, OutcomeCounts};
use perf_stats::{Moments, PercentileValue, QuantileSketch, Summary, SummaryConfig, summarize};

use crate::recorder::Statistics;

/// What [`Recorder::snapshot`](crate::Recorder::snapshot) returns: every step recorded so far.
#[derive(Debug, Clone, PartialEq)]
pub struct Snapshot {
    /// One entry per (tool, step), sorted by tool then step.
    pub steps: Vec<StepSnapshot>,
    /// Records dropped in [`Overflow::DropNewest`](crate::Overflow::DropNewest) mode so far.
    pub dropped: u64,
    /// How the latency summaries were computed.
    pub statistics: Statistics,
}

impl Snapshot {
    /// The entry of `step` of `tool`, if anything was recorded for it.
    pub fn step(&self, tool: &str, step: &str) -> Option<&StepSnapshot> {
        self.steps
            .iter()
            .find(|entry| entry.tool == tool && entry.step == step)
    }
}

/// The counts and latency of one step.
#[derive(Debug, Clone, PartialEq)]
pub struct StepSnapshot {
    /// The records' `tool`.
    pub tool: String,
    /// The records' `step`.
    pub step: String,
    /// How many records had each outcome.
    pub counts: OutcomeCounts,
    /// Latency in milliseconds of the known-outcome records (successes and errors; unknown
    /// outcomes are excluded, as in the gate). `None` with [`Statistics::Off`] or when no record
    /// has a known outcome. With [`Statistics::Sketch`] the percentiles are the sketch's
    /// nearest-rank estimates and `stddev` is exact.
    pub latency: Option<Summary>,
}

/// The writer thread's accumulators.
pub(crate) struct StepStatistics {
    mode: Statistics,
    summary: SummaryConfig,
    tools: HashMap<Cow<'static, str>, HashMap<Cow<'static, str>, Accumulator>>,
}

struct Accumulator {
    counts: OutcomeCounts,
    latency: Latency,
}

enum Latency {
    Exact(Vec<f64>),
    Sketch(Box<QuantileSketch>, Moments),
    Off,
}

impl StepStatistics {
    pub(crate) fn new(mode: Statistics, summary: SummaryConfig) -> StepStatistics {
        StepStatistics {
            mode,
            summary,
            tools: HashMap::new(),
        }
    }

    // `&Cow`, not `&str`: a new step clones the `Cow`, which keeps a `'static` name borrowed.
    #[allow(clippy::ptr_arg)]
    pub(crate) fn add(
        &mut self,
        tool: &Cow<'static, str>,
        step: &Cow<'static, str>,
        ms: f64,
        outcome: &Outcome<'_>,
    ) {
        let steps = match self.tools.get_mut(tool.as_ref()) {
            Some(steps) => steps,
            None => self.tools.entry(tool.clone()).or_default(),
        };
        let accumulator = match steps.get_mut(step.as_ref()) {
            Some(accumulator) => accumulator,
            None => steps.entry(step.clone()).or_insert_with(|| Accumulator {
                counts: OutcomeCounts::default(),
                latency: new_latency(self.mode),
            }),
        };
        accumulator.counts.add(outcome);
        if matches!(outcome, Outcome::Unknown) {
            return;
        }
        match &mut accumulator.latency {
            Latency::Exact(values) => values.push(ms),
            Latency::Sketch(sketch, moments) => {
                // A value the sketch cannot hold (beyond 2^62 resolutions) stays in the counts
                // and the moments only.
                let _ = sketch.record(ms);
                let _ = moments.push(ms);
            }
            Latency::Off => {}
        }
    }

    pub(crate) fn snapshot(&self, dropped: u64) -> Snapshot {
        let mut steps: Vec<StepSnapshot> = self
            .tools
            .iter()
            .flat_map(|(tool, steps)| {
                steps.iter().map(move |(step, accumulator)| StepSnapshot {
                    tool: tool.clone().into_owned(),
                    step: step.clone().into_owned(),
                    counts: accumulator.counts,
                    latency: latency_summary(&accumulator.latency, &self.summary),
                })
            })
            .collect();
        steps.sort_by(|a, b| (&a.tool, &a.step).cmp(&(&b.tool, &b.step)));
        Snapshot {
            steps,
            dropped,
            statistics: self.mode,
        }
    }
}

fn new_latency(mode: Statistics) -> Latency {
    match mode {
        Statistics::Exact => Latency::Exact(Vec::new()),
        Statistics::Sketch(config) => match QuantileSketch::new(&config) {
            Ok(sketch) => Latency::Sketch(Box::new(sketch), Moments::default()),
            // The builder checked the config; a sketch that cannot be made keeps counts only.
            Err(_) => Latency::Off,
        },
        Statistics::Off => Latency::Off,
    }
}

fn latency_summary(latency: &Latency, config: &SummaryConfig) -> Option<Summary> {
    match latency {
        Latency::Exact(values) => summarize(values, config).ok(),
        Latency::Sketch(sketch, moments) => {
            let percentiles = config
                .percentiles
                .iter()
                .map(|&percent| {
                    sketch
                        .quantile(percent / 100.0)
                        .ok()
                        .map(|value| PercentileValue { percent, value })
                })
                .collect::<Option<Vec<_>>>()?;
            Some(Summary {
                count: usize::try_from(moments.count()).ok()?,
                min: moments.min()?,
                max: moments.max()?,
                mean: moments.mean()?,
                stddev: moments.stddev(),
                percentiles,
            })
        }
        Latency::Off => None,
    }
}
