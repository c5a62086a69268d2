//! Budgets, verdicts and reports for perf-gate.
//!
//! This crate is the judgement half of perf-gate: it reads the budget file a team writes
//! ([`parse_budgets`], [`read_budgets`]), checks per-(tool, step) latency data against it
//! ([`evaluate`], [`lint`]) and builds one [`Report`] that every renderer in [`render`] turns
//! into text, Markdown, JSON, JUnit XML or GitHub annotations. The overall [`Verdict`] maps to
//! the process exit code contract with [`Verdict::exit_code`]: `0` pass (warnings allowed), `3`
//! any violation, `2` no violation but a budgeted group had insufficient samples or no data;
//! `1` ([`EXIT_USAGE_ERROR`]) is left to the CLI for usage and input errors.
//!
//! It is not for reading logs (that is `perf-collect`), computing statistics (every number
//! comes from `perf-stats`) or deciding where output goes (the CLI decides on colour, files and
//! streams). It does no I/O except [`read_budgets`].
//!
//! ```
//! use perf_budget::render::text::{TextConfig, render};
//! use perf_budget::{EvaluateConfig, GroupSample, Verdict, evaluate, parse_budgets};
//! use perf_record::{GroupKey, OutcomeCounts};
//!
//! let budgets = parse_budgets(r#"{ "wsap": { "import": { "avg": 40, "p95": 80, "min_samples": 5 } } }"#)?;
//! let group = GroupSample {
//!     key: GroupKey { tool: "wsap".into(), step: "import".into() },
//!     counts: OutcomeCounts { ok: 5, errors: 0, unknown: 0 },
//!     latencies: vec![30.0, 35.0, 38.0, 39.0, 40.0],
//! };
//! let report = evaluate(&budgets, &[group], &EvaluateConfig::default())?;
//! assert_eq!(report.verdict, Verdict::Pass);
//! assert_eq!(report.verdict.exit_code(), 0);
//! let text = render(&report, &TextConfig { color: false });
//! assert!(text.contains("[ OK ] wsap/import  p95  39.80ms <= 80.00ms (40.20ms headroom)  n=5"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! The budget file format and the JSON report schema are documented in the crate's
//! `README.md`.

pub mod baseline;
mod budget_file;
mod evaluate;
mod json_tree;
pub mod render;
mod report;
pub mod summary;

pub use budget_file::{
    BUDGET_FILE_SCHEMA_VERSION, BudgetEntry, BudgetError, BudgetFileError, Budgets,
    DEFAULT_MIN_SAMPLES, Defaults, Limit, Metric, Pattern, Percentile, RegressionRule, Severity,
    Unit, UnknownMetricName, parse_budgets, read_budgets,
};
pub use evaluate::{EvaluateConfig, EvaluateError, GroupSample, evaluate, lint};
pub use report::{
    Check, CheckCounts, CheckStatus, ConfidenceInterval, EXIT_USAGE_ERROR, EntryRef, LintFinding,
    REPORT_SCHEMA_VERSION, Report, ReportSettings, Verdict, Warning,
};
