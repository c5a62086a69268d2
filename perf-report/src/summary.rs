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
/// cannot be read back. Groups are summarized in parallel, each worker holding one loaded group.
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
        .map(|(name, group)| summarize_one(name.clone(), group, latency_of, &config))
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

/// [`summarize_groups`] of groups it may consume: each group is dropped once summarized and its
/// name moves into its summary, so that the groups and their summaries are not all held at once
/// (a million groups of two records each take about as much memory as their summaries).
///
/// # Errors
/// As [`summarize_groups`].
pub fn summarize_owned_groups<G: GroupData + Send>(
    group_by: &str,
    latency_of: LatencyOf,
    groups: impl IntoIterator<Item = (GroupName, G)>,
) -> Result<SummaryReport, SummaryError> {
    let groups = owned_group_summaries(latency_of, groups).collect::<Result<_, _>>()?;
    Ok(SummaryReport {
        schema_version: SUMMARY_SCHEMA_VERSION,
        group_by: group_by.to_owned(),
        latency_of,
        groups,
    })
}

/// The summaries of groups it consumes, in order, for a writer that does not hold them all
/// ([`crate::render::json::write_summary_stream`]); otherwise as [`summarize_owned_groups`].
///
/// The groups are summarized [`SUMMARY_BATCH`] at a time in parallel (each worker holding one
/// loaded group), so at most one batch of summaries is held and both cores work on a million
/// small groups as on a few large ones.
pub fn owned_group_summaries<G: GroupData + Send>(
    latency_of: LatencyOf,
    groups: impl IntoIterator<Item = (GroupName, G)>,
) -> impl Iterator<Item = Result<GroupSummary, SummaryError>> {
    let config = SummaryConfig {
        percentiles: SUMMARY_PERCENTILES.to_vec(),
        ..SummaryConfig::default()
    };
    let mut groups = groups.into_iter();
    std::iter::from_fn(move || {
        let batch: Vec<(GroupName, G)> = groups.by_ref().take(SUMMARY_BATCH).collect();
        (!batch.is_empty()).then(|| {
            batch
                .into_par_iter()
                .map(|(name, group)| summarize_one(name, &group, latency_of, &config))
                .collect::<Vec<_>>()
        })
    })
    .flatten()
}

/// How many groups [`owned_group_summaries`] summarizes at once: enough to keep two workers
/// busy on groups of two records, few enough that a batch's summaries are small (about 400
/// bytes each).
pub const SUMMARY_BATCH: usize = 1024;

/// One group's summary under `latency_of`, its samples loaded for the time it takes.
fn summarize_one<G: GroupData>(
    name: GroupName,
    group: &G,
    latency_of: LatencyOf,
    config: &SummaryConfig,
) -> Result<GroupSummary, SummaryError> {
    let view = latency_of_view(group, latency_of);
    let samples = view.samples().map_err(|source| SummaryError {
        group: name.to_string(),
        source: SummaryFailure::Load(source),
    })?;
    summarize_group(name, &samples, config)
}

fn summarize_group(
    name: GroupName,
    input: &GroupSamples,
    config: &SummaryConfig,
) -> Result<GroupSummary, SummaryError> {
    let mut group = GroupSummary {
        tool: None,
        step: None,
        session: None,
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
    if !input.latencies_ms.is_empty() {
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
    }
    (group.tool, group.step, group.session) = match name {
        GroupName::ToolStep(key) => (Some(key.tool), Some(key.step), None),
        GroupName::Tool(tool) => (Some(tool), None, None),
        GroupName::Session(session) => (None, None, Some(session)),
    };
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

    /// Groups of every kind, with measures, errors and empty latencies: what the streamed and
    /// the owned summaries must reproduce.
    fn mixed_groups() -> Vec<(GroupName, GroupSamples)> {
        let latencies: Vec<f64> = (1..=100).map(|value| f64::from(value) * 0.37).collect();
        vec![
            (
                GroupName::ToolStep(GroupKey::new("a|b", "<get>")),
                samples(99, 1, 3, &latencies).with_ok_measure("peak_rss_mb", vec![10.5, 11.0]),
            ),
            (
                GroupName::Tool("only-unknown".into()),
                samples(0, 0, 2, &[]),
            ),
            (
                GroupName::Session("s-1".into()),
                GroupSamples {
                    error_latencies_ms: vec![4.0, 5.5],
                    ..samples(2, 2, 0, &[1.0, 2.0])
                },
            ),
        ]
    }

    #[test]
    fn owned_and_streamed_summaries_are_the_borrowed_ones_byte_for_byte() {
        for latency_of in [LatencyOf::Ok, LatencyOf::All] {
            let groups = mixed_groups();
            let borrowed = summarize_groups(
                "tool,step",
                latency_of,
                groups.iter().map(|(name, group)| (name, group)),
            )
            .unwrap();
            let owned = summarize_owned_groups("tool,step", latency_of, groups.clone()).unwrap();
            assert_eq!(owned, borrowed);
            let rendered = crate::render::json::render_summary(&borrowed).unwrap();
            let mut written = Vec::new();
            crate::render::json::write_summary(&borrowed, &mut written).unwrap();
            assert_eq!(String::from_utf8(written).unwrap(), rendered);
            let mut streamed = Vec::new();
            crate::render::json::write_summary_stream(
                "tool,step",
                latency_of,
                owned_group_summaries(latency_of, groups),
                &mut streamed,
            )
            .unwrap();
            assert_eq!(String::from_utf8(streamed).unwrap(), rendered);
        }
        // No group at all: `"groups": []`, as the rendered report writes it.
        let empty = summarize_groups::<GroupSamples>("tool", LatencyOf::Ok, []).unwrap();
        let mut streamed = Vec::new();
        crate::render::json::write_summary_stream(
            "tool",
            LatencyOf::Ok,
            owned_group_summaries::<GroupSamples>(LatencyOf::Ok, []),
            &mut streamed,
        )
        .unwrap();
        assert_eq!(
            String::from_utf8(streamed).unwrap(),
            crate::render::json::render_summary(&empty).unwrap()
        );
    }

    #[test]
    fn a_stream_of_several_batches_is_the_rendered_report_and_stops_at_a_late_failure() {
        // More than two batches, with groups of different sizes, so batch edges fall anywhere.
        let groups: Vec<(GroupName, GroupSamples)> = (0..2 * SUMMARY_BATCH + 37)
            .map(|index| {
                let latencies: Vec<f64> = (0..1 + index % 7).map(|k| (index + k) as f64).collect();
                let count = latencies.len() as u64;
                (
                    GroupName::Session(format!("s-{index:05}")),
                    samples(count, 0, 0, &latencies),
                )
            })
            .collect();
        let borrowed = summarize_groups(
            "session",
            LatencyOf::Ok,
            groups.iter().map(|(name, group)| (name, group)),
        )
        .unwrap();
        let mut streamed = Vec::new();
        crate::render::json::write_summary_stream(
            "session",
            LatencyOf::Ok,
            owned_group_summaries(LatencyOf::Ok, groups.clone()),
            &mut streamed,
        )
        .unwrap();
        assert_eq!(
            String::from_utf8(streamed).unwrap(),
            crate::render::json::render_summary(&borrowed).unwrap()
        );
        // A failing group in the second batch: every group before it is written, none after.
        let mut failing = groups;
        let bad = SUMMARY_BATCH + 5;
        failing[bad].1 = samples(2, 0, 0, &[1.0, f64::NAN]);
        let mut streamed = Vec::new();
        let error = crate::render::json::write_summary_stream(
            "session",
            LatencyOf::Ok,
            owned_group_summaries(LatencyOf::Ok, failing),
            &mut streamed,
        )
        .unwrap_err();
        match error {
            crate::render::json::SummaryStreamError::Summary(error) => {
                assert_eq!(error.group, format!("s-{bad:05}"));
            }
            other @ crate::render::json::SummaryStreamError::Json(_) => panic!("{other:?}"),
        }
        let written = String::from_utf8(streamed).unwrap();
        assert!(written.contains(&format!("s-{:05}", bad - 1)), "{written}");
        assert!(!written.contains(&format!("s-{bad:05}")));
        assert!(!written.contains(&format!("s-{:05}", bad + 1)));
    }

    #[test]
    fn streamed_names_with_new_lines_and_quotes_are_the_rendered_ones() {
        // A new line inside a name is escaped, so the streamed writer's re-indentation (after
        // every raw new line) never touches a string; measures nest one level deeper.
        let groups: Vec<(GroupName, GroupSamples)> = (0..130)
            .map(|index| {
                let latencies: Vec<f64> = (0..=index % 3).map(|k| (index * 3 + k) as f64).collect();
                let count = latencies.len() as u64;
                (
                    GroupName::ToolStep(GroupKey::new(
                        format!("t\n{index:03}\"\u{2028}"),
                        format!("s\r\n\t{index}\\"),
                    )),
                    samples(count, 0, 0, &latencies)
                        .with_ok_measure("peak_rss_mb", vec![index as f64; count as usize]),
                )
            })
            .collect();
        let borrowed = summarize_groups(
            "tool,step",
            LatencyOf::Ok,
            groups.iter().map(|(name, group)| (name, group)),
        )
        .unwrap();
        let mut streamed = Vec::new();
        crate::render::json::write_summary_stream(
            "tool,step",
            LatencyOf::Ok,
            owned_group_summaries(LatencyOf::Ok, groups),
            &mut streamed,
        )
        .unwrap();
        let rendered = crate::render::json::render_summary(&borrowed).unwrap();
        assert!(rendered.contains("\\n"), "{rendered}");
        assert_eq!(String::from_utf8(streamed).unwrap(), rendered);
    }

    #[test]
    fn a_streamed_summary_stops_at_the_first_group_that_fails_and_names_it() {
        let mut groups = mixed_groups();
        groups.insert(
            1,
            (
                GroupName::Session("bad".into()),
                samples(2, 0, 0, &[1.0, f64::NAN]),
            ),
        );
        let mut streamed = Vec::new();
        let error = crate::render::json::write_summary_stream(
            "tool,step",
            LatencyOf::Ok,
            owned_group_summaries(LatencyOf::Ok, groups),
            &mut streamed,
        )
        .unwrap_err();
        match error {
            crate::render::json::SummaryStreamError::Summary(error) => {
                assert_eq!(error.group, "bad");
            }
            other @ crate::render::json::SummaryStreamError::Json(_) => panic!("{other:?}"),
        }
        let written = String::from_utf8(streamed).unwrap();
        assert!(
            written.contains("<get>") && !written.contains("only-unknown"),
            "{written}"
        );
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
