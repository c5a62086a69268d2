//! vegeta `encode --to csv` (no header: timestamp ns, code, latency ns, bytes out, bytes in,
//! error, body, attack, seq, method, url, headers) or `encode --to json` (JSON Lines).
//!
//! vegeta counts 200-399 as success; code 0 means no response, with the reason in `error`.

use std::borrow::Cow;
use std::io::BufRead;

use perf_record::{Outcome, Timestamp, http_reason};
use serde::Deserialize;

use super::{for_each_line, parse_number, timestamp_from_nanos};
use crate::{Context, ImportError};

pub(crate) fn import<R: BufRead>(
    mut reader: R,
    context: &mut Context<'_>,
) -> Result<(), ImportError> {
    let head = reader.fill_buf().map_err(|error| context.io_error(error))?;
    let is_json = head
        .iter()
        .find(|byte| !byte.is_ascii_whitespace())
        .is_some_and(|&byte| byte == b'{');
    if is_json {
        import_json(reader, context)
    } else {
        import_csv(reader, context)
    }
}

struct Names {
    tool: String,
    step: String,
    code: String,
}

struct VegetaResult<'a> {
    ts: Timestamp,
    code: u16,
    latency_ns: u64,
    error: &'a str,
    attack: &'a str,
    method: &'a str,
    url: &'a str,
}

fn emit(
    result: &VegetaResult<'_>,
    line: Option<u64>,
    context: &mut Context<'_>,
    names: &mut Names,
) -> Result<(), ImportError> {
    names.code.clear();
    names.code.push_str(&result.code.to_string());
    let code = names.code.as_str();
    context.names(
        |field| match field {
            "url" => Some(result.url),
            "method" => Some(result.method),
            "attack" => Some(result.attack),
            "code" => Some(code),
            _ => None,
        },
        &mut names.tool,
        &mut names.step,
    );
    let outcome = if (200..400).contains(&result.code) {
        Outcome::Success
    } else if !result.error.is_empty() {
        Outcome::Error(Some(Cow::Borrowed(result.error)))
    } else if result.code == 0 {
        Outcome::Error(Some(Cow::Borrowed("no response")))
    } else {
        Outcome::Error(Some(Cow::Owned(http_reason(result.code))))
    };
    let ms = result.latency_ns as f64 / 1e6;
    context.sample(result.ts, &names.tool, &names.step, ms, outcome, line)
}

fn import_csv<R: BufRead>(reader: R, context: &mut Context<'_>) -> Result<(), ImportError> {
    let mut rows = super::CsvRows::new(reader, context)?;
    let mut names = Names {
        tool: String::new(),
        step: String::new(),
        code: String::new(),
    };
    loop {
        let Some(line) = rows.next_row(context)? else {
            return Ok(());
        };
        let record = rows.record();
        if record.len() < 6 {
            context.reject(
                line,
                None,
                format!("{} columns; a vegeta CSV row has at least 6", record.len()),
            )?;
            continue;
        }
        let text = |index: usize| {
            record
                .get(index)
                .and_then(|bytes| std::str::from_utf8(bytes).ok())
                .unwrap_or("")
        };
        let Some(ts) = record
            .get(0)
            .and_then(parse_number::<i128>)
            .and_then(timestamp_from_nanos)
        else {
            context.reject(line, None, "timestamp is not Unix nanoseconds")?;
            continue;
        };
        let Some(code) = record.get(1).and_then(parse_number::<u16>) else {
            context.reject(line, None, "code is not an HTTP status")?;
            continue;
        };
        let Some(latency_ns) = record.get(2).and_then(parse_number::<u64>) else {
            context.reject(line, None, "latency is not a number of nanoseconds")?;
            continue;
        };
        let result = VegetaResult {
            ts,
            code,
            latency_ns,
            error: text(5),
            attack: text(7),
            method: text(9),
            url: text(10),
        };
        emit(&result, line, context, &mut names)?;
    }
}

#[derive(Deserialize)]
struct JsonResult<'a> {
    #[serde(default, borrow)]
    attack: Cow<'a, str>,
    code: u16,
    #[serde(borrow)]
    timestamp: Cow<'a, str>,
    latency: u64,
    #[serde(default, borrow)]
    error: Cow<'a, str>,
    #[serde(default, borrow)]
    method: Cow<'a, str>,
    #[serde(default, borrow)]
    url: Cow<'a, str>,
}

fn import_json<R: BufRead>(reader: R, context: &mut Context<'_>) -> Result<(), ImportError> {
    let mut names = Names {
        tool: String::new(),
        step: String::new(),
        code: String::new(),
    };
    for_each_line(reader, context, |line, number, context| {
        let parsed: JsonResult<'_> = match serde_json::from_slice(line) {
            Ok(parsed) => parsed,
            Err(error) => return context.reject(Some(number), None, error.to_string()),
        };
        let Ok(ts) = parsed.timestamp.parse::<Timestamp>() else {
            return context.reject(
                Some(number),
                Some("timestamp".into()),
                "not an RFC 3339 time",
            );
        };
        let result = VegetaResult {
            ts,
            code: parsed.code,
            latency_ns: parsed.latency,
            error: &parsed.error,
            attack: &parsed.attack,
            method: &parsed.method,
            url: &parsed.url,
        };
        emit(&result, Some(number), context, &mut names)
    })
}
