//! The quantile change test against numpy, scipy and statsmodels (`fixtures/quantile_test.json`,
//! written by `fixtures/quantile_test.py`). No Python is needed to run these tests.
#![allow(
    clippy::expect_used,
    reason = "a broken fixture file should stop the test with a message"
)]

use perf_stats::{
    QuantileEstimate, QuantileMethod, SortedSample, hall_sheather_bandwidth, quantile_change_test,
    quantile_estimate,
};
use serde_json::Value;

fn reference() -> Value {
    serde_json::from_str(include_str!("../fixtures/quantile_test.json"))
        .expect("quantile_test.json is valid JSON")
}

fn number(value: &Value) -> f64 {
    value.as_f64().expect("a number")
}

fn close(actual: f64, expected: f64, context: &str) {
    assert!(
        (actual - expected).abs() <= 1e-9 * expected.abs().max(1e-12),
        "{context}: {actual} vs {expected}"
    );
}

#[test]
fn estimates_match_numpy_and_statsmodels() {
    let reference = reference();
    let samples: Vec<(u64, Vec<f64>)> = reference["samples"]
        .as_array()
        .expect("samples")
        .iter()
        .map(|sample| {
            let points = sample["points"]
                .as_array()
                .expect("points")
                .iter()
                .map(number)
                .collect();
            (sample["count"].as_u64().expect("count"), points)
        })
        .collect();
    let cases = reference["estimates"].as_array().expect("estimates");
    assert_eq!(cases.len(), 24);
    for case in cases {
        let (count, points) = &samples[case["sample"].as_u64().expect("index") as usize];
        let q = number(&case["q"]);
        let context = format!("n={count} q={q}");
        close(
            hall_sheather_bandwidth(*count, q),
            number(&case["bandwidth"]),
            &context,
        );
        let sample = SortedSample::subsample(points, *count).expect("sorted");
        let estimate = quantile_estimate(sample, q, QuantileMethod::Linear).expect("estimate");
        close(estimate.value, number(&case["value"]), &context);
        close(
            estimate.standard_error,
            number(&case["standard_error"]),
            &context,
        );
    }
}

#[test]
fn tests_match_scipy() {
    let reference = reference();
    for case in reference["tests"].as_array().expect("tests") {
        let side = |name: &str| QuantileEstimate {
            value: number(&case[name][0]),
            standard_error: number(&case[name][1]),
        };
        let test =
            quantile_change_test(side("baseline"), side("candidate"), number(&case["margin"]))
                .expect("test");
        let context = format!("{case}");
        close(test.p_value, number(&case["p_value"]), &context);
        for (alpha, expected) in case["bounds"].as_object().expect("bounds") {
            let (lower, upper) = test.bounds(alpha.parse().expect("alpha")).expect("bounds");
            close(lower, number(&expected[0]), &context);
            close(upper, number(&expected[1]), &context);
        }
    }
}
