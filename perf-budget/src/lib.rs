//! Budgets for perf-gate: the budget file a team writes, and the evaluation of per-group latency
//! data against it.
//!
//! The budget file ([`parse_budgets`], [`read_budgets`]) says, per tool and step, which latency
//! and error-rate limits hold (`{ "wsap": { "import": { "p95": 80 } } }`, with `"*"` wildcards,
//! `defaults`, `min_samples`, `severity` and a `regression` rule for the baseline comparison).
//! [`evaluate`] checks each group against its most specific entry and returns an [`Evaluation`]:
//! every [`Check`] with its observed value, limit, difference and confidence interval, the
//! [`LintFinding`]s and the [`EvaluationWarning`]s, as facts with their numbers.
//!
//! It is not for reading logs (that is `perf-collect`), computing statistics (every number comes
//! from `perf-stats`), baselines (`perf-baseline`), or turning a result into a verdict, an exit
//! code or text for people (that is `perf-report`). It does no I/O except [`read_budgets`].
//!
//! ```
//! use std::collections::BTreeMap;
//! use perf_budget::{CheckStatus, EvaluateConfig, evaluate, parse_budgets};
//! use perf_record::{GroupKey, GroupSamples, OutcomeCounts};
//!
//! let budgets = parse_budgets(r#"{ "wsap": { "import": { "avg": 40, "p95": 80, "min_samples": 5 } } }"#)?;
//! let group = GroupSamples {
//!     counts: OutcomeCounts { ok: 5, errors: 0, unknown: 0 },
//!     latencies_ms: vec![30.0, 35.0, 38.0, 39.0, 40.0],
//!     ..Default::default()
//! };
//! let groups = BTreeMap::from([(GroupKey::new("wsap", "import"), group)]);
//! let config = EvaluateConfig { confidence_level: 0.95, quantile_method: Default::default() };
//! let evaluation = evaluate(&budgets, &groups, &config)?;
//! let p95 = &evaluation.checks[1];
//! assert!((p95.observed.unwrap() - 39.8).abs() < 1e-9);
//! // Within the limit, but 5 latencies give a p95 no interval (72 would): never a plain pass.
//! assert_eq!((p95.metric.to_string(), p95.status), ("p95".to_owned(), CheckStatus::LowConfidence));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! The budget file format is documented in the crate's `README.md`.

mod budget;
mod evaluate;
mod evaluation;
mod fraction;
mod json_tree;
#[cfg(feature = "schemars")]
mod schema;

pub use budget::{
    BUDGET_FILE_SCHEMA_VERSION, BudgetEntry, BudgetError, BudgetFileError, Budgets,
    ConsecutiveRule, DEFAULT_MIN_SAMPLES, Defaults, Direction, EntryRef, GlobPattern, Limit,
    MAX_BUDGET_FILE_BYTES, MeasureLimits, Metric, Pattern, RegressionRule, Severity, Specificity,
    TrendRule, Unit, UnknownMetricName, automatic_min_samples, parse_budgets, read_budgets,
};
pub use evaluate::{EvaluateConfig, EvaluateError, evaluate, evaluate_with_reported, lint};
pub use evaluation::{
    Check, CheckMeasure, CheckStatus, ConfidenceInterval, Evaluation, EvaluationWarning,
    LintFinding,
};
pub use fraction::{FractionError, fraction_from_number, parse_fraction};
#[cfg(feature = "schemars")]
pub use schema::budget_file_schema;
