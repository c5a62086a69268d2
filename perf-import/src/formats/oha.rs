//! oha `--output-format csv`: one row per successful request, times in seconds,
//! `request-start` relative to the start of the run.
//!
//! The file has no URL and no method: name the group with `--tool` / `--step` (the default
//! step is the file's stem). oha writes only requests that got a response; `ok` follows the
//! HTTP status (1xx-3xx success).

use std::io::BufRead;

use super::{http_outcome, offset_timestamp, parse_number};
use crate::{Context, ImportError};

pub(crate) fn import<R: BufRead>(
    mut reader: R,
    context: &mut Context<'_>,
) -> Result<(), ImportError> {
    let head = reader.fill_buf().map_err(|error| context.io_error(error))?;
    if head.trim_ascii_start().starts_with(b"{") {
        return Err(ImportError::Unsupported {
            input: context.input().to_owned(),
            detail: "this is oha's JSON output, which holds only aggregates (and counts every \
                     HTTP response as a success); run oha with --output-format csv"
                .to_owned(),
        });
    }
    let mut rows = super::CsvRows::new(reader, context)?;
    // The documented column order, replaced by the header's when there is one.
    let (mut start, mut duration, mut status) = (0, 4, 6);
    let mut first = true;
    let mut tool = String::new();
    let mut step = String::new();
    let mut status_text = String::new();
    let mut status_code: Option<u16> = None;
    loop {
        let Some(line) = rows.next_row(context)? else {
            return Ok(());
        };
        let record = rows.record();
        if first {
            first = false;
            if record.iter().any(|field| field == b"request-duration") {
                let find = |name: &[u8]| record.iter().position(|field| field == name);
                match (
                    find(b"request-start"),
                    find(b"request-duration"),
                    find(b"status"),
                ) {
                    (Some(a), Some(b), Some(c)) => (start, duration, status) = (a, b, c),
                    _ => {
                        return Err(ImportError::Unsupported {
                            input: context.input().to_owned(),
                            detail: "the oha CSV header lacks request-start, \
                                     request-duration or status"
                                .to_owned(),
                        });
                    }
                }
                context.skip("header");
                continue;
            }
        }
        let value = |index: usize| record.get(index).and_then(parse_number::<f64>);
        let (Some(start_seconds), Some(seconds)) = (value(start), value(duration)) else {
            context.reject(
                line,
                None,
                "request-start or request-duration is not a number",
            )?;
            continue;
        };
        let Some(code) = record.get(status).and_then(parse_number::<u16>) else {
            context.reject(line, None, "status is not an HTTP status")?;
            continue;
        };
        let Some(ts) = offset_timestamp(context.config.timestamp, start_seconds) else {
            context.reject(line, None, "request-start out of range")?;
            continue;
        };
        if status_code != Some(code) {
            status_code = Some(code);
            status_text.clear();
            status_text.push_str(&code.to_string());
        }
        let status_ref = status_text.as_str();
        context.names(
            |field| (field == "status").then_some(status_ref),
            &mut tool,
            &mut step,
        );
        context.sample(ts, &tool, &step, seconds * 1000.0, http_outcome(code), line)?;
    }
}
