//! JMeter JTL, CSV (with a header, or JMeter's default columns without one) or XML.
//!
//! Transaction-controller results ("Number of samples in transaction : N, ...") duplicate
//! their children's time, so they are skipped by default (`skipped["transaction"]`) unless
//! [`crate::ImportConfig::include_transactions`] is set; then they form their own group under
//! their label.

use std::borrow::Cow;
use std::io::BufRead;

use perf_record::Outcome;

use super::timestamp_from_millis;
use super::xml::{ReadError, Tag, TagReader, attributes, decode};
use crate::{Context, ImportError};

/// The prefix of a transaction controller's `responseMessage`.
const TRANSACTION_MESSAGE: &str = "Number of samples in transaction";

/// One JMeter result with the fields the importer uses.
#[derive(Default)]
struct JtlSample<'a> {
    timestamp: Cow<'a, str>,
    elapsed: Cow<'a, str>,
    label: Cow<'a, str>,
    response_code: Cow<'a, str>,
    response_message: Cow<'a, str>,
    thread_name: Cow<'a, str>,
    data_type: Cow<'a, str>,
    success: Cow<'a, str>,
    failure_message: Cow<'a, str>,
    url: Cow<'a, str>,
}

impl JtlSample<'_> {
    fn is_transaction(&self) -> bool {
        self.response_message.starts_with(TRANSACTION_MESSAGE)
    }
}

pub(crate) fn import<R: BufRead>(
    mut reader: R,
    context: &mut Context<'_>,
) -> Result<(), ImportError> {
    let head = reader.fill_buf().map_err(|error| context.io_error(error))?;
    let head = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head);
    let is_xml = head
        .iter()
        .find(|byte| !byte.is_ascii_whitespace())
        .is_some_and(|&byte| byte == b'<');
    let mut names = Names::default();
    if is_xml {
        import_xml(reader, context, &mut names)?;
    } else {
        import_csv(reader, context, &mut names)?;
    }
    if let Some(count) = context.report.skipped.get("transaction")
        && *count > 0
    {
        context.report.warnings.push(format!(
            "{count} transaction-controller results skipped: they duplicate their children's \
             time (a plan in \"generate parent sample\" mode writes only these to CSV; import \
             them with include_transactions)"
        ));
    }
    Ok(())
}

#[derive(Default)]
struct Names {
    tool: String,
    step: String,
}

fn emit(
    sample: &JtlSample<'_>,
    line: Option<u64>,
    path: Option<&dyn Fn() -> String>,
    context: &mut Context<'_>,
    names: &mut Names,
) -> Result<(), ImportError> {
    let location = || path.map(|path| path());
    if sample.is_transaction() && !context.config.include_transactions {
        context.skip("transaction");
        return Ok(());
    }
    let Ok(millis) = sample.timestamp.trim().parse::<i64>() else {
        return context.reject(
            line,
            location(),
            format!(
                "timeStamp {:?} is not epoch milliseconds (set \
                 jmeter.save.saveservice.timestamp_format=ms)",
                sample.timestamp
            ),
        );
    };
    let Some(ts) = timestamp_from_millis(millis) else {
        return context.reject(line, location(), format!("timeStamp {millis} out of range"));
    };
    let Ok(elapsed) = sample.elapsed.trim().parse::<f64>() else {
        return context.reject(
            line,
            location(),
            format!("elapsed {:?} is not a number", sample.elapsed),
        );
    };
    let outcome = if sample.success.eq_ignore_ascii_case("true") {
        Outcome::Success
    } else if sample.success.eq_ignore_ascii_case("false") {
        Outcome::Error(Some(Cow::Owned(error_reason(sample))))
    } else {
        Outcome::Unknown
    };
    let thread_group = thread_group(&sample.thread_name);
    context.names(
        |field| match field {
            "label" => Some(sample.label.as_ref()),
            "threadName" => Some(sample.thread_name.as_ref()),
            "threadGroup" => Some(thread_group),
            "responseCode" => Some(sample.response_code.as_ref()),
            "dataType" => Some(sample.data_type.as_ref()),
            "URL" => Some(sample.url.as_ref()),
            _ => None,
        },
        &mut names.tool,
        &mut names.step,
    );
    context.sample(ts, &names.tool, &names.step, elapsed, outcome, line)
}

/// `failureMessage`, else `responseCode responseMessage`, else `unspecified`.
fn error_reason(sample: &JtlSample<'_>) -> String {
    let failure = sample.failure_message.trim();
    if !failure.is_empty() {
        return failure.to_owned();
    }
    let reason = format!(
        "{} {}",
        sample.response_code.trim(),
        sample.response_message.trim()
    );
    let reason = reason.trim();
    if reason.is_empty() {
        "unspecified".to_owned()
    } else {
        reason.to_owned()
    }
}

/// `users 1-3` -> `users`: JMeter names threads `<thread group> <group#>-<thread#>`.
fn thread_group(thread_name: &str) -> &str {
    match thread_name.rsplit_once(' ') {
        Some((group, numbers))
            if !group.is_empty()
                && numbers.split_once('-').is_some_and(|(a, b)| {
                    !a.is_empty()
                        && !b.is_empty()
                        && a.bytes().all(|byte| byte.is_ascii_digit())
                        && b.bytes().all(|byte| byte.is_ascii_digit())
                }) =>
        {
            group
        }
        _ => thread_name,
    }
}

/// Column positions in a CSV JTL.
#[derive(Default, Clone, Copy)]
struct Columns {
    timestamp: Option<usize>,
    elapsed: Option<usize>,
    label: Option<usize>,
    response_code: Option<usize>,
    response_message: Option<usize>,
    thread_name: Option<usize>,
    data_type: Option<usize>,
    success: Option<usize>,
    failure_message: Option<usize>,
    url: Option<usize>,
}

impl Columns {
    fn from_header(header: &csv::ByteRecord) -> Columns {
        let find = |name: &str| {
            header
                .iter()
                .position(|field| field.eq_ignore_ascii_case(name.as_bytes()))
        };
        Columns {
            timestamp: find("timeStamp"),
            elapsed: find("elapsed"),
            label: find("label"),
            response_code: find("responseCode"),
            response_message: find("responseMessage"),
            thread_name: find("threadName"),
            data_type: find("dataType"),
            success: find("success"),
            failure_message: find("failureMessage"),
            url: find("URL"),
        }
    }

    /// JMeter's default columns without a header: the first eight are the same in every
    /// version (`timeStamp,elapsed,label,responseCode,responseMessage,threadName,dataType,
    /// success`); JMeter 3+ (17 columns by default) adds `failureMessage` next.
    fn default_for(length: usize) -> Columns {
        Columns {
            timestamp: Some(0),
            elapsed: Some(1),
            label: Some(2),
            response_code: Some(3),
            response_message: Some(4),
            thread_name: Some(5),
            data_type: Some(6),
            success: Some(7),
            failure_message: (length >= 17).then_some(8),
            url: (length >= 17).then_some(13),
        }
    }
}

fn is_header(record: &csv::ByteRecord) -> bool {
    record
        .iter()
        .any(|field| field.eq_ignore_ascii_case(b"timeStamp") || field == b"elapsed")
}

fn field<'r>(record: &'r csv::ByteRecord, index: Option<usize>) -> Cow<'r, str> {
    match index.and_then(|index| record.get(index)) {
        // `from_utf8` is much faster than `from_utf8_lossy` on the (usual) valid text.
        Some(bytes) => match std::str::from_utf8(bytes) {
            Ok(text) => Cow::Borrowed(text),
            Err(_) => String::from_utf8_lossy(bytes),
        },
        None => Cow::Borrowed(""),
    }
}

fn import_csv<R: BufRead>(
    reader: R,
    context: &mut Context<'_>,
    names: &mut Names,
) -> Result<(), ImportError> {
    let mut rows = super::CsvRows::new(reader, context)?;
    let mut columns: Option<Columns> = None;
    loop {
        let Some(line) = rows.next_row(context)? else {
            return Ok(());
        };
        let record = rows.record();
        let columns = match columns {
            Some(columns) => columns,
            None => {
                let found = if is_header(record) {
                    context.skip("header");
                    columns = Some(Columns::from_header(record));
                    continue;
                } else if record.len() >= 8 {
                    Columns::default_for(record.len())
                } else {
                    return Err(ImportError::Unsupported {
                        input: context.input().to_owned(),
                        detail: format!(
                            "the JTL has no header and {} columns; JMeter's default has at \
                             least 8 (write the header with \
                             jmeter.save.saveservice.print_field_names=true)",
                            record.len()
                        ),
                    });
                };
                columns = Some(found);
                found
            }
        };
        if columns.timestamp.is_none() || columns.elapsed.is_none() {
            return Err(ImportError::Unsupported {
                input: context.input().to_owned(),
                detail: "the JTL header has no timeStamp or no elapsed column".to_owned(),
            });
        }
        let sample = JtlSample {
            timestamp: field(record, columns.timestamp),
            elapsed: field(record, columns.elapsed),
            label: field(record, columns.label),
            response_code: field(record, columns.response_code),
            response_message: field(record, columns.response_message),
            thread_name: field(record, columns.thread_name),
            data_type: field(record, columns.data_type),
            success: field(record, columns.success),
            failure_message: field(record, columns.failure_message),
            url: field(record, columns.url),
        };
        emit(&sample, line, None, context, names)?;
    }
}

/// Whether an open element is a transaction controller's result (whose nested samples are
/// the real requests) or a sampler (whose nested samples are sub-results: redirects,
/// embedded resources, already inside the parent's time).
#[derive(Clone, Copy, PartialEq)]
enum Open {
    Transaction,
    Sampler,
    Other,
}

fn import_xml<R: BufRead>(
    reader: R,
    context: &mut Context<'_>,
    names: &mut Names,
) -> Result<(), ImportError> {
    let mut xml = TagReader::new(reader, context.config.max_line_bytes);
    let mut stack: Vec<Open> = Vec::new();
    loop {
        let position = xml.position();
        let tag = match xml.next_tag() {
            Ok(tag) => tag,
            Err(ReadError::Io(error)) => return Err(context.io_error(error)),
            Err(ReadError::Xml(source)) => {
                if stack.iter().any(|open| *open != Open::Other) {
                    // A sample element is cut off: count it, keep what came before.
                    return context.reject(
                        None,
                        Some(format!("byte {position}")),
                        format!("{source}: the file ends inside a sample element"),
                    );
                }
                return Err(ImportError::Xml {
                    input: context.input().to_owned(),
                    position: xml.position(),
                    source,
                });
            }
        };
        match tag {
            Tag::Start => {
                let open = element_sample(xml.tag(), position, &stack, context, names)?;
                stack.push(open);
            }
            Tag::Empty => {
                element_sample(xml.tag(), position, &stack, context, names)?;
            }
            Tag::End => {
                stack.pop();
            }
            Tag::Eof => {
                if stack.iter().any(|open| *open != Open::Other) {
                    context.reject(
                        None,
                        Some(format!("byte {position}")),
                        "the file ends inside a sample element (truncated?)",
                    )?;
                } else if !stack.is_empty() {
                    context.report.warnings.push(
                        "the file ends before </testResults> (truncated or still being written)"
                            .to_owned(),
                    );
                }
                return Ok(());
            }
        }
    }
}

/// Handles one `<sample>` / `<httpSample>` start tag and says what it opens.
fn element_sample(
    tag: &[u8],
    position: u64,
    stack: &[Open],
    context: &mut Context<'_>,
    names: &mut Names,
) -> Result<Open, ImportError> {
    let name_end = tag
        .iter()
        .position(|byte| byte.is_ascii_whitespace())
        .unwrap_or(tag.len());
    let name = &tag[..name_end];
    if name != b"sample" && name != b"httpSample" {
        return Ok(Open::Other);
    }
    let mut sample = JtlSample::default();
    for attribute in attributes(tag) {
        let (key, value) = match attribute {
            Ok(attribute) => attribute,
            Err(error) => {
                context.reject(None, Some(format!("byte {position}")), error.to_string())?;
                return Ok(Open::Sampler);
            }
        };
        let slot = match key {
            b"ts" => &mut sample.timestamp,
            b"t" => &mut sample.elapsed,
            b"lb" => &mut sample.label,
            b"rc" => &mut sample.response_code,
            b"rm" => &mut sample.response_message,
            b"tn" => &mut sample.thread_name,
            b"dt" => &mut sample.data_type,
            b"s" => &mut sample.success,
            _ => continue,
        };
        match decode(value) {
            Ok(value) => *slot = value,
            Err(error) => {
                context.reject(None, Some(format!("byte {position}")), error.to_string())?;
                return Ok(Open::Sampler);
            }
        }
    }
    let open = if sample.is_transaction() {
        Open::Transaction
    } else {
        Open::Sampler
    };
    let inside_sampler = stack.contains(&Open::Sampler);
    if inside_sampler {
        context.skip("sub-result");
    } else {
        let path = || format!("byte {position}");
        emit(&sample, None, Some(&path), context, names)?;
    }
    Ok(open)
}

#[cfg(test)]
mod tests {
    use super::thread_group;

    #[test]
    fn thread_group_strips_jmeter_numbering() {
        assert_eq!(thread_group("users 1-3"), "users");
        assert_eq!(thread_group("Thread Group 2-10"), "Thread Group");
        assert_eq!(thread_group("worker"), "worker");
        assert_eq!(thread_group("a 1-"), "a 1-");
    }
}
