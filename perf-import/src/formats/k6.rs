//! k6 `--out json`: one JSON object per line, `Metric` declarations and `Point` samples.
//!
//! Only points of one trend metric (`http_req_duration` unless configured) become records;
//! lines that do not mention the metric are skipped without being parsed, which is what makes
//! the importer fast (a request writes about ten points, one of them the duration).

use std::borrow::Cow;
use std::io::BufRead;

use memchr::memmem;
use perf_record::{Outcome, Timestamp, http_reason};
use serde::Deserialize;

use super::{StringMap, for_each_line};
use crate::{Context, ImportError};

#[derive(Deserialize)]
struct K6Line<'a> {
    #[serde(rename = "type", borrow)]
    kind: Cow<'a, str>,
    #[serde(default, borrow)]
    metric: Option<Cow<'a, str>>,
    #[serde(default, borrow)]
    data: Option<PointData<'a>>,
}

#[derive(Deserialize)]
struct PointData<'a> {
    #[serde(default, borrow)]
    time: Option<Cow<'a, str>>,
    #[serde(default)]
    value: Option<f64>,
    #[serde(default, borrow)]
    tags: Option<StringMap<'a>>,
}

pub(crate) fn import<R: BufRead>(reader: R, context: &mut Context<'_>) -> Result<(), ImportError> {
    let metric = context
        .config
        .metric
        .clone()
        .unwrap_or_else(|| "http_req_duration".to_owned());
    let quoted = format!("\"{metric}\"");
    let finder = memmem::Finder::new(quoted.as_bytes());
    let mut tool = String::new();
    let mut step = String::new();
    for_each_line(reader, context, |line, number, context| {
        if finder.find(line).is_none() {
            return if line.trim_ascii_start().starts_with(b"{") {
                context.skip("other-metric");
                Ok(())
            } else {
                context.reject(Some(number), None, "not a JSON object")
            };
        }
        let parsed: K6Line<'_> = match serde_json::from_slice(line) {
            Ok(parsed) => parsed,
            Err(error) => return context.reject(Some(number), None, error.to_string()),
        };
        if parsed.metric.as_deref() != Some(metric.as_str()) {
            context.skip("other-metric");
            return Ok(());
        }
        if parsed.kind != "Point" {
            context.skip("metric-declaration");
            return Ok(());
        }
        let Some(data) = parsed.data else {
            return context.reject(Some(number), Some("data".into()), "a Point without data");
        };
        let Some(value) = data.value else {
            return context.reject(Some(number), Some("data.value".into()), "missing");
        };
        let Some(time) = data.time else {
            return context.reject(Some(number), Some("data.time".into()), "missing");
        };
        let ts: Timestamp = match time.parse() {
            Ok(ts) => ts,
            Err(error) => {
                return context.reject(
                    Some(number),
                    Some("data.time".into()),
                    format!("not an RFC 3339 time: {error}"),
                );
            }
        };
        let tags = data.tags.unwrap_or_default();
        context.names(|field| tags.get(field), &mut tool, &mut step);
        let outcome = match tags.get("expected_response") {
            Some("true") => Outcome::Success,
            Some("false") => Outcome::Error(Some(error_reason(&tags))),
            _ => Outcome::Unknown,
        };
        context.sample(ts, &tool, &step, value, outcome, Some(number))
    })
}

/// `http 404 not found` from `status`, else k6's `error_code`, else `unexpected response`.
fn error_reason(tags: &StringMap<'_>) -> Cow<'static, str> {
    let status = tags
        .get("status")
        .and_then(|status| status.parse::<u16>().ok());
    match (status, tags.get("error_code")) {
        (Some(status), _) if status > 0 => Cow::Owned(http_reason(status)),
        (_, Some(code)) if !code.is_empty() => Cow::Owned(format!("k6 error_code {code}")),
        _ => Cow::Borrowed("unexpected response"),
    }
}
