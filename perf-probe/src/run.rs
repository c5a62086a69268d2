//! The scheduler: open and closed load models on a single-threaded tokio runtime.

use std::borrow::Cow;
use std::cell::Cell;
use std::future::Future;
use std::io::Write;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::task::{Poll, Waker};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http::{HeaderMap, HeaderValue, Request, Uri};
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use perf_record::{Outcome, Record, Timestamp};
use perf_stats::SplitMix64;
use tokio::time::Sleep;

use crate::client::{ClientError, Connection, Connector};
use crate::load::{Amount, Arrival, Order, RunConfig, Warmup};
use crate::outcome::{Collector, Oversleep, ProbeOutcome};
use crate::plan::{Endpoint, Plan};
use crate::reason::{ErrorReason, classify_transport_error};
use crate::record::{ProbeFields, write_probe_record};

/// Why a run could not be carried out. A failed *request* is never an error: it is a record.
#[derive(Debug, thiserror::Error)]
pub enum ProbeError {
    /// The async runtime could not start.
    #[error("cannot start the async runtime")]
    Runtime(#[source] std::io::Error),
    /// The HTTP client could not be set up.
    #[error("cannot set up the HTTP client")]
    Client(#[from] ClientError),
    /// Writing a record to the sink failed.
    #[error("cannot write a probe record")]
    Write(#[source] std::io::Error),
    /// The plan has no endpoint (its `endpoints` were emptied after it was built).
    #[error("the plan has no endpoint")]
    NoEndpoints,
}

/// Whether a request belongs to the warm-up or the measured phase.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Phase {
    Warmup,
    Measured,
}

/// One scheduled request.
#[derive(Debug, Clone, Copy)]
struct Slot {
    endpoint: usize,
    /// The endpoint's own request counter (for `{var}` values).
    index: u64,
    phase: Phase,
}

/// A finished request, as the runner measured it.
#[derive(Debug)]
pub(crate) struct Finished {
    pub(crate) endpoint: usize,
    pub(crate) phase: Phase,
    /// When the latency clock starts: the intended send (open) or the actual send (closed).
    pub(crate) anchor: Instant,
    pub(crate) ms: f64,
    pub(crate) service_ms: f64,
    pub(crate) lag_ms: Option<f64>,
    pub(crate) status: Option<u16>,
    pub(crate) bytes: u64,
    pub(crate) reason: Option<ErrorReason>,
}

/// Probes the plan's endpoints under `config`'s load model, writing one record per request to
/// `sink` (in completion order) and returning the per-endpoint summaries and the generator's
/// self-check.
///
/// The run uses its own single-threaded tokio runtime, so call it from synchronous code.
/// `sink` is written unbuffered: wrap a file in a `BufWriter`. Requests that fail (status,
/// timeout, connection) are records with `ok: false`, never an `Err`.
///
/// # Errors
/// [`ProbeError`] when the runtime or the client cannot start, or the sink fails.
pub fn run<W: Write>(
    plan: &Plan,
    config: &RunConfig,
    sink: &mut W,
) -> Result<ProbeOutcome, ProbeError> {
    if plan.endpoints.is_empty() {
        return Err(ProbeError::NoEndpoints);
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(ProbeError::Runtime)?;
    let connector = Connector::new(plan, &config.timeouts)?;
    runtime.block_on(run_async(plan, config, connector, sink))
}

/// What every request task shares.
struct Shared {
    connector: Connector,
    endpoints: Vec<Prepared>,
    request_timeout: Duration,
    open: bool,
    in_flight: AtomicUsize,
    recorder: Mutex<Recorder>,
}

impl Shared {
    fn record(&self, finished: &Finished) {
        // Slots only name endpoints of the (non-empty) plan.
        let endpoint = &self.endpoints[finished.endpoint];
        lock(&self.recorder).finished(endpoint, finished);
    }
}

/// An endpoint with its request parts built once, ready to clone for every request.
struct Prepared {
    tool: String,
    step: String,
    method: http::Method,
    /// The URIs when the path has no placeholder (or always renders the same).
    fixed: Option<Uris>,
    /// `scheme://authority` and the base URL's path prefix, for paths with placeholders.
    origin: String,
    prefix: String,
    template: crate::plan::PathTemplate,
    /// HTTP/1.1 headers: the endpoint's plus `host` (unless the plan sets one).
    headers_http1: HeaderMap,
    /// HTTP/2 headers: the endpoint's (the authority travels as `:authority`).
    headers_http2: HeaderMap,
    body: Bytes,
    expect: crate::plan::Expect,
    checks: Vec<crate::plan::Check>,
}

/// The two forms of a request's URI.
struct Uris {
    /// HTTP/1.1's origin form, `/prefix/path?query`.
    origin_form: Uri,
    /// HTTP/2's absolute form, `scheme://authority/prefix/path?query`.
    absolute: Uri,
}

impl Prepared {
    fn new(plan: &Plan, endpoint: &Endpoint) -> Prepared {
        let origin = format!("{}://{}", plan.base.scheme, plan.base.authority);
        let prefix = plan.base.prefix.clone();
        // A path whose placeholders (if any) always give the same value is built once.
        let first = endpoint.path.render(0);
        let fixed = if first == endpoint.path.render(1) {
            uris(&origin, &prefix, &first)
        } else {
            None
        };
        let mut headers_http1 = endpoint.headers.clone();
        if !headers_http1.contains_key(http::header::HOST)
            && let Ok(host) = HeaderValue::try_from(host_header(plan))
        {
            headers_http1.insert(http::header::HOST, host);
        }
        Prepared {
            tool: endpoint.tool.clone(),
            step: endpoint.step.clone(),
            method: endpoint.method.clone(),
            fixed,
            origin,
            prefix,
            template: endpoint.path.clone(),
            headers_http1,
            headers_http2: endpoint.headers.clone(),
            body: endpoint.body.clone(),
            expect: endpoint.expect.clone(),
            checks: endpoint.checks.clone(),
        }
    }

    /// Request number `index` of this endpoint, in the form `http2` or HTTP/1.1 needs.
    fn request(&self, index: u64, http2: bool) -> Option<Request<Full<Bytes>>> {
        let uri = match &self.fixed {
            Some(uris) if http2 => uris.absolute.clone(),
            Some(uris) => uris.origin_form.clone(),
            None => {
                let uris = uris(&self.origin, &self.prefix, &self.template.render(index))?;
                if http2 {
                    uris.absolute
                } else {
                    uris.origin_form
                }
            }
        };
        let mut request = Request::new(Full::new(self.body.clone()));
        *request.method_mut() = self.method.clone();
        *request.uri_mut() = uri;
        *request.headers_mut() = if http2 {
            self.headers_http2.clone()
        } else {
            self.headers_http1.clone()
        };
        Some(request)
    }
}

fn uris(origin: &str, prefix: &str, path: &str) -> Option<Uris> {
    let origin_form = if prefix.is_empty() {
        Uri::try_from(path).ok()?
    } else {
        Uri::try_from(format!("{prefix}{path}")).ok()?
    };
    Some(Uris {
        absolute: Uri::try_from(format!("{origin}{origin_form}")).ok()?,
        origin_form,
    })
}

/// The `host` header of HTTP/1.1 requests: the host, and the port unless it is the scheme's
/// default (as browsers and hyper-util's client write it).
fn host_header(plan: &Plan) -> String {
    let authority = &plan.base.authority;
    let default_port = if plan.base.scheme == http::uri::Scheme::HTTPS {
        443
    } else {
        80
    };
    match authority.port_u16() {
        Some(port) if port != default_port => format!("{}:{port}", authority.host()),
        _ => authority.host().to_owned(),
    }
}

/// Decides each slot's phase and when the run ends.
struct Schedule {
    endpoints: u64,
    warmup: Option<Warmup>,
    amount: Amount,
    /// Offset from the start at which the measured phase began (duration amounts).
    measured_from: Cell<Option<Duration>>,
    /// The first measured slot (sample amounts after a warm-up duration).
    first_measured_slot: Cell<Option<u64>>,
    /// Whether a warm-up duration has ended (it never starts again).
    warmup_over: Cell<bool>,
}

impl Schedule {
    /// The phase of slot `slot` issued `offset` after the start, or `None` when the run is over.
    fn phase(&self, slot: u64, offset: Duration) -> Option<Phase> {
        let warmup_slots = match self.warmup {
            Some(Warmup::RequestsPerEndpoint(requests)) => requests.saturating_mul(self.endpoints),
            _ => 0,
        };
        let in_warmup = match self.warmup {
            Some(Warmup::RequestsPerEndpoint(_)) => slot < warmup_slots,
            // The warm-up ends with a round, so every endpoint starts its measured phase with
            // the same number of turns behind it (and gets exactly N samples in it).
            Some(Warmup::Duration(duration)) => {
                !self.warmup_over.get()
                    && (offset < duration || !slot.is_multiple_of(self.endpoints.max(1)))
            }
            None => false,
        };
        if !in_warmup {
            self.warmup_over.set(true);
        }
        if in_warmup {
            return Some(Phase::Warmup);
        }
        match self.amount {
            Amount::SamplesPerEndpoint(samples) => {
                let measured_slot = match self.warmup {
                    Some(Warmup::RequestsPerEndpoint(_)) => slot - warmup_slots,
                    Some(Warmup::Duration(_)) => {
                        // Count measured slots from the first one after the warm-up window.
                        let first = self.first_measured_slot.get().unwrap_or(slot);
                        self.first_measured_slot.set(Some(first));
                        slot - first
                    }
                    None => slot,
                };
                (measured_slot < samples.saturating_mul(self.endpoints)).then_some(Phase::Measured)
            }
            Amount::Duration(duration) => {
                let from = match self.measured_from.get() {
                    Some(from) => from,
                    None => {
                        self.measured_from.set(Some(offset));
                        offset
                    }
                };
                (offset < from + duration).then_some(Phase::Measured)
            }
        }
    }
}

/// Yields the endpoint of every slot: round-robin, or rounds shuffled by a seeded generator.
struct Sequence {
    round: Vec<usize>,
    position: usize,
    rng: Option<SplitMix64>,
}

impl Sequence {
    fn new(endpoints: usize, order: Order) -> Sequence {
        Sequence {
            round: (0..endpoints).collect(),
            position: endpoints,
            rng: match order {
                Order::RoundRobin => None,
                Order::Shuffled { seed } => Some(SplitMix64::seeded(seed)),
            },
        }
    }

    fn next_endpoint(&mut self) -> usize {
        if self.position >= self.round.len() {
            self.position = 0;
            if let Some(rng) = &mut self.rng {
                // Fisher-Yates.
                for i in (1..self.round.len()).rev() {
                    let j = (rng.next_u64() % (i as u64 + 1)) as usize;
                    self.round.swap(i, j);
                }
            }
        }
        let endpoint = self.round.get(self.position).copied().unwrap_or(0);
        self.position += 1;
        endpoint
    }
}

/// Hands out slots to the workers (closed) or the pacer (open).
struct Dispatcher {
    schedule: Schedule,
    sequence: Sequence,
    next_slot: u64,
    per_endpoint: Vec<u64>,
    start: Instant,
}

impl Dispatcher {
    fn next(&mut self, offset: Duration) -> Option<Slot> {
        let phase = self.schedule.phase(self.next_slot, offset)?;
        self.next_slot += 1;
        let endpoint = self.sequence.next_endpoint();
        let index = self.per_endpoint.get(endpoint).copied().unwrap_or(0);
        if let Some(count) = self.per_endpoint.get_mut(endpoint) {
            *count += 1;
        }
        Some(Slot {
            endpoint,
            index,
            phase,
        })
    }
}

/// Locks a mutex; a task that panicked while holding it cannot have left it inconsistent in a
/// way that matters more than the run's result (the runtime reports the panic).
pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The formatted records wait in the recorder until they reach this many bytes (64 KiB), so
/// the sink is written, and the run's own future woken, once per few hundred requests.
const FLUSH_AT: usize = 64 << 10;

/// Formats every finished request into a buffer and keeps the statistics; shared by the tasks
/// (one thread), so a request's record needs no channel and no wake-up.
struct Recorder {
    session_id: String,
    start: Instant,
    start_wall: Timestamp,
    collector: Collector,
    /// Formatted records not yet written to the sink.
    buffer: String,
    /// The first record that could not be formatted; the run stops with it.
    failed: Option<std::io::Error>,
    /// Tasks still sending (workers, the pacer, open-model requests).
    live: usize,
    /// The run's own future, to wake when the buffer is full, a record failed or the last
    /// task ended.
    waiting: Option<Waker>,
}

impl Recorder {
    fn finished(&mut self, endpoint: &Prepared, finished: &Finished) {
        let ts = self
            .start_wall
            .checked_add(finished.anchor.saturating_duration_since(self.start))
            .unwrap_or(self.start_wall);
        let record = Record {
            ts,
            session_id: Cow::Borrowed(&self.session_id),
            tool: Cow::Borrowed(&endpoint.tool),
            step: Cow::Borrowed(&endpoint.step),
            ms: finished.ms,
            outcome: match &finished.reason {
                None => Outcome::Success,
                Some(reason) => Outcome::Error(Some(reason.as_text())),
            },
            measures: perf_record::Measures::new(),
        };
        let fields = ProbeFields {
            service_ms: finished.service_ms,
            lag_ms: finished.lag_ms,
            status: finished.status,
            bytes: finished.bytes,
            warmup: finished.phase == Phase::Warmup,
        };
        if let Err(error) = write_probe_record(&mut self.buffer, &record, &fields) {
            self.failed.get_or_insert(error);
        }
        self.collector.add(finished);
        if self.buffer.len() >= FLUSH_AT || self.failed.is_some() {
            self.wake();
        }
    }

    fn wake(&mut self) {
        if let Some(waker) = self.waiting.take() {
            waker.wake();
        }
    }
}

/// Counts a task as live while it exists; the last one to end wakes the run.
struct Live(Arc<Shared>);

impl Live {
    fn new(shared: &Arc<Shared>) -> Live {
        lock(&shared.recorder).live += 1;
        Live(Arc::clone(shared))
    }
}

impl Drop for Live {
    fn drop(&mut self) {
        let mut recorder = lock(&self.0.recorder);
        recorder.live = recorder.live.saturating_sub(1);
        if recorder.live == 0 {
            recorder.wake();
        }
    }
}

async fn run_async<W: Write>(
    plan: &Plan,
    config: &RunConfig,
    connector: Connector,
    sink: &mut W,
) -> Result<ProbeOutcome, ProbeError> {
    let session_id = config
        .session_id
        .clone()
        .unwrap_or_else(|| format!("probe-{}", Timestamp::now().as_millisecond()));
    let start = Instant::now();
    let start_wall = Timestamp::now();
    let shared = Arc::new(Shared {
        connector,
        endpoints: plan
            .endpoints
            .iter()
            .map(|endpoint| Prepared::new(plan, endpoint))
            .collect(),
        request_timeout: config.timeouts.request,
        open: matches!(config.load.arrival, Arrival::Open { .. }),
        in_flight: AtomicUsize::new(0),
        recorder: Mutex::new(Recorder {
            session_id,
            start,
            start_wall,
            collector: Collector::new(plan),
            buffer: String::with_capacity(FLUSH_AT + 1024),
            failed: None,
            live: 0,
            waiting: None,
        }),
    });
    let dispatcher = Arc::new(Mutex::new(Dispatcher {
        schedule: Schedule {
            endpoints: plan.endpoints.len() as u64,
            warmup: config.load.warmup,
            amount: config.load.amount,
            measured_from: Cell::new(None),
            first_measured_slot: Cell::new(None),
            warmup_over: Cell::new(false),
        },
        sequence: Sequence::new(plan.endpoints.len(), config.load.order),
        next_slot: 0,
        per_endpoint: vec![0; plan.endpoints.len()],
        start,
    }));

    let oversleep = Arc::new(Mutex::new(Oversleep::new()));
    let monitor_done = Arc::new(AtomicBool::new(false));
    let monitor = tokio::spawn(hiccup_monitor(
        Arc::clone(&oversleep),
        Arc::clone(&monitor_done),
    ));

    match config.load.arrival {
        Arrival::Open {
            rate_per_second,
            max_in_flight,
        } => {
            tokio::spawn(pace(
                Live::new(&shared),
                Arc::clone(&dispatcher),
                rate_per_second,
                max_in_flight,
            ));
        }
        Arrival::Closed { concurrency } => {
            for _ in 0..concurrency {
                tokio::spawn(work(Live::new(&shared), Arc::clone(&dispatcher)));
            }
        }
    }

    // Write the records as they fill the buffer, until the last task is done.
    let mut writing = String::with_capacity(FLUSH_AT + 1024);
    let result = std::future::poll_fn(|context| {
        loop {
            let mut recorder = lock(&shared.recorder);
            if let Some(error) = recorder.failed.take() {
                return Poll::Ready(Err(ProbeError::Write(error)));
            }
            let done = recorder.live == 0;
            if !done && recorder.buffer.len() < FLUSH_AT {
                recorder.waiting = Some(context.waker().clone());
                return Poll::Pending;
            }
            std::mem::swap(&mut recorder.buffer, &mut writing);
            drop(recorder);
            if let Err(error) = sink.write_all(writing.as_bytes()) {
                return Poll::Ready(Err(ProbeError::Write(error)));
            }
            writing.clear();
            if done {
                return Poll::Ready(Ok(()));
            }
        }
    })
    .await;
    monitor_done.store(true, Ordering::Relaxed);
    let _ = monitor.await;
    result?;
    sink.flush().map_err(ProbeError::Write)?;
    let oversleep = lock(&oversleep);
    let elapsed = start.elapsed();
    let collector = std::mem::replace(&mut lock(&shared.recorder).collector, Collector::new(plan));
    Ok(collector.finish(plan, config, elapsed, &oversleep))
}

/// The open model's pacer: slot `i` is due at `start + i / rate`.
async fn pace(
    live: Live,
    dispatcher: Arc<Mutex<Dispatcher>>,
    rate_per_second: f64,
    max_in_flight: usize,
) {
    let shared = &live.0;
    let start = lock(&dispatcher).start;
    let interval = 1.0 / rate_per_second;
    let mut slot_number: u64 = 0;
    // A schedule past what an Instant can hold ends the run instead of panicking.
    while let Some(due) = Duration::try_from_secs_f64(slot_number as f64 * interval)
        .ok()
        .and_then(|offset| start.checked_add(offset))
    {
        slot_number += 1;
        let Some(slot) = lock(&dispatcher).next(due - start) else {
            break;
        };
        if Instant::now() < due {
            tokio::time::sleep_until(due.into()).await;
        } else {
            // Behind schedule: let the requests in flight progress instead of spinning
            // through every overdue slot at once.
            tokio::task::yield_now().await;
        }
        if shared.in_flight.load(Ordering::Relaxed) >= max_in_flight {
            lock(&shared.recorder)
                .collector
                .add_dropped(slot.endpoint, slot.phase);
            continue;
        }
        shared.in_flight.fetch_add(1, Ordering::Relaxed);
        let live = Live::new(shared);
        tokio::spawn(async move {
            let shared = &live.0;
            // An idle connection, the shared HTTP/2 one, or a new one (in `exchange`).
            let mut connection = None;
            let timer = std::pin::pin!(tokio::time::sleep(shared.request_timeout));
            let finished = execute(shared, slot, Some(due), &mut connection, timer).await;
            if let Some(connection) = connection {
                shared.connector.give_back(connection);
            }
            shared.in_flight.fetch_sub(1, Ordering::Relaxed);
            shared.record(&finished);
        });
    }
}

/// One closed-model worker: sends its next request when the previous one ended, on its own
/// connection (opened again when it closed or failed).
async fn work(live: Live, dispatcher: Arc<Mutex<Dispatcher>>) {
    let shared = &live.0;
    let mut connection = None;
    let mut timer = std::pin::pin!(tokio::time::sleep(shared.request_timeout));
    loop {
        let slot = {
            let mut dispatcher = lock(&dispatcher);
            let offset = dispatcher.start.elapsed();
            dispatcher.next(offset)
        };
        let Some(slot) = slot else { break };
        let finished = execute(shared, slot, None, &mut connection, timer.as_mut()).await;
        shared.record(&finished);
    }
}

/// Measures how late the runtime wakes a 1 ms timer: the generator's own scheduling oversleep.
async fn hiccup_monitor(samples: Arc<Mutex<Oversleep>>, done: Arc<AtomicBool>) {
    const PERIOD: Duration = Duration::from_millis(1);
    while !done.load(Ordering::Relaxed) {
        let deadline = Instant::now() + PERIOD;
        tokio::time::sleep_until(deadline.into()).await;
        let late = Instant::now().saturating_duration_since(deadline);
        lock(&samples).record(late.as_secs_f64() * 1e3);
    }
}

/// What a response told us.
struct Response {
    status: Option<u16>,
    bytes: u64,
    reason: Option<ErrorReason>,
}

impl Response {
    fn failed(reason: ErrorReason) -> Response {
        Response {
            status: None,
            bytes: 0,
            reason: Some(reason),
        }
    }
}

/// Sends slot's request on `connection` (or a reusable or new one) and reads the response.
/// `connection` is left holding the connection when it may carry another request.
async fn execute(
    shared: &Shared,
    slot: Slot,
    intended: Option<Instant>,
    connection: &mut Option<Connection>,
    mut timer: Pin<&mut Sleep>,
) -> Finished {
    let actual = Instant::now();
    // Slots only name endpoints of the (non-empty) plan.
    let endpoint = &shared.endpoints[slot.endpoint];
    // Moving a pending timer's deadline later is an atomic store in tokio, not a new timer:
    // the closed-model worker's one timer serves all its requests.
    timer
        .as_mut()
        .reset((actual + shared.request_timeout).into());
    let mut exchanging = std::pin::pin!(exchange(shared, endpoint, slot.index, connection.take()));
    let exchanged = std::future::poll_fn(|context| {
        if let Poll::Ready(exchanged) = exchanging.as_mut().poll(context) {
            return Poll::Ready(Some(exchanged));
        }
        timer.as_mut().poll(context).map(|()| None)
    })
    .await;
    let response = match exchanged {
        Some((response, kept)) => {
            *connection = kept.filter(|kept| shared.connector.keeps(kept));
            Some(response)
        }
        // Timed out: the connection, mid-exchange, was dropped with the future.
        None => None,
    };
    let end = Instant::now();
    let lag = intended.map(|intended| actual.saturating_duration_since(intended));
    let anchor = intended.unwrap_or(actual);
    let (service, response) = match response {
        Some(response) => (end.saturating_duration_since(actual), response),
        // A timed-out request is a failed sample whose service time is the timeout.
        None => (
            shared.request_timeout,
            Response::failed(ErrorReason::Timeout),
        ),
    };
    let total = service + lag.unwrap_or_default();
    Finished {
        endpoint: slot.endpoint,
        phase: slot.phase,
        anchor,
        ms: total.as_secs_f64() * 1e3,
        service_ms: service.as_secs_f64() * 1e3,
        lag_ms: if shared.open {
            lag.map(|lag| lag.as_secs_f64() * 1e3)
        } else {
            None
        },
        status: response.status,
        bytes: response.bytes,
        reason: response.reason,
    }
}

/// One request/response exchange, connecting first when there is no open connection. A
/// request a reused connection could not take (it had closed; the request was not written)
/// is sent once more on a new connection, as browsers and hyper-util's client do. Returns the
/// connection when it is still usable.
async fn exchange(
    shared: &Shared,
    endpoint: &Prepared,
    index: u64,
    connection: Option<Connection>,
) -> (Response, Option<Connection>) {
    let reused = connection
        .filter(|connection| !connection.is_closed())
        .or_else(|| shared.connector.reusable());
    let (mut connection, mut retry) = match reused {
        Some(connection) => (connection, true),
        None => match shared.connector.connect().await {
            Ok(connection) => (connection, false),
            Err(reason) => return (Response::failed(reason), None),
        },
    };
    // Paths are validated with the plan, so this cannot fail; count it, never panic.
    let Some(mut request) = endpoint.request(index, connection.is_http2()) else {
        return (Response::failed(ErrorReason::Protocol), Some(connection));
    };
    loop {
        match send_on(&mut connection, request).await {
            Ok(response) => {
                let response = read_response(endpoint, response).await;
                return (response, Some(connection));
            }
            Err(mut error) => {
                let unsent = error.take_message();
                match unsent {
                    Some(unsent) if retry => {
                        retry = false;
                        connection = match shared.connector.connect().await {
                            Ok(connection) => connection,
                            Err(reason) => return (Response::failed(reason), None),
                        };
                        // HTTP/1.1 and HTTP/2 want different URI forms and headers.
                        request = if connection.is_http2() == unsent.uri().scheme().is_some() {
                            unsent
                        } else {
                            match endpoint.request(index, connection.is_http2()) {
                                Some(request) => request,
                                None => return (Response::failed(ErrorReason::Protocol), None),
                            }
                        };
                    }
                    _ => {
                        let reason = classify_transport_error(&error.into_error());
                        return (Response::failed(reason), None);
                    }
                }
            }
        }
    }
}

type SendError = hyper::client::conn::TrySendError<Request<Full<Bytes>>>;

/// Sends on an open connection, once it can take a request. When it closed instead, the
/// send fails at once and hands the request back (as it does whenever the request was not
/// written), so the wait's own error says nothing more.
async fn send_on(
    connection: &mut Connection,
    request: Request<Full<Bytes>>,
) -> Result<http::Response<Incoming>, SendError> {
    match connection {
        Connection::Http1(sender) => {
            let _closed = sender.ready().await;
            sender.try_send_request(request).await
        }
        Connection::Http2(sender) => {
            let _closed = sender.ready().await;
            sender.try_send_request(request).await
        }
    }
}

/// Checks see at most this much of a body (16 MiB), so a huge response cannot exhaust memory;
/// the rest is still read and counted in `bytes`.
const MAX_CHECKED_BODY_BYTES: usize = 16 << 20;

/// Reads the body to its end, counting its bytes, and decides `ok`.
async fn read_response(endpoint: &Prepared, response: http::Response<Incoming>) -> Response {
    let status = response.status().as_u16();
    let mut body = response.into_body();
    let keep = !endpoint.checks.is_empty() && endpoint.expect.allows(status);
    let mut kept = Vec::new();
    let mut bytes = 0u64;
    while let Some(frame) = body.frame().await {
        match frame {
            Ok(frame) => {
                if let Some(data) = frame.data_ref() {
                    bytes += data.len() as u64;
                    if keep {
                        let room = MAX_CHECKED_BODY_BYTES.saturating_sub(kept.len());
                        kept.extend_from_slice(&data[..data.len().min(room)]);
                    }
                }
            }
            Err(_) => {
                return Response {
                    status: Some(status),
                    bytes,
                    reason: Some(ErrorReason::BodyRead),
                };
            }
        }
    }
    let reason = if !endpoint.expect.allows(status) {
        Some(ErrorReason::Status(status))
    } else {
        endpoint
            .checks
            .iter()
            .find(|check| !check.passes(&kept))
            .map(|check| ErrorReason::CheckFailed(check.name.clone()))
    };
    Response {
        status: Some(status),
        bytes,
        reason,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_robin_and_seeded_shuffle_give_every_endpoint_one_turn_per_round() {
        let mut sequence = Sequence::new(3, Order::RoundRobin);
        let order: Vec<usize> = (0..6).map(|_| sequence.next_endpoint()).collect();
        assert_eq!(order, [0, 1, 2, 0, 1, 2]);
        let shuffled = |seed| {
            let mut sequence = Sequence::new(4, Order::Shuffled { seed });
            (0..40)
                .map(|_| sequence.next_endpoint())
                .collect::<Vec<_>>()
        };
        let first = shuffled(7);
        assert_eq!(first, shuffled(7));
        assert_ne!(first, shuffled(8));
        for round in first.chunks(4) {
            let mut sorted = round.to_vec();
            sorted.sort_unstable();
            assert_eq!(sorted, [0, 1, 2, 3]);
        }
        assert_ne!(
            first[..4],
            [0, 1, 2, 3][..],
            "seed 7 should not keep the plan order"
        );
    }

    #[test]
    fn schedule_puts_warmup_first_then_counts_samples() {
        let schedule = Schedule {
            endpoints: 2,
            warmup: Some(Warmup::RequestsPerEndpoint(1)),
            amount: Amount::SamplesPerEndpoint(3),
            measured_from: Cell::new(None),
            first_measured_slot: Cell::new(None),
            warmup_over: Cell::new(false),
        };
        let phases: Vec<Option<Phase>> = (0..9)
            .map(|slot| schedule.phase(slot, Duration::ZERO))
            .collect();
        assert_eq!(phases[..2], [Some(Phase::Warmup); 2]);
        assert_eq!(phases[2..8], [Some(Phase::Measured); 6]);
        assert_eq!(phases[8], None);
    }

    #[test]
    fn a_warmup_duration_ends_with_a_round() {
        let schedule = Schedule {
            endpoints: 3,
            warmup: Some(Warmup::Duration(Duration::from_secs(1))),
            amount: Amount::SamplesPerEndpoint(2),
            measured_from: Cell::new(None),
            first_measured_slot: Cell::new(None),
            warmup_over: Cell::new(false),
        };
        let second = Duration::from_secs(1);
        // Slot 4 is past the window but mid-round: still warm-up until slot 6 starts a round.
        let phases: Vec<Option<Phase>> = (0..13)
            .map(|slot| schedule.phase(slot, if slot < 4 { Duration::ZERO } else { second }))
            .collect();
        assert_eq!(phases[..6], [Some(Phase::Warmup); 6]);
        assert_eq!(phases[6..12], [Some(Phase::Measured); 6]);
        assert_eq!(phases[12], None);
    }
}
