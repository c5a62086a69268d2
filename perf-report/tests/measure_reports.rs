//! Checks on record measures (issue 16) in every format: the measure and its statistic name the
//! check (`peak_rss_mb max`), values carry the measure's unit (`MiB`, a duration for `_ms`, none
//! for a count), and a `higher_is_better` measure reads `>=` / `<`.

// Test helpers outside #[test] functions may unwrap: a failure is a test failure.
#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;

use perf_budget::{EvaluateConfig, evaluate, parse_budgets};
use perf_record::{GroupKey, GroupSamples, MeasureSamples, OutcomeCounts};
use perf_report::render::openmetrics::{self, ExpositionFormat};
use perf_report::render::{github, json, junit, markdown, text};
use perf_report::{Report, ReportSettings};
use perf_stats::QuantileMethod;

const BUDGETS: &str = r#"{
  "defaults": { "min_samples": 3 },
  "svc": {
    "get": { "p95": 50, "peak_rss_mb": { "max": 10 }, "allocs": { "p50": 1000 },
             "cpu_user_ms": { "avg": 2 } },
    "put": { "peak_rss_mb": { "max": 10 },
             "throughput_rps": { "min": 100 } }
  }
}"#;

const CONFIG: EvaluateConfig = EvaluateConfig {
    confidence_level: 0.95,
    quantile_method: QuantileMethod::Linear,
};

fn measure(name: &str, values: &[f64]) -> MeasureSamples {
    MeasureSamples {
        name: name.to_owned(),
        values: values.to_vec(),
        error_values: Vec::new(),
    }
}

fn report() -> Report {
    let counts = OutcomeCounts {
        ok: 4,
        errors: 0,
        unknown: 0,
    };
    let get = GroupSamples {
        counts,
        latencies_ms: vec![5.0, 6.0, 7.0, 8.0],
        measures: vec![
            measure("allocs", &[700.0, 812.0, 900.0, 950.0]),
            measure("cpu_user_ms", &[1.5, 1.75, 2.0, 2.25]),
            measure("peak_rss_mb", &[8.0, 12.5, 9.0, 9.5]),
        ],
        ..Default::default()
    };
    // put carries no peak_rss_mb: no data, never 0. Its 4 records span 40 ms: a derived
    // throughput_rps of 3 / 0.04 s = 75 per second.
    let put = GroupSamples {
        counts,
        latencies_ms: vec![5.0, 6.0, 7.0, 8.0],
        span: Some(perf_record::TimeSpan {
            first: "2025-10-16T10:00:00Z".parse().unwrap(),
            last: "2025-10-16T10:00:00.04Z".parse().unwrap(),
        }),
        ..Default::default()
    };
    let groups = BTreeMap::from([
        (GroupKey::new("svc", "get"), get),
        (GroupKey::new("svc", "put"), put),
    ]);
    let budgets = parse_budgets(BUDGETS).unwrap();
    let settings = ReportSettings::of_budgets(&budgets, CONFIG.confidence_level);
    Report::new(
        settings,
        evaluate(&budgets, &groups, &CONFIG).unwrap(),
        None,
    )
}

#[test]
fn measure_text_report() {
    let rendered = text::render(&report(), &text::TextConfig { color: false });
    assert!(rendered.contains("peak_rss_mb max"), "{rendered}");
    assert!(rendered.contains("12.50 MiB > 10.00 MiB"), "{rendered}");
    assert!(rendered.contains("75.00 /s < 100.00 /s"), "{rendered}");
    insta::assert_snapshot!(rendered);
}

#[test]
fn measure_markdown_report() {
    insta::assert_snapshot!(markdown::render(
        &report(),
        &markdown::MarkdownConfig::default()
    ));
}

#[test]
fn measure_json_report() {
    let rendered = json::render(&report()).unwrap();
    let value: serde_json::Value = serde_json::from_str(&rendered).unwrap();
    let memory = value["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|check| check["measure"]["name"] == "peak_rss_mb" && check["step"] == "get")
        .unwrap();
    assert_eq!(memory["measure"]["unit"], "MiB");
    assert_eq!(memory["observed"], 12.5);
    insta::assert_snapshot!(rendered);
}

#[test]
fn measure_junit_report() {
    insta::assert_snapshot!(junit::render(&report()));
}

#[test]
fn measure_github_annotations() {
    insta::assert_snapshot!(github::render(&report(), &github::GithubConfig::default()));
}

#[test]
fn measure_openmetrics_report() {
    let rendered = openmetrics::render(&report(), ExpositionFormat::OpenMetrics);
    assert!(
        rendered.contains(r#"metric="peak_rss_mb max""#),
        "{rendered}"
    );
    // 12.5 MiB in bytes; 2 ms in seconds.
    assert!(
        rendered.contains(
            r#"perf_gate_measure_observed_bytes{tool="svc",step="get",metric="peak_rss_mb max"} 13107200"#
        ),
        "{rendered}"
    );
    assert!(
        rendered.contains(
            r#"perf_gate_measure_limit_seconds{tool="svc",step="get",metric="cpu_user_ms avg"} 0.002"#
        ),
        "{rendered}"
    );
    insta::assert_snapshot!(rendered);
}

#[test]
fn measure_html_report() {
    let page = perf_report::render::html::render(&report());
    // The checks table: the measure and its statistic, values in the measure's unit, a floor
    // marked as one.
    for row in [
        "<td>peak_rss_mb max</td><td class=\"n\">12.50 MiB</td><td class=\"n\">10.00 MiB</td>",
        "<td>throughput_rps min</td><td class=\"n\">75.00 /s</td><td class=\"n\">\u{2265} 100.00 /s</td>",
        "<td>cpu_user_ms avg</td><td class=\"n\">1.88 ms</td><td class=\"n\">2.00 ms</td>",
    ] {
        assert!(page.contains(row), "{row}\n{page}");
    }
    // One figure per measure check with a value (the no-data one has none), its interval as a
    // whisker where it has one.
    assert_eq!(
        page.matches("<svg class=\"chart measure\"").count(),
        4,
        "{page}"
    );
    assert!(page.contains("<desc id=\"g1-m1-d\">throughput_rps min 75.00 /s of svc/put</desc>"));
    assert_eq!(
        page.matches("<figure class=\"measure\">").count(),
        4,
        "{page}"
    );
    let cpu = page
        .split("<figure class=\"measure\">")
        .skip(1)
        .find(|figure| figure.contains("cpu_user_ms avg"))
        .unwrap();
    assert!(cpu.contains("<g class=\"whisker\">"), "{cpu}");
    insta::assert_snapshot!(page);
}
