//! The HTTP client: hyper-util's pooled client over rustls (ring provider).

use std::path::Path;
use std::sync::Arc;

use bytes::Bytes;
use http_body_util::Full;
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::{TokioExecutor, TokioTimer};
use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;

use crate::load::Timeouts;
use crate::plan::{HttpVersion, Plan};

pub(crate) type HttpClient = Client<HttpsConnector<HttpConnector>, Full<Bytes>>;

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
}

pub(crate) fn build_client(plan: &Plan, timeouts: &Timeouts) -> Result<HttpClient, ClientError> {
    let mut http = HttpConnector::new();
    http.enforce_http(false);
    http.set_nodelay(true);
    http.set_connect_timeout(Some(timeouts.connect));
    let mut roots = rustls::RootCertStore::empty();
    roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    if let Some(path) = &plan.ca_file {
        add_pem_roots(&mut roots, path)?;
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let tls = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(ClientError::Tls)?
        .with_root_certificates(roots)
        .with_no_client_auth();
    let builder = hyper_rustls::HttpsConnectorBuilder::new()
        .with_tls_config(tls)
        .https_or_http();
    let connector = match plan.http_version {
        HttpVersion::Auto => builder.enable_all_versions().wrap_connector(http),
        HttpVersion::Http1 => builder.enable_http1().wrap_connector(http),
        HttpVersion::Http2 => builder.enable_http2().wrap_connector(http),
    };
    let mut client = Client::builder(TokioExecutor::new());
    client
        .pool_timer(TokioTimer::new())
        .timer(TokioTimer::new());
    if !plan.keep_alive {
        client.pool_max_idle_per_host(0);
    }
    if plan.http_version == HttpVersion::Http2 {
        client.http2_only(true);
    }
    Ok(client.build(connector))
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
