//! A demo registry service that writes perf-gate records for every request.
//!
//! ```sh
//! cargo run --release -p perf-recorder --features axum --example registry -- \
//!     --listen 127.0.0.1:8080 --dir artifacts/perf --api-key secret
//! ```
//!
//! It prints `listening on http://ADDR` on stdout once it accepts connections (with port 0, the
//! port the system chose), and on SIGTERM or Ctrl-C stops accepting, finishes the requests in
//! flight, flushes the records and exits 0. Records go to `{dir}/{YYYY-MM-DD}/{session}.jsonl`
//! with tool `registry` and one step per route (`GET /v1/registry/{urn}`).

#[path = "support/registry_app.rs"]
mod registry_app;

use std::io::Write as _;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use perf_recorder::Recorder;

/// The demo registry: GET /health, GET /openapi.json, GET and PUT /v1/registry/{urn},
/// GET /v1/resolve?urn=URN.
#[derive(Debug, Parser)]
struct Args {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8080")]
    listen: SocketAddr,
    /// Directory of the records: {dir}/{YYYY-MM-DD}/{session}.jsonl.
    #[arg(long)]
    dir: PathBuf,
    /// The API key /v1 requests must send (x-api-key or Authorization: Bearer).
    #[arg(long)]
    api_key: String,
    /// The records' sessionId (default: registry-{pid}-{start ms}).
    #[arg(long)]
    session_id: Option<String>,
    /// Milliseconds added to every /v1 request.
    #[arg(long, default_value_t = 0)]
    delay_ms: u64,
    /// Fraction of /v1 requests answered 503 on purpose, 0 to 1.
    #[arg(long, default_value_t = 0.0)]
    error_rate: f64,
    /// Seed of the choice of failing requests.
    #[arg(long, default_value_t = 0)]
    seed: u64,
}

/// Runs the service until SIGTERM or Ctrl-C; public so the end-to-end tests can build a twin.
pub fn main() -> ExitCode {
    let args = Args::parse();
    if !(0.0..=1.0).contains(&args.error_rate) {
        eprintln!(
            "registry: --error-rate must be between 0 and 1, got {}",
            args.error_rate
        );
        return ExitCode::from(2);
    }
    match run(args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("registry: {error}");
            let mut source = std::error::Error::source(error.as_ref());
            while let Some(cause) = source {
                eprintln!("  caused by: {cause}");
                source = cause.source();
            }
            ExitCode::FAILURE
        }
    }
}

fn run(args: Args) -> Result<(), Box<dyn std::error::Error>> {
    let mut builder = Recorder::builder()
        .tool("registry")
        .dir(&args.dir)
        .on_error(|error| {
            eprintln!("registry: recording failed: {error}");
        });
    if let Some(session_id) = &args.session_id {
        builder = builder.session_id(session_id);
    }
    let recorder = builder.build()?;
    let config = registry_app::Config {
        api_key: args.api_key,
        delay: Duration::from_millis(args.delay_ms),
        error_rate: args.error_rate,
        seed: args.seed,
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind(args.listen).await?;
        let address = listener.local_addr()?;
        let app = registry_app::router(recorder.clone(), config);
        let mut stdout = std::io::stdout();
        writeln!(stdout, "listening on http://{address}")?;
        stdout.flush()?;
        axum::serve(listener, app)
            .with_graceful_shutdown(shutdown_signal())
            .await?;
        Ok::<(), Box<dyn std::error::Error>>(())
    })?;
    // Every connection is closed; write what is queued before exiting.
    recorder.flush()?;
    Ok(())
}

/// Resolves on Ctrl-C or SIGTERM.
async fn shutdown_signal() {
    let ctrl_c = async {
        // If the handler cannot be installed, only SIGTERM stops the service.
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = terminate => {}
    }
}
