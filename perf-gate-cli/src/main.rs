//! The perf-gate command. SKELETON: replaced by the CLI work.
fn main() {}
