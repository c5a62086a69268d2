//! OTLP/JSON traces: the file exporter's JSON Lines (one `ExportTraceServiceRequest` a line)
//! or one pretty-printed document (read whole, within the document cap).
//!
//! Each span becomes a record: `ms` = (`endTimeUnixNano` - `startTimeUnixNano`) / 1e6,
//! subtracted as integers (the values exceed 2^53 and arrive as strings or numbers); `ok` is
//! `status.code != 2` (ERROR), the error reason `status.message`.

use std::borrow::Cow;
use std::io::BufRead;

use perf_record::Outcome;
use serde::Deserialize;

use super::{Nanos, ScalarText, for_each_line, timestamp_from_nanos};
use crate::input::read_document;
use crate::{Context, ImportError};

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Request<'a> {
    #[serde(default, borrow)]
    resource_spans: Vec<ResourceSpans<'a>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ResourceSpans<'a> {
    #[serde(default, borrow)]
    resource: Option<Resource<'a>>,
    #[serde(default, borrow, alias = "instrumentationLibrarySpans")]
    scope_spans: Vec<ScopeSpans<'a>>,
}

#[derive(Deserialize)]
struct Resource<'a> {
    #[serde(default, borrow)]
    attributes: Vec<KeyValue<'a>>,
}

#[derive(Deserialize)]
struct KeyValue<'a> {
    #[serde(borrow)]
    key: Cow<'a, str>,
    #[serde(default, borrow)]
    value: Option<AnyValue<'a>>,
}

/// The scalar kinds of an attribute value; arrays and maps are ignored.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct AnyValue<'a> {
    #[serde(default, borrow)]
    string_value: Option<Cow<'a, str>>,
    #[serde(default, borrow)]
    int_value: Option<ScalarText<'a>>,
    #[serde(default, borrow)]
    double_value: Option<ScalarText<'a>>,
    #[serde(default, borrow)]
    bool_value: Option<ScalarText<'a>>,
}

impl<'a> AnyValue<'a> {
    fn text(&self) -> Option<&str> {
        self.string_value
            .as_deref()
            .or(self.int_value.as_ref().map(|value| value.0.as_ref()))
            .or(self.double_value.as_ref().map(|value| value.0.as_ref()))
            .or(self.bool_value.as_ref().map(|value| value.0.as_ref()))
    }
}

#[derive(Deserialize)]
struct ScopeSpans<'a> {
    #[serde(default, borrow, alias = "instrumentationLibrary")]
    scope: Option<Scope<'a>>,
    #[serde(default, borrow)]
    spans: Vec<Span<'a>>,
}

#[derive(Deserialize)]
struct Scope<'a> {
    #[serde(default, borrow)]
    name: Cow<'a, str>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Span<'a> {
    #[serde(default, borrow)]
    name: Cow<'a, str>,
    #[serde(default, borrow)]
    kind: Option<ScalarText<'a>>,
    #[serde(default)]
    start_time_unix_nano: Option<Nanos>,
    #[serde(default)]
    end_time_unix_nano: Option<Nanos>,
    #[serde(default, borrow)]
    attributes: Vec<KeyValue<'a>>,
    #[serde(default, borrow)]
    status: Option<Status<'a>>,
}

#[derive(Deserialize)]
struct Status<'a> {
    #[serde(default, borrow)]
    code: Option<ScalarText<'a>>,
    #[serde(default, borrow)]
    message: Option<Cow<'a, str>>,
}

pub(crate) fn import<R: BufRead>(
    mut reader: R,
    context: &mut Context<'_>,
) -> Result<(), ImportError> {
    if is_one_document(reader.fill_buf().map_err(|error| context.io_error(error))?) {
        let document = read_document(reader, context.config.max_document_bytes)
            .map_err(|error| context.document_error(error))?;
        let mut names = Names::default();
        let stream = serde_json::Deserializer::from_slice(&document).into_iter::<Request<'_>>();
        for request in stream {
            let request = request.map_err(|error| context.json_error(error))?;
            spans(&request, None, context, &mut names)?;
        }
        return Ok(());
    }
    let mut names = Names::default();
    for_each_line(
        reader,
        context,
        |line, number, context| match serde_json::from_slice::<Request<'_>>(line) {
            Ok(request) => spans(&request, Some(number), context, &mut names),
            Err(error) => context.reject(Some(number), None, error.to_string()),
        },
    )
}

/// A pretty-printed document starts with a line that is not a whole JSON object.
fn is_one_document(head: &[u8]) -> bool {
    let head = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head);
    let Some(start) = head.iter().position(|byte| !byte.is_ascii_whitespace()) else {
        return false;
    };
    let head = &head[start..];
    match memchr::memchr(b'\n', head) {
        Some(end) => !head[..end].trim_ascii_end().ends_with(b"}"),
        None => false,
    }
}

#[derive(Default)]
struct Names {
    tool: String,
    step: String,
}

fn spans(
    request: &Request<'_>,
    line: Option<u64>,
    context: &mut Context<'_>,
    names: &mut Names,
) -> Result<(), ImportError> {
    let span_count: usize = request
        .resource_spans
        .iter()
        .flat_map(|resource_spans| &resource_spans.scope_spans)
        .map(|scope_spans| scope_spans.spans.len())
        .sum();
    if span_count == 0 {
        context.skip("no-spans");
        return Ok(());
    }
    for (resource_index, resource_spans) in request.resource_spans.iter().enumerate() {
        let resource_attributes: &[KeyValue<'_>] = resource_spans
            .resource
            .as_ref()
            .map_or(&[], |resource| resource.attributes.as_slice());
        for (scope_index, scope_spans) in resource_spans.scope_spans.iter().enumerate() {
            let scope = scope_spans
                .scope
                .as_ref()
                .map_or("", |scope| scope.name.as_ref());
            for (span_index, span) in scope_spans.spans.iter().enumerate() {
                let path = || {
                    Some(format!(
                        "resourceSpans[{resource_index}].scopeSpans[{scope_index}].spans[{span_index}]"
                    ))
                };
                let (Some(start), Some(end)) = (span.start_time_unix_nano, span.end_time_unix_nano)
                else {
                    context.reject(line, path(), "no startTimeUnixNano or endTimeUnixNano")?;
                    continue;
                };
                let Some(duration) = end.0.checked_sub(start.0) else {
                    context.reject(line, path(), "endTimeUnixNano is before startTimeUnixNano")?;
                    continue;
                };
                let Some(ts) = timestamp_from_nanos(i128::from(start.0)) else {
                    context.reject(line, path(), "startTimeUnixNano out of range")?;
                    continue;
                };
                let kind = span_kind(span.kind.as_ref().map(|kind| kind.0.as_ref()));
                let status = span
                    .status
                    .as_ref()
                    .and_then(|status| status.code.as_ref())
                    .map(|code| code.0.as_ref());
                let is_error = matches!(status, Some("2" | "STATUS_CODE_ERROR"));
                let status_name = match status {
                    Some("1" | "STATUS_CODE_OK") => "ok",
                    Some("2" | "STATUS_CODE_ERROR") => "error",
                    _ => "unset",
                };
                let attribute = |key: &str| -> Option<&str> {
                    span.attributes
                        .iter()
                        .chain(resource_attributes)
                        .find(|attribute| attribute.key == key)
                        .and_then(|attribute| attribute.value.as_ref())
                        .and_then(AnyValue::text)
                };
                context.names(
                    |field| match field {
                        "name" => Some(span.name.as_ref()),
                        "kind" => Some(kind),
                        "scope" => Some(scope),
                        "status" => Some(status_name),
                        other => attribute(other),
                    },
                    &mut names.tool,
                    &mut names.step,
                );
                let outcome = if is_error {
                    let message = span
                        .status
                        .as_ref()
                        .and_then(|status| status.message.as_deref())
                        .filter(|message| !message.is_empty())
                        .unwrap_or("span status ERROR");
                    Outcome::Error(Some(Cow::Borrowed(message)))
                } else {
                    Outcome::Success
                };
                let ms = duration as f64 / 1e6;
                context.sample(ts, &names.tool, &names.step, ms, outcome, line)?;
            }
        }
    }
    Ok(())
}

/// OTLP/JSON writes the enum as an integer, generic protobuf JSON as a name.
fn span_kind(kind: Option<&str>) -> &'static str {
    match kind {
        Some("1" | "SPAN_KIND_INTERNAL") => "internal",
        Some("2" | "SPAN_KIND_SERVER") => "server",
        Some("3" | "SPAN_KIND_CLIENT") => "client",
        Some("4" | "SPAN_KIND_PRODUCER") => "producer",
        Some("5" | "SPAN_KIND_CONSUMER") => "consumer",
        _ => "unspecified",
    }
}
