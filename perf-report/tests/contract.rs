//! The exit-code contract, and invariants of the parsers and escapers on arbitrary input.

// Test helpers outside #[test] functions may unwrap: a failure is a test failure.
#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;

use perf_budget::{EvaluateConfig, evaluate, parse_budgets};
use perf_record::{GroupKey, GroupSamples, OutcomeCounts};
use perf_report::render::escape;
use perf_report::{ExitCode, Report, ReportSettings, Verdict};
use perf_stats::QuantileMethod;
use proptest::prelude::*;

fn exit_code(budgets: &str, latencies: &[f64]) -> u8 {
    let counts = OutcomeCounts {
        ok: latencies.len() as u64,
        errors: 0,
        unknown: 0,
    };
    let samples = GroupSamples {
        counts,
        latencies_ms: latencies.to_vec(),
        ..Default::default()
    };
    let groups = BTreeMap::from([(GroupKey::new("t", "s"), samples)]);
    let config = EvaluateConfig {
        confidence_level: 0.95,
        quantile_method: QuantileMethod::Linear,
    };
    let budgets = parse_budgets(budgets).unwrap();
    let settings = ReportSettings::of_budgets(&budgets, config.confidence_level);
    let evaluation = evaluate(&budgets, &groups, &config).unwrap();
    Report::new(settings, evaluation, None)
        .verdict()
        .exit_code()
}

#[test]
fn exit_code_0_when_every_check_passes() {
    assert_eq!(
        exit_code(
            r#"{"t": {"s": {"max": 10, "min_samples": 2}}}"#,
            &[1.0, 2.0]
        ),
        0
    );
}

#[test]
fn exit_code_0_with_only_warnings() {
    assert_eq!(
        exit_code(
            r#"{"t": {"s": {"max": 1, "min_samples": 2, "severity": "warn"}}}"#,
            &[1.0, 2.0]
        ),
        0
    );
}

#[test]
fn exit_code_3_on_a_violation() {
    assert_eq!(
        exit_code(r#"{"t": {"s": {"max": 1, "min_samples": 2}}}"#, &[1.0, 2.0]),
        3
    );
}

#[test]
fn exit_code_3_on_a_violation_even_with_insufficient_samples_elsewhere() {
    assert_eq!(
        exit_code(
            r#"{"t": {"s": {"max": 1, "min_samples": 2}, "gone": {"max": 1}}}"#,
            &[1.0, 2.0]
        ),
        3
    );
}

#[test]
fn exit_code_2_on_insufficient_samples() {
    assert_eq!(exit_code(r#"{"t": {"s": {"max": 10}}}"#, &[1.0, 2.0]), 2);
}

#[test]
fn exit_code_2_when_a_budgeted_group_has_no_data() {
    assert_eq!(
        exit_code(
            r#"{"t": {"s": {"max": 10, "min_samples": 2}, "gone": {"p95": 5}}}"#,
            &[1.0, 2.0]
        ),
        2
    );
}

#[test]
fn exit_code_1_is_reserved_for_usage_errors() {
    assert_eq!(ExitCode::ERROR, 1);
    assert_eq!(
        [ExitCode::PASS, ExitCode::INCONCLUSIVE, ExitCode::FAIL],
        [0, 2, 3]
    );
    let codes: Vec<u8> = [Verdict::Pass, Verdict::Inconclusive, Verdict::Fail]
        .map(Verdict::exit_code)
        .to_vec();
    assert_eq!(codes, [0, 2, 3]);
    assert!(!codes.contains(&ExitCode::ERROR));
}

proptest! {
    #[test]
    fn parse_budgets_never_panics(text in ".{0,200}") {
        let _ = parse_budgets(&text);
    }

    #[test]
    fn parse_budgets_never_panics_on_json_shaped_input(
        tool in "[a-z*]{1,3}", step in "[a-z*]{1,3}", key in "[a-z_.0-9]{1,8}", value in -1e3f64..1e3,
    ) {
        let text = format!(r#"{{"{tool}": {{"{step}": {{"{key}": {value}}}}}}}"#);
        if let Err(error) = parse_budgets(&text) {
            prop_assert!(error.to_string().starts_with('$'), "{}", error);
        }
    }

    #[test]
    fn markdown_escape_leaves_no_syntax(name in any::<String>()) {
        let escaped = escape::markdown(&name);
        for forbidden in ['|', '<', '>', '[', ']', '`', '*', '_', '\\', '\n', '\r', ':', '!'] {
            prop_assert!(!escaped.contains(forbidden), "{:?} -> {:?}", name, escaped);
        }
    }

    #[test]
    fn junit_escape_leaves_only_valid_xml_text(name in any::<String>()) {
        let escaped = escape::xml(&name);
        prop_assert!(!escaped.contains(['<', '>', '"', '\'']));
        let valid_xml_char = |character: char| {
            matches!(character, '\u{20}'..='\u{d7ff}' | '\u{e000}'..='\u{fffd}' | '\u{10000}'..='\u{10ffff}')
        };
        let all_valid = escaped.chars().all(valid_xml_char);
        prop_assert!(all_valid, "{:?}", escaped);
    }

    #[test]
    fn github_escape_keeps_one_line(name in any::<String>()) {
        prop_assert!(!escape::workflow_data(&name).contains(['\n', '\r']));
        prop_assert!(!escape::workflow_property(&name).contains(['\n', '\r', ':', ',']));
    }

    #[test]
    fn text_ascii_is_printable_ascii(name in any::<String>()) {
        prop_assert!(escape::ascii(&name).bytes().all(|byte| (b' '..=b'~').contains(&byte)));
    }
}
