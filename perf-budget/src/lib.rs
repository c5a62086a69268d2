//! perf-gate budgets and reports. SKELETON: replaced by the perf-budget work.

pub mod baseline;
