//! Reports for perf-gate: the one model every output reads, the verdict and the exit-code
//! contract, and every renderer.
//!
//! A [`Report`] is made once, by [`Report::new`], from the sections the judges return: a
//! `perf_budget::Evaluation` (checks, lint findings, warnings) and, when the run was compared
//! with a baseline, a `perf_baseline::Comparison`. That constructor is the only place the
//! overall [`Verdict`] and the [`CheckCounts`] are computed, and the fields are private, so the
//! verdict can never disagree with the sections. [`Verdict::exit_code`] maps it to the
//! documented [`ExitCode`] contract: `0` pass (warnings allowed), `3` any violation or
//! regression, `2` no violation but a budgeted group had insufficient samples or no data, `1`
//! usage or input errors.
//!
//! The renderers in [`render`] turn one report into text, Markdown, JSON, JUnit XML, GitHub
//! annotations, OpenMetrics / Prometheus text or a self-contained HTML page (the last two also
//! read the [`distribution`]s that [`Report::with_distributions`] attaches); they are sibling modules that share only leaf helpers (number formatting, the
//! sentences of a check or a comparison, and [`render::escape`]), and no renderer imports
//! another. [`summary`] is the `summarize` report: counts and statistics per group, no judgement.
//!
//! It is not for judging (`perf-budget`, `perf-baseline`), reading logs (`perf-collect`) or
//! deciding where output goes: the caller picks colour, files and streams.
//!
//! ```
//! use std::collections::BTreeMap;
//! use perf_budget::{EvaluateConfig, evaluate, parse_budgets};
//! use perf_record::{GroupKey, GroupSamples, OutcomeCounts};
//! use perf_report::render::text::{TextConfig, render};
//! use perf_report::{Report, ReportSettings, Verdict};
//!
//! let budgets = parse_budgets(r#"{ "wsap": { "import": { "avg": 40, "max": 80, "min_samples": 5 } } }"#)?;
//! let group = GroupSamples {
//!     counts: OutcomeCounts { ok: 5, errors: 0, unknown: 0 },
//!     latencies_ms: vec![30.0, 35.0, 38.0, 39.0, 40.0],
//!     ..Default::default()
//! };
//! let groups = BTreeMap::from([(GroupKey::new("wsap", "import"), group)]);
//! let config = EvaluateConfig { confidence_level: 0.95, quantile_method: Default::default() };
//! let settings = ReportSettings::of_budgets(&budgets, config.confidence_level);
//! let report = Report::new(settings, evaluate(&budgets, &groups, &config)?, None);
//! assert_eq!(report.verdict(), Verdict::Pass);
//! assert_eq!(report.verdict().exit_code(), 0);
//! let text = render(&report, &TextConfig { color: false });
//! assert!(text.starts_with("perf-gate PASS: 0 budget violations (2 checks)"));
//! assert!(text.contains("[ OK ] wsap/import  max  40.00 ms <= 80.00 ms (40.00 ms headroom)"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! The JSON report schema is documented in the crate's `README.md`.

pub mod distribution;
pub mod history;
pub mod render;
mod report;
pub mod summary;

pub use report::{
    CheckCounts, ExitCode, REPORT_SCHEMA_VERSION, Report, ReportSettings, SchemaVersionError,
    Verdict, Warning,
};
