//! `perf-gate normalize`: every record of the inputs, with its outcome made explicit.

use std::io::Write;

use anyhow::{Context as _, Result};
use perf_record::{ReadConfig, RecordReader};

use super::Context;
use crate::cli::NormalizeArgs;
use crate::diagnostics::{discover_config, field_map};

/// `perf-gate normalize`: the roots are walked like every other command's (directories, globs,
/// `--include`, `--follow-symlinks`, `-`), the files read in order; rejected lines are reported
/// on stderr and left out of the output.
///
/// The output is streamed: each normalized line is written as it is read, so memory stays
/// bounded whatever the input's size. `--out FILE` still replaces the file atomically (the lines
/// go to a temporary file beside it, renamed over it at the end; a failed run leaves the
/// previous file); `--out -` writes to stdout as it goes.
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
    let mut state = Normalized::default();
    if args.out.as_str() == "-" {
        let mut stdout = std::io::stdout().lock();
        match normalize_into(
            &mut stdout,
            &discovery.files,
            &config,
            diagnostics,
            &mut state,
        )
        .and_then(|()| stdout.flush().map_err(Failure::Output))
        {
            // A reader that stopped early (`| head`) is not an error of ours.
            Err(Failure::Output(error)) if error.kind() == std::io::ErrorKind::BrokenPipe => {}
            Err(Failure::Output(error)) => {
                return Err(anyhow::Error::new(error).context("cannot write to stdout"));
            }
            Err(Failure::Input(error)) => return Err(error),
            Ok(()) => {}
        }
    } else {
        let mut input_failure = None;
        let written = perf_record::write_atomically(&args.out, |out| {
            match normalize_into(out, &discovery.files, &config, diagnostics, &mut state) {
                Ok(()) => Ok(()),
                Err(Failure::Output(error)) => Err(error),
                Err(Failure::Input(error)) => {
                    input_failure = Some(error);
                    Err(std::io::Error::other("an input could not be read"))
                }
            }
        });
        if let Some(error) = input_failure {
            return Err(error);
        }
        written?;
    }
    let totals = &state.totals;
    if totals.rejected > state.printed {
        diagnostics.note(&format!(
            "warning: ... and {} more rejected lines (--max-errors 0 prints all)",
            totals.rejected - state.printed
        ));
    }
    diagnostics.note(&format!(
        "normalized {} records from {} files ({} rejected, {} blank lines dropped)",
        totals.records,
        discovery.files.len(),
        totals.rejected,
        totals.blank
    ));
    Ok(perf_report::ExitCode::PASS)
}

/// What the stream has read so far.
#[derive(Default)]
struct Normalized {
    totals: perf_record::LineCounts,
    /// Rejected lines printed (at most `--max-errors`).
    printed: u64,
}

/// Why streaming stopped: the output could not be written, or an input not read.
enum Failure {
    Output(std::io::Error),
    Input(anyhow::Error),
}

/// Writes every normalized line of `files` to `out` as it is read, printing rejected lines.
fn normalize_into(
    out: &mut dyn Write,
    files: &[perf_collect::SourceFile],
    config: &ReadConfig,
    diagnostics: crate::diagnostics::Diagnostics,
    state: &mut Normalized,
) -> Result<(), Failure> {
    let printable = diagnostics.rejections_kept() as u64;
    for file in files {
        let input = file
            .open()
            .with_context(|| format!("cannot open {}", file.path))
            .map_err(Failure::Input)?;
        let mut reader = RecordReader::new(file.path.as_str(), input, config.clone());
        while let Some(result) = reader.next_normalized() {
            match result {
                Ok(line) => {
                    out.write_all(line.as_bytes())
                        .and_then(|()| out.write_all(b"\n"))
                        .map_err(Failure::Output)?;
                }
                // A read error ends the input: nothing after it can be trusted.
                Err(error @ perf_record::ReadError::Io { .. }) => {
                    return Err(Failure::Input(error.into()));
                }
                Err(error) => {
                    if state.printed < printable {
                        diagnostics.note(&format!(
                            "warning: {}",
                            perf_report::render::escape::ascii(&error.to_string())
                        ));
                        state.printed += 1;
                    }
                }
            }
        }
        state.totals.merge(&reader.counts());
    }
    Ok(())
}
