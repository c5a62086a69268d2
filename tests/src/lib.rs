//! End-to-end tests of the perf-gate binary live in `tests/tests/`; this library is empty.
