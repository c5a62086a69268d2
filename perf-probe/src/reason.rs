//! The closed vocabulary of `errorReason`.

use std::error::Error as StdError;

/// Why a request failed: the closed vocabulary written to `errorReason`.
///
/// | reason | meaning |
/// |---|---|
/// | `http_401`, `http_403`, `http_404`, `http_429` | that status, not expected |
/// | `http_4xx` | another 4xx status, not expected |
/// | `http_5xx` | any 5xx status, not expected |
/// | `http_other` | a status outside 100-599 (hyper accepts up to 999) |
/// | `http_1xx`, `http_2xx`, `http_3xx` | a status of that class the endpoint does not expect (`expect = [201]` answered by 200) |
/// | `timeout` | the request timeout (or the connect timeout) elapsed; `ms` is the timeout |
/// | `connect_refused` | the TCP connection was refused |
/// | `dns` | the host name did not resolve |
/// | `tls` | the TLS handshake or certificate check failed |
/// | `connect` | any other failure to connect (unreachable, reset during connect) |
/// | `body_read` | the status arrived but reading the body failed |
/// | `protocol` | any other transport failure (connection closed before the response, malformed response) |
/// | `check_failed: <check>` | an expected status whose body failed the named check |
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ErrorReason {
    /// An unexpected status.
    Status(u16),
    /// The request timed out.
    Timeout,
    /// Connection refused.
    ConnectRefused,
    /// Name resolution failed.
    Dns,
    /// TLS failed.
    Tls,
    /// Another connect failure.
    Connect,
    /// Reading the body failed.
    BodyRead,
    /// Another transport failure.
    Protocol,
    /// A response check failed; holds the check's name.
    CheckFailed(String),
}

impl ErrorReason {
    /// The text written to `errorReason`.
    pub fn as_text(&self) -> std::borrow::Cow<'static, str> {
        use std::borrow::Cow::{Borrowed, Owned};
        match self {
            ErrorReason::Status(status) => Borrowed(match status {
                401 => "http_401",
                403 => "http_403",
                404 => "http_404",
                429 => "http_429",
                100..=199 => "http_1xx",
                200..=299 => "http_2xx",
                300..=399 => "http_3xx",
                400..=499 => "http_4xx",
                500..=599 => "http_5xx",
                _ => "http_other",
            }),
            ErrorReason::Timeout => Borrowed("timeout"),
            ErrorReason::ConnectRefused => Borrowed("connect_refused"),
            ErrorReason::Dns => Borrowed("dns"),
            ErrorReason::Tls => Borrowed("tls"),
            ErrorReason::Connect => Borrowed("connect"),
            ErrorReason::BodyRead => Borrowed("body_read"),
            ErrorReason::Protocol => Borrowed("protocol"),
            ErrorReason::CheckFailed(name) => Owned(format!("check_failed: {name}")),
        }
    }
}

/// Classifies a failed exchange on an open connection (or its HTTP handshake) by walking the
/// error's source chain (io::Error's own inner error included, which `source()` skips): a
/// rustls error is `tls`, a timed-out socket `timeout`, anything else `protocol` (closed before
/// the response, malformed response).
pub(crate) fn classify_transport_error(error: &(dyn StdError + 'static)) -> ErrorReason {
    let mut current: Option<&(dyn StdError + 'static)> = Some(error);
    while let Some(error) = current {
        if error.downcast_ref::<rustls::Error>().is_some() {
            return ErrorReason::Tls;
        }
        if let Some(io) = error.downcast_ref::<std::io::Error>() {
            if io.kind() == std::io::ErrorKind::TimedOut {
                return ErrorReason::Timeout;
            }
            if let Some(inner) = io.get_ref() {
                current = Some(inner);
                continue;
            }
        }
        current = error.source();
    }
    ErrorReason::Protocol
}

/// Classifies a failed TCP connect.
pub(crate) fn classify_connect_io(error: &std::io::Error) -> ErrorReason {
    classify_io(error).unwrap_or(ErrorReason::Connect)
}

fn classify_io(error: &std::io::Error) -> Option<ErrorReason> {
    use std::io::ErrorKind;
    match error.kind() {
        ErrorKind::ConnectionRefused => Some(ErrorReason::ConnectRefused),
        ErrorKind::TimedOut => Some(ErrorReason::Timeout),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_map_to_the_vocabulary() {
        let text = |status| ErrorReason::Status(status).as_text().into_owned();
        assert_eq!(text(401), "http_401");
        assert_eq!(text(404), "http_404");
        assert_eq!(text(429), "http_429");
        assert_eq!(text(418), "http_4xx");
        assert_eq!(text(500), "http_5xx");
        assert_eq!(text(503), "http_5xx");
        assert_eq!(text(200), "http_2xx");
        assert_eq!(
            ErrorReason::CheckFailed("contains \"x\"".into()).as_text(),
            "check_failed: contains \"x\""
        );
    }
}
