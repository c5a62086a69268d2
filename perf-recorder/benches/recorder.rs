//! The caller's cost of recording one event and the writer's sustained records/s, next to
//! `tracing-appender`'s non-blocking writer (lossless mode) writing an equivalent JSON line.
//!
//! `cargo bench -p perf-recorder --bench recorder`. Both write to `io::sink()`, so the numbers
//! are the CPU cost of timing, queueing and formatting, not of a disk.

use std::hint::black_box;
use std::io::{self, Write};
use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput, criterion_group};
use perf_recorder::{Recorder, Statistics, Timestamp};
use tracing_appender::non_blocking::NonBlockingBuilder;

/// Events per timed chunk: the buffer holds a whole chunk, so the caller never waits for the
/// writer while its own cost is measured.
const CHUNK: u64 = 1 << 16;

fn recorder() -> Recorder {
    Recorder::builder()
        .tool("bench")
        .session_id("bench-1")
        .writer(io::sink())
        .capacity(CHUNK as usize)
        .statistics(Statistics::Off)
        .build()
        .unwrap_or_else(|error| panic!("cannot build the recorder: {error}"))
}

/// The line perf-recorder writes, formatted by hand as a `tracing-appender` user would.
fn appender_line(line: &mut Vec<u8>, ts: Timestamp, ms: f64) {
    line.clear();
    let _ = writeln!(
        line,
        r#"{{"ts":"{ts}","sessionId":"bench-1","tool":"bench","step":"step","ms":{ms},"ok":true}}"#
    );
}

fn caller_thread(c: &mut Criterion) {
    let mut group = c.benchmark_group("caller thread, per event");
    group.throughput(Throughput::Elements(1));
    group.bench_function("perf-recorder time() + ok() + enqueue", |b| {
        let recorder = recorder();
        b.iter_custom(|iterations| {
            let mut total = Duration::ZERO;
            let mut left = iterations;
            while left > 0 {
                let count = left.min(CHUNK);
                let start = Instant::now();
                for _ in 0..count {
                    recorder.time(black_box("step")).ok();
                }
                total += start.elapsed();
                // Untimed: let the writer drain so the next chunk finds room.
                let _ = recorder.flush();
                left -= count;
            }
            total
        });
    });
    group.bench_function("tracing-appender format + write (lossless)", |b| {
        b.iter_custom(|iterations| {
            let mut total = Duration::ZERO;
            let mut left = iterations;
            let mut line = Vec::with_capacity(160);
            while left > 0 {
                let count = left.min(CHUNK);
                let (mut writer, guard) = NonBlockingBuilder::default()
                    .lossy(false)
                    .buffered_lines_limit(CHUNK as usize)
                    .finish(io::sink());
                let start = Instant::now();
                for _ in 0..count {
                    let ts = Timestamp::now();
                    let began = Instant::now();
                    let ms = began.elapsed().as_nanos() as f64 / 1e6;
                    appender_line(&mut line, ts, ms);
                    let _ = writer.write_all(black_box(&line));
                }
                total += start.elapsed();
                drop(guard); // untimed: waits for the worker to finish
                left -= count;
            }
            total
        });
    });
    group.finish();
}

fn sustained(c: &mut Criterion) {
    let mut group = c.benchmark_group("sustained, records written");
    group.throughput(Throughput::Elements(CHUNK));
    group.bench_function("perf-recorder writer thread", |b| {
        let recorder = recorder();
        b.iter(|| {
            for _ in 0..CHUNK {
                recorder.time("step").ok();
            }
            let _ = recorder.flush();
        });
    });
    group.bench_function("tracing-appender worker (lossless)", |b| {
        let mut line = Vec::with_capacity(160);
        b.iter_custom(|iterations| {
            let mut total = Duration::ZERO;
            for _ in 0..iterations {
                let (mut writer, guard) = NonBlockingBuilder::default()
                    .lossy(false)
                    .buffered_lines_limit(CHUNK as usize)
                    .finish(io::sink());
                let start = Instant::now();
                for _ in 0..CHUNK {
                    let ts = Timestamp::now();
                    let began = Instant::now();
                    let ms = began.elapsed().as_nanos() as f64 / 1e6;
                    appender_line(&mut line, ts, ms);
                    let _ = writer.write_all(&line);
                }
                drop(guard); // timed: every line written
                total += start.elapsed();
            }
            total
        });
    });
    group.finish();
}

fn config() -> Criterion {
    Criterion::default()
        .sample_size(20)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(4))
}

criterion_group! { name = benches; config = config(); targets = caller_thread, sustained }

/// CPU time per record of each thread, from Linux's `/proc/self/task/*/schedstat`: unlike wall
/// time, it does not count the time other processes had the cores, so it stays comparable on a
/// busy machine. Prints nothing elsewhere.
fn cpu_per_record() {
    const RECORDS: u64 = 2_000_000;
    let Some(before_main) = thread_cpu_ns("self") else {
        return;
    };
    let recorder = recorder();
    let writer_before = named_thread_cpu_ns("perf-recorder").unwrap_or(0);
    let main_before = thread_cpu_ns("self").unwrap_or(before_main);
    for _ in 0..RECORDS {
        recorder.time("step").ok();
    }
    let _ = recorder.flush();
    let caller = thread_cpu_ns("self")
        .unwrap_or(0)
        .saturating_sub(main_before);
    let writer = named_thread_cpu_ns("perf-recorder")
        .unwrap_or(0)
        .saturating_sub(writer_before);
    drop(recorder);

    let (mut appender, guard) = NonBlockingBuilder::default()
        .lossy(false)
        .buffered_lines_limit(CHUNK as usize)
        .thread_name("bench-appender")
        .finish(io::sink());
    let worker_before = named_thread_cpu_ns("bench-appender").unwrap_or(0);
    let main_before = thread_cpu_ns("self").unwrap_or(0);
    let mut line = Vec::with_capacity(160);
    for _ in 0..RECORDS {
        let ts = Timestamp::now();
        let began = Instant::now();
        let ms = began.elapsed().as_nanos() as f64 / 1e6;
        appender_line(&mut line, ts, ms);
        let _ = appender.write_all(&line);
    }
    let appender_caller = thread_cpu_ns("self")
        .unwrap_or(0)
        .saturating_sub(main_before);
    // Read the worker before the guard stops it.
    std::thread::sleep(Duration::from_millis(200));
    let appender_worker = named_thread_cpu_ns("bench-appender")
        .unwrap_or(0)
        .saturating_sub(worker_before);
    drop(guard);

    let per = |ns: u64| ns as f64 / RECORDS as f64;
    println!("CPU time per record ({RECORDS} records, schedstat):");
    println!(
        "  perf-recorder    caller {:6.1} ns   writer thread {:6.1} ns  ({:.2} M records/s per writer core)",
        per(caller),
        per(writer),
        1e3 / per(writer)
    );
    println!(
        "  tracing-appender caller {:6.1} ns   worker thread {:6.1} ns",
        per(appender_caller),
        per(appender_worker)
    );
}

/// Nanoseconds on a CPU of `/proc/self/task/{task}` (`"self"`: this thread).
fn thread_cpu_ns(task: &str) -> Option<u64> {
    let path = if task == "self" {
        "/proc/thread-self/schedstat".to_owned()
    } else {
        format!("/proc/self/task/{task}/schedstat")
    };
    std::fs::read_to_string(path)
        .ok()?
        .split(' ')
        .next()?
        .parse()
        .ok()
}

/// [`thread_cpu_ns`] of this process's thread called `name`.
fn named_thread_cpu_ns(name: &str) -> Option<u64> {
    std::fs::read_dir("/proc/self/task")
        .ok()?
        .find_map(|entry| {
            let entry = entry.ok()?;
            let comm = std::fs::read_to_string(entry.path().join("comm")).ok()?;
            (comm.trim() == name).then(|| thread_cpu_ns(&entry.file_name().to_string_lossy()))?
        })
}

fn main() {
    // Only under `cargo bench`, not when `cargo test --benches` runs each benchmark once.
    let arguments: Vec<String> = std::env::args().collect();
    if arguments.iter().any(|argument| argument == "--bench")
        && !arguments.iter().any(|argument| argument == "--list")
    {
        cpu_per_record();
    }
    benches();
    Criterion::default().configure_from_args().final_summary();
}
