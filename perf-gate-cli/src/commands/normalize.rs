//! `perf-gate normalize`: every record of the inputs, with its outcome made explicit.

use anyhow::{Context as _, Result};
use perf_record::{ReadConfig, RecordReader};

use super::{Context, print_stdout};
use crate::cli::NormalizeArgs;
use crate::diagnostics::{discover_config, field_map};
use crate::output::write_file;

/// How many rejected lines are printed; all are counted.
const REJECTIONS_PRINTED: u64 = 20;

/// `perf-gate normalize`: the roots are walked like every other command's (directories, globs,
/// `--include`, `--follow-symlinks`, `-`), the files read in order; rejected lines are reported
/// on stderr and left out of the output.
pub fn run(args: &NormalizeArgs, context: Context) -> Result<u8> {
    // A directory walk never reads the output back; a file named as a root is read first.
    let exclude = if args.out.as_str() == "-" {
        Vec::new()
    } else {
        vec![args.out.clone()]
    };
    let discovery = perf_collect::discover(&args.roots, &discover_config(&args.read, exclude))?;
    let diagnostics = context.diagnostics;
    for problem in &discovery.problems {
        diagnostics.note(&format!(
            "warning: {}",
            perf_report::render::escape::ascii(&crate::diagnostics::chain_line(problem))
        ));
    }
    diagnostics.skipped(&discovery.skipped, discovery.files.is_empty());
    let config = ReadConfig {
        fields: field_map(&args.read)?,
        ..ReadConfig::default()
    };
    let mut output = String::new();
    let mut rejected_printed = 0;
    let mut totals = perf_record::LineCounts::default();
    for file in &discovery.files {
        let input = file
            .open()
            .with_context(|| format!("cannot open {}", file.path))?;
        let mut reader = RecordReader::new(file.path.as_str(), input, config.clone());
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
                        diagnostics.note(&format!(
                            "warning: {}",
                            perf_report::render::escape::ascii(&error.to_string())
                        ));
                        rejected_printed += 1;
                    }
                }
            }
        }
        totals.merge(&reader.counts());
    }
    if totals.rejected > REJECTIONS_PRINTED {
        diagnostics.note(&format!(
            "warning: ... and {} more rejected lines",
            totals.rejected - REJECTIONS_PRINTED
        ));
    }
    diagnostics.note(&format!(
        "normalized {} records from {} files ({} rejected, {} blank lines dropped)",
        totals.records,
        discovery.files.len(),
        totals.rejected,
        totals.blank
    ));
    if args.out.as_str() == "-" {
        print_stdout(&output)?;
    } else {
        write_file(&args.out, &output)?;
    }
    Ok(perf_report::ExitCode::PASS)
}
