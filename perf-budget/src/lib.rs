//! perf-gate budgets and reports (work in progress).

mod budget_file;
mod json_tree;

pub use budget_file::*;
