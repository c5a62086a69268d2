//! hyperfine `--export-json`: one document, `results[].times` in seconds with parallel
//! `exit_codes`.

use std::collections::BTreeMap;
use std::io::BufRead;

use perf_record::Outcome;
use serde::Deserialize;

use crate::input::read_document;
use crate::{Context, ImportError, ReportedPercentile};

#[derive(Deserialize)]
struct Export {
    results: Vec<BenchResult>,
}

#[derive(Deserialize)]
struct BenchResult {
    command: String,
    #[serde(default)]
    times: Option<Vec<Option<f64>>>,
    #[serde(default)]
    exit_codes: Option<Vec<Option<i64>>>,
    #[serde(default)]
    parameters: Option<BTreeMap<String, serde_json::Value>>,
    #[serde(default)]
    mean: Option<f64>,
    #[serde(default)]
    stddev: Option<f64>,
    #[serde(default)]
    median: Option<f64>,
    #[serde(default)]
    min: Option<f64>,
    #[serde(default)]
    max: Option<f64>,
}

pub(crate) fn import<R: BufRead>(reader: R, context: &mut Context<'_>) -> Result<(), ImportError> {
    let document = read_document(reader, context.config.max_document_bytes)
        .map_err(|error| context.document_error(error))?;
    let export: Export =
        serde_json::from_slice(&document).map_err(|error| context.json_error(error))?;
    let mut tool = String::new();
    let mut step = String::new();
    for (index, result) in export.results.iter().enumerate() {
        let parameters: Vec<(String, String)> = result
            .parameters
            .iter()
            .flatten()
            .map(|(name, value)| {
                let text = match value {
                    serde_json::Value::String(text) => text.clone(),
                    other => other.to_string(),
                };
                (name.clone(), text)
            })
            .collect();
        let joined = parameters
            .iter()
            .map(|(name, value)| format!("{name}={value}"))
            .collect::<Vec<_>>()
            .join(",");
        context.names(
            |field| match field {
                "command" => Some(result.command.as_str()),
                "parameters" => Some(joined.as_str()),
                other => parameters
                    .iter()
                    .find(|(name, _)| name == other)
                    .map(|(_, value)| value.as_str()),
            },
            &mut tool,
            &mut step,
        );
        let Some(times) = &result.times else {
            // Exports without per-run times carry only the statistics.
            let mut summary = context.empty_summary(&tool, &step, None);
            let ms = |seconds: Option<f64>| seconds.map(|seconds| seconds * 1000.0);
            summary.mean_ms = ms(result.mean);
            summary.std_dev_ms = ms(result.stddev);
            summary.min_ms = ms(result.min);
            summary.max_ms = ms(result.max);
            if let Some(median) = ms(result.median) {
                summary
                    .percentiles
                    .push(ReportedPercentile { q: 0.5, ms: median });
            }
            summary
                .notes
                .push("hyperfine export without per-run times".into());
            context.summary(summary)?;
            continue;
        };
        for (run, time) in times.iter().enumerate() {
            let path = || Some(format!("results[{index}].times[{run}]"));
            let Some(seconds) = time else {
                context.reject(None, path(), "null time")?;
                continue;
            };
            let outcome = match &result.exit_codes {
                None => Outcome::Unknown,
                Some(codes) => match codes.get(run) {
                    Some(Some(0)) => Outcome::Success,
                    Some(Some(code)) => Outcome::Error(Some(format!("exit code {code}").into())),
                    Some(None) => Outcome::Error(Some("no exit code (killed by a signal)".into())),
                    None => Outcome::Unknown,
                },
            };
            let ms = seconds * 1000.0;
            if !(ms.is_finite() && ms >= 0.0) {
                context.reject(None, path(), format!("time {seconds} is not a duration"))?;
                continue;
            }
            context.sample(context.config.timestamp, &tool, &step, ms, outcome, None)?;
        }
    }
    Ok(())
}
