//! The exports: OpenMetrics / Prometheus text and report.html, over one report with a
//! baseline, every check status, a group large enough to be down-sampled and names that try to
//! break each format.

// Test helpers outside #[test] functions may unwrap: a failure is a test failure.
#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;

use perf_baseline::{self as baseline, BuildConfig, CompareConfig, Fingerprint};
use perf_budget::{EvaluateConfig, evaluate, parse_budgets};
use perf_record::{GroupKey, GroupSamples, OutcomeCounts};
use perf_report::render::html;
use perf_report::render::openmetrics::{self, ExpositionFormat};
use perf_report::{Report, ReportSettings, Verdict};
use perf_stats::QuantileMethod;

const EVIL_TOOL: &str = "a\"b\\c";
const EVIL_STEP: &str = "<script>alert(1)</script>\n/x";

fn fingerprint() -> Fingerprint {
    Fingerprint {
        os: "linux".into(),
        arch: "x86_64".into(),
        cpu_model: Some("Test CPU".into()),
        cpu_cores: 2,
        perf_gate_version: "0.1.0".into(),
    }
}

fn group(
    tool: &str,
    step: &str,
    count: usize,
    scale: f64,
    errors: u64,
) -> (GroupKey, GroupSamples) {
    let latencies: Vec<f64> = (0..count)
        .map(|index| scale * (10.0 + 40.0 * (index as f64 / count as f64).powi(3)))
        .collect();
    let counts = OutcomeCounts {
        ok: count as u64 - errors,
        errors,
        unknown: 1,
    };
    (
        GroupKey::new(tool, step),
        GroupSamples {
            counts,
            latencies_ms: latencies,
            ..Default::default()
        },
    )
}

fn report() -> Report {
    let before = BTreeMap::from([
        group("api", "get", 2_000, 1.0, 0),
        group("api", "put", 40, 1.0, 0),
        group(EVIL_TOOL, EVIL_STEP, 30, 1.0, 0),
    ]);
    let after = BTreeMap::from([
        group("api", "get", 2_000, 1.3, 20),
        group("api", "put", 40, 1.0, 1),
        group(EVIL_TOOL, EVIL_STEP, 30, 1.0, 0),
    ]);
    let build = BuildConfig {
        fingerprint: fingerprint(),
        created_at: None,
        max_points: baseline::DEFAULT_MAX_POINTS,
        quantile_method: QuantileMethod::Linear,
    };
    let passport = baseline::build(&before, &build).unwrap();
    let comparison =
        baseline::compare(&passport, &after, &fingerprint(), &CompareConfig::default()).unwrap();
    let budgets = parse_budgets(&format!(
        r#"{{ "api": {{ "get": {{ "p95": 40, "avg": 30, "error_rate": 0.005, "min_samples": 5 }},
                     "put": {{ "p99": 100, "min_samples": 100 }} }},
             {}: {{ {}: {{ "p50": 30, "min_samples": 5 }} }} }}"#,
        serde_json::to_string(EVIL_TOOL).unwrap(),
        serde_json::to_string(EVIL_STEP).unwrap()
    ))
    .unwrap();
    let config = EvaluateConfig {
        confidence_level: 0.95,
        quantile_method: QuantileMethod::Linear,
    };
    let settings = ReportSettings::of_budgets(&budgets, config.confidence_level);
    Report::new(
        settings,
        evaluate(&budgets, &after, &config).unwrap(),
        Some(comparison),
    )
    .with_distributions(&after, Some(&passport))
    .unwrap()
}

#[test]
fn the_report_fails_on_a_budget_and_a_regression() {
    let report = report();
    assert_eq!(report.verdict(), Verdict::Fail);
    let verdicts = report.group_verdicts();
    assert_eq!(verdicts[&GroupKey::new("api", "get")], Verdict::Fail);
    assert_eq!(
        verdicts[&GroupKey::new("api", "put")],
        Verdict::Inconclusive
    );
    assert_eq!(
        verdicts[&GroupKey::new(EVIL_TOOL, EVIL_STEP)],
        Verdict::Pass
    );
    let get = &report.distributions()[1];
    assert_eq!(get.key(), &GroupKey::new("api", "get"));
    let latency = get.latency().unwrap();
    assert_eq!(latency.count(), 2_000);
    assert!(!latency.ecdf().is_exact());
    assert_eq!(
        latency.ecdf().knots().len(),
        perf_report::distribution::MAX_KNOTS
    );
    assert_eq!(latency.ecdf().knots()[0].value_ms, 13.0);
    assert_eq!(latency.quantiles()[0], (0.0, 13.0));
}

#[test]
fn openmetrics_report() {
    insta::assert_snapshot!(openmetrics::render(
        &report(),
        ExpositionFormat::OpenMetrics
    ));
}

#[test]
fn prometheus_text_has_no_unit_and_no_terminator() {
    let text = openmetrics::render(&report(), ExpositionFormat::Prometheus);
    assert!(!text.contains("# UNIT"));
    assert!(!text.contains("# EOF"));
    assert!(text.contains("# TYPE perf_gate_latency_seconds summary\n"));
    assert!(text.ends_with('\n'));
}

#[test]
fn exposition_labels_are_escaped_and_values_in_seconds() {
    let text = openmetrics::render(&report(), ExpositionFormat::OpenMetrics);
    assert!(text.contains(
        r#"perf_gate_latency_seconds_count{tool="a\"b\\c",step="<script>alert(1)</script>\n/x"} 30"#
    ));
    // 2,000 latencies of api/get, min 13 ms.
    assert!(
        text.contains(
            "perf_gate_latency_seconds{tool=\"api\",step=\"get\",quantile=\"0\"} 0.013\n"
        )
    );
    assert!(text.contains("perf_gate_run_verdict{status=\"fail\"} 1\n"));
    assert!(text.ends_with("# EOF\n"));
    assert!(!text.contains("ms"), "every value is in base units");
    // Every sample line is one line: no raw newline escaped into a label.
    for line in text.lines() {
        assert!(
            line.starts_with('#') || line.starts_with("perf_gate_"),
            "{line}"
        );
    }
}

#[test]
fn html_report() {
    insta::assert_snapshot!(html::render(&report()));
}

#[test]
fn html_is_self_contained_escaped_and_deterministic() {
    let report = report();
    let page = html::render(&report);
    assert_eq!(page, html::render(&report));
    assert!(page.contains(
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'"
    ));
    assert!(!page.contains("<script"));
    assert!(!page.contains("src="));
    assert!(!page.contains("href=\"http"));
    assert!(page.contains("&lt;script&gt;alert(1)&lt;/script&gt;\\u{a}/x"));
    assert!(page.contains("<h1 id=\"verdict\" class=\"fail\">perf-gate: FAIL</h1>"));
    assert_eq!(page.matches("<svg class=\"chart ecdf\"").count(), 3);
    // The causes name the failing group, not the passing ones.
    let causes = &page[page.find("id=\"causes\"").unwrap()..page.find("</header>").unwrap()];
    assert!(causes.contains("api/get"));
    assert!(causes.contains("[REGRESSED]"));
    assert!(!causes.contains("api/put"));
}

#[test]
fn html_stays_small_for_a_large_group() {
    let groups = BTreeMap::from([group("api", "big", 100_000, 1.0, 0)]);
    let budgets = parse_budgets(r#"{ "api": { "big": { "p95": 40 } } }"#).unwrap();
    let config = EvaluateConfig {
        confidence_level: 0.95,
        quantile_method: QuantileMethod::Linear,
    };
    let settings = ReportSettings::of_budgets(&budgets, config.confidence_level);
    let report = Report::new(
        settings,
        evaluate(&budgets, &groups, &config).unwrap(),
        None,
    )
    .with_distributions(&groups, None)
    .unwrap();
    let page = html::render(&report);
    assert!(page.len() < 20_000, "{} bytes", page.len());
}
