//! The scale change test against scipy and numpy (`fixtures/scale_test.json`, written by
//! `fixtures/scale_test.py`). No Python is needed to run these tests.
#![allow(
    clippy::expect_used,
    reason = "a broken fixture file should stop the test with a message"
)]

use perf_stats::{Direction, scale_change_test};
use serde_json::Value;

fn numbers(value: &Value) -> Vec<f64> {
    value
        .as_array()
        .expect("an array")
        .iter()
        .map(|v| v.as_f64().expect("a number"))
        .collect()
}

fn close(actual: f64, expected: f64, tolerance: f64, context: &str) {
    assert!(
        (actual - expected).abs() <= tolerance * expected.abs().max(1e-3),
        "{context}: {actual} vs {expected}"
    );
}

#[test]
fn p_values_bounds_and_estimates_match_scipy() {
    let reference: Value = serde_json::from_str(include_str!("../fixtures/scale_test.json"))
        .expect("scale_test.json is valid JSON");
    let cases = reference["cases"].as_array().expect("cases");
    assert_eq!(cases.len(), 5);
    for case in cases {
        let name = case["name"].as_str().expect("name");
        let worse = match case["worse"].as_str().expect("worse") {
            "increase" => Direction::Increase,
            _ => Direction::Decrease,
        };
        let margin = case["margin"].as_f64().expect("margin");
        let test = scale_change_test(
            &numbers(&case["baseline"]),
            &numbers(&case["candidate"]),
            margin,
            worse,
        )
        .expect("the test runs");
        let p_value = case["p_value"].as_f64().expect("p_value");
        close(test.p_value, p_value, 1e-9, &format!("{name}: p"));
        let estimate = case["hodges_lehmann"].as_f64().expect("estimate");
        close(
            test.relative_change,
            estimate,
            1e-9,
            &format!("{name}: estimate"),
        );
        for (alpha, expected) in case["bounds"].as_object().expect("bounds") {
            let alpha: f64 = alpha.parse().expect("an alpha");
            let expected = numbers(expected);
            let (lower, upper) = test.bounds(alpha).expect("bounds");
            close(
                lower,
                expected[0],
                1e-9,
                &format!("{name}: lower at {alpha}"),
            );
            close(
                upper,
                expected[1],
                1e-9,
                &format!("{name}: upper at {alpha}"),
            );
        }
    }
}
