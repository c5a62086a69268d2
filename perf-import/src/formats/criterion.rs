//! cargo-criterion `--message-format=json`: one JSON message a line; each
//! `benchmark-complete` message becomes one record per sample, `ms` =
//! `measured_values[i] / iteration_count[i]` converted from `unit`.

use std::borrow::Cow;
use std::io::BufRead;

use perf_record::Outcome;
use serde::Deserialize;

use super::for_each_line;
use crate::{Context, ImportError};

#[derive(Deserialize)]
struct Message<'a> {
    #[serde(borrow)]
    reason: Cow<'a, str>,
    #[serde(default, borrow)]
    id: Option<Cow<'a, str>>,
    #[serde(default)]
    iteration_count: Vec<f64>,
    #[serde(default)]
    measured_values: Vec<f64>,
    #[serde(default, borrow)]
    unit: Option<Cow<'a, str>>,
}

pub(crate) fn import<R: BufRead>(reader: R, context: &mut Context<'_>) -> Result<(), ImportError> {
    let mut tool = String::new();
    let mut step = String::new();
    for_each_line(reader, context, |line, number, context| {
        let message: Message<'_> = match serde_json::from_slice(line) {
            Ok(message) => message,
            Err(error) => return context.reject(Some(number), None, error.to_string()),
        };
        if message.reason != "benchmark-complete" {
            context.skip("other-message");
            return Ok(());
        }
        let Some(id) = message.id.as_deref() else {
            return context.reject(Some(number), Some("id".into()), "missing");
        };
        let unit = message.unit.as_deref().unwrap_or("");
        let Some(to_ms) = unit_to_ms(unit) else {
            return context.reject(
                Some(number),
                Some("unit".into()),
                format!("unit {unit:?} is not a time unit"),
            );
        };
        if message.iteration_count.len() != message.measured_values.len() {
            return context.reject(
                Some(number),
                None,
                format!(
                    "{} measured_values but {} iteration_count",
                    message.measured_values.len(),
                    message.iteration_count.len()
                ),
            );
        }
        if message.measured_values.is_empty() {
            context.skip("no-samples");
            return Ok(());
        }
        let (group, function) = id.split_once('/').unwrap_or((id, ""));
        context.names(
            |field| match field {
                "id" => Some(id),
                "group" => Some(group),
                "function" => Some(function),
                _ => None,
            },
            &mut tool,
            &mut step,
        );
        let ts = context.config.timestamp;
        for (index, (total, iterations)) in message
            .measured_values
            .iter()
            .zip(&message.iteration_count)
            .enumerate()
        {
            if *iterations <= 0.0 || !iterations.is_finite() {
                context.reject(
                    Some(number),
                    Some(format!("iteration_count[{index}]")),
                    format!("iteration count {iterations} is not positive"),
                )?;
                continue;
            }
            let ms = total / iterations * to_ms;
            context.sample(ts, &tool, &step, ms, Outcome::Success, Some(number))?;
        }
        Ok(())
    })
}

/// Milliseconds per `unit`.
fn unit_to_ms(unit: &str) -> Option<f64> {
    Some(match unit {
        "ps" => 1e-9,
        "ns" => 1e-6,
        "us" | "µs" | "μs" => 1e-3,
        "ms" => 1.0,
        "s" => 1e3,
        _ => return None,
    })
}
