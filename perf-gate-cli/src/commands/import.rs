//! `perf-gate import`, and `--from FORMAT` on the commands that read logs.

use anyhow::Result;
use camino::Utf8PathBuf;
use perf_collect::{Filter, GroupBy};
use perf_gate::Imported;
use perf_import::{FormatChoice, ImportConfig, ImportReport, Item, SampleWriter};
use perf_record::Timestamp;
use perf_report::ExitCode;

use super::{Context, print_stdout};
use crate::cli::ImportArgs;

/// `perf-gate import`: every input's records (and summary records of aggregate-only formats)
/// into one JSONL file, written atomically; the accounting of every input on stderr.
pub fn run(args: &ImportArgs, context: Context) -> Result<u8> {
    let config = ImportConfig {
        session_id: args.session.clone(),
        tool: args.tool.clone(),
        step: args.step.clone(),
        metric: args.metric.clone(),
        include_transactions: args.include_transactions,
        ..ImportConfig::new(Timestamp::now())
    };
    let mut reports = Vec::new();
    let mut rejections = Vec::new();
    let mut rejected = 0u64;
    let mut writer = SampleWriter::default();
    let mut failure = None;
    perf_record::write_atomically(&args.out, |out| {
        let mut out = out;
        for input in &args.inputs {
            let result = perf_import::import_path(args.from, input, &config, |item| match item {
                Item::Sample(sample) => writer.write(&mut out, &sample),
                Item::Summary(summary) => perf_import::write_summary(&mut out, &summary),
                Item::Rejected(rejection) => {
                    rejected += 1;
                    if rejections.len() < context.diagnostics.rejections_kept() {
                        rejections.push(rejection.to_string());
                    }
                    Ok(())
                }
            });
            match result {
                Ok(report) => reports.push(report),
                Err(error) => {
                    failure = Some((input.clone(), error));
                    return Err(std::io::Error::other("import failed"));
                }
            }
        }
        Ok(())
    })
    .map_err(|error| match failure.take() {
        Some((input, source)) => {
            anyhow::Error::new(source).context(format!("cannot import {input}"))
        }
        None => anyhow::Error::new(error),
    })?;
    context
        .diagnostics
        .rejections(rejections.iter().map(String::as_str), rejected, "items");
    for report in &reports {
        note_report(report, context);
    }
    let records: u64 = reports.iter().map(|report| report.records).sum();
    let summaries: u64 = reports.iter().map(|report| report.summaries).sum();
    print_stdout(&format!(
        "wrote {records} records and {summaries} summary records to {}\n",
        args.out
    ))?;
    Ok(ExitCode::PASS)
}

/// `--from FORMAT`: imports `inputs` for a reading command, printing the accounting.
pub fn import_inputs(
    format: FormatChoice,
    inputs: &[Utf8PathBuf],
    filter: &Filter,
    group_by: GroupBy,
    context: Context,
) -> Result<Imported> {
    let config = ImportConfig::new(Timestamp::now());
    let imported = perf_gate::import_groups(
        format,
        inputs,
        &config,
        filter,
        group_by,
        context.diagnostics.rejections_kept(),
    )?;
    let rejected = imported.reports.iter().map(|report| report.rejected).sum();
    context.diagnostics.rejections(
        imported.rejections.iter().map(String::as_str),
        rejected,
        "items",
    );
    for report in &imported.reports {
        note_report(report, context);
    }
    if imported.filtered_out > 0 {
        context.diagnostics.note(&format!(
            "{} imported records filtered out",
            imported.filtered_out
        ));
    }
    let without = imported.without_raw_samples();
    if !without.is_empty() {
        let names: Vec<String> = without.iter().map(ToString::to_string).collect();
        context.diagnostics.note(&format!(
            "note: n/a: the source has no raw samples for {}",
            names.join(", ")
        ));
    }
    Ok(imported)
}

/// `k6.json: k6 (sniffed): 1200 items: 1200 records, 0 summaries, 0 blank, 0 skipped, 0 rejected`.
fn note_report(report: &ImportReport, context: Context) {
    let skipped = &report.skipped;
    let skipped_text = if skipped.is_empty() {
        String::new()
    } else {
        let parts: Vec<String> = skipped
            .iter()
            .map(|(reason, count)| format!("{count} {reason}"))
            .collect();
        format!(" ({})", parts.join(", "))
    };
    context.diagnostics.note(&format!(
        "{}: {}{}: {} items: {} records, {} summaries, {} blank, {} skipped{skipped_text}, {} rejected",
        report.input,
        report.format,
        if report.sniffed { " (sniffed)" } else { "" },
        report.items,
        report.records,
        report.summaries,
        report.blank,
        report.skipped_total(),
        report.rejected
    ));
    for warning in &report.warnings {
        context.diagnostics.note(&format!("warning: {warning}"));
    }
}
