//! perf-gate log collection: from directories of JSONL latency logs to records or per-group
//! samples, fast, in parallel, and accounting for every line.
//!
//! Use this crate to read whatever log producers left on disk: any number of root directories
//! and files, walked recursively for `*.jsonl`, `*.ndjson` and `*.jsonl.gz` in a deterministic
//! order. Each line goes through [`perf_record::parse_line`]; rejected lines are reported as
//! `path:line: reason` and counted, so that for every file and in total
//! `lines == accepted + filtered_out + rejected + blank` ([`LineCounts::adds_up`]).
//!
//! Two paths share the reading pipeline:
//! - [`aggregate`]: per-group latency samples ([`GroupSamples`]) straight from the files, with
//!   memory that grows with the samples kept, not with file size. `perf-gate gate` uses this.
//! - [`collect`]: every accepted record, sorted by `ts`, with a [`CollectionSummary`], written
//!   atomically as JSONL by [`Collection::write_jsonl`].
//!
//! Not for: parsing one record (that is `perf-record`) or computing statistics (that is
//! `perf-stats`; this crate hands it the samples).
//!
//! ```
//! use camino::Utf8PathBuf;
//! use perf_collect::{CollectConfig, GroupBy, GroupName, aggregate};
//! use perf_record::GroupKey;
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
//! assert_eq!(group.outcomes.unknown, 1);
//! assert_eq!(aggregation.report.totals.rejected, 1);
//! assert!(aggregation.report.totals.adds_up());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod aggregate;
mod collect;
mod discover;
mod error;
mod filter;
mod lines;
mod scan;

pub use aggregate::{Aggregation, GroupBy, GroupName, GroupSamples, aggregate};
pub use collect::{
    Collection, CollectionSummary, SUMMARY_SCHEMA_VERSION, collect, write_atomically,
};
pub use discover::{
    Compression, DiscoverConfig, Discovery, SourceFile, discover, is_log_file_name,
};
pub use error::CollectError;
pub use filter::{CompiledFilter, Filter, OutcomeFilter};
pub use scan::{
    DEFAULT_MAX_LINE_BYTES, FileReport, LineCounts, Progress, Rejection, ScanConfig, ScanReport,
};

/// Everything [`collect`] and [`aggregate`] need to know besides the roots.
#[derive(Debug, Clone, Default)]
pub struct CollectConfig {
    /// How to walk the roots (symlinks, the output file to skip).
    pub discover: DiscoverConfig,
    /// Which records to keep.
    pub filter: Filter,
    /// How to read the files (line cap, rejections kept, chunk size, progress bar).
    pub scan: ScanConfig,
    /// Turn any rejected line or unreadable file into [`CollectError::Strict`].
    pub strict: bool,
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
