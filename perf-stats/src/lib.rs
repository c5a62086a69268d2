//! Exact latency statistics on plain `f64` slices. SKELETON: replaced by the perf-stats work.
