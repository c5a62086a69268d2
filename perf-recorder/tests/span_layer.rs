//! The tracing layer on nested, async, marked and filtered spans.

// Test helpers outside `#[test]` functions unwrap too.
#![allow(clippy::unwrap_used)]

use std::borrow::Cow;
use std::io::{self, Write};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use perf_record::{Outcome, ReadConfig, Record, RecordReader};
use perf_recorder::Recorder;
use perf_recorder::span_layer::SpanLayer;
use tracing::Instrument;
use tracing_subscriber::layer::SubscriberExt;

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

fn setup() -> (Recorder, SharedBuffer) {
    let buffer = SharedBuffer::default();
    let recorder = Recorder::builder()
        .tool("app")
        .session_id("s")
        .writer(buffer.clone())
        .build()
        .unwrap();
    (recorder, buffer)
}

fn records(recorder: &Recorder, buffer: &SharedBuffer) -> Vec<Record<'static>> {
    recorder.flush().unwrap();
    let bytes = buffer.0.lock().unwrap().clone();
    RecordReader::new("recorded", bytes.as_slice(), ReadConfig::default())
        .map(|result| result.unwrap().into_owned())
        .collect()
}

#[test]
fn nested_spans_each_record_their_wall_time() {
    let (recorder, buffer) = setup();
    let subscriber = tracing_subscriber::registry().with(SpanLayer::new(recorder.clone()));
    tracing::subscriber::with_default(subscriber, || {
        let _outer = tracing::info_span!("outer").entered();
        {
            let _inner = tracing::info_span!("inner", perf.step = "load").entered();
            std::thread::sleep(Duration::from_millis(20));
        }
        std::thread::sleep(Duration::from_millis(10));
    });
    let records = records(&recorder, &buffer);
    let steps: Vec<&str> = records.iter().map(|record| record.step.as_ref()).collect();
    assert_eq!(steps, ["load", "outer"]);
    assert!(records[0].ms >= 20.0, "{}", records[0].ms);
    assert!(
        records[1].ms >= 30.0 && records[1].ms >= records[0].ms,
        "{}",
        records[1].ms
    );
    assert!(records[1].ts <= records[0].ts);
    assert!(
        records
            .iter()
            .all(|record| record.tool == "app" && record.outcome == Outcome::Success)
    );
}

#[test]
fn async_spans_are_timed_from_creation_to_close_including_idle_time() {
    let (recorder, buffer) = setup();
    let subscriber = tracing_subscriber::registry().with(SpanLayer::new(recorder.clone()));
    let _default = tracing::subscriber::set_default(subscriber);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .unwrap();
    runtime.block_on(async {
        let fetch = async {
            tokio::time::sleep(Duration::from_millis(30)).await;
            let child = async {
                tokio::time::sleep(Duration::from_millis(10)).await;
            };
            child.instrument(tracing::info_span!("parse")).await;
        };
        fetch
            .instrument(tracing::info_span!("fetch", perf.tool = "client"))
            .await;
    });
    let records = records(&recorder, &buffer);
    let seen: Vec<(&str, &str)> = records
        .iter()
        .map(|record| (record.tool.as_ref(), record.step.as_ref()))
        .collect();
    assert_eq!(seen, [("app", "parse"), ("client", "fetch")]);
    assert!(records[0].ms >= 10.0, "{}", records[0].ms);
    assert!(records[1].ms >= 40.0, "{}", records[1].ms);
}

#[test]
fn error_fields_events_and_perf_ok_mark_the_outcome() {
    let (recorder, buffer) = setup();
    let subscriber = tracing_subscriber::registry().with(SpanLayer::new(recorder.clone()));
    tracing::subscriber::with_default(subscriber, || {
        drop(tracing::info_span!("field", error = "disk full").entered());
        {
            let _span = tracing::info_span!("event").entered();
            tracing::error!("upstream failed");
        }
        {
            let _span = tracing::info_span!("event_field").entered();
            let error = io::Error::other("timeout");
            tracing::warn!(error = &error as &dyn std::error::Error, "retrying");
        }
        {
            let span = tracing::info_span!("late", perf.ok = tracing::field::Empty);
            span.record("perf.ok", false);
        }
        {
            let span =
                tracing::info_span!("late_reason", perf.error_reason = tracing::field::Empty);
            span.record("perf.error_reason", "http 429 too many requests");
        }
        {
            let _outer = tracing::info_span!("outer").entered();
            let _inner = tracing::info_span!("inner").entered();
            tracing::error!(error = "only the inner span");
        }
    });
    let outcomes: Vec<(String, Outcome<'static>)> = records(&recorder, &buffer)
        .into_iter()
        .map(|record| (record.step.into_owned(), record.outcome))
        .collect();
    let error = |reason: &'static str| Outcome::Error(Some(Cow::Borrowed(reason)));
    assert_eq!(
        outcomes,
        [
            ("field".to_owned(), error("disk full")),
            ("event".to_owned(), error("upstream failed")),
            ("event_field".to_owned(), error("timeout")),
            ("late".to_owned(), Outcome::Error(None)),
            (
                "late_reason".to_owned(),
                error("http 429 too many requests")
            ),
            ("inner".to_owned(), error("only the inner span")),
            ("outer".to_owned(), Outcome::Success),
        ]
    );
}

#[test]
fn filter_target_tool_unmarked_outcome_and_panic() {
    let (recorder, buffer) = setup();
    let layer = SpanLayer::new(recorder.clone())
        .with_filter(|metadata| metadata.name() != "ignored")
        .tool_from_target()
        .unmarked_outcome(Outcome::Unknown);
    let subscriber = tracing_subscriber::registry().with(layer);
    tracing::subscriber::with_default(subscriber, || {
        drop(tracing::info_span!("ignored").entered());
        drop(tracing::info_span!(target: "db", "query").entered());
        drop(tracing::info_span!(target: "db", "commit", perf.ok = true).entered());
        let result = std::panic::catch_unwind(|| {
            let _span = tracing::info_span!(target: "db", "explodes").entered();
            panic!("boom");
        });
        assert!(result.is_err());
    });
    let seen: Vec<(String, String, Outcome<'static>)> = records(&recorder, &buffer)
        .into_iter()
        .map(|record| {
            (
                record.tool.into_owned(),
                record.step.into_owned(),
                record.outcome,
            )
        })
        .collect();
    assert_eq!(
        seen,
        [
            ("db".to_owned(), "query".to_owned(), Outcome::Unknown),
            ("db".to_owned(), "commit".to_owned(), Outcome::Success),
            (
                "db".to_owned(),
                "explodes".to_owned(),
                Outcome::Error(Some(Cow::Borrowed("panic")))
            ),
        ]
    );
}
