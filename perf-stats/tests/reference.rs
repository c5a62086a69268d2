//! Agreement with numpy and scipy on the committed reference values (`fixtures/reference.json`,
//! written by `fixtures/generate.py`). No Python is needed to run these tests.
#![allow(
    clippy::expect_used,
    reason = "a broken fixture file should stop the test with a message"
)]

use perf_stats::{
    Alternative, MannWhitneyConfig, MannWhitneyMethod, QuantileMethod, SummaryConfig,
    error_rate_confidence_interval, mann_whitney_u, mean_confidence_interval,
    proportion_confidence_interval, quantiles, summarize, welch_t_test,
};
use serde_json::Value;

fn reference() -> Value {
    let text = include_str!("../fixtures/reference.json");
    serde_json::from_str(text).expect("reference.json is valid JSON")
}

fn numbers(value: &Value) -> Vec<f64> {
    value
        .as_array()
        .expect("an array")
        .iter()
        .map(|v| v.as_f64().expect("a number"))
        .collect()
}

/// `|actual - expected| <= tolerance * |expected|`, with exact equality required for zero.
fn assert_close(actual: f64, expected: f64, relative_tolerance: f64, context: &str) {
    let allowed = relative_tolerance * expected.abs();
    assert!(
        (actual - expected).abs() <= allowed,
        "{context}: got {actual:e}, numpy/scipy says {expected:e} (difference {:e})",
        (actual - expected).abs()
    );
}

fn alternative(name: &str) -> Alternative {
    match name {
        "two-sided" => Alternative::TwoSided,
        "less" => Alternative::Less,
        "greater" => Alternative::Greater,
        other => panic!("unknown alternative {other}"),
    }
}

#[test]
fn fixture_declares_schema_version() {
    assert_eq!(reference()["schema_version"], 1);
}

#[test]
fn all_nine_quantile_methods_match_numpy() {
    let reference = reference();
    let cases = reference["quantiles"].as_array().unwrap();
    assert!(cases.len() >= 10);
    let mut compared = 0;
    for case in cases {
        let name = case["name"].as_str().unwrap();
        let data = numbers(&case["data"]);
        let probabilities = numbers(&case["probabilities"]);
        for method in QuantileMethod::ALL {
            let expected = numbers(&case["methods"][method.numpy_name()]);
            let actual = quantiles(&data, &probabilities, method).unwrap();
            for ((q, got), want) in probabilities.iter().zip(&actual).zip(&expected) {
                assert_close(*got, *want, 1e-12, &format!("{name} {method} q={q}"));
                compared += 1;
            }
        }
    }
    assert!(compared > 1000, "only {compared} values compared");
}

#[test]
fn summary_matches_numpy_moments_and_percentiles() {
    let reference = reference();
    for case in reference["quantiles"].as_array().unwrap() {
        let name = case["name"].as_str().unwrap();
        let data = numbers(&case["data"]);
        let config = SummaryConfig {
            percentiles: numbers(&case["percents"]),
            ..Default::default()
        };
        let summary = summarize(&data, &config).unwrap();
        assert_eq!(summary.count, data.len());
        assert_close(
            summary.mean,
            case["mean"].as_f64().unwrap(),
            1e-12,
            &format!("{name} mean"),
        );
        match case["stddev"].as_f64() {
            Some(expected) => assert_close(
                summary.stddev.unwrap(),
                expected,
                1e-12,
                &format!("{name} stddev"),
            ),
            None => assert_eq!(summary.stddev, None, "{name}: stddev of one value"),
        }
        for (entry, expected) in summary
            .percentiles
            .iter()
            .zip(numbers(&case["linear_percentiles"]))
        {
            assert_close(
                entry.value,
                expected,
                1e-12,
                &format!("{name} {}", entry.name()),
            );
        }
        perf_stats::check_monotonic(&summary).unwrap();
    }
}

#[test]
fn mann_whitney_matches_scipy() {
    let reference = reference();
    let cases = reference["mann_whitney"].as_array().unwrap();
    let mut exact_cases = 0;
    for case in cases {
        let first = numbers(&case["first"]);
        let second = numbers(&case["second"]);
        let method = match case["method"].as_str().unwrap() {
            "exact" => MannWhitneyMethod::Exact,
            "asymptotic" => MannWhitneyMethod::Asymptotic,
            _ => MannWhitneyMethod::Auto,
        };
        exact_cases += usize::from(method == MannWhitneyMethod::Exact);
        let config = MannWhitneyConfig {
            alternative: alternative(case["alternative"].as_str().unwrap()),
            method,
            continuity_correction: case["continuity"].as_bool().unwrap(),
        };
        let context = format!(
            "{} {} {} continuity={}",
            case["name"], case["alternative"], case["method"], case["continuity"]
        );
        let result = mann_whitney_u(&first, &second, &config).unwrap();
        assert_eq!(
            result.u_statistic,
            case["statistic"].as_f64().unwrap(),
            "{context}"
        );
        assert_close(
            result.p_value,
            case["p_value"].as_f64().unwrap(),
            1e-9,
            &context,
        );
    }
    assert!(exact_cases >= 15, "only {exact_cases} exact cases");
}

#[test]
fn welch_t_test_matches_scipy() {
    let reference = reference();
    for case in reference["welch"].as_array().unwrap() {
        let first = numbers(&case["first"]);
        let second = numbers(&case["second"]);
        let context = format!("{} {}", case["name"], case["alternative"]);
        let result = welch_t_test(
            &first,
            &second,
            alternative(case["alternative"].as_str().unwrap()),
        )
        .unwrap();
        assert_close(
            result.t_statistic,
            case["statistic"].as_f64().unwrap(),
            1e-12,
            &context,
        );
        assert_close(
            result.degrees_of_freedom,
            case["df"].as_f64().unwrap(),
            1e-12,
            &context,
        );
        assert_close(
            result.p_value,
            case["p_value"].as_f64().unwrap(),
            1e-9,
            &context,
        );
    }
}

#[test]
fn mean_interval_matches_scipy_t_interval() {
    let reference = reference();
    let cases = reference["mean_intervals"].as_array().unwrap();
    assert!(cases.len() >= 20);
    for case in cases {
        let name = case["name"].as_str().unwrap();
        let data = numbers(&case["data"]);
        let confidence = case["confidence"].as_f64().unwrap();
        let interval = mean_confidence_interval(&data, confidence).unwrap();
        let context = format!("{name} at {confidence}");
        assert_close(
            interval.lower,
            case["lower"].as_f64().unwrap(),
            1e-9,
            &context,
        );
        assert_close(
            interval.upper,
            case["upper"].as_f64().unwrap(),
            1e-9,
            &context,
        );
    }
}

#[test]
fn proportion_interval_matches_statsmodels_wilson() {
    let reference = reference();
    let cases = reference["proportion_intervals"].as_array().unwrap();
    assert!(cases.len() >= 20);
    for case in cases {
        let events = case["events"].as_u64().unwrap();
        let trials = case["trials"].as_u64().unwrap();
        let confidence = case["confidence"].as_f64().unwrap();
        let interval = proportion_confidence_interval(events, trials, confidence).unwrap();
        let context = format!("{events}/{trials} at {confidence}");
        // Near 0, statsmodels leaves a rounding residue (7e-18 for 0 events) where perf-stats
        // gives exactly 0: relative 1e-9 plus an absolute 1e-15.
        for (got, want) in [
            (interval.lower, case["lower"].as_f64().unwrap()),
            (interval.upper, case["upper"].as_f64().unwrap()),
        ] {
            assert!(
                (got - want).abs() <= 1e-9 * want.abs() + 1e-15,
                "{context}: got {got:e}, statsmodels says {want:e}"
            );
        }
    }
}

/// Wilson with continuity correction against scipy's `proportion_ci(method="wilsoncc")`
/// (`fixtures/error_rate.py`).
#[test]
fn error_rate_interval_matches_scipy_wilsoncc() {
    let fixture: serde_json::Value =
        serde_json::from_str(include_str!("../fixtures/error_rate.json")).unwrap();
    let cases = fixture["cases"].as_array().unwrap();
    assert!(cases.len() >= 150);
    for case in cases {
        let events = case["events"].as_u64().unwrap();
        let trials = case["trials"].as_u64().unwrap();
        let confidence = case["confidence"].as_f64().unwrap();
        let interval = error_rate_confidence_interval(events, trials, confidence).unwrap();
        for (got, want) in [
            (interval.lower, case["lower"].as_f64().unwrap()),
            (interval.upper, case["upper"].as_f64().unwrap()),
        ] {
            assert!(
                (got - want).abs() <= 1e-9 * want.abs() + 1e-15,
                "{events}/{trials} at {confidence}: got {got:e}, scipy says {want:e}"
            );
        }
    }
}
