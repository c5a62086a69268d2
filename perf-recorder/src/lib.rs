//! Write perf-gate latency records from inside a Rust program.
//!
//! `perf-recorder` is what a service, CLI or validator embeds so that its own steps become the
//! JSONL records (`ts, sessionId, tool, step, ms, ok, errorReason`) that perf-gate collects and
//! gates. It has one job: time steps cheaply on the caller's thread and get every record to disk
//! on a background thread, exactly as [`perf_record::write_record`] writes it.
//!
//! - [`Recorder::time`] returns a [`TimingGuard`]: finish it with [`ok`](TimingGuard::ok) or
//!   [`error`](TimingGuard::error); dropped without either, the outcome is **unknown** (never a
//!   guessed success), and dropped during a panic it is an error with reason `"panic"`.
//!   [`Recorder::record`] takes durations measured elsewhere.
//! - The writer is **lossless by default**: a bounded buffer whose senders wait when it is full
//!   (backpressure). [`Overflow::DropNewest`] is the opt-in alternative that never waits and
//!   writes how many records it dropped as a record of its own. Write failures go to a callback
//!   and to the next [`Recorder::flush`]; nothing panics or prints.
//! - Files are `{dir}/{YYYY-MM-DD}/{sessionId}.jsonl`, one per process and UTC day of the
//!   records' `ts`, which perf-collect walks as it is; or any [`std::io::Write`].
//! - [`Recorder::snapshot`] gives per-step counts and exact percentiles (perf-stats), or
//!   bounded-memory sketches ([`Statistics`]).
//! - Feature `tracing`: [`span_layer::SpanLayer`] turns closed spans into records. Feature
//!   `tower`: [`http_layer::HttpLayer`] times HTTP requests to the end of the response body;
//!   feature `axum` adds axum's route templates as steps.
//!
//! It is **not** for reading, aggregating or judging records (`perf-record`, `perf-collect`,
//! `perf-budget`), nor a general metrics or tracing exporter.
//!
//! Cost (`cargo bench -p perf-recorder --bench recorder`, 2-vCPU VM, 2026-12-01): about 100 ns
//! of the caller's CPU per event and 290 ns of the writer thread's per record (3.4 M records/s
//! per core); `README.md` has the comparison with `tracing-appender`. `examples/registry.rs` is
//! a demo HTTP service that records every request.
//!
//! Records are flushed when the last clone of the [`Recorder`] is dropped or on
//! [`Recorder::flush`]; `std::process::exit` skips destructors, so flush before calling it.
//!
//! ```
//! use perf_recorder::Recorder;
//!
//! let dir = tempfile::tempdir()?;
//! let recorder = Recorder::builder()
//!     .tool("registry")
//!     .session_id("reg-1")
//!     .dir(dir.path())
//!     .build()?;
//!
//! let guard = recorder.time("publish");
//! // ... the work ...
//! guard.ok();
//! recorder.time("resolve").error("http 404 not found");
//! drop(recorder.time("lookup")); // outcome unknown
//!
//! let snapshot = recorder.snapshot()?;
//! assert_eq!(snapshot.step("registry", "publish").map(|step| step.counts.ok), Some(1));
//! recorder.flush()?;
//!
//! let day = std::fs::read_dir(dir.path())?.next().ok_or("no day directory")??;
//! let log = std::fs::read_to_string(day.path().join("reg-1.jsonl"))?;
//! assert_eq!(log.lines().count(), 3);
//! assert!(log.lines().nth(1).is_some_and(|line| line.ends_with(r#""ok":false,"errorReason":"http 404 not found"}"#)));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
// The crate documentation links the adapters, which exist only with their features.
#![cfg_attr(
    not(all(feature = "tracing", feature = "tower")),
    allow(rustdoc::broken_intra_doc_links)
)]

mod clock;
mod error;
mod queue;
mod recorder;
mod snapshot;
mod writer;

#[cfg(feature = "tower")]
pub mod http_layer;
#[cfg(feature = "tracing")]
pub mod span_layer;

pub use clock::{Clock, SystemClock};
pub use error::{BuildError, RecorderError};
pub use perf_record::{Outcome, Timestamp};
pub use recorder::{
    DEFAULT_CAPACITY, DROPPED_STEP, ErrorCallback, Overflow, PANIC_REASON, Recorder,
    RecorderBuilder, Statistics, TimingGuard,
};
pub use snapshot::{Snapshot, StepSnapshot};
