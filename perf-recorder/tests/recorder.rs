//! The recorder, the guard and the writer, through the public API.

// Test helpers outside `#[test]` functions unwrap too.
#![allow(clippy::unwrap_used)]

use std::borrow::Cow;
use std::collections::HashSet;
use std::io::{self, Write};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use perf_record::{Line, Outcome, ReadConfig, Record, RecordReader, parse_line, write_record};
use perf_recorder::{
    BuildError, Clock, DROPPED_STEP, Overflow, Recorder, RecorderError, Statistics, Timestamp,
};
use perf_stats::{SketchConfig, SummaryConfig, summarize};

/// A writer whose bytes the test can read.
#[derive(Clone, Default)]
struct SharedBuffer(Arc<Mutex<Vec<u8>>>);

impl Write for SharedBuffer {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl SharedBuffer {
    fn text(&self) -> String {
        String::from_utf8(self.0.lock().unwrap().clone()).unwrap()
    }
    fn records(&self) -> Vec<Record<'static>> {
        let bytes = self.0.lock().unwrap().clone();
        let mut reader = RecordReader::new("recorded", bytes.as_slice(), ReadConfig::default());
        let records: Vec<_> = reader
            .by_ref()
            .map(|result| result.unwrap().into_owned())
            .collect();
        assert_eq!(reader.counts().rejected, 0);
        records
    }
}

/// A writer that sleeps on every write, to make the writer thread the bottleneck.
struct SlowWriter {
    inner: SharedBuffer,
    delay: Duration,
    writes: Arc<AtomicUsize>,
}

impl Write for SlowWriter {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        std::thread::sleep(self.delay);
        self.writes.fetch_add(1, Ordering::Relaxed);
        self.inner.write(bytes)
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// A clock the test sets, which then runs at the monotonic clock's pace.
struct ManualClock(Mutex<(Timestamp, Instant)>);

impl ManualClock {
    fn at(text: &str) -> Arc<ManualClock> {
        Arc::new(ManualClock(Mutex::new((
            text.parse().unwrap(),
            Instant::now(),
        ))))
    }
    fn set(&self, text: &str) {
        *self.0.lock().unwrap() = (text.parse().unwrap(), Instant::now());
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Timestamp {
        let (base, since) = *self.0.lock().unwrap();
        base.checked_add(since.elapsed()).unwrap()
    }
}

fn recorder_into(buffer: &SharedBuffer) -> Recorder {
    Recorder::builder()
        .tool("cli")
        .session_id("s1")
        .writer(buffer.clone())
        .build()
        .unwrap()
}

#[test]
fn guard_records_ok_error_and_unknown_when_dropped() {
    let buffer = SharedBuffer::default();
    let recorder = recorder_into(&buffer);
    recorder.time("a").ok();
    recorder.time("b").error("timeout");
    drop(recorder.time("c"));
    {
        let _guard = recorder.time("d");
    }
    recorder.flush().unwrap();
    let records = buffer.records();
    let outcomes: Vec<_> = records
        .iter()
        .map(|record| (record.step.as_ref(), record.outcome.clone()))
        .collect();
    assert_eq!(
        outcomes,
        [
            ("a", Outcome::Success),
            ("b", Outcome::Error(Some(Cow::Borrowed("timeout")))),
            ("c", Outcome::Unknown),
            ("d", Outcome::Unknown),
        ]
    );
    assert!(!buffer.text().lines().nth(2).unwrap().contains("\"ok\""));
    assert!(
        records
            .iter()
            .all(|record| record.tool == "cli" && record.session_id == "s1")
    );
}

#[test]
fn guard_alive_during_a_panic_records_error_panic() {
    let buffer = SharedBuffer::default();
    let recorder = recorder_into(&buffer);
    let result = std::thread::scope(|scope| {
        scope
            .spawn(|| {
                let _guard = recorder.time("explodes");
                panic!("boom");
            })
            .join()
    });
    assert!(result.is_err());
    recorder.flush().unwrap();
    let records = buffer.records();
    assert_eq!(records.len(), 1);
    assert_eq!(
        records[0].outcome,
        Outcome::Error(Some(Cow::Borrowed("panic")))
    );
}

#[test]
fn written_lines_round_trip_through_perf_record_exactly() {
    let buffer = SharedBuffer::default();
    let clock = ManualClock::at("2026-03-04T05:06:07.123456789Z");
    let recorder = Recorder::builder()
        .tool("validator")
        .session_id("run \"7\"")
        .writer(buffer.clone())
        .clock(Arc::clone(&clock))
        .build()
        .unwrap();
    let durations = [
        Duration::ZERO,
        Duration::from_nanos(1),
        Duration::from_nanos(123_456_789),
        Duration::from_secs(86_400 * 3),
    ];
    let mut ends = Vec::new();
    for duration in durations {
        ends.push(clock.now());
        recorder.record("check/\u{e9}", duration, Outcome::Success);
    }
    recorder.record(
        "check",
        Duration::from_millis(5),
        Outcome::Error(Some("bad \"input\"\n".into())),
    );
    recorder.record("check", Duration::from_millis(5), Outcome::Error(None));
    recorder.record("check", Duration::from_millis(5), Outcome::Unknown);
    recorder.flush().unwrap();

    let text = buffer.text();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 7);
    for (index, line) in lines.iter().enumerate() {
        let Ok(Line::Record(record)) = parse_line(line.as_bytes()) else {
            panic!("line {index} does not parse: {line}");
        };
        // Parse, write again: byte for byte the same line.
        let mut again = Vec::new();
        write_record(&mut again, &record).unwrap();
        assert_eq!(String::from_utf8(again).unwrap(), format!("{line}\n"));
        assert_eq!(record.tool, "validator");
        assert_eq!(record.session_id, "run \"7\"");
        if let Some(duration) = durations.get(index) {
            assert_eq!(record.ms, duration.as_nanos() as f64 / 1e6);
            // `ts` is the start: the clock's time at the end minus the duration.
            let start = ends[index].checked_sub(*duration).unwrap();
            let error = record.ts.duration_since(start).abs();
            assert!(
                error < jiff::SignedDuration::from_millis(50),
                "{index}: {error:?}"
            );
        }
    }
    assert_eq!(
        buffer.records()[4].outcome,
        Outcome::Error(Some(Cow::Borrowed("bad \"input\"\n")))
    );
    assert_eq!(buffer.records()[5].outcome, Outcome::Error(None));
    assert_eq!(buffer.records()[6].outcome, Outcome::Unknown);
}

#[test]
fn lossless_under_a_burst_of_a_million_events_with_a_slow_sink() {
    const THREADS: u64 = 4;
    const PER_THREAD: u64 = 250_000;
    let buffer = SharedBuffer::default();
    let writes = Arc::new(AtomicUsize::new(0));
    let recorder = Recorder::builder()
        .tool("burst")
        .session_id("s")
        .capacity(1024)
        .statistics(Statistics::Off)
        .writer(SlowWriter {
            inner: buffer.clone(),
            delay: Duration::from_micros(500),
            writes: Arc::clone(&writes),
        })
        .build()
        .unwrap();
    std::thread::scope(|scope| {
        for thread in 0..THREADS {
            let recorder = &recorder;
            scope.spawn(move || {
                let step = ["t0", "t1", "t2", "t3"][thread as usize];
                for index in 0..PER_THREAD {
                    recorder.record(step, Duration::from_nanos(index), Outcome::Success);
                }
            });
        }
    });
    let snapshot = recorder.snapshot().unwrap();
    drop(recorder); // drop flushes
    assert_eq!(snapshot.dropped, 0);
    let records = buffer.records();
    assert_eq!(records.len() as u64, THREADS * PER_THREAD);
    for thread in 0..THREADS {
        let step = format!("t{thread}");
        let seen: HashSet<u64> = records
            .iter()
            .filter(|record| record.step == step)
            .map(|record| (record.ms * 1e6).round() as u64)
            .collect();
        assert_eq!(seen.len() as u64, PER_THREAD, "thread {thread}");
    }
    // The slow sink was written in batches, not line by line.
    assert!(writes.load(Ordering::Relaxed) < 100_000);
}

#[test]
fn drop_mode_counts_what_it_dropped_and_writes_the_count() {
    const EVENTS: u64 = 2_000;
    let buffer = SharedBuffer::default();
    let recorder = Recorder::builder()
        .tool("lossy")
        .session_id("s")
        .capacity(1)
        .overflow(Overflow::DropNewest)
        .writer(SlowWriter {
            inner: buffer.clone(),
            delay: Duration::from_millis(20),
            writes: Arc::new(AtomicUsize::new(0)),
        })
        .build()
        .unwrap();
    for index in 0..EVENTS {
        recorder.record("work", Duration::from_nanos(index), Outcome::Success);
    }
    recorder.flush().unwrap();
    let snapshot = recorder.snapshot().unwrap();
    drop(recorder);
    let records = buffer.records();
    let kept = records
        .iter()
        .filter(|record| record.step == "work")
        .count() as u64;
    let reported: u64 = records
        .iter()
        .filter(|record| record.step == DROPPED_STEP)
        .map(|record| {
            let Outcome::Error(Some(reason)) = &record.outcome else {
                panic!("drop record without a reason: {record:?}");
            };
            assert_eq!(record.ms, 0.0);
            reason
                .strip_prefix("dropped ")
                .and_then(|rest| rest.split(' ').next())
                .unwrap()
                .parse::<u64>()
                .unwrap()
        })
        .sum();
    assert!(
        reported > 0,
        "with a one-record buffer and a slow sink, some must drop"
    );
    assert_eq!(kept + reported, EVENTS);
    assert_eq!(snapshot.dropped, reported);
    assert_eq!(snapshot.step("lossy", "work").unwrap().counts.ok, kept);
}

#[test]
fn daily_files_rotate_at_utc_midnight_of_the_injected_clock() {
    let dir = tempfile::tempdir().unwrap();
    let clock = ManualClock::at("2026-11-30T23:59:59.000Z");
    let recorder = Recorder::builder()
        .tool("registry")
        .session_id("reg-1")
        .dir(dir.path())
        .clock(Arc::clone(&clock))
        .build()
        .unwrap();
    recorder.time("before").ok();
    recorder.flush().unwrap();
    // Started 300 ms before midnight, finished after it.
    clock.set("2026-11-30T23:59:59.700Z");
    let straddling = recorder.time("straddles");
    std::thread::sleep(Duration::from_millis(400));
    straddling.ok();
    recorder.time("after").ok();
    recorder.flush().unwrap();
    // Back to the earlier day (clocks can step back): appended to its file, not lost.
    clock.set("2026-11-30T23:00:00Z");
    recorder.time("late").ok();
    drop(recorder);

    let read = |day: &str| {
        let text = std::fs::read_to_string(dir.path().join(day).join("reg-1.jsonl")).unwrap();
        text.lines()
            .map(|line| match parse_line(line.as_bytes()).unwrap() {
                Line::Record(record) => record.step.into_owned(),
                Line::Blank | Line::Warmup(_) => panic!("not a measured record"),
            })
            .collect::<Vec<_>>()
    };
    // `ts` is the start time, so the guard started before midnight stays in that day.
    assert_eq!(read("2026-11-30"), ["before", "straddles", "late"]);
    assert_eq!(read("2026-12-01"), ["after"]);
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 2);
}

#[test]
fn write_failures_reach_the_callback_and_flush_never_panics() {
    struct FailingWriter;
    impl Write for FailingWriter {
        fn write(&mut self, _: &[u8]) -> io::Result<usize> {
            Err(io::Error::other("disk full"))
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }
    let seen = Arc::new(Mutex::new(Vec::new()));
    let recorder = Recorder::builder()
        .tool("t")
        .writer(FailingWriter)
        .on_error({
            let seen = Arc::clone(&seen);
            move |error| seen.lock().unwrap().push(error.to_string())
        })
        .build()
        .unwrap();
    recorder.time("x").ok();
    recorder.time("x").ok();
    let error = recorder.flush().unwrap_err();
    assert!(
        matches!(error, RecorderError::Write { records: 2, .. }),
        "{error:?}"
    );
    assert_eq!(
        std::error::Error::source(&error).unwrap().to_string(),
        "disk full"
    );
    assert_eq!(
        *seen.lock().unwrap(),
        ["cannot write 2 record(s) to the writer"]
    );
    // The error was returned once; the next flush with nothing new succeeds.
    recorder.flush().unwrap();
}

#[test]
fn invalid_records_are_reported_not_written() {
    let buffer = SharedBuffer::default();
    let recorder = recorder_into(&buffer);
    recorder.time("").ok();
    recorder.time("fine").ok();
    let error = recorder.flush().unwrap_err();
    assert!(
        matches!(error, RecorderError::InvalidRecord { .. }),
        "{error:?}"
    );
    assert_eq!(buffer.records().len(), 1);
}

#[test]
fn unwritable_directory_is_an_error_not_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("not-a-dir");
    std::fs::write(&file, "x").unwrap();
    let recorder = Recorder::builder().tool("t").dir(&file).build().unwrap();
    recorder.time("x").ok();
    let error = recorder.flush().unwrap_err();
    assert!(
        matches!(error, RecorderError::CreateDir { .. }),
        "{error:?}"
    );
}

#[test]
fn snapshot_has_exact_percentiles_of_known_outcomes() {
    let buffer = SharedBuffer::default();
    let recorder = recorder_into(&buffer);
    let mut known = Vec::new();
    for index in 1..=200_u64 {
        let duration = Duration::from_micros(index * 37 % 1000);
        let outcome = match index % 10 {
            0 => Outcome::Error(Some("e".into())),
            5 => Outcome::Unknown,
            _ => Outcome::Success,
        };
        if outcome != Outcome::Unknown {
            known.push(duration.as_nanos() as f64 / 1e6);
        }
        recorder.record("step", duration, outcome);
    }
    recorder.time("other").ok();
    let snapshot = recorder.snapshot().unwrap();
    assert_eq!(snapshot.steps.len(), 2);
    let step = snapshot.step("cli", "step").unwrap();
    assert_eq!(
        (step.counts.ok, step.counts.errors, step.counts.unknown),
        (160, 20, 20)
    );
    let expected = summarize(&known, &SummaryConfig::default()).unwrap();
    assert_eq!(step.latency.as_ref(), Some(&expected));
}

#[test]
fn sketch_statistics_stay_within_their_error_bound() {
    let config = SketchConfig::default();
    let recorder = Recorder::builder()
        .tool("t")
        .writer(io::sink())
        .statistics(Statistics::Sketch(config))
        .build()
        .unwrap();
    let values: Vec<f64> = (1..=10_000).map(|index| f64::from(index) / 100.0).collect();
    for value in &values {
        recorder.record(
            "s",
            Duration::from_secs_f64(value / 1000.0),
            Outcome::Success,
        );
    }
    let snapshot = recorder.snapshot().unwrap();
    let latency = snapshot.step("t", "s").unwrap().latency.clone().unwrap();
    assert_eq!(latency.count, 10_000);
    let sketch_bound = |exact: f64| exact * 1e-3 + config.resolution + 1e-9;
    let p99 = latency.percentile(99.0).unwrap();
    assert!((p99 - 99.0).abs() <= sketch_bound(99.0), "{p99}");
    assert!((latency.max - 100.0).abs() < 1e-9);
}

#[test]
fn builder_refuses_bad_settings() {
    let error = |builder: perf_recorder::RecorderBuilder| builder.build().unwrap_err();
    assert!(matches!(
        error(Recorder::builder().writer(io::sink())),
        BuildError::MissingTool
    ));
    assert!(matches!(
        error(Recorder::builder().tool("t")),
        BuildError::MissingDestination
    ));
    assert!(matches!(
        error(Recorder::builder().tool("").writer(io::sink())),
        BuildError::EmptyField { field: "tool" }
    ));
    assert!(matches!(
        error(Recorder::builder().tool("t").session_id("../x").dir("d")),
        BuildError::InvalidSessionId { .. }
    ));
    assert!(matches!(
        error(Recorder::builder().tool("t").capacity(0).writer(io::sink())),
        BuildError::ZeroCapacity
    ));
    let bad_sketch = SketchConfig {
        resolution: 0.0,
        significant_digits: 3,
    };
    assert!(matches!(
        error(
            Recorder::builder()
                .tool("t")
                .writer(io::sink())
                .statistics(Statistics::Sketch(bad_sketch))
        ),
        BuildError::InvalidSketch { .. }
    ));
}

#[test]
fn default_session_id_names_tool_and_process() {
    let recorder = Recorder::builder()
        .tool("a/b")
        .writer(io::sink())
        .build()
        .unwrap();
    let prefix = format!("a_b-{}-", std::process::id());
    assert!(
        recorder.session_id().starts_with(&prefix),
        "{}",
        recorder.session_id()
    );
}

#[test]
fn handles_are_shareable_across_threads() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Recorder>();
    assert_send_sync::<perf_recorder::TimingGuard<'static>>();
    assert_send_sync::<perf_recorder::Snapshot>();
}

#[tokio::test]
async fn time_result_records_ok_error_and_unknown_when_cancelled() {
    let buffer = SharedBuffer::default();
    let recorder = recorder_into(&buffer);
    let ok: Result<u8, String> = recorder
        .time_result("fetch", async {
            tokio::time::sleep(Duration::from_millis(20)).await;
            Ok(1)
        })
        .await;
    assert_eq!(ok, Ok(1));
    let failed: Result<u8, io::Error> = recorder
        .time_result("fetch", async { Err(io::Error::other("connection reset")) })
        .await;
    assert!(failed.is_err());
    let cancelled = tokio::time::timeout(
        Duration::from_millis(5),
        recorder.time_result("fetch", std::future::pending::<Result<(), String>>()),
    )
    .await;
    assert!(cancelled.is_err());
    recorder.flush().unwrap();
    let records = buffer.records();
    let outcomes: Vec<_> = records
        .iter()
        .map(|record| record.outcome.clone())
        .collect();
    assert_eq!(
        outcomes,
        [
            Outcome::Success,
            Outcome::Error(Some(Cow::Borrowed("connection reset"))),
            Outcome::Unknown,
        ]
    );
    assert!(records[0].ms >= 20.0);
}

#[test]
fn a_panicking_error_callback_stops_the_writer_without_hanging_callers() {
    struct FailingWriter;
    impl Write for FailingWriter {
        fn write(&mut self, _: &[u8]) -> io::Result<usize> {
            Err(io::Error::other("disk full"))
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }
    let recorder = Recorder::builder()
        .tool("t")
        .capacity(4)
        .writer(FailingWriter)
        .on_error(|_| panic!("callback bug"))
        .build()
        .unwrap();
    recorder.time("x").ok();
    assert!(matches!(
        recorder.flush(),
        Err(RecorderError::WriterStopped)
    ));
    // The buffer holds 4 records and nothing drains it: blocking callers must not wait forever.
    for _ in 0..100 {
        recorder.time("x").ok();
    }
    assert!(matches!(
        recorder.snapshot(),
        Err(RecorderError::WriterStopped)
    ));
}
