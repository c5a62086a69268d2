//! Other tools' outputs as the gate's groups, straight from their files (`--from FORMAT`).

use std::collections::BTreeMap;

use camino::Utf8PathBuf;
use perf_collect::{CollectError, CompiledFilter, Filter, GroupBy};
use perf_import::{FormatChoice, ImportConfig, ImportError, ImportReport, Item};
use perf_record::{GroupKey, GroupName, GroupSamples, Record, ReportedStatistics};

/// What the imports of a run read.
#[derive(Debug, Default)]
pub struct Imported {
    /// The groups of the raw samples that passed the filter.
    pub groups: BTreeMap<GroupName, GroupSamples>,
    /// One accounting per input, in input order.
    pub reports: Vec<ImportReport>,
    /// Samples the filter left out.
    pub filtered_out: u64,
    /// What the sources reported for groups they described only by aggregates (summary
    /// records); the first summary of a group wins. Budgets are checked against these figures,
    /// nothing that needs raw samples is computed from them.
    pub reported: BTreeMap<GroupKey, ReportedStatistics>,
    /// The first rejected items (at most the `rejections_kept` of [`import_groups`]),
    /// `input:line: path: reason`; every one is counted in its report.
    pub rejections: Vec<String>,
}

/// Why an import could not run.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ImportGroupsError {
    /// A `--tools`, `--steps` or `--session` pattern is not a valid glob.
    #[error("invalid filter")]
    Filter(#[source] CollectError),
    /// An input could not be imported.
    #[error("cannot import {input}")]
    Import {
        /// The input.
        input: Utf8PathBuf,
        /// Why.
        #[source]
        source: ImportError,
    },
}

/// Imports every input with `format` (`auto` sniffs each one) and groups the raw samples that
/// `filter` keeps by `group_by`. Summary records (aggregate-only formats) are counted, never
/// turned into samples; the first `rejections_kept` rejected items are kept for printing.
///
/// # Errors
/// An invalid filter pattern, or an input that cannot be imported at all (unreadable, wrong
/// format, over the size caps). Rejected items are counted and kept, not errors.
pub fn import_groups(
    format: FormatChoice,
    inputs: &[Utf8PathBuf],
    config: &ImportConfig,
    filter: &Filter,
    group_by: GroupBy,
    rejections_kept: usize,
) -> Result<Imported, ImportGroupsError> {
    let filter = filter.compile().map_err(ImportGroupsError::Filter)?;
    let mut imported = Imported::default();
    for input in inputs {
        let report = perf_import::import_path(format, input, config, |item| {
            take(&mut imported, &filter, group_by, rejections_kept, item);
            Ok(())
        })
        .map_err(|source| ImportGroupsError::Import {
            input: input.clone(),
            source,
        })?;
        imported.reports.push(report);
    }
    Ok(imported)
}

fn take(
    imported: &mut Imported,
    filter: &CompiledFilter,
    group_by: GroupBy,
    rejections_kept: usize,
    item: Item<'_>,
) {
    match item {
        Item::Sample(sample) => {
            if !filter.matches(&sample.record) {
                imported.filtered_out += 1;
                return;
            }
            let name = group_name(&sample.record, group_by);
            imported
                .groups
                .entry(name)
                .or_default()
                .add(&sample.record.outcome, sample.record.ms);
        }
        Item::Summary(summary) => {
            let statistics = ReportedStatistics {
                count: summary.count,
                errors: summary.errors,
                min_ms: summary.min_ms,
                mean_ms: summary.mean_ms,
                max_ms: summary.max_ms,
                percentiles: summary
                    .percentiles
                    .iter()
                    .map(|percentile| (percentile.q * 100.0, percentile.ms))
                    .collect(),
            };
            imported
                .reported
                .entry(GroupKey::new(summary.tool, summary.step))
                .or_insert(statistics);
        }
        Item::Rejected(rejection) => {
            if imported.rejections.len() < rejections_kept {
                imported.rejections.push(rejection.to_string());
            }
        }
    }
}

fn group_name(record: &Record<'_>, group_by: GroupBy) -> GroupName {
    match group_by {
        GroupBy::ToolStep => GroupName::ToolStep(record.group_key()),
        GroupBy::Tool => GroupName::Tool(record.tool.as_ref().to_owned()),
        GroupBy::Session => GroupName::Session(record.session_id.as_ref().to_owned()),
    }
}

impl Imported {
    /// Groups that have summary records but no raw sample.
    pub fn without_raw_samples(&self) -> Vec<GroupKey> {
        self.reported
            .keys()
            .filter(|key| {
                !self
                    .groups
                    .contains_key(&GroupName::ToolStep((*key).clone()))
            })
            .cloned()
            .collect()
    }
}
