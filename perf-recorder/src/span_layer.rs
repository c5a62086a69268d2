//! A `tracing-subscriber` layer that turns closed spans into records (feature `tracing`).
//!
//! [`SpanLayer`] times every span it is given from creation to close: **wall time**, so an
//! instrumented future that waits 30 ms for I/O records 30 ms, not the microseconds it was
//! entered. On close it writes one record:
//!
//! - `step`: the span's `perf.step` field, else the span's name;
//! - `tool`: the span's `perf.tool` field, else the span's target with
//!   [`tool_from_target`](SpanLayer::tool_from_target), else the recorder's tool;
//! - outcome: an error if the span has an `error` or `perf.error_reason` field (its value is
//!   the reason), `perf.ok = false`, or an event inside it at level `ERROR` or with an `error`
//!   field (reason: that field, else the event's message); a success if `perf.ok = true`; an
//!   error `"panic"` if it closes while its thread panics; otherwise the
//!   [`unmarked_outcome`](SpanLayer::unmarked_outcome), a success by default because a span
//!   that closes normally has completed (set it to [`Outcome::Unknown`] to count only spans
//!   your code marks).
//!
//! Fields declared `tracing::field::Empty` and recorded later (`span.record("perf.ok", false)`)
//! count. Choose the spans with [`with_filter`](SpanLayer::with_filter) or with any
//! tracing-subscriber per-layer filter.
//!
//! ```
//! use perf_recorder::Recorder;
//! use perf_recorder::span_layer::SpanLayer;
//! use tracing_subscriber::layer::SubscriberExt;
//!
//! let recorder = Recorder::builder().tool("validator").writer(std::io::sink()).build()?;
//! let layer = SpanLayer::new(recorder.clone()).with_filter(|metadata| metadata.name() == "check");
//! let subscriber = tracing_subscriber::registry().with(layer);
//! tracing::subscriber::with_default(subscriber, || {
//!     let _check = tracing::info_span!("check", perf.step = "schema").entered();
//! });
//! let snapshot = recorder.snapshot()?;
//! assert_eq!(snapshot.step("validator", "schema").map(|step| step.counts.ok), Some(1));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;
use std::time::Instant;

use perf_record::Outcome;
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event as TracingEvent, Level, Metadata, Subscriber};
use tracing_subscriber::layer::Context;
use tracing_subscriber::registry::LookupSpan;

use crate::recorder::{PANIC_REASON, Recorder, duration_ms};
use crate::writer::{Event, Start};

/// Chooses the spans a [`SpanLayer`] records.
pub type SpanFilter = Arc<dyn Fn(&Metadata<'_>) -> bool + Send + Sync>;

/// The layer; see the [module documentation](self).
#[derive(Clone)]
pub struct SpanLayer {
    recorder: Recorder,
    filter: Option<SpanFilter>,
    tool_from_target: bool,
    unmarked: Outcome<'static>,
}

impl fmt::Debug for SpanLayer {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter
            .debug_struct("SpanLayer")
            .field("recorder", &self.recorder)
            .field("tool_from_target", &self.tool_from_target)
            .field("unmarked", &self.unmarked)
            .finish_non_exhaustive()
    }
}

impl SpanLayer {
    /// Records every span it sees, in the recorder's tool.
    pub fn new(recorder: Recorder) -> SpanLayer {
        SpanLayer {
            recorder,
            filter: None,
            tool_from_target: false,
            unmarked: Outcome::Success,
        }
    }

    /// Records only the spans for which `filter` is true.
    pub fn with_filter(
        mut self,
        filter: impl Fn(&Metadata<'_>) -> bool + Send + Sync + 'static,
    ) -> SpanLayer {
        self.filter = Some(Arc::new(filter));
        self
    }

    /// Uses the span's target (`my_crate::db`) as the tool when it has no `perf.tool` field.
    pub fn tool_from_target(mut self) -> SpanLayer {
        self.tool_from_target = true;
        self
    }

    /// The outcome of a span nothing marked ([`Outcome::Success`] by default).
    pub fn unmarked_outcome(mut self, outcome: Outcome<'static>) -> SpanLayer {
        self.unmarked = outcome;
        self
    }
}

/// What the layer keeps in a span's extensions.
struct SpanTiming {
    start: Instant,
    fields: SpanFields,
}

#[derive(Default)]
struct SpanFields {
    step: Option<String>,
    tool: Option<String>,
    ok: Option<bool>,
    reason: Option<String>,
}

impl SpanFields {
    fn outcome(self, unmarked: &Outcome<'static>) -> Outcome<'static> {
        match (self.ok, self.reason) {
            (_, Some(reason)) => Outcome::Error(Some(Cow::Owned(reason))),
            (Some(false), None) => Outcome::Error(None),
            (Some(true), None) => Outcome::Success,
            (None, None) => unmarked.clone(),
        }
    }
}

impl Visit for SpanFields {
    fn record_str(&mut self, field: &Field, value: &str) {
        match field.name() {
            "perf.step" => self.step = Some(value.to_owned()),
            "perf.tool" => self.tool = Some(value.to_owned()),
            "perf.error_reason" | "error" => self.reason = Some(value.to_owned()),
            _ => {}
        }
    }

    fn record_bool(&mut self, field: &Field, value: bool) {
        if field.name() == "perf.ok" {
            self.ok = Some(value);
        }
    }

    fn record_error(&mut self, field: &Field, value: &(dyn std::error::Error + 'static)) {
        if matches!(field.name(), "perf.error_reason" | "error") {
            self.reason = Some(value.to_string());
        }
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        match field.name() {
            "perf.step" | "perf.tool" | "perf.error_reason" | "error" => {
                self.record_str(field, &format!("{value:?}"));
            }
            _ => {}
        }
    }
}

/// The `error` field and message of an event.
#[derive(Default)]
struct EventFields {
    error: Option<String>,
    message: Option<String>,
}

impl Visit for EventFields {
    fn record_str(&mut self, field: &Field, value: &str) {
        match field.name() {
            "error" | "perf.error_reason" => self.error = Some(value.to_owned()),
            "message" => self.message = Some(value.to_owned()),
            _ => {}
        }
    }

    fn record_error(&mut self, field: &Field, value: &(dyn std::error::Error + 'static)) {
        if matches!(field.name(), "error" | "perf.error_reason") {
            self.error = Some(value.to_string());
        }
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        match field.name() {
            "error" | "perf.error_reason" | "message" => {
                self.record_str(field, &format!("{value:?}"));
            }
            _ => {}
        }
    }
}

impl<S> tracing_subscriber::Layer<S> for SpanLayer
where
    S: Subscriber + for<'lookup> LookupSpan<'lookup>,
{
    fn on_new_span(&self, attributes: &Attributes<'_>, id: &Id, ctx: Context<'_, S>) {
        if let Some(filter) = &self.filter
            && !filter(attributes.metadata())
        {
            return;
        }
        let Some(span) = ctx.span(id) else {
            return;
        };
        let mut fields = SpanFields::default();
        attributes.record(&mut fields);
        span.extensions_mut().insert(SpanTiming {
            start: Instant::now(),
            fields,
        });
    }

    fn on_record(&self, id: &Id, values: &Record<'_>, ctx: Context<'_, S>) {
        let Some(span) = ctx.span(id) else {
            return;
        };
        if let Some(timing) = span.extensions_mut().get_mut::<SpanTiming>() {
            values.record(&mut timing.fields);
        }
    }

    fn on_event(&self, event: &TracingEvent<'_>, ctx: Context<'_, S>) {
        let metadata = event.metadata();
        let error_level = *metadata.level() == Level::ERROR;
        if !error_level && metadata.fields().field("error").is_none() {
            return;
        }
        let Some(span) = ctx.event_span(event) else {
            return;
        };
        let mut fields = EventFields::default();
        event.record(&mut fields);
        let Some(reason) = fields.error.or(fields.message) else {
            return;
        };
        // The innermost span this layer times owns the error.
        for span in span.scope() {
            let mut extensions = span.extensions_mut();
            if let Some(timing) = extensions.get_mut::<SpanTiming>() {
                if timing.fields.reason.is_none() {
                    timing.fields.reason = Some(reason);
                }
                return;
            }
        }
    }

    fn on_close(&self, id: Id, ctx: Context<'_, S>) {
        let Some(span) = ctx.span(&id) else {
            return;
        };
        let Some(timing) = span.extensions_mut().remove::<SpanTiming>() else {
            return;
        };
        let ms = duration_ms(timing.start.elapsed());
        let metadata = span.metadata();
        let SpanFields {
            step,
            tool,
            ok,
            reason,
        } = timing.fields;
        let step = step.map_or(Cow::Borrowed(metadata.name()), Cow::Owned);
        let tool = match tool {
            Some(tool) => Some(Cow::Owned(tool)),
            None if self.tool_from_target => Some(Cow::Borrowed(metadata.target())),
            None => None,
        };
        let fields = SpanFields {
            step: None,
            tool: None,
            ok,
            reason,
        };
        let outcome = if std::thread::panicking() && fields.reason.is_none() {
            Outcome::Error(Some(Cow::Borrowed(PANIC_REASON)))
        } else {
            fields.outcome(&self.unmarked)
        };
        self.recorder.send_event(Event {
            start: Start::Instant(timing.start),
            tool,
            step,
            ms,
            outcome,
        });
    }
}
