//! perf-gate budgets and reports (work in progress).

pub mod baseline;
mod budget_file;
mod evaluate;
mod json_tree;
pub mod render;
mod report;

pub use budget_file::*;
pub use evaluate::*;
pub use report::*;
