//! Locust `--csv` statistics (`<prefix>_stats.csv`): one row per request name, aggregates only.
//!
//! Locust rounds response times before its histogram (whole ms below 100 ms, two significant
//! digits above: 147 -> 150, 3432 -> 3400), so the median and percentile columns are not
//! order statistics; each summary says so in its notes. `Average`, `Min` and `Max` are exact.
//! The `Aggregated` row (empty `Type`) is the total of the rows above it and is skipped.

use std::io::BufRead;

use super::parse_number;
use crate::{Context, ImportError, ReportedPercentile};

/// The note on every Locust summary.
const ROUNDING_NOTE: &str = "percentiles quantised by Locust: response times are rounded to \
                             whole ms below 100 ms and to 2 significant digits above before \
                             its histogram";

struct Columns {
    method: Option<usize>,
    name: usize,
    count: Option<usize>,
    failures: Option<usize>,
    median: Option<usize>,
    average: Option<usize>,
    min: Option<usize>,
    max: Option<usize>,
    percentiles: Vec<(f64, usize)>,
}

pub(crate) fn import<R: BufRead>(reader: R, context: &mut Context<'_>) -> Result<(), ImportError> {
    let mut rows = super::CsvRows::new(reader, context)?;
    let mut columns: Option<Columns> = None;
    let mut tool = String::new();
    let mut step = String::new();
    while let Some(line) = rows.next_row(context)? {
        let record = rows.record();
        let Some(columns) = &columns else {
            columns = Some(header(record, context)?);
            context.skip("header");
            continue;
        };
        let text = |index: Option<usize>| {
            index
                .and_then(|index| record.get(index))
                .map(String::from_utf8_lossy)
                .unwrap_or_default()
        };
        let method = text(columns.method);
        let name = text(Some(columns.name));
        if method.is_empty() && name == "Aggregated" {
            context.skip("aggregated-row");
            continue;
        }
        let number = |index: Option<usize>| {
            index
                .and_then(|index| record.get(index))
                .and_then(parse_number::<f64>)
                .filter(|value| value.is_finite())
        };
        let count = |index: Option<usize>| {
            index
                .and_then(|index| record.get(index))
                .and_then(parse_number::<u64>)
        };
        let Some(request_count) = count(columns.count) else {
            context.reject(line, None, "Request Count is not a count")?;
            continue;
        };
        context.names(
            |field| match field {
                "name" => Some(name.as_ref()),
                "method" => Some(method.as_ref()),
                _ => None,
            },
            &mut tool,
            &mut step,
        );
        let mut summary = context.empty_summary(&tool, &step, line);
        summary.count = Some(request_count);
        summary.errors = count(columns.failures);
        summary.mean_ms = number(columns.average);
        summary.min_ms = number(columns.min);
        summary.max_ms = number(columns.max);
        for &(q, index) in &columns.percentiles {
            if let Some(ms) = number(Some(index)) {
                summary.percentiles.push(ReportedPercentile { q, ms });
            }
        }
        if summary.percentile(0.5).is_none()
            && let Some(median) = number(columns.median)
        {
            summary
                .percentiles
                .push(ReportedPercentile { q: 0.5, ms: median });
        }
        summary.percentiles.sort_by(|a, b| a.q.total_cmp(&b.q));
        summary.notes.push(ROUNDING_NOTE.to_owned());
        context.summary(summary)?;
    }
    if context.report.summaries > 0 {
        context.report.warnings.push(ROUNDING_NOTE.to_owned());
    }
    Ok(())
}

fn header(record: &csv::ByteRecord, context: &Context<'_>) -> Result<Columns, ImportError> {
    let find = |name: &str| record.iter().position(|field| field == name.as_bytes());
    let unsupported = |detail: &str| ImportError::Unsupported {
        input: context.input().to_owned(),
        detail: detail.to_owned(),
    };
    if find("Timestamp").is_some() && find("User Count").is_some() {
        return Err(unsupported(
            "this is Locust's _stats_history.csv (cumulative snapshots, never to be summed); \
             import the _stats.csv written beside it",
        ));
    }
    if find("Occurrences").is_some() {
        return Err(unsupported(
            "this is Locust's _failures.csv; import the _stats.csv written beside it",
        ));
    }
    let Some(name) = find("Name") else {
        return Err(unsupported(
            "not a Locust _stats.csv: the header has no Name column",
        ));
    };
    let percentiles = record
        .iter()
        .enumerate()
        .filter_map(|(index, field)| {
            let text = std::str::from_utf8(field).ok()?;
            let percent: f64 = text.strip_suffix('%')?.parse().ok()?;
            (0.0..=100.0)
                .contains(&percent)
                .then_some((percent / 100.0, index))
        })
        .collect();
    Ok(Columns {
        method: find("Type").or_else(|| find("Method")),
        name,
        count: find("Request Count").or_else(|| find("# requests")),
        failures: find("Failure Count").or_else(|| find("# failures")),
        median: find("Median Response Time"),
        average: find("Average Response Time"),
        min: find("Min Response Time"),
        max: find("Max Response Time"),
        percentiles,
    })
}
