//! The HTTP client: direct hyper connections over TCP or rustls (ring provider), no pool.
//!
//! A closed-model worker owns one connection and sends every request on it; open-model
//! requests take an idle HTTP/1.1 connection from a local stack and put it back. HTTP/2 (ALPN
//! `h2` over https, or prior knowledge) is one multiplexed connection whose `SendRequest` every
//! sender clones. Everything runs on the probe's single thread, so nothing here locks, hashes
//! a pool key or spawns a task per request (what hyper-util's pooled client does, about 2 µs a
//! request). A connection that closed, failed or timed out is dropped, and the next request
//! connects again; a failed connect is that request's record (`connect_refused`, `dns`, `tls`,
//! `timeout`, `connect`).

use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::Full;
use hyper::client::conn::{http1, http2};
use hyper_util::rt::{TokioExecutor, TokioIo};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName};
use tokio::net::TcpStream;

use crate::load::Timeouts;
use crate::plan::{HttpVersion, Plan};
use crate::reason::{ErrorReason, classify_connect_io, classify_transport_error};
use crate::run::lock;

/// Why the client could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// The `ca-file` could not be read or holds no valid certificate.
    #[error("cannot use the CA file {}", path.display())]
    CaFile {
        /// The file.
        path: std::path::PathBuf,
        /// What went wrong.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// rustls refused the configuration.
    #[error("cannot configure TLS")]
    Tls(#[source] rustls::Error),
    /// The base URL's host is not a valid TLS server name.
    #[error("the host {host:?} is not a valid TLS server name")]
    ServerName {
        /// The host.
        host: String,
        /// Why rustls refused it.
        #[source]
        source: rustls::pki_types::InvalidDnsNameError,
    },
}

/// One open connection.
pub(crate) enum Connection {
    /// HTTP/1.1: one request at a time.
    Http1(http1::SendRequest<Full<Bytes>>),
    /// HTTP/2: a clone of the shared multiplexed connection's handle.
    Http2(http2::SendRequest<Full<Bytes>>),
}

impl Connection {
    pub(crate) fn is_closed(&self) -> bool {
        match self {
            Connection::Http1(sender) => sender.is_closed(),
            Connection::Http2(sender) => sender.is_closed(),
        }
    }

    pub(crate) fn is_http2(&self) -> bool {
        matches!(self, Connection::Http2(_))
    }
}

/// TLS settings of an `https` base URL.
struct Tls {
    connector: tokio_rustls::TlsConnector,
    server_name: ServerName<'static>,
}

/// Opens connections to the plan's origin and keeps the reusable ones.
pub(crate) struct Connector {
    /// The host for name resolution (an IPv6 literal without its brackets).
    host: String,
    port: u16,
    tls: Option<Tls>,
    version: HttpVersion,
    connect_timeout: Duration,
    keep_alive: bool,
    /// Idle HTTP/1.1 connections of the open model.
    idle: Mutex<Vec<http1::SendRequest<Full<Bytes>>>>,
    /// The shared HTTP/2 connection.
    http2: Mutex<Option<http2::SendRequest<Full<Bytes>>>>,
    /// Held while opening a connection that may turn out to be HTTP/2, so concurrent senders
    /// wait for that one connection instead of opening one each.
    connecting: tokio::sync::Mutex<()>,
    /// Set once an `https` connection in `auto` mode negotiated HTTP/1.1: later connects need
    /// not wait for each other.
    negotiated_http1: AtomicBool,
}

impl Connector {
    pub(crate) fn new(plan: &Plan, timeouts: &Timeouts) -> Result<Connector, ClientError> {
        let authority = &plan.base.authority;
        let https = plan.base.scheme == http::uri::Scheme::HTTPS;
        let host = authority.host();
        let host = host
            .strip_prefix('[')
            .and_then(|host| host.strip_suffix(']'))
            .unwrap_or(host)
            .to_owned();
        let port = authority.port_u16().unwrap_or(if https { 443 } else { 80 });
        let tls = if https {
            Some(Tls {
                connector: tokio_rustls::TlsConnector::from(Arc::new(tls_config(plan)?)),
                server_name: ServerName::try_from(host.clone()).map_err(|source| {
                    ClientError::ServerName {
                        host: host.clone(),
                        source,
                    }
                })?,
            })
        } else {
            None
        };
        Ok(Connector {
            host,
            port,
            tls,
            version: plan.http_version,
            connect_timeout: timeouts.connect,
            keep_alive: plan.keep_alive,
            idle: Mutex::new(Vec::new()),
            http2: Mutex::new(None),
            connecting: tokio::sync::Mutex::new(()),
            negotiated_http1: AtomicBool::new(false),
        })
    }

    /// A reusable open connection, if there is one: the shared HTTP/2 connection or an idle
    /// HTTP/1.1 one.
    pub(crate) fn reusable(&self) -> Option<Connection> {
        if let Some(sender) = lock(&self.http2).as_ref()
            && !sender.is_closed()
        {
            return Some(Connection::Http2(sender.clone()));
        }
        let mut idle = lock(&self.idle);
        while let Some(sender) = idle.pop() {
            if !sender.is_closed() {
                return Some(Connection::Http1(sender));
            }
        }
        None
    }

    /// Whether `connection` may carry another request (keep-alive on, still open).
    pub(crate) fn keeps(&self, connection: &Connection) -> bool {
        self.keep_alive && !connection.is_closed()
    }

    /// Puts a connection an open-model request is done with back for the next one.
    pub(crate) fn give_back(&self, connection: Connection) {
        if let Connection::Http1(sender) = connection
            && self.keep_alive
            && !sender.is_closed()
        {
            lock(&self.idle).push(sender);
        }
    }

    /// Opens a new connection (or joins the shared HTTP/2 one another sender just opened).
    pub(crate) async fn connect(&self) -> Result<Connection, ErrorReason> {
        let may_be_http2 = self.keep_alive
            && match self.version {
                HttpVersion::Http2 => true,
                HttpVersion::Auto => {
                    self.tls.is_some() && !self.negotiated_http1.load(Ordering::Relaxed)
                }
                HttpVersion::Http1 => false,
            };
        if !may_be_http2 {
            return self.open().await;
        }
        let _connecting = self.connecting.lock().await;
        if let Some(sender) = lock(&self.http2).as_ref()
            && !sender.is_closed()
        {
            return Ok(Connection::Http2(sender.clone()));
        }
        let connection = self.open().await?;
        match &connection {
            Connection::Http2(sender) => *lock(&self.http2) = Some(sender.clone()),
            Connection::Http1(_) => self.negotiated_http1.store(true, Ordering::Relaxed),
        }
        Ok(connection)
    }

    async fn open(&self) -> Result<Connection, ErrorReason> {
        let tcp = tokio::time::timeout(self.connect_timeout, self.tcp())
            .await
            .map_err(|_| ErrorReason::Timeout)??;
        match &self.tls {
            None => handshake(tcp, self.version == HttpVersion::Http2).await,
            Some(tls) => {
                let stream = tls
                    .connector
                    .connect(tls.server_name.clone(), tcp)
                    .await
                    .map_err(|_| ErrorReason::Tls)?;
                let http2 = match self.version {
                    HttpVersion::Http2 => true,
                    HttpVersion::Http1 => false,
                    HttpVersion::Auto => stream.get_ref().1.alpn_protocol() == Some(b"h2"),
                };
                handshake(stream, http2).await
            }
        }
    }

    /// Resolves the host and connects to its first address that accepts.
    async fn tcp(&self) -> Result<TcpStream, ErrorReason> {
        // An IP literal is parsed, not resolved.
        let addresses = tokio::net::lookup_host((self.host.as_str(), self.port))
            .await
            .map_err(|_| ErrorReason::Dns)?;
        let mut failure = ErrorReason::Dns;
        for address in addresses {
            match TcpStream::connect(address).await {
                Ok(stream) => {
                    // Requests are small writes: send them at once.
                    let _ = stream.set_nodelay(true);
                    return Ok(stream);
                }
                Err(error) => failure = classify_connect_io(&error),
            }
        }
        Err(failure)
    }
}

/// The HTTP handshake on an open stream; the connection's driver runs as a local task until
/// the connection closes (or every handle to it is dropped).
async fn handshake<S>(stream: S, http2: bool) -> Result<Connection, ErrorReason>
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Send + Unpin + 'static,
{
    let io = TokioIo::new(stream);
    if http2 {
        let (sender, connection) = http2::Builder::new(TokioExecutor::new())
            .handshake(io)
            .await
            .map_err(|error| classify_transport_error(&error))?;
        tokio::spawn(connection);
        Ok(Connection::Http2(sender))
    } else {
        let (sender, connection) = http1::handshake(io)
            .await
            .map_err(|error| classify_transport_error(&error))?;
        tokio::spawn(connection);
        Ok(Connection::Http1(sender))
    }
}

fn tls_config(plan: &Plan) -> Result<rustls::ClientConfig, ClientError> {
    let mut roots = rustls::RootCertStore::empty();
    roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    if let Some(path) = &plan.ca_file {
        add_pem_roots(&mut roots, path)?;
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(ClientError::Tls)?
        .with_root_certificates(roots)
        .with_no_client_auth();
    config.alpn_protocols = match plan.http_version {
        HttpVersion::Auto => vec![b"h2".to_vec(), b"http/1.1".to_vec()],
        HttpVersion::Http1 => vec![b"http/1.1".to_vec()],
        HttpVersion::Http2 => vec![b"h2".to_vec()],
    };
    Ok(config)
}

fn add_pem_roots(roots: &mut rustls::RootCertStore, path: &Path) -> Result<(), ClientError> {
    let error = |source: Box<dyn std::error::Error + Send + Sync>| ClientError::CaFile {
        path: path.to_owned(),
        source,
    };
    let mut added = 0;
    for certificate in CertificateDer::pem_file_iter(path).map_err(|e| error(Box::new(e)))? {
        let certificate = certificate.map_err(|e| error(Box::new(e)))?;
        roots.add(certificate).map_err(|e| error(Box::new(e)))?;
        added += 1;
    }
    if added == 0 {
        return Err(error("no certificate in the file".into()));
    }
    Ok(())
}
