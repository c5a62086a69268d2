//! Gatling report statistics: `js/stats.json` (the tree of groups and requests) or
//! `js/global_stats.json` (the run's totals). Aggregates only: `simulation.log` is binary
//! since Gatling 3.12.1.
//!
//! `percentiles1..4` are read as Gatling's defaults, 50/75/95/99 (the report's configuration
//! can change them; each summary says which were assumed). Values may be numbers or strings,
//! `"-"` meaning absent. In `stats.json` only `REQUEST` entries become summaries; the root
//! (`All Requests`) and groups are totals of their contents and are skipped.

use std::io::BufRead;

use serde_json::Value;

use crate::input::read_document;
use crate::{Context, ImportError, ReportedPercentile};

const PERCENTILES: [(&str, f64); 4] = [
    ("percentiles1", 0.50),
    ("percentiles2", 0.75),
    ("percentiles3", 0.95),
    ("percentiles4", 0.99),
];

pub(crate) fn import<R: BufRead>(reader: R, context: &mut Context<'_>) -> Result<(), ImportError> {
    let document = read_document(reader, context.config.max_document_bytes)
        .map_err(|error| context.document_error(error))?;
    if document.trim_ascii_start().starts_with(b"var ") {
        return Err(ImportError::Unsupported {
            input: context.input().to_owned(),
            detail: "this is Gatling's js/stats.js (JavaScript); import js/stats.json".to_owned(),
        });
    }
    let root: Value =
        serde_json::from_slice(&document).map_err(|error| context.json_error(error))?;
    if root.get("contents").is_some() || root.get("type").is_some() {
        walk(&root, "", "$", context)
    } else if root.get("numberOfRequests").is_some() {
        let name = root
            .get("name")
            .and_then(Value::as_str)
            .unwrap_or("All Requests");
        emit(&root, name, "", "", None, context)
    } else {
        Err(ImportError::Unsupported {
            input: context.input().to_owned(),
            detail: "not Gatling statistics: no \"contents\" and no \"numberOfRequests\""
                .to_owned(),
        })
    }
}

fn walk(
    node: &Value,
    group: &str,
    path: &str,
    context: &mut Context<'_>,
) -> Result<(), ImportError> {
    let kind = node.get("type").and_then(Value::as_str).unwrap_or("");
    let name = node.get("name").and_then(Value::as_str).unwrap_or("");
    match kind {
        "REQUEST" => {
            let Some(stats) = node.get("stats") else {
                return context.reject(None, Some(path.to_owned()), "a REQUEST without stats");
            };
            let request_path = node.get("path").and_then(Value::as_str).unwrap_or(name);
            emit(stats, name, group, request_path, Some(path), context)
        }
        "GROUP" => {
            context.skip("group-total");
            let inner_group = if path == "$" {
                String::new()
            } else if group.is_empty() {
                name.to_owned()
            } else {
                format!("{group} / {name}")
            };
            if let Some(contents) = node.get("contents").and_then(Value::as_object) {
                for (key, child) in contents {
                    walk(
                        child,
                        &inner_group,
                        &format!("{path}.contents.{key:?}"),
                        context,
                    )?;
                }
            }
            Ok(())
        }
        _ => context.reject(
            None,
            Some(path.to_owned()),
            format!("unknown entry type {kind:?}"),
        ),
    }
}

/// A statistic: `{"total": 12, "ok": .., "ko": ..}` with numbers or strings (`"-"`: absent).
fn stat(stats: &Value, key: &str, part: &str) -> Option<f64> {
    let value = stats.get(key)?.get(part)?;
    match value {
        Value::Number(number) => number.as_f64(),
        Value::String(text) => text.trim().parse().ok(),
        _ => None,
    }
    .filter(|value| value.is_finite())
}

fn emit(
    stats: &Value,
    name: &str,
    group: &str,
    request_path: &str,
    path: Option<&str>,
    context: &mut Context<'_>,
) -> Result<(), ImportError> {
    let mut tool = String::new();
    let mut step = String::new();
    context.names(
        |field| match field {
            "name" => Some(name),
            "group" => Some(group),
            "path" => Some(request_path),
            _ => None,
        },
        &mut tool,
        &mut step,
    );
    let mut summary = context.empty_summary(&tool, &step, None);
    let Some(total) = stat(stats, "numberOfRequests", "total") else {
        return context.reject(None, path.map(str::to_owned), "no numberOfRequests.total");
    };
    summary.count = Some(total as u64);
    summary.errors = stat(stats, "numberOfRequests", "ko").map(|errors| errors as u64);
    summary.min_ms = stat(stats, "minResponseTime", "total");
    summary.max_ms = stat(stats, "maxResponseTime", "total");
    summary.mean_ms = stat(stats, "meanResponseTime", "total");
    summary.std_dev_ms = stat(stats, "standardDeviation", "total");
    for (key, q) in PERCENTILES {
        if let Some(ms) = stat(stats, key, "total") {
            summary.percentiles.push(ReportedPercentile { q, ms });
        }
    }
    summary
        .notes
        .push("Gatling statistics: percentiles1..4 read as the default 50/75/95/99".to_owned());
    context.summary(summary)
}
