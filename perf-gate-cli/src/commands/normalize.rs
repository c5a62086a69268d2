//! `perf-gate normalize`: every record of one JSONL input, with its outcome made explicit.

use std::io::{BufRead, BufReader};

use anyhow::{Context as _, Result};
use perf_collect::STDIN_NAME;
use perf_record::{ReadConfig, RecordReader};

use super::{Context, print_stdout};
use crate::cli::NormalizeArgs;
use crate::output::write_file;

/// How many rejected lines are printed; all are counted.
const REJECTIONS_PRINTED: u64 = 20;

/// `perf-gate normalize`: rejected lines are reported on stderr and left out of the output.
pub fn run(args: &NormalizeArgs, context: Context) -> Result<u8> {
    let (name, input): (&str, Box<dyn BufRead>) = if args.input.as_str() == perf_collect::STDIN_ROOT
    {
        (STDIN_NAME, Box::new(BufReader::new(std::io::stdin())))
    } else {
        let file = std::fs::File::open(&args.input)
            .with_context(|| format!("cannot open {}", args.input))?;
        (args.input.as_str(), Box::new(BufReader::new(file)))
    };
    let mut reader = RecordReader::new(name, input, ReadConfig::default());
    let mut output = String::new();
    let diagnostics = context.diagnostics;
    let mut rejected_printed = 0;
    while let Some(result) = reader.next_normalized() {
        match result {
            Ok(line) => {
                output.push_str(&line);
                output.push('\n');
            }
            // A read error ends the input: nothing after it can be trusted.
            Err(error @ perf_record::ReadError::Io { .. }) => return Err(error.into()),
            Err(error) => {
                if rejected_printed < REJECTIONS_PRINTED {
                    diagnostics.note(&format!("warning: {error}"));
                    rejected_printed += 1;
                }
            }
        }
    }
    let counts = reader.counts();
    if counts.rejected > REJECTIONS_PRINTED {
        diagnostics.note(&format!(
            "warning: ... and {} more rejected lines",
            counts.rejected - REJECTIONS_PRINTED
        ));
    }
    diagnostics.note(&format!(
        "normalized {} records ({} rejected, {} blank lines dropped)",
        counts.records, counts.rejected, counts.blank
    ));
    if args.out.as_str() == "-" {
        print_stdout(&output)?;
    } else {
        write_file(&args.out, &output)?;
    }
    Ok(perf_report::ExitCode::PASS)
}
