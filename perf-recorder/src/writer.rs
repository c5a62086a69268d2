//! The background writer thread: formats records with `perf_record::write_record`, batches
//! them into large writes, rotates daily files and keeps the snapshot statistics.

use std::borrow::Cow;
use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::SyncSender;
use std::time::{Duration, Instant};

use perf_record::{Outcome, Record, Timestamp, write_record};
use perf_stats::SummaryConfig;

use crate::clock::Clock;
use crate::error::RecorderError;
use crate::queue::{Queue, Taken};
use crate::recorder::{DROPPED_STEP, ErrorCallback, Statistics};
use crate::snapshot::{Snapshot, StepStatistics};

/// Buffered bytes that trigger a write before the channel is drained.
const BATCH_BYTES: usize = 64 * 1024;

/// Where records go.
pub(crate) enum Destination {
    Dir(PathBuf),
    Writer(Box<dyn Write + Send>),
}

/// When a timed operation started.
pub(crate) enum Start {
    /// On the monotonic clock: the writer turns it into wall time (see [`Anchor`]), so callers
    /// read only `Instant::now()`.
    Instant(Instant),
    /// Already in wall time.
    Wall(Timestamp),
}

/// A wall-clock reading and the monotonic instant it was taken at. The writer refreshes it
/// when it wakes up, after every flush or snapshot, and every [`ANCHOR_EVENTS`] records, so a
/// record's `ts` is the wall clock at the time it is written minus the monotonic time since
/// its start: the start in wall time, to within the clocks' drift over that short interval.
#[derive(Clone, Copy)]
struct Anchor {
    wall: Timestamp,
    instant: Instant,
}

/// How long the writer waits for more records after the queue empties before it parks.
const IDLE_PAUSE: Duration = Duration::from_micros(200);

/// Records written between two readings of the wall clock in a burst.
const ANCHOR_EVENTS: u32 = 1024;

/// One record on its way to the writer. `tool: None` is the recorder's tool.
pub(crate) struct Event {
    pub(crate) start: Start,
    pub(crate) tool: Option<Cow<'static, str>>,
    pub(crate) step: Cow<'static, str>,
    pub(crate) ms: f64,
    pub(crate) outcome: Outcome<'static>,
}

pub(crate) enum Message {
    Event(Event),
    Flush(SyncSender<Result<(), RecorderError>>),
    Snapshot(SyncSender<Snapshot>),
}

pub(crate) struct WriterConfig {
    pub(crate) tool: String,
    pub(crate) session_id: String,
    pub(crate) destination: Destination,
    pub(crate) statistics: Statistics,
    pub(crate) summary: SummaryConfig,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) on_error: Option<ErrorCallback>,
    pub(crate) dropped: Arc<AtomicU64>,
}

pub(crate) struct Writer {
    tool: Cow<'static, str>,
    session_id: Cow<'static, str>,
    output: Output,
    statistics: StepStatistics,
    clock: Arc<dyn Clock>,
    anchor: Option<Anchor>,
    events_since_anchor: u32,
    dropped: Arc<AtomicU64>,
    dropped_total: u64,
}

/// The formatted lines and where they go.
struct Output {
    sink: Sink,
    /// Whole lines not yet written, all for the sink's current file.
    buffer: Vec<u8>,
    buffered_records: usize,
    on_error: Option<ErrorCallback>,
    /// The first failure since the last flush, returned by the next flush.
    pending_error: Option<RecorderError>,
}

enum Sink {
    Dir {
        dir: PathBuf,
        file_name: String,
        /// The UTC day (days since 1970-01-01) of the buffered records, once there is one.
        day: Option<i64>,
        /// The open file for `day`; `None` until opened or after a failed open.
        file: Option<(PathBuf, File)>,
    },
    Writer(Box<dyn Write + Send>),
}

impl Writer {
    pub(crate) fn new(config: WriterConfig) -> Writer {
        let sink = match config.destination {
            Destination::Dir(dir) => Sink::Dir {
                dir,
                file_name: format!("{}.jsonl", config.session_id),
                day: None,
                file: None,
            },
            Destination::Writer(writer) => Sink::Writer(writer),
        };
        Writer {
            tool: Cow::Owned(config.tool),
            session_id: Cow::Owned(config.session_id),
            output: Output {
                sink,
                buffer: Vec::with_capacity(BATCH_BYTES + 1024),
                buffered_records: 0,
                on_error: config.on_error,
                pending_error: None,
            },
            statistics: StepStatistics::new(config.statistics, config.summary),
            clock: config.clock,
            anchor: None,
            events_since_anchor: 0,
            dropped: config.dropped,
            dropped_total: 0,
        }
    }

    /// Handles messages until the queue is closed and empty, then writes what is left.
    pub(crate) fn run(mut self, queue: &Queue) {
        /// Tells callers when the writer stops, even by a panic of the error callback, so
        /// none waits forever for room.
        struct Stopped<'queue>(&'queue Queue);
        impl Drop for Stopped<'_> {
            fn drop(&mut self) {
                self.0.writer_gone();
            }
        }
        let _stopped = Stopped(queue);
        let mut batch = Vec::new();
        loop {
            match queue.take(&mut batch, false) {
                Taken::Messages => self.handle_batch(&mut batch),
                Taken::Closed => break,
                Taken::Empty => {
                    // Write what was formatted so records reach the file promptly, then pause
                    // before waiting: a waiting writer must be woken (a system call), while a
                    // pause lets a burst queue up for free.
                    self.catch_up();
                    std::thread::sleep(IDLE_PAUSE);
                    match queue.take(&mut batch, true) {
                        Taken::Messages => self.handle_batch(&mut batch),
                        Taken::Empty => {}
                        Taken::Closed => break,
                    }
                }
            }
        }
        self.catch_up();
    }

    fn handle_batch(&mut self, batch: &mut Vec<Message>) {
        // Time may have passed since the last batch: read the wall clock again.
        self.anchor = None;
        for message in batch.drain(..) {
            self.handle(message);
        }
    }

    fn handle(&mut self, message: Message) {
        match message {
            Message::Event(event) => self.write_event(event),
            Message::Flush(reply) => {
                self.catch_up();
                // A caller may change an injected clock between flushes: see it at once.
                self.anchor = None;
                let result = match self.output.pending_error.take() {
                    Some(error) => Err(error),
                    None => Ok(()),
                };
                // The caller may have stopped waiting; nothing to do then.
                let _ = reply.send(result);
            }
            Message::Snapshot(reply) => {
                let dropped = self.dropped_total + self.dropped.load(Ordering::Relaxed);
                let _ = reply.send(self.statistics.snapshot(dropped));
                self.anchor = None;
            }
        }
    }

    fn write_event(&mut self, event: Event) {
        let ts = self.wall_time(event.start);
        let tool = event.tool.unwrap_or_else(|| self.tool.clone());
        self.statistics
            .add(&tool, &event.step, event.ms, &event.outcome);
        let record = Record {
            ts,
            session_id: Cow::Borrowed(&self.session_id),
            tool,
            step: event.step,
            ms: event.ms,
            outcome: event.outcome,
            measures: perf_record::Measures::new(),
        };
        self.output.append(&record);
    }

    /// The wall time of `start`.
    fn wall_time(&mut self, start: Start) -> Timestamp {
        let start = match start {
            Start::Wall(ts) => return ts,
            Start::Instant(start) => start,
        };
        let anchor = match self.anchor {
            Some(anchor) if self.events_since_anchor < ANCHOR_EVENTS => anchor,
            _ => {
                let anchor = Anchor {
                    wall: self.clock.now(),
                    instant: Instant::now(),
                };
                self.anchor = Some(anchor);
                self.events_since_anchor = 0;
                anchor
            }
        };
        self.events_since_anchor += 1;
        match anchor.instant.checked_duration_since(start) {
            Some(ago) => anchor.wall.checked_sub(ago).unwrap_or(anchor.wall),
            None => anchor
                .wall
                .checked_add(start.duration_since(anchor.instant))
                .unwrap_or(anchor.wall),
        }
    }

    /// Writes the drop count, the batch, and flushes the destination.
    fn catch_up(&mut self) {
        let dropped = self.dropped.swap(0, Ordering::Relaxed);
        if dropped > 0 {
            self.dropped_total += dropped;
            let record = Record {
                ts: self.clock.now(),
                session_id: Cow::Borrowed(&self.session_id),
                tool: Cow::Borrowed(&self.tool),
                step: Cow::Borrowed(DROPPED_STEP),
                ms: 0.0,
                outcome: Outcome::Error(Some(Cow::Owned(format!(
                    "dropped {dropped} records: the buffer was full"
                )))),
                measures: perf_record::Measures::new(),
            };
            self.output.append(&record);
        }
        self.output.write_batch();
        self.output.flush_sink();
    }
}

impl Output {
    /// Formats one record into the batch, first switching files when its UTC day differs.
    fn append(&mut self, record: &Record<'_>) {
        if let Sink::Dir { day, .. } = &self.sink {
            let record_day = record.ts.as_second().div_euclid(86_400);
            if *day != Some(record_day) {
                self.write_batch();
                if let Sink::Dir { day, file, .. } = &mut self.sink {
                    *day = Some(record_day);
                    *file = None;
                }
            }
        }
        let length = self.buffer.len();
        match write_record(&mut self.buffer, record) {
            Ok(()) => self.buffered_records += 1,
            Err(source) => {
                self.buffer.truncate(length);
                let error = RecorderError::InvalidRecord {
                    tool: record.tool.clone().into_owned(),
                    step: record.step.clone().into_owned(),
                    source,
                };
                self.report(error);
            }
        }
        if self.buffer.len() >= BATCH_BYTES {
            self.write_batch();
        }
    }

    /// Flushes the destination.
    fn flush_sink(&mut self) {
        let result = match &mut self.sink {
            Sink::Dir { file, .. } => match file {
                Some((path, file)) => file.flush().map_err(|source| RecorderError::Write {
                    destination: path.display().to_string(),
                    records: 0,
                    source,
                }),
                None => Ok(()),
            },
            Sink::Writer(writer) => writer.flush().map_err(|source| RecorderError::Write {
                destination: "the writer".to_owned(),
                records: 0,
                source,
            }),
        };
        if let Err(error) = result {
            self.report(error);
        }
    }

    /// Writes the buffered lines with one `write_all`; on failure they are reported and lost.
    fn write_batch(&mut self) {
        if self.buffer.is_empty() {
            return;
        }
        let records = self.buffered_records;
        let result = match &mut self.sink {
            Sink::Dir {
                dir,
                file_name,
                day,
                file,
            } => match open_day_file(dir, file_name, *day, file) {
                Ok((path, file)) => {
                    file.write_all(&self.buffer)
                        .map_err(|source| RecorderError::Write {
                            destination: path.display().to_string(),
                            records,
                            source,
                        })
                }
                Err(error) => Err(error),
            },
            Sink::Writer(writer) => {
                writer
                    .write_all(&self.buffer)
                    .map_err(|source| RecorderError::Write {
                        destination: "the writer".to_owned(),
                        records,
                        source,
                    })
            }
        };
        self.buffer.clear();
        self.buffered_records = 0;
        if let Err(error) = result {
            self.report(error);
        }
    }

    fn report(&mut self, error: RecorderError) {
        if let Some(callback) = &self.on_error {
            callback(&error);
        }
        if self.pending_error.is_none() {
            self.pending_error = Some(error);
        }
    }
}

/// The open file of `day`, opening `{dir}/{YYYY-MM-DD}/{file_name}` for appending if needed.
fn open_day_file<'file>(
    dir: &std::path::Path,
    file_name: &str,
    day: Option<i64>,
    file: &'file mut Option<(PathBuf, File)>,
) -> Result<&'file mut (PathBuf, File), RecorderError> {
    if file.is_none() {
        let day_dir = dir.join(civil_date(day.unwrap_or(0)));
        std::fs::create_dir_all(&day_dir).map_err(|source| RecorderError::CreateDir {
            path: day_dir.clone(),
            source,
        })?;
        let path = day_dir.join(file_name);
        let opened = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .map_err(|source: io::Error| RecorderError::Open {
                path: path.clone(),
                source,
            })?;
        *file = Some((path, opened));
    }
    file.as_mut().ok_or(RecorderError::WriterStopped)
}

/// `YYYY-MM-DD` of a day counted from 1970-01-01.
pub(crate) fn civil_date(days: i64) -> String {
    let (year, month, day) = perf_record::civil_from_days(days);
    format!("{year:04}-{month:02}-{day:02}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_date_agrees_with_jiff_from_year_0_to_9900() {
        for days in (-700_000..2_900_000).step_by(997) {
            let ts = Timestamp::from_second(days * 86_400).unwrap();
            let expected = ts.to_string()[..10].to_owned();
            assert_eq!(civil_date(days), expected, "day {days}");
        }
        assert_eq!(civil_date(0), "1970-01-01");
        assert_eq!(civil_date(-1), "1969-12-31");
    }
}
