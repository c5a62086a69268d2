//! Any bytes read as k6_summary output: see `common/import.rs`.

#![no_main]

#[path = "common/import.rs"]
mod common;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| common::check(perf_import::Format::K6Summary, data));
