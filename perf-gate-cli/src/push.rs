//! Pushing metrics to a Prometheus Pushgateway: `perf-gate push` and `gate --push-gateway`.
//!
//! An output destination like the artifact files, so it lives beside `output.rs` in the binary:
//! it is network I/O with a timeout and a terminal-facing error, and no library needs it.
//! `PUT /metrics/job/<job>{/<label>/<value>}` replaces the whole group of that grouping key
//! (prometheus/pushgateway README). A job or label value that is empty, or holds anything but
//! `A-Za-z0-9._~-` (a `/` above all), is sent in the `<name>@base64/<base64url>` form. The HTTP
//! client is hyper-util's over rustls (ring), the stack perf-probe already brings, on a
//! current-thread tokio runtime: no crate is added for it. Credentials in the URL
//! (`https://user:secret@host`) are sent as basic authentication and never printed; every
//! message names the gateway as scheme, host and port only.

use std::sync::Arc;
use std::time::Duration;

use base64::Engine as _;
use bytes::Bytes;
use http_body_util::{BodyExt as _, Full, Limited};

/// The most bytes of an error answer's body kept for the message.
const MAX_BODY_SNIPPET: usize = 512;

/// Where and under which grouping key to push.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PushTarget {
    /// The gateway's base URL (`http://127.0.0.1:9091`), possibly with credentials.
    pub gateway: String,
    /// The `job` of the grouping key.
    pub job: String,
    /// Further grouping labels, in order.
    pub labels: Vec<(String, String)>,
    /// How long the whole push may take.
    pub timeout: Duration,
}

/// Why a push failed.
#[derive(Debug, thiserror::Error)]
pub enum PushError {
    /// The gateway URL is not an `http` or `https` URL.
    #[error("invalid Pushgateway URL {shown}: {problem}")]
    Url {
        /// The URL without credentials, query or fragment.
        shown: String,
        /// What is wrong.
        problem: &'static str,
    },
    /// No runtime or TLS configuration could be made.
    #[error("cannot set up the HTTP client")]
    Setup(#[source] Box<dyn std::error::Error + Send + Sync>),
    /// The request failed before an answer (connection refused, TLS, reset).
    #[error("cannot push to the Pushgateway at {gateway}")]
    Request {
        /// The gateway, without credentials.
        gateway: String,
        /// The cause.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// No answer within the timeout.
    #[error("the Pushgateway at {gateway} did not answer within {seconds}s")]
    Timeout {
        /// The gateway, without credentials.
        gateway: String,
        /// The timeout, seconds.
        seconds: u64,
    },
    /// The gateway refused the push.
    #[error("the Pushgateway at {gateway} refused the push: HTTP {status}: {body}")]
    Refused {
        /// The gateway, without credentials.
        gateway: String,
        /// The HTTP status.
        status: u16,
        /// The start of its answer, escaped (at most 512 bytes of it).
        body: String,
    },
}

/// `true` for a label name Prometheus accepts (`[a-zA-Z_][a-zA-Z0-9_]*`).
pub fn is_label_name(name: &str) -> bool {
    let mut characters = name.chars();
    characters
        .next()
        .is_some_and(|first| first.is_ascii_alphabetic() || first == '_')
        && characters.all(|character| character.is_ascii_alphanumeric() || character == '_')
}

/// One `/<name>/<value>` segment pair of a grouping key, with the `@base64` form for values a
/// URL path cannot carry as they are.
fn key_segment(name: &str, value: &str) -> String {
    let plain = !value.is_empty()
        && value
            .bytes()
            .all(|byte| byte.is_ascii_alphanumeric() || matches!(byte, b'.' | b'_' | b'~' | b'-'));
    if plain {
        format!("/{name}/{value}")
    } else {
        let encoded = base64::engine::general_purpose::URL_SAFE.encode(value.as_bytes());
        format!("/{name}@base64/{encoded}")
    }
}

/// The path of a grouping key: `/metrics/job/<job>{/<label>/<value>}`.
pub fn grouping_path(job: &str, labels: &[(String, String)]) -> String {
    let mut path = format!("/metrics{}", key_segment("job", job));
    for (name, value) in labels {
        path.push_str(&key_segment(name, value));
    }
    path
}

/// A gateway URL split into what is shown, what is sent and the credentials.
struct Gateway {
    /// `scheme://host[:port]`, for messages.
    shown: String,
    /// The base URL without credentials (its path kept, without a trailing `/`).
    base: String,
    /// `user:password`, when the URL had them.
    credentials: Option<String>,
}

fn parse_gateway(url: &str) -> Result<Gateway, PushError> {
    let (scheme, rest) = url.split_once("://").unwrap_or(("", url));
    // Nothing after `?` or `#` is shown or sent: a token may hide there.
    let rest = rest.split(['?', '#']).next().unwrap_or_default();
    let (authority, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    let (credentials, host) = match authority.rsplit_once('@') {
        Some((credentials, host)) => (Some(credentials.to_owned()), host),
        None => (None, authority),
    };
    let shown = format!("{scheme}://{host}");
    let invalid = |problem| PushError::Url {
        shown: shown.clone(),
        problem,
    };
    if scheme != "http" && scheme != "https" {
        return Err(invalid("the scheme must be http or https"));
    }
    if host.is_empty() {
        return Err(invalid("no host"));
    }
    Ok(Gateway {
        base: format!("{scheme}://{host}{}", path.trim_end_matches('/')),
        shown,
        credentials,
    })
}

/// PUTs `body` (Prometheus text 0.0.4 or OpenMetrics text, which the gateway reads alike) to
/// the target's grouping key, replacing the group.
///
/// # Errors
/// [`PushError`]: an invalid URL, a failed or timed-out request, or a non-2xx answer.
pub fn push(target: &PushTarget, body: String) -> Result<(), PushError> {
    let gateway = parse_gateway(&target.gateway)?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|error| PushError::Setup(Box::new(error)))?;
    let url = format!(
        "{}{}",
        gateway.base,
        grouping_path(&target.job, &target.labels)
    );
    runtime.block_on(async {
        match tokio::time::timeout(target.timeout, send(&gateway, &url, body)).await {
            Ok(result) => result,
            Err(_) => Err(PushError::Timeout {
                gateway: gateway.shown.clone(),
                seconds: target.timeout.as_secs(),
            }),
        }
    })
}

async fn send(gateway: &Gateway, url: &str, body: String) -> Result<(), PushError> {
    let request_error = |source: Box<dyn std::error::Error + Send + Sync>| PushError::Request {
        gateway: gateway.shown.clone(),
        source,
    };
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut roots = rustls::RootCertStore::empty();
    roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    let tls = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|error| PushError::Setup(Box::new(error)))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    let connector = hyper_rustls::HttpsConnectorBuilder::new()
        .with_tls_config(tls)
        .https_or_http()
        .enable_http1()
        .build();
    let client = hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
        .build::<_, Full<Bytes>>(connector);
    let mut request = http::Request::put(url).header(
        http::header::CONTENT_TYPE,
        "text/plain; version=0.0.4; charset=utf-8",
    );
    if let Some(credentials) = &gateway.credentials {
        let encoded = base64::engine::general_purpose::STANDARD.encode(credentials.as_bytes());
        request = request.header(http::header::AUTHORIZATION, format!("Basic {encoded}"));
    }
    let request = request
        .body(Full::new(Bytes::from(body)))
        .map_err(|error| request_error(Box::new(error)))?;
    let response = client
        .request(request)
        .await
        .map_err(|error| request_error(Box::new(error)))?;
    let status = response.status();
    if status.is_success() {
        return Ok(());
    }
    // A refusal's body says why (e.g. an inconsistent push); keep its start, escaped.
    let bytes = Limited::new(response.into_body(), 64 * 1024)
        .collect()
        .await
        .map(|collected| collected.to_bytes())
        .unwrap_or_default();
    let text = String::from_utf8_lossy(&bytes[..bytes.len().min(MAX_BODY_SNIPPET)]);
    Err(PushError::Refused {
        gateway: gateway.shown.clone(),
        status: status.as_u16(),
        body: match text.trim() {
            "" => "(an empty answer)".to_owned(),
            answer => perf_report::render::escape::ascii(answer),
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grouping_keys_use_base64_for_slashes_and_empty_values() {
        let labels = vec![
            ("branch".to_owned(), "feature/x".to_owned()),
            ("run".to_owned(), "42".to_owned()),
            ("empty".to_owned(), String::new()),
        ];
        assert_eq!(
            grouping_path("perf-gate", &labels),
            "/metrics/job/perf-gate/branch@base64/ZmVhdHVyZS94/run/42/empty@base64/"
        );
        assert_eq!(grouping_path("a b", &[]), "/metrics/job@base64/YSBi");
    }

    #[test]
    fn credentials_query_and_fragment_are_never_shown() {
        let gateway = parse_gateway("https://user:s3cret@gw.example:9091/base/?token=t#f").unwrap();
        assert_eq!(gateway.shown, "https://gw.example:9091");
        assert_eq!(gateway.base, "https://gw.example:9091/base");
        assert_eq!(gateway.credentials.as_deref(), Some("user:s3cret"));
        let error = parse_gateway("ftp://user:s3cret@host").err().unwrap();
        assert!(!error.to_string().contains("s3cret"), "{error}");
    }

    #[test]
    fn label_names_follow_prometheus() {
        assert!(is_label_name("branch_1"));
        assert!(is_label_name("_x"));
        assert!(!is_label_name("1x"));
        assert!(!is_label_name("a-b"));
        assert!(!is_label_name(""));
    }

    #[test]
    fn a_closed_port_is_a_request_error_naming_the_gateway() {
        // Bind then drop: the port is free and nothing listens on it.
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let target = PushTarget {
            gateway: format!("http://user:pw@127.0.0.1:{port}"),
            job: "perf-gate".to_owned(),
            labels: Vec::new(),
            timeout: Duration::from_secs(5),
        };
        let error = push(&target, "x 1\n".to_owned()).unwrap_err();
        assert!(matches!(error, PushError::Request { .. }), "{error:?}");
        assert_eq!(
            error.to_string(),
            format!("cannot push to the Pushgateway at http://127.0.0.1:{port}")
        );
    }
}
