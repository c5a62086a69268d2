//! `cargo run --release -p perf-import --example import -- FORMAT FILE > records.jsonl`: what
//! `perf-gate import` does, in a few lines of the public API (used to time the importer
//! against a jq conversion). Rejections go to stderr. A third argument `count` counts the
//! items instead of writing them (to time the parsing alone).

use std::io::{self, BufWriter, Write};
use std::process::ExitCode;

use camino::Utf8PathBuf;
use perf_import::{FormatChoice, ImportConfig, Item, SampleWriter, import_path, write_summary};
use perf_record::Timestamp;

fn main() -> ExitCode {
    let arguments: Vec<String> = std::env::args().skip(1).collect();
    let (format, path, write) = match arguments.as_slice() {
        [format, path] => (format, path, true),
        [format, path, mode] if mode == "count" => (format, path, false),
        _ => {
            eprintln!("usage: import FORMAT FILE [count]");
            return ExitCode::from(1);
        }
    };
    let choice: FormatChoice = match format.parse() {
        Ok(choice) => choice,
        Err(error) => {
            eprintln!("{error}");
            return ExitCode::from(1);
        }
    };
    let config = ImportConfig::new(Timestamp::now());
    let mut writer = SampleWriter::default();
    let stdout = io::stdout();
    let mut out = BufWriter::with_capacity(1 << 20, stdout.lock());
    let result = import_path(
        choice,
        &Utf8PathBuf::from(path),
        &config,
        |item| match item {
            Item::Sample(_) | Item::Summary(_) if !write => Ok(()),
            Item::Sample(sample) => writer.write(&mut out, &sample),
            Item::Summary(summary) => write_summary(&mut out, &summary),
            Item::Rejected(rejection) => {
                eprintln!("{rejection}");
                Ok(())
            }
        },
    );
    match (result, out.flush()) {
        (Ok(report), Ok(())) => {
            eprintln!(
                "{}: {}{}: {} items: {} records, {} summaries, {} blank, {} skipped {:?}, {} rejected",
                report.input,
                report.format,
                if report.sniffed { " (sniffed)" } else { "" },
                report.items,
                report.records,
                report.summaries,
                report.blank,
                report.skipped_total(),
                report.skipped,
                report.rejected
            );
            for warning in &report.warnings {
                eprintln!("warning: {warning}");
            }
            ExitCode::SUCCESS
        }
        (Err(error), _) => {
            let mut message = error.to_string();
            let mut source = std::error::Error::source(&error);
            while let Some(cause) = source {
                message.push_str(&format!(": {cause}"));
                source = cause.source();
            }
            eprintln!("{message}");
            ExitCode::from(1)
        }
        (_, Err(error)) => {
            eprintln!("writing the output: {error}");
            ExitCode::from(1)
        }
    }
}
