//! The `summarize` report: per-group outcome counts and latency statistics, without judgement.
//!
//! Every group gets the keys `perf-gate summarize --format json` documents: `tool`, `step`
//! (`null` where the grouping has none), `session` (only when grouped by session), `count` (all
//! records), `ok`, `errors`, `unknown`, `error_rate`, and in milliseconds `min`, `max`, `mean`,
//! `stddev`, `p5`, `p50`, `p90`, `p95`, `p99`, plus `monotonic` (whether
//! `min <= p5 <= ... <= p99 <= max` holds), `throughput_rps` (records per second over the
//! group's `ts` span, `(N - 1) / T` of every record; `null` with fewer than two records or a zero
//! span: `perf_record::GroupSamples::throughput_rps`), and `measures` (only when the group's records carry
//! any: per measure name its `unit` from the name's suffix, `count`, `min`, `max`, `mean`,
//! `stddev`, `p50`, `p95`, `p99`, over the same records as the latencies; text and Markdown add a
//! measures table). Latency statistics are computed over the successful
//! records (`latency_of: "ok"`, the default) or every record with a known outcome
//! (`--latency-of all`), as the top-level `latency_of` says; the error rate is over the records
//! with a known outcome; unknown ones are only counted. A group without any such record has
//! `null` statistics.

use std::collections::BTreeMap;

use perf_record::{GroupData, GroupName, GroupSamples, LatencyOf, latency_of_view};
use perf_stats::{StatsError, Summary, SummaryConfig, check_monotonic, summarize};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::render::duration::{self, Symbols, TimeUnit};
use crate::render::{self, fixed};

/// Version of the summary JSON; bumped on any incompatible change.
pub const SUMMARY_SCHEMA_VERSION: u32 = 1;

/// The percentiles every summary reports.
pub const SUMMARY_PERCENTILES: [f64; 5] = [5.0, 50.0, 90.0, 95.0, 99.0];

/// The whole summary.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
pub struct SummaryReport {
    /// [`SUMMARY_SCHEMA_VERSION`].
    pub schema_version: u32,
    /// `tool,step`, `tool` or `session`.
    pub group_by: String,
    /// Which records entered the latency statistics: `ok` (successful records) or `all` (every
    /// known outcome). A summary written before this key existed reads as `ok`.
    #[serde(default)]
    pub latency_of: LatencyOf,
    /// One entry per group, in input order.
    pub groups: Vec<GroupSummary>,
}

/// One group's counts and statistics; times in milliseconds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
pub struct GroupSummary {
    /// The tool, or `null` when grouped by session.
    pub tool: Option<String>,
    /// The step, or `null` unless grouped by tool and step.
    pub step: Option<String>,
    /// The session id, when grouped by session.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session: Option<String>,
    /// All records of the group: `ok + errors + unknown`.
    pub count: u64,
    /// `ok: true`.
    pub ok: u64,
    /// `ok: false`.
    pub errors: u64,
    /// No `ok` field.
    pub unknown: u64,
    /// `errors / (ok + errors)`; `null` without a known outcome.
    pub error_rate: Option<f64>,
    /// Records (every outcome) per second over the span of their `ts`, `(N - 1) / T`; `null`
    /// with fewer than two records or a zero span.
    #[serde(default)]
    pub throughput_rps: Option<f64>,
    /// Smallest latency.
    pub min: Option<f64>,
    /// Largest latency.
    pub max: Option<f64>,
    /// Mean latency.
    pub mean: Option<f64>,
    /// Sample standard deviation; `null` for fewer than two latencies.
    pub stddev: Option<f64>,
    /// 5th percentile (Hyndman-Fan type 7, numpy's default).
    pub p5: Option<f64>,
    /// Median.
    pub p50: Option<f64>,
    /// 90th percentile.
    pub p90: Option<f64>,
    /// 95th percentile.
    pub p95: Option<f64>,
    /// 99th percentile.
    pub p99: Option<f64>,
    /// Whether `min <= p5 <= p50 <= p90 <= p95 <= p99 <= max` holds (always, for correct
    /// statistics: a `false` here is a bug worth reporting).
    pub monotonic: bool,
    /// The statistics of each measure the group's records carry (`peak_rss_mb`, `allocs`), by
    /// name, over the same records as the latencies; absent when there are none.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub measures: BTreeMap<String, MeasureSummary>,
}

/// One measure's statistics in one group, in the measure's own unit (its name's suffix).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
pub struct MeasureSummary {
    /// The unit the name says: `ms`, `us`, `s`, `B`, `KiB`, `MiB`, `GiB`, `/s`, or `count`.
    pub unit: String,
    /// How many records carried the measure.
    pub count: u64,
    /// Smallest value.
    pub min: f64,
    /// Largest value.
    pub max: f64,
    /// Mean value.
    pub mean: f64,
    /// Sample standard deviation; `null` for a single value.
    pub stddev: Option<f64>,
    /// Median.
    pub p50: Option<f64>,
    /// 95th percentile.
    pub p95: Option<f64>,
    /// 99th percentile.
    pub p99: Option<f64>,
}

impl MeasureSummary {
    /// The unit column of a measure: its symbol, `count` for a measure without a unit suffix.
    fn unit_of(name: &str) -> String {
        match perf_record::MeasureUnit::of(name) {
            perf_record::MeasureUnit::Count => "count".to_owned(),
            unit => unit.symbol().to_owned(),
        }
    }
}

impl GroupSummary {
    /// `tool/step`, `tool` or the session id.
    pub fn label(&self) -> String {
        match (&self.session, &self.tool, &self.step) {
            (Some(session), _, _) => session.clone(),
            (None, Some(tool), Some(step)) => perf_record::GroupKey::new(tool, step).to_string(),
            (None, Some(tool), None) => tool.clone(),
            (None, None, _) => String::new(),
        }
    }
}

/// Why a summary could not be made.
#[derive(Debug, thiserror::Error)]
#[error("cannot summarize group {group}")]
pub struct SummaryError {
    /// The group's label.
    pub group: String,
    /// What went wrong.
    #[source]
    pub source: SummaryFailure,
}

/// What stopped a group's summary.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SummaryFailure {
    /// What perf-stats rejected (a latency that is not finite).
    #[error(transparent)]
    Statistics(StatsError),
    /// The group's samples, spilled to disk beyond the memory limit, could not be read back.
    #[error(transparent)]
    Load(perf_record::LoadError),
}

/// Summarizes every group, in the order given.
///
/// # Errors
/// A group whose latencies perf-stats rejects (NaN or infinite values), or whose spilled samples
/// cannot be read back. One group's samples are loaded at a time.
pub fn summarize_groups<'a, G: GroupData + 'a>(
    group_by: &str,
    latency_of: LatencyOf,
    groups: impl IntoIterator<Item = (&'a GroupName, &'a G)>,
) -> Result<SummaryReport, SummaryError> {
    let config = SummaryConfig {
        percentiles: SUMMARY_PERCENTILES.to_vec(),
        ..SummaryConfig::default()
    };
    // In parallel, each worker loading one group's samples at a time; in the given order, with
    // the first error in that order.
    let groups: Vec<(&GroupName, &G)> = groups.into_iter().collect();
    let groups = groups
        .into_par_iter()
        .map(|(name, group)| {
            let view = latency_of_view(group, latency_of);
            let samples = view.samples().map_err(|source| SummaryError {
                group: name.to_string(),
                source: SummaryFailure::Load(source),
            })?;
            summarize_group(name, &samples, &config)
        })
        .collect::<Vec<Result<GroupSummary, SummaryError>>>()
        .into_iter()
        .collect::<Result<_, _>>()?;
    Ok(SummaryReport {
        schema_version: SUMMARY_SCHEMA_VERSION,
        group_by: group_by.to_owned(),
        latency_of,
        groups,
    })
}

fn summarize_group(
    name: &GroupName,
    input: &GroupSamples,
    config: &SummaryConfig,
) -> Result<GroupSummary, SummaryError> {
    let (tool, step, session) = match name {
        GroupName::ToolStep(key) => (Some(key.tool.clone()), Some(key.step.clone()), None),
        GroupName::Tool(tool) => (Some(tool.clone()), None, None),
        GroupName::Session(session) => (None, None, Some(session.clone())),
    };
    let mut group = GroupSummary {
        tool,
        step,
        session,
        count: input.counts.total(),
        ok: input.counts.ok,
        errors: input.counts.errors,
        unknown: input.counts.unknown,
        error_rate: input.counts.error_rate(),
        throughput_rps: input.throughput_rps().ok(),
        min: None,
        max: None,
        mean: None,
        stddev: None,
        p5: None,
        p50: None,
        p90: None,
        p95: None,
        p99: None,
        monotonic: true,
        measures: BTreeMap::new(),
    };
    for measure in input
        .measures
        .iter()
        .filter(|measure| !measure.values.is_empty())
    {
        let summary = summarize(&measure.values, config).map_err(|source| SummaryError {
            group: name.to_string(),
            source: SummaryFailure::Statistics(source),
        })?;
        group.measures.insert(
            measure.name.clone(),
            MeasureSummary {
                unit: MeasureSummary::unit_of(&measure.name),
                count: measure.values.len() as u64,
                min: summary.min,
                max: summary.max,
                mean: summary.mean,
                stddev: summary.stddev,
                p50: summary.percentile(50.0),
                p95: summary.percentile(95.0),
                p99: summary.percentile(99.0),
            },
        );
    }
    if input.latencies_ms.is_empty() {
        return Ok(group);
    }
    let summary: Summary =
        summarize(&input.latencies_ms, config).map_err(|source| SummaryError {
            group: name.to_string(),
            source: SummaryFailure::Statistics(source),
        })?;
    group.monotonic = check_monotonic(&summary).is_ok();
    group.min = Some(summary.min);
    group.max = Some(summary.max);
    group.mean = Some(summary.mean);
    group.stddev = summary.stddev;
    group.p5 = summary.percentile(5.0);
    group.p50 = summary.percentile(50.0);
    group.p90 = summary.percentile(90.0);
    group.p95 = summary.percentile(95.0);
    group.p99 = summary.percentile(99.0);
    Ok(group)
}

/// The columns of the measures table of every rendering of the summary.
pub(crate) const MEASURE_HEADER: [&str; 8] =
    ["group", "measure", "unit", "n", "avg", "p50", "p95", "max"];

/// One row per (group, measure), in group order then by name: the measures table. Values keep
/// two decimals in the measure's own unit.
pub(crate) fn measure_rows(
    report: &SummaryReport,
    name: &dyn Fn(&str) -> String,
) -> Vec<[String; 8]> {
    let value = |value: Option<f64>| value.map_or_else(|| "-".to_owned(), |value| fixed(value, 2));
    report
        .groups
        .iter()
        .flat_map(|group| {
            group.measures.iter().map(move |(measure, summary)| {
                [
                    name(&group.label()),
                    name(measure),
                    summary.unit.clone(),
                    summary.count.to_string(),
                    value(Some(summary.mean)),
                    value(summary.p50),
                    value(summary.p95),
                    value(Some(summary.max)),
                ]
            })
        })
        .collect()
}

/// The columns of every rendering of the summary.
pub(crate) const HEADER: [&str; 14] = [
    "group",
    "records",
    "ok",
    "errors",
    "unknown",
    "error%",
    "rate",
    "avg",
    "p50",
    "p90",
    "p95",
    "p99",
    "max",
    "monotonic",
];

/// The latency columns of a row, in [`HEADER`] order.
fn latencies(group: &GroupSummary) -> [Option<f64>; 6] {
    [
        group.mean, group.p50, group.p90, group.p95, group.p99, group.max,
    ]
}

/// The one unit of each latency column of `report` (avg, p50, p90, p95, p99, max): the unit
/// most of the column's values read best in.
pub(crate) fn column_units(report: &SummaryReport) -> [TimeUnit; 6] {
    std::array::from_fn(|column| {
        TimeUnit::for_column(
            report
                .groups
                .iter()
                .filter_map(|group| latencies(group)[column]),
        )
    })
}

/// The cells of one row, the group label as given by `label`, the latencies in `units`.
pub(crate) fn row(
    group: &GroupSummary,
    label: &dyn Fn(&str) -> String,
    units: &[TimeUnit; 6],
    symbols: Symbols,
) -> Vec<String> {
    let mut cells = vec![
        label(&group.label()),
        group.count.to_string(),
        group.ok.to_string(),
        group.errors.to_string(),
        group.unknown.to_string(),
        group.error_rate.map_or_else(
            || "-".to_owned(),
            |rate| format!("{}%", fixed(rate * 100.0, 1)),
        ),
        group.throughput_rps.map_or_else(
            || "-".to_owned(),
            |rate| format!("{}/s", render::rate(rate)),
        ),
    ];
    cells.extend(latencies(group).iter().zip(units).map(|(value, unit)| {
        value.map_or_else(
            || "-".to_owned(),
            |value| duration::format_in(value, *unit, symbols),
        )
    }));
    cells.push(if group.monotonic { "yes" } else { "NO" }.to_owned());
    cells
}

#[cfg(test)]
mod tests {
    use super::*;

    use perf_record::{GroupKey, OutcomeCounts};

    fn samples(ok: u64, errors: u64, unknown: u64, latencies: &[f64]) -> GroupSamples {
        GroupSamples {
            counts: counts(ok, errors, unknown),
            latencies_ms: latencies.to_vec(),
            ..Default::default()
        }
    }

    fn counts(ok: u64, errors: u64, unknown: u64) -> OutcomeCounts {
        OutcomeCounts {
            ok,
            errors,
            unknown,
        }
    }

    fn sample() -> SummaryReport {
        let named = GroupName::ToolStep(GroupKey::new("a|b", "<get>"));
        let only_unknown = GroupName::Tool("only-unknown".into());
        let latencies: Vec<f64> = (1..=100).map(f64::from).collect();
        let named_samples = samples(99, 1, 3, &latencies);
        let unknown_samples = samples(0, 0, 2, &[]);
        summarize_groups(
            "tool,step",
            LatencyOf::Ok,
            [(&named, &named_samples), (&only_unknown, &unknown_samples)],
        )
        .unwrap()
    }

    #[test]
    fn the_summary_shows_each_groups_throughput_in_every_format() {
        let name = GroupName::ToolStep(GroupKey::new("t", "s"));
        let mut group = samples(40, 1, 0, &[1.0; 40]);
        // 41 records over 8 s: 40 intervals, 5 per second.
        group.span = Some(perf_record::TimeSpan {
            first: "2025-10-16T10:00:00Z".parse().unwrap(),
            last: "2025-10-16T10:00:08Z".parse().unwrap(),
        });
        let lone = GroupName::ToolStep(GroupKey::new("t", "lone"));
        let lone_samples = samples(1, 0, 0, &[1.0]);
        let report = summarize_groups(
            "tool,step",
            LatencyOf::Ok,
            [(&name, &group), (&lone, &lone_samples)],
        )
        .unwrap();
        assert_eq!(report.groups[0].throughput_rps, Some(5.0));
        assert_eq!(report.groups[1].throughput_rps, None);
        let json = serde_json::to_value(&report).unwrap();
        assert_eq!(json["groups"][0]["throughput_rps"], 5.0);
        assert!(json["groups"][1]["throughput_rps"].is_null());
        let text = crate::render::text::render_summary(&report);
        assert!(text.lines().next().unwrap().contains("rate"), "{text}");
        assert!(text.contains("5.00/s"), "{text}");
        let markdown = crate::render::markdown::render_summary(&report);
        assert!(markdown.contains("| 5.00/s |"), "{markdown}");
    }

    #[test]
    fn latency_of_all_adds_the_error_latencies_and_says_so() {
        let name = GroupName::ToolStep(GroupKey::new("t", "s"));
        let mut group = GroupSamples::default();
        group.add(&perf_record::Outcome::Success, 10.0);
        group.add(&perf_record::Outcome::Success, 20.0);
        group.add(&perf_record::Outcome::Error(None), 90.0);
        group.add(&perf_record::Outcome::Unknown, 500.0);
        let ok = summarize_groups("tool,step", LatencyOf::Ok, [(&name, &group)]).unwrap();
        let all = summarize_groups("tool,step", LatencyOf::All, [(&name, &group)]).unwrap();
        assert_eq!(
            (ok.latency_of, ok.groups[0].mean, ok.groups[0].max),
            (LatencyOf::Ok, Some(15.0), Some(20.0))
        );
        assert_eq!(
            (all.latency_of, all.groups[0].mean, all.groups[0].max),
            (LatencyOf::All, Some(40.0), Some(90.0))
        );
        // The error rate is over the known outcomes either way; the unknown record is only counted.
        assert_eq!(ok.groups[0].error_rate, all.groups[0].error_rate);
        assert_eq!(all.groups[0].count, 4);
    }

    #[test]
    fn statistics_match_numpy_type_7_and_counts_add_up() {
        let report = sample();
        let group = &report.groups[0];
        // numpy.percentile(range(1, 101), [5, 50, 95]) == [5.95, 50.5, 95.05]
        assert!((group.p5.unwrap() - 5.95).abs() < 1e-12);
        assert!((group.p50.unwrap() - 50.5).abs() < 1e-12);
        assert!((group.p95.unwrap() - 95.05).abs() < 1e-12);
        assert_eq!(group.count, group.ok + group.errors + group.unknown);
        assert_eq!(group.error_rate, Some(0.01));
        assert!(group.monotonic);
        let empty = &report.groups[1];
        assert_eq!((empty.count, empty.mean, empty.error_rate), (2, None, None));
    }

    #[test]
    fn json_has_the_documented_flat_keys() {
        let json: serde_json::Value =
            serde_json::from_str(&crate::render::json::render_summary(&sample()).unwrap()).unwrap();
        assert_eq!(json["schema_version"], 1);
        let group = json["groups"][0].as_object().unwrap();
        for key in [
            "tool",
            "step",
            "count",
            "ok",
            "errors",
            "unknown",
            "error_rate",
            "min",
            "max",
            "mean",
            "stddev",
            "p5",
            "p50",
            "p90",
            "p95",
            "p99",
        ] {
            assert!(group.contains_key(key), "missing {key}: {group:?}");
        }
        assert!(!group.contains_key("session"));
        assert_eq!(json["groups"][1]["step"], serde_json::Value::Null);
    }

    #[test]
    fn a_nan_latency_is_an_error_naming_the_group() {
        let identity = GroupName::Session("s-1".into());
        let group = samples(2, 0, 0, &[1.0, f64::NAN]);
        let error = summarize_groups("session", LatencyOf::Ok, [(&identity, &group)]).unwrap_err();
        assert!(error.to_string().contains("group s-1"), "{error}");
    }

    #[test]
    fn renderers_escape_names_and_align() {
        let report = sample();
        insta::assert_snapshot!("summary_text", crate::render::text::render_summary(&report));
        insta::assert_snapshot!(
            "summary_markdown",
            crate::render::markdown::render_summary(&report)
        );
        let markdown = crate::render::markdown::render_summary(&report);
        assert!(!markdown.contains("a|b"), "{markdown}");
        assert!(!markdown.contains("<get>"), "{markdown}");
    }
}
