//! The budget file: what a team writes and reviews. [`model`] holds the types every other module
//! uses, [`parse`](parse_budgets) turns text into them, and [`error`](BudgetError) says why a
//! file was rejected.

mod error;
mod model;
mod parse;

pub use error::{BudgetError, BudgetFileError};
pub(crate) use model::most_specific;
pub use model::{
    BUDGET_FILE_SCHEMA_VERSION, BudgetEntry, Budgets, ConsecutiveRule, DEFAULT_MIN_SAMPLES,
    Defaults, Direction, EntryRef, GlobPattern, Limit, MeasureLimits, Metric, Pattern,
    RegressionRule, Severity, Specificity, TrendRule, Unit, UnknownMetricName,
    automatic_min_samples,
};
pub use parse::{MAX_BUDGET_FILE_BYTES, parse_budgets, read_budgets};
