//! Any bytes: sniffing never panics, and whatever it picks imports without panicking.

#![no_main]

#[path = "common/import.rs"]
mod common;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Some(format) = perf_import::sniff(data) {
        common::check(format, data);
    }
});
