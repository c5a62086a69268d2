//! k6 `--summary-export` (the legacy summary): one document of aggregates, no raw samples.
//!
//! Each trend entry of the configured metric (`http_req_duration`, and its submetrics such as
//! `http_req_duration{name:login}`) becomes a [`crate::SummaryRecord`] with `min`, `avg`,
//! `max`, `med` and the `p(N)` values. Trends have no counts: those come from the matching
//! rate metric `http_req_failed{...}`, whose **`passes` counts failed requests** (a rate
//! metric counts the `true` values, and `http_req_failed` is true on failure).

use std::io::BufRead;

use serde_json::{Map, Value};

use crate::input::read_document;
use crate::{Context, ImportError, ReportedPercentile};

pub(crate) fn import<R: BufRead>(reader: R, context: &mut Context<'_>) -> Result<(), ImportError> {
    let document = read_document(reader, context.config.max_document_bytes)
        .map_err(|error| context.document_error(error))?;
    let root: Value =
        serde_json::from_slice(&document).map_err(|error| context.json_error(error))?;
    let Some(metrics) = root.get("metrics").and_then(Value::as_object) else {
        return Err(ImportError::Unsupported {
            input: context.input().to_owned(),
            detail: "a k6 summary export has a \"metrics\" object; this document has none \
                     (the --new-machine-readable-summary layout is not supported)"
                .to_owned(),
        });
    };
    let base = context
        .config
        .metric
        .clone()
        .unwrap_or_else(|| "http_req_duration".to_owned());
    let mut tool = String::new();
    let mut step = String::new();
    for (key, value) in metrics {
        let (name, filter) = split_submetric(key);
        if name != base {
            context.skip("other-metric");
            continue;
        }
        let path = || Some(format!("metrics.{key:?}"));
        let Some(trend) = value.as_object().filter(|trend| trend.contains_key("avg")) else {
            context.reject(None, path(), "not a trend metric (no avg)")?;
            continue;
        };
        let tags: Vec<(&str, &str)> = filter
            .split(',')
            .filter_map(|pair| pair.split_once(':'))
            .map(|(tag, value)| (tag.trim(), value.trim()))
            .collect();
        let other_tags = tags
            .iter()
            .filter(|(tag, _)| *tag != "name" && *tag != "method")
            .map(|(tag, value)| format!("{tag}:{value}"))
            .collect::<Vec<_>>()
            .join(",");
        context.names(
            |field| match field {
                "metric" => Some(name),
                "filter" => Some(other_tags.as_str()),
                tag => tags
                    .iter()
                    .find(|(candidate, _)| *candidate == tag)
                    .map(|(_, value)| *value),
            },
            &mut tool,
            &mut step,
        );
        let mut summary = context.empty_summary(&tool, &step, None);
        fill_trend(&mut summary, trend);
        summary
            .notes
            .push("k6 summary export: trend statistics only, no raw samples".to_owned());
        if base == "http_req_duration" {
            let failed_key = if filter.is_empty() {
                "http_req_failed".to_owned()
            } else {
                format!("http_req_failed{{{filter}}}")
            };
            if let Some(failed) = metrics.get(&failed_key).and_then(Value::as_object) {
                let passes = failed.get("passes").and_then(Value::as_u64);
                let fails = failed.get("fails").and_then(Value::as_u64);
                if let (Some(passes), Some(fails)) = (passes, fails) {
                    // `passes` are the `true` values of http_req_failed: the failures.
                    summary.errors = Some(passes);
                    summary.count = passes.checked_add(fails);
                    summary.notes.push(format!(
                        "counts from {failed_key} (passes = failed requests)"
                    ));
                }
            }
        }
        context.summary(summary)?;
    }
    Ok(())
}

/// `http_req_duration{name:login}` -> (`http_req_duration`, `name:login`).
fn split_submetric(key: &str) -> (&str, &str) {
    match key.split_once('{') {
        Some((name, rest)) => (name, rest.strip_suffix('}').unwrap_or(rest)),
        None => (key, ""),
    }
}

fn fill_trend(summary: &mut crate::SummaryRecord, trend: &Map<String, Value>) {
    let number = |key: &str| trend.get(key).and_then(Value::as_f64);
    summary.min_ms = number("min");
    summary.mean_ms = number("avg");
    summary.max_ms = number("max");
    if let Some(median) = number("med") {
        summary
            .percentiles
            .push(ReportedPercentile { q: 0.5, ms: median });
    }
    for (key, value) in trend {
        let Some(percent) = key
            .strip_prefix("p(")
            .and_then(|rest| rest.strip_suffix(')'))
            .and_then(|percent| percent.parse::<f64>().ok())
        else {
            continue;
        };
        if let Some(ms) = value.as_f64()
            && (0.0..=100.0).contains(&percent)
        {
            summary.percentiles.push(ReportedPercentile {
                q: percent / 100.0,
                ms,
            });
        }
    }
    summary.percentiles.sort_by(|a, b| a.q.total_cmp(&b.q));
    summary
        .percentiles
        .dedup_by(|a, b| (a.q - b.q).abs() < 1e-12);
}
