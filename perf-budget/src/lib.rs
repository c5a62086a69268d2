//! perf-gate budgets and reports (work in progress).

pub mod baseline;
mod budget_file;
mod json_tree;

pub use budget_file::*;
