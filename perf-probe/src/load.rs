//! The load model, the timeouts and the validation that turns loose options into a [`RunConfig`].

use std::time::Duration;

use serde::Deserialize;

use crate::duration::{format_duration, serde_text};

/// Default request timeout (`--timeout`): the whole request, connect to end of body.
pub const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(10);
/// Default connect timeout (`--connect-timeout`).
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(3);
/// Default in-flight cap in the open model (`--max-in-flight`).
pub const DEFAULT_MAX_IN_FLIGHT: usize = 256;
/// Default limit on the generator's lag p99 before it is called the bottleneck.
pub const DEFAULT_MAX_LAG_P99: Duration = Duration::from_millis(10);
/// Default limit on the generator's scheduling oversleep p99 before it is called the bottleneck.
pub const DEFAULT_MAX_OVERSLEEP_P99: Duration = Duration::from_millis(10);

/// How requests arrive.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Arrival {
    /// Open model (`--rate`): request `i` is due at `start + i / rate`, whatever happened to
    /// the earlier ones; latency (`ms`) counts from that intended time. A request due while
    /// `max_in_flight` requests are outstanding is dropped and counted.
    Open {
        /// Requests per second, all endpoints together.
        rate_per_second: f64,
        /// The most requests outstanding at once.
        max_in_flight: usize,
    },
    /// Closed model (`--concurrency`): `concurrency` workers, each sending its next request
    /// when the previous one ended; latency counts from the actual send.
    Closed {
        /// The number of workers.
        concurrency: usize,
    },
}

/// How much to send in the measured phase.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Amount {
    /// `--samples N`: N scheduled requests per endpoint.
    SamplesPerEndpoint(u64),
    /// `--duration D`: keep sending for D.
    Duration(Duration),
}

/// The warm-up before the measured phase (`--warmup N|D`); its records carry
/// `"phase":"warmup"` and are left out of the outcome's statistics.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Warmup {
    /// N requests per endpoint.
    RequestsPerEndpoint(u64),
    /// Everything sent during the first D.
    Duration(Duration),
}

/// The order in which endpoints take turns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Order {
    /// `0, 1, 2, 0, 1, 2, ...`
    RoundRobin,
    /// Every round holds each endpoint once, in an order shuffled by a seeded generator
    /// (`--seed`), so the same seed gives the same order.
    Shuffled {
        /// The seed.
        seed: u64,
    },
}

/// The load model: arrival, amount, warm-up and interleaving.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LoadModel {
    /// Open or closed.
    pub arrival: Arrival,
    /// Samples per endpoint or a duration.
    pub amount: Amount,
    /// The warm-up, if any.
    pub warmup: Option<Warmup>,
    /// Round-robin or seeded shuffle.
    pub order: Order,
}

/// Request and connect timeouts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timeouts {
    /// The whole request, from the actual send to the end of the body.
    pub request: Duration,
    /// Establishing a TCP connection.
    pub connect: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Timeouts {
            request: DEFAULT_REQUEST_TIMEOUT,
            connect: DEFAULT_CONNECT_TIMEOUT,
        }
    }
}

/// The limits of the generator's self-check: beyond them the generator, not the server, is
/// called the bottleneck.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SelfCheckLimits {
    /// Largest acceptable p99 of `lagMs` (open model).
    pub max_lag_p99: Duration,
    /// Largest acceptable p99 of the generator's own timer oversleep.
    pub max_oversleep_p99: Duration,
}

impl Default for SelfCheckLimits {
    fn default() -> Self {
        SelfCheckLimits {
            max_lag_p99: DEFAULT_MAX_LAG_P99,
            max_oversleep_p99: DEFAULT_MAX_OVERSLEEP_P99,
        }
    }
}

/// Everything about a run except the plan: built by [`validate`].
#[derive(Debug, Clone, PartialEq)]
pub struct RunConfig {
    /// The load model.
    pub load: LoadModel,
    /// The timeouts.
    pub timeouts: Timeouts,
    /// The self-check limits.
    pub limits: SelfCheckLimits,
    /// The `sessionId` of every record; `None` makes one from the start time (`probe-<ms>`).
    pub session_id: Option<String>,
}

/// The load options as a user gave them (command-line flags or a plan's `[load]` table),
/// before [`validate`] decides whether they make sense together.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct LoadArgs {
    /// `--rate R`.
    pub rate: Option<f64>,
    /// `--concurrency C`.
    pub concurrency: Option<usize>,
    /// `--max-in-flight N` (open model only).
    pub max_in_flight: Option<usize>,
    /// `--samples N` per endpoint.
    pub samples: Option<u64>,
    /// `--duration D`.
    #[serde(default, deserialize_with = "serde_text::option")]
    pub duration: Option<Duration>,
    /// `--warmup N`.
    pub warmup_requests: Option<u64>,
    /// `--warmup D`.
    #[serde(default, deserialize_with = "serde_text::option")]
    pub warmup_duration: Option<Duration>,
    /// `--seed S`: shuffle the interleaving.
    pub seed: Option<u64>,
    /// `--timeout D`.
    #[serde(default, deserialize_with = "serde_text::option")]
    pub timeout: Option<Duration>,
    /// `--connect-timeout D`.
    #[serde(default, deserialize_with = "serde_text::option")]
    pub connect_timeout: Option<Duration>,
    /// `--session-id S`.
    pub session_id: Option<String>,
    /// `--max-lag-p99 D`: the self-check's limit on the lag p99 (default 10ms).
    #[serde(default, deserialize_with = "serde_text::option")]
    pub max_lag_p99: Option<Duration>,
    /// `--max-oversleep-p99 D`: the self-check's limit on the timer oversleep p99 (default 10ms).
    #[serde(default, deserialize_with = "serde_text::option")]
    pub max_oversleep_p99: Option<Duration>,
}

impl LoadArgs {
    /// These options, with every option `overrides` sets taking its place (flags over a plan).
    /// Setting one side of an exclusive pair replaces the other side too, so `--duration`
    /// on the command line beats `samples` in the plan instead of making them ambiguous.
    pub fn overridden_by(&self, overrides: &LoadArgs) -> LoadArgs {
        let mut merged = self.clone();
        if overrides.rate.is_some() || overrides.concurrency.is_some() {
            merged.rate = overrides.rate;
            merged.concurrency = overrides.concurrency;
        }
        if overrides.samples.is_some() || overrides.duration.is_some() {
            merged.samples = overrides.samples;
            merged.duration = overrides.duration;
        }
        if overrides.warmup_requests.is_some() || overrides.warmup_duration.is_some() {
            merged.warmup_requests = overrides.warmup_requests;
            merged.warmup_duration = overrides.warmup_duration;
        }
        merged.max_in_flight = overrides.max_in_flight.or(merged.max_in_flight);
        merged.seed = overrides.seed.or(merged.seed);
        merged.timeout = overrides.timeout.or(merged.timeout);
        merged.connect_timeout = overrides.connect_timeout.or(merged.connect_timeout);
        merged.session_id = overrides.session_id.clone().or(merged.session_id);
        merged.max_lag_p99 = overrides.max_lag_p99.or(merged.max_lag_p99);
        merged.max_oversleep_p99 = overrides.max_oversleep_p99.or(merged.max_oversleep_p99);
        merged
    }
}

/// A combination of load options that does not make sense. The CLI maps every variant to a
/// usage error (exit 1).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum UsageError {
    /// Both `--rate` and `--concurrency`.
    #[error("--rate (open model) and --concurrency (closed model) exclude each other: choose one")]
    RateAndConcurrency,
    /// Both `--samples` and `--duration`.
    #[error("--samples and --duration exclude each other: choose one")]
    SamplesAndDuration,
    /// Neither `--samples` nor `--duration`.
    #[error("say how much to send: --samples N (per endpoint) or --duration D")]
    NoAmount,
    /// Both forms of `--warmup`.
    #[error("--warmup takes a request count or a duration, not both")]
    WarmupCountAndDuration,
    /// `--max-in-flight` without `--rate`.
    #[error("--max-in-flight only applies to the open model (--rate)")]
    MaxInFlightWithoutRate,
    /// A rate that is not a positive finite number.
    #[error("--rate must be a positive number of requests per second, not {0}")]
    InvalidRate(f64),
    /// A zero where a positive number is needed.
    #[error("{option} must be at least 1")]
    Zero {
        /// The option (`--concurrency`, `--samples`, `--max-in-flight`).
        option: &'static str,
    },
    /// A zero duration.
    #[error("{option} must be longer than 0s")]
    ZeroDuration {
        /// The option (`--duration`, `--timeout`, `--connect-timeout`, `--warmup`,
        /// `--max-lag-p99`, `--max-oversleep-p99`).
        option: &'static str,
    },
    /// An empty `--session-id`.
    #[error("an empty session id")]
    EmptySessionId,
    /// A connect timeout longer than the request timeout.
    #[error(
        "the connect timeout ({connect}) is longer than the request timeout ({request}), so it could never fire"
    )]
    ConnectTimeoutLongerThanRequest {
        /// The connect timeout.
        connect: String,
        /// The request timeout.
        request: String,
    },
}

/// Checks that the options make one unambiguous run and builds its [`RunConfig`].
///
/// Neither `--rate` nor `--concurrency` means the closed model with one worker (one request at
/// a time, the release smoke test). Everything else ambiguous is an error.
///
/// ```
/// use perf_probe::{validate, Arrival, LoadArgs, UsageError};
///
/// let config = validate(&LoadArgs { rate: Some(50.0), samples: Some(100), ..LoadArgs::default() })?;
/// assert!(matches!(config.load.arrival, Arrival::Open { max_in_flight: 256, .. }));
/// let both = LoadArgs { rate: Some(50.0), concurrency: Some(4), samples: Some(1), ..LoadArgs::default() };
/// assert_eq!(validate(&both), Err(UsageError::RateAndConcurrency));
/// # Ok::<(), UsageError>(())
/// ```
///
/// # Errors
/// The first [`UsageError`] found.
pub fn validate(args: &LoadArgs) -> Result<RunConfig, UsageError> {
    let arrival = match (args.rate, args.concurrency) {
        (Some(_), Some(_)) => return Err(UsageError::RateAndConcurrency),
        (Some(rate), None) => {
            if !(rate.is_finite() && rate > 0.0) {
                return Err(UsageError::InvalidRate(rate));
            }
            let max_in_flight = args.max_in_flight.unwrap_or(DEFAULT_MAX_IN_FLIGHT);
            if max_in_flight == 0 {
                return Err(UsageError::Zero {
                    option: "--max-in-flight",
                });
            }
            Arrival::Open {
                rate_per_second: rate,
                max_in_flight,
            }
        }
        (None, concurrency) => {
            if args.max_in_flight.is_some() {
                return Err(UsageError::MaxInFlightWithoutRate);
            }
            let concurrency = concurrency.unwrap_or(1);
            if concurrency == 0 {
                return Err(UsageError::Zero {
                    option: "--concurrency",
                });
            }
            Arrival::Closed { concurrency }
        }
    };
    let amount = match (args.samples, args.duration) {
        (Some(_), Some(_)) => return Err(UsageError::SamplesAndDuration),
        (None, None) => return Err(UsageError::NoAmount),
        (Some(0), None) => {
            return Err(UsageError::Zero {
                option: "--samples",
            });
        }
        (Some(samples), None) => Amount::SamplesPerEndpoint(samples),
        (None, Some(duration)) if duration.is_zero() => {
            return Err(UsageError::ZeroDuration {
                option: "--duration",
            });
        }
        (None, Some(duration)) => Amount::Duration(duration),
    };
    let warmup = match (args.warmup_requests, args.warmup_duration) {
        (Some(_), Some(_)) => return Err(UsageError::WarmupCountAndDuration),
        (Some(0), None) | (None, None) => None,
        (Some(requests), None) => Some(Warmup::RequestsPerEndpoint(requests)),
        (None, Some(duration)) if duration.is_zero() => None,
        (None, Some(duration)) => Some(Warmup::Duration(duration)),
    };
    let order = match args.seed {
        Some(seed) => Order::Shuffled { seed },
        None => Order::RoundRobin,
    };
    let timeouts = Timeouts {
        request: args.timeout.unwrap_or(DEFAULT_REQUEST_TIMEOUT),
        connect: args.connect_timeout.unwrap_or(DEFAULT_CONNECT_TIMEOUT),
    };
    if timeouts.request.is_zero() {
        return Err(UsageError::ZeroDuration {
            option: "--timeout",
        });
    }
    if timeouts.connect.is_zero() {
        return Err(UsageError::ZeroDuration {
            option: "--connect-timeout",
        });
    }
    if timeouts.connect > timeouts.request {
        return Err(UsageError::ConnectTimeoutLongerThanRequest {
            connect: format_duration(timeouts.connect),
            request: format_duration(timeouts.request),
        });
    }
    if args.session_id.as_deref().is_some_and(str::is_empty) {
        return Err(UsageError::EmptySessionId);
    }
    let limits = SelfCheckLimits {
        max_lag_p99: args.max_lag_p99.unwrap_or(DEFAULT_MAX_LAG_P99),
        max_oversleep_p99: args.max_oversleep_p99.unwrap_or(DEFAULT_MAX_OVERSLEEP_P99),
    };
    if limits.max_lag_p99.is_zero() {
        return Err(UsageError::ZeroDuration {
            option: "--max-lag-p99",
        });
    }
    if limits.max_oversleep_p99.is_zero() {
        return Err(UsageError::ZeroDuration {
            option: "--max-oversleep-p99",
        });
    }
    Ok(RunConfig {
        load: LoadModel {
            arrival,
            amount,
            warmup,
            order,
        },
        timeouts,
        limits,
        session_id: args.session_id.clone(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn samples(n: u64) -> LoadArgs {
        LoadArgs {
            samples: Some(n),
            ..LoadArgs::default()
        }
    }

    #[test]
    fn defaults_to_one_closed_worker_and_finite_timeouts() {
        let config = validate(&samples(50)).unwrap();
        assert_eq!(config.load.arrival, Arrival::Closed { concurrency: 1 });
        assert_eq!(config.load.amount, Amount::SamplesPerEndpoint(50));
        assert_eq!(config.load.order, Order::RoundRobin);
        assert_eq!(config.timeouts, Timeouts::default());
        assert_eq!(config.timeouts.request, Duration::from_secs(10));
        assert_eq!(config.timeouts.connect, Duration::from_secs(3));
    }

    #[test]
    fn refuses_ambiguous_combinations() {
        let cases = [
            (
                LoadArgs {
                    rate: Some(1.0),
                    concurrency: Some(1),
                    ..samples(1)
                },
                UsageError::RateAndConcurrency,
            ),
            (
                LoadArgs {
                    duration: Some(Duration::from_secs(1)),
                    ..samples(1)
                },
                UsageError::SamplesAndDuration,
            ),
            (LoadArgs::default(), UsageError::NoAmount),
            (
                LoadArgs {
                    max_in_flight: Some(5),
                    ..samples(1)
                },
                UsageError::MaxInFlightWithoutRate,
            ),
            (
                LoadArgs {
                    rate: Some(f64::NAN),
                    ..samples(1)
                },
                UsageError::InvalidRate(f64::NAN),
            ),
            (
                LoadArgs {
                    warmup_requests: Some(1),
                    warmup_duration: Some(Duration::from_secs(1)),
                    ..samples(1)
                },
                UsageError::WarmupCountAndDuration,
            ),
            (
                samples(0),
                UsageError::Zero {
                    option: "--samples",
                },
            ),
            (
                LoadArgs {
                    connect_timeout: Some(Duration::from_secs(20)),
                    ..samples(1)
                },
                UsageError::ConnectTimeoutLongerThanRequest {
                    connect: "20s".into(),
                    request: "10s".into(),
                },
            ),
        ];
        for (args, expected) in cases {
            let error = validate(&args).unwrap_err();
            // NaN != NaN: compare the message instead.
            assert_eq!(error.to_string(), expected.to_string(), "{args:?}");
        }
    }

    #[test]
    fn flags_override_the_plan_pairwise() {
        let plan = LoadArgs {
            rate: Some(10.0),
            samples: Some(5),
            ..LoadArgs::default()
        };
        let flags = LoadArgs {
            concurrency: Some(2),
            duration: Some(Duration::from_secs(1)),
            ..LoadArgs::default()
        };
        let config = validate(&plan.overridden_by(&flags)).unwrap();
        assert_eq!(config.load.arrival, Arrival::Closed { concurrency: 2 });
        assert_eq!(config.load.amount, Amount::Duration(Duration::from_secs(1)));
    }

    #[test]
    fn self_check_limits_default_to_ten_milliseconds_and_can_be_widened() {
        assert_eq!(
            validate(&samples(1)).unwrap().limits,
            SelfCheckLimits {
                max_lag_p99: Duration::from_millis(10),
                max_oversleep_p99: Duration::from_millis(10),
            }
        );
        let plan: LoadArgs =
            toml::from_str("samples = 1\nmax-lag-p99 = \"50ms\"\nmax-oversleep-p99 = \"2s\"")
                .unwrap();
        let flags = LoadArgs {
            max_oversleep_p99: Some(Duration::from_secs(1)),
            ..LoadArgs::default()
        };
        let limits = validate(&plan.overridden_by(&flags)).unwrap().limits;
        assert_eq!(limits.max_lag_p99, Duration::from_millis(50));
        assert_eq!(limits.max_oversleep_p99, Duration::from_secs(1));
        let zero = LoadArgs {
            max_oversleep_p99: Some(Duration::ZERO),
            ..samples(1)
        };
        assert_eq!(
            validate(&zero),
            Err(UsageError::ZeroDuration {
                option: "--max-oversleep-p99"
            })
        );
    }

    #[test]
    fn seed_means_shuffled() {
        let config = validate(&LoadArgs {
            seed: Some(7),
            ..samples(1)
        })
        .unwrap();
        assert_eq!(config.load.order, Order::Shuffled { seed: 7 });
    }
}
