//! The reports a pull-request reviewer reads: the Markdown layout at 20 and 1,500 groups, sub-
//! millisecond values, the JUnit file (validated against Jenkins' junit-10.xsd with xmllint) and
//! the capped GitHub annotations.

// Test helpers outside #[test] functions may unwrap: a failure is a test failure.
#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use perf_baseline::{self as baseline, BuildConfig, CompareConfig, Fingerprint};
use perf_budget::{EvaluateConfig, evaluate, parse_budgets};
use perf_record::{GroupKey, GroupSamples, OutcomeCounts};
use perf_report::render::{github, junit, markdown, text};
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

/// 100 latencies spread evenly over `[scale, 1.5 * scale]` (p95 = 1.475 * scale): enough for
/// the p95 comparison, which needs 72 a side.
fn samples(scale: f64) -> GroupSamples {
    let latencies: Vec<f64> = (0..100)
        .map(|index| scale * (1.0 + 0.5 * f64::from(index) / 99.0))
        .collect();
    GroupSamples {
        counts: OutcomeCounts {
            ok: 100,
            errors: 0,
            unknown: 0,
        },
        latencies_ms: latencies,
        ..Default::default()
    }
}

/// `count` groups `api/step-NNNN` (the first is `api/get_cart`) measured before and after,
/// gated against `budgets`; `after` says how a group's scale changed.
fn report_of(
    budgets: &str,
    count: usize,
    scale: impl Fn(usize) -> f64,
    after: impl Fn(usize) -> f64,
) -> Report {
    let name = |index: usize| match index {
        0 => "get_cart".to_owned(),
        _ => format!("step-{index:04}"),
    };
    let before: BTreeMap<GroupKey, GroupSamples> = (0..count)
        .map(|index| (GroupKey::new("api", name(index)), samples(scale(index))))
        .collect();
    let current: BTreeMap<GroupKey, GroupSamples> = (0..count)
        .map(|index| {
            let key = GroupKey::new("api", name(index));
            (key, samples(scale(index) * after(index)))
        })
        .collect();
    let config = BuildConfig {
        fingerprint: fingerprint(),
        created_at: None,
        max_points: baseline::DEFAULT_MAX_POINTS,
        quantile_method: QuantileMethod::Linear,
    };
    let passport = baseline::build(&before, &config).unwrap();
    let comparison = baseline::compare(
        &passport,
        &current,
        &fingerprint(),
        &CompareConfig::default(),
    )
    .unwrap();
    let budgets = parse_budgets(budgets).unwrap();
    let evaluate_config = EvaluateConfig {
        confidence_level: 0.95,
        quantile_method: QuantileMethod::Linear,
    };
    let settings = ReportSettings::of_budgets(&budgets, evaluate_config.confidence_level);
    let evaluation = evaluate(&budgets, &current, &evaluate_config).unwrap();
    Report::new(settings, evaluation, Some(comparison))
}

/// Every group has a p95 budget of 1 s; `api/get_cart` regresses by 22.5 %, everything else is
/// unchanged. Only the regression fails the run.
fn regression_only(count: usize) -> Report {
    report_of(
        r#"{"defaults": {"min_samples": 50}, "api": {"*": {"p95": 1000}}}"#,
        count,
        |index| 20.0 + index as f64 % 50.0,
        |index| if index == 0 { 1.225 } else { 1.0 },
    )
}

#[test]
fn markdown_at_20_groups() {
    let report = regression_only(20);
    assert_eq!(report.verdict(), Verdict::Fail);
    let rendered = markdown::render(&report, &markdown::MarkdownConfig::default());
    assert_eq!(
        rendered.lines().next().unwrap(),
        "## perf-gate FAIL: 1 regression (api/get&#95;cart p95 +22.5%), 0 budget violations (20 checks)"
    );
    // The regression is above the lint, warnings and every passing row.
    let regression = rendered.find("| **regressed** | api/get&#95;cart").unwrap();
    let details = rendered.find("<details>").unwrap();
    assert!(regression < details, "{rendered}");
    insta::assert_snapshot!(rendered);
}

#[test]
fn markdown_at_1500_groups_fits_a_pull_request_comment_and_leads_with_the_failure() {
    let report = regression_only(1500);
    let rendered = markdown::render(&report, &markdown::MarkdownConfig::default());
    assert!(
        rendered.chars().count() <= markdown::PR_COMMENT_MAX_BYTES
            && rendered.len() <= markdown::PR_COMMENT_MAX_BYTES,
        "{} bytes",
        rendered.len()
    );
    let first_lines: Vec<&str> = rendered.lines().take(12).collect();
    assert!(
        first_lines[0].contains("api/get&#95;cart p95 +22.5%"),
        "{first_lines:#?}"
    );
    assert!(
        first_lines
            .iter()
            .any(|line| line.starts_with("| **regressed** | api/get&#95;cart |")),
        "{first_lines:#?}"
    );
    // What was left out is said, passing detail first; nothing that needs attention is lost.
    let note = rendered.lines().last().unwrap();
    assert!(
        note.starts_with("_Left out to stay under 65,536 bytes: "),
        "{note}"
    );
    assert!(note.contains("passing checks"), "{note}");
    assert!(!note.contains("regressed or not comparable"), "{note}");
    // The snapshot keeps the head and the tail: the middle is 60 KB of passing rows.
    let lines: Vec<&str> = rendered.lines().collect();
    let head = lines[..20].join("\n");
    let tail = lines[lines.len() - 6..].join("\n");
    insta::assert_snapshot!(format!("{head}\n[...]\n{tail}"));
}

#[test]
fn max_bytes_truncates_passing_detail_first_at_any_size() {
    let report = regression_only(200);
    let full = markdown::render(
        &report,
        &markdown::MarkdownConfig {
            max_bytes: markdown::JOB_SUMMARY_MAX_BYTES,
        },
    );
    assert!(!full.contains("_Left out"), "everything fits in 1 MiB");
    for max_bytes in [1_500, 3_000, 6_000, 12_000, 24_000] {
        let trimmed = markdown::render(&report, &markdown::MarkdownConfig { max_bytes });
        assert!(
            trimmed.len() <= max_bytes,
            "{} > {max_bytes}",
            trimmed.len()
        );
        assert!(
            trimmed.contains("| **regressed** | api/get&#95;cart |"),
            "{max_bytes}"
        );
        assert!(trimmed.contains("_Left out to stay under "), "{max_bytes}");
    }
}

/// A cache lookup of about 2 µs against a 1.5 µs budget, and a 0.8 µs one that regressed.
fn sub_millisecond() -> Report {
    report_of(
        r#"{"defaults": {"min_samples": 50}, "api": {"get_cart": {"p95": 0.0015}, "*": {"p95": 0.01}}}"#,
        3,
        |index| [0.0014, 0.000_6, 0.0021][index],
        |index| [1.0, 1.386, 1.0][index],
    )
}

#[test]
fn sub_millisecond_values_scale_to_microseconds() {
    let report = sub_millisecond();
    let plain = text::render(&report, &text::TextConfig { color: false });
    assert!(
        !plain.contains("0.00ms") && !plain.contains("0.00 ms"),
        "{plain}"
    );
    assert!(plain.is_ascii(), "{plain}");
    let rendered = markdown::render(&report, &markdown::MarkdownConfig::default());
    assert!(rendered.contains("| 2.06 µs | 1.50 µs |"), "{rendered}");
    insta::assert_snapshot!("sub_millisecond_text", plain);
    insta::assert_snapshot!("sub_millisecond_markdown", rendered);
}

#[test]
fn junit_names_are_stable_across_baselines() {
    let report = regression_only(3);
    let rendered = junit::render(&report);
    insta::assert_snapshot!(rendered);
    assert!(rendered.contains("<testcase classname=\"baseline.api\" name=\"get_cart p95\""));
    let hash = &report.baseline().unwrap().baseline_hash;
    // The hash and the tolerance are properties, never part of a name.
    assert!(rendered.contains(&format!("<property name=\"baseline\" value=\"{hash}\"/>")));
    for line in rendered.lines().filter(|line| line.contains("<testcase ")) {
        assert!(
            !line.contains("sha256") && !line.contains("tolerance"),
            "{line}"
        );
        assert!(line.contains(" time=\""), "{line}");
    }
    let failure = rendered
        .lines()
        .find(|line| line.contains("<failure type=\"regressed\""))
        .unwrap();
    assert!(
        failure
            .contains("message=\"p95 36.14 ms &gt; 30.98 ms (baseline 29.50 ms + 5.0% tolerance)"),
        "{failure}"
    );
}

/// `xmllint --schema` on `document`: `Ok(())` when valid, `Err(output)` when not, `None` when
/// xmllint is missing and this is not CI (where it is a failure).
fn xmllint(document: &str) -> Option<Result<(), String>> {
    let schema = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/junit-10.xsd");
    let directory = tempfile::tempdir().unwrap();
    let path = directory.path().join("junit.xml");
    std::fs::write(&path, document).unwrap();
    let output = match Command::new("xmllint")
        .arg("--noout")
        .arg("--schema")
        .arg(&schema)
        .arg(&path)
        .output()
    {
        Ok(output) => output,
        Err(error) => {
            assert!(
                std::env::var("CI").as_deref() != Ok("true"),
                "xmllint is needed under CI=true (.ci/run installs libxml2-utils): {error}"
            );
            eprintln!(
                "SKIPPED: the JUnit schema check needs xmllint (apt-get install libxml2-utils): {error}"
            );
            return None;
        }
    };
    Some(if output.status.success() {
        Ok(())
    } else {
        Err(String::from_utf8_lossy(&output.stderr).into_owned())
    })
}

#[test]
fn junit_validates_against_jenkins_junit_10_xsd() {
    let reports = [
        ("regression only", regression_only(20)),
        ("sub-millisecond", sub_millisecond()),
        (
            "every status",
            report_of(
                r#"{"defaults": {"min_samples": 50},
                    "api": {"get_cart": {"p95": 1, "error_rate": 0.01}, "step-0001": {"max": 1, "severity": "warn"},
                            "step-0002": {"p99": 100, "min_samples": 1000}, "gone": {"p95": 1},
                            "step-0003": {"p50": 1, "min_samples": 1000, "severity": "warn"}},
                    "a<b&\"c'": {"*": {"p95": 1}}}"#,
                5,
                |index| 20.0 + index as f64,
                |index| if index == 4 { 2.0 } else { 1.0 },
            ),
        ),
    ];
    for (name, report) in &reports {
        let document = junit::render(report);
        match xmllint(&document) {
            None => return,
            Some(Ok(())) => {}
            Some(Err(errors)) => panic!("{name}: junit.xml is not valid:\n{errors}\n{document}"),
        }
    }
    // The check can fail: the attribute the old renderer wrote is refused.
    let invalid = junit::render(&reports[0].1).replacen(
        "<testsuites name=\"perf-gate\"",
        "<testsuites skipped=\"0\" name=\"perf-gate\"",
        1,
    );
    assert!(matches!(xmllint(&invalid), Some(Err(_))), "{invalid}");
}

#[test]
fn annotations_are_capped_and_budget_ones_name_the_budget_file() {
    // 30 groups over budget and 30 that regressed.
    let report = report_of(
        r#"{"defaults": {"min_samples": 50}, "api": {"*": {"p95": 25}}}"#,
        30,
        |index| 20.0 + index as f64,
        |index| 1.2 + index as f64 / 100.0,
    );
    let config = github::GithubConfig {
        budget_file: Some("perf/budgets.json"),
        baseline_file: Some("perf-baseline.json"),
    };
    let rendered = github::render(&report, &config);
    let lines: Vec<&str> = rendered.lines().collect();
    let errors: Vec<&str> = lines
        .iter()
        .copied()
        .filter(|line| line.starts_with("::error "))
        .collect();
    assert_eq!(errors.len(), github::MAX_PER_LEVEL, "{rendered}");
    assert!(
        lines
            .iter()
            .filter(|line| line.starts_with("::notice "))
            .count()
            <= 10
    );
    assert!(
        errors
            .iter()
            .all(|line| line.starts_with("::error file=perf/budgets.json,")
                || line.starts_with("::error file=perf-baseline.json,")),
        "{rendered}"
    );
    // Largest miss first: the last group misses its budget by the most.
    assert!(errors[0].contains("api/step-0029 p95"), "{}", errors[0]);
    let last = lines.last().unwrap();
    assert!(
        last.starts_with("::notice title=perf-gate::50 more in the job summary (50 errors"),
        "{last}"
    );
    insta::assert_snapshot!(rendered);
}

/// The baseline table fits a pull request (860 px): seven columns, and apart from the group
/// name no cell longer than a `[+27.8%, +32.2%]` interval, with the long reason in a list under
/// the table instead of a column.
#[test]
fn the_baseline_table_is_narrow() {
    let rendered = markdown::render(&regression_only(20), &markdown::MarkdownConfig::default());
    // The baseline table's rows (the budget table's passing rows start with `| ok |`).
    let rows: Vec<&str> = rendered
        .lines()
        .filter(|line| {
            line.starts_with("| ") && line.contains(" ms |") && !line.starts_with("| ok |")
        })
        .collect();
    assert!(!rows.is_empty());
    for row in rows {
        let cells: Vec<&str> = row.trim_matches('|').split(" | ").map(str::trim).collect();
        assert_eq!(cells.len(), 7, "{row}");
        for (column, cell) in cells.iter().enumerate() {
            if column != 1 {
                assert!(cell.chars().count() <= 17, "{cell:?} in {row}");
            }
        }
    }
    assert!(rendered.contains("\n- api/get&#95;cart: p95 +22.5% exceeds the 5.0% tolerance"));
}
