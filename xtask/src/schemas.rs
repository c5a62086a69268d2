//! `cargo xtask schemas`: the JSON Schemas in `schemas/`, generated from the Rust types
//! (schemars, for what perf-gate writes) and from the budget parser's vocabulary (for what users
//! write), so they cannot drift from the code. `--check` fails when a committed file is stale;
//! the tests below do the same and validate real files against the schemas.

use anyhow::{Context as _, Result, bail};
use camino::Utf8Path;
use schemars::generate::SchemaSettings;

/// Every generated schema: its file name under `schemas/` and how to make it.
pub fn generated() -> Vec<(&'static str, serde_json::Value)> {
    fn written_by_perf_gate<T: schemars::JsonSchema>(title: &str) -> serde_json::Value {
        // The contract is what perf-gate writes (serialize), not every input it would accept.
        let mut schema = SchemaSettings::draft2020_12()
            .for_serialize()
            .into_generator()
            .into_root_schema_for::<T>();
        schema.insert("title".to_owned(), title.into());
        schema.to_value()
    }
    vec![
        (
            "report.schema.json",
            written_by_perf_gate::<perf_report::Report>("perf-gate JSON report (report.json)"),
        ),
        (
            "summary.schema.json",
            written_by_perf_gate::<perf_report::summary::SummaryReport>(
                "perf-gate summarize --format json",
            ),
        ),
        (
            "baseline.schema.json",
            written_by_perf_gate::<perf_baseline::Baseline>("perf-gate baseline file"),
        ),
        (
            "budgets.schema.json",
            perf_budget::budget_file_schema().to_value(),
        ),
    ]
}

/// The text of a schema file: pretty JSON with a trailing newline.
fn text(schema: &serde_json::Value) -> Result<String> {
    Ok(serde_json::to_string_pretty(schema)? + "\n")
}

/// Writes the schemas into `dir`, or with `check` only compares them; returns the stale files.
pub fn run(dir: &Utf8Path, check: bool) -> Result<()> {
    let mut stale = Vec::new();
    for (name, schema) in generated() {
        let path = dir.join(name);
        let wanted = text(&schema)?;
        let current = std::fs::read_to_string(&path).unwrap_or_default();
        if current == wanted {
            continue;
        }
        if check {
            stale.push(name);
        } else {
            std::fs::create_dir_all(dir).with_context(|| format!("cannot create {dir}"))?;
            perf_record::write_atomically(&path, |file| file.write_all(wanted.as_bytes()))
                .with_context(|| format!("cannot write {path}"))?;
            println!("wrote {path}");
        }
    }
    if !stale.is_empty() {
        bail!(
            "stale JSON Schemas in {dir}: {} (run `cargo xtask schemas`)",
            stale.join(", ")
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn root() -> camino::Utf8PathBuf {
        crate::workspace_root()
    }

    fn validator(name: &str) -> jsonschema::Validator {
        let schema: serde_json::Value = serde_json::from_str(
            &std::fs::read_to_string(root().join("schemas").join(name)).unwrap(),
        )
        .unwrap();
        jsonschema::validator_for(&schema).unwrap()
    }

    fn assert_valid(validator: &jsonschema::Validator, what: &str, document: &serde_json::Value) {
        let errors: Vec<String> = validator
            .iter_errors(document)
            .map(|error| format!("{} at {}", error, error.instance_path()))
            .collect();
        assert!(errors.is_empty(), "{what}: {errors:#?}");
    }

    /// The JSON documents in insta snapshots under `dir` whose name contains `needle`.
    fn json_snapshots(dir: &str, needle: &str) -> Vec<(String, serde_json::Value)> {
        let mut found = Vec::new();
        for entry in std::fs::read_dir(root().join(dir)).unwrap() {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            if !name.contains(needle) || !name.ends_with(".snap") {
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap();
            // An insta snapshot: a `---` delimited header, then the value.
            let body = text.splitn(3, "---\n").nth(2).unwrap_or_default();
            if let Ok(value) = serde_json::from_str(body) {
                found.push((name, value));
            }
        }
        found
    }

    #[test]
    fn committed_schemas_are_current() {
        if let Err(error) = run(&root().join("schemas"), true) {
            panic!("{error}");
        }
    }

    #[test]
    fn every_json_report_the_snapshot_tests_produce_validates() {
        let report = validator("report.schema.json");
        let mut checked = 0;
        for dir in ["perf-report/tests/snapshots", "tests/tests/snapshots"] {
            for (name, document) in json_snapshots(dir, "json") {
                if document.get("checks").is_some() {
                    assert_valid(&report, &name, &document);
                    checked += 1;
                }
            }
        }
        assert!(checked >= 3, "only {checked} JSON report snapshots found");
        let summary = validator("summary.schema.json");
        let summaries = json_snapshots("tests/tests/snapshots", "summarize_json");
        assert!(!summaries.is_empty());
        for (name, document) in summaries {
            assert_valid(&summary, &name, &document);
        }
    }

    #[test]
    fn the_repository_baselines_and_budget_files_validate_and_a_broken_one_does_not() {
        let baseline = validator("baseline.schema.json");
        let example: serde_json::Value = serde_json::from_str(
            &std::fs::read_to_string(root().join("examples/baseline.json")).unwrap(),
        )
        .unwrap();
        assert_valid(&baseline, "examples/baseline.json", &example);
        let mut broken = example.clone();
        broken["groups"][0]["counts"]["ok"] = "many".into();
        assert!(!baseline.is_valid(&broken));

        let budgets = validator("budgets.schema.json");
        let mut files = vec![root().join("perf-budgets.json")];
        for entry in std::fs::read_dir(root().join("examples")).unwrap() {
            let path = camino::Utf8PathBuf::try_from(entry.unwrap().path()).unwrap();
            if path
                .file_name()
                .is_some_and(|name| name.starts_with("budgets") && name.ends_with(".json"))
            {
                files.push(path);
            }
        }
        assert!(files.len() >= 3, "{files:?}");
        for path in files {
            let text = std::fs::read_to_string(&path).unwrap();
            perf_budget::parse_budgets(&text).unwrap();
            assert_valid(
                &budgets,
                path.as_str(),
                &serde_json::from_str(&text).unwrap(),
            );
        }
        for (text, why) in [
            (r#"{"a": {"b": {"median": 10}}}"#, "unknown metric"),
            (r#"{"a": {"b": {"p95": -1}}}"#, "negative limit"),
            (r#"{"a": {"b": {"severity": "loud"}}}"#, "bad severity"),
            (r#"{"schema_version": 2}"#, "unknown version"),
        ] {
            let document: serde_json::Value = serde_json::from_str(text).unwrap();
            assert!(!budgets.is_valid(&document), "{why}: {text}");
            assert!(perf_budget::parse_budgets(text).is_err(), "{why}: {text}");
        }
        let accepted = r#"{"defaults": {"min_samples": 5}, "api": {"get_*": {"p99.9": 40, "error_rate": "1%", "regression": "10%", "severity": "warn"}}}"#;
        perf_budget::parse_budgets(accepted).unwrap();
        assert_valid(
            &budgets,
            "globs, percentages",
            &serde_json::from_str(accepted).unwrap(),
        );
    }
}
