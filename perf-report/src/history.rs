//! The outputs of `perf-gate history`: the run list, one run, a trend, what prune did, as
//! aligned ASCII text or JSON. Every string that came from logs or people (tool, step, commit,
//! branch, note) is escaped with [`escape::ascii`](crate::render::escape::ascii).

use std::fmt::Write as _;

use perf_history::{HistoryMetric, PruneOutcome, Run, RunDetail, TrendMetric, TrendPoint};
use perf_record::{GroupKey, MeasureUnit};
use serde::Serialize;

use crate::render::escape::ascii;
use crate::render::{column_width, fixed};

/// The `schema_version` of the JSON outputs of `perf-gate history` (list, show, trend, prune).
pub const HISTORY_OUTPUT_SCHEMA_VERSION: u32 = 1;

#[derive(Serialize)]
struct Versioned<'a, T: Serialize> {
    schema_version: u32,
    #[serde(flatten)]
    body: &'a T,
}

fn json<T: Serialize>(body: &T) -> String {
    let versioned = Versioned {
        schema_version: HISTORY_OUTPUT_SCHEMA_VERSION,
        body,
    };
    // Our own plain data: serialising it cannot fail.
    let mut text = serde_json::to_string_pretty(&versioned).unwrap_or_default();
    text.push('\n');
    text
}

#[derive(Serialize)]
struct RunsBody<'a> {
    runs: &'a [Run],
}

/// `history list --format json`: `{"schema_version": 1, "runs": [...]}`, newest first.
pub fn runs_json(runs: &[Run]) -> String {
    json(&RunsBody { runs })
}

/// `history show --format json`: the run's detail with a `schema_version`.
pub fn run_json(detail: &RunDetail) -> String {
    json(detail)
}

#[derive(Serialize)]
struct TrendBody<'a> {
    group: &'a GroupKey,
    metric: String,
    points: &'a [TrendPoint],
}

/// `history trend --format json`: `{"schema_version", "group": {"tool", "step"}, "metric",
/// "points": [...]}`, oldest first.
pub fn trend_json(group: &GroupKey, metric: &HistoryMetric, points: &[TrendPoint]) -> String {
    json(&TrendBody {
        group,
        metric: metric.to_string(),
        points,
    })
}

/// `history prune --format json`.
pub fn prune_json(outcome: &PruneOutcome) -> String {
    json(outcome)
}

fn optional(text: Option<&str>) -> String {
    text.map_or_else(|| "-".to_owned(), ascii)
}

/// The first 12 characters of a `sha256:` hash, enough to tell environments apart.
fn short_hash(hash: &str) -> String {
    let digits = hash.strip_prefix("sha256:").unwrap_or(hash);
    ascii(&digits.chars().take(12).collect::<String>())
}

/// Rows of cells as aligned columns, two spaces apart, no trailing blanks.
fn table(rows: &[Vec<String>]) -> String {
    let columns = rows.first().map_or(0, Vec::len);
    let widths: Vec<usize> = (0..columns)
        .map(|column| column_width(rows.iter().map(|row| row[column].as_str())))
        .collect();
    let mut out = String::new();
    for row in rows {
        let mut line = String::new();
        for (column, cell) in row.iter().enumerate() {
            if column > 0 {
                line.push_str("  ");
            }
            let _ = write!(line, "{cell:<width$}", width = widths[column]);
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

/// `history list`: one line per run, newest first.
pub fn runs_text(runs: &[Run]) -> String {
    if runs.is_empty() {
        return "no runs recorded\n".to_owned();
    }
    let mut rows = vec![
        [
            "run",
            "time",
            "source",
            "commit",
            "branch",
            "groups",
            "failures",
            "environment",
            "notes",
        ]
        .map(str::to_owned)
        .to_vec(),
    ];
    for run in runs {
        rows.push(vec![
            run.id.to_string(),
            ascii(&run.time),
            ascii(&run.source),
            optional(run.commit.as_deref()),
            optional(run.branch.as_deref()),
            run.groups.to_string(),
            run.failures.to_string(),
            short_hash(&run.environment),
            run.annotations.to_string(),
        ]);
    }
    table(&rows)
}

/// `history show RUN`: the run, its groups' statistics, verdicts, change points, annotations.
pub fn run_text(detail: &RunDetail) -> String {
    let run = &detail.run;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "run {} ({}, {})",
        run.id,
        ascii(&run.source),
        ascii(&run.time)
    );
    for (label, value) in [
        ("commit", optional(run.commit.as_deref())),
        ("branch", optional(run.branch.as_deref())),
        ("environment", ascii(&run.environment)),
        ("perf-gate", ascii(&run.perf_gate_version)),
        ("quantiles", ascii(&run.quantile_method)),
        ("budgets", optional(run.budgets_hash.as_deref())),
        ("baseline", optional(run.baseline_hash.as_deref())),
        ("own baseline", optional(run.run_baseline_hash.as_deref())),
    ] {
        let _ = writeln!(out, "  {label:<13} {value}");
    }
    if !detail.groups.is_empty() {
        out.push_str("\ngroups\n");
        let mut rows = vec![
            [
                "group", "n", "errors", "unknown", "avg", "p50", "p95", "p99", "max",
            ]
            .map(str::to_owned)
            .to_vec(),
        ];
        let ms = |value: Option<f64>| {
            value.map_or_else(|| "-".to_owned(), |v| format!("{}ms", fixed(v, 2)))
        };
        for group in &detail.groups {
            let rank = |percent: f64| {
                group
                    .percentiles
                    .iter()
                    .find(|p| (p.rank - percent).abs() < 1e-9)
                    .map(|p| p.value)
            };
            rows.push(vec![
                ascii(&group.group.to_string()),
                group.sample_count.to_string(),
                group.counts.errors.to_string(),
                group.counts.unknown.to_string(),
                ms(group.mean),
                ms(rank(50.0)),
                ms(rank(95.0)),
                ms(rank(99.0)),
                ms(group.max),
            ]);
        }
        for line in table(&rows).lines() {
            let _ = writeln!(out, "  {line}");
        }
    }
    let measured = detail
        .groups
        .iter()
        .any(|group| group.throughput_rps.is_some() || !group.measures.is_empty());
    if measured {
        out.push_str("\nmeasures\n");
        let mut rows = vec![
            ["group", "measure", "n", "avg", "p50", "p95", "p99", "max"]
                .map(str::to_owned)
                .to_vec(),
        ];
        for group in &detail.groups {
            let name = ascii(&group.group.to_string());
            if let Some(throughput) = group.throughput_rps {
                let none = || "-".to_owned();
                rows.push(vec![
                    name.clone(),
                    perf_record::THROUGHPUT_MEASURE.to_owned(),
                    group.counts.total().to_string(),
                    with_unit(throughput, MeasureUnit::PerSecond),
                    none(),
                    none(),
                    none(),
                    none(),
                ]);
            }
            for measure in &group.measures {
                let unit = MeasureUnit::of(&measure.name);
                let shown = |value: Option<f64>| {
                    value.map_or_else(|| "-".to_owned(), |v| with_unit(v, unit))
                };
                let rank = |percent: f64| {
                    measure
                        .percentiles
                        .iter()
                        .find(|p| (p.rank - percent).abs() < 1e-9)
                        .map(|p| p.value)
                };
                rows.push(vec![
                    name.clone(),
                    ascii(&measure.name),
                    measure.sample_count.to_string(),
                    shown(measure.mean),
                    shown(rank(50.0)),
                    shown(rank(95.0)),
                    shown(rank(99.0)),
                    shown(measure.max),
                ]);
            }
        }
        for line in table(&rows).lines() {
            let _ = writeln!(out, "  {line}");
        }
    }
    if !detail.verdicts.is_empty() {
        out.push_str("\nverdicts\n");
        let number = |value: Option<f64>| value.map_or_else(|| "-".to_owned(), |v| fixed(v, 2));
        let mut rows = vec![
            ["status", "rule", "group", "metric", "observed", "limit"]
                .map(str::to_owned)
                .to_vec(),
        ];
        for verdict in &detail.verdicts {
            rows.push(vec![
                ascii(&verdict.status),
                verdict.rule.as_str().to_owned(),
                ascii(&verdict.group.to_string()),
                ascii(&verdict.metric),
                number(verdict.observed),
                number(verdict.limit),
            ]);
        }
        for line in table(&rows).lines() {
            let _ = writeln!(out, "  {line}");
        }
    }
    if !detail.change_points.is_empty() {
        out.push_str("\nchange points\n");
        for point in &detail.change_points {
            let _ = writeln!(
                out,
                "  {} {} {} at run {}: {} -> {} ({}%)",
                point.kind.as_str(),
                ascii(&point.group.to_string()),
                ascii(&point.metric),
                point
                    .at_run
                    .map_or_else(|| "-".to_owned(), |run| run.to_string()),
                fixed(point.before, 2),
                fixed(point.after, 2),
                crate::render::signed(point.change * 100.0, 1)
            );
        }
    }
    if !detail.annotations.is_empty() {
        out.push_str("\nannotations\n");
        for annotation in &detail.annotations {
            let scope = annotation
                .group
                .as_ref()
                .map_or_else(|| "whole run".to_owned(), |group| ascii(&group.to_string()));
            let _ = writeln!(
                out,
                "  #{} {} ({scope}, {}): {}",
                annotation.id,
                ascii(&annotation.kind),
                ascii(&annotation.time),
                ascii(&annotation.note)
            );
        }
    }
    out
}

/// `history trend TOOL/STEP`: one line per run, oldest first.
pub fn trend_text(group: &GroupKey, metric: &HistoryMetric, points: &[TrendPoint]) -> String {
    let name = ascii(&group.to_string());
    if points.is_empty() {
        return format!("no runs recorded for {name}\n");
    }
    let value = |value: f64| match metric {
        HistoryMetric::Latency(TrendMetric::ErrorRate) => format!("{}%", fixed(value * 100.0, 2)),
        HistoryMetric::Latency(_) => format!("{}ms", fixed(value, 2)),
        HistoryMetric::Measure { name, .. } => with_unit(value, MeasureUnit::of(name)),
        HistoryMetric::Throughput => with_unit(value, MeasureUnit::PerSecond),
    };
    let mut rows = vec![
        [
            "run",
            "time",
            "commit",
            metric.to_string().as_str(),
            "interval",
            "n",
            "environment",
        ]
        .map(str::to_owned)
        .to_vec(),
    ];
    let mut previous_environment: Option<&str> = None;
    for point in points {
        let changed = previous_environment.is_some_and(|previous| previous != point.environment);
        previous_environment = Some(&point.environment);
        rows.push(vec![
            point.run.to_string(),
            ascii(&point.time),
            optional(point.commit.as_deref()),
            point.value.map_or_else(|| "-".to_owned(), value),
            point.interval.map_or_else(
                || "-".to_owned(),
                |(low, high)| format!("[{}, {}]", value(low), value(high)),
            ),
            point.sample_count.to_string(),
            format!(
                "{}{}",
                short_hash(&point.environment),
                if changed { " (changed)" } else { "" }
            ),
        ]);
    }
    format!("{name} {metric}, {} run(s)\n{}", points.len(), table(&rows))
}

/// A measure's value with its unit's symbol (`12.50 MiB`, `125.00/s`, `812.00` for a count).
fn with_unit(value: f64, unit: MeasureUnit) -> String {
    match unit {
        MeasureUnit::PerSecond => format!("{}/s", crate::render::rate(value)),
        MeasureUnit::Count => fixed(value, 2),
        unit => format!("{} {}", fixed(value, 2), unit.symbol()),
    }
}

/// `history prune`: what was deleted and what was kept because something refers to it.
pub fn prune_text(outcome: &PruneOutcome) -> String {
    let ids = |ids: &[perf_history::RunId]| {
        ids.iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(", ")
    };
    let mut out = format!(
        "deleted {} run(s), {} left\n",
        outcome.deleted.len(),
        outcome.remaining
    );
    if !outcome.deleted.is_empty() {
        let _ = writeln!(out, "  deleted: {}", ids(&outcome.deleted));
    }
    if !outcome.kept_referenced.is_empty() {
        let _ = writeln!(
            out,
            "  kept because an annotation or a baseline refers to them: {}",
            ids(&outcome.kept_referenced)
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use perf_history::RunId;

    use super::*;

    fn run(id: i64, commit: &str) -> Run {
        Run {
            id: RunId(id),
            time: "2026-05-28T20:26:40.000000Z".into(),
            commit: Some(commit.into()),
            branch: None,
            source: "gate".into(),
            budgets_hash: None,
            baseline_hash: None,
            run_baseline_hash: None,
            environment: "sha256:0123456789abcdef".into(),
            perf_gate_version: "0.1.0".into(),
            quantile_method: "linear".into(),
            groups: 2,
            failures: 1,
            annotations: 0,
        }
    }

    #[test]
    fn the_run_list_is_aligned_and_escaped() {
        let text = runs_text(&[run(12, "abc\u{1b}[31m"), run(9, "::error::x")]);
        insta::assert_snapshot!(text, @r"
        run  time                         source  commit           branch  groups  failures  environment   notes
        12   2026-05-28T20:26:40.000000Z  gate    abc\u{1b}[31m    -       2       1         0123456789ab  0
        9    2026-05-28T20:26:40.000000Z  gate    \u{3a}:error::x  -       2       1         0123456789ab  0
        ");
        assert!(!text.contains('\u{1b}'));
    }

    #[test]
    fn a_trend_marks_environment_changes() {
        let point = |run: i64, value: f64, environment: &str| TrendPoint {
            run: RunId(run),
            time: "2026-05-28T20:26:40.000000Z".into(),
            commit: None,
            environment: environment.into(),
            value: Some(value),
            interval: Some((value - 1.0, value + 1.0)),
            sample_count: 100,
        };
        let points = [point(1, 10.0, "sha256:aaa"), point(2, 12.5, "sha256:bbb")];
        let text = trend_text(
            &GroupKey::new("api", "get"),
            &"p95".parse().unwrap(),
            &points,
        );
        assert!(text.starts_with("api/get p95, 2 run(s)\n"), "{text}");
        assert!(
            text.contains("12.50ms  [11.50ms, 13.50ms]  100  bbb (changed)"),
            "{text}"
        );
        let json = trend_json(
            &GroupKey::new("api", "get"),
            &"p95".parse().unwrap(),
            &points,
        );
        let value: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(value["schema_version"], 1);
        assert_eq!(value["metric"], "p95");
        assert_eq!(value["points"][1]["value"], 12.5);
        // A measure's trend speaks its unit, the throughput per second.
        let rss = trend_text(
            &GroupKey::new("api", "get"),
            &"peak_rss_mb p95".parse().unwrap(),
            &points,
        );
        assert!(
            rss.starts_with("api/get peak_rss_mb p95, 2 run(s)\n"),
            "{rss}"
        );
        assert!(
            rss.lines()
                .any(|line| line.contains(" 12.50 MiB ") && line.contains("[11.50 MiB, 13.50 MiB]")),
            "{rss}"
        );
        let throughput = trend_text(
            &GroupKey::new("api", "get"),
            &perf_history::HistoryMetric::Throughput,
            &points,
        );
        assert!(throughput.contains("12.50/s"), "{throughput}");
        let json = trend_json(
            &GroupKey::new("api", "get"),
            &"allocs avg".parse().unwrap(),
            &points,
        );
        let value: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(value["metric"], "allocs avg");
    }
}
