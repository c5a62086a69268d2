//! What a run found: per-endpoint summaries and the generator's self-check.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::time::{Duration, Instant};

use perf_record::GroupKey;
use perf_stats::{QuantileMethod, QuantileSketch, SketchConfig, quantiles_in_place};

use crate::load::{Arrival, RunConfig};
use crate::plan::Plan;
use crate::run::{Finished, Phase};

/// p50, p95 and p99 in milliseconds (numpy's default, linear interpolation).
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Percentiles {
    /// Median.
    pub p50: f64,
    /// 95th percentile.
    pub p95: f64,
    /// 99th percentile.
    pub p99: f64,
}

impl Percentiles {
    fn of(values: &mut [f64]) -> Option<Percentiles> {
        let found = quantiles_in_place(values, &[0.5, 0.95, 0.99], QuantileMethod::Linear).ok()?;
        match found[..] {
            [p50, p95, p99] => Some(Percentiles { p50, p95, p99 }),
            _ => None,
        }
    }
}

/// Why the generator, not the server, limited an endpoint group's measurement.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum BottleneckReason {
    /// Requests left later than intended (open model): `lagMs` p99 over the limit.
    Lag {
        /// The group's lag p99, ms.
        p99_ms: f64,
        /// The limit, ms.
        limit_ms: f64,
    },
    /// Requests due while the in-flight cap was reached were not sent.
    Dropped {
        /// How many.
        count: u64,
    },
    /// The generator's own timers woke late: its runtime was overloaded.
    Oversleep {
        /// The run's oversleep p99, ms.
        p99_ms: f64,
        /// The limit, ms.
        limit_ms: f64,
    },
}

impl std::fmt::Display for BottleneckReason {
    /// `lag p99 35.20ms > 10.00ms`, `12 dropped by the in-flight cap`,
    /// `timer oversleep p99 12.70ms > 10.00ms`.
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            BottleneckReason::Lag { p99_ms, limit_ms } => {
                write!(formatter, "lag p99 {p99_ms:.2}ms > {limit_ms:.2}ms")
            }
            BottleneckReason::Dropped { count } => {
                write!(formatter, "{count} dropped by the in-flight cap")
            }
            BottleneckReason::Oversleep { p99_ms, limit_ms } => {
                write!(
                    formatter,
                    "timer oversleep p99 {p99_ms:.2}ms > {limit_ms:.2}ms"
                )
            }
        }
    }
}

/// Whether a group's numbers describe the server.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(tag = "verdict", content = "reasons", rename_all = "kebab-case")]
pub enum LoadVerdict {
    /// The generator kept up: the numbers are the server's.
    Valid,
    /// The generator was the bottleneck: the gate should call the group "insufficient"
    /// (exit 2), not a failure.
    GeneratorBottleneck(Vec<BottleneckReason>),
}

impl LoadVerdict {
    /// True for [`LoadVerdict::GeneratorBottleneck`].
    pub fn is_bottleneck(&self) -> bool {
        matches!(self, LoadVerdict::GeneratorBottleneck(_))
    }
}

/// One endpoint group's measured phase.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct EndpointSummary {
    /// `tool`.
    pub tool: String,
    /// `step`.
    pub step: String,
    /// Measured requests (warm-up excluded).
    pub count: u64,
    /// Of which `ok: true`.
    pub ok: u64,
    /// Failed requests by `errorReason`.
    pub errors: BTreeMap<String, u64>,
    /// Warm-up requests (written, not counted above).
    pub warmup: u64,
    /// Measured slots not sent because of the in-flight cap.
    pub dropped: u64,
    /// Percentiles of `ms` over all measured requests (ok and failed, as the gate does).
    pub latency: Option<Percentiles>,
    /// Percentiles of `serviceMs`.
    pub service: Option<Percentiles>,
    /// p99 of `lagMs` (open model).
    pub lag_p99_ms: Option<f64>,
    /// Measured requests per second over the measured phase.
    pub throughput_per_second: f64,
    /// Whether the numbers are the server's.
    pub verdict: LoadVerdict,
}

/// The generator's check on itself, over the whole run.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct SelfCheck {
    /// p99 of `lagMs` over all measured requests (open model).
    pub lag_p99_ms: Option<f64>,
    /// Measured slots dropped by the in-flight cap.
    pub dropped: u64,
    /// p99 of the timer oversleep, ms.
    pub oversleep_p99_ms: Option<f64>,
    /// The largest oversleep, ms.
    pub oversleep_max_ms: Option<f64>,
    /// True when any group's verdict is [`LoadVerdict::GeneratorBottleneck`].
    pub generator_bottleneck: bool,
}

/// What [`crate::run`] returns. Serializes to JSON (durations in seconds) for reports.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ProbeOutcome {
    /// The base URL probed.
    pub base_url: String,
    /// The load model, described (`open 50 req/s, max 256 in flight`).
    pub load: String,
    /// One summary per endpoint, in plan order.
    pub endpoints: Vec<EndpointSummary>,
    /// The generator's self-check.
    pub self_check: SelfCheck,
    /// Wall time of the whole run, warm-up included.
    #[serde(rename = "elapsed_seconds", serialize_with = "seconds")]
    pub elapsed: Duration,
    /// Wall time of the measured phase (first measured send to last measured end).
    #[serde(rename = "measured_seconds", serialize_with = "seconds")]
    pub measured: Duration,
}

fn seconds<S: serde::Serializer>(duration: &Duration, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_f64(duration.as_secs_f64())
}

impl ProbeOutcome {
    /// The groups whose numbers the generator limited: the gate calls them insufficient.
    pub fn bottleneck_groups(&self) -> Vec<GroupKey> {
        self.endpoints
            .iter()
            .filter(|endpoint| endpoint.verdict.is_bottleneck())
            .map(|endpoint| GroupKey {
                tool: endpoint.tool.clone(),
                step: endpoint.step.clone(),
            })
            .collect()
    }
}

/// The generator's timer oversleep, in bounded memory (an HdrHistogram sketch: the
/// self-check needs no exact quantile, and a long run wakes the timer every millisecond).
pub(crate) struct Oversleep {
    sketch: Option<QuantileSketch>,
    max_ms: Option<f64>,
}

impl Oversleep {
    pub(crate) fn new() -> Oversleep {
        Oversleep {
            sketch: QuantileSketch::new(&SketchConfig::default()).ok(),
            max_ms: None,
        }
    }

    pub(crate) fn record(&mut self, ms: f64) {
        if let Some(sketch) = &mut self.sketch {
            let _ = sketch.record(ms);
        }
        self.max_ms = Some(self.max_ms.map_or(ms, |max| max.max(ms)));
    }

    fn p99(&self) -> Option<f64> {
        self.sketch.as_ref()?.quantile(0.99).ok()
    }
}

#[derive(Default)]
struct Group {
    ms: Vec<f64>,
    service: Vec<f64>,
    lag: Vec<f64>,
    ok: u64,
    errors: BTreeMap<String, u64>,
    warmup: u64,
    dropped: u64,
}

/// Accumulates finished requests; holds only `f64`s per request.
pub(crate) struct Collector {
    groups: Vec<Group>,
    first_measured: Option<Instant>,
    last_measured_end: Option<Instant>,
}

impl Collector {
    pub(crate) fn new(plan: &Plan) -> Collector {
        Collector {
            groups: plan.endpoints.iter().map(|_| Group::default()).collect(),
            first_measured: None,
            last_measured_end: None,
        }
    }

    pub(crate) fn add(&mut self, finished: &Finished) {
        let Some(group) = self.groups.get_mut(finished.endpoint) else {
            return;
        };
        if finished.phase == Phase::Warmup {
            group.warmup += 1;
            return;
        }
        group.ms.push(finished.ms);
        group.service.push(finished.service_ms);
        if let Some(lag) = finished.lag_ms {
            group.lag.push(lag);
        }
        match &finished.reason {
            None => group.ok += 1,
            Some(reason) => {
                *group
                    .errors
                    .entry(reason.as_text().into_owned())
                    .or_default() += 1
            }
        }
        let end = Duration::try_from_secs_f64(finished.ms / 1e3)
            .ok()
            .and_then(|ms| finished.anchor.checked_add(ms))
            .unwrap_or(finished.anchor);
        self.first_measured = Some(match self.first_measured {
            Some(first) => first.min(finished.anchor),
            None => finished.anchor,
        });
        self.last_measured_end = Some(match self.last_measured_end {
            Some(last) => last.max(end),
            None => end,
        });
    }

    pub(crate) fn add_dropped(&mut self, endpoint: usize, phase: Phase) {
        if let (Some(group), Phase::Measured) = (self.groups.get_mut(endpoint), phase) {
            group.dropped += 1;
        }
    }

    pub(crate) fn finish(
        self,
        plan: &Plan,
        config: &RunConfig,
        elapsed: Duration,
        oversleep: &Oversleep,
    ) -> ProbeOutcome {
        let measured = match (self.first_measured, self.last_measured_end) {
            (Some(first), Some(last)) => last.saturating_duration_since(first),
            _ => Duration::ZERO,
        };
        let seconds = measured.as_secs_f64();
        let oversleep_max_ms = oversleep.max_ms;
        let oversleep_p99_ms = oversleep.p99();
        let lag_limit_ms = config.limits.max_lag_p99.as_secs_f64() * 1e3;
        let oversleep_limit_ms = config.limits.max_oversleep_p99.as_secs_f64() * 1e3;
        let mut all_lags = Vec::new();
        let mut dropped = 0;
        let mut endpoints = Vec::with_capacity(self.groups.len());
        for (endpoint, mut group) in plan.endpoints.iter().zip(self.groups) {
            all_lags.extend_from_slice(&group.lag);
            dropped += group.dropped;
            let lag_p99_ms = quantiles_in_place(&mut group.lag, &[0.99], QuantileMethod::Linear)
                .ok()
                .and_then(|values| values.first().copied());
            let mut reasons = Vec::new();
            if let Some(p99) = lag_p99_ms.filter(|&p99| p99 > lag_limit_ms) {
                reasons.push(BottleneckReason::Lag {
                    p99_ms: p99,
                    limit_ms: lag_limit_ms,
                });
            }
            if group.dropped > 0 {
                reasons.push(BottleneckReason::Dropped {
                    count: group.dropped,
                });
            }
            if let Some(p99) = oversleep_p99_ms.filter(|&p99| p99 > oversleep_limit_ms) {
                reasons.push(BottleneckReason::Oversleep {
                    p99_ms: p99,
                    limit_ms: oversleep_limit_ms,
                });
            }
            let count = group.ms.len() as u64;
            endpoints.push(EndpointSummary {
                tool: endpoint.tool.clone(),
                step: endpoint.step.clone(),
                count,
                ok: group.ok,
                errors: group.errors,
                warmup: group.warmup,
                dropped: group.dropped,
                latency: Percentiles::of(&mut group.ms),
                service: Percentiles::of(&mut group.service),
                lag_p99_ms,
                throughput_per_second: if seconds > 0.0 {
                    count as f64 / seconds
                } else {
                    0.0
                },
                verdict: if reasons.is_empty() {
                    LoadVerdict::Valid
                } else {
                    LoadVerdict::GeneratorBottleneck(reasons)
                },
            });
        }
        let lag_p99_ms = quantiles_in_place(&mut all_lags, &[0.99], QuantileMethod::Linear)
            .ok()
            .and_then(|values| values.first().copied());
        let generator_bottleneck = endpoints
            .iter()
            .any(|endpoint| endpoint.verdict.is_bottleneck());
        ProbeOutcome {
            base_url: plan.base_url(),
            load: describe_load(config),
            endpoints,
            self_check: SelfCheck {
                lag_p99_ms,
                dropped,
                oversleep_p99_ms,
                oversleep_max_ms,
                generator_bottleneck,
            },
            elapsed,
            measured,
        }
    }
}

fn describe_load(config: &RunConfig) -> String {
    match config.load.arrival {
        Arrival::Open {
            rate_per_second,
            max_in_flight,
        } => format!("open model, {rate_per_second} req/s, at most {max_in_flight} in flight"),
        Arrival::Closed { concurrency } => format!("closed model, {concurrency} concurrent"),
    }
}

/// The short human summary `perf-gate probe` prints on stderr: one line per endpoint (count,
/// ok and errors by reason, p50/p95/p99, throughput), then the generator's self-check. ASCII,
/// numbers with units.
pub fn render_summary(outcome: &ProbeOutcome) -> String {
    let mut out = String::new();
    let total: u64 = outcome
        .endpoints
        .iter()
        .map(|endpoint| endpoint.count)
        .sum();
    let _ = writeln!(
        out,
        "probe {}: {}, {} requests measured in {:.2}s",
        outcome.base_url,
        outcome.load,
        total,
        outcome.measured.as_secs_f64()
    );
    let width = outcome
        .endpoints
        .iter()
        .map(|endpoint| endpoint.tool.len() + endpoint.step.len() + 1)
        .max()
        .unwrap_or(0)
        // A longer name overflows its column; no width from a plan reaches the formatter
        // unclamped (it accepts at most 65,535).
        .min(80);
    for endpoint in &outcome.endpoints {
        let name =
            perf_record::GroupKey::new(endpoint.tool.as_str(), endpoint.step.as_str()).to_string();
        let mut errors = String::new();
        if let (Some(lag), Some(service)) = (endpoint.lag_p99_ms, endpoint.service) {
            // Open model: the uncorrected service time and the lag, beside the corrected `ms`.
            let _ = write!(
                errors,
                "  serviceMs p99 {:.2}ms, lag p99 {lag:.2}ms",
                service.p99
            );
        }
        for (reason, count) in &endpoint.errors {
            let separator = if errors.is_empty() {
                "  errors: "
            } else {
                ", "
            };
            let _ = write!(errors, "{separator}{reason} {count}");
        }
        let percentiles = match endpoint.latency {
            Some(latency) => format!(
                "p50 {:>10}  p95 {:>10}  p99 {:>10}",
                format!("{:.2}ms", latency.p50),
                format!("{:.2}ms", latency.p95),
                format!("{:.2}ms", latency.p99)
            ),
            None => "no samples".to_owned(),
        };
        let _ = writeln!(
            out,
            "  {name:<width$}  n={:<6} ok={:<6} {percentiles}  {:>8.1} req/s{errors}",
            endpoint.count, endpoint.ok, endpoint.throughput_per_second
        );
    }
    let check = &outcome.self_check;
    let ms = |value: Option<f64>| value.map_or("-".to_owned(), |value| format!("{value:.2}ms"));
    let _ = writeln!(
        out,
        "generator: lag p99 {}, dropped by in-flight cap {}, timer oversleep p99 {} (max {}): {}",
        ms(check.lag_p99_ms),
        check.dropped,
        ms(check.oversleep_p99_ms),
        ms(check.oversleep_max_ms),
        if check.generator_bottleneck {
            "the generator was the bottleneck"
        } else {
            "kept up"
        }
    );
    for endpoint in &outcome.endpoints {
        if let LoadVerdict::GeneratorBottleneck(reasons) = &endpoint.verdict {
            let reasons: Vec<String> = reasons.iter().map(BottleneckReason::to_string).collect();
            let _ = writeln!(
                out,
                "  insufficient: {}/{}: {}",
                endpoint.tool,
                endpoint.step,
                reasons.join(", ")
            );
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_outcome_serializes_for_reports() {
        let outcome = ProbeOutcome {
            base_url: "http://127.0.0.1:1".into(),
            load: "closed model, 1 concurrent".into(),
            endpoints: vec![EndpointSummary {
                tool: "t".into(),
                step: "s".into(),
                count: 2,
                ok: 1,
                errors: BTreeMap::from([("http_404".to_owned(), 1)]),
                warmup: 0,
                dropped: 3,
                latency: Some(Percentiles {
                    p50: 1.0,
                    p95: 2.0,
                    p99: 3.0,
                }),
                service: None,
                lag_p99_ms: None,
                throughput_per_second: 4.0,
                verdict: LoadVerdict::GeneratorBottleneck(vec![BottleneckReason::Dropped {
                    count: 3,
                }]),
            }],
            self_check: SelfCheck {
                lag_p99_ms: None,
                dropped: 3,
                oversleep_p99_ms: Some(1.5),
                oversleep_max_ms: Some(2.0),
                generator_bottleneck: true,
            },
            elapsed: Duration::from_millis(1500),
            measured: Duration::from_secs(1),
        };
        let json = serde_json::to_value(&outcome).unwrap();
        assert_eq!(json["elapsed_seconds"], 1.5);
        assert_eq!(
            json["endpoints"][0]["verdict"],
            serde_json::json!({"verdict": "generator-bottleneck", "reasons": [{"kind": "dropped", "count": 3}]})
        );
        assert_eq!(json["endpoints"][0]["errors"]["http_404"], 1);
        let text = render_summary(&outcome);
        assert!(text.contains("errors: http_404 1"), "{text}");
        assert!(
            text.contains("insufficient: t/s: 3 dropped by the in-flight cap"),
            "{text}"
        );
    }
}
