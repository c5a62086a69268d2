//! Every renderer on one report that has every kind of check, lint finding and warning, and
//! tool/step names that try to break each format.

// Test helpers outside #[test] functions may unwrap: a failure is a test failure.
#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;

use perf_budget::{CheckStatus, EvaluateConfig, evaluate, parse_budgets};
use perf_record::{GroupKey, GroupSamples, OutcomeCounts};
use perf_report::render::{github, json, junit, markdown, text};
use perf_report::{Report, ReportSettings, Verdict};
use perf_stats::QuantileMethod;

const BUDGETS: &str = r#"{
  "defaults": { "min_samples": 30 },
  "a2a": { "echo": { "avg": 10 } },
  "wsap": {
    "import": { "avg": 40, "p95": 80 },
    "plan": { "p50": 510, "error_rate": 0.01 },
    "gone": { "p95": 100 },
    "lint": { "max": 5, "severity": "warn" }
  },
  "*": { "plan": { "p99": 1000 }, "*": { "p95": 10000, "min_samples": 1 } },
  "few": { "*": { "p90": 1 } },
  "a|b": { "<script>alert(1)</script>": { "p95": 1, "min_samples": 1 } },
  "[x](http://e)": { "%0A": { "max": 1, "min_samples": 1, "severity": "warn" } },
  "new\nline": { "`tick`": { "avg": 100, "min_samples": 1 } }
}"#;

fn group(
    tool: &str,
    step: &str,
    latencies: Vec<f64>,
    errors: u64,
    unknown: u64,
) -> (GroupKey, GroupSamples) {
    let known = latencies.len() as u64;
    let counts = OutcomeCounts {
        ok: known - errors,
        errors,
        unknown,
    };
    let samples = GroupSamples {
        counts,
        latencies_ms: latencies,
        ..Default::default()
    };
    (GroupKey::new(tool, step), samples)
}

const CONFIG: EvaluateConfig = EvaluateConfig {
    confidence_level: 0.95,
    quantile_method: QuantileMethod::Linear,
};

fn report_of(budgets: &str, groups: BTreeMap<GroupKey, GroupSamples>) -> Report {
    let budgets = parse_budgets(budgets).unwrap();
    let settings = ReportSettings::of_budgets(&budgets, CONFIG.confidence_level);
    Report::new(
        settings,
        evaluate(&budgets, &groups, &CONFIG).unwrap(),
        None,
    )
}

/// `count` values evenly spread over `[low, high]`.
fn spread(count: usize, low: f64, high: f64) -> Vec<f64> {
    let step = (high - low) / (count - 1) as f64;
    (0..count).map(|index| low + step * index as f64).collect()
}

fn report() -> Report {
    let groups = BTreeMap::from([
        // Mean 18.30: fails avg 10 by +8.30ms (+83.0%).
        group("a2a", "echo", spread(1486, 16.3, 20.3), 0, 0),
        // p95 well inside 80; avg inside 40.
        group("wsap", "import", spread(34, 20.0, 40.0), 0, 0),
        // p50 = 500.5 against 510: inside the interval, so marginal. 2% errors > 1%.
        group("wsap", "plan", spread(1000, 1.0, 1000.0), 20, 3),
        group(
            "wsap",
            "lint",
            vec![
                4.0, 6.0, 5.0, 7.0, 3.0, 4.0, 5.0, 6.0, 4.0, 5.0, 4.0, 6.0, 5.0, 7.0, 3.0, 4.0,
                5.0, 6.0, 4.0, 5.0, 4.0, 6.0, 5.0, 7.0, 3.0, 4.0, 5.0, 6.0, 4.0, 5.0,
            ],
            0,
            0,
        ),
        group("few", "step", vec![0.5, 0.7], 0, 0),
        group("other", "plan", spread(40, 100.0, 200.0), 0, 0),
        group("misc", "thing", spread(5, 1.0, 2.0), 0, 0),
        group("a|b", "<script>alert(1)</script>", vec![3.0, 4.0], 0, 0),
        group("[x](http://e)", "%0A", vec![2.0], 0, 0),
        group("new\nline", "`tick`", vec![50.0], 1, 0),
    ]);
    report_of(BUDGETS, groups)
}

#[test]
fn report_model_has_every_status() {
    let report = report();
    let statuses: Vec<CheckStatus> = report.checks().iter().map(|check| check.status).collect();
    for status in [
        CheckStatus::Fail,
        CheckStatus::Warn,
        CheckStatus::InsufficientSamples,
        CheckStatus::NoData,
        CheckStatus::Pass,
    ] {
        assert!(statuses.contains(&status), "missing {status:?}");
    }
    assert!(report.checks().iter().any(|check| check.marginal));
    assert_eq!(report.verdict(), Verdict::Fail);
}

#[test]
fn text_report() {
    insta::assert_snapshot!(text::render(&report(), &text::TextConfig { color: false }));
}

#[test]
fn text_report_is_ascii_and_aligned() {
    let rendered = text::render(&report(), &text::TextConfig { color: false });
    assert!(rendered.is_ascii());
    let check_lines: Vec<&str> = rendered
        .lines()
        .filter(|line| line.starts_with('['))
        .collect();
    // The metric column starts at the same offset on every line.
    let metric_offsets: Vec<usize> = check_lines
        .iter()
        .map(|line| {
            line.find("  ").map(|group_end| {
                group_end + line[group_end..].find(|c: char| c != ' ').unwrap_or(0)
            })
        })
        .map(Option::unwrap)
        .collect();
    assert!(
        metric_offsets.windows(2).all(|pair| pair[0] == pair[1]),
        "{metric_offsets:?}"
    );
    let first_pass = check_lines
        .iter()
        .position(|line| line.starts_with("[ OK ]"))
        .unwrap();
    assert!(
        check_lines[first_pass..]
            .iter()
            .all(|line| line.starts_with("[ OK ]")),
        "violations first"
    );
}

#[test]
fn text_report_colours_only_when_asked() {
    let report = report();
    assert!(!text::render(&report, &text::TextConfig { color: false }).contains('\x1b'));
    let coloured = text::render(&report, &text::TextConfig { color: true });
    assert!(coloured.contains("\x1b[31m[FAIL]\x1b[0m"));
    assert!(coloured.contains("perf-gate \x1b[31mFAIL\x1b[0m: "));
}

#[test]
fn markdown_report() {
    insta::assert_snapshot!(markdown::render(
        &report(),
        &markdown::MarkdownConfig::default()
    ));
}

#[test]
fn markdown_names_cannot_break_the_table_or_inject_markup() {
    let rendered = markdown::render(&report(), &markdown::MarkdownConfig::default());
    for line in rendered.lines().filter(|line| line.starts_with("| ")) {
        assert_eq!(line.matches('|').count(), 8, "a cell was split: {line}");
    }
    assert!(!rendered.contains("<script>"));
    assert!(!rendered.contains("](http"));
    assert!(!rendered.contains("`tick`"));
}

#[test]
fn markdown_drops_passing_rows_first_to_stay_under_the_limit() {
    let report = report();
    let full = markdown::render(&report, &markdown::MarkdownConfig::default());
    let limit = full.len() - 100;
    let trimmed = markdown::render(&report, &markdown::MarkdownConfig { max_bytes: limit });
    assert!(trimmed.len() <= limit, "{} > {limit}", trimmed.len());
    assert!(
        trimmed.contains("_Left out to stay under ") && trimmed.contains(" passing check"),
        "{trimmed}"
    );
    assert!(!trimmed.contains("need attention."), "{trimmed}");
    let failing_rows = |text: &str| {
        text.lines()
            .filter(|line| line.starts_with("| **FAIL**"))
            .count()
    };
    assert_eq!(failing_rows(&trimmed), failing_rows(&full));
    assert!(
        trimmed
            .lines()
            .filter(|line| line.starts_with("| ok "))
            .count()
            < full
                .lines()
                .filter(|line| line.starts_with("| ok "))
                .count()
    );
}

#[test]
fn markdown_stays_under_one_mebibyte_with_many_groups() {
    // `max`: one latency per group is a plain pass for it (a p95 of one value would be low
    // confidence, a check that needs attention).
    let budgets = r#"{"*": {"*": {"max": 1000, "min_samples": 1}}}"#;
    let groups: BTreeMap<GroupKey, GroupSamples> = (0..20_000)
        .map(|index| {
            group(
                "tool",
                &format!("step-{index:05}-{}", "x".repeat(40)),
                vec![1.0],
                0,
                0,
            )
        })
        .collect();
    let report = report_of(budgets, groups);
    let rendered = markdown::render(
        &report,
        &markdown::MarkdownConfig {
            max_bytes: markdown::JOB_SUMMARY_MAX_BYTES,
        },
    );
    assert!(
        rendered.len() <= markdown::JOB_SUMMARY_MAX_BYTES,
        "{}",
        rendered.len()
    );
    assert!(
        rendered.contains("passing checks. The JSON report"),
        "{}",
        &rendered[rendered.len() - 300..]
    );
    let small = markdown::render(&report, &markdown::MarkdownConfig::default());
    assert!(
        small.len() <= markdown::PR_COMMENT_MAX_BYTES,
        "{}",
        small.len()
    );
}

#[test]
fn json_report() {
    insta::assert_snapshot!(json::render(&report()).unwrap());
}

#[test]
fn json_report_round_trips_and_carries_its_schema_version() {
    let report = report();
    let rendered = json::render(&report).unwrap();
    let value: serde_json::Value = serde_json::from_str(&rendered).unwrap();
    assert_eq!(value["schema_version"], perf_report::REPORT_SCHEMA_VERSION);
    assert_eq!(value["verdict"], "fail");
    assert_eq!(
        value["checks"].as_array().unwrap().len(),
        report.checks().len()
    );
    assert_eq!(json::parse(&rendered).unwrap(), report);
    let future = rendered.replacen("\"schema_version\": 5", "\"schema_version\": 6", 1);
    assert!(matches!(
        json::parse(&future),
        Err(json::JsonReportError::SchemaVersion { found: 6, .. })
    ));
    // The verdict and counts of a report read back are recomputed from its sections.
    let forged = rendered.replacen("\"verdict\": \"fail\"", "\"verdict\": \"pass\"", 1);
    assert_eq!(json::parse(&forged).unwrap().verdict(), Verdict::Fail);
}

#[test]
fn junit_report() {
    insta::assert_snapshot!(junit::render(&report()));
}

#[test]
fn junit_report_escapes_every_name() {
    let rendered = junit::render(&report());
    assert!(!rendered.contains("<script>"));
    assert!(rendered.contains("name=\"new&#10;line\""));
    assert_eq!(
        rendered.matches("<testsuite ").count(),
        rendered.matches("</testsuite>").count()
    );
}

#[test]
fn github_annotations() {
    insta::assert_snapshot!(github::render(&report(), &github::GithubConfig::default()));
}

#[test]
fn github_annotations_are_one_line_each() {
    let rendered = github::render(&report(), &github::GithubConfig::default());
    assert!(
        rendered.lines().all(|line| line.starts_with("::")),
        "{rendered}"
    );
    assert!(
        rendered.contains("%250A"),
        "a literal %0A in a name is escaped"
    );
}

#[test]
fn renderers_are_deterministic() {
    let (first, second) = (report(), report());
    assert_eq!(
        text::render(&first, &text::TextConfig::default()),
        text::render(&second, &text::TextConfig::default())
    );
    assert_eq!(
        json::render(&first).unwrap(),
        json::render(&second).unwrap()
    );
    assert_eq!(junit::render(&first), junit::render(&second));
}

#[test]
fn the_examples_of_the_issue_render_as_specified() {
    let budgets = r#"{"a2a": {"echo": {"avg": 10}}, "wsap": {"import": {"p95": 80}}, "defaults": {"min_samples": 30}}"#;
    // 34 values whose p95 (type 7, position 0.95 * 33 = 31.35) is 39.1 + 0.35 * (41.1 - 39.1) = 39.80.
    let mut import: Vec<f64> = spread(31, 1.0, 31.0);
    import.extend([39.1, 41.1, 42.0]);
    let groups = BTreeMap::from([
        group("a2a", "echo", spread(1486, 16.3, 20.3), 0, 0),
        group("wsap", "import", import, 0, 0),
    ]);
    let report = report_of(budgets, groups);
    let rendered = text::render(&report, &text::TextConfig::default());
    let lines: Vec<&str> = rendered
        .lines()
        .filter(|line| line.starts_with('['))
        .collect();
    assert_eq!(
        lines[0],
        "[FAIL] a2a/echo     avg  18.30 ms > 10.00 ms  (+8.30 ms, +83.0%)                                        n=1486"
    );
    // Issue 19: 34 values give a p95 no 95% interval (72 would), so the explicit min_samples
    // of 30 lets the check run but it cannot be a plain pass.
    assert_eq!(
        lines[1],
        "[LOW ] wsap/import  p95  39.80 ms <= 80.00 ms (low confidence: no confidence interval from 34 samples)  n=34"
    );
    // From 72 values the interval exists and the headroom is also given at its upper bound.
    let mut larger: Vec<f64> = spread(68, 1.0, 31.0);
    larger.extend([39.1, 41.1, 42.0, 43.0]);
    let report = report_of(
        budgets,
        BTreeMap::from([group("wsap", "import", larger, 0, 0)]),
    );
    let rendered = text::render(&report, &text::TextConfig::default());
    assert!(rendered.contains("at the upper bound)  n=72"), "{rendered}");
}

/// The JUnit report is well-formed XML (checked by a real parser, not by string matching) and its
/// counts agree with its elements, adversarial names included.
#[test]
fn junit_report_is_well_formed_xml_with_consistent_counts() {
    use quick_xml::events::{BytesStart, Event};

    let rendered = junit::render(&report());
    let mut reader = quick_xml::Reader::from_str(&rendered);
    let number = |element: &BytesStart<'_>, name: &str| -> usize {
        let attribute = element
            .try_get_attribute(name)
            .unwrap()
            .unwrap_or_else(|| panic!("<{:?}> has no {name}", element.name()));
        attribute.unescape_value().unwrap().parse().unwrap()
    };
    let (mut suites, mut cases, mut failures) = (0, 0, 0);
    let (mut declared_cases, mut declared_failures) = (0, 0);
    let mut names = Vec::new();
    loop {
        match reader.read_event().expect("well-formed XML") {
            Event::Start(element) | Event::Empty(element) => match element.name().as_ref() {
                b"testsuite" => {
                    suites += 1;
                    let name = element.try_get_attribute("name").unwrap().unwrap();
                    names.push(name.unescape_value().unwrap().into_owned());
                    declared_cases += number(&element, "tests");
                    declared_failures += number(&element, "failures");
                }
                b"testcase" => {
                    cases += 1;
                    let name = element.try_get_attribute("name").unwrap().unwrap();
                    names.push(name.unescape_value().unwrap().into_owned());
                }
                b"failure" => failures += 1,
                _ => {}
            },
            Event::Eof => break,
            _ => {}
        }
    }
    assert!(suites > 0);
    assert_eq!(cases, declared_cases, "{rendered}");
    assert_eq!(failures, declared_failures, "{rendered}");
    // The names come back exactly as the logs spelled them (after XML unescaping).
    assert!(
        names.iter().any(|name| name.contains("<script>")),
        "{names:?}"
    );
    assert!(
        names.iter().any(|name| name.contains("new\nline")),
        "{names:?}"
    );
}

#[test]
fn the_verdict_is_the_worst_section_and_a_violation_outranks_insufficient_samples() {
    let budgets = r#"{"a": {"few": {"avg": 100}, "slow": {"avg": 1, "min_samples": 1}}}"#;
    let both = BTreeMap::from([
        group("a", "few", vec![1.0], 0, 0),
        group("a", "slow", vec![2.0], 0, 0),
    ]);
    assert_eq!(report_of(budgets, both).verdict(), Verdict::Fail);
    let few = BTreeMap::from([group("a", "few", vec![1.0], 0, 0)]);
    let inconclusive = report_of(budgets, few);
    assert_eq!(inconclusive.verdict(), Verdict::Inconclusive);
    assert_eq!(inconclusive.verdict().exit_code(), 2);
    assert_eq!(inconclusive.counts().insufficient_samples, 1);
    let warn = report_of(
        r#"{"a": {"b": {"avg": 1, "severity": "warn", "min_samples": 1}}}"#,
        BTreeMap::from([group("a", "b", vec![5.0], 0, 0)]),
    );
    assert_eq!(
        warn.verdict(),
        Verdict::Pass,
        "a warn violation never fails the run"
    );
    assert_eq!(warn.counts().warned, 1);
}

/// `summarize` over records that carry two measures, one of them on some records only.
fn measured_summary(latency_of: perf_record::LatencyOf) -> perf_report::summary::SummaryReport {
    let mut group = GroupSamples::default();
    for index in 0..20_u32 {
        let ok = index % 10 != 9;
        let allocs = if index % 2 == 0 {
            format!(r#","allocs":{}"#, 800 + index)
        } else {
            String::new()
        };
        let line = format!(
            r#"{{"ts":"2025-10-16T23:34:46Z","tool":"run","step":"build","ms":{},"ok":{ok},"measures":{{"peak_rss_mb":{}{allocs}}}}}"#,
            100 + index,
            200.0 + f64::from(index) * 0.5,
        );
        let Ok(perf_record::Line::Record(record)) = perf_record::parse_line(line.as_bytes()) else {
            panic!("{line}")
        };
        group.add_record(&record);
    }
    let name = perf_record::GroupName::ToolStep(GroupKey::new("run", "build"));
    perf_report::summary::summarize_groups("tool,step", latency_of, [(&name, &group)]).unwrap()
}

#[test]
fn summary_with_two_measures() {
    let report = measured_summary(perf_record::LatencyOf::Ok);
    let group = &report.groups[0];
    // 18 successful records carry peak_rss_mb; the 10 even ones allocs too (missing is not
    // zero; the two errors, 9 and 19, are odd).
    assert_eq!(group.measures["peak_rss_mb"].count, 18);
    assert_eq!(group.measures["allocs"].count, 10);
    assert_eq!(group.measures["peak_rss_mb"].unit, "MiB");
    assert_eq!(group.measures["allocs"].unit, "count");
    // numpy.mean([800, 802, ..., 818]) == 809.0
    assert_eq!(group.measures["allocs"].mean, 809.0);
    let all = measured_summary(perf_record::LatencyOf::All);
    assert_eq!(all.groups[0].measures["peak_rss_mb"].count, 20);
    insta::assert_snapshot!(
        "summary_with_two_measures_text",
        text::render_summary(&report)
    );
    insta::assert_snapshot!(
        "summary_with_two_measures_markdown",
        markdown::render_summary(&report)
    );
    insta::assert_snapshot!(
        "summary_with_two_measures_json",
        json::render_summary(&report).unwrap()
    );
}
