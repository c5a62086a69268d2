//! Any byte stream: the reader never panics or hangs, and its counts add up.

#![no_main]

use libfuzzer_sys::fuzz_target;
use perf_record::{ReadConfig, RecordReader};

fuzz_target!(|data: &[u8]| {
    let mut reader = RecordReader::new("fuzz", data, ReadConfig { max_line_bytes: 64, ..ReadConfig::default() });
    let results = reader.by_ref().count() as u64;
    let counts = reader.counts();
    assert_eq!(results, counts.records + counts.rejected);
    let newlines = data.iter().filter(|&&byte| byte == b'\n').count() as u64;
    let unterminated = u64::from(!data.is_empty() && !data.ends_with(b"\n"));
    assert_eq!(counts.lines(), newlines + unterminated);
});
