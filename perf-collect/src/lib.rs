//! perf-gate log collection. SKELETON: replaced by the perf-collect work.
