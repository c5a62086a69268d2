//! perf-gate log collection: from directories of JSONL latency logs to records or per-group
//! samples, fast, in parallel, and accounting for every line.
//!
//! Use this crate to read whatever log producers left on disk: any number of root directories
//! and files, walked recursively for `*.jsonl`, `*.ndjson` and `*.jsonl.gz` in a deterministic
//! order. Each line goes through [`perf_record::parse_line`]; rejected lines are reported as
//! `path:line: reason` and counted, so that for every file and in total
//! `lines == accepted + filtered_out + rejected + blank` ([`LineCounts::adds_up`]).
//!
//! There is one reading pipeline, [`scan`]: it cuts the files into work units, reads them in
//! parallel, and pushes every accepted record into a [`RecordSink`] of the caller's (ripgrep's
//! `Sink` is the model). Two sinks come with the crate:
//! - [`GroupingSink`], behind [`aggregate`]: per-group latency samples
//!   ([`GroupSamples`](perf_record::GroupSamples)) straight from the files, with memory that grows
//!   with the samples kept, not with file size.
//! - [`CollectingSink`], behind [`collect`]: every accepted record, sorted by `ts`, with a
//!   [`CollectionSummary`], written atomically as JSONL by [`Collection::write_jsonl`].
//!
//! A pair of sinks is a sink, so `perf-gate gate --write-latest` reads the logs once for both.
//! Standard input is the root `-`, named `<stdin>` in every message. Progress is reported through
//! the [`Progress`] callbacks of [`ScanConfig`]; this crate never draws anything.
//!
//! Not for: parsing one record (that is `perf-record`) or computing statistics (that is
//! `perf-stats`; this crate hands it the samples).
//!
//! ```
//! use camino::Utf8PathBuf;
//! use perf_collect::{CollectConfig, GroupBy, aggregate};
//! use perf_record::{GroupKey, GroupName};
//!
//! let dir = tempfile::tempdir()?;
//! let root = Utf8PathBuf::try_from(dir.path().to_path_buf())?;
//! std::fs::write(
//!     root.join("run.jsonl"),
//!     concat!(
//!         r#"{"ts":"2025-10-16T23:34:46.422Z","sessionId":"s1","tool":"wsap","step":"import","ms":24.7,"ok":true}"#, "\n",
//!         r#"{"ts":"2025-10-16T23:34:47.000Z","sessionId":"s1","tool":"wsap","step":"import","ms":31.0}"#, "\n",
//!         "not json\n",
//!     ),
//! )?;
//!
//! let aggregation = aggregate(&[root], &CollectConfig::default(), GroupBy::ToolStep)?;
//! let key = GroupName::ToolStep(GroupKey { tool: "wsap".into(), step: "import".into() });
//! let group = &aggregation.groups[&key];
//! assert_eq!(group.latencies_ms, [24.7]); // the unknown-outcome record has no sample
//! assert_eq!(group.counts.unknown, 1);
//! assert_eq!(aggregation.report.totals.rejected, 1);
//! assert!(aggregation.report.totals.adds_up());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use camino::Utf8PathBuf;

mod aggregate;
mod collect;
mod discover;
mod error;
mod filter;
mod lines;
mod scan;

pub use aggregate::{
    Aggregation, DEFAULT_SAMPLE_MEMORY_LIMIT, GroupBy, GroupingSink, SampleArea, StoredAggregation,
    aggregate, aggregate_within, into_tool_step_groups, merge_groups,
};
pub use collect::{
    CollectingSink, Collection, CollectionSummary, DEFAULT_MEMORY_LIMIT, SUMMARY_SCHEMA_VERSION,
    SortConfig, SpillArea, collect, collect_with,
};
pub use discover::{
    ARTIFACTS_TAG, ARTIFACTS_TAG_TEXT, Compression, DiscoverConfig, Discovery, Origin, STDIN_NAME,
    STDIN_ROOT, SkipReason, Skipped, SourceFile, discover, is_log_file_name,
};
pub use error::CollectError;
pub use filter::{CompiledFilter, Filter, OutcomeFilter};
pub use scan::{
    DEFAULT_MAX_LINE_BYTES, FileReport, JSON_DOCUMENT_REASON, LineCounts, Progress, RecordSink,
    Rejection, Scan, ScanConfig, ScanReport,
};

/// Everything [`collect`], [`aggregate`] and [`scan`] need to know besides the roots.
#[derive(Debug, Clone, Default)]
pub struct CollectConfig {
    /// How to walk the roots (symlinks, the output file to skip).
    pub discover: DiscoverConfig,
    /// Which records to keep.
    pub filter: Filter,
    /// How to read the files (line cap, rejections kept, chunk size, progress callback).
    pub scan: ScanConfig,
    /// Turn any rejected line or unreadable file into [`CollectError::Strict`].
    pub strict: bool,
}

/// Reads every log under `roots` once, in parallel, handing each accepted record to a sink.
///
/// `make_sink` makes one sink per work unit; the sinks come back in source order with the
/// accounting ([`Scan`]). This is the one reading pipeline: [`aggregate`] and [`collect`] are
/// scans with a [`GroupingSink`] and a [`CollectingSink`], and a pair of sinks reads the logs
/// once for both.
///
/// # Errors
/// A missing root or an invalid filter pattern; in strict mode also any rejected line or
/// unreadable file ([`CollectError::Strict`]).
pub fn scan<S: RecordSink>(
    roots: &[Utf8PathBuf],
    config: &CollectConfig,
    make_sink: impl Fn() -> S + Sync,
) -> Result<Scan<S>, CollectError> {
    let filter = config.filter.compile()?;
    let discovery = discover(roots, &config.discover)?;
    let (mut report, sinks) = scan::scan_files(&discovery.files, &filter, &config.scan, make_sink);
    report.roots_scanned = discovery.roots_scanned;
    report.skipped = discovery.skipped;
    report.problems.splice(0..0, discovery.problems);
    strict_check(config, &report)?;
    Ok(Scan { sinks, report })
}

fn strict_check(config: &CollectConfig, report: &ScanReport) -> Result<(), CollectError> {
    if !config.strict || (report.totals.rejected == 0 && report.problems.is_empty()) {
        return Ok(());
    }
    let first = report
        .problems
        .first()
        .map(ToString::to_string)
        .or_else(|| report.rejections.first().map(ToString::to_string));
    Err(CollectError::Strict {
        rejected_lines: report.totals.rejected,
        file_problems: report.problems.len(),
        first,
    })
}
