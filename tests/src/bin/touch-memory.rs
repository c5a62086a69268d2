//! `touch-memory MIB [SECONDS]`: allocates MIB mebibytes, writes one byte in every page (so the
//! pages are resident, not just reserved), optionally sleeps, and exits 0. The `perf-gate run`
//! tests measure its peak memory.

use std::time::Duration;

fn main() -> std::process::ExitCode {
    let mut args = std::env::args().skip(1);
    let Some(mib) = args.next().and_then(|text| text.parse::<usize>().ok()) else {
        eprintln!("usage: touch-memory MIB [SECONDS]");
        return std::process::ExitCode::from(2);
    };
    let seconds: f64 = args
        .next()
        .and_then(|text| text.parse().ok())
        .unwrap_or(0.0);
    let mut memory = vec![0u8; mib << 20];
    for page in memory.chunks_mut(4096) {
        page[0] = 1;
    }
    std::hint::black_box(&memory);
    std::thread::sleep(Duration::from_secs_f64(seconds));
    let touched: usize = memory
        .iter()
        .step_by(4096)
        .map(|&byte| usize::from(byte))
        .sum();
    std::process::ExitCode::from(u8::from(touched != memory.len().div_ceil(4096)))
}
