//! The baseline comparison of record measures (issue 16) in every format: two measures of a
//! handful of command runs (the rank test), a higher-is-better measure with many values (the
//! quantile test), each value in its measure's unit, and a measure regression failing the run.

// Test helpers outside #[test] functions may unwrap: a failure is a test failure.
#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;

use perf_baseline::{self as baseline, BuildConfig, CompareConfig, Fingerprint};
use perf_budget::{EvaluateConfig, evaluate, parse_budgets};
use perf_record::{Direction, GroupKey, GroupSamples};
use perf_report::render::openmetrics::{self, ExpositionFormat};
use perf_report::render::{github, json, junit, markdown, text};
use perf_report::{Report, ReportSettings, Verdict};
use perf_stats::QuantileMethod;

fn fingerprint() -> Fingerprint {
    Fingerprint {
        os: "linux".into(),
        arch: "x86_64".into(),
        cpu_model: Some("Test CPU".into()),
        cpu_cores: 4,
        perf_gate_version: "0.1.0".into(),
    }
}

/// `count` evenly spread values over `[center * 0.99, center * 1.01)`, in a shuffled order.
fn around(count: usize, center: f64) -> Vec<f64> {
    (0..count)
        .map(|index| {
            let spread = ((index * 7) % count) as f64 / count as f64;
            center * (0.99 + 0.02 * spread)
        })
        .collect()
}

fn samples(latencies: Vec<f64>, measures: &[(&str, Vec<f64>)]) -> GroupSamples {
    measures
        .iter()
        .fold(GroupSamples::all_ok(latencies), |group, (name, values)| {
            group.with_ok_measure(name, values.clone())
        })
}

fn groups(rss_mb: f64, rps: f64) -> BTreeMap<GroupKey, GroupSamples> {
    BTreeMap::from([
        (
            // Ten command runs: wall time, peak RSS and allocations.
            GroupKey::new("cli", "build"),
            samples(
                around(10, 250.0),
                &[
                    ("allocs", around(10, 812.0)),
                    ("peak_rss_mb", around(10, rss_mb)),
                ],
            ),
        ),
        (
            // A service step with many requests: allocations and throughput per request window.
            GroupKey::new("svc", "get"),
            samples(
                around(400, 40.0),
                &[
                    ("allocs", around(400, 90.0)),
                    ("client_rps", around(400, rps)),
                ],
            ),
        ),
    ])
}

fn report() -> Report {
    let config = BuildConfig {
        fingerprint: fingerprint(),
        created_at: None,
        max_points: baseline::DEFAULT_MAX_POINTS,
        quantile_method: QuantileMethod::Linear,
    };
    let passport = baseline::build(&groups(120.0, 500.0), &config).unwrap();
    let current = groups(144.0, 400.0);
    let compare = CompareConfig {
        quantile_method: QuantileMethod::Linear,
        measure_directions: BTreeMap::from([(
            GroupKey::new("svc", "get"),
            BTreeMap::from([("client_rps".to_owned(), Direction::HigherIsBetter)]),
        )]),
        ..CompareConfig::default()
    };
    let comparison = baseline::compare(&passport, &current, &fingerprint(), &compare).unwrap();
    let budgets = parse_budgets(r#"{ "svc": { "get": { "p95": 1000 } } }"#).unwrap();
    let config = EvaluateConfig {
        confidence_level: 0.95,
        quantile_method: QuantileMethod::Linear,
    };
    let settings = ReportSettings::of_budgets(&budgets, config.confidence_level);
    Report::new(
        settings,
        evaluate(&budgets, &current, &config).unwrap(),
        Some(comparison),
    )
}

#[test]
fn a_measure_regression_fails_the_run() {
    let report = report();
    let comparison = report.baseline().unwrap();
    // No latency regressed: the measures alone fail the run.
    assert!(
        comparison
            .groups
            .iter()
            .all(|group| group.verdict != perf_baseline::ChangeVerdict::Regressed)
    );
    assert_eq!(
        comparison.measure_count(perf_baseline::ChangeVerdict::Regressed),
        2
    );
    assert_eq!(report.verdict(), Verdict::Fail);
    assert_eq!(report.verdict().exit_code(), 3);
}

#[test]
fn measure_comparison_text() {
    let rendered = text::render(&report(), &text::TextConfig { color: false });
    assert!(
        rendered.contains("p50 119.88 MiB -> 143.86 MiB"),
        "{rendered}"
    );
    assert!(rendered.contains("cli/build peak_rss_mb"), "{rendered}");
    insta::assert_snapshot!(rendered);
}

#[test]
fn measure_comparison_markdown() {
    insta::assert_snapshot!(markdown::render(
        &report(),
        &markdown::MarkdownConfig::default()
    ));
}

#[test]
fn measure_comparison_json_reads_back() {
    let report = report();
    let rendered = json::render(&report).unwrap();
    assert!(rendered.contains("\"direction\": \"higher_is_better\""));
    insta::assert_snapshot!(rendered);
    assert_eq!(json::parse(&rendered).unwrap(), report);
}

#[test]
fn measure_comparison_junit() {
    let rendered = junit::render(&report());
    assert!(
        rendered.contains("name=\"build peak_rss_mb\""),
        "{rendered}"
    );
    insta::assert_snapshot!(rendered);
}

#[test]
fn measure_comparison_github_annotations() {
    insta::assert_snapshot!(github::render(&report(), &github::GithubConfig::default()));
}

#[test]
fn measure_comparison_openmetrics() {
    insta::assert_snapshot!(openmetrics::render(
        &report(),
        ExpositionFormat::OpenMetrics
    ));
}

#[test]
fn measure_regressions_are_causes_in_the_html_report() {
    let page = perf_report::render::html::render(&report());
    assert!(
        page.contains("[REGRESSED] peak_rss_mb +20.0% is worse by more than the 5.0% tolerance"),
        "{page}"
    );
    assert!(page.contains("Caused by 2 group(s)"), "{page}");
    let verdicts = report().group_verdicts();
    assert_eq!(verdicts[&GroupKey::new("cli", "build")], Verdict::Fail);
}
