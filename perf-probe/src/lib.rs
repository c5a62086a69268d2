//! The perf-gate HTTP probe: measure real endpoints truthfully and write perf-record lines.
//!
//! One job: send HTTP requests to the endpoints of a [`Plan`] under an explicit [`LoadModel`],
//! and write **one record per request** in perf-gate's JSONL schema (plus `serviceMs`, `lagMs`,
//! `status`, `bytes` and `phase`), so the existing gate judges them like any other log. It
//! returns a [`ProbeOutcome`] with per-endpoint summaries and the generator's check on itself.
//!
//! - **Open model** (`--rate`): request `i` is due at `start + i / rate`; `ms` counts from that
//!   *intended* time (wrk2's coordinated-omission correction), `serviceMs` from the actual send
//!   to the end of the body, `lagMs` is actual minus intended. A request due while
//!   `--max-in-flight` are outstanding is dropped and counted. **Closed model**
//!   (`--concurrency`): workers send back to back; `ms` is the service time.
//! - Endpoints take turns (round-robin, or rounds shuffled by `--seed`); `--warmup N|D` requests
//!   carry `"phase":"warmup"` and stay out of the summaries.
//! - `ok` is true only for an expected status (default 2xx) whose body passes every check;
//!   `errorReason` comes from a closed vocabulary ([`ErrorReason`]). A timed-out request is a
//!   failed sample whose `ms` is the timeout (10 s by default; connect 3 s).
//! - Secrets come from environment variables or files; [`Secret`] prints `***`, headers carrying
//!   one are marked sensitive, and no record, summary or error contains one.
//! - The generator checks itself: lag p99, drops by the in-flight cap, and how late its own
//!   timers wake. When it was the bottleneck a group's [`LoadVerdict`] says so, so the gate can
//!   call it insufficient (exit 2) instead of blaming the server.
//!
//! HTTP/1.1 and HTTP/2 with keep-alive, `http` and `https` (rustls with the ring provider, the
//! bundled web roots plus an optional `ca-file`), on a single-threaded tokio runtime with
//! direct hyper connections (a closed-model worker owns one; no pool); the scheduling is this
//! crate's own. Per measured request it keeps three `f64`s; the records go straight to the
//! caller's sink. [`ProbeOutcome`] serializes to JSON for reports. The plan format, the record
//! fields and measured speed are in the crate's README.
//!
//! It is not for statistics beyond the run summary (`perf-stats`), for judging budgets
//! (`perf-budget`), for reading logs (`perf-collect`) or for command-line parsing
//! (`perf-gate-cli`, which calls [`Plan::load`] or [`Plan::quick`], [`validate`], [`run`] and
//! [`render_summary`]).
//!
//! ```no_run
//! use perf_probe::{LoadArgs, Plan, QuickPlan, render_summary, run, validate};
//!
//! // perf-gate probe --base-url http://127.0.0.1:3000 --get /health --samples 50 --rate 20
//! let plan = Plan::quick(&QuickPlan {
//!     base_url: "http://127.0.0.1:3000".into(),
//!     paths: vec!["/health".into()],
//!     tool: "probe".into(),
//!     api_key: None,
//!     http_version: Default::default(),
//! })?;
//! let flags = LoadArgs { rate: Some(20.0), samples: Some(50), ..LoadArgs::default() };
//! let config = validate(&plan.load.overridden_by(&flags))?;
//! let mut out = std::io::BufWriter::new(std::fs::File::create("probe.jsonl")?);
//! let outcome = run(&plan, &config, &mut out)?;
//! eprint!("{}", render_summary(&outcome));
//! let insufficient = outcome.self_check.generator_bottleneck;
//! # let _ = insufficient;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod client;
mod duration;
mod load;
mod outcome;
mod plan;
mod reason;
mod record;
mod run;
mod secret;

pub use client::ClientError;
pub use duration::{DurationError, parse_duration};
pub use load::{
    Amount, Arrival, DEFAULT_CONNECT_TIMEOUT, DEFAULT_MAX_IN_FLIGHT, DEFAULT_MAX_LAG_P99,
    DEFAULT_MAX_OVERSLEEP_P99, DEFAULT_REQUEST_TIMEOUT, LoadArgs, LoadModel, Order, RunConfig,
    SelfCheckLimits, Timeouts, UsageError, Warmup, validate,
};
pub use outcome::{
    BottleneckReason, EndpointSummary, LoadVerdict, Percentiles, ProbeOutcome, SelfCheck,
    render_summary,
};
pub use plan::{
    ApiKey, Check, CheckKind, DEFAULT_API_KEY_HEADER, Endpoint, Expect, HttpVersion, PathTemplate,
    Plan, PlanError, QuickPlan, VarValues,
};
pub use reason::ErrorReason;
pub use record::{ProbeFields, write_probe_record};
pub use run::{ProbeError, run};
pub use secret::{Secret, SecretError, SecretSource};
