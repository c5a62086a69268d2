//! The recorder handle, its builder and the timing guard.

use std::borrow::Cow;
use std::fmt;
use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use perf_record::{Outcome, Timestamp};
use perf_stats::{QuantileSketch, SummaryConfig};

use crate::clock::{Clock, SystemClock};
use crate::error::{BuildError, RecorderError};
use crate::queue::Queue;
use crate::snapshot::Snapshot;
use crate::writer::{Destination, Event, Message, Start, Writer, WriterConfig};

/// The reason written for a guard dropped while its thread panics.
pub const PANIC_REASON: &str = "panic";

/// The step of the record that reports how many records [`Overflow::DropNewest`] dropped.
pub const DROPPED_STEP: &str = "perf-recorder.dropped";

/// Called on the writer thread with every write failure.
pub type ErrorCallback = Arc<dyn Fn(&RecorderError) + Send + Sync>;

/// What the caller's thread does when the buffer between it and the writer is full.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Overflow {
    /// Wait until the writer has made room (backpressure): no record is ever lost. The default.
    /// The wait is a blocking one, also on an async runtime's worker thread; size the
    /// [capacity](RecorderBuilder::capacity) for your bursts.
    #[default]
    Block,
    /// Never wait: a record that finds the buffer full is dropped and counted. The count is
    /// written as a record of step [`DROPPED_STEP`] (`ms` 0, `ok:false`, `errorReason`
    /// `"dropped N records: the buffer was full"`) the next time the writer catches up, so the
    /// loss shows up in the gate as errors of that step instead of silently biasing the
    /// latencies; the counts of all such records add up to [`Snapshot::dropped`].
    DropNewest,
}

/// How [`Recorder::snapshot`] computes per-step latency statistics.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub enum Statistics {
    /// Keep every known-outcome duration and compute exact percentiles with perf-stats, the
    /// same numbers the gate computes from the written records. Memory grows by 8 bytes per
    /// record for the life of the recorder. The default.
    #[default]
    Exact,
    /// Keep a bounded-memory [`QuantileSketch`] per step (HdrHistogram): percentiles are
    /// nearest-rank values within the sketch's documented error bound; count, min, max and mean
    /// stay exact. For long-running services.
    Sketch(perf_stats::SketchConfig),
    /// Keep only the outcome counts.
    Off,
}

/// Builds a [`Recorder`]: `Recorder::builder().tool("registry").dir("artifacts/perf").build()?`.
pub struct RecorderBuilder {
    tool: Option<String>,
    session_id: Option<String>,
    destination: Option<Destination>,
    capacity: usize,
    overflow: Overflow,
    statistics: Statistics,
    summary: SummaryConfig,
    clock: Arc<dyn Clock>,
    on_error: Option<ErrorCallback>,
}

impl fmt::Debug for RecorderBuilder {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter
            .debug_struct("RecorderBuilder")
            .field("tool", &self.tool)
            .field("session_id", &self.session_id)
            .field("capacity", &self.capacity)
            .field("overflow", &self.overflow)
            .field("statistics", &self.statistics)
            .finish_non_exhaustive()
    }
}

/// The default buffer size, in records.
pub const DEFAULT_CAPACITY: usize = 8192;

impl RecorderBuilder {
    fn new() -> RecorderBuilder {
        RecorderBuilder {
            tool: None,
            session_id: None,
            destination: None,
            capacity: DEFAULT_CAPACITY,
            overflow: Overflow::Block,
            statistics: Statistics::Exact,
            summary: SummaryConfig::default(),
            clock: Arc::new(SystemClock),
            on_error: None,
        }
    }

    /// The `tool` of every record (required).
    pub fn tool(mut self, tool: impl Into<String>) -> RecorderBuilder {
        self.tool = Some(tool.into());
        self
    }

    /// The `sessionId` of every record, and the file name in the directory layout. Defaults to
    /// `{tool}-{pid}-{start time in unix milliseconds}`, unique per process.
    pub fn session_id(mut self, session_id: impl Into<String>) -> RecorderBuilder {
        self.session_id = Some(session_id.into());
        self
    }

    /// Write to `{dir}/{YYYY-MM-DD}/{sessionId}.jsonl`, one file per UTC day of the records'
    /// `ts`, appending. Directories are created as needed.
    pub fn dir(mut self, dir: impl Into<PathBuf>) -> RecorderBuilder {
        self.destination = Some(Destination::Dir(dir.into()));
        self
    }

    /// Write every record to `writer` instead of a directory (no rotation).
    pub fn writer(mut self, writer: impl Write + Send + 'static) -> RecorderBuilder {
        self.destination = Some(Destination::Writer(Box::new(writer)));
        self
    }

    /// How many records the buffer between callers and the writer thread holds
    /// ([`DEFAULT_CAPACITY`] by default).
    pub fn capacity(mut self, records: usize) -> RecorderBuilder {
        self.capacity = records;
        self
    }

    /// What happens when the buffer is full: [`Overflow::Block`] (the default) or the opt-in
    /// [`Overflow::DropNewest`].
    pub fn overflow(mut self, overflow: Overflow) -> RecorderBuilder {
        self.overflow = overflow;
        self
    }

    /// How [`Recorder::snapshot`] keeps statistics ([`Statistics::Exact`] by default).
    pub fn statistics(mut self, statistics: Statistics) -> RecorderBuilder {
        self.statistics = statistics;
        self
    }

    /// Which percentiles snapshots report and by which definition (p5, p50, p90, p95, p99 with
    /// type 7 by default, as the gate).
    pub fn percentiles(mut self, summary: SummaryConfig) -> RecorderBuilder {
        self.summary = summary;
        self
    }

    /// The wall clock for `ts` and the daily files ([`SystemClock`] by default).
    pub fn clock(mut self, clock: impl Clock) -> RecorderBuilder {
        self.clock = Arc::new(clock);
        self
    }

    /// Called on the writer thread with every write failure, as it happens. Without it, failures
    /// are only returned by the next [`Recorder::flush`]. The callback runs on the writer thread,
    /// so it must not use the recorder (a `flush` or a blocking record there would wait for
    /// itself).
    pub fn on_error(
        mut self,
        callback: impl Fn(&RecorderError) + Send + Sync + 'static,
    ) -> RecorderBuilder {
        self.on_error = Some(Arc::new(callback));
        self
    }

    /// Checks the settings and starts the writer thread.
    ///
    /// # Errors
    /// [`BuildError`] for a missing tool or destination, an empty name, a session id that cannot
    /// be a file name, a zero capacity, invalid sketch settings, or a thread that cannot start.
    pub fn build(self) -> Result<Recorder, BuildError> {
        let tool = self.tool.ok_or(BuildError::MissingTool)?;
        if tool.is_empty() {
            return Err(BuildError::EmptyField { field: "tool" });
        }
        let destination = self.destination.ok_or(BuildError::MissingDestination)?;
        let session_id = match self.session_id {
            Some(session_id) => session_id,
            None => default_session_id(&tool, self.clock.now()),
        };
        if session_id.is_empty() {
            return Err(BuildError::EmptyField {
                field: "session id",
            });
        }
        if session_id.contains(['/', '\\']) || session_id == "." || session_id == ".." {
            return Err(BuildError::InvalidSessionId { session_id });
        }
        if self.capacity == 0 {
            return Err(BuildError::ZeroCapacity);
        }
        if let Statistics::Sketch(config) = &self.statistics {
            QuantileSketch::new(config).map_err(|source| BuildError::InvalidSketch { source })?;
        }
        let dropped = Arc::new(AtomicU64::new(0));
        let queue = Arc::new(Queue::new(self.capacity));
        let writer = Writer::new(WriterConfig {
            tool: tool.clone(),
            session_id: session_id.clone(),
            destination,
            statistics: self.statistics,
            summary: self.summary,
            clock: Arc::clone(&self.clock),
            on_error: self.on_error.clone(),
            dropped: Arc::clone(&dropped),
        });
        let handle = std::thread::Builder::new()
            .name("perf-recorder".to_owned())
            .spawn({
                let queue = Arc::clone(&queue);
                move || writer.run(&queue)
            })
            .map_err(|source| BuildError::SpawnWriter { source })?;
        Ok(Recorder {
            inner: Arc::new(Inner {
                tool: tool.into(),
                session_id: session_id.into(),
                queue,
                handle: Some(handle),
                overflow: self.overflow,
                dropped,
                clock: self.clock,
            }),
        })
    }
}

fn default_session_id(tool: &str, now: Timestamp) -> String {
    let safe_tool: String = tool
        .chars()
        .map(|c| if c == '/' || c == '\\' { '_' } else { c })
        .collect();
    format!(
        "{safe_tool}-{}-{}",
        std::process::id(),
        now.as_millisecond()
    )
}

/// Writes perf-gate records from inside a program: cheap to clone and share across threads;
/// the writer thread stops, after writing everything, when the last clone is dropped.
///
/// See the [crate documentation](crate) for an example.
#[derive(Clone)]
pub struct Recorder {
    inner: Arc<Inner>,
}

struct Inner {
    tool: Arc<str>,
    session_id: Arc<str>,
    queue: Arc<Queue>,
    handle: Option<JoinHandle<()>>,
    overflow: Overflow,
    dropped: Arc<AtomicU64>,
    clock: Arc<dyn Clock>,
}

impl fmt::Debug for Recorder {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter
            .debug_struct("Recorder")
            .field("tool", &self.inner.tool)
            .field("session_id", &self.inner.session_id)
            .field("overflow", &self.inner.overflow)
            .finish_non_exhaustive()
    }
}

impl Drop for Inner {
    fn drop(&mut self) {
        // Closing the queue tells the writer to drain it, flush and stop.
        self.queue.close();
        if let Some(handle) = self.handle.take() {
            // The writer never panics; if it did, there is nothing left to flush.
            let _ = handle.join();
        }
    }
}

impl Recorder {
    /// Starts building a recorder.
    pub fn builder() -> RecorderBuilder {
        RecorderBuilder::new()
    }

    /// The `tool` of the records.
    pub fn tool(&self) -> &str {
        &self.inner.tool
    }

    /// The `sessionId` of the records.
    pub fn session_id(&self) -> &str {
        &self.inner.session_id
    }

    /// Starts timing `step`: the returned guard records when it is finished with
    /// [`ok`](TimingGuard::ok) or [`error`](TimingGuard::error), or dropped (outcome unknown, or
    /// error `"panic"` while the thread panics). `ts` is the start time.
    #[inline]
    pub fn time(&self, step: impl Into<Cow<'static, str>>) -> TimingGuard<'_> {
        TimingGuard {
            recorder: self,
            step: Some(step.into()),
            start: Instant::now(),
        }
    }

    /// Times a future that returns a `Result`: a success when it resolves to `Ok`, an error
    /// with the error's `Display` text as reason when `Err`, and an unknown outcome when the
    /// future is dropped before it resolves (cancelled). The time runs from the first poll.
    pub async fn time_result<T, E: fmt::Display>(
        &self,
        step: impl Into<Cow<'static, str>>,
        future: impl Future<Output = Result<T, E>>,
    ) -> Result<T, E> {
        let guard = self.time(step);
        let result = future.await;
        match &result {
            Ok(_) => guard.ok(),
            Err(error) => guard.error(error.to_string()),
        }
        result
    }

    /// Records a duration measured elsewhere that ended now; `ts` is now minus `duration`.
    pub fn record(
        &self,
        step: impl Into<Cow<'static, str>>,
        duration: Duration,
        outcome: Outcome<'static>,
    ) {
        let start = match Instant::now().checked_sub(duration) {
            Some(start) => Start::Instant(start),
            // Longer ago than the monotonic clock reaches: compute the wall time now.
            None => {
                let now = self.inner.clock.now();
                Start::Wall(now.checked_sub(duration).unwrap_or(now))
            }
        };
        self.send_event(Event {
            start,
            tool: None,
            step: step.into(),
            ms: duration_ms(duration),
            outcome,
        });
    }

    /// Queues one record, waiting for room or dropping it as [`Overflow`] says.
    #[inline]
    pub(crate) fn send_event(&self, event: Event) {
        let wait = self.inner.overflow == Overflow::Block;
        if self.inner.queue.push(Message::Event(event), wait).is_err() {
            self.inner.dropped.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Waits until every record queued before this call is written and the destination
    /// flushed.
    ///
    /// # Errors
    /// The first write failure since the previous flush (also given to the error callback), or
    /// [`RecorderError::WriterStopped`].
    pub fn flush(&self) -> Result<(), RecorderError> {
        let (reply, answer) = mpsc::sync_channel(1);
        self.control(Message::Flush(reply))?;
        answer.recv().map_err(|_| RecorderError::WriterStopped)?
    }

    /// Per-step counts and latency statistics of every record queued before this call (see
    /// [`Statistics`]).
    ///
    /// # Errors
    /// [`RecorderError::WriterStopped`] if the writer thread is gone.
    pub fn snapshot(&self) -> Result<Snapshot, RecorderError> {
        let (reply, answer) = mpsc::sync_channel(1);
        self.control(Message::Snapshot(reply))?;
        answer.recv().map_err(|_| RecorderError::WriterStopped)
    }

    fn control(&self, message: Message) -> Result<(), RecorderError> {
        // Control messages always wait for room, even in drop mode: they are never dropped.
        self.inner
            .queue
            .push(message, true)
            .map_err(|_| RecorderError::WriterStopped)
    }
}

/// Milliseconds with nanosecond resolution.
#[inline]
pub(crate) fn duration_ms(duration: Duration) -> f64 {
    duration.as_nanos() as f64 / 1e6
}

/// Times one step; created by [`Recorder::time`].
///
/// Finish it with [`ok`](Self::ok) or [`error`](Self::error). Dropped without either, it records
/// an **unknown** outcome (never a guessed success), or an error with reason
/// [`PANIC_REASON`] when dropped while the thread is panicking.
#[must_use = "a guard records when it is finished or dropped; dropping it at once times nothing"]
pub struct TimingGuard<'a> {
    recorder: &'a Recorder,
    step: Option<Cow<'static, str>>,
    start: Instant,
}

impl fmt::Debug for TimingGuard<'_> {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter
            .debug_struct("TimingGuard")
            .field("step", &self.step)
            .finish_non_exhaustive()
    }
}

impl TimingGuard<'_> {
    /// Records a success.
    #[inline]
    pub fn ok(mut self) {
        self.finish_with(Outcome::Success);
    }

    /// Records an error with `reason` (`"http 429 too many requests"`, `"timeout"`).
    #[inline]
    pub fn error(mut self, reason: impl Into<Cow<'static, str>>) {
        self.finish_with(Outcome::Error(Some(reason.into())));
    }

    /// Records `outcome`.
    #[inline]
    pub fn finish(mut self, outcome: Outcome<'static>) {
        self.finish_with(outcome);
    }

    /// Time since the guard was created.
    pub fn elapsed(&self) -> Duration {
        self.start.elapsed()
    }

    #[inline]
    fn finish_with(&mut self, outcome: Outcome<'static>) {
        if let Some(step) = self.step.take() {
            let ms = duration_ms(self.start.elapsed());
            self.recorder.send_event(Event {
                start: Start::Instant(self.start),
                tool: None,
                step,
                ms,
                outcome,
            });
        }
    }
}

impl Drop for TimingGuard<'_> {
    #[inline]
    fn drop(&mut self) {
        let outcome = if std::thread::panicking() {
            Outcome::Error(Some(Cow::Borrowed(PANIC_REASON)))
        } else {
            Outcome::Unknown
        };
        self.finish_with(outcome);
    }
}
