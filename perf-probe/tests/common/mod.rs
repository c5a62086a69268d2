//! A real HTTP server on 127.0.0.1 for the probe's tests (hyper, HTTP/1.1 and h2c).

#![allow(dead_code)]

use std::convert::Infallible;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::{TokioExecutor, TokioIo};

/// The API key the `/auth` route wants in `x-api-key`.
pub const API_KEY: &str = "s3cret-KEY-0f9a2b";

#[derive(Default)]
pub struct State {
    /// Delay of `/delay`, in ms, set by the test.
    pub delay_ms: AtomicU64,
    /// `/stall` requests wait until this instant.
    pub stall_until: Mutex<Option<Instant>>,
    /// Paths of every request seen (unless `forget_paths`).
    pub paths: Mutex<Vec<String>>,
    /// Set by benchmarks: keep no path, so the server's memory and time per request stay
    /// constant.
    pub forget_paths: AtomicBool,
    /// Connections accepted.
    pub connections: AtomicU64,
}

pub struct Server {
    pub base_url: String,
    pub state: Arc<State>,
}

/// Starts the server on its own thread with its own runtime; it lives until the test process
/// exits.
pub fn start() -> Server {
    start_with(None)
}

/// A self-signed certificate for 127.0.0.1, as PEM (for the probe's `ca-file`).
pub struct Tls {
    pub certificate_pem: String,
    acceptor: tokio_rustls::TlsAcceptor,
}

pub fn tls() -> Tls {
    let rcgen::CertifiedKey { cert, signing_key } =
        rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_owned()]).unwrap();
    let key = rustls::pki_types::PrivateKeyDer::Pkcs8(signing_key.serialize_der().into());
    let provider = std::sync::Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(vec![cert.der().clone()], key)
        .unwrap();
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Tls {
        certificate_pem: cert.pem(),
        acceptor: tokio_rustls::TlsAcceptor::from(Arc::new(config)),
    }
}

/// An HTTPS server (ALPN h2 and HTTP/1.1) with the certificate of `tls`.
pub fn start_tls(tls: &Tls) -> Server {
    let mut server = start_with(Some(tls.acceptor.clone()));
    server.base_url = server.base_url.replace("http://", "https://");
    server
}

fn start_with(acceptor: Option<tokio_rustls::TlsAcceptor>) -> Server {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let address = listener.local_addr().unwrap();
    let state = Arc::new(State::default());
    let shared = Arc::clone(&state);
    let spawned = std::thread::Builder::new()
        .name("test-server".into())
        .spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            runtime.block_on(async move {
                let listener = tokio::net::TcpListener::from_std(listener).unwrap();
                loop {
                    let Ok((stream, _)) = listener.accept().await else {
                        continue;
                    };
                    let _ = stream.set_nodelay(true);
                    shared.connections.fetch_add(1, Ordering::Relaxed);
                    let state = Arc::clone(&shared);
                    let acceptor = acceptor.clone();
                    tokio::spawn(async move {
                        let service = hyper::service::service_fn(move |request| {
                            let state = Arc::clone(&state);
                            async move { Ok::<_, Infallible>(handle(&state, request).await) }
                        });
                        let builder =
                            hyper_util::server::conn::auto::Builder::new(TokioExecutor::new());
                        match acceptor {
                            None => {
                                let _ = builder
                                    .serve_connection(TokioIo::new(stream), service)
                                    .await;
                            }
                            Some(acceptor) => {
                                let Ok(stream) = acceptor.accept(stream).await else {
                                    return;
                                };
                                let _ = builder
                                    .serve_connection(TokioIo::new(stream), service)
                                    .await;
                            }
                        }
                    });
                }
            });
        });
    spawned.unwrap();
    Server {
        base_url: format!("http://{address}"),
        state,
    }
}

fn reply(status: u16, body: impl Into<Bytes>) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(body.into()));
    *response.status_mut() = StatusCode::from_u16(status).unwrap();
    response
}

async fn handle(state: &State, request: Request<Incoming>) -> Response<Full<Bytes>> {
    let path = request.uri().path().to_owned();
    if !state.forget_paths.load(Ordering::Relaxed) {
        state.paths.lock().unwrap().push(path.clone());
    }
    match path.as_str() {
        "/ok" | "/health" => reply(200, "hello"),
        "/json" => reply(200, r#"{"status":"ok","items":[1,2,3]}"#),
        "/created" => reply(201, "made"),
        "/401" => reply(401, "who are you"),
        "/404" => reply(404, "not here"),
        "/418" => reply(418, "teapot"),
        "/429" => reply(429, "slow down"),
        "/500" => reply(500, "oops"),
        "/503" => reply(503, "later"),
        "/slow" => {
            tokio::time::sleep(Duration::from_secs(3)).await;
            reply(200, "finally")
        }
        "/delay" => {
            let delay = state.delay_ms.load(Ordering::Relaxed);
            tokio::time::sleep(Duration::from_millis(delay)).await;
            reply(200, "delayed")
        }
        "/stall" => {
            let until = *state.stall_until.lock().unwrap();
            if let Some(until) = until
                && Instant::now() < until
            {
                tokio::time::sleep_until(until.into()).await;
            }
            reply(200, "ok")
        }
        "/auth" => match request.headers().get("x-api-key") {
            Some(value) if value.as_bytes() == API_KEY.as_bytes() => reply(200, "welcome"),
            _ => reply(401, "no key"),
        },
        "/version" => reply(200, format!("{:?}", request.version())),
        // The server closes the connection after this response.
        "/close" => {
            let mut response = reply(200, "bye");
            response.headers_mut().insert(
                hyper::header::CONNECTION,
                hyper::header::HeaderValue::from_static("close"),
            );
            response
        }
        _ if path.starts_with("/items/") => reply(200, "item"),
        _ => reply(404, "no route"),
    }
}

/// A raw TCP server that reads each request and then misbehaves: `"short"` promises 100 body
/// bytes, sends 5 and closes; `"close"` closes without answering. For `body_read` and
/// `protocol`. It serves `connections` connections, then stops.
pub fn start_broken(behaviour: &'static str, connections: usize) -> String {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        for stream in listener.incoming().take(connections) {
            let Ok(mut stream) = stream else { continue };
            let mut buffer = [0u8; 4096];
            let _ = stream.read(&mut buffer);
            if behaviour == "short" {
                let _ = stream.write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\nshort");
            }
        }
    });
    format!("http://{address}")
}
