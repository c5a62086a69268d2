//! The JSON Schema of the budget file (feature `schemars`), beside the parser it describes.
//!
//! The budget file is read by a hand-written parser (errors with JSON paths, duplicate keys
//! refused), not by serde, so its schema is written here from the same vocabulary: the entry
//! options, the metric names of [`crate::Metric`], the measure names of
//! `perf_record::validate_measure_name` and the fraction grammar of
//! [`crate::parse_fraction`]. `cargo xtask schemas` writes it to `schemas/budgets.schema.json`;
//! a test there checks that every budget file in the repository validates and that
//! [`crate::parse_budgets`] accepts it.

use perf_stats::PERCENTILE_PATTERN;

use crate::BUDGET_FILE_SCHEMA_VERSION;

/// A fraction written as a string: a percentage (`"10%"`) or a plain decimal (`"0.1"`).
const FRACTION_TEXT_PATTERN: &str = r"^\s*([0-9]+(\.[0-9]*)?|\.[0-9]+)\s*%?\s*$";

/// A record measure's name (`perf_record::validate_measure_name`; `ms` aside).
const MEASURE_NAME_PATTERN: &str = "^[a-z][a-z0-9_]{0,63}$";

/// The schema of a budget file.
pub fn budget_file_schema() -> schemars::Schema {
    let fraction = schemars::json_schema!({
        "anyOf": [
            { "type": "number", "minimum": 0, "maximum": 1 },
            { "type": "string", "pattern": FRACTION_TEXT_PATTERN }
        ]
    });
    let milliseconds = schemars::json_schema!({ "type": "number", "minimum": 0 });
    let measure = schemars::json_schema!({
        "type": "object",
        "description": "The limits of one record measure (a key that is a measure name, such as peak_rss_mb or allocs): avg, min, max and percentiles in the measure's unit, and its direction (higher_is_worse, the default: observed <= limit passes; higher_is_better: observed >= limit passes).",
        "minProperties": 1,
        "properties": {
            "avg": milliseconds.clone(),
            "min": milliseconds.clone(),
            "max": milliseconds.clone(),
            "direction": { "enum": ["higher_is_worse", "higher_is_better"] }
        },
        "patternProperties": { PERCENTILE_PATTERN: milliseconds.clone() },
        "additionalProperties": false
    });
    let throughput = schemars::json_schema!({
        "type": "object",
        "description": "Bounds on the group's derived throughput, (N - 1) / T records per second over the span of its records' ts: min is a floor (observed >= min passes), max a ceiling. One figure per group, so no avg or percentiles; its direction is higher_is_better.",
        "minProperties": 1,
        "properties": {
            "min": milliseconds.clone(),
            "max": milliseconds.clone(),
            "direction": { "const": "higher_is_better" }
        },
        "additionalProperties": false
    });
    let entry = schemars::json_schema!({
        "type": "object",
        "description": "The limits of one tool/step: a check passes when observed <= limit.",
        "minProperties": 1,
        "properties": {
            "throughput_rps": throughput,
            "avg": milliseconds.clone(),
            "min": milliseconds.clone(),
            "max": milliseconds.clone(),
            "error_rate": fraction.clone(),
            "min_samples": { "type": "integer", "minimum": 0 },
            "severity": { "enum": ["fail", "warn"] },
            "trend": {
                "description": "Fail when the latest change point within the last `window` runs rises by more than `max_change` (evaluated over the run history).",
                "type": "object",
                "properties": {
                    "max_change": fraction.clone(),
                    "window": { "type": "integer", "minimum": crate::TrendRule::MIN_WINDOW, "maximum": crate::TrendRule::MAX_WINDOW }
                },
                "required": ["max_change", "window"],
                "additionalProperties": false
            },
            "consecutive": {
                "description": "Fail only after this many consecutive runs breach a limit of the entry.",
                "type": "integer", "minimum": 1, "maximum": crate::ConsecutiveRule::MAX_RUNS
            },
            "regression": {
                "description": "Largest allowed relative growth against a baseline: \"10%\" or 0.1.",
                "anyOf": [
                    { "type": "number", "minimum": 0, "maximum": 1 },
                    { "type": "string", "pattern": FRACTION_TEXT_PATTERN }
                ]
            }
        },
        "patternProperties": { PERCENTILE_PATTERN: milliseconds },
        "propertyNames": {
            "anyOf": [
                { "pattern": PERCENTILE_PATTERN },
                { "pattern": MEASURE_NAME_PATTERN }
            ]
        },
        "additionalProperties": measure
    });
    schemars::json_schema!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "perf-gate budget file",
        "description": "tool -> step -> limits. Tool and step keys are names, globs (get_*) or *; the most specific entry wins whole.",
        "type": "object",
        "properties": {
            "schema_version": { "const": BUDGET_FILE_SCHEMA_VERSION },
            "defaults": {
                "type": "object",
                "properties": {
                    "min_samples": { "type": "integer", "minimum": 0 },
                    "quantile_method": {
                        "anyOf": [
                            { "type": "integer", "minimum": 1, "maximum": 9 },
                            { "type": "string" }
                        ]
                    },
                    "latency_of": {
                        "description": "Which records enter latency statistics: ok (successful records, the default) or all (every known outcome). The error rate is always over every known outcome.",
                        "enum": ["ok", "all"]
                    }
                },
                "additionalProperties": false
            }
        },
        "additionalProperties": {
            "type": "object",
            "description": "The steps of one tool (or glob of tools).",
            "additionalProperties": entry
        }
    })
}
