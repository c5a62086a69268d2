//! The baseline comparison in every report format: one report with every verdict, a different
//! environment, and a group name that tries to break each format.

// Test helpers outside #[test] functions may unwrap: a failure is a test failure.
#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;

use perf_baseline::{self as baseline, BuildConfig, CompareConfig, Fingerprint};
use perf_budget::{EvaluateConfig, evaluate, parse_budgets};
use perf_record::{GroupKey, GroupSamples, OutcomeCounts};
use perf_report::render::{github, json, junit, markdown, text};
use perf_report::{Report, ReportSettings, Verdict};
use perf_stats::QuantileMethod;

fn fingerprint(cores: u64) -> Fingerprint {
    Fingerprint {
        os: "linux".into(),
        arch: "x86_64".into(),
        cpu_model: Some("Test CPU".into()),
        cpu_cores: cores,
        perf_gate_version: "0.1.0".into(),
    }
}

fn group(tool: &str, step: &str, count: usize, scale: f64) -> (GroupKey, GroupSamples) {
    let latencies: Vec<f64> = (0..count)
        .map(|index| scale * (100.0 + 50.0 * index as f64 / count as f64))
        .collect();
    let counts = OutcomeCounts {
        ok: count as u64,
        errors: 0,
        unknown: 0,
    };
    let samples = GroupSamples {
        counts,
        latencies_ms: latencies,
        ..Default::default()
    };
    (GroupKey::new(tool, step), samples)
}

fn report() -> Report {
    let before = BTreeMap::from([
        group("api", "slower", 400, 1.0),
        group("api", "faster", 400, 1.0),
        group("api", "same", 400, 1.0),
        group("api", "gone", 400, 1.0),
        group("a|b", "<script>x</script>", 400, 1.0),
    ]);
    let after = BTreeMap::from([
        group("api", "slower", 400, 1.3),
        group("api", "faster", 400, 0.7),
        group("api", "same", 400, 1.0),
        group("api", "tiny", 10, 1.0),
        group("a|b", "<script>x</script>", 400, 1.2),
    ]);
    let config = BuildConfig {
        fingerprint: fingerprint(4),
        created_at: None,
        max_points: baseline::DEFAULT_MAX_POINTS,
        quantile_method: QuantileMethod::Linear,
    };
    let passport = baseline::build(&before, &config).unwrap();
    let comparison = baseline::compare(
        &passport,
        &after,
        &fingerprint(2),
        &CompareConfig::default(),
    )
    .unwrap();
    let budgets =
        parse_budgets(r#"{ "api": { "same": { "p95": 1000, "min_samples": 5 } } }"#).unwrap();
    let config = EvaluateConfig {
        confidence_level: 0.95,
        quantile_method: QuantileMethod::Linear,
    };
    let settings = ReportSettings::of_budgets(&budgets, config.confidence_level);
    let evaluation = evaluate(&budgets, &after, &config).unwrap();
    let without = Report::new(settings, evaluation.clone(), None);
    assert_eq!(without.verdict(), Verdict::Pass);
    Report::new(settings, evaluation, Some(comparison))
}

#[test]
fn a_regression_fails_the_gate() {
    let report = report();
    assert_eq!(report.verdict(), Verdict::Fail);
    assert_eq!(report.verdict().exit_code(), 3);
}

#[test]
fn text_report_shows_the_comparison() {
    insta::assert_snapshot!(text::render(&report(), &text::TextConfig { color: false }));
}

#[test]
fn markdown_report_shows_the_comparison() {
    insta::assert_snapshot!(markdown::render(
        &report(),
        &markdown::MarkdownConfig::default()
    ));
}

#[test]
fn markdown_comparison_stays_within_its_share_of_the_limit() {
    let config = markdown::MarkdownConfig { max_bytes: 2000 };
    let rendered = markdown::render(&report(), &config);
    assert!(rendered.len() <= 2000, "{} bytes", rendered.len());
    let note = rendered.lines().last().unwrap();
    assert!(
        note.starts_with("_Left out to stay under 2,000 bytes: 1 passing check, ")
            && note.contains("unchanged or improved group"),
        "{rendered}"
    );
    assert_eq!(
        rendered.matches("| **regressed** |").count(),
        2,
        "{rendered}"
    );
}

#[test]
fn json_report_carries_the_comparison_and_reads_back() {
    let report = report();
    let rendered = json::render(&report).unwrap();
    insta::assert_snapshot!(rendered);
    assert_eq!(json::parse(&rendered).unwrap(), report);
}

#[test]
fn junit_report_shows_the_comparison() {
    insta::assert_snapshot!(junit::render(&report()));
}

#[test]
fn github_annotations_show_the_comparison() {
    insta::assert_snapshot!(github::render(&report(), &github::GithubConfig::default()));
}
