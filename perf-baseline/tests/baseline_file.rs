//! The baseline file: determinism of the content hash, round trips, and clear load errors.

use std::collections::BTreeMap;

use camino::Utf8PathBuf;
use perf_baseline::{
    self as baseline, BaselineError, BuildConfig, DEFAULT_MAX_POINTS, Fingerprint,
};
use perf_record::{GroupKey, GroupSamples, OutcomeCounts};
use perf_stats::QuantileMethod;
use serde_json::Value;

fn fingerprint() -> Fingerprint {
    Fingerprint {
        os: "linux".into(),
        arch: "x86_64".into(),
        cpu_model: Some("Test CPU @ 3.00GHz".into()),
        cpu_cores: 4,
        perf_gate_version: "0.1.0".into(),
    }
}

fn config(created_at: &str) -> BuildConfig {
    BuildConfig {
        fingerprint: fingerprint(),
        created_at: Some(created_at.into()),
        max_points: DEFAULT_MAX_POINTS,
        quantile_method: QuantileMethod::Linear,
    }
}

fn group(tool: &str, step: &str, latencies: Vec<f64>, errors: u64) -> (GroupKey, GroupSamples) {
    let counts = OutcomeCounts {
        ok: latencies.len() as u64 - errors,
        errors,
        unknown: 2,
    };
    let samples = GroupSamples {
        counts,
        latencies_ms: latencies,
        ..Default::default()
    };
    (GroupKey::new(tool, step), samples)
}

fn samples() -> BTreeMap<GroupKey, GroupSamples> {
    BTreeMap::from([
        group("wsap", "plan", vec![1800.5, 1700.25, 2100.0, 1999.125], 1),
        group("registry", "health", vec![12.5, 10.0, 11.0, 40.75, 9.5], 0),
    ])
}

#[test]
fn identical_data_gives_identical_hash_and_text() {
    let first = baseline::build(&samples(), &config("2025-01-01T00:00:00Z")).unwrap();
    let mut reversed = samples();
    for group in reversed.values_mut() {
        group.latencies_ms.reverse();
    }
    let second = baseline::build(&reversed, &config("2025-01-01T00:00:00Z")).unwrap();
    assert_eq!(first.content_hash(), second.content_hash());
    assert_eq!(first.to_json(), second.to_json());
    assert!(first.content_hash().starts_with("sha256:"));
    assert_eq!(first.content_hash().len(), "sha256:".len() + 64);
}

#[test]
fn creation_time_is_not_hashed() {
    let first = baseline::build(&samples(), &config("2025-01-01T00:00:00Z")).unwrap();
    let later = baseline::build(&samples(), &config("2026-06-30T12:00:00Z")).unwrap();
    assert_eq!(first.content_hash(), later.content_hash());
    assert_ne!(first.to_json(), later.to_json());
}

#[test]
fn round_trip_keeps_everything() {
    let built = baseline::build(&samples(), &config("2025-01-01T00:00:00Z")).unwrap();
    let reread = baseline::parse(&built.to_json(), "perf-baseline.json").unwrap();
    assert_eq!(reread, built);
    assert_eq!(reread.to_json(), built.to_json());
}

#[test]
fn saves_and_loads_a_file_atomically() {
    let directory = tempfile::tempdir().unwrap();
    let root = Utf8PathBuf::from_path_buf(directory.path().to_path_buf()).unwrap();
    let path = root.join("perf-baseline.json");
    let built = baseline::build(&samples(), &config("2025-01-01T00:00:00Z")).unwrap();
    baseline::save(&path, &built).unwrap();
    assert_eq!(baseline::load(&path).unwrap(), built);
    let missing = root.join("missing.json");
    let error = baseline::load(&missing).unwrap_err();
    assert!(matches!(error, BaselineError::Read { .. }), "{error}");
    assert!(error.to_string().contains("missing.json"), "{error}");
    // Saving again replaces the file and leaves no temporary file behind.
    baseline::save(&path, &built).unwrap();
    assert_eq!(std::fs::read_dir(directory.path()).unwrap().count(), 1);
}

/// Every number, and every string, in the file is covered by the hash: changing any one of them
/// makes the stored hash wrong.
#[test]
fn hash_changes_when_any_value_changes() {
    let built = baseline::build(&samples(), &config("2025-01-01T00:00:00Z")).unwrap();
    let original: Value = serde_json::from_str(&built.to_json()).unwrap();
    let mut paths = Vec::new();
    leaf_paths(&original, &mut Vec::new(), &mut paths);
    let mut checked = 0;
    for path in paths {
        // Not hashed (created_at, the hash itself), or checked before the hash (format, version).
        if ["created_at", "content_hash", "format", "schema_version"].contains(&path[0].as_str()) {
            continue;
        }
        let mut edited = original.clone();
        let leaf = path.iter().fold(&mut edited, |value, step| match value {
            Value::Object(map) => map.get_mut(step).unwrap(),
            Value::Array(items) => &mut items[step.parse::<usize>().unwrap()],
            _ => unreachable!(),
        });
        *leaf = match leaf {
            Value::Number(number) if number.is_u64() => Value::from(number.as_u64().unwrap() + 1),
            Value::Number(number) => Value::from(number.as_f64().unwrap() + 0.001),
            Value::String(text) => Value::from(format!("{text}x")),
            Value::Null => Value::from(1.0),
            other => panic!("unexpected leaf {other} at {path:?}"),
        };
        let error = baseline::parse(&edited.to_string(), "edited.json").unwrap_err();
        assert!(
            matches!(error, BaselineError::HashMismatch { .. }),
            "{path:?}: {error}"
        );
        checked += 1;
    }
    // 2 groups x (3 counts + 5 stats + 5 percentiles + latencies + names) + fingerprint.
    assert!(checked > 40, "only {checked} values checked");
}

fn leaf_paths(value: &Value, prefix: &mut Vec<String>, out: &mut Vec<Vec<String>>) {
    match value {
        Value::Object(map) => {
            for (key, item) in map {
                prefix.push(key.clone());
                leaf_paths(item, prefix, out);
                prefix.pop();
            }
        }
        Value::Array(items) => {
            for (index, item) in items.iter().enumerate() {
                prefix.push(index.to_string());
                leaf_paths(item, prefix, out);
                prefix.pop();
            }
        }
        _ => out.push(prefix.clone()),
    }
}

#[test]
fn file_format_is_stable() {
    let built = baseline::build(&samples(), &config("2025-01-01T00:00:00Z")).unwrap();
    insta::assert_snapshot!(built.to_json());
}

#[test]
fn large_groups_are_bounded() {
    // 100,000 distinct latencies with long decimals: the stored group stays under 50 KB.
    let latencies: Vec<f64> = (0..100_000)
        .map(|index| 1000.0 + f64::from(index) * 0.123_456_789)
        .collect();
    let built = baseline::build(
        &BTreeMap::from([group("big", "step", latencies, 0)]),
        &config("2025-01-01T00:00:00Z"),
    )
    .unwrap();
    let stats = built.groups()[0].latency.as_ref().unwrap();
    assert_eq!(stats.sample_count, 100_000);
    assert_eq!(stats.order_statistics.len(), DEFAULT_MAX_POINTS);
    let size = built.to_json().len();
    assert!(size < 50_000, "{size} bytes");
    eprintln!("one group of 100,000 latencies: {size} bytes");
}

#[test]
fn rejects_a_newer_schema_version() {
    let built = baseline::build(&samples(), &config("2025-01-01T00:00:00Z")).unwrap();
    let text = built
        .to_json()
        .replace("\"schema_version\": 1", "\"schema_version\": 3");
    let error = baseline::parse(&text, "perf-baseline.json").unwrap_err();
    assert_eq!(
        error.to_string(),
        "perf-baseline.json: baseline schema_version 3 is not supported (this perf-gate reads versions 1 to 2); re-create the baseline with `perf-gate baseline save`"
    );
}

#[test]
fn rejects_a_budget_file_given_as_baseline() {
    let error = baseline::parse(
        r#"{ "registry": { "health": { "avg": 50, "p95": 100 } } }"#,
        "budgets.json",
    )
    .unwrap_err();
    assert!(
        matches!(error, BaselineError::NotABaseline { .. }),
        "{error}"
    );
    assert!(
        error
            .to_string()
            .starts_with("budgets.json: not a perf-gate baseline")
    );
}

#[test]
fn reports_line_and_column_of_bad_json() {
    let error = baseline::parse(
        "{\n  \"format\": \"perf-gate-baseline\",\n  oops\n}",
        "b.json",
    )
    .unwrap_err();
    let BaselineError::Json { line, column, .. } = error else {
        panic!("expected a JSON error, got {error}");
    };
    assert_eq!((line, column), (3, 3));
}

#[test]
fn reports_a_field_of_the_wrong_type() {
    let built = baseline::build(&samples(), &config("2025-01-01T00:00:00Z")).unwrap();
    let text = built
        .to_json()
        .replace("\"unknown\": 2", "\"unknown\": \"two\"");
    let error = baseline::parse(&text, "b.json").unwrap_err();
    assert!(matches!(error, BaselineError::Json { .. }), "{error}");
    let cause = std::error::Error::source(&error).unwrap().to_string();
    assert!(cause.contains("invalid type"), "{cause}");
}

#[test]
fn rejects_a_too_small_point_budget() {
    let mut config = config("2025-01-01T00:00:00Z");
    config.max_points = 1;
    let error = baseline::build(&samples(), &config).unwrap_err();
    assert_eq!(error.to_string(), "invalid max_points: 1 (at least 2)");
}

#[test]
fn rejects_more_latencies_than_known_outcomes() {
    let mut sample = group("a", "b", vec![1.0, 2.0], 0);
    sample.1.counts.ok = 1;
    let error =
        baseline::build(&BTreeMap::from([sample]), &config("2025-01-01T00:00:00Z")).unwrap_err();
    assert_eq!(
        error.to_string(),
        "input: group a/b: field `latencies`: 2 latencies but only 1 records with a known outcome"
    );
}
