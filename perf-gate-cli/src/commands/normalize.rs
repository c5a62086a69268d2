//! `perf-gate normalize`: every record of one JSONL input, with its outcome made explicit.

use std::io::{BufRead, BufReader, Read as _};

use anyhow::{Context as _, Result};
use perf_record::{ReadConfig, normalize_line, strip_bom};

use super::{Context, print_stdout};
use crate::cli::NormalizeArgs;
use crate::inputs::STDIN_NAME;
use crate::output::write_atomically;

/// How many rejected lines are printed; all are counted.
const REJECTIONS_PRINTED: u64 = 20;

/// `perf-gate normalize`: rejected lines are reported on stderr and left out of the output.
pub fn run(args: &NormalizeArgs, context: Context) -> Result<u8> {
    let (name, reader): (String, Box<dyn BufRead>) = if args.input.as_str() == "-" {
        (
            STDIN_NAME.to_owned(),
            Box::new(BufReader::new(std::io::stdin())),
        )
    } else {
        let file = std::fs::File::open(&args.input)
            .with_context(|| format!("cannot open {}", args.input))?;
        (args.input.to_string(), Box::new(BufReader::new(file)))
    };
    let outcome = normalize_stream(&name, reader, ReadConfig::default().max_line_bytes)?;
    let diagnostics = context.diagnostics;
    for rejection in outcome.rejections.iter().take(REJECTIONS_PRINTED as usize) {
        diagnostics.note(&format!("warning: {rejection}"));
    }
    if outcome.rejected > REJECTIONS_PRINTED {
        diagnostics.note(&format!(
            "warning: ... and {} more rejected lines",
            outcome.rejected - REJECTIONS_PRINTED
        ));
    }
    diagnostics.note(&format!(
        "normalized {} records ({} rejected, {} blank lines dropped)",
        outcome.records, outcome.rejected, outcome.blank
    ));
    if args.out.as_str() == "-" {
        print_stdout(&outcome.output)?;
    } else {
        write_atomically(&args.out, outcome.output.as_bytes())?;
    }
    Ok(0)
}

/// The result of normalizing one stream.
#[derive(Debug, Default)]
pub struct Normalized {
    /// The normalized JSONL.
    pub output: String,
    /// Valid records written.
    pub records: u64,
    /// Blank lines dropped.
    pub blank: u64,
    /// Lines rejected (and dropped).
    pub rejected: u64,
    /// `name:line: reason` of the first rejected lines.
    pub rejections: Vec<String>,
}

/// Normalizes every line of `reader`, never buffering more than `max_line_bytes` of one line.
pub fn normalize_stream(
    name: &str,
    mut reader: impl BufRead,
    max_line_bytes: usize,
) -> Result<Normalized> {
    let mut result = Normalized::default();
    let mut line = Vec::new();
    let mut number: u64 = 0;
    loop {
        line.clear();
        let cap = u64::try_from(max_line_bytes)
            .unwrap_or(u64::MAX)
            .saturating_add(2);
        let read = (&mut reader)
            .take(cap)
            .read_until(b'\n', &mut line)
            .with_context(|| format!("cannot read {name}"))?;
        if read == 0 {
            break;
        }
        number += 1;
        let terminated = line.last() == Some(&b'\n');
        if terminated {
            line.pop();
        }
        if line.len() > max_line_bytes {
            if !terminated {
                skip_rest_of_line(&mut reader).with_context(|| format!("cannot read {name}"))?;
            }
            reject(
                &mut result,
                name,
                number,
                &format!("line longer than {max_line_bytes} bytes"),
            );
            continue;
        }
        let content = if number == 1 {
            strip_bom(&line)
        } else {
            &line[..]
        };
        match normalize_line(content) {
            Ok(Some(normalized)) => {
                result.output.push_str(&normalized);
                result.output.push('\n');
                result.records += 1;
            }
            Ok(None) => result.blank += 1,
            Err(error) => reject(&mut result, name, number, &error.to_string()),
        }
    }
    Ok(result)
}

fn reject(result: &mut Normalized, name: &str, line: u64, reason: &str) {
    result.rejected += 1;
    if result.rejected <= REJECTIONS_PRINTED {
        result.rejections.push(format!("{name}:{line}: {reason}"));
    }
}

fn skip_rest_of_line(reader: &mut impl BufRead) -> std::io::Result<()> {
    loop {
        let buffer = reader.fill_buf()?;
        if buffer.is_empty() {
            return Ok(());
        }
        match buffer.iter().position(|&byte| byte == b'\n') {
            Some(position) => {
                reader.consume(position + 1);
                return Ok(());
            }
            None => {
                let length = buffer.len();
                reader.consume(length);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const RECORD: &str = r#"{"ts":"2025-10-21T09:00:01Z","sessionId":"r","tool":"registry","step":"get","ms":131.2,"status":429}"#;

    #[test]
    fn normalizes_records_and_counts_every_line() {
        let input = format!("\u{feff}{RECORD}\r\n\nnot json\n{RECORD}");
        let result = normalize_stream("in.jsonl", input.as_bytes(), 1024).unwrap();
        assert_eq!((result.records, result.blank, result.rejected), (2, 1, 1));
        assert_eq!(result.rejections.len(), 1);
        assert!(
            result.rejections[0].starts_with("in.jsonl:3: "),
            "{:?}",
            result.rejections
        );
        assert!(
            result
                .output
                .contains(r#""ok":false,"errorReason":"http 429 too many requests""#)
        );
        assert_eq!(result.output.lines().count(), 2);
    }

    #[test]
    fn overlong_line_is_rejected_and_the_next_line_still_read() {
        let input = format!("{}\n{RECORD}\n", "x".repeat(5000));
        let result = normalize_stream("in", input.as_bytes(), 1024).unwrap();
        assert_eq!((result.records, result.rejected), (1, 1));
        assert!(result.rejections[0].contains("longer than 1024 bytes"));
    }
}
